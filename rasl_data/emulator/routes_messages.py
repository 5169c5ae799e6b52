"""Emulated WhatsApp message routes (contract §11.1)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

import httpx

from .params import _is_int, _trim
from .vocab import iso

if TYPE_CHECKING:
    from .app import EmulatorApp, Req

# --- WhatsApp messages (contract §11.1) ---------------------------------------------------------

_PHONE_CHARS_RE = re.compile(r"^[0-9+\-\s()]+$")
MAX_MESSAGE_CHARS = 4096


class MessageRoutes:
    """``POST /messages/text`` and ``POST /messages/template`` (scope ``messages:send``); what was
    sent can be read back with ``GET /messages`` and ``GET /messages/{id}`` (scope ``messages:read``).

    Validation follows ``SendTextMessageRequest`` (messages verbatim, nested one level deeper:
    ``error.details = {"errors": {...}}``). A valid request is kept in ``app.outbox`` (dicts with
    ``id``, ``kind`` text/template, ``phone`` as sent, ``phone_digits``, ``message``,
    ``template_name``, ``language``, ``fields``, ``contact_id``, ``sent_at``) and, like RASL,
    finds the contact with that phone number or creates one with no source.
    ``app.whatsapp_configured = False`` answers ``WHATSAPP_NOT_CONFIGURED``; ``app.templates``
    holds the approved ``(name, language)`` pairs. A template body parameter with a newline or
    tab fails at WhatsApp (``MESSAGE_SEND_FAILED``), as the real one does.
    """

    @staticmethod
    def routes(app: EmulatorApp) -> list[tuple[str, str, str, Callable]]:
        return [("POST", "messages/text", "messages:send", MessageRoutes.text(app)),
                ("POST", "messages/template", "messages:send", MessageRoutes.template(app)),
                ("GET", "messages", "messages:read", MessageRoutes.list(app)),
                ("GET", "messages/{}", "messages:read", MessageRoutes.get(app))]

    @staticmethod
    def _object(record: dict) -> dict:
        """A sent message as ``GET /messages`` shows it (contract §11 message object)."""
        return {"id": record["id"], "message_id": f"wamid.EMU{record['id']:08d}", "contact_id": record["contact_id"],
                "phone": record["phone_digits"], "message": record["message"], "type": record["kind"],
                "status": "sent", "direction": "outbound", "sent_at": record["sent_at"], "delivered_at": None,
                "read_at": None, "failed_at": None, "error_message": None}

    @staticmethod
    def list(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        """``GET /messages``: what was sent, newest first, paginated like the other lists."""
        def h(req: Req) -> httpx.Response:
            page, per_page = app.page_args(req.params)
            rows = [MessageRoutes._object(r) for r in reversed(app.outbox)]
            return app.paginated("messages", rows[(page - 1) * per_page: page * per_page], len(rows), page, per_page)
        return h

    @staticmethod
    def get(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            i = int(req.parts[0])
            if not 1 <= i <= len(app.outbox):
                return app.not_found("message")
            return app.ok({"data": MessageRoutes._object(app.outbox[i - 1])})
        return h

    @staticmethod
    def _invalid(app: EmulatorApp, errors: dict[str, list[str]]) -> httpx.Response:
        return app.error(422, "VALIDATION_ERROR", "Validation failed", {"errors": errors})

    @staticmethod
    def _phone_errors(phone: Any) -> list[str]:
        if phone is None:
            return ["Phone number is required."]
        if not isinstance(phone, str):
            return ["The phone field must be a string."]
        out = []
        if len(phone) < 10:
            out.append("Phone number must be at least 10 digits.")
        if len(phone) > 20:
            out.append("Phone number cannot exceed 20 characters.")
        if not _PHONE_CHARS_RE.match(phone):
            out.append("Phone number can only contain digits, +, -, spaces, and parentheses.")
        return out

    @staticmethod
    def _contact_for(app: EmulatorApp, phone: str, contact_id: int | None) -> dict:
        """The contact to message: ``contact_id`` if given, else the one with this phone, else a new
        contact (phone digits only, no source), as RASL's controller does."""
        t = app.tenant
        if contact_id is not None:
            found = t.contact(contact_id)
            if found is not None:
                return found
        digits = re.sub(r"\D", "", phone)
        index = t.unique_index()["phone"]
        for key in (phone, "+" + digits, digits):
            row = index.get(key)
            if row is not None:
                return t.contact_dict(row)
        return t.add_contact({"firstname": digits, "phone": digits}, app.clock())

    @staticmethod
    def _sent(app: EmulatorApp, kind: str, body: dict, contact: dict, text: str | None, **extra: Any) -> dict:
        digits = re.sub(r"\D", "", body["phone"])
        record = {"id": len(app.outbox) + 1, "kind": kind, "phone": body["phone"], "phone_digits": digits,
                  "message": text, "contact_id": contact["id"], "sent_at": iso(app.clock()), **extra}
        app.outbox.append(record)
        data = {"message_id": record["id"], "contact_id": contact["id"], "phone": digits, "message": text,
                "status": "sent", "sent_at": record["sent_at"], "chat_id": 5000 + contact["id"],
                "chat_message_id": f"wamid.EMU{record['id']:08d}"}
        return data

    @staticmethod
    def text(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            body = _trim(req.body)
            errors: dict[str, list[str]] = {}
            phone_errors = MessageRoutes._phone_errors(body.get("phone"))
            if phone_errors:
                errors["phone"] = phone_errors
            message = body.get("message")
            if message is None:
                errors["message"] = ["Message text is required."]
            elif not isinstance(message, str):
                errors["message"] = ["The message field must be a string."]
            elif len(message) > MAX_MESSAGE_CHARS:
                errors["message"] = ["Message cannot exceed 4096 characters."]
            contact_id = body.get("contact_id")
            if contact_id is not None and not (isinstance(contact_id, int) and not isinstance(contact_id, bool)):
                errors["contact_id"] = ["Contact ID must be a valid integer."]
            if errors:
                return MessageRoutes._invalid(app, errors)
            if not app.whatsapp_configured:
                return app.error(422, "WHATSAPP_NOT_CONFIGURED", "WhatsApp connection is not configured for this account")
            contact = MessageRoutes._contact_for(app, body["phone"], contact_id)
            # The message itself is not trimmed by RASL's request: keep what was sent.
            raw = req.body.get("message") if isinstance(req.body, dict) else message
            return app.ok(MessageRoutes._sent(app, "text", body, contact, raw), "Message sent successfully")
        return h

    @staticmethod
    def template(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            body = _trim(req.body)
            errors: dict[str, list[str]] = {}
            for key, label in (("phone", "phone"), ("template_name", "template name"), ("language", "language")):
                value = body.get(key)
                if value is None:
                    errors[key] = [f"The {label} field is required."]
                elif not isinstance(value, str):
                    errors[key] = [f"The {label} field must be a string."]
            if isinstance(body.get("language"), str) and len(body["language"]) > 10:
                errors["language"] = ["The language field must not be greater than 10 characters."]
            contact_id = body.get("contact_id")
            if contact_id is not None and (not _is_int(contact_id) or app.tenant.contact(int(contact_id)) is None):
                errors["contact_id"] = ["The selected contact id is invalid."]
            if errors:
                return MessageRoutes._invalid(app, errors)
            if not app.whatsapp_configured:
                return app.error(422, "WHATSAPP_NOT_CONFIGURED", "WhatsApp connection is not configured for this account")
            name, language = body["template_name"], body["language"]
            if (name, language) not in app.templates:
                return app.error(404, "NOT_FOUND", f"Template '{name}' with language '{language}' not found or not approved")
            fields = [req.body.get(f"field_{i}") for i in range(1, 11) if isinstance(req.body, dict)
                      and req.body.get(f"field_{i}") is not None]
            contact = MessageRoutes._contact_for(app, body["phone"], None if contact_id is None else int(contact_id))
            if contact.get("is_opted_out"):
                return app.error(403, "CONTACT_OPTED_OUT", "Contact has opted out of receiving messages")
            if any(isinstance(f, str) and ("\n" in f or "\t" in f) for f in fields):
                return app.error(500, "MESSAGE_SEND_FAILED", "Failed to send message",
                                 {"error": "(#132018) There's an issue with the parameters in your template."})
            data = MessageRoutes._sent(app, "template", body, contact, None, template_name=name, language=language,
                                   fields=fields)
            data.update(template_name=name, language=language)
            return app.ok(data, "Template message sent successfully")
        return h
