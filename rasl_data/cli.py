"""Command-line interface: ``python -m rasl_data sync|export|report|emulator``.

Every command reads the same configuration as the dashboard (``rasl_data.settings``). Errors are
one line on stderr in the user's terms with a non-zero exit code, never a traceback, and never
the API token.

Exit codes: 0 success, 1 the operation failed (API, network, cache), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import store
from .text import one_line
from .errors import RaslError
from .settings import SettingsError, load_settings


def _progress_printer(stream):
    """A progress callback drawing one updating line (a bar when the page total is known)."""
    state = {"last": ""}

    def show(p) -> None:
        if p.phase == "done":
            return
        if p.pages_total:
            width = 30
            filled = int(width * p.fraction)
            bar = "#" * filled + "-" * (width - filled)
            line = f"[{bar}] {p.pages_done}/{p.pages_total} pages, {p.rows:,} contacts"
        else:
            line = f"{p.phase}: {p.pages_done} pages, {p.rows:,} contacts"
        if p.wait_seconds:
            line += f", {p.message}"
            if not stream.isatty():  # cron logs get each pause on its own line
                stream.write(p.message + "\n")
                stream.flush()
        if line != state["last"] and stream.isatty():
            stream.write("\r" + line[:100].ljust(100))
            stream.flush()
        state["last"] = line

    return show


def cmd_sync(args: argparse.Namespace) -> int:
    from .workspace import Workspace

    settings = load_settings({"RASL_CACHE_PATH": args.cache, "RASL_MAX_RETRY_WAIT": args.max_wait})
    ws = Workspace(settings)
    mode = "full" if args.full else "auto"
    result = ws.sync(mode, on_progress=None if args.quiet else _progress_printer(sys.stderr))
    if not args.quiet and sys.stderr.isatty():
        sys.stderr.write("\n")
    if result.outcome != "success":
        where = ""
        if not settings.is_demo:
            # Secrets.toml beats the environment: say which address was used and from where.
            origin = settings.sources.get("RASL_BASE_URL", "default")
            where = f" [RASL_BASE_URL={settings.base_url} from {origin}]"
        print(one_line(f"error: {result.error_title}{where}"), file=sys.stderr)
        return 1
    print(result.summary() + f" -> {ws.cache_path}")
    return 0


def cmd_emulator(args: argparse.Namespace, extra: list[str]) -> int:
    from .emulator.server import main as emulator_main

    return emulator_main(extra)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, one_line(f"error: {message} (see {self.prog} --help)") + "\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every sub-command.

    ``only="sync"`` builds just the sync command's parser, so ``python -m rasl_data sync`` does
    not import the export and report modules (pandas, pyarrow, numpy, plotly) it never uses.
    """
    parser = OneLineParser(prog="python -m rasl_data", description="RASL attribution analytics: sync, export, report, emulator.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_sync = sub.add_parser("sync", help="pull sources, statuses, groups and contacts into the DuckDB cache")
    p_sync.add_argument("--full", action="store_true", help="re-read every contact instead of only what changed")
    p_sync.add_argument("--cache", metavar="FILE", help="DuckDB cache file (default: RASL_CACHE_PATH or the per-workspace cache)")
    p_sync.add_argument("--quiet", action="store_true", help="no progress bar, only the summary line")
    p_sync.add_argument("--max-wait", metavar="SECONDS",
                        help="longest pause to accept when RASL asks to wait (default RASL_MAX_RETRY_WAIT or 120)")
    p_sync.set_defaults(func=cmd_sync)

    sub.add_parser("emulator", help="serve the demo workspace as the RASL API v2 over HTTP on 127.0.0.1 (see --help)", add_help=False)
    if only == "sync":
        return parser

    try:
        from .exports import add_export_parser
    except ImportError:  # pragma: no cover - exports is part of the package
        add_export_parser = None
    if add_export_parser:
        add_export_parser(sub)
    try:
        from .reports import add_report_parser
    except ImportError:
        add_report_parser = None
    if add_report_parser:
        add_report_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "emulator":
        return cmd_emulator(argparse.Namespace(), argv[1:])
    parser = build_parser(only="sync" if argv and argv[0] == "sync" else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as err:  # usage errors (one line already on stderr) and --help
        return int(err.code or 0)
    try:
        return int(args.func(args) or 0)
    except SettingsError as err:
        print(one_line(f"error: configuration: {err}"), file=sys.stderr)
        return 2
    except ValueError as err:
        print(one_line(f"error: {err}"), file=sys.stderr)
        return 2
    except store.CacheBusyError as err:
        print(one_line(f"error: {err.title}"), file=sys.stderr)
        return 1
    except store.CacheError as err:
        print(one_line(f"error: {err.title} ({err.detail})" if err.detail else f"error: {err.title}"), file=sys.stderr)
        return 1
    except RaslError as err:
        print(one_line(f"error: {err.title}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: the cache is unchanged", file=sys.stderr)
        return 130
