"""The RASL v2 API emulator: one request in, one response out (contract §2–§9).

``EmulatorApp.handle(httpx.Request) -> httpx.Response`` is used in-process through
``EmulatorApp.transport()`` (an ``httpx.MockTransport``) and over loopback HTTP by
:mod:`rasl_data.emulator.server`. It follows Appendix B of the contract: route match, then auth
(token present → exists → active → not expired → IP allowed), then the per-token fixed 60-second
rate limiter, then scope, then the handler; faults from :mod:`.faults` are injected after auth.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from .data import TYPES, Tenant, iso, iter_dims, normalise_op, scalar_match, time_bounds
from .faults import Faults

DEMO_TOKEN = "wm_" + "demo" * 15  # vendor format: "wm_" + 60 characters (contract §2.1)
PUBLIC_BASE = "https://getrasl.io/api/v2"
MAX_PER_PAGE, DEFAULT_PER_PAGE, WINDOW = 100, 15, 60
# Approved WhatsApp templates of the emulated account: (template_name, language).
DEFAULT_TEMPLATES = (("weekly_review", "en"), ("weekly_review", "ar"), ("rasl_alert", "en"))


class SimulatedTimeout(Exception):
    """Raised by ``handle`` for an injected timeout; the transport turns it into httpx.ReadTimeout."""


@dataclass
class TokenSpec:
    """An emulated v2 token: ``scopes`` (``"*"`` = all), ``expires_at`` Unix seconds or None,
    ``revoked``, ``ip_allowlist`` (non-empty → only those IPs, never rate limited),
    ``rate_limit_per_minute`` (None → the app's default)."""

    token: str
    scopes: tuple[str, ...] = ("*",)
    expires_at: float | None = None
    revoked: bool = False
    ip_allowlist: tuple[str, ...] = ()
    rate_limit_per_minute: int | None = None
    tenant_missing: bool = False


@dataclass
class _Window:
    ends: float = 0.0
    hits: int = 0


@dataclass
class Req:
    """A parsed request as handlers see it."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    token: TokenSpec
    parts: list[str] = field(default_factory=list)


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    # Laravel escapes "/" in JSON strings and \u-escapes non-ASCII; mimic both.
    body = json.dumps(payload).replace("/", "\\/").encode()
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return httpx.Response(status, headers=h, content=body)


class EmulatorApp:
    """Emulated RASL v2 API over one :class:`Tenant`.

    ``tokens``: TokenSpecs (default: :data:`DEMO_TOKEN` with full scope);
    ``rate_limit_per_minute``: default per-token limit, None disables limiting (headers then say
    ``unlimited``); ``clock`` Unix seconds; ``sleep`` for injected latency; ``faults`` a
    :class:`Faults` or spec string; ``public_base`` is the base used in ``links``.
    Counters: ``requests`` (all), ``rate_limited`` (429s sent).
    """

    def __init__(self, tenant: Tenant, tokens: list[TokenSpec] | None = None,
                 rate_limit_per_minute: int | None = 60, clock: Callable[[], float] = time.time,
                 faults: Faults | str | None = None, *, sleep: Callable[[float], None] = time.sleep,
                 public_base: str = PUBLIC_BASE) -> None:
        self.tenant = tenant
        self.tokens: dict[str, TokenSpec] = {}
        for spec in tokens if tokens is not None else [TokenSpec(DEMO_TOKEN)]:
            self.tokens[spec.token] = spec
        self.rate_limit_per_minute = rate_limit_per_minute
        self.clock = clock
        self.sleep = sleep
        self.faults = Faults.parse(faults) if isinstance(faults, str) or faults is None else faults
        self.public_base = public_base.rstrip("/")
        self.requests = 0
        self.rate_limited = 0
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()
        self._routes = self._build_routes()
        # WhatsApp messages RASL was asked to send (POST /messages/*), oldest first; see _Messages.
        self.outbox: list[dict] = []
        self.whatsapp_configured = True
        self.templates: set[tuple[str, str]] = set(DEFAULT_TEMPLATES)

    # -- tokens ---------------------------------------------------------------------------
    def add_token(self, token: str, scopes: tuple[str, ...] | list[str] = ("*",), *, expires_at: float | None = None,
                  revoked: bool = False, ip_allowlist: tuple[str, ...] = (),
                  rate_limit_per_minute: int | None = None) -> TokenSpec:
        """Register a token with the given scopes/expiry (Unix seconds)/revocation/IP list."""
        spec = TokenSpec(token, tuple(scopes), expires_at, revoked, tuple(ip_allowlist), rate_limit_per_minute)
        self.tokens[token] = spec
        return spec

    def set_faults(self, spec: Faults | str) -> None:
        """Replace the pending faults (spec string or :class:`Faults`)."""
        self.faults = Faults.parse(spec) if isinstance(spec, str) else spec

    def transport(self) -> httpx.MockTransport:
        """An in-process transport serving this app (injected timeouts raise ``httpx.ReadTimeout``)."""
        def handler(request: httpx.Request) -> httpx.Response:
            try:
                return self.handle(request)
            except SimulatedTimeout:
                raise httpx.ReadTimeout("emulated timeout", request=request) from None
        return httpx.MockTransport(handler)

    # -- envelope -------------------------------------------------------------------------
    def _meta(self, **extra: Any) -> dict:
        return {"request_id": str(uuid.uuid4()), "timestamp": iso(self.clock()), **extra}

    def ok(self, data: Any = None, message: str | None = None, status: int = 200, headers: dict | None = None) -> httpx.Response:
        """A success envelope (``data``/``message`` omitted when None)."""
        body: dict[str, Any] = {"success": True}
        if data is not None:
            body["data"] = data
        if message is not None:
            body["message"] = message
        body["meta"] = self._meta()
        return _json(status, body, headers)

    def error(self, status: int, code: str, message: str, details: Any = None, headers: dict | None = None,
              **meta: Any) -> httpx.Response:
        """An error envelope with ``error.code``/``message``/``details`` and extra ``meta`` keys."""
        err: dict[str, Any] = {"code": code, "message": message}
        if details is not None:
            err["details"] = details
        return _json(status, {"success": False, "error": err, "meta": self._meta(**meta)}, headers)

    def invalid(self, errors: dict[str, list[str]], message: str = "The given data was invalid.") -> httpx.Response:
        """A 422 VALIDATION_ERROR with per-field messages."""
        return self.error(422, "VALIDATION_ERROR", message, errors)

    def not_found(self, kind: str) -> httpx.Response:
        """A 404 ``<Kind> not found.``"""
        return self.error(404, "NOT_FOUND", f"{kind.capitalize()} not found.")

    # -- entry point ----------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as RASL v2 would (see module doc for the order of checks)."""
        with self._lock:
            self.requests += 1
        path = request.url.path
        i = path.find("/api/v2")
        rel = path[i + len("/api/v2"):].strip("/") if i >= 0 else None
        route, parts, allowed = self._match(request.method, rel)
        if route is None:
            if allowed:
                return _json(405, {"message": f"The {request.method} method is not supported for route api/v2/{rel}. "
                                              f"Supported methods: {', '.join(allowed)}."})
            return _json(404, {"message": f"The route {path.lstrip('/')} could not be found."})
        scope, handler = route
        token, failure = self._authenticate(request)
        if failure is not None:
            return failure
        if self.faults.latency_ms:
            self.sleep(self.faults.latency_ms / 1000.0)
        if self.faults.take("timeouts"):
            raise SimulatedTimeout()
        if self.faults.take("rate_limited"):
            return self._too_many(token, self.faults.retry_after)
        limited, rl_headers = self._limit(token)
        if limited is not None:
            return limited
        if scope and not ({"*", scope} & set(token.scopes)):
            return self.error(403, "INSUFFICIENT_SCOPE", "Your API token does not have the required permissions "
                              f"for this action. Required scope: {scope}", headers=rl_headers)
        if self.faults.take("server_errors"):
            return self.error(500, "INTERNAL_ERROR", "Failed to process request",
                              {"error": "SQLSTATE[HY000] [2002] Connection refused"}, headers=rl_headers)
        body: Any = None
        if request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = None  # Laravel reads an unparseable body as no input
        req = Req(request.method, rel or "", dict(request.url.params.multi_items()), body, token, parts)
        if any(not p.isdigit() for p in parts):
            return _json(500, {"message": "Server Error"})  # int-typed controller argument (contract §1)
        try:
            with self.tenant.lock:
                resp = handler(req)
        except Exception:  # a handler bug must look like RASL's own 500, not crash the server
            return _json(500, {"message": "Server Error"})
        resp.headers.update(rl_headers)
        if self.faults.take("lost"):
            raise SimulatedTimeout()
        return self._body_faults(resp)

    def _body_faults(self, resp: httpx.Response) -> httpx.Response:
        if self.faults.take("html"):
            page = b"<!DOCTYPE html><html><head><title>Sign in to continue</title></head>" \
                   b"<body><h1>Network login required</h1></body></html>"
            return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"}, content=page)
        if self.faults.take("malformed"):
            return httpx.Response(200, headers={"Content-Type": "application/json"},
                                  content=b'{"success": true, "data": [{"id": 1,,}], "meta": ')
        if self.faults.take("truncated"):
            full = resp.content
            return httpx.Response(resp.status_code, headers={"Content-Type": "application/json",
                                                             "X-Emulator-Truncated": str(len(full))},
                                  content=full[: len(full) // 2])
        return resp

    def _authenticate(self, request: httpx.Request) -> tuple[TokenSpec | None, httpx.Response | None]:
        auth = request.headers.get("Authorization", "")
        value = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not value:
            return None, self.error(401, "AUTHENTICATION_REQUIRED", "API token is required. Please provide a valid "
                                    "token in the Authorization header.")
        token = self.tokens.get(value)
        if token is None:
            return None, self.error(401, "INVALID_TOKEN", "The provided API token is invalid.")
        if token.revoked:
            return None, self.error(401, "TOKEN_REVOKED", "The API token has been revoked.")
        if token.expires_at is not None and self.clock() >= token.expires_at:
            return None, self.error(401, "TOKEN_EXPIRED", "The API token has expired.")
        ip = request.extensions.get("client_ip", "127.0.0.1")
        if token.ip_allowlist and ip not in token.ip_allowlist:
            return None, self.error(403, "IP_NOT_WHITELISTED",
                                    f"Your IP address ({ip}) is not whitelisted for this API token.")
        if token.tenant_missing:
            return None, self.error(401, "INVALID_TOKEN", "The API token is not associated with a valid tenant.")
        return token, None

    def _limit_of(self, token: TokenSpec) -> int | None:
        if token.ip_allowlist:
            return None
        return token.rate_limit_per_minute or self.rate_limit_per_minute

    def _limit(self, token: TokenSpec) -> tuple[httpx.Response | None, dict[str, str]]:
        limit = self._limit_of(token)
        if limit is None:
            headers = {"X-RateLimit-Limit": "unlimited", "X-RateLimit-Remaining": "unlimited"}
            if token.ip_allowlist:
                headers["X-RateLimit-Whitelisted"] = "true"
            return None, headers
        now = self.clock()
        with self._lock:
            w = self._windows.setdefault(token.token, _Window())
            if now >= w.ends:  # the fixed window starts at the first hit after the last one expired
                w.ends, w.hits = now + WINDOW, 0
            over = w.hits >= limit
            wait = max(1, math.ceil(w.ends - now))
            if not over:
                w.hits += 1
            remaining = limit - w.hits
        if over:
            return self._too_many(token, wait, limit), {}
        return None, {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining),
                      "X-RateLimit-Reset": str(int(now) + WINDOW), "X-RateLimit-Window": str(WINDOW)}

    def _too_many(self, token: TokenSpec, wait: int, limit: int | None = None) -> httpx.Response:
        with self._lock:
            self.rate_limited += 1
        limit = limit or self._limit_of(token) or 60
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(int(self.clock()) + WINDOW), "Retry-After": str(wait)}
        return self.error(429, "RATE_LIMIT_EXCEEDED", f"Too many requests. Please try again in {wait} seconds.",
                          headers=headers, retry_after=wait)

    # -- routing --------------------------------------------------------------------------
    def _build_routes(self) -> list[tuple[str, re.Pattern, str, Callable[[Req], httpx.Response]]]:
        h = _Handlers

        r: list[tuple[str, str, str, Callable]] = []
        for kind, plural in (("source", "sources"), ("status", "statuses"), ("group", "groups")):
            read, write = f"{plural}:read", f"{plural}:write"
            delete = "groups:delete" if kind == "group" else write
            r += [("GET", plural, read, h.list_dims(self, kind)), ("POST", plural, write, h.create_dim(self, kind)),
                  ("GET", plural + "/{}", read, h.get_dim(self, kind)),
                  ("PATCH", plural + "/{}", write, h.update_dim(self, kind)),
                  ("DELETE", plural + "/{}", delete, h.delete_dim(self, kind))]
        r += [("POST", "groups/{}/contacts", "groups:write", h.group_members(self, add=True)),
              ("DELETE", "groups/{}/contacts", "groups:write", h.group_members(self, add=False)),
              ("GET", "contacts", "contacts:read", h.list_contacts(self)),
              ("POST", "contacts", "contacts:write", h.create_contact(self)),
              ("POST", "contacts/batch", "contacts:write", h.batch_create(self)),
              ("DELETE", "contacts/batch", "contacts:delete", h.batch_delete(self)),
              ("GET", "contacts/{}", "contacts:read", h.get_contact(self)),
              ("PATCH", "contacts/{}", "contacts:write", h.update_contact(self)),
              ("DELETE", "contacts/{}", "contacts:delete", h.delete_contact(self)),
              ("GET", "account", "account:read", h.account_info(self)),
              ("GET", "account/usage", "account:read", h.account_usage(self)),
              ("GET", "account/limits", "account:read", h.account_limits(self))]
        r += _Messages.routes(self)
        out = []
        for method, pattern, scope, fn in r:
            rx = re.compile("^" + re.escape(pattern).replace(r"\{\}", "([^/]+)") + "$")
            out.append((method, rx, scope, fn))
        return out

    def _match(self, method: str, rel: str | None) -> tuple[tuple[str, Callable] | None, list[str], list[str]]:
        if rel is None:
            return None, [], []
        allowed = []
        for m, rx, scope, fn in self._routes:
            mt = rx.match(rel)
            if mt is None:
                continue
            if "batch" in mt.groups():
                continue  # /contacts/batch is its own route
            if m == method.upper():
                return (scope, fn), list(mt.groups()), []
            allowed.append(m)
        return None, [], sorted(set(allowed))

    # -- shared list helpers --------------------------------------------------------------
    def page_args(self, params: dict[str, str]) -> tuple[int, int]:
        """``(page, per_page)``: page ≥ 1; per_page default 15, silently clamped to 100."""
        def num(v: str | None, default: int) -> int:
            try:
                n = int(str(v).strip())
            except (TypeError, ValueError):
                return default
            return n if n >= 1 else default
        return num(params.get("page"), 1), min(num(params.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)

    def paginated(self, resource: str, items: list, total: int, page: int, per_page: int,
                  contacts: bool = False, promised: int | None = None) -> httpx.Response:
        """The list envelope (contract §3.2), contacts variant with its two quirks.

        ``promised`` (fault injection) is the item count ``meta.pagination`` describes when the
        page was cut short."""
        last = max(1, math.ceil(total / per_page))
        first_url = f"{self.public_base}/{resource}?page=1"

        def url(n: int) -> str:
            return f"{self.public_base}/{resource}?page={n}"

        frm = (page - 1) * per_page + 1 if items else None
        to = frm + (promised or len(items)) - 1 if items else None
        pagination = {"total": total, "count": (to or 0) - (frm or 0) + 1 if contacts else (promised or len(items)),
                      "per_page": per_page, "current_page": page, "total_pages": last, "has_more": page < last}
        links = {"self": f"{first_url}?page={page}" if contacts else url(page), "first": first_url,
                 "last": url(last), "prev": url(page - 1) if page > 1 else None,
                 "next": url(page + 1) if page < last else None}
        meta = self._meta()
        meta = {**meta, "pagination": pagination} if contacts else {"pagination": pagination, **meta}
        return _json(200, {"success": True, "data": items, "meta": meta, "links": links})

    def filter_dims(self, rows: list[dict], params: dict[str, str]) -> list[dict]:
        """search/q on name, ``filter[created_at]`` operators, sort on name/created_at/updated_at."""
        search = params.get("search") or params.get("q")
        if search:
            rows = [r for r in rows if search.lower() in r["name"].lower()]
        for key, raw in params.items():
            m = _FILTER_RE.match(key)
            if not m or m.group(1) != "created_at":
                continue
            op = normalise_op(m.group(2))
            if op in ("gte", "gt", "lte", "lt", "between"):
                b = time_bounds(op, raw)
                if b == "ignore":
                    continue
                rows = [r for r in rows if b is not None and b[0] <= r["created_at"] <= b[1]]
            else:
                rows = [r for r in rows if scalar_match(iso(r["created_at"]).replace("T", " ")[:19], op, raw)]
        for name, desc in reversed(parse_sort(params.get("sort"), ("name", "created_at", "updated_at"))):
            rows = sorted(rows, key=lambda r: r[name], reverse=desc)
        return rows


_FILTER_RE = re.compile(r"^filter\[(\w+)\](?:\[([^\]]*)\])?$")


def parse_sort(raw: str | None, allowed: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """``sort=-a,b`` -> ((a, True), (b, False)), dropping fields not in ``allowed``."""
    out = []
    for part in (raw or "").split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("-")
        if name in allowed:
            out.append((name, desc))
    return tuple(out)


def parse_filters(params: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    """Contact filters from ``filter[field]`` / ``filter[field][op]`` keys; unknown fields dropped."""
    allowed = ("type", "status_id", "source_id", "assigned_id", "created_at", "group_id")
    out = []
    for key, raw in params.items():
        m = _FILTER_RE.match(key)
        if m and m.group(1) in allowed:
            out.append((m.group(1), normalise_op(m.group(2)), raw))
    return tuple(sorted(out))




def _trim(body: Any) -> dict:
    """Request input as Laravel sees it: an object, strings trimmed, empty strings -> None
    (the framework's TrimStrings and ConvertEmptyStringsToNull middleware)."""
    if not isinstance(body, dict):
        return {}
    out = {}
    for k, v in body.items():
        if isinstance(v, str):
            v = v.strip() or None
        out[k] = v
    return out


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.strip().isdigit())


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
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


_WHAT = {"source": "sources", "status": "statuses", "group": "groups"}


class _Handlers:
    """Route handlers; each factory takes the app and returns ``handler(Req) -> Response``."""

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
            errors = _Handlers._validate_dim(app, kind, body, None)
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
            errors = _Handlers._validate_dim(app, kind, body, id_)
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

    @staticmethod
    def account_info(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            a = app.tenant.account
            return app.ok({"id": a["id"], "name": a["name"], "subdomain": a["subdomain"], "status": a["status"],
                           "created_at": iso(a["created_at"]),
                           "subscription": {"plan_name": a["plan_name"], "plan_id": a["plan_id"],
                                            "status": a["plan_status"], "expires_at": iso(a["plan_expires_at"])}},
                          "Account information retrieved successfully")
        return h

    @staticmethod
    def account_usage(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant
            a = t.account

            def line(current: int, limit: int | None) -> dict:
                if limit is None:
                    return {"current": current, "limit": -1, "remaining": None, "percentage_used": 0,
                            "is_unlimited": True}
                return {"current": current, "limit": limit, "remaining": max(0, limit - current),
                        "percentage_used": round(100.0 * current / limit, 2) if limit else 0, "is_unlimited": False}

            return app.ok({"contacts": line(t.n_contacts, t.max_contacts), "conversations": line(a["conversations"], None),
                           "campaigns": line(a["campaigns"], 5), "staff": line(a["staff"], 10)},
                          "Usage statistics retrieved successfully")
        return h

    @staticmethod
    def account_limits(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            t = app.tenant

            def lim(limit: int | None, name: str) -> dict:
                return {"limit": -1 if limit is None else limit, "feature_name": name, "is_unlimited": limit is None}

            api = req.token.rate_limit_per_minute or app.rate_limit_per_minute or 60
            return app.ok({"limits": {"contacts": lim(t.max_contacts, "Total Contacts"),
                                      "conversations": lim(None, "Conversations per Month"),
                                      "campaigns": lim(5, "Active Campaigns"), "staff": lim(10, "Team Members"),
                                      "api_calls_per_minute": {"limit": api, "feature_name": "API Calls per Minute",
                                                               "is_unlimited": False}},
                           "features": {"whatsapp_templates": True, "bulk_messaging": True, "chatbot": True,
                                        "advanced_analytics": True, "api_access": True, "custom_branding": False}},
                          "Plan limits retrieved successfully")
        return h


# --- WhatsApp messages (contract §11.1) ---------------------------------------------------------

_PHONE_CHARS_RE = re.compile(r"^[0-9+\-\s()]+$")
MAX_MESSAGE_CHARS = 4096


class _Messages:
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
        return [("POST", "messages/text", "messages:send", _Messages.text(app)),
                ("POST", "messages/template", "messages:send", _Messages.template(app)),
                ("GET", "messages", "messages:read", _Messages.list(app)),
                ("GET", "messages/{}", "messages:read", _Messages.get(app))]

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
            rows = [_Messages._object(r) for r in reversed(app.outbox)]
            return app.paginated("messages", rows[(page - 1) * per_page: page * per_page], len(rows), page, per_page)
        return h

    @staticmethod
    def get(app: EmulatorApp) -> Callable[[Req], httpx.Response]:
        def h(req: Req) -> httpx.Response:
            i = int(req.parts[0])
            if not 1 <= i <= len(app.outbox):
                return app.not_found("message")
            return app.ok({"data": _Messages._object(app.outbox[i - 1])})
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
            phone_errors = _Messages._phone_errors(body.get("phone"))
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
                return _Messages._invalid(app, errors)
            if not app.whatsapp_configured:
                return app.error(422, "WHATSAPP_NOT_CONFIGURED", "WhatsApp connection is not configured for this account")
            contact = _Messages._contact_for(app, body["phone"], contact_id)
            # The message itself is not trimmed by RASL's request: keep what was sent.
            raw = req.body.get("message") if isinstance(req.body, dict) else message
            return app.ok(_Messages._sent(app, "text", body, contact, raw), "Message sent successfully")
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
                return _Messages._invalid(app, errors)
            if not app.whatsapp_configured:
                return app.error(422, "WHATSAPP_NOT_CONFIGURED", "WhatsApp connection is not configured for this account")
            name, language = body["template_name"], body["language"]
            if (name, language) not in app.templates:
                return app.error(404, "NOT_FOUND", f"Template '{name}' with language '{language}' not found or not approved")
            fields = [req.body.get(f"field_{i}") for i in range(1, 11) if isinstance(req.body, dict)
                      and req.body.get(f"field_{i}") is not None]
            contact = _Messages._contact_for(app, body["phone"], None if contact_id is None else int(contact_id))
            if contact.get("is_opted_out"):
                return app.error(403, "CONTACT_OPTED_OUT", "Contact has opted out of receiving messages")
            if any(isinstance(f, str) and ("\n" in f or "\t" in f) for f in fields):
                return app.error(500, "MESSAGE_SEND_FAILED", "Failed to send message",
                                 {"error": "(#132018) There's an issue with the parameters in your template."})
            data = _Messages._sent(app, "template", body, contact, None, template_name=name, language=language,
                                   fields=fields)
            data.update(template_name=name, language=language)
            return app.ok(data, "Template message sent successfully")
        return h
