"""The comparison period drawn against the current one: the comparison line of a chart (the previous
period, the same period last year or the same Hijri dates last year, aligned on the current
period's time axis) and the acquisition table with a ``previous_new_contacts`` column (the CLI's
``export acquisition --compare``).

How periods pair: the n-th period of the comparison range faces the n-th period of the current
range (months of different lengths pair by position), except by day with ``hijri_year``, where
each day faces the same Hijri date one Hijri year earlier (``periods.comparison_day``): 1 Ramadan
faces 1 Ramadan even when the two Ramadans start on different weekdays, and the 30th of a 30-day
month faces the 29th of last year's 29-day month (the issue's rule: a day that does not exist in
the shorter month maps to that month's last day).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from rasl_data.analytics import acquisition, periods
from rasl_data.analytics.contacts_sql import dim_select


def period_pairs(filters: acquisition.Filters, compare: str | None, granularity: str) -> list[tuple[date, date | None]]:
    """``[(current period start, comparison period start or None), ...]`` over the current time
    axis (``periods.period_starts`` of ``filters.start..end``), oldest first; ``[]`` without a
    comparison.

    Positional pairing (see the module docstring), by Hijri date for ``hijri_year`` by day; a
    current period with no counterpart (the comparison axis is shorter) gets ``None``. Raises
    ``ValueError`` like ``periods.comparison_range`` and ``periods.period_starts``.
    """
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other is None:
        return []
    axis = periods.period_starts(filters.start, filters.end, granularity, filters.week_start)
    if granularity == "day" and compare == "hijri_year":
        return [(d, periods.comparison_day(d, filters.start, other[0], compare)) for d in axis]
    other_axis = periods.period_starts(other[0], other[1], granularity, filters.week_start)
    return [(p, other_axis[i] if i < len(other_axis) else None) for i, p in enumerate(axis)]


def comparison_series(db, filters: acquisition.Filters, compare: str | None, granularity: str) -> pd.DataFrame:
    """Totals of the comparison period per period, aligned with the current range's axis.

    Pairs periods as ``period_pairs`` does (by day with ``hijri_year``: 1 Ramadan with 1 Ramadan).
    Returns ``DataFrame[period_start (current axis, local date), comparison_start (local date),
    previous (int contacts)]``, one row per paired period; empty without a comparison. Reads what
    ``acquisition.acquisition`` reads.
    """
    cols = ["period_start", "comparison_start", "previous"]
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other is None:
        return pd.DataFrame(columns=cols)
    prev = acquisition.acquisition(db, filters.with_range(*other), by=None, granularity=granularity)
    counts = {p: int(n) for p, n in zip(prev["period_start"], prev["new_contacts"])}
    pairs = [(p, q) for p, q in period_pairs(filters, compare, granularity) if q is not None and q in counts]
    return pd.DataFrame({
        "period_start": [p for p, _ in pairs],
        "comparison_start": [q for _, q in pairs],
        "previous": [counts[q] for _, q in pairs],
    }, columns=cols)


def acquisition_with_comparison(db, filters: acquisition.Filters, by: str | None, granularity: str,
                                compare: str | None) -> pd.DataFrame:
    """``acquisition.acquisition`` plus ``previous_new_contacts``: the contacts of the same
    dimension value in the comparison period paired with each row's period (``period_pairs``).

    Rows: every period of the current axis for every dimension value with contacts in the range
    *or* in the comparison range (a value seen only in the comparison range has ``new_contacts``
    0). ``previous_new_contacts`` is Int64 contacts, NA for a period with no counterpart. Without
    ``compare`` this is ``acquisition.acquisition`` unchanged. Columns: those of
    ``acquisition.acquisition`` then ``previous_new_contacts``; sorted by period then name.
    Raises ``ValueError`` like ``acquisition.acquisition`` and ``periods.comparison_range``.
    """
    current = acquisition.acquisition(db, filters, by=by, granularity=granularity)
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other is None:
        return current
    previous = acquisition.acquisition(db, filters.with_range(*other), by=by, granularity=granularity)
    keys = [k.strip('"') for k in dim_select(by)]
    pairs = pd.DataFrame(period_pairs(filters, compare, granularity), columns=["period_start", "_cmp"])
    values = pd.concat([current[keys], previous[keys]], ignore_index=True).drop_duplicates() if keys else None
    grid = pairs.merge(values, how="cross") if keys else pairs
    out = grid.merge(current, on=["period_start", *keys], how="left")
    prev = previous.rename(columns={"period_start": "_cmp", "new_contacts": "previous_new_contacts"})
    out = out.merge(prev, on=["_cmp", *keys], how="left")
    out["new_contacts"] = out["new_contacts"].fillna(0).astype("int64")
    has_pair = out["_cmp"].notna()
    out["previous_new_contacts"] = out["previous_new_contacts"].astype("Float64").where(
        ~has_pair | out["previous_new_contacts"].notna(), 0).where(has_pair).astype("Int64")
    out = out[list(current.columns) + ["previous_new_contacts"]]
    if keys:
        out = out.sort_values(["period_start", *reversed(keys)], kind="stable", na_position="last")
    out = out.reset_index(drop=True)
    out.attrs.update(current.attrs)
    return out

