"""What sign-in costs: page runs of a signed-in viewer vs the open dashboard, and 20 signed-in sessions at once.

Prints figures, asserts nothing. Usage::

    .venv/bin/python bench/bench_signin.py [--contacts 1000000] [--repeat 10] [--sessions 20] [--skip-server]

1. **Page run time** (``AppTest`` in this process, the 1M-contact cache of ``bench_pages.py``):
   Overview, Conversion and Data health, each run *cold* (empty ``st.cache_data``, fresh reader) and *warm* (the
   same page rerun, queries cached), alternately without sign-in (today's local use) and as a
   signed-in viewer (``[auth]``/``[access]`` in the secrets file, ``st.user`` set). Target: the
   viewer's run at most 10% slower than the open one.
2. **Concurrent sessions** (``streamlit run app.py`` on the same cache with sign-in through the
   local OpenID Connect provider of the e2e tests, Debian's Chromium): one browser signs in for
   real, then ``--sessions`` browser contexts carrying that sign-in cookie open the Overview at
   the same moment. Prints the median and worst time from navigation to the first chart drawn,
   and the server's resident memory (before, after, peak).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import _patch_apptest_navigation, ensure_cache  # noqa: E402

VIEWER = "sara@shop.example"
# Pages a viewer sees exactly as the open dashboard does (Sources and Campaigns draw no forms for
# viewers, so they would compare different pages).
PAGES = ["pages/overview.py", "pages/conversion.py", "pages/health.py"]
CHART = '[data-testid="stPlotlyChart"] .main-svg'
COOKIE_SECRET = "bench-cookie-secret-" + "q" * 30


def team_secrets(metadata_url: str, redirect_uri: str) -> str:
    """``[auth]`` (client of the local provider) and ``[access]`` text."""
    from tests.e2e.oidc_provider import CLIENT_ID, CLIENT_SECRET

    return (f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "{COOKIE_SECRET}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
            f'server_metadata_url = "{metadata_url}"\n\n'
            '[access]\neditors = ["maha@shop.example"]\nviewers = ["@shop.example"]\n')


# --- 1. page runs --------------------------------------------------------------------------------


def page_runs(cache: Path, repeat: int, work: Path) -> dict[tuple[str, str], dict[str, list[float]]]:
    """``{(page, mode): {"cold": [s...], "warm": [s...]}}`` for mode ``open`` and ``viewer``."""
    import tomllib

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from rasl_data.cache.workspace import Workspace
    from rasl_data.settings import load_settings
    from ui import context

    _patch_apptest_navigation()
    none = work / "none.toml"
    team = work / "team.toml"
    team.write_text(team_secrets("http://127.0.0.1:9/.well-known/openid-configuration",
                                 "http://localhost:8501/oauth2callback"))
    modes = {"open": (none, {}, None),
             "viewer": (team, tomllib.loads(team.read_text()), {"is_logged_in": True, "email": VIEWER})}
    settings = load_settings({"RASL_CACHE_PATH": str(cache)}, environ={}, secrets_path=none)
    out: dict[tuple[str, str], dict[str, list[float]]] = {}
    for page in PAGES:
        for i in range(repeat + 1):  # the first round warms imports and is dropped
            order = list(modes) if i % 2 == 0 else list(reversed(modes))
            for mode in order:
                path, secrets, user = modes[mode]
                os.environ["RASL_SECRETS_PATH"] = str(path)
                st.cache_data.clear()
                context.WORKSPACE_OVERRIDE = Workspace(settings)
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
                at.secrets.update(secrets)
                if user:
                    at.user = user
                at.session_state["_first_sync_tried"] = True
                at.run()
                st.cache_data.clear()
                context.WORKSPACE_OVERRIDE = Workspace(settings)
                t = time.perf_counter()
                at.switch_page(page).run()
                cold = time.perf_counter() - t
                t = time.perf_counter()
                at.run()
                warm = time.perf_counter() - t
                if at.exception or not at.get("plotly_chart") and page.endswith("overview.py"):
                    raise RuntimeError(f"{page} as {mode}: {[e.value for e in at.exception]}")
                if i:
                    slot = out.setdefault((page, mode), {"cold": [], "warm": []})
                    slot["cold"].append(cold)
                    slot["warm"].append(warm)
    context.WORKSPACE_OVERRIDE = None
    os.environ.pop("RASL_SECRETS_PATH", None)
    return out


def _gate_loop() -> None:
    """An app run that times the sign-in gate (``frame.visit``) alone, 500 times."""
    import time as _time

    import streamlit as st

    from ui import frame

    t = _time.perf_counter()
    for _ in range(500):
        v = frame.visit()
    st.session_state["gate_s"] = (_time.perf_counter() - t) / 500
    st.session_state["gate_kind"] = v.kind


def gate_cost(work: Path) -> tuple[float, str]:
    """Seconds one gate check costs a signed-in viewer's run (and the visit kind, a sanity check)."""
    import tomllib

    from streamlit.testing.v1 import AppTest

    team = work / "team.toml"
    os.environ["RASL_SECRETS_PATH"] = str(team)
    at = AppTest.from_function(_gate_loop, default_timeout=120)
    at.secrets.update(tomllib.loads(team.read_text()))
    at.user = {"is_logged_in": True, "email": VIEWER}
    at.run()
    os.environ.pop("RASL_SECRETS_PATH", None)
    return at.session_state["gate_s"], at.session_state["gate_kind"]


# --- 2. concurrent sessions ------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) memory of a process in MB, from ``/proc/<pid>/status``."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


