"""Deterministic demo workspace for the emulator: sources, statuses, groups and contacts.

:func:`make_demo_tenant` is a pure function of ``(seed, n_contacts, as_of.date())``: contacts are
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
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Iterable

import numpy as np

DAY = 86_400
WINDOW_DAYS = 548  # about 18 months
NEVER = np.iinfo(np.int64).max
TYPES = ("lead", "customer", "guest")
LEAD, CUSTOMER, GUEST = 0, 1, 2
STRING_FIELDS = ("firstname", "lastname", "company", "email", "phone", "city", "description", "state", "zip",
                 "address")

STATUSES = (("New Lead", "#3B82F6"), ("Contacted", "#F59E0B"), ("Qualified", "#8B5CF6"),
            ("Customer", "#22C55E"), ("Lost", "#EF4444"))
NEW_LEAD, CONTACTED, QUALIFIED, CUSTOMER_STATUS, LOST = 1, 2, 3, 4, 5

ARABIC_FIRST = (("محمد", "Mohammed"), ("أحمد", "Ahmed"), ("عبدالله", "Abdullah"), ("فاطمة", "Fatima"),
                ("نورة", "Noura"), ("سارة", "Sara"), ("خالد", "Khalid"), ("عمر", "Omar"), ("ريم", "Reem"),
                ("يوسف", "Youssef"), ("ليلى", "Layla"), ("حسن", "Hassan"), ("مريم", "Maryam"),
                ("سلطان", "Sultan"), ("هند", "Hind"), ("فيصل", "Faisal"), ("منى", "Mona"), ("طارق", "Tarek"),
                ("دينا", "Dina"), ("ياسمين", "Yasmin"), ("عائشة", "Aisha"), ("إبراهيم", "Ibrahim"))
LATIN_FIRST = ("John", "Priya", "Maria", "Rahul", "Anna", "David", "Sofia", "James", "Elena", "Arjun")
ARABIC_LAST = (("العتيبي", "Al-Otaibi"), ("القحطاني", "Al-Qahtani"), ("الشمري", "Al-Shammari"),
               ("المنصوري", "Al-Mansouri"), ("الهاشمي", "Al-Hashimi"), ("حسن", "Hassan"),
               ("إبراهيم", "Ibrahim"), ("عبدالرحمن", "Abdelrahman"), ("السيد", "El-Sayed"),
               ("مصطفى", "Mostafa"), ("الزهراني", "Al-Zahrani"), ("الكعبي", "Al-Kaabi"),
               ("الدوسري", "Al-Dosari"), ("النعيمي", "Al-Nuaimi"), ("فهمي", "Fahmy"))
LATIN_LAST = ("Smith", "Fernandes", "Khan", "Sharma", "Garcia", "Nair", "Brown", "Silva")
COMPANIES = ("Al Noor Trading", "Desert Bloom Co", "Gulf Star Logistics", "Nile Crafts", "Oasis Boutique",
             "Red Sea Foods", "Falcon Tech", "Palm Interiors", "Sahara Events", "Blue Dhow Travel")
# (country_id, share, phone prefix, cities): ids are this workspace's numeric country ids.
COUNTRIES = ((194, 0.55, "+9665", ("Riyadh", "Jeddah", "Dammam", "Makkah", "Madinah", "Khobar")),
             (229, 0.25, "+9715", ("Dubai", "Abu Dhabi", "Sharjah", "Ajman")),
             (64, 0.20, "+2010", ("Cairo", "Alexandria", "Giza", "Mansoura")))
CITIES = tuple(c for _, _, _, cities in COUNTRIES for c in cities)
# Ramadan first days (Umm al-Qura, approximate) for campaign bursts.
RAMADAN_STARTS = (date(2024, 3, 11), date(2025, 3, 1), date(2026, 2, 18), date(2027, 2, 8), date(2028, 1, 28),
                  date(2029, 1, 16))
WEEKDAY_WEIGHT = np.array([1.05, 1.0, 1.0, 1.05, 0.55, 0.8, 1.1])  # Mon..Sun; Friday lowest
# Share of the day's contacts per UTC hour (Gulf evenings, UTC+3, are busiest).
HOUR_WEIGHT = np.array([2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 7, 7, 8, 9, 10, 10, 9, 7, 5, 4, 3], float)


def iso(ts: int | float | None) -> str | None:
    """API timestamp text for Unix seconds: ``YYYY-MM-DDTHH:MM:SS+00:00`` (contract §4.3)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(int(ts)))


