"""Calendar arithmetic for the dashboard: local dates, weeks, months, presets and comparisons.

Every date here is a *local* calendar date in the business time zone (an IANA name such as
``Asia/Riyadh``); ranges are inclusive at both ends (``start..end``). Weeks start on
``monday``, ``sunday`` or ``saturday``. A period (day, week, month) is labelled by its real first
day even when a range cuts it: a range starting on a Tuesday has its first weekly row labelled
with that week's Monday (or Sunday/Saturday), and counts only the days inside the range.

The SQL side needs one thing: the local calendar day of a UTC instant (``local_day_sql``, in
``rasl_data.analytics.local_days``, with ``zone``); ``utc_window`` is the UTC window around a range.

Hijri (Umm al-Qura) presets ("This Ramadan", "Ramadan <year> AH", the Eid weeks) live in
``rasl_data.analytics.hijri_presets``; the names every setting is shown with, in
``rasl_data.analytics.period_labels``. Both are re-exported here. The comparison ``hijri_year``
is the same Hijri dates one Hijri year earlier (``same_hijri_dates_last_year``; see
``rasl_data.analytics.hijri``).

Supported dates: the analytics accept local dates from ``MIN_DATE`` (1900-01-01) to ``MAX_DATE``
(2199-12-31) and answer anything else with a ``ValueError`` saying so (``check_supported``). The
window keeps every derived date far from Python's year 1 and year 9999: a comparison range of a
supported range starts no earlier than ``EARLIEST_COMPARISON`` (1600) and the UTC margins around
a range are a day or two. A time axis holds at most ``MAX_PERIODS`` periods (``period_count``):
about ten years of days, seventy of weeks, every month of the window.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta, timezone

from rasl_data.analytics import hijri
from rasl_data.analytics.hijri_presets import (  # re-exported: the Hijri presets
    EID_AL_ADHA_WEEK,
    EID_AL_FITR_WEEK,
    HIJRI_PRESETS,
    LAST_RAMADAN,
    THIS_RAMADAN,
    hijri_preset_label,
    hijri_preset_range,
    hijri_presets,
    is_hijri_preset,
    ramadan_preset,
)
from rasl_data.analytics.local_days import (  # re-exported: local days of UTC instants in SQL
    local_day_number,
    local_day_sql,
    offset_segments,
    zone,
)
from rasl_data.analytics.period_labels import (  # re-exported: how the settings are shown
    COMPARE_LABELS,
    GRANULARITY_LABELS,
    PRESET_LABELS,
    WEEKDAY_LABELS,
    compare_label,
    granularity_label,
    preset_label,
    week_start_label,
)
from rasl_data.i18n import N_, _

WEEK_STARTS = ("monday", "sunday", "saturday")
GRANULARITIES = ("day", "week", "month")
# Python's date.weekday(): Monday is 0.
_WEEKDAY = {"monday": 0, "sunday": 6, "saturday": 5}

PRESETS = (
    "last 7 days",
    "last 28 days",
    "last 90 days",
    "this week",
    "last week",
    "this month",
    "last month",
    "quarter to date",
    "year to date",
)

COMPARISONS = ("previous", "last_year", "hijri_year")
"""``compare`` values: the previous period, the same period last year (364 days earlier), the same
Hijri dates last year (``same_hijri_dates_last_year``)."""

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)
# The previous period of the widest supported range (the whole window) starts here.
EARLIEST_COMPARISON = MIN_DATE - (MAX_DATE - MIN_DATE) - timedelta(days=1)
# Periods one time axis may hold: a daily axis over more than ~10 years (a million rows per few
# hundred sources, and a chart nobody can read) is refused with a hint to use weeks or months.
MAX_PERIODS = 3_700
_TOO_MANY = {
    "day": N_("{start} to {end} is {count} days; a time series shows at most {most} periods: use week or month."),
    "week": N_("{start} to {end} is {count} weeks; a time series shows at most {most} periods: use month."),
    "month": N_("{start} to {end} is {count} months; a time series shows at most {most} periods: choose a "
                "shorter range."),
}


def check_week_start(week_start: str) -> str:
    """Return ``week_start`` lower-cased; ``ValueError`` unless monday, sunday or saturday."""
    ws = str(week_start).strip().lower()
    if ws not in _WEEKDAY:
        raise ValueError(_("Week start {value} is not one of {options}.").format(
            value=repr(week_start), options=", ".join(WEEK_STARTS)))
    return ws


def check_granularity(granularity: str) -> str:
    """Return ``granularity``; ``ValueError`` unless day, week or month."""
    if granularity not in GRANULARITIES:
        raise ValueError(_("Granularity {value} is not one of {options}.").format(
            value=repr(granularity), options=", ".join(GRANULARITIES)))
    return granularity


def check_range(start: date, end: date) -> None:
    """``ValueError`` with a user-facing message when ``end`` is before ``start`` or not dates."""
    if not isinstance(start, date) or not isinstance(end, date):
        raise ValueError(_("Start and end must be dates."))
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise ValueError(_("Start and end must be calendar dates, not timestamps."))
    if end < start:
        raise ValueError(_("The end date {end} is before the start date {start}.").format(
            end=end.isoformat(), start=start.isoformat()))


def _outside(d: date) -> ValueError:
    return ValueError(_("The date {date} is outside the supported range {first} to {last}.").format(
        date=d.isoformat(), first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()))


def check_supported(start: date, end: date, earliest: date = MIN_DATE) -> None:
    """``ValueError`` (user-facing) unless ``start..end`` is a range of dates inside the supported
    window ``earliest..MAX_DATE`` (default ``MIN_DATE..MAX_DATE``; a comparison range may begin as
    early as ``EARLIEST_COMPARISON``). Checks ``check_range`` first."""
    check_range(start, end)
    for d in (start, end):
        if not earliest <= d <= MAX_DATE:
            raise _outside(d)


def is_supported(d: date) -> bool:
    """Whether ``d`` is a calendar date inside ``MIN_DATE..MAX_DATE``."""
    return isinstance(d, date) and not isinstance(d, datetime) and MIN_DATE <= d <= MAX_DATE


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str | None, what: str = "The date") -> date:
    """A local date written ``YYYY-MM-DD`` (surrounding spaces ignored) inside the supported window.

    Other ISO forms Python would accept (``20260301``, ``2026-W10-1``) are refused, so a typo is
    never read as some other day. Raises ``ValueError`` starting with ``what``, e.g. ``"--start"``.
    """
    raw = "" if text is None else str(text).strip()
    not_a_date = _("{what} {value} is not a date in the form YYYY-MM-DD.")
    if not _ISO_DATE.fullmatch(raw):
        raise ValueError(not_a_date.format(what=what, value=repr(text)))
    try:
        d = date.fromisoformat(raw)
    except ValueError:
        raise ValueError(not_a_date.format(what=what, value=repr(text))) from None
    if not is_supported(d):
        raise ValueError(_("{what} {value} is outside the supported range {first} to {last}.").format(
            what=what, value=raw, first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat()))
    return d


def _shift(d: date, days: int) -> date:
    """``d`` moved by ``days``; ``ValueError`` (not ``OverflowError``) past year 1 or 9999."""
    try:
        return d + timedelta(days=days)
    except OverflowError:
        raise _outside(d) from None



def week_start_of(d: date, week_start: str = "monday") -> date:
    """First day (local date) of the week holding ``d``, for weeks starting on ``week_start``."""
    back = (d.weekday() - _WEEKDAY[check_week_start(week_start)]) % 7
    return _shift(d, -back)


def period_start(d: date, granularity: str, week_start: str = "monday") -> date:
    """The label of the period holding local date ``d``: the day, its week's first day or the 1st."""
    check_granularity(granularity)
    if granularity == "day":
        return d
    if granularity == "week":
        return week_start_of(d, week_start)
    return d.replace(day=1)


