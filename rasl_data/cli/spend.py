"""Command line for spend, targets and performance.

``python -m rasl_data spend import FILE [--replace]`` / ``spend export --out FILE`` /
``spend targets-import FILE`` / ``spend targets-export --out FILE`` and
``python -m rasl_data export performance --by source|campaign|channel --start --end
[--converted type:customer|status:NAME[,NAME]] --out FILE``.

Exit codes as the rest of the CLI: 0 done, 1 the operation failed (cache), 2 bad input (a
refused file: every problem is listed on stderr with its line number, and nothing is saved).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rasl_data import i18n
from rasl_data.analytics import periods
from rasl_data.cache import store
from rasl_data.cli.common import cannot_write, error_line, fail, no_cache, no_folder
from rasl_data.i18n import _, ngettext


def _workspace(cache: str | None):
    """The workspace of ``--cache`` (or the settings), or None when it has no cache yet."""
    from rasl_data.cache.workspace import Workspace
    from rasl_data.settings import load_settings

    settings = load_settings({"RASL_CACHE_PATH": cache})
    if not store.cache_exists(settings.cache_path):
        return None
    return Workspace(settings)


def _refused(err) -> int:
    """Print a refused file's problems (one per line) and the names to fix; exit code 2."""
    print(error_line(_("{problem} Nothing was saved.").format(problem=err.title)), file=sys.stderr)
    for problem in err.problems:
        print(f"  {problem}", file=sys.stderr)
    if any("overlaps saved spend" in p for p in err.problems):
        print("  " + _("(to replace all saved spend with this file, add --replace)"), file=sys.stderr)
    if err.unmatched:
        print("  " + _("names not found (fix them in the file or map them on Campaigns & channels): {names}").format(
            names="; ".join(err.unmatched)), file=sys.stderr)
    return 2


def _output(raw: str | None) -> Path | int:
    raw = (raw or "").strip()
    if not raw:
        return fail(_("--out needs a file name, e.g. --out spend.csv"), 2)
    out = Path(raw).expanduser()
    from rasl_data.outputs import exports

    try:
        exports.table_format(out)
    except ValueError as err:
        return fail(str(err), 2)
    if not out.parent.is_dir():
        return fail(no_folder(out.parent), 2)
    if out.is_dir():
        return fail(cannot_write(out, _("Is a directory")), 1)
    return out


def _write_table(df, out: Path) -> None:
    """CSV (Excel-safe) or typed XLSX, from the extension of ``out`` (``exports.write_table``)."""
    from rasl_data.outputs import exports

    exports.write_table(df, out)


def cmd_spend(args: argparse.Namespace) -> int:
    """``spend import|export|targets-import|targets-export``; returns the exit code."""
    from rasl_data.access import CLI_ACTOR
    from rasl_data.analytics import spend, targets

    ws = _workspace(args.cache)
    if ws is None:
        from rasl_data.settings import load_settings

        path = load_settings({"RASL_CACHE_PATH": args.cache}).cache_path
        return fail(_("no cache at {file}: run `python -m rasl_data sync` first (spend names are matched "
                      "against the synced sources)").format(file=path), 1)
    if args.spend_what in ("import", "targets-import"):
        try:
            rows = spend.read_file(args.file)
            if args.spend_what == "import":
                saved = ws.save_spend(rows, actor=CLI_ACTOR, replace=args.replace, origin=Path(args.file).name)
                if args.replace:
                    text = _("saved {count} spend rows totalling {total} (replacing all saved spend) -> {file}")
                else:
                    text = _("saved {count} spend rows totalling {total} (added to the saved spend) -> {file}")
                print(text.format(count=i18n.format_number(len(saved)), total=i18n.format_number(
                    saved["amount"].sum(), 2), file=ws.cache_path))
            else:
                saved = ws.save_targets(rows, actor=CLI_ACTOR, origin=Path(args.file).name)
                print(_("saved {count} monthly targets (replacing all saved targets) -> {file}").format(
                    count=i18n.format_number(len(saved)), file=ws.cache_path))
        except spend.SpendError as err:
            return _refused(err)
        return 0
    out = _output(args.out)
    if isinstance(out, int):
        return out
    if args.spend_what == "export":
        df = spend.export_frame(ws.reader)
    else:
        df = targets.read_targets(ws.reader)
        df["month"] = [m.strftime("%Y-%m") for m in df["month"]]
    try:
        _write_table(df, out)
    except OSError as err:
        return fail(cannot_write(out, err.strerror or type(err).__name__), 1)
    print(ngettext("wrote {file}: {count} row", "wrote {file}: {count} rows", len(df)).format(
        file=out, count=i18n.format_number(len(df))))
    return 0


