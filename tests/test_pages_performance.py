"""AppTest runs of the Performance page, the pacing on Overview and the conversion definition on
Settings, on the hand-counted cache of ``test_app_pages`` plus spend and targets."""

from __future__ import annotations

import pytest
from apptest_support import CUSTOM_QP, assert_clean, make_workspace, metrics, run_app, small_tables

from rasl_data.access import CLI_ACTOR
from rasl_data.analytics import spend
from rasl_data.cache import audit

# 2026-03-02..08 (7 days): WhatsApp 3 contacts (1 customer, status Won), Instagram / Ramadan offer 2
# (1 customer); spend WhatsApp 310 over March (10 a day → 70), campaign "Ramadan offer" 140 over
# 2026-03-01..14 (10 a day → 70): 140 in the week; 8 new contacts → 17.50 per lead, 2 customers → 70.
SPEND = [("2026-03-01", "2026-03-31", "source", "WhatsApp", 310.0),
         ("2026-03-01", "2026-03-14", "campaign", "Ramadan offer", 140.0)]


pytestmark = pytest.mark.usefixtures("isolated")  # conftest.py: off ~/.cache, app.py on every run


def workspace(tmp_path, make_cache, read_only=False):
    from ui import context

    tables = small_tables()
    tables["spend"] = [dict(id=i + 1, start=s, end=e, level=lv, name=n, amount=a, source_id=1 if lv == "source" else None)
                       for i, (s, e, lv, n, a) in enumerate(SPEND)]
    reader = make_cache(tmp_path, name="perf.duckdb", **tables)
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path, read_only=read_only)
    return context.WORKSPACE_OVERRIDE


def test_performance_page_shows_hand_counted_costs(tmp_path, make_cache):
    workspace(tmp_path, make_cache)
    at = run_app(CUSTOM_QP, "pages/performance.py")
    assert_clean(at)
    m = metrics(at)
    assert m["Spend"][0] == "140" and m["Cost per lead"][0] == "17.50" and m["Cost per customer"][0] == "70.00"
    assert m["Customers"][0] == "2" and m["Conversion rate"][0] == "25.0%"
    table = at.dataframe[0].value.set_index("Source")
    assert table.loc["WhatsApp", "Spend"] == pytest.approx(70.0)
    assert table.loc["WhatsApp", "Cost per lead"] == pytest.approx(70 / 3)
    assert table.loc["Ramadan offer (campaign spend)", "Spend"] == pytest.approx(70.0)
    assert at.button(key="spend_save") is not None


def test_viewer_sees_spend_and_targets_without_any_change_control(tmp_path, make_cache):
    workspace(tmp_path, make_cache, read_only=True)
    at = run_app(CUSTOM_QP, "pages/performance.py")
    assert_clean(at)
    keys = {b.key for b in at.button}
    assert not keys & {"spend_save", "targets_save", "spend_import", "targets_import"}
    assert any("Only editors can change spend." in c.value for c in at.caption)


def test_refused_month_of_spend_keeps_what_was_typed_and_saves_nothing(tmp_path, make_cache):
    ws = workspace(tmp_path, make_cache)
    at = run_app(CUSTOM_QP, "pages/performance.py")
    at.selectbox(key="spm_level").set_value("campaign")
    at.selectbox(key="spm_name").set_value("WhatsApp")  # a source, not a campaign
    at.number_input(key="spm_amount").set_value(250.0)
    next(b for b in at.button if b.label == "Add").click().run()
    assert any("was not saved" in e.value for e in at.error)
    problems = [df.value for df in at.dataframe if "Problem" in df.value.columns][0]
    assert list(problems["Problem"]) == ["no campaign is named 'WhatsApp'"]
    assert at.selectbox(key="spm_level").value == "campaign" and at.number_input(key="spm_amount").value == 250.0
    assert len(spend.read_spend(ws.reader)) == 2


def test_overview_shows_pacing_of_the_month(tmp_path, make_cache):
    from rasl_data.analytics import periods

    ws = workspace(tmp_path, make_cache)
    month = periods.today_in("UTC").replace(day=1)
    import pandas as pd

    ws.save_targets(pd.DataFrame([{"month": month.strftime("%Y-%m"), "channel": "", "new_contacts": 100,
                                   "customers": None, "cost_per_lead": None}]), actor=CLI_ACTOR)
    at = run_app(CUSTOM_QP, "pages/overview.py")
    assert_clean(at)
    bars = [p for p in at.get("progress")]
    assert bars and "of target at" in bars[0].proto.text


def test_settings_changes_the_conversion_definition_for_every_page(tmp_path, make_cache):
    ws = workspace(tmp_path, make_cache)
    at = run_app(CUSTOM_QP, "pages/settings.py")
    assert_clean(at)
    at.radio(key="conv_kind").set_value("status")
    at.multiselect(key="conv_statuses").set_value(["Won"])
    next(b for b in at.button if b.label == "Save").click().run()
    assert_clean(at)
    assert ws.conversion_definition().text == "status:Won"
    row = audit.read_log(ws.reader).iloc[0]
    assert (row["action"], row["actor"], row["outcome"]) == ("settings.conversion", "local", "done")
    # In the hand-counted week every contact that is not a lead has status Won (id 2): the two
    # customers and the guest, so 3 of 8 count now.
    at = run_app(CUSTOM_QP, "pages/performance.py")
    assert "customer = status is Won" in at.caption[0].value
    assert metrics(at)["Customers"][0] == "3" and metrics(at)["Conversion rate"][0] == "37.5%"
    at = run_app(CUSTOM_QP, "pages/overview.py")
    assert metrics(at)["Conversion rate"][0] == "37.5%"


def test_weekly_review_shows_the_weeks_spend_by_channel(tmp_path, make_cache):
    from datetime import date

    workspace(tmp_path, make_cache)
    at = run_app(CUSTOM_QP, "pages/weekly.py")
    at.date_input(key="wk_date").set_value(date(2026, 3, 4)).run()
    assert_clean(at)
    table = [df.value for df in at.dataframe if "Channel" in df.value.columns and "Spend" in df.value.columns][0]
    table = table.set_index("Channel")
    # Channel WhatsApp: the WhatsApp source's 3 contacts and the Arabic WhatsApp campaign's 1 in 2..8 March;
    # spend 7 days × 10 = 70 → 17.50 per lead. The week before: 2 contacts and 1 March's 10 → 5 per lead.
    assert table.loc["WhatsApp", "New contacts"] == 4 and table.loc["WhatsApp", "Spend"] == pytest.approx(70.0)
    assert table.loc["WhatsApp", "Cost per lead"] == pytest.approx(17.5)
    assert table.loc["WhatsApp", "Cost per lead, before"] == pytest.approx(10 / 2)
