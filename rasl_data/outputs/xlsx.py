"""XLSX tables with typed cells: ``workbook_bytes({sheet: df, ...})`` and ``safe_sheet_name``; the
rules are below. ``rasl_data.outputs.exports`` (``to_xlsx_bytes``, ``table_bytes``, ``write_table``)
is the public way in; openpyxl is imported only when a workbook is written.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date, datetime
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from rasl_data.outputs.table_cells import _missing, _text_column_names

# --- XLSX: typed cells ----------------------------------------------------------------------------
#
# Rules (README "CSV and XLSX files"), all applied by ``workbook_bytes``:
# * Text stays text: every string is a string cell (never a formula, never an error code, even
#   ``=1+1`` or ``#N/A``), so ``1/2``, ``5-7``, ``11-11``, ``1e5`` and ``00123`` keep exactly the
#   characters they had, without the CSV's apostrophe. Cells a spreadsheet would re-read as a
#   number, date or formula when edited also get Excel's "quote prefix" style (the invisible
#   apostrophe). Characters XML cannot hold (control characters other than tab, LF, CR) become
#   U+FFFD; a cell holds at most 32,767 characters (Excel's limit).
# * Numbers stay numbers (integers and floats); NaN and missing values are empty cells; an
#   integer of 16 digits or more, which Excel would round to 15 significant digits, is text.
#   Columns of fractions (names with ``pct``, ``share`` or ``rate`` as a word) show as ``0.0%``
#   with the fraction kept as the value.
# * Dates are date cells (``yyyy-mm-dd``); timestamps date-time cells (``yyyy-mm-dd hh:mm:ss``).
#   Excel has no time zones: a timestamp is written as the wall-clock time of the zone it carries
#   (the CSV keeps its offset). A naive datetime column holding only midnights is a date column.
# * Booleans are TRUE/FALSE cells. Phone-like columns and ``text_columns`` are text.
# * Header row bold and frozen, with a filter; column widths from the longest value shown (8 to
#   60 characters); the sheet name is at most 31 characters without ``[]:*?/\``.

MAX_SHEET_NAME = 31
_MAX_CELL_TEXT = 32767
_MAX_EXACT_INT = 10**15
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")
_DATED_SUFFIX = re.compile(r"_\d{4}-\d{2}-\d{2}(_to_\d{4}-\d{2}-\d{2})?$")
_FRACTION_COLUMN = re.compile(r"(^|[^a-z])(pct|percent|share|rate)([^a-z]|$)", re.IGNORECASE)
# Text a spreadsheet would turn into something else if typed into a cell: formulas, numbers,
# dates, times, fractions, percentages, booleans and error codes.
_TYPED_LOOKING = re.compile(r"^\s*([=+\-@\uff1d\uff0b\uff0d\uff20#(.,$€£¥]|[0-9٠-٩۰-۹]|true\s*$|false\s*$)",
                            re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")
_DATE_FORMAT, _DATETIME_FORMAT, _FRACTION_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "0.0%"


def safe_sheet_name(name: str | None, default: str = "Data") -> str:
    r"""A sheet name Excel accepts, from a table or file name.

    Drops a trailing ``_<date>[_to_<date>]`` (the file name's range), turns ``_`` into spaces,
    capitalises the first letter, removes ``[]:*?/\`` and control characters and the ``'`` Excel
    refuses at either end, and keeps at most 31 characters. ``acquisition_2026-09-07_to_2026-11-29``
    → ``Acquisition``; ``movers_by_source`` → ``Movers by source``; empty → ``default``.
    """
    text = _DATED_SUFFIX.sub("", str(name or "")).replace("_", " ")
    text = _SPACES_RE.sub(" ", _SHEET_FORBIDDEN.sub(" ", text)).strip().strip("'").strip()
    text = text[:MAX_SHEET_NAME].rstrip().rstrip("'").rstrip()
    if not text:
        return default
    return text[0].upper() + text[1:]


def _xlsx_text(value) -> str:
    text = _XML_ILLEGAL.sub("\ufffd", str(value))
    return text[:_MAX_CELL_TEXT]


def _naive(ts) -> datetime:
    """A ``datetime`` without zone: the wall-clock time in the zone it carries."""
    ts = pd.Timestamp(ts)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.to_pydatetime()


def _xlsx_value(x, as_text: bool = False):
    """``(value, kind)`` of one cell: kind is ``"text"``, ``"number"``, ``"date"``, ``"datetime"``,
    ``"bool"`` or ``None`` (empty)."""
    if _missing(x):
        return None, None
    if as_text:
        if isinstance(x, (float, np.floating)) and float(x).is_integer():
            x = int(x)
        return _xlsx_text(x), "text"
    if isinstance(x, (datetime, pd.Timestamp)):
        return _naive(x), "datetime"
    if isinstance(x, date):
        return x, "date"
    if isinstance(x, (bool, np.bool_)):
        return bool(x), "bool"
    if isinstance(x, (int, np.integer)):
        x = int(x)
        return (x, "number") if abs(x) < _MAX_EXACT_INT else (str(x), "text")
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isinf(x):
            return ("Infinity" if x > 0 else "-Infinity"), "text"
        return (0.0 if x == 0 else x), "number"
    return _xlsx_text(x), "text"


def _xlsx_column(series: pd.Series, name, as_text: bool) -> list[tuple]:
    """Every cell of one column as ``(value, kind)`` (see the rules above)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
        dtype = series.dtype
    if not as_text and pd.api.types.is_datetime64_any_dtype(dtype):
        values = series.dropna()
        naive = getattr(dtype, "tz", None) is None
        date_only = naive and len(values) > 0 and bool((values == values.dt.normalize()).all())
        if date_only:
            return [(None, None) if _missing(x) else (pd.Timestamp(x).date(), "date") for x in series]
        return [(None, None) if _missing(x) else (_naive(x), "datetime") for x in series]
    return [_xlsx_value(x, as_text) for x in series]


def _shown_width(value, kind) -> int:
    if kind is None:
        return 0
    if kind == "date":
        return 10
    if kind == "datetime":
        return 19
    if kind == "number" and isinstance(value, float):
        return min(len(f"{value:.6g}"), 15)
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _write_sheet(wb, title: str, df: pd.DataFrame, text_columns: Iterable | None,
                 headers: Mapping[str, str] | None = None, right_to_left: bool = False) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    if right_to_left:
        ws.sheet_view.rightToLeft = True  # column A on the right, as an Arabic reader expects
    as_text = _text_column_names(df, text_columns)
    names = [str(c) for c in df.columns]
    columns = [_xlsx_column(df.iloc[:, i], name, name in as_text) for i, name in enumerate(df.columns)]
    fraction = [df.columns[i] not in as_text and bool(_FRACTION_COLUMN.search(names[i]))
                and pd.api.types.is_float_dtype(df.iloc[:, i].dtype) for i in range(len(names))]

    # Widths from the header and up to 2,000 values (a long table's tail rarely changes them).
    shown = [str((headers or {}).get(name, name)) for name in names]  # the header row people read
    for i, name in enumerate(shown):
        longest = max([len(name) + 2] + [_shown_width(v, k) for v, k in columns[i][:2000]])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(60, max(8, longest + 2))
    ws.freeze_panes = "A2"

    bold = Font(name="Calibri", size=11, bold=True)
    header = []
    for name in shown:
        cell = WriteOnlyCell(ws, value=_xlsx_text(name))
        cell.data_type = "s"  # a header such as "=x" is text too
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for r in range(len(df)):
        row = []
        for i, col in enumerate(columns):
            value, kind = col[r]
            if kind is None or (kind in ("number", "bool") and not fraction[i]) \
                    or (kind == "text" and not _TYPED_LOOKING.match(value)):
                row.append(value)  # openpyxl types these itself (a plain cell, reused: fast)
                continue
            cell = WriteOnlyCell(ws, value=value)
            if kind == "text":
                cell.data_type = "s"  # openpyxl would make "=1+1" a formula and "#N/A" an error
                cell.quotePrefix = True
            elif kind == "date":
                cell.number_format = _DATE_FORMAT
            elif kind == "datetime":
                cell.number_format = _DATETIME_FORMAT
            elif kind == "number" and fraction[i]:
                cell.number_format = _FRACTION_FORMAT
            row.append(cell)
        ws.append(row)
    if names:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{len(df) + 1}"


def workbook_bytes(sheets: Mapping[str, pd.DataFrame], *, text_columns: Iterable | None = None,
                   headers: Mapping[str, str] | None = None, right_to_left: bool = False) -> bytes:
    """An XLSX workbook with one sheet per table (``{sheet name: DataFrame}``, in order) as bytes.

    Cells are typed by the rules above (text stays text, numbers numbers, dates dates; never a
    formula). Sheet names go through ``safe_sheet_name``; a name used twice gets `` (2)``.
    ``text_columns`` applies to every sheet that has those columns. ``headers`` (column name →
    heading, e.g. translated by ``table_headers``) changes only the header row people read: the
    typing rules still go by the column names. ``right_to_left`` shows every sheet right to left
    (column A at the right). No file is written. Raises
    ``ValueError`` for no sheets at all.
    """
    from openpyxl import Workbook

    if not sheets:
        raise ValueError("A workbook needs at least one table.")
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for name, df in sheets.items():
        title = safe_sheet_name(name)
        n = 2
        while title.casefold() in used:
            suffix = f" ({n})"
            title = safe_sheet_name(name)[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
            n += 1
        used.add(title.casefold())
        cols = None if text_columns is None else [c for c in (
            [text_columns] if isinstance(text_columns, str) else text_columns) if c in df.columns]
        _write_sheet(wb, title, df, cols, headers, right_to_left)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