def _utc_midnight(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp())


def _white_friday(year: int) -> date:
    d = date(year, 11, 30)
    while d.weekday() != 4:
        d -= timedelta(days=1)
    return d


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


_OPS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt", "!=": "ne"}


def normalise_op(op: str | None) -> str:
    """Operator name after aliases (``>=`` -> ``gte``); unknown operators mean equality."""
    if op is None or op == "":
        return "eq"
    op = _OPS.get(op, op)
    return op if op in ("gte", "lte", "gt", "lt", "ne", "like", "in", "not_in", "between", "null", "eq") else "eq"


def parse_db_time(text: str) -> int | None:
    """Unix seconds for a value compared against a DATETIME column: a date means its midnight
    (so ``lte=2025-12-31`` stops at 00:00:00 — the documented string-comparison quirk)."""
    text = text.strip()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def time_bounds(op: str, raw: str) -> tuple[int, int] | str | None:
    lo, hi = -(2 ** 62), 2 ** 62
    if op == "between":
        parts = raw.split(",")
        if len(parts) != 2:
            return "ignore"
        a, b = parse_db_time(parts[0]), parse_db_time(parts[1])
        if a is None or b is None:
            return None
        return a, b
    v = parse_db_time(raw)
    if v is None:
        return None
    return {"gte": (v, hi), "gt": (v + 1, hi), "lte": (lo, v), "lt": (lo, v - 1)}[op]


def _truthy(raw: str) -> bool:
    return raw not in ("", "0")  # PHP truthiness: "false" is truthy


def scalar_match(value: Any, op: str, raw: str) -> bool:
    """One SQL comparison ``value <op> raw`` with NULL semantics (NULL matches only ``null``)."""
    if op == "null":
        return (value is None) if _truthy(raw) else (value is not None)
    if value is None:
        return False
    conv: Callable[[str], Any] = int if isinstance(value, int) else str

    def c(x: str) -> Any:
        try:
            return conv(x.strip())
        except ValueError:
            return None

    if op == "like":
        return raw.lower() in str(value).lower()
    if op in ("in", "not_in"):
        vals = {c(x) for x in raw.split(",")}
        return (value in vals) == (op == "in")
    if op == "between":
        parts = raw.split(",")
        if len(parts) != 2:
            return True
        a, b = c(parts[0]), c(parts[1])
        return a is not None and b is not None and a <= value <= b
    x = c(raw)
    if x is None:
        return False
    if isinstance(value, str):
        value, x = value.lower(), str(x).lower()
    return {"eq": value == x, "ne": value != x, "gt": value > x, "gte": value >= x,
            "lt": value < x, "lte": value <= x}[op]


def _filter_mask(t: Tenant, field_: str, op: str, raw: str, lo: int, hi: int) -> np.ndarray:
    c = t.c
    if field_ == "group_id":
        if op != "eq":
            return np.ones(hi - lo, dtype=bool)  # operator forms are not supported: ignored
        try:
            bit = t.group_bits.get(int(raw))
        except ValueError:
            bit = None
        if bit is None:
            return np.zeros(hi - lo, dtype=bool)
        return (c["groups"][lo:hi] >> np.uint64(bit)) & np.uint64(1) == 1
    if field_ == "created_at":
        v = c["created"][lo:hi]
        if op == "null":
            return np.zeros(hi - lo, dtype=bool) if _truthy(raw) else np.ones(hi - lo, dtype=bool)
        if op in ("in", "not_in"):
            vals = [parse_db_time(x) for x in raw.split(",")]
            m = np.isin(v, [x for x in vals if x is not None])
            return m if op == "in" else ~m
        if op == "like":
            return np.array([raw.lower() in iso(x).replace("T", " ")[:19] for x in v], dtype=bool)
        bounds = time_bounds(op, raw) if op != "eq" and op != "ne" else None
        if op in ("eq", "ne"):
            x = parse_db_time(raw)
            m = v == x if x is not None else np.zeros(hi - lo, dtype=bool)
            return m if op == "eq" else ~m
        if bounds is None:
            return np.zeros(hi - lo, dtype=bool)
        if bounds == "ignore":
            return np.ones(hi - lo, dtype=bool)
        return (v >= bounds[0]) & (v <= bounds[1])
    col = {"type": "type", "status_id": "status", "source_id": "source", "assigned_id": "assigned"}[field_]
    arr = c[col][lo:hi]
    distinct = np.unique(arr)
    if field_ == "type":
        matching = [d for d in distinct if scalar_match(TYPES[d], op, raw)]
    else:
        matching = [d for d in distinct if scalar_match(None if d < 0 else int(d), op, raw)]
    return np.isin(arr, matching)


