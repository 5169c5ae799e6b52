"""Typed records for RASL v2 objects, parsed tolerantly from the API's JSON (contract §5–§9).

Parsing rules: unknown fields are ignored; documented nullable fields (and ``source_id`` /
``status_id``, null on legacy imports) accept ``null``; timestamps in either form
(``2026-01-15T10:00:00+00:00`` or ``2026-01-15T10:00:00.000000Z``) become aware UTC datetimes;
a value of the wrong type raises :class:`~rasl_data.errors.ProtocolError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Generic, Mapping, TypeVar

from rasl_data.errors import ProtocolError

T = TypeVar("T")


def _bad(where: str, expected: str, value: Any) -> ProtocolError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ProtocolError(
        "RASL sent data in an unexpected shape.",
        f"{where}: expected {expected}, got {type(value).__name__} {shown}",
    )


def parse_timestamp(value: Any, where: str = "timestamp") -> datetime:
    """Aware UTC datetime from an ISO-8601 string with offset or ``Z`` (fractions allowed).

    A string without an offset is read as UTC (the API's app timezone, contract §4.3).
    Raises :class:`ProtocolError` naming ``where`` for anything else.
    """
    if not isinstance(value, str):
        raise _bad(where, "an ISO-8601 timestamp string", value)
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(where, "an ISO-8601 timestamp string", value) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class _Reader:
    """Reads typed fields from one JSON object, naming ``where.field`` in errors."""

    __slots__ = ("obj", "where")

    def __init__(self, obj: Any, where: str) -> None:
        if not isinstance(obj, Mapping):
            raise _bad(where, "an object", obj)
        self.obj = obj
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.obj:
            if required:
                raise ProtocolError("RASL sent data in an unexpected shape.", f"{self.where}.{key}: missing")
            return None
        return self.obj[key]

    def int(self, key: str, *, null: bool = False, required: bool = True) -> int | None:
        v = self._get(key, required and not null)
        if v is None and (null or not required):
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            # Some PHP serialisers send numeric strings for ids; accept plain digit strings only.
            if isinstance(v, str) and v.strip().lstrip("-").isdigit():
                return int(v)
            raise _bad(f"{self.where}.{key}", "an integer", v)
        return v

    def str(self, key: str, *, null: bool = False, required: bool = True) -> str | None:
        v = self._get(key, required and not null)
        if v is None and (null or not required):
            return None
        if not isinstance(v, str):
            raise _bad(f"{self.where}.{key}", "a string", v)
        return v

    def bool(self, key: str, *, default: bool = False) -> bool:
        v = self.obj.get(key, default)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        if isinstance(v, int) and v in (0, 1):  # MySQL tinyint leaking through
            return bool(v)
        raise _bad(f"{self.where}.{key}", "a boolean", v)

    def number(self, key: str, *, null: bool = False) -> float | None:
        v = self._get(key, not null)
        if v is None and null:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _bad(f"{self.where}.{key}", "a number", v)
        return float(v)

    def ts(self, key: str, *, null: bool = False, required: bool = True) -> datetime | None:
        v = self._get(key, required and not null)
        if v is None and (null or not required):
            return None
        return parse_timestamp(v, f"{self.where}.{key}")

    def int_list(self, key: str) -> tuple[int, ...]:
        v = self.obj.get(key)
        if v is None:
            return ()
        if not isinstance(v, list):
            raise _bad(f"{self.where}.{key}", "a list of integers", v)
        out = []
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, int):
                if isinstance(x, str) and x.isdigit():
                    x = int(x)
                else:
                    raise _bad(f"{self.where}.{key}[{i}]", "an integer", x)
            out.append(x)
        return tuple(out)


def unwrap_data(data: Any) -> Any:
    """Undo the GET-by-id double wrap: ``{"data": {...}}`` -> ``{...}`` (contract §3.1)."""
    if isinstance(data, Mapping) and len(data) == 1 and isinstance(data.get("data"), Mapping):
        return data["data"]
    return data


@dataclass(frozen=True)
class Source:
    """A contact source (``GET /sources``): id, name, created/updated as aware UTC datetimes."""

    id: int
    name: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, obj: Any, where: str = "source") -> "Source":
        """Parse one API object (``source`` in error messages); raises ProtocolError."""
        r = _Reader(unwrap_data(obj), where)
        return cls(r.int("id"), r.str("name"), r.ts("created_at", null=True), r.ts("updated_at", null=True))


@dataclass(frozen=True)
class Status:
    """A contact status (``GET /statuses``); ``color`` is ``#RRGGBB`` or None."""

    id: int
    name: str
    color: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, obj: Any, where: str = "status") -> "Status":
        """Parse one API object (``status`` in error messages); raises ProtocolError."""
        r = _Reader(unwrap_data(obj), where)
        return cls(r.int("id"), r.str("name"), r.str("color", null=True),
                   r.ts("created_at", null=True), r.ts("updated_at", null=True))


