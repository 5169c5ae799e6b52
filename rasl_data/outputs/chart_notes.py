"""Notes drawn on a time chart (Plotly): a dotted line or a shaded span per note, and labels that
stay readable when notes crowd.

The chart's time axis is described by its *slots*, one per bar or point, each covering local days
``first..last`` (a day, a week, a month): on a date axis a slot sits at its period's start (where
the bar is centred), on a category axis at its index. A note is drawn on the slots it touches:

* a single day, or a span inside one slot: a dotted vertical line through the slot;
* a span over two slots or more: a shaded band from the first slot's left edge to the last's right;
* its label at the top of the plot, at the first slot it touches. Notes whose label falls on the
  same slot (e.g. two notes on the same day) share one label, "3 notes", with every note's date and
  full text in its hover; labels that would run into each other are staggered downwards
  (``LEVEL_STEP`` of the plot's height per level, up to ``MAX_LEVELS``).

Texts are data: shown literally (``rasl_data.text.plotly_literal``), one line, cut to
``LABEL_CHARS`` characters with "…" in the label (the hover has all of it). No streamlit here: the
dashboard (``ui.charts.add_annotations``) and the weekly pack (``weekly_figures.add_notes``) both
draw through ``add_notes``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Sequence

import pandas as pd
import plotly.graph_objects as go

from rasl_data import i18n
from rasl_data.analytics import periods
from rasl_data.i18n import ngettext
from rasl_data.text import one_line, plotly_literal

KIND_COLOURS = {
    "manual": "#7E57C2",
    "source_created": "#1A73E8",
    "source_renamed": "#12B5CB",
    "ramadan": "#0F9D58",
    "eid": "#E37400",
    "sync_gap": "#D93025",
}
MIXED_COLOUR = "#80868B"
LABEL_CHARS = 32
LEVEL_STEP = 0.075
MAX_LEVELS = 5
CHAR_PX, PAD_PX = 6.5, 12
PLOT_PX = 900  # the plot's width assumed when deciding which labels would touch


@dataclass(frozen=True)
class Slot:
    """One bar or point of a time axis: local days ``first..last``; ``x`` its centre and
    ``left``/``right`` its edges in the axis's own coordinates (dates or category indices)."""

    first: date
    last: date
    x: Any
    left: Any
    right: Any


def period_slots(starts: Sequence, granularity: str) -> list[Slot]:
    """Slots of a date axis whose points are the period starts ``starts`` (dates, any order) of
    ``granularity`` (``day``/``week``/``month``), as the dashboard's charts draw them."""
    days = sorted({pd.Timestamp(s).date() for s in starts if s is not None and not pd.isna(s)})
    out: list[Slot] = []
    for i, first in enumerate(days):
        nxt = periods.next_period_start(first, granularity)
        centre = pd.Timestamp(first)
        step = (pd.Timestamp(days[i + 1]) - centre) if i + 1 < len(days) else (pd.Timestamp(nxt) - centre)
        back = (centre - pd.Timestamp(days[i - 1])) if i else step
        out.append(Slot(first, nxt - timedelta(days=1), centre.to_pydatetime(),
                        (centre - back / 2).to_pydatetime(), (centre + step / 2).to_pydatetime()))
    return out


def category_slots(spans: Sequence[tuple[date, date]]) -> list[Slot]:
    """Slots of a category axis: the n-th category (index n) covers days ``spans[n]``."""
    return [Slot(first, last, i, i - 0.5, i + 0.5) for i, (first, last) in enumerate(spans)]


