"""API resources declared as data, query encoding, and the stop rules of the page loop.

The loop itself lives in :meth:`rasl_data.api.client.RaslClient.iter_pages`; this module holds what
it needs to know about each list endpoint (contract §3.2, §5–§8) and the guards that make sure it
can never page forever.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Generator, Iterator, Mapping

from rasl_data.api.models import Contact, Group, Page, Source, Status
from rasl_data.errors import ProtocolError
from rasl_data.i18n import N_, _

MAX_PER_PAGE = 100

# Guard names reported in ``RaslClient.last_guard``. Only ``has_more_false`` means the server
# said "that was everything"; the others mean the loop stopped defensively.
GUARD_HAS_MORE_FALSE = "has_more_false"
GUARD_EMPTY_PAGE = "empty_page"
GUARD_PAST_TOTAL_PAGES = "past_total_pages"
GUARD_REPEATED_PAGE = "repeated_page"
GUARD_MAX_PAGES = "max_pages"
CLEAN_GUARDS = frozenset({GUARD_HAS_MORE_FALSE})
# Stops that mean the listing may be partial (a proxy or cache in between): never mirror it.
INCOMPLETE_GUARDS = frozenset({GUARD_REPEATED_PAGE, GUARD_EMPTY_PAGE, GUARD_MAX_PAGES})
# A page holding fewer items than ``total``/``per_page`` promise, or fewer than its own ``count``.
SHORT_PAGE = "short_page"
# How many times one page that came back repeated or short is asked for again before giving up.
PAGE_RETRIES = 3


# "RASL's <items> list came back incomplete": one whole sentence per list, so that a translation can
# word each list its own way; any other list is named as given.
_INCOMPLETE_PAGE = {
    "contacts": N_("RASL's contacts list came back incomplete (page {page} held {received} of the {expected} "
                   "contacts it promised, {tries} tries), so nothing was saved and the previous data is kept; "
                   "try again later."),
    "sources": N_("RASL's sources list came back incomplete (page {page} held {received} of the {expected} "
                  "sources it promised, {tries} tries), so nothing was saved and the previous data is kept; "
                  "try again later."),
    "statuses": N_("RASL's statuses list came back incomplete (page {page} held {received} of the {expected} "
                   "statuses it promised, {tries} tries), so nothing was saved and the previous data is kept; "
                   "try again later."),
    "groups": N_("RASL's groups list came back incomplete (page {page} held {received} of the {expected} "
                 "groups it promised, {tries} tries), so nothing was saved and the previous data is kept; "
                 "try again later."),
}
_INCOMPLETE_PAGE_OTHER = N_("RASL's {items} list came back incomplete (page {page} held {received} of the "
                            "{expected} {items} it promised, {tries} tries), so nothing was saved and the previous "
                            "data is kept; try again later.")
_INCOMPLETE_LIST = {
    "contacts": N_("RASL's contacts list came back incomplete ({received} of {total} contacts), so nothing was "
                   "saved and the previous data is kept; try again later."),
    "sources": N_("RASL's sources list came back incomplete ({received} of {total} sources), so nothing was "
                  "saved and the previous data is kept; try again later."),
    "statuses": N_("RASL's statuses list came back incomplete ({received} of {total} statuses), so nothing was "
                   "saved and the previous data is kept; try again later."),
    "groups": N_("RASL's groups list came back incomplete ({received} of {total} groups), so nothing was "
                 "saved and the previous data is kept; try again later."),
}
_INCOMPLETE_LIST_OTHER = N_("RASL's {items} list came back incomplete ({received} of {total} {items}), so nothing "
                            "was saved and the previous data is kept; try again later.")


def incomplete_list_title(what: str, received: int, total: int | None) -> str:
    """The title when listing ``what`` (``sources``, ...) gave ``received`` distinct items of ``total``."""
    return _(_INCOMPLETE_LIST.get(what, _INCOMPLETE_LIST_OTHER)).format(items=what, received=received, total=total)


class IncompletePageError(ProtocolError):
    """A list page kept coming back short of what its own pagination promised (after retries).

    ``page_no``, ``received`` and ``expected`` (items) say which page and by how much.
    """

    def __init__(self, what: str, page_no: int, received: int, expected: int, tries: int) -> None:
        super().__init__(
            _(_INCOMPLETE_PAGE.get(what, _INCOMPLETE_PAGE_OTHER)).format(
                items=what, page=page_no, received=received, expected=expected, tries=tries),
            f"{what} page {page_no}: {received} items, pagination promises {expected}",
        )
        self.page_no, self.received, self.expected = page_no, received, expected


def expected_items(page: Page) -> int:
    """Items page ``page.page_no`` must hold by its own pagination: ``min(per_page, total - offset)``,
    and never fewer than a non-empty page's ``count`` (the contacts endpoint says ``count`` 1 on an
    empty page, so an empty page is judged by ``total`` only)."""
    p = page.pagination
    by_total = max(0, min(p.per_page, p.total - (page.page_no - 1) * p.per_page)) if p.per_page > 0 else 0
    if page.items and p.reported_count is not None:
        return max(by_total, p.reported_count)
    return by_total


def page_problem(page: Page, previous_ids: tuple[Any, ...] | None, primary_key: str = "id") -> str | None:
    """Why ``page`` cannot be accepted as it is, or ``None``.

    ``repeated_page``: its ids equal the previous page's (a proxy cache, a shifting list).
    ``short_page``: fewer items than ``meta.pagination`` promises (``total``/``per_page``) or a
    ``count`` that disagrees with the items.
    """
    ids = tuple(getattr(item, primary_key) for item in page.items)
    if ids and ids == previous_ids:
        return GUARD_REPEATED_PAGE
    p = page.pagination
    if page.items and p.reported_count is not None and p.reported_count != len(page.items):
        return SHORT_PAGE
    if len(page.items) < expected_items(page):
        return SHORT_PAGE
    return None


@dataclass(frozen=True)
class Resource:
    """One list/get endpoint: ``path`` under the base URL, the ``scope`` it needs, the ``model``
    parser for one item, the primary key, the sort fields and filter fields the server honours."""

    name: str
    path: str
    scope: str
    model: Callable[..., Any]
    primary_key: str = "id"
    sorts: tuple[str, ...] = ("name", "created_at", "updated_at")
    filters: tuple[str, ...] = ("created_at",)
    write_scope: str | None = None


SOURCES = Resource("sources", "/sources", "sources:read", Source.from_api, write_scope="sources:write")
STATUSES = Resource("statuses", "/statuses", "statuses:read", Status.from_api, write_scope="statuses:write")
GROUPS = Resource("groups", "/groups", "groups:read", Group.from_api, write_scope="groups:write")
CONTACTS = Resource(
    "contacts", "/contacts", "contacts:read", Contact.from_api,
    sorts=("id", "firstname", "lastname", "created_at", "updated_at"),
    filters=("type", "status_id", "source_id", "assigned_id", "created_at", "group_id"),
    write_scope="contacts:write",
)
RESOURCES = {r.name: r for r in (SOURCES, STATUSES, GROUPS, CONTACTS)}


def _filter_value(value: Any) -> str:
    """Query text for a filter value: datetimes as UTC ``YYYY-MM-DD HH:MM:SS`` (the DATETIME
    column's own form, so string comparison on the server behaves), lists comma-joined."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ",".join(_filter_value(v) for v in value)
    return str(value)


def encode_query(
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    include: list[str] | tuple[str, ...] | str | None = None,
    search: str | None = None,
) -> dict[str, str]:
    """Query parameters for a list call.

    ``filters`` maps a field to a value (equality) or to ``{operator: value}``, e.g.
    ``{"created_at": {"gte": dt, "lt": dt2}, "source_id": {"in": [1, 2]}}`` ->
    ``filter[created_at][gte]=...`` etc. ``include`` is a list or comma string.
    """
    params: dict[str, str] = {}
    for field, value in (filters or {}).items():
        if isinstance(value, Mapping):
            for op, v in value.items():
                params[f"filter[{field}][{op}]"] = _filter_value(v)
        else:
            params[f"filter[{field}]"] = _filter_value(value)
    if sort:
        params["sort"] = sort
    if include:
        params["include"] = include if isinstance(include, str) else ",".join(include)
    if search:
        params["search"] = search
    return params


class PageGuard:
    """Decides after each page whether the loop must stop, and why.

    Checks, in order: a page whose ids equal the previous page's (a misbehaving cache or proxy:
    the page is dropped), ``has_more`` false, an empty page, and a page number at or past
    ``total_pages``; plus a hard ``max_pages`` ceiling. ``fired`` names the guard that stopped it.
    """

    def __init__(self, max_pages: int | None = None) -> None:
        self.max_pages = max_pages
        self.previous_ids: tuple[Any, ...] | None = None
        self.fired: str | None = None

    def is_repeat(self, ids: tuple[Any, ...]) -> bool:
        """True when ``ids`` (non-empty) repeat the previous page exactly."""
        return bool(ids) and ids == self.previous_ids

    def after(self, page_no: int, ids: tuple[Any, ...], has_more: bool, total_pages: int) -> str | None:
        """Record a page that was accepted; return the guard name if the loop must stop."""
        self.previous_ids = ids
        if not has_more:
            self.fired = GUARD_HAS_MORE_FALSE
        elif not ids:
            self.fired = GUARD_EMPTY_PAGE
        elif page_no >= total_pages:
            self.fired = GUARD_PAST_TOTAL_PAGES
        elif self.max_pages is not None and page_no >= self.max_pages:
            self.fired = GUARD_MAX_PAGES
        return self.fired

    def repeated(self) -> str:
        """Record that the last page repeated the previous one; returns ``repeated_page``."""
        self.fired = GUARD_REPEATED_PAGE
        return self.fired


def page_loop(
    fetch: Callable[[int], Page],
    primary_key: str = "id",
    *,
    start_page: int = 1,
    concurrency: int = 1,
    max_pages: int | None = None,
    on_page: Callable[[Page], None] | None = None,
    on_stop: Callable[[str | None], None] | None = None,
    refetch: Callable[[int, int, str], Page] | None = None,
    page_retries: int = PAGE_RETRIES,
    what: str = "items",
    admit: Callable[[], Any] | None = None,
    pause: Callable[[], Any] | None = None,
) -> Iterator[Page]:
    """The one generic page loop: yield ``fetch(n)`` for n = start_page, start_page+1, ... in order.

    Driven by ``pagination.has_more`` and stopped by :class:`PageGuard`. A page that repeats the
    previous one or comes back short (:func:`page_problem`) is asked for again with
    ``refetch(page_no, attempt, problem)`` (which backs off) up to ``page_retries`` times; a
    page that keeps repeating is dropped and stops the loop with guard ``repeated_page``; one
    that stays short raises :class:`IncompletePageError` (``what`` names the items in its
    message). With ``concurrency > 1`` the first page is read alone, then up to ``concurrency``
    workers fetch the following pages up to the last ``total_pages`` the server reported (which
    may grow while the loop runs); pages are still yielded and guarded in order. ``on_page`` is
    called for each yielded page, ``on_stop`` with the guard that ended the loop. Errors raised
    by ``fetch`` propagate after in-flight fetches are cancelled or finished.

    Rate limit (concurrent mode): ``admit()`` takes a request slot without waiting (a ticket, or
    ``None`` when the budget is spent) and ``pause()`` waits for one; a page is submitted as
    ``fetch(n, ticket)``. While the budget is out the loop keeps delivering the pages in
    flight, and waits (on the caller's thread, so progress can say so) only when none is left.
    """
    loop = _PageLoop(fetch, primary_key, max_pages, on_page, on_stop, refetch, page_retries, what)
    first = fetch(start_page)
    if (yield from loop.deliver(first)):
        return
    workers = max(1, concurrency)
    if workers == 1:
        yield from loop.serial(start_page + 1)
    else:
        yield from loop.concurrent(first, start_page + 1, workers, admit, pause)


class _PageLoop:
    """One run of :func:`page_loop`: its guard and callbacks, and the steps every page passes."""

    def __init__(self, fetch: Callable[..., Page], primary_key: str, max_pages: int | None,
                 on_page: Callable[[Page], None] | None, on_stop: Callable[[str | None], None] | None,
                 refetch: Callable[[int, int, str], Page] | None, page_retries: int, what: str) -> None:
        self.fetch = fetch
        self.primary_key = primary_key
        self.max_pages = max_pages
        self.on_page = on_page
        self.on_stop = on_stop
        self.refetch = refetch
        self.page_retries = page_retries
        self.what = what
        self.guard = PageGuard(max_pages)

    def settle(self, page: Page) -> tuple[Page, str | None]:
        """Ask again for a repeated or short page until it is sound or the retries run out."""
        attempt = 0
        while True:
            problem = page_problem(page, self.guard.previous_ids, self.primary_key)
            if problem is None or self.refetch is None or attempt >= self.page_retries:
                return page, problem
            page = self.refetch(page.page_no, attempt, problem)
            attempt += 1

    def accept(self, page: Page) -> tuple[Page, bool, str | None]:
        """``(page, whether to yield it, the guard that fired)``; a page that stays short raises
        :class:`IncompletePageError`."""
        page, problem = self.settle(page)
        if problem == GUARD_REPEATED_PAGE:
            return page, False, self.guard.repeated()
        if problem == SHORT_PAGE:
            raise IncompletePageError(self.what, page.page_no, len(page.items), expected_items(page),
                                      1 + (self.page_retries if self.refetch is not None else 0))
        ids = tuple(getattr(item, self.primary_key) for item in page.items)
        p = page.pagination
        return page, True, self.guard.after(page.page_no, ids, p.has_more, p.total_pages)

    def deliver(self, page: Page) -> Generator[Page, None, str | None]:
        """Yield ``page`` (or its sound re-read) unless it repeats; returns the guard that fired
        (after ``on_stop``)."""
        page, ok, fired = self.accept(page)
        if ok:
            if self.on_page:
                self.on_page(page)
            yield page
        if fired and self.on_stop:
            self.on_stop(fired)
        return fired

    def serial(self, next_no: int) -> Iterator[Page]:
        """Pages ``next_no``, ``next_no + 1``, ... one at a time until a guard fires."""
        while True:
            if (yield from self.deliver(self.fetch(next_no))):
                return
            next_no += 1

    def concurrent(self, first: Page, next_no: int, workers: int, admit: Callable[[], Any] | None,
                   pause: Callable[[], Any] | None) -> Iterator[Page]:
        """Pages from ``next_no`` fetched by ``workers`` threads, yielded in order; in-flight
        fetches are cancelled or finished when the loop ends (or its consumer stops)."""
        last_known = first.pagination.total_pages
        pending: deque[tuple[int, Future]] = deque()
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rasl-pages")
        try:
            while True:
                next_no = self._submit(pool, pending, next_no, last_known, workers, admit, pause)
                if not pending:
                    if self.on_stop:
                        self.on_stop(self.guard.fired or GUARD_PAST_TOTAL_PAGES)
                    return
                _, fut = pending.popleft()
                page = fut.result()
                last_known = max(last_known, page.pagination.total_pages)
                if (yield from self.deliver(page)):
                    return
        finally:
            for _, fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: ThreadPoolExecutor, pending: deque, next_no: int, last_known: int, workers: int,
                admit: Callable[[], Any] | None, pause: Callable[[], Any] | None) -> int:
        """Queue pages from ``next_no`` (at most ``2 * workers`` in flight, never past the last page
        the server announced); returns the next page number still to queue."""
        while len(pending) < 2 * workers and next_no <= last_known and (
                self.max_pages is None or next_no <= self.max_pages):
            if admit is None:
                pending.append((next_no, pool.submit(self.fetch, next_no)))
            else:
                ticket = admit()
                if ticket is None:
                    if pending:
                        break  # deliver what is in flight while the budget is out
                    ticket = pause() if pause else None
                pending.append((next_no, pool.submit(self.fetch, next_no, ticket)))
            next_no += 1
        return next_no
