"""The deletion check of an incremental sync, against the emulator's own set of live ids.

The oracle is the emulator's ``alive`` column (read straight from its arrays), never what the
sync reports; request counts are compared with bounds worked out by hand in each test.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

import httpx
import pandas as pd
import pytest
from sync_support import AS_OF, CutShort, N, cached, client_for

from rasl_data.api.client import RaslClient
from rasl_data.cache import store
from rasl_data.cache.deletion_search import PER_PAGE, page_at, page_covering
from rasl_data.cache.sync import sync
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

BASELINE = 3 + 1  # three lists and the first contacts page: the count check itself


def live_ids(tenant) -> set[int]:
    """The emulator's live contacts, from its own columns."""
    return {int(tenant.c["id"][i]) for i in range(tenant.n) if tenant.c["alive"][i]}


def created_order(tenant) -> list[int]:
    """Live ids in created_at, id order, computed from the emulator's arrays."""
    rows = [(int(tenant.c["created"][i]), int(tenant.c["id"][i])) for i in range(tenant.n) if tenant.c["alive"][i]]
    return [cid for _, cid in sorted(rows)]


def cached_ids(path) -> set[int]:
    return set(store.Reader(path).query("SELECT id FROM contacts")["id"])


def client_via(app: EmulatorApp, transport=None) -> RaslClient:
    return RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=transport or app.transport(),
                      sleep=lambda s: None)


def synced(n: int, seed: int, tmp_path):
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=n, seed=seed)
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "c.duckdb"
    with client_via(app) as client:
        assert sync(client, path, now=AS_OF).outcome == "success"
    return tenant, app, path


def sync_again(app, path, hours: int = 1, transport=None):
    with client_via(app, transport) as client:
        return sync(client, path, now=AS_OF + timedelta(hours=hours))


PATTERNS = ["scattered", "adjacent", "edges", "pairs", "runs"]


