"""Notes on the charts kept in the cache: table ``annotations`` (the notes people write) and table
``source_renames`` (the source renames a sync or the dashboard saw), with the checks a note passes.

Table ``annotations`` (public interface; a sync never touches it):

| column | meaning |
|---|---|
| ``id`` | 1, 2, 3… never reused (a removed note keeps its row, marked removed) |
| ``start`` | the note's local date (``DATE``, the business's calendar) |
| ``end`` | the last day of a span (``DATE``), ``NULL`` for a single day |
| ``text`` | the note as typed (one line, at most ``MAX_TEXT`` characters); data, shown literally |
| ``created_at`` / ``created_by`` | when (UTC) and who added it: signed-in e-mail, ``local``, ``cli`` |
| ``updated_at`` / ``updated_by`` | the last change (equal to the creation until edited) |
| ``removed_at`` / ``removed_by`` | when and who removed it; ``NULL`` while the note is shown |

Table ``source_renames``: ``source_id``, ``old_name``, ``new_name``, ``renamed_at`` (the source's
``updated_at`` from RASL when the sync saw the new name, else when it was seen), ``observed_at``
(UTC), ``via`` (``sync`` or ``dashboard``). The sync compares each source's name with the cached one
(``snapshot_source_names`` before the sources are written, ``record_source_renames`` after).

No pandas at module level: ``store`` imports this module for its schema, and the sync stays lean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING

from rasl_data.i18n import _
from rasl_data.text import one_line

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

ANNOTATIONS = """
CREATE TABLE IF NOT EXISTS annotations (
    id BIGINT PRIMARY KEY, start DATE NOT NULL, "end" DATE, text VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL, created_by VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL, updated_by VARCHAR NOT NULL,
    removed_at TIMESTAMPTZ, removed_by VARCHAR);
"""

SOURCE_RENAMES = """
CREATE TABLE IF NOT EXISTS source_renames (
    source_id BIGINT NOT NULL, old_name VARCHAR, new_name VARCHAR, renamed_at TIMESTAMPTZ,
    observed_at TIMESTAMPTZ NOT NULL, via VARCHAR NOT NULL);
"""

SCHEMA = ANNOTATIONS + SOURCE_RENAMES
TABLES = ("annotations", "source_renames")

MAX_TEXT = 200
"""Longest note, in characters (after line breaks are folded into spaces)."""
EARLIEST = date(2000, 1, 1)
"""Earliest date a note may carry."""
YEARS_AHEAD = 5
"""A note may be dated up to this many years after today (a planned campaign, a holiday)."""
COLUMNS = ["id", "start", "end", "text", "created_at", "created_by", "updated_at", "updated_by"]


class AnnotationError(ValueError):
    """A note that cannot be saved; ``str(err)`` is one line for the user, ``field`` the input it
    concerns (``date``, ``end``, ``text`` or ``id``)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Note:
    """A checked note: ``start`` and ``end`` (``None`` for one day) local dates, ``text`` one line."""

    start: date
    end: date | None
    text: str

    def as_dict(self) -> dict:
        """The note for the audit log's ``before``/``after`` (ISO dates)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None,
                "text": self.text}


def latest_date(today: date) -> date:
    """The last date a note may carry: ``today`` plus ``YEARS_AHEAD`` years (29 Feb → 28 Feb)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def _check_day(value, field: str, today: date) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise AnnotationError(_("Give the date as YYYY-MM-DD."), field)
    last = latest_date(today)
    if not EARLIEST <= value <= last:
        raise AnnotationError(
            _("{day} is outside the dates a note may carry ({first} to {last}).").format(
                day=value.isoformat(), first=EARLIEST.isoformat(), last=last.isoformat()), field)
    return value


def check_note(start, end, text, today: date | None = None) -> Note:
    """Check a note before it is saved and return it clean.

    ``start``/``end``: ``datetime.date`` (``end`` may be ``None`` or equal ``start`` for one day);
    ``text``: line breaks and tabs become spaces, the ends are stripped, everything else is kept
    as typed. ``today`` (default: the UTC date) bounds the dates: ``EARLIEST`` to
    ``latest_date(today)``. Raises ``AnnotationError`` (message for the user, ``field``) for an
    empty or too long text, a date outside the bounds, or an end before the start.
    """
    today = today or datetime.now(timezone.utc).date()
    clean = one_line(text if text is not None else "").strip()
    if not clean:
        raise AnnotationError(_("Write the note's text."), "text")
    if len(clean) > MAX_TEXT:
        raise AnnotationError(
            _("The note is {length} characters long; keep it to {limit} at most.").format(
                length=len(clean), limit=MAX_TEXT), "text")
    first = _check_day(start, "date", today)
    last = None if end is None else _check_day(end, "end", today)
    if last is not None and last < first:
        raise AnnotationError(
            _("The end ({end}) is before the start ({start}).").format(end=last.isoformat(), start=first.isoformat()),
            "end")
    return Note(first, None if last == first else last, clean)


def unknown_note(note_id) -> AnnotationError:
    """The error for a note id that does not exist (or was removed)."""
    return AnnotationError(_("There is no note #{id}: it may have been removed meanwhile.").format(id=note_id), "id")


