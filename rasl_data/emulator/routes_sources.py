"""Emulated ``/sources``, ``/statuses`` and ``/groups`` routes, and group membership (contract §4, §5).

Each factory takes the :class:`~rasl_data.emulator.app.EmulatorApp` and returns ``handler(Req) -> Response``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable

import httpx

from .data import iter_dims
from .params import _is_int, _trim

if TYPE_CHECKING:
    from .app import EmulatorApp, Req

_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_WHAT = {"source": "sources", "status": "statuses", "group": "groups"}


class DimRoutes:
    """Handlers of the dimension resources (sources, statuses, groups)."""

    @staticmethod
    def list_dims(app: EmulatorApp, kind: str) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            page, per_page = app.page_args(req.params)
            rows = app.filter_dims(list(app.tenant._dim(kind)), req.params)
            chunk = rows[(page - 1) * per_page: page * per_page]
            return app.paginated(_WHAT[kind], iter_dims(chunk), len(rows), page, per_page)
        return h

    @staticmethod
    def get_dim(app: EmulatorApp, kind: str) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            row = app.tenant.find(kind, int(req.parts[0]))
            if row is None:
                return app.not_found(kind)
            return app.ok({"data": iter_dims([row])[0]})  # GET-by-id double wrap (contract §3.1)
        return h

    @staticmethod
    def _validate_dim(app: EmulatorApp, kind: str, body: dict, self_id: int | None) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        name = body.get("name")
        if name is None:
            errors["name"] = [f"{kind.capitalize()} name is required."]
        elif not isinstance(name, str):
            errors["name"] = ["The name field must be a string."]
        elif len(name) > 255:
            errors["name"] = ["The name field must not be greater than 255 characters."]
        elif any(r["name"].rstrip().lower() == name.rstrip().lower() and r["id"] != self_id
                 for r in app.tenant._dim(kind)):
            # MySQL's default collation compares case- and trailing-space-insensitively.
            errors["name"] = [f"A {kind} with this name already exists."]
        color = body.get("color")
        if kind == "status" and color is not None and (not isinstance(color, str) or not _COLOR_RE.match(color)):
            errors["color"] = ["Color must be a valid hex color code (e.g., #FF5733)."]
        return errors

    @staticmethod
    def create_dim(app: EmulatorApp, kind: str) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            body = _trim(req.body)
            errors = DimRoutes._validate_dim(app, kind, body, None)
            if errors:
                return app.invalid(errors)
            extra = {"color": body.get("color")} if kind == "status" else {}
            row = app.tenant.add_dimension(kind, body["name"], app.clock(), **extra)
            return app.ok(iter_dims([row])[0], f"{kind.capitalize()} created successfully", 201)
        return h

    @staticmethod
    def update_dim(app: EmulatorApp, kind: str) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            id_ = int(req.parts[0])
            if app.tenant.find(kind, id_) is None:
                return app.not_found(kind)
            body = _trim(req.body)
            errors = DimRoutes._validate_dim(app, kind, body, id_)
            if errors:
                return app.invalid(errors)
            extra = {"color": body.get("color")} if kind == "status" else {}  # omitted colour -> null (code)
            row = app.tenant.update_dimension(kind, id_, app.clock(), name=body["name"], **extra)
            return app.ok(iter_dims([row])[0], f"{kind.capitalize()} updated successfully")
        return h

    @staticmethod
    def delete_dim(app: EmulatorApp, kind: str) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            id_ = int(req.parts[0])
            if app.tenant.find(kind, id_) is None:
                return app.not_found(kind)
            if kind in ("source", "status"):
                n = app.tenant.count_using(kind, id_)
                if n:
                    return app.error(409, "RESOURCE_CONFLICT",
                                     f"Cannot delete {kind}. It is being used by {n} contact(s).")
            app.tenant.delete_dimension(kind, id_)
            return app.ok(None, f"{kind.capitalize()} deleted successfully")
        return h

    @staticmethod
    def group_members(app: EmulatorApp, add: bool) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            gid = int(req.parts[0])
            if t.find("group", gid) is None:
                return app.not_found("group")
            body = req.body if isinstance(req.body, dict) else {}
            ids = body.get("contact_ids")
            if ids is None or ids == []:
                return app.invalid({"contact_ids": ["Contact IDs are required."]})
            if not isinstance(ids, list):
                return app.invalid({"contact_ids": ["Contact IDs must be an array."]})
            errors = {f"contact_ids.{i}": ["One or more contact IDs do not exist."]
                      for i, x in enumerate(ids) if not _is_int(x) or t.row_of(int(x)) is None}
            if errors:
                return app.invalid(errors)
            changed = 0
            for cid in dict.fromkeys(int(x) for x in ids):
                current = t.contact(cid)["group_id"]
                if add != (gid in current):
                    new = current + [gid] if add else [g for g in current if g != gid]
                    t.update_contact(cid, {"groups": new}, app.clock())
                    changed += 1
            key, verb = ("contacts_added", "added to") if add else ("contacts_removed", "removed from")
            return app.ok({"group_id": gid, key: changed}, f"Contacts {verb} group successfully")
        return h
