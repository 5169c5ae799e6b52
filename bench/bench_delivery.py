"""Benchmark of delivery bookkeeping: what recording one attempt costs as the cache grows.

Every delivery attempt is recorded in its own writer swap (``store.write_transaction``: copy the
cache, insert, atomic replace) right after it ended, so a crash never resends what went out. This
prints the median time of one ``delivery_log.append`` and of the "already sent?" lookup on caches
of several sizes (built like ``bench_queries``). Target: recording stays well under a second per
recipient at 1,000,000 contacts. No asserts.

    .venv/bin/python bench/bench_delivery.py [--sizes 20000,200000,1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench_queries import build  # noqa: E402

from rasl_data.cache import delivery_log, store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'contacts':>10} {'cache MB':>9} {'record one attempt':>20} {'already-sent lookup':>21}")
    for n in (int(x) for x in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.duckdb"
            build(path, n)
            record, lookup = [], []
            reader = store.Reader(path)
            for i in range(args.repeat):
                attempt = delivery_log.Attempt("weekly_review", "2026-11-16", "email", f"user{i}@example.com", "sent",
                                               "Weekly review", "")
                t0 = time.perf_counter()
                delivery_log.append(path, [attempt])
                record.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                delivery_log.sent_keys(reader, "weekly_review", ["2026-11-16"])
                lookup.append(time.perf_counter() - t0)
            reader.close()
            size = path.stat().st_size / 1e6
        print(f"{n:>10,} {size:>9.1f} {statistics.median(record) * 1000:>17.0f} ms "
              f"{statistics.median(lookup) * 1000:>18.1f} ms")


if __name__ == "__main__":
    main()