async def _sessions(url: str, provider, sessions: int) -> tuple[float, list[float]]:
    from playwright.async_api import async_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # One real sign-in through the provider; its cookie makes the other sessions signed in.
            provider.email = VIEWER
            ctx = await browser.new_context(viewport={"width": 1440, "height": 1000})
            page = await ctx.new_page()
            await page.goto(url, wait_until="domcontentloaded")
            await page.get_by_role("button", name="Sign in").click()
            t0 = time.perf_counter()
            await page.wait_for_selector(CHART, state="visible", timeout=300_000)
            single = time.perf_counter() - t0
            state = await ctx.storage_state()
            await ctx.close()

            async def one() -> float:
                c = await browser.new_context(viewport={"width": 1440, "height": 1000}, storage_state=state)
                p = await c.new_page()
                start = time.perf_counter()
                await p.goto(url, wait_until="commit")
                await p.wait_for_selector(CHART, state="visible", timeout=600_000)
                took = time.perf_counter() - start
                signed = await p.locator('[data-testid="stSidebar"]').inner_text()
                await c.close()
                if VIEWER not in signed:
                    raise RuntimeError("a session was not signed in")
                return took

            times = await asyncio.gather(*(one() for _ in range(sessions)))
            return single, list(times)
        finally:
            await browser.close()


def concurrent_sessions(cache: Path, sessions: int, work: Path) -> dict:
    """Start the server with sign-in on ``cache`` and time ``sessions`` signed-in sessions at once."""
    from tests.e2e.conftest import free_port, start_dashboard, stop_dashboard
    from tests.e2e.oidc_provider import OIDCProvider

    port = free_port()
    url = f"http://localhost:{port}"
    provider = OIDCProvider([f"{url}/oauth2callback"]).start()
    secrets = work / "server-secrets.toml"
    secrets.write_text(team_secrets(provider.metadata_url, f"{url}/oauth2callback"))
    proc, _ = start_dashboard({"RASL_CACHE_PATH": str(cache), "RASL_SECRETS_PATH": str(secrets)}, work, port=port)
    try:
        before, _ = rss_mb(proc.pid)
        cpu0, wall0 = cpu_seconds(proc.pid), time.perf_counter()
        single, times = asyncio.run(_sessions(url, provider, sessions))
        cpu, wall = cpu_seconds(proc.pid) - cpu0, time.perf_counter() - wall0
        after, peak = rss_mb(proc.pid)
    finally:
        stop_dashboard(proc)
        provider.stop()
    return {"single": single, "times": times, "rss_before": before, "rss_after": after, "rss_peak": peak,
            "server_cpu": cpu, "wall": wall, "load": os.getloadavg()[0], "cores": os.cpu_count()}


def print_page_runs(runs, repeat: int, work: Path) -> None:
    """Print part 1: medians and minima of open vs viewer runs, and the gate's own cost."""
    gate, _ = gate_cost(work)
    print(f"\n1. Page run time, open dashboard vs signed-in viewer ({repeat} runs each, alternating; "
          "target +10% at most)")
    print(f"   {'page':<22}{'run':<6}{'open median':>12}{'viewer median':>14}{'change':>9}"
          f"{'open min':>10}{'viewer min':>11}{'change':>9}")
    cheapest = float("inf")
    for page in PAGES:
        for kind in ("cold", "warm"):
            o = statistics.median(runs[(page, "open")][kind])
            v = statistics.median(runs[(page, "viewer")][kind])
            om, vm = min(runs[(page, "open")][kind]), min(runs[(page, "viewer")][kind])
            cheapest = min(cheapest, om)
            print(f"   {page:<22}{kind:<6}{o:>12.3f}{v:>14.3f}{(v - o) / o:>+9.1%}{om:>10.3f}{vm:>11.3f}"
                  f"{(vm - om) / om:>+9.1%}")
    print(f"   the gate alone (frame.visit for a signed-in viewer): {gate * 1e3:.2f} ms per run = "
          f"{gate / cheapest:.1%} of the cheapest page run above ({cheapest:.3f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rasl-bench" / "pages-1m.duckdb")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--skip-server", action="store_true", help="only the page-run comparison")
    parser.add_argument("--skip-pages", action="store_true", help="only the concurrent sessions")
    args = parser.parse_args(argv)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    gen = ensure_cache(args.cache, args.contacts)
    print(f"cache: {args.cache} ({args.contacts:,} contacts; " + (f"generated in {gen:.1f} s" if gen else "reused")
          + ")")
    work = Path(tempfile.mkdtemp(prefix="rasl-bench-signin-"))

    if not args.skip_pages:
        print_page_runs(page_runs(args.cache, args.repeat, work), args.repeat, work)
    if not args.skip_server:
        r = concurrent_sessions(args.cache, args.sessions, work)
        t = sorted(r["times"])
        print(f"\n2. {args.sessions} signed-in sessions opening the Overview at once ({args.contacts:,} contacts)")
        print(f"   one session alone, after sign-in: first chart {r['single']:.1f} s")
        print(f"   first chart: median {statistics.median(t):.1f} s, worst {t[-1]:.1f} s, best {t[0]:.1f} s")
        print(f"   server memory: {r['rss_before']:.0f} MB before, {r['rss_after']:.0f} MB after, "
              f"{r['rss_peak']:.0f} MB peak")
        print(f"   server CPU: {r['server_cpu']:.1f} s over {r['wall']:.1f} s of wall time (the rest is the "
              f"browsers drawing {args.sessions} pages); machine load average {r['load']:.1f} on {r['cores']} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
