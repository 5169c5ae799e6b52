"""The work week: which local days are the weekend (``RASL_WEEKEND``: ``fri-sat``, the Gulf's
default, ``sat-sun`` or ``fri``; ``Settings.weekend_days``), the weekday (work-day) average, and
the weekend bands drawn behind daily charts (the dashboard's and the weekly pack's), with one
legend entry "Weekend (Fri–Sat)" that shows or hides them all.

Days are plain local ``datetime.date`` values; weekend days are ``date.weekday()`` numbers
(0 = Monday, 4 = Friday, 5 = Saturday). No streamlit here; the figures get plain Plotly shape
dicts (``weekend_shapes``), like ``colours.bar_marker``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Iterable, Sequence

from rasl_data import i18n
from rasl_data.i18n import N_, _

DEFAULT_WEEKEND = (4, 5)
"""Friday and Saturday (``RASL_WEEKEND=fri-sat``)."""
SHADE = "rgba(128, 128, 128, 0.13)"
"""Weekend bands: a translucent grey, readable behind bars in Streamlit's light and dark themes."""
LEGEND_GROUP = "weekend"
"""The ``legendgroup`` of every weekend band (how a test or a caller finds them among the shapes)."""
_LABEL = N_("Weekend ({days})")


def is_weekend(day: date, weekend_days: Sequence[int] = DEFAULT_WEEKEND) -> bool:
    """Whether local ``day`` falls on the weekend."""
    return day.weekday() in tuple(weekend_days)


def work_days(start: date, end: date, weekend_days: Sequence[int] = DEFAULT_WEEKEND) -> list[date]:
    """The work days of ``start..end`` (inclusive), oldest first."""
    n = (end - start).days + 1
    return [d for d in (start + timedelta(days=i) for i in range(max(n, 0))) if not is_weekend(d, weekend_days)]


def weekday_average(daily: dict[date, float] | Iterable[tuple[date, float]], start: date, end: date,
                    weekend_days: Sequence[int] = DEFAULT_WEEKEND) -> float:
    """New contacts per work day over ``start..end``: the contacts of its work days divided by the
    number of work days (weekend days count neither their contacts nor themselves).

    ``daily`` maps a local day to its count (days missing count 0). NaN when the range holds no
    work day.
    """
    counts = dict(daily.items() if isinstance(daily, dict) else daily)
    days = work_days(start, end, weekend_days)
    if not days:
        return float("nan")
    return sum(float(counts.get(d, 0) or 0) for d in days) / len(days)


def weekend_label(weekend_days: Sequence[int] = DEFAULT_WEEKEND) -> str:
    """The legend text of the bands, in the interface language: ``"Weekend (Fri–Sat)"``."""
    names = [i18n.weekday_name(d, "abbreviated") for d in weekend_days]
    return _(_LABEL).format(days="–".join(names))


def weekend_runs(days: Iterable[date], weekend_days: Sequence[int] = DEFAULT_WEEKEND) -> list[tuple[date, date]]:
    """Consecutive weekend days among ``days`` as inclusive ``(first, last)`` runs, oldest first
    (Friday-Saturday is one run; with ``fri`` each Friday is its own)."""
    runs: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if not is_weekend(d, weekend_days):
            continue
        if runs and runs[-1][1] == d - timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def weekend_shapes(days: Sequence[date], weekend_days: Sequence[int] = DEFAULT_WEEKEND, *,
                   categorical: bool = False) -> list[dict]:
    """Plotly shape dicts (``fig.add_shape(**shape)``) shading the weekend days of a daily chart
    whose x values are ``days``, behind the bars, full height.

    On a date axis a band runs from noon of the day before its first weekend day to noon of its
    last (a day's bar is centred on its midnight), so ``x0 + 12 h`` is the first weekend day; on
    a category axis (``categorical=True``, one category per day in ``days``' order) it covers the
    categories' positions ± 0.5. Every band is in legend group ``LEGEND_GROUP`` named
    ``weekend_label`` (interface language); the first one shows the legend entry, so a chart
    gets one "Weekend (Fri–Sat)" entry and no extra trace (clicks and series counts stay as
    they were). ``[]`` when no day is a weekend day.
    """
    label = weekend_label(weekend_days)
    shapes = []
    order = {d: i for i, d in enumerate(days)}
    for first, last in weekend_runs(days, weekend_days):
        if categorical:
            x0, x1 = order[first] - 0.5, order[last] + 0.5
        else:
            x0 = datetime.combine(first, time()) - timedelta(hours=12)
            x1 = datetime.combine(last, time()) + timedelta(hours=12)
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, fillcolor=SHADE,
                           line_width=0, layer="below", name=label, legendgroup=LEGEND_GROUP,
                           showlegend=not shapes))
    return shapes

