"""Command-line interface: ``python -m rasl_data sync|export|report|alerts|emulator|serve``.

Every command reads the same configuration as the dashboard (``rasl_data.settings``). Errors are
one line on stderr in the user's terms with a non-zero exit code, never a traceback, and never
the API token.

Exit codes: 0 success, 1 the operation failed (API, network, cache), 2 bad input.

Messages for people (errors, progress, summaries) are in ``RASL_LANGUAGE`` with ``RASL_DIGITS``
(``i18n.set_language`` once at the start of ``main``); flags, ``RASL_*`` keys, ``--help`` texts
and the column names of the files written (machine-readable) stay English.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from rasl_data import i18n
from rasl_data.cache import store
from rasl_data.cli.common import OneLineParser, error_line, use_settings_language
from rasl_data.errors import RaslError
from rasl_data.i18n import _
from rasl_data.settings import SettingsError, load_settings


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
            line = _("[{bar}] {done}/{total} pages, {count} contacts").format(
                bar=bar, done=i18n.format_number(p.pages_done), total=i18n.format_number(p.pages_total),
                count=i18n.format_number(p.rows))
        else:
            line = _("{phase}: {done} pages, {count} contacts").format(
                phase=p.phase, done=i18n.format_number(p.pages_done), count=i18n.format_number(p.rows))
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
    from rasl_data.cache.workspace import Workspace

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
            origin = settings.origins.get("RASL_BASE_URL", "default")
            where = " " + _("[RASL_BASE_URL={url} from {origin}]").format(url=settings.base_url, origin=origin)
        print(error_line(f"{result.error_title}{where}"), file=sys.stderr)
        return 1
    print(result.summary() + f" -> {ws.cache_path}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """``serve``: start the dashboard with the right address and secrets file for a server.

    Listens on ``0.0.0.0`` only when ``[auth]`` is configured or the operator asks for an address
    (``--address`` or ``RASL_LISTEN_ADDRESS``); otherwise on ``127.0.0.1``. Passes the same
    secrets file to Streamlit (``--secrets.files``) and the dashboard (``RASL_SECRETS_PATH``).
    ``--print`` shows the command instead of running it. Exit 2 for an unusable sign-in setup.
    """
    from rasl_data import signin
    from rasl_data.settings import DEFAULT_SECRETS_PATH, REPO_ROOT

    secrets = Path(args.secrets or os.environ.get("RASL_SECRETS_PATH") or DEFAULT_SECRETS_PATH).expanduser()
    load_settings(secrets_path=secrets)  # a bad RASL_* value stops here with its key
    try:
        config = signin.load_signin(secrets)
    except signin.SignInConfigError as err:
        print(error_line(_("sign-in: {problem}").format(problem=err)), file=sys.stderr)
        return 2
    address, warning = signin.bind_address(config, args.address or os.environ.get("RASL_LISTEN_ADDRESS"))
    if warning:
        print(warning, file=sys.stderr)
    cmd = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"),
           "--server.address", address, "--server.port", str(args.port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--secrets.files", str(secrets)]
    base = (args.base_path or os.environ.get("RASL_BASE_PATH") or "").strip("/")
    if config.enabled and config.redirect_uri:
        from urllib.parse import urlsplit

        expected = f"/{base}/oauth2callback" if base else "/oauth2callback"
        if urlsplit(config.redirect_uri).path != expected:
            print(error_line(_("sign-in: [auth] redirect_uri {uri} does not match the base path {base}: its path "
                               "should be {expected} (or set --base-path / RASL_BASE_PATH)").format(
                uri=config.redirect_uri, base="/" + base if base else _("(none)"), expected=expected)), file=sys.stderr)
            return 2
    if base:
        cmd += ["--server.baseUrlPath", base]
    url = f"http://{address}:{args.port}/{base + '/' if base else ''}"
    if config.enabled:
        print(_("serving on {url} (sign-in on, roles from {file})").format(url=url, file=secrets), file=sys.stderr)
    else:
        print(_("serving on {url} (no sign-in)").format(url=url), file=sys.stderr)
    if args.print:
        print(" ".join(cmd))
        return 0
    env = dict(os.environ, RASL_SECRETS_PATH=str(secrets))
    os.chdir(REPO_ROOT)
    os.execve(sys.executable, cmd, env)  # replaces this process: signals reach Streamlit directly
    return 0  # pragma: no cover


def cmd_emulator(args: argparse.Namespace, extra: list[str]) -> int:
    from rasl_data.emulator.server import main as emulator_main

    return emulator_main(extra)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of every sub-command.

    ``only="sync"`` builds just the sync command's parser, so ``python -m rasl_data sync`` does
    not import the export and report modules (pandas, pyarrow, numpy, plotly) it never uses.
    """
    parser = OneLineParser(prog="python -m rasl_data", description="RASL attribution analytics: sync, export, report, alerts, spend, emulator, serve.")
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
        from rasl_data.cli.export import add_export_parser
    except ImportError:  # pragma: no cover - exports is part of the package
        add_export_parser = None
    if add_export_parser:
        from rasl_data.cli.export import add_export_audit

        add_export_audit(add_export_parser(sub))
    try:
        from rasl_data.cli.report import add_report_parser
    except ImportError:
        add_report_parser = None
    if add_report_parser:
        add_report_parser(sub)
    p_serve = sub.add_parser("serve", help="start the dashboard for a team (address, secrets file, base path)")
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("RASL_PORT") or 8501))
    p_serve.add_argument("--address", default=None,
                         help="listen address (default: 0.0.0.0 with sign-in configured, else 127.0.0.1)")
    p_serve.add_argument("--secrets", metavar="FILE", default=None,
                         help="secrets file (default RASL_SECRETS_PATH or .streamlit/secrets.toml)")
    p_serve.add_argument("--base-path", default=None, help="URL path behind a reverse proxy, e.g. rasl")
    p_serve.add_argument("--print", action="store_true", help="print the streamlit command instead of running it")
    p_serve.set_defaults(func=cmd_serve)
    from rasl_data.cli.deliver import add_alerts_parser

    add_alerts_parser(sub)
    from rasl_data.cli.spend import add_spend_parser

    add_spend_parser(sub)
    from rasl_data.cli.annotate import add_annotate_parser

    add_annotate_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    use_settings_language()  # RASL_LANGUAGE / RASL_DIGITS for every message of this run
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
        print(error_line(_("configuration: {problem}").format(problem=err)), file=sys.stderr)
        return 2
    except ValueError as err:
        print(error_line(err), file=sys.stderr)
        return 2
    except store.CacheBusyError as err:
        print(error_line(err.title), file=sys.stderr)
        return 1
    except store.CacheError as err:
        print(error_line(f"{err.title} ({err.detail})" if err.detail else err.title), file=sys.stderr)
        return 1
    except RaslError as err:
        print(error_line(err.title), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("interrupted: the cache is unchanged"), file=sys.stderr)
        return 130
