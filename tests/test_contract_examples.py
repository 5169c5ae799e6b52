"""The contract's example payloads: the client parses each into the right result or error, and the
emulator answers with the same keys and JSON types.

The examples are copied into ``tests/fixtures/rasl-api-examples`` (so every clone runs these tests);
set ``RASL_CONTRACT_DIR`` to check another copy of the contract's examples.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from rasl_data import errors as E
from rasl_data.api.client import RaslClient
from rasl_data.api.models import Group, Status
from rasl_data.api.pagination import SOURCES
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, empty_tenant

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = Path(os.environ.get("RASL_CONTRACT_DIR") or REPO / "tests" / "fixtures" / "rasl-api-examples")
pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"contract examples not found at {EXAMPLES} "
                                "(set RASL_CONTRACT_DIR)")
BASE = "https://getrasl.io/api/v2"
UTC = timezone.utc

# Files that are not v2 responses: request bodies, header sets, outbound webhooks.
NOT_RESPONSES = {"rate-limit-429-headers.json", "rate-limit-success-headers.json", "webhook-contact-created.json",
                 "webhook-source-updated.json", "webhook-headers.json"}


def load(name: str):
    return json.loads((EXAMPLES / name).read_text())


def client_for(name: str, status: int) -> RaslClient:
    body = (EXAMPLES / name).read_bytes()
    headers = {"Content-Type": "application/json"}
    if status == 429:
        headers.update(load("rate-limit-429-headers.json"))
    elif status < 300:
        headers.update(load("rate-limit-success-headers.json"))
    transport = httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers=headers))
    return RaslClient(BASE, "wm_test_token_for_contract", transport=transport, max_retries=0,
                      sleep=lambda s: None, clock=lambda: 1_768_471_200.0)


def check_ok(call, expect):
    def run(c):
        expect(call(c))
    return run


def raises(call, error, **attrs):
    def run(c):
        with pytest.raises(error) as info:
            call(c)
        for key, value in attrs.items():
            assert getattr(info.value, key) == value, key
        assert info.value.title
    return run


def iso(s):
    return datetime.fromisoformat(s).astimezone(UTC)


def first_page(c):
    return next(iter(c.iter_pages(SOURCES)))


# filename -> (HTTP status, how the client is called and what must come out)
TABLE = {
    "account-info.json": (200, check_ok(lambda c: c.account_info(), lambda a: (
        a.name == "Example Workspace" and a.subscription.plan_name == "Pro"
        and a.subscription.expires_at == iso("2026-02-01T00:00:00+00:00")) or pytest.fail("account"))),
    "account-limits.json": (200, check_ok(lambda c: c.account_limits(), lambda a: (
        a.api_calls_per_minute == 60 and a.limits["conversations"].limit is None and a.features["api_access"])
        or pytest.fail("limits"))),
    "account-usage.json": (200, check_ok(lambda c: c.account_usage(), lambda u: (
        u.contacts.current == 420 and u.contacts.remaining == 580 and u.counters["conversations"].is_unlimited)
        or pytest.fail("usage"))),
    "auth-401-invalid-token.json": (401, raises(lambda c: c.list_sources(), E.AuthenticationError, code="INVALID_TOKEN")),
    "auth-401-missing-token.json": (401, raises(lambda c: c.list_sources(), E.AuthenticationError,
                                                code="AUTHENTICATION_REQUIRED")),
    "auth-401-token-expired.json": (401, raises(lambda c: c.list_sources(), E.AuthenticationError, code="TOKEN_EXPIRED")),
    "auth-401-token-revoked.json": (401, raises(lambda c: c.list_sources(), E.AuthenticationError, code="TOKEN_REVOKED")),
    "auth-403-insufficient-scope.json": (403, raises(lambda c: c.list_sources(), E.InsufficientScopeError,
                                                     scope="sources:read")),
    "auth-403-ip-not-whitelisted.json": (403, raises(lambda c: c.list_sources(), E.IpNotAllowedError)),
    "contact-404.json": (404, raises(lambda c: c.get_contact(1), E.NotFoundError, title="Contact not found.")),
    "contact-create-201.json": (201, check_ok(lambda c: c.create_contact(load("contact-create-request.json")),
                                              lambda x: (x.id == 104 and x.group_ids == (2, 5)
                                                         and [g.name for g in x.groups] == ["Newsletter", "Spring Promo 2026"])
                                              or pytest.fail("create"))),
    "contact-create-403-feature-limit.json": (403, raises(lambda c: c.create_contact({"phone": "+1"}), E.PlanLimitError,
                                                          details={"feature": "contacts", "current": 500, "maximum": 500})),
    "contact-create-422.json": (422, raises(lambda c: c.create_contact({"phone": "+1"}), E.ValidationError, fields={
        "phone": ["This phone number already exists."],
        "source_id": ["The selected source does not exist or does not belong to your account."],
        "type": ["Type must be either lead, customer, or guest."]})),
    "contact-delete-200.json": (200, check_ok(lambda c: c.delete_contact(101),
                                              lambda x: x is None or pytest.fail("delete"))),
    "contact-get.json": (200, check_ok(lambda c: c.get_contact(101, include=["groups", "source", "status"]), lambda x: (
        x.id == 101 and x.company is None and x.source.name == "Website Form" and x.status.color == "#3B82F6"
        and x.created_at == datetime(2026, 1, 12, 8, 30, tzinfo=UTC)) or pytest.fail("get"))),
    "contact-update-200.json": (200, check_ok(lambda c: c.update_contact(101, load("contact-update-request.json")),
                                              lambda x: (x.type == "customer" and x.group_ids == (5,)) or pytest.fail("u"))),
    "contacts-batch-create-200.json": (200, check_ok(
        lambda c: c.call("POST", "/contacts/batch", json=load("contacts-batch-create-request.json")),
        lambda b: b["data"]["summary"] == {"total": 3, "created": 1, "skipped": 1, "failed": 1} or pytest.fail("b"))),
    "contacts-batch-create-422-stop-on-error.json": (422, raises(
        lambda c: c.call("POST", "/contacts/batch", json={}), E.ValidationError, code="VALIDATION_ERROR")),
    "contacts-batch-delete-200.json": (200, check_ok(
        lambda c: c.call("DELETE", "/contacts/batch", json=load("contacts-batch-delete-request.json")),
        lambda b: b["data"]["summary"]["deleted"] == 2 or pytest.fail("bd"))),
    "contacts-list-empty.json": (200, check_ok(lambda c: c.contacts_page(), lambda p: (
        p.items == [] and p.pagination.count == 0 and p.pagination.total == 0 and not p.pagination.has_more)
        or pytest.fail("empty"))),
    "contacts-list-include.json": (200, check_ok(lambda c: c.contacts_page(include=["groups", "source", "status"]),
                                                 lambda p: (p.items[0].source.id == 3 and p.pagination.total_pages == 41)
                                                 or pytest.fail("include"))),
    "contacts-list.json": (200, check_ok(lambda c: c.list_contacts(concurrency=1), lambda xs: (
        [x.id for x in xs] == [101, 102, 103] and xs[1].group_ids == () and xs[2].assigned_id == 7)
        or pytest.fail("list"))),
    "error-500-internal.json": (500, raises(lambda c: c.list_sources(), E.ServerError, code="INTERNAL_ERROR")),
    "group-404.json": (404, raises(lambda c: c.get_group(9), E.NotFoundError, title="Group not found.")),
    "group-add-contacts-200.json": (200, check_ok(lambda c: c.call("POST", "/groups/6/contacts", json={"contact_ids": [1]}),
                                                  lambda b: b["data"]["contacts_added"] == 2 or pytest.fail("add"))),
    "group-add-contacts-422.json": (422, raises(lambda c: c.call("POST", "/groups/6/contacts", json={}),
                                                E.ValidationError, fields={"contact_ids.2": ["One or more contact IDs do not exist."]})),
    "group-create-201.json": (201, check_ok(lambda c: Group.from_api(c.call("POST", "/groups", json={"name": "x"})["data"]),
                                            lambda g: g.name == "VIP Customers" or pytest.fail("g"))),
    "group-create-422.json": (422, raises(lambda c: c.call("POST", "/groups", json={}), E.ValidationError,
                                          fields={"name": ["A group with this name already exists."]})),
    "group-delete-200.json": (200, check_ok(lambda c: c.call("DELETE", "/groups/6"),
                                            lambda b: b["message"] == "Group deleted successfully" or pytest.fail("gd"))),
    "group-get.json": (200, check_ok(lambda c: c.get_group(2), lambda g: g.name == "Newsletter" or pytest.fail("gg"))),
    "group-remove-contacts-200.json": (200, check_ok(lambda c: c.call("DELETE", "/groups/6/contacts", json={}),
                                                     lambda b: b["data"]["contacts_removed"] == 1 or pytest.fail("r"))),
    "group-update-200.json": (200, check_ok(lambda c: Group.from_api(c.call("PATCH", "/groups/6", json={})["data"]),
                                            lambda g: g.name == "VIP Customers 2026" or pytest.fail("gu"))),
    "groups-list.json": (200, check_ok(lambda c: c.list_groups(), lambda gs: [g.id for g in gs] == [2, 5] or pytest.fail("gl"))),
    "rate-limit-429.json": (429, raises(lambda c: c.list_sources(), E.RateLimitedError, retry_after=42.0)),
    "source-404.json": (404, raises(lambda c: c.get_source(9), E.NotFoundError, title="Source not found.")),
    "source-create-201.json": (201, check_ok(lambda c: c.create_source("Website Form"), lambda s: (
        s.id == 3 and s.name == "Website Form") or pytest.fail("sc"))),
    "source-create-422-duplicate.json": (422, raises(lambda c: c.create_source("x"), E.ValidationError,
                                                     fields={"name": ["A source with this name already exists."]})),
    "source-create-422-missing-name.json": (422, raises(lambda c: c.create_source(""), E.ValidationError,
                                                        fields={"name": ["Source name is required."]})),
    "source-delete-200.json": (200, check_ok(lambda c: c.delete_source(3), lambda x: x is None or pytest.fail("sd"))),
    "source-delete-409-in-use.json": (409, raises(lambda c: c.delete_source(3), E.ConflictError, contacts_in_use=12)),
    "source-get.json": (200, check_ok(lambda c: c.get_source(3), lambda s: (
        s.name == "Website Form" and s.updated_at == datetime(2026, 1, 10, 9, tzinfo=UTC)) or pytest.fail("sg"))),
    "source-update-200.json": (200, check_ok(lambda c: c.rename_source(3, "Website Form (EN)"),
                                             lambda s: s.name == "Website Form (EN)" or pytest.fail("su"))),
    "sources-list-page2.json": (200, check_ok(lambda c: list(c.iter_pages(SOURCES, start_page=2)), lambda ps: (
        [s.id for s in ps[0].items] == [21, 22] and not ps[0].pagination.has_more) or pytest.fail("p2"))),
    "sources-list.json": (200, check_ok(lambda c: c.list_sources(), lambda ss: (
        [s.name for s in ss] == ["Website Form", "Meta Ads", "Referral"]) or pytest.fail("sl"))),
    "status-404.json": (404, raises(lambda c: c.get_status(9), E.NotFoundError, title="Status not found.")),
    "status-create-201.json": (201, check_ok(lambda c: Status.from_api(c.call("POST", "/statuses", json={})["data"]),
                                             lambda s: s.color == "#FF5733" or pytest.fail("stc"))),
    "status-create-422.json": (422, raises(lambda c: c.call("POST", "/statuses", json={}), E.ValidationError, fields={
        "name": ["A status with this name already exists."],
        "color": ["Color must be a valid hex color code (e.g., #FF5733)."]})),
    "status-delete-200.json": (200, check_ok(lambda c: c.call("DELETE", "/statuses/4"),
                                             lambda b: "data" not in b or pytest.fail("std"))),
    "status-delete-409-in-use.json": (409, raises(lambda c: c.call("DELETE", "/statuses/1"), E.ConflictError,
                                                  contacts_in_use=3)),
    "status-get.json": (200, check_ok(lambda c: c.get_status(1), lambda s: s.name == "New Lead" or pytest.fail("sg"))),
    "status-update-200.json": (200, check_ok(lambda c: Status.from_api(c.call("PATCH", "/statuses/4", json={})["data"]),
                                             lambda s: s.name == "Warm Lead" or pytest.fail("stu"))),
    "statuses-list.json": (200, check_ok(lambda c: c.list_statuses(), lambda ss: (
        [s.color for s in ss] == ["#3B82F6", "#22C55E", None]) or pytest.fail("stl"))),
    # v1 answers mean the base URL points at the legacy API: say so instead of misreading them.
    "v1-error-401-invalid-token.json": (401, raises(lambda c: c.list_sources(), E.ProtocolError)),
    "v1-error-401-missing-token.json": (401, raises(lambda c: c.list_sources(), E.ProtocolError)),
    "v1-error-403-ability.json": (403, raises(lambda c: c.list_sources(), E.ProtocolError)),
    "v1-error-403-api-disabled.json": (403, raises(lambda c: c.list_sources(), E.ProtocolError)),
    "v1-error-422-validation.json": (422, raises(lambda c: c.list_sources(), E.ProtocolError)),
    "v1-error-429.json": (429, raises(lambda c: c.list_sources(), E.RateLimitedError, retry_after=42.0)),
    "v1-error-invalid-tenant.json": (500, raises(lambda c: c.list_sources(), E.ProtocolError)),
    "v1-source-create-201.json": (201, raises(lambda c: c.create_source("Partner"), E.ProtocolError)),
    "v1-sources-list.json": (200, raises(lambda c: c.list_sources(), E.ProtocolError)),
}


def response_files() -> list[str]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p.name for p in EXAMPLES.glob("*.json")
                  if not p.name.endswith("-request.json") and p.name not in NOT_RESPONSES)


def test_every_response_example_is_in_the_table():
    assert set(response_files()) == set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_client_parses_example(name):
    status, run = TABLE[name]
    run(client_for(name, status))


def test_v1_429_retry_after_comes_from_the_header_then_the_body():
    body = (EXAMPLES / "v1-error-429.json").read_bytes()
    transport = httpx.MockTransport(lambda r: httpx.Response(429, content=body))
    c = RaslClient(BASE, "wm_test_token_for_contract", transport=transport, max_retries=0)
    with pytest.raises(E.RateLimitedError) as err:
        c.list_sources()
    assert err.value.retry_after == 45


# -- the emulator answers in the examples' shape ----------------------------------------------

def shape_diff(example, actual, path="$"):
    """Differences in keys and JSON types (null is compatible with any type)."""
    if example is None or actual is None:
        return []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected object, got {type(actual).__name__}"]
        out = []
        if set(example) != set(actual):
            out.append(f"{path}: keys {sorted(set(example) ^ set(actual))} differ")
        for k in set(example) & set(actual):
            out += shape_diff(example[k], actual[k], f"{path}.{k}")
        return out
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{path}: expected array"]
        if example and actual:
            return [d for item in actual for d in shape_diff(example[0], item, f"{path}[]")]
        return []
    kinds = (bool, (int, float), str)
    for k in kinds:
        if isinstance(example, k):
            ok = isinstance(actual, k) and (k is bool or not isinstance(actual, bool))
            return [] if ok else [f"{path}: expected {type(example).__name__}, got {type(actual).__name__}"]
    return []


def emulator_scenario():
    """A workspace mirroring the examples: sources/statuses/groups and contacts in groups."""
    t = empty_tenant(datetime(2026, 1, 15, 10, tzinfo=UTC))
    at = datetime(2026, 1, 10, 9, tzinfo=UTC).timestamp()
    for name in ("Website Form", "Meta Ads", "Referral"):
        t.add_source(name, at=at)
    t.add_dimension("group", "Newsletter", at=at)
    t.add_dimension("group", "Spring Promo 2026", at=at)
    t.update_dimension("status", 5, at=at, color=None)
    for i in range(1, 4):
        t.add_contact({"firstname": f"Lead{i}", "lastname": "Example", "phone": f"+2000000000{i}", "type": "lead",
                       "email": f"lead{i}@example.org", "source_id": 1, "status_id": 1, "groups": [1, 2]}, at=at)
    app = EmulatorApp(t, rate_limit_per_minute=60, clock=lambda: 1_768_471_200.0)
    app.add_token("wm_sources_only", scopes=("statuses:read",))
    app.add_token("wm_revoked", revoked=True)
    app.add_token("wm_expired", expires_at=0)
    app.add_token("wm_ip", ip_allowlist=("10.0.0.1",))
    return app


def first_contact(app):
    return int(app.tenant.c["id"][0])


SCENARIOS = {
    "account-info.json": ("GET", "/account", None, None),
    "account-limits.json": ("GET", "/account/limits", None, None),
    "account-usage.json": ("GET", "/account/usage", None, None),
    "auth-401-invalid-token.json": ("GET", "/sources", None, "wm_nope"),
    "auth-401-missing-token.json": ("GET", "/sources", None, ""),
    "auth-401-token-expired.json": ("GET", "/sources", None, "wm_expired"),
    "auth-401-token-revoked.json": ("GET", "/sources", None, "wm_revoked"),
    "auth-403-insufficient-scope.json": ("GET", "/sources", None, "wm_sources_only"),
    "auth-403-ip-not-whitelisted.json": ("GET", "/sources", None, "wm_ip"),
    "contact-404.json": ("GET", "/contacts/999999", None, None),
    "contact-create-201.json": ("POST", "/contacts", "contact-create-request.json", None),
    "contact-create-422.json": ("POST", "/contacts", {"firstname": "A", "lastname": "B", "phone": "+20000000001",
                                                      "type": "vip", "source_id": 99, "status_id": 1}, None),
    "contact-delete-200.json": ("DELETE", "/contacts/{cid}", None, None),
    "contact-get.json": ("GET", "/contacts/{cid}?include=groups,source,status", None, None),
    "contact-update-200.json": ("PATCH", "/contacts/{cid}", "contact-update-request.json", None),
    "contacts-batch-create-200.json": ("POST", "/contacts/batch", {
        "contacts": [{"firstname": "Lead5", "lastname": "Example", "phone": "+10000000005", "type": "lead",
                      "source_id": 1, "status_id": 1, "email": "lead5@example.com"},
                     {"firstname": "Lead1", "lastname": "Example", "phone": "+20000000001", "type": "lead",
                      "source_id": 1, "status_id": 1},
                     {"lastname": "Example", "phone": "+10000000006", "type": "lead", "source_id": 1, "status_id": 1}],
        "options": {"continue_on_error": True, "skip_duplicates": True}}, None),
    "contacts-batch-delete-200.json": ("DELETE", "/contacts/batch", {"ids": ["{cid}", 999999]}, None),
    "contacts-list-empty.json": ("GET", "/contacts?filter[type]=guest", None, None),
    "contacts-list-include.json": ("GET", "/contacts?include=groups,source,status&per_page=1", None, None),
    "contacts-list.json": ("GET", "/contacts", None, None),
    "group-404.json": ("GET", "/groups/99", None, None),
    "group-add-contacts-200.json": ("POST", "/groups/1/contacts", {"contact_ids": ["{cid}"]}, None),
    "group-add-contacts-422.json": ("POST", "/groups/1/contacts", {"contact_ids": ["{cid}", "{cid}", 999999]}, None),
    "group-create-201.json": ("POST", "/groups", "group-create-request.json", None),
    "group-create-422.json": ("POST", "/groups", {"name": "Newsletter"}, None),
    "group-delete-200.json": ("DELETE", "/groups/2", None, None),
    "group-get.json": ("GET", "/groups/1", None, None),
    "group-remove-contacts-200.json": ("DELETE", "/groups/1/contacts", {"contact_ids": ["{cid}"]}, None),
    "group-update-200.json": ("PATCH", "/groups/2", {"name": "VIP Customers 2026"}, None),
    "groups-list.json": ("GET", "/groups", None, None),
    "source-404.json": ("GET", "/sources/99", None, None),
    "source-create-201.json": ("POST", "/sources", {"name": "Partner"}, None),
    "source-create-422-duplicate.json": ("POST", "/sources", {"name": "Website Form"}, None),
    "source-create-422-missing-name.json": ("POST", "/sources", {}, None),
    "source-delete-200.json": ("DELETE", "/sources/3", None, None),
    "source-delete-409-in-use.json": ("DELETE", "/sources/1", None, None),
    "source-get.json": ("GET", "/sources/1", None, None),
    "source-update-200.json": ("PATCH", "/sources/1", "source-update-request.json", None),
    "sources-list.json": ("GET", "/sources", None, None),
    "status-404.json": ("GET", "/statuses/99", None, None),
    "status-create-201.json": ("POST", "/statuses", "status-create-request.json", None),
    "status-create-422.json": ("POST", "/statuses", {"name": "New Lead", "color": "red"}, None),
    "status-delete-200.json": ("DELETE", "/statuses/5", None, None),
    "status-delete-409-in-use.json": ("DELETE", "/statuses/1", None, None),
    "status-get.json": ("GET", "/statuses/1", None, None),
    "status-update-200.json": ("PATCH", "/statuses/2", {"name": "Warm Lead", "color": "#00FF00"}, None),
    "statuses-list.json": ("GET", "/statuses", None, None),
}
STATUS_OF = {"auth-401": 401, "auth-403": 403, "-404": 404, "-422": 422, "-409": 409, "-201": 201}


def _fill(value, cid):
    if isinstance(value, str):
        return int(cid) if value == "{cid}" else value.replace("{cid}", str(cid))
    if isinstance(value, list):
        return [_fill(v, cid) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, cid) for k, v in value.items()}
    return value


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_emulator_answers_in_the_examples_shape(name):
    app = emulator_scenario()
    method, path, body, token = SCENARIOS[name]
    cid = first_contact(app)
    if isinstance(body, str):
        body = load(body)
    body = _fill(body, cid)
    if name == "status-delete-200.json":
        pass  # status 5 (Lost) is unused in the scenario
    headers = {"Accept": "application/json"}
    token = DEMO_TOKEN if token is None else token
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = httpx.Request(method, BASE + _fill(path, cid), json=body, headers=headers,
                        extensions={"client_ip": "192.0.2.10"})
    resp = app.handle(req)
    expected_status = next((s for k, s in STATUS_OF.items() if k in name), 200)
    assert resp.status_code == expected_status, resp.text
    actual, example = resp.json(), load(name)
    assert shape_diff(example, actual) == []
    if isinstance(example.get("meta"), dict):
        assert list(actual["meta"]) == list(example["meta"])  # key order differs between list kinds
    if isinstance(example.get("error"), dict) and name.startswith(("auth-", "source-", "status-", "group-404",
                                                                    "contact-404")):
        assert actual["error"]["code"] == example["error"]["code"]
        if "contact(s)" not in example["error"]["message"] and "IP address" not in example["error"]["message"]:
            assert actual["error"]["message"] == example["error"]["message"]


def test_emulator_429_matches_the_example():
    app = emulator_scenario()
    app.set_faults("429:1,retry-after:42")
    resp = app.handle(httpx.Request("GET", BASE + "/sources", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}))
    example = load("rate-limit-429.json")
    assert resp.status_code == 429 and resp.json()["error"] == example["error"]
    assert shape_diff(example, resp.json()) == [] and list(resp.json()["meta"]) == list(example["meta"])
    assert set(load("rate-limit-429-headers.json")) <= set(resp.headers.keys()) | {
        h for h in load("rate-limit-429-headers.json") if h in resp.headers}
    ok = app.handle(httpx.Request("GET", BASE + "/sources", headers={"Authorization": f"Bearer {DEMO_TOKEN}"}))
    assert all(h in ok.headers for h in load("rate-limit-success-headers.json"))
