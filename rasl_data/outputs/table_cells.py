"""What the CSV and XLSX writers share: phone-like columns, missing values, the columns written
as text whatever they hold."""

from __future__ import annotations

import re
from typing import Iterable

import pandas as pd

PHONE_COLUMN = re.compile(r"phone|mobile|msisdn|(^|[^a-z])tel([^a-z]|$)|whats_?app_?(number|no)|جوال|هاتف",
                          re.IGNORECASE)


def is_phone_column(name) -> bool:
    """Whether a column's values are phone numbers to keep as text (``phone``, ``mobile``, ...)."""
    return bool(PHONE_COLUMN.search(str(name)))


def _missing(x) -> bool:
    try:
        return x is None or bool(pd.isna(x))
    except (TypeError, ValueError):  # arrays and other containers are values, not missing
        return False


def _text_column_names(df: pd.DataFrame, text_columns: Iterable | None) -> set:
    """Names of the columns written as text whatever they hold: phone-like ones and ``text_columns``."""
    extra = set() if text_columns is None else {text_columns} if isinstance(text_columns, str) else set(text_columns)
    unknown = extra - set(df.columns)
    if unknown:
        raise ValueError(f"text_columns names columns the table does not have: {', '.join(map(str, sorted(unknown, key=str)))}")
    return {name for name in df.columns if name in extra or is_phone_column(name)}
