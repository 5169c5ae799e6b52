"""Where the deleted contacts are: a count tree over the cache, settled two questions a request.

The cache's contacts, in RASL's listing order (``sort=created_at,id``), are a line of
positions. RASL's answer to ``GET /contacts?filter[created_at][gte]=lo&filter[created_at][lt]=hi
&sort=created_at,id&per_page=s&page=p`` says three things at once:

* ``total``: how many live contacts lie in ``[lo, hi)``;
* the first item's offset ``(p-1)*s``: how many live contacts lie before it in ``[lo, hi)``;
* the items: every live contact between the first and the last item (a snapshot "block"),
  which settles the whole seconds it holds from their start (contacts of one second may be
  listed in an order the cache does not know, so a second held in part settles nothing).

Write ``G(t)`` for the cache's count of contacts created before second ``t`` minus RASL's: the
deleted contacts before ``t``. ``G`` is known at the bottom (0) and at the top (the cache's
count minus the count the incremental run's first page already carried). A cut is a second with
a known ``G``; a segment between two cuts whose ``G`` differ holds ``d`` deleted contacts. When
``G`` is known at ``lo`` (or at ``hi``) one request gives ``G`` at the other end *and* around
the block, and settles the block: it splits two segments at once, the one holding the block
three ways (left, block, right) and the one holding the other end two ways. That pairing is
what makes scattered deletions cheap: each request does useful work in two places.

Only a block decides a deletion (a cached contact inside it that RASL did not return): ``G``
values come from different requests, taken at different moments, and only guide the search.
Segments whose live contacts fit in one page are read whole; dense short segments are read
page by page from their start (reading beats probing when about one page in two lost a
contact).
"""

from __future__ import annotations

import bisect
from array import array
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from rasl_data.cache.staging import _Run

PER_PAGE = 100
# A segment is read page by page from its start once it holds at most this many pages of live
# contacts and at least this share of its pages lost one (expected).
DENSE_PAGES = 4
DENSE_SHARE = 0.5
# Blocks placed inside a segment are at least this long (page size and page number must make
# the offset; a shorter page lands closer to where it is aimed).
MIN_BLOCK = 50
API_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# A cut is a second (Unix seconds, UTC): "contacts created before it". Filters name whole
# seconds only, and contacts sharing a second may be listed in any order, so nothing finer is used.


def api_time(seconds: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) for a created_at filter bound."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime(API_TIME_FORMAT)


class CachedKeys:
    """The cache's contacts in RASL's listing order (created_at second, then id) as two integer
    arrays: their seconds and their ids (16 bytes a contact; no row objects kept)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.secs = array("q")
        self.ids = array("q")
        cur = con.execute(
            "SELECT CAST(floor(epoch(created_at)) AS BIGINT) AS s, id FROM contacts WHERE created_at IS NOT NULL "
            "ORDER BY s, id")
        while rows := cur.fetchmany(50_000):
            for s, i in rows:
                self.secs.append(s)
                self.ids.append(i)

    def __len__(self) -> int:
        return len(self.secs)

    def rank(self, sec: int) -> int:
        """How many cached contacts were created before second ``sec``."""
        return bisect.bisect_left(self.secs, sec)

    def ids_between(self, a: int, b: int) -> list[int]:
        """Ids of the cached contacts at positions ``a`` to ``b - 1``."""
        return list(self.ids[a:b])


@dataclass
class Segment:
    """Cached contacts created in seconds ``[a, b)`` (two cuts): positions ``[ra, rb)`` of
    :class:`CachedKeys`, ``d`` of them deleted by RASL's counts (negative: RASL has more)."""

    a: int
    b: int
    ra: int
    rb: int
    d: int

    @property
    def n(self) -> int:
        return self.rb - self.ra

    @property
    def live(self) -> int:
        return self.n - self.d

    @property
    def weight(self) -> float:
        """Rough cost still ahead: its deletions, or its pages when they are sparser than one a page."""
        return max(abs(self.d), self.n / PER_PAGE)


@dataclass
class Request:
    """One listing request: created_at in ``[lo, hi)``, page ``page`` of ``per_page``."""

    lo: int
    hi: int
    page: int
    per_page: int


