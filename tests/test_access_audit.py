"""The editor check and the audit log, on a workspace backed by the in-process emulator."""

from __future__ import annotations

import json

import pytest
from apptest_support import make_workspace

from rasl_data.access import CLI_ACTOR, AccessDeniedError, Actor, require_editor
from rasl_data.cache import audit, store
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant
from rasl_data.errors import ValidationError

EDITOR = Actor("maha@shop.example", "editor")
VIEWER = Actor("omar@shop.example", "viewer")


@pytest.fixture()
def ws(tmp_path):
    app = EmulatorApp(make_demo_tenant(n_contacts=200, seed=3), rate_limit_per_minute=None)
    workspace = make_workspace(tmp_path, tmp_path / "c.duckdb", token=DEMO_TOKEN, transport=app.transport())
    workspace.sync()
    return workspace


def test_require_editor_refuses_viewers_and_non_actors():
    require_editor(EDITOR, "source.create")  # no error
    with pytest.raises(AccessDeniedError, match="omar@shop.example is a viewer"):
        require_editor(VIEWER, "source.create")
    with pytest.raises(TypeError):
        require_editor("maha@shop.example", "source.create")
    with pytest.raises(ValueError):
        Actor("x@y.z", "admin")


def test_viewer_create_changes_nothing_and_is_logged_as_refused(ws):
    before = ws.reader.query("SELECT count(*) AS n FROM sources")["n"].iloc[0]
    with pytest.raises(AccessDeniedError):
        ws.create_source("Snap / Eid", actor=VIEWER)
    assert ws.reader.query("SELECT count(*) AS n FROM sources")["n"].iloc[0] == before
    with ws.client() as client:
        assert "Snap / Eid" not in {s.name for s in client.list_sources()}
    log = ws.audit_log()
    assert len(log) == 1
    row = log.iloc[0]
    assert (row.actor, row.role, row.action, row.outcome) == ("omar@shop.example", "viewer", "source.create", "refused")
    assert "viewer" in row.message


def test_editor_create_rename_delete_are_logged_with_before_and_after(ws):
    created = ws.create_source("Snap / Eid", actor=EDITOR)
    ws.rename_source(created.source_id, "Snap / Eid 2026", actor=EDITOR)
    ws.delete_source(created.source_id, actor=EDITOR)
    log = ws.audit_log().sort_values("id")
    assert list(log["action"]) == ["source.create", "source.rename", "source.delete"]
    assert set(log["outcome"]) == {"done"} and set(log["actor"]) == {"maha@shop.example"}
    assert set(log["object_id"]) == {str(created.source_id)}
    assert json.loads(log.iloc[1]["before"]) == {"name": "Snap / Eid"}
    assert json.loads(log.iloc[1]["after"]) == {"name": "Snap / Eid 2026"}
    assert log.iloc[2]["after"] is None or str(log.iloc[2]["after"]) in ("None", "nan")
    assert list(log["id"]) == [1, 2, 3]


def test_rasl_refusal_is_logged_with_its_message(ws):
    existing = ws.reader.query("SELECT name FROM sources WHERE deleted_at IS NULL LIMIT 1")["name"].iloc[0]
    with pytest.raises(ValidationError) as err:
        ws.create_source(existing, actor=EDITOR)
    row = ws.audit_log().iloc[0]
    assert row.outcome == "refused" and row.message == err.value.title and row.object_name == existing


def test_audit_log_survives_a_sync_and_filters(ws):
    ws.create_source("A / B", actor=EDITOR)
    with pytest.raises(AccessDeniedError):
        ws.create_source("C / D", actor=VIEWER)
    ws.sync()
    ws.sync(mode="full")
    assert len(ws.audit_log()) == 2
    assert list(ws.audit_log(outcome="refused")["object_name"]) == ["C / D"]
    assert list(ws.audit_log(actor="maha@shop.example")["object_name"]) == ["A / B"]


def test_viewer_rules_and_labels_are_refused_and_logged(ws):
    rules = ws.reader.query("SELECT pattern, match, channel FROM channel_rules ORDER BY position")
    with pytest.raises(AccessDeniedError):
        ws.save_channel_rules(rules.head(2), actor=VIEWER)
    with pytest.raises(AccessDeniedError):
        ws.save_source_labels([(1, "Referral", None)], actor=VIEWER)
    assert len(ws.reader.query("SELECT * FROM channel_rules")) == len(rules)
    assert ws.reader.query("SELECT * FROM source_labels").empty
    assert list(ws.audit_log()["outcome"]) == ["refused", "refused"]
    ws.save_source_labels([(1, "Referral", None)], actor=CLI_ACTOR)
    row = ws.audit_log().iloc[0]
    assert (row.action, row.actor, json.loads(row.after)) == ("source_labels.save", "cli",
                                                              {"channel": "Referral", "campaign": None})


def test_read_log_on_a_cache_without_the_table_is_empty(tmp_path):
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    con.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
    con.close()
    assert list(audit.read_log(store.Reader(path)).columns) == audit.COLUMNS
