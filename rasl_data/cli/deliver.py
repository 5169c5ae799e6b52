"""``report weekly --send``, ``alerts [--send]`` and the schedule check of compose.yaml
(``python -m rasl_data.cli.deliver weekly-due``): parse, check, print; the sending itself is
``rasl_data.outputs.delivery``.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from rasl_data import i18n
from rasl_data.analytics import periods, weekly_review
from rasl_data.cache import store
from rasl_data.cli.common import (
    BadInput,
    cannot_write,
    error_line,
    fail,
    no_cache,
    no_folder,
    use_settings_language,
    week_and_settings,
    wrote,
)
from rasl_data.i18n import _
from rasl_data.outputs.delivery import (
    EMAIL,
    RunResult,
    deliver,
    pending,
    recipients,
    run_lock,
    send_alerts,
    weekly_content,
    weekly_due,
    workspace_client,
)
from rasl_data.settings import Settings, SettingsError, load_settings


def _print_result(result: RunResult, out=None, err=None) -> None:
    out, err = out or sys.stdout, err or sys.stderr
    for rcpt in result.sent:
        print(_("sent: {recipient}").format(recipient=rcpt), file=out)
    for rcpt, message in result.failed.items():
        print(error_line(f"{rcpt}: {message}"), file=err)


def run_weekly_send(args: argparse.Namespace, *, transport=None, ssl_context=None) -> int:
    """``report weekly --send [--force] [--out FILE]``: build the pack and deliver it; returns the exit code.

    0 everyone has it (now or before); 1 someone did not get it (one line each on stderr naming the
    recipient and what to fix) or the cache cannot be read or written; 2 bad input or no recipients
    configured. ``transport``/``ssl_context`` are for tests (an emulator, a private certificate).
    """
    try:
        week, cfg = week_and_settings(args)
    except BadInput as err:
        return fail(str(err), 2)
    everyone = recipients(cfg)
    if not everyone:
        return fail(_nobody_message(), 2)
    out = Path(args.out).expanduser() if args.out else None
    if out is not None and not out.parent.is_dir():
        return fail(no_folder(out.parent), 2)
    cache = cfg.cache_path
    if not store.cache_exists(cache):
        return fail(no_cache(cache), 1)
    reader = store.Reader(cache)
    try:
        try:
            review = weekly_review.weekly_review(reader, week, cfg.timezone, cfg.week_start, periods.today_in(cfg.timezone),
                                                   weekend_days=cfg.weekend_days)
        except ValueError as err:
            return fail(str(err), 2)
        item = review.week_start.isoformat()
        label = weekly_review.week_label(review.week_start, review.week_end)
        with run_lock(cache):
            result, todo = _weekly_run(args, cfg, reader, review, everyone, item, label, out, transport, ssl_context)
        if result is None:
            return 1
    except store.CacheError as err:
        return fail(err.title, 1)
    finally:
        reader.close()
    _print_result(result)
    if not todo:
        print(_("nothing sent: the weekly review of {week} was already sent to all {count} recipient(s) "
                "(--force sends it again)").format(week=label, count=i18n.format_number(len(result.skipped))))
        return 0
    summary = _weekly_summary_line(result, label)
    print(summary, file=sys.stderr if result.failed else sys.stdout)
    return 1 if result.failed else 0


def _nobody_message() -> str:
    return _("nobody to send to: set RASL_REPORT_EMAILS and/or RASL_REPORT_WHATSAPP")


def _weekly_summary_line(result: RunResult, label: str) -> str:
    """``weekly review 16–22 Nov 2026: sent to 2, already sent to 1, not delivered to 1: … (…)``."""
    n = i18n.format_number
    parts = [_("weekly review {week}: sent to {count}").format(week=label, count=n(len(result.sent)))]
    if result.skipped:
        parts.append(_("already sent to {count}").format(count=n(len(result.skipped))))
    if result.failed:
        parts.append(_("not delivered to {count}: {recipients} (the next --send tries them again)").format(
            count=n(len(result.failed)), recipients=", ".join(str(r) for r in result.failed)))
    return ", ".join(parts)


def _weekly_run(args, cfg: Settings, reader, review, everyone, item: str, label: str, out: Path | None, transport,
                ssl_context) -> tuple[RunResult | None, list]:
    """The part of ``report weekly --send`` that runs under the delivery lock; ``(None, [])`` when the
    zip could not be written (the error is printed)."""
    from rasl_data.outputs.weekly_pack import build_weekly_pack, pack_zip_name

    todo, skipped = pending(reader, "weekly_review", [(r, [item]) for r in everyone], args.force)
    pack = zip_name = None
    if out is not None or any(r.channel == EMAIL for r, _ in todo):
        pack = build_weekly_pack(reader, images=not args.no_images, review=review)
        zip_name = pack_zip_name(review)
    if out is not None:
        from rasl_data.outputs.exports import write_file_atomically

        try:
            write_file_atomically(out, pack)
        except OSError as err:
            print(error_line(cannot_write(out, err.strerror or err)), file=sys.stderr)
            return None, []
        print(wrote(out))
    result = RunResult(label, skipped=skipped)
    if todo:
        content = weekly_content(review, pack, zip_name)
        deliver(cfg, cfg.cache_path, todo, content, kind="weekly_review",
                client_factory=workspace_client(cfg, transport), ssl_context=ssl_context, result=result)
    return result, todo


def add_alerts_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``alerts [--send] [--cache FILE]`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "alerts", help="list the alerts (silent sources, spikes and drops, failing sync); --send delivers new ones",
        description="List what needs attention now: sources that went silent, spikes and drops over the last 7 "
                    "complete local days (the weekly review's rule), a sync failing for more than a day. With --send, "
                    "e-mail and WhatsApp each recipient the alerts it has not had yet (a quiet run sends nothing).")
    p.add_argument("--send", action="store_true", help="send the new alerts by e-mail and WhatsApp")
    p.add_argument("--cache", metavar="FILE", help="DuckDB cache file (default: RASL_CACHE_PATH or the per-workspace cache)")
    p.set_defaults(func=run_alerts)
    return p


def run_alerts(args: argparse.Namespace, *, transport=None, ssl_context=None, now: datetime | None = None) -> int:
    """``alerts [--send]``: print the alerts true now; with ``--send`` deliver the new ones.

    Exit 0 (also when quiet), 1 when someone did not get an alert or the cache fails, 2 bad
    configuration or (with ``--send``) no recipients.
    """
    try:
        cfg = load_settings({"RASL_CACHE_PATH": args.cache})
    except SettingsError as err:
        print(error_line(_("configuration: {problem}").format(problem=err)), file=sys.stderr)
        return 2
    if args.send and not recipients(cfg):
        return fail(_nobody_message(), 2)
    if not store.cache_exists(cfg.cache_path):
        return fail(no_cache(cfg.cache_path), 1)
    try:
        found, result = send_alerts(cfg, now=now, transport=transport, ssl_context=ssl_context, send=args.send)
    except store.CacheError as err:
        return fail(err.title, 1)
    n = i18n.format_number
    if not args.send:
        for a in found:
            print(f"• {a.text}")
        print(_("{count} alert(s) true now (--send delivers those not sent yet)").format(count=n(len(found))))
        return 0
    if result is None:
        print(_("no new alerts: nothing sent ({count} alert(s) true now, all already sent)").format(count=n(len(found)))
              if found else _("no new alerts: nothing sent"))
        return 0
    _print_result(result)
    if result.failed:
        print(_("alerts not delivered to {count}: {recipients} (the next --send tries them again)").format(
            count=n(len(result.failed)), recipients=", ".join(str(r) for r in result.failed)), file=sys.stderr)
        return 1
    print(_("alerts sent to {count} recipient(s)").format(count=n(len(result.sent))))
    return 0


def weekly_due_main(argv: list[str]) -> int:
    """``python -m rasl_data.cli.deliver weekly-due``: exit 0 when the weekly review is due now (see
    ``weekly_due``; ``RASL_WEEKLY_DAY``/``RASL_WEEKLY_HOUR`` from the environment), 1 when not, 2 with
    one line on stderr for a bad setting."""
    use_settings_language()
    if argv != ["weekly-due"]:
        print(_("usage: python -m rasl_data.cli.deliver weekly-due"), file=sys.stderr)
        return 2
    try:
        raw_hour = os.environ.get("RASL_WEEKLY_HOUR", "8").strip()
        if not raw_hour.isdigit():
            raise ValueError(_("RASL_WEEKLY_HOUR {value} is not an hour from 0 to 23").format(value=repr(raw_hour)))
        due = weekly_due(load_settings(), day=os.environ.get("RASL_WEEKLY_DAY", "monday"), hour=int(raw_hour))
    except (SettingsError, ValueError) as err:
        print(error_line(_("configuration: {problem}").format(problem=err)), file=sys.stderr)
        return 2
    return 0 if due else 1


if __name__ == "__main__":  # pragma: no cover - exercised through deploy/weekly-loop.sh
    sys.exit(weekly_due_main(sys.argv[1:]))
