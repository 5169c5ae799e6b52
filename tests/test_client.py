"""RaslClient against the in-process emulator and hand-made MockTransports (no real sleeping)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import httpx
import numpy as np
import pytest

from rasl_data import errors as E
from rasl_data.api.client import RaslClient
from rasl_data.api.pagination import CONTACTS, SOURCES, IncompletePageError
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, empty_tenant, make_demo_tenant

AS_OF = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
BASE = "https://getrasl.io/api/v2"


class FakeClock:
    """Shared by client and emulator: the client's sleeps advance the emulator's time."""

    def __init__(self, t: float = AS_OF.timestamp()) -> None:
        self.t = t
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.t += seconds


class Counting(httpx.BaseTransport):
    """Wraps a transport and records (method, path) of each request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return self.inner.handle_request(request)


def make(tenant=None, *, rate=None, faults=None, clock=None, token=DEMO_TOKEN, **kw):
    clock = clock or FakeClock()
    app = EmulatorApp(tenant or make_demo_tenant(AS_OF, n_contacts=1_000), rate_limit_per_minute=rate, clock=clock,
                      faults=faults, sleep=lambda s: None)
    transport = Counting(app.transport())
    client = RaslClient(BASE, token, transport=transport, sleep=clock.sleep, clock=clock, **kw)
    return app, client, transport, clock


def envelope_page(items, page, total_pages, has_more, total=None):
    return {"success": True, "data": items,
            "meta": {"pagination": {"total": total or 0, "count": len(items), "per_page": 100, "current_page": page,
                                    "total_pages": total_pages, "has_more": has_more},
                     "request_id": "r", "timestamp": "2026-01-15T10:00:00+00:00"}}


def src(i):
    return {"id": i, "name": f"S{i}", "created_at": "2026-01-10T09:00:00+00:00", "updated_at": "2026-01-10T09:00:00+00:00"}


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


# -- error mapping from hand-made answers --------------------------------------------------------

def answer(status, body=None, *, content=None, headers=None):
    def handler(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers or {})
        return httpx.Response(status, json=body, headers=headers or {})
    return httpx.MockTransport(handler)


def err_body(code, message, details=None):
    e = {"code": code, "message": message}
    if details is not None:
        e["details"] = details
    return {"success": False, "error": e, "meta": {"request_id": "req-1", "timestamp": "2026-01-15T10:00:00+00:00"}}


def test_wrong_types_name_the_field():
    bad = envelope_page([{**src(1), "created_at": 1768471200}], 1, 1, False)
    client = RaslClient(BASE, "t0k3n-abcdef", transport=answer(200, bad))
    with pytest.raises(E.ProtocolError) as err:
        client.list_sources()
    assert "sources[0].created_at" in err.value.detail


def test_timestamps_in_both_forms_are_aware_utc():
    body = envelope_page([{**src(1), "created_at": "2026-01-15T10:00:00.000000Z",
                           "updated_at": "2026-01-15T13:00:00+03:00"}], 1, 1, False)
    s = RaslClient(BASE, "t0k3n-abcdef", transport=answer(200, body)).list_sources()[0]
    assert s.created_at == s.updated_at == datetime(2026, 1, 15, 10, tzinfo=timezone.utc)
    assert s.created_at.utcoffset() == timedelta(0)


def test_v1_envelope_is_a_protocol_error_pointing_at_v2():
    body = {"status": "success", "data": {"current_page": 1, "data": []}}
    with pytest.raises(E.ProtocolError) as err:
        RaslClient(BASE, "t0k3n-abcdef", transport=answer(200, body)).list_sources()
    assert "v1" in err.value.title and "/api/v2" in err.value.title


def test_html_502_from_a_proxy_is_a_server_error():
    client = RaslClient(BASE, "t0k3n-abcdef", max_retries=0,
                        transport=answer(502, content=b"<html><body>Bad gateway</body></html>",
                                         headers={"Content-Type": "text/html"}))
    with pytest.raises(E.ServerError) as err:
        client.list_sources()
    assert err.value.status == 502


def test_connection_refused_becomes_connection_failed():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    clock = FakeClock()
    client = RaslClient(BASE, "t0k3n-abcdef", transport=httpx.MockTransport(handler), max_retries=2,
                        sleep=clock.sleep, clock=clock)
    with pytest.raises(E.ConnectionFailedError) as err:
        client.list_sources()
    assert isinstance(err.value.__cause__, httpx.ConnectError)
    assert client.requests_made == 3


