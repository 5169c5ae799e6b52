"""Contract §11.1 (sending a WhatsApp message, scope ``messages:send``): the documented request rules,
verbatim 422 messages (nested one level deeper: ``error.details.errors``), the success bodies, the
find-or-create contact side effect, and the client's reading of each answer.

The contract has no recorded example files for the messages endpoints; the examples here are the
bodies the contract documents, written out, plus the recorded ``auth-403-insufficient-scope.json``
for the missing scope. (The same examples drive the emulator and the client.)
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from rasl_data import errors as E
from rasl_data.api.client import RaslClient
from rasl_data.api.models import unwrap_data
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, empty_tenant, make_demo_tenant

BASE = "https://getrasl.io/api/v2"
REPO = Path(__file__).resolve().parents[1]
EXAMPLES = Path(os.environ.get("RASL_CONTRACT_DIR") or REPO / "tests" / "fixtures" / "rasl-api-examples")

# Documented 422 messages of POST /messages/text (contract §11.1 table, verbatim).
TEXT_422 = [
    ({"message": "hi"}, "phone", ["Phone number is required."]),
    ({"phone": "+96650", "message": "hi"}, "phone", ["Phone number must be at least 10 digits."]),
    ({"phone": "+966 50 123 4567 8901", "message": "hi"}, "phone", ["Phone number cannot exceed 20 characters."]),
    ({"phone": "+96650123456x", "message": "hi"}, "phone",
     ["Phone number can only contain digits, +, -, spaces, and parentheses."]),
    ({"phone": "+966501234567"}, "message", ["Message text is required."]),
    ({"phone": "+966501234567", "message": "x" * 4097}, "message", ["Message cannot exceed 4096 characters."]),
    ({"phone": "+966501234567", "message": "hi", "contact_id": "seven"}, "contact_id",
     ["Contact ID must be a valid integer."]),
]


def app_and_client(tenant=None, **client_kw) -> tuple[EmulatorApp, RaslClient]:
    app = EmulatorApp(tenant or empty_tenant(), rate_limit_per_minute=None)
    return app, RaslClient(BASE, DEMO_TOKEN, transport=app.transport(), max_retries=0, sleep=lambda s: None,
                           **client_kw)


def raw(app: EmulatorApp, path: str, body: dict, token: str = DEMO_TOKEN) -> httpx.Response:
    return app.handle(httpx.Request("POST", BASE + path, json=body, headers={"Authorization": f"Bearer {token}"}))


@pytest.mark.parametrize("body,field,messages", TEXT_422)
def test_contract_messages_text_422_messages_are_verbatim_and_nested(body, field, messages):
    app, client = app_and_client()
    resp = raw(app, "/messages/text", body)
    payload = resp.json()
    assert resp.status_code == 422
    assert payload["success"] is False
    assert payload["error"]["code"] == "VALIDATION_ERROR" and payload["error"]["message"] == "Validation failed"
    assert payload["error"]["details"] == {"errors": {field: messages}}
    if field != "contact_id":  # the client only ever sends an integer contact_id
        # The client reads the nested form into the same per-field messages as everywhere else.
        with pytest.raises(E.ValidationError) as info:
            client.send_text(body.get("phone"), body.get("message"))  # type: ignore[arg-type]
        assert info.value.fields == {field: messages}
        assert info.value.title == f"RASL rejected the data: {messages[0]}"
    assert app.outbox == []


def test_contract_messages_text_4096_characters_is_the_most_accepted():
    app, client = app_and_client()
    sent = client.send_text("+966501234567", "x" * 4096)
    assert sent.status == "sent" and len(app.outbox[0]["message"]) == 4096


def test_contract_messages_text_success_body():
    app, _ = app_and_client()
    resp = raw(app, "/messages/text", {"phone": "+966 (50) 123-4567", "message": "Weekly review\n• 12 new"})
    payload = resp.json()
    assert resp.status_code == 200 and payload["success"] is True
    assert payload["message"] == "Message sent successfully"
    data = payload["data"]
    assert set(data) == {"message_id", "contact_id", "phone", "message", "status", "sent_at", "chat_id",
                         "chat_message_id"}
    assert data["phone"] == "966501234567"  # digits only, as cleaned by the server
    assert data["status"] == "sent" and data["message"] == "Weekly review\n• 12 new"
    assert datetime.fromisoformat(data["sent_at"].replace("Z", "+00:00")).tzinfo is not None


def test_contract_messages_text_finds_the_contact_or_creates_one_without_a_source():
    tenant = make_demo_tenant(n_contacts=300)
    app, client = app_and_client(tenant)
    existing = tenant.contact_dict(5)
    before = tenant.n_contacts
    sent = client.send_text(existing["phone"], "hello")
    assert sent.contact_id == existing["id"] and tenant.n_contacts == before
    new = client.send_text("+1 (202) 555-0100", "hello")
    assert tenant.n_contacts == before + 1
    created = tenant.contact(new.contact_id)
    assert created["source_id"] is None and created["phone"] == "12025550100"
    again = client.send_text("+12025550100", "hello again")  # the same number: the same contact
    assert again.contact_id == new.contact_id and tenant.n_contacts == before + 1


def test_contract_messages_template_success_and_errors():
    app, client = app_and_client()
    ok = raw(app, "/messages/template", {"phone": "+966501234567", "template_name": "weekly_review", "language": "en",
                                         "field_1": "12 new contacts"})
    assert ok.status_code == 200 and ok.json()["message"] == "Template message sent successfully"
    assert ok.json()["data"]["template_name"] == "weekly_review" and ok.json()["data"]["language"] == "en"
    assert app.outbox[-1]["fields"] == ["12 new contacts"]

    missing = raw(app, "/messages/template", {"phone": "+966501234567", "template_name": "nope", "language": "en"})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Template 'nope' with language 'en' not found or not approved"
    with pytest.raises(E.NotFoundError) as info:
        client.send_template("+966501234567", "nope", "en", ["x"])
    assert "Template 'nope' with language 'en' not found or not approved" in info.value.title

    long_lang = raw(app, "/messages/template", {"phone": "+966501234567", "template_name": "weekly_review",
                                                "language": "en_GB_extra1"})
    assert long_lang.status_code == 422 and "language" in long_lang.json()["error"]["details"]["errors"]

    newline = raw(app, "/messages/template", {"phone": "+966501234567", "template_name": "weekly_review",
                                              "language": "en", "field_1": "two\nlines"})
    assert newline.status_code == 500 and newline.json()["error"]["code"] == "MESSAGE_SEND_FAILED"


def test_contract_messages_template_to_an_opted_out_contact_is_refused():
    tenant = make_demo_tenant(n_contacts=300)
    app, client = app_and_client(tenant)
    opted = next(tenant.contact_dict(r) for r in range(tenant.n) if tenant.contact_dict(r)["is_opted_out"])
    resp = raw(app, "/messages/template", {"phone": opted["phone"], "template_name": "weekly_review", "language": "en"})
    assert resp.status_code == 403
    assert resp.json()["error"] == {"code": "CONTACT_OPTED_OUT", "message": "Contact has opted out of receiving messages"}


def test_contract_messages_whatsapp_not_configured():
    app, client = app_and_client()
    app.whatsapp_configured = False
    resp = raw(app, "/messages/text", {"phone": "+966501234567", "message": "hi"})
    assert resp.status_code == 422
    assert resp.json()["error"] == {"code": "WHATSAPP_NOT_CONFIGURED",
                                    "message": "WhatsApp connection is not configured for this account"}
    with pytest.raises(E.ValidationError) as info:
        client.send_text("+966501234567", "hi")
    assert info.value.code == "WHATSAPP_NOT_CONFIGURED"


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason=f"contract examples not found at {EXAMPLES}")
def test_contract_messages_token_without_messages_send_is_403_in_the_examples_shape():
    example = json.loads((EXAMPLES / "auth-403-insufficient-scope.json").read_text())
    app, _ = app_and_client()
    app.add_token("wm_" + "r" * 60, scopes=["sources:read"])
    resp = raw(app, "/messages/text", {"phone": "+966501234567", "message": "hi"}, token="wm_" + "r" * 60)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == example["error"]["code"]
    assert resp.json()["error"]["message"] == example["error"]["message"].replace("sources:read", "messages:send")
    client = RaslClient(BASE, "wm_" + "r" * 60, transport=app.transport(), max_retries=0)
    with pytest.raises(E.InsufficientScopeError) as info:
        client.send_text("+966501234567", "hi")
    assert info.value.scope == "messages:send"
    assert app.outbox == []


def test_contract_messages_client_reads_the_documented_success_body():
    body = {"success": True, "message": "Message sent successfully",
            "data": {"message_id": 981, "contact_id": 42, "phone": "966501234567", "message": "hi", "status": "sent",
                     "sent_at": "2026-11-23T06:00:00.000000Z", "chat_id": 17, "chat_message_id": "wamid.HBgM"},
            "meta": {"request_id": "r", "timestamp": "2026-11-23T06:00:00+00:00"}}
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=body)

    client = RaslClient(BASE, DEMO_TOKEN, transport=httpx.MockTransport(handler), max_retries=0)
    sent = client.send_text("+966501234567", "hi")
    assert (sent.message_id, sent.contact_id, sent.phone, sent.status) == ("981", 42, "966501234567", "sent")
    assert sent.sent_at.isoformat() == "2026-11-23T06:00:00+00:00"
    assert seen == [{"phone": "+966501234567", "message": "hi"}]


def test_a_send_is_never_repeated_after_a_server_error():
    """A POST that may have gone out is not sent twice: a 500 is reported, not retried."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500, json={"success": False, "error": {"code": "MESSAGE_SEND_FAILED",
                                                                    "message": "Failed to send message",
                                                                    "details": {"error": "timeout at WhatsApp"}}})

    client = RaslClient(BASE, DEMO_TOKEN, transport=httpx.MockTransport(handler), max_retries=5, sleep=lambda s: None)
    with pytest.raises(E.ServerError):
        client.send_text("+966501234567", "hi")
    assert len(calls) == 1


def test_contract_messages_sent_ones_are_listed_newest_first():
    app, client = app_and_client()
    client.send_text("+966501234567", "first")
    client.send_template("+971501234567", "weekly_review", "en", ["second"])
    listed = client.call("GET", "/messages")
    assert [(m["phone"], m["type"], m["direction"]) for m in listed["data"]] == [
        ("971501234567", "template", "outbound"), ("966501234567", "text", "outbound")]
    assert listed["meta"]["pagination"]["total"] == 2
    one = client.call("GET", "/messages/1")
    assert unwrap_data(one["data"])["message"] == "first"  # GET-by-id may be double wrapped (§3.1)
