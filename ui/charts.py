"""Plotly figures shared by the pages, with one colour per source or channel everywhere.

Colours come from ``rasl_data.analytics.colours`` (the weekly pack uses the same function): a source keeps
its colour in every chart and across a rename because the colour follows its RASL id and its
all-time rank, never its name; channels have fixed colours; grey is Unattributed only; "Other"
is a hatched sand. No text colour is hard-coded, so the figures follow Streamlit's light or
dark theme. Count axes always tick at distinct whole numbers (``count_axis``).
"""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from rasl_data import i18n
from rasl_data.analytics import axes, hijri, weekends
from rasl_data.analytics import colours as palette
from rasl_data.analytics.colours import COMPARISON_COLOUR, OTHER_COLOUR, PALETTE, UNATTRIBUTED_COLOUR  # noqa: F401
from rasl_data.analytics.source_names import display_name
from rasl_data.i18n import _
from rasl_data.text import plotly_literal

from . import direction

# The workspace's series colours, set once per run by app.py from the cache (``set_colours``).
_colours = palette.SeriesColours()


def set_colours(colours: palette.SeriesColours) -> None:
    """Use ``colours`` (``rasl_data.analytics.colours.series_colours(reader)``) for every chart of this run."""
    global _colours
    _colours = colours


def colour_for(key, kind: str = "source") -> str:
    """A stable colour (``#RRGGBB``) of series ``key`` of dimension ``kind`` (see ``SeriesColours.of``)."""
    return _colours.of(kind, key)


def unique_labels(names: pd.Series, ids: pd.Series) -> pd.Series:
    """Series labels that are one per id: a name shared by two ids gets `` (#id)`` appended."""
    return pd.Series(palette.unique_labels(names, ids), index=names.index)


_RTL = re.compile("[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")


def ltr_label(text) -> str:
    """A name as Plotly text: shown literally (``text.plotly_literal``: ``<b>`` stays ``<b>``, not
    bold) and, with Arabic (or Hebrew) letters, wrapped in left-to-right marks.

    Plotly draws legend and axis text in SVG starting at an anchor; a name whose first strong
    letter is Arabic is laid out right-to-left from that anchor and runs over the colour swatch.
    The marks make the line left-to-right while the Arabic words inside still read right to left.
    """
    text = plotly_literal(text)
    return f"\u200e{text}\u200e" if _RTL.search(text) else text


def _point_text(x, y, percent: bool = False, decimals: int = 1) -> str:
    """Hover text of one point: ``"2 Mar 2026: 1,234"`` (a date ``x``) or ``"1,234"``, with the
    month names and digits of the language in effect (Plotly's own formats are English only)."""
    if y is None or pd.isna(y):
        value = "–"
    else:
        value = i18n.format_percent(float(y), decimals) if percent else i18n.format_number(float(y))
    if x is None:
        return value
    try:
        day = pd.Timestamp(x).date()
    except (TypeError, ValueError):
        return value
    return f"{i18n.format_date(day)}: {value}"


def _layout(fig: go.Figure, *, height: int = 420, y_title: str | None = None, x_title: str | None = None,
            legend_below: bool = True) -> go.Figure:
    fig.update_layout(
        legend_title_text="", margin=dict(l=10, r=10, t=30, b=10), height=height,
        xaxis_title=x_title, yaxis_title=y_title, hoverlabel=dict(namelength=-1),
    )
    if legend_below:
        fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    return direction.figure(fig)  # right to left in Arabic


def _localised_ticks(ticks: dict, top: float, percent: bool) -> dict:
    """``ticks`` (a linear ``axes`` tick setting) as explicit values and labels written with
    Arabic-Indic digits, when the language in effect writes them; else ``ticks`` unchanged.

    Plotly writes tick numbers with 0-9 whatever its locale, so the labels are made here, at
    the same values and step (one step past ``top``: the axis may end a little above it).
    """
    if i18n.localise_digits("0") == "0":
        return ticks
    step = float(ticks["dtick"])
    decimals = int(ticks["tickformat"].rstrip("%").lstrip(".,+d") or 0) if percent else 0
    count = math.floor(max(float(top or 0), 0.0) / step + 1e-9) + 2
    values = [round(i * step, 12) for i in range(count)]
    text = [i18n.format_percent(v, decimals) if percent else i18n.format_number(v) for v in values]
    return {"tickmode": "array", "tickvals": values, "ticktext": text}


