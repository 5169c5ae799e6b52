"""Calendar arithmetic for the dashboard: local dates, weeks, months, presets and comparisons.

Every date here is a *local* calendar date in the business time zone (an IANA name such as
``Asia/Riyadh``); ranges are inclusive at both ends (``start..end``). Weeks start on
``monday``, ``sunday`` or ``saturday``. A period (day, week, month) is labelled by its real first
day even when a range cuts it: a range starting on a Tuesday has its first weekly row labelled
with that week's Monday (or Sunday/Saturday), and counts only the days inside the range.

The SQL side needs one thing from here: the local calendar day of a UTC instant. DuckDB's
``timezone()`` is exact but costs ~45 ms per million rows; the offset of a zone is constant
between its transitions, so ``local_day_sql`` turns the zone into a short ``CASE`` over the few
transitions inside the queried window (none for zones without DST) and the conversion becomes
integer arithmetic. ``tests/test_periods*.py`` checks it against ``zoneinfo`` around DST days.

Hijri (Umm al-Qura) presets: "This Ramadan" (the current Hijri year's Ramadan, offered from its
first day), "Last Ramadan", "Ramadan <year> AH" and the latest Eid al-Fitr / Eid al-Adha weeks
(``hijri_presets``, ``hijri_preset_range``; ASCII keys such as ``ramadan-1446`` in the URL). The
comparison ``hijri_year`` is the same Hijri dates one Hijri year earlier
(``same_hijri_dates_last_year``; see ``rasl_data.analytics.hijri``).

Supported dates: the analytics accept local dates from ``MIN_DATE`` (1900-01-01) to ``MAX_DATE``
(2199-12-31) and answer anything else with a ``ValueError`` saying so (``check_supported``). The
window keeps every derived date far from Python's year 1 and year 9999: a comparison range of a
supported range starts no earlier than ``EARLIEST_COMPARISON`` (1600) and the UTC margins around
a range are a day or two. A time axis holds at most ``MAX_PERIODS`` periods (``period_count``):
about ten years of days, seventy of weeks, every month of the window.
"""

from __future__ import annotations

import calendar
import functools
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasl_data.analytics import hijri
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

# Presets of the Hijri (Umm al-Qura) calendar: ASCII keys in the URL (``range=ramadan-1446``),
# translated labels (``preset_label``). Which of them a day offers: ``hijri_presets``.
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

COMPARISONS = ("previous", "last_year", "hijri_year")
"""``compare`` values: the previous period, the same period last year (364 days earlier), the same
Hijri dates last year (``same_hijri_dates_last_year``)."""

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
    if name in _HIJRI_LABELS:
        return _(_HIJRI_LABELS[name])
    m = _RAMADAN_KEY.fullmatch(name) if isinstance(name, str) else None
    if m:
        from rasl_data import i18n

        return _(_RAMADAN_LABEL).format(year=i18n.localise_digits(m.group(1)))
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

_US_PER_DAY = 86_400_000_000
# Added before the integer division so days before 1970 still floor correctly (DuckDB's ``//``
# truncates towards zero); 200,000 days reach back to the 15th century, before
# ``EARLIEST_COMPARISON`` and its one-day margin.
_DAY_SHIFT = 200_000


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


def zone(tz: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name; ``ValueError`` naming it when unknown."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise ValueError(_("Unknown time zone {zone}; use an IANA name such as Asia/Riyadh.").format(
            zone=repr(tz))) from err


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


