"""The DuckDB cache: schema, read-only readers and the single writer.

Design (one writer, many readers, no lock fights):

* A writer (``write_transaction``) takes an exclusive ``fcntl`` lock on ``<cache>.lock`` (a
  second writer waits up to ``lock_timeout`` seconds, then gets ``CacheBusyError``), copies the
  cache to a private temporary file beside it, applies its changes there,
  closes the file (DuckDB checkpoints on close) and atomically ``os.replace``s it over the cache.
* Readers (``Reader``) open the cache **read-only** and reopen it when the file's identity
  (inode, size, mtime) changes. They never hold the cache open read-write, so a cron sync and the
  dashboard never meet DuckDB's "Could not set lock on file".
* A crash, ``kill -9`` or an exception at any point before the ``os.replace`` leaves the previous
  cache byte for byte as it was; the orphaned temporary file is removed by the next writer.

Tables are a public interface (documented in README.md); ``SCHEMA_VERSION`` changes only with a
migration.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import duckdb

if TYPE_CHECKING:  # the sync command never needs pandas; readers get DataFrames from DuckDB
    import pandas as pd

from rasl_data.cache import audit, delivery_log, spend_schema
from rasl_data.cache import notes as notes_schema
from rasl_data.errors import CacheBusyError, CacheError  # noqa: F401 - raised here, caught as store.CacheError
from rasl_data.i18n import _

SCHEMA_VERSION = "1"
# Readers answer dashboard queries; the writer streams a sync into the file and may spill to
# disk, which keeps a 1,000,000-contact sync well under 500 MB of memory.
MEMORY_LIMIT = "1GB"
WRITER_MEMORY_LIMIT = "160MB"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS sources (
    id BIGINT PRIMARY KEY, name VARCHAR NOT NULL,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS statuses (
    id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, color VARCHAR,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS groups (
    id BIGINT PRIMARY KEY, name VARCHAR NOT NULL,
    created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, deleted_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS contacts (
    id BIGINT PRIMARY KEY, firstname VARCHAR, lastname VARCHAR, company VARCHAR,
    type VARCHAR, email VARCHAR, phone VARCHAR,
    status_id BIGINT, source_id BIGINT, assigned_id BIGINT, country_id BIGINT, city VARCHAR,
    is_opted_out BOOLEAN, created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ,
    first_seen_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS contact_groups (contact_id BIGINT NOT NULL, group_id BIGINT NOT NULL,
    PRIMARY KEY (contact_id, group_id));
CREATE TABLE IF NOT EXISTS contact_changes (
    contact_id BIGINT NOT NULL, field VARCHAR NOT NULL, old_value VARCHAR, new_value VARCHAR,
    observed_at TIMESTAMPTZ NOT NULL, sync_run_id BIGINT);
CREATE TABLE IF NOT EXISTS sync_runs (
    id BIGINT PRIMARY KEY, started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, mode VARCHAR,
    outcome VARCHAR, requests BIGINT, rate_limit_waits BIGINT,
    contacts_inserted BIGINT, contacts_updated BIGINT, contacts_deleted BIGINT, error VARCHAR);
CREATE TABLE IF NOT EXISTS sync_state (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS channel_rules (
    position INTEGER PRIMARY KEY, pattern VARCHAR NOT NULL, match VARCHAR NOT NULL,
    channel VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS source_labels (
    source_id BIGINT PRIMARY KEY, channel VARCHAR, campaign VARCHAR);
""" + audit.SCHEMA + delivery_log.SCHEMA + spend_schema.SCHEMA

TABLES = (
    "meta", "sources", "statuses", "groups", "contacts", "contact_groups", "contact_changes",
    "sync_runs", "sync_state", "channel_rules", "source_labels", "audit_log", "deliveries",
    "workspace_settings", "spend", "targets",
)
# Notes on the charts and the source renames they show (rasl_data.cache.notes).
SCHEMA += notes_schema.SCHEMA
TABLES += notes_schema.TABLES