def live_note(con: duckdb.DuckDBPyConnection, note_id: int) -> Note | None:
    """The note ``note_id`` as stored (writer connection ``con``), or ``None`` when absent or removed."""
    row = con.execute('SELECT start, "end", text FROM annotations WHERE id = ? AND removed_at IS NULL',
                      [int(note_id)]).fetchone()
    return None if row is None else Note(row[0], row[1], row[2])


def insert_note(con: duckdb.DuckDBPyConnection, note: Note, by: str, at: datetime | None = None) -> int:
    """Add ``note`` to ``annotations`` on writer connection ``con``; returns its new id."""
    at = at or datetime.now(timezone.utc)
    new_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM annotations").fetchone()[0])
    con.execute("INSERT INTO annotations VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                [new_id, note.start, note.end, note.text, at, by, at, by])
    return new_id


def update_note(con: duckdb.DuckDBPyConnection, note_id: int, note: Note, by: str, at: datetime | None = None) -> None:
    """Replace the dates and text of live note ``note_id``; ``AnnotationError`` when there is none."""
    if live_note(con, note_id) is None:
        raise unknown_note(note_id)
    con.execute('UPDATE annotations SET start = ?, "end" = ?, text = ?, updated_at = ?, updated_by = ? WHERE id = ?',
                [note.start, note.end, note.text, at or datetime.now(timezone.utc), by, int(note_id)])


def remove_note(con: duckdb.DuckDBPyConnection, note_id: int, by: str, at: datetime | None = None) -> None:
    """Mark live note ``note_id`` removed; ``AnnotationError`` when there is none."""
    if live_note(con, note_id) is None:
        raise unknown_note(note_id)
    at = at or datetime.now(timezone.utc)
    con.execute("UPDATE annotations SET removed_at = ?, removed_by = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                [at, by, at, by, int(note_id)])


def _has_table(reader, table: str) -> bool:
    return not reader.query("SELECT table_name FROM information_schema.tables WHERE table_name = ?", [table]).empty


def read_notes(reader, start: date | None = None, end: date | None = None) -> pd.DataFrame:
    """Live notes (``COLUMNS``; ``start``/``end`` as ``datetime.date``, ``end`` ``None`` for one day;
    ``id`` int), oldest date first, those touching ``start..end`` when given.

    ``reader`` is a ``store.Reader``; a cache made before this table existed gives no rows.
    """
    import pandas as pd

    if not _has_table(reader, "annotations"):
        return pd.DataFrame(columns=COLUMNS)
    where, params = ["removed_at IS NULL"], []
    if end is not None:
        where.append("start <= ?")
        params.append(end)
    if start is not None:
        where.append('coalesce("end", start) >= ?')
        params.append(start)
    df = reader.query(f'SELECT {", ".join(chr(34) + c + chr(34) for c in COLUMNS)} FROM annotations '
                      f'WHERE {" AND ".join(where)} ORDER BY start, id', params)
    for col in ("start", "end"):
        df[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[col]]
    df["id"] = df["id"].astype("int64")
    return df


def export_frame(reader) -> pd.DataFrame:
    """The live notes as ``annotate list --out`` writes them: ``COLUMNS``, ``end`` empty for one
    day, ``created_at``/``updated_at`` aware UTC timestamps."""
    import pandas as pd

    df = read_notes(reader)
    for col in ("created_at", "updated_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    return df


# --- source renames ----------------------------------------------------------------------------


def snapshot_source_names(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the cached source names (temporary table) before a sync writes the new list."""
    con.execute("CREATE OR REPLACE TEMP TABLE _source_names_before AS SELECT id, name FROM sources "
                "WHERE deleted_at IS NULL")


def record_source_renames(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """After a sync wrote ``sources``: one ``source_renames`` row per source whose name changed
    since ``snapshot_source_names``; returns how many. ``renamed_at`` is the source's
    ``updated_at`` (RASL's time of its last change) or ``now`` when RASL gave none."""
    rows = con.execute(
        "SELECT s.id, b.name, s.name, coalesce(s.updated_at, ?) FROM sources s "
        "JOIN _source_names_before b ON b.id = s.id WHERE s.name IS DISTINCT FROM b.name", [now]).fetchall()
    for sid, old, new, at in rows:
        con.execute("INSERT INTO source_renames VALUES (?, ?, ?, ?, ?, 'sync')", [sid, old, new, at, now])
    con.execute("DROP TABLE IF EXISTS _source_names_before")
    return len(rows)


def record_dashboard_rename(con: duckdb.DuckDBPyConnection, source_id: int, old: str, new: str,
                            at: datetime | None = None) -> None:
    """A rename made through the dashboard or CLI (the cache gets the new name at once, so the next
    sync sees no change): one ``source_renames`` row with ``via = 'dashboard'``."""
    if old == new:
        return
    at = at or datetime.now(timezone.utc)
    con.execute("INSERT INTO source_renames VALUES (?, ?, ?, ?, ?, 'dashboard')", [int(source_id), old, new, at, at])


def read_renames(reader) -> pd.DataFrame:
    """Every recorded rename (``source_id``, ``old_name``, ``new_name``, ``renamed_at`` UTC), oldest
    first; none for a cache made before the table existed."""
    import pandas as pd

    if not _has_table(reader, "source_renames"):
        return pd.DataFrame(columns=["source_id", "old_name", "new_name", "renamed_at"])
    return reader.query("SELECT source_id, old_name, new_name, renamed_at FROM source_renames "
                        "ORDER BY renamed_at, source_id")
