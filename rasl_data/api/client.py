"""HTTP client for the RASL v2 API (contract: shared/rasl-api/CONTRACT.md).

One ``httpx.Client`` is built in :meth:`RaslClient._build_http`; every call goes through
:meth:`RaslClient._request`, which paces from the rate-limit headers, retries what is safe to
retry and maps every failure to :mod:`rasl_data.errors`. Lists go through one generic loop,
:meth:`RaslClient.iter_pages`, driven by ``meta.pagination.has_more`` (never ``links.next``,
which drops filters) and stopped by the guards of :class:`rasl_data.api.pagination.PageGuard`.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Callable, Iterator, Mapping

import httpx

from rasl_data.api.models import (
    AccountInfo,
    AccountLimits,
    AccountUsage,
    Contact,
    Group,
    Page,
    Pagination,
    SentMessage,
    Source,
    Status,
)
from rasl_data.api.pagination import (
    CONTACTS,
    GROUPS,
    INCOMPLETE_GUARDS,
    MAX_PER_PAGE,
    PAGE_RETRIES,
    RESOURCES,
    SHORT_PAGE,
    SOURCES,
    STATUSES,
    IncompletePageError,
    Resource,
    encode_query,
    expected_items,
    page_loop,
    page_problem,
)
from rasl_data.api.retry import RateLimitPacer, WaitTooLongError, retry_delay, should_retry
from rasl_data.errors import (
    NotFoundError,
    ProtocolError,
    RaslError,
    ValidationError,
    decode_body,
    error_from_response,
    error_from_transport,
    is_v1_envelope,
    parse_retry_after,
)

DEFAULT_BASE_URL = "https://getrasl.io/api/v2"
USER_AGENT = "rasl-attribution-dashboard/1.0 (+httpx)"
# Longest pause (seconds) a caller waits when RASL asks for one; "Sync now" should not hang.
DEFAULT_MAX_WAIT = 120.0

EventHandler = Callable[[str, dict], None]


class RaslClient:
    """Typed, paced, retrying client for one RASL workspace (one token).

    ``base_url`` e.g. ``https://getrasl.io/api/v2``; ``token`` a v2 API token (sent as
    ``Authorization: Bearer``, never logged). ``transport`` replaces the network (tests and the
    demo pass ``EmulatorApp.transport()``). ``timeout``/``connect_timeout`` in seconds;
    ``max_connections`` bounds the pool; ``max_retries`` counts repeats per request;
    ``concurrency`` is the default number of pages fetched in parallel by
    :meth:`iter_contact_pages`. ``sleep``/``clock`` (seconds, Unix time) are injectable so tests
    never wait. ``on_event(kind, info)`` receives ``page``, ``retry``, ``page_retry``, ``rate_limit_wait`` and
    ``guard`` events; info dicts never contain the token.

    Counters: ``requests_made`` (HTTP attempts), ``rate_limit_waits`` and
    ``rate_limit_wait_seconds`` (pauses RASL's rate limit forced: the window's budget was spent,
    or a 429; one pause counts once however many workers it held), ``page_retries`` (pages asked
    for again because they came back repeated or short), ``last_guard`` (which pagination guard
    ended the last page loop). ``max_wait`` (seconds) is the longest pause accepted: a longer
    ``Retry-After`` raises :class:`WaitTooLongError` at once. ``wait_listeners`` are called with
    ``(seconds, reason)`` when a pause starts (the sync shows "waiting 34 s for RASL's rate limit").
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_connections: int = 8,
        max_retries: int = 5,
        concurrency: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_event: EventHandler | None = None,
        user_agent: str = USER_AGENT,
        rng: random.Random | None = None,
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> None:
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._token = (token or "").strip()
        self.max_retries = max_retries
        self.concurrency = max(1, concurrency)
        self.sleep = sleep
        self.clock = clock
        self.on_event = on_event
        self.rng = rng or random.Random()
        self.requests_made = 0
        self.rate_limit_waits = 0
        self.rate_limit_wait_seconds = 0.0
        self.last_guard: str | None = None
        self.page_retries = 0
        self.max_wait = max_wait
        self.wait_listeners: list[Callable[[float, str], None]] = []
        self._lock = threading.Lock()
        self._pacer = RateLimitPacer(clock, sleep, on_wait=self._on_rate_wait, max_wait=max_wait)
        self._http = self._build_http(transport, timeout, connect_timeout, max_connections, user_agent)

    # -- plumbing -------------------------------------------------------------------------
    def _build_http(
        self, transport: httpx.BaseTransport | None, timeout: float, connect_timeout: float,
        max_connections: int, user_agent: str,
    ) -> httpx.Client:
        headers = {"Accept": "application/json", "User-Agent": user_agent}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return httpx.Client(
            base_url=self.base_url + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> "RaslClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RaslClient(base_url={self.base_url!r}, token=[redacted])"

    def _emit(self, kind: str, info: dict) -> None:
        if self.on_event:
            self.on_event(kind, info)

    def _on_rate_wait(self, seconds: float, reason: str) -> None:
        with self._lock:
            self.rate_limit_waits += 1
            self.rate_limit_wait_seconds += seconds
        self._emit("rate_limit_wait", {"seconds": seconds, "reason": reason})
        for listener in list(self.wait_listeners):
            listener(seconds, reason)

    def _backoff(self, attempt: int, method: str, path: str, reason: str, retry_after: Any = None,
                 rate_limited: bool = False) -> None:
        asked = parse_retry_after(retry_after, self.clock())
        if asked is not None and asked > self.max_wait:
            raise WaitTooLongError(asked, self.max_wait)  # fail now rather than hang "Sync now"
        delay = retry_delay(attempt, None if retry_after is None else str(retry_after), self.clock(), self.rng,
                            max_retry_after=self.max_wait)
        self._emit("retry", {"attempt": attempt + 1, "method": method, "path": path, "reason": reason,
                             "delay": delay})
        if rate_limited:
            self._pacer.backoff(delay)  # every worker holds; the next acquire() sleeps it out once
        else:
            self.sleep(delay)

    def _request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                 json: Any = None, max_retries: int | None = None,
                 headers: Mapping[str, str] | None = None, ticket: int | None = None) -> dict:
        """One API call with pacing and retries; returns the decoded success envelope.

        ``ticket`` is a rate-limit slot already taken with :meth:`RateLimitPacer.try_acquire`
        (the first attempt then does not wait). Raises a :class:`RaslError` subclass for every
        failure (never a raw httpx exception); :class:`WaitTooLongError` when RASL asks for a
        pause longer than ``max_wait``.
        """
        retries = self.max_retries if max_retries is None else max_retries
        attempt = 0
        while True:
            if ticket is None:
                ticket = self._pacer.acquire()
            with self._lock:
                self.requests_made += 1
            try:
                resp = self._http.request(method, path, params=params, json=json, headers=headers)
            except httpx.TransportError as exc:
                if should_retry(method, exc, attempt, retries):
                    self._backoff(attempt, method, path, type(exc).__name__)
                    attempt += 1
                    ticket = None
                    continue
                raise error_from_transport(exc, secret=self._token, what=f"{method} {path}") from exc
            self._pacer.observe(resp.headers, ticket, self.clock())
            ticket = None
            status = resp.status_code
            try:
                payload = decode_body(status, resp.content, resp.headers.get("content-type", ""), secret=self._token)
            except ProtocolError as err:
                if status < 400:
                    if should_retry(method, err, attempt, retries):
                        self._backoff(attempt, method, path, "undecodable body")
                        attempt += 1
                        continue
                    raise
                payload, decode_err = None, err
            else:
                decode_err = None
            if status >= 400:
                if should_retry(method, resp, attempt, retries):
                    retry_after = resp.headers.get("Retry-After")
                    if retry_after is None and isinstance(payload, dict) and isinstance(payload.get("meta"), dict):
                        retry_after = payload["meta"].get("retry_after")
                    self._backoff(attempt, method, path, f"HTTP {status}", retry_after, rate_limited=status == 429)
                    attempt += 1
                    continue
                err = error_from_response(status, payload, resp.headers, secret=self._token, now=self.clock())
                if decode_err is not None:
                    err.detail = (err.detail + " | " + decode_err.detail).strip(" |")
                raise err from decode_err
            if not isinstance(payload, dict) or payload.get("success") is not True:
                if is_v1_envelope(payload) or (isinstance(payload, dict) and payload.get("success") is False):
                    raise error_from_response(status, payload, resp.headers, secret=self._token)
                raise ProtocolError(
                    None, f"HTTP {status} {method} {path}: the body is not a RASL v2 envelope "
                          f"(no \"success\": true)", status=status, secret=self._token)
            return payload

    # -- generic pages --------------------------------------------------------------------
    def _page(self, resource: Resource, params: Mapping[str, Any] | None, page_no: int, per_page: int,
              *, fresh: bool = False, ticket: int | None = None) -> Page:
        q = dict(params or {})
        q["page"] = page_no
        q["per_page"] = min(max(1, per_page), MAX_PER_PAGE)
        # A page asked for again tells caches in between to go back to RASL (RFC 9111 no-cache).
        headers = {"Cache-Control": "no-cache", "Pragma": "no-cache"} if fresh else None
        payload = self._request("GET", resource.path, params=q, headers=headers, ticket=ticket)
        data = payload.get("data")
        meta = payload.get("meta")
        if not isinstance(data, list):
            raise ProtocolError(None, f"{resource.name} page {page_no}: data: expected a list, got {type(data).__name__}")
        if not isinstance(meta, dict) or "pagination" not in meta:
            raise ProtocolError(None, f"{resource.name} page {page_no}: meta.pagination missing")
        items = [resource.model(obj, f"{resource.name}[{i}]") for i, obj in enumerate(data)]
        pagination = Pagination.from_api(meta["pagination"], len(items))
        return Page(items=items, pagination=pagination, page_no=page_no)

    def iter_pages(
        self,
        resource: Resource | str,
        params: Mapping[str, Any] | None = None,
        *,
        per_page: int = MAX_PER_PAGE,
        concurrency: int = 1,
        start_page: int = 1,
        max_pages: int | None = None,
        on_progress: Callable[[Page], None] | None = None,
    ) -> Iterator[Page]:
        """Yield every page of a list endpoint in page order (``GET {resource.path}``).

        ``params`` are extra query parameters (see :func:`encode_query`); ``per_page`` is
        clamped to 1..100. With ``concurrency > 1`` page 1 is read first, then pages
        2..``total_pages`` are fetched by that many workers (pacing still shared) and yielded in
        order. The loop stops on the guards of :class:`PageGuard`; ``self.last_guard`` names the
        one that fired (``has_more_false`` is the normal end). Raises :class:`RaslError`.
        """
        if isinstance(resource, str):
            resource = RESOURCES[resource]
        self.last_guard = None

        def on_page(page: Page) -> None:
            p = page.pagination
            self._emit("page", {"resource": resource.name, "page": page.page_no, "items": len(page.items),
                                "total": p.total, "total_pages": p.total_pages})
            if on_progress:
                on_progress(page)

        def on_stop(guard: str | None) -> None:
            self.last_guard = guard
            self._emit("guard", {"resource": resource.name, "guard": guard})

        def refetch(page_no: int, attempt: int, problem: str) -> Page:
            delay = retry_delay(attempt, None, self.clock(), self.rng)
            with self._lock:
                self.page_retries += 1
            self._emit("page_retry", {"resource": resource.name, "page": page_no, "problem": problem,
                                      "attempt": attempt + 1, "delay": delay})
            self.sleep(delay)
            return self._page(resource, params, page_no, per_page, fresh=True)

        def admit() -> int | None:
            return self._pacer.try_acquire()[0]

        return page_loop(lambda n, ticket=None: self._page(resource, params, n, per_page, ticket=ticket),
                         resource.primary_key, start_page=start_page, concurrency=concurrency,
                         max_pages=max_pages, on_page=on_page, on_stop=on_stop, refetch=refetch,
                         what=resource.name, admit=admit, pause=self._pacer.acquire)

    def _list_all(self, resource: Resource, params: Mapping[str, Any] | None = None) -> list:
        """Every item of a small list, or :class:`ProtocolError` when the listing is partial.

        A listing is partial when the page loop stopped defensively (a page that kept
        repeating, an empty page while ``has_more``) or when fewer distinct items came back than
        the last page's ``total``: callers mirror these lists (missing sources are marked
        deleted), so a partial one must never be returned as if complete.
        """
        items: list = []
        total = None
        for page in self.iter_pages(resource, params):
            items.extend(page.items)
            total = page.pagination.total
        distinct = len({getattr(i, resource.primary_key) for i in items})
        if self.last_guard in INCOMPLETE_GUARDS or (total is not None and distinct < total):
            raise ProtocolError(
                f"RASL's {resource.name} list came back incomplete ({distinct} of {total} {resource.name}), "
                "so nothing was saved and the previous data is kept; try again later.",
                f"{resource.name}: page loop stopped by guard {self.last_guard}, {distinct} distinct of total {total}",
            )
        return items

    def _get_one(self, resource: Resource, id_: int, params: Mapping[str, Any] | None = None) -> Any:
        payload = self._request("GET", f"{resource.path}/{int(id_)}", params=params)
        return resource.model(payload.get("data"), resource.name.rstrip("s"))

    # -- contacts -------------------------------------------------------------------------
    def iter_contact_pages(
        self,
        filters: Mapping[str, Any] | None = None,
        sort: str | None = None,
        include: list[str] | None = None,
        per_page: int = MAX_PER_PAGE,
        on_progress: Callable[[Page], None] | None = None,
        *,
        concurrency: int | None = None,
        search: str | None = None,
        start_page: int = 1,
    ) -> Iterator[Page]:
        """Pages of contacts (``GET /contacts``, scope ``contacts:read``), each a ``Page[Contact]``.

        ``filters`` as in :func:`encode_query` (datetimes are sent as UTC
        ``YYYY-MM-DD HH:MM:SS``); ``sort`` e.g. ``"id"`` or ``"-updated_at"``; ``include`` of
        ``groups``/``source``/``status``. ``concurrency`` defaults to the client's.
        """
        params = encode_query(filters, sort, include, search)
        return self.iter_pages(CONTACTS, params, per_page=per_page, start_page=start_page,
                               concurrency=self.concurrency if concurrency is None else concurrency,
                               on_progress=on_progress)

    def list_contacts(self, filters: Mapping[str, Any] | None = None, sort: str | None = None,
                      include: list[str] | None = None, *, search: str | None = None,
                      concurrency: int | None = None) -> list[Contact]:
        """All contacts matching ``filters`` (``GET /contacts``), in server order."""
        return [c for p in self.iter_contact_pages(filters, sort, include, search=search, concurrency=concurrency)
                for c in p.items]

    def contacts_page(self, filters: Mapping[str, Any] | None = None, sort: str | None = None,
                      include: list[str] | None = None, per_page: int = MAX_PER_PAGE, page: int = 1,
                      *, search: str | None = None) -> Page:
        """One page of ``GET /contacts``; with ``per_page=1`` a cheap way to count matches
        (``page.pagination.total``). A page shorter than its pagination promises is asked for
        again (with backoff) and raises :class:`IncompletePageError` if it stays short."""
        params = encode_query(filters, sort, include, search)
        got = self._page(CONTACTS, params, page, per_page)
        for attempt in range(PAGE_RETRIES):
            if page_problem(got, None) is None:
                return got
            delay = retry_delay(attempt, None, self.clock(), self.rng)
            with self._lock:
                self.page_retries += 1
            self._emit("page_retry", {"resource": "contacts", "page": page, "problem": SHORT_PAGE,
                                      "attempt": attempt + 1, "delay": delay})
            self.sleep(delay)
            got = self._page(CONTACTS, params, page, per_page, fresh=True)
        if page_problem(got, None) is not None:
            raise IncompletePageError("contacts", page, len(got.items), expected_items(got), 1 + PAGE_RETRIES)
        return got

    def get_contact(self, contact_id: int, include: list[str] | None = None) -> Contact:
        """``GET /contacts/{id}`` (double-wrapped body unwrapped). Raises :class:`NotFoundError`."""
        return self._get_one(CONTACTS, contact_id, encode_query(include=include) or None)

    # -- sources, statuses, groups ---------------------------------------------------------
    def list_sources(self, search: str | None = None, sort: str | None = None) -> list[Source]:
        """Every source (``GET /sources``, scope ``sources:read``); ``search`` = name substring."""
        return self._list_all(SOURCES, encode_query(sort=sort, search=search))

    def get_source(self, source_id: int) -> Source:
        """``GET /sources/{id}``. Raises :class:`NotFoundError`."""
        return self._get_one(SOURCES, source_id)

    def list_statuses(self, search: str | None = None, sort: str | None = None) -> list[Status]:
        """Every status (``GET /statuses``, scope ``statuses:read``)."""
        return self._list_all(STATUSES, encode_query(sort=sort, search=search))

    def get_status(self, status_id: int) -> Status:
        """``GET /statuses/{id}``. Raises :class:`NotFoundError`."""
        return self._get_one(STATUSES, status_id)

    def list_groups(self, search: str | None = None, sort: str | None = None) -> list[Group]:
        """Every group (``GET /groups``, scope ``groups:read``)."""
        return self._list_all(GROUPS, encode_query(sort=sort, search=search))

    def get_group(self, group_id: int) -> Group:
        """``GET /groups/{id}``. Raises :class:`NotFoundError`."""
        return self._get_one(GROUPS, group_id)

    def _write(self, method: str, path: str, body: Any, check: Callable[[], tuple[bool, Any]]) -> dict | None:
        """A write that may have been applied even though its answer was lost.

        Only "certainly not applied" failures are retried blindly (inside ``_request``). After a
        timeout, 5xx or garbled answer, ``check()`` asks the API whether the change is there:
        ``(True, value)`` ends the call with ``value``; otherwise the write is sent again (within
        ``max_retries``). Returns the success envelope, or ``{"checked": value}``.
        """
        attempt = 0
        while True:
            try:
                return self._request(method, path, json=body)
            except RaslError as err:
                uncertain = err.status is None or err.status >= 500 or (
                    isinstance(err, ProtocolError) and err.status is not None and err.status < 400)
                if not uncertain or isinstance(err, NotFoundError):
                    if attempt > 0:
                        done, value = check()
                        if done:
                            return {"checked": value}
                    raise
                done, value = check()
                self._emit("retry", {"attempt": attempt + 1, "method": method, "path": path,
                                     "reason": f"checked after {type(err).__name__}", "applied": done})
                if done:
                    return {"checked": value}
                if attempt >= self.max_retries:
                    raise
                self.sleep(retry_delay(attempt, None, self.clock(), self.rng))
                attempt += 1

    def find_source(self, name: str) -> Source | None:
        """The source named exactly ``name`` (``GET /sources?search=``), or None."""
        return next((s for s in self.list_sources(search=name) if s.name == name), None)

    def create_source(self, name: str) -> Source:
        """Create a source (``POST /sources``, scope ``sources:write``, 201).

        If the answer is lost (timeout, 5xx), the source list is checked by name instead of
        blindly posting again. Raises :class:`ValidationError` (missing, too long, duplicate).
        """
        def check() -> tuple[bool, Any]:
            found = self.find_source(name)
            return found is not None, found

        try:
            payload = self._write("POST", SOURCES.path, {"name": name}, check)
        except ValidationError:
            raise
        if "checked" in payload:
            return payload["checked"]
        return Source.from_api(payload.get("data"), "source")

    def rename_source(self, source_id: int, name: str) -> Source:
        """Rename a source (``PATCH /sources/{id}``, scope ``sources:write``). Raises
        :class:`NotFoundError`, :class:`ValidationError`."""
        def check() -> tuple[bool, Any]:
            try:
                current = self.get_source(source_id)
            except NotFoundError:
                return False, None
            return current.name == name, current

        payload = self._write("PATCH", f"{SOURCES.path}/{int(source_id)}", {"name": name}, check)
        if "checked" in payload:
            return payload["checked"]
        return Source.from_api(payload.get("data"), "source")

    def delete_source(self, source_id: int) -> None:
        """Delete a source (``DELETE /sources/{id}``, scope ``sources:write``). Raises
        :class:`ConflictError` (``contacts_in_use``) while contacts use it, :class:`NotFoundError`."""
        def check() -> tuple[bool, Any]:
            try:
                self.get_source(source_id)
            except NotFoundError:
                return True, None
            return False, None

        self._write("DELETE", f"{SOURCES.path}/{int(source_id)}", None, check)

    def create_contact(self, fields: Mapping[str, Any]) -> Contact:
        """Create a contact (``POST /contacts``, scope ``contacts:write``, 201). ``fields`` as in
        contract §6.3. A lost answer is checked by searching the phone number, not re-sent blindly
        (a repeat would be refused as a duplicate phone anyway). Raises :class:`ValidationError`,
        :class:`PlanLimitError`."""
        phone = fields.get("phone")

        def check() -> tuple[bool, Any]:
            if not phone:
                return False, None
            found = [c for p in self.iter_contact_pages(search=str(phone), concurrency=1) for c in p.items
                     if c.phone == phone]
            return bool(found), found[0] if found else None

        payload = self._write("POST", CONTACTS.path, dict(fields), check)
        if "checked" in payload:
            return payload["checked"]
        return Contact.from_api(payload.get("data"))

    def update_contact(self, contact_id: int, fields: Mapping[str, Any]) -> Contact:
        """Partially update a contact (``PATCH /contacts/{id}``, scope ``contacts:write``).
        Raises :class:`ValidationError`, :class:`NotFoundError`."""
        def check() -> tuple[bool, Any]:
            return False, None  # a PATCH sets values: sending it again is harmless

        payload = self._write("PATCH", f"{CONTACTS.path}/{int(contact_id)}", dict(fields), check)
        return Contact.from_api(payload.get("data"))

    def delete_contact(self, contact_id: int) -> None:
        """Delete a contact (``DELETE /contacts/{id}``, scope ``contacts:delete``). Raises
        :class:`NotFoundError`."""
        def check() -> tuple[bool, Any]:
            try:
                self.get_contact(contact_id)
            except NotFoundError:
                return True, None
            return False, None

        self._write("DELETE", f"{CONTACTS.path}/{int(contact_id)}", None, check)

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None) -> dict:
        """Any other endpoint (e.g. ``POST /groups``, ``DELETE /contacts/batch``): the decoded
        success envelope as a dict, with the same pacing, retry rules and error mapping."""
        return self._request(method.upper(), path, params=params, json=json)

    # -- messages (scope messages:send) ---------------------------------------------------
    def send_text(self, phone: str, message: str, contact_id: int | None = None) -> SentMessage:
        """Send a WhatsApp text (``POST /messages/text``, scope ``messages:send``, contract §11.1).

        ``phone`` 10–20 characters of digits, ``+``, ``-``, spaces, parentheses; ``message`` at
        most 4,096 characters. RASL finds the contact with that phone or creates one (no source).
        WhatsApp delivers free text only inside the 24-hour window after the recipient last wrote.
        Never repeated after an uncertain failure (timeout, 5xx): a repeat could send twice.
        Raises :class:`ValidationError` (422: bad phone or text, ``WHATSAPP_NOT_CONFIGURED``),
        :class:`InsufficientScopeError` (403), :class:`ServerError` (``MESSAGE_SEND_FAILED``).
        """
        body: dict[str, Any] = {"phone": phone, "message": message}
        if contact_id is not None:
            body["contact_id"] = int(contact_id)
        payload = self._request("POST", "/messages/text", json=body)
        return SentMessage.from_api(payload.get("data"), "message")

    def send_template(self, phone: str, template_name: str, language: str, fields: list[str] | None = None,
                      contact_id: int | None = None) -> SentMessage:
        """Send an approved WhatsApp template (``POST /messages/template``, scope ``messages:send``).

        ``fields`` fill the template's body parameters ``field_1`` … ``field_10`` in order (no
        newlines or tabs: WhatsApp refuses them). Works outside the 24-hour window. Raises
        :class:`NotFoundError` (template not found or not approved), :class:`ValidationError`,
        :class:`PlanLimitError` (opted out, feature or conversation limit), like :meth:`send_text`.
        """
        body: dict[str, Any] = {"phone": phone, "template_name": template_name, "language": language}
        for i, value in enumerate((fields or [])[:10], start=1):
            body[f"field_{i}"] = value
        if contact_id is not None:
            body["contact_id"] = int(contact_id)
        payload = self._request("POST", "/messages/template", json=body)
        return SentMessage.from_api(payload.get("data"), "message")

    # -- account --------------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        """``GET /account`` (scope ``account:read``)."""
        return AccountInfo.from_api(self._request("GET", "/account").get("data"))

    def account_usage(self) -> AccountUsage:
        """``GET /account/usage`` (scope ``account:read``)."""
        return AccountUsage.from_api(self._request("GET", "/account/usage").get("data"))

    def account_limits(self) -> AccountLimits:
        """``GET /account/limits`` (scope ``account:read``); ``api_calls_per_minute`` is the
        token's rate limit."""
        return AccountLimits.from_api(self._request("GET", "/account/limits").get("data"))