class CountTree:
    """Cuts (seconds with a known ``G``) and the spans already read, over :class:`CachedKeys`."""

    def __init__(self, keys: CachedKeys, top_g: int, top_sec: int) -> None:
        self.keys = keys
        top = max(top_sec, (keys.secs[-1] + 1) if len(keys) else 0)
        self.cuts: list[int] = [0, top]
        self.g: dict[int, int] = {0: 0, top: top_g}
        self.read_from: set[int] = set()  # cuts whose following segment has been read

    def set(self, sec: int, g: int) -> None:
        """Record ``G(sec)``; a new cut inside a read span stays read."""
        if sec not in self.g:
            i = bisect.bisect_left(self.cuts, sec)
            if i > 0 and self.cuts[i - 1] in self.read_from:
                self.read_from.add(sec)
            self.cuts.insert(i, sec)
        self.g[sec] = g

    def mark_read(self, a: int, b: int) -> None:
        """Everything between cuts ``a`` and ``b`` has been read."""
        i, j = bisect.bisect_left(self.cuts, a), bisect.bisect_left(self.cuts, b)
        self.read_from.update(self.cuts[i:j])

    def segments(self) -> list[Segment]:
        """Segments not yet read whose cuts say they hold deleted (or missing) contacts."""
        out = []
        for a, b in zip(self.cuts, self.cuts[1:]):
            d = self.g[b] - self.g[a]
            if d and a not in self.read_from:
                out.append(Segment(a, b, self.keys.rank(a), self.keys.rank(b), d))
        return out

    def anchor_before(self, sec: int) -> int:
        """The nearest cut at or before second ``sec``."""
        return self.cuts[bisect.bisect_right(self.cuts, sec) - 1]

    def anchor_after(self, sec: int) -> int:
        """The nearest cut at or after second ``sec``."""
        return self.cuts[bisect.bisect_left(self.cuts, sec)]

    def live_between(self, a: int, b: int) -> int:
        """RASL's live contacts between two cuts, by their ``G``."""
        return (self.keys.rank(b) - self.keys.rank(a)) - (self.g[b] - self.g[a])

    def second_cut(self, seg: Segment, pos: int) -> int | None:
        """A second strictly inside ``seg`` that splits its cached contacts near position
        ``pos``, or None when they all share one second (a bulk import)."""
        keys = self.keys
        pos = min(max(pos, seg.ra), seg.rb - 1)
        for sec in (keys.secs[pos], keys.secs[pos] + 1, keys.secs[seg.ra] + 1):
            if seg.a < sec < seg.b and seg.ra < keys.rank(sec) < seg.rb:
                return sec
        return None


def page_at(offset: float, tolerance: float = 0.0) -> tuple[int, int]:
    """``(page, per_page)`` whose first item sits within ``tolerance`` of offset ``offset``
    (the longest such page; else the nearest, at least ``MIN_BLOCK`` long)."""
    if offset < MIN_BLOCK / 2:
        return 1, PER_PAGE
    best = (abs(offset), 1, PER_PAGE)
    for size in range(PER_PAGE, MIN_BLOCK - 1, -1):
        q = round(offset / size)
        err = abs(q * size - offset)
        if err <= tolerance:
            return q + 1, size
        if err < best[0]:
            best = (err, q + 1, size)
    return best[1], best[2]


def page_covering(before: int, live: int) -> tuple[int, int] | None:
    """``(page, per_page)`` of a page that holds live offsets ``before`` to ``before + live - 1``."""
    for size in range(PER_PAGE, max(live, 1) - 1, -1):
        q = before // size
        if before - q * size + live <= size:
            return q + 1, size
    return None


