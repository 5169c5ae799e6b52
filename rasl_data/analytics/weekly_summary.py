"""The weekly review as plain text: :func:`summary_text` (at most 12 lines to paste into WhatsApp
or an email), :func:`week_label`, :func:`change_text`, and the ``METRIC_*`` labels of the review's
``totals`` table. No streamlit here.

Everything is written in the language in effect (``rasl_data.i18n``: ``RASL_LANGUAGE`` for the CLI
and the scheduled jobs, the session's language on the dashboard): sentences through ``_``, numbers
and month names through ``i18n.format_*``. Names (sources, campaigns) are data and stay literal;
only the fixed labels the code itself writes (``Unattributed``, ``No campaign``, ``All new
contacts``) are translated (``fixed_label``). The ``METRIC_*`` values stay English in the
``totals`` table (they are its keys and the CSV's values) and are translated where shown
(``metric_label``).
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import attribution
from rasl_data.i18n import N_, _
from rasl_data.text import one_line

# Metric labels of ``WeeklyReview.totals`` (the ``metric`` column, as a marketer reads it).
METRIC_NEW_CONTACTS = N_("New contacts")
METRIC_UNATTRIBUTED = N_("Unattributed contacts")
METRIC_UNATTRIBUTED_SHARE = N_("Unattributed share")
METRIC_ACTIVE_SOURCES = N_("Active sources")
METRIC_NEW_SOURCES = N_("New sources")
METRIC_SILENT_SOURCES = N_("Silent sources")
METRIC_SPIKES = N_("Spikes and drops")
METRIC_WEEKDAY_AVERAGE = N_("Weekday average (new contacts per work day)")

# Labels the analytics write in place of a name (attribution.UNATTRIBUTED, NO_CAMPAIGN, UNMAPPED and
# weekly_review.ALL_CONTACTS): translated where shown, unlike the names people typed.
FIXED_LABELS = frozenset({N_("Unattributed"), N_("No campaign"), N_("Unmapped"), N_("All new contacts"),
                          N_("Other sources"), N_("Other")})
# The spike rule (``spikes.SPIKE_RULE``, the same English text) as shown to people.
SPIKE_RULE_TEXT = N_(
    "A week is a spike (or a drop) when its count is unlikely under a Poisson distribution whose "
    "mean is the 4-week average: P(X ≥ this week) < 0.01 for a spike, P(X ≤ this week) < 0.01 "
    "for a drop, and the count differs from the average by at least 5 contacts. The Poisson test "
    "only discounts the noise of small numbers; with hundreds of contacts a week ordinary "
    "swings of a few percent already pass it. A 4-week average of 0 makes any week with 5 or "
    "more contacts a spike.")


MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FSI, _PDI = "\u2068", "\u2069"


def metric_label(metric: str) -> str:
    """A ``METRIC_*`` value of the ``totals`` table as shown, in the language in effect."""
    return _(metric)


def fixed_label(name, is_fixed: bool = True) -> str:
    """``name`` as shown: one of ``FIXED_LABELS`` written by the code (``is_fixed``, e.g. a source row
    without a source id) in the language in effect; any other name literally, as typed."""
    text = "" if name is None else str(name)
    return _(text) if is_fixed and text in FIXED_LABELS else text


def spike_rule() -> str:
    """The spike rule (``spikes.SPIKE_RULE``) in the language in effect."""
    return _(SPIKE_RULE_TEXT)


def _year(d: date) -> str:
    return i18n.localise_digits(str(d.year))


def _day(d: date) -> str:
    return i18n.localise_digits(str(d.day))


def week_label(start: date, end: date) -> str:
    """"16–22 Nov 2026", "30 Nov – 6 Dec 2026" or "29 Dec 2025 – 4 Jan 2026" in English (the same
    whatever the machine's locale); in Arabic with Arabic month names ("16–22 نوفمبر 2026") and the
    digit style in effect."""
    if i18n.language() == "en":
        m = lambda d: MONTH_ABBREVIATIONS[d.month - 1]  # noqa: E731
    else:
        m = lambda d: i18n.month_name(d.month, "wide")  # noqa: E731
    if start.year != end.year:
        return f"{_day(start)} {m(start)} {_year(start)} – {_day(end)} {m(end)} {_year(end)}"
    if start.month != end.month:
        return f"{_day(start)} {m(start)} – {_day(end)} {m(end)} {_year(end)}"
    return f"{_day(start)}–{_day(end)} {m(end)} {_year(end)}"


def short_date(d: date) -> str:
    """"16 Nov" / "16 نوفمبر": a day and month in the language in effect."""
    if i18n.language() == "en":
        return f"{d.day} {MONTH_ABBREVIATIONS[d.month - 1]}"
    return f"{_day(d)} {i18n.month_name(d.month, 'wide')}"


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday_text(day: str) -> str:
    """A ``RASL_WEEK_START`` value (``monday``…``sunday``) as a weekday name: ``Monday`` / ``الاثنين``."""
    key = str(day).strip().lower()
    if i18n.language() == "en" or key not in _WEEKDAYS:
        return str(day).capitalize()
    return i18n.weekday_name(_WEEKDAYS.index(key), "wide")


def summary_name(text) -> str:
    """A name safe to put next to numbers, on one line: line breaks and control characters fold
    (``attribution.one_line``), and right-to-left names are bidi-isolated (FSI…PDI), so
    "واتساب +12" keeps its number on the right side in WhatsApp and mail clients."""
    text = one_line(text)  # a name never breaks the summary's lines
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text):
        return _FSI + text + _PDI
    return text


def count_text(x) -> str:
    """A count for people: ``1,234`` (the language's digits)."""
    return i18n.format_number(int(round(float(x))))


def signed_text(x) -> str:
    """A signed count: ``+12``, ``-3``, ``+0``."""
    n = int(round(float(x)))
    return ("-" if n < 0 else "+") + i18n.format_number(abs(n))


def average_text(x) -> str:
    """An average with at most one decimal: ``2.5``, ``3`` (never ``3.0``)."""
    x = float(x)
    return i18n.format_number(x, 0 if round(x, 1).is_integer() else 1)


def pct_text(x) -> str:
    """A signed fraction as a whole percentage: ``+41%``, ``-5%``."""
    x = float(x)
    return ("-" if x < 0 else "+") + i18n.format_percent(abs(x), 0)


def share_text(x, decimals: int = 0) -> str:
    """A fraction as a percentage: ``25%``."""
    return i18n.format_percent(float(x), decimals)


def p_text(p: float) -> str:
    """``p < 0.001`` or ``p = 0.004`` (statistical notation, the language's digits)."""
    return i18n.localise_digits("p < 0.001" if p < 0.001 else f"p = {p:.3f}")


def change_and_percent(change, pct) -> str:
    """``+16, +107%``: a change and its percentage (the language's comma)."""
    return _("{change}, {percent}").format(change=signed_text(change), percent=pct_text(pct))


def change_text(change, pct, is_new) -> str:
    """A change for people: ``+12 (+41%)``, ``+12 (new)`` when the base was 0, ``-3``."""
    if is_new:
        return _("{change} (new)").format(change=signed_text(change))
    if pd.isna(pct):
        return signed_text(change)
    return f"{signed_text(change)} ({pct_text(pct)})"


def _listing(items: list[str], limit: int = 3) -> str:
    """``a · b · c · +2 more``. Right to left (Arabic) each item ("Facebook / White Friday 38") is
    bidi-isolated (FSI…PDI): otherwise the Latin names and their counts merge into one
    left-to-right run, and WhatsApp shows the items, and each count beside its neighbour's name, in
    reverse order."""
    if i18n.is_rtl():
        items = [_FSI + item + _PDI for item in items]
    shown = " · ".join(items[:limit])
    if len(items) <= limit:
        return shown
    return shown + " · " + _("+{count} more").format(count=i18n.format_number(len(items) - limit))


def _new_contacts_line(new: pd.Series) -> str:
    change, pct = new["change_vs_previous"], new["change_pct_vs_previous"]
    vs_prev = signed_text(change) if pd.isna(pct) else change_and_percent(change, pct)
    return _("• New contacts: {count} ({change} vs {previous} the week before; 4-week average {average})").format(
        count=count_text(new["this_week"]), change=vs_prev, previous=count_text(new["previous_week"]),
        average=average_text(new["avg_4_weeks"]))


def _unattributed_line(sh: pd.Series) -> str:
    if pd.isna(sh["this_week"]):
        return _("• Unattributed: no contacts this week")
    prev = _("no contacts") if pd.isna(sh["previous_week"]) else share_text(sh["previous_week"])
    return _("• Unattributed: {share} of new contacts (previous week {previous})").format(
        share=share_text(sh["this_week"]), previous=prev)


def _top_sources_line(daily_by_source: pd.DataFrame) -> list[str]:
    if not len(daily_by_source):
        return []
    per_source = (daily_by_source.groupby("source", sort=False)["new_contacts"].sum()
                  .sort_values(ascending=False, kind="stable"))
    unattributed = set(daily_by_source.loc[daily_by_source["source_id"].isna(), "source"]) \
        if "source_id" in daily_by_source.columns else set()
    top = [f"{summary_name(fixed_label(s, s in unattributed))} {count_text(n)}" for s, n in per_source.items() if n > 0]
    return [_("• Top sources: {sources}").format(sources=_listing(top))]


# Whole sentences per table and direction (word order differs between languages).
_MOVER_LINES = {
    ("source", "up"): N_("• Sources up: {items}"),
    ("source", "down"): N_("• Sources down: {items}"),
    ("campaign", "up"): N_("• Campaigns up: {items}"),
    ("campaign", "down"): N_("• Campaigns down: {items}"),
}


def _mover_lines(movers_sources: pd.DataFrame, movers_campaigns: pd.DataFrame) -> list[str]:
    lines = []
    for frame, col in ((movers_sources, "source"), (movers_campaigns, "campaign")):
        for direction in ("up", "down"):
            rows = frame[frame["direction"] == direction]
            if len(rows):
                items = [f"{summary_name(_mover_name(r, col))} {change_text(r['change_abs'], r['change_pct'], r['is_new'])}"
                         for _i, r in rows.iterrows()]
                lines.append(_(_MOVER_LINES[(col, direction)]).format(items=_listing(items)))
    return lines


def _mover_name(row: pd.Series, col: str) -> str:
    if col == "source":
        return fixed_label(row[col], "source_id" in row.index and pd.isna(row["source_id"]))
    return fixed_label(row[col])


def _source_lines(new_sources: pd.DataFrame, silent_sources: pd.DataFrame) -> list[str]:
    lines = []
    if len(new_sources):
        items = [f"{summary_name(r['source'])} ({count_text(r['this_week'])})" for _i, r in new_sources.iterrows()]
        lines.append(_("• New sources: {sources}").format(sources=_listing(items)))
    if len(silent_sources):
        items = [_("{source} (had {count} in the 4 weeks before)").format(
                     source=summary_name(r["source"]), count=count_text(r["contacts_4_weeks"]))
                 for _i, r in silent_sources.iterrows()]
        lines.append(_("• Silent sources: {sources}").format(sources=_listing(items)))
    return lines


_SPIKE_ITEMS = {
    "spike": N_("{name} spike {count} vs average {average} ({p})"),
    "drop": N_("{name} drop {count} vs average {average} ({p})"),
}


def _spike_line(spikes: pd.DataFrame) -> list[str]:
    distinct = spikes[spikes["same_contacts_as"].isna()] if "same_contacts_as" in spikes.columns else spikes
    if not len(distinct):
        return []
    items = []
    for _i, r in distinct.iterrows():
        fixed = r.get("dimension") == "total" or (r.get("dimension") == "source" and pd.isna(r.get("source_id")))
        name = summary_name(fixed_label(r["name"], fixed or r.get("dimension") == "campaign"))
        items.append(_(_SPIKE_ITEMS.get(r["direction"], _SPIKE_ITEMS["spike"])).format(
            name=name, count=count_text(r["this_week"]), average=average_text(r["avg_4_weeks"]), p=p_text(r["p_value"])))
    return [_("• Unusual: {items}").format(items=_listing(items, 2))]


def summary_text(
    *, week_start: date, week_end: date, tz: str, totals: pd.DataFrame, movers_sources: pd.DataFrame,
    movers_campaigns: pd.DataFrame, new_sources: pd.DataFrame, silent_sources: pd.DataFrame,
    spikes: pd.DataFrame, daily_by_source: pd.DataFrame, extra_lines: list[str] = (), **_ignored,
) -> str:
    """The review as at most 12 plain-text lines: a title, then "• " bullets, in the language in effect.

    Numbers carry thousands separators, changes a sign, percentages no decimals; no markdown
    table, so it pastes cleanly into WhatsApp or an email. Lines with nothing to report are
    left out (new contacts and the unattributed share are always there). Every name is printed
    on one line (``summary_name``), so a name holding line breaks never adds lines; a spike that is
    the same movement as another (``same_contacts_as``) is listed once. ``extra_lines`` (spend,
    costs and target pacing: ``business_review.summary_lines``) follow the unattributed share.
    """
    t = totals.set_index("metric")
    lines = [_("Weekly review: {week} ({time_zone})").format(week=week_label(week_start, week_end),
                                                             time_zone=attribution.one_line(tz))]
    lines.append(_new_contacts_line(t.loc[METRIC_NEW_CONTACTS]))
    lines.append(_unattributed_line(t.loc[METRIC_UNATTRIBUTED_SHARE]))
    lines += list(extra_lines)
    lines += _top_sources_line(daily_by_source)
    lines += _mover_lines(movers_sources, movers_campaigns)
    lines += _source_lines(new_sources, silent_sources)
    lines += _spike_line(spikes)
    return "\n".join(line.replace("\n", " ") for line in lines[:12])
