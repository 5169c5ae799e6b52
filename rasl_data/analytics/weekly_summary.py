"""The weekly review as plain text: :func:`summary_text` (at most 12 lines to paste into WhatsApp
or an email), :func:`week_label`, :func:`change_text`, and the ``METRIC_*`` labels of the review's
``totals`` table. No streamlit here.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pandas as pd

from rasl_data.analytics import attribution
from rasl_data.i18n import N_
from rasl_data.text import one_line

# Metric labels of ``WeeklyReview.totals`` (the ``metric`` column, as a marketer reads it).
METRIC_NEW_CONTACTS = "New contacts"
METRIC_UNATTRIBUTED = "Unattributed contacts"
METRIC_UNATTRIBUTED_SHARE = "Unattributed share"
METRIC_ACTIVE_SOURCES = "Active sources"
METRIC_NEW_SOURCES = "New sources"
METRIC_SILENT_SOURCES = "Silent sources"
METRIC_SPIKES = "Spikes and drops"
METRIC_WEEKDAY_AVERAGE = N_("Weekday average (new contacts per work day)")


MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FSI, _PDI = "\u2068", "\u2069"


def week_label(start: date, end: date) -> str:
    """"16–22 Nov 2026", "30 Nov – 6 Dec 2026" or "29 Dec 2025 – 4 Jan 2026" (English months,
    whatever the machine's locale)."""
    m = lambda d: MONTH_ABBREVIATIONS[d.month - 1]  # noqa: E731
    if start.year != end.year:
        return f"{start.day} {m(start)} {start.year} – {end.day} {m(end)} {end.year}"
    if start.month != end.month:
        return f"{start.day} {m(start)} – {end.day} {m(end)} {end.year}"
    return f"{start.day}–{end.day} {m(end)} {end.year}"


def summary_name(text) -> str:
    """A name safe to put next to numbers, on one line: line breaks and control characters fold
    (``attribution.one_line``), and right-to-left names are bidi-isolated (FSI…PDI), so
    "واتساب +12" keeps its number on the right side in WhatsApp and mail clients."""
    text = one_line(text)  # a name never breaks the summary's lines
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return _FSI + text + _PDI
    return text


def _count(x) -> str:
    return f"{int(round(float(x))):,}"


def _signed(x) -> str:
    return f"{int(round(float(x))):+,}"


def average_text(x) -> str:
    return f"{float(x):,.1f}".removesuffix(".0")


def _pct_text(x) -> str:
    return f"{float(x):+.0%}"


def change_text(change, pct, is_new) -> str:
    """A change for people: ``+12 (+41%)``, ``+12 (new)`` when the base was 0, ``-3``."""
    if is_new:
        return f"{_signed(change)} (new)"
    if pd.isna(pct):
        return _signed(change)
    return f"{_signed(change)} ({_pct_text(pct)})"


def _listing(items: list[str], limit: int = 3) -> str:
    shown = " · ".join(items[:limit])
    return shown + (f" · +{len(items) - limit} more" if len(items) > limit else "")


def summary_text(
    *, week_start: date, week_end: date, tz: str, totals: pd.DataFrame, movers_sources: pd.DataFrame,
    movers_campaigns: pd.DataFrame, new_sources: pd.DataFrame, silent_sources: pd.DataFrame,
    spikes: pd.DataFrame, daily_by_source: pd.DataFrame, extra_lines: list[str] = (), **_ignored,
) -> str:
    """The review as at most 12 plain-text lines: a title, then "• " bullets.

    Numbers carry thousands separators, changes a sign, percentages no decimals; no markdown
    table, so it pastes cleanly into WhatsApp or an email. Lines with nothing to report are
    left out (new contacts and the unattributed share are always there). Every name is printed
    on one line (``summary_name``), so a name holding line breaks never adds lines; a spike that is
    the same movement as another (``same_contacts_as``) is listed once. ``extra_lines`` (spend,
    costs and target pacing: ``business_review.summary_lines``) follow the unattributed share.
    """
    t = totals.set_index("metric")
    new = t.loc[METRIC_NEW_CONTACTS]
    lines = [f"Weekly review: {week_label(week_start, week_end)} ({attribution.one_line(tz)})"]
    prev, avg, change = new["previous_week"], new["avg_4_weeks"], new["change_vs_previous"]
    vs_prev = _signed(change) if pd.isna(new["change_pct_vs_previous"]) else \
        f"{_signed(change)}, {_pct_text(new['change_pct_vs_previous'])}"
    lines.append(
        f"• New contacts: {_count(new['this_week'])} ({vs_prev} vs {_count(prev)} the week before; "
        f"4-week average {average_text(avg)})"
    )
    sh = t.loc[METRIC_UNATTRIBUTED_SHARE]
    if pd.isna(sh["this_week"]):
        lines.append("• Unattributed: no contacts this week")
    else:
        prev_sh = "no contacts" if pd.isna(sh["previous_week"]) else f"{sh['previous_week']:.0%}"
        lines.append(f"• Unattributed: {sh['this_week']:.0%} of new contacts (previous week {prev_sh})")
    lines += list(extra_lines)

    if len(daily_by_source):
        per_source = (daily_by_source.groupby("source", sort=False)["new_contacts"].sum()
                      .sort_values(ascending=False, kind="stable"))
        top = [f"{summary_name(s)} {_count(n)}" for s, n in per_source.items() if n > 0]
        lines.append(f"• Top sources: {_listing(top)}")

    for frame, col, label in ((movers_sources, "source", "Sources"), (movers_campaigns, "campaign", "Campaigns")):
        for direction, word in (("up", "up"), ("down", "down")):
            rows = frame[frame["direction"] == direction]
            if len(rows):
                items = [f"{summary_name(r[col])} {change_text(r['change_abs'], r['change_pct'], r['is_new'])}"
                         for _, r in rows.iterrows()]
                lines.append(f"• {label} {word}: {_listing(items)}")

    if len(new_sources):
        items = [f"{summary_name(r['source'])} ({_count(r['this_week'])})" for _, r in new_sources.iterrows()]
        lines.append(f"• New sources: {_listing(items)}")
    if len(silent_sources):
        items = [f"{summary_name(r['source'])} (had {_count(r['contacts_4_weeks'])} in the 4 weeks before)"
                 for _, r in silent_sources.iterrows()]
        lines.append(f"• Silent sources: {_listing(items)}")
    distinct = spikes[spikes["same_contacts_as"].isna()] if "same_contacts_as" in spikes.columns else spikes
    if len(distinct):
        items = []
        for _, r in distinct.iterrows():
            p = "p < 0.001" if r["p_value"] < 0.001 else f"p = {r['p_value']:.3f}"
            items.append(f"{summary_name(r['name'])} {r['direction']} {_count(r['this_week'])} vs average "
                         f"{average_text(r['avg_4_weeks'])} ({p})")
        lines.append(f"• Unusual: {_listing(items, 2)}")
    return "\n".join(line.replace("\n", " ") for line in lines[:12])
