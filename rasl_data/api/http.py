"""The HTTP engine under :class:`rasl_data.api.client.RaslClient`: one ``httpx.Client``, pacing, retries, error mapping.

:class:`PacedHttp` builds the one ``httpx.Client`` (base URL, timeouts, auth header, user agent,
an injectable transport), paces every request from the rate-limit headers
(:class:`~rasl_data.api.retry.RateLimitPacer`), retries what is safe to retry
(:func:`~rasl_data.api.retry.should_retry`, :func:`~rasl_data.api.retry.retry_delay`) and maps
every failure to :mod:`rasl_data.errors` (:func:`~rasl_data.errors.error_from_response`,
:func:`~rasl_data.errors.error_from_transport`). The endpoints are methods of ``RaslClient``.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Callable, Mapping, Self

import httpx

from rasl_data.api.retry import RateLimitPacer, WaitTooLongError, retry_delay, should_retry
from rasl_data.errors import (
    NotFoundError,
    ProtocolError,
    RaslError,
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
# What one step of a request returns when the attempt is to be made again (after its backoff).
_RETRY = object()


class PacedHttp:
    """Paced, retrying requests to one RASL workspace (one token); the base of ``RaslClient``.

    The arguments, counters and events are described on :class:`rasl_data.api.client.RaslClient`.
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

    def __enter__(self) -> Self:
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
                if not should_retry(method, exc, attempt, retries):
                    raise error_from_transport(exc, secret=self._token, what=f"{method} {path}") from exc
                self._backoff(attempt, method, path, type(exc).__name__)
                attempt, ticket = attempt + 1, None
                continue
            self._pacer.observe(resp.headers, ticket, self.clock())
            ticket = None
            payload = self._read_answer(method, path, resp, attempt, retries)
            if payload is not _RETRY:
                return payload
            attempt += 1

    def _read_answer(self, method: str, path: str, resp: httpx.Response, attempt: int, retries: int) -> Any:
        """The success envelope of ``resp``, or ``_RETRY`` after backing off; raises the mapped error."""
        status = resp.status_code
        try:
            payload = decode_body(status, resp.content, resp.headers.get("content-type", ""), secret=self._token)
        except ProtocolError as err:
            if status >= 400:
                return self._failed_answer(method, path, resp, None, err, attempt, retries)
            if should_retry(method, err, attempt, retries):
                self._backoff(attempt, method, path, "undecodable body")
                return _RETRY
            raise
        if status >= 400:
            return self._failed_answer(method, path, resp, payload, None, attempt, retries)
        return self._success_envelope(method, path, resp, payload)

    def _failed_answer(self, method: str, path: str, resp: httpx.Response, payload: Any,
                       decode_err: ProtocolError | None, attempt: int, retries: int) -> Any:
        """An HTTP error answer: ``_RETRY`` after backing off when it is worth repeating, else raise
        its :class:`RaslError` (with the decoding problem, if any, added to the detail)."""
        status = resp.status_code
        if should_retry(method, resp, attempt, retries):
            retry_after = resp.headers.get("Retry-After")
            if retry_after is None and isinstance(payload, dict) and isinstance(payload.get("meta"), dict):
                retry_after = payload["meta"].get("retry_after")
            self._backoff(attempt, method, path, f"HTTP {status}", retry_after, rate_limited=status == 429)
            return _RETRY
        err = error_from_response(status, payload, resp.headers, secret=self._token, now=self.clock())
        if decode_err is not None:
            err.detail = (err.detail + " | " + decode_err.detail).strip(" |")
        raise err from decode_err

    def _success_envelope(self, method: str, path: str, resp: httpx.Response, payload: Any) -> dict:
        """``payload`` when it is a v2 success envelope (``"success": true``); else the mapped error."""
        if isinstance(payload, dict) and payload.get("success") is True:
            return payload
        status = resp.status_code
        if is_v1_envelope(payload) or (isinstance(payload, dict) and payload.get("success") is False):
            raise error_from_response(status, payload, resp.headers, secret=self._token)
        raise ProtocolError(
            None, f"HTTP {status} {method} {path}: the body is not a RASL v2 envelope "
                  f"(no \"success\": true)", status=status, secret=self._token)

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

    def call(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None) -> dict:
        """Any other endpoint (e.g. ``POST /groups``, ``DELETE /contacts/batch``): the decoded
        success envelope as a dict, with the same pacing, retry rules and error mapping."""
        return self._request(method.upper(), path, params=params, json=json)
