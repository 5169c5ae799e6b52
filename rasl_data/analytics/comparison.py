"""The comparison line of a chart: the previous period (or the same period last year) aligned on
the current one's time axis."""

from __future__ import annotations

import pandas as pd

from rasl_data.analytics import acquisition, periods


def comparison_series(db, filters: acquisition.Filters, compare: str | None, granularity: str) -> pd.DataFrame:
    """Totals of the comparison period per period, aligned with the current range by period index.

    The n-th period of the comparison range is paired with the n-th period of the current range
    (periods of different lengths, e.g. months, pair by position). Returns ``DataFrame[period_start
    (current axis, local date), comparison_start (local date), previous (int contacts)]``; empty
    without a comparison. Reads what ``acquisition.acquisition`` reads.
    """
    cols = ["period_start", "comparison_start", "previous"]
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other is None:
        return pd.DataFrame(columns=cols)
    prev = acquisition.acquisition(db, filters.with_range(*other), by=None, granularity=granularity)
    axis = periods.period_starts(filters.start, filters.end, granularity, filters.week_start)
    n = min(len(axis), len(prev))
    return pd.DataFrame({
        "period_start": axis[:n],
        "comparison_start": list(prev["period_start"])[:n],
        "previous": [int(x) for x in list(prev["new_contacts"])[:n]],
    }, columns=cols)
