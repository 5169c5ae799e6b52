"""AppTest runs of every dashboard page on a small hand-counted cache.

Each test builds its own cache under ``tmp_path`` (``make_cache``) and injects a ``Workspace`` on
it through ``ui.context.WORKSPACE_OVERRIDE``; no test reads ``~/.cache`` or the network.

The cache (UTC, weeks start Monday), range 2026-03-02..08 vs the previous week 2026-02-23..03-01:

=====================================  ===========================  ============================
source                                 this week                    previous week
=====================================  ===========================  ============================
1 WhatsApp                             3 (2 lead, 1 customer)       2 (2 lead)
2 Instagram / Ramadan offer            2 (1 customer, 1 lead)       2 (1 customer, 1 lead)
3 واتساب / عروض رمضان                  1 (guest)                    0
no source                              1 (lead)                     0
5 Gone (deleted in RASL)               1 (lead) → Unattributed      0
4 Old promo                            0 (one contact 2026-01-10)   0
=====================================  ===========================  ============================

So this week: 8 new contacts (+4, +100.0 %), 2 unattributed (25.0 %, +25.0 pts), 2 customers
(25.0 %, no change).
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import date

import pytest
from apptest_support import (
    ARABIC,
    CUSTOM_QP,
    END,
    PAGES,
    ROOT,
    START,
    assert_clean,
    make_workspace,
    metrics,
    run_app,
    small_tables,
)

from rasl_data.analytics import acquisition, conversion

pytestmark = pytest.mark.usefixtures("isolated")

@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(small_ws, page):
    at = run_app(CUSTOM_QP, page)
    assert_clean(at)
    assert at.title, page


def test_overview_kpis_match_hand_count_and_analytics(small_ws):
    at = run_app(CUSTOM_QP)
    assert_clean(at)
    m = metrics(at)
    assert m["New contacts"] == ("8", "+4 (+100.0%)")
    assert m["Unattributed share"] == ("25.0%", "+25.0 pts")
    assert m["Conversion rate"] == ("25.0%", "no change")
    k = acquisition.kpis(small_ws.reader, acquisition.Filters(START, END), "previous")
    assert k.new_contacts.value == 8 and k.new_contacts.previous == 4
    assert k.unattributed_share.value == pytest.approx(0.25)


def test_overview_top_sources_table_has_names_counts_and_arabic(small_ws):
    at = run_app(CUSTOM_QP)
    table = at.dataframe[0].value
    counts = dict(zip(table["Source"], table["New contacts"]))
    assert counts["WhatsApp"] == 3
    assert counts["Instagram / Ramadan offer"] == 2
    assert counts[ARABIC] == 1
    assert counts["Unattributed"] == 2
    assert "Old promo" not in counts  # no contacts in the range nor the previous week


def test_query_string_reproduces_the_view(small_ws):
    qp = dict(CUSTOM_QP, src="1,2", compare="none", gran="week")
    at = run_app(qp)
    assert_clean(at)
    assert at.session_state["f_preset"] == "custom"
    assert at.session_state["f_sources"] == [1, 2]
    assert at.session_state["f_compare"] == "none"
    assert at.session_state["f_gran"] == "week"
    m = metrics(at)
    assert m["New contacts"][0] == "5"
    assert not m["New contacts"][1]  # no comparison, no delta
    assert at.query_params["src"] == "1,2" or at.query_params["src"] == ["1,2"]


def test_unknown_values_in_the_link_are_ignored(small_ws):
    at = run_app(dict(CUSTOM_QP, src="1,999,abc", ch="Nope", gran="year", compare="bogus"))
    assert_clean(at)
    assert at.session_state["f_sources"] == [1]
    assert at.session_state["f_channels"] == []
    assert at.session_state["f_gran"] == "week"
    assert at.session_state["f_compare"] == "previous"


def test_source_filter_with_superscript_digit_in_url_does_not_crash(small_ws):
    # "²".isdigit() is True but int("²") raises: the page used to die with a ValueError.
    at = run_app(dict(CUSTOM_QP, src="²,1,٣"))
    assert_clean(at)
    assert at.session_state["f_sources"] == [1]
    assert metrics(at)["New contacts"][0] == "3"


@pytest.mark.parametrize("qp", [
    {"range": "custom", "start": "9999-12-01", "end": "9999-12-31", "compare": "none"},
    {"range": "custom", "start": "0001-01-01", "end": "9999-12-31"},
    {"range": "custom", "start": "0001-01-10", "end": "0001-02-01"},
    {"range": "custom", "start": "20260302", "end": "2026-W10-7"},
])
def test_custom_range_with_unsupported_dates_in_url_falls_back_to_the_default_range(small_ws, qp):
    # These raised OverflowError (date value out of range) in periods.utc_window / comparison_range.
    for page in ("pages/overview.py", "pages/sources.py"):
        at = run_app(qp, page)
        assert_clean(at)
        assert at.session_state["f_preset"] == "last 12 complete weeks"
        assert "start" not in at.query_params and "9999" not in str(dict(at.query_params))


def test_daily_granularity_over_decades_in_url_is_shown_by_month_not_a_crash(small_ws):
    at = run_app({"range": "custom", "start": "1950-01-01", "end": "2026-03-08", "gran": "day"})
    assert_clean(at)
    assert any("too long to show by day: shown by month" in c.value for c in at.sidebar.caption)
    assert metrics(at)["New contacts"][0] == "13"  # every contact of the cache


def test_filters_persist_across_pages(small_ws):
    at = run_app(dict(CUSTOM_QP, src="1"))
    at.switch_page("pages/sources.py").run()
    assert_clean(at)
    assert at.session_state["f_sources"] == [1]
    table = at.dataframe[0].value
    assert list(table["Source"]) == ["WhatsApp"]
    at.switch_page("pages/conversion.py").run()
    assert metrics(at)["New contacts"][0] == "3"


def test_source_filter_unattributed_sentinel(small_ws):
    at = run_app(dict(CUSTOM_QP, src="u"))
    assert_clean(at)
    assert metrics(at)["New contacts"][0] == "2"


def test_sources_page_table_matches_source_table(small_ws):
    at = run_app(CUSTOM_QP, "pages/sources.py")
    assert_clean(at)
    shown = at.dataframe[0].value
    expected = acquisition.source_table(small_ws.reader, acquisition.Filters(START, END), "previous")
    assert list(shown["Source"]) == list(expected["source"])
    assert list(shown["All-time contacts"]) == list(expected["all_time_contacts"])
    row = shown[shown["Source"] == "WhatsApp"].iloc[0]
    assert row["New contacts"] == 3 and row["All-time contacts"] == 5 and row["Channel"] == "WhatsApp"
    assert [b.label for b in at.button if b.label in ("Create source", "Rename source", "Delete source")] == [
        "Create source", "Rename source", "Delete source"]


def test_read_only_hides_the_source_forms(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="ro.duckdb", **small_tables())
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path, read_only=True)
    at = run_app(CUSTOM_QP, "pages/sources.py")
    assert_clean(at)
    assert not [b for b in at.button if b.label in ("Create source", "Rename source", "Delete source")]
    assert not [t for t in at.text_input if t.label == "Source name"]
    assert any("read-only" in i.value for i in at.info)


def test_conversion_page_numbers_match_analytics(small_ws):
    at = run_app(CUSTOM_QP, "pages/conversion.py")
    assert_clean(at)
    m = metrics(at)
    assert m["New contacts"][0] == "8"
    assert m["Customers now"][0] == "2"
    assert m["Conversion rate"][0] == "25.0%"
    table = at.dataframe[0].value
    expected = conversion.conversion(small_ws.reader, acquisition.Filters(START, END), "source")
    assert list(table["Source"]) == list(expected["source"])
    row = table[table["Source"] == "Instagram / Ramadan offer"].iloc[0]
    assert row["Customers now"] == 1 and row["Conversion rate"] == pytest.approx(50.0)


def test_campaigns_page_lists_campaigns_groups_note_and_unmapped(small_ws):
    at = run_app(CUSTOM_QP, "pages/campaigns.py")
    assert_clean(at)
    headers = [h.value for h in at.subheader]
    assert any(h.startswith("To do: unmapped sources (1)") for h in headers)  # "Old promo"
    at.segmented_control(key="cc_by").set_value("campaign").run()
    assert_clean(at)
    campaign_table = at.dataframe[0].value
    assert set(campaign_table["Campaign"]) >= {"Ramadan offer", "عروض رمضان", "Unattributed"}
    at.segmented_control(key="cc_by").set_value("group").run()
    assert_clean(at)
    assert any("counts once in each group" in i.value for i in at.info)
    groups = at.dataframe[0].value
    assert dict(zip(groups["Group"], groups["New contacts"]))["VIP"] == 2  # contacts 1 and 4


def test_health_page_shows_silent_source_and_sync_log(small_ws):
    at = run_app(CUSTOM_QP, "pages/health.py")
    assert_clean(at)
    frames = [d.value for d in at.dataframe]
    silent = next(f for f in frames if "Days silent" in f.columns)
    assert "Old promo" in set(silent["Source"])
    log = next(f for f in frames if "Outcome" in f.columns)
    assert list(log["Outcome"]) == ["success"]


def test_settings_page_never_shows_the_token(tmp_path, make_cache):
    from ui import context

    secret = "wm_" + "s3cr3t" * 10
    reader = make_cache(tmp_path, name="tok.duckdb", **small_tables())
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path, token=secret)
    at = run_app(CUSTOM_QP, "pages/settings.py")
    assert_clean(at)
    values = " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())
    assert "set (never shown)" in values
    assert secret not in values
    assert secret not in str(at._tree)
    assert {m.label for m in at.metric} >= {"Time zone", "Weeks start on"}


def test_empty_cache_shows_empty_states_not_errors(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="empty.duckdb")
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    for page in PAGES:
        at = run_app(CUSTOM_QP, page)
        assert_clean(at)
    at = run_app(CUSTOM_QP)
    assert any("No new contacts" in i.value for i in at.info)


def test_chart_click_maps_the_clicked_bar_to_its_source():
    import pandas as pd

    from ui import charts, widgets

    acq = pd.DataFrame({"period_start": [START, START, START], "source_id": pd.array([1, None, 3], dtype="Int64"),
                        "source": ["WhatsApp", "Unattributed", ARABIC], "new_contacts": [5, 2, 1]})
    fig = charts.stacked_bars(acq, x="period_start", y="new_contacts", colour="source", colour_keys="source_id")
    charts.add_comparison_line(fig, [START], [4], "Total, previous period")
    keys = widgets.trace_keys(fig)
    # Streamlit's bar events carry curve_number but no customdata: the trace decides.
    def event(*curves):
        return {"selection": {"points": [{"curve_number": c, "point_number": 0, "x": "2026-03-02", "y": 1}
                                         for c in curves]}}
    assert widgets.selected_chart_keys(event(0), keys) == [1]
    assert widgets.selected_chart_keys(event(1), keys) == [None]  # Unattributed
    assert widgets.selected_chart_keys(event(2), keys) == [3]
    assert widgets.selected_chart_keys(event(3), keys) == []  # the comparison line is not a source
    assert widgets.selected_chart_keys({"selection": {"points": [{"customdata": ["Instagram"]}]}}) == ["Instagram"]
    assert widgets.selected_chart_keys(None) == []
    assert widgets.selected_chart_keys(event(0)) == []  # no customdata, no trace keys: nothing picked


def test_csv_file_name_is_date_stamped():
    from ui import filters, widgets

    view = filters.View(acquisition.Filters(START, END), "previous", "week", "custom")
    assert widgets.csv_file_name("top-sources", view) == "top_sources_2026-03-02_to_2026-03-08.csv"
    assert widgets.csv_file_name("sync-log", None, date(2026, 11, 29)) == "sync_log_2026-11-29.csv"


def test_csv_download_is_excel_safe_and_does_not_rerun(small_ws):
    at = run_app(CUSTOM_QP, "pages/sources.py")
    buttons = [b for b in at.get("download_button")]
    assert buttons, "no download button"
    for b in buttons:
        assert b.proto.ignore_rerun, b.proto.label  # a download never reruns (resets) the page
    assert all(b.proto.label.startswith("Download") for b in buttons)


def test_pages_do_not_import_duckdb_or_httpx_or_hold_sql():
    for folder in ("pages", "ui"):
        for path in (ROOT / folder).glob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import duckdb" not in text and "import httpx" not in text, path
            assert "SELECT " not in text, path


def test_every_table_download_of_every_page_builds_a_csv_and_a_matching_xlsx(small_ws, monkeypatch):
    # Click every download button of every page: the Excel file must build and hold the same
    # table as the CSV (same header, same number of rows), whatever the page put in it.
    import openpyxl
    import streamlit as st

    offered = []
    real = st.download_button

    def record(label, data, **kw):
        offered.append((label, data, kw))
        return real(label, data, **kw)

    monkeypatch.setattr(st, "download_button", record)
    for page in PAGES:
        run_app(CUSTOM_QP, page)
    tables = [(label, data, kw) for label, data, kw in offered if kw.get("file_name", "").endswith((".csv", ".xlsx"))]
    csvs = {kw["key"]: (label, data) for label, data, kw in tables if kw["file_name"].endswith(".csv")}
    xlsxs = {kw["key"][: -len("_xlsx")]: (label, data) for label, data, kw in tables if kw["file_name"].endswith(".xlsx")}
    assert len(csvs) >= 10 and set(csvs) == set(xlsxs)  # every CSV button has its Excel twin
    for key, (_, make_csv) in csvs.items():
        raw = make_csv() if callable(make_csv) else make_csv
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        ws = openpyxl.load_workbook(io.BytesIO(xlsxs[key][1]())).active
        got = [[c.value for c in row] for row in ws.iter_rows()]
        assert got[0] == rows[0], key  # page tables have plain headers
        assert len(got) == len(rows), key


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-p", "no:xdist"]))
