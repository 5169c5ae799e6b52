"""Sync: pull sources, statuses, groups and contacts from RASL into the DuckDB cache.

One run is one writer transaction (``store.write_transaction``): data, change history and sync
state land together when the run ends, or not at all. A failed run leaves the previous cache as
it was and is recorded in ``sync_runs`` with its error.

Modes:

* ``full``: every contact (``GET /contacts?sort=id``), contacts missing from the answer are
  deleted from the cache once confirmed gone.
* ``incremental``: contacts newest-updated first (``sort=-updated_at``) down to the last
  watermark minus ``OVERLAP``; ``k`` changed contacts cost about ``ceil(k/100)`` requests. The
  first page's ``meta.pagination.total`` is compared with the cached count (no extra request);
  on a difference the deletion check (``deletions``, ``deletion_search``) finds the deleted and
  missed contacts without a full pull.
* ``auto``: ``full`` when the cache holds no contacts yet, else ``incremental``.

The run's state and staging live in ``staging``, its bookkeeping tables in ``sync_state`` and
what it reports in ``sync_report``; the public names are re-exported here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import duckdb

from rasl_data.api.pagination import INCOMPLETE_GUARDS
from rasl_data.cache import notes as source_history
from rasl_data.cache import store
from rasl_data.cache.deletions import PER_PAGE, _check_listing, _confirm_gone, _reconcile
from rasl_data.cache.staging import CONTACT_COLUMNS, STAGE_COLUMNS, TRACKED_FIELDS, _Run
from rasl_data.cache.sync_report import SyncProgress, SyncResult
from rasl_data.cache.sync_state import (
    WorkspaceMismatchError,
    _check_workspace,
    _failed,
    _next_run_id,
    _record_failure,
    _record_run,
    _set_state,
    _state,
    _utcnow,
)
from rasl_data.errors import ProtocolError, RaslError
from rasl_data.i18n import _, format_number

__all__ = ["sync", "SyncProgress", "SyncResult", "WorkspaceMismatchError", "pages_needed", "CONTACT_COLUMNS",
           "STAGE_COLUMNS", "TRACKED_FIELDS", "OVERLAP", "MODES"]

OVERLAP = timedelta(minutes=5)
MODES = ("auto", "full", "incremental")


@dataclass
class _Before:
    """The client's counters when the run started, so the result counts this run's share."""

    started: datetime
    requests: int
    waits: int
    wait_s: float

    @classmethod
    def of(cls, client: Any) -> _Before:
        return cls(_utcnow(), getattr(client, "requests_made", 0), getattr(client, "rate_limit_waits", 0),
                   getattr(client, "rate_limit_wait_seconds", 0.0))

    def failed(self, client: Any, mode: str, title: str, detail: str) -> SyncResult:
        return _failed(client, mode, self.started, self.requests, self.waits, title, detail)


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
    if mode not in MODES:
        raise ValueError(f"unknown sync mode {mode!r}: use auto, full or incremental")
    before = _Before.of(client)
    cleanup: list[Callable[[], None]] = []
    try:
        with store.write_transaction(cache_path, lock_timeout=lock_timeout) as con:
            run = _Run(con, client, now or _utcnow(), on_progress, concurrency)
            _listen_for_waits(client, run, cleanup)
            result = _run(run, cache_path, mode, workspace_id, before)
    except RaslError as err:
        result = before.failed(client, mode, err.title, str(err.detail or err.title))
        _record_failure(cache_path, result, lock_timeout)
    except store.CacheBusyError:
        raise
    except (store.CacheError, duckdb.Error, OSError) as err:
        title = getattr(err, "title", None) or _("The cache could not be written.")
        result = before.failed(client, mode, title, str(err))
        _record_failure(cache_path, result, lock_timeout)
    finally:
        for undo in cleanup:
            undo()
    if on_progress and result.outcome == "success":
        on_progress(SyncProgress("done", rows=result.contacts_total, requests=result.requests,
                                 rate_limit_waits=result.rate_limit_waits, message=result.summary()))
    return result


def _listen_for_waits(client: Any, run: _Run, cleanup: list[Callable[[], None]]) -> None:
    """Have the client tell ``run`` of each rate-limit pause (and stop telling when the run ends)."""
    listeners = getattr(client, "wait_listeners", None)
    if listeners is not None:
        listeners.append(run.on_wait)
        cleanup.append(lambda: listeners.remove(run.on_wait))


def _run(run: _Run, cache_path: Path | str, mode: str, workspace_id: str | None, before: _Before) -> SyncResult:
    """The steps of one run inside the writer transaction; returns the recorded result."""
    con = run.con
    _check_workspace(con, workspace_id, cache_path)
    run_id = _next_run_id(con)
    state = _state(con)
    effective = _effective_mode(con, mode, state)
    _sync_dimensions(run, run.client)
    run.create_stage()
    read = _stage_contact_pages(run, run.client, effective, state.get("contacts_watermark"), run.concurrency)
    _refuse_partial_listing(run.client, read)
    if effective == "full":
        counts = _apply_full(run, run_id, read, before.started)
    else:
        counts = _apply_incremental(run, run_id, read, before.started)
    return _finish(run, run_id, effective, read, counts, before)


def _effective_mode(con: duckdb.DuckDBPyConnection, mode: str, state: dict[str, str]) -> str:
    """``auto`` means ``incremental`` once the cache holds contacts and a watermark, else ``full``."""
    if mode != "auto":
        return mode
    cached = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    return "incremental" if cached and state.get("contacts_watermark") else "full"


def _refuse_partial_listing(client: Any, read: _PagesRead) -> None:
    """A partial listing must not land: a full run would delete what it did not see, and an
    incremental one would move the watermark past contacts it never read."""
    guard = getattr(client, "last_guard", None)
    if not read.stopped_at_watermark and guard in INCOMPLETE_GUARDS:
        raise ProtocolError(
            _("RASL's contact list came back incomplete (a page repeated or came back empty), so nothing "
              "was saved; try again later."),
            f"page loop stopped by guard {guard} after {read.pages_done} pages",
        )


def _apply_full(run: _Run, run_id: int, read: _PagesRead, started: datetime) -> tuple[int, int, int]:
    """Merge a full listing; the cached contacts it did not return are deleted once confirmed
    gone. Returns (inserted, updated, deleted)."""
    con = run.con
    run.flush()
    distinct = con.execute("SELECT count(DISTINCT id) FROM _stage_contacts").fetchall()[0][0]
    if distinct < read.last_total:  # it deletes whatever it did not see: it must have seen everything
        cutoff = started.replace(microsecond=0)  # contacts created since may be unread
        seen_before = con.execute("SELECT count(DISTINCT id) FROM _stage_contacts WHERE created_at < ?",
                                  [cutoff]).fetchall()[0][0]
        _check_listing(run.client, seen_before, read.last_total, None, cutoff)
    missing = [r[0] for r in con.execute(
        "SELECT id FROM contacts WHERE id NOT IN (SELECT id FROM _stage_contacts) ORDER BY id").fetchall()]
    gone = _confirm_gone(run, missing)
    inserted, updated, _none = run.merge(run_id, full=False)
    return inserted, updated, run.delete_ids(gone)


def _apply_incremental(run: _Run, run_id: int, read: _PagesRead, started: datetime) -> tuple[int, int, int]:
    """Merge the changed contacts, then run the deletion check against the count the first page
    carried. Returns (inserted, updated, deleted)."""
    con = run.con
    inserted, updated, _none = run.merge(run_id, full=False)
    deleted, refetched = _reconcile(run, read.api_total)
    if deleted or refetched:
        more_inserted, more_updated, _none = run.merge(run_id, full=False)
        inserted += more_inserted
        updated += more_updated
        run.notes.append(_("reconciled counts: {deleted} deleted, {read} re-read").format(
            deleted=format_number(deleted), read=format_number(refetched)))
    cached_now = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    if cached_now < read.api_total:
        cutoff = started.replace(microsecond=0)
        before = con.execute("SELECT count(*) FROM contacts WHERE created_at < ?", [cutoff]).fetchall()[0][0]
        _check_listing(run.client, before, read.api_total, None, cutoff)
    return inserted, updated, deleted


def _finish(run: _Run, run_id: int, effective: str, read: _PagesRead, counts: tuple[int, int, int],
            before: _Before) -> SyncResult:
    """Save the state for the next run and record this one in ``sync_runs``."""
    con, client = run.con, run.client
    run.report(phase="saving")
    con.execute("DROP TABLE IF EXISTS _stage_contacts")
    contacts_total = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    _set_state(con, {
        "contacts_watermark": read.max_updated.isoformat() if read.max_updated else "",
        "contacts_total_api": str(read.api_total),
        "last_success_at": _utcnow().isoformat(),
        "last_mode": effective,
    })
    inserted, updated, deleted = counts
    result = SyncResult(
        run_id=run_id, mode=effective, outcome="success", started_at=before.started, finished_at=_utcnow(),
        requests=getattr(client, "requests_made", 0) - before.requests,
        rate_limit_waits=getattr(client, "rate_limit_waits", 0) - before.waits,
        inserted=inserted, updated=updated, deleted=deleted, contacts_total=contacts_total,
        notes=run.notes, rate_limit_wait_s=getattr(client, "rate_limit_wait_seconds", 0.0) - before.wait_s,
    )
    _record_run(con, result)
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


def pages_needed(k: int, per_page: int = PER_PAGE) -> int:
    """Minimum contact requests to read ``k`` changed contacts (``ceil(k/per_page)``, at least 1)."""
    return max(1, math.ceil(k / per_page))
