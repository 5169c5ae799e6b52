"""``python -m rasl_data annotate add|list|remove``: the notes shown on the charts, from the command line.

* ``annotate add --date YYYY-MM-DD --text TEXT [--end YYYY-MM-DD]`` adds a note (a span with
  ``--end``) and prints its id;
* ``annotate list [--out FILE.csv|FILE.xlsx]`` prints the notes as tab-separated lines under a header
  (``LIST_COLUMNS``: id, dates, text, who added it and when, who last changed it and when), or
  writes them as CSV or XLSX (``exports.write_table``, the format from the extension);
* ``annotate remove ID`` removes one.

Changes are made as the CLI actor (``access.CLI_ACTOR``, ``cli`` in the audit log). Exit codes as
the rest of the CLI: 0 done, 1 the operation failed (cache, file), 2 bad input (a date, an empty or
too long text, an end before the start, an unknown id).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rasl_data.cli.common import fail
from rasl_data.i18n import _, ngettext
from rasl_data.text import one_line

LIST_COLUMNS = ["id", "start", "end", "text", "created_at", "created_by", "updated_at", "updated_by"]


def _day(text: str, flag: str):
    from rasl_data.analytics import periods

    try:
        return periods.parse_date(text, flag)
    except ValueError as err:
        raise ValueError(str(err).rstrip(".")) from None


class _NoCache(Exception):
    """The cache file named (``--cache``, ``RASL_CACHE_PATH`` or the workspace's) does not exist."""


def _workspace(cache: str | None):
    """The ``Workspace`` of ``cache`` (default: the configured one); ``_NoCache`` when that file does
    not exist, so a mistyped path never starts a new, empty cache no dashboard reads."""
    from rasl_data.cache import store
    from rasl_data.cache.workspace import Workspace
    from rasl_data.settings import load_settings

    settings = load_settings({"RASL_CACHE_PATH": cache})
    if not store.cache_exists(settings.cache_path):
        raise _NoCache(_("there is no cache at {path}: check --cache, or run `python -m rasl_data sync` first").format(
            path=settings.cache_path))
    return Workspace(settings)


def _stamp(value) -> str:
    import pandas as pd

    return "" if value is None or pd.isna(value) else pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def list_lines(notes) -> list[str]:
    """The notes (``Workspace.annotations()``) as ``annotate list`` prints them: a header of
    ``LIST_COLUMNS`` then one tab-separated line per note (times UTC ``YYYY-MM-DDTHH:MM:SSZ``,
    ``end`` empty for one day, the text on one line)."""
    lines = ["\t".join(LIST_COLUMNS)]
    for r in notes.itertuples():
        lines.append("\t".join([str(int(r.id)), r.start.isoformat(), r.end.isoformat() if r.end else "",
                                one_line(r.text), _stamp(r.created_at), one_line(r.created_by),
                                _stamp(r.updated_at), one_line(r.updated_by)]))
    return lines


def cmd_annotate(args: argparse.Namespace) -> int:
    """Run ``annotate add|list|remove``; returns the exit code (module docstring)."""
    from rasl_data.access import CLI_ACTOR
    from rasl_data.cache.notes import AnnotationError

    if args.annotate_what == "list":
        out = None
        if args.out is not None:
            from rasl_data.outputs import exports

            if not args.out.strip():
                return fail(_("--out needs a file name, e.g. --out notes.csv"), 2)
            out = Path(args.out.strip()).expanduser()
            try:
                exports.table_format(out)
            except ValueError as err:
                return fail(str(err), 2)
            if not out.parent.is_dir():
                return fail(_("the folder {folder} does not exist").format(folder=out.parent), 2)
        try:
            ws = _workspace(args.cache)
        except _NoCache as err:
            return fail(str(err), 2)
        notes = ws.annotations()
        if out is None:
            print("\n".join(list_lines(notes)))
            return 0
        from rasl_data.cache.notes import export_frame
        from rasl_data.outputs import exports

        try:
            exports.write_table(export_frame(ws.reader), out)
        except OSError as err:
            return fail(_("cannot write {file}: {reason}").format(file=out, reason=err.strerror or type(err).__name__), 1)
        print(ngettext("wrote {file}: {count} note", "wrote {file}: {count} notes", len(notes)).format(
            file=out, count=len(notes)))
        return 0
    try:
        if args.annotate_what == "add":
            start = _day(args.date, "--date")
            end = _day(args.end, "--end") if args.end else None
            ws = _workspace(args.cache)
            note_id = ws.add_annotation(start, args.text, end, actor=CLI_ACTOR)
            print(_("added note #{id} -> {cache}").format(id=note_id, cache=ws.cache_path))
            return 0
        try:
            note_id = int(args.id)
        except ValueError:
            return fail(_("the note id must be a number, e.g. 3 (see annotate list)"), 2)
        ws = _workspace(args.cache)
        ws.remove_annotation(note_id, actor=CLI_ACTOR)
        print(_("removed note #{id} -> {cache}").format(id=note_id, cache=ws.cache_path))
        return 0
    except (AnnotationError, _NoCache) as err:
        return fail(str(err), 2)


def add_annotate_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``annotate add|list|remove`` to the CLI's subparsers; returns the parser."""
    p = subparsers.add_parser("annotate", help="notes shown on the charts: add, list (or export), remove")
    what = p.add_subparsers(dest="annotate_what", metavar="add|list|remove")
    what.required = True
    add = what.add_parser("add", help="add a note on a date (or a span with --end)")
    add.add_argument("--date", required=True, help="the note's local date, YYYY-MM-DD")
    add.add_argument("--end", default=None, help="last day of a span, YYYY-MM-DD (optional)")
    add.add_argument("--text", required=True, help="the note, one line, at most 200 characters")
    lst = what.add_parser("list", help="print the notes (or write them with --out)")
    lst.add_argument("--out", default=None, metavar="FILE.csv|FILE.xlsx", help="write the notes to this file instead")
    rm = what.add_parser("remove", help="remove a note by its id (see annotate list)")
    rm.add_argument("id", help="the note's id")
    for sp in (add, lst, rm):
        sp.add_argument("--cache", metavar="FILE", default=None,
                        help="DuckDB cache file (default RASL_CACHE_PATH or the workspace cache)")
        sp.set_defaults(func=cmd_annotate)
    return p


__all__ = ["LIST_COLUMNS", "add_annotate_parser", "cmd_annotate", "list_lines"]
