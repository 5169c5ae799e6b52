"""RaslClient's error mapping from hand-made answers: one error class per failure, plain titles, no token."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import httpx
import numpy as np
import pytest
from catalog_support import arabic_catalog
from client_support import AS_OF, BASE, FakeClock, answer, envelope_page, err_body, make, src

from rasl_data import errors as E
from rasl_data import i18n
from rasl_data.api.client import RaslClient
from rasl_data.api.pagination import CONTACTS, SOURCES
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant


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


# -- titles in the interface language -----------------------------------------------------------

@pytest.fixture(scope="module")
def arabic():
    return arabic_catalog()


def test_titles_are_in_the_language_of_the_run_that_built_the_error_with_the_key_name_kept(arabic):
    english = "The API token was rejected: it has expired. Create a new token in RASL and update RASL_API_TOKEN."
    client = RaslClient(BASE, "t0k3n-abcdef", transport=answer(401, err_body("TOKEN_EXPIRED", "expired")))
    with i18n.use("ar"), pytest.raises(E.AuthenticationError) as in_arabic:
        client.list_sources()
    assert in_arabic.value.title == arabic.get(english).string
    assert "RASL_API_TOKEN" in in_arabic.value.title and any("\u0600" <= ch <= "\u06ff" for ch in in_arabic.value.title)
    with pytest.raises(E.AuthenticationError) as in_english:  # translated when built, never at import
        client.list_sources()
    assert in_english.value.title == english


def test_default_title_of_an_error_class_is_translated_when_raised(arabic):
    body = err_body("IP_NOT_WHITELISTED", "Your IP address (192.0.2.10) is not whitelisted.")
    client = RaslClient(BASE, "t0k3n-abcdef", transport=answer(403, body))
    with i18n.use("ar"), pytest.raises(E.IpNotAllowedError) as err:
        client.list_sources()
    assert err.value.title == arabic.get("This computer's IP address is not on the API token's allow-list.").string
    assert "192.0.2.10" in err.value.detail  # the detail keeps RASL's own words


def test_conflict_title_uses_the_arabic_dual_for_two_contacts(arabic):
    client = RaslClient(BASE, "t0k3n-abcdef",
                        transport=answer(409, err_body("RESOURCE_CONFLICT", "It is being used by 2 contact(s).")))
    with i18n.use("ar"), pytest.raises(E.ConflictError) as err:
        client.delete_source(7)
    forms = arabic.get("RASL refused: it is still used by {count} contact. Move it first.").string
    # Plural-Forms of Arabic: n == 2 takes form 2 (the dual).
    assert err.value.title == forms[2].replace("{count}", "2") and err.value.contacts_in_use == 2
