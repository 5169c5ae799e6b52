"""Real-browser fixtures: the emulator over loopback HTTP, ``streamlit run app.py``, Chromium.

One dashboard server per test module (module scope): the emulator serves a small deterministic
tenant on 127.0.0.1, the dashboard runs as a subprocess pointed at it with
``RASL_API_TOKEN``/``RASL_BASE_URL``, its own cache folder, ``RASL_TIMEZONE=Asia/Riyadh`` (so
local days differ from UTC days) and ``RASL_SECRETS_PATH`` at a file that does not exist (a
developer's ``.streamlit/secrets.toml`` must not steer the run). The first visit runs the first
sync; the fixture waits for it before any test starts. Each test gets a fresh page, which is a
fresh Streamlit session (filters seeded from the URL again).

Chromium is Debian's ``/usr/bin/chromium`` (``make test`` installs it); without it the tests
skip. The helpers below (``start_dashboard``, ``wait_idle``, ...) are plain functions so
``bench/bench_browser.py`` drives the browser the same way.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
TZ = "Asia/Riyadh"          # UTC+3 all year: contacts created 21:00-24:00 UTC fall on the next local day
N_CONTACTS = 3000
TOKEN = "wm_" + "e2e" * 20  # a workspace token (vendor format), not the demo token
BOOT_TIMEOUT_S = 60         # streamlit process up and /_stcore/health answering
FIRST_SYNC_TIMEOUT_S = 120  # first visit: first sync of the workspace + first chart
PAGE_TIMEOUT_MS = 45_000    # one page load / rerun on 2 busy cores


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(url: str, proc: subprocess.Popen, timeout_s: float = BOOT_TIMEOUT_S) -> None:
    """Poll ``<url>/_stcore/health`` until it answers ``ok``; raise with the server's log if not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{read_log(proc)}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200 and resp.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)  # polling interval, not synchronisation
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {timeout_s:.0f} s:\n{read_log(proc)}")


def read_log(proc: subprocess.Popen) -> str:
    """The last 4,000 characters of a dashboard subprocess's log (its stdout+stderr file)."""
    path = getattr(proc, "log_path", None)
    if not path or not Path(path).exists():
        return "(no log)"
    return Path(path).read_text(errors="replace")[-4000:]


def start_dashboard(env_extra: dict[str, str], log_dir: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free loopback port with ``env_extra``; returns (process, URL).

    The process leads its own process group so ``stop_dashboard`` ends it and anything it
    spawned. Every ``RASL_*`` variable of the caller's environment is dropped first, so only
    ``env_extra`` configures the workspace; ``RASL_SECRETS_PATH`` defaults to a missing file, and
    Streamlit reads the same secrets file (``--secrets.files``), as ``python -m rasl_data serve``
    starts it. ``port`` picks the port (a sign-in ``redirect_uri`` must name it in advance).
    """
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASL_")}
    env["RASL_SECRETS_PATH"] = str(log_dir / "no-secrets.toml")
    env.update(env_extra)
    env["PYTHONUNBUFFERED"] = "1"
    log_path = log_dir / f"streamlit-{port}.log"
    log = open(log_path, "wb")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--secrets.files", env["RASL_SECRETS_PATH"]]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    proc.log_path = log_path  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    try:
        wait_health(url, proc)
    except BaseException:
        stop_dashboard(proc)
        raise
    return proc, url


def stop_dashboard(proc: subprocess.Popen) -> None:
    """End the dashboard's process group (SIGTERM, then SIGKILL after 10 s): no orphan servers."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    else:
        try:  # the leader is gone; a child may still hold the group
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def chromium_browser():
    """Playwright's sync API driving Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# --- waiting on Streamlit ----------------------------------------------------------------------

# True once a script run has finished and its output is drawn: the app element carries the
# script state (``running``/``notRunning``) and connection state Streamlit exposes for tests;
# elements of the previous run are marked stale during a rerun; and lazily loaded elements
# (charts, tables, code blocks) show a skeleton until their code has loaded and drawn.
_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED') return false;
  return !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]');
}"""


def wait_idle(page, timeout_ms: int = PAGE_TIMEOUT_MS, settle_ms: int = 300) -> None:
    """Wait until the app is rendered and no script run is in progress.

    Idle must hold for ``settle_ms`` in a row (a rerun triggered by a callback or by
    ``ensure_app_frame`` starts right after the previous run ends). Polls with a deadline.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    idle_since = None
    while time.monotonic() < deadline:
        if page.evaluate(_IDLE_JS):
            idle_since = idle_since or time.monotonic()
            if (time.monotonic() - idle_since) * 1000 >= settle_ms:
                return
        else:
            idle_since = None
        page.wait_for_timeout(50)  # polling interval
    raise TimeoutError(f"the app was still running after {timeout_ms} ms")


def open_page(page, base_url: str, path: str = "", query: str = "", *, chart: bool = False,
              timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Navigate to ``<base>/<path>?<query>`` and wait for the rendered page (and a chart if asked)."""
    url = f"{base_url}/{path}" + (f"?{query}" if query else "")
    page.goto(url, wait_until="domcontentloaded")
    if chart:
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=timeout_ms)
    wait_idle(page, timeout_ms)


