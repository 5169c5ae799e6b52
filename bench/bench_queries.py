"""Benchmark of the dashboard queries on 1,000,000 contacts (two years, 40 sources).

Prints, for each query, the median wall time through ``store.Reader`` (DuckDB) and the median
time of the same result computed with pandas from a DataFrame already in memory, and their ratio.
Targets: every query under 100 ms median and at least 3x faster than pandas. No asserts.

    .venv/bin/python bench/bench_queries.py [--contacts 1000000] [--repeat 7] [--tz Africa/Cairo]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from rasl_data.analytics import acquisition, attribution, conversion
from rasl_data.cache import store  # noqa: E402

SOURCE_NAMES = [
    "Facebook / Spring Promo", "Facebook / Ramadan Offer", "Instagram / Reels", "Instagram Ads",
    "WhatsApp", "واتساب / عروض رمضان", "Website form", "Landing page - Black Friday", "TikTok",
    "تيك توك / تحدي", "Snapchat", "Google Ads | Brand", "Google Search", "X / Launch", "LinkedIn",
    "YouTube", "Email newsletter", "SMS blast", "Referral", "إحالة", "CSV import", "API",
    "Shopify", "WooCommerce", "Zapier", "n8n", "الموقع", "جوجل", "فيسبوك / العيد", "انستغرام",
    "Meta Ads / Summer", "Walk-in", "Events / Expo 2026", "Partner clinic", "Flyers", "Radio",
    "Billboard", "Podcast", "Trade show", "Unknown import",
]


def build(path: Path, n: int) -> None:
    """Generate the workspace straight in DuckDB (ids in creation order, like RASL's)."""
    with store.write_transaction(path, fresh=True) as con:
        con.executemany("INSERT INTO sources (id, name, created_at) VALUES (?, ?, TIMESTAMPTZ '2024-12-01 00:00:00+00')",
                        [(i + 1, name) for i, name in enumerate(SOURCE_NAMES)])
        con.execute("INSERT INTO sources VALUES (41, 'Deleted source', NULL, NULL, TIMESTAMPTZ '2026-01-01 00:00:00+00')")
        con.execute("INSERT INTO statuses (id, name) SELECT i, 'Status ' || i FROM range(1, 7) t(i)")
        con.execute("INSERT INTO groups (id, name) SELECT i, 'Group ' || i FROM range(1, 13) t(i)")
        span = 730 * 86400
        con.execute(f"""
            INSERT INTO contacts (id, type, status_id, source_id, created_at, first_seen_at)
            SELECT i + 1,
                   CASE WHEN hash(i, 1) % 10 < 2 THEN 'customer' WHEN hash(i, 1) % 10 < 9 THEN 'lead' ELSE 'guest' END,
                   CASE WHEN hash(i, 2) % 8 = 0 THEN NULL ELSE 1 + hash(i, 2) % 6 END,
                   CASE WHEN hash(i, 3) % 100 < 3 THEN NULL WHEN hash(i, 3) % 100 < 5 THEN 41
                        ELSE 1 + CAST(floor(40 * pow((hash(i, 4) % 10000) / 10000.0, 1.6)) AS BIGINT) END,
                   TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(CAST(i * {span} / {n} AS BIGINT)),
                   TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(CAST(i * {span} / {n} AS BIGINT) + 600)
            FROM range({n}) t(i) ORDER BY i""")
        con.execute("""INSERT INTO contact_groups SELECT id, 1 + hash(id, 5) % 12 FROM contacts WHERE hash(id, 6) % 10 < 3""")
        con.execute("""INSERT INTO contact_groups SELECT id, 1 + (hash(id, 5) + 1) % 12 FROM contacts WHERE hash(id, 6) % 10 = 0""")
        con.execute("""INSERT INTO contact_changes SELECT id, 'type', 'lead', 'customer',
                       created_at + to_seconds(CAST(hash(id, 7) % (40 * 86400) AS BIGINT)), 1
                       FROM contacts WHERE type = 'customer'""")


def timed(fn, repeat: int) -> tuple[float, object]:
    result, times = None, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, result


# --- the same results with pandas, from frames already in memory -------------------------------


class PandasSide:
    def __init__(self, db, tz: str, week_start: str) -> None:
        self.contacts = db.query("SELECT id, type, status_id, source_id, created_at FROM contacts")
        self.memberships = db.query("SELECT contact_id, group_id FROM contact_groups")
        self.changes = db.query("SELECT contact_id, field, old_value, new_value, observed_at FROM contact_changes")
        self.attr = attribution.source_attribution(db).set_index("source_id")
        self.tz, self.week_start = tz, week_start

    def in_range(self, start: date, end: date) -> pd.DataFrame:
        c = self.contacts
        lo = pd.Timestamp(start - timedelta(days=1), tz="UTC")
        hi = pd.Timestamp(end + timedelta(days=2), tz="UTC")
        c = c[(c["created_at"] >= lo) & (c["created_at"] < hi)]
        local = c["created_at"].dt.tz_convert(self.tz).dt.tz_localize(None).dt.normalize()
        keep = (local >= pd.Timestamp(start)) & (local <= pd.Timestamp(end))
        c = c[keep].assign(day=local[keep])
        known = c["source_id"].isin(self.attr.index)
        c = c.assign(source_key=c["source_id"].where(known))
        c["source"] = c["source_key"].map(self.attr["source"]).fillna("Unattributed")
        c["channel"] = c["source_key"].map(self.attr["channel"]).fillna("Unattributed")
        c["campaign"] = c["source_key"].map(self.attr["campaign"]).fillna("Unattributed")
        return c

    def period(self, day: pd.Series, granularity: str) -> pd.Series:
        if granularity == "day":
            return day
        if granularity == "month":
            return day.dt.to_period("M").dt.start_time
        first = {"monday": 0, "sunday": 6, "saturday": 5}[self.week_start]
        return day - pd.to_timedelta((day.dt.day_of_week - first) % 7, unit="D")

    def acquisition(self, start, end, by, granularity):
        c = self.in_range(start, end)
        if by == "group":
            c = c.merge(self.memberships, left_on="id", right_on="contact_id", how="left")
        c = c.assign(period_start=self.period(c["day"], granularity))
        key = {"source": "source_key", "group": "group_id"}.get(by, by)
        counts = c.groupby(["period_start", key], dropna=False).size()
        axis = pd.date_range(counts.index.get_level_values(0).min(), end,
                             freq={"day": "D", "week": "7D", "month": "MS"}[granularity])
        full = pd.MultiIndex.from_product([axis, counts.index.get_level_values(1).unique()])
        return counts.reindex(full, fill_value=0).reset_index()

    def totals(self, start, end):
        return len(self.in_range(start, end))

    def breakdown(self, start, end, prev_start, prev_end):
        cur = self.in_range(start, end).groupby("source_key", dropna=False).size()
        prev = self.in_range(prev_start, prev_end).groupby("source_key", dropna=False).size()
        out = pd.DataFrame({"new_contacts": cur, "previous": prev}).fillna(0)
        out["share"] = out["new_contacts"] / out["new_contacts"].sum()
        return out

    def kpis(self, start, end, prev_start, prev_end):
        out = []
        for s, e in ((start, end), (prev_start, prev_end)):
            c = self.in_range(s, e)
            out.append((len(c), c["source_key"].isna().mean(), (c["type"] == "customer").mean()))
        return out

    def source_table(self, start, end, prev_start, prev_end):
        out = self.breakdown(start, end, prev_start, prev_end)
        life = self.contacts.groupby("source_id", dropna=False)["created_at"].agg(["size", "min", "max"])
        return out.join(life, how="left")

    def conversion(self, start, end):
        c = self.in_range(start, end)
        ch = self.changes
        ch = ch[(ch["field"] == "type") & (ch["old_value"] == "lead") & (ch["new_value"] == "customer")]
        first = ch.groupby("contact_id")["observed_at"].min()
        c = c.assign(converted_at=c["id"].map(first))
        c["days"] = (c["converted_at"] - c["created_at"]).dt.total_seconds() / 86400
        g = c.groupby("source_key", dropna=False)
        return pd.DataFrame({"n": g.size(), "customers": g["type"].apply(lambda t: (t == "customer").sum()),
                             "converted": g["converted_at"].count(), "median": g["days"].median()})

    def status_mix(self, start, end):
        c = self.in_range(start, end)
        return c.groupby(["source_key", "status_id"], dropna=False).size()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--tz", default="Africa/Cairo")
    ap.add_argument("--week-start", default="sunday")
    ap.add_argument("--cache", default=None, help="reuse/keep this cache file")
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    path = Path(args.cache) if args.cache else Path(tmp.name) / "bench.duckdb"
    if not path.exists():
        t0 = time.perf_counter()
        build(path, args.contacts)
        print(f"built {args.contacts:,} contacts in {time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    db = store.Reader(path)
    end = date(2026, 12, 31)
    q90 = acquisition.Filters(end - timedelta(days=89), end, args.tz, args.week_start)
    two_years = acquisition.Filters(date(2025, 1, 1), end, args.tz, args.week_start)
    prev = (q90.start - timedelta(days=90), q90.start - timedelta(days=1))
    pside = PandasSide(db, args.tz, args.week_start)

    cases = [
        ("acquisition source/week 90d", lambda: acquisition.acquisition(db, q90, "source", "week"),
         lambda: pside.acquisition(q90.start, q90.end, "source", "week")),
        ("acquisition channel/day 2y", lambda: acquisition.acquisition(db, two_years, "channel", "day"),
         lambda: pside.acquisition(two_years.start, end, "channel", "day")),
        ("acquisition campaign/month 2y", lambda: acquisition.acquisition(db, two_years, "campaign", "month"),
         lambda: pside.acquisition(two_years.start, end, "campaign", "month")),
        ("acquisition source/day 2y", lambda: acquisition.acquisition(db, two_years, "source", "day"),
         lambda: pside.acquisition(two_years.start, end, "source", "day")),
        ("acquisition group/week 90d", lambda: acquisition.acquisition(db, q90, "group", "week"),
         lambda: pside.acquisition(q90.start, q90.end, "group", "week")),
        ("totals 2y", lambda: acquisition.totals(db, two_years), lambda: pside.totals(two_years.start, end)),
        ("breakdown source vs previous 90d", lambda: acquisition.breakdown(db, q90, "source", "previous"),
         lambda: pside.breakdown(q90.start, q90.end, *prev)),
        ("kpis vs previous 90d", lambda: acquisition.kpis(db, q90, "previous"),
         lambda: pside.kpis(q90.start, q90.end, *prev)),
        ("source_table 90d", lambda: acquisition.source_table(db, q90),
         lambda: pside.source_table(q90.start, q90.end, *prev)),
        ("unattributed_trend week 2y", lambda: acquisition.unattributed_trend(db, two_years, "week"),
         lambda: pside.acquisition(two_years.start, end, "source", "week")),
        ("conversion source 90d", lambda: conversion.conversion(db, q90, "source"),
         lambda: pside.conversion(q90.start, q90.end)),
        ("status_mix source 90d", lambda: conversion.status_mix(db, q90, "source"),
         lambda: pside.status_mix(q90.start, q90.end)),
        ("silent_sources", lambda: acquisition.silent_sources(db, end, args.tz), None),
        ("near_duplicate_sources", lambda: acquisition.near_duplicate_sources(db), None),
    ]
    print(f"{args.contacts:,} contacts, tz {args.tz}, week start {args.week_start}, median of {args.repeat}")
    print(f"{'query':36} {'duckdb ms':>10} {'pandas ms':>10} {'ratio':>7}")
    for name, duck, pand in cases:
        duck()  # warm the connection and the file cache
        d_ms, result = timed(duck, args.repeat)
        if pand is not None:
            p_ms, _ = timed(pand, max(3, args.repeat // 2))
            print(f"{name:36} {d_ms:10.1f} {p_ms:10.1f} {p_ms / d_ms:6.1f}x")
        else:
            print(f"{name:36} {d_ms:10.1f} {'-':>10} {'-':>7}")
    check = acquisition.acquisition(db, q90, "source", "week")
    other = pside.acquisition(q90.start, q90.end, "source", "week")
    print(f"check: weekly-by-source total duckdb {int(check['new_contacts'].sum()):,} "
          f"pandas {int(other[0].sum()):,}; rows {len(check)} / {len(other)}")
    db.close()


if __name__ == "__main__":
    main()
