"""The Hijri presets and "Same Hijri dates last year" in the dashboard (AppTest, small cache).

The small cache (``apptest_support.small_tables``, UTC) has 12 contacts from 23 Feb to 8 Mar 2026,
all inside Ramadan 1447 (18 Feb – 19 Mar 2026), one on 10 Jan 2026 and none in Ramadan 1446
(1–29 Mar 2025). So ``range=ramadan-1447&compare=hijri_year`` shows 12 new contacts against 0.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from apptest_support import assert_clean, metrics, run_app

from rasl_data.analytics import periods

pytestmark = pytest.mark.usefixtures("isolated")


def _qp(at, key):
    value = at.query_params[key]
    return value[0] if isinstance(value, list) else value


def test_compare_hijri_year_and_a_ramadan_preset_in_the_url_restore_the_view(small_ws):
    at = run_app({"range": "ramadan-1447", "compare": "hijri_year", "gran": "day"})
    assert_clean(at)
    assert at.session_state["f_preset"] == "ramadan-1447"
    assert at.session_state["f_compare"] == "hijri_year"
    assert _qp(at, "range") == "ramadan-1447" and _qp(at, "compare") == "hijri_year"
    assert metrics(at)["New contacts"] == ("12", "new (none before)")  # 12 this Ramadan, none last Ramadan
    captions = " ".join(c.value for c in at.caption)
    assert "18 Feb – 19 Mar 2026" in captions and "1–30 Ramadan 1447 AH" in captions
    assert "same Hijri dates last year, 1 Mar – 29 Mar 2025 · 1–29 Ramadan 1446 AH" in captions
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "1–30 Ramadan 1447 AH" in sidebar
    radio = next(r for r in at.sidebar.radio if r.key == "f_compare")
    assert radio.options == ["Previous period", "Same period last year", "Same Hijri dates last year", "No comparison"]
    select = next(s for s in at.sidebar.selectbox if s.key == "f_preset")
    assert "Ramadan 1447 AH" in select.options and "Last Ramadan" in select.options


def test_daily_overview_chart_shades_fridays_and_saturdays(small_ws):
    at = run_app({"range": "ramadan-1447", "compare": "hijri_year", "gran": "day"})
    assert_clean(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bands = [s for s in spec["layout"].get("shapes", []) if s.get("legendgroup") == "weekend"]
    assert bands
    for s in bands:
        first = (pd.Timestamp(s["x0"]) + pd.Timedelta(hours=12)).date()
        assert first.weekday() == 4  # the default RASL_WEEKEND is fri-sat
    # 18 Feb – 19 Mar 2026 holds Fridays 20, 27 Feb, 6, 13 Mar (Saturday 14 Mar ends the last band).
    assert sorted((pd.Timestamp(s["x0"]) + pd.Timedelta(hours=12)).date() for s in bands) == [
        date(2026, 2, 20), date(2026, 2, 27), date(2026, 3, 6), date(2026, 3, 13)]


def test_arabic_caption_names_the_hijri_month_in_arabic(small_ws):
    at = run_app({"range": "ramadan-1447", "compare": "hijri_year", "lang": "ar"})
    assert_clean(at)
    captions = " ".join(c.value for c in at.caption) + " ".join(c.value for c in at.sidebar.caption)
    assert "1–30 رمضان 1447 هـ" in captions


def test_this_ramadan_before_it_starts_falls_back_to_the_default_range(small_ws, monkeypatch):
    monkeypatch.setattr(periods, "today_in", lambda tz, now=None: date(2026, 12, 1))
    at = run_app({"range": "this-ramadan", "compare": "hijri_year"})
    assert_clean(at)
    assert at.session_state["f_preset"] == "last 12 complete weeks"
    assert any("has not started yet" in c.value for c in at.sidebar.caption)
    # A link to an older Ramadan than the data covers still works.
    at = run_app({"range": "ramadan-1440"})
    assert_clean(at)
    assert at.session_state["f_preset"] == "ramadan-1440"


def test_a_link_to_a_ramadan_outside_the_tables_says_so(small_ws):
    """Regression: ``range=ramadan-1300`` (1883) was said to "have not started yet"."""
    at = run_app({"range": "ramadan-1300"})
    assert_clean(at)
    assert at.session_state["f_preset"] == "last 12 complete weeks"
    shown = " ".join(c.value for c in at.sidebar.caption)
    assert "outside the Hijri calendar" in shown and "1343" in shown and "not started" not in shown, shown


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/sources.py", "pages/campaigns.py", "pages/conversion.py",
                                  "pages/health.py", "pages/performance.py", "pages/weekly.py"])
def test_every_page_renders_ramadan_against_last_ramadan(small_ws, page):
    at = run_app({"range": "ramadan-1447", "compare": "hijri_year", "gran": "day"}, page)
    assert_clean(at)
    assert at.session_state["f_compare"] == "hijri_year"


def test_hijri_comparison_of_a_range_outside_the_umm_al_qura_tables_is_a_note_not_a_crash(small_ws):
    at = run_app({"range": "custom", "start": "1910-01-01", "end": "1910-01-31", "compare": "hijri_year"})
    assert_clean(at)
    assert at.session_state["f_compare"] == "hijri_year"  # the choice is kept for the next range
    # 1 Muharram 1344 (23 Jul 1925) is the first day with a Hijri date a year earlier in the tables.
    assert any("known from 23 Jul 1925 to 16 Nov 2077" in c.value for c in at.sidebar.caption)
    assert metrics(at)["New contacts"] == ("0", "")
