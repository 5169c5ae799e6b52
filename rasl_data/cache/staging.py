"""Staging one sync run inside the writer transaction: progress reports, the small lists
(sources, statuses, groups) mirrored whole, contacts buffered into a stage table and merged
into ``contacts`` with their change history.

Contacts go to DuckDB through newline-delimited JSON files DuckDB reads natively, so the sync
process never imports pandas or numpy.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from datetime import datetime
from typing import Any, Callable, Iterable

import duckdb

from rasl_data.cache.sync_report import SyncProgress, wait_text
from rasl_data.i18n import _

CHUNK_ROWS = 20_000

CONTACT_COLUMNS = (
    "id", "firstname", "lastname", "company", "type", "email", "phone", "status_id", "source_id",
    "assigned_id", "country_id", "city", "is_opted_out", "created_at", "updated_at",
)
TRACKED_FIELDS = ("source_id", "status_id", "type")
STAGE_COLUMNS = (*CONTACT_COLUMNS, "group_ids")
_TYPES = {"id": "BIGINT", "status_id": "BIGINT", "source_id": "BIGINT", "assigned_id": "BIGINT",
          "country_id": "BIGINT", "is_opted_out": "BOOLEAN", "created_at": "TIMESTAMPTZ",
          "updated_at": "TIMESTAMPTZ", "group_ids": "BIGINT[]"}
STAGE_JSON_TYPES = "{" + ", ".join(f"'{c}': '{_TYPES.get(c, 'VARCHAR')}'" for c in STAGE_COLUMNS) + "}"

class _Run:
    """State of one sync run inside the writer transaction: the connection, the client, the
    run's ``now`` (aware UTC), progress, the staging buffer and the notes for the sync log."""

    def on_wait(self, seconds: float, reason: str) -> None:
        """Told by the client of each pause the rate limit forces; shown only while it runs."""
        text = _("waiting {wait} for RASL's rate limit").format(wait=wait_text(seconds))
        self.notes.append(text)
        if threading.current_thread() is self.thread:  # progress callbacks stay on the caller's thread
            self.report(wait_seconds=seconds, message=text)

    def __init__(self, con: duckdb.DuckDBPyConnection, client: Any, now: datetime,
                 on_progress: Callable[[SyncProgress], None] | None, concurrency: int) -> None:
        self.thread = threading.current_thread()
        self.con = con
        self.client = client
        self.now = now
        self.on_progress = on_progress
        self.concurrency = concurrency
        self.progress = SyncProgress("sources")
        self.staged_rows = 0
        self._buffer: list[Any] = []
        self.notes: list[str] = []

    # -- progress -------------------------------------------------------------------------
    def report(self, **changes: Any) -> None:
        if self.progress.wait_seconds and "wait_seconds" not in changes:
            self.progress.wait_seconds, self.progress.message = 0.0, ""
        for key, value in changes.items():
            setattr(self.progress, key, value)
        self.progress.requests = getattr(self.client, "requests_made", 0)
        self.progress.rate_limit_waits = getattr(self.client, "rate_limit_waits", 0)
        if self.on_progress:
            self.on_progress(self.progress)

    # -- dimensions -----------------------------------------------------------------------
    def sync_dimension(self, table: str, items: Iterable[Any], columns: tuple[str, ...]) -> None:
        """Mirror a small list (sources, statuses, groups): upsert, mark missing ones deleted."""
        rows = [tuple(getattr(item, c) for c in columns) for item in items]
        con = self.con
        # The table's own column types, so values bind as they are (no pandas frame in between).
        con.execute(f"CREATE OR REPLACE TEMP TABLE _dim AS SELECT {', '.join(columns)} FROM {table} WHERE false")
        if rows:
            con.executemany(f"INSERT INTO _dim VALUES ({', '.join('?' for _ in columns)})", rows)
        cols = ", ".join(columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        con.execute(
            f"INSERT INTO {table} ({cols}, deleted_at) SELECT {cols}, NULL FROM _dim "
            f"ON CONFLICT (id) DO UPDATE SET {updates}, deleted_at = NULL"
        )
        con.execute(
            f"UPDATE {table} SET deleted_at = ? WHERE deleted_at IS NULL AND id NOT IN (SELECT id FROM _dim)",
            [self.now],
        )
        con.execute("DROP TABLE _dim")

    # -- contacts staging -----------------------------------------------------------------
    def create_stage(self) -> None:
        self.con.execute("DROP TABLE IF EXISTS _stage_contacts")
        self.con.execute(
            "CREATE TABLE _stage_contacts AS SELECT * EXCLUDE (first_seen_at), "
            "CAST([] AS BIGINT[]) AS group_ids FROM contacts WHERE false"
        )

    def stage(self, contacts: Iterable[Any]) -> None:
        for c in contacts:
            self._buffer.append(
                tuple(getattr(c, col) for col in CONTACT_COLUMNS) + (list(c.group_ids or ()),)
            )
        if len(self._buffer) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Append the buffered contacts to ``_stage_contacts`` through one newline-delimited JSON
        file that DuckDB reads natively (no pandas/numpy in the sync process)."""
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        fd, name = tempfile.mkstemp(prefix="rasl-stage-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for row in rows:
                    out.write(json.dumps(dict(zip(STAGE_COLUMNS, row)), default=_json_value, ensure_ascii=False))
                    out.write("\n")
            path = name.replace("'", "''")
            self.con.execute(
                f"INSERT INTO _stage_contacts BY NAME SELECT * FROM read_json('{path}', "
                f"format = 'newline_delimited', columns = {STAGE_JSON_TYPES})"
            )
        finally:
            os.unlink(name)
        self.staged_rows += len(rows)

    # -- merge ----------------------------------------------------------------------------
    def merge(self, run_id: int, *, full: bool) -> tuple[int, int, int]:
        """Apply staged contacts to ``contacts``; returns (inserted, updated, deleted)."""
        self.flush()
        con = self.con
        # Repeated pages or the incremental overlap may stage a contact twice: keep the newest.
        con.execute(
            "CREATE OR REPLACE TABLE _stage AS SELECT * FROM _stage_contacts "
            "QUALIFY row_number() OVER (PARTITION BY id ORDER BY updated_at DESC NULLS LAST) = 1"
        )
        for fld in TRACKED_FIELDS:
            con.execute(
                f"INSERT INTO contact_changes SELECT s.id, '{fld}', CAST(c.{fld} AS VARCHAR), "
                f"CAST(s.{fld} AS VARCHAR), ?, ? FROM _stage s JOIN contacts c ON c.id = s.id "
                f"WHERE c.{fld} IS DISTINCT FROM s.{fld}",
                [self.now, run_id],
            )
        inserted = con.execute(
            "SELECT count(*) FROM _stage WHERE id NOT IN (SELECT id FROM contacts)"
        ).fetchall()[0][0]
        diff = " OR ".join(f"c.{col} IS DISTINCT FROM s.{col}" for col in CONTACT_COLUMNS if col != "id")
        updated = con.execute(
            f"SELECT count(*) FROM _stage s JOIN contacts c ON c.id = s.id WHERE {diff}"
        ).fetchall()[0][0]
        deleted = 0
        if full:
            deleted = con.execute(
                "SELECT count(*) FROM contacts WHERE id NOT IN (SELECT id FROM _stage)"
            ).fetchall()[0][0]
            con.execute("DELETE FROM contacts WHERE id NOT IN (SELECT id FROM _stage)")
            con.execute("DELETE FROM contact_groups WHERE contact_id NOT IN (SELECT id FROM _stage)")
        cols = ", ".join(CONTACT_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in CONTACT_COLUMNS if c != "id")
        con.execute(
            f"INSERT INTO contacts ({cols}, first_seen_at) SELECT {cols}, ? FROM _stage "
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            [self.now],
        )
        con.execute("DELETE FROM contact_groups WHERE contact_id IN (SELECT id FROM _stage)")
        con.execute(
            "INSERT INTO contact_groups SELECT DISTINCT id, unnest(group_ids) FROM _stage "
            "WHERE len(group_ids) > 0"
        )
        con.execute("DROP TABLE _stage")
        con.execute("DROP TABLE _stage_contacts")
        self.create_stage()
        return inserted, updated, deleted

    def delete_ids(self, ids: list[int]) -> int:
        if not ids:
            return 0
        ids = [int(i) for i in ids]
        self.con.execute("DELETE FROM contacts WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids])
        self.con.execute("DELETE FROM contact_groups WHERE contact_id IN (SELECT unnest(?::BIGINT[]))", [ids])
        return len(ids)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot stage {type(value).__name__}")
