"""The demo tenant's generation steps: :func:`make_demo_tenant` (sources with campaign windows,
creation times with seasonality, types and statuses, people, groups) and :func:`empty_tenant`.

:func:`make_demo_tenant` is a pure function of ``(seed, n_contacts, as_of.date())``.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Callable

import numpy as np

from .data import Generated, Tenant
from .vocab import (
    ARABIC_FIRST,
    ARABIC_LAST,
    COMPANIES,
    CONTACTED,
    COUNTRIES,
    CUSTOMER,
    CUSTOMER_STATUS,
    DAY,
    GUEST,
    LATIN_FIRST,
    LATIN_LAST,
    LEAD,
    LOST,
    NEVER,
    NEW_LEAD,
    QUALIFIED,
    STATUSES,
    WINDOW_DAYS,
)

# Ramadan first days (Umm al-Qura, approximate) for campaign bursts.
RAMADAN_STARTS = (date(2024, 3, 11), date(2025, 3, 1), date(2026, 2, 18), date(2027, 2, 8), date(2028, 1, 28),
                  date(2029, 1, 16))
WEEKDAY_WEIGHT = np.array([1.05, 1.0, 1.0, 1.05, 0.55, 0.8, 1.1])  # Mon..Sun; Friday lowest
# Share of the day's contacts per UTC hour (Gulf evenings, UTC+3, are busiest).
HOUR_WEIGHT = np.array([2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 7, 7, 8, 9, 10, 10, 9, 7, 5, 4, 3], float)


def _utc_midnight(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())


def _white_friday(year: int) -> date:
    d = date(year, 11, 30)
    while d.weekday() != 4:
        d -= timedelta(days=1)
    return d


def _campaign_windows(kind: str, start: date, end: date, anchor_day: date) -> list[tuple[date, date]]:
    out = []
    for y in range(start.year - 1, end.year + 2):
        if kind == "ramadan":
            out += [(d, d + timedelta(days=29)) for d in RAMADAN_STARTS if d.year == y]
        elif kind == "white_friday":
            wf = _white_friday(y)
            out.append((wf - timedelta(days=7), wf + timedelta(days=3)))
        elif kind == "summer":
            out.append((date(y, 7, 1), date(y, 7, 31)))
    if kind == "launch":
        d = anchor_day - timedelta(days=150)
        out.append((d, d + timedelta(days=20)))
    return [(a, b) for a, b in out if b >= start and a < end]


def make_demo_tenant(as_of: datetime | None = None, n_contacts: int = 20_000, seed: int = 7,
                     clock: Callable[[], float] = time.time) -> Tenant:
    """Build the demo workspace at ``as_of`` (aware; default now).

    Contacts: ``n_contacts`` created during the 548 days before ``as_of``'s UTC midnight; ~1%
    legacy imports without a source; phones ``+9665…``/``+9715…``/``+2010…`` unique per contact.
    Sources: the seed list, campaign-style names (``Instagram / Ramadan Offer``, ``Facebook /
    White Friday``, ``Google Ads | Summer Sale``, ``TikTok - Launch``, an Arabic one), a
    near-duplicate (``facebook `` with a trailing space), a source silent for the last ~6 weeks
    and a brand-new one (first contacts in the last week). Deterministic in (seed, n_contacts,
    as_of date); 1,000,000 contacts take a few seconds.
    """
    as_of = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc)
    anchor_day = as_of.date()
    anchor = _utc_midnight(anchor_day)
    start_day = anchor_day - timedelta(days=WINDOW_DAYS)
    start = anchor - WINDOW_DAYS * DAY
    rng = np.random.default_rng([seed, n_contacts, anchor_day.toordinal()])
    # The steps draw from ``rng`` in this order; the demo stays the same for the same arguments.
    spec, base = _source_activity(rng, start_day, anchor_day)
    created, src_idx, ids, first_active = _creation_times(rng, spec, base, start, n_contacts)
    sources = _demo_sources(spec, first_active, start)
    source_id, ctype, status, converts, converted = _types_and_statuses(rng, spec, src_idx, created, n_contacts)
    fn, ln, country, city = _people(rng, n_contacts)
    bits, groups = _demo_groups(rng, ctype, converts, created, start, start_day, anchor_day, n_contacts)
    statuses = [{"id": i + 1, "name": n, "color": col, "created_at": start - 90 * DAY, "updated_at": start - 90 * DAY}
                for i, (n, col) in enumerate(STATUSES)]
    cols = {
        "id": ids, "created": created, "converted": converted, "type": ctype, "status": status,
        "source": source_id, "assigned": np.where(rng.random(n_contacts) < 0.65,
                                                  rng.integers(1, 7, n_contacts), -1).astype(np.int32),
        "country": country.astype(np.int8), "country_id": np.array([c[0] for c in COUNTRIES])[country].astype(np.int32),
        "city": city.astype(np.int16), "fn": fn.astype(np.int16), "ln": ln.astype(np.int16),
        "company": np.where(rng.random(n_contacts) < 0.25, rng.integers(0, len(COMPANIES), n_contacts), -1).astype(np.int16),
        "has_email": rng.random(n_contacts) < 0.8, "groups": bits, "opted": rng.random(n_contacts) < 0.03,
    }
    for v in cols.values():
        v.setflags(write=False)
    account = {"id": 9, "name": "Demo Workspace", "subdomain": "demo", "status": "active",
               "created_at": start - 120 * DAY, "plan_name": "Pro", "plan_id": 3, "plan_status": "active",
               "plan_expires_at": anchor + 200 * DAY, "contacts_limit": None, "conversations": 1240,
               "campaigns": 3, "staff": 6}
    gen = Generated(anchor, sources, statuses, groups, cols, account)
    return Tenant(gen, as_of, clock)


def empty_tenant(as_of: datetime | None = None, clock: Callable[[], float] = time.time) -> Tenant:
    """A workspace with the five default statuses and nothing else (for tests)."""
    as_of = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc)
    t0 = int(as_of.timestamp()) - 30 * DAY
    cols = {k: np.zeros(0, dtype=d) for k, d in (
        ("id", np.int64), ("created", np.int64), ("converted", np.int64), ("type", np.int8), ("status", np.int32),
        ("source", np.int32), ("assigned", np.int32), ("country", np.int8), ("country_id", np.int32),
        ("city", np.int16), ("fn", np.int16), ("ln", np.int16), ("company", np.int16), ("has_email", bool),
        ("groups", np.uint64), ("opted", bool))}
    statuses = [{"id": i + 1, "name": n, "color": col, "created_at": t0, "updated_at": t0}
                for i, (n, col) in enumerate(STATUSES)]
    account = {"id": 9, "name": "Example Workspace", "subdomain": "example", "status": "active", "created_at": t0,
               "plan_name": "Pro", "plan_id": 3, "plan_status": "active", "plan_expires_at": None,
               "contacts_limit": None, "conversations": 0, "campaigns": 0, "staff": 1}
    return Tenant(Generated(t0, [], statuses, [], cols, account), as_of, clock)


def _source_activity(rng: np.random.Generator, start_day: date, anchor_day: date) -> tuple[list, np.ndarray]:
    """The demo's sources as ``(name, weight, activity per day, share of leads that convert, share
    created as customers)`` and the base daily intensity (growth x weekday)."""
    days = np.arange(WINDOW_DAYS)
    weekday = (start_day.weekday() + days) % 7
    base = (0.55 + 0.9 * days / WINDOW_DAYS) * WEEKDAY_WEIGHT[weekday]

    def window_mask(wins: list[tuple[date, date]]) -> np.ndarray:
        m = np.zeros(WINDOW_DAYS)
        for a, b in wins:
            ia, ib = max(0, (a - start_day).days), min(WINDOW_DAYS - 1, (b - start_day).days)
            if ib >= ia:
                ramp = np.linspace(0.6, 1.4, ib - ia + 1)  # interest builds toward the end
                m[ia: ib + 1] = np.maximum(m[ia: ib + 1], ramp)
        return m

    ramadan = window_mask(_campaign_windows("ramadan", start_day, anchor_day, anchor_day))
    wf = window_mask(_campaign_windows("white_friday", start_day, anchor_day, anchor_day))
    summer = window_mask(_campaign_windows("summer", start_day, anchor_day, anchor_day))
    launch = window_mask(_campaign_windows("launch", start_day, anchor_day, anchor_day))
    season = 1 + 0.35 * (ramadan > 0) + 0.5 * (wf > 0)
    always = np.ones(WINDOW_DAYS)
    imports = np.zeros(WINDOW_DAYS)
    imports[rng.choice(WINDOW_DAYS // 2, size=8, replace=False)] = 1.0
    silent = (days < WINDOW_DAYS - 45).astype(float) * (days > 60)
    brand_new = (days >= WINDOW_DAYS - 6).astype(float)
    dup = (days > WINDOW_DAYS // 3).astype(float)
    # (name, weight, activity per day, share of leads that convert, share created as customers)
    spec = [
        ("WhatsApp", 3.0, always * season, 0.22, 0.08), ("Facebook", 2.0, always * season, 0.18, 0.05),
        ("Instagram", 2.2, always * season, 0.2, 0.05), ("Website Form", 1.6, always, 0.25, 0.05),
        ("Landing Page", 1.0, always, 0.2, 0.03), ("Manual Import", 14.0, imports, 0.08, 0.2),
        ("Shopify Store", 1.2, always * season, 0.3, 0.35), ("API Integration", 0.8, always, 0.15, 0.1),
        ("Referral Campaign", 0.6, always, 0.35, 0.05), ("Instagram / Ramadan Offer", 6.0, ramadan, 0.28, 0.05),
        ("Facebook / White Friday", 10.0, wf, 0.3, 0.1), ("Google Ads | Summer Sale", 4.0, summer, 0.2, 0.05),
        ("TikTok - Launch", 5.0, launch, 0.15, 0.02), ("إنستغرام / عرض رمضان", 2.5, ramadan, 0.25, 0.05),
        ("facebook ", 0.03, dup, 0.2, 0.05), ("Snapchat Ads", 0.9, silent, 0.12, 0.03),
        ("Google Ads | Brand Search", 2.0, brand_new, 0.2, 0.05),
    ]
    return spec, base


def _creation_times(rng: np.random.Generator, spec: list, base: np.ndarray, start: int, n_contacts: int):
    """Each contact's creation instant (Unix seconds, ascending), source index and id; and the
    first active day of each source."""
    intensity = np.stack([w * act * base for _, w, act, _, _ in spec])
    first_active = [int(np.argmax(act > 0)) if act.any() else 0 for _, _, act, _, _ in spec]
    p = intensity.ravel() / intensity.sum()
    cells = np.sort(rng.choice(p.size, size=n_contacts, p=p))
    src_idx = cells // WINDOW_DAYS
    day_idx = cells % WINDOW_DAYS
    hours = rng.choice(24, size=n_contacts, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    created = start + day_idx * DAY + hours * 3600 + rng.integers(0, 3600, n_contacts)
    order = np.argsort(created, kind="stable")
    created, src_idx = created[order].astype(np.int64), src_idx[order]
    ids = 1000 + np.cumsum(1 + (rng.random(n_contacts) < 0.03)).astype(np.int64)

    return created, src_idx, ids, first_active


def _demo_sources(spec: list, first_active: list[int], start: int) -> list[dict]:
    """The ``sources`` rows, each created a little before its first contact."""
    sources = []
    for i, (name, *_rest) in enumerate(spec):
        made = start - 40 * DAY if first_active[i] < 30 else start + (first_active[i] - 3) * DAY
        made += 9 * 3600 + i * 60
        sources.append({"id": i + 1, "name": name, "created_at": made, "updated_at": made})
    return sources


def _types_and_statuses(rng: np.random.Generator, spec: list, src_idx: np.ndarray, created: np.ndarray,
                        n_contacts: int):
    """Source id (-1 for ~1% legacy imports), type, status, who converts, and when (``NEVER`` if not)."""
    source_id = (src_idx + 1).astype(np.int32)
    legacy = rng.random(n_contacts) < 0.05
    legacy &= np.arange(n_contacts) < n_contacts // 5  # 5% of the oldest fifth = ~1% overall
    source_id[legacy] = -1

    conv_share = np.array([s[3] for s in spec])[src_idx]
    cust_share = np.array([s[4] for s in spec])[src_idx]
    r = rng.random(n_contacts)
    ctype = np.where(r < cust_share, CUSTOMER, np.where(r > 0.93, GUEST, LEAD)).astype(np.int8)
    r2 = rng.random(n_contacts)
    status = np.select([ctype == CUSTOMER, r2 < 0.55, r2 < 0.85, r2 < 0.95],
                       [CUSTOMER_STATUS, NEW_LEAD, CONTACTED, QUALIFIED], LOST).astype(np.int32)
    status[ctype == GUEST] = NEW_LEAD
    converts = (ctype == LEAD) & (status != LOST) & (rng.random(n_contacts) < conv_share)
    delay = np.clip(rng.lognormal(np.log(7 * DAY), 0.9, n_contacts), 1800, 90 * DAY).astype(np.int64)
    converted = np.where(converts, created + delay, NEVER).astype(np.int64)

    return source_id, ctype, status, converts, converted


def _people(rng: np.random.Generator, n_contacts: int):
    """First and last name indexes (Arabic, transliterated or Latin), country and city indexes."""
    arabic = rng.random(n_contacts) < 0.45
    na, nl = len(ARABIC_FIRST), len(LATIN_FIRST)
    k = rng.integers(0, na, n_contacts)
    latin_only = rng.random(n_contacts) < 0.25
    fn = np.where(arabic, k, np.where(latin_only, 2 * na + rng.integers(0, nl, n_contacts), na + k))
    kl = rng.integers(0, len(ARABIC_LAST), n_contacts)
    ln = np.where(arabic, kl, np.where(latin_only, 2 * len(ARABIC_LAST) + rng.integers(0, len(LATIN_LAST), n_contacts),
                                       len(ARABIC_LAST) + kl))
    country = rng.choice(len(COUNTRIES), size=n_contacts, p=[c[1] for c in COUNTRIES])
    city_offsets = np.cumsum([0] + [len(c[3]) for c in COUNTRIES])[:-1]
    city_n = np.array([len(c[3]) for c in COUNTRIES])[country]
    city = (city_offsets[country] + (rng.random(n_contacts) * city_n).astype(int))
    city[rng.random(n_contacts) < 0.2] = -1

    return fn, ln, country, city


def _demo_groups(rng: np.random.Generator, ctype: np.ndarray, converts: np.ndarray, created: np.ndarray,
                 start: int, start_day: date, anchor_day: date, n_contacts: int):
    """Group membership bits per contact and the ``groups`` rows (newsletter, VIP, campaign groups, webinar)."""
    groups_spec = []
    ram_wins = _campaign_windows("ramadan", start_day, anchor_day, anchor_day)
    wf_wins = _campaign_windows("white_friday", start_day, anchor_day, anchor_day)
    groups_spec.append(("Newsletter", start - 60 * DAY, rng.random(n_contacts) < 0.3))
    will_be_customer = (ctype == CUSTOMER) | converts
    groups_spec.append(("VIP", start - 60 * DAY, will_be_customer & (rng.random(n_contacts) < 0.12)))
    for label, wins in (("Ramadan", ram_wins), ("White Friday", wf_wins)):
        if wins:
            a, b = wins[-1]
            lo, hi = _utc_midnight(a), _utc_midnight(b) + DAY
            members = (created >= lo) & (created < hi) & (rng.random(n_contacts) < 0.4)
            groups_spec.append((f"{label} {a.year}", lo - 5 * DAY, members))
    groups_spec.append(("Webinar", start + 90 * DAY, (created >= start + 90 * DAY) & (rng.random(n_contacts) < 0.04)))
    bits = np.zeros(n_contacts, dtype=np.uint64)
    groups = []
    for i, (name, made, members) in enumerate(groups_spec):
        bits |= members.astype(np.uint64) << np.uint64(i)
        groups.append({"id": i + 1, "name": name, "created_at": int(made), "updated_at": int(made)})
    return bits, groups
