"""Channel rules and source labels edited in two sessions on one cache file, and saved twice.

Two ``AppTest`` sessions run the Campaigns & channels page on the same workspace (one cache
file). AppTest cannot type into a data editor, so an edit is seeded the way Streamlit stores it:
the editor's cell-edit state (``edited_rows`` / ``added_rows`` / ``deleted_rows``) under its key.
"""

from __future__ import annotations

import pandas as pd
import pytest
from apptest_support import CUSTOM_QP, assert_clean, make_workspace, run_app, small_tables

from rasl_data.access import LOCAL_ACTOR
from rasl_data.analytics import attribution
from rasl_data.cache import audit

PAGE = "pages/campaigns.py"
PROMO = {"pattern": "promo", "match": "contains", "channel": "Offline"}
GONE = {"pattern": "ramadan", "match": "contains", "channel": "Seasonal"}


pytestmark = pytest.mark.usefixtures("isolated")  # conftest.py: off ~/.cache, app.py on every run


@pytest.fixture
def ws(tmp_path, make_cache):
    from ui import context

    reader = make_cache(tmp_path, name="two.duckdb", **small_tables())
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    return context.WORKSPACE_OVERRIDE


def editor_key(at, name: str) -> str:
    return f"{name}_{at.session_state[f'_{name}_edit']['gen']}"


def add_rule(at, rule: dict) -> None:
    """Seed the edit "add ``rule`` at the end" in the rules editor of ``at`` and rerun."""
    at.session_state[editor_key(at, "rules")] = {"edited_rows": {}, "added_rows": [dict(rule)], "deleted_rows": []}
    at.run()


def set_label(at, row: int, channel: str) -> None:
    at.session_state[editor_key(at, "labels")] = {"edited_rows": {row: {"channel_override": channel}},
                                                 "added_rows": [], "deleted_rows": []}
    at.run()


def saved_rules(ws) -> list[tuple]:
    df = attribution.read_channel_rules(ws.reader)
    return list(zip(df["pattern"], df["match"], df["channel"]))


def rule_saves(ws) -> int:
    log = audit.read_log(ws.reader)
    return int((log["action"] == "channel_rules.save").sum())


def table_with(at, column: str) -> pd.DataFrame:
    """The first read-only table of the page that has ``column``."""
    return next(d.value for d in at.dataframe if d.editing_mode == "read_only" and column in d.value.columns)


def editors(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if d.editing_mode != "read_only"]


def texts(at) -> str:
    return " | ".join(e.value for e in [*at.warning, *at.success, *at.error, *at.info])


def test_rules_saved_in_another_session_keep_my_unsaved_edit_and_say_what_changed(ws):
    defaults = saved_rules(ws)
    me, other = run_app(CUSTOM_QP, PAGE), run_app(CUSTOM_QP, PAGE)
    add_rule(me, PROMO)
    assert me.button(key="rules_save")  # my edit shows its preview and Save

    add_rule(other, GONE)
    other.button(key="rules_save").click().run()
    assert_clean(other)
    assert saved_rules(ws) == defaults + [tuple(GONE.values())]

    me.run()  # my next rerun, after the other session saved
    assert_clean(me)
    assert "changed and saved elsewhere" in texts(me)
    # what changed underneath: the other session's rule, listed as added
    change = table_with(me, "Pattern")
    assert list(zip(change["Change"], change["Pattern"], change["Channel"])) == [("added", "ramadan", "Seasonal")]
    # my edit is still there (not saved), Save is held back until I choose
    assert me.session_state[editor_key(me, "rules")]["added_rows"] == [PROMO]
    assert not [b for b in me.button if b.key == "rules_save"]

    me.button(key="rules_reapply").click().run()
    assert_clean(me)
    assert "changed and saved elsewhere" not in texts(me)
    draft = editors(me)[0]
    assert list(zip(draft["pattern"], draft["channel"]))[-2:] == [("ramadan", "Seasonal"), ("promo", "Offline")]
    me.button(key="rules_save").click().run()
    assert_clean(me)
    assert saved_rules(ws) == defaults + [tuple(GONE.values()), tuple(PROMO.values())]


def test_rules_changed_underneath_can_be_discarded(ws):
    defaults = saved_rules(ws)
    me, other = run_app(CUSTOM_QP, PAGE), run_app(CUSTOM_QP, PAGE)
    add_rule(me, PROMO)
    add_rule(other, GONE)
    other.button(key="rules_save").click().run()
    me.run()
    me.button(key="rules_drop").click().run()
    assert_clean(me)
    assert not me.warning
    draft = editors(me)[0]
    assert list(zip(draft["pattern"], draft["match"], draft["channel"])) == defaults + [tuple(GONE.values())]
    assert saved_rules(ws) == defaults + [tuple(GONE.values())]


def test_rules_saved_elsewhere_without_my_edits_are_followed_quietly(ws):
    me, other = run_app(CUSTOM_QP, PAGE), run_app(CUSTOM_QP, PAGE)
    add_rule(other, GONE)
    other.button(key="rules_save").click().run()
    me.run()
    assert_clean(me)
    assert not me.warning
    draft = editors(me)[0]
    assert ("ramadan", "Seasonal") in list(zip(draft["pattern"], draft["channel"]))


