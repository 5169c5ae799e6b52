"""The Audit log page: every change with who, when and outcome; filters by person, action and outcome."""

from __future__ import annotations

import pytest
from apptest_support import APP, TIMEOUT, make_workspace
from streamlit.testing.v1 import AppTest

from rasl_data.access import AccessDeniedError, Actor
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

EDITOR = Actor("maha@shop.example", "editor")
VIEWER = Actor("sara@shop.example", "viewer")

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    from ui import context

    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    app = EmulatorApp(make_demo_tenant(n_contacts=120, seed=4), rate_limit_per_minute=None)
    workspace = make_workspace(tmp_path, tmp_path / "c.duckdb", token=DEMO_TOKEN, transport=app.transport())
    workspace.sync()
    context.WORKSPACE_OVERRIDE = workspace
    return workspace


def open_audit() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_first_sync_tried"] = True
    at.run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_empty_log_says_so(ws):
    at = open_audit()
    assert at.title[0].value == "Audit log"
    assert not at.dataframe
    assert any("No change has been made yet." in m.value for m in [*at.markdown, *at.caption, *at.info])


def test_changes_are_listed_newest_first_and_filter(ws):
    created = ws.create_source("=Snap / Eid", actor=EDITOR)
    with pytest.raises(AccessDeniedError):
        ws.delete_source(created.source_id, actor=VIEWER)
    at = open_audit()
    table = at.dataframe[0].value
    assert list(table["Person"]) == ["sara@shop.example", "maha@shop.example"]
    assert list(table["Action"]) == ["Delete source", "Create source"]
    assert list(table["Outcome"]) == ["Refused", "Done"]
    assert list(table["Object"]) == ["=Snap / Eid", "=Snap / Eid"]  # literal, as typed
    assert table["Message"].iloc[0].startswith("sara@shop.example is a viewer")

    at.selectbox(key="au_actor").set_value("maha@shop.example").run()
    assert list(at.dataframe[0].value["Action"]) == ["Create source"]
    at.selectbox(key="au_actor").set_value(None).run()
    at.segmented_control(key="au_outcome").set_value("refused").run()
    assert list(at.dataframe[0].value["Person"]) == ["sara@shop.example"]
