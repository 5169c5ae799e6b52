"""Sync benchmark: `python -m rasl_data sync` against the emulator over loopback HTTP.

Prints figures (no asserts):

1. Rate limit: wall time of a first (full) sync with and without RASL's 60-requests-a-minute
   fixed window, for 3,000 and 20,000 contacts, and of a "Sync now" after 40 changes; the ratio
   to the unlimited run (target <= 1.5x when the sync fits in one window) and to the
   fixed-window minimum, full windows used back to back (target <= 1.1x); 429s received.
2. Deletions: extra requests per deleted contact found by an incremental sync of 20,000
   contacts, for 1, 20 and 200 scattered deletions and one contiguous batch of 500 (nothing
   deleted costs 0 extra), each drawn several times: the mean and the worst of the samples.
3. Memory: peak RSS of the sync process for a full sync (target < 190 MB at 20,000 contacts,
   < 500 MB at 1,000,000) and contacts/s.

    .venv/bin/python bench/bench_sync.py                  # everything, 1M-contact run included
    .venv/bin/python bench/bench_sync.py --skip-million   # without the 1M-contact run
    .venv/bin/python bench/bench_sync.py --only rate|deletions|memory
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

from rasl_data.api.client import RaslClient  # noqa: E402
from rasl_data.emulator import DEMO_TOKEN  # noqa: E402

AS_OF = "2026-11-29T00:00:00+00:00"
WINDOW = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_emulator(n: int, rate_limit: int = 0, log: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Emulator in a child process; with ``log`` every request is logged there (429s counted)."""
    port = free_port()
    args = [sys.executable, "-m", "rasl_data", "emulator", "--port", str(port), "--contacts", str(n),
            "--rate-limit", str(rate_limit), "--as-of", AS_OF] + (["--verbose"] if log else [])
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=open(log, "w") if log else subprocess.DEVNULL, text=True)
    base = f"http://127.0.0.1:{port}/api/v2"
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit("emulator did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait()


def run_sync(base: str, cache: Path, *extra: str) -> tuple[float, float, str, str]:
    """One CLI sync; returns (wall seconds, peak RSS MB from wait4, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RASL_")}
    env.update(RASL_API_TOKEN=DEMO_TOKEN, RASL_BASE_URL=base, RASL_CACHE_PATH=str(cache),
               RASL_SECRETS_PATH=str(cache.parent / "none.toml"))
    out_path, err_path = cache.parent / "out.txt", cache.parent / "err.txt"
    t0 = time.perf_counter()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "rasl_data", "sync", *extra], cwd=REPO, env=env,
                                stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"sync failed: {err_path.read_text().strip()}")
    return wall, usage.ru_maxrss / 1024, out_path.read_text().strip(), err_path.read_text()


def requests_of(summary: str) -> int:
    return int(re.search(r"with ([\d,]+) requests", summary).group(1).replace(",", ""))


def fixed_window_minimum(requests: int, limit: int, unlimited_wall: float) -> float:
    """Seconds for ``requests`` when every window's full budget is spent at once: one window
    per ``limit`` requests back to back, plus the last batch at the unlimited pace."""
    windows = math.ceil(requests / limit)
    last = requests - (windows - 1) * limit
    return (windows - 1) * WINDOW + unlimited_wall * last / requests


def served(n: int, rate_limit: int):
    """The emulator served over loopback HTTP from this process (the syncs run in their own
    processes), so the bench can change contacts and open a fresh rate-limit window without
    spending requests: ``(app, server, base URL)``."""
    from datetime import datetime

    from rasl_data.emulator import EmulatorApp, make_demo_tenant
    from rasl_data.emulator.server import serve

    tenant = make_demo_tenant(as_of=datetime.fromisoformat(AS_OF), n_contacts=n)
    app = EmulatorApp(tenant, rate_limit_per_minute=rate_limit or None)
    server, _ = serve(app, "127.0.0.1", 0)
    return app, server, server.base_url


def change_in_tenant(app, k: int, salt: int) -> None:
    """Change ``k`` contacts (type) straight in the emulator's data: no request spent."""
    ids = [int(i) for i in app.tenant.c["id"][200 + salt * k: 200 + (salt + 1) * k]]
    for cid in ids:
        row = app.tenant.contact(cid)
        app.tenant.update_contact(cid, {"type": "customer" if row["type"] != "customer" else "lead"})


def bench_rate(sizes: list[int], limit: int = 60, repeat: int = 3) -> None:
    print(f"\n== Rate limit: {limit} requests a minute in RASL's fixed window vs no limit")
    print("   first sync: one run each; Sync now after 40 changes: median of "
          f"{repeat} runs, each on a fresh window")
    print(f"{'contacts':>9} {'run':<17} {'no limit':>9} {'limited':>9} {'ratio':>6} {'fixed-window min':>17} "
          f"{'vs min':>7} {'requests':>9} {'429s':>5}  progress")
    for n in sizes:
        walls: dict[tuple[str, int], float] = {}
        info: dict[str, tuple[int, str]] = {}
        received_429 = 0
        for lim in (0, limit):
            app, server, base = served(n, lim)
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    cache = Path(tmp) / "bench.duckdb"
                    wall, _, out, err = run_sync(base, cache)
                    walls[("first sync", lim)] = wall
                    info["first sync"] = (requests_of(out), err)
                    runs = []
                    for i in range(repeat):
                        change_in_tenant(app, 40, i)
                        app._windows.clear()  # "Sync now" a while later: a fresh window
                        wall, _, out, err = run_sync(base, cache)
                        runs.append(wall)
                    walls[("after 40 changes", lim)] = statistics.median(runs)
                    info["after 40 changes"] = (requests_of(out), err)
                received_429 += app.rate_limited
            finally:
                server.shutdown()
                server.server_close()
        for run in ("first sync", "after 40 changes"):
            free, limited = walls[(run, 0)], walls[(run, limit)]
            reqs, err = info[run]
            minimum = fixed_window_minimum(reqs, limit, free)
            waits = [line.strip() for line in err.splitlines() if "rate limit" in line]
            print(f"{n:>9,} {run:<17} {free:8.1f}s {limited:8.1f}s {limited / free:5.2f}x {minimum:16.1f}s "
                  f"{limited / minimum:6.2f}x {reqs:>9,} {received_429:>5}  {'; '.join(waits) or 'no wait'}")


# Random samples per case (each drawn among the contacts left by the previous one).
DELETION_CASES = (("1 scattered", 1, False, 5), ("20 scattered", 20, False, 5), ("200 scattered", 200, False, 2),
                  ("500 contiguous", 500, True, 2))


def bench_deletions(n: int = 20_000) -> None:
    import duckdb

    print(f"\n== Deletions found by an incremental sync of {n:,} contacts (no rate limit)")
    emulator, base = start_emulator(n, 0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "bench.duckdb"
            run_sync(base, cache, "--quiet")
            _, _, out, _ = run_sync(base, cache, "--quiet")
            baseline = requests_of(out)
            print(f"  nothing deleted: {baseline} requests (3 lists + 1 contacts page), 0 extra")
            rng = random.Random(7)
            summary: list[str] = []
            for label, k, contiguous, samples in DELETION_CASES:
                per: list[float] = []
                for _ in range(samples):
                    con = duckdb.connect(str(cache), read_only=True)
                    ids = [r[0] for r in con.execute("SELECT id FROM contacts ORDER BY created_at, id").fetchall()]
                    con.close()
                    if contiguous:
                        start = rng.randrange(len(ids) - k)
                        gone = ids[start:start + k]
                    else:
                        gone = rng.sample(ids, k)
                    with RaslClient(base, DEMO_TOKEN) as client:
                        for cid in gone:
                            client.delete_contact(cid)
                    _, _, out, _ = run_sync(base, cache, "--quiet")
                    deleted = int(re.search(r"([\d,]+) deleted", out).group(1).replace(",", ""))
                    extra = requests_of(out) - baseline
                    per.append(extra / k)
                    print(f"  {label:>15}: {deleted:>4} deleted (truth {k}), {extra:>4} extra requests, "
                          f"{extra / k:5.2f} per deletion")
                summary.append(f"  {label:>15}: {statistics.mean(per):5.2f} extra requests per deletion on average over "
                               f"{len(per)} random samples, worst {max(per):5.2f}")
            _, _, out, _ = run_sync(base, cache, "--quiet")
            summary.append(f"  {'nothing deleted':>15}: {requests_of(out) - baseline} extra requests")
            print("\n".join(summary))
    finally:
        stop(emulator)


def bench_memory(sizes: list[int]) -> None:
    print("\n== Full sync, no rate limit: speed and peak RSS of the sync process")
    for n in sizes:
        emulator, base = start_emulator(n, 0)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                wall, rss, out, _ = run_sync(base, Path(tmp) / "bench.duckdb", "--quiet")
                print(f"  {n:>9,} contacts: {wall:7.1f} s, {n / wall:9,.0f} contacts/s, peak RSS {rss:6.0f} MB")
        finally:
            stop(emulator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("rate", "deletions", "memory"))
    parser.add_argument("--skip-million", action="store_true", help="memory at 20,000 contacts only")
    parser.add_argument("--rate-sizes", type=lambda v: [int(x) for x in v.split(",")], default=[3_000, 20_000],
                        help="contacts for the rate-limit part (default 3000,20000)")
    args = parser.parse_args()
    print(f"sync benchmark, `python -m rasl_data sync` against the emulator over loopback HTTP, {os.cpu_count()} cores")
    if args.only in (None, "rate"):
        bench_rate(args.rate_sizes)
    if args.only in (None, "deletions"):
        bench_deletions()
    if args.only in (None, "memory"):
        bench_memory([20_000] if args.skip_million else [20_000, 1_000_000])


if __name__ == "__main__":
    main()
