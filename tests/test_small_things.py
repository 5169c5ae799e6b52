"""Small things a new user meets: the conversion note on a new workspace, a wrong token on an
empty cache, and the freshness badge right after Sync now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from apptest_support import (
    APP,
    CUSTOM_QP,
    START,
    TIMEOUT,
    assert_clean,
    at_utc,
    make_workspace,
    run_app,
    small_tables,
)
from markup import rendered_text
from streamlit.testing.v1 import AppTest

from rasl_data.emulator import EmulatorApp, empty_tenant

TOKEN = "wm_" + "s" * 60


pytestmark = pytest.mark.usefixtures("isolated")  # conftest.py: off ~/.cache, app.py on every run


def alerts(at) -> str:
    return " | ".join(rendered_text(e.value) for e in [*at.error, *at.warning, *at.info, *at.success])


NOTE = "Days to convert fill in as the next syncs see leads turn into customers."


def test_conversion_on_a_new_workspace_says_days_to_convert_fill_in_with_later_syncs(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="new.duckdb", **small_tables())  # no observed change yet
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    at = run_app(CUSTOM_QP, "pages/conversion.py")
    assert_clean(at)
    assert NOTE in alerts(at)
    assert {m.label: m.value for m in at.metric}["Median days to convert"] == "–"


def test_conversion_note_is_gone_once_a_conversion_was_observed(tmp_path, make_cache):
    from ui import context

    tables = small_tables()
    # contact 3 (WhatsApp, customer, created 2026-03-04) was seen turning customer two days later
    tables["contact_changes"] = [dict(contact_id=3, field="type", old_value="lead", new_value="customer",
                                      observed_at=at_utc(START + timedelta(days=4)), sync_run_id=1)]
    reader = make_cache(tmp_path, name="seen.duckdb", **tables)
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    at = run_app(CUSTOM_QP, "pages/conversion.py")
    assert_clean(at)
    assert NOTE not in alerts(at)
    assert {m.label: m.value for m in at.metric}["Median days to convert"] == "2.0"


def test_wrong_token_on_an_empty_cache_says_what_to_fix_shows_no_delta_and_claims_no_kept_data(tmp_path):
    from ui import context

    app = EmulatorApp(empty_tenant(as_of=datetime(2026, 3, 1, tzinfo=timezone.utc)), rate_limit_per_minute=None)
    app.add_token(TOKEN)
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, tmp_path / "empty.duckdb", token="wm_" + "w" * 60,
                                                transport=app.transport())
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in CUSTOM_QP.items():
        at.query_params[k] = v
    at.run()  # the first visit runs the first sync by itself: refused (401)
    assert not at.exception
    text = alerts(at)
    assert "Nothing has been loaded yet" in text and "RASL_API_TOKEN" in text
    assert "previous data is kept" not in text
    # no green "+0": the KPI cards carry no change at all
    assert [m.delta for m in at.metric] == ["", "", ""]


def test_failed_sync_with_data_in_the_cache_still_says_the_previous_data_is_kept():
    from ui import sync_panel

    assert "The previous data is kept." in sync_panel.failure_text("The API token was refused.", True)
    assert "previous data" not in sync_panel.failure_text("The API token was refused.", False)


def test_sidebar_badge_says_synced_just_now_right_after_sync_now(tmp_path, make_cache):
    from ui import context

    tenant = empty_tenant(as_of=datetime(2026, 3, 1, tzinfo=timezone.utc))
    tenant.add_source("WhatsApp")
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    app.add_token(TOKEN)
    nine_min_ago = datetime.now(timezone.utc) - timedelta(minutes=9)
    reader = make_cache(tmp_path, name="badge.duckdb", sync_runs=[dict(
        id=1, started_at=nine_min_ago - timedelta(seconds=5), finished_at=nine_min_ago, mode="full",
        outcome="success", requests=3, rate_limit_waits=0, contacts_inserted=0, contacts_updated=0,
        contacts_deleted=0)])
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path, token=TOKEN, transport=app.transport())
    at = run_app(CUSTOM_QP, "pages/overview.py")
    badges = lambda: [m.value for m in at.sidebar.markdown if "-badge[" in m.value]  # noqa: E731
    assert any("synced 9 min ago" in b for b in badges())
    at.sidebar.button(key="sync_now").click().run()
    assert not at.exception
    assert any("synced just now" in b for b in badges()), badges()
    assert not any("9 min ago" in b for b in badges())


def test_sync_is_not_aborted_when_a_click_stops_the_run_that_draws_its_progress():
    """Streamlit stops a busy run when the user clicks elsewhere; the progress bar's next call
    then raises. The sync must carry on (its progress is simply no longer drawn)."""
    from streamlit.runtime.scriptrunner import StopException

    from rasl_data.cache.sync import SyncProgress
    from ui import sync_panel

    class StoppedBar:
        calls = 0

        def progress(self, *_a, **_k):
            StoppedBar.calls += 1
            raise StopException()

    update = sync_panel._progress_callback(StoppedBar())
    for phase in ("sources", "contacts", "saving"):
        update(SyncProgress(phase))  # does not raise into the sync
    assert StoppedBar.calls == 1  # not drawn again once the run was stopped


def test_second_sync_click_made_while_the_first_ran_is_a_repeat_a_later_click_is_not():
    from ui import forms

    changes = forms.SessionChanges()
    changes.done = forms.Outcome("sync", "success", "Synced", key="auto", at=100.0)
    assert forms.recent(changes, "sync", "auto", clicked_at=99.5) is changes.done  # clicked during the sync
    assert forms.recent(changes, "sync", "auto", clicked_at=100.5) is None  # clicked after it: sync again
    assert forms.recent(changes, "sync", "full", clicked_at=99.5) is None  # another kind of sync


def test_weekly_page_on_an_empty_cache_shows_no_change_arrows(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="empty-weekly.duckdb")
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    at = run_app(None, "pages/weekly.py")
    assert not at.exception
    assert {m.label: m.delta for m in at.metric} == {"New contacts": "", "4-week average": "",
                                                     "Unattributed share": "", "Active sources": ""}