def _short(text: str) -> str:
    text = one_line(text).strip()
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _when(start: date, end: date) -> str:
    if end == start:
        return i18n.format_date(start, "d MMM y")
    return f"{i18n.format_date(start, 'd MMM y')} – {i18n.format_date(end, 'd MMM y')}"


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def label_levels(anchors: Sequence[float], widths: Sequence[float], n_slots: int) -> list[tuple[int, str]]:
    """Level (0 = top) and ``xanchor`` of each label, so no two labels of one level overlap.

    ``anchors`` are slot indices (ascending), ``widths`` label widths in slots. A label extends to
    the right of its anchor unless it would leave the plot, then to the left. Labels are placed in
    order on the first level whose last label ends before this one starts; with every level taken
    (more than ``MAX_LEVELS`` labels crowding), on the level that frees up first.
    """
    ends: list[float] = []
    out: list[tuple[int, str]] = []
    for anchor, width in zip(anchors, widths):
        rightwards = anchor + width <= n_slots - 0.5 or anchor - width < -0.5
        lo, hi = (anchor, anchor + width) if rightwards else (anchor - width, anchor)
        level = next((k for k, end in enumerate(ends) if end < lo), None)
        if level is None:
            if len(ends) < MAX_LEVELS:
                level = len(ends)
                ends.append(hi)
            else:
                level = min(range(len(ends)), key=ends.__getitem__)
        ends[level] = max(ends[level], hi)
        out.append((level, "left" if rightwards else "right"))
    return out


def add_notes(fig: go.Figure, notes: pd.DataFrame, slots: Sequence[Slot], *, plot_px: int = PLOT_PX) -> go.Figure:
    """Draw ``notes`` (``rasl_data.analytics.notes.notes``: ``kind``, ``start``, ``end``,
    ``text``) on ``fig`` over its time axis ``slots`` (oldest first); returns ``fig``.

    Notes outside every slot are left out. Shapes are named ``note-<kind>`` and labels
    ``note-label`` (their ``hovertext`` holds each note's dates and full text, one per line).
    """
    if notes is None or notes.empty or not slots:
        return fig
    firsts = [s.first for s in slots]
    lasts = [s.last for s in slots]
    groups: dict[int, list] = {}
    for note in notes.itertuples():
        start = pd.Timestamp(note.start).date()
        end = start if note.end is None or pd.isna(note.end) else pd.Timestamp(note.end).date()
        i0 = bisect_left(lasts, start)            # first slot ending on or after the start
        i1 = bisect_right(firsts, end) - 1        # last slot beginning on or before the end
        if i0 >= len(slots) or i1 < 0 or i0 > i1:
            continue
        colour = KIND_COLOURS.get(note.kind, MIXED_COLOUR)
        if i1 > i0:
            fig.add_shape(type="rect", xref="x", yref="paper", x0=slots[i0].left, x1=slots[i1].right, y0=0, y1=1,
                          fillcolor=_rgba(colour, 0.10), line_width=0, layer="below", name=f"note-{note.kind}")
        else:
            fig.add_shape(type="line", xref="x", yref="paper", x0=slots[i0].x, x1=slots[i0].x, y0=0, y1=1,
                          line=dict(color=colour, width=1.5, dash="dot"), opacity=0.85, layer="above",
                          name=f"note-{note.kind}")
        groups.setdefault(i0, []).append((note.kind, start, end, str(note.text)))
    anchors = sorted(groups)
    texts = []
    for i in anchors:
        items = groups[i]
        texts.append(_short(items[0][3]) if len(items) == 1
                     else ngettext("{n} note", "{n} notes", len(items)).format(n=i18n.format_number(len(items))))
    per_slot = max(plot_px / len(slots), 1.0)
    widths = [(len(t) * CHAR_PX + PAD_PX) / per_slot for t in texts]
    for i, label, (level, xanchor) in zip(anchors, texts, label_levels(anchors, widths, len(slots))):
        items = groups[i]
        kinds = {k for k, *_ in items}
        colour = KIND_COLOURS.get(next(iter(kinds)), MIXED_COLOUR) if len(kinds) == 1 else MIXED_COLOUR
        hover = "<br>".join(plotly_literal(f"{_when(s, e)}: {one_line(t)}") for _k, s, e, t in items)
        fig.add_annotation(x=slots[i].x, xref="x", y=1 - level * LEVEL_STEP, yref="paper", yanchor="top",
                           xanchor=xanchor, text=plotly_literal(label), hovertext=hover, showarrow=False,
                           font=dict(size=11), bgcolor=_rgba(colour, 0.16), bordercolor=colour, borderwidth=1,
                           borderpad=2, name="note-label")
    return fig