def add_spend_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``spend import|export|targets-import|targets-export`` to the CLI's subparsers."""
    p = subparsers.add_parser("spend", help="import or export marketing spend and monthly targets (CSV or XLSX)")
    what = p.add_subparsers(dest="spend_what", metavar="import|export|targets-import|targets-export")
    what.required = True
    imp = what.add_parser("import", help="check a spend file and save it (start,end,level,name,amount)")
    imp.add_argument("file", help="CSV (UTF-8) or .xlsx with columns start, end, level, name, amount")
    imp.add_argument("--replace", action="store_true", help="replace all saved spend instead of adding to it")
    exp = what.add_parser("export", help="write the saved spend in the import format")
    exp.add_argument("--out", required=True, help="CSV or .xlsx file to write")
    timp = what.add_parser("targets-import", help="save monthly targets (month,channel,new_contacts,customers,cost_per_lead)")
    timp.add_argument("file", help="CSV (UTF-8) or .xlsx; replaces all saved targets")
    texp = what.add_parser("targets-export", help="write the saved monthly targets")
    texp.add_argument("--out", required=True, help="CSV or .xlsx file to write")
    for sp in (imp, exp, timp, texp):
        sp.add_argument("--cache", metavar="FILE", default=None, help="DuckDB cache file (default RASL_CACHE_PATH or the workspace cache)")
        sp.set_defaults(func=cmd_spend)
    return p


def performance_frame(db, filters, by: str, converted: str | None):
    """The performance table as exported: ``performance.performance`` without comparison."""
    from rasl_data.analytics import performance

    return performance.performance(db, filters, by, None, converted)


def run_export_performance(args: argparse.Namespace) -> int:
    """``export performance``; returns the exit code (README "Command line")."""
    from rasl_data.analytics import conversion_definition as cdef
    from rasl_data.analytics.contacts_sql import Filters
    from rasl_data.settings import load_settings

    try:
        cfg = load_settings({"RASL_CACHE_PATH": args.cache})
        tz = (args.tz or "").strip() or cfg.timezone
        week_start = (args.week_start or "").strip() or cfg.week_start
        filters = Filters(start=args.start, end=args.end, tz=tz, week_start=week_start)
        converted = cdef.parse(args.converted, "--converted").text if args.converted else None
    except ValueError as err:
        return fail(str(err), 2)
    out = _output(args.out)
    if isinstance(out, int):
        return out
    if not store.cache_exists(cfg.cache_path):
        return fail(no_cache(cfg.cache_path), 1)
    reader = store.Reader(cfg.cache_path)
    reader.conversion_default = cfg.conversion
    try:
        df = performance_frame(reader, filters, args.by, converted)
        missing = cdef.unknown_statuses(reader, cdef.current(reader, converted))
    except ValueError as err:
        return fail(str(err), 2)
    except store.CacheError as err:
        return fail(err.title, 1)
    finally:
        reader.close()
    try:
        _write_table(df, out)
    except OSError as err:
        return fail(cannot_write(out, err.strerror or type(err).__name__), 1)
    if missing:
        print(_("note: no status is named {names}: contacts never count as customers by it").format(
            names=", ".join(repr(m) for m in missing)), file=sys.stderr)
    print(ngettext("wrote {file}: {count} row by {by}, customers = {definition}",
                   "wrote {file}: {count} rows by {by}, customers = {definition}", len(df)).format(
        file=out, count=i18n.format_number(len(df)), by=args.by, definition=df.attrs.get("conversion", "")))
    return 0


def add_performance_export(what, iso_date) -> argparse.ArgumentParser:
    """Add ``export performance`` to the ``export`` subparsers ``what``; ``iso_date`` parses dates."""
    p = what.add_parser("performance", help="leads, customers, spend and costs per source, campaign or channel")
    p.add_argument("--by", required=True, choices=("source", "campaign", "channel"))
    p.add_argument("--start", required=True, type=iso_date, help="first local date, YYYY-MM-DD")
    p.add_argument("--end", required=True, type=iso_date, help="last local date (included)")
    p.add_argument("--converted", default=None, metavar="DEFINITION",
                   help="type:customer or status:NAME[,NAME] (default: the workspace's conversion definition)")
    p.add_argument("--tz", default=None, help="IANA time zone (default RASL_TIMEZONE)")
    p.add_argument("--week-start", default=None, choices=periods.WEEK_STARTS, help="default RASL_WEEK_START")
    p.add_argument("--cache", metavar="FILE", default=None, help="DuckDB cache file (default RASL_CACHE_PATH or the workspace cache)")
    p.add_argument("--out", required=True, help="CSV or .xlsx file to write")
    p.set_defaults(func=run_export_performance)
    return p


__all__ = ["add_performance_export", "add_spend_parser", "cmd_spend", "run_export_performance"]
