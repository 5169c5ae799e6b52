"""The Hijri (Umm al-Qura) calendar: Ramadan, the two Eids and "the same Hijri date last year".

Conversions come from ``hijridate`` (the Umm al-Qura calendar of Saudi Arabia, valid from
1 Muharram 1343 AH = 1 Aug 1924 to the end of 1500 AH = 16 Nov 2077). Dates are plain
``datetime.date`` values in the business's local calendar (no time zone arithmetic here).

Example (documented Umm al-Qura dates): Ramadan 1447 runs 18 Feb – 19 Mar 2026 (30 days) and
Ramadan 1446 ran 1–29 Mar 2025 (29 days); 1 Shawwal 1447 (Eid al-Fitr) is 20 Mar 2026 and
10 Dhu al-Hijjah 1447 (Eid al-Adha) is 27 May 2026.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hijridate import Gregorian, Hijri

from rasl_data import i18n
from rasl_data.i18n import N_, _

RAMADAN = 9
SHAWWAL = 10
DHU_AL_HIJJAH = 12
FIRST_DAY = date(1924, 8, 1)
LAST_DAY = date(2077, 11, 16)
EID_LENGTH_DAYS = 7
"""An "Eid week": the Eid's first day and the six days after it (the holiday businesses plan around)."""


class HijriRangeError(ValueError):
    """A date outside what the Umm al-Qura tables cover (1 Aug 1924 – 16 Nov 2077)."""


@dataclass(frozen=True)
class HijriDate:
    """A day of the Umm al-Qura calendar: ``year`` (AH), ``month`` (1 = Muharram … 12), ``day`` (1-30)."""

    year: int
    month: int
    day: int


def to_hijri(day: date) -> HijriDate:
    """The Umm al-Qura date of a Gregorian ``day``. Raises ``HijriRangeError`` outside 1924-2077."""
    try:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
    except OverflowError as err:
        raise HijriRangeError(f"{day.isoformat()} is outside the Hijri calendar's range "
                              f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})") from err
    return HijriDate(h.year, h.month, h.day)


