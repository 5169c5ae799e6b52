"""The local calendar day of UTC instants, in SQL, and the time zones behind it.

DuckDB's ``timezone()`` is exact but costs ~45 ms per million rows; the offset of a zone is
constant between its transitions, so ``local_day_sql`` turns the zone into a short ``CASE`` over
the few transitions inside the queried window (none for zones without DST) and the conversion
becomes integer arithmetic. ``tests/test_periods*.py`` checks it against ``zoneinfo`` around DST
days. ``zone`` turns an IANA name into a ``ZoneInfo`` with a user-facing error. ``periods``
re-exports every public name here.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasl_data.i18n import _

_US_PER_DAY = 86_400_000_000
# Added before the integer division so days before 1970 still floor correctly (DuckDB's ``//``
# truncates towards zero); 200,000 days reach back to the 15th century, before
# ``EARLIEST_COMPARISON`` and its one-day margin.
_DAY_SHIFT = 200_000

def zone(tz: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name; ``ValueError`` naming it when unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise ValueError(_("Unknown time zone {zone}; use an IANA name such as Asia/Riyadh.").format(
            zone=repr(tz))) from err


def _epoch_us(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _offset_us(z: ZoneInfo, t_us: int) -> int:
    dt = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=t_us)
    off = dt.astimezone(z).utcoffset() or timedelta(0)
    return int(off / timedelta(microseconds=1))


@functools.lru_cache(maxsize=256)
def offset_segments(tz: str, lo_us: int, hi_us: int) -> tuple[tuple[int, int], ...]:
    """UTC offset of ``tz`` over ``[lo_us, hi_us)`` (epoch microseconds) as ``((until_us, offset_us), ...)``.

    Each pair says "before ``until_us`` the offset is ``offset_us``"; the last pair has
    ``until_us = hi_us``. Transitions are found by sampling every 6 hours (no zone changes its
    offset twice within 6 hours) and then bisecting to the exact microsecond.
    """
    z = zone(tz)
    step = 6 * 3_600_000_000
    segments: list[tuple[int, int]] = []
    t, off = lo_us, _offset_us(z, lo_us)
    while t < hi_us:
        nxt = min(t + step, hi_us)
        off_next = _offset_us(z, nxt)
        if off_next != off:
            # offset(a) == off, offset(b) != off: bisect to the microsecond, so an instant exactly
            # at the transition gets the new offset, as zoneinfo (and DuckDB's timezone()) do.
            a, b = t, nxt
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_us(z, mid) == off:
                    a = mid
                else:
                    b = mid
            segments.append((b, off))
            off = _offset_us(z, b)
            t = b
            continue
        t = nxt
    segments.append((hi_us, off))
    return tuple(segments)


def local_day_number(d: date) -> int:
    """Days since 1970-01-01 of a local date (the integer ``local_day_sql`` yields)."""
    return (d - date(1970, 1, 1)).days


def local_day_sql(epoch_us_expr: str, tz: str, lo: datetime, hi: datetime) -> tuple[str, list]:
    """SQL for the local day number (days since 1970-01-01) of ``epoch_us_expr`` in ``tz``.

    ``epoch_us_expr`` is SQL yielding epoch microseconds of a UTC instant (e.g.
    ``epoch_us(created_at)``); it is code, never user text. Valid for instants in ``[lo, hi)``
    (UTC aware datetimes); the offset of instants outside is the nearest segment's. Returns the
    fragment and its ``?`` parameters, in order.
    """
    segments = offset_segments(tz, _epoch_us(lo), _epoch_us(hi))
    params: list = []
    if len(segments) == 1:
        offset_sql = "?"
        params.append(segments[0][1])
    else:
        whens = []
        for until, off in segments[:-1]:
            whens.append(f"WHEN {epoch_us_expr} < ? THEN ?")
            params.extend([until, off])
        offset_sql = "CASE " + " ".join(whens) + " ELSE ? END"
        params.append(segments[-1][1])
    sql = f"(({epoch_us_expr} + {offset_sql} + {_DAY_SHIFT * _US_PER_DAY}) // {_US_PER_DAY} - {_DAY_SHIFT})"
    return sql, params