def pick(pattern: str, order: list[int], rng: random.Random) -> list[int]:
    """Contacts to delete, by position in created order."""
    n = len(order)
    if pattern == "scattered":
        return rng.sample(order, rng.randint(1, 30))
    if pattern == "adjacent":
        start = rng.randrange(n - 40)
        return order[start:start + rng.randint(2, 40)]
    if pattern == "edges":  # the first and last contacts of the whole range, and one in between
        return order[:rng.randint(1, 3)] + order[-rng.randint(1, 3):] + [order[n // 2]]
    if pattern == "pairs":  # neighbours two by two, far apart
        starts = rng.sample(range(0, n - 2, 7), 6)
        return [order[i] for s in starts for i in (s, s + 1)]
    starts = rng.sample(range(0, n - 150), 4)  # a few runs of up to 150, maybe overlapping
    return sorted({cid for s in starts for cid in order[s:s + rng.randint(1, 150)]})


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("pattern", PATTERNS)
def test_random_deletion_patterns_leave_exactly_the_emulators_live_contacts(tmp_path, pattern, seed):
    tenant, app, path = synced(2_000, 30 + seed, tmp_path)
    rng = random.Random(f"{pattern}-{seed}")
    gone = pick(pattern, created_order(tenant), rng)
    for cid in gone:
        assert tenant.delete_contact(cid)
    result = sync_again(app, path)
    assert result.outcome == "success", result.error_title
    assert cached_ids(path) == live_ids(tenant)
    assert result.deleted == len(set(gone))
    # Never more than re-reading everything: 20 pages, plus the count check.
    assert result.requests - BASELINE <= 2_000 // PER_PAGE


@pytest.mark.parametrize("seed", range(2))
def test_deletions_and_creations_in_one_sync_are_both_found(tmp_path, seed):
    tenant, app, path = synced(2_000, 40 + seed, tmp_path)
    rng = random.Random(seed)
    gone = rng.sample(created_order(tenant), 12)
    for cid in gone:
        assert tenant.delete_contact(cid)
    at = (AS_OF + timedelta(minutes=30)).timestamp()
    made = [tenant.add_contact({"firstname": f"New{i}", "phone": f"+1555000{i:04d}"}, at=at)["id"] for i in range(25)]
    result = sync_again(app, path)
    assert result.outcome == "success" and result.deleted == 12 and result.inserted == 25
    assert cached_ids(path) == live_ids(tenant)
    assert set(made) <= cached_ids(path)


def test_a_contact_imported_with_an_old_date_is_added_while_deletions_elsewhere_are_found(tmp_path):
    # The import's updated_at lies before the watermark, so the incremental listing never shows
    # it: only the deletion check (its created_at range counts one more than the cache) can.
    tenant, app, path = synced(3_000, 12, tmp_path)
    order = created_order(tenant)
    old = int(tenant.c["created"][tenant.row_of(order[200])])
    imported = tenant.add_contact({"firstname": "Imported", "phone": "+15550009999"}, at=old)["id"]
    gone = [order[1_500], order[2_700]]
    for cid in gone:
        assert tenant.delete_contact(cid)
    result = sync_again(app, path)
    assert result.outcome == "success" and result.deleted == 2
    assert cached_ids(path) == live_ids(tenant) and imported in cached_ids(path)


class DeleteDuringCheck:
    """Transport answering like the emulator that deletes contacts after the n-th request of
    the deletion check (a created_at-filtered listing), so counts taken before and after differ."""

    def __init__(self, app: EmulatorApp, victims: list[int], after: int) -> None:
        self.app, self.victims, self.after, self.seen = app, victims, after, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        resp = self.app.handle(request)
        if "filter[created_at][gte]" in request.url.params:
            self.seen += 1
            if self.seen == self.after:
                for cid in self.victims:
                    self.app.tenant.delete_contact(cid)
        return resp


@pytest.mark.parametrize("after", [1, 2, 4])
def test_contacts_deleted_while_the_check_runs_never_cost_a_live_contact(tmp_path, after):
    tenant, app, path = synced(3_000, 5, tmp_path)
    order = created_order(tenant)
    for cid in order[100::600]:
        assert tenant.delete_contact(cid)
    during = [order[1_234], order[1_235], order[2_900]]
    result = sync_again(app, path, transport=httpx.MockTransport(DeleteDuringCheck(app, during, after)))
    assert result.outcome == "success"
    live = live_ids(tenant)
    assert live <= cached_ids(path)  # nothing live was deleted
    assert cached_ids(path) - live <= set(during)  # only what vanished mid-check may linger
    again = sync_again(app, path, hours=2)
    assert again.outcome == "success" and cached_ids(path) == live


def test_nothing_deleted_costs_no_request_beyond_the_count_check(tmp_path):
    tenant, app, path = synced(3_000, 6, tmp_path)
    result = sync_again(app, path)
    assert result.outcome == "success" and result.requests == BASELINE and result.deleted == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_twenty_scattered_deletions_among_twenty_thousand_cost_at_most_two_and_a_half_requests_each(tmp_path, seed):
    tenant, app, path = synced(20_000, 7, tmp_path)
    gone = random.Random(seed).sample(created_order(tenant), 20)
    for cid in gone:
        assert tenant.delete_contact(cid)
    result = sync_again(app, path)
    assert result.outcome == "success" and result.deleted == 20
    assert cached_ids(path) == live_ids(tenant)
    assert result.requests - BASELINE <= 50


def test_one_deletion_among_twenty_thousand_costs_at_most_six_requests(tmp_path):
    # Each request splits the one open segment four ways (left, page, middle, right):
    # 20,000 -> ~6,600 -> ~2,170 -> ~690 -> ~200 -> a page, the last two reads.
    tenant, app, path = synced(20_000, 7, tmp_path)
    assert tenant.delete_contact(created_order(tenant)[12_345])
    result = sync_again(app, path)
    assert result.outcome == "success" and result.deleted == 1
    assert result.requests - BASELINE <= 6


def test_a_contiguous_batch_of_500_costs_a_handful_of_requests(tmp_path):
    tenant, app, path = synced(20_000, 7, tmp_path)
    for cid in created_order(tenant)[9_000:9_500]:
        assert tenant.delete_contact(cid)
    result = sync_again(app, path)
    assert result.outcome == "success" and result.deleted == 500
    assert cached_ids(path) == live_ids(tenant)
    assert result.requests - BASELINE <= 15


@pytest.mark.parametrize(("offset", "tolerance", "expected"), [
    (0, 0, (1, 100)), (24, 0, (1, 100)),  # near the start: the first page
    (300, 0, (4, 100)),  # after 3 pages of 100
    (150, 0, (3, 75)),  # no page of 76-100 starts at 150; pages of 75 do (2 x 75)
    (150, 5, (3, 77)),  # within 5: 2 x 77 = 154 is the longest page that lands close enough
])
def test_page_at_places_the_first_item_at_the_offset(offset, tolerance, expected):
    assert page_at(offset, tolerance) == expected


def test_page_covering_holds_the_wanted_offsets():
    # 130 contacts before, 40 wanted: page 2 of 100 holds offsets 100-199.
    assert page_covering(130, 40) == (2, 100)
    # 170 before, 40 wanted (170-209): a page of s holds it when 170 mod s + 40 <= s; for
    # s in 86-100 that is 210 - s <= s (no); s = 85 gives page 3, offsets 170-254.
    assert page_covering(170, 40) == (3, 85)


def test_deleted_contacts_disappear_without_a_full_pull(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    gone = [ids[10], ids[900], ids[901], ids[2400]]
    for cid in gone:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.deleted == 4
    left = set(cached(path, "SELECT id FROM contacts")["id"])
    assert left == set(ids) - set(gone)
    assert result.requests < 3 + math.ceil(N / 100)  # cheaper than a full pull
    assert cached(path, "SELECT count(*) AS n FROM contact_groups WHERE contact_id IN (?, ?, ?, ?)", gone)["n"].iloc[0] == 0


def test_deletion_check_reading_a_window_cut_short_deletes_nothing(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    tenant.delete_contact(ids[1200])
    before = cached(path, "SELECT id FROM contacts ORDER BY id")
    cut = CutShort(app, lambda r: "filter[created_at][gte]" in r.url.params and r.url.params.get("per_page") != "1")
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=httpx.MockTransport(cut), sleep=lambda s: None)
    with client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "failed" and "came back incomplete" in result.error_title and cut.cut >= 1
    pd.testing.assert_frame_equal(cached(path, "SELECT id FROM contacts ORDER BY id"), before)


def test_deletion_check_costs_nothing_when_nothing_was_deleted_and_finds_scattered_and_contiguous_ones(tmp_path):
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=6_000, seed=21)
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    with client_for(app) as client:
        quiet = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert quiet.requests == 3 + 1 and quiet.deleted == 0  # the first page's total is the whole check
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    scattered = [i for i in ids[7::613] if i not in ids[3_000:3_250]][:9]  # 9 contacts far apart
    contiguous = ids[3_000:3_250]  # one batch of 250 neighbours
    for cid in scattered + contiguous:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=2))
    assert result.outcome == "success" and result.deleted == 9 + 250
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - set(scattered) - set(contiguous)
    assert result.requests < 3 + 6_000 // 100 / 2  # far from a full pull


