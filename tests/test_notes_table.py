"""Notes people write (table ``annotations``): add, edit, remove through the ``Workspace`` with the
role check and one audit row per change, and the checks a note passes.

Oracles: the rows are read back with plain SQL on the cache file (not through the module's readers)
and compared with what the test wrote by hand; audit rows with the actor e-mails the test chose.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from rasl_data.access import CLI_ACTOR, AccessDeniedError, Actor
from rasl_data.cache import store
from rasl_data.cache.notes import AnnotationError, check_note, latest_date

MAHA = Actor("maha@shop.example", "editor")
ANA = Actor("ana@agency.example", "viewer")
TODAY = date(2026, 12, 1)


@pytest.fixture
def ws(tmp_path):
    from apptest_support import make_workspace

    return make_workspace(tmp_path, tmp_path / "notes.duckdb")


def sql(ws, query, params=None):
    cur = ws.reader.cursor()  # plain SQL on the file (a second connection would clash with the reader's)
    try:
        return cur.execute(query, params or []).fetchall()
    finally:
        cur.close()


def audit_rows(ws):
    return sql(ws, "SELECT actor, role, action, object_id, object_name, before, after, outcome FROM audit_log ORDER BY id")


def test_add_edit_remove_store_the_note_and_who_with_one_audit_row_each(ws):
    first = ws.add_annotation(date(2026, 2, 18), "Ramadan offer live", actor=MAHA, today=TODAY)
    second = ws.add_annotation(date(2026, 3, 1), "TV spot", end=date(2026, 3, 7), actor=CLI_ACTOR, today=TODAY)
    assert (first, second) == (1, 2)
    ws.edit_annotation(second, date(2026, 3, 2), "TV spot (moved)", end=date(2026, 3, 8), actor=MAHA, today=TODAY)
    ws.remove_annotation(first, actor=CLI_ACTOR)

    rows = sql(ws, 'SELECT id, start, "end", text, created_by, updated_by, removed_by FROM annotations ORDER BY id')
    assert rows == [
        (1, date(2026, 2, 18), None, "Ramadan offer live", "maha@shop.example", "cli", "cli"),
        (2, date(2026, 3, 2), date(2026, 3, 8), "TV spot (moved)", "cli", "maha@shop.example", None),
    ]
    log = audit_rows(ws)
    assert [(a, act, oid, out) for a, _r, act, oid, _n, _b, _a, out in log] == [
        ("maha@shop.example", "annotation.add", "1", "done"),
        ("cli", "annotation.add", "2", "done"),
        ("maha@shop.example", "annotation.edit", "2", "done"),
        ("cli", "annotation.remove", "1", "done"),
    ]
    edit = log[2]
    assert json.loads(edit[5]) == {"start": "2026-03-01", "end": "2026-03-07", "text": "TV spot"}
    assert json.loads(edit[6]) == {"start": "2026-03-02", "end": "2026-03-08", "text": "TV spot (moved)"}
    # The live list no longer has the removed note.
    assert list(ws.annotations()["id"]) == [2]


def test_a_removed_note_id_is_never_given_again(ws):
    a = ws.add_annotation(date(2026, 1, 5), "a", actor=MAHA, today=TODAY)
    b = ws.add_annotation(date(2026, 1, 6), "b", actor=MAHA, today=TODAY)
    ws.remove_annotation(b, actor=MAHA)
    assert ws.add_annotation(date(2026, 1, 7), "c", actor=MAHA, today=TODAY) == 3
    assert a == 1


def test_a_viewer_is_refused_and_the_refusal_is_logged_with_nothing_saved(ws):
    note_id = ws.add_annotation(date(2026, 2, 18), "kept", actor=MAHA, today=TODAY)
    with pytest.raises(AccessDeniedError):
        ws.add_annotation(date(2026, 2, 19), "sneaky", actor=ANA, today=TODAY)
    with pytest.raises(AccessDeniedError):
        ws.edit_annotation(note_id, date(2026, 2, 19), "changed", actor=ANA, today=TODAY)
    with pytest.raises(AccessDeniedError):
        ws.remove_annotation(note_id, actor=ANA)
    assert sql(ws, 'SELECT id, start, text, removed_at FROM annotations') == [(1, date(2026, 2, 18), "kept", None)]
    refused = [(a, r, act, out) for a, r, act, _o, _n, _b, _a, out in audit_rows(ws)[1:]]
    assert refused == [("ana@agency.example", "viewer", "annotation.add", "refused"),
                       ("ana@agency.example", "viewer", "annotation.edit", "refused"),
                       ("ana@agency.example", "viewer", "annotation.remove", "refused")]


@pytest.mark.parametrize(("start", "end", "text", "field", "words"), [
    (date(2026, 3, 1), None, "   ", "text", "Write the note's text"),
    (date(2026, 3, 1), None, "x" * 201, "text", "201 characters"),
    (date(2026, 3, 5), date(2026, 3, 1), "span", "end", "before the start"),
    (date(1999, 12, 31), None, "too old", "date", "1999-12-31 is outside"),
    (date(2031, 12, 2), None, "too far", "date", "2031-12-02 is outside"),
    (date(2026, 3, 1), date(2032, 1, 1), "end too far", "end", "2032-01-01 is outside"),
])
def test_bad_notes_are_refused_with_a_clear_message_and_nothing_is_saved(ws, start, end, text, field, words):
    with pytest.raises(AnnotationError) as err:
        ws.add_annotation(start, text, end, actor=MAHA, today=TODAY)
    assert err.value.field == field and words in str(err.value)
    assert sql(ws, "SELECT count(*) FROM annotations") == [(0,)]
    assert sql(ws, "SELECT count(*) FROM audit_log") == [(0,)]


def test_the_date_window_is_2000_to_five_years_after_today():
    # Hand-written: today 2026-12-01 → the last date is 2031-12-01; a 29 February today ends on 28 February.
    assert latest_date(TODAY) == date(2031, 12, 1)
    assert latest_date(date(2028, 2, 29)) == date(2033, 2, 28)
    assert check_note(date(2000, 1, 1), date(2031, 12, 1), "edges", TODAY).end == date(2031, 12, 1)


def test_text_is_kept_as_typed_on_one_line_and_a_one_day_span_is_a_day():
    note = check_note(date(2026, 3, 1), date(2026, 3, 1), "  =1+1\n**x** <b>bold</b>  ", TODAY)
    assert note.text == "=1+1 **x** <b>bold</b>" and note.end is None
    assert len(check_note(date(2026, 3, 1), None, "y" * 200, TODAY).text) == 200


def test_editing_or_removing_an_unknown_note_says_so(ws):
    with pytest.raises(AnnotationError, match="no note #42") as err:
        ws.edit_annotation(42, date(2026, 3, 1), "x", actor=MAHA, today=TODAY)
    assert err.value.field == "id"
    with pytest.raises(AnnotationError, match="no note #42"):
        ws.remove_annotation(42, actor=MAHA)
    note_id = ws.add_annotation(date(2026, 3, 1), "once", actor=MAHA, today=TODAY)
    ws.remove_annotation(note_id, actor=MAHA)
    with pytest.raises(AnnotationError, match=f"no note #{note_id}"):
        ws.remove_annotation(note_id, actor=MAHA)


def test_a_cache_made_before_the_notes_table_reads_as_no_notes(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sources (id BIGINT PRIMARY KEY, name VARCHAR, created_at TIMESTAMPTZ, "
                "updated_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ)")
    con.close()
    from rasl_data.cache.notes import read_notes, read_renames

    reader = store.Reader(path)
    try:
        assert read_notes(reader).empty and read_renames(reader).empty
    finally:
        reader.close()


def test_saving_a_note_unchanged_writes_nothing_and_no_audit_row(ws):
    """Regression: Save note without a change wrote an ``annotation.edit`` with equal before and after."""
    note = ws.add_annotation(date(2026, 3, 1), "TV spot", end=date(2026, 3, 7), actor=MAHA, today=TODAY)
    # The same note as typed again: spaces around the text are tidied the way add_annotation tidies them.
    assert ws.edit_annotation(note, date(2026, 3, 1), "  TV spot ", end=date(2026, 3, 7), actor=MAHA, today=TODAY) is False
    assert [act for _a, _r, act, *_rest in audit_rows(ws)] == ["annotation.add"]
    assert ws.edit_annotation(note, date(2026, 3, 1), "TV spot (moved)", end=date(2026, 3, 7), actor=MAHA,
                              today=TODAY) is True
    assert [act for _a, _r, act, *_rest in audit_rows(ws)] == ["annotation.add", "annotation.edit"]
