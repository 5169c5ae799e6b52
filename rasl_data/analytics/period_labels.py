"""How the period settings are shown: the names of the date-range presets, granularities,
comparisons and week starts, translated where shown.

The keys stay English (they are the URL's ``range=``, ``granularity=``, ``compare=`` values and
the settings' week starts); the labels are marked ``N_`` and translated per run. ``periods``
re-exports every name here.
"""

from __future__ import annotations

from rasl_data.analytics.hijri_presets import hijri_preset_label
from rasl_data.i18n import N_, _

# What the date-range list shows for each preset (keys stay English: URL ``range=`` values).
PRESET_LABELS: dict[str, str] = {
    "last 12 complete weeks": N_("Last 12 complete weeks"),
    "last 7 days": N_("Last 7 days"),
    "last 28 days": N_("Last 28 days"),
    "last 90 days": N_("Last 90 days"),
    "this week": N_("This week"),
    "last week": N_("Last week"),
    "this month": N_("This month"),
    "last month": N_("Last month"),
    "quarter to date": N_("Quarter to date"),
    "year to date": N_("Year to date"),
    "custom": N_("Custom"),
}
# Names of the granularities and comparisons as the interface shows them (keys: URL values).
GRANULARITY_LABELS: dict[str, str] = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
COMPARE_LABELS: dict[str, str] = {"previous": N_("Previous period"), "last_year": N_("Same period last year"),
                                  "hijri_year": N_("Same Hijri dates last year"),
                                  "none": N_("No comparison")}
WEEKDAY_LABELS: dict[str, str] = {"monday": N_("Monday"), "sunday": N_("Sunday"), "saturday": N_("Saturday")}


def preset_label(name: str) -> str:
    """The preset ``name`` (a ``PRESETS`` key such as ``"last 7 days"``) as shown, in the language in
    effect (``"Last 7 days"`` / ``"آخر 7 أيام"``; Hijri presets: ``"Ramadan 1446 AH"`` / ``"رمضان 1446 هـ"``);
    a name without a label is shown capitalised."""
    hijri_label = hijri_preset_label(name)
    if hijri_label is not None:
        return hijri_label
    label = PRESET_LABELS.get(name) or (name[:1].upper() + name[1:])
    return _(label)


def granularity_label(granularity: str) -> str:
    """``"day"``/``"week"``/``"month"`` as shown (``"Day"``/``"يوم"``); unknown values unchanged."""
    return _(GRANULARITY_LABELS[granularity]) if granularity in GRANULARITY_LABELS else granularity


def compare_label(compare: str | None) -> str:
    """``"previous"``/``"last_year"``/``"none"`` (or None) as shown (``"Previous period"`` …)."""
    return _(COMPARE_LABELS.get(compare or "none", compare or ""))


def week_start_label(week_start: str) -> str:
    """``"monday"``/``"sunday"``/``"saturday"`` as shown (``"Monday"``/``"الاثنين"``)."""
    ws = str(week_start).lower()
    return _(WEEKDAY_LABELS[ws]) if ws in WEEKDAY_LABELS else str(week_start).capitalize()
