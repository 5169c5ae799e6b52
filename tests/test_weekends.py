"""The work week (``RASL_WEEKEND``): the weekly review's weekday average over work days only, the
weekend bands on daily charts (dashboard and weekly pack) and Hijri dates in daily hover text.

The cache (UTC, weeks start Monday) for the week Mon 16 – Sun 22 Nov 2026: Mon 1, Tue 2, Wed 3,
Thu 4, Fri 10, Sat 10, Sun 5 new contacts; in the 4 weeks before, one contact on each Friday
and one on Sunday 15 Nov. Hand count of the weekday average (contacts of the work days ÷ work days):

* ``fri-sat``: (1 + 2 + 3 + 4 + 5) / 5 = 3.0; the previous week 1 / 5 = 0.2 (Sunday 15 Nov); the
  4 weeks before 1 / 20 = 0.05.
* ``sat-sun``: (1 + 2 + 3 + 4 + 10) / 5 = 4.0; the previous week 1 / 5 (its Friday).
* ``fri``: (1 + 2 + 3 + 4 + 10 + 5) / 6 = 25 / 6.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from rasl_data import i18n
from rasl_data.analytics import weekends, weekly_review
from rasl_data.outputs.weekly_figures import weekly_figures
from rasl_data.settings import WEEKENDS
from ui import charts

WEEK = date(2026, 11, 16)
PER_DAY = [1, 2, 3, 4, 10, 10, 5]


@pytest.fixture
def db(make_cache, tmp_path):
    days = [WEEK + timedelta(days=i) for i, n in enumerate(PER_DAY) for _ in range(n)]
    days += [WEEK - timedelta(days=3 + 7 * k) for k in range(4)]  # the four Fridays before
    days += [WEEK - timedelta(days=1)]  # Sunday 15 Nov
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return make_cache(tmp_path, sources=[dict(id=1, name="WhatsApp", created_at=t0, updated_at=t0)],
                      contacts=[dict(id=i + 1, source_id=1, type="lead",
                                     created_at=datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc))
                                for i, d in enumerate(days)])


def _weekday(review) -> pd.Series:
    return review.metric(weekly_review.METRIC_WEEKDAY_AVERAGE)


@pytest.mark.parametrize("weekend, this, previous", [
    ("fri-sat", 3.0, 0.2), ("sat-sun", 4.0, 0.2), ("fri", 25 / 6, 1 / 6)])
def test_weekday_average_counts_work_days_only(db, weekend, this, previous):
    r = weekly_review.weekly_review(db, WEEK, "UTC", "monday", date(2026, 11, 30), weekend_days=WEEKENDS[weekend])
    row = _weekday(r)
    assert row["this_week"] == pytest.approx(this)
    assert row["previous_week"] == pytest.approx(previous)
    assert row["change_vs_previous"] == pytest.approx(this - previous)
    # The plain average over 7 days would be 35 / 7 = 5.0: the weekend is really left out.
    assert int(r.metric(weekly_review.METRIC_NEW_CONTACTS)["this_week"]) == 35
    assert r.weekend_days == WEEKENDS[weekend]


def test_weekday_average_of_the_4_weeks_before_pools_their_work_days(db):
    r = weekly_review.weekly_review(db, WEEK, "UTC", "monday", date(2026, 11, 30))  # default fri-sat
    assert _weekday(r)["avg_4_weeks"] == pytest.approx(1 / 20)
    assert list(r.totals["metric"]).index(weekly_review.METRIC_WEEKDAY_AVERAGE) == 1  # right after new contacts


def test_weekend_bands_on_a_daily_dashboard_chart_fall_on_fridays_and_saturdays():
    days = [date(2026, 2, 16) + timedelta(days=i) for i in range(14)]  # Mon 16 Feb .. Sun 1 Mar 2026
    df = pd.DataFrame({"period_start": days, "source_id": [1] * 14, "source": ["WhatsApp"] * 14,
                       "new_contacts": range(1, 15)})
    fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="source", colour_keys="source_id")
    with i18n.use("en"):
        charts.mark_days(fig, WEEKENDS["fri-sat"])
    shapes = [s for s in fig.layout.shapes if s.legendgroup == weekends.LEGEND_GROUP]
    assert len(shapes) == 2  # 20-21 Feb and 27-28 Feb
    for s in shapes:
        first = (pd.Timestamp(s.x0) + pd.Timedelta(hours=12)).date()
        last = (pd.Timestamp(s.x1) - pd.Timedelta(hours=12)).date()
        assert (first.weekday(), last.weekday()) == (4, 5), (first, last)  # Friday .. Saturday
        assert s.layer == "below"
    assert [(pd.Timestamp(s.x0) + pd.Timedelta(hours=12)).date() for s in shapes] == [date(2026, 2, 20), date(2026, 2, 27)]
    # One legend entry for the bands, and no extra trace (a click or a series count is unchanged).
    assert [(s.name, bool(s.showlegend)) for s in shapes] == [("Weekend (Fri–Sat)", True), ("Weekend (Fri–Sat)", False)]
    assert len(fig.data) == 1
    # Hover names the Hijri day: 18 Feb 2026 is 1 Ramadan 1447.
    bars = fig.data[0]
    with i18n.use("en"):
        assert bars.hovertext[2].startswith("18 Feb 2026 · 1 Ramadan 1447 AH: ")


def test_sat_sun_and_fri_weekends_shade_their_own_days():
    days = [date(2026, 2, 16) + timedelta(days=i) for i in range(14)]
    for weekend, wanted in (("sat-sun", {5, 6}), ("fri", {4})):
        shaded = set()
        for s in weekends.weekend_shapes(days, WEEKENDS[weekend]):
            d = (pd.Timestamp(s["x0"]) + pd.Timedelta(hours=12)).date()
            end = (pd.Timestamp(s["x1"]) - pd.Timedelta(hours=12)).date()
            while d <= end:
                shaded.add(d)
                d += timedelta(days=1)
        assert shaded == {d for d in days if d.weekday() in wanted}, weekend


def test_comparison_line_hover_names_its_own_hijri_days():
    days = [date(2026, 2, 18), date(2026, 2, 19)]
    df = pd.DataFrame({"period_start": days, "source_id": [1, 1], "source": ["WhatsApp"] * 2, "new_contacts": [1, 2]})
    fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="source", colour_keys="source_id")
    charts.add_comparison_line(fig, days, [3, 4], "Total", dates=[date(2025, 3, 1), date(2025, 3, 2)])
    with i18n.use("ar"):
        charts.mark_days(fig, WEEKENDS["fri-sat"])
    line = next(t for t in fig.data if t.type == "scatter")
    assert "1 رمضان 1446 هـ" in line.hovertext[0]  # 1 Mar 2025, in Arabic
    assert not fig.layout.shapes  # Wednesday and Thursday: no weekend, no band, no legend entry


def test_weekly_pack_daily_chart_shades_the_weekend(db):
    r = weekly_review.weekly_review(db, WEEK, "UTC", "monday", date(2026, 11, 30))
    with i18n.use("en"):
        daily = weekly_figures(r)["daily_new_contacts_by_source"]
    days = sorted(set(r.daily_by_source["day"]))
    shapes = [s for s in daily.layout.shapes if s.legendgroup == weekends.LEGEND_GROUP]
    assert len(shapes) == 1
    covered = [d for i, d in enumerate(days) if shapes[0].x0 < i < shapes[0].x1]
    assert [d.weekday() for d in covered] == [4, 5] and covered[0] == date(2026, 11, 20)
    assert shapes[0].name == "Weekend (Fri–Sat)" and shapes[0].showlegend
    # Hover names the Hijri day too (1 Jumada al-Akhirah 1448 is 11 Nov 2026).
    bars = next(t for t in daily.data if t.type == "bar")
    assert bars.hovertext[0] == "16 Nov 2026 · 6 Jumada al-Akhirah 1448 AH"
