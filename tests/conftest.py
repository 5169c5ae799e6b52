"""Shared test fixtures: ``make_cache`` builds a real cache file from plain Python rows."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from rasl_data.cache import store  # noqa: E402

# Map DuckDB column types to the pandas dtype that carries NULLs and inserts without guessing.
_PANDAS_TYPE = {"BIGINT": "Int64", "INTEGER": "Int64", "BOOLEAN": "boolean"}


def _frame(con, table: str, rows) -> tuple[pd.DataFrame, list[str]]:
    """Rows (dicts with any subset of columns, or a DataFrame) → a typed frame for ``table``."""
    schema = con.execute(f"DESCRIBE {table}").fetchall()
    types = {name: typ for name, typ, *_ in schema}
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    unknown = set(df.columns) - set(types)
    if unknown:
        raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
    for col in df.columns:
        typ = types[col]
        if typ.startswith("TIMESTAMP"):
            # Aware datetimes or ISO strings with an offset; naive values are a test bug.
            values = [None if v is None or pd.isna(v) else v for v in df[col]]
            for v in values:
                if isinstance(v, datetime) and v.tzinfo is None:
                    raise ValueError(f"{table}.{col}: naive datetime {v!r}; give a time zone")
            df[col] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        elif typ == "DATE":
            df[col] = pd.to_datetime(df[col])
        elif typ in _PANDAS_TYPE:
            df[col] = df[col].astype(_PANDAS_TYPE[typ])
        else:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df, list(df.columns)


def build_cache(path: Path, **tables) -> store.Reader:
    """Write ``tables`` (name → rows) into a fresh cache at ``path`` and return a ``Reader``."""
    with store.write_transaction(path, fresh=True) as con:
        for table, rows in tables.items():
            if rows is None or table not in store.TABLES:
                if table not in store.TABLES:
                    raise KeyError(f"unknown cache table {table!r}")
                continue
            df, cols = _frame(con, table, rows)
            if not len(df):
                continue
            con.register("_rows", df)
            quoted = ", ".join(f'"{c}"' for c in cols)
            con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _rows")
            con.unregister("_rows")
    return store.Reader(path)


@pytest.fixture
def make_cache(tmp_path):
    """``make_cache(tmp_path, contacts=[...], sources=[...], groups=..., ...) -> store.Reader``.

    Keyword arguments are cache table names (``store.TABLES``); each takes a list of dicts (any
    subset of the table's columns; missing → NULL) or a DataFrame. Timestamps: aware datetimes or
    ISO strings with an offset. ``name=`` picks the file name under the directory (default
    ``cache.duckdb``). The first positional argument is the directory (normally ``tmp_path``).
    Every call builds a new file; readers are closed at teardown.
    """
    readers: list[store.Reader] = []
    counter = iter(range(10_000))

    def _make(directory: Path | None = None, *, name: str | None = None, **tables) -> store.Reader:
        directory = Path(directory or tmp_path)
        path = directory / (name or f"cache{next(counter) or ''}.duckdb")
        reader = build_cache(path, **tables)
        readers.append(reader)
        return reader

    yield _make
    for r in readers:
        r.close()


def utc(*args) -> datetime:
    """Shorthand for an aware UTC datetime in tests."""
    from datetime import timezone

    return datetime(*args, tzinfo=timezone.utc)



# --- Page tests (AppTest) ---------------------------------------------------------------------------

@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """(Page tests: ``pytestmark = pytest.mark.usefixtures("isolated")``.) Keep every test off ``~/.cache``, run app.py on every AppTest run, reset the workspace hook."""
    from apptest_support import use_navigation_on_every_run

    from ui import context

    use_navigation_on_every_run(monkeypatch)
    monkeypatch.setenv("RASL_CACHE_DIR", str(tmp_path / "cache-dir"))
    monkeypatch.setenv("RASL_CACHE_PATH", str(tmp_path / "env-cache.duckdb"))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    yield
    context.WORKSPACE_OVERRIDE = None


@pytest.fixture
def small_ws(tmp_path, make_cache):
    """A workspace on the hand-counted cache, injected into the app."""
    from apptest_support import make_workspace, small_tables

    from ui import context

    reader = make_cache(tmp_path, name="small.duckdb", **small_tables())
    ws = make_workspace(tmp_path, reader.path)
    context.WORKSPACE_OVERRIDE = ws
    return ws


# --- Delivery tests: a loopback emulator, real SMTP servers, the environment of a workspace -------------

@pytest.fixture
def emulator():
    from rasl_data.emulator import EmulatorApp, empty_tenant
    from rasl_data.emulator.server import serve

    app = EmulatorApp(empty_tenant(), rate_limit_per_minute=None)
    server, _thread = serve(app, "127.0.0.1", 0)
    app.base = f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    yield app
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp(tmp_path):
    from smtp_fixtures import SmtpServer

    servers = []

    def start(mode: str = "plain", auth=None) -> SmtpServer:
        folder = tmp_path / f"tls{len(servers)}"
        folder.mkdir()
        server = SmtpServer(folder, mode, auth)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def env(monkeypatch, cache, emulator):
    """The configuration of a real workspace served by the emulator, mail to be set per test.

    The test module supplies the ``cache`` fixture (the path of its cache file).
    """
    from rasl_data.emulator import DEMO_TOKEN

    values = {"RASL_SECRETS_PATH": "/dev/null", "RASL_API_TOKEN": DEMO_TOKEN, "RASL_BASE_URL": emulator.base,
              "RASL_CACHE_PATH": str(cache), "RASL_TIMEZONE": "UTC", "RASL_WEEK_START": "monday",
              "RASL_SMTP_FROM": "RASL reports <reports@example.com>"}
    for key in ("RASL_REPORT_EMAILS", "RASL_REPORT_WHATSAPP", "RASL_REPORT_WHATSAPP_TEMPLATE", "RASL_SMTP_URL"):
        monkeypatch.delenv(key, raising=False)

    def set_env(**more: str) -> None:
        for key, value in {**values, **more}.items():
            monkeypatch.setenv(key, value)

    set_env()
    return set_env


__all__ = ["build_cache", "utc", "date"]


# --- Sync tests ----------------------------------------------------------------------------------


@pytest.fixture
def tenant():
    """(Sync tests.) A fresh demo tenant (``sync_support.demo_tenant``) the test may change."""
    from sync_support import demo_tenant

    return demo_tenant()


@pytest.fixture
def app(tenant):
    """(Sync tests.) The emulator serving ``tenant`` in-process, without RASL's rate limit."""
    from rasl_data.emulator import EmulatorApp

    return EmulatorApp(tenant, rate_limit_per_minute=None)
