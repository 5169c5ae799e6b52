"""The weekly review's charts (Plotly figures): ``weekly_figures(review, colours)`` keyed by
``CHART_NAMES``, drawn in the weekly pack (HTML and PNG) and on the Weekly review page.
No streamlit here.
"""

from __future__ import annotations

import contextlib

import pandas as pd
import plotly.graph_objects as go

from rasl_data import i18n
from rasl_data.analytics import axes, hijri, weekends, weekly_review
from rasl_data.analytics.colours import COMPARISON_COLOUR, SeriesColours, bar_marker, unique_labels
from rasl_data.analytics.weekly_review import WeeklyReview
from rasl_data.analytics.weekly_summary import fixed_label
from rasl_data.i18n import N_, _
from rasl_data.text import one_line, plotly_literal

CHART_NAMES = ("weekly_new_contacts", "daily_new_contacts_by_source", "movers_by_source")
MAX_CHART_SOURCES = 8
PNG_WIDTH, PNG_HEIGHT, PNG_SCALE = 1000, 500, 2
# Grey is kept for Unattributed (rasl_data.analytics.colours): the weeks before are a light tint of the week's blue.
UP_COLOUR, DOWN_COLOUR, BASE_COLOUR, WEEK_COLOUR = "#0F9D58", "#D93025", "#A9C6EE", "#1A73E8"
AVERAGE_COLOUR = COMPARISON_COLOUR
OTHER_SOURCES = N_("Other sources")  # the series key (and colour key); shown translated


# --- charts -------------------------------------------------------------------------------------


def _layout(fig: go.Figure, title: str) -> go.Figure:
    """Title, size, font and legend of every chart; mirrored for a right-to-left language (the title
    and the legend start at the right edge)."""
    rtl = i18n.is_rtl()
    fig.update_layout(
        title=dict(text=title, x=0.98, xanchor="right") if rtl else title,
        template="plotly_white", height=PNG_HEIGHT, margin=dict(l=10, r=10, t=60, b=10),
        font=dict(family="DejaVu Sans, Noto Naskh Arabic, Arial, sans-serif"),
        legend=dict(orientation="h", yanchor="top", y=-0.12, title_text="",
                    **(dict(xanchor="right", x=1) if rtl else {})),
    )
    return fig


def _day_text(d, english: str, cldr: str) -> str:
    """A date as an axis label: strftime ``english`` in English (as before), the CLDR pattern ``cldr``
    (Arabic month and weekday names, the digit style in effect) in another language."""
    return f"{d:{english}}" if i18n.language() == "en" else i18n.format_date(d, cldr)


def weekly_figures(review: WeeklyReview, colours: SeriesColours | None = None,
                   language: str | None = None) -> dict[str, go.Figure]:
    """The pack's charts, keyed by ``CHART_NAMES`` (also drawn by the Weekly review page).

    * ``weekly_new_contacts``: new contacts of the 4 weeks before (light blue) and the week
      (blue), with the 4-week average as a dashed line;
    * ``daily_new_contacts_by_source``: stacked bars per local day of the week, the
      ``MAX_CHART_SOURCES`` biggest sources and a hatched "Other sources"; each source in its
      colour from ``colours`` (``rasl_data.analytics.colours.series_colours(db)``, the dashboard's colours;
      without it sources colour by id), Unattributed grey;
    * ``movers_by_source``: change against the previous week of the top movers (green up, red
      down).

    Titles, axis titles, hover texts and the fixed legend entries (``Other sources``,
    ``Unattributed``) are in ``language`` (default: the language in effect, ``rasl_data.i18n``);
    source names stay literal. Right to left (Arabic) the charts are mirrored so they read from the
    right: time runs right to left (the x axis reversed: the first day or week on the right), the
    y axis (counts, or the movers' names) sits on the right, the movers' increases grow leftwards,
    and the title and legend start at the right edge. The Weekly review page draws these figures
    as they are, so the page and the pack read the same way.
    """
    with i18n.use(language) if language else contextlib.nullcontext():
        colours = colours or SeriesColours()
        label = weekly_review.week_label(review.week_start, review.week_end)
        figures = {"weekly_new_contacts": _weekly_chart(review, label),
                   "daily_new_contacts_by_source": _daily_chart(review, colours, label),
                   "movers_by_source": _movers_chart(review, label)}
        if i18n.is_rtl():
            for name in ("weekly_new_contacts", "daily_new_contacts_by_source"):
                figures[name].update_xaxes(autorange="reversed")
                figures[name].update_yaxes(side="right")
        return figures


