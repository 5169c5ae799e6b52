"""Benchmark of the performance query (leads, customers, spend, costs) at 1,000,000 contacts and
10,000 spend rows.

Prints, per view (source, campaign, channel; with and without the comparison period), the median
wall time of ``performance.performance`` through ``store.Reader`` and of the same figures computed
with pandas from frames already in memory (contacts, the source map and the spend rows), and
their ratio. Target: median under 100 ms. No asserts.

    .venv/bin/python bench/bench_performance.py [--contacts 1000000] [--spend-rows 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from bench_queries import build  # noqa: E402  (the same 1M-contact workspace as the query bench)

from rasl_data.analytics import attribution, performance, spend
from rasl_data.analytics.contacts_sql import Filters  # noqa: E402
from rasl_data.cache import store  # noqa: E402


def add_spend(path: Path, rows: int) -> None:
    """``rows`` spend rows: source, campaign and channel level, 1..60 days each, never overlapping
    for the same target (each target gets consecutive ranges)."""
    db = store.Reader(path)
    attr = attribution.source_attribution(db)
    db.close()
    targets = ([("source", s, int(i)) for i, s in zip(attr["source_id"], attr["source"])]
               + [("campaign", c, None) for c in sorted(set(attr["campaign"]) - {attribution.NO_CAMPAIGN})]
               + [("channel", c, None) for c in sorted(set(attr["channel"]))])
    rng = np.random.default_rng(3)
    out, cursor = [], {t[1]: date(2025, 1, 1) for t in targets}
    for k in range(rows):
        level, name, sid = targets[k % len(targets)]
        days = int(rng.integers(1, 61))
        start = cursor[name]
        end = start + timedelta(days=days - 1)
        cursor[name] = end + timedelta(days=1)
        out.append((k + 1, start, end, level, name, float(rng.integers(10, 5000)), sid))
    with store.write_transaction(path) as con:
        con.executemany('INSERT INTO spend (id, start, "end", level, name, amount, source_id) VALUES (?, ?, ?, ?, ?, ?, ?)', out)


class PandasSide:
    """The same figures with pandas: contacts filtered to the local range, joined to the source
    map, grouped; spend shares computed row by row (overlap days ÷ days) and rolled up."""

    def __init__(self, db, tz: str) -> None:
        self.contacts = db.query("SELECT id, type, source_id, created_at FROM contacts")
        self.attr = attribution.source_attribution(db).set_index("source_id")
        self.spend = spend.read_spend(db)
        self.tz = tz

    def run(self, start: date, end: date, by: str) -> pd.DataFrame:
        c = self.contacts
        lo, hi = pd.Timestamp(start - timedelta(days=1), tz="UTC"), pd.Timestamp(end + timedelta(days=2), tz="UTC")
        c = c[(c["created_at"] >= lo) & (c["created_at"] < hi)]
        local = c["created_at"].dt.tz_convert(self.tz).dt.tz_localize(None).dt.normalize()
        keep = (local >= pd.Timestamp(start)) & (local <= pd.Timestamp(end))
        c = c[keep]
        key = c["source_id"].where(c["source_id"].isin(self.attr.index))
        line = key.map(self.attr[by]).fillna("Unattributed") if by != "source" else key
        counts = pd.DataFrame({"line": line, "customer": c["type"] == "customer"}).groupby("line", dropna=False).agg(
            new_contacts=("customer", "size"), customers=("customer", "sum"))
        s = self.spend
        s0, s1 = pd.to_datetime(s["start"]), pd.to_datetime(s["end"])
        overlap = ((s1.clip(upper=pd.Timestamp(end)) - s0.clip(lower=pd.Timestamp(start))).dt.days + 1).clip(lower=0)
        share = s["amount"] * overlap / ((s1 - s0).dt.days + 1)
        src_line = s["source_id"].map(self.attr[by]) if by != "source" else s["source_id"]
        lines = np.where(s["level"] == "source", src_line, np.where(s["level"] == by, s["name"], "x:" + s["name"]))
        money = pd.Series(share.to_numpy(), index=lines)[overlap.to_numpy() > 0].groupby(level=0).sum().rename("spend")
        out = counts.join(money, how="outer")
        out["cost_per_lead"] = (out["spend"] / out["new_contacts"]).where(out["new_contacts"] > 0)
        out["cost_per_customer"] = (out["spend"] / out["customers"]).where(out["customers"] > 0)
        return out


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--spend-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tz", default="Asia/Riyadh")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        build(path, args.contacts)
        add_spend(path, args.spend_rows)
        print(f"built {args.contacts:,} contacts and {args.spend_rows:,} spend rows in {time.perf_counter() - t0:.1f} s")
        db = store.Reader(path)
        pandas_side = PandasSide(db, args.tz)
        start, end = date(2026, 9, 7), date(2026, 11, 29)  # 12 weeks
        f = Filters(start, end, args.tz)
        print(f"{'query':<40} {'duckdb ms':>10} {'pandas ms':>10} {'ratio':>7}")
        for by in ("source", "campaign", "channel"):
            for compare in (None, "previous"):
                performance.performance(db, f, by, compare)  # warm the source map cache
                ms = timed(lambda: performance.performance(db, f, by, compare), args.repeat)
                ranges = [(start, end)] + ([((start - (end - start) - timedelta(days=1)), start - timedelta(days=1))]
                                           if compare else [])
                pd_ms = timed(lambda: [pandas_side.run(s, e, by) for s, e in ranges], args.repeat)
                label = f"performance by {by}" + (" vs previous" if compare else "")
                print(f"{label:<40} {ms:>10.1f} {pd_ms:>10.1f} {pd_ms / ms:>6.1f}x")
        db.close()


if __name__ == "__main__":
    main()