def next_period_start(p: date, granularity: str) -> date:
    """The first day of the period after the one starting on ``p``."""
    if granularity == "day":
        return _shift(p, 1)
    if granularity == "week":
        return _shift(p, 7)
    if p.year == 9999 and p.month == 12:
        raise _outside(p)
    return date(p.year + (p.month == 12), p.month % 12 + 1, 1)


def period_count(start: date, end: date, granularity: str, week_start: str = "monday") -> int:
    """How many periods touch ``start..end`` (the length of ``period_starts``), without listing them."""
    check_range(start, end)
    check_granularity(granularity)
    if granularity == "day":
        return (end - start).days + 1
    if granularity == "week":
        return (week_start_of(end, week_start) - week_start_of(start, week_start)).days // 7 + 1
    return (end.year - start.year) * 12 + end.month - start.month + 1


def check_period_count(start: date, end: date, granularity: str, week_start: str = "monday") -> int:
    """``period_count``, or ``ValueError`` (user-facing, naming a coarser granularity) past ``MAX_PERIODS``."""
    n = period_count(start, end, granularity, week_start)
    if n > MAX_PERIODS:
        from rasl_data import i18n

        raise ValueError(_TOO_MANY[granularity].format(
            start=start.isoformat(), end=end.isoformat(), count=i18n.format_number(n),
            most=i18n.format_number(MAX_PERIODS)))
    return n