def _weekly_chart(review: WeeklyReview, label: str) -> go.Figure:
    """New contacts of the 4 weeks before and the week, with the 4-week average dashed."""
    wt = review.weekly_totals
    bar_colours = [BASE_COLOUR] * (len(wt) - 1) + [WEEK_COLOUR]
    avg = float(wt["new_contacts"].iloc[:-1].mean()) if len(wt) > 1 else 0.0
    weeks = [_day_text(d, "%d %b", "d MMMM") for d in wt["week_start"]]
    hover = _("Week of {week}: {count} new contacts").format(week="%{x}", count="%{y:,}")
    f1 = go.Figure(go.Bar(x=weeks, y=wt["new_contacts"], marker_color=bar_colours, name=_("New contacts"),
                          hovertemplate=hover + "<extra></extra>"))
    f1.add_hline(y=avg, line_dash="dash", line_color=AVERAGE_COLOUR,
                 annotation_text=_("4-week average {average}").format(average=i18n.format_number(avg, 1)),
                 annotation_position="top right" if i18n.is_rtl() else "top left")
    top = max([avg, *[float(v) for v in wt["new_contacts"]]]) if len(wt) else 0.0
    f1.update_yaxes(rangemode="tozero", title=_("New contacts"), **axes.count_ticks(top))
    f1.update_xaxes(title=_("Week starting"))
    return _layout(f1, _("New contacts per week, {week}").format(week=label))


def _daily_chart(review: WeeklyReview, colours: SeriesColours, label: str) -> go.Figure:
    """Stacked bars per local day: the biggest sources, Unattributed grey, the rest as Other sources."""
    daily = review.daily_by_source.copy()
    f2 = go.Figure()
    if len(daily):
        # Series by source id (two sources may share a name); NA is Unattributed.
        daily["key"] = [None if pd.isna(i) else int(i) for i in daily["source_id"]]
        daily["label"] = unique_labels(daily["source"], daily["key"])
        totals = daily.groupby("label", sort=False)["new_contacts"].sum().sort_values(ascending=False, kind="stable")
        key_of = dict(zip(daily["label"], daily["key"]))
        # Unattributed (grey) keeps its own legend entry, never folded into "Other sources".
        unattributed = [s for s in totals.index if pd.isna(key_of.get(s)) and totals[s] > 0]
        named = [s for s in totals.index if s not in unattributed][: MAX_CHART_SOURCES - len(unattributed)]
        keep = [s for s in totals.index if s in named or s in unattributed]
        other = len(totals) > len(keep)
        daily["series"] = [s if s in keep else OTHER_SOURCES for s in daily["label"]]
        # Legend texts by position: a source named like the translated "Unattributed" stays apart.
        names = dict(zip(keep, _axis_names([fixed_label(s, s in unattributed) for s in keep])))
        grouped = daily.groupby(["day", "series"], sort=False)["new_contacts"].sum().reset_index()
        for series in keep + ([OTHER_SOURCES] if other else []):
            part = grouped[grouped["series"] == series]
            colour = colours.source(OTHER_SOURCES if series == OTHER_SOURCES else key_of.get(series))
            f2.add_bar(x=[_day_text(d, "%a %d %b", "EEEE d MMMM") for d in part["day"]], y=part["new_contacts"],
                       hovertext=[hijri.day_label(d) for d in part["day"]],  # the Hijri date on hover
                       name=plotly_literal(names.get(series, _(OTHER_SOURCES))),
                       marker=bar_marker(series, colour),
                       hovertemplate="%{hovertext} · %{fullData.name}: %{y:,}<extra></extra>")
        stack = grouped.groupby("day")["new_contacts"].sum()
        top = float(stack.max()) if len(stack) else 0.0
    else:
        f2.add_annotation(text=_("No new contacts this week"), showarrow=False, x=0.5, y=0.5, xref="paper",
                          yref="paper")
        top = 0.0
    if len(daily):  # the weekend's days shaded behind the bars (categories: one per day, in order)
        for shape in weekends.weekend_shapes(sorted(set(daily["day"])), review.weekend_days, categorical=True):
            f2.add_shape(**shape)
    f2.update_layout(barmode="stack")
    f2.update_yaxes(rangemode="tozero", title=_("New contacts"), **axes.count_ticks(top))
    return _layout(f2, _("New contacts per day by source, {week}").format(week=label))


