"""Server-side run time of every dashboard page on a large cache (prints figures, asserts nothing).

Usage::

    .venv/bin/python bench/bench_pages.py [--contacts 1000000] [--cache FILE] [--repeat 3]

The cache is generated with SQL straight into a DuckDB file (sources with English and Arabic
campaign-style names, statuses, groups, memberships, lead → customer changes, sync runs) and
reused while its contact count matches. Each page is run with ``AppTest`` in this process:

* **cold**: first run of the page with an empty ``st.cache_data`` and a reader that has not
  queried yet (the app's own first run on a fresh server);
* **filter change**: the page re-run after a sidebar change (a source filter, then a date range)
  that misses the cache for every query on the page.

Targets: under 1.5 s cold and 0.5 s on a filter change.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

import duckdb  # noqa: E402

from rasl_data.cache import store  # noqa: E402

PAGES = ["pages/overview.py", "pages/sources.py", "pages/campaigns.py", "pages/conversion.py",
         "pages/health.py", "pages/settings.py"]
TARGET_COLD, TARGET_CHANGE = 1.5, 0.5

CHANNELS = ["WhatsApp", "Instagram", "Facebook", "TikTok", "Snapchat", "Google Ads", "Website", "Referral",
            "انستغرام", "فيسبوك", "واتساب", "سناب شات"]
CAMPAIGNS = ["Ramadan offer", "White Friday", "Eid sale", "Summer", "Brand", "عروض رمضان", "الجمعة البيضاء",
             "Back to school", "National day", "Launch"]


def source_names(n: int = 60) -> list[str]:
    """``n`` distinct source names in the ``Channel / Campaign`` convention, some bare, some unmapped."""
    names = [c for c in CHANNELS]
    i = 0
    while len(names) < n - 4:
        names.append(f"{CHANNELS[i % len(CHANNELS)]} / {CAMPAIGNS[(i // len(CHANNELS)) % len(CAMPAIGNS)]}")
        i += 1
    names += ["Old promo", "Booth at expo", "Partner list", "whatsapp "]
    return list(dict.fromkeys(names))[:n]


def generate(path: Path, contacts: int) -> None:
    """Write a fresh cache with ``contacts`` contacts at ``path`` (about 548 days of history)."""
    names = source_names()
    with store.write_transaction(path, fresh=True) as con:
        con.execute("SELECT setseed(0.42)").fetchall()
        con.executemany("INSERT INTO sources VALUES (?, ?, now() - INTERVAL 600 DAY, now() - INTERVAL 600 DAY, NULL)",
                        [(i + 1, n) for i, n in enumerate(names)])
        con.execute("INSERT INTO sources VALUES (999, 'Deleted campaign', now() - INTERVAL 600 DAY, now(), now())")
        con.executemany("INSERT INTO statuses VALUES (?, ?, ?, now(), now(), NULL)",
                        [(1, "New Lead", "#3B82F6"), (2, "Contacted", "#F59E0B"), (3, "Qualified", "#8B5CF6"),
                         (4, "Won", "#10B981"), (5, "Lost", "#EF4444")])
        con.executemany("INSERT INTO groups VALUES (?, ?, now(), now(), NULL)",
                        [(i, n) for i, n in enumerate(["VIP", "Newsletter", "Riyadh", "Jeddah", "Wholesale",
                                                        "عملاء مميزون", "Webinar", "Returning"], start=1)])
        n_src = len(names)
        con.execute(f"""
            INSERT INTO contacts
            SELECT i, 'First', 'Last', NULL,
                   CASE WHEN r1 < 0.62 THEN 'lead' WHEN r1 < 0.88 THEN 'customer' ELSE 'guest' END,
                   NULL, NULL, 1 + CAST(floor(r2 * 5) AS BIGINT),
                   CASE WHEN r3 < 0.03 THEN NULL WHEN r3 < 0.04 THEN 999
                        ELSE 1 + CAST(floor(pow(r4, 2.2) * {n_src}) AS BIGINT) END,
                   NULL, 194, NULL, false,
                   created, created, greatest(created, TIMESTAMPTZ '2026-01-01 00:00:00+00')
            FROM (SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                         now() - to_microseconds(CAST(pow(random(), 0.8) * 548 * 86400e6 AS BIGINT)) AS created
                  FROM range(1, ? + 1) t(i))
        """, [contacts])
        con.execute("""
            INSERT INTO contact_groups
            SELECT id, 1 + CAST(floor(random() * 8) AS BIGINT) FROM contacts WHERE random() < 0.3
            ON CONFLICT DO NOTHING
        """)
        con.execute("""
            INSERT INTO contact_changes
            SELECT id, 'type', 'lead', 'customer',
                   greatest(created_at, first_seen_at) + to_microseconds(CAST(random() * 40 * 86400e6 AS BIGINT)), 1
            FROM contacts WHERE type = 'customer' AND random() < 0.5
        """)
        con.execute("""
            INSERT INTO sync_runs
            SELECT i, now() - INTERVAL (i) HOUR, now() - INTERVAL (i) HOUR + INTERVAL 40 SECOND,
                   CASE WHEN i = 30 THEN 'full' ELSE 'incremental' END, 'success', 12, 0, 100, 20, 0, NULL
            FROM range(1, 31) t(i)
        """)


def ensure_cache(path: Path, contacts: int) -> float:
    """Generate the cache unless one with ``contacts`` contacts exists; returns seconds spent."""
    if path.exists():
        con = duckdb.connect(str(path), read_only=True)
        try:
            n = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
        finally:
            con.close()
        if n == contacts:
            return 0.0
        path.unlink()
    t = time.perf_counter()
    generate(path, contacts)
    return time.perf_counter() - t


def _patch_apptest_navigation() -> None:
    """Run app.py (with st.navigation) on every AppTest run; see tests/test_app_pages.py."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def bench(cache: Path, repeat: int) -> list[tuple[str, float, float, float]]:
    """``[(page, cold s, source-filter change s, date-range change s)]`` (medians over ``repeat``)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from rasl_data.cache.workspace import Workspace
    from rasl_data.settings import load_settings
    from ui import context

    _patch_apptest_navigation()
    settings = load_settings({"RASL_CACHE_PATH": str(cache)}, environ={}, secrets_path=cache.parent / "none.toml")
    results = []
    for page in PAGES:
        colds, changes, ranges = [], [], []
        for _ in range(repeat):
            st.cache_data.clear()
            context.WORKSPACE_OVERRIDE = Workspace(settings)  # a new reader: nothing queried yet
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.session_state["_first_sync_tried"] = True
            at.query_params["compare"] = "previous"
            # The first run lands on the default page; switch pages with an empty cache again so
            # every page is measured cold.
            at.run()
            st.cache_data.clear()
            context.WORKSPACE_OVERRIDE = Workspace(settings)
            t = time.perf_counter()
            at.switch_page(page).run()
            colds.append(time.perf_counter() - t)
            _check(at, page)
            ms = at.multiselect(key="f_sources")
            t = time.perf_counter()
            ms.set_value([3]).run()  # one source (id 3, a large one)
            changes.append(time.perf_counter() - t)
            _check(at, page)
            t = time.perf_counter()
            at.selectbox(key="f_preset").set_value("last 90 days").run()
            ranges.append(time.perf_counter() - t)
            _check(at, page)
        results.append((page, statistics.median(colds), statistics.median(changes), statistics.median(ranges)))
    context.WORKSPACE_OVERRIDE = None
    return results


def _check(at, page: str) -> None:
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the cache, run every page, print a table of seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "rasl-bench" / "pages-1m.duckdb")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    gen = ensure_cache(args.cache, args.contacts)
    print(f"cache: {args.cache} ({args.contacts:,} contacts; "
          + (f"generated in {gen:.1f} s" if gen else "reused") + f", {args.cache.stat().st_size / 1e6:.0f} MB)")
    rows = bench(args.cache, args.repeat)
    print(f"\n{'page':<24}{'cold s':>9}{'source filter s':>17}{'date range s':>14}   (median of {args.repeat}; "
          f"targets {TARGET_COLD} s cold, {TARGET_CHANGE} s on a change)")
    for page, cold, change, rng in rows:
        flag = "" if cold < TARGET_COLD and max(change, rng) < TARGET_CHANGE else "   over target"
        print(f"{page:<24}{cold:>9.3f}{change:>17.3f}{rng:>14.3f}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
