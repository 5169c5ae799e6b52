"""The Notes page and the notes on the dashboard's charts (AppTest on the hand-counted small cache,
whose range is 2 - 8 March 2026, inside Ramadan 1447 = 18 Feb - 19 Mar 2026)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from apptest_support import CUSTOM_QP, assert_clean, run_app
from markup import rendered_text

from rasl_data.access import LOCAL_ACTOR, Actor

pytestmark = pytest.mark.usefixtures("isolated")
NOTES_PAGE = "pages/notes.py"


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def note_shapes(fig: dict) -> list[str]:
    return [s.get("name") for s in fig.get("layout", {}).get("shapes", []) if str(s.get("name", "")).startswith("note-")]


def note_labels(fig: dict) -> list[str]:
    return [a["text"] for a in fig.get("layout", {}).get("annotations", []) if a.get("name") == "note-label"]


def test_an_editor_adds_a_note_through_the_form(small_ws):
    from ui import context

    at = run_app(CUSTOM_QP, page=NOTES_PAGE)
    assert_clean(at)
    at.date_input(key="notes_add_date").set_value(date(2026, 3, 4))
    at.text_input(key="notes_add_text").input("Flash sale **x** <b>")
    at.button(key="notes_add").click()
    at.run()
    assert_clean(at)
    notes = context.WORKSPACE_OVERRIDE.annotations()
    assert [(r.start, r.end, r.text, r.created_by) for r in notes.itertuples()] == [
        (date(2026, 3, 4), None, "Flash sale **x** <b>", "local")]
    log = context.WORKSPACE_OVERRIDE.audit_log()
    assert log[["actor", "action", "outcome"]].values.tolist() == [["local", "annotation.add", "done"]]
    assert at.text_input(key="notes_add_text").value == ""
    assert any("Note #1 added" in rendered_text(s.value) for s in at.success)
    # The list shows it as typed, and the Overview's chart draws it literally.
    listed = at.dataframe[0].value
    assert "Flash sale **x** <b>" in set(listed.iloc[:, 3])
    at.switch_page("pages/overview.py").run()
    assert_clean(at)
    assert "Flash sale **x** &lt;b&gt;" in note_labels(figures(at)[0])


def test_a_rejected_note_keeps_what_was_typed(small_ws):
    from ui import context

    at = run_app(CUSTOM_QP, page=NOTES_PAGE)
    at.date_input(key="notes_add_date").set_value(date(2026, 3, 6))
    at.date_input(key="notes_add_end").set_value(date(2026, 3, 2))
    at.text_input(key="notes_add_text").input("Backwards span")
    at.button(key="notes_add").click()
    at.run()
    assert not at.exception
    assert context.WORKSPACE_OVERRIDE.annotations().empty
    assert at.text_input(key="notes_add_text").value == "Backwards span"
    assert any("before the start" in rendered_text(e.value) for e in at.error)


def test_a_viewer_sees_the_notes_but_no_form(small_ws, monkeypatch):
    from ui import context

    context.WORKSPACE_OVERRIDE.add_annotation(date(2026, 3, 3), "Written by an editor", actor=LOCAL_ACTOR)
    monkeypatch.setattr(context, "actor", lambda: Actor("ana@example.com", "viewer"))
    at = run_app(CUSTOM_QP, page=NOTES_PAGE)
    assert not at.exception
    assert not [t for t in at.text_input if t.key in ("notes_add_text", "notes_edit_text")]
    assert not [b for b in at.button if b.key in ("notes_add", "notes_edit", "notes_remove")]
    assert "Written by an editor" in set(at.dataframe[0].value.iloc[:, 3])
    note = " ".join(rendered_text(i.value) for i in at.info)
    assert "ana@example.com, a viewer" in note


def test_an_editor_edits_and_removes_a_note(small_ws):
    from ui import context

    ws = context.WORKSPACE_OVERRIDE
    note_id = ws.add_annotation(date(2026, 3, 3), "First text", actor=LOCAL_ACTOR)
    at = run_app(CUSTOM_QP, page=NOTES_PAGE)
    at.selectbox(key="notes_edit_id").set_value(note_id).run()
    assert at.text_input(key="notes_edit_text").value == "First text"  # the picked note is loaded
    at.text_input(key="notes_edit_text").input("Second text")
    at.button(key="notes_edit").click()
    at.run()
    assert_clean(at)
    assert list(ws.annotations()["text"]) == ["Second text"]
    at.selectbox(key="notes_remove_id").set_value(note_id).run()
    at.checkbox(key="notes_remove_ok").check().run()
    at.button(key="notes_remove").click()
    at.run()
    assert_clean(at)
    assert ws.annotations().empty
    assert ws.audit_log()["action"].tolist() == ["annotation.remove", "annotation.edit", "annotation.add"]


def test_kinds_switched_off_in_the_sidebar_leave_the_charts(small_ws):
    from ui import context

    context.WORKSPACE_OVERRIDE.add_annotation(date(2026, 3, 4), "Price change", actor=LOCAL_ACTOR)
    at = run_app(CUSTOM_QP)
    assert_clean(at)
    fig = figures(at)[0]
    assert {"note-ramadan", "note-manual"} <= set(note_shapes(fig))
    assert "Price change" in note_labels(fig)

    at.session_state["notes_kinds"] = ["source_created", "source_renamed", "eid", "sync_gap", "manual"]
    at.run()
    fig = figures(at)[0]
    assert "note-ramadan" not in note_shapes(fig) and "note-manual" in note_shapes(fig)

    at.session_state["notes_kinds"] = []
    at.run()
    assert note_shapes(figures(at)[0]) == [] and note_labels(figures(at)[0]) == []


def test_removing_a_note_removed_meanwhile_says_so(small_ws):
    from ui import context

    ws = context.WORKSPACE_OVERRIDE
    note_id = ws.add_annotation(date(2026, 3, 3), "Soon gone", actor=LOCAL_ACTOR)
    at = run_app(CUSTOM_QP, page=NOTES_PAGE)
    at.selectbox(key="notes_remove_id").set_value(note_id).run()
    at.checkbox(key="notes_remove_ok").check().run()
    ws.remove_annotation(note_id, actor=LOCAL_ACTOR)  # another editor, in another session
    at.button(key="notes_remove").click()
    at.run()
    assert not at.exception
    assert any(f"no note \\#{note_id}" in e.value or f"no note #{note_id}" in rendered_text(e.value) for e in at.error)


def test_the_forms_answer_in_the_sessions_language(small_ws):
    """Regression: the Notes callbacks ran before the run's language was set, so an Arabic session
    read "Note #1 added: …" in English."""
    from catalog_support import arabic

    at = run_app({**CUSTOM_QP, "lang": "ar"}, page=NOTES_PAGE)
    assert_clean(at)
    at.date_input(key="notes_add_date").set_value(date(2026, 3, 4))
    at.text_input(key="notes_add_text").input("عرض رمضان")
    at.button(key="notes_add").click()
    at.run()
    assert_clean(at)
    # The name typed is isolated (U+2068 … U+2069) so its direction cannot spill into the sentence.
    expected = arabic("Note #{id} added: “{text}”.").format(id=1, text="\u2068عرض رمضان\u2069")
    assert [rendered_text(s.value) for s in at.success] == [expected]