def connect(path: Path | str, *, read_only: bool = False, memory_limit: str = MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection with this project's settings (UTC session, bounded memory).

    Raises ``CacheError`` when the file is not a DuckDB database or cannot be opened.
    """
    config = {"memory_limit": memory_limit}
    if not read_only:
        config["preserve_insertion_order"] = False
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.Error as err:
        raise CacheError(_("The cache file {path} cannot be opened.").format(path=path), str(err)) from err
    con.execute("SET TimeZone = 'UTC'")
    return con


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every cache table if missing and record the schema version in ``meta``."""
    con.execute(SCHEMA)
    con.execute(
        "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )


def cache_exists(path: Path | str) -> bool:
    """Whether a cache file exists at ``path`` (it may still hold no contacts)."""
    return Path(path).exists()


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def writer_lock(path: Path | str, timeout: float = 30.0, poll: float = 0.1) -> Iterator[None]:
    """Hold the exclusive writer lock of cache ``path`` (``<path>.lock``).

    Waits up to ``timeout`` seconds; raises ``CacheBusyError`` after that, ``CacheError`` when the
    cache's folder cannot be created or written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise CacheError(
            _("The cache folder {folder} cannot be used ({reason}): set RASL_CACHE_PATH or RASL_CACHE_DIR to a "
              "writable place.").format(folder=path.parent, reason=err.strerror or err),
            str(err),
        ) from err
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CacheBusyError(
                        _("Another sync is writing the cache right now. Try again in a minute."),
                        f"lock held on {_lock_path(path)}",
                    ) from None
                time.sleep(poll)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _remove(path: Path) -> None:
    """Remove a leftover file or DuckDB spill folder; absent is fine."""
    with contextlib.suppress(OSError):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _cleanup_orphans(path: Path) -> None:
    for orphan in path.parent.glob(f".{path.name}.*.tmp*"):
        _remove(orphan)


@contextlib.contextmanager
def write_transaction(
    path: Path | str, *, lock_timeout: float = 30.0, fresh: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a read-write connection on a private copy of the cache; swap it in on success.

    Everything done through the connection lands atomically (one ``os.replace`` of the whole
    file) when the block exits without an exception; on an exception the copy is discarded and the cache is unchanged. ``fresh=True``
    starts from an empty database instead of a copy (a full rebuild). The schema is created if
    missing. Raises ``CacheBusyError`` when another writer holds the lock past ``lock_timeout``
    seconds, ``CacheError`` when the cache cannot be copied or opened.
    """
    path = Path(path)
    with writer_lock(path, timeout=lock_timeout):
        _cleanup_orphans(path)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            if path.is_dir():
                raise CacheError(_("{path} is a folder, not a cache file: set RASL_CACHE_PATH to a file name.").format(path=path))
            if path.exists() and not fresh:
                try:
                    shutil.copyfile(path, tmp)
                except OSError as err:
                    raise CacheError(_("The cache file {path} cannot be copied: {reason}.").format(
                        path=path, reason=err.strerror or err)) from err
            try:
                con = connect(tmp, memory_limit=WRITER_MEMORY_LIMIT)
            except CacheError as err:
                # The private copy's name means nothing to the user: name their file.
                raise CacheError(
                    _("The cache file {path} is not a DuckDB database or is damaged: move it away and sync "
                      "again.").format(path=path),
                    err.detail,
                ) from err
            try:
                create_schema(con)
                # No DuckDB transaction around the block: the copy is private until the swap, so
                # the os.replace below is the commit. (A DuckDB transaction would also keep every
                # row appended by a long sync in memory until COMMIT.)
                yield con
                con.execute("CHECKPOINT")
            finally:
                con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), tmp.with_name(tmp.name + ".tmp")):
                _remove(leftover)


def ensure_cache(path: Path | str) -> None:
    """Create an empty cache with the schema at ``path`` if none exists.

    Raises ``CacheError`` (with what to fix) when the path is a folder or cannot be created.
    """
    if Path(path).is_dir():
        raise CacheError(_("{path} is a folder, not a cache file: set RASL_CACHE_PATH to a file name.").format(path=path))
    if not Path(path).exists():
        with write_transaction(path):
            pass


class Reader:
    """Read-only access to the cache, shared by a process (the dashboard, the CLI).

    ``query(sql, params)`` returns a pandas DataFrame; each call uses its own cursor, so threads
    may share one ``Reader``. The connection is reopened when a writer swapped a new cache file
    in (so the next query sees the finished sync). ``version`` identifies the current file
    contents and is what ``st.cache_data`` readers key on. Raises ``CacheError`` when the file
    is missing or unreadable.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None

    def _file_identity(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as err:
            raise CacheError(_("No data yet: run a sync first."), str(self.path)) from err
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    @property
    def version(self) -> str:
        """A string that changes whenever a writer swaps in a new cache file."""
        ino, size, mtime = self._file_identity()
        return f"{ino}-{size}-{mtime}"

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh cursor on the current cache file (reopened if the file was replaced)."""
        identity = self._file_identity()
        with self._lock:
            if self._con is None or identity != self._identity:
                if self._con is not None:
                    with contextlib.suppress(duckdb.Error):
                        self._con.close()
                self._con = connect(self.path, read_only=True)
                self._identity = identity
            return self._con.cursor()

    def query(self, sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
        """Run one parameterised query and return all rows as a DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        except duckdb.Error as err:
            raise CacheError(_("The cache could not answer this question."), str(err)) from err
        finally:
            cur.close()

    def close(self) -> None:
        """Close the shared connection (a later query reopens it)."""
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
