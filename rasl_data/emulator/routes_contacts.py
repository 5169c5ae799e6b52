"""Emulated ``/contacts`` routes: list, get, create, update, delete, batch (contract §6).

Each factory takes the :class:`~rasl_data.emulator.app.EmulatorApp` and returns ``handler(Req) -> Response``.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, Callable

import httpx

from .data import Tenant, iter_dims
from .params import _is_int, _trim, parse_filters, parse_sort
from .vocab import TYPES

if TYPE_CHECKING:
    from .app import EmulatorApp, Req

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CONTACT_REQUIRED = {"firstname": "First name is required.", "lastname": "Last name is required.",
                     "phone": "Phone number is required.", "type": "Type is required.",
                     "source_id": "Source is required.", "status_id": "Status is required."}
_CONTACT_MAX = {"firstname": 255, "lastname": 255, "phone": 20, "email": 191, "company": 255, "city": 255,
                "state": 255, "zip": 20, "address": 500}


def _label(field_: str) -> str:
    return field_.replace("_", " ")


def _validate_contact(t: Tenant, body: dict, *, partial: bool, row: int | None = None,
                      defaults: bool = False) -> dict[str, list[str]]:
    """Contact create/update rules (contract §6.3/§6.5). ``defaults`` = Laravel's stock texts
    and no uniqueness/existence checks (batch create, §6.7)."""
    errors: dict[str, list[str]] = {}

    def add(k: str, msg: str) -> None:
        errors.setdefault(k, []).append(msg)

    for k, msg in _CONTACT_REQUIRED.items():
        if (not partial and body.get(k) is None) or (partial and k in body and body[k] is None):
            add(k, f"The {_label(k)} field is required." if defaults else msg)
    for k, n in _CONTACT_MAX.items():
        v = body.get(k)
        if v is None:
            continue
        if not isinstance(v, str):
            add(k, f"The {_label(k)} field must be a string.")
        elif len(v) > n:
            add(k, f"The {_label(k)} field must not be greater than {n} characters.")
    if body.get("type") is not None and body["type"] not in TYPES:
        add("type", "The selected type is invalid." if defaults else "Type must be either lead, customer, or guest.")
    for k in ("source_id", "status_id", "country_id", "assigned_id"):
        if body.get(k) is not None and not _is_int(body[k]):
            add(k, f"The {_label(k)} field must be an integer.")
    if isinstance(body.get("email"), str) and not _EMAIL_RE.match(body["email"]):
        add("email", "The email field must be a valid email address.")
    if defaults:
        return errors
    for k, kind in (("source_id", "source"), ("status_id", "status")):
        if body.get(k) is not None and _is_int(body[k]) and t.find(kind, int(body[k])) is None:
            add(k, f"The selected {kind} does not exist or does not belong to your account.")
    if "groups" in body and body["groups"] is not None:
        if not isinstance(body["groups"], list):
            add("groups", "The groups field must be an array.")
        elif not all(_is_int(g) for g in body["groups"]):
            add("groups", "The groups.* field must be an integer.")
    index = t.unique_index() if ("phone" in body or "email" in body) else {}
    if isinstance(body.get("phone"), str) and index["phone"].get(body["phone"], row) != row:
        add("phone", "This phone number already exists.")
    if isinstance(body.get("email"), str) and index["email"].get(body["email"].lower(), row) != row:
        add("email", "This email address already exists.")
    return errors


def _contact_fields(body: dict) -> dict:
    keep = ("firstname", "lastname", "company", "type", "email", "phone", "status_id", "source_id", "description",
            "city", "state", "zip", "address", "country_id", "assigned_id")
    out = {k: (int(body[k]) if k.endswith("_id") and body[k] is not None else body[k]) for k in keep if k in body}
    if body.get("groups") is not None:
        out["groups"] = list(dict.fromkeys(int(g) for g in body["groups"]))
    return out


def _with_includes(t: Tenant, obj: dict, include: set[str]) -> dict:
    if "groups" in include:
        obj["groups"] = iter_dims(g for g in t.groups if g["id"] in obj["group_id"])
    if "source" in include:
        s = t.find("source", obj["source_id"]) if obj["source_id"] is not None else None
        obj["source"] = iter_dims([s])[0] if s else None
    if "status" in include:
        s = t.find("status", obj["status_id"]) if obj["status_id"] is not None else None
        obj["status"] = iter_dims([s])[0] if s else None
    return obj


def _includes(raw: str | None) -> set[str]:
    return {x.strip() for x in (raw or "").split(",")} & {"groups", "source", "status"}


class ContactRoutes:
    """Handlers of the contact resource."""

    @staticmethod
    def list_contacts(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            page, per_page = app.page_args(req.params)
            filters = parse_filters(req.params)
            sort = parse_sort(req.params.get("sort"), ("id", "firstname", "lastname", "created_at", "updated_at"))
            search = req.params.get("search") or req.params.get("q") or None
            include = _includes(req.params.get("include"))
            served = page - 1 if app.faults.take_repeat(page) else page  # a misbehaving cache
            rows, total = t.page_rows(filters, sort, search, (served - 1) * per_page, per_page)
            items = [_with_includes(t, t.contact_dict(int(r)), include) for r in rows]
            promised = None
            if len(items) > 1 and app.faults.take("short_pages"):
                promised = len(items)  # pagination still describes the whole page
                items = items[: max(1, len(items) * 37 // 100)]
            return app.paginated("contacts", items, total, page, per_page, contacts=True, promised=promised)
        return h

    @staticmethod
    def get_contact(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            obj = app.tenant.contact(int(req.parts[0]))
            if obj is None:
                return app.not_found("contact")
            return app.ok({"data": _with_includes(app.tenant, obj, _includes(req.params.get("include")))})
        return h

    @staticmethod
    def create_contact(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            body = _trim(req.body)
            errors = _validate_contact(t, body, partial=False)
            if errors:
                return app.invalid(errors, "Validation failed")
            if t.max_contacts is not None and t.n_contacts >= t.max_contacts:
                return app.error(403, "FEATURE_LIMIT_EXCEEDED", "Feature limit exceeded for contacts. Please upgrade "
                                 "your plan.", {"feature": "contacts", "current": t.n_contacts, "maximum": t.max_contacts})
            obj = t.add_contact(_contact_fields(body), app.clock())
            return app.ok(_with_includes(t, obj, {"groups"}), "Contact created successfully", 201)
        return h

    @staticmethod
    def update_contact(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            cid = int(req.parts[0])
            body = _trim(req.body)
            errors = _validate_contact(t, body, partial=True, row=t.row_of(cid))  # validation before lookup
            if errors:
                return app.invalid(errors, "Validation failed")
            obj = t.update_contact(cid, _contact_fields(body), app.clock())
            if obj is None:
                return app.not_found("contact")
            return app.ok(_with_includes(t, obj, {"groups"}), "Contact updated successfully")
        return h

    @staticmethod
    def delete_contact(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            if not app.tenant.delete_contact(int(req.parts[0])):
                return app.not_found("contact")
            return app.ok(None, "Contact deleted successfully")
        return h

    @staticmethod
    def batch_create(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            body = req.body if isinstance(req.body, dict) else {}
            items = body.get("contacts") if isinstance(body.get("contacts"), list) else []
            opts = body.get("options") if isinstance(body.get("options"), dict) else {}
            go_on, skip_dup = opts.get("continue_on_error", True), opts.get("skip_duplicates", False)
            tenant_id = t.account["id"]
            result: dict[str, Any] = {"success": True, "summary": {}, "created": [], "skipped": [], "errors": []}
            to_create = []
            phones = t.unique_index()["phone"]
            for i, raw in enumerate(items):
                item = _trim(raw)
                data = {**item, "tenant_id": tenant_id}
                errs = _validate_contact(t, item, partial=False, defaults=True)
                if errs:
                    result["errors"].append({"index": i, "data": data, "errors": errs})
                    if not go_on:
                        result["success"] = False
                        break
                    continue
                if skip_dup and item.get("phone") in phones:
                    result["skipped"].append({"index": i, "reason": "Duplicate phone", "data": data})
                    continue
                to_create.append((i, item))
            now = app.clock()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(now))
            for _i, item in to_create:
                new_id = t._next_ids["contact"] + len(result["created"])
                result["created"].append({**item, "tenant_id": tenant_id, "updated_at": stamp, "created_at": stamp,
                                          "id": new_id})
            result["summary"] = {"total": len(items), "created": len(result["created"]),
                                 "skipped": len(result["skipped"]), "failed": len(result["errors"])}
            if not result["success"]:  # one transaction: everything rolled back
                return app.error(422, "VALIDATION_ERROR", "Batch operation failed", result)
            for _, item in to_create:
                t.add_contact(_contact_fields(item), now)
            return app.ok(result, "Batch operation completed")
        return h

    @staticmethod
    def batch_delete(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            ids = req.body.get("ids") if isinstance(req.body, dict) else None
            ids = ids if isinstance(ids, list) else []
            deleted = sum(1 for x in ids if _is_int(x) and app.tenant.delete_contact(int(x)))
            return app.ok({"success": True, "summary": {"total": len(ids), "deleted": deleted,
                                                        "failed": len(ids) - deleted}},
                          "Contacts deleted successfully")
        return h
