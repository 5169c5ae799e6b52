"""Retry policy and rate-limit pacing for the RASL client.

``should_retry`` and ``retry_delay`` are pure functions so they can be tested without sleeping.
``RateLimitPacer`` spends each fixed window's budget from the ``X-RateLimit-*`` headers
(contract §4.1) and waits for the window's end only when the budget is spent, so a sync that
fits in the window is not slowed and a long one never receives a 429; its clock and sleep are
injected.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol

import httpx

from rasl_data.errors import ProtocolError, RaslError, RateLimitedError, parse_retry_after
from rasl_data.i18n import _, format_number

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


def describe_wait(seconds: float) -> str:
    """A wait in the user's terms: ``45 s``, ``3 min``, ``1 h 30 min``, ``24 h``."""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return _("{seconds} s").format(seconds=format_number(max(1, round(seconds))))
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return _("{minutes} min").format(minutes=format_number(minutes))
    hours, rest = divmod(minutes, 60)
    if rest:
        return _("{hours} h {minutes} min").format(hours=format_number(hours), minutes=format_number(rest))
    return _("{hours} h").format(hours=format_number(hours))


class WaitTooLongError(RateLimitedError):
    """RASL asked for a pause longer than the caller accepts (``max_wait``); nothing was waited.

    ``retry_after`` is the wait RASL asked for, in seconds.
    """

    def __init__(self, seconds: float, max_wait: float) -> None:
        super().__init__(
            _("RASL asks to wait {wait} before the next request, longer than the {limit} this sync may wait, so it "
              "stopped and the previous data is kept; try again later (RASL_MAX_RETRY_WAIT or sync --max-wait "
              "allow longer waits).").format(wait=describe_wait(seconds), limit=describe_wait(max_wait)),
            f"wait asked {seconds:.0f} s, max wait {max_wait:.0f} s",
            status=429, retry_after=seconds,
        )


# A Reset header below this is read as seconds to wait (a delta); above, as a Unix time.
_RESET_DELTA_MAX = 1e8


