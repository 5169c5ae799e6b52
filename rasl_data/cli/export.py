"""``export acquisition`` and ``export audit`` (``export performance`` is in ``cli.spend``): parse,
check, read the cache, write the file through ``rasl_data.outputs.exports``.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from rasl_data import i18n
from rasl_data.analytics import acquisition, periods
from rasl_data.cache import store
from rasl_data.cli.common import audit_date, cannot_write, fail, iso_date, no_cache, no_folder, wrote
from rasl_data.i18n import _, ngettext
from rasl_data.outputs.exports import ACQUISITION_DIMENSIONS, acquisition_frame, table_format, write_table
from rasl_data.settings import load_settings

# ``--compare`` values (hyphens, as CLI flags are written) → the analytics' ``compare`` keys.
COMPARE_FLAGS = {"previous": "previous", "last-year": "last_year", "hijri-year": "hijri_year"}


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``export acquisition ...`` to an ``argparse`` subparsers object; returns the parser.

    ``python -m rasl_data export acquisition --by source|channel|campaign|group|status|type
    --granularity day|week|month --start YYYY-MM-DD --end YYYY-MM-DD [--tz ZONE]
    [--week-start monday|sunday|saturday] [--compare previous|last-year|hijri-year] [--cache FILE]
    --out FILE.csv|FILE.xlsx`` (the format follows the extension of ``--out``; ``--compare`` adds
    ``previous_new_contacts``, see ``comparison.acquisition_with_comparison``).
    """
    export = subparsers.add_parser("export", help="write analytics to CSV or XLSX")
    what = export.add_subparsers(dest="export_what", metavar="acquisition|performance")
    what.required = True
    acq = what.add_parser("acquisition", help="new contacts per period and dimension")
    acq.add_argument("--by", required=True, choices=ACQUISITION_DIMENSIONS)
    acq.add_argument("--granularity", default="day", choices=periods.GRANULARITIES)
    acq.add_argument("--start", required=True, type=iso_date, help="first local date, YYYY-MM-DD")
    acq.add_argument("--end", required=True, type=iso_date, help="last local date (included)")
    acq.add_argument("--tz", default=None, help="IANA time zone (default RASL_TIMEZONE)")
    acq.add_argument("--week-start", default=None, choices=periods.WEEK_STARTS, help="default RASL_WEEK_START")
    acq.add_argument("--compare", default=None, choices=tuple(COMPARE_FLAGS),
                     help="add previous_new_contacts: the previous period, the same period last year "
                          "(364 days earlier) or the same Hijri dates last year")
    acq.add_argument("--cache", metavar="FILE", default=None, help="DuckDB cache file (default RASL_CACHE_PATH or the workspace cache)")
    acq.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx",
                     help="file to write; .csv or .xlsx picks the format")
    acq.set_defaults(func=run_export)
    from rasl_data.cli.spend import add_performance_export

    add_performance_export(what, iso_date)
    return export