def count_axis(fig: go.Figure, axis: str, max_value: float) -> go.Figure:
    """Distinct whole-number ticks on count axis ``axis`` (``"x"``/``"y"``) from 0 to ``max_value``
    (labels with the language's digits)."""
    ticks = _localised_ticks(axes.count_ticks(max_value), max_value, percent=False)
    getattr(fig, f"update_{axis}axes")(rangemode="tozero", **ticks)
    return fig


def percent_axis(fig: go.Figure, axis: str, max_fraction: float, **extra) -> go.Figure:
    """Distinct percentage ticks on share axis ``axis`` from 0 to ``max_fraction`` (a fraction;
    labels with the language's digits)."""
    ticks = _localised_ticks(axes.percent_ticks(max_fraction), max_fraction, percent=True)
    getattr(fig, f"update_{axis}axes")(rangemode="tozero", **ticks, **extra)
    return fig


def _stack_max(fig: go.Figure) -> float:
    """The tallest stack (sum of the bars per x) or line point of ``fig``'s vertical traces."""
    stacks: dict = {}
    top = 0.0
    for trace in fig.data:
        ys = [v for v in (trace.y or ()) if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if trace.type == "bar":
            for xv, yv in zip(trace.x or (), trace.y or ()):
                if yv is not None and not (isinstance(yv, float) and math.isnan(yv)):
                    stacks[xv] = stacks.get(xv, 0.0) + float(yv)
        elif ys:
            top = max(top, max(float(v) for v in ys))
    return max([top, *stacks.values()]) if stacks or top else 0.0


def _is_unattributed(label, df: pd.DataFrame, colour: str, keys: str) -> bool:
    """Whether series ``label`` is Unattributed (its name, or a source series without a source id)."""
    if str(label) == palette.UNATTRIBUTED:
        return True
    if colour != "source" or keys == colour:
        return False
    ids = df.loc[df[colour] == label, keys]
    return bool(len(ids)) and bool(ids.isna().all())


def stacked_bars(df: pd.DataFrame, *, x: str, y: str, colour: str, colour_keys: str | None = None,
                 x_title: str = "", y_title: str | None = None, max_series: int = 12) -> go.Figure:
    """Stacked bars of ``y`` (contacts) over ``x`` (period start dates) split by ``colour``.

    ``colour`` names the dimension (``source``, ``channel``, ``campaign``, ``group``) and picks
    the colour rule (``rasl_data.analytics.colours.SeriesColours.of``); ``colour_keys`` (e.g.
    ``source_id``) fixes each series' colour and is carried as the bars' ``customdata`` so a
    click can tell which source was picked (``""`` for Unattributed). Series beyond the
    ``max_series - 1`` largest are summed into a hatched "Other" to keep the legend readable.
    Built from ``go.Bar`` traces (plotly.express costs ~90 ms a figure). ``y_title`` defaults to
    "New contacts"; legend names of Unattributed and Other, hover dates and numbers are in the
    language in effect.
    """
    y_title = _("New contacts") if y_title is None else y_title
    df = df.copy()
    keys = colour_keys or colour
    if colour_keys:
        df[colour] = unique_labels(df[colour], df[colour_keys])
    totals = df.groupby(colour, dropna=False, sort=False)[y].sum().sort_values(ascending=False, kind="stable")
    order = totals.index.tolist()
    if len(order) > max_series:
        # Unattributed is never folded into "Other": grey keeps its own legend entry.
        unattributed = [label for label in order if _is_unattributed(label, df, colour, keys)]
        keep = [label for label in order if label not in unattributed][: max_series - 1 - len(unattributed)]
        keep = [label for label in order if label in keep or label in unattributed]
        rest = df[~df[colour].isin(keep)].groupby(x, as_index=False, sort=True)[y].sum()
        rest[colour], rest[keys] = "Other", "Other"
        df = pd.concat([df[df[colour].isin(keep)], rest], ignore_index=True)
        order = keep + ["Other"]
    key_of = dict(zip(df[colour], df[keys]))
    fig = go.Figure()
    for label in order:
        part = df[df[colour] == label].sort_values(x)
        key = key_of.get(label)
        key = None if key is None or (not isinstance(key, str) and pd.isna(key)) else key
        if key is not None and not isinstance(key, str):
            key = int(key)
        colour_hex = colour_for("Other" if label == "Other" else key, colour)
        custom = "" if key is None else key
        fig.add_trace(go.Bar(
            x=list(part[x]), y=list(part[y]), name=ltr_label(display_name(label)),
            marker=palette.bar_marker(label, colour_hex), customdata=[[custom]] * len(part),
            hovertext=[_point_text(a, b) for a, b in zip(part[x], part[y])],
            hovertemplate="%{hovertext}<extra>%{fullData.name}</extra>",  # no name in a template
        ))
    # "closest", not "x unified": a click must pick the bar segment under the pointer (the
    # unified mode hands the click to whichever trace is nearest, often the comparison line).
    fig.update_layout(barmode="stack", hovermode="closest")
    count_axis(fig, "y", _stack_max(fig))
    period_ticks(fig, df[x])
    return _layout(fig, y_title=y_title, x_title=x_title or None)


def period_ticks(fig: go.Figure, starts: pd.Series, max_ticks: int = 14) -> go.Figure:
    """Put the x-axis ticks on the periods' own first days (a Monday week is labelled with its
    Monday, not with whatever day Plotly picks), with the year on the first tick and at a change.
    """
    values = sorted({pd.Timestamp(v).date() for v in pd.Series(starts).dropna()})
    if not values:
        return fig
    step = max(1, -(-len(values) // max_ticks))
    shown = values[::step]
    text, year = [], None
    for d in shown:
        text.append(i18n.format_date(d, "d MMM" if d.year == year else "d MMM y"))
        year = d.year
    fig.update_xaxes(tickmode="array", tickvals=shown, ticktext=text)
    return fig


def add_comparison_line(fig: go.Figure, x: list, y: list, label: str, dates: list | None = None) -> go.Figure:
    """Overlay the comparison period's totals as a dashed line on the current period's axis ``x``.

    ``x`` are the current period starts and ``y`` the comparison totals aligned by period
    (``comparison.comparison_series``); ``dates``, the comparison periods' own first days, are kept
    in the trace's ``meta`` so ``mark_days`` can name them on hover. The count axis is re-ticked
    to cover the line too.
    """
    meta = {"comparison_dates": [pd.Timestamp(d).date().isoformat() for d in dates]} if dates is not None else None
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=plotly_literal(label),
                             line=dict(color=COMPARISON_COLOUR, dash="dash", width=2), marker=dict(size=6),
                             hovertext=[_point_text(a, b) for a, b in zip(x, y)],
                             hovertemplate="%{hovertext}<extra>%{fullData.name}</extra>", meta=meta))
    count_axis(fig, "y", _stack_max(fig))
    return fig


def day_label(day: date) -> str:
    """A day as hover text, the Hijri date beside the Gregorian one (``hijri.day_label``):
    ``"18 Feb 2026 · 1 Ramadan 1447 AH"``."""
    return hijri.day_label(day)


def _as_day(x) -> date | None:
    try:
        ts = pd.Timestamp(x)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(ts) else ts.date()


def mark_days(fig: go.Figure, weekend_days=weekends.DEFAULT_WEEKEND) -> go.Figure:
    """Dress a daily time chart (x = local days): every point's hover names its day with the Hijri
    date (``day_label``; the comparison line names its own days, see ``add_comparison_line``), and
    the weekend days (``Settings.weekend_days``) are shaded behind the bars with a legend entry
    "Weekend (Fri–Sat)" (``weekends.weekend_shapes``: shapes, no extra trace). Call it only when one
    bar is one day."""
    days: set[date] = set()
    for trace in fig.data:
        if trace.type not in ("bar", "scatter"):
            continue
        xs = [_as_day(x) for x in (trace.x or ())]
        if not xs or any(d is None for d in xs):
            continue
        days.update(xs)
        own = (trace.meta or {}).get("comparison_dates") if isinstance(trace.meta, dict) else None
        shown = [date.fromisoformat(d) for d in own] if own and len(own) == len(xs) else xs
        ys = list(trace.y or ())
        trace.hovertext = [f"{day_label(d)}: {_point_text(None, ys[i] if i < len(ys) else None)}"
                           for i, d in enumerate(shown)]
        trace.hovertemplate = "%{hovertext}<extra>%{fullData.name}</extra>"
    for shape in weekends.weekend_shapes(sorted(days), weekend_days):
        fig.add_shape(**shape)
    return fig


def line_chart(df: pd.DataFrame, *, x: str, y: str, name: str = "", colour: str = UNATTRIBUTED_COLOUR,
               y_title: str = "", percent: bool = False, height: int = 320) -> go.Figure:
    """One line of ``y`` over ``x`` (period starts, ticked on the periods' first days);
    ``percent`` formats a fraction axis as a percentage with distinct ticks."""
    fig = go.Figure(go.Scatter(x=list(df[x]), y=list(df[y]), mode="lines+markers", name=name or y_title,
                               line=dict(color=colour, width=2),
                               hovertext=[_point_text(a, b, percent) for a, b in zip(df[x], df[y])],
                               hovertemplate="%{hovertext}<extra></extra>"))
    _value_axis(fig, "y", df[y], percent)
    fig.update_layout(hovermode="x unified", showlegend=False)
    period_ticks(fig, df[x])
    return _layout(fig, height=height, y_title=y_title)


def _value_axis(fig: go.Figure, axis: str, values: pd.Series, percent: bool) -> None:
    """Tick the value ``axis`` (``"x"``/``"y"``) up to the largest of ``values`` (NaN and an empty
    frame count as 0): a percentage axis for fractions, else a count axis."""
    top = float(pd.to_numeric(values, errors="coerce").max()) if len(values) else 0.0
    top = 0.0 if math.isnan(top) else top
    (percent_axis if percent else count_axis)(fig, axis, top)


def horizontal_bars(df: pd.DataFrame, *, x: str, y: str, colour_keys: str | None = None, percent: bool = False,
                    x_title: str = "", height: int | None = None, text: str | None = None,
                    kind: str | None = None) -> go.Figure:
    """Horizontal bars of ``x`` per ``y`` label in the frame's order (first on top); one colour per
    ``colour_keys`` value (e.g. source id) or per label, by the colour rule of ``kind`` (default:
    ``source`` with ``colour_keys``, else the dimension named by ``y``)."""
    kind = kind or ("source" if colour_keys else y)
    df = df.copy()
    if colour_keys:
        df[y] = unique_labels(df[y], df[colour_keys])
        keys = [None if pd.isna(k) else int(k) for k in df[colour_keys]]
    else:
        keys = [str(v) for v in df[y]]
    fig = go.Figure(go.Bar(
        x=list(df[x]), y=[ltr_label(display_name(v)) for v in df[y]], orientation="h",
        marker_color=[colour_for(k, kind) for k in keys],
        text=list(df[text]) if text else None, textposition="outside" if text else None, cliponaxis=False,
        hovertext=[_point_text(None, v, percent) for v in df[x]],
        hovertemplate="%{y}: %{hovertext}<extra></extra>",
    ))
    fig.update_layout(showlegend=False, yaxis=dict(autorange="reversed"))
    _value_axis(fig, "x", df[x], percent)
    return _layout(fig, height=height or max(220, 28 * len(df) + 80), x_title=x_title or None, legend_below=False)


def stacked_share_bars(df: pd.DataFrame, *, x: str, y: str, colour: str, height: int | None = None,
                       colours: dict[str, str] | None = None) -> go.Figure:
    """Horizontal 100 % bars: the mix of ``colour`` (e.g. statuses) within each ``y`` label.

    ``x`` holds fractions of each label's total; labels keep the frame's order (first on top);
    ``colours`` maps a ``colour`` value to its own colour (e.g. RASL's status colours).
    """
    df = df.assign(**{y: [ltr_label(display_name(v)) for v in df[y]]})
    labels = list(dict.fromkeys(df[y]))
    fig = go.Figure()
    for name, part in df.groupby(colour, sort=False):
        fig.add_trace(go.Bar(x=list(part[x]), y=list(part[y]), orientation="h", name=ltr_label(display_name(name)),
                             marker_color=(colours or {}).get(str(name)) or colour_for(str(name), colour),
                             hovertext=[_point_text(None, v, True, 0) for v in part[x]],
                             hovertemplate="%{y}: %{hovertext}<extra>%{fullData.name}</extra>"))
    fig.update_layout(barmode="stack", yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=labels))
    # A hair past 100 % so the last tick (0.2 x 5 = 1.0000000000000002) and its label are drawn.
    percent_axis(fig, "x", 1.0, range=[0, 1.0001])
    return _layout(fig, height=height or max(260, 30 * len(labels) + 120))


def add_annotations(fig: go.Figure, notes: pd.DataFrame, starts, granularity: str) -> go.Figure:
    """Draw chart notes (``rasl_data.analytics.notes.notes``) on a time chart whose points are
    the period starts ``starts`` of ``granularity``: a dotted line or a shaded span per note, labels
    staggered, notes of one period in one label with their full texts in its hover
    (``rasl_data.outputs.chart_notes``). Texts are shown literally. Returns ``fig``."""
    from rasl_data.outputs import chart_notes

    return chart_notes.add_notes(fig, notes, chart_notes.period_slots(starts, granularity))