class RateLimitPacer:
    """Spends a fixed window's request budget at once and waits only when it runs out.

    RASL counts requests per token in a fixed 60-second window that opens with the first
    request after the previous one closed (contract §4.1). Spreading requests evenly over the
    window wastes time whenever the work fits in what is left of it, so the pacer instead:

    * lets requests through at full concurrency while the window's budget lasts: the limit
      minus the requests this client started in the window minus those another consumer of the
      token is known to have made (``Limit - Remaining`` beyond our own);
    * when the budget is spent, waits once for the window's end, then starts a new window with a
      full budget. The end is the tightest of upper bounds: every request of the window arrived
      after it opened, so it ends by any answer's return time + ``Window`` (the first answer
      gives the tightest); and ``X-RateLimit-Reset`` read as a Unix time or, when small, as
      seconds to go (RASL computes it as now + 60, never earlier than the true end);
    * after a 429 waits the ``Retry-After`` it carries (the server's own distance to the end).

    A wait longer than ``max_wait`` seconds raises :class:`WaitTooLongError` at once.
    ``clock`` returns Unix seconds, ``sleep`` takes seconds; ``on_wait(seconds, reason)`` is told
    of each pause (``reason`` ``budget`` or ``429``), once per pause even with many workers.
    Thread-safe. :meth:`try_acquire` never sleeps, so a caller can keep consuming finished work
    while the budget is out.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        *,
        on_wait: Callable[[float, str], None] | None = None,
        max_wait: float | None = None,
        margin: float = 0.25,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.on_wait = on_wait
        self.max_wait = max_wait
        self.margin = margin
        self.limit: int | None = None
        self.window = 60.0
        self.unlimited = False
        self.epoch = 0
        self.sent = 0  # requests started in the current window
        self.external = 0  # requests another consumer made in it (a lower bound)
        self.ends: float | None = None  # upper bound of the current window's end, our clock
        self.blocked_until = 0.0  # a 429's Retry-After
        self._pause_until: float | None = None  # a pause some thread is sleeping out
        self._cond = threading.Condition()

    @property
    def budget(self) -> int | None:
        """Requests that may still start in the current window (None: no limit known)."""
        if self.unlimited or not self.limit:
            return None
        return self.limit - self.sent - self.external

    def _needed_wait(self, now: float) -> tuple[float, str]:
        """(seconds, reason) before the next request may start; (0, "") when it may start now."""
        if now < self.blocked_until:
            return self.blocked_until - now, "429"
        budget = self.budget
        if budget is None or budget > 0:
            return 0.0, ""
        if self.ends is None:
            self.ends = now + self.window
        if now >= self.ends:
            self._new_window()
            return 0.0, ""
        return self.ends - now, "budget"

    def _new_window(self) -> None:
        self.epoch += 1
        self.sent = 0
        self.external = 0
        self.ends = None

    def try_acquire(self) -> tuple[int | None, float]:
        """Start a request if the budget allows: ``(ticket, 0.0)``; else ``(None, seconds to wait)``.

        The ticket (the window number) goes back to :meth:`observe` with the answer.
        """
        with self._cond:
            wait, _ = self._needed_wait(self.clock())
            if wait > 0 or self._pause_until is not None:
                return None, max(wait, 0.0)
            self.sent += 1
            return self.epoch, 0.0

    def acquire(self) -> int:
        """Start a request, sleeping first while the budget is spent; returns its ticket.

        Raises :class:`WaitTooLongError` when the wait would exceed ``max_wait``.
        """
        with self._cond:
            while True:
                if self._pause_until is not None:  # another thread sleeps the pause out for us
                    self._cond.wait(timeout=1.0)
                    continue
                now = self.clock()
                wait, reason = self._needed_wait(now)
                if wait <= 0:
                    self.sent += 1
                    return self.epoch
                if self.max_wait is not None and wait > self.max_wait:
                    raise WaitTooLongError(wait, self.max_wait)
                wait += self.margin
                self._pause_until = now + wait
                self._cond.release()
                try:
                    if self.on_wait:  # outside the lock: it may report progress
                        self.on_wait(wait, reason)
                    self.sleep(wait)
                finally:
                    self._cond.acquire()
                    self._pause_until = None
                    self._cond.notify_all()

    def observe(self, headers: Mapping[str, str], ticket: int | None = None, at: float | None = None) -> None:
        """Learn from one answer's rate-limit headers (call for every answer).

        ``ticket`` is what :meth:`acquire` returned for the request (answers from an earlier
        window teach only the limit); ``at`` the Unix time the answer came back (default now).
        """
        info = RateLimitInfo.from_headers(headers)
        if info is None:
            return
        with self._cond:
            now = self.clock() if at is None else at
            self.window = info.window
            self.unlimited = info.unlimited
            if info.unlimited:
                self.limit = None
                return
            self.limit = info.limit
            retry_after = parse_retry_after(headers.get("Retry-After"), now)
            if retry_after is not None and (info.remaining is None or info.remaining <= 0):
                # A 429 (or an exhausted answer) says exactly how long the window has left.
                self.blocked_until = max(self.blocked_until, now + retry_after)
                self._new_window()
                self.ends = now + retry_after
                return
            if ticket is not None and ticket != self.epoch:
                return
            if info.remaining is None or not self.limit:
                return
            # Every request of this window arrived after it opened, so it ends within one window
            # of any answer; the answer that opened it gives the tightest bound.
            bounds = [now + self.window]
            if info.reset is not None:
                reset_at = now + info.reset if info.reset < _RESET_DELTA_MAX else info.reset + 1.0
                if reset_at > now:  # a Reset already past is a skewed server clock: ignore it
                    bounds.append(reset_at)
            end = min(bounds)
            self.ends = end if self.ends is None else min(self.ends, end)
            counted = self.limit - info.remaining  # by the server, in this window
            self.external = max(self.external, counted - self.sent)
            self._cond.notify_all()

    def backoff(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (a 429 without rate-limit headers)."""
        with self._cond:
            self.blocked_until = max(self.blocked_until, self.clock() + seconds)


def is_retryable_error(err: RaslError) -> bool:
    """Errors a caller may reasonably try again later (rate limit, server, timeout, transport)."""
    from rasl_data.errors import ConnectionFailedError, RateLimitedError, RequestTimeoutError, ServerError

    return isinstance(err, (RateLimitedError, ServerError, RequestTimeoutError, ConnectionFailedError)) or (
        isinstance(err, ProtocolError) and err.transient
    )
