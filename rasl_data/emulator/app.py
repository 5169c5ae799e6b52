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

from .data import Tenant
from .faults import Faults
from .filters import normalise_op, scalar_match, time_bounds
from .params import _FILTER_RE, parse_sort
from .routes_account import AccountRoutes
from .routes_contacts import ContactRoutes
from .routes_messages import MessageRoutes
from .routes_sources import DimRoutes
from .vocab import iso

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
        # WhatsApp messages RASL was asked to send (POST /messages/*), oldest first; see routes_messages.MessageRoutes.
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
        h, c, a = DimRoutes, ContactRoutes, AccountRoutes
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
              ("GET", "contacts", "contacts:read", c.list_contacts(self)),
              ("POST", "contacts", "contacts:write", c.create_contact(self)),
              ("POST", "contacts/batch", "contacts:write", c.batch_create(self)),
              ("DELETE", "contacts/batch", "contacts:delete", c.batch_delete(self)),
              ("GET", "contacts/{}", "contacts:read", c.get_contact(self)),
              ("PATCH", "contacts/{}", "contacts:write", c.update_contact(self)),
              ("DELETE", "contacts/{}", "contacts:delete", c.delete_contact(self)),
              ("GET", "account", "account:read", a.account_info(self)),
              ("GET", "account/usage", "account:read", a.account_usage(self)),
              ("GET", "account/limits", "account:read", a.account_limits(self))]
        r += MessageRoutes.routes(self)
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
