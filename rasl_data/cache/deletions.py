"""The deletion check: which cached contacts RASL no longer has, found without a full pull.

Moved out of ``sync``, which calls :func:`_reconcile` after an incremental run's pages and
:func:`_confirm_gone` after a full run's; :func:`_check_listing` guards both against a listing
that came back short.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from rasl_data.errors import NotFoundError, ProtocolError

if TYPE_CHECKING:
    from rasl_data.cache.sync import _Run

PER_PAGE = 100
MAX_BISECT_DEPTH = 48
# A full run asks for at most this many unlisted contacts one by one before re-reading windows.
CONFIRM_BY_ID_MAX = 50
API_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _to_api_time(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime(API_TIME_FORMAT)


def _incomplete(received: int, promised: int, detail: str) -> ProtocolError:
    return ProtocolError(
        f"RASL says it holds {promised:,} contacts but only {received:,} came back (a page was cut "
        "short or the list shifted while it was read), so nothing was saved and the previous data "
        "is kept; try again later.",
        detail,
    )


def _check_listing(client: Any, received: int, promised: int, lo: datetime | None, hi: datetime | None) -> None:
    """Make sure a listing that is about to decide deletions holds every contact RASL promised.

    ``received`` distinct contacts came back for contacts with ``lo <= created_at < hi`` (None:
    unbounded) while the pages promised ``promised``. Fewer is never taken as deletions: the
    count is asked again (one request) in case contacts were deleted meanwhile, and only when
    RASL still counts more is :class:`ProtocolError` raised (the run then saves nothing).
    """
    if received >= promised:
        return
    filters: dict[str, Any] = {}
    if lo is not None or hi is not None:
        filters["created_at"] = {k: _to_api_time(v) for k, v in (("gte", lo), ("lt", hi)) if v is not None}
    recount = int(client.contacts_page(filters=filters or None, per_page=1, page=1).pagination.total)
    if received < recount:
        raise _incomplete(received, recount, f"listing of created_at [{lo}, {hi}): {received} distinct contacts, "
                                             f"pages promised {promised}, recount {recount}")


def _read_window(run: _Run, lo: datetime, hi: datetime) -> set[int]:
    """Read (and stage) every contact RASL has with ``lo <= created_at < hi``; returns their ids.

    Keyset reads, not offset pages: each request asks for the first 100 contacts from ``start``
    (``sort=created_at,id``) and the next one starts at the last contact's second (contacts of
    that second are read twice; staging keeps one). A contact deleted meanwhile therefore cannot
    make a live one slide past unseen. A second holding more than 100 contacts (a bulk import)
    is read by offset pages of that second alone, checked against its count. Costs about
    ``ceil(n/100)`` requests for ``n`` contacts in the window.
    """
    seen: set[int] = set()
    start = lo
    while start < hi:
        page = run.client.contacts_page(
            filters={"created_at": {"gte": _to_api_time(start), "lt": _to_api_time(hi)}},
            sort="created_at,id", per_page=PER_PAGE)
        run.stage(page.items)
        seen.update(c.id for c in page.items)
        if len(page.items) >= page.pagination.total or not page.items:
            break
        last = page.items[-1].created_at.replace(microsecond=0)
        if last <= start:  # > 100 contacts in one second: page through that second by offset
            nxt = start + timedelta(seconds=1)
            second: set[int] = set()
            total = 0
            for p in run.client.iter_contact_pages(
                    filters={"created_at": {"gte": _to_api_time(start), "lt": _to_api_time(nxt)}},
                    sort="id", per_page=PER_PAGE, concurrency=1):
                run.stage(p.items)
                second.update(c.id for c in p.items)
                total = int(p.pagination.total)
            _check_listing(run.client, len(second), total, start, nxt)
            seen |= second
            start = nxt
        else:
            start = last
    return seen


def _confirm_gone(run: _Run, candidates: list[int]) -> list[int]:
    """Of cached contacts a listing did not return, the ones RASL really no longer has.

    An offset-paged listing skips a live contact when another one is deleted while it runs
    (every later offset shifts by one), so "not listed" alone is never taken as "deleted".
    Up to ``CONFIRM_BY_ID_MAX`` candidates are asked for one by one (``GET /contacts/{id}``:
    404 means deleted); more are re-read by created_at window (:func:`_read_window`).
    Contacts found alive are staged. Returns the ids to delete; raises :class:`RaslError`.
    """
    if not candidates:
        return []
    run.report(phase="reconcile", message=f"checking {len(candidates):,} contacts missing from the list")
    if len(candidates) <= CONFIRM_BY_ID_MAX:
        gone = []
        for cid in candidates:
            try:
                run.stage([run.client.get_contact(cid)])
            except NotFoundError:
                gone.append(cid)
        return gone
    rows = run.con.execute(
        "SELECT min(created_at), max(created_at) FROM contacts WHERE id IN (SELECT unnest(?))", [candidates]
    ).fetchall()[0]
    lo, hi = rows[0], rows[1] + timedelta(seconds=1)
    seen = _read_window(run, lo, hi)
    return [cid for cid in candidates if cid not in seen]


def _reconcile(run: _Run, api_total: int) -> tuple[int, int]:
    """Bring the cached contact set in line with RASL's count; returns (deleted, re-read).

    ``api_total`` is the contact count the first incremental page already carried, so when it
    equals the cache's count this costs no request at all. Otherwise the created_at range is
    split into segments whose RASL count is known; a segment whose count matches the cache's
    is done. One whose count differs is read whole (:func:`_read_window`) when it fits in one
    page; a larger one is probed, and a probe is never wasted however dense the deletions: it
    reads 100 contacts outright while its counts split the rest. From 300 contacts up one
    request splits the segment in three (:func:`_probe_three_ways`); below, one request for the
    100 contacts around the middle gives RASL's count of the part after them. Scattered
    deletions cost about ``log3(pages / deletions)`` requests each, a region where every page
    lost one a read per page, and a contiguous batch is stepped over by one probe.

    Contacts missing from a read or probe are deleted; those RASL has and the cache lacks are
    staged. Measured on 20,000 contacts (bench/bench_sync.py, random samples): 5-6 requests for
    one deletion, 2.45-2.8 each for 20 scattered, 0.8-0.9 each for 200, about 15 for a
    contiguous batch of 500.
    """
    con = run.con
    cached = con.execute("SELECT count(*) FROM contacts").fetchall()[0][0]
    if cached == api_total:
        return 0, 0
    deleted = refetched = 0
    start = datetime(1970, 1, 1, tzinfo=timezone.utc)
    stack = [(start, run.now + timedelta(days=1), api_total, 0)]
    run.report(phase="reconcile", message=f"cache {cached:,} vs RASL {api_total:,} contacts")
    while stack:
        lo, hi, api_n, depth = stack.pop()

        def cached_ids(a: datetime, b: datetime) -> list[int]:
            return [r[0] for r in con.execute(
                "SELECT id FROM contacts WHERE created_at >= ? AND created_at < ?", [a, b]).fetchall()]

        m = con.execute("SELECT count(*) FROM contacts WHERE created_at >= ? AND created_at < ?",
                        [lo, hi]).fetchall()[0][0]
        if api_n == m:
            continue
        # Only reads decide deletions: a segment's count is derived from counts taken at different
        # moments, so a contact created meanwhile can make it look short by one.
        if (math.ceil(max(m, api_n) / PER_PAGE) <= 1 or depth >= MAX_BISECT_DEPTH
                or hi - lo <= timedelta(seconds=2)):
            seen = _read_window(run, lo, hi)
            refetched += len(seen)
            deleted += run.delete_ids([i for i in cached_ids(lo, hi) if i not in seen])
            continue
        if m >= 3 * PER_PAGE:
            found, parts, read = _probe_three_ways(run, lo, hi, m, api_n)
            deleted += found
            refetched += read
            stack.extend((a, b, n, depth + 1) for a, b, n in parts)
            continue
        # Halves of equal size around the 100 contacts the probe reads (fetched by offset, so a
        # million-contact cache is never pulled into Python).
        mid = con.execute(
            "SELECT created_at FROM contacts WHERE created_at >= ? AND created_at < ? "
            "ORDER BY created_at, id LIMIT 1 OFFSET ?", [lo, hi, max(0, (m - PER_PAGE) // 2)]
        ).fetchall()[0][0].replace(microsecond=0)
        if mid <= lo:
            mid = lo + timedelta(seconds=1)
        probe = run.client.contacts_page(
            filters={"created_at": {"gte": _to_api_time(mid), "lt": _to_api_time(hi)}},
            sort="created_at,id", per_page=PER_PAGE)
        right_n = int(probe.pagination.total)
        run.stage(probe.items)
        refetched += len(probe.items)
        stack.append((lo, mid, api_n - right_n, depth + 1))
        seen = {c.id for c in probe.items}
        covered_to = hi
        if len(probe.items) < right_n:  # the rest of the right side is a segment of its own
            covered_to = probe.items[-1].created_at.replace(microsecond=0)
            if covered_to <= mid:  # over 100 contacts in one second: read that second alone
                covered_to = mid + timedelta(seconds=1)
                second = _read_window(run, mid, covered_to)
                refetched += len(second)
                seen |= second
            else:
                seen = {c.id for c in probe.items if c.created_at < covered_to}
            stack.append((covered_to, hi, right_n - len(seen), depth + 1))
        deleted += run.delete_ids([i for i in cached_ids(mid, covered_to) if i not in seen])
    return deleted, refetched


def _probe_three_ways(run: _Run, lo: datetime, hi: datetime, m: int, api_n: int) -> tuple[int, list, int]:
    """One request that splits segment ``[lo, hi)`` (``m`` cached contacts, ``api_n`` in RASL)
    in three, and settles 100 contacts on the way; returns (deleted, parts, contacts read).

    It asks for page ``p`` (100 contacts, ``sort=created_at,id``) of ``[lo, x)``, ``x`` at two
    thirds of the cached contacts and the page at about one third. The answer's ``total`` is
    RASL's count of ``[lo, x)`` (so ``[x, hi)`` holds ``api_n - total``), the page's first contact
    sits at RASL offset ``(p-1)*100`` (so that many lie before it), and the page itself is a
    read of the contacts it spans. ``parts`` are ``(start, end, RASL count)`` segments still to
    settle. When a contact of the cache shares the first contact's second but sorts before it,
    the offset cannot be placed in time and only the split at ``x`` is used.
    """
    con = run.con
    x = con.execute(
        "SELECT created_at FROM contacts WHERE created_at >= ? AND created_at < ? "
        "ORDER BY created_at, id LIMIT 1 OFFSET ?", [lo, hi, (2 * m) // 3]).fetchall()[0][0].replace(microsecond=0)
    if x <= lo:
        x = lo + timedelta(seconds=1)
    pages_before = max(1, (m // 3) // PER_PAGE)
    probe = run.client.contacts_page(
        filters={"created_at": {"gte": _to_api_time(lo), "lt": _to_api_time(x)}},
        sort="created_at,id", per_page=PER_PAGE, page=pages_before + 1)
    total = int(probe.pagination.total)
    items = probe.items
    run.stage(items)
    parts = [(x, hi, api_n - total)]
    if not items:
        return 0, parts + [(lo, x, total)], 0
    first = items[0]
    start = first.created_at.replace(microsecond=0)
    ties = con.execute(
        "SELECT count(*) FROM contacts WHERE created_at >= ? AND created_at < ? AND (created_at, id) < (?, ?)",
        [start, start + timedelta(seconds=1), first.created_at, first.id]).fetchall()[0][0]
    offset = pages_before * PER_PAGE
    if ties or start <= lo:
        return 0, parts + [(lo, x, total)], len(items)
    covered_to = x
    if len(items) == PER_PAGE and offset + len(items) < total:
        covered_to = items[-1].created_at.replace(microsecond=0)
        if covered_to <= start:  # over 100 contacts in one second: no time boundary inside
            return 0, parts + [(lo, start, offset), (start, x, total - offset)], len(items)
    seen = {c.id for c in items if c.created_at < covered_to}
    parts += [(lo, start, offset)]
    if covered_to < x:
        parts.append((covered_to, x, total - offset - len(seen)))
    gone = [r[0] for r in con.execute("SELECT id FROM contacts WHERE created_at >= ? AND created_at < ?",
                                      [start, covered_to]).fetchall() if r[0] not in seen]
    return run.delete_ids(gone), parts, len(items)