FIRST_POOL = tuple(a for a, _ in ARABIC_FIRST) + tuple(l for _, l in ARABIC_FIRST) + LATIN_FIRST
FIRST_LATIN = tuple(l for _, l in ARABIC_FIRST) * 2 + LATIN_FIRST
LAST_POOL = tuple(a for a, _ in ARABIC_LAST) + tuple(l for _, l in ARABIC_LAST) + LATIN_LAST
LAST_LATIN = tuple(l for _, l in ARABIC_LAST) * 2 + LATIN_LAST


def _campaign_windows(kind: str, start: date, end: date, anchor_day: date) -> list[tuple[date, date]]:
    out = []
    for y in range(start.year - 1, end.year + 2):
        if kind == "ramadan":
            out += [(d, d + timedelta(days=29)) for d in RAMADAN_STARTS if d.year == y]
        elif kind == "white_friday":
            wf = _white_friday(y)
            out.append((wf - timedelta(days=7), wf + timedelta(days=3)))
        elif kind == "summer":
            out.append((date(y, 7, 1), date(y, 7, 31)))
    if kind == "launch":
        d = anchor_day - timedelta(days=150)
        out.append((d, d + timedelta(days=20)))
    return [(a, b) for a, b in out if b >= start and a < end]


def make_demo_tenant(as_of: datetime | None = None, n_contacts: int = 20_000, seed: int = 7,
                     clock: Callable[[], float] = time.time) -> Tenant:
    """Build the demo workspace at ``as_of`` (aware; default now).

    Contacts: ``n_contacts`` created during the 548 days before ``as_of``'s UTC midnight; ~1%
    legacy imports without a source; phones ``+9665…``/``+9715…``/``+2010…`` unique per contact.
    Sources: the seed list, campaign-style names (``Instagram / Ramadan Offer``, ``Facebook /
    White Friday``, ``Google Ads | Summer Sale``, ``TikTok - Launch``, an Arabic one), a
    near-duplicate (``facebook `` with a trailing space), a source silent for the last ~6 weeks
    and a brand-new one (first contacts in the last week). Deterministic in (seed, n_contacts,
    as_of date); 1,000,000 contacts take a few seconds.
    """
    as_of = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc)
    anchor_day = as_of.date()
    anchor = _utc_midnight(anchor_day)
    start_day = anchor_day - timedelta(days=WINDOW_DAYS)
    start = anchor - WINDOW_DAYS * DAY
    rng = np.random.default_rng([seed, n_contacts, anchor_day.toordinal()])
    # The steps draw from ``rng`` in this order; the demo stays the same for the same arguments.
    spec, base = _source_activity(rng, start_day, anchor_day)
    created, src_idx, ids, first_active = _creation_times(rng, spec, base, start, n_contacts)
    sources = _demo_sources(spec, first_active, start)
    source_id, ctype, status, converts, converted = _types_and_statuses(rng, spec, src_idx, created, n_contacts)
    fn, ln, country, city = _people(rng, n_contacts)
    bits, groups = _demo_groups(rng, ctype, converts, created, start, start_day, anchor_day, n_contacts)
    statuses = [{"id": i + 1, "name": n, "color": col, "created_at": start - 90 * DAY, "updated_at": start - 90 * DAY}
                for i, (n, col) in enumerate(STATUSES)]
    cols = {
        "id": ids, "created": created, "converted": converted, "type": ctype, "status": status,
        "source": source_id, "assigned": np.where(rng.random(n_contacts) < 0.65,
                                                  rng.integers(1, 7, n_contacts), -1).astype(np.int32),
        "country": country.astype(np.int8), "country_id": np.array([c[0] for c in COUNTRIES])[country].astype(np.int32),
        "city": city.astype(np.int16), "fn": fn.astype(np.int16), "ln": ln.astype(np.int16),
        "company": np.where(rng.random(n_contacts) < 0.25, rng.integers(0, len(COMPANIES), n_contacts), -1).astype(np.int16),
        "has_email": rng.random(n_contacts) < 0.8, "groups": bits, "opted": rng.random(n_contacts) < 0.03,
    }
    for v in cols.values():
        v.setflags(write=False)
    account = {"id": 9, "name": "Demo Workspace", "subdomain": "demo", "status": "active",
               "created_at": start - 120 * DAY, "plan_name": "Pro", "plan_id": 3, "plan_status": "active",
               "plan_expires_at": anchor + 200 * DAY, "contacts_limit": None, "conversations": 1240,
               "campaigns": 3, "staff": 6}
    gen = Generated(anchor, sources, statuses, groups, cols, account)
    return Tenant(gen, as_of, clock)


