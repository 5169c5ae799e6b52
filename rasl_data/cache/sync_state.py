"""The sync's bookkeeping tables: which workspace a cache belongs to (``meta``), the watermark
and counts between runs (``sync_state``) and one row per run, failed ones included
(``sync_runs``)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from rasl_data.cache import store
from rasl_data.cache.sync_report import SyncResult
from rasl_data.i18n import _


class WorkspaceMismatchError(store.CacheError):
    """The cache file holds another workspace's data (demo vs real, or another token)."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _check_workspace(con: duckdb.DuckDBPyConnection, workspace_id: str | None, cache_path: Path | str) -> None:
    """Record the cache's workspace in ``meta``; raise ``WorkspaceMismatchError`` if it differs."""
    if not workspace_id:
        return
    rows = con.execute("SELECT value FROM meta WHERE key = 'workspace'").fetchall()
    owner = rows[0][0] if rows else None
    has_data = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0] > 0
    if owner and owner != workspace_id and has_data:
        text = (_("The cache file {path} holds the demo workspace's data; nothing was synced. Point "
                  "RASL_CACHE_PATH at another file (or remove this one) for this workspace.") if owner == "demo"
                else _("The cache file {path} holds another RASL workspace's data; nothing was synced. Point "
                       "RASL_CACHE_PATH at another file (or remove this one) for this workspace."))
        raise WorkspaceMismatchError(
            text.format(path=cache_path), f"cache workspace {owner}, this workspace {workspace_id}")
    con.execute(
        "INSERT INTO meta VALUES ('workspace', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [workspace_id],
    )


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM sync_state").fetchall())


def _set_state(con: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    for key, value in values.items():
        con.execute(
            "INSERT INTO sync_state VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def _next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM sync_runs").fetchall()[0][0])


def _failed(client: Any, mode: str, started: datetime, req0: int, waits0: int, title: str, detail: str) -> SyncResult:
    return SyncResult(
        run_id=0, mode=mode, outcome="failed", started_at=started, finished_at=_utcnow(),
        requests=getattr(client, "requests_made", 0) - req0,
        rate_limit_waits=getattr(client, "rate_limit_waits", 0) - waits0,
        error=detail, error_title=title,
    )


def _record_run(con: duckdb.DuckDBPyConnection, r: SyncResult) -> None:
    con.execute(
        "INSERT INTO sync_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [r.run_id, r.started_at, r.finished_at, r.mode, r.outcome, r.requests, r.rate_limit_waits,
         r.inserted, r.updated, r.deleted, r.error_title if r.outcome != "success" else None],
    )


def _record_failure(cache_path: Path | str, result: SyncResult, lock_timeout: float) -> None:
    """Add the failed run to ``sync_runs`` without touching any data table."""
    try:
        with store.write_transaction(cache_path, lock_timeout=lock_timeout) as con:
            result.run_id = _next_run_id(con)
            _record_run(con, result)
    except (store.CacheError, duckdb.Error, OSError):
        pass
