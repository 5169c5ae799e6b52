"""Contact and dimension filters of the emulated API: ``filter[field][op]`` operators, the
database-time bounds and SQL-like scalar comparisons, and the numpy mask a :class:`Tenant` query uses."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .vocab import TYPES, iso

if TYPE_CHECKING:
    from .data import Tenant

_OPS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt", "!=": "ne"}


def normalise_op(op: str | None) -> str:
    """Operator name after aliases (``>=`` -> ``gte``); unknown operators mean equality."""
    if op is None or op == "":
        return "eq"
    op = _OPS.get(op, op)
    return op if op in ("gte", "lte", "gt", "lt", "ne", "like", "in", "not_in", "between", "null", "eq") else "eq"


def parse_db_time(text: str) -> int | None:
    """Unix seconds for a value compared against a DATETIME column: a date means its midnight
    (so ``lte=2025-12-31`` stops at 00:00:00 — the documented string-comparison quirk)."""
    text = text.strip()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def time_bounds(op: str, raw: str) -> tuple[int, int] | str | None:
    lo, hi = -(2 ** 62), 2 ** 62
    if op == "between":
        parts = raw.split(",")
        if len(parts) != 2:
            return "ignore"
        a, b = parse_db_time(parts[0]), parse_db_time(parts[1])
        if a is None or b is None:
            return None
        return a, b
    v = parse_db_time(raw)
    if v is None:
        return None
    return {"gte": (v, hi), "gt": (v + 1, hi), "lte": (lo, v), "lt": (lo, v - 1)}[op]


def _truthy(raw: str) -> bool:
    return raw not in ("", "0")  # PHP truthiness: "false" is truthy


def scalar_match(value: Any, op: str, raw: str) -> bool:
    """One SQL comparison ``value <op> raw`` with NULL semantics (NULL matches only ``null``)."""
    if op == "null":
        return (value is None) if _truthy(raw) else (value is not None)
    if value is None:
        return False
    conv: Callable[[str], Any] = int if isinstance(value, int) else str

    def c(x: str) -> Any:
        try:
            return conv(x.strip())
        except ValueError:
            return None

    if op == "like":
        return raw.lower() in str(value).lower()
    if op in ("in", "not_in"):
        vals = {c(x) for x in raw.split(",")}
        return (value in vals) == (op == "in")
    if op == "between":
        parts = raw.split(",")
        if len(parts) != 2:
            return True
        a, b = c(parts[0]), c(parts[1])
        return a is not None and b is not None and a <= value <= b
    x = c(raw)
    if x is None:
        return False
    if isinstance(value, str):
        value, x = value.lower(), str(x).lower()
    return {"eq": value == x, "ne": value != x, "gt": value > x, "gte": value >= x,
            "lt": value < x, "lte": value <= x}[op]


def _filter_mask(t: Tenant, field_: str, op: str, raw: str, lo: int, hi: int) -> np.ndarray:
    c = t.c
    if field_ == "group_id":
        if op != "eq":
            return np.ones(hi - lo, dtype=bool)  # operator forms are not supported: ignored
        try:
            bit = t.group_bits.get(int(raw))
        except ValueError:
            bit = None
        if bit is None:
            return np.zeros(hi - lo, dtype=bool)
        return (c["groups"][lo:hi] >> np.uint64(bit)) & np.uint64(1) == 1
    if field_ == "created_at":
        v = c["created"][lo:hi]
        if op == "null":
            return np.zeros(hi - lo, dtype=bool) if _truthy(raw) else np.ones(hi - lo, dtype=bool)
        if op in ("in", "not_in"):
            vals = [parse_db_time(x) for x in raw.split(",")]
            m = np.isin(v, [x for x in vals if x is not None])
            return m if op == "in" else ~m
        if op == "like":
            return np.array([raw.lower() in iso(x).replace("T", " ")[:19] for x in v], dtype=bool)
        bounds = time_bounds(op, raw) if op != "eq" and op != "ne" else None
        if op in ("eq", "ne"):
            x = parse_db_time(raw)
            m = v == x if x is not None else np.zeros(hi - lo, dtype=bool)
            return m if op == "eq" else ~m
        if bounds is None:
            return np.zeros(hi - lo, dtype=bool)
        if bounds == "ignore":
            return np.ones(hi - lo, dtype=bool)
        return (v >= bounds[0]) & (v <= bounds[1])
    col = {"type": "type", "status_id": "status", "source_id": "source", "assigned_id": "assigned"}[field_]
    arr = c[col][lo:hi]
    distinct = np.unique(arr)
    if field_ == "type":
        matching = [d for d in distinct if scalar_match(TYPES[d], op, raw)]
    else:
        matching = [d for d in distinct if scalar_match(None if d < 0 else int(d), op, raw)]
    return np.isin(arr, matching)