def empty_tenant(as_of: datetime | None = None, clock: Callable[[], float] = time.time) -> Tenant:
    """A workspace with the five default statuses and nothing else (for tests)."""
    as_of = (as_of or datetime.now(timezone.utc)).astimezone(timezone.utc)
    t0 = int(as_of.timestamp()) - 30 * DAY
    cols = {k: np.zeros(0, dtype=d) for k, d in (
        ("id", np.int64), ("created", np.int64), ("converted", np.int64), ("type", np.int8), ("status", np.int32),
        ("source", np.int32), ("assigned", np.int32), ("country", np.int8), ("country_id", np.int32),
        ("city", np.int16), ("fn", np.int16), ("ln", np.int16), ("company", np.int16), ("has_email", bool),
        ("groups", np.uint64), ("opted", bool))}
    statuses = [{"id": i + 1, "name": n, "color": col, "created_at": t0, "updated_at": t0}
                for i, (n, col) in enumerate(STATUSES)]
    account = {"id": 9, "name": "Example Workspace", "subdomain": "example", "status": "active", "created_at": t0,
               "plan_name": "Pro", "plan_id": 3, "plan_status": "active", "plan_expires_at": None,
               "contacts_limit": None, "conversations": 0, "campaigns": 0, "staff": 1}
    return Tenant(Generated(t0, [], statuses, [], cols, account), as_of, clock)


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


