"""Queries against an independent oracle: plain Python/zoneinfo counting on generated contacts.

The oracle below shares no helper with rasl_data: local dates come from ``astimezone``, week
labels from walking back to the weekday's *name*, channels/campaigns from the expectations
written next to each generated source name.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from rasl_data.analytics import acquisition, conversion

# (name, expected channel, expected campaign or None); the convention and rules by hand.
SOURCES = [
    (1, "Facebook / Spring Promo", "Facebook", "Spring Promo", None),
    (2, "Instagram | Spring promo", "Instagram", "Spring Promo", None),  # same campaign, other case
    (3, "واتســاب", "WhatsApp", None, None),
    (4, "Website form", "Website", None, None),
    (5, "Walk-in customers", "Unmapped", None, None),
    (6, "TikTok - Eid", "TikTok", "Eid", None),
    (7, "Old Snapchat", "Snapchat", None, datetime(2026, 3, 1, tzinfo=timezone.utc)),  # deleted
    (8, "إحالة / أصدقاء", "Referral", "أصدقاء", None),
]
GROUPS = [(1, "VIP", None), (2, "Ramadan list", None), (3, "Old list", datetime(2026, 1, 1, tzinfo=timezone.utc))]
STATUSES = [(1, "New"), (2, "Qualified"), (3, "Won")]
DATA_START = datetime(2025, 6, 1, tzinfo=timezone.utc)
DATA_DAYS = 760


def generate(seed: int, tz: str, n: int = 2500):
    """Random contacts, with extra ones packed around local midnights and DST transitions."""
    rnd = random.Random(seed)
    z = ZoneInfo(tz)
    contacts = []
    for i in range(n):
        if i % 5 == 0:
            # Within ±90 minutes of a local midnight: the instants a wrong zone rule gets wrong.
            day = (DATA_START + timedelta(days=rnd.randrange(DATA_DAYS))).astimezone(z).date()
            midnight = datetime(day.year, day.month, day.day, tzinfo=z)
            at = midnight.astimezone(timezone.utc) + timedelta(seconds=rnd.randint(-5400, 5400))
        else:
            at = DATA_START + timedelta(seconds=rnd.randrange(DATA_DAYS * 86400))
        source = rnd.choice([1, 1, 2, 3, 3, 4, 5, 6, 7, 8, None, None, 99])
        contacts.append({
            "id": i + 1, "source_id": source, "created_at": at,
            "first_seen_at": at + timedelta(minutes=10),
            "type": rnd.choice(["lead", "lead", "customer", "guest", None]),
            "status_id": rnd.choice([1, 2, 3, None, 42]),
        })
    # Contacts within an hour of every DST transition of the zone in the data span.
    t = DATA_START
    while t < DATA_START + timedelta(days=DATA_DAYS):
        if t.astimezone(z).utcoffset() != (t + timedelta(hours=1)).astimezone(z).utcoffset():
            for k in range(-4, 5):
                contacts.append({"id": len(contacts) + 1, "source_id": rnd.choice([1, 3, None]),
                                 "created_at": t + timedelta(minutes=15 * k), "type": "lead", "status_id": 1})
        t += timedelta(hours=1)
    memberships = []
    for c in contacts:
        for g in rnd.sample([1, 2, 3], rnd.choice([0, 0, 1, 2])):
            memberships.append({"contact_id": c["id"], "group_id": g})
    changes = []
    for c in contacts:
        if c["type"] == "customer" and rnd.random() < 0.7:
            changes.append({"contact_id": c["id"], "field": "type", "old_value": "lead", "new_value": "customer",
                            "observed_at": c["created_at"] + timedelta(hours=rnd.randint(1, 24 * 60))})
    return contacts, memberships, changes


def build(make_cache, tmp_path, contacts, memberships, changes):
    return make_cache(
        tmp_path,
        sources=[{"id": i, "name": n, "deleted_at": d} for i, n, _, _, d in SOURCES],
        groups=[{"id": i, "name": n, "deleted_at": d} for i, n, d in GROUPS],
        statuses=[{"id": i, "name": n} for i, n in STATUSES],
        contacts=contacts, contact_groups=memberships, contact_changes=changes,
    )


# --- the oracle --------------------------------------------------------------------------------

WEEKDAY_NAME = {"monday": "Monday", "sunday": "Sunday", "saturday": "Saturday"}


_LOCAL: dict = {}


def o_local_date(at: datetime, tz: str) -> date:
    key = (at, tz)
    if key not in _LOCAL:  # memoised only to keep the suite fast; still plain zoneinfo
        _LOCAL[key] = at.astimezone(ZoneInfo(tz)).date()
    return _LOCAL[key]


def o_label(d: date, granularity: str, week_start: str) -> date:
    if granularity == "day":
        return d
    if granularity == "month":
        return date(d.year, d.month, 1)
    while d.strftime("%A") != WEEKDAY_NAME[week_start]:
        d -= timedelta(days=1)
    return d


def o_keys(c, by, memberships_by_contact):
    """The dimension keys a contact counts under (several for groups)."""
    live = {i: (n, ch, camp) for i, n, ch, camp, deleted in SOURCES if deleted is None}
    src = live.get(c["source_id"])
    if by is None:
        return [()]
    if by == "source":
        return [(c["source_id"], src[0])] if src else [(None, "Unattributed")]
    if by == "channel":
        return [(src[1],)] if src else [("Unattributed",)]
    if by == "campaign":
        return [((src[2] or "No campaign"),)] if src else [("Unattributed",)]
    if by == "group":
        live_groups = {i: n for i, n, d in GROUPS if d is None}
        gs = [(g, live_groups[g]) for g in memberships_by_contact.get(c["id"], []) if g in live_groups]
        return gs or [(None, "No group")]
    if by == "status":
        names = dict(STATUSES)
        return [(c["status_id"], names[c["status_id"]])] if c["status_id"] in names else [(None, "No status")]
    if by == "type":
        return [(c["type"] or "Unknown",)]
    raise AssertionError(by)


def o_in_range(contacts, tz, start, end):
    return [c for c in contacts if start <= o_local_date(c["created_at"], tz) <= end]


def o_acquisition(contacts, memberships, tz, start, end, by, granularity, week_start):
    by_contact = {}
    for m in memberships:
        by_contact.setdefault(m["contact_id"], []).append(m["group_id"])
    counts = Counter()
    for c in o_in_range(contacts, tz, start, end):
        label = o_label(o_local_date(c["created_at"], tz), granularity, week_start)
        for key in o_keys(c, by, by_contact):
            counts[(label,) + key] += 1
    labels = sorted({o_label(start + timedelta(days=k), granularity, week_start)
                     for k in range((end - start).days + 1)})
    values = {k[1:] for k in counts} if by is not None else {()}
    return {(label,) + v: counts.get((label,) + v, 0) for label in labels for v in values}


def as_dict(df, by):
    id_col, name_col = acquisition.DIMENSION_COLUMNS[by] if by else (None, None)
    out = {}
    for row in df.to_dict("records"):
        key = (row["period_start"],)
        if id_col:
            key += (None if pd.isna(row[id_col]) else int(row[id_col]),)
        if name_col:
            key += (row[name_col],)
        assert key not in out, f"duplicate row {key}"
        out[key] = int(row["new_contacts"])
    return out


ZONES = ["Africa/Cairo", "America/New_York", "Australia/Lord_Howe", "Asia/Riyadh", "Pacific/Kiritimati"]


@pytest.mark.parametrize("seed,tz", list(enumerate(ZONES)))
def test_acquisition_matches_oracle_every_dimension_granularity_and_week_start(make_cache, tmp_path, seed, tz):
    contacts, memberships, changes = generate(seed, tz)
    db = build(make_cache, tmp_path, contacts, memberships, changes)
    rnd = random.Random(seed)
    first = date(2025, 6, 1)
    ranges = [(date(2025, 6, 1), date(2027, 6, 30))]
    for _ in range(2):
        s = first + timedelta(days=rnd.randrange(600))
        ranges.append((s, s + timedelta(days=rnd.randrange(1, 120))))
    for start, end in ranges:
        for week_start in ("monday", "sunday", "saturday"):
            f = acquisition.Filters(start, end, tz, week_start)
            for granularity in ("day", "week", "month"):
                for by in (None, "source", "channel", "campaign", "group", "status", "type"):
                    got = acquisition.acquisition(db, f, by=by, granularity=granularity)
                    want = o_acquisition(contacts, memberships, tz, start, end, by, granularity, week_start)
                    assert as_dict(got, by) == want, (tz, start, end, week_start, granularity, by)
        assert acquisition.totals(db, acquisition.Filters(start, end, tz)) == len(o_in_range(contacts, tz, start, end))


@pytest.mark.parametrize("compare", ["previous", "last_year"])
def test_breakdown_and_kpis_match_oracle(make_cache, tmp_path, compare):
    tz = "Africa/Cairo"
    contacts, memberships, changes = generate(11, tz)
    db = build(make_cache, tmp_path, contacts, memberships, changes)
    start, end = date(2026, 9, 3), date(2026, 11, 17)
    n_days = (end - start).days + 1
    if compare == "previous":
        p_start, p_end = start - timedelta(days=n_days), start - timedelta(days=1)
    else:
        p_start, p_end = start - timedelta(weeks=52), end - timedelta(weeks=52)
    f = acquisition.Filters(start, end, tz, "sunday")
    for by in ("source", "channel", "campaign", "group"):
        got = acquisition.breakdown(db, f, by, compare)
        cur = Counter(k for c in o_in_range(contacts, tz, start, end) for k in o_keys(c, by, _groups(memberships)))
        prev = Counter(k for c in o_in_range(contacts, tz, p_start, p_end) for k in o_keys(c, by, _groups(memberships)))
        total = len(o_in_range(contacts, tz, start, end))
        assert len(got) == len(set(cur) | set(prev))
        for row in got.to_dict("records"):
            key = _row_key(row, by)
            assert row["new_contacts"] == cur.get(key, 0)
            assert row["previous"] == prev.get(key, 0)
            assert row["share"] == pytest.approx(cur.get(key, 0) / total)
            if prev.get(key, 0):
                assert row["change_pct"] == pytest.approx((cur.get(key, 0) - prev[key]) / prev[key])
                assert not row["is_new"]
            else:
                assert math.isnan(row["change_pct"]) and row["is_new"] == (cur.get(key, 0) > 0)
        assert list(got["new_contacts"]) == sorted(got["new_contacts"], reverse=True)

    k = acquisition.kpis(db, f, compare)
    for (s, e), value, _which in (((start, end), "value", 0), ((p_start, p_end), "previous", 1)):
        rows = o_in_range(contacts, tz, s, e)
        live = {i for i, *_rest, d in SOURCES if d is None}
        assert getattr(k.new_contacts, value) == len(rows)
        assert getattr(k.unattributed_share, value) == pytest.approx(
            sum(c["source_id"] not in live for c in rows) / len(rows))
        assert getattr(k.conversion_rate, value) == pytest.approx(sum(c["type"] == "customer" for c in rows) / len(rows))
    assert k.new_contacts.change_abs == k.new_contacts.value - k.new_contacts.previous


def _groups(memberships):
    out = {}
    for m in memberships:
        out.setdefault(m["contact_id"], []).append(m["group_id"])
    return out


def _row_key(row, by):
    id_col, name_col = acquisition.DIMENSION_COLUMNS[by]
    key = ()
    if id_col:
        key += (None if pd.isna(row[id_col]) else int(row[id_col]),)
    return key + (row[name_col],)


def test_filters_match_oracle(make_cache, tmp_path):
    tz = "America/New_York"
    contacts, memberships, changes = generate(5, tz)
    db = build(make_cache, tmp_path, contacts, memberships, changes)
    start, end = date(2025, 10, 1), date(2026, 12, 31)
    live = {i: (n, ch, camp) for i, n, ch, camp, d in SOURCES if d is None}
    cases = [
        (dict(channels=("facebook", "WhatsApp")), lambda c: c["source_id"] in (1, 3)),
        (dict(campaigns=("spring promo",)), lambda c: c["source_id"] in (1, 2)),
        (dict(source_ids=(4, None)), lambda c: c["source_id"] == 4 or c["source_id"] not in live),
        (dict(channels=("Unattributed",)), lambda c: c["source_id"] not in live),
        (dict(types=("lead", "guest")), lambda c: c["type"] in ("lead", "guest")),
        (dict(include_unattributed=False), lambda c: c["source_id"] in live),
        (dict(source_ids=(None,), include_unattributed=False), lambda c: False),
        (dict(channels=("Website",), types=("customer",)), lambda c: c["source_id"] == 4 and c["type"] == "customer"),
    ]
    for kwargs, keep in cases:
        f = acquisition.Filters(start, end, tz, "monday", **kwargs)
        want = sum(1 for c in o_in_range(contacts, tz, start, end) if keep(c))
        assert acquisition.totals(db, f) == want, kwargs
        got = acquisition.acquisition(db, f, by="source", granularity="month")
        assert int(got["new_contacts"].sum()) == want, kwargs
        # By status and type (one value per contact) the source filters apply in the scan.
        for by in ("status", "type"):
            got = acquisition.acquisition(db, f, by=by, granularity="month")
            assert int(got["new_contacts"].sum()) == want, (kwargs, by)
        # By group a contact counts once per live group (or once under "No group").
        live_groups = {gid for gid, _, deleted in GROUPS if deleted is None}
        per_contact: dict[int, int] = {}
        for m in memberships:
            if m["group_id"] in live_groups:
                per_contact[m["contact_id"]] = per_contact.get(m["contact_id"], 0) + 1
        want_group = sum(per_contact.get(c["id"], 0) or 1 for c in o_in_range(contacts, tz, start, end) if keep(c))
        got = acquisition.acquisition(db, f, by="group", granularity="month")
        assert int(got["new_contacts"].sum()) == want_group, (kwargs, "group")


def test_conversion_and_status_mix_match_oracle(make_cache, tmp_path):
    tz = "Asia/Riyadh"
    contacts, memberships, changes = generate(7, tz)
    db = build(make_cache, tmp_path, contacts, memberships, changes)
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    f = acquisition.Filters(start, end, tz)
    rows = o_in_range(contacts, tz, start, end)
    first_seen_min = min(c["first_seen_at"] for c in contacts if c.get("first_seen_at"))
    converted_at = {}
    for ch in changes:
        converted_at[ch["contact_id"]] = min(ch["observed_at"], converted_at.get(ch["contact_id"], ch["observed_at"]))
    got = conversion.conversion(db, f, "channel")
    for row in got.to_dict("records"):
        mine = [c for c in rows if o_keys(c, "channel", {})[0] == (row["channel"],)]
        assert row["new_contacts"] == len(mine)
        assert row["customers"] == sum(c["type"] == "customer" for c in mine)
        assert row["conversion_rate"] == pytest.approx(row["customers"] / len(mine))
        days = []
        for c in mine:
            if c["id"] in converted_at:
                basis = c["first_seen_at"] if c["created_at"] < first_seen_min else c["created_at"]
                days.append((converted_at[c["id"]] - basis).total_seconds() / 86400)
        assert row["converted"] == len(days)
        if days:
            assert row["median_days_to_conversion"] == pytest.approx(pd.Series(days).median())
        else:
            assert math.isnan(row["median_days_to_conversion"])
    assert int(got["new_contacts"].sum()) == len(rows)

    mix = conversion.status_mix(db, f, "source")
    names = dict(STATUSES)
    want = Counter((o_keys(c, "source", {})[0], names.get(c["status_id"], "No status")) for c in rows)
    assert {(( None if pd.isna(r["source_id"]) else int(r["source_id"]), r["source"]), r["status"]): r["contacts"]
            for r in mix.to_dict("records")} == dict(want)
    for _, part in mix.groupby("source"):
        assert part["share"].sum() == pytest.approx(1.0)