def period_starts(start: date, end: date, granularity: str, week_start: str = "monday") -> list[date]:
    """Every period label touching ``start..end`` (inclusive), oldest first: the time axis.

    The first label may be before ``start`` (the real start of a cut week or month).
    Raises ``ValueError`` for end < start, unknown granularity or week start, and for more than
    ``MAX_PERIODS`` periods (``check_period_count``: e.g. days over more than about ten years).
    """
    check_period_count(start, end, granularity, week_start)
    p = period_start(start, granularity, week_start)
    out = []
    while p <= end:
        out.append(p)
        p = next_period_start(p, granularity)
    return out


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The range of equal length immediately before ``start..end`` (period over period).

    ``ValueError`` unless ``start..end`` is inside the supported window (``check_supported``).
    """
    check_supported(start, end)
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def same_period_last_year(start: date, end: date) -> tuple[date, date]:
    """``start..end`` shifted back 364 days (52 weeks), so weekdays line up with this year.

    ``ValueError`` unless ``start..end`` is inside the supported window (``check_supported``).
    """
    check_supported(start, end)
    return start - timedelta(days=364), end - timedelta(days=364)


# The first day whose same Hijri date a year earlier is in the Umm al-Qura tables: 1 Muharram 1344.
FIRST_HIJRI_COMPARABLE = date(1925, 7, 23)


def same_hijri_dates_last_year(start: date, end: date) -> tuple[date, date]:
    """``start..end`` mapped day by day onto the same Hijri dates one Hijri (Umm al-Qura) year
    earlier: ``(hijri.same_hijri_date_last_year(start), hijri.same_hijri_date_last_year(end))``.

    Ramadan 1447 (2026-02-18..2026-03-19) → Ramadan 1446 (2025-03-01..2025-03-29): a day missing
    from the shorter month (30 Ramadan) maps to that month's last day. The result is about 354
    days earlier and may be a day shorter or longer than ``start..end``. ``ValueError`` (user-facing)
    outside the supported window or the Hijri tables (``FIRST_HIJRI_COMPARABLE``, 23 Jul 1925, to 16 Nov 2077).
    """
    check_supported(start, end)
    try:
        return hijri.same_hijri_date_last_year(start), hijri.same_hijri_date_last_year(end)
    except hijri.HijriRangeError as err:
        raise ValueError(_("The same Hijri dates last year are not known for {start} to {end}: the Umm al-Qura "
                           "calendar compares days from {first} to {last}.").format(
            start=start.isoformat(), end=end.isoformat(), first=FIRST_HIJRI_COMPARABLE.isoformat(),
            last=hijri.LAST_DAY.isoformat())) from err


def comparison_range(start: date, end: date, compare: str | None) -> tuple[date, date] | None:
    """The comparison range for ``compare`` = ``previous``, ``last_year``, ``hijri_year`` or ``None``
    (no range); see ``previous_period``, ``same_period_last_year``, ``same_hijri_dates_last_year``.

    Raises ``ValueError`` for an unknown ``compare`` or a range outside the supported window (for
    ``hijri_year`` also outside the Hijri tables); the result starts no earlier than
    ``EARLIEST_COMPARISON``.
    """
    if compare is None:
        return None
    if compare == "previous":
        return previous_period(start, end)
    if compare == "last_year":
        return same_period_last_year(start, end)
    if compare == "hijri_year":
        return same_hijri_dates_last_year(start, end)
    raise ValueError(_("Comparison {value} is not one of {options}.").format(value=repr(compare),
                                                                             options=", ".join(COMPARISONS)))


def comparison_day(day: date, start: date, other_start: date, compare: str) -> date:
    """The day of the comparison range drawn against ``day`` of the range starting ``start`` (whose
    comparison range starts ``other_start``): the same Hijri date last year for ``hijri_year`` (so
    1 Ramadan faces 1 Ramadan), else the day at the same distance from the start."""
    if compare == "hijri_year":
        return hijri.same_hijri_date_last_year(day)
    return other_start + (day - start)


def last_complete_weeks(today: date, n: int, week_start: str = "monday") -> tuple[date, date]:
    """The ``n`` whole weeks that ended before the week holding ``today``: ``(start, end)``."""
    if n < 1:
        raise ValueError(_("The number of weeks must be 1 or more."))
    end = week_start_of(today, week_start) - timedelta(days=1)
    return end - timedelta(days=7 * n - 1), end


def today_in(tz: str, now: datetime | None = None) -> date:
    """Today's local date in ``tz`` (``now``: an aware instant, default the current time)."""
    now = now or datetime.now(timezone.utc)
    return now.astimezone(zone(tz)).date()


