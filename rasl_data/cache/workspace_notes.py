"""The notes people write on the charts, as ``Workspace`` methods (table ``annotations``).

``WorkspaceNotes`` is a mixin of ``rasl_data.cache.workspace.Workspace``: it uses the workspace's
``reader`` and its ``_audited_change`` (role check, writer swap, audit row), so every change here
passes the editor check and lands in the audit log like the others. Cache only, no API call;
the table and its checks are ``rasl_data.cache.notes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rasl_data.access import Actor
from rasl_data.cache import notes as notes_table
from rasl_data.cache.audit import AuditEntry

if TYPE_CHECKING:  # imported where used: `python -m rasl_data sync` never loads pandas
    import pandas as pd

    from rasl_data.cache.store import Reader


class WorkspaceNotes:
    """``Workspace``'s methods for the notes on the charts (add, edit, remove, read)."""

    # Given by ``Workspace``.
    reader: Reader
    _audited_change: Callable[..., object]

    def annotations(self) -> pd.DataFrame:
        """The live notes written by people (``rasl_data.cache.notes.read_notes``)."""
        return notes_table.read_notes(self.reader)

    def _note_change(self, action: str, note_id, before, *, actor: Actor) -> AuditEntry:
        entry = AuditEntry(action, "annotation", note_id, (before or {}).get("text", ""), before=before)
        if not actor.can_edit:
            self._audited_change(actor, entry, None, lambda con, _r: None)  # records the refusal, raises
        return entry

    def add_annotation(self, start, text: str, end=None, *, actor: Actor, today=None) -> int:
        """Add a note on ``start`` (a local ``datetime.date``; ``end`` the last day of a span) to
        table ``annotations``; returns its id.

        Editors only (``AccessDeniedError``, recorded as refused); audited as ``annotation.add``
        with the note after. Raises ``annotations.AnnotationError`` (a ``ValueError``: the message
        for the user and the field) for an empty or too long text, an end before the start or a
        date outside 2000-01-01 .. ``today`` + 5 years; nothing is written then.
        """
        entry = self._note_change("annotation.add", None, None, actor=actor)
        note = notes_table.check_note(start, end, text, today)
        entry.object_name, entry.after = note.text, note.as_dict()
        made: dict[str, int] = {}

        def write(con, _result) -> None:
            made["id"] = notes_table.insert_note(con, note, actor.email)
            entry.object_id = made["id"]

        self._audited_change(actor, entry, None, write)
        return made["id"]

    def edit_annotation(self, note_id: int, start, text: str, end=None, *, actor: Actor, today=None) -> bool:
        """Replace the dates and text of note ``note_id``; ``updated_at``/``updated_by`` record who.

        Editors only; audited as ``annotation.edit`` with the note before and after. Returns False,
        writing nothing (no audit row), when the checked note equals the stored one. Raises
        ``AnnotationError`` as ``add_annotation`` does, and (field ``id``) when the note does not
        exist or was removed; nothing is written then.
        """
        before = self._stored_note(note_id)
        entry = self._note_change("annotation.edit", int(note_id), before, actor=actor)
        if before is None:
            raise notes_table.unknown_note(note_id)
        note = notes_table.check_note(start, end, text, today)
        if note.as_dict() == before:
            return False
        entry.object_name, entry.after = note.text, note.as_dict()
        self._audited_change(actor, entry, None,
                             lambda con, _r: notes_table.update_note(con, int(note_id), note, actor.email))
        return True

    def remove_annotation(self, note_id: int, *, actor: Actor) -> None:
        """Remove note ``note_id`` from the charts (its row stays, marked ``removed_at``/``removed_by``).

        Editors only; audited as ``annotation.remove`` with the note before. Raises
        ``AnnotationError`` (field ``id``) when there is no such live note.
        """
        before = self._stored_note(note_id)
        entry = self._note_change("annotation.remove", int(note_id), before, actor=actor)
        if before is None:
            raise notes_table.unknown_note(note_id)
        self._audited_change(actor, entry, None,
                             lambda con, _r: notes_table.remove_note(con, int(note_id), actor.email))

    def _stored_note(self, note_id) -> dict | None:
        """Live note ``note_id`` as the audit log's ``before`` (ISO dates), or ``None``."""
        try:
            note_id = int(note_id)
        except (TypeError, ValueError):
            return None
        notes = notes_table.read_notes(self.reader)
        row = notes[notes["id"] == note_id]
        if row.empty:
            return None
        r = row.iloc[0]
        return notes_table.Note(r["start"], r["end"], r["text"]).as_dict()
