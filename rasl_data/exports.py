"""CSV exports of the analytics, for the CLI (``python -m rasl_data export ...``) and the pages.

``write_csv`` is the one place a CSV is written (Excel-safe options belong there).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import math
import os
import re
import sys
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from rasl_data import periods, queries

ACQUISITION_DIMENSIONS = queries.DIMENSIONS


# --- the Excel-safe CSV writer ------------------------------------------------------------------
#
# Rules (README "CSV files"), all applied by ``to_csv_bytes``:
# * UTF-8 with a byte-order mark, so Excel on Windows and Mac shows Arabic names intact;
#   CRLF line ends; quoting by the ``csv`` module (RFC 4180); no index column.
# * Dates ``YYYY-MM-DD``; timestamps ISO 8601 (``2026-11-16T10:00:00+03:00``, the offset they
#   carry; naive ones without an offset). A naive datetime column holding only midnights is a
#   date column and is written as dates.
# * Numbers as plain digits: no thousands separators, no exponent (``1e+16`` is written
#   ``10000000000000000``), ``.`` as the decimal point, whole floats without ``.0``, negatives
#   with their ``-`` (they stay numbers in Excel); missing → empty.
# * Formula injection: in text columns (and header names), a cell starting with ``=``, ``+``,
#   ``-``, ``@``, tab or carriage return (or their full-width forms) gets a leading ``'``, so
#   Excel, Google Sheets and LibreOffice show it as text and never run it. Numeric columns are
#   left alone.
# * Phone numbers: in a column whose name looks like a phone (``PHONE_COLUMN``), every non-empty
#   value is written as text with a leading ``'``, whatever its first character. Excel would
#   otherwise turn ``0501234567`` into 501234567, ``966501234567`` into 9.66501E+11 and
#   ``+966…`` into a formula; the apostrophe keeps the ``+`` and leading zeros (Excel shows the
#   apostrophe as part of the text). We do not use the ``="0501234567"`` trick: it is a formula,
#   which these files never contain.

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PHONE_COLUMN = re.compile(r"phone|mobile|msisdn|(^|[^a-z])tel([^a-z]|$)|whats_?app_?(number|no)|جوال|هاتف",
                          re.IGNORECASE)
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


def is_phone_column(name) -> bool:
    """Whether a column's values are phone numbers to keep as text (``phone``, ``mobile``, ...)."""
    return bool(PHONE_COLUMN.search(str(name)))


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _number_text(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return ""
    if x == 0:
        return "0"  # never "-0"
    # Positional notation with the shortest digits that read back as the same float: 1e16 is
    # "10000000000000000" and 1.5e-07 is "0.00000015", never exponent notation (which Excel may
    # read as text in some locales and people misread); whole floats carry no ".0".
    return np.format_float_positional(x, trim="-")


def _missing(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):  # arrays and other containers are values, not missing
        return False


def _timestamp_text(x, date_only: bool = False) -> str:
    ts = pd.Timestamp(x)
    return ts.date().isoformat() if date_only else ts.isoformat()


def _cell_text(x) -> str:
    """One cell of a text/object column: dates and numbers as data, strings neutralised."""
    if _missing(x):
        return ""
    if isinstance(x, (datetime, pd.Timestamp)):
        return _timestamp_text(x)
    if isinstance(x, date):
        return x.isoformat()
    if isinstance(x, (bool, np.bool_, int, float, np.integer, np.floating)):
        return _number_text(x)
    return neutralise(str(x))


def _phone_text(x) -> str:
    if _missing(x):
        return ""
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        x = int(x)  # a phone column read as numbers: its digits, without ".0"
    text = str(x)
    return "'" + text if text else ""


def _column_texts(series: pd.Series, name) -> list[str]:
    """Every cell of one column as the text to write (see the rules above)."""
    dtype = series.dtype
    if is_phone_column(name):
        return [_phone_text(x) for x in series]
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = series.dropna()
        naive = getattr(dtype, "tz", None) is None
        date_only = naive and len(values) > 0 and bool((values == values.dt.normalize()).all())
        return ["" if _missing(x) else _timestamp_text(x, date_only) for x in series]
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return ["" if _missing(x) else _number_text(x) for x in series]
    return [_cell_text(x) for x in series]


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as Excel-safe CSV bytes (UTF-8 with BOM; the rules are at the top of this section).

    Every column is written, the index never. Column names are neutralised like text cells.
    Pure function: no file, no time zone conversion (timestamps keep the offset they carry).
    """
    columns = [_column_texts(df.iloc[:, i], name) for i, name in enumerate(df.columns)]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(name)) for name in df.columns])
    writer.writerows(zip(*columns))
    return buf.getvalue().encode("utf-8-sig")


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask, read without changing it where the system allows (Linux ≥ 4.7)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    with _UMASK_LOCK:  # elsewhere: set and restore (other threads may create files meanwhile)
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def write_file_atomically(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all (a temporary file beside it, then renamed).

    The file gets the mode a plain ``open(path, "w")`` would give (``0o666`` less the umask), not
    the private ``0o600`` of the temporary file. Raises ``OSError`` (its ``strerror`` is fit for a
    user; its file names may be the temporary file's) when the folder is missing or not writable
    or ``path`` is a folder. Used by ``write_csv`` and the weekly pack.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write ``df`` to ``path`` as Excel-safe CSV (``to_csv_bytes``); returns the path.

    The file appears whole or not at all (``write_file_atomically``), so a cron job never leaves
    half a CSV; its mode follows the umask (``0o644`` with the usual ``022``). Raises ``OSError``
    when the folder is missing or not writable.
    """
    return write_file_atomically(path, to_csv_bytes(df))


def dated_file_name(stem: str, start: date, end: date | None = None, ext: str = "csv") -> str:
    """``<stem>_<start>_to_<end>.<ext>`` (or ``<stem>_<start>.<ext>`` without ``end``), ISO dates.

    E.g. ``dated_file_name("acquisition", date(2026, 9, 7), date(2026, 11, 29))`` →
    ``acquisition_2026-09-07_to_2026-11-29.csv``. Characters that no file system likes (slashes,
    colons, quotes, spaces, ...) in ``stem`` become ``_``; Arabic letters are kept.
    """
    def iso(d) -> str:
        return (d.date() if isinstance(d, datetime) else d).isoformat()

    safe = _UNSAFE_FILE_CHARS.sub("_", str(stem)).strip("._") or "export"
    span = iso(start) if end is None else f"{iso(start)}_to_{iso(end)}"
    return f"{safe}_{span}.{ext.lstrip('.')}"


def acquisition_frame(db, filters: queries.Filters, by: str | None, granularity: str) -> pd.DataFrame:
    """The acquisition table as exported: ``period_start`` as an ISO string, id, name, new_contacts."""
    df = queries.acquisition(db, filters, by=by, granularity=granularity)
    df = df.copy()
    df["period_start"] = [d.isoformat() for d in df["period_start"]]
    return df


def export_acquisition(db, filters: queries.Filters, by: str | None, granularity: str, path: Path | str) -> Path:
    """Write new contacts per local period (and dimension) to a CSV file at ``path``.

    Columns: ``period_start`` (local date in ``filters.tz``, ``YYYY-MM-DD``, the period's real
    first day), the dimension's id where it has one (``source_id``, ``group_id``, ``status_id``;
    empty for Unattributed / No group / No status), its name (``source``, ``channel``,
    ``campaign``, ``group``, ``status`` or ``type``) and ``new_contacts`` (count); zero rows kept.
    Raises ``ValueError`` for an unknown dimension or granularity. Reads the cache like
    ``queries.acquisition``; returns the path written.
    """
    return write_csv(acquisition_frame(db, filters, by, granularity), path)


# --- CLI ---------------------------------------------------------------------------------------


def _iso_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date within the supported window (``periods.parse_date``), for argparse."""
    try:
        return periods.parse_date(text, "date")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err).rstrip(".")) from None


def add_export_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``export acquisition ...`` to an ``argparse`` subparsers object; returns the parser.

    ``python -m rasl_data export acquisition --by source|channel|campaign|group|status|type
    --granularity day|week|month --start YYYY-MM-DD --end YYYY-MM-DD [--tz ZONE]
    [--week-start monday|sunday|saturday] [--cache FILE] --out FILE.csv``
    """
    export = subparsers.add_parser("export", help="write analytics to CSV")
    what = export.add_subparsers(dest="export_what", metavar="acquisition")
    what.required = True
    acq = what.add_parser("acquisition", help="new contacts per period and dimension")
    acq.add_argument("--by", required=True, choices=ACQUISITION_DIMENSIONS)
    acq.add_argument("--granularity", default="day", choices=periods.GRANULARITIES)
    acq.add_argument("--start", required=True, type=_iso_date, help="first local date, YYYY-MM-DD")
    acq.add_argument("--end", required=True, type=_iso_date, help="last local date (included)")
    acq.add_argument("--tz", default=None, help="IANA time zone (default RASL_TIMEZONE)")
    acq.add_argument("--week-start", default=None, choices=periods.WEEK_STARTS, help="default RASL_WEEK_START")
    acq.add_argument("--cache", metavar="FILE", default=None, help="DuckDB cache file (default RASL_CACHE_PATH or the workspace cache)")
    acq.add_argument("--out", required=True, help="CSV file to write")
    acq.set_defaults(func=run_export)
    return export


def run_export(args: argparse.Namespace) -> int:
    """Run ``export acquisition`` from parsed arguments; returns the exit code.

    0 on success (one line naming the file on stdout). Otherwise one clear line on stderr, never a
    traceback (README "Command line"): 2 for bad input (dates, zone, week start, an empty
    ``--out``, a missing folder, a range too long for the granularity, unusable settings); 1 when
    the operation fails: no cache, an unreadable cache, or a file that cannot be written.
    """
    from rasl_data import settings as settings_mod
    from rasl_data import store

    def fail(message: str, code: int) -> int:
        print(f"error: {message}", file=sys.stderr)
        return code

    try:
        cfg = settings_mod.load_settings({"RASL_CACHE_PATH": getattr(args, "cache", None)})
        tz = (args.tz or "").strip() or cfg.timezone  # " Asia/Riyadh " as the environment takes it
        week_start = (args.week_start or "").strip() or cfg.week_start
        filters = queries.Filters(start=args.start, end=args.end, tz=tz, week_start=week_start)
        periods.check_period_count(filters.start, filters.end, args.granularity, filters.week_start)
    except ValueError as err:  # SettingsError included
        return fail(str(err), 2)
    raw_out = (args.out or "").strip()
    if not raw_out:
        return fail("--out needs a file name, e.g. --out acquisition.csv", 2)
    out = Path(raw_out).expanduser()
    if not out.parent.is_dir():
        return fail(f"the folder {out.parent} does not exist", 2)
    if out.is_dir():
        return fail(f"cannot write {out}: Is a directory", 1)
    cache = cfg.cache_path
    if not store.cache_exists(cache):
        return fail(f"no cache at {cache}: run `python -m rasl_data sync` first", 1)
    try:
        reader = store.Reader(cache)
        try:
            df = acquisition_frame(reader, filters, args.by, args.granularity)
        finally:
            reader.close()
    except ValueError as err:
        return fail(str(err), 2)
    except store.CacheError as err:
        return fail(err.title, 1)
    except OSError as err:
        return fail(f"cannot read the cache {cache}: {err.strerror or type(err).__name__}", 1)
    try:
        write_csv(df, out)
    except OSError as err:
        # ``str(err)`` would name the temporary file beside ``out``; the user named ``out``.
        return fail(f"cannot write {out}: {err.strerror or type(err).__name__}", 1)
    print(f"wrote {out}")
    return 0
