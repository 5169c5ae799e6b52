"""Sync: pull sources, statuses, groups and contacts from RASL into the DuckDB cache.

One run is one writer transaction (``store.write_transaction``): data, change history and sync
state land together when the run ends, or not at all. A failed run leaves the previous cache as
it was and is recorded in ``sync_runs`` with its error.

Modes:

* ``full``: every contact (``GET /contacts?sort=id``), contacts missing from the answer are
  deleted from the cache.
* ``incremental``: contacts newest-updated first (``sort=-updated_at``) down to the last
  watermark minus ``OVERLAP``; ``k`` changed contacts cost about ``ceil(k/100)`` requests. The
  first page's ``meta.pagination.total`` is compared with the cached count; on a difference
  the created_at range is bisected (``filter[created_at][gte|lt]`` with ``per_page=1`` asks only
  for a count) and only windows whose counts differ are re-read, which finds deleted and
  missed contacts without a full pull.
* ``auto``: ``full`` when the cache holds no contacts yet, else ``incremental``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import duckdb

from rasl_data.api.pagination import INCOMPLETE_GUARDS
from rasl_data.api.retry import describe_wait
from rasl_data.cache import notes as source_history
from rasl_data.cache import store
from rasl_data.cache.deletions import PER_PAGE, _check_listing, _confirm_gone, _reconcile
from rasl_data.errors import ProtocolError, RaslError

OVERLAP = timedelta(minutes=5)
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


class WorkspaceMismatchError(store.CacheError):
    """The cache file holds another workspace's data (demo vs real, or another token)."""


@dataclass
class SyncProgress:
    """What a running sync reports to its caller after each page.

    ``phase`` is one of ``sources``, ``statuses``, ``groups``, ``contacts``, ``reconcile``,
    ``saving``, ``done``; ``pages_total`` is ``None`` while unknown; ``rate_limit_waits`` counts
    the pauses RASL's rate limit forced (its budget ran out, or a 429). While such a pause
    runs, ``wait_seconds`` is its length and ``message`` says e.g. "waiting 34 s for RASL's rate
    limit"; both are cleared by the next report.
    """

    phase: str
    pages_done: int = 0
    pages_total: int | None = None
    rows: int = 0
    requests: int = 0
    rate_limit_waits: int = 0
    message: str = ""
    wait_seconds: float = 0.0

    @property
    def fraction(self) -> float:
        """Progress of the contacts phase from 0.0 to 1.0 (0.0 while the total is unknown)."""
        if self.phase == "done":
            return 1.0
        if not self.pages_total:
            return 0.0
        return min(1.0, self.pages_done / self.pages_total)


@dataclass
class SyncResult:
    """Outcome of one sync run, as recorded in table ``sync_runs``.

    Times are aware UTC datetimes; ``duration_s`` in seconds; counts are contacts.
    """

    run_id: int
    mode: str
    outcome: str
    started_at: datetime
    finished_at: datetime
    requests: int = 0
    rate_limit_waits: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    contacts_total: int = 0
    error: str | None = None
    error_title: str | None = None
    notes: list[str] = field(default_factory=list)
    rate_limit_wait_s: float = 0.0

    @property
    def duration_s(self) -> float:
        """Wall time of the run in seconds."""
        return (self.finished_at - self.started_at).total_seconds()

    def summary(self) -> str:
        """One line for the CLI and the dashboard."""
        if self.outcome != "success":
            return f"Sync failed: {self.error_title or self.error}"
        return (
            f"Sync {self.mode}: {self.inserted:,} new, {self.updated:,} updated, {self.deleted:,} deleted "
            f"contacts ({self.contacts_total:,} in cache) with {self.requests:,} requests in {self.duration_s:.1f} s"
            + (f", waited {describe_wait(self.rate_limit_wait_s)} for RASL's rate limit "
               f"({self.rate_limit_waits} {'pause' if self.rate_limit_waits == 1 else 'pauses'})"
               if self.rate_limit_waits else "")
        )


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)



class _Run:
    """State of one sync run inside the writer transaction."""

    def on_wait(self, seconds: float, reason: str) -> None:
        """Told by the client of each pause the rate limit forces; shown only while it runs."""
        text = f"waiting {describe_wait(seconds)} for RASL's rate limit"
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


def _check_workspace(con: duckdb.DuckDBPyConnection, workspace_id: str | None, cache_path: Path | str) -> None:
    """Record the cache's workspace in ``meta``; raise ``WorkspaceMismatchError`` if it differs."""
    if not workspace_id:
        return
    rows = con.execute("SELECT value FROM meta WHERE key = 'workspace'").fetchall()
    owner = rows[0][0] if rows else None
    has_data = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0] > 0
    if owner and owner != workspace_id and has_data:
        what = "the demo workspace" if owner == "demo" else "another RASL workspace"
        raise WorkspaceMismatchError(
            f"The cache file {cache_path} holds {what}'s data; nothing was synced. "
            "Point RASL_CACHE_PATH at another file (or remove this one) for this workspace.",
            f"cache workspace {owner}, this workspace {workspace_id}",
        )
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