def test_deletions_among_hundreds_of_contacts_imported_in_the_same_second_are_found_exactly(tmp_path):
    # A bulk import gives hundreds of contacts one created_at second: no time boundary falls
    # inside it, so the deletion check must page through that second instead.
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=4_000, seed=8)
    block = slice(1_500, 1_850)
    tenant.c["created"][block] = tenant.c["created"][1_500]  # stays sorted ascending
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        assert sync(client, path, now=AS_OF).contacts_total == 4_000
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    gone = [ids[1_520], ids[1_700], ids[1_849], ids[300], ids[3_900]]
    for cid in gone:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "success" and result.deleted == 5
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - set(gone)


def test_scattered_deletions_cost_no_more_requests_than_the_documented_worst_case(tmp_path, tenant, app):
    # 2,500 contacts, 5 deletions far apart: the first request splits the one segment in four
    # (2,500 -> ~800 each), later ones split two segments at once and read a page on the way;
    # at most 4 requests a deletion, well under re-reading the 25 pages.
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    gone = ids[37::N // 5][:5]  # 5 contacts far apart
    for cid in gone:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "success" and result.deleted == 5
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - set(gone)
    extra = result.requests - (3 + 1)  # beyond the three lists and the first contacts page
    assert extra <= 5 * 4 < math.ceil(N / 100)


@pytest.mark.parametrize("budget", [0, 2])
def test_search_out_of_budget_reads_what_is_left_and_still_deletes_exactly(tmp_path, monkeypatch, budget):
    from rasl_data.cache import deletion_search

    tenant, app, path = synced(2_000, 9, tmp_path)
    order = created_order(tenant)
    gone = order[5:8] + order[700:701] + order[1_990:]
    for cid in gone:
        assert tenant.delete_contact(cid)
    monkeypatch.setattr(deletion_search, "request_budget", lambda cached: budget)
    result = sync_again(app, path)
    assert result.outcome == "success" and result.deleted == len(gone)
    assert cached_ids(path) == live_ids(tenant)


class TiesInAnotherOrder:
    """Transport that makes the emulator list contacts of one second in descending id order
    (``sort=created_at,-id``), as a server keeping sub-second times might: an order the cache
    cannot know."""

    def __init__(self, app: EmulatorApp) -> None:
        self.app = app

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("sort") == "created_at,id":
            request = httpx.Request(request.method, request.url.copy_set_param("sort", "created_at,-id"),
                                    headers=request.headers)
        return self.app.handle(request)


def test_contacts_sharing_a_second_listed_in_an_unknown_order_are_never_deleted_alive(tmp_path):
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=3_000, seed=8)
    for start in range(0, 3_000, 50):  # most contacts share their second with a few others
        block = slice(start, start + 50)
        tenant.c["created"][block] = tenant.c["created"][start] + (tenant.c["created"][block] - tenant.c["created"][start]) // 100_000
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "c.duckdb"
    with client_via(app) as client:
        assert sync(client, path, now=AS_OF).outcome == "success"
    order = created_order(tenant)
    gone = random.Random(3).sample(order, 25) + order[1_000:1_030]
    for cid in set(gone):
        assert tenant.delete_contact(cid)
    result = sync_again(app, path, transport=httpx.MockTransport(TiesInAnotherOrder(app)))
    assert result.outcome == "success", result.error_title
    assert cached_ids(path) == live_ids(tenant) and result.deleted == len(set(gone))