def metric_value(page, label: str) -> str:
    """The shown value of the ``st.metric`` card labelled ``label`` (e.g. ``"1,234"``)."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def as_int(text: str) -> int:
    """``"1,234"`` → 1234."""
    return int(re.sub(r"[^\d-]", "", text))


def shot(page, name: str, folder: Path | None = None) -> Path:
    """Full-page screenshot to ``test-artifacts/e2e/<name>.png`` (or ``folder/<name>.png``;
    git-ignored); returns the path."""
    folder = folder or ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # Streamlit scrolls inside its main container, so a "full page" screenshot of the window
    # shows one screen only: grow the window to the content's height for the picture.
    size = page.viewport_size
    height = page.evaluate(_CONTENT_HEIGHT_JS)
    if size and height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": min(height, 12_000)})
        _wait_layout_stable(page)
    page.screenshot(path=str(path), full_page=True)
    if size and height > size["height"]:
        page.set_viewport_size(size)
    return path


_CONTENT_HEIGHT_JS = """() => Math.max(...['stMain', 'stAppViewContainer', 'stSidebarContent'].map(id => {
  const el = document.querySelector(`[data-testid="${id}"]`);
  return el ? el.scrollHeight : 0;
}))"""

_LAYOUT_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg, [data-testid="stMain"]')]
  .map(el => `${el.getBoundingClientRect().width}x${el.getBoundingClientRect().height}`).join(',')"""


def _wait_layout_stable(page, timeout_ms: int = 5_000, settle_ms: int = 400) -> None:
    """After a window resize: wait until the main area and charts keep their size (polling)."""
    deadline = time.monotonic() + timeout_ms / 1000
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = page.evaluate(_LAYOUT_JS)
        if now != last:
            last, since = now, time.monotonic()
        elif (time.monotonic() - since) * 1000 >= settle_ms:
            return
        page.wait_for_timeout(50)  # polling interval


# --- independent expectations from the emulator's rows -------------------------------------------


def tenant_contacts(tenant) -> pd.DataFrame:
    """Live contacts of an emulator tenant as the API serves them: ``id``, ``source_id``
    (nullable), ``type``, ``created_at`` (aware UTC)."""
    rows = [tenant.contact_dict(i) for i in range(tenant.n) if tenant.c["alive"][i]]
    df = pd.DataFrame.from_records(rows, columns=["id", "source_id", "type", "created_at"])
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["source_id"] = df["source_id"].astype("Int64")
    return df


def local_day(ts: pd.Series, tz: str) -> pd.Series:
    """The local calendar date of each aware timestamp in ``tz``."""
    return ts.dt.tz_convert(tz).dt.date


def count_created(contacts: pd.DataFrame, start: date, end: date, tz: str = TZ) -> int:
    """Contacts created on local days ``start..end`` (inclusive) in ``tz``."""
    days = local_day(contacts["created_at"], tz)
    return int(((days >= start) & (days <= end)).sum())


def local_today(tz: str = TZ) -> date:
    """Today's date in ``tz``."""
    return datetime.now(timezone.utc).astimezone(__import__("zoneinfo").ZoneInfo(tz)).date()


def last_n_days(n: int, tz: str = TZ) -> tuple[date, date]:
    """The ``n`` whole local days ending yesterday."""
    yesterday = local_today(tz) - timedelta(days=1)
    return yesterday - timedelta(days=n - 1), yesterday


def last_12_complete_weeks(tz: str = TZ) -> tuple[date, date]:
    """The 12 Monday-to-Sunday weeks that ended before the current local week."""
    today = local_today(tz)
    end = today - timedelta(days=today.weekday() + 1)
    return end - timedelta(days=83), end


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator():
    """The RASL emulator over HTTP on 127.0.0.1 with a 3,000-contact tenant and token ``TOKEN``.

    Yields ``(app, base_url)``; ``app.tenant`` holds the rows the tests count from.
    """
    from rasl_data.emulator import EmulatorApp, make_demo_tenant
    from rasl_data.emulator.server import serve

    tenant = make_demo_tenant(as_of=datetime.now(timezone.utc), n_contacts=N_CONTACTS)
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    app.add_token(TOKEN)
    server, thread = serve(app, "127.0.0.1", 0)
    try:
        yield app, server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module; skips when Debian's chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (`make test` installs it: apt-get install chromium)")
    with chromium_browser() as b:
        yield b


class DashboardURL(str):
    """The dashboard's base URL (a ``str``), with ``cache_dir``: the folder of its cache file
    (``RASL_CACHE_DIR``), which a test may read with ``rasl_data.cache.store.Reader``."""

    cache_dir: Path

    def __new__(cls, url: str, cache_dir: Path) -> "DashboardURL":
        obj = super().__new__(cls, url)
        obj.cache_dir = cache_dir
        return obj


@pytest.fixture(scope="module")
def dashboard(emulator, browser, tmp_path_factory) -> Iterator[DashboardURL]:
    """Base URL of ``streamlit run app.py`` on the emulator's workspace, first sync done
    (a ``DashboardURL``: ``.cache_dir`` is its cache folder)."""
    _, api_base = emulator
    work = tmp_path_factory.mktemp("e2e-dashboard")
    proc, url = start_dashboard({
        "RASL_API_TOKEN": TOKEN, "RASL_BASE_URL": api_base, "RASL_CACHE_DIR": str(work / "cache"),
        "RASL_TIMEZONE": TZ,
    }, work)
    try:
        page = browser.new_page()
        try:
            # The first session syncs the empty cache, then draws the Overview.
            open_page(page, url, chart=True, timeout_ms=FIRST_SYNC_TIMEOUT_S * 1000)
        except Exception as err:
            raise RuntimeError(f"first visit failed: {err}\n{read_log(proc)}") from err
        finally:
            page.close()
        yield DashboardURL(url, work / "cache")
    finally:
        stop_dashboard(proc)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so ``page`` can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    """A fresh page (its own browser context, so a fresh Streamlit session) per test.

    A failed test leaves ``test-artifacts/e2e/FAILED-<test>.png`` of what the browser showed.
    """
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    pg = context.new_page()
    try:
        yield pg
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            try:
                shot(pg, f"FAILED-{name}")
            except Exception:  # the screenshot is a courtesy; the failure is already reported
                pass
        context.close()
