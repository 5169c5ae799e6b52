"""Typed records for RASL v2 objects, parsed tolerantly from the API's JSON (contract §5–§9).

Parsing rules: unknown fields are ignored; documented nullable fields (and ``source_id`` /
``status_id``, null on legacy imports) accept ``null``; timestamps in either form
(``2026-01-15T10:00:00+00:00`` or ``2026-01-15T10:00:00.000000Z``) become aware UTC datetimes;
a value of the wrong type raises :class:`~rasl_data.errors.ProtocolError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, Mapping, Self, TypeVar

from rasl_data.api.fields import FieldReader, parse_timestamp, shape_error, unwrap_data  # noqa: F401 (re-exported)

T = TypeVar("T")


@dataclass(frozen=True)
class NamedRecord:
    """A record with an id, a name and created/updated times (aware UTC): what sources and groups are.

    ``from_api`` names the record by ``WHERE`` (``source``, ``group``) in error messages.
    """

    WHERE: ClassVar[str] = "record"

    id: int
    name: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_api(cls, obj: Any, where: str | None = None) -> Self:
        """Parse one API object (``where``, default ``cls.WHERE``, in error messages); raises ProtocolError."""
        r = FieldReader(unwrap_data(obj), where or cls.WHERE)
        return cls(r.int("id"), r.str("name"), r.ts("created_at", null=True), r.ts("updated_at", null=True))


@dataclass(frozen=True)
class Source(NamedRecord):
    """A contact source (``GET /sources``): id, name, created/updated as aware UTC datetimes."""

    WHERE: ClassVar[str] = "source"


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
        r = FieldReader(unwrap_data(obj), where)
        return cls(r.int("id"), r.str("name"), r.str("color", null=True),
                   r.ts("created_at", null=True), r.ts("updated_at", null=True))


@dataclass(frozen=True)
class Group(NamedRecord):
    """A contact group (``GET /groups``); membership lives on the contact's ``group_ids``."""

    WHERE: ClassVar[str] = "group"


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
        r = FieldReader(obj, where)
        groups = None
        if isinstance(obj.get("groups"), list):
            groups = tuple(Group.from_api(g, f"{where}.groups[{i}]") for i, g in enumerate(obj["groups"]))
        elif obj.get("groups") is not None:
            raise shape_error(f"{where}.groups", "a list", obj["groups"])
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
        r = FieldReader(obj, where)
        has_more = obj.get("has_more")
        if not isinstance(has_more, bool):
            raise shape_error(f"{where}.has_more", "a boolean", has_more)
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
        r = FieldReader(obj, where)
        sub = None
        if obj.get("subscription") is not None:
            s = FieldReader(obj["subscription"], f"{where}.subscription")
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
            raise shape_error(where, "an object", obj)
        counters = {}
        for key, value in obj.items():
            r = FieldReader(value, f"{where}.{key}")
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
        r = FieldReader(obj, where)
        raw_limits = r.obj.get("limits") or {}
        raw_features = r.obj.get("features") or {}
        if not isinstance(raw_limits, Mapping):
            raise shape_error(f"{where}.limits", "an object", raw_limits)
        if not isinstance(raw_features, Mapping):
            raise shape_error(f"{where}.features", "an object", raw_features)
        limits = {}
        for key, value in raw_limits.items():
            lr = FieldReader(value, f"{where}.limits.{key}")
            unlimited = lr.bool("is_unlimited")
            limit = lr.int("limit", null=True)
            limits[key] = PlanLimit(None if unlimited or limit == -1 else limit,
                                    lr.str("feature_name", null=True), unlimited)
        features = {}
        for key, value in raw_features.items():
            if not isinstance(value, bool):
                raise shape_error(f"{where}.features.{key}", "a boolean", value)
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
        r = FieldReader(unwrap_data(obj), where)
        raw_id = r.obj.get("message_id", r.obj.get("id"))
        message_id = None if raw_id is None else str(raw_id)
        phone = r.obj.get("phone")
        return cls(message_id, r.int("contact_id", null=True), None if phone is None else str(phone),
                   r.str("status", null=True), r.ts("sent_at", null=True),
                   r.str("template_name", null=True, required=False), r.str("language", null=True, required=False))
