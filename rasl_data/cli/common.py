"""What every command shares: a parser whose usage errors are one line, ``fail`` (one line on
stderr, an exit code), and the argument types for dates.

Exit codes everywhere: 0 success, 1 the operation failed (API, network, cache, a file), 2 bad input.

Messages for people follow ``RASL_LANGUAGE`` (``use_settings_language``, called once at the start
of every command); flags, ``RASL_*`` keys and the machine-readable column names stay English.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, time, timezone

from rasl_data import i18n
from rasl_data.i18n import _
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
        self.exit(2, one_line(_("error: {message} (see {command} --help)").format(message=message, command=self.prog))
                  + "\n")


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
        raise BadInput(_("--week-start {value} is not one of {choices}").format(
            value=repr(args.week_start), choices=", ".join(periods.WEEK_STARTS)))
    try:
        cfg = load_settings({"RASL_CACHE_PATH": args.cache, "RASL_TIMEZONE": args.tz, "RASL_WEEK_START": ws_arg})
    except SettingsError as err:
        raise BadInput(_("configuration: {problem}").format(problem=err)) from None
    return week, cfg


def fail(message: str, code: int) -> int:
    """Print ``error: message`` as one line on stderr (whatever a path or name holds); return ``code``."""
    print(error_line(message), file=sys.stderr)
    return code


def error_line(message) -> str:
    """``error: message`` on one line, in the language in effect (``خطأ: …`` in Arabic)."""
    return one_line(_("error: {message}").format(message=message))


def no_cache(path) -> str:
    """What to do when the cache file does not exist yet."""
    return _("no cache at {file}: run `python -m rasl_data sync` first").format(file=path)


def no_folder(folder) -> str:
    """The folder of an output file does not exist."""
    return _("the folder {folder} does not exist").format(folder=folder)


def cannot_write(path, reason) -> str:
    """An output file could not be written (``reason``: the system's words, e.g. ``strerror``)."""
    return _("cannot write {file}: {reason}").format(file=path, reason=reason)


def wrote(path) -> str:
    """``wrote FILE``: the file a command wrote."""
    return _("wrote {file}").format(file=one_line(path))


def use_settings_language() -> None:
    """Set the language and digits of this process's messages from the settings (``RASL_LANGUAGE``,
    ``RASL_DIGITS``; ``.streamlit/secrets.toml`` beats the environment as everywhere). When the
    settings cannot be read (the command reports that itself), the environment's values are used."""
    from rasl_data.settings import SettingsError, load_settings

    try:
        cfg = load_settings()
    except (SettingsError, ValueError, OSError):
        i18n.set_language(os.environ.get("RASL_LANGUAGE"), os.environ.get("RASL_DIGITS") or "western")
        return
    i18n.set_language(cfg.language, cfg.digits)
