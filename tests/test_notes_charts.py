"""Notes drawn on the time charts: texts shown literally, notes of one day in one label, labels
staggered so they do not overlap, spans shaded over the slots they touch, the weekly pack too.

Oracles: hand-written escaped texts, hand-placed label levels and slot edges."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pandas as pd
import pytest

from rasl_data.analytics import weekly_review
from rasl_data.outputs import chart_notes, weekly_pack
from rasl_data.outputs.weekly_figures import add_notes, weekly_figures
from ui import charts

DAYS = [date(2026, 3, 2 + i) for i in range(7)]  # Mon 2 .. Sun 8 March 2026


def daily_bars() -> "pd.DataFrame":
    return pd.DataFrame({"period_start": DAYS, "source": ["A"] * 7, "source_id": [1] * 7, "new_contacts": [3] * 7})


def notes_frame(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(kind=k, start=s, end=e, text=t, source_id=None) for k, s, e, t in rows],
                        columns=["kind", "start", "end", "text", "source_id"])


def labels(fig) -> list:
    return [a for a in fig.layout.annotations if a.name == "note-label"]


def shapes(fig, kind=None) -> list:
    return [s for s in fig.layout.shapes if (s.name or "").startswith("note-") and (kind is None or s.name == f"note-{kind}")]


def test_hostile_texts_stay_literal_in_labels_and_hover():
    fig = charts.stacked_bars(daily_bars(), x="period_start", y="new_contacts", colour="source", colour_keys="source_id")
    notes = notes_frame(("manual", DAYS[0], DAYS[0], "=1+1"), ("manual", DAYS[3], DAYS[3], "**x**"),
                        ("manual", DAYS[6], DAYS[6], "<b>bold</b> & <a href='x'>y</a>"))
    charts.add_annotations(fig, notes, DAYS, "day")
    texts = sorted(a.text for a in labels(fig))
    assert texts == sorted(["=1+1", "**x**", "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='x'&gt;y&lt;/a&gt;"])
    hovers = " | ".join(a.hovertext for a in labels(fig))
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='x'&gt;y&lt;/a&gt;" in hovers  # the whole text, escaped
    assert "<b>" not in hovers.replace("<br>", "")
    assert len(shapes(fig, "manual")) == 3


def test_two_notes_on_the_same_day_share_one_label_with_both_texts_in_its_hover():
    fig = charts.line_chart(daily_bars(), x="period_start", y="new_contacts")
    notes = notes_frame(("manual", DAYS[1], DAYS[1], "Launch of the new website and app"),
                        ("manual", DAYS[2], DAYS[2], "Price change"),
                        ("source_created", DAYS[2], DAYS[2], "Source created: Snap"))
    charts.add_annotations(fig, notes, DAYS, "day")
    got = labels(fig)
    assert len(got) == 2
    same_day = next(a for a in got if a.text == "2 notes")
    assert "Price change" in same_day.hovertext and "Source created: Snap" in same_day.hovertext
    assert same_day.hovertext.count("<br>") == 1
    positions = [(pd.Timestamp(a.x), a.y) for a in got]
    assert len(set(positions)) == len(positions)
    # The day before carries a label longer than a day's width (33 characters cut to 32, about 220 px
    # against 900 / 7 = 129 px a day): the two labels are drawn at different heights.
    long_label = next(a for a in got if a.text != "2 notes")
    assert long_label.text == "Launch of the new website and a…"
    assert long_label.y != same_day.y


def test_label_levels_by_hand():
    # Slots 0..6; labels at slots 0 (1.5 wide), 1 (1.5), 2 (0.5), 5 (0.5) and 6 (1.5, runs left).
    got = chart_notes.label_levels([0, 1, 2, 5, 6], [1.5, 1.5, 0.5, 0.5, 1.5], 7)
    assert got == [(0, "left"), (1, "left"), (0, "left"), (0, "left"), (1, "right")]


def test_more_labels_than_levels_reuse_the_level_freed_first():
    got = chart_notes.label_levels(list(range(7)), [10.0] * 7, 7)
    assert [lvl for lvl, _ in got][: chart_notes.MAX_LEVELS] == list(range(chart_notes.MAX_LEVELS))
    assert all(0 <= lvl < chart_notes.MAX_LEVELS for lvl, _ in got)


def test_a_span_is_shaded_over_the_slots_it_touches_and_notes_outside_are_left_out():
    slots = chart_notes.category_slots([(date(2026, 2, 2) + pd.Timedelta(days=7 * i).to_pytimedelta(),
                                         date(2026, 2, 8) + pd.Timedelta(days=7 * i).to_pytimedelta()) for i in range(5)])
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["a", "b", "c", "d", "e"], y=[1, 2, 3, 4, 5]))
    notes = notes_frame(("ramadan", date(2026, 2, 18), date(2026, 3, 19), "Ramadan 1447 AH"),
                        ("manual", date(2026, 1, 1), date(2026, 1, 1), "before the chart"),
                        ("eid", date(2026, 2, 3), date(2026, 2, 4), "inside one week"))
    chart_notes.add_notes(fig, notes, slots)
    rect = shapes(fig, "ramadan")[0]
    assert (rect.type, rect.x0, rect.x1) == ("rect", 1.5, 4.5)  # weeks of 16 Feb (index 2) to 2 Mar (index 4)
    line = shapes(fig, "eid")[0]
    assert (line.type, line.x0, line.x1) == ("line", 0, 0)  # a span inside one slot is a line through it
    assert not shapes(fig, "manual")
    assert sorted(a.text for a in labels(fig)) == ["Ramadan 1447 AH", "inside one week"]


def test_weekly_period_slots_cover_each_week():
    starts = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
    slots = chart_notes.period_slots(starts, "week")
    assert [(s.first, s.last) for s in slots] == [(date(2026, 3, 2), date(2026, 3, 8)), (date(2026, 3, 9), date(2026, 3, 15)),
                                                  (date(2026, 3, 16), date(2026, 3, 22))]
    # Edges half way between the bars' centres (3.5 days either side of a Monday).
    assert pd.Timestamp(slots[1].left) == pd.Timestamp("2026-03-05 12:00")
    assert pd.Timestamp(slots[1].right) == pd.Timestamp("2026-03-12 12:00")


@pytest.fixture
def review(make_cache, tmp_path):
    from apptest_support import small_tables

    db = make_cache(tmp_path, name="weekly.duckdb", **small_tables(),
                    annotations=[dict(id=1, start=date(2026, 3, 4), end=None, text="<b>Flash sale</b>",
                                      created_at="2026-03-01T10:00:00+00:00", created_by="cli",
                                      updated_at="2026-03-01T10:00:00+00:00", updated_by="cli")])
    return db, weekly_review.weekly_review(db, date(2026, 3, 2), "UTC", "monday", date(2026, 3, 20))


def test_weekly_charts_carry_the_notes(review):
    db, r = review
    from rasl_data.analytics import notes as auto

    figures = weekly_figures(r)
    add_notes(figures, r, auto.notes(db, r.baseline_start, r.week_end))
    weeks, daily = figures["weekly_new_contacts"], figures["daily_new_contacts_by_source"]
    # The week 2-8 March lies inside Ramadan 1447 (18 Feb .. 19 Mar): shaded over all 7 days.
    assert {a.text for a in labels(daily)} == {"&lt;b&gt;Flash sale&lt;/b&gt;", "Ramadan 1447 AH"}
    assert (shapes(daily, "ramadan")[0].x0, shapes(daily, "ramadan")[0].x1) == (-0.5, 6.5)
    flash = next(s for s in shapes(daily, "manual"))
    assert (flash.x0, flash.x1) == (2, 2)  # Wednesday 4 March is the week's third day
    assert any(a.text == "Ramadan 1447 AH" for a in labels(weeks))  # 18 Feb .. 19 Mar over the 5 weeks
    ramadan = shapes(weeks, "ramadan")[0]
    assert (ramadan.x0, ramadan.x1) == (1.5, 4.5)  # weeks of 16 Feb, 23 Feb, 2 Mar (baseline from 2 Feb)
    assert list(weeks.layout.xaxis.categoryarray) == ["02 Feb", "09 Feb", "16 Feb", "23 Feb", "02 Mar"]


def test_weekly_pack_html_shows_the_notes(review):
    db, r = review
    pack = weekly_pack.build_weekly_pack(db, review=r, images=False)
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        html = next(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".html"))
    assert "Ramadan 1447 AH" in html
    assert '"text":"&lt;b&gt;Flash sale&lt;\\u002fb&gt;"' in html  # plotly writes "/" as \u002f in its JSON
    assert "<b>Flash sale</b>" not in html


def test_weekly_charts_in_arabic_keep_one_set_of_categories_for_bars_and_notes(review):
    """Regression: the notes pinned the category order with English labels ("02 Mar"), so in Arabic
    the axis held the English days beside the Arabic bars' days."""
    from babel.dates import get_day_names, get_month_names

    from rasl_data import i18n
    from rasl_data.analytics import notes as auto

    db, r = review
    with i18n.use("ar"):
        figures = weekly_figures(r)
        add_notes(figures, r, auto.notes(db, r.baseline_start, r.week_end))
    march = get_month_names("wide", locale="ar")[3]
    monday = get_day_names("wide", locale="ar")[0]
    weeks, daily = figures["weekly_new_contacts"], figures["daily_new_contacts_by_source"]
    assert list(weeks.layout.xaxis.categoryarray)[-1] == f"2 {march}"
    assert list(daily.layout.xaxis.categoryarray)[0] == f"{monday} 2 {march}"
    bar_days = {x for trace in daily.data if trace.type == "bar" for x in trace.x}
    assert bar_days <= set(daily.layout.xaxis.categoryarray)