def sync(
    client: Any,
    cache_path: Path | str,
    *,
    mode: str = "auto",
    now: datetime | None = None,
    on_progress: Callable[[SyncProgress], None] | None = None,
    concurrency: int = 4,
    lock_timeout: float = 30.0,
    workspace_id: str | None = None,
) -> SyncResult:
    """Run one sync of the workspace behind ``client`` into the cache at ``cache_path``.

    Reads ``GET /sources``, ``/statuses``, ``/groups`` and ``/contacts``; writes tables
    ``sources``, ``statuses``, ``groups``, ``contacts``, ``contact_groups``,
    ``contact_changes``, ``sync_state`` and ``sync_runs`` in one atomic swap of the cache file. ``now`` (aware)
    stamps ``observed_at``/``first_seen_at`` (default: the current UTC time). ``mode`` is
    ``auto``, ``full`` or ``incremental``. ``workspace_id`` (``Settings.workspace_id``) is recorded
    in table ``meta``; a cache that already belongs to another workspace is refused (a failed run),
    so demo numbers never mix with real ones even when ``RASL_CACHE_PATH`` names one file.

    Never raises for API or network failures: they come back as ``outcome="failed"`` with
    ``error_title`` for the user, and the previous cache is unchanged. Raises
    ``store.CacheBusyError`` when another writer holds the cache, ``ValueError`` for an unknown
    mode.
    """
    if mode not in {"auto", "full", "incremental"}:
        raise ValueError(f"unknown sync mode {mode!r}: use auto, full or incremental")
    now = now or _utcnow()
    started = _utcnow()
    requests_before = getattr(client, "requests_made", 0)
    waits_before = getattr(client, "rate_limit_waits", 0)
    wait_s_before = getattr(client, "rate_limit_wait_seconds", 0.0)
    result: SyncResult
    cleanup: list[Callable[[], None]] = []
    try:
        with store.write_transaction(cache_path, lock_timeout=lock_timeout) as con:
            _check_workspace(con, workspace_id, cache_path)
            run_id = _next_run_id(con)
            run = _Run(con, client, now, on_progress, concurrency)
            listeners = getattr(client, "wait_listeners", None)
            if listeners is not None:
                listeners.append(run.on_wait)
                cleanup.append(lambda: listeners.remove(run.on_wait))
            state = _state(con)
            cached_count = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
            effective = mode
            if mode == "auto":
                effective = "incremental" if cached_count and state.get("contacts_watermark") else "full"
            _sync_dimensions(run, client)
            run.create_stage()
            deleted = 0
            read = _stage_contact_pages(run, client, effective, state.get("contacts_watermark"), concurrency)
            api_total, last_total, max_updated = read.api_total, read.last_total, read.max_updated
            pages_done, stopped_at_watermark = read.pages_done, read.stopped_at_watermark
            guard = getattr(client, "last_guard", None)
            if not stopped_at_watermark and guard in INCOMPLETE_GUARDS:
                # A partial listing must not land: a full run would delete what it did not see,
                # and an incremental one would move the watermark past contacts it never read.
                raise ProtocolError(
                    "RASL's contact list came back incomplete (a page repeated or came back empty), "
                    "so nothing was saved; try again later.",
                    f"page loop stopped by guard {guard} after {pages_done} pages",
                )
            if effective == "full":
                # A full run deletes whatever it did not see: it must have seen everything.
                run.flush()
                distinct = con.execute("SELECT count(DISTINCT id) FROM _stage_contacts").fetchall()[0][0]
                if distinct < last_total:
                    cutoff = started.replace(microsecond=0)  # contacts created since may be unread
                    before = con.execute("SELECT count(DISTINCT id) FROM _stage_contacts WHERE created_at < ?",
                                         [cutoff]).fetchall()[0][0]
                    _check_listing(client, before, last_total, None, cutoff)
            gone_full: list[int] = []
            if effective == "full":
                missing = [r[0] for r in con.execute(
                    "SELECT id FROM contacts WHERE id NOT IN (SELECT id FROM _stage_contacts) ORDER BY id"
                ).fetchall()]
                gone_full = _confirm_gone(run, missing)
            inserted, updated, _ = run.merge(run_id, full=False)
            deleted += run.delete_ids(gone_full)
            if effective == "incremental":
                gone, refetched = _reconcile(run, api_total)
                if gone or refetched:
                    ins2, upd2, _ = run.merge(run_id, full=False)
                    inserted += ins2
                    updated += upd2
                    deleted += gone
                    run.notes.append(f"reconciled counts: {gone} deleted, {refetched} re-read")
                cached_now = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
                if cached_now < api_total:
                    cutoff = started.replace(microsecond=0)
                    before = con.execute("SELECT count(*) FROM contacts WHERE created_at < ?",
                                         [cutoff]).fetchall()[0][0]
                    _check_listing(client, before, api_total, None, cutoff)
            run.report(phase="saving")
            con.execute("DROP TABLE IF EXISTS _stage_contacts")
            contacts_total = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
            _set_state(con, {
                "contacts_watermark": max_updated.isoformat() if max_updated else "",
                "contacts_total_api": str(api_total),
                "last_success_at": _utcnow().isoformat(),
                "last_mode": effective,
            })
            finished = _utcnow()
            result = SyncResult(
                run_id=run_id, mode=effective, outcome="success", started_at=started, finished_at=finished,
                requests=getattr(client, "requests_made", 0) - requests_before,
                rate_limit_waits=getattr(client, "rate_limit_waits", 0) - waits_before,
                inserted=inserted, updated=updated, deleted=deleted, contacts_total=contacts_total,
                notes=run.notes,
                rate_limit_wait_s=getattr(client, "rate_limit_wait_seconds", 0.0) - wait_s_before,
            )
            _record_run(con, result)
    except RaslError as err:
        result = _failed(client, mode, started, requests_before, waits_before, err.title, str(err.detail or err.title))
        _record_failure(cache_path, result, lock_timeout)
    except store.CacheBusyError:
        raise
    except (store.CacheError, duckdb.Error, OSError) as err:
        title = getattr(err, "title", None) or "The cache could not be written."
        result = _failed(client, mode, started, requests_before, waits_before, title, str(err))
        _record_failure(cache_path, result, lock_timeout)
    finally:
        for undo in cleanup:
            undo()
    if on_progress and result.outcome == "success":
        on_progress(SyncProgress("done", rows=result.contacts_total, requests=result.requests,
                                 rate_limit_waits=result.rate_limit_waits, message=result.summary()))
    return result


