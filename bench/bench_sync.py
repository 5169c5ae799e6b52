"""Sync benchmark: full and incremental syncs from the emulator over loopback HTTP.

Prints, for each workspace size: full-sync contacts/s and peak RSS of the sync process (target
under 500 MB at 1,000,000 contacts: pages are streamed into DuckDB, not held in Python), then an
incremental sync after 1% of contacts changed: requests made against the minimum
``ceil(k/100) + 3`` and wall time. No rate limit (``--rate-limit 0``).

    .venv/bin/python bench/bench_sync.py            # 100,000 and 1,000,000 contacts
    .venv/bin/python bench/bench_sync.py --quick    # 20,000 contacts
"""

from __future__ import annotations

import argparse
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rasl_data.client import RaslClient  # noqa: E402
from rasl_data.emulator import DEMO_TOKEN  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(n: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasl_data", "emulator", "--port", str(port), "--contacts", str(n), "--rate-limit", "0"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}/api/v2"
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit("emulator did not start")


def run_sync_measured(base: str, cache: Path, full: bool) -> tuple[float, float, str]:
    """Like run_sync but reads the child's peak RSS from ``os.wait4``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASL_")}
    env.update(RASL_API_TOKEN=DEMO_TOKEN, RASL_BASE_URL=base, RASL_CACHE_PATH=str(cache),
               RASL_SECRETS_PATH=str(cache.parent / "none.toml"))
    args = [sys.executable, "-m", "rasl_data", "sync", "--quiet"] + (["--full"] if full else [])
    out_path = cache.parent / "out.txt"
    t0 = time.perf_counter()
    with open(out_path, "w") as out, open(cache.parent / "err.txt", "w") as err:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"sync failed: {(cache.parent / 'err.txt').read_text().strip()}")
    return wall, usage.ru_maxrss / 1024, out_path.read_text().strip()


def bench(n: int) -> None:
    emulator, base = start_emulator(n)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "bench.duckdb"
            wall, rss, out = run_sync_measured(base, cache, full=True)
            print(f"{n:>9,} contacts  full sync     {wall:7.1f} s  {n / wall:9,.0f} contacts/s  peak RSS {rss:6.0f} MB")
            k = n // 100
            with RaslClient(base, DEMO_TOKEN, concurrency=8) as client:
                ids: list[int] = []
                page_no = 1
                step = max(1, (n // 100) // max(1, math.ceil(k / 100)))
                while len(ids) < k:
                    page = client.contacts_page(sort="id", per_page=100, page=page_no)
                    if not page.items:
                        break
                    ids.extend(c.id for c in page.items)
                    page_no += step
                ids = ids[:k]
                t0 = time.perf_counter()
                for cid in ids:
                    client.update_contact(cid, {"type": "customer"})
                patch_s = time.perf_counter() - t0
            wall, rss, out = run_sync_measured(base, cache, full=False)
            requests = int(re.search(r"with ([\d,]+) requests", out).group(1).replace(",", ""))
            minimum = math.ceil(k / 100) + 3
            print(f"{'':>9}           incremental  {wall:7.1f} s  {k:,} changed (1%): {requests:,} requests "
                  f"vs minimum {minimum:,}  peak RSS {rss:6.0f} MB  (changes made in {patch_s:.1f} s)")
    finally:
        emulator.terminate()
        emulator.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20,000 contacts only")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=None)
    args = parser.parse_args()
    sizes = args.sizes or ([20_000] if args.quick else [100_000, 1_000_000])
    print(f"sync benchmark, emulator over loopback HTTP, no rate limit, {os.cpu_count()} cores")
    for n in sizes:
        bench(n)


if __name__ == "__main__":
    main()