def preset_range(name: str, today: date, week_start: str = "monday") -> tuple[date, date]:
    """``(start, end)`` local dates for a preset in ``PRESETS`` (or a Hijri preset, see
    ``hijri_preset_range``) relative to local ``today``.

    "last N days" are the N whole days ending yesterday (today is still filling, which would make
    every period-over-period comparison look like a drop); "this ..." and "... to date" end today.
    Raises ``ValueError`` for an unknown preset.
    """
    if is_hijri_preset(name):
        return hijri_preset_range(name, today)
    yesterday = today - timedelta(days=1)
    if name in ("last 7 days", "last 28 days", "last 90 days"):
        n = int(name.split()[1])
        return yesterday - timedelta(days=n - 1), yesterday
    if name == "this week":
        return week_start_of(today, week_start), today
    if name == "last week":
        return last_complete_weeks(today, 1, week_start)
    if name == "this month":
        return today.replace(day=1), today
    if name == "last month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "quarter to date":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if name == "year to date":
        return date(today.year, 1, 1), today
    raise ValueError(_("Unknown preset {value}; choose one of {options}.").format(
        value=repr(name), options=", ".join(PRESETS)))


def month_days(year: int, month: int) -> int:
    """Number of days in a month."""
    return calendar.monthrange(year, month)[1]


def utc_window(start: date, end: date) -> tuple[datetime, datetime]:
    """A UTC window surely holding every instant whose local date is in ``start..end`` in any zone.

    Local offsets are within -12..+14 hours, so one day of margin each side is enough. Queries
    prune rows with it (cheap comparison on ``created_at``) and then keep the exact local days.
    Raises ``ValueError`` (user-facing) unless both dates are within ``EARLIEST_COMPARISON`` to
    ``MAX_DATE`` (a supported range or its comparison range).
    """
    check_supported(start, end, earliest=EARLIEST_COMPARISON)
    lo = datetime(start.year, start.month, start.day, tzinfo=timezone.utc) - timedelta(days=1)
    hi = datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + timedelta(days=2)
    return lo, hi


__all__ = [
    "COMPARE_LABELS", "COMPARISONS", "EARLIEST_COMPARISON", "EID_AL_ADHA_WEEK", "EID_AL_FITR_WEEK", "GRANULARITIES",
    "GRANULARITY_LABELS", "HIJRI_PRESETS", "LAST_RAMADAN", "MAX_DATE", "MAX_PERIODS", "MIN_DATE", "PRESETS",
    "PRESET_LABELS", "THIS_RAMADAN", "WEEKDAY_LABELS", "WEEK_STARTS", "check_granularity", "check_period_count",
    "check_range", "check_supported", "check_week_start", "compare_label", "comparison_day", "comparison_range",
    "granularity_label", "hijri_preset_label", "hijri_preset_range", "hijri_presets", "is_hijri_preset",
    "is_supported", "last_complete_weeks", "local_day_number", "local_day_sql", "month_days", "next_period_start",
    "offset_segments", "parse_date", "period_count", "period_start", "period_starts", "preset_label",
    "preset_range", "previous_period", "ramadan_preset", "same_hijri_dates_last_year", "same_period_last_year",
    "today_in", "utc_window", "week_start_label", "week_start_of", "zone",
]
