"""Deterministic demo workspace for the emulator: sources, statuses, groups and contacts.

:func:`~rasl_data.emulator.demo_tenant.make_demo_tenant` (in :mod:`.demo_tenant`) is a pure function of ``(seed, n_contacts, as_of.date())``: contacts are
spread over the 548 days before ``as_of``'s UTC midnight with weekly seasonality (Friday lowest),
growth, campaign bursts at their real calendar dates (Ramadan, White Friday, summer sales) and a
hidden ``converted_at`` per contact. :meth:`Tenant.state_at` replays the same population at an
earlier (or later) instant: contacts not yet created are absent, leads not yet converted are
still leads, so a sync run against successive states builds a genuine change history.

Contacts are stored column-wise in numpy arrays; dicts are built only for the page served, and
query results are cached per (filters, sort, search), so a page of 100 out of 1,000,000 costs
about a millisecond.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import numpy as np

from .filters import _filter_mask, time_bounds
from .vocab import (
    CITIES,
    COMPANIES,
    COUNTRIES,
    CUSTOMER,
    CUSTOMER_STATUS,
    FIRST_LATIN,
    FIRST_POOL,
    LAST_LATIN,
    LAST_POOL,
    STRING_FIELDS,
    TYPES,
    iso,
)


@dataclass
class Generated:
    """Immutable output of the generator: dimension rows and contact columns at creation time."""

    anchor: int
    sources: list[dict]
    statuses: list[dict]
    groups: list[dict]
    cols: dict[str, np.ndarray]
    account: dict


@dataclass
class _Order:
    rows: np.ndarray
    touched: set = field(default_factory=set)


class Tenant:
    """One workspace's data, contacts column-wise; safe for concurrent readers and writers.

    ``as_of`` (aware UTC) is the instant the state reflects. Mutators (``add_contact``,
    ``update_contact``, ``delete_contact``, ``add_source``, ...) bump ``updated_at`` to ``clock()``
    (Unix seconds), never earlier than the row's previous value. Row ids never get reused.
    """

    def __init__(self, gen: Generated, as_of: datetime, clock: Callable[[], float] = time.time) -> None:
        self._gen = gen
        self.as_of = as_of
        self.clock = clock
        self.lock = threading.RLock()
        t = int(as_of.timestamp())
        g = gen.cols
        self.sources = [dict(s) for s in gen.sources if s["created_at"] <= t]
        self.statuses = [dict(s) for s in gen.statuses]
        self.groups = [dict(x) for x in gen.groups if x["created_at"] <= t]
        self.group_bits = {x["id"]: i for i, x in enumerate(gen.groups)}
        self.account = dict(gen.account)
        self.max_contacts: int | None = None
        n = int(np.searchsorted(g["created"], t, side="right"))  # created is sorted ascending
        self.n = n
        conv = g["converted"][:n] <= t
        self.c: dict[str, np.ndarray] = {k: v[:n].copy() for k, v in g.items() if k != "converted"}
        self.c["type"] = np.where(conv, CUSTOMER, g["type"][:n]).astype(np.int8)
        self.c["status"] = np.where(conv, CUSTOMER_STATUS, g["status"][:n]).astype(np.int32)
        self.c["updated"] = np.where(conv, g["converted"][:n], g["created"][:n])
        self.c["alive"] = np.ones(n, dtype=bool)
        self.overrides: dict[int, dict[str, Any]] = {}
        self.version = 0
        self._created_sorted = True
        self._query_cache: OrderedDict = OrderedDict()
        self._orders: dict[tuple, _Order] = {}
        self._unique_index: dict[str, dict[str, int]] | None = None
        self._next_ids = {"contact": int(g["id"][-1]) + 1 if len(g["id"]) else 1001,
                          "source": max([s["id"] for s in gen.sources], default=0) + 1,
                          "status": max([s["id"] for s in gen.statuses], default=0) + 1,
                          "group": max([x["id"] for x in gen.groups], default=0) + 1}

    # -- replay ---------------------------------------------------------------------------
    def state_at(self, when: datetime) -> "Tenant":
        """The generated workspace as it was (or will be) at ``when`` (aware): contacts created
        after it are absent, later conversions not yet applied. Mutations made on this object are
        not carried over."""
        return Tenant(self._gen, when.astimezone(timezone.utc), self.clock)

    @property
    def n_contacts(self) -> int:
        """Contacts that exist now (deleted ones excluded)."""
        return int(self.c["alive"][: self.n].sum())

    # -- contact rows ---------------------------------------------------------------------
    def row_of(self, contact_id: int) -> int | None:
        """Row index of a live contact id, or None."""
        ids = self.c["id"][: self.n]
        i = int(np.searchsorted(ids, contact_id))
        if i < self.n and ids[i] == contact_id and self.c["alive"][i]:
            return i
        return None

    def _field(self, row: int, name: str) -> Any:
        ov = self.overrides.get(row)
        if ov is not None and name in ov:
            return ov[name]
        c = self.c
        if name == "firstname":
            return FIRST_POOL[c["fn"][row]]
        if name == "lastname":
            return LAST_POOL[c["ln"][row]]
        if name == "company":
            k = c["company"][row]
            return COMPANIES[k] if k >= 0 else None
        if name == "email":
            if not c["has_email"][row]:
                return None
            return f"{FIRST_LATIN[c['fn'][row]].lower()}.{LAST_LATIN[c['ln'][row]].lower()}{c['id'][row]}@example.com"
        if name == "phone":
            return f"{COUNTRIES[c['country'][row]][2]}{(int(c['id'][row]) * 48271 + 12345) % 100_000_000:08d}"
        if name == "city":
            k = c["city"][row]
            return CITIES[k] if k >= 0 else None
        return None

    def contact_dict(self, row: int) -> dict:
        """The API's ContactResource for one row (contract §6.2), keys in the documented order."""
        c = self.c
        f = self._field

        def opt(name: str) -> int | None:
            v = int(c[name][row])
            return v if v >= 0 else None

        bits = int(c["groups"][row])
        group_ids = [gid for gid, b in self.group_bits.items() if bits >> b & 1] if bits else []
        country = int(c["country_id"][row])
        return {
            "id": int(c["id"][row]), "firstname": f(row, "firstname"), "lastname": f(row, "lastname"),
            "company": f(row, "company"), "type": TYPES[c["type"][row]], "email": f(row, "email"),
            "phone": f(row, "phone"), "status_id": opt("status"), "source_id": opt("source"),
            "description": f(row, "description"), "city": f(row, "city"), "state": f(row, "state"),
            "zip": f(row, "zip"), "address": f(row, "address"), "country_id": country if country >= 0 else None,
            "assigned_id": opt("assigned"), "group_id": group_ids, "is_opted_out": bool(c["opted"][row]),
            "created_at": iso(c["created"][row]), "updated_at": iso(c["updated"][row]),
        }

    def contact(self, contact_id: int) -> dict | None:
        """ContactResource dict of a live contact id, or None."""
        with self.lock:
            row = self.row_of(contact_id)
            return None if row is None else self.contact_dict(row)

    def count_using(self, column: str, value: int) -> int:
        """Live contacts whose ``column`` (``source`` or ``status``) equals ``value``."""
        n = self.n
        return int(((self.c[column][:n] == value) & self.c["alive"][:n]).sum())

    # -- mutation -------------------------------------------------------------------------
    def _now(self, at: float | None) -> int:
        return int(self.clock() if at is None else at)

    def _changed(self, row: int | None = None) -> None:
        self.version += 1
        self._query_cache.clear()
        for order in self._orders.values():
            if row is not None:
                order.touched.add(row)
        if row is None:
            self._orders.clear()

    def _grow(self, extra: int) -> None:
        cap = len(self.c["id"])
        if self.n + extra <= cap:
            return
        new_cap = max(self.n + extra, cap * 2, 16)
        for k, v in self.c.items():
            grown = np.zeros(new_cap, dtype=v.dtype)
            grown[: self.n] = v[: self.n]
            self.c[k] = grown

    def unique_index(self) -> dict[str, dict[str, int]]:
        """``{"phone": {phone: row}, "email": {email: row}}`` over live contacts (built lazily)."""
        if self._unique_index is None:
            idx: dict[str, dict[str, int]] = {"phone": {}, "email": {}}
            alive = self.c["alive"]
            for row in range(self.n):
                if alive[row]:
                    for key in ("phone", "email"):
                        v = self._field(row, key)
                        if v:
                            idx[key][v.lower() if key == "email" else v] = row
            self._unique_index = idx
        return self._unique_index

    def _reindex(self, row: int, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        if self._unique_index is None:
            return
        for key in ("phone", "email"):
            for src, add in ((old, False), (new, True)):
                v = (src or {}).get(key)
                if v:
                    v = v.lower() if key == "email" else v
                    if add:
                        self._unique_index[key][v] = row
                    elif self._unique_index[key].get(v) == row:
                        del self._unique_index[key][v]

    def add_contact(self, fields: dict[str, Any], at: float | None = None) -> dict:
        """Create a contact from API-style fields (``firstname``, ``type``, ``source_id``,
        ``groups`` list, ...); no validation. Returns its ContactResource dict."""
        with self.lock:
            now = self._now(at)
            self._grow(1)
            row = self.n
            self.n += 1
            c = self.c
            c["id"][row] = self._next_ids["contact"]
            self._next_ids["contact"] += 1
            c["created"][row] = c["updated"][row] = now
            if row and now < c["created"][row - 1]:
                self._created_sorted = False
            c["alive"][row] = True
            for col, default in (("fn", 0), ("ln", 0), ("company", -1), ("city", -1), ("country", 0), ("assigned", -1),
                                 ("country_id", -1), ("status", -1), ("source", -1), ("groups", 0), ("opted", 0)):
                c[col][row] = default
            c["has_email"][row] = False
            self.overrides[row] = {k: None for k in STRING_FIELDS}
            self._assign(row, {"type": "lead", **fields})
            self._reindex(row, None, self.overrides[row])
            self._changed(row)
            return self.contact_dict(row)

    def _assign(self, row: int, fields: dict[str, Any]) -> None:
        c = self.c
        ov = self.overrides.setdefault(row, {})
        for k, v in fields.items():
            if k in STRING_FIELDS:
                ov[k] = v
            elif k == "type":
                c["type"][row] = TYPES.index(v)
            elif k in ("source_id", "status_id", "assigned_id", "country_id"):
                col = {"source_id": "source", "status_id": "status", "assigned_id": "assigned",
                       "country_id": "country_id"}[k]
                c[col][row] = -1 if v is None else int(v)
            elif k in ("groups", "group_ids", "group_id"):
                bits = 0
                for gid in v or ():
                    if gid not in self.group_bits:
                        self.group_bits[gid] = len(self.group_bits)
                    bits |= 1 << self.group_bits[gid]
                c["groups"][row] = bits
            elif k == "is_opted_out":
                c["opted"][row] = bool(v)

    def update_contact(self, contact_id: int, fields: dict[str, Any], at: float | None = None) -> dict | None:
        """Apply API-style ``fields`` to a contact and bump its ``updated_at``; None if absent."""
        with self.lock:
            row = self.row_of(contact_id)
            if row is None:
                return None
            old = {k: self._field(row, k) for k in ("phone", "email")}
            self._assign(row, fields)
            self.c["updated"][row] = max(int(self.c["updated"][row]), self._now(at))
            self._reindex(row, old, {k: self._field(row, k) for k in ("phone", "email")})
            self._changed(row)
            return self.contact_dict(row)

    def delete_contact(self, contact_id: int) -> bool:
        """Hard-delete a contact; False if it did not exist."""
        with self.lock:
            row = self.row_of(contact_id)
            if row is None:
                return False
            self._reindex(row, {k: self._field(row, k) for k in ("phone", "email")}, None)
            self.c["alive"][row] = False
            self._changed(row)
            return True

    def _dim(self, kind: str) -> list[dict]:
        return {"source": self.sources, "status": self.statuses, "group": self.groups}[kind]

    def find(self, kind: str, id_: int) -> dict | None:
        """The ``source``/``status``/``group`` row with this id, or None."""
        return next((x for x in self._dim(kind) if x["id"] == id_), None)

    def add_dimension(self, kind: str, name: str, at: float | None = None, **extra: Any) -> dict:
        """Create a ``source``/``status``/``group`` row; returns it (times as Unix seconds)."""
        with self.lock:
            now = self._now(at)
            row = {"id": self._next_ids[kind], "name": name, **extra, "created_at": now, "updated_at": now}
            self._next_ids[kind] += 1
            self._dim(kind).append(row)
            if kind == "group":
                self.group_bits.setdefault(row["id"], len(self.group_bits))
            self.version += 1
            return row

    def update_dimension(self, kind: str, id_: int, at: float | None = None, **fields: Any) -> dict | None:
        """Change a dimension row's fields and bump ``updated_at``; None if absent."""
        with self.lock:
            row = self.find(kind, id_)
            if row is None:
                return None
            row.update(fields)
            row["updated_at"] = max(row["updated_at"], self._now(at))
            self.version += 1
            return row

    def delete_dimension(self, kind: str, id_: int) -> bool:
        """Remove a dimension row (no in-use check here; the HTTP route does that)."""
        with self.lock:
            rows = self._dim(kind)
            before = len(rows)
            rows[:] = [x for x in rows if x["id"] != id_]
            self.version += 1
            return len(rows) != before

    def add_source(self, name: str, at: float | None = None) -> dict:
        """Shortcut for ``add_dimension("source", name)``."""
        return self.add_dimension("source", name, at)

    def rename_source(self, source_id: int, name: str, at: float | None = None) -> dict | None:
        """Shortcut for ``update_dimension("source", id, name=...)``."""
        return self.update_dimension("source", source_id, at, name=name)

    def delete_source(self, source_id: int) -> bool:
        """Shortcut for ``delete_dimension("source", id)``."""
        return self.delete_dimension("source", source_id)

    # -- queries --------------------------------------------------------------------------
    def query(self, filters: tuple, sort: tuple, search: str | None) -> np.ndarray:
        """Row indices of live contacts matching ``filters`` (tuple of (field, op, raw)), in
        ``sort`` order (tuple of (field, descending)); cached until the next mutation."""
        key = (filters, sort, search)
        with self.lock:
            hit = self._query_cache.get(key)
            if hit is not None:
                self._query_cache.move_to_end(key)
                return hit
            rows = self._select(filters, search)
            if sort:
                rows = self._sort(rows, sort)
            self._query_cache[key] = rows
            if len(self._query_cache) > 32:
                self._query_cache.popitem(last=False)
            return rows

    def page_rows(self, filters: tuple, sort: tuple, search: str | None, offset: int, limit: int) -> tuple[np.ndarray, int]:
        """``(rows, total)`` for one page; unfiltered sorts use a cached global order patched with
        the rows changed since, so a page stays cheap even right after a mutation."""
        with self.lock:
            if filters or search or not sort or (sort and sort[0][0] in ("firstname", "lastname")):
                rows = self.query(filters, sort, search)
                return rows[offset: offset + limit], len(rows)
            order = self._orders.get(sort)
            if order is None or len(order.touched) > 5000 or offset > 50_000 and order.touched:
                order = _Order(self._sort(np.flatnonzero(self.c["alive"][: self.n]), sort))
                self._orders[sort] = order
            total = self.n_contacts
            if not order.touched:
                return order.rows[offset: offset + limit], total
            touched = np.fromiter(order.touched, dtype=np.int64)
            prefix = order.rows[: offset + limit + len(touched)]
            prefix = prefix[~np.isin(prefix, touched)]
            extra = touched[self.c["alive"][touched]]
            merged = self._sort(np.concatenate([prefix, extra]), sort)
            return merged[offset: offset + limit], total

    def _sort(self, rows: np.ndarray, sort: tuple) -> np.ndarray:
        cols = {"id": "id", "created_at": "created", "updated_at": "updated"}
        keys = [self.c["id"][rows]]  # last tie-break: id ascending (database order)
        for name, desc in reversed(sort):
            if name in cols:
                v = self.c[cols[name]][rows]
                keys.append(-v if desc else v)
            else:  # firstname / lastname: rank the display strings
                names = [self._field(int(r), name) or "" for r in rows]
                uniq = sorted(set(names))
                rank = {s: i for i, s in enumerate(uniq)}
                v = np.array([rank[s] for s in names], dtype=np.int64)
                keys.append(-v if desc else v)
        keys.reverse()
        return rows[np.lexsort(keys[::-1])] if len(rows) else rows

    def _select(self, filters: tuple, search: str | None) -> np.ndarray:
        n = self.n
        c = self.c
        lo, hi = 0, n
        rest = []
        for f in filters:
            field_, op, raw = f
            if field_ == "created_at" and self._created_sorted and op in ("gte", "gt", "lte", "lt", "between"):
                bounds = time_bounds(op, raw)
                if bounds is None:
                    return np.empty(0, dtype=np.int64)
                if bounds == "ignore":
                    continue
                a, b = bounds  # inclusive seconds
                lo = max(lo, int(np.searchsorted(c["created"][:n], a, side="left")))
                hi = min(hi, int(np.searchsorted(c["created"][:n], b, side="right")))
            else:
                rest.append(f)
        if hi <= lo:
            return np.empty(0, dtype=np.int64)
        mask = c["alive"][lo:hi].copy()
        for field_, op, raw in rest:
            mask &= _filter_mask(self, field_, op, raw, lo, hi)
        if search:
            needle = search.lower()
            idx = np.flatnonzero(mask) + lo
            keep = [r for r in idx if any(needle in (self._field(int(r), k) or "").lower()
                                          for k in ("firstname", "lastname", "email", "phone", "company"))]
            return np.array(keep, dtype=np.int64)
        return np.flatnonzero(mask) + lo


def iter_dims(rows: Iterable[dict]) -> list[dict]:
    """API dicts for dimension rows (times formatted), keys in the documented order."""
    out = []
    for r in rows:
        d = {"id": r["id"], "name": r["name"]}
        if "color" in r:
            d["color"] = r["color"]
        d["created_at"] = iso(r["created_at"])
        d["updated_at"] = iso(r["updated_at"])
        out.append(d)
    return out
