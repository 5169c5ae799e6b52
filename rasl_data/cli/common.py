"""What every command shares: a parser whose usage errors are one line, ``fail`` (one line on
stderr, an exit code), and the argument types for dates.

Exit codes everywhere: 0 success, 1 the operation failed (API, network, cache, a file), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time, timezone

from rasl_data.text import one_line


def audit_date(text: str) -> datetime:
    """A ``YYYY-MM-DD`` date as the start of that UTC day, for argparse (``export audit``)."""
    from rasl_data.analytics.periods import parse_date

    try:
        return datetime.combine(parse_date(text, "date"), time(0), tzinfo=timezone.utc)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).rstrip(".")) from None


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, one_line(f"error: {message} (see {self.prog} --help)") + "\n")


def iso_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date within the supported window (``periods.parse_date``), for argparse."""
    from rasl_data.analytics import periods

    try:
        return periods.parse_date(text, "date")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).rstrip(".")) from None


def whole_number(name: str, low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``; anything else is a one-line error
    naming the option (``name``, e.g. ``--port``) and the range."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: {name} must be from {low:,} to {high:,}")
        return value
    parse.__name__ = name  # argparse names the type in some messages
    return parse


class BadInput(ValueError):
    """A command's input cannot be used; the message is one line (exit code 2)."""


def week_and_settings(args: argparse.Namespace):
    """``report weekly``'s ``--week``, ``--week-start``, ``--tz`` and ``--cache`` checked and resolved:
    ``(week or None, Settings)``. Raises ``BadInput`` with the one-line message for exit code 2."""
    from rasl_data.analytics import periods
    from rasl_data.settings import SettingsError, load_settings

    week = None
    if args.week:
        try:
            week = periods.parse_date(args.week, "--week")
        except ValueError as err:
            raise BadInput(str(err).rstrip(".")) from None
    ws_arg = args.week_start.strip().lower() if args.week_start else None
    if ws_arg is not None and ws_arg not in periods.WEEK_STARTS:
        raise BadInput(f"--week-start {args.week_start!r} is not one of {', '.join(periods.WEEK_STARTS)}")
    try:
        cfg = load_settings({"RASL_CACHE_PATH": args.cache, "RASL_TIMEZONE": args.tz, "RASL_WEEK_START": ws_arg})
    except SettingsError as err:
        raise BadInput(f"configuration: {err}") from None
    return week, cfg


def fail(message: str, code: int) -> int:
    """Print ``error: message`` as one line on stderr (whatever a path or name holds); return ``code``."""
    print(f"error: {one_line(message)}", file=sys.stderr)
    return code