def same_hijri_dates_last_year(start: date, end: date) -> tuple[date, date]:
    """``start..end`` mapped day by day onto the same Hijri dates one Hijri (Umm al-Qura) year
    earlier: ``(hijri.same_hijri_date_last_year(start), hijri.same_hijri_date_last_year(end))``.

    Ramadan 1447 (2026-02-18..2026-03-19) → Ramadan 1446 (2025-03-01..2025-03-29): a day missing
    from the shorter month (30 Ramadan) maps to that month's last day. The result is about 354
    days earlier and may be a day shorter or longer than ``start..end``. ``ValueError`` (user-facing)
    outside the supported window or the Hijri tables (1925-2077 for a range, a year after 1924).
    """
    check_supported(start, end)
    try:
        return hijri.same_hijri_date_last_year(start), hijri.same_hijri_date_last_year(end)
    except hijri.HijriRangeError as err:
        raise ValueError(f"The same Hijri dates last year are not known for {start.isoformat()} to "
                         f"{end.isoformat()}: the Umm al-Qura calendar covers {hijri.FIRST_DAY.year + 1} to "
                         f"{hijri.LAST_DAY.year}.") from err


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


# --- Hijri presets -------------------------------------------------------------------------------


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


def month_days(year: int, month: int) -> int:
    """Number of days in a month."""
    return calendar.monthrange(year, month)[1]


# --- local days of UTC instants, for SQL -------------------------------------------------------


def _epoch_us(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _offset_us(z: ZoneInfo, t_us: int) -> int:
    dt = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=t_us)
    off = dt.astimezone(z).utcoffset() or timedelta(0)
    return int(off / timedelta(microseconds=1))


@functools.lru_cache(maxsize=256)
def offset_segments(tz: str, lo_us: int, hi_us: int) -> tuple[tuple[int, int], ...]:
    """UTC offset of ``tz`` over ``[lo_us, hi_us)`` (epoch microseconds) as ``((until_us, offset_us), ...)``.

    Each pair says "before ``until_us`` the offset is ``offset_us``"; the last pair has
    ``until_us = hi_us``. Transitions are found by sampling every 6 hours (no zone changes its
    offset twice within 6 hours) and then bisecting to the exact microsecond.
    """
    z = zone(tz)
    step = 6 * 3_600_000_000
    segments: list[tuple[int, int]] = []
    t, off = lo_us, _offset_us(z, lo_us)
    while t < hi_us:
        nxt = min(t + step, hi_us)
        off_next = _offset_us(z, nxt)
        if off_next != off:
            # offset(a) == off, offset(b) != off: bisect to the microsecond, so an instant exactly
            # at the transition gets the new offset, as zoneinfo (and DuckDB's timezone()) do.
            a, b = t, nxt
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_us(z, mid) == off:
                    a = mid
                else:
                    b = mid
            segments.append((b, off))
            off = _offset_us(z, b)
            t = b
            continue
        t = nxt
    segments.append((hi_us, off))
    return tuple(segments)


def local_day_number(d: date) -> int:
    """Days since 1970-01-01 of a local date (the integer ``local_day_sql`` yields)."""
    return (d - date(1970, 1, 1)).days


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


def local_day_sql(epoch_us_expr: str, tz: str, lo: datetime, hi: datetime) -> tuple[str, list]:
    """SQL for the local day number (days since 1970-01-01) of ``epoch_us_expr`` in ``tz``.

    ``epoch_us_expr`` is SQL yielding epoch microseconds of a UTC instant (e.g.
    ``epoch_us(created_at)``); it is code, never user text. Valid for instants in ``[lo, hi)``
    (UTC aware datetimes); the offset of instants outside is the nearest segment's. Returns the
    fragment and its ``?`` parameters, in order.
    """
    segments = offset_segments(tz, _epoch_us(lo), _epoch_us(hi))
    params: list = []
    if len(segments) == 1:
        offset_sql = "?"
        params.append(segments[0][1])
    else:
        whens = []
        for until, off in segments[:-1]:
            whens.append(f"WHEN {epoch_us_expr} < ? THEN ?")
            params.extend([until, off])
        offset_sql = "CASE " + " ".join(whens) + " ELSE ? END"
        params.append(segments[-1][1])
    sql = f"(({epoch_us_expr} + {offset_sql} + {_DAY_SHIFT * _US_PER_DAY}) // {_US_PER_DAY} - {_DAY_SHIFT})"
    return sql, params