def to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of Hijri ``year``-``month``-``day``; a day past the month's end is clamped
    to its last day. Raises ``HijriRangeError`` outside 1343-1500 AH."""
    day = min(day, month_length(year, month))
    g = Hijri(year, month, day).to_gregorian()
    return date(g.year, g.month, g.day)


def month_length(year: int, month: int) -> int:
    """Days (29 or 30) in Hijri ``month`` of ``year``. Raises ``HijriRangeError`` outside 1343-1500 AH."""
    try:
        return Hijri(year, month, 1).month_length()
    except (OverflowError, ValueError) as err:
        raise HijriRangeError(f"{year} AH, month {month} is outside the Hijri calendar's range (1343-1500 AH)") from err


def month_span(year: int, month: int) -> tuple[date, date]:
    """First and last Gregorian day (inclusive) of Hijri ``month`` of ``year``."""
    start = to_gregorian(year, month, 1)
    return start, start + timedelta(days=month_length(year, month) - 1)


def ramadan(year: int) -> tuple[date, date]:
    """Ramadan of Hijri ``year`` as inclusive Gregorian ``(first day, last day)``: 1447 → (2026-02-18, 2026-03-19)."""
    return month_span(year, RAMADAN)


def eid_al_fitr(year: int) -> tuple[date, date]:
    """Eid al-Fitr week of Hijri ``year``: 1 Shawwal and the six days after, inclusive."""
    start = to_gregorian(year, SHAWWAL, 1)
    return start, start + timedelta(days=EID_LENGTH_DAYS - 1)


def eid_al_adha(year: int) -> tuple[date, date]:
    """Eid al-Adha week of Hijri ``year``: 10 Dhu al-Hijjah and the six days after, inclusive."""
    start = to_gregorian(year, DHU_AL_HIJJAH, 10)
    return start, start + timedelta(days=EID_LENGTH_DAYS - 1)


def same_hijri_date_last_year(day: date) -> date:
    """The Gregorian day with the same Hijri month and day one Hijri year earlier.

    A day that does not exist in the shorter month (30 Ramadan when last year's Ramadan had 29
    days) maps to that month's last day. 18 Feb 2026 (1 Ramadan 1447) → 1 Mar 2025 (1 Ramadan 1446);
    19 Mar 2026 (30 Ramadan 1447) → 29 Mar 2025. Raises ``HijriRangeError`` outside the range.
    """
    h = to_hijri(day)
    return to_gregorian(h.year - 1, h.month, h.day)


def month_name(month: int, language: str = "en") -> str:
    """The Hijri month's name: ``en`` → ``"Ramadan"``, ``ar`` → ``"رمضان"`` (hijridate's names)."""
    return Hijri(1447, month, 1).month_name("ar" if language == "ar" else "en")


def in_range(day: date) -> bool:
    """Whether ``day`` is inside the Umm al-Qura tables (``FIRST_DAY..LAST_DAY``)."""
    return FIRST_DAY <= day <= LAST_DAY


# How a Hijri date or span is written: English "AH" after the year, Arabic "هـ". Whole patterns are
# translated (the word order is the language's); numbers are filled in afterwards.
_DAY = N_("{day} {month} {year} AH")
_SPAN_IN_MONTH = N_("{start_day}–{end_day} {month} {year} AH")
_SPAN_IN_YEAR = N_("{start_day} {start_month} – {end_day} {end_month} {year} AH")
_SPAN = N_("{start_day} {start_month} {start_year} – {end_day} {end_month} {end_year} AH")


def _n(x: int) -> str:
    # Years are written without grouping (1447, not 1,447); Arabic-Indic digits when configured.
    return i18n.localise_digits(str(int(x)))


def format_date(day: date) -> str:
    """``day`` as a Hijri date in the interface language: ``"1 Ramadan 1447 AH"`` /
    ``"1 رمضان 1447 هـ"``; ``""`` outside the Umm al-Qura tables (1924-2077)."""
    if not in_range(day):
        return ""
    h = to_hijri(day)
    return _(_DAY).format(day=_n(h.day), month=month_name(h.month, i18n.language()), year=_n(h.year))


def day_label(day: date) -> str:
    """A day for hover text and tables, the Hijri date beside the Gregorian one, in the interface
    language: ``"18 Feb 2026 · 1 Ramadan 1447 AH"`` (Arabic month names and "هـ" in Arabic); the
    Gregorian date alone outside the Umm al-Qura tables."""
    text = i18n.format_date(day, "d MMM y")
    h = format_date(day)
    return f"{text} · {h}" if h else text


def format_span(start: date, end: date) -> str:
    """The Hijri dates of the inclusive range ``start..end`` in the interface language, the shared
    parts once: ``"1–30 Ramadan 1447 AH"``, ``"25 Sha'ban – 10 Ramadan 1447 AH"``,
    ``"20 Dhu al-Hijjah 1446 – 5 Muharram 1447 AH"`` (Arabic month names and "هـ" in Arabic).

    ``""`` when either end is outside the Umm al-Qura tables (1924-2077) or ``end < start``.
    """
    if end < start or not (in_range(start) and in_range(end)):
        return ""
    if start == end:
        return format_date(start)
    a, b = to_hijri(start), to_hijri(end)
    lang = i18n.language()
    if (a.year, a.month) == (b.year, b.month):
        return _(_SPAN_IN_MONTH).format(start_day=_n(a.day), end_day=_n(b.day), month=month_name(a.month, lang),
                                        year=_n(a.year))
    if a.year == b.year:
        return _(_SPAN_IN_YEAR).format(start_day=_n(a.day), start_month=month_name(a.month, lang), end_day=_n(b.day),
                                       end_month=month_name(b.month, lang), year=_n(a.year))
    return _(_SPAN).format(start_day=_n(a.day), start_month=month_name(a.month, lang), start_year=_n(a.year),
                           end_day=_n(b.day), end_month=month_name(b.month, lang), end_year=_n(b.year))
