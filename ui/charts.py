"""Plotly figures shared by the pages, with one colour per source or channel everywhere.

Colours: a source keeps its colour in every chart and across a rename because the colour is
chosen from its RASL id, never its name; channels have brand-like colours; campaigns, groups
and statuses take a colour from their name. No text colour is hard-coded, so the figures follow
Streamlit's light or dark theme.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd
import plotly.express as px  # palettes only: figures are built from go traces (faster)
import plotly.graph_objects as go

from rasl_data.text import plotly_literal

# Mid-tone qualitative colours readable on white and on the dark theme's background.
PALETTE = px.colors.qualitative.Plotly + px.colors.qualitative.Safe + px.colors.qualitative.Bold
UNATTRIBUTED_COLOUR = "#9E9E9E"
COMPARISON_COLOUR = "#F9A825"
CHANNEL_COLOURS = {
    "WhatsApp": "#25D366", "Facebook": "#1877F2", "Instagram": "#C13584", "TikTok": "#FE2C55",
    "Snapchat": "#F7D600", "Google Ads": "#FBBC04", "Google Search": "#EA4335", "Website": "#00897B",
    "Referral": "#8E24AA", "Manual import": "#8D6E63", "Integration": "#607D8B", "Email": "#FB8C00",
    "SMS": "#5C6BC0", "YouTube": "#FF0000", "LinkedIn": "#0A66C2", "X (Twitter)": "#78909C",
    "Unmapped": "#BDBDBD", "Unattributed": UNATTRIBUTED_COLOUR, "No campaign": "#B0BEC5",
}


# Source id -> palette slot, set once per run from the workspace's sources (largest first), so
# the biggest sources never share a colour and a source has one colour in every chart.
_source_slots: dict[int, int] = {}


def set_source_order(source_ids: list[int]) -> None:
    """Give palette slots to sources in this order (largest all-time first); others use ``id % n``."""
    global _source_slots
    _source_slots = {int(sid): i for i, sid in enumerate(source_ids)}


def colour_for(key: str | int | None) -> str:
    """A stable colour (``#RRGGBB``) for a source id, a channel, or a campaign/group/status name.

    Source ids take their slot from ``set_source_order`` (distinct for the ``len(PALETTE)``
    largest sources), else ``id % len(PALETTE)``; ``None``/``Unattributed`` is grey.
    """
    if key is None or (isinstance(key, float) and pd.isna(key)) or key is pd.NA or key == "Unattributed":
        return UNATTRIBUTED_COLOUR
    if isinstance(key, str):
        if key in CHANNEL_COLOURS:
            return CHANNEL_COLOURS[key]
        digest = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16)
        return PALETTE[digest % len(PALETTE)]
    slot = _source_slots.get(int(key), int(key))
    return PALETTE[slot % len(PALETTE)]


def colour_map(labels: pd.Series, keys: pd.Series | None = None) -> dict[str, str]:
    """Label → colour; ``keys`` (e.g. source ids) decide the colour so a rename keeps it."""
    keys = labels if keys is None else keys
    out: dict[str, str] = {}
    for label, key in zip(labels, keys):
        if key is None or (not isinstance(key, str) and pd.isna(key)):
            key = None
        out[str(label)] = colour_for(key if key is None or isinstance(key, str) else int(key))
    return out


def unique_labels(names: pd.Series, ids: pd.Series) -> pd.Series:
    """Series labels that are one per id: a name shared by two ids gets `` (#id)`` appended.

    Plotly groups traces by label, so two sources with the same shown name would merge.
    """
    names = names.astype(str)
    per_name = pd.DataFrame({"n": names, "i": ids}).drop_duplicates().groupby("n")["i"].transform("size")
    mapping = pd.DataFrame({"n": names, "i": ids}).drop_duplicates()
    dup = set(mapping.loc[per_name.values > 1, "n"]) if len(mapping) else set()
    return pd.Series(
        [f"{n} (#{i})" if n in dup and not pd.isna(i) else n for n, i in zip(names, ids)], index=names.index
    )


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


def _layout(fig: go.Figure, *, height: int = 420, y_title: str | None = None, x_title: str | None = None,
            legend_below: bool = True) -> go.Figure:
    fig.update_layout(
        legend_title_text="", margin=dict(l=10, r=10, t=30, b=10), height=height,
        xaxis_title=x_title, yaxis_title=y_title, hoverlabel=dict(namelength=-1),
    )
    if legend_below:
        fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    return fig


def stacked_bars(df: pd.DataFrame, *, x: str, y: str, colour: str, colour_keys: str | None = None,
                 x_title: str = "", y_title: str = "New contacts", max_series: int = 12) -> go.Figure:
    """Stacked bars of ``y`` (contacts) over ``x`` (period start dates) split by ``colour``.

    ``colour_keys`` (e.g. ``source_id``) fixes each series' colour and is carried as the bars'
    ``customdata`` so a click can tell which source was picked (``""`` for Unattributed). Series
    beyond the ``max_series - 1`` largest are summed into a grey "Other" to keep the legend
    readable. Built from ``go.Bar`` traces (plotly.express costs ~90 ms a figure).
    """
    df = df.copy()
    keys = colour_keys or colour
    if colour_keys:
        df[colour] = unique_labels(df[colour], df[colour_keys])
    totals = df.groupby(colour, dropna=False, sort=False)[y].sum().sort_values(ascending=False, kind="stable")
    order = totals.index.tolist()
    if len(order) > max_series:
        keep = order[: max_series - 1]
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
        colour_hex = ("#90A4AE" if label == "Other"
                      else colour_for(key if isinstance(key, str) or key is None else int(key)))
        custom = "" if key is None else (key if isinstance(key, str) else int(key))
        fig.add_trace(go.Bar(
            x=list(part[x]), y=list(part[y]), name=ltr_label(label), marker_color=colour_hex,
            customdata=[[custom]] * len(part),
            hovertemplate="%{x|%-d %b %Y}: %{y:,}<extra>%{fullData.name}</extra>",  # no name in a template
        ))
    # "closest", not "x unified": a click must pick the bar segment under the pointer (the
    # unified mode hands the click to whichever trace is nearest, often the comparison line).
    fig.update_layout(barmode="stack", hovermode="closest")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    period_ticks(fig, df[x])
    return _layout(fig, y_title=y_title, x_title=x_title or None)


def period_ticks(fig: go.Figure, starts: pd.Series, max_ticks: int = 14) -> go.Figure:
    """Put the x-axis ticks on the periods' own first days (a Monday week is labelled with its
    Monday, not with whatever day Plotly picks), with the year on the first tick and at a change.
    """
    values = sorted({pd.Timestamp(v).date() for v in starts.dropna()})
    if not values:
        return fig
    step = max(1, -(-len(values) // max_ticks))
    shown = values[::step]
    text, year = [], None
    for d in shown:
        text.append(f"{d.day} {d:%b}" + (f" {d.year}" if d.year != year else ""))
        year = d.year
    fig.update_xaxes(tickmode="array", tickvals=shown, ticktext=text)
    return fig


def add_comparison_line(fig: go.Figure, x: list, y: list, label: str) -> go.Figure:
    """Overlay the comparison period's totals as a dashed line on the current period's axis ``x``.

    ``x`` are the current period starts and ``y`` the comparison totals aligned by period index
    (the n-th comparison period drawn over the n-th current one).
    """
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines+markers", name=plotly_literal(label),
                             line=dict(color=COMPARISON_COLOUR, dash="dash", width=2), marker=dict(size=6),
                             hovertemplate="%{x|%-d %b %Y}: %{y:,}<extra>%{fullData.name}</extra>"))
    return fig


def line_chart(df: pd.DataFrame, *, x: str, y: str, name: str = "", colour: str = UNATTRIBUTED_COLOUR,
               y_title: str = "", percent: bool = False, height: int = 320) -> go.Figure:
    """One line of ``y`` over ``x``; ``percent`` formats a fraction axis as a percentage."""
    fig = go.Figure(go.Scatter(x=list(df[x]), y=list(df[y]), mode="lines+markers", name=name or y_title,
                               line=dict(color=colour, width=2)))
    fig.update_yaxes(rangemode="tozero", tickformat=".0%" if percent else ",d")
    fig.update_layout(hovermode="x unified", showlegend=False)
    return _layout(fig, height=height, y_title=y_title)


def horizontal_bars(df: pd.DataFrame, *, x: str, y: str, colour_keys: str | None = None, percent: bool = False,
                    x_title: str = "", height: int | None = None, text: str | None = None) -> go.Figure:
    """Horizontal bars of ``x`` per ``y`` label in the frame's order (first on top); one colour per
    ``colour_keys`` value (e.g. source id) or per label."""
    df = df.copy()
    if colour_keys:
        df[y] = unique_labels(df[y], df[colour_keys])
        keys = [None if pd.isna(k) else int(k) for k in df[colour_keys]]
    else:
        keys = [str(v) for v in df[y]]
    fig = go.Figure(go.Bar(
        x=list(df[x]), y=[ltr_label(v) for v in df[y]], orientation="h", marker_color=[colour_for(k) for k in keys],
        text=list(df[text]) if text else None, textposition="outside" if text else None, cliponaxis=False,
        hovertemplate="%{y}: %{x:" + (".1%" if percent else ",") + "}<extra></extra>",
    ))
    fig.update_layout(showlegend=False, yaxis=dict(autorange="reversed"))
    fig.update_xaxes(tickformat=".0%" if percent else ",d", rangemode="tozero")
    return _layout(fig, height=height or max(220, 28 * len(df) + 80), x_title=x_title or None, legend_below=False)


def stacked_share_bars(df: pd.DataFrame, *, x: str, y: str, colour: str, height: int | None = None,
                       colours: dict[str, str] | None = None) -> go.Figure:
    """Horizontal 100 % bars: the mix of ``colour`` (e.g. statuses) within each ``y`` label.

    ``x`` holds fractions of each label's total; labels keep the frame's order (first on top);
    ``colours`` maps a ``colour`` value to its own colour (e.g. RASL's status colours).
    """
    df = df.assign(**{y: [ltr_label(v) for v in df[y]]})
    labels = list(dict.fromkeys(df[y]))
    fig = go.Figure()
    for name, part in df.groupby(colour, sort=False):
        fig.add_trace(go.Bar(x=list(part[x]), y=list(part[y]), orientation="h", name=ltr_label(name),
                             marker_color=(colours or {}).get(str(name)) or colour_for(str(name)),
                             hovertemplate="%{y}: %{x:.0%}<extra>%{fullData.name}</extra>"))
    fig.update_layout(barmode="stack", yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=labels))
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    return _layout(fig, height=height or max(260, 30 * len(labels) + 120))
