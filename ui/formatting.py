"""Text the pages show around their numbers: names of series, signed numbers and percentages,
date ranges (with their Hijri dates) and the one-line range caption of every page.

Plain text in the language in effect (``rasl_data.i18n``): no widget is drawn here, so these
helpers work in callbacks and tests alike. ``ui.widgets`` re-exports every name, and the pages
call them as ``widgets.<name>``.
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import hijri, periods, source_names
from rasl_data.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from .filters import View

MISSING = "–"  # shown in table cells without a value (e.g. Change % of a source new this period)
# Marked for translation: show them with ``_(COMPARE_WORDS[compare])``.
COMPARE_WORDS = {"previous": N_("previous period"), "last_year": N_("same period last year"),
                 "hijri_year": N_("same Hijri dates last year")}
# Whole sentences per comparison (word order differs between languages).
_COMPARED_WITH = {"previous": N_("compared with the previous period, {range}"),
                  "last_year": N_("compared with the same period last year, {range}"),
                  "hijri_year": N_("compared with the same Hijri dates last year, {range}")}
COMPARISON_TOTAL = {"previous": N_("Total, previous period"), "last_year": N_("Total, same period last year"),
                    "hijri_year": N_("Total, same Hijri dates last year")}
# The filter dimensions as the range caption names them.
_FILTER_WORDS = {"source": N_("source"), "channel": N_("channel"), "campaign": N_("campaign"),
                 "contact type": N_("contact type")}


def shown_name(value) -> str:
    """A series name for a table cell, a legend or an option: ``Unattributed``, ``Other``, ``No
    campaign``… translated (``source_names.display_name``), names the user typed as typed."""
    return source_names.display_name(value)


def list_text(items: list[str]) -> str:
    """``items`` joined with the language's comma (``a, b`` / ``a، b``)."""
    return ("، " if i18n.language() == "ar" else ", ").join(items)


def signed_number(x: float, decimals: int = 0) -> str:
    """``+4`` / ``-3`` / ``+0`` with the locale's digits (the sign always ASCII: Streamlit reads it)."""
    return ("-" if x < 0 else "+") + i18n.format_number(abs(x), decimals)


def signed_percent(fraction: float, decimals: int = 1) -> str:
    """``+100.0%`` / ``-25.0%`` with the locale's digits and percent sign."""
    return ("-" if fraction < 0 else "+") + i18n.format_percent(abs(fraction), decimals)


# --- text -----------------------------------------------------------------------------------


def fmt_range(start: date, end: date) -> str:
    """``1 Sep – 23 Nov 2026`` (the year once when both dates share it), month names and digits
    of the language in effect (``1 سبتمبر – 23 نوفمبر 2026``)."""
    if start.year == end.year:
        return f"{i18n.format_date(start, 'd MMM')} – {i18n.format_date(end, 'd MMM y')}"
    return f"{i18n.format_date(start, 'd MMM y')} – {i18n.format_date(end, 'd MMM y')}"


def hijri_range(start: date, end: date) -> str:
    """`` · 1–30 Ramadan 1447 AH``: the range's Hijri dates to put after the Gregorian ones, in the
    interface language (``hijri.format_span``); ``""`` outside the Umm al-Qura tables."""
    text = hijri.format_span(start, end)
    return f" · {text}" if text else ""


def comparison_range(view: View) -> tuple[date, date] | None:
    """The local dates of the comparison period of ``view`` (None without comparison)."""
    return periods.comparison_range(view.filters.start, view.filters.end, view.compare)


def range_caption(view: View, with_comparison: bool = True) -> str:
    """One line naming the range, the comparison and the time zone of every number on the page."""
    f = view.filters
    days = (f.end - f.start).days + 1
    text = ngettext("{range} ({days} day, {zone})", "{range} ({days} days, {zone})", days).format(
        range=fmt_range(f.start, f.end), days=i18n.format_number(days), zone=f.tz)
    text += hijri_range(f.start, f.end)
    other = comparison_range(view) if with_comparison else None
    if other:
        text += " · " + _(_COMPARED_WITH[view.compare]).format(range=fmt_range(*other))
        if view.compare == "hijri_year":
            text += hijri_range(*other)
    active = [_(_FILTER_WORDS[n]) for n, v in (("source", f.source_ids), ("channel", f.channels),
                                               ("campaign", f.campaigns), ("contact type", f.types)) if v]
    if active:
        text += " · " + _("filtered by {dimensions}").format(dimensions=list_text(active))
    return text


def fmt_pct(x: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (``0.253`` → ``25.3%``, ``i18n.format_percent``); ``–`` when undefined."""
    return "–" if x is None or pd.isna(x) else i18n.format_percent(float(x), digits)


def points_text(change: float | None) -> str | None:
    """A change of a share or rate (a fraction) in percentage points: ``+1.5 pts``, ``no change``."""
    if change is None or (isinstance(change, float) and math.isnan(change)) or pd.isna(change):
        return None
    if round(float(change) * 100, 1) == 0:
        return _("no change")
    return _("{change} pts").format(change=signed_number(float(change) * 100, 1))
