"""RaslClient against the in-process emulator and hand-made MockTransports (no real sleeping).

The error mapping from hand-made answers is tested in test_client_errors.py."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import httpx
import pytest
from client_support import AS_OF, BASE, envelope_page, make, src

from rasl_data import errors as E
from rasl_data.api.client import RaslClient
from rasl_data.api.pagination import SOURCES, IncompletePageError
from rasl_data.emulator import DEMO_TOKEN, empty_tenant, make_demo_tenant

# -- reading ----------------------------------------------------------------------------------

def test_reads_every_contact_once_in_id_order():
    app, client, transport, _ = make()
    tenant = app.tenant
    expected_ids = tenant.c["id"][: tenant.n][tenant.c["alive"][: tenant.n]].tolist()
    pages = list(client.iter_contact_pages(sort="id", concurrency=1))
    got = [c.id for p in pages for c in p.items]
    assert got == expected_ids
    assert len(pages) == -(-len(expected_ids) // 100)
    assert client.last_guard == "has_more_false"
    assert client.requests_made == len(pages) == len(transport.calls)


def test_created_at_filter_counts_match_a_hand_count():
    app, client, _, _ = make()
    t = app.tenant
    lo, hi = datetime(2025, 10, 1, tzinfo=timezone.utc), datetime(2025, 11, 1, tzinfo=timezone.utc)
    created = t.c["created"][: t.n]
    hand = int(((created >= lo.timestamp()) & (created < hi.timestamp())).sum())
    page = client.contacts_page(filters={"created_at": {"gte": lo, "lt": hi}}, per_page=1)
    assert page.pagination.total == hand
    listed = client.list_contacts(filters={"created_at": {"gte": lo, "lt": hi}}, sort="id")
    assert len(listed) == hand and all(lo <= c.created_at < hi for c in listed)


def test_source_filter_and_includes():
    app, client, _, _ = make()
    t = app.tenant
    hand = int((t.c["source"][: t.n] == 3).sum())
    contacts = client.list_contacts(filters={"source_id": 3}, include=["source", "groups", "status"])
    assert len(contacts) == hand
    assert {c.source.name for c in contacts} == {"Instagram"}
    assert all(c.groups is not None and [g.id for g in c.groups] == list(c.group_ids) for c in contacts)


def test_dimension_lists_page_past_100():
    tenant = empty_tenant(AS_OF)
    for i in range(250):
        tenant.add_source(f"Campaign {i:03d}", at=AS_OF.timestamp())
    _, client, transport, _ = make(tenant)
    names = [s.name for s in client.list_sources()]
    assert names == [f"Campaign {i:03d}" for i in range(250)]
    assert len(transport.calls) == 3  # 100 + 100 + 50


def test_get_by_id_is_unwrapped():
    app, client, _, _ = make()
    cid = int(app.tenant.c["id"][10])
    c = client.get_contact(cid, include=["source"])
    assert c.id == cid and c.created_at.tzinfo is not None
    assert client.get_source(1).name == "WhatsApp"
    assert client.get_status(4).name == "Customer"
    with pytest.raises(E.NotFoundError) as err:
        client.get_source(999)
    assert err.value.title == "Source not found."


# -- pagination guards -------------------------------------------------------------------------

def scripted(pages: dict[int, dict]):
    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("page", "1"))
        return httpx.Response(200, json=pages[n])
    return httpx.MockTransport(handler)


def test_guard_repeated_page_from_emulator_fault():
    # Page 2 keeps coming back as page 1: asked again 3 times, then the loop stops on the guard.
    _, client, transport, _ = make(faults="repeat-page:2,repeat-count:9")
    pages = list(client.iter_contact_pages(sort="id", concurrency=1))
    assert [p.page_no for p in pages] == [1]
    assert client.last_guard == "repeated_page"
    assert len(transport.calls) == 1 + 1 + 3 and client.page_retries == 3


def test_repeated_page_is_asked_again_and_the_listing_completes():
    """Regression: one page repeated by a proxy ended the listing; it is now asked for again."""
    app, client, transport, clock = make(faults="repeat-page:4")
    expected = app.tenant.c["id"][: app.tenant.n][app.tenant.c["alive"][: app.tenant.n]].tolist()
    got = [c.id for p in client.iter_contact_pages(sort="id", concurrency=1) for c in p.items]
    assert got == expected and client.last_guard == "has_more_false"
    assert client.page_retries == 1 and len(transport.calls) == len(expected) // 100 + 1
    assert 0.25 <= sum(clock.slept) <= 0.5  # one backoff of the first retry step


def test_page_cut_short_is_asked_again_then_fails_with_a_clear_error():
    # 37 of 100 contacts while meta.pagination promises 100: asked again (3 times), then an error.
    _, client, transport, _ = make(faults="short-page:99")
    with pytest.raises(IncompletePageError) as err:
        list(client.iter_contact_pages(sort="id", concurrency=1))
    assert err.value.page_no == 1 and (err.value.received, err.value.expected) == (37, 100)
    assert "incomplete" in err.value.title and "previous data is kept" in err.value.title
    assert len(transport.calls) == 4


def test_page_cut_short_once_is_read_again_in_full():
    app, client, _, _ = make(faults="short-page:1")
    got = [c.id for p in client.iter_contact_pages(sort="id", concurrency=4) for c in p.items]
    assert len(got) == len(set(got)) == app.tenant.n_contacts and client.page_retries == 1


def test_page_whose_count_disagrees_with_its_items_is_not_accepted():
    # total 37 agrees with 37 items, but the page's own count says 100: something was cut.
    page = envelope_page([src(i) for i in range(1, 38)], 1, 1, False, total=37)
    page["meta"]["pagination"]["count"] = 100
    client = RaslClient(BASE, "t0k3n-abcdef", transport=scripted({1: page}), sleep=lambda s: None)
    with pytest.raises(IncompletePageError):
        client.list_sources()


def test_sources_list_shorter_than_its_total_is_an_error_not_a_partial_list():
    pages = {1: envelope_page([src(1), src(2)], 1, 1, False, total=3)}
    client = RaslClient(BASE, "t0k3n-abcdef", transport=scripted(pages), sleep=lambda s: None)
    with pytest.raises(E.ProtocolError) as err:
        client.list_sources()
    assert "sources list came back incomplete" in err.value.title


def test_guard_empty_page_while_has_more():
    pages = {1: envelope_page([src(1)], 1, 5, True), 2: envelope_page([], 2, 5, True)}
    client = RaslClient(BASE, "t0k3n-abcdef", transport=scripted(pages))
    got = list(client.iter_pages(SOURCES))
    assert [p.page_no for p in got] == [1, 2] and client.last_guard == "empty_page"


def test_guard_past_total_pages_when_has_more_never_ends():
    pages = {n: envelope_page([src(n)], n, 3, True) for n in range(1, 10)}
    client = RaslClient(BASE, "t0k3n-abcdef", transport=scripted(pages))
    got = list(client.iter_pages(SOURCES))
    assert [p.page_no for p in got] == [1, 2, 3] and client.last_guard == "past_total_pages"


def test_pagination_ignores_links_next_and_keeps_filters():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        n = int(request.url.params["page"])
        body = envelope_page([src(n)], n, 2, n < 2)
        body["links"] = {"next": "https://getrasl.io/api/v2/contacts?page=2"}  # filters dropped, as RASL does
        return httpx.Response(200, json=body)

    client = RaslClient(BASE, "t0k3n-abcdef", transport=httpx.MockTransport(handler))
    list(client.iter_pages(SOURCES, {"filter[created_at][gte]": "2025-01-01"}))
    assert [p["page"] for p in seen] == ["1", "2"]
    assert all(p["filter[created_at][gte]"] == "2025-01-01" and p["per_page"] == "100" for p in seen)


def test_contacts_empty_page_count_one_is_not_trusted():
    _, client, _, _ = make(empty_tenant(AS_OF))
    page = client.contacts_page()
    assert page.items == [] and page.pagination.count == 0 and page.pagination.total == 0


# -- concurrency -------------------------------------------------------------------------------

def test_concurrent_pages_arrive_in_order_with_the_same_contacts():
    app, client, _, _ = make(concurrency=4)
    sequential = [c.id for p in client.iter_contact_pages(sort="id", concurrency=1) for c in p.items]
    pages = list(client.iter_contact_pages(sort="id", concurrency=4))
    assert [p.page_no for p in pages] == list(range(1, len(pages) + 1))
    assert [c.id for p in pages for c in p.items] == sequential


def test_concurrent_mode_really_overlaps_requests():
    # Four page requests must be in flight together for the barrier to open (no sleeping).
    barrier = threading.Barrier(4, timeout=5)

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params["page"])
        if 2 <= n <= 5:
            barrier.wait()
        return httpx.Response(200, json=envelope_page([src(n)], n, 5, n < 5))

    client = RaslClient(BASE, "t0k3n-abcdef", transport=httpx.MockTransport(handler))
    got = list(client.iter_pages(SOURCES, concurrency=4))
    assert [p.page_no for p in got] == [1, 2, 3, 4, 5] and client.last_guard == "has_more_false"


def test_concurrent_mode_still_applies_the_repeat_guard():
    _, client, _, _ = make(faults="repeat-page:3,repeat-count:9")
    pages = list(client.iter_contact_pages(sort="id", concurrency=4))
    assert [p.page_no for p in pages] == [1, 2] and client.last_guard == "repeated_page"


# -- rate limits and retries -------------------------------------------------------------------

def test_long_sync_at_60_per_minute_gets_no_429_and_near_minimum_time():
    # One worker: the fake clock adds up sleeps, so threads sleeping side by side would count
    # their waits twice (bench/bench_client.py measures the concurrent case in real time).
    app, client, _, clock = make(make_demo_tenant(AS_OF, n_contacts=12_000), rate=60, concurrency=1)
    t0 = clock.t
    client.list_sources()
    client.list_statuses()
    client.list_groups()
    n = sum(len(p.items) for p in client.iter_contact_pages(sort="id"))
    assert n == 12_000
    requests = client.requests_made
    assert requests == 3 + 120
    assert app.rate_limited == 0
    minimum = requests / 60 * 60.0  # requests / limit, in seconds
    assert clock.t - t0 <= 1.1 * minimum
    assert client.rate_limit_waits > 0


def test_shared_token_hits_remaining_zero_and_waits_for_reset_without_429():
    app, client, _, clock = make(make_demo_tenant(AS_OF, n_contacts=3_000), rate=60)
    other = RaslClient(BASE, DEMO_TOKEN, transport=app.transport(), clock=clock, sleep=clock.sleep)
    for _ in range(50):  # another consumer already used 50 of this window's 60
        other.call("GET", "/account")
    client.list_contacts(sort="id", concurrency=1)
    assert app.rate_limited == 0
    assert max(clock.slept) >= 55  # one wait for the window to reset


def test_429_burst_is_waited_out_then_succeeds():
    events = []
    app, client, transport, clock = make(faults="429:2,retry-after:7", on_event=lambda k, i: events.append((k, i)))
    sources = client.list_sources()
    assert len(sources) == len(app.tenant.sources)
    assert len(transport.calls) == 3
    retries = [i for k, i in events if k == "retry"]
    assert [r["reason"] for r in retries] == ["HTTP 429", "HTTP 429"]
    assert all(7 <= r["delay"] <= 7.25 for r in retries)
    assert client.rate_limit_waits == 2 and client.rate_limit_wait_seconds >= 14


def test_429_with_retry_after_costs_retry_after_not_a_full_minute():
    # Each injected 429 says Retry-After 7 (and Reset now+60); the client used to wait 60 s each.
    app, client, transport, clock = make(faults="429:2,retry-after:7")
    t0 = clock.t
    assert len(client.list_sources()) == len(app.tenant.sources)
    assert len(transport.calls) == 3
    assert 14 <= client.rate_limit_wait_seconds <= 15
    assert 14 <= clock.t - t0 <= 15.5
    assert all(s < 8 for s in clock.slept)


def test_429_from_the_real_limiter_waits_until_the_window_ends_then_succeeds():
    # Another consumer spent the whole window: the 429's Retry-After is the true window end (~30 s
    # here), shorter than Reset (now + 60). The client waits Retry-After, retries once and succeeds.
    app, client, transport, clock = make(rate=60)
    other = httpx.Client(transport=app.transport(), base_url=BASE + "/",
                         headers={"Authorization": f"Bearer {DEMO_TOKEN}"})  # an unpaced consumer
    assert other.get("account").status_code == 200
    clock.t += 30  # the window (opened by that request) has 30 s left
    for _ in range(59):
        assert other.get("account").status_code == 200
    t0 = clock.t
    assert len(client.list_sources()) == len(app.tenant.sources)
    assert app.rate_limited == 1
    assert 30 <= clock.t - t0 <= 31  # Retry-After (30 s), not Reset (60 s)


def test_retry_after_longer_than_the_caller_allows_fails_at_once():
    """Regression: a 429 asking for a day was waited out in 90 s steps (about 4.5 minutes)."""
    _, client, transport, clock = make(faults="429:1,retry-after:86400", max_wait=120)
    with pytest.raises(E.RateLimitedError) as err:
        client.list_sources()
    assert clock.slept == [] and len(transport.calls) == 1
    assert err.value.title.startswith("RASL asks to wait 24 h before the next request")
    assert err.value.retry_after == 86400


def test_retry_after_within_the_callers_limit_is_waited_in_full():
    # A cron job may allow a day: it waits the whole Retry-After once and goes on.
    app, client, transport, clock = make(faults="429:1,retry-after:86400", max_wait=90_000)
    assert len(client.list_sources()) == len(app.tenant.sources)
    assert len(transport.calls) == 2 and 86_400 <= sum(clock.slept) <= 86_401
    assert client.rate_limit_waits == 1


def test_429_after_retries_raises_rate_limited_with_retry_after():
    _, client, _, _ = make(faults="429:10,retry-after:42", max_retries=2)
    with pytest.raises(E.RateLimitedError) as err:
        client.list_sources()
    assert err.value.retry_after == 42 and err.value.status == 429


@pytest.mark.parametrize("fault", ["500:2", "timeout:2", "malformed:1", "truncated:1", "html:1"])
def test_get_recovers_from_transient_faults(fault):
    app, client, transport, _ = make(faults=fault)
    assert len(client.list_statuses()) == 5
    assert len(transport.calls) == 1 + int(fault.split(":")[1])


@pytest.mark.parametrize("fault, error", [
    ("500:9", E.ServerError), ("timeout:9", E.RequestTimeoutError), ("malformed:9", E.ProtocolError),
    ("truncated:9", E.ProtocolError), ("html:9", E.ProtocolError),
])
def test_persistent_faults_raise_domain_errors(fault, error):
    _, client, _, _ = make(faults=fault, max_retries=1)
    with pytest.raises(error) as err:
        client.list_statuses()
    assert err.value.title and not isinstance(err.value, httpx.HTTPError)


def test_create_whose_answer_was_lost_is_checked_not_repeated():
    app, client, transport, _ = make(faults="lost:1")
    created = client.create_source("Instagram / Eid Offer")
    posts = [c for c in transport.calls if c[0] == "POST"]
    assert len(posts) == 1
    assert [s["name"] for s in app.tenant.sources].count("Instagram / Eid Offer") == 1
    assert created.name == "Instagram / Eid Offer" and created.id == app.tenant.sources[-1]["id"]


def test_create_after_500_not_applied_is_sent_again_once():
    app, client, transport, _ = make(faults="500:1")
    client.create_source("TikTok - Eid")
    assert [c[0] for c in transport.calls].count("POST") == 2  # checked (absent), then sent again
    assert [s["name"] for s in app.tenant.sources].count("TikTok - Eid") == 1


def test_delete_whose_answer_was_lost_counts_as_done():
    app, client, transport, _ = make(faults="lost:1")
    sid = app.tenant.add_source("Unused")["id"]
    client.delete_source(sid)
    assert app.tenant.find("source", sid) is None
    assert [c[0] for c in transport.calls].count("DELETE") == 1


def test_rename_and_conflict():
    app, client, _, _ = make()
    assert client.rename_source(2, "Facebook Ads").name == "Facebook Ads"
    in_use = app.tenant.count_using("source", 1)
    with pytest.raises(E.ConflictError) as err:
        client.delete_source(1)
    assert err.value.contacts_in_use == in_use > 0


def test_scope_limited_token():
    app, client, _, _ = make(token="wm_sources_only")
    app.add_token("wm_sources_only", scopes=("sources:read",))
    assert client.list_sources()
    with pytest.raises(E.InsufficientScopeError) as err:
        client.list_statuses()
    assert err.value.scope == "statuses:read"