def test_token_never_appears_in_any_error():
    token = "wm_SuperSecretToken1234567890abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"
    echo = token  # a hostile proxy that echoes the Authorization header in its error page

    cases = [
        answer(401, err_body("INVALID_TOKEN", f"The provided API token is invalid. ({echo})")),
        answer(401, err_body("TOKEN_REVOKED", "The API token has been revoked.")),
        answer(401, err_body("TOKEN_EXPIRED", "The API token has expired.")),
        answer(401, err_body("AUTHENTICATION_REQUIRED", "API token is required.")),
        answer(403, err_body("INSUFFICIENT_SCOPE", f"Required scope: sources:read {echo}")),
        answer(403, err_body("IP_NOT_WHITELISTED", "Your IP address (192.0.2.10) is not whitelisted.")),
        answer(403, err_body("FEATURE_LIMIT_EXCEEDED", "limit", {"feature": "contacts", "token": echo})),
        answer(404, err_body("NOT_FOUND", "Source not found.")),
        answer(409, err_body("RESOURCE_CONFLICT", "It is being used by 3 contact(s).")),
        answer(422, err_body("VALIDATION_ERROR", "invalid", {"name": [f"bad {echo}"]})),
        answer(429, err_body("RATE_LIMIT_EXCEEDED", "Too many"), headers={"Retry-After": "1"}),
        answer(500, err_body("INTERNAL_ERROR", "Failed", {"error": f"Bearer {echo}"})),
        answer(200, content=f"<html>Authorization: Bearer {echo}</html>".encode()),
        answer(200, content=f'{{"success": true, "x": "{echo}'.encode()),
        answer(200, {"status": "error", "message": echo}),
    ]

    def raiser(request):
        raise httpx.ReadTimeout(f"timed out {echo}", request=request)

    cases.append(httpx.MockTransport(raiser))
    seen = set()
    for transport in cases:
        clock = FakeClock()
        client = RaslClient(BASE, token, transport=transport, max_retries=1, sleep=clock.sleep, clock=clock)
        assert token not in repr(client)
        with pytest.raises(E.RaslError) as err:
            client.list_sources()
        e = err.value
        seen.add(type(e))
        for text in (str(e), repr(e), e.title, e.detail, json.dumps(e.details, default=str) if e.details else "",
                     json.dumps(getattr(e, "fields", {})), str(e.args)):
            assert token not in text
    assert len(seen) >= 11  # every branch of the tree was exercised


def test_auth_titles_are_distinct_and_plain():
    titles = set()
    for code in ("AUTHENTICATION_REQUIRED", "INVALID_TOKEN", "TOKEN_REVOKED", "TOKEN_EXPIRED"):
        client = RaslClient(BASE, "t0k3n-abcdef", transport=answer(401, err_body(code, "x")))
        with pytest.raises(E.AuthenticationError) as err:
            client.list_sources()
        assert err.value.code == code and err.value.request_id == "req-1"
        titles.add(err.value.title)
    assert len(titles) == 4
    assert "The API token was rejected: it is invalid. Check RASL_API_TOKEN." in titles


def test_resources_are_declared_as_data():
    assert CONTACTS.path == "/contacts" and CONTACTS.scope == "contacts:read"
    assert SOURCES.scope == "sources:read" and SOURCES.model is not None


def test_every_request_carries_auth_accept_and_user_agent():
    seen = []

    def handler(request):
        seen.append(request.headers)
        return httpx.Response(200, json=envelope_page([], 1, 1, False))

    RaslClient(BASE, "t0k3n-abcdef", transport=httpx.MockTransport(handler), user_agent="ua/1").list_sources()
    h = seen[0]
    assert h["Authorization"] == "Bearer t0k3n-abcdef" and h["Accept"] == "application/json" and h["User-Agent"] == "ua/1"


def test_numpy_free_contact_model_values():
    app, client, _, _ = make()
    cid = int(app.tenant.c["id"][0])
    c = client.get_contact(cid)
    assert isinstance(c.id, int) and isinstance(c.group_ids, tuple)
    assert not any(isinstance(v, np.generic) for v in (c.id, c.status_id, c.source_id))


def test_client_over_loopback_http_recovers_from_a_truncated_body():
    from rasl_data.emulator.server import serve

    app = EmulatorApp(make_demo_tenant(AS_OF, n_contacts=450), rate_limit_per_minute=None, faults="truncated:1")
    server, _ = serve(app)
    clock = FakeClock()
    try:
        with RaslClient(server.base_url, DEMO_TOKEN, sleep=clock.sleep, clock=clock) as client:
            contacts = client.list_contacts(sort="id", concurrency=2)
            assert [c.id for c in contacts] == app.tenant.c["id"][: app.tenant.n].tolist()
            assert client.requests_made == 5 + 1  # five pages plus the retried cut-off answer
    finally:
        server.shutdown()
        server.server_close()
