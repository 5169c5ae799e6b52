"""Benchmark the RASL client against the emulator over loopback HTTP (prints figures, no asserts).

1. Throughput: contacts/s reading every contact (``sort=id``, 100 per page) with 20 ms added
   latency per request and no rate limit, sequential vs concurrent pages.
2. Rate limit: a sync (sources, statuses, groups, every contact) of 3,000 and 20,000 contacts
   with RASL's 60-a-minute fixed window and without; prints the ratio to the unlimited run
   (target <= 1.5x when the sync fits in one window), to the fixed-window minimum (full windows
   back to back, target <= 1.1x) and the 429s received (target 0).

The emulator runs in a child process so it does not share the client's interpreter lock.

    python bench/bench_client.py --quick                      # ~1 minute
    python bench/bench_client.py                              # 100,000 throughput; syncs of 3,000 and 20,000 (~5 min)
    python bench/bench_client.py --contacts 5000 --rate-limit 600 --skip-throughput
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from rasl_data.api.client import RaslClient  # noqa: E402
from rasl_data.emulator import DEMO_TOKEN  # noqa: E402


def start_emulator(contacts: int, rate_limit: int, latency_ms: float) -> tuple[subprocess.Popen, str]:
    """Start ``python -m rasl_data.emulator.server`` on a free port; returns (process, base URL)."""
    cmd = [sys.executable, "-m", "rasl_data.emulator.server", "--port", "0", "--contacts", str(contacts),
           "--rate-limit", str(rate_limit), "--latency-ms", str(latency_ms), "--as-of", "2026-11-29T00:00:00+00:00"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout is not None
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("RASL_BASE_URL="):
            return proc, line.split("=", 1)[1].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("emulator did not start")


def read_all(base_url: str, concurrency: int) -> tuple[int, float, int]:
    """Read every contact; returns (contacts, seconds, requests)."""
    with RaslClient(base_url, DEMO_TOKEN, max_connections=max(8, concurrency), concurrency=concurrency) as client:
        t0 = time.perf_counter()
        n = sum(len(p.items) for p in client.iter_contact_pages(sort="id", concurrency=concurrency))
        return n, time.perf_counter() - t0, client.requests_made


def throughput(contacts: int, latency_ms: float, levels: list[int]) -> None:
    proc, url = start_emulator(contacts, 0, latency_ms)
    try:
        print(f"\n== Throughput: {contacts:,} contacts, {latency_ms:g} ms latency per request, no rate limit")
        base = None
        for c in levels:
            n, secs, reqs = read_all(url, c)
            rate = n / secs
            base = base or rate
            mode = "sequential" if c == 1 else f"concurrency {c}"
            print(f"{mode:>16}: {n:,} contacts in {secs:6.2f} s, {reqs} requests -> {rate:9,.0f} contacts/s "
                  f"({rate / base:4.1f}x sequential)")
    finally:
        proc.terminate()
        proc.wait()


def client_sync(url: str, concurrency: int) -> tuple[int, float, int, int, float, int]:
    """What a sync asks of the client: sources, statuses, groups, every contact.

    Returns (contacts, seconds, requests, rate-limit pauses, seconds paused, 429s received)."""
    got_429 = 0

    def on_event(kind: str, info: dict) -> None:
        nonlocal got_429
        if kind == "retry" and info.get("reason") == "HTTP 429":
            got_429 += 1

    with RaslClient(url, DEMO_TOKEN, on_event=on_event, concurrency=concurrency) as client:
        t0 = time.perf_counter()
        client.list_sources()
        client.list_statuses()
        client.list_groups()
        n = sum(len(p.items) for p in client.iter_contact_pages(sort="id"))
        secs = time.perf_counter() - t0
        return n, secs, client.requests_made, client.rate_limit_waits, client.rate_limit_wait_seconds, got_429


def rate_limited_sync(sizes: list[int], rate_limit: int, latency_ms: float, concurrency: int) -> None:
    """The same client sync with the limit off and on, each against a fresh emulator (a fresh
    fixed window); prints the ratio to the unlimited run and to the fixed-window minimum (every
    window's budget spent back to back: ``ceil(requests/limit) - 1`` windows plus the last batch)."""
    print(f"\n== Sync at {rate_limit}/minute vs no limit: {latency_ms:g} ms latency, concurrency {concurrency}")
    print(f"{'contacts':>9} {'requests':>8} {'no limit':>9} {'limited':>9} {'ratio':>6} {'fixed-window min':>17} "
          f"{'vs min':>7} {'429s':>5} {'pauses':>7}")
    for contacts in sizes:
        runs = {}
        for lim in (0, rate_limit):
            proc, url = start_emulator(contacts, lim, latency_ms)
            try:
                runs[lim] = client_sync(url, concurrency)
            finally:
                proc.terminate()
                proc.wait()
        n, free, reqs, _, _, _ = runs[0]
        _, limited, _, pauses, paused_s, got_429 = runs[rate_limit]
        windows = math.ceil(reqs / rate_limit)
        minimum = (windows - 1) * 60.0 + free * (reqs - (windows - 1) * rate_limit) / reqs
        print(f"{n:>9,} {reqs:>8} {free:8.1f}s {limited:8.1f}s {limited / free:5.2f}x {minimum:16.1f}s "
              f"{limited / minimum:6.2f}x {got_429:>5} {pauses:>3} ({paused_s:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run: 20,000 contacts; sync of 3,000 at 60/minute")
    p.add_argument("--contacts", type=lambda v: [int(x) for x in v.split(",")],
                   help="contacts for the rate-limited sync, comma list (default 3000,20000; quick 3000)")
    p.add_argument("--rate-limit", type=int, default=60, help="requests per minute for the sync (default 60)")
    p.add_argument("--throughput-contacts", type=int, help="contacts for the throughput part (default 100000)")
    p.add_argument("--latency-ms", type=float, default=20.0, help="added latency per request (default 20)")
    p.add_argument("--concurrency", type=int, nargs="*", default=[1, 4, 8, 16], help="levels to compare")
    p.add_argument("--skip-throughput", action="store_true")
    p.add_argument("--skip-sync", action="store_true")
    args = p.parse_args(argv)
    tp_contacts = args.throughput_contacts or (20_000 if args.quick else 100_000)
    sync_sizes = args.contacts or ([3_000] if args.quick else [3_000, 20_000])
    if not args.skip_throughput:
        throughput(tp_contacts, args.latency_ms, sorted(set([1] + args.concurrency)))
    if not args.skip_sync:
        rate_limited_sync(sync_sizes, args.rate_limit, args.latency_ms, 8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
