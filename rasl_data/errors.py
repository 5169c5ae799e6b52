"""One error tree for everything that can go wrong when talking to the RASL v2 API.

Every failure the client raises is a :class:`RaslError`. Its ``title`` is one line a marketer can
act on, in the interface language in effect when the error is built (``rasl_data.i18n``: key names
such as ``RASL_API_TOKEN`` and RASL's own messages stay as they are); ``detail`` carries the
server's message and technical context for an expander, in English. The API
token never appears in any of them: the client passes it as ``secret`` and it is scrubbed.

HTTP answers are mapped to exceptions in exactly one place, :func:`error_from_response`, from the
status and the envelope's ``error.code`` (contract §2.3, §3.3). Transport failures (connect,
timeout) are mapped by :func:`error_from_transport`.
"""

from __future__ import annotations

import json
import math
import re
from email.utils import parsedate_to_datetime
from typing import Any, Mapping

from rasl_data.i18n import N_, _, ngettext
from rasl_data.i18n import format_number as _format_number

_SCOPE_RE = re.compile(r"Required scope:\s*([\w:*.-]+)")
_IN_USE_RE = re.compile(r"being used by\s+(\d+)\s+contact")
_REDACTED = "[redacted]"


def redact(text: str | None, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` (the API token) replaced; ``""`` for None."""
    if not text:
        return ""
    if secret and len(secret) >= 4:
        text = text.replace(secret, _REDACTED)
    return text


def redact_value(value: Any, secret: str | None) -> Any:
    """``value`` (JSON-like: dicts, lists, strings) with the secret scrubbed from every string."""
    if not secret:
        return value
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {redact_value(k, secret): redact_value(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(v, secret) for v in value]
    return value


class DashboardError(Exception):
    """Base of every error the dashboard shows a user: ``title`` is one plain-language line,
    ``detail`` the context behind it (may be empty). ``str(err)`` is the title.

    ``ui.errors.show_error`` draws any of them the same way (title + a details expander).
    """

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__(title)
        self.title = title
        self.detail = detail

class CacheError(DashboardError, RuntimeError):
    """The cache file cannot be used; ``title`` is a one-line message for the user."""


class CacheBusyError(CacheError):
    """Another writer (a sync from cron or another tab) holds the cache; try again shortly."""


class RaslError(DashboardError):
    """Base of every error the RASL client raises.

    Attributes: ``title`` (one plain-language line), ``detail`` (server message and context),
    ``status`` (HTTP status or ``None`` for transport failures), ``code`` (envelope
    ``error.code`` or ``None``), ``request_id`` (envelope ``meta.request_id`` when present).
    ``str(err)`` is the title. Without a ``title`` the class's ``default_title`` (marked with
    ``N_``) is translated when the error is built.
    """

    default_title = N_("The RASL API request failed.")

    def __init__(
        self,
        title: str | None = None,
        detail: str = "",
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        secret: str | None = None,
        details: Any = None,
    ) -> None:
        self.title = redact(title or _(self.default_title), secret)
        self.detail = redact(detail, secret)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.details = redact_value(details, secret)
        Exception.__init__(self, self.title)

    def __str__(self) -> str:
        return self.title

    def __repr__(self) -> str:
        return f"{type(self).__name__}(title={self.title!r}, status={self.status!r}, code={self.code!r})"


class AuthenticationError(RaslError):
    """401: the token is missing, unknown, revoked or expired (see ``code``)."""

    default_title = N_("The API token was rejected. Check RASL_API_TOKEN.")


class InsufficientScopeError(RaslError):
    """403 ``INSUFFICIENT_SCOPE``; ``scope`` is the permission the token lacks (or ``None``)."""

    default_title = N_("The API token is missing a permission.")

    def __init__(self, *args: Any, scope: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope


class IpNotAllowedError(RaslError):
    """403 ``IP_NOT_WHITELISTED``: the token only works from listed IP addresses."""

    default_title = N_("This computer's IP address is not on the API token's allow-list.")


class PlanLimitError(RaslError):
    """403 ``FEATURE_LIMIT_EXCEEDED`` (or another 403): ``details`` holds feature/current/maximum."""

    default_title = N_("The RASL plan limit was reached.")


class NotFoundError(RaslError):
    """404: the record (or the API address itself) does not exist."""

    default_title = N_("RASL could not find that record.")


class ValidationError(RaslError):
    """422: ``fields`` maps field name -> list of the server's messages."""

    default_title = N_("RASL rejected the data sent.")

    def __init__(self, *args: Any, fields: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields: dict[str, list[str]] = fields or {}


class ConflictError(RaslError):
    """409: e.g. deleting a source still used by contacts; ``contacts_in_use`` parsed when given."""

    default_title = N_("RASL refused the change because the record is in use.")

    def __init__(self, *args: Any, contacts_in_use: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contacts_in_use = contacts_in_use


class RateLimitedError(RaslError):
    """429 after retries ran out; ``retry_after`` is the server's wait in seconds (or ``None``)."""

    default_title = N_("RASL is rate limiting this token; try again in a minute.")

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(RaslError):
    """5xx from RASL or a proxy in front of it."""

    default_title = N_("RASL had a server error; try again later.")


class ProtocolError(RaslError):
    """The answer is not a RASL v2 envelope: not JSON, an HTML page, cut off, wrong types, v1.

    ``transient`` is True when the body could not be decoded at all (a proxy page, a truncated
    body): such a GET is worth repeating; a well-formed body of the wrong shape is not.
    """

    default_title = N_("RASL sent an answer this dashboard does not understand.")

    def __init__(self, *args: Any, transient: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.transient = transient


class ConnectionFailedError(RaslError):
    """The connection to RASL could not be made (DNS, refused, TLS, dropped)."""

    default_title = N_("Could not connect to RASL. Check the internet connection and RASL_BASE_URL.")


class RequestTimeoutError(RaslError):
    """RASL did not answer within the timeout."""

    default_title = N_("RASL did not answer in time; try again later.")


_AUTH_TITLES = {
    "AUTHENTICATION_REQUIRED": N_("No API token was sent. Set RASL_API_TOKEN."),
    "INVALID_TOKEN": N_("The API token was rejected: it is invalid. Check RASL_API_TOKEN."),
    "TOKEN_REVOKED": N_("The API token was rejected: it has been revoked. Create a new token in RASL and update "
                        "RASL_API_TOKEN."),
    "TOKEN_EXPIRED": N_("The API token was rejected: it has expired. Create a new token in RASL and update "
                        "RASL_API_TOKEN."),
}


def parse_retry_after(value: Any, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date), else None.

    ``now`` (Unix seconds) is needed only for the date form. Negative results become 0.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return max(0.0, float(value)) if math.isfinite(value) else None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or now is None:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith("<!doctype") or head.startswith("<html") or "<body" in head or "<head" in head


def decode_body(status: int, body: bytes, content_type: str = "", *, secret: str | None = None) -> Any:
    """The JSON value of a response body; :class:`ProtocolError` (``transient=True``) if undecodable."""
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        raise ProtocolError(
            _("RASL sent an empty answer."),
            f"HTTP {status} with an empty body.",
            status=status, transient=True, secret=secret,
        )
    if "html" in content_type.lower() or _looks_like_html(text):
        raise ProtocolError(
            _("A web page came back instead of RASL data; a proxy or login page may be in the way."),
            f"HTTP {status}, content type {content_type or 'unknown'}: {text[:300]}",
            status=status, transient=True, secret=secret,
        )
    try:
        return json.loads(text)
    except ValueError as err:
        raise ProtocolError(
            _("RASL sent an incomplete or malformed answer."),
            f"HTTP {status}: the body is not valid JSON ({err}); first bytes: {text[:200]}",
            status=status, transient=True, secret=secret,
        ) from err


def is_v1_envelope(payload: Any) -> bool:
    """True for the legacy v1 shape ``{"status": "success"|"error", ...}`` (contract §14)."""
    return isinstance(payload, dict) and "success" not in payload and payload.get("status") in ("success", "error")


def error_from_response(
    status: int,
    payload: Any,
    headers: Mapping[str, str] | None = None,
    *,
    secret: str | None = None,
    now: float | None = None,
) -> RaslError:
    """The one mapping from an HTTP error answer to a :class:`RaslError` subclass.

    ``payload`` is the decoded JSON body (or ``None`` when there was none); ``headers`` the
    response headers (``Retry-After`` is read for 429); ``secret`` the token to scrub; ``now``
    Unix seconds for an HTTP-date ``Retry-After``. Returns the error, never raises it.
    """
    a = _Answer(status, payload, secret)
    if status == 429:
        return _rate_limited(a, payload, headers or {}, now)
    if is_v1_envelope(payload):
        return ProtocolError(
            _("The address points at RASL's old v1 API. Set RASL_BASE_URL to https://getrasl.io/api/v2."),
            a.detail, **a.common,
        )
    by_status = {401: _unauthorised, 403: _forbidden, 404: _not_found, 409: _conflict, 422: _rejected}
    if status in by_status:
        return by_status[status](a, secret)
    if status >= 500:
        return ServerError(_("RASL had a server error (HTTP {status}); try again later.").format(status=status),
                           a.detail, **a.common)
    if not a.envelope:
        return ProtocolError(None, a.detail, **a.common)
    return RaslError(_("RASL refused the request (HTTP {status}).").format(status=status), a.detail, **a.common)


class _Answer:
    """The parts of an error answer every mapping step reads (envelope ``error``/``meta`` or a bare
    ``{"message": ...}``), and the keyword arguments every error gets (``common``)."""

    def __init__(self, status: int, payload: Any, secret: str | None) -> None:
        self.envelope = isinstance(payload, dict) and isinstance(payload.get("error"), dict)
        err = payload.get("error") if self.envelope else {}
        self.code = err.get("code") if isinstance(err.get("code"), str) else None
        self.message = err.get("message") if isinstance(err.get("message"), str) else ""
        self.details = err.get("details")
        meta = payload.get("meta") if isinstance(payload, dict) and isinstance(payload.get("meta"), dict) else {}
        self.meta = meta
        request_id = meta.get("request_id") if isinstance(meta.get("request_id"), str) else None
        if not self.envelope and isinstance(payload, dict) and isinstance(payload.get("message"), str):
            self.message = payload["message"]  # framework or v1 error body {"message": ...}
        self.detail = (f"HTTP {status}" + (f" {self.code}" if self.code else "")
                       + (f": {self.message}" if self.message else ""))
        self.common = dict(status=status, code=self.code, request_id=request_id, secret=secret, details=self.details)



def _rate_limited(a: _Answer, payload: Any, headers: Mapping[str, str], now: float | None) -> RaslError:
    """429: how long RASL asked to wait, from ``Retry-After`` or a ``retry_after`` in the body."""
    retry_after = parse_retry_after(headers.get("Retry-After") or headers.get("retry-after"), now)
    if retry_after is None:
        details = a.details if isinstance(a.details, dict) else {}
        for holder in (a.meta, details, payload if isinstance(payload, dict) else {}):
            retry_after = parse_retry_after(holder.get("retry_after"), now)
            if retry_after is not None:
                break
    title = (_("RASL is rate limiting this token; it asked to wait {seconds} s.").format(
        seconds=_format_number(retry_after)) if retry_after is not None else None)  # None: the class's title
    return RateLimitedError(title, a.detail, retry_after=retry_after, **a.common)


def _unauthorised(a: _Answer, secret: str | None) -> RaslError:
    title = _(_AUTH_TITLES[a.code]) if a.code in _AUTH_TITLES else None  # None: the class's title
    if a.code == "INVALID_TOKEN" and "tenant" in a.message.lower():
        title = _("The API token was rejected: its workspace no longer exists. Check RASL_API_TOKEN.")
    return AuthenticationError(title, a.detail, **a.common)


def _forbidden(a: _Answer, secret: str | None) -> RaslError:
    """403: a missing scope, an IP allow-list, or a plan limit."""
    if a.code == "INSUFFICIENT_SCOPE":
        m = _SCOPE_RE.search(a.message)
        scope = m.group(1) if m else None
        title = (_("The API token lacks the '{scope}' permission. Add it to the token in RASL.").format(scope=scope)
                 if scope else _("The API token lacks a permission this action needs."))
        return InsufficientScopeError(title, a.detail, scope=scope, **a.common)
    if a.code == "IP_NOT_WHITELISTED":
        return IpNotAllowedError(None, a.detail, **a.common)
    if a.code == "FEATURE_LIMIT_EXCEEDED":
        feature = a.details.get("feature") if isinstance(a.details, dict) else None
        title = (_("The RASL plan limit for {feature} was reached. Upgrade the plan or free some up.").format(
            feature=feature) if feature else None)
        return PlanLimitError(title, a.detail, **a.common)
    return PlanLimitError(_("RASL refused this action for this account."), a.detail, **a.common)


def _not_found(a: _Answer, secret: str | None) -> RaslError:
    if not a.envelope:
        return NotFoundError(
            _("RASL did not recognise this address. Check that RASL_BASE_URL ends with /api/v2."),
            a.detail, **a.common,
        )
    return NotFoundError(a.message.rstrip(".") + "." if a.message else None, a.detail, **a.common)


def _conflict(a: _Answer, secret: str | None) -> RaslError:
    m = _IN_USE_RE.search(a.message)
    n = int(m.group(1)) if m else None
    title = (ngettext("RASL refused: it is still used by {count} contact. Move it first.",
                      "RASL refused: it is still used by {count} contacts. Move them first.", n).format(
        count=_format_number(n)) if n is not None else None)
    return ConflictError(title, a.detail, contacts_in_use=n, **a.common)


def _rejected(a: _Answer, secret: str | None) -> RaslError:
    """422: the field messages (``error.details``, or ``error.details.errors`` for /messages/*)."""
    fields: dict[str, list[str]] = {}
    details = a.details
    if isinstance(details, dict) and isinstance(details.get("errors"), dict):
        details_fields = details["errors"]  # POST /messages/* nest them one level deeper (§11.1)
    else:
        details_fields = details
    if isinstance(details_fields, dict):
        for key, msgs in details_fields.items():
            if isinstance(msgs, list) and msgs and all(isinstance(x, str) for x in msgs):
                fields[redact(str(key), secret)] = [redact(m, secret) for m in msgs]
            elif isinstance(msgs, str):
                fields[redact(str(key), secret)] = [redact(msgs, secret)]
    first = next((m[0] for m in fields.values() if m), "") or a.message
    title = _("RASL rejected the data: {message}").format(message=first) if first else None
    return ValidationError(title, a.detail, fields=fields, **a.common)


def error_from_transport(exc: BaseException, *, secret: str | None = None, what: str = "") -> RaslError:
    """Map an ``httpx`` transport exception to :class:`RequestTimeoutError`,
    :class:`ConnectionFailedError` or :class:`ProtocolError` (``transient=True``)."""
    import httpx  # local: keeps this module importable without the HTTP stack

    where = f" ({what})" if what else ""
    text = f"{type(exc).__name__}{where}: {exc}"
    if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.PoolTimeout):
        return RequestTimeoutError(None, text, secret=secret)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return ProtocolError(_("The connection to RASL broke off mid-answer."), text, transient=True, secret=secret)
    return ConnectionFailedError(None, text, secret=secret)
