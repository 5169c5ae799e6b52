"""Calendar helpers, checked against dates counted by hand and against zoneinfo."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from rasl_data.analytics import local_days, periods


@pytest.mark.parametrize("d,ws,want", [
    (date(2026, 12, 31), "monday", date(2026, 12, 28)),   # Thu → Mon 28 Dec
    (date(2026, 12, 31), "sunday", date(2026, 12, 27)),
    (date(2026, 12, 31), "saturday", date(2026, 12, 26)),
    (date(2027, 1, 2), "saturday", date(2027, 1, 2)),     # a Saturday starts its own week
    (date(2027, 1, 3), "sunday", date(2027, 1, 3)),
    (date(2027, 1, 3), "monday", date(2026, 12, 28)),     # ISO 2026-W53 runs to Sun 3 Jan
])
def test_week_start_of(d, ws, want):
    assert periods.week_start_of(d, ws) == want


def test_period_start_and_axis():
    assert periods.period_start(date(2026, 2, 17), "month") == date(2026, 2, 1)
    assert periods.period_start(date(2026, 2, 17), "day") == date(2026, 2, 17)
    assert periods.period_starts(date(2026, 3, 3), date(2026, 3, 17), "week", "monday") == [
        date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    assert periods.period_starts(date(2026, 11, 30), date(2027, 2, 1), "month") == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    with pytest.raises(ValueError):
        periods.period_start(date(2026, 1, 1), "year")


def test_comparison_ranges():
    # 7 days Mon 7 .. Sun 13 Sep 2026 → previous Mon 31 Aug .. Sun 6 Sep
    assert periods.previous_period(date(2026, 9, 7), date(2026, 9, 13)) == (date(2026, 8, 31), date(2026, 9, 6))
    # one day → the day before
    assert periods.previous_period(date(2026, 3, 1), date(2026, 3, 1)) == (date(2026, 2, 28), date(2026, 2, 28))
    start, end = periods.same_period_last_year(date(2026, 9, 7), date(2026, 9, 13))
    assert (start, end) == (date(2025, 9, 8), date(2025, 9, 14)) and start.weekday() == 0
    with pytest.raises(ValueError, match="before the start"):
        periods.previous_period(date(2026, 1, 2), date(2026, 1, 1))


def test_last_complete_weeks():
    # Wed 6 Jan 2027: the current Monday week began 4 Jan; last 2 full weeks are 21 Dec .. 3 Jan.
    assert periods.last_complete_weeks(date(2027, 1, 6), 2, "monday") == (date(2026, 12, 21), date(2027, 1, 3))
    assert periods.last_complete_weeks(date(2027, 1, 6), 1, "sunday") == (date(2026, 12, 27), date(2027, 1, 2))
    assert periods.last_complete_weeks(date(2027, 1, 6), 1, "saturday") == (date(2026, 12, 26), date(2027, 1, 1))


@pytest.mark.parametrize("name,want", [
    ("last 7 days", (date(2026, 5, 13), date(2026, 5, 19))),
    ("last 28 days", (date(2026, 4, 22), date(2026, 5, 19))),
    ("last 90 days", (date(2026, 2, 19), date(2026, 5, 19))),
    ("this week", (date(2026, 5, 18), date(2026, 5, 20))),
    ("last week", (date(2026, 5, 11), date(2026, 5, 17))),
    ("this month", (date(2026, 5, 1), date(2026, 5, 20))),
    ("last month", (date(2026, 4, 1), date(2026, 4, 30))),
    ("quarter to date", (date(2026, 4, 1), date(2026, 5, 20))),
    ("year to date", (date(2026, 1, 1), date(2026, 5, 20))),
])
def test_presets_for_wednesday_20_may_2026(name, want):
    assert periods.preset_range(name, date(2026, 5, 20), "monday") == want


def test_last_month_in_january_and_today_in_zone():
    assert periods.preset_range("last month", date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    now = datetime(2026, 12, 31, 22, 30, tzinfo=timezone.utc)
    assert periods.today_in("Asia/Riyadh", now) == date(2027, 1, 1)
    assert periods.today_in("America/New_York", now) == date(2026, 12, 31)


@pytest.mark.parametrize("tz", ["Africa/Cairo", "America/New_York", "Australia/Lord_Howe", "Europe/London",
                                "Asia/Kathmandu", "America/Santiago"])
def test_offset_segments_give_zoneinfo_local_days(tz):
    # Every 20 minutes over two years, plus ±1 µs around each hour: the integer formula the SQL
    # uses must give the local date zoneinfo gives.
    lo = datetime(2025, 12, 1, tzinfo=timezone.utc)
    hi = datetime(2027, 12, 1, tzinfo=timezone.utc)
    segments = periods.offset_segments(tz, local_days._epoch_us(lo), local_days._epoch_us(hi))
    z = ZoneInfo(tz)
    t = lo
    while t < hi:
        for dt in (t, t - timedelta(microseconds=1)):
            us = local_days._epoch_us(dt)
            off = next(o for until, o in segments if us < until)
            day = date(1970, 1, 1) + timedelta(days=(us + off) // 86_400_000_000)
            assert day == dt.astimezone(z).date(), (tz, dt)
        t += timedelta(minutes=20)


# --- supported dates and axis length (regressions: crafted URLs and CLI dates crashed) ----------


@pytest.mark.parametrize("start,end", [
    (date(9999, 12, 1), date(9999, 12, 31)),
    (date(1, 1, 1), date(9999, 12, 31)),
    (date(1, 1, 10), date(1, 2, 1)),
])
def test_period_helpers_with_year_1_or_9999_raise_value_error_not_overflow(start, end):
    for call in (lambda: periods.utc_window(start, end),
                 lambda: periods.comparison_range(start, end, "previous"),
                 lambda: periods.comparison_range(start, end, "last_year"),
                 lambda: periods.check_supported(start, end)):
        with pytest.raises(ValueError, match="outside the supported range 1900-01-01 to 2199-12-31"):
            call()


def test_comparison_of_the_whole_supported_window_stays_computable():
    prev = periods.comparison_range(periods.MIN_DATE, periods.MAX_DATE, "previous")
    assert prev == (date(1600, 1, 1), date(1899, 12, 31)) == (periods.EARLIEST_COMPARISON, date(1899, 12, 31))
    lo, hi = periods.utc_window(*prev)
    assert lo == datetime(1599, 12, 31, tzinfo=timezone.utc) and hi == datetime(1900, 1, 2, tzinfo=timezone.utc)
    lo, hi = periods.utc_window(periods.MIN_DATE, periods.MAX_DATE)
    assert hi == datetime(2200, 1, 2, tzinfo=timezone.utc)


def test_week_axis_at_year_9999_raises_value_error_not_overflow():
    with pytest.raises(ValueError, match="outside the supported range"):
        periods.period_starts(date(9999, 12, 27), date(9999, 12, 31), "week")
    with pytest.raises(ValueError, match="outside the supported range"):
        periods.week_start_of(date(1, 1, 6), "sunday")


def test_daily_axis_over_two_centuries_is_refused_before_listing_it():
    with pytest.raises(ValueError, match=r"73,049 days; .* at most 3,700 periods: use week or month"):
        periods.period_starts(date(1900, 1, 1), date(2099, 12, 31), "day")
    assert periods.period_count(date(1900, 1, 1), date(2099, 12, 31), "week") == 10_436
    with pytest.raises(ValueError, match="use month"):
        periods.period_starts(date(1900, 1, 1), date(2099, 12, 31), "week")
    months = periods.period_starts(periods.MIN_DATE, periods.MAX_DATE, "month")
    assert len(months) == 3_600 and months[-1] == date(2199, 12, 1)
    # Ten years of days still fit.
    assert len(periods.period_starts(date(2016, 1, 1), date(2025, 12, 31), "day")) == 3_653


@pytest.mark.parametrize("text", ["20260301", "2026-W10-1", "2026-3-1", " 2026-03-01x", "٢٠٢٦-٠٣-٠١", "", None])
def test_date_parser_requires_the_yyyy_mm_dd_form(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        periods.parse_date(text, "--start")


def test_date_parser_accepts_yyyy_mm_dd_with_spaces_and_refuses_unsupported_years():
    assert periods.parse_date(" 2026-03-01 ") == date(2026, 3, 1)
    with pytest.raises(ValueError, match="'2026-02-30' is not a date in the form YYYY-MM-DD"):
        periods.parse_date("2026-02-30")
    with pytest.raises(ValueError, match="--week 0001-01-01 is outside the supported range"):
        periods.parse_date("0001-01-01", "--week")
