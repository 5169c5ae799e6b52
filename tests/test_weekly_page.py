"""AppTest of the Weekly review page (pages/weekly.py) on small hand-made caches."""

import os
from datetime import datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from rasl_data.analytics import periods, weekly_review

PAGE = os.path.join(os.path.dirname(__file__), "..", "pages", "weekly.py")


@pytest.fixture
def page_env(monkeypatch, tmp_path):
    """Point the dashboard's settings at a test cache (no secrets.toml, no user environment)."""
    for key in list(os.environ):
        if key.startswith("RASL_"):
            monkeypatch.delenv(key)
    monkeypatch.setattr("rasl_data.settings.DEFAULT_SECRETS_PATH", tmp_path / "absent-secrets.toml")
    monkeypatch.setenv("RASL_TIMEZONE", "UTC")
    monkeypatch.setenv("RASL_WEEK_START", "monday")

    def use(reader):
        monkeypatch.setenv("RASL_CACHE_PATH", str(reader.path))

    return use


def noon(d):
    return datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc)


def run_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def test_page_shows_the_last_complete_week_against_the_one_before(make_cache, page_env):
    last, _ = periods.last_complete_weeks(periods.today_in("UTC"), 1, "monday")
    prev = last - timedelta(days=7)
    contacts = ([{"source_id": 1, "created_at": noon(last + timedelta(days=i % 7))} for i in range(7)]
                + [{"source_id": 1, "created_at": noon(prev + timedelta(days=1))} for _ in range(3)]
                + [{"source_id": None, "created_at": noon(last)}])
    reader = make_cache(sources=[{"id": 1, "name": "Instagram / Ramadan"}],
                        contacts=[dict(c, id=i + 1) for i, c in enumerate(contacts)])
    page_env(reader)
    at = run_page()

    assert at.title[0].value == "Weekly review"
    new = metric(at, "New contacts")
    assert new.value == "8"  # 7 from Instagram + 1 without a source
    assert new.delta == "+5 (+167%)"  # against 3 the week before
    assert metric(at, "Unattributed share").value == "12.5%"  # 1 of 8
    summary = at.code[0].value
    assert summary.splitlines()[0] == f"Weekly review: {weekly_review.week_label(last, last + timedelta(days=6))} (UTC)"
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download weekly pack (.zip)" in labels
    assert {"New contacts per day by source (CSV)", "Movers by source (CSV)", "This week in numbers (CSV)"} <= set(labels)
    assert any("(last complete week)" in c.value for c in at.caption)

    # Picking a day of the week before reviews that week instead.
    at.date_input(key="wk_date").set_value(prev + timedelta(days=3)).run()
    assert not at.exception
    assert metric(at, "New contacts").value == "3"
    assert not any("(last complete week)" in c.value for c in at.caption)


def test_page_on_an_empty_cache_says_so_plainly(make_cache, page_env):
    page_env(make_cache())
    at = run_page()
    assert metric(at, "New contacts").value == "0"
    assert any("No new contacts in this week or the 4 weeks before" in i.value for i in at.info)
    assert any("Up: no source went up this week." in c.value for c in at.caption)
    assert any("No source had its first contact ever this week." in c.value for c in at.caption)


def test_four_week_average_tile_shows_the_average_not_this_weeks_count(make_cache, page_env):
    # The tile showed this week's count (the same as New contacts) instead of the average it compares with.
    last, _ = periods.last_complete_weeks(periods.today_in("UTC"), 1, "monday")
    contacts = ([{"source_id": 1, "created_at": noon(last + timedelta(days=i % 7))} for i in range(9)]
                + [{"source_id": 1, "created_at": noon(last - timedelta(days=7 * w + 3))}
                   for w, n in ((1, 3), (2, 2), (3, 1), (4, 0)) for _ in range(n)])
    page_env(make_cache(sources=[{"id": 1, "name": "Instagram / Ramadan"}],
                        contacts=[dict(c, id=i + 1) for i, c in enumerate(contacts)]))
    at = run_page()
    assert metric(at, "New contacts").value == "9"
    tile = metric(at, "4-week average")
    assert tile.value == "1.5"  # (3 + 2 + 1 + 0) / 4, by hand
    assert tile.delta == "+8 (+500%)"  # 9 against 1.5: +7.5, rounded to +8; 7.5 / 1.5 = +500%
    assert not [m for m in at.metric if m.label == "vs 4-week average"]
    assert any("spikes and drops: **" in c.value for c in at.caption)
