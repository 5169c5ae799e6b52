"""The emulator's demo workspace: deterministic, shaped like a real one, fast at a million contacts."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from emulator_support import AS_OF, T0, app_with, call

from rasl_data.emulator import make_demo_tenant


@pytest.fixture(scope="module")
def demo():
    return make_demo_tenant(AS_OF)


def test_demo_is_deterministic_and_seed_dependent(demo):
    again = make_demo_tenant(AS_OF + timedelta(hours=5))  # same date
    assert np.array_equal(demo.c["created"], again.c["created"][: demo.n]) and demo.n == again.n
    other = make_demo_tenant(AS_OF, seed=8)
    assert not np.array_equal(demo.c["created"], other.c["created"])


def test_demo_shape(demo):
    assert demo.n_contacts >= 20_000
    names = {s["name"] for s in demo.sources}
    for name in ("WhatsApp", "Facebook", "Instagram", "Website Form", "Landing Page", "Manual Import", "Shopify Store",
                 "API Integration", "Referral Campaign", "Instagram / Ramadan Offer", "Facebook / White Friday",
                 "Google Ads | Summer Sale", "TikTok - Launch", "facebook "):
        assert name in names
    assert any("\u0600" <= ch <= "\u06ff" for n in names for ch in n)
    assert [s["name"] for s in demo.statuses] == ["New Lead", "Contacted", "Qualified", "Customer", "Lost"]
    created = demo.c["created"][: demo.n]
    span = (created.max() - created.min()) / 86400
    assert 500 < span <= 548 and created.max() < T0
    null_share = (demo.c["source"][: demo.n] < 0).mean()
    assert 0.005 < null_share < 0.015
    phones = [demo._field(r, "phone") for r in range(0, demo.n, 7)]
    assert len(set(phones)) == len(phones) and all(p[:5] in ("+9665", "+9715", "+2010") for p in phones)
    types = Counter(int(x) for x in demo.c["type"][: demo.n])
    assert set(types) == {0, 1, 2}


def test_demo_weekly_seasonality_friday_lowest(demo):
    weekdays = Counter(datetime.fromtimestamp(int(t), timezone.utc).weekday() for t in demo.c["created"][: demo.n])
    assert min(weekdays, key=weekdays.get) == 4


def test_demo_silent_and_brand_new_sources(demo):
    by_name = {s["name"]: s["id"] for s in demo.sources}
    created, source = demo.c["created"][: demo.n], demo.c["source"][: demo.n]
    silent = created[source == by_name["Snapchat Ads"]]
    assert len(silent) > 50 and silent.max() < T0 - 42 * 86400
    new = created[source == by_name["Google Ads | Brand Search"]]
    assert len(new) > 5 and new.min() >= T0 - 8 * 86400


def test_state_at_replays_conversions(demo):
    earlier = demo.state_at(AS_OF - timedelta(days=30))
    assert earlier.n_contacts < demo.n_contacts
    n = earlier.n
    became_customer = (earlier.c["type"][:n] == 0) & (demo.c["type"][:n] == 1)
    assert became_customer.sum() > 10
    row = int(np.flatnonzero(became_customer)[0])
    then, now = earlier.contact_dict(row), demo.contact_dict(row)
    assert (then["type"], now["type"]) == ("lead", "customer") and now["status_id"] == 4
    assert then["updated_at"] == then["created_at"] < now["updated_at"] <= AS_OF.isoformat()


def test_million_contacts_generate_fast_and_pages_stay_cheap():
    t0 = time.perf_counter()
    big = make_demo_tenant(AS_OF, n_contacts=1_000_000)
    assert time.perf_counter() - t0 < 10
    app = app_with(big)
    queries = [{"sort": "id", "page": 500}, {"sort": "-updated_at", "page": 3},
               {"filter[created_at][between]": "2025-06-01,2025-07-01", "sort": "id", "page": 2},
               {"filter[created_at][gte]": "2025-06-01 00:00:00", "filter[created_at][lt]": "2025-06-02 00:00:00"}]
    for q in queries:
        call(app, "GET", "/contacts", params={**q, "per_page": 100})  # first request builds the order
        best = min(_timed(app, q) for _ in range(5))
        assert best < 0.005, (q, best)


def _timed(app, q):
    t0 = time.perf_counter()
    call(app, "GET", "/contacts", params={**q, "per_page": 100})
    return time.perf_counter() - t0
