"""HTTP client for the RASL v2 API (contract: shared/rasl-api/CONTRACT.md).

:class:`RaslClient` holds the endpoints: the generic page loop :meth:`RaslClient.iter_pages`,
driven by ``meta.pagination.has_more`` (never ``links.next``, which drops filters) and stopped by
the guards of :class:`rasl_data.api.pagination.PageGuard`, and one typed method per endpoint.
Every call goes through :meth:`rasl_data.api.http.PacedHttp._request`, which paces from the
rate-limit headers, retries what is safe to retry and maps every failure to :mod:`rasl_data.errors`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

from rasl_data.api.http import DEFAULT_BASE_URL, DEFAULT_MAX_WAIT, USER_AGENT, EventHandler, PacedHttp  # noqa: F401
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
    incomplete_list_title,
    page_loop,
    page_problem,
)
from rasl_data.api.retry import WaitTooLongError, retry_delay  # noqa: F401 (WaitTooLongError: documented here)
from rasl_data.errors import NotFoundError, ProtocolError, ValidationError


class RaslClient(PacedHttp):
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
            return self._refetch_page(resource, params, page_no, per_page, attempt, problem)

        def admit() -> int | None:
            return self._pacer.try_acquire()[0]

        return page_loop(lambda n, ticket=None: self._page(resource, params, n, per_page, ticket=ticket),
                         resource.primary_key, start_page=start_page, concurrency=concurrency,
                         max_pages=max_pages, on_page=on_page, on_stop=on_stop, refetch=refetch,
                         what=resource.name, admit=admit, pause=self._pacer.acquire)

    def _refetch_page(self, resource: Resource, params: Mapping[str, Any] | None, page_no: int, per_page: int,
                      attempt: int, problem: str) -> Page:
        """Ask again, after a backoff, for a page that came back repeated or short (``problem``);
        counted in ``page_retries`` and announced as a ``page_retry`` event."""
        delay = retry_delay(attempt, None, self.clock(), self.rng)
        with self._lock:
            self.page_retries += 1
        self._emit("page_retry", {"resource": resource.name, "page": page_no, "problem": problem,
                                  "attempt": attempt + 1, "delay": delay})
        self.sleep(delay)
        return self._page(resource, params, page_no, per_page, fresh=True)

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
                incomplete_list_title(resource.name, distinct, total),
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
            got = self._refetch_page(CONTACTS, params, page, per_page, attempt, SHORT_PAGE)
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
        self._write("DELETE", f"{SOURCES.path}/{int(source_id)}", None, lambda: _gone(self.get_source, source_id))

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
        self._write("DELETE", f"{CONTACTS.path}/{int(contact_id)}", None, lambda: _gone(self.get_contact, contact_id))

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


def _gone(read: Callable[[int], Any], record_id: int) -> tuple[bool, Any]:
    """The ``check`` of a delete whose answer was lost: ``(True, None)`` when reading the record
    raises :class:`NotFoundError` (the delete was applied), else ``(False, None)``."""
    try:
        read(record_id)
    except NotFoundError:
        return True, None
    return False, None