class Planner:
    """Chooses the next request from the segments still open (see the module docstring)."""

    def __init__(self, tree: CountTree) -> None:
        self.tree = tree

    def next_request(self, segs: list[Segment]) -> tuple[Request, bool]:
        """The request to send, and whether its ``G`` is known at ``lo`` (else at ``hi``).

        Reads (a segment with at most a page of live contacts, or a dense one read from its
        start) go first, each paired with a cut through the heaviest segment still to split;
        a read that cannot be paired waits while two segments can be split at once.
        """
        tree = self.tree
        splits = [s for s in segs if s.live > PER_PAGE or s.live < 0]
        cuttable = [s for s in splits if tree.second_cut(s, (s.ra + s.rb) // 2)]
        dense = [s for s in splits if 0 < s.d * PER_PAGE >= DENSE_SHARE * s.n and s.live <= DENSE_PAGES * PER_PAGE]
        reads = [s for s in segs if 0 <= s.live <= PER_PAGE] + dense
        for first in reads:
            found = self._paired(first, True, [s for s in cuttable if s is not first])
            if found:
                return found
        if len(cuttable) >= 2 or (cuttable and not reads):
            first = max(splits, key=lambda s: s.weight)
            found = self._paired(first, False, [s for s in cuttable if s is not first])
            if found:
                return found
        first = reads[0] if reads else max(splits, key=lambda s: s.weight)
        request = self._alone(first, first in reads or first.live < 0)
        if request is None:  # a read that no page of a wider filter can hold: the segment alone
            request = Request(first.a, first.b, 1, PER_PAGE)
        return request, True

    def _paired(self, first: Segment, from_start: bool, others: list[Segment]) -> tuple[Request, bool] | None:
        """The block in ``first`` and a cut through the heaviest of ``others`` (after it if any
        is, else before it), or None when no such pair can be aimed."""
        later = [s for s in others if s.ra > first.ra]
        if later:
            request = self._block_then_cut(first, from_start, max(later, key=lambda s: s.weight))
            if request is not None:
                return request, True
        earlier = [s for s in others if s.ra < first.ra]
        if earlier:
            request = self._cut_then_block(max(earlier, key=lambda s: s.weight), first, from_start)
            if request is not None:
                return request, False
        return None

    def _block_offset(self, lo: int, seg: Segment, from_start: bool, share: float) -> tuple[int, int] | None:
        """Page and size of the block for ``seg``, counted from cut ``lo``: its start when
        ``from_start`` (a read: None when no page holds the segment with a live contact either
        side), else ``share`` of the way into its contacts beyond one page."""
        before = self.tree.live_between(lo, seg.a)
        if from_start:
            # One live contact either side too: the page then holds the start of the segment's
            # first second and of the second after it, so it settles every second in between.
            start = max(0, before - 1)
            want = before + max(seg.live, 0) + 1 - start
            found = page_covering(start, want) if want <= PER_PAGE else None
            if found is None and seg.live > PER_PAGE:  # a dense run read page by page: its start
                found = page_covering(start, PER_PAGE // 2) or page_at(before)
            return found
        inside = (seg.n - PER_PAGE) * share * max(seg.live, 0) / seg.n
        return page_at(before + inside, seg.n / 50)

    def _block_then_cut(self, first: Segment, from_start: bool, second: Segment) -> Request | None:
        """The block in ``first``, counted from the cut before it; a cut through the later
        ``second`` as the filter's end (``G`` known at the filter's start)."""
        lo = self.tree.anchor_before(first.a)
        found = self._block_offset(lo, first, from_start, 0.5)
        hi = self.tree.second_cut(second, (second.ra + second.rb) // 2)
        return Request(lo, hi, *found) if found and hi else None

    def _cut_then_block(self, second: Segment, first: Segment, from_start: bool) -> Request | None:
        """A cut through ``second`` as the filter's start, the block in the later ``first``
        (``G`` known at the filter's end). None when a read of ``first`` cannot be aimed well
        enough (the live contacts between the cut and ``first`` are known only roughly)."""
        tree = self.tree
        lo = tree.second_cut(second, (second.ra + second.rb) // 2)
        if lo is None:
            return None
        hi = tree.anchor_after(first.b)
        # Live contacts from the cut to ``first``: the rest of ``second`` (between its cached
        # count less its deletions and its cached count) and the known stretch after it.
        rest = tree.keys.rank(second.b) - tree.keys.rank(lo)
        known = tree.live_between(second.b, first.a)
        fewest, most = rest - max(second.d, 0) + known, rest - min(second.d, 0) + known
        if from_start:
            start = max(0, fewest - 1)
            want = most + max(first.live, 0) + 1 - start
            found = page_covering(start, want) if want <= PER_PAGE else None
            return Request(lo, hi, *found) if found else None
        before = rest - second.d * rest / second.n + known
        inside = (first.n - PER_PAGE) * 0.5 * max(first.live, 0) / first.n
        return Request(lo, hi, *page_at(before + inside, first.n / 50))

    def _alone(self, seg: Segment, from_start: bool) -> Request | None:
        """One segment: a block a third of the way in and a cut two thirds in (four parts), or
        its start read with a cut through the rest."""
        tree = self.tree
        lo = tree.anchor_before(seg.a)
        found = self._block_offset(lo, seg, from_start, 1 / 3)
        if found is None:
            return None
        if from_start:
            at = seg.ra + PER_PAGE + max(0, seg.n - PER_PAGE) // 2
        else:
            at = seg.ra + PER_PAGE + 2 * (seg.n - PER_PAGE) // 3
        hi = None if from_start and seg.live <= PER_PAGE else tree.second_cut(seg, at)
        return Request(lo, hi or tree.anchor_after(seg.b), *found)


def request_budget(cached: int) -> int:
    """Requests the search may spend before it reads whatever is still open window by window:
    twice a full pull plus slack (counts that keep contradicting each other, e.g. contacts
    deleted all through the check, must not keep it probing)."""
    return 2 * (cached // PER_PAGE) + 40


def search(run: _Run, api_total: int, cached: int, client: Any) -> tuple[int, int]:
    """Find the contacts RASL deleted (and stage the ones the cache lacks); returns
    ``(deleted, contacts read)``. Called when the cache holds ``cached`` contacts and RASL
    ``api_total``. Raises :class:`RaslError` (the run then saves nothing)."""
    keys = CachedKeys(run.con)
    top = int(max(run.now, datetime.now(timezone.utc)).timestamp()) + 86_400
    tree = CountTree(keys, cached - api_total, top)
    planner = Planner(tree)
    found: set[int] = set()  # blocks may overlap: each deleted contact counts once
    deleted = read = 0
    for _ in range(request_budget(len(keys))):
        segs = tree.segments()
        if not segs:
            return deleted, read
        # A segment whose contacts share one second (a bulk import) has no boundary a filter
        # can name inside it: it is read whole, page by page through that second.
        stuck = next((seg for seg in segs if seg.live > PER_PAGE and tree.second_cut(seg, seg.ra) is None), None)
        if stuck is not None:
            gone, got = _read_whole(run, tree, stuck)
        else:
            request, known_lo = planner.next_request(segs)
            gone, got = _ask(run, client, tree, request, known_lo)
        deleted += run.delete_ids(sorted(set(gone) - found))
        found.update(gone)
        read += got
    for seg in tree.segments():  # out of budget: read what is left
        gone, got = _read_whole(run, tree, seg)
        deleted += run.delete_ids(sorted(set(gone) - found))
        found.update(gone)
        read += got
    return deleted, read


def _read_whole(run: _Run, tree: CountTree, seg: Segment) -> tuple[list[int], int]:
    """Read every contact of ``seg`` (:func:`~rasl_data.cache.deletions._read_window`); returns
    the cached contacts RASL no longer has and how many contacts were read."""
    from rasl_data.cache.deletions import _read_window

    lo, hi = tree.anchor_before(seg.a), tree.anchor_after(seg.b)
    seen = _read_window(run, datetime.fromtimestamp(lo, timezone.utc), datetime.fromtimestamp(hi, timezone.utc))
    tree.mark_read(lo, hi)
    keys = tree.keys
    return [i for i in keys.ids_between(keys.rank(lo), keys.rank(hi)) if i not in seen], len(seen)


def _ask(run: _Run, client: Any, tree: CountTree, req: Request, known_lo: bool) -> tuple[list[int], int]:
    """Send ``req``, learn ``G`` at its ends and around its page; returns the cached contacts
    the page shows deleted and how many contacts it read.

    The page settles whole seconds only: from ``lo`` (first page) or the second after its first
    item's, to ``hi`` (last page) or its last item's second. Contacts that share a second are
    listed by RASL in an order the cache need not know, so a second the page holds only in part
    decides nothing.
    """
    keys = tree.keys
    page = client.contacts_page(
        filters={"created_at": {"gte": api_time(req.lo), "lt": api_time(req.hi)}},
        sort="created_at,id", per_page=req.per_page, page=req.page)
    total = int(page.pagination.total)
    r_lo = keys.rank(req.lo)
    if known_lo:
        tree.set(req.hi, tree.g[req.lo] + (keys.rank(req.hi) - r_lo) - total)
    else:
        tree.set(req.lo, tree.g[req.hi] - (keys.rank(req.hi) - r_lo) + total)
    items = page.items
    run.stage(items)
    offset = (req.page - 1) * req.per_page
    if not items and offset:
        return [], 0
    secs = [_second(c) for c in items]
    last_page = offset + len(items) >= total
    g_lo = tree.g[req.lo]

    def cut(sec: int, live_before: int) -> None:
        tree.set(sec, g_lo + (keys.rank(sec) - r_lo) - live_before)

    # A second boundary t is placed when the page holds the start of t's second (or everything
    # from lo): RASL's live contacts before it are then the offset plus the items before t.
    spans_seconds = bool(items) and secs[0] < secs[-1]
    a, live_a = (req.lo, 0) if offset == 0 else (secs[0] + 1, offset + bisect.bisect_left(secs, secs[0] + 1))
    a_known = offset == 0 or (a < req.hi and (last_page or spans_seconds))
    b, live_b = (req.hi, total) if last_page else (secs[-1], offset + bisect.bisect_left(secs, secs[-1]))
    b_known = last_page or offset == 0 or spans_seconds
    if a_known:
        cut(a, live_a)
    if b_known and not last_page:
        cut(b, live_b)
    if not (a_known and b_known and a < b):
        return [], len(items)
    tree.mark_read(a, b)
    seen = {c.id for c in items}
    return [i for i in keys.ids_between(keys.rank(a), keys.rank(b)) if i not in seen], len(items)


def _second(contact: Any) -> int:
    """The contact's created_at in whole Unix seconds (what a filter bound can name)."""
    created = contact.created_at
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return int(created.timestamp() // 1)