class _Refusal(Exception):
    """One step of ``run_export`` refusing: the one line to print and the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def run_export(args: argparse.Namespace) -> int:
    """Run ``export acquisition`` from parsed arguments; returns the exit code.

    The format follows ``--out``'s extension (``.csv`` or ``.xlsx``, ``write_table``).
    0 on success (one line naming the file on stdout). Otherwise one clear line on stderr, never a
    traceback (README "Command line"): 2 for bad input (dates, zone, week start, an empty
    ``--out`` or one that is neither ``.csv`` nor ``.xlsx``, a missing folder, a range too long for the granularity, unusable settings); 1 when
    the operation fails: no cache, an unreadable cache, or a file that cannot be written.
    """
    try:
        cache, filters, compare = _export_request(args)
        out = _out_file(args.out)
        df = _acquisition_table(cache, filters, args.by, args.granularity, compare)
    except _Refusal as refusal:
        return fail(refusal.message, refusal.code)
    try:
        write_table(df, out)
    except OSError as err:
        # ``str(err)`` would name the temporary file beside ``out``; the user named ``out``.
        return fail(cannot_write(out, err.strerror or type(err).__name__), 1)
    print(wrote(out))
    return 0


def _export_request(args: argparse.Namespace) -> tuple[Path, acquisition.Filters, str | None]:
    """The cache file, the filters and the comparison key the arguments and settings ask for;
    ``_Refusal`` (exit 2) for bad dates, zone, week start, comparison or settings."""
    from rasl_data import settings as settings_mod

    try:
        cfg = settings_mod.load_settings({"RASL_CACHE_PATH": getattr(args, "cache", None)})
        tz = (args.tz or "").strip() or cfg.timezone  # " Asia/Riyadh " as the environment takes it
        week_start = (args.week_start or "").strip() or cfg.week_start
        filters = acquisition.Filters(start=args.start, end=args.end, tz=tz, week_start=week_start)
        periods.check_period_count(filters.start, filters.end, args.granularity, filters.week_start)
        compare = COMPARE_FLAGS.get(getattr(args, "compare", None) or "")
        periods.comparison_range(filters.start, filters.end, compare)  # a range the Hijri tables miss: bad input
    except ValueError as err:  # SettingsError included
        raise _Refusal(str(err), 2) from err
    return cfg.cache_path, filters, compare


def _out_file(raw: str | None) -> Path:
    """``--out`` as a path to write; ``_Refusal`` when it is empty, in a missing folder (2), a
    folder (1), or neither ``.csv`` nor ``.xlsx`` (2)."""
    raw_out = (raw or "").strip()
    if not raw_out:
        raise _Refusal(_("--out needs a file name, e.g. --out acquisition.csv or --out acquisition.xlsx"), 2)
    out = Path(raw_out).expanduser()
    if not out.parent.is_dir():
        raise _Refusal(no_folder(out.parent), 2)
    if out.is_dir():
        raise _Refusal(cannot_write(out, _("Is a directory")), 1)
    try:
        table_format(out)
    except ValueError as err:
        raise _Refusal(_("--out {problem}").format(problem=err), 2) from err
    return out


def _acquisition_table(cache: Path, filters: acquisition.Filters, by: str, granularity: str, compare: str | None):
    """The acquisition table read from ``cache`` (with ``previous_new_contacts`` for ``compare``);
    ``_Refusal``: no cache or an unreadable one (1), a bad request the analytics refuse (2)."""
    if not store.cache_exists(cache):
        raise _Refusal(no_cache(cache), 1)
    try:
        reader = store.Reader(cache)
        try:
            if compare:
                from rasl_data.analytics import comparison

                return comparison.acquisition_with_comparison(reader, filters, by, granularity, compare)
            return acquisition_frame(reader, filters, by, granularity)
        finally:
            reader.close()
    except ValueError as err:
        raise _Refusal(str(err), 2) from err
    except store.CacheError as err:
        raise _Refusal(err.title, 1) from err
    except OSError as err:
        raise _Refusal(_("cannot read the cache {file}: {reason}").format(
            file=cache, reason=err.strerror or type(err).__name__), 1) from err


def cmd_export_audit(args: argparse.Namespace) -> int:
    """``export audit``: the audit log (oldest first) as Excel-safe CSV, or typed XLSX for ``.xlsx``.

    Exit codes as the other exports: 2 for bad input (empty ``--out``, missing folder, unknown
    extension), 1 when there is no cache or the file cannot be written.
    """
    from rasl_data.cache import audit


    raw_out = (args.out or "").strip()
    if not raw_out:
        return fail(_("--out needs a file name, e.g. --out audit.csv"), 2)
    out = Path(raw_out).expanduser()
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return fail(_("--out {file}: use a .csv or .xlsx file name").format(file=out.name), 2)
    if not out.parent.is_dir():
        return fail(no_folder(out.parent), 2)
    if out.is_dir():
        return fail(cannot_write(out, _("Is a directory")), 1)
    settings = load_settings({"RASL_CACHE_PATH": args.cache})
    cache = settings.cache_path
    if not store.cache_exists(cache):
        return fail(no_cache(cache), 1)
    end = args.end + timedelta(days=1) if args.end else None
    reader = store.Reader(cache)
    try:
        log = audit.read_log(reader, start=args.start, end=end, actor=(args.actor or "").strip().lower() or None,
                             action=args.action, outcome=args.outcome)
    finally:
        reader.close()
    frame = audit.export_frame(log)
    try:
        # XLSX keeps ids, names and JSON as text cells; CSV writes them as they are (formula-safe).
        write_table(frame, out, sheet_name="Audit log",
                            text_columns=audit.TEXT_COLUMNS if suffix == ".xlsx" else None)
    except OSError as err:
        return fail(cannot_write(out, err.strerror or type(err).__name__), 1)
    print(ngettext("wrote {file} ({count} change)", "wrote {file} ({count} changes)", len(frame)).format(
        file=out, count=i18n.format_number(len(frame))))
    return 0


def add_export_audit(parser: argparse.ArgumentParser) -> None:
    """Add ``audit`` next to ``acquisition`` under ``export``."""
    from rasl_data.cache import audit

    what = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    what.metavar = "acquisition|performance|audit"
    p = what.add_parser("audit", help="the audit log: who changed what, when, and how it ended")
    p.add_argument("--start", type=audit_date, default=None, help="first UTC date, YYYY-MM-DD")
    p.add_argument("--end", type=audit_date, default=None,
                   help="last UTC date (included)")
    p.add_argument("--actor", default=None, help="only this e-mail address (or local, cli)")
    p.add_argument("--action", default=None, help="only this action, e.g. source.create")
    p.add_argument("--outcome", default=None, choices=audit.OUTCOMES)
    p.add_argument("--cache", metavar="FILE", default=None, help="DuckDB cache file (default RASL_CACHE_PATH or the workspace cache)")
    p.add_argument("--out", required=True, help="file to write: .csv (Excel-safe) or .xlsx")
    p.set_defaults(func=cmd_export_audit)