def _source_activity(rng: np.random.Generator, start_day: date, anchor_day: date) -> tuple[list, np.ndarray]:
    """The demo's sources as ``(name, weight, activity per day, share of leads that convert, share
    created as customers)`` and the base daily intensity (growth x weekday)."""
    days = np.arange(WINDOW_DAYS)
    weekday = (start_day.weekday() + days) % 7
    base = (0.55 + 0.9 * days / WINDOW_DAYS) * WEEKDAY_WEIGHT[weekday]

    def window_mask(wins: list[tuple[date, date]]) -> np.ndarray:
        m = np.zeros(WINDOW_DAYS)
        for a, b in wins:
            ia, ib = max(0, (a - start_day).days), min(WINDOW_DAYS - 1, (b - start_day).days)
            if ib >= ia:
                ramp = np.linspace(0.6, 1.4, ib - ia + 1)  # interest builds toward the end
                m[ia: ib + 1] = np.maximum(m[ia: ib + 1], ramp)
        return m

    ramadan = window_mask(_campaign_windows("ramadan", start_day, anchor_day, anchor_day))
    wf = window_mask(_campaign_windows("white_friday", start_day, anchor_day, anchor_day))
    summer = window_mask(_campaign_windows("summer", start_day, anchor_day, anchor_day))
    launch = window_mask(_campaign_windows("launch", start_day, anchor_day, anchor_day))
    season = 1 + 0.35 * (ramadan > 0) + 0.5 * (wf > 0)
    always = np.ones(WINDOW_DAYS)
    imports = np.zeros(WINDOW_DAYS)
    imports[rng.choice(WINDOW_DAYS // 2, size=8, replace=False)] = 1.0
    silent = (days < WINDOW_DAYS - 45).astype(float) * (days > 60)
    brand_new = (days >= WINDOW_DAYS - 6).astype(float)
    dup = (days > WINDOW_DAYS // 3).astype(float)
    # (name, weight, activity per day, share of leads that convert, share created as customers)
    spec = [
        ("WhatsApp", 3.0, always * season, 0.22, 0.08), ("Facebook", 2.0, always * season, 0.18, 0.05),
        ("Instagram", 2.2, always * season, 0.2, 0.05), ("Website Form", 1.6, always, 0.25, 0.05),
        ("Landing Page", 1.0, always, 0.2, 0.03), ("Manual Import", 14.0, imports, 0.08, 0.2),
        ("Shopify Store", 1.2, always * season, 0.3, 0.35), ("API Integration", 0.8, always, 0.15, 0.1),
        ("Referral Campaign", 0.6, always, 0.35, 0.05), ("Instagram / Ramadan Offer", 6.0, ramadan, 0.28, 0.05),
        ("Facebook / White Friday", 10.0, wf, 0.3, 0.1), ("Google Ads | Summer Sale", 4.0, summer, 0.2, 0.05),
        ("TikTok - Launch", 5.0, launch, 0.15, 0.02), ("إنستغرام / عرض رمضان", 2.5, ramadan, 0.25, 0.05),
        ("facebook ", 0.03, dup, 0.2, 0.05), ("Snapchat Ads", 0.9, silent, 0.12, 0.03),
        ("Google Ads | Brand Search", 2.0, brand_new, 0.2, 0.05),
    ]
    return spec, base


def _creation_times(rng: np.random.Generator, spec: list, base: np.ndarray, start: int, n_contacts: int):
    """Each contact's creation instant (Unix seconds, ascending), source index and id; and the
    first active day of each source."""
    intensity = np.stack([w * act * base for _, w, act, _, _ in spec])
    first_active = [int(np.argmax(act > 0)) if act.any() else 0 for _, _, act, _, _ in spec]
    p = intensity.ravel() / intensity.sum()
    cells = np.sort(rng.choice(p.size, size=n_contacts, p=p))
    src_idx = cells // WINDOW_DAYS
    day_idx = cells % WINDOW_DAYS
    hours = rng.choice(24, size=n_contacts, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    created = start + day_idx * DAY + hours * 3600 + rng.integers(0, 3600, n_contacts)
    order = np.argsort(created, kind="stable")
    created, src_idx = created[order].astype(np.int64), src_idx[order]
    ids = 1000 + np.cumsum(1 + (rng.random(n_contacts) < 0.03)).astype(np.int64)

    return created, src_idx, ids, first_active


def _demo_sources(spec: list, first_active: list[int], start: int) -> list[dict]:
    """The ``sources`` rows, each created a little before its first contact."""
    sources = []
    for i, (name, *_rest) in enumerate(spec):
        made = start - 40 * DAY if first_active[i] < 30 else start + (first_active[i] - 3) * DAY
        made += 9 * 3600 + i * 60
        sources.append({"id": i + 1, "name": name, "created_at": made, "updated_at": made})
    return sources


def _types_and_statuses(rng: np.random.Generator, spec: list, src_idx: np.ndarray, created: np.ndarray,
                        n_contacts: int):
    """Source id (-1 for ~1% legacy imports), type, status, who converts, and when (``NEVER`` if not)."""
    source_id = (src_idx + 1).astype(np.int32)
    legacy = rng.random(n_contacts) < 0.05
    legacy &= np.arange(n_contacts) < n_contacts // 5  # 5% of the oldest fifth = ~1% overall
    source_id[legacy] = -1

    conv_share = np.array([s[3] for s in spec])[src_idx]
    cust_share = np.array([s[4] for s in spec])[src_idx]
    r = rng.random(n_contacts)
    ctype = np.where(r < cust_share, CUSTOMER, np.where(r > 0.93, GUEST, LEAD)).astype(np.int8)
    r2 = rng.random(n_contacts)
    status = np.select([ctype == CUSTOMER, r2 < 0.55, r2 < 0.85, r2 < 0.95],
                       [CUSTOMER_STATUS, NEW_LEAD, CONTACTED, QUALIFIED], LOST).astype(np.int32)
    status[ctype == GUEST] = NEW_LEAD
    converts = (ctype == LEAD) & (status != LOST) & (rng.random(n_contacts) < conv_share)
    delay = np.clip(rng.lognormal(np.log(7 * DAY), 0.9, n_contacts), 1800, 90 * DAY).astype(np.int64)
    converted = np.where(converts, created + delay, NEVER).astype(np.int64)

    return source_id, ctype, status, converts, converted


def _people(rng: np.random.Generator, n_contacts: int):
    """First and last name indexes (Arabic, transliterated or Latin), country and city indexes."""
    arabic = rng.random(n_contacts) < 0.45
    na, nl = len(ARABIC_FIRST), len(LATIN_FIRST)
    k = rng.integers(0, na, n_contacts)
    latin_only = rng.random(n_contacts) < 0.25
    fn = np.where(arabic, k, np.where(latin_only, 2 * na + rng.integers(0, nl, n_contacts), na + k))
    kl = rng.integers(0, len(ARABIC_LAST), n_contacts)
    ln = np.where(arabic, kl, np.where(latin_only, 2 * len(ARABIC_LAST) + rng.integers(0, len(LATIN_LAST), n_contacts),
                                       len(ARABIC_LAST) + kl))
    country = rng.choice(len(COUNTRIES), size=n_contacts, p=[c[1] for c in COUNTRIES])
    city_offsets = np.cumsum([0] + [len(c[3]) for c in COUNTRIES])[:-1]
    city_n = np.array([len(c[3]) for c in COUNTRIES])[country]
    city = (city_offsets[country] + (rng.random(n_contacts) * city_n).astype(int))
    city[rng.random(n_contacts) < 0.2] = -1

    return fn, ln, country, city


def _demo_groups(rng: np.random.Generator, ctype: np.ndarray, converts: np.ndarray, created: np.ndarray,
                 start: int, start_day: date, anchor_day: date, n_contacts: int):
    """Group membership bits per contact and the ``groups`` rows (newsletter, VIP, campaign groups, webinar)."""
    groups_spec = []
    ram_wins = _campaign_windows("ramadan", start_day, anchor_day, anchor_day)
    wf_wins = _campaign_windows("white_friday", start_day, anchor_day, anchor_day)
    groups_spec.append(("Newsletter", start - 60 * DAY, rng.random(n_contacts) < 0.3))
    will_be_customer = (ctype == CUSTOMER) | converts
    groups_spec.append(("VIP", start - 60 * DAY, will_be_customer & (rng.random(n_contacts) < 0.12)))
    for label, wins in (("Ramadan", ram_wins), ("White Friday", wf_wins)):
        if wins:
            a, b = wins[-1]
            lo, hi = _utc_midnight(a), _utc_midnight(b) + DAY
            members = (created >= lo) & (created < hi) & (rng.random(n_contacts) < 0.4)
            groups_spec.append((f"{label} {a.year}", lo - 5 * DAY, members))
    groups_spec.append(("Webinar", start + 90 * DAY, (created >= start + 90 * DAY) & (rng.random(n_contacts) < 0.04)))
    bits = np.zeros(n_contacts, dtype=np.uint64)
    groups = []
    for i, (name, made, members) in enumerate(groups_spec):
        bits |= members.astype(np.uint64) << np.uint64(i)
        groups.append({"id": i + 1, "name": name, "created_at": int(made), "updated_at": int(made)})
    return bits, groups
