"""Hand-counted cases: DST days, year boundary weeks, midnight, renamed/deleted/null sources,
look-alike names, partial periods at the range edges. Expected numbers are counted by hand in
the comments, never taken from the code."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from rasl_data.analytics import acquisition
from rasl_data.analytics.acquisition import Filters


def local(tz, *args):
    """A UTC instant from a local wall-clock time (fold=0)."""
    return datetime(*args, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def series(df, name_col=None):
    if name_col is None:
        return {r["period_start"]: r["new_contacts"] for r in df.to_dict("records")}
    return {(r["period_start"], r[name_col]): r["new_contacts"] for r in df.to_dict("records")}


def test_cairo_spring_forward_day_has_23_hours(make_cache, tmp_path):
    # Cairo 2026: DST starts Fri 24 Apr 2026 at 00:00 → 01:00 (UTC+2 → UTC+3): that day has 23 h.
    # 23 Apr 21:59:59 UTC = 23:59:59 on the 23rd (+2); 23 Apr 22:00:00 UTC = 01:00 on the 24th (+3).
    # 24 Apr 20:59:59 UTC = 23:59:59 on the 24th; 24 Apr 21:00 UTC = 00:00 on the 25th.
    contacts = [
        {"id": 1, "created_at": utc(2026, 4, 23, 21, 59, 59)},  # 23rd
        {"id": 2, "created_at": utc(2026, 4, 23, 22, 0, 0)},    # 24th
        {"id": 3, "created_at": utc(2026, 4, 24, 20, 59, 59)},  # 24th
        {"id": 4, "created_at": utc(2026, 4, 24, 21, 0, 0)},    # 25th
    ]
    db = make_cache(tmp_path, contacts=contacts)
    got = series(acquisition.acquisition(db, Filters(date(2026, 4, 23), date(2026, 4, 25), "Africa/Cairo"), None, "day"))
    assert got == {date(2026, 4, 23): 1, date(2026, 4, 24): 2, date(2026, 4, 25): 1}


def test_new_york_fall_back_day_has_25_hours(make_cache, tmp_path):
    # New York 2026: DST ends Sun 1 Nov at 02:00 EDT → 01:00 EST; 1 Nov lasts 25 hours:
    # 04:00 UTC (00:00 EDT) .. 05:00 UTC next day (00:00 EST of 2 Nov).
    contacts = [
        {"id": 1, "created_at": utc(2026, 11, 1, 3, 59, 59)},   # 31 Oct 23:59:59 EDT
        {"id": 2, "created_at": utc(2026, 11, 1, 4, 0, 0)},     # 1 Nov 00:00 EDT
        {"id": 3, "created_at": utc(2026, 11, 1, 5, 30)},       # 1 Nov 01:30 EDT (first)
        {"id": 4, "created_at": utc(2026, 11, 1, 6, 30)},       # 1 Nov 01:30 EST (second)
        {"id": 5, "created_at": utc(2026, 11, 2, 4, 59, 59)},   # 1 Nov 23:59:59 EST
        {"id": 6, "created_at": utc(2026, 11, 2, 5, 0, 0)},     # 2 Nov 00:00 EST
    ]
    db = make_cache(tmp_path, contacts=contacts)
    f = Filters(date(2026, 10, 31), date(2026, 11, 2), "America/New_York")
    assert series(acquisition.acquisition(db, f, None, "day")) == {
        date(2026, 10, 31): 1, date(2026, 11, 1): 4, date(2026, 11, 2): 1}
    # A range of just 1 Nov keeps all four contacts of the 25-hour day.
    assert acquisition.totals(db, Filters(date(2026, 11, 1), date(2026, 11, 1), "America/New_York")) == 4


def test_new_york_spring_forward_day(make_cache, tmp_path):
    # 8 Mar 2026 02:00 EST → 03:00 EDT: 23 hours, 05:00 UTC .. 04:00 UTC on 9 Mar.
    contacts = [
        {"id": 1, "created_at": utc(2026, 3, 8, 4, 59, 59)},  # 7 Mar 23:59:59 EST
        {"id": 2, "created_at": utc(2026, 3, 8, 7, 0)},       # 8 Mar 03:00 EDT
        {"id": 3, "created_at": utc(2026, 3, 9, 3, 59, 59)},  # 8 Mar 23:59:59 EDT
        {"id": 4, "created_at": utc(2026, 3, 9, 4, 0)},       # 9 Mar 00:00 EDT
    ]
    db = make_cache(tmp_path, contacts=contacts)
    got = series(acquisition.acquisition(db, Filters(date(2026, 3, 7), date(2026, 3, 9), "America/New_York"), None, "day"))
    assert got == {date(2026, 3, 7): 1, date(2026, 3, 8): 2, date(2026, 3, 9): 1}


@pytest.mark.parametrize("week_start,want", [
    # 28 Dec 2026 is a Monday; 3 Jan 2027 a Sunday. One contact a day, 28 Dec .. 3 Jan.
    ("monday", {date(2026, 12, 28): 7}),
    ("sunday", {date(2026, 12, 27): 6, date(2027, 1, 3): 1}),      # Sun 27 Dec .. Sat 2 Jan
    ("saturday", {date(2026, 12, 26): 5, date(2027, 1, 2): 2}),    # Sat 26 Dec .. Fri 1 Jan
])
def test_week_straddling_new_year(make_cache, tmp_path, week_start, want):
    tz = "Asia/Riyadh"
    contacts = [{"id": k, "created_at": local(tz, 2026, 12, 28, 12) + timedelta(days=k)} for k in range(7)]
    db = make_cache(tmp_path, contacts=contacts)
    f = Filters(date(2026, 12, 28), date(2027, 1, 3), tz, week_start)
    assert series(acquisition.acquisition(db, f, None, "week")) == want
    # Months: 4 days in December, 3 in January.
    assert series(acquisition.acquisition(db, f, None, "month")) == {date(2026, 12, 1): 4, date(2027, 1, 1): 3}


def test_iso_week_53_of_2026_is_one_week(make_cache, tmp_path):
    # ISO 2026-W53 is Mon 28 Dec 2026 .. Sun 3 Jan 2027 (date(2026,12,28).isocalendar() == (2026, 53, 1)).
    assert date(2026, 12, 28).isocalendar()[:2] == (2026, 53)
    contacts = [{"id": 1, "created_at": utc(2026, 12, 28, 10)}, {"id": 2, "created_at": utc(2027, 1, 3, 10)},
                {"id": 3, "created_at": utc(2027, 1, 4, 10)}]
    db = make_cache(tmp_path, contacts=contacts)
    got = series(acquisition.acquisition(db, Filters(date(2026, 12, 21), date(2027, 1, 10), "UTC"), None, "week"))
    assert got == {date(2026, 12, 21): 0, date(2026, 12, 28): 2, date(2027, 1, 4): 1}


def test_midnight_edges_in_local_time(make_cache, tmp_path):
    tz = "Asia/Riyadh"  # UTC+3 all year
    contacts = [
        {"id": 1, "created_at": local(tz, 2026, 5, 9, 23, 59, 59)},  # before the range
        {"id": 2, "created_at": local(tz, 2026, 5, 10, 0, 0, 0)},    # first instant of the range
        {"id": 3, "created_at": local(tz, 2026, 5, 12, 23, 59, 59)},  # last second of the range
        {"id": 4, "created_at": local(tz, 2026, 5, 13, 0, 0, 0)},    # after the range
    ]
    db = make_cache(tmp_path, contacts=contacts)
    f = Filters(date(2026, 5, 10), date(2026, 5, 12), tz)
    assert acquisition.totals(db, f) == 2
    assert series(acquisition.acquisition(db, f, None, "day")) == {
        date(2026, 5, 10): 1, date(2026, 5, 11): 0, date(2026, 5, 12): 1}


def test_partial_week_and_month_at_range_edges_keep_real_start(make_cache, tmp_path):
    # Range Tue 3 Mar .. Thu 2 Apr 2026; one contact every day 1 Mar .. 5 Apr (UTC noon).
    contacts = [{"id": k, "created_at": utc(2026, 3, 1, 12) + timedelta(days=k)} for k in range(36)]
    db = make_cache(tmp_path, contacts=contacts)
    f = Filters(date(2026, 3, 3), date(2026, 4, 2), "UTC", "monday")
    weeks = series(acquisition.acquisition(db, f, None, "week"))
    # Mon 2 Mar week: Tue 3 .. Sun 8 = 6 days; 9, 16, 23 full; Mon 30 Mar .. Thu 2 Apr = 4 days.
    assert weeks == {date(2026, 3, 2): 6, date(2026, 3, 9): 7, date(2026, 3, 16): 7, date(2026, 3, 23): 7,
                     date(2026, 3, 30): 4}
    months = series(acquisition.acquisition(db, f, None, "month"))
    assert months == {date(2026, 3, 1): 29, date(2026, 4, 1): 2}


def test_renamed_deleted_null_and_missing_sources(make_cache, tmp_path):
    sources = [
        {"id": 1, "name": "Instagram Ads (new name)"},   # renamed: contacts keep id 1
        {"id": 2, "name": "Old flyer", "deleted_at": utc(2026, 2, 1)},
    ]
    t = utc(2026, 1, 10, 12)
    contacts = [
        {"id": 1, "source_id": 1, "created_at": t}, {"id": 2, "source_id": 1, "created_at": t},
        {"id": 3, "source_id": 2, "created_at": t},      # deleted source → Unattributed
        {"id": 4, "source_id": None, "created_at": t},   # no source → Unattributed
        {"id": 5, "source_id": 77, "created_at": t},     # unknown source id → Unattributed
    ]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    df = acquisition.acquisition(db, Filters(date(2026, 1, 10), date(2026, 1, 10), "UTC"), "source", "day")
    assert len(df) == 2
    rows = {(None if pd.isna(r["source_id"]) else int(r["source_id"])): (r["source"], r["new_contacts"])
            for r in df.to_dict("records")}
    assert rows == {1: ("Instagram Ads (new name)", 2), None: ("Unattributed", 3)}
    bd = acquisition.breakdown(db, Filters(date(2026, 1, 10), date(2026, 1, 10), "UTC"), "channel", None)
    assert dict(zip(bd["channel"], bd["new_contacts"])) == {"Unattributed": 3, "Instagram": 2}
    assert list(bd["share"]) == [pytest.approx(0.6), pytest.approx(0.4)]


def test_lookalike_and_arabic_names_are_separate_sources_but_one_campaign(make_cache, tmp_path):
    sources = [
        {"id": 1, "name": "Facebook / Spring"}, {"id": 2, "name": "facebook / spring "},
        {"id": 3, "name": "واتســاب / عرض"}, {"id": 4, "name": "ﻭﺍﺗﺴﺎﺏ / عرض"},  # tatweel; presentation forms
    ]
    t = utc(2026, 6, 1, 9)
    contacts = [{"id": i, "source_id": s, "created_at": t} for i, s in enumerate([1, 1, 2, 3, 4, 4, 4])]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    f = Filters(date(2026, 6, 1), date(2026, 6, 1), "UTC")
    by_source = acquisition.breakdown(db, f, "source", None)
    assert dict(zip(by_source["source_id"].astype(int), by_source["new_contacts"])) == {1: 2, 2: 1, 3: 1, 4: 3}
    by_campaign = acquisition.breakdown(db, f, "campaign", None)
    assert sorted(by_campaign["new_contacts"]) == [3, 4]   # Spring: 1+1+1 = 3; عرض: 1+3 = 4
    assert set(by_campaign["campaign"]) == {"Spring", "عرض"}
    by_channel = acquisition.breakdown(db, f, "channel", None)
    assert dict(zip(by_channel["channel"], by_channel["new_contacts"])) == {"WhatsApp": 4, "Facebook": 3}
    dups = acquisition.near_duplicate_sources(db)
    pairs = {(a, b): reason for a, b, reason in zip(dups["source_id_a"], dups["source_id_b"], dups["reason"])}
    assert pairs[(1, 2)] == "same name" and pairs[(3, 4)] == "same name"
    row = dups[(dups["source_id_a"] == 1) & (dups["source_id_b"] == 2)].iloc[0]
    assert (row["contacts_a"], row["contacts_b"]) == (2, 1)


def test_continuous_axis_has_zero_rows_per_dimension_value(make_cache, tmp_path):
    sources = [{"id": 1, "name": "TikTok"}, {"id": 2, "name": "SMS"}, {"id": 3, "name": "Email"}]
    contacts = [{"id": 1, "source_id": 1, "created_at": utc(2026, 7, 1, 10)},
                {"id": 2, "source_id": 2, "created_at": utc(2026, 7, 3, 10)}]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    df = acquisition.acquisition(db, Filters(date(2026, 7, 1), date(2026, 7, 3), "UTC"), "source", "day")
    # 3 days × 2 sources with contacts (Email has none in range: no series).
    assert series(df, "source") == {
        (date(2026, 7, 1), "TikTok"): 1, (date(2026, 7, 2), "TikTok"): 0, (date(2026, 7, 3), "TikTok"): 0,
        (date(2026, 7, 1), "SMS"): 0, (date(2026, 7, 2), "SMS"): 0, (date(2026, 7, 3), "SMS"): 1}
    assert list(df.columns) == ["period_start", "source_id", "source", "new_contacts"]
    empty = acquisition.acquisition(db, Filters(date(2025, 1, 1), date(2025, 1, 2), "UTC"), "source", "day")
    assert len(empty) == 0 and list(empty.columns) == ["period_start", "source_id", "source", "new_contacts"]
    flat = acquisition.acquisition(db, Filters(date(2025, 1, 1), date(2025, 1, 2), "UTC"), None, "day")
    assert series(flat) == {date(2025, 1, 1): 0, date(2025, 1, 2): 0}


def test_group_counts_a_contact_once_in_each_group(make_cache, tmp_path):
    groups = [{"id": 1, "name": "Eid"}, {"id": 2, "name": "VIP"}, {"id": 3, "name": "Gone", "deleted_at": utc(2026, 1, 1)}]
    t = utc(2026, 8, 1, 10)
    contacts = [{"id": i, "created_at": t} for i in range(1, 5)]
    memberships = [{"contact_id": 1, "group_id": 1}, {"contact_id": 1, "group_id": 2},
                   {"contact_id": 2, "group_id": 2}, {"contact_id": 3, "group_id": 3}]
    db = make_cache(tmp_path, groups=groups, contacts=contacts, contact_groups=memberships)
    f = Filters(date(2026, 8, 1), date(2026, 8, 1), "UTC")
    bd = acquisition.breakdown(db, f, "group", None)
    assert dict(zip(bd["group"], bd["new_contacts"])) == {"VIP": 2, "Eid": 1, "No group": 2}  # 3 and 4
    assert bd.attrs["note"] == acquisition.GROUPS_NOTE
    assert dict(zip(bd["group"], bd["share"])) == {"VIP": 0.5, "Eid": 0.25, "No group": 0.5}  # of 4 contacts
    assert acquisition.totals(db, f) == 4


def test_comparison_from_zero_is_new_not_infinite(make_cache, tmp_path):
    sources = [{"id": 1, "name": "Snapchat"}, {"id": 2, "name": "LinkedIn"}]
    contacts = [
        {"id": 1, "source_id": 1, "created_at": utc(2026, 9, 10, 10)},   # current
        {"id": 2, "source_id": 2, "created_at": utc(2026, 9, 10, 10)},   # current
        {"id": 3, "source_id": 2, "created_at": utc(2026, 9, 3, 10)},    # previous week
        {"id": 4, "source_id": 2, "created_at": utc(2026, 9, 4, 10)},    # previous week
    ]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    bd = acquisition.breakdown(db, Filters(date(2026, 9, 7), date(2026, 9, 13), "UTC"), "source", "previous")
    rows = {r["source"]: r for r in bd.to_dict("records")}
    assert rows["Snapchat"]["previous"] == 0 and rows["Snapchat"]["is_new"]
    assert pd.isna(rows["Snapchat"]["change_pct"])
    assert rows["LinkedIn"]["previous"] == 2 and rows["LinkedIn"]["change_pct"] == -0.5
    assert rows["LinkedIn"]["change_abs"] == -1


def test_source_table_and_silent_sources(make_cache, tmp_path):
    tz = "Asia/Riyadh"
    sources = [{"id": 1, "name": "Google Ads | Brand"}, {"id": 2, "name": "YouTube"}, {"id": 3, "name": "Radio"}]
    contacts = [
        {"id": 1, "source_id": 1, "created_at": local(tz, 2025, 3, 1, 0, 30)},
        {"id": 2, "source_id": 1, "created_at": local(tz, 2026, 10, 5, 23, 30)},
        {"id": 3, "source_id": 2, "created_at": local(tz, 2026, 9, 1, 8)},
        {"id": 4, "source_id": None, "created_at": local(tz, 2026, 10, 2, 8)},
    ]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    st = acquisition.source_table(db, Filters(date(2026, 10, 1), date(2026, 10, 7), tz))
    rows = {r["source"]: r for r in st.to_dict("records")}
    assert set(rows) == {"Google Ads | Brand", "Unattributed"}
    g = rows["Google Ads | Brand"]
    assert (g["channel"], g["campaign"], g["new_contacts"], g["all_time_contacts"]) == ("Google Ads", "Brand", 1, 2)
    assert (g["first_contact"], g["last_contact"]) == (date(2025, 3, 1), date(2026, 10, 5))
    assert g["share"] == 0.5
    silent = acquisition.silent_sources(db, date(2026, 10, 7), tz, quiet_days=14)
    assert list(silent["source"]) == ["YouTube"]          # Radio never had contacts; Google is recent
    assert silent.iloc[0]["days_silent"] == 36           # 1 Sep → 7 Oct


def test_unattributed_trend(make_cache, tmp_path):
    contacts = [{"id": 1, "source_id": None, "created_at": utc(2026, 1, 5, 10)},
                {"id": 2, "source_id": 5, "created_at": utc(2026, 1, 6, 10)},
                {"id": 3, "source_id": 1, "created_at": utc(2026, 1, 6, 10)}]
    db = make_cache(tmp_path, sources=[{"id": 1, "name": "Email"}], contacts=contacts)
    df = acquisition.unattributed_trend(db, Filters(date(2026, 1, 5), date(2026, 1, 7), "UTC"), "day")
    assert list(df["unattributed"]) == [1, 1, 0]
    assert list(df["new_contacts"]) == [1, 2, 0]
    assert df["unattributed_share"].iloc[1] == 0.5 and pd.isna(df["unattributed_share"].iloc[2])


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError, match="before the start"):
        Filters(date(2026, 1, 2), date(2026, 1, 1), "UTC")
    with pytest.raises(ValueError, match="time zone"):
        Filters(date(2026, 1, 1), date(2026, 1, 1), "Mars/Olympus")
    with pytest.raises(ValueError, match="Week start"):
        Filters(date(2026, 1, 1), date(2026, 1, 1), "UTC", "friday")
    with pytest.raises(ValueError, match="Unknown dimension"):
        acquisition.acquisition(None, Filters(date(2026, 1, 1), date(2026, 1, 1)), by="country")


@pytest.mark.parametrize("start,end", [(date(9999, 12, 1), date(9999, 12, 31)), (date(1, 1, 1), date(9999, 12, 31)),
                                       (date(1, 1, 10), date(1, 2, 1)), (date(1899, 12, 31), date(1900, 1, 1)),
                                       (date(2026, 1, 1), date(2200, 1, 1))])
def test_filters_with_dates_outside_the_supported_window_raise_value_error_not_overflow(start, end):
    with pytest.raises(ValueError, match="outside the supported range 1900-01-01 to 2199-12-31"):
        Filters(start, end, "UTC")


def test_daily_acquisition_over_two_centuries_is_refused_before_any_query():
    # It used to build a 73,000-day axis crossed with every source (1.1-1.5 GB).
    class NoDb:
        def query(self, *a):
            raise AssertionError("no SQL should run")

    with pytest.raises(ValueError, match="use week or month"):
        acquisition.acquisition(NoDb(), Filters(date(1900, 1, 1), date(2100, 12, 31), "UTC"), by="source", granularity="day")


def test_whole_supported_window_by_month_with_previous_period_comparison(make_cache, tmp_path):
    from rasl_data.analytics import comparison

    contacts = [{"id": 1, "created_at": utc(1900, 1, 1, 0, 30)}, {"id": 2, "created_at": utc(2199, 12, 31, 23)},
                {"id": 3, "created_at": utc(1650, 6, 1, 12)}]
    db = make_cache(tmp_path, contacts=contacts)
    f = Filters(date(1900, 1, 1), date(2199, 12, 31), "UTC")
    df = acquisition.acquisition(db, f, None, "month")
    assert len(df) == 3_600 and int(df["new_contacts"].sum()) == 2
    assert df["new_contacts"].iloc[0] == 1 and df["new_contacts"].iloc[-1] == 1
    k = acquisition.kpis(db, f, "previous")
    assert (k.new_contacts.value, k.new_contacts.previous) == (2, 1)  # 1650 is in 1600..1899
    prev = comparison.comparison_series(db, f, "previous", "month")
    assert prev["comparison_start"].iloc[0] == date(1600, 1, 1) and int(prev["previous"].sum()) == 1


def test_source_table_keeps_a_source_that_went_quiet_since_the_compared_period(make_cache, tmp_path):
    """Regression: a source with contacts only in the previous period vanished from the Sources
    table, so the drop to zero a marketer most needs to see was invisible."""
    sources = [{"id": 1, "name": "WhatsApp"}, {"id": 2, "name": "TikTok - Launch"}]
    contacts = [
        {"id": 1, "source_id": 1, "created_at": utc(2026, 9, 8, 10)},   # in range (7–13 Sep)
        {"id": 2, "source_id": 2, "created_at": utc(2026, 9, 2, 10)},   # previous week only
        {"id": 3, "source_id": 2, "created_at": utc(2026, 9, 3, 10)},   # previous week only
    ]
    db = make_cache(tmp_path, sources=sources, contacts=contacts)
    f = Filters(date(2026, 9, 7), date(2026, 9, 13), "UTC")
    rows = {r["source"]: r for r in acquisition.source_table(db, f, "previous").to_dict("records")}
    assert set(rows) == {"WhatsApp", "TikTok - Launch"}
    quiet = rows["TikTok - Launch"]
    assert (quiet["new_contacts"], quiet["previous"], quiet["change_abs"], quiet["change_pct"]) == (0, 2, -2, -1.0)
    assert quiet["share"] == 0.0 and rows["WhatsApp"]["share"] == 1.0
    # Without a comparison only sources with contacts in the range are listed.
    assert set(acquisition.source_table(db, f, None)["source"]) == {"WhatsApp"}
