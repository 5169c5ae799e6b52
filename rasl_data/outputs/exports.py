"""Table files (CSV and XLSX) of the analytics, for the CLI (``python -m rasl_data export ...``),
the weekly pack and the pages' download buttons.

Public API (every table download and export goes through it):

* ``write_table(df, path, *, sheet_name=None, text_columns=None)``: writes ``df`` as CSV or XLSX,
  picked from the file extension (``.csv`` / ``.xlsx``; ``table_format`` raises ``ValueError``
  for any other), whole or not at all, with the umask's usual mode;
* ``table_bytes(df, fmt, *, sheet_name=None, text_columns=None)``: the same file in memory, for a
  download button (``MIME_TYPES[fmt]`` is its media type);
* ``to_csv_bytes(df)`` and ``to_xlsx_bytes(df)`` / ``workbook_bytes({sheet: df, ...})``: the two
  writers themselves.

CSV is the Excel-safe text form (rules below). XLSX is the safe form for spreadsheets: its cells
are typed, so a campaign called ``1/2``, ``5-7``, ``1e5`` or ``00123`` stays that text, which a
spreadsheet opening a CSV turns into a date or a number whatever the CSV says.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
import tempfile
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from rasl_data.analytics import acquisition
from rasl_data.i18n import _
from rasl_data.outputs.table_cells import _missing, _text_column_names, is_phone_column
from rasl_data.outputs.xlsx import safe_sheet_name, workbook_bytes

ACQUISITION_DIMENSIONS = acquisition.DIMENSIONS


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
_UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')


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


def _column_texts(series: pd.Series, name, as_text: bool = False) -> list[str]:
    """Every cell of one column as the text to write (see the rules above)."""
    dtype = series.dtype
    if as_text or is_phone_column(name):
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


def to_csv_bytes(df: pd.DataFrame, *, text_columns: Iterable | None = None) -> bytes:
    """``df`` as Excel-safe CSV bytes (UTF-8 with BOM; the rules are at the top of this section).

    Every column is written, the index never. Column names are neutralised like text cells.
    ``text_columns`` (names) are written like phone numbers, as text with a leading ``'``, e.g.
    codes whose leading zeros matter; phone-like columns always are. Pure function: no file, no
    time zone conversion (timestamps keep the offset they carry). Raises ``ValueError`` when
    ``text_columns`` names a column ``df`` lacks.
    """
    as_text = _text_column_names(df, text_columns)
    columns = [_column_texts(df.iloc[:, i], name, name in as_text) for i, name in enumerate(df.columns)]
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


def write_csv(df: pd.DataFrame, path: Path | str, *, text_columns: Iterable | None = None) -> Path:
    """Write ``df`` to ``path`` as Excel-safe CSV (``to_csv_bytes``); returns the path.

    The file appears whole or not at all (``write_file_atomically``), so a cron job never leaves
    half a CSV; its mode follows the umask (``0o644`` with the usual ``022``). Raises ``OSError``
    when the folder is missing or not writable.
    """
    return write_file_atomically(path, to_csv_bytes(df, text_columns=text_columns))


# --- table formats --------------------------------------------------------------------------

MIME_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
TABLE_FORMATS = tuple(MIME_TYPES)


def table_format(path: Path | str) -> str:
    """``"csv"`` or ``"xlsx"`` from the extension of ``path`` (any case).

    Raises ``ValueError`` with a one-line message naming the file for any other extension.
    """
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if suffix not in TABLE_FORMATS:
        name = Path(str(path)).name or str(path)
        if suffix:
            raise ValueError(_("{file}: unknown file type .{suffix}; name the file .csv or .xlsx").format(
                file=name, suffix=suffix))
        raise ValueError(_("{file}: no file type; name the file .csv or .xlsx").format(file=name))
    return suffix


def to_xlsx_bytes(df: pd.DataFrame, *, sheet_name: str | None = None,
                  text_columns: Iterable | None = None) -> bytes:
    """``df`` as a one-sheet XLSX workbook (``workbook_bytes``); ``sheet_name`` default ``Data``.

    Raises ``ValueError`` when ``text_columns`` names a column ``df`` lacks.
    """
    _text_column_names(df, text_columns)
    return workbook_bytes({sheet_name or "Data": df}, text_columns=text_columns)


def table_bytes(df: pd.DataFrame, fmt: str, *, sheet_name: str | None = None,
                text_columns: Iterable | None = None) -> bytes:
    """``df`` as the bytes of a ``fmt`` file (``"csv"`` or ``"xlsx"``), e.g. for a download button.

    CSV: ``to_csv_bytes`` (``sheet_name`` unused); XLSX: ``to_xlsx_bytes``. Serve them with
    ``MIME_TYPES[fmt]``. ``text_columns``: columns kept as text whatever they hold (phone-like
    columns always are). Raises ``ValueError`` for another format or an unknown text column.
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt == "csv":
        return to_csv_bytes(df, text_columns=text_columns)
    if fmt == "xlsx":
        return to_xlsx_bytes(df, sheet_name=sheet_name, text_columns=text_columns)
    raise ValueError(f"Unknown table format {fmt!r}: use csv or xlsx.")


def write_table(df: pd.DataFrame, path: Path | str, *, sheet_name: str | None = None,
                text_columns: Iterable | None = None) -> Path:
    """Write ``df`` to ``path`` as CSV or XLSX, picked from its extension; returns the path.

    ``.csv``: Excel-safe CSV (``to_csv_bytes``); ``.xlsx``: typed cells (``to_xlsx_bytes``), the
    sheet named ``sheet_name`` or after the file (``safe_sheet_name`` of its stem). The file
    appears whole or not at all with the umask's usual mode (``write_file_atomically``).
    Raises ``ValueError`` for another extension (``table_format``) or an unknown text column,
    ``OSError`` when the folder is missing or not writable.
    """
    fmt = table_format(path)
    data = table_bytes(df, fmt, sheet_name=sheet_name or safe_sheet_name(Path(str(path)).stem),
                       text_columns=text_columns)
    return write_file_atomically(path, data)


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


def acquisition_frame(db, filters: acquisition.Filters, by: str | None, granularity: str) -> pd.DataFrame:
    """The acquisition table as exported: ``period_start`` (a local ``datetime.date``: ``YYYY-MM-DD``
    in CSV, a date cell in XLSX), the dimension's id and name, ``new_contacts``."""
    return acquisition.acquisition(db, filters, by=by, granularity=granularity).copy()


def export_acquisition(db, filters: acquisition.Filters, by: str | None, granularity: str, path: Path | str) -> Path:
    """Write new contacts per local period (and dimension) to ``path``, CSV or XLSX by its
    extension (``write_table``).

    Columns: ``period_start`` (local date in ``filters.tz``, ``YYYY-MM-DD``, the period's real
    first day), the dimension's id where it has one (``source_id``, ``group_id``, ``status_id``;
    empty for Unattributed / No group / No status), its name (``source``, ``channel``,
    ``campaign``, ``group``, ``status`` or ``type``) and ``new_contacts`` (count); zero rows kept.
    Raises ``ValueError`` for an unknown dimension or granularity or a file that is neither
    ``.csv`` nor ``.xlsx``. Reads the cache like ``acquisition.acquisition``; returns the path written.
    """
    table_format(path)
    return write_table(acquisition_frame(db, filters, by, granularity), path)


# --- CLI ---------------------------------------------------------------------------------------