def _sync_dimensions(run: _Run, client: Any) -> None:
    """``GET /sources``, ``/statuses`` and ``/groups`` into their tables (a full list each time)."""
    run.report(phase="sources")
    source_history.snapshot_source_names(run.con)  # renames are recorded (table source_renames)
    run.sync_dimension("sources", client.list_sources(), ("id", "name", "created_at", "updated_at"))
    source_history.record_source_renames(run.con, run.now)
    run.report(phase="statuses")
    run.sync_dimension("statuses", client.list_statuses(), ("id", "name", "color", "created_at", "updated_at"))
    run.report(phase="groups")
    run.sync_dimension("groups", client.list_groups(), ("id", "name", "created_at", "updated_at"))


@dataclass
class _PagesRead:
    """What reading the contact pages found: the server's total on the first and last page, the
    newest ``updated_at`` seen, pages read, and whether an incremental run stopped at the watermark."""

    api_total: int = 0
    last_total: int = 0
    max_updated: datetime | None = None
    pages_done: int = 0
    stopped_at_watermark: bool = False


def _stage_contact_pages(run: _Run, client: Any, effective: str, watermark: str | None, concurrency: int) -> _PagesRead:
    """Read ``GET /contacts`` page by page into the stage table: all of them by id for a full run,
    newest changes first for an incremental one until a page older than the watermark (less
    ``OVERLAP``)."""
    read = _PagesRead(max_updated=datetime.fromisoformat(watermark) if watermark else None)
    if effective == "full":
        pages = client.iter_contact_pages(sort="id", per_page=PER_PAGE, concurrency=concurrency)
    else:
        pages = client.iter_contact_pages(sort="-updated_at", per_page=PER_PAGE, concurrency=1)
    stop_before = (datetime.fromisoformat(watermark) - OVERLAP) if (effective == "incremental" and watermark) else None
    for page in pages:
        read.pages_done += 1
        read.api_total = int(page.pagination.total) if read.pages_done == 1 else read.api_total
        read.last_total = int(page.pagination.total)
        run.stage(page.items)
        for c in page.items:
            if c.updated_at and (read.max_updated is None or c.updated_at > read.max_updated):
                read.max_updated = c.updated_at
        total_pages = page.pagination.total_pages if effective == "full" and stop_before is None else None
        run.report(phase="contacts", pages_done=read.pages_done, pages_total=total_pages,
                   rows=run.staged_rows + len(run._buffer))
        if stop_before is not None and page.items:
            oldest = min((c.updated_at for c in page.items if c.updated_at), default=None)
            if oldest is not None and oldest < stop_before:
                read.stopped_at_watermark = True
                break
    return read


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


def pages_needed(k: int, per_page: int = PER_PAGE) -> int:
    """Minimum contact requests to read ``k`` changed contacts (``ceil(k/per_page)``, at least 1)."""
    return max(1, math.ceil(k / per_page))