@dataclass(frozen=True)
class Group:
    """A contact group (``GET /groups``); membership lives on the contact's ``group_ids``."""

    id: int
    name: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, obj: Any, where: str = "group") -> "Group":
        """Parse one API object (``group`` in error messages); raises ProtocolError."""
        r = _Reader(unwrap_data(obj), where)
        return cls(r.int("id"), r.str("name"), r.ts("created_at", null=True), r.ts("updated_at", null=True))


@dataclass(frozen=True)
class Contact:
    """A contact (``GET /contacts``, contract §6.2). Times are aware UTC.

    ``group_ids`` is the API's ``group_id`` array. ``source_id``/``status_id`` may be None
    (legacy imports). ``source``/``status``/``groups`` are filled only with ``include=``.
    """

    id: int
    firstname: str | None
    lastname: str | None
    company: str | None
    type: str | None
    email: str | None
    phone: str | None
    status_id: int | None
    source_id: int | None
    assigned_id: int | None
    country_id: int | None
    city: str | None
    group_ids: tuple[int, ...]
    is_opted_out: bool
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    state: str | None = None
    zip: str | None = None
    address: str | None = None
    source: Source | None = field(default=None, compare=False)
    status: Status | None = field(default=None, compare=False)
    groups: tuple[Group, ...] | None = field(default=None, compare=False)

    @classmethod
    def from_api(cls, obj: Any, where: str = "contact") -> "Contact":
        """Parse one API object (``contact`` in error messages); raises ProtocolError."""
        obj = unwrap_data(obj)
        r = _Reader(obj, where)
        groups = None
        if isinstance(obj.get("groups"), list):
            groups = tuple(Group.from_api(g, f"{where}.groups[{i}]") for i, g in enumerate(obj["groups"]))
        elif obj.get("groups") is not None:
            raise _bad(f"{where}.groups", "a list", obj["groups"])
        return cls(
            id=r.int("id"),
            firstname=r.str("firstname", null=True),
            lastname=r.str("lastname", null=True),
            company=r.str("company", null=True),
            type=r.str("type", null=True),
            email=r.str("email", null=True),
            phone=r.str("phone", null=True),
            status_id=r.int("status_id", null=True),
            source_id=r.int("source_id", null=True),
            assigned_id=r.int("assigned_id", null=True),
            country_id=r.int("country_id", null=True),
            city=r.str("city", null=True),
            group_ids=r.int_list("group_id"),
            is_opted_out=r.bool("is_opted_out"),
            created_at=r.ts("created_at"),
            updated_at=r.ts("updated_at"),
            description=r.str("description", null=True),
            state=r.str("state", null=True),
            zip=r.str("zip", null=True),
            address=r.str("address", null=True),
            source=Source.from_api(obj["source"], f"{where}.source") if obj.get("source") is not None else None,
            status=Status.from_api(obj["status"], f"{where}.status") if obj.get("status") is not None else None,
            groups=groups,
        )


@dataclass(frozen=True)
class Pagination:
    """``meta.pagination`` of a list answer (contract §3.2), counts as integers.

    ``count`` is the number of items actually received: the contacts endpoint reports 1 on
    an empty page, so the server's value is not used for it. ``reported_count`` keeps the
    server's own ``count`` (``None`` when absent) so a page whose items disagree with it can be
    caught (:func:`rasl_data.api.pagination.page_problem`).
    """

    total: int
    count: int
    per_page: int
    current_page: int
    total_pages: int
    has_more: bool
    reported_count: int | None = None

    @classmethod
    def from_api(cls, obj: Any, n_items: int, where: str = "meta.pagination") -> "Pagination":
        """Parse one API object (``meta.pagination`` in error messages); raises ProtocolError."""
        r = _Reader(obj, where)
        has_more = obj.get("has_more")
        if not isinstance(has_more, bool):
            raise _bad(f"{where}.has_more", "a boolean", has_more)
        return cls(
            total=r.int("total"), count=n_items, per_page=r.int("per_page"),
            current_page=r.int("current_page"), total_pages=r.int("total_pages"), has_more=has_more,
            reported_count=_count_or_none(obj.get("count")),
        )


def _count_or_none(value: Any) -> int | None:
    """The server's ``count`` when it is a plain integer; anything else is ignored, not fatal."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list endpoint: parsed ``items``, its ``pagination`` and the ``page_no`` asked."""

    items: list[T]
    pagination: Pagination
    page_no: int


ContactPage = Page  # Page[Contact]; the name the sync engine uses.


@dataclass(frozen=True)
class Subscription:
    """Plan of the workspace (``GET /account`` ``subscription``)."""

    plan_name: str | None
    plan_id: int | None
    status: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class AccountInfo:
    """``GET /account``: the workspace the token belongs to."""

    id: int
    name: str
    subdomain: str | None
    status: str | None
    created_at: datetime | None
    subscription: Subscription | None

    @classmethod
    def from_api(cls, obj: Any, where: str = "account") -> "AccountInfo":
        """Parse one API object (``account`` in error messages); raises ProtocolError."""
        obj = unwrap_data(obj)
        r = _Reader(obj, where)
        sub = None
        if obj.get("subscription") is not None:
            s = _Reader(obj["subscription"], f"{where}.subscription")
            sub = Subscription(s.str("plan_name", null=True), s.int("plan_id", null=True),
                               s.str("status", null=True), s.ts("expires_at", null=True))
        return cls(r.int("id"), r.str("name"), r.str("subdomain", null=True), r.str("status", null=True),
                   r.ts("created_at", null=True), sub)


