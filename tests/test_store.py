"""The cache's single writer and read-only readers (rasl_data.cache.store)."""

import multiprocessing
import threading
import time

import pytest

from rasl_data.cache import store


def insert_contact(con, cid, when="2026-01-05 10:00:00+00"):
    con.execute("INSERT INTO contacts (id, created_at) VALUES (?, CAST(? AS TIMESTAMPTZ))", [cid, when])


def count(reader):
    return int(reader.query("SELECT count(*) AS n FROM contacts")["n"].iloc[0])


def test_a_failed_write_leaves_the_previous_cache_byte_for_byte(tmp_path):
    path = tmp_path / "c.duckdb"
    with store.write_transaction(path) as con:
        insert_contact(con, 1)
    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        with store.write_transaction(path) as con:
            insert_contact(con, 2)
            raise RuntimeError("network dropped mid-sync")
    assert path.read_bytes() == before
    assert count(store.Reader(path)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.duckdb", "c.duckdb.lock"]


def test_reader_sees_new_data_after_the_swap_and_keeps_working_during_a_write(tmp_path):
    path = tmp_path / "c.duckdb"
    store.ensure_cache(path)
    reader = store.Reader(path)
    v0 = reader.version
    with store.write_transaction(path) as con:
        insert_contact(con, 1)
        insert_contact(con, 2)
        # While the writer works on its private copy, the reader still answers from the old file.
        assert count(reader) == 0
    assert count(reader) == 2
    assert reader.version != v0


def test_second_writer_waits_then_gets_a_clear_busy_error(tmp_path):
    path = tmp_path / "c.duckdb"
    store.ensure_cache(path)
    entered = threading.Event()
    release = threading.Event()

    def hold():
        with store.write_transaction(path) as con:
            insert_contact(con, 1)
            entered.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    entered.wait(5)
    with pytest.raises(store.CacheBusyError, match="Another sync"):
        with store.writer_lock(path, timeout=0.2):
            pass
    release.set()
    t.join()
    assert count(store.Reader(path)) == 1


def _killed_writer(path):
    with store.write_transaction(path) as con:
        con.execute("INSERT INTO contacts (id, created_at) SELECT i, now() FROM range(10, 50000) r(i)")
        time.sleep(30)  # killed here


def test_kill_9_mid_write_leaves_the_cache_intact_and_the_next_write_works(tmp_path):
    path = tmp_path / "c.duckdb"
    with store.write_transaction(path) as con:
        insert_contact(con, 1)
    before = path.read_bytes()
    proc = multiprocessing.get_context("spawn").Process(target=_killed_writer, args=(str(path),))
    proc.start()
    deadline = time.time() + 20
    while time.time() < deadline and not list(tmp_path.glob(".c.duckdb.*.tmp")):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.kill()
    proc.join()
    assert path.read_bytes() == before
    with store.write_transaction(path, lock_timeout=5) as con:
        insert_contact(con, 2)
    assert count(store.Reader(path)) == 2
    assert not list(tmp_path.glob(".c.duckdb.*.tmp*"))


def test_reader_on_missing_file_says_to_sync_first(tmp_path):
    with pytest.raises(store.CacheError, match="run a sync first"):
        store.Reader(tmp_path / "none.duckdb").query("SELECT 1")


def test_schema_has_the_documented_tables(tmp_path):
    path = tmp_path / "c.duckdb"
    store.ensure_cache(path)
    names = set(store.Reader(path).query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert set(store.TABLES) <= names
    cols = store.Reader(path).query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'contacts'")
    types = dict(zip(cols["column_name"], cols["data_type"]))
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"


def test_cache_folder_that_cannot_be_created_gives_what_to_fix(tmp_path):
    """Regression: RASL_CACHE_PATH under a regular file raised a bare FileExistsError."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(store.CacheError, match="RASL_CACHE_PATH or RASL_CACHE_DIR"):
        store.ensure_cache(blocker / "sub" / "c.duckdb")


def test_cache_path_that_is_a_folder_is_named_as_such(tmp_path):
    with pytest.raises(store.CacheError, match="is a folder"):
        store.ensure_cache(tmp_path)


def test_damaged_cache_file_message_names_the_users_file_not_the_private_copy(tmp_path):
    """Regression: the message named the hidden temporary copy (.c.duckdb.1234abcd.tmp)."""
    path = tmp_path / "c.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(store.CacheError) as err:
        with store.write_transaction(path):
            pass
    assert str(path) in err.value.title and ".tmp" not in err.value.title
    assert path.read_bytes() == b"this is not a database" * 100
