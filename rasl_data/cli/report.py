"""``report weekly [--send]``: the weekly review pack as a zip (``rasl_data.outputs.weekly_pack``), or
its delivery (``rasl_data.outputs.delivery``).
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

from rasl_data import i18n
from rasl_data.analytics import periods, weekly_review
from rasl_data.cli.common import BadInput, OneLineParser, cannot_write, fail, no_cache, no_folder, week_and_settings
from rasl_data.i18n import _
from rasl_data.outputs import exports
from rasl_data.outputs.weekly_pack import build_weekly_pack
from rasl_data.text import one_line


def add_report_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``report weekly`` to an ``argparse`` subparsers object; returns the ``report`` parser.

    ``python -m rasl_data report weekly [--week YYYY-MM-DD] [--tz ZONE]
    [--week-start monday|sunday|saturday] [--cache FILE] [--no-images] --out FILE.zip``.
    Values are checked by ``run_weekly_report`` so a bad one costs one line on stderr and exit 2.
    """
    report = subparsers.add_parser("report", help="write the weekly review pack (zip)")
    report.error = OneLineParser.error.__get__(report)  # the parent CLI builds plain parsers
    what = report.add_subparsers(dest="report_what", metavar="weekly", parser_class=OneLineParser)
    what.required = True
    p = what.add_parser(
        "weekly", help="the weekly review pack: CSVs, offline HTML report, PNG charts, summary",
        description="Write the weekly review pack of one local week as a zip (for cron).")
    p.add_argument("--week", metavar="YYYY-MM-DD",
                   help="any date in the week to review (default: the last complete week)")
    p.add_argument("--tz", metavar="ZONE", help="IANA time zone (default RASL_TIMEZONE)")
    p.add_argument("--week-start", metavar="DAY", help="monday, sunday or saturday (default RASL_WEEK_START)")
    p.add_argument("--cache", metavar="FILE", help="DuckDB cache file (default: RASL_CACHE_PATH or the per-workspace cache)")
    p.add_argument("--no-images", action="store_true", help="leave the PNG charts out (no Chromium needed)")
    p.add_argument("--out", metavar="FILE.zip", help="zip file to write (required unless --send)")
    p.add_argument("--send", action="store_true",
                   help="e-mail the pack and send the summary on WhatsApp to RASL_REPORT_EMAILS / RASL_REPORT_WHATSAPP "
                        "(once per week and recipient)")
    p.add_argument("--force", action="store_true", help="with --send: send again to those who already have it")
    p.set_defaults(func=run_weekly_report)
    return report


def run_weekly_report(args: argparse.Namespace) -> int:
    """Run ``report weekly`` from parsed arguments; returns the exit code.

    0: the zip is written (one line on stdout; a note on stderr when the PNGs were left out).
    1: the cache is missing or unreadable, or the file cannot be written. 2: bad input (date,
    zone, week start, missing ``--out``, a week not over yet, missing folder). Every error is one
    line on stderr; the output file is replaced whole or not at all.
    """
    from rasl_data.cache import store


    if getattr(args, "send", False):
        from rasl_data.cli.deliver import run_weekly_send

        return run_weekly_send(args)
    if getattr(args, "force", False):
        return fail(_("--force only goes with --send"), 2)
    if not args.out:
        return fail(_("--out FILE.zip is required (where to write the pack), or --send to deliver it"), 2)
    try:
        week, cfg = week_and_settings(args)
    except BadInput as err:
        return fail(str(err), 2)
    out = Path(args.out).expanduser()
    if not out.parent.is_dir():
        return fail(no_folder(out.parent), 2)
    cache = cfg.cache_path
    if not store.cache_exists(cache):
        return fail(no_cache(cache), 1)
    reader = store.Reader(cache)
    try:
        review = weekly_review.weekly_review(reader, week, cfg.timezone, cfg.week_start, periods.today_in(cfg.timezone),
                                               weekend_days=cfg.weekend_days)
        data = build_weekly_pack(reader, images=not args.no_images, review=review)
    except ValueError as err:
        return fail(str(err), 2)
    except store.CacheError as err:
        return fail(err.title, 1)
    finally:
        reader.close()
    try:
        exports.write_file_atomically(out, data)
    except OSError as err:
        return fail(cannot_write(out, err.strerror or err), 1)
    new = int(review.metric(weekly_review.METRIC_NEW_CONTACTS)["this_week"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        has_png = any(n.endswith(".png") for n in zf.namelist())
    if not has_png and not args.no_images:
        print(_("note: the PNG charts could not be drawn; README.txt in the pack says why"), file=sys.stderr)
    print(_("wrote {file}: week {start} to {end} ({time_zone}), {count} new contacts").format(
        file=one_line(out), start=review.week_start.isoformat(), end=review.week_end.isoformat(), time_zone=review.tz,
        count=i18n.format_number(new)))
    return 0
