"""The date-range presets of the Hijri (Umm al-Qura) calendar.

"This Ramadan" (the current Hijri year's Ramadan, offered from its first day), "Last Ramadan",
"Ramadan <year> AH" and the latest Eid al-Fitr / Eid al-Adha weeks. Their keys are ASCII (the URL's
``range=ramadan-1446``); ``hijri_preset_label`` gives the name shown. Which of them a day offers:
``hijri_presets``; the dates of one: ``hijri_preset_range`` (local dates, inclusive, cut at
today like "this month"). The calendar itself is ``rasl_data.analytics.hijri``;
``rasl_data.analytics.periods`` re-exports the public names here and routes ``preset_range``
to them.
"""

from __future__ import annotations

import re
from datetime import date

from rasl_data.analytics import hijri
from rasl_data.i18n import N_, _

THIS_RAMADAN = "this-ramadan"
LAST_RAMADAN = "last-ramadan"
EID_AL_FITR_WEEK = "eid-al-fitr-week"
EID_AL_ADHA_WEEK = "eid-al-adha-week"
HIJRI_PRESETS = (THIS_RAMADAN, LAST_RAMADAN, EID_AL_FITR_WEEK, EID_AL_ADHA_WEEK)
_RAMADAN_KEY = re.compile(r"ramadan-([0-9]{4})")
_HIJRI_LABELS = {
    THIS_RAMADAN: N_("This Ramadan"),
    LAST_RAMADAN: N_("Last Ramadan"),
    EID_AL_FITR_WEEK: N_("Eid al-Fitr week"),
    EID_AL_ADHA_WEEK: N_("Eid al-Adha week"),
}
_RAMADAN_LABEL = N_("Ramadan {year} AH")


def hijri_preset_label(name: str) -> str | None:
    """The Hijri preset ``name`` as shown in the language in effect (``"This Ramadan"``,
    ``"Ramadan 1446 AH"`` / ``"رمضان 1446 هـ"``), or ``None`` when ``name`` is not a Hijri preset key."""
    if name in _HIJRI_LABELS:
        return _(_HIJRI_LABELS[name])
    m = _RAMADAN_KEY.fullmatch(name) if isinstance(name, str) else None
    if m:
        from rasl_data import i18n

        return _(_RAMADAN_LABEL).format(year=i18n.localise_digits(m.group(1)))
    return None


def ramadan_preset(year: int) -> str:
    """The preset key of Ramadan of Hijri ``year``: ``ramadan_preset(1446)`` → ``"ramadan-1446"``."""
    return f"ramadan-{int(year)}"


def is_hijri_preset(name) -> bool:
    """Whether ``name`` is written like a Hijri preset key (``HIJRI_PRESETS`` or ``ramadan-YYYY``);
    says nothing of whether it has started (``hijri_preset_range`` does)."""
    return isinstance(name, str) and (name in HIJRI_PRESETS or _RAMADAN_KEY.fullmatch(name) is not None)


def _cut(span: tuple[date, date], today: date) -> tuple[date, date]:
    return span[0], min(span[1], today)


def _hijri_year(today: date) -> int:
    try:
        return hijri.to_hijri(today).year
    except hijri.HijriRangeError as err:
        raise ValueError(_("The Hijri presets need a date from {first} to {last}; today is {today}.").format(
            first=hijri.FIRST_DAY.isoformat(), last=hijri.LAST_DAY.isoformat(), today=today.isoformat())) from err


def hijri_preset_range(name: str, today: date) -> tuple[date, date]:
    """``(start, end)`` local dates of a Hijri (Umm al-Qura) preset on local ``today``.

    * ``this-ramadan``: Ramadan of the current Hijri year, once it has started (before 1 Ramadan
      there is no "this Ramadan" yet: ``ValueError``; ``hijri_presets`` does not offer it);
    * ``last-ramadan``: Ramadan of the previous Hijri year;
    * ``ramadan-YYYY``: Ramadan of Hijri year ``YYYY`` (``ValueError`` before it starts);
    * ``eid-al-fitr-week`` / ``eid-al-adha-week``: the most recent Eid week (the Eid's first day
      and the six after, ``hijri.eid_al_fitr``/``eid_al_adha``) that has started.

    A range still running is cut at ``today``, like "this month". Raises ``ValueError`` for an
    unknown key, or a date outside the Hijri tables (1924-2077).
    """
    year = _hijri_year(today)
    if name == THIS_RAMADAN:
        span = hijri.ramadan(year)
        if span[0] > today:
            raise ValueError(_("Ramadan {year} AH has not started yet: it begins on {day}.").format(
                year=year, day=span[0].isoformat()))
        return _cut(span, today)
    if name == LAST_RAMADAN:
        return _cut(hijri.ramadan(year - 1), today)
    if name in (EID_AL_FITR_WEEK, EID_AL_ADHA_WEEK):
        eid = hijri.eid_al_fitr if name == EID_AL_FITR_WEEK else hijri.eid_al_adha
        span = eid(year)
        return _cut(span if span[0] <= today else eid(year - 1), today)
    m = _RAMADAN_KEY.fullmatch(name) if isinstance(name, str) else None
    if m:
        wanted = int(m.group(1))
        try:
            span = hijri.ramadan(wanted)
        except hijri.HijriRangeError as err:
            raise ValueError(_("Ramadan {year} AH is outside the Hijri calendar's range (1343-1500 AH).").format(
                year=wanted)) from err
        if span[0] > today:
            raise ValueError(_("Ramadan {year} AH has not started yet: it begins on {day}.").format(
                year=wanted, day=span[0].isoformat()))
        return _cut(span, today)
    raise ValueError(_("Unknown preset {value}; choose one of {options}.").format(
        value=repr(name), options=", ".join(HIJRI_PRESETS) + ", ramadan-YYYY"))


def hijri_presets(today: date, first_day: date | None = None) -> list[str]:
    """The Hijri preset keys on offer on local ``today``, in menu order.

    "This Ramadan" only once the current Hijri year's Ramadan has started; "Last Ramadan"; the
    two most recent Eid weeks; then "Ramadan YYYY AH" for every Ramadan that has started and
    overlaps ``first_day..today`` (the data's first local day: the earliest contact), newest
    first (none without ``first_day``). Empty outside the Hijri tables (1924-2077).
    """
    try:
        year = _hijri_year(today)
        offered = [THIS_RAMADAN] if hijri.ramadan(year)[0] <= today else []
        offered += [LAST_RAMADAN, EID_AL_FITR_WEEK, EID_AL_ADHA_WEEK]
        if first_day is not None and first_day <= today:
            first_year = hijri.to_hijri(max(first_day, hijri.FIRST_DAY)).year
            for y in range(year, first_year - 1, -1):
                start, end = hijri.ramadan(y)
                if start <= today and end >= first_day:
                    offered.append(ramadan_preset(y))
    except (ValueError, hijri.HijriRangeError):
        return []
    return offered