@pytest.mark.parametrize("typed", [PROMO, {"pattern": " promo", "match": "contains", "channel": " Offline  "}],
                         ids=["as stored", "spaces the save trims"])
def test_save_rules_when_the_first_click_already_saved_them_reports_saved_once(ws, typed):
    """The second click of a double click runs after the first one saved the same rules (which
    the save stores trimmed: a rule typed with spaces is the same rule)."""
    at = run_app(CUSTOM_QP, PAGE)
    add_rule(at, typed)
    edited = pd.concat([attribution.read_channel_rules(ws.reader)[["pattern", "match", "channel"]],
                        pd.DataFrame([typed])], ignore_index=True)
    ws.save_channel_rules(edited, actor=LOCAL_ACTOR)  # what the first click's callback did
    at.button(key="rules_save").click().run()
    assert_clean(at)
    assert not at.warning
    assert [s.value for s in at.success if "saved" in s.value] == ["These rules are already saved."]
    assert rule_saves(ws) == 1  # saved once
    assert not [b for b in at.button if b.key == "rules_save"]  # the editor is ready for the next change


def test_labels_edit_survives_a_rules_save_in_another_session(ws):
    me, other = run_app(CUSTOM_QP, PAGE), run_app(CUSTOM_QP, PAGE)
    frame = editors(me)[1]
    row = list(frame["source"]).index("Old promo")
    set_label(me, row, "Events")
    assert me.button(key="labels_save")

    add_rule(other, PROMO)  # "Old promo" now gets channel Offline from the rules
    other.button(key="rules_save").click().run()

    me.run()
    assert_clean(me)
    assert "changed while you were editing" in texts(me)
    change = table_with(me, "What changed")
    assert list(change["Source"]) == ["Old promo"] and "channel now" in change["What changed"].iloc[0]
    assert not [b for b in me.button if b.key == "labels_save"]
    me.button(key="labels_reapply").click().run()
    assert_clean(me)
    me.button(key="labels_save").click().run()
    assert_clean(me)
    labels = attribution.read_source_labels(ws.reader)
    assert list(zip(labels["source_id"], labels["channel"])) == [(4, "Events")]


# --- the merge itself, on hand-made rule lists ----------------------------------------------------

A, B, C = ("a", "contains", "A"), ("b", "contains", "B"), ("c", "contains", "C")


def test_merge_rule_edits_keeps_their_changes_and_applies_mine():
    from rasl_data.analytics.rule_edits import merge_rule_edits, rule_changes

    base = [A, B]
    assert rule_changes(base, [A, B, C]) == ([], [C])
    # they appended D; I appended C: both kept, mine after theirs
    D = ("d", "regex", "D")
    assert merge_rule_edits(base, [A, B, C], [A, B, D]) == [A, B, D, C]
    # I changed B (remove + add in place); they removed A: B' goes where B was
    B2 = ("b", "contains", "B2")
    assert merge_rule_edits(base, [A, B2], [B]) == [B2]
    # I inserted C before B; they appended D: C stays before B
    assert merge_rule_edits(base, [A, C, B], [A, B, D]) == [A, C, B, D]
    # I removed a rule they removed too: nothing to do
    assert merge_rule_edits(base, [B], [B]) == [B]


def test_merge_label_edits_applies_mine_over_theirs_and_drops_deleted_sources():
    from rasl_data.analytics.rule_edits import merge_label_edits

    base = {1: (None, None), 2: ("X", None), 3: (None, None)}
    mine = {1: ("Events", None), 2: ("X", None), 3: (None, None)}
    theirs = {1: (None, "Eid"), 2: ("Y", None)}  # source 3 deleted
    assert merge_label_edits(base, mine, theirs) == {1: ("Events", None), 2: ("Y", None)}


# --- roles ---------------------------------------------------------------------------------------


def test_rules_refused_by_the_data_layer_say_so_and_keep_the_edit(ws, monkeypatch):
    from rasl_data.access import AccessDeniedError
    from rasl_data.cache import workspace

    def refuse(actor, action):
        raise AccessDeniedError("Your role does not allow changes. Ask an editor.", f"refused {action}")

    at = run_app(CUSTOM_QP, PAGE)
    add_rule(at, PROMO)
    monkeypatch.setattr(workspace, "require_editor", refuse)
    before = saved_rules(ws)
    at.button(key="rules_save").click().run()
    assert not at.exception
    assert any("Not changed: Your role does not allow changes" in e.value for e in at.error)
    assert at.session_state[editor_key(at, "rules")]["added_rows"] == [PROMO]  # the edit is kept
    assert at.button(key="rules_save")  # and can be saved once allowed
    assert saved_rules(ws) == before
    log = audit.read_log(ws.reader)
    assert list(log["outcome"])[:1] == ["refused"] and list(log["action"])[:1] == ["channel_rules.save"]


def test_viewer_sees_rules_and_labels_without_editing_and_a_note_why(ws, monkeypatch):
    from rasl_data.access import Actor
    from ui import context

    monkeypatch.setattr(context, "actor", lambda: Actor("ana@example.com", "viewer"))
    at = run_app(CUSTOM_QP, PAGE)
    assert_clean(at)
    from markup import rendered_text

    assert any("ana@example.com, a viewer" in rendered_text(i.value) for i in at.info)
    assert not [b for b in at.button if b.key in ("rules_save", "labels_save", "rules_restore")]
