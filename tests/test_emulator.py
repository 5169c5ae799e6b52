"""The emulator against the contract: envelope, auth order, scopes, limiter, filters, faults.

The demo workspace is tested in test_emulator_demo.py, the HTTP server and command line in
test_emulator_server.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from emulator_support import AS_OF, T0, Clock, app_with, call, seeded

from rasl_data.emulator import DEMO_TOKEN, Faults, make_demo_tenant

# -- envelope and lists --------------------------------------------------------------------

def test_list_envelope_key_orders_differ_between_contacts_and_sources():
    app = app_with(seeded([AS_OF - timedelta(days=1)]))
    _, sources = call(app, "GET", "/sources")
    _, contacts = call(app, "GET", "/contacts")
    assert list(sources["meta"]) == ["pagination", "request_id", "timestamp"]
    assert list(contacts["meta"]) == ["request_id", "timestamp", "pagination"]
    assert list(sources) == ["success", "data", "meta", "links"]


def test_contacts_quirks_count_one_on_empty_page_and_double_page_in_self_link():
    app = app_with(seeded([AS_OF - timedelta(days=1)] * 3))
    _, body = call(app, "GET", "/contacts", params={"page": 2, "per_page": 2, "filter[type]": "lead"})
    assert body["links"]["self"] == "https://getrasl.io/api/v2/contacts?page=1?page=2"
    assert body["links"]["prev"] == "https://getrasl.io/api/v2/contacts?page=1"  # filters dropped
    _, body = call(app, "GET", "/contacts", params={"page": 9})
    assert body["data"] == [] and body["meta"]["pagination"]["count"] == 1
    assert body["meta"]["pagination"]["has_more"] is False


def test_per_page_default_15_and_clamped_to_100():
    app = app_with(seeded([AS_OF - timedelta(minutes=i) for i in range(130)]))
    _, body = call(app, "GET", "/contacts")
    assert len(body["data"]) == 15 and body["meta"]["pagination"]["per_page"] == 15
    _, body = call(app, "GET", "/contacts", params={"per_page": 500})
    p = body["meta"]["pagination"]
    assert len(body["data"]) == 100 and p["per_page"] == 100 and p["total_pages"] == 2 and p["has_more"]


def test_get_by_id_double_wrapped_and_404_texts():
    app = app_with(seeded([AS_OF]))
    _, body = call(app, "GET", "/sources/1")
    assert list(body["data"]) == ["data"] and body["data"]["data"]["name"] == "Website Form"
    for path, msg in (("/sources/9", "Source not found."), ("/statuses/9", "Status not found."),
                      ("/groups/9", "Group not found."), ("/contacts/9", "Contact not found.")):
        resp, body = call(app, "GET", path)
        assert resp.status_code == 404 and body["error"] == {"code": "NOT_FOUND", "message": msg}


def test_unknown_route_and_method_are_framework_errors():
    app = app_with()
    resp, body = call(app, "GET", "/nope")
    assert resp.status_code == 404 and "success" not in body
    resp, body = call(app, "PUT", "/sources/1")
    assert resp.status_code == 405


# -- auth, scopes, limiter -------------------------------------------------------------------

def test_auth_failures_in_documented_order_with_verbatim_messages():
    clock = Clock()
    app = app_with(clock=clock)
    app.add_token("wm_revoked_and_expired", revoked=True, expires_at=T0 - 1)
    app.add_token("wm_expired", expires_at=T0 - 1)
    app.add_token("wm_office_only", ip_allowlist=("10.0.0.1",))
    expected = [
        (None, 401, "AUTHENTICATION_REQUIRED",
         "API token is required. Please provide a valid token in the Authorization header."),
        ("wm_unknown", 401, "INVALID_TOKEN", "The provided API token is invalid."),
        ("wm_revoked_and_expired", 401, "TOKEN_REVOKED", "The API token has been revoked."),
        ("wm_expired", 401, "TOKEN_EXPIRED", "The API token has expired."),
        ("wm_office_only", 403, "IP_NOT_WHITELISTED", "Your IP address (192.0.2.10) is not whitelisted for this API token."),
    ]
    for token, status, code, message in expected:
        resp, body = call(app, "GET", "/sources", token=token, ip="192.0.2.10")
        assert (resp.status_code, body["error"]["code"], body["error"]["message"]) == (status, code, message)
        assert "X-RateLimit-Limit" not in resp.headers
    resp, _ = call(app, "GET", "/sources", token="wm_office_only", ip="10.0.0.1")
    assert resp.status_code == 200 and resp.headers["X-RateLimit-Limit"] == "unlimited"
    assert resp.headers["X-RateLimit-Whitelisted"] == "true"


def test_scopes_per_route_and_scope_failures_are_counted_by_the_limiter():
    app = app_with(rate=60)
    app.add_token("wm_sources_read", scopes=("sources:read",))
    assert call(app, "GET", "/sources", token="wm_sources_read")[0].status_code == 200
    resp, body = call(app, "POST", "/sources", token="wm_sources_read", json={"name": "X"})
    assert resp.status_code == 403 and body["error"]["message"].endswith("Required scope: sources:write")
    assert resp.headers["X-RateLimit-Remaining"] == "58"
    resp, body = call(app, "DELETE", "/groups/1", token="wm_sources_read")
    assert body["error"]["message"].endswith("Required scope: groups:delete")


def test_fixed_window_of_60_with_headers_429_body_and_reset():
    clock = Clock()
    app = app_with(rate=60, clock=clock)
    for i in range(60):
        resp, _ = call(app, "GET", "/statuses")
        assert resp.headers["X-RateLimit-Remaining"] == str(59 - i)
        assert resp.headers["X-RateLimit-Reset"] == str(int(clock.t) + 60)
        clock.t += 0.5
    resp, body = call(app, "GET", "/statuses")
    assert resp.status_code == 429
    wait = 60 - 30  # the window opened 30 s ago
    assert resp.headers["Retry-After"] == str(wait) and body["meta"]["retry_after"] == wait
    assert body["error"] == {"code": "RATE_LIMIT_EXCEEDED", "message": f"Too many requests. Please try again in {wait} seconds."}
    assert list(body["meta"]) == ["request_id", "timestamp", "retry_after"]
    clock.t = T0 + 60
    assert call(app, "GET", "/statuses")[0].status_code == 200


# -- validation, conflicts, CRUD ------------------------------------------------------------

def test_source_validation_messages():
    app = app_with(seeded([]))
    assert call(app, "POST", "/sources", json={})[1]["error"]["details"] == {"name": ["Source name is required."]}
    assert call(app, "POST", "/sources", json={"name": "   "})[1]["error"]["details"] == {"name": ["Source name is required."]}
    body = call(app, "POST", "/sources", json={"name": "x" * 256})[1]
    assert body["error"]["details"] == {"name": ["The name field must not be greater than 255 characters."]}
    body = call(app, "POST", "/sources", json={"name": "Website Form"})[1]
    assert body["error"] == {"code": "VALIDATION_ERROR", "message": "The given data was invalid.",
                             "details": {"name": ["A source with this name already exists."]}}
    resp, body = call(app, "POST", "/sources", json={"name": "Referral"})
    assert resp.status_code == 201 and body["message"] == "Source created successfully"


def test_patch_lookup_order_sources_404_first_contacts_422_first():
    app = app_with(seeded([]))
    assert call(app, "PATCH", "/sources/99", json={})[0].status_code == 404
    resp, body = call(app, "PATCH", "/contacts/99", json={"type": "vip"})
    assert resp.status_code == 422 and body["error"]["message"] == "Validation failed"
    assert call(app, "PATCH", "/contacts/99", json={"type": "customer"})[0].status_code == 404


def test_delete_source_in_use_is_409_with_count():
    app = app_with(seeded([AS_OF] * 12))
    resp, body = call(app, "DELETE", "/sources/1")
    assert resp.status_code == 409
    assert body["error"]["message"] == "Cannot delete source. It is being used by 12 contact(s)."


def test_contact_crud_updates_state_and_timestamps():
    clock = Clock()
    app = app_with(seeded([]), clock=clock)
    new = {"firstname": "Lead1", "lastname": "Example", "phone": "+10000000001", "type": "lead",
           "source_id": 1, "status_id": 1, "groups": [2, 2]}
    resp, body = call(app, "POST", "/contacts", json=new)
    assert resp.status_code == 201 and body["data"]["group_id"] == [2] and "groups" in body["data"]
    cid = body["data"]["id"]
    resp, body = call(app, "POST", "/contacts", json=new)
    assert body["error"]["details"]["phone"] == ["This phone number already exists."]
    clock.t += 3600
    resp, body = call(app, "PATCH", f"/contacts/{cid}", json={"type": "customer", "status_id": 4})
    assert body["data"]["type"] == "customer" and body["data"]["updated_at"] == "2026-01-15T11:00:00+00:00"
    assert call(app, "DELETE", f"/contacts/{cid}")[1]["message"] == "Contact deleted successfully"
    assert call(app, "GET", f"/contacts/{cid}")[0].status_code == 404


def test_plan_limit_is_403_after_validation():
    t = seeded([AS_OF])
    t.max_contacts = 1
    app = app_with(t)
    resp, body = call(app, "POST", "/contacts", json={"firstname": "A", "lastname": "B", "phone": "+1999", "type": "lead",
                                                      "source_id": 1, "status_id": 1})
    assert resp.status_code == 403
    assert body["error"]["details"] == {"feature": "contacts", "current": 1, "maximum": 1}
    assert call(app, "POST", "/contacts", json={})[0].status_code == 422


# -- filters and sorting ---------------------------------------------------------------------

def ids(app, **params):
    out, page = [], 1
    while True:
        _, body = call(app, "GET", "/contacts", params={**params, "page": page, "per_page": 100})
        out += [c["id"] for c in body["data"]]
        if not body["meta"]["pagination"]["has_more"]:
            return out
        page += 1


def test_date_filters_compare_like_strings_against_datetime():
    u = lambda *a: datetime(*a, tzinfo=timezone.utc)  # noqa: E731
    app = app_with(seeded([u(2025, 12, 30, 23), u(2025, 12, 31, 0), u(2025, 12, 31, 10), u(2026, 1, 1, 0)]))
    first = app.tenant.c["id"][0]
    a, b, c, d = (int(first) + i for i in range(4))
    assert ids(app, **{"filter[created_at][lte]": "2025-12-31"}) == [a, b]
    assert ids(app, **{"filter[created_at]": "2025-12-31"}) == [b]
    assert ids(app, **{"filter[created_at][between]": "2025-12-31,2026-01-01"}) == [b, c, d]
    assert ids(app, **{"filter[created_at][>]": "2025-12-31 00:00:00"}) == [c, d]
    assert ids(app, **{"filter[created_at][gte]": "2025-12-31", "filter[created_at][lt]": "2026-01-01"}) == [b, c]


def test_null_operator_uses_php_truthiness_and_ne_excludes_null():
    t = seeded([AS_OF] * 3)
    first = int(t.c["id"][0])
    t.update_contact(first, {"assigned_id": 7})
    app = app_with(t)
    assert ids(app, **{"filter[assigned_id][null]": "true"}) == [first + 1, first + 2]
    assert ids(app, **{"filter[assigned_id][null]": "false"}) == [first + 1, first + 2]  # "false" is truthy
    assert ids(app, **{"filter[assigned_id][null]": "0"}) == [first]
    assert ids(app, **{"filter[assigned_id][ne]": "3"}) == [first]


def test_in_not_in_like_group_and_ignored_filters():
    t = seeded([AS_OF] * 4)
    first = int(t.c["id"][0])
    t.update_contact(first, {"type": "customer", "status_id": 4, "groups": [5]})
    t.update_contact(first + 1, {"type": "guest", "groups": [2, 5]})
    app = app_with(t)
    assert ids(app, **{"filter[type][like]": "CUST"}) == [first]
    assert ids(app, **{"filter[type][in]": "customer,guest"}) == [first, first + 1]
    assert ids(app, **{"filter[status_id][not_in]": "4,5"}) == [first + 1, first + 2, first + 3]
    assert ids(app, **{"filter[group_id]": "5"}) == [first, first + 1]
    assert ids(app, **{"filter[updated_at][gte]": "2030-01-01"}) == [first + i for i in range(4)]  # not filterable
    assert ids(app, **{"filter[type][weird]": "guest"}) == [first + 1]  # unknown operator -> equality


def test_sort_search_and_alias_q():
    clock = Clock()
    t = seeded([AS_OF - timedelta(days=3 - i) for i in range(3)])
    first = int(t.c["id"][0])
    t.update_contact(first, {"firstname": "Zed"}, at=T0 + 10)
    app = app_with(t, clock=clock)
    assert ids(app, sort="-updated_at") == [first, first + 2, first + 1]
    assert ids(app, sort="-created_at,id") == [first + 2, first + 1, first]
    assert ids(app, sort="phone") == [first, first + 1, first + 2]  # not allowed: ignored
    assert ids(app, search="zed") == [first] == ids(app, q="ZED")
    _, body = call(app, "GET", "/sources", params={"q": "web", "sort": "-name"})
    assert [s["name"] for s in body["data"]] == ["Website Form"]


# -- faults ---------------------------------------------------------------------------------

def test_fault_spec_parses_and_rejects_unknown_names():
    f = Faults.parse("429:3,500:2,latency:20,timeout:1,repeat-page:2,malformed:1,html:1,truncated:1,lost:1")
    assert (f.rate_limited, f.server_errors, f.latency_ms, f.timeouts, f.repeat_page, f.malformed, f.html,
            f.truncated, f.lost) == (3, 2, 20.0, 1, 2, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="unknown fault"):
        Faults.parse("explode:1")


@pytest.mark.parametrize("spec", ["429:1e400", "429:nan", "429:inf", "latency:-5", "500:-1", "timeout:2e6"])
def test_fault_spec_with_nan_infinite_or_negative_value_is_a_value_error_not_a_crash(spec):
    # "429:1e400" raised OverflowError and "429:nan" "cannot convert float NaN to integer".
    with pytest.raises(ValueError, match=r"needs a number from 0 to 1,000,000, got "):
        Faults.parse(spec)


def test_faults_are_consumed_in_order():
    app = app_with(faults="429:1,500:1,html:1,malformed:1")
    statuses = []
    for _ in range(5):
        resp = app.handle(httpx.Request("GET", "https://x/api/v2/statuses", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}))
        statuses.append((resp.status_code, resp.headers["content-type"].split(";")[0]))
    assert statuses == [(429, "application/json"), (500, "application/json"), (200, "text/html"),
                        (200, "application/json"), (200, "application/json")]
    assert app.handle(httpx.Request("GET", "https://x/api/v2/statuses",
                                    headers={"Authorization": f"Bearer {DEMO_TOKEN}"})).json()["success"] is True


def test_short_page_fault_cuts_contacts_while_pagination_promises_them_all():
    app = app_with(make_demo_tenant(AS_OF, n_contacts=300), faults="short-page:1")
    resp, body = call(app, "GET", "/contacts", params={"per_page": "100", "page": "2", "sort": "id"})
    p = body["meta"]["pagination"]
    assert len(body["data"]) == 37 and (p["count"], p["total"], p["has_more"]) == (100, 300, True)
    assert [c["id"] for c in body["data"]] == sorted(c["id"] for c in body["data"])
    resp, body = call(app, "GET", "/contacts", params={"per_page": "100", "page": "2", "sort": "id"})
    assert len(body["data"]) == 100 == body["meta"]["pagination"]["count"]  # one injection only


def test_repeat_count_repeats_one_page_that_many_times():
    app = app_with(make_demo_tenant(AS_OF, n_contacts=300), faults="repeat-page:2,repeat-count:2")
    first = [c["id"] for c in call(app, "GET", "/contacts", params={"per_page": "100", "sort": "id"})[1]["data"]]
    got = [[c["id"] for c in call(app, "GET", "/contacts", params={"per_page": "100", "page": "2", "sort": "id"})[1]["data"]]
           for _ in range(3)]
    assert got[0] == got[1] == first and len(got[2]) == 100 and set(got[2]).isdisjoint(first)
