"""`python -m rasl_data sync` over real HTTP against the emulator: the main job on real input,
one writer beside a reading dashboard, kill -9, and bad input giving one clear line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rasl_data.cache import store
from rasl_data.cache.workspace import Workspace
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, Faults, make_demo_tenant
from rasl_data.emulator.server import serve
from rasl_data.settings import load_settings

REPO = Path(__file__).resolve().parent.parent
AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
N = 2_000


@pytest.fixture
def emulator():
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=N, seed=5)
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    server, thread = serve(app, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}/api/v2"
    yield app, base
    server.shutdown()
    server.server_close()


def env_for(base: str, cache: Path, token: str = DEMO_TOKEN, tmp: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASL_")}
    env.update(RASL_API_TOKEN=token, RASL_BASE_URL=base, RASL_CACHE_PATH=str(cache),
               RASL_SECRETS_PATH=str(cache.parent / "no-secrets.toml"))
    return env


def run_cli(args: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rasl_data", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def count(path: Path) -> int:
    return int(store.Reader(path).query("SELECT count(*) AS n FROM contacts")["n"].iloc[0])


def test_cli_sync_over_http_fills_the_cache_with_the_emulator_contacts(tmp_path, emulator):
    app, base = emulator
    cache = tmp_path / "real.duckdb"
    done = run_cli(["sync", "--quiet"], env_for(base, cache))
    assert done.returncode == 0, done.stderr
    assert f"{N:,} in cache" in done.stdout
    assert count(cache) == app.tenant.n_contacts == N
    again = run_cli(["sync", "--quiet"], env_for(base, cache))
    assert again.returncode == 0 and "Sync incremental: 0 new, 0 updated, 0 deleted" in again.stdout


def test_cron_sync_while_the_dashboard_reads_never_hits_a_lock_error(tmp_path, emulator):
    app, base = emulator
    cache = tmp_path / "real.duckdb"
    settings = load_settings({"RASL_API_TOKEN": DEMO_TOKEN, "RASL_BASE_URL": base, "RASL_CACHE_PATH": str(cache)},
                             secrets_path=tmp_path / "none.toml", environ={})
    ws = Workspace(settings)  # the dashboard's side: opens the cache and keeps reading it
    errors: list[BaseException] = []
    seen: list[int] = []
    stop = threading.Event()

    def dashboard():
        while not stop.is_set():
            try:
                seen.append(ws.contact_count())
            except BaseException as err:  # noqa: BLE001 - any error is a failure here
                errors.append(err)
            time.sleep(0.01)

    reader = threading.Thread(target=dashboard)
    reader.start()
    app.faults = Faults.parse("latency:20")
    cron = subprocess.Popen([sys.executable, "-m", "rasl_data", "sync", "--quiet"], cwd=REPO,
                            env=env_for(base, cache), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # While cron writes, a second writer (the dashboard's Sync now) is told to wait, not crashed.
    deadline = time.time() + 30
    while time.time() < deadline and not list(tmp_path.glob(".real.duckdb.*.tmp")):
        time.sleep(0.02)
    with pytest.raises(store.CacheBusyError):
        with store.writer_lock(cache, timeout=0.1):
            pass
    out, err = cron.communicate(timeout=120)
    stop.set()
    reader.join()
    assert cron.returncode == 0, err
    assert not errors, errors[:1]
    assert seen and seen[0] == 0 and ws.contact_count() == N  # the dashboard sees the new data afterwards
    assert "lock" not in err.lower()


def test_kill_9_during_a_cli_sync_leaves_the_cache_and_the_next_run_completes(tmp_path, emulator):
    app, base = emulator
    cache = tmp_path / "real.duckdb"
    assert run_cli(["sync", "--quiet"], env_for(base, cache)).returncode == 0
    for cid in [int(i) for i in app.tenant.c["id"][:500]]:
        app.tenant.update_contact(cid, {"type": "customer"})
    before = cache.read_bytes()
    app.faults = Faults.parse("latency:150")
    proc = subprocess.Popen([sys.executable, "-m", "rasl_data", "sync", "--full", "--quiet"], cwd=REPO,
                            env=env_for(base, cache), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline and app.requests < 8:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert cache.read_bytes() == before
    app.faults = Faults()
    done = run_cli(["sync", "--quiet"], env_for(base, cache))
    assert done.returncode == 0, done.stderr
    assert "500 updated" in done.stdout


def assert_one_line_error(done: subprocess.CompletedProcess, *needles: str) -> None:
    assert done.returncode == 1
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in done.stderr
    for needle in needles:
        assert needle.lower() in lines[0].lower(), lines[0]


def test_wrong_token_gives_one_line_and_keeps_the_cache(tmp_path, emulator):
    app, base = emulator
    cache = tmp_path / "real.duckdb"
    assert run_cli(["sync", "--quiet"], env_for(base, cache)).returncode == 0
    before = store.Reader(cache).query("SELECT * FROM contacts ORDER BY id")
    secret = "wm_" + "x" * 60
    done = run_cli(["sync"], env_for(base, cache, token=secret))
    assert_one_line_error(done, "token")
    assert secret not in done.stderr + done.stdout
    after = store.Reader(cache).query("SELECT * FROM contacts ORDER BY id")
    assert after.equals(before)


def test_unreachable_base_url_gives_one_line(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = run_cli(["sync"], env_for(f"http://127.0.0.1:{port}/api/v2", tmp_path / "c.duckdb"))
    assert_one_line_error(done)
    assert f"127.0.0.1:{port}" in done.stderr or "connect" in done.stderr.lower()


class _ProxyPage(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_malformed_response_gives_one_line_and_keeps_the_cache(tmp_path, emulator):
    app, base = emulator
    cache = tmp_path / "real.duckdb"
    assert run_cli(["sync", "--quiet"], env_for(base, cache)).returncode == 0
    before = count(cache)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = run_cli(["sync"], env_for(f"http://127.0.0.1:{server.server_address[1]}/api/v2", cache))
    finally:
        server.shutdown()
        server.server_close()
    assert_one_line_error(done)
    assert count(cache) == before


def test_cli_sync_meeting_a_page_that_stays_short_exits_1_and_keeps_the_cache(tmp_path, emulator):
    """Regression: a page cut short was saved as deletions and the sync exited 0."""
    app, base = emulator
    cache = tmp_path / "real.duckdb"
    assert run_cli(["sync", "--quiet"], env_for(base, cache)).returncode == 0
    before = store.Reader(cache).query("SELECT id, first_seen_at FROM contacts ORDER BY id")
    app.faults = Faults.parse("short-page:1000")
    done = run_cli(["sync", "--full"], env_for(base, cache))
    assert_one_line_error(done, "came back incomplete", "previous data is kept")
    assert store.Reader(cache).query("SELECT id, first_seen_at FROM contacts ORDER BY id").equals(before)
    app.faults = Faults.parse("short-page:2")
    done = run_cli(["sync", "--full", "--quiet"], env_for(base, cache))
    assert done.returncode == 0 and "0 deleted" in done.stdout and f"{N:,} in cache" in done.stdout


def test_sync_max_wait_flag_is_checked_like_the_setting(tmp_path, emulator):
    _, base = emulator
    done = run_cli(["sync", "--max-wait", "soon"], env_for(base, tmp_path / "c.duckdb"))
    assert done.returncode == 2 and "RASL_MAX_RETRY_WAIT (argument)" in done.stderr and "Traceback" not in done.stderr


def test_bad_configuration_exits_2_with_the_key_named(tmp_path, emulator):
    _, base = emulator
    env = env_for(base, tmp_path / "c.duckdb")
    env["RASL_TIMEZONE"] = "Mars/Olympus"
    done = run_cli(["sync"], env)
    assert done.returncode == 2 and "RASL_TIMEZONE" in done.stderr and "Traceback" not in done.stderr
