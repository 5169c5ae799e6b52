"""Retry policy and rate-limit pacing for the RASL client.

``should_retry`` and ``retry_delay`` are pure functions so they can be tested without sleeping.
``RateLimitPacer`` spaces requests from the ``X-RateLimit-*`` headers (contract §4.1) so a long
sync never receives a 429; its clock and sleep are injected.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

import httpx

from .errors import ProtocolError, RaslError, parse_retry_after

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Never wait longer than this for one Retry-After: the window is 60 s, so a larger value is
# a server or proxy mistake, and the caller's whole run should not stall on it.
MAX_RETRY_AFTER = 90.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0


class _Random(Protocol):
    def random(self) -> float: ...


def _not_sent(exc: BaseException) -> bool:
    """True when the request certainly never reached the server (safe to repeat any method)."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def should_retry(method: str, response_or_exc: Any, attempt: int, max_retries: int = 5) -> bool:
    """Whether to repeat a request after ``attempt`` (0-based) failed attempts.

    ``response_or_exc`` is an ``httpx.Response``, an ``httpx`` transport exception, or a
    :class:`ProtocolError` raised while decoding a body. GET is repeated on 429, 500/502/503/504,
    timeouts, connection failures and undecodable bodies. POST/PATCH/DELETE are repeated only
    when the request was certainly not applied: a 429 (the limiter runs before the handler) or a
    connection that was never made. Nothing is repeated once ``attempt >= max_retries``.
    """
    if attempt >= max_retries:
        return False
    idempotent = method.upper() in IDEMPOTENT_METHODS
    if isinstance(response_or_exc, httpx.Response):
        status = response_or_exc.status_code
        if status == 429:
            return True
        return idempotent and status in RETRY_STATUSES
    if isinstance(response_or_exc, ProtocolError):
        return idempotent and response_or_exc.transient
    if isinstance(response_or_exc, httpx.TransportError):
        return idempotent or _not_sent(response_or_exc)
    return False


def retry_delay(
    attempt: int,
    retry_after_header: str | None,
    now: float,
    rng: _Random,
    *,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    max_retry_after: float = MAX_RETRY_AFTER,
) -> float:
    """Seconds to wait before retry number ``attempt + 1``.

    A ``Retry-After`` header (delta seconds, or an HTTP date read against ``now`` in Unix
    seconds) wins, capped at ``max_retry_after``; a small jitter is added so parallel workers do
    not return in lockstep. Otherwise capped exponential backoff with "equal jitter":
    ``d/2 + U(0, d/2)`` where ``d = min(cap, base * 2**attempt)``; ``rng`` supplies ``random()``.
    """
    wait = parse_retry_after(retry_after_header, now)
    if wait is not None:
        return min(max_retry_after, wait) + 0.25 * rng.random()
    d = min(cap, base * (2 ** max(0, attempt)))
    return d / 2 + rng.random() * d / 2


@dataclass(frozen=True)
class RateLimitInfo:
    """The ``X-RateLimit-*`` headers of one answer; ``limit`` None when ``unlimited``."""

    limit: int | None
    remaining: int | None
    reset: float | None
    window: float
    unlimited: bool

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> "RateLimitInfo | None":
        """Parse the headers; None when the answer carries no rate-limit headers (auth errors)."""
        raw_limit = headers.get("X-RateLimit-Limit")
        if raw_limit is None:
            return None
        unlimited = raw_limit.strip().lower() == "unlimited"

        def num(name: str) -> float | None:
            v = headers.get(name)
            try:
                x = float(v) if v is not None else None
            except ValueError:
                return None
            return x if x is not None and math.isfinite(x) else None

        limit = None if unlimited else num("X-RateLimit-Limit")
        remaining = None if unlimited else num("X-RateLimit-Remaining")
        window = num("X-RateLimit-Window") or 60.0
        return cls(
            limit=int(limit) if limit and limit > 0 else None,
            remaining=int(remaining) if remaining is not None else None,
            reset=num("X-RateLimit-Reset"),
            window=window if window > 0 else 60.0,
            unlimited=unlimited,
        )


class RateLimitPacer:
    """Spaces requests so a per-token fixed window (default 60 s) is never exceeded.

    Two rules, both thread-safe:

    * spread: once the limit L is known, request start times are at least
      ``window / L * (1 + safety)`` seconds apart, so any 60-second span (fixed window however
      aligned, or sliding) holds fewer than L requests;
    * stop: when an answer reports ``Remaining: 0`` (another consumer shares the token), wait
      until its ``Reset``. The server computes Reset as now+60, which is never earlier than the
      true window end, so this is safe; it is clamped to one window to survive clock skew.
      An answer that also says ``Retry-After`` (a 429) is believed instead: the server computes
      it from the true window end, so waiting for Reset would cost up to a full window for
      nothing (``retry_delay``: "Retry-After wins"); it is capped at ``MAX_RETRY_AFTER``.

    ``clock`` returns Unix seconds; ``sleep`` takes seconds; ``on_wait(seconds)`` is told of
    each pause.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        *,
        safety: float = 0.02,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.safety = safety
        self.on_wait = on_wait
        self.limit: int | None = None
        self.window = 60.0
        self.unlimited = False
        self._next_slot = 0.0
        self._blocked_until = 0.0
        self._last_start = 0.0
        self._lock = threading.Lock()

    @property
    def interval(self) -> float:
        """Seconds between request starts (0 when unlimited or not yet known)."""
        if self.unlimited or not self.limit:
            return 0.0
        return self.window / self.limit * (1.0 + self.safety)

    def acquire(self) -> float:
        """Reserve the next request slot and sleep until it; returns seconds waited."""
        with self._lock:
            now = self.clock()
            start = max(now, self._next_slot, self._blocked_until)
            self._next_slot = start + self.interval
            self._last_start = start
        wait = start - now
        if wait > 0:
            if self.on_wait:
                self.on_wait(wait)
            self.sleep(wait)
        return max(0.0, wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate-limit headers (call for every answer)."""
        info = RateLimitInfo.from_headers(headers)
        if info is None:
            return
        with self._lock:
            now = self.clock()
            self.window = info.window
            self.unlimited = info.unlimited
            if info.unlimited:
                self.limit = None
                return
            if info.limit != self.limit:
                self.limit = info.limit
                # Slots handed out while the limit was unknown had no spacing: space from the last.
                self._next_slot = max(self._next_slot, self._last_start + self.interval)
            if info.remaining is not None and info.remaining <= 0:
                retry_after = parse_retry_after(headers.get("Retry-After"), now)
                if retry_after is not None:
                    until = now + min(retry_after, MAX_RETRY_AFTER)
                else:
                    until = now + self.window
                    if info.reset is not None:
                        until = now + min(max(info.reset - now, 0.0), self.window)
                self._blocked_until = max(self._blocked_until, until + 0.05)

    def backoff(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (after a 429 with Retry-After)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.clock() + seconds)


def is_retryable_error(err: RaslError) -> bool:
    """Errors a caller may reasonably try again later (rate limit, server, timeout, transport)."""
    from .errors import ConnectionFailedError, RateLimitedError, RequestTimeoutError, ServerError

    return isinstance(err, (RateLimitedError, ServerError, RequestTimeoutError, ConnectionFailedError)) or (
        isinstance(err, ProtocolError) and err.transient
    )