@dataclass(frozen=True)
class UsageCounter:
    """One usage line: ``current`` count, ``limit`` (None when unlimited), ``remaining``,
    ``percentage_used`` (0-100)."""

    current: int
    limit: int | None
    remaining: int | None
    percentage_used: float
    is_unlimited: bool


@dataclass(frozen=True)
class AccountUsage:
    """``GET /account/usage``: counters keyed ``contacts``, ``conversations``, ``campaigns``, ``staff``."""

    counters: dict[str, UsageCounter]

    @property
    def contacts(self) -> UsageCounter | None:
        """The contacts counter (current count against the plan's limit), if reported."""
        return self.counters.get("contacts")

    @classmethod
    def from_api(cls, obj: Any, where: str = "usage") -> "AccountUsage":
        """Parse one API object (``usage`` in error messages); raises ProtocolError."""
        obj = unwrap_data(obj)
        if not isinstance(obj, Mapping):
            raise _bad(where, "an object", obj)
        counters = {}
        for key, value in obj.items():
            r = _Reader(value, f"{where}.{key}")
            unlimited = r.bool("is_unlimited")
            limit = r.int("limit", null=True)
            counters[key] = UsageCounter(
                current=r.int("current"), limit=None if unlimited or limit == -1 else limit,
                remaining=r.int("remaining", null=True), percentage_used=r.number("percentage_used", null=True) or 0.0,
                is_unlimited=unlimited,
            )
        return cls(counters)


@dataclass(frozen=True)
class PlanLimit:
    """One plan limit: ``limit`` (None when unlimited), ``feature_name`` as RASL labels it."""

    limit: int | None
    feature_name: str | None
    is_unlimited: bool


@dataclass(frozen=True)
class AccountLimits:
    """``GET /account/limits``: ``limits`` by key and ``features`` on/off by key."""

    limits: dict[str, PlanLimit]
    features: dict[str, bool]

    @property
    def api_calls_per_minute(self) -> int | None:
        """The token's rate limit in requests per minute (None when unlimited or not reported)."""
        lim = self.limits.get("api_calls_per_minute")
        return lim.limit if lim else None

    @classmethod
    def from_api(cls, obj: Any, where: str = "limits") -> "AccountLimits":
        """Parse one API object (``limits`` in error messages); raises ProtocolError."""
        obj = unwrap_data(obj)
        r = _Reader(obj, where)
        raw_limits = r.obj.get("limits") or {}
        raw_features = r.obj.get("features") or {}
        if not isinstance(raw_limits, Mapping):
            raise _bad(f"{where}.limits", "an object", raw_limits)
        if not isinstance(raw_features, Mapping):
            raise _bad(f"{where}.features", "an object", raw_features)
        limits = {}
        for key, value in raw_limits.items():
            lr = _Reader(value, f"{where}.limits.{key}")
            unlimited = lr.bool("is_unlimited")
            limit = lr.int("limit", null=True)
            limits[key] = PlanLimit(None if unlimited or limit == -1 else limit,
                                    lr.str("feature_name", null=True), unlimited)
        features = {}
        for key, value in raw_features.items():
            if not isinstance(value, bool):
                raise _bad(f"{where}.features.{key}", "a boolean", value)
            features[key] = value
        return cls(limits, features)


@dataclass(frozen=True)
class SentMessage:
    """A WhatsApp message RASL accepted (``POST /messages/text`` or ``/messages/template``, §11.1).

    ``message_id`` RASL's message id (text or number in the answer, kept as text; may be None
    when absent), ``contact_id`` the contact RASL found or created for the phone, ``phone`` the
    number as RASL cleaned it (digits only), ``status`` (``sent``), ``sent_at`` aware UTC or
    None, ``template_name``/``language`` for a template message.
    """

    message_id: str | None
    contact_id: int | None
    phone: str | None
    status: str | None
    sent_at: datetime | None
    template_name: str | None = None
    language: str | None = None

    @classmethod
    def from_api(cls, obj: Any, where: str = "message") -> "SentMessage":
        """Parse the ``data`` of a send answer; tolerant of missing optional fields (the shape is
        read from RASL's code, not a recorded answer). Raises ProtocolError for a non-object."""
        r = _Reader(unwrap_data(obj), where)
        raw_id = r.obj.get("message_id", r.obj.get("id"))
        message_id = None if raw_id is None else str(raw_id)
        phone = r.obj.get("phone")
        return cls(message_id, r.int("contact_id", null=True), None if phone is None else str(phone),
                   r.str("status", null=True), r.ts("sent_at", null=True),
                   r.str("template_name", null=True, required=False), r.str("language", null=True, required=False))