def _movers_chart(review: WeeklyReview, label: str) -> go.Figure:
    """Change against the previous week of the top movers (green up, red down), names on the y axis."""
    movers = review.movers_sources
    f3 = go.Figure()
    rtl = i18n.is_rtl()
    if len(movers):
        m = movers.iloc[::-1]  # plotly draws the first category at the bottom
        changes = [int(c) for c in m["change_abs"]]
        shown = [fixed_label(s, "source_id" in m.columns and pd.isna(i))
                 for s, i in zip(m["source"], m["source_id"] if "source_id" in m.columns else [None] * len(m))]
        f3.add_bar(
            x=changes, y=[plotly_literal(s) for s in _axis_names(shown)], orientation="h",
            customdata=[plotly_literal(n) for n in shown],
            marker_color=[UP_COLOUR if d == "up" else DOWN_COLOUR for d in m["direction"]],
            text=[weekly_review.change_text(c, p, n) for c, p, n in zip(m["change_abs"], m["change_pct"], m["is_new"])],
            # Labels sit just past the end of each bar, inside the plot: "auto" put the label of a
            # negative bar outside its left end, over the source names of the y axis.
            textposition="outside", cliponaxis=False, textfont=dict(size=12),
            hovertemplate=_("{name}: {change} vs the previous week").format(name="%{customdata}", change="%{x:+,}")
            + "<extra></extra>",
        )
        f3.update_xaxes(title=_("Change in new contacts vs the previous week"), zeroline=True,
                        zerolinecolor="#5F6368", **axes.signed_count_ticks(float(m["change_abs"].min()), float(m["change_abs"].max())))
        span = movers_range(changes)
        f3.update_xaxes(range=span[::-1] if rtl else span)  # a reversed range mirrors the bars
        if rtl:
            f3.update_yaxes(side="right")
    else:
        f3.add_annotation(text=_("No source changed"), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    _layout(f3, _("Top movers by source, {week}").format(week=label))
    f3.update_layout(showlegend=False)
    return f3


MOVER_LABEL_ROOM = 0.35  # share of the bars' span added on each side that has bars, for their labels


def movers_range(changes: list[int]) -> list[float]:
    """The x-axis range of the movers chart: the bars plus ``MOVER_LABEL_ROOM`` of their span on
    each side that has bars, so every label fits between its bar's end and the plot's edge.

    Zero is always inside (bars start there). ``[-1, 1]`` when there are no changes.
    """
    lo, hi = min([0, *changes]), max([0, *changes])
    span = max(hi - lo, 1)
    room = MOVER_LABEL_ROOM * span
    return [lo - room if lo < 0 else -0.02 * span, hi + room if hi > 0 else 0.02 * span]


MAX_LABEL_CHARS = 48  # longer names are cut with "…" in legends and axis labels (tables keep them)


def _label(name) -> str:
    """A name as a chart label: one line (``one_line``), at most ``MAX_LABEL_CHARS`` characters."""
    text = one_line(name).strip()
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def _axis_names(names) -> list[str]:
    """Category labels of a bar chart, one per bar: one line each and unique (plotly would draw
    two sources of the same name as one bar)."""
    out: list[str] = []
    for name in names:
        text = _label(name)
        while text in out:
            text += "\u200b"
        out.append(text)
    return out


def add_notes(figures: dict[str, go.Figure], review: WeeklyReview, notes: pd.DataFrame) -> dict[str, go.Figure]:
    """Draw chart notes (``rasl_data.analytics.notes.notes`` of ``review.baseline_start`` ..
    ``review.week_end``) on the weekly charts with a time axis: ``weekly_new_contacts`` (one slot
    per week) and ``daily_new_contacts_by_source`` (one per day of the week, when it has bars).
    Their category order is pinned to the weeks' and days' order. Returns ``figures``.
    """
    from datetime import timedelta

    from rasl_data.outputs import chart_notes

    weeks = [pd.Timestamp(d).date() for d in review.weekly_totals["week_start"]]
    f1 = figures.get("weekly_new_contacts")
    if f1 is not None and weeks:
        f1.update_xaxes(categoryorder="array", categoryarray=[_day_text(d, "%d %b", "d MMMM") for d in weeks])
        chart_notes.add_notes(f1, notes, chart_notes.category_slots([(d, d + timedelta(days=6)) for d in weeks]))
    f2 = figures.get("daily_new_contacts_by_source")
    if f2 is not None and len(review.daily_by_source):
        days = [review.week_start + timedelta(days=i) for i in range((review.week_end - review.week_start).days + 1)]
        f2.update_xaxes(categoryorder="array", categoryarray=[_day_text(d, "%a %d %b", "EEEE d MMMM") for d in days])
        chart_notes.add_notes(f2, notes, chart_notes.category_slots([(d, d) for d in days]))
    return figures
