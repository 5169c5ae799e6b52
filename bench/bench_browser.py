"""Browser timings of the dashboard on the demo workspace, in Debian's Chromium (prints, never asserts).

Starts ``streamlit run app.py`` with no token (the demo workspace) and a temporary
``RASL_CACHE_DIR``, lets the first visit run the first sync (timed, not counted below), then:

* **first chart**: from navigation (a new browser context, so a new Streamlit session) to the
  Overview's first Plotly chart drawn, and to the page fully drawn (no run, no skeleton);
* **filter change**: on a loaded Overview, from a click on the sidebar's Granularity (Week ↔ Day)
  or Date range (Last 12 complete weeks ↔ Last 28 days) to the chart showing the new figure
  (its bars and axis labels changed), and to the page fully drawn.

Medians of ``--runs`` runs. Usage: ``.venv/bin/python bench/bench_browser.py [--runs 5]``.
Needs ``/usr/bin/chromium`` (``make test`` installs it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tests.e2e.conftest import (  # noqa: E402 - the same browser helpers as the e2e tests
    CHROMIUM,
    chromium_browser,
    open_page,
    start_dashboard,
    stop_dashboard,
    wait_idle,
)

CHART = '[data-testid="stPlotlyChart"] .main-svg'
# What the first chart shows: its bars and x-axis labels. Changes when the figure is replaced.
FIGURE_JS = """() => {
  const chart = document.querySelector('[data-testid="stPlotlyChart"]');
  if (!chart) return '';
  const bars = chart.querySelectorAll('.barlayer .point').length;
  const ticks = [...chart.querySelectorAll('.xtick text')].map(t => t.textContent).join('|');
  return bars + '#' + ticks;
}"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def summary(name: str, values: list[float]) -> None:
    print(f"  {name:<34} median {ms(statistics.median(values)):>9}   runs: "
          + ", ".join(ms(v) for v in values))


def time_first_chart(browser, url: str, runs: int) -> None:
    chart, settled = [], []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(CHART, state="visible", timeout=120_000)
        chart.append(time.perf_counter() - t0)
        wait_idle(page, timeout_ms=120_000, settle_ms=0)
        settled.append(time.perf_counter() - t0)
        context.close()
    print("Navigation to the Overview (new session):")
    summary("first chart visible", chart)
    summary("page fully drawn", settled)


def _change_and_time(page, click) -> tuple[float, float]:
    before = page.evaluate(FIGURE_JS)
    t0 = time.perf_counter()
    click()
    page.wait_for_function(f"(before) => {{ const now = ({FIGURE_JS})(); return now !== '' && now !== before; }}",
                           arg=before, timeout=120_000, polling="raf")
    chart = time.perf_counter() - t0
    wait_idle(page, timeout_ms=120_000, settle_ms=0)
    return chart, time.perf_counter() - t0


def time_filter_changes(browser, url: str, runs: int) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    open_page(page, url, chart=True, timeout_ms=120_000)
    gran = page.get_by_role("radiogroup", name="Granularity")
    results: dict[str, list[tuple[float, float]]] = {"granularity": [], "date range": []}
    for i in range(runs):
        target = "Day" if i % 2 == 0 else "Week"
        results["granularity"].append(_change_and_time(page, lambda: gran.get_by_role("radio", name=target).click()))
        wait_idle(page)
    for i in range(runs):
        target = "Last 28 days" if i % 2 == 0 else "Last 12 complete weeks"

        def pick(target=target):
            page.get_by_role("combobox", name="Date range").click()
            page.get_by_role("option", name=target, exact=True).click()

        results["date range"].append(_change_and_time(page, pick))
        wait_idle(page)
    context.close()
    for what, pairs in results.items():
        print(f"Filter change: {what} (Overview, sidebar click):")
        summary("updated chart visible", [p[0] for p in pairs])
        summary("page fully drawn", [p[1] for p in pairs])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is not installed (apt-get install chromium); nothing measured.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        proc, url = start_dashboard({"RASL_CACHE_DIR": str(work / "cache")}, work)
        print(f"Dashboard up in {ms(time.perf_counter() - t0)} (demo workspace, {url})")
        try:
            with chromium_browser() as browser:
                context = browser.new_context(viewport={"width": 1440, "height": 1000})
                page = context.new_page()
                t0 = time.perf_counter()
                open_page(page, url, chart=True, timeout_ms=600_000)
                print(f"First visit with first sync (not counted below): {ms(time.perf_counter() - t0)}")
                context.close()
                time_first_chart(browser, url, args.runs)
                time_filter_changes(browser, url, args.runs)
        finally:
            stop_dashboard(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
