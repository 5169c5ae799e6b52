"""The audit log: every change made through the dashboard or the CLI, who made it, and how it ended.

Table ``audit_log`` (public interface, survives syncs because a sync never touches it):

| column | meaning |
|---|---|
| ``id`` | 1, 2, 3… in the order the changes were recorded |
| ``occurred_at`` | when (``TIMESTAMPTZ``, UTC) |
| ``actor`` | signed-in e-mail, ``local`` without sign-in, ``cli`` from the command line |
| ``role`` | the actor's role at the time (``editor``/``viewer``) |
| ``action`` | e.g. ``source.create``, ``source.rename``, ``source.delete``, ``channel_rules.save``, ``source_labels.save``, ``spend.import``, ``targets.save``, ``settings.conversion`` |
| ``object_type`` | ``source``, ``channel_rules``, ``source_label``, … |
| ``object_id`` | the object's id as text (RASL id for sources), empty when it has none |
| ``object_name`` | the object's name as the user saw it (literal text) |
| ``before`` / ``after`` | the value before and after, as JSON text (``null`` when none) |
| ``outcome`` | ``done``; ``refused`` (the role check or RASL said no; nothing changed); ``failed`` (network or server error) |
| ``message`` | RASL's or the role check's message for ``refused``/``failed``, empty for ``done`` |
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    import pandas as pd

from rasl_data.access import Actor

SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_log (
    id BIGINT PRIMARY KEY, occurred_at TIMESTAMPTZ NOT NULL, actor VARCHAR NOT NULL, role VARCHAR,
    action VARCHAR NOT NULL, object_type VARCHAR, object_id VARCHAR, object_name VARCHAR,
    before VARCHAR, after VARCHAR, outcome VARCHAR NOT NULL, message VARCHAR);
"""

COLUMNS = ["id", "occurred_at", "actor", "role", "action", "object_type", "object_id", "object_name",
           "before", "after", "outcome", "message"]
OUTCOMES = ("done", "refused", "failed")
# Written as text in CSV/XLSX whatever they hold (an id "007", a name "1/2", JSON).
TEXT_COLUMNS = ["actor", "object_id", "object_name", "before", "after", "message"]


@dataclass
class AuditEntry:
    """One change to record. ``before``/``after`` are JSON-serialisable values (or None)."""

    action: str
    object_type: str
    object_id: str | int | None = None
    object_name: str = ""
    before: Any = None
    after: Any = None
    outcome: str = "done"
    message: str = ""


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record(con: duckdb.DuckDBPyConnection, actor: Actor, entry: AuditEntry, at: datetime | None = None) -> int:
    """Insert ``entry`` into ``audit_log`` on writer connection ``con``; returns its ``id``.

    ``at`` defaults to now (UTC). Raises ``ValueError`` for an unknown outcome.
    """
    if entry.outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {entry.outcome!r}")
    at = at or datetime.now(timezone.utc)
    row = con.execute("SELECT coalesce(max(id), 0) + 1 FROM audit_log").fetchone()
    new_id = int(row[0])
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [new_id, at, actor.email, actor.role, entry.action, entry.object_type,
         None if entry.object_id is None else str(entry.object_id), entry.object_name or "",
         _json(entry.before), _json(entry.after), entry.outcome, entry.message or ""],
    )
    return new_id


def append(cache_path: Path | str, actor: Actor, entry: AuditEntry) -> int:
    """Record ``entry`` in its own writer transaction (for refusals, where nothing else is written).

    Raises ``store.CacheError``/``CacheBusyError`` like any writer.
    """
    from rasl_data.cache import store

    with store.write_transaction(cache_path) as con:
        return record(con, actor, entry)


def read_log(
    reader,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Rows of ``audit_log`` newest first, filtered; columns as ``COLUMNS``.

    ``reader`` is a ``store.Reader``; ``start`` (included) and ``end`` (excluded) are aware
    datetimes; ``actor``/``action``/``outcome`` match exactly. An old cache without the table
    gives an empty frame.
    """
    where, params = [], []
    for column, value in (("actor", actor), ("action", action), ("outcome", outcome)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if start is not None:
        where.append("occurred_at >= ?")
        params.append(start)
    if end is not None:
        where.append("occurred_at < ?")
        params.append(end)
    sql = "SELECT * FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    tables = reader.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'audit_log'")
    if tables.empty:
        import pandas as pd

        return pd.DataFrame(columns=COLUMNS)
    return reader.query(sql, params)


def export_frame(log: pd.DataFrame) -> pd.DataFrame:
    """The audit log as exported (CSV/XLSX): ``COLUMNS`` in order, oldest first.

    ``occurred_at`` stays an aware UTC timestamp (written as ISO 8601 with ``+00:00``); ``id`` is
    an integer; every other column is text as recorded (names literal, ``before``/``after`` JSON).
    """
    import pandas as pd  # not at module level: the sync command stays free of pandas
    out = log.reindex(columns=COLUMNS).copy()
    if len(out):
        out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True)
        out = out.sort_values("id", kind="stable").reset_index(drop=True)
        out["id"] = out["id"].astype("Int64")
    return out
