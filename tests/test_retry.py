"""Retry policy and pacing as pure functions: no sleeping, no network."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest
from client_support import FakeClock  # starts at 2026-01-15 10:00 UTC (1,768,471,200 s)

from rasl_data.api.retry import RateLimitInfo, RateLimitPacer, WaitTooLongError, describe_wait, retry_delay, should_retry
from rasl_data.errors import ProtocolError, parse_retry_after

REQ = httpx.Request("GET", "https://getrasl.io/api/v2/contacts")


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize("status, expected", [
    (429, True), (500, True), (502, True), (503, True), (504, True),
    (400, False), (401, False), (403, False), (404, False), (409, False), (422, False), (200, False),
])
def test_get_is_retried_on_429_and_5xx_only(status, expected):
    assert should_retry("GET", httpx.Response(status, request=REQ), 0) is expected


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_writes_are_not_retried_on_5xx_or_read_timeout(method):
    assert should_retry(method, httpx.Response(500, request=REQ), 0) is False
    assert should_retry(method, httpx.Response(503, request=REQ), 0) is False
    assert should_retry(method, httpx.ReadTimeout("slow", request=REQ), 0) is False


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_writes_are_retried_when_certainly_not_applied(method):
    # The limiter answers before the handler runs, and a refused connection sent nothing.
    assert should_retry(method, httpx.Response(429, request=REQ), 0) is True
    assert should_retry(method, httpx.ConnectError("refused", request=REQ), 0) is True
    assert should_retry(method, httpx.ConnectTimeout("slow", request=REQ), 0) is True


def test_get_retried_on_transport_failures_and_garbled_bodies():
    assert should_retry("GET", httpx.ReadTimeout("slow", request=REQ), 0)
    assert should_retry("GET", httpx.ConnectError("refused", request=REQ), 0)
    assert should_retry("GET", httpx.RemoteProtocolError("cut", request=REQ), 0)
    assert should_retry("GET", ProtocolError("x", transient=True), 0)
    assert not should_retry("GET", ProtocolError("wrong types", transient=False), 0)
    assert not should_retry("POST", ProtocolError("x", transient=True), 0)


def test_no_retry_after_max_attempts():
    resp = httpx.Response(503, request=REQ)
    assert should_retry("GET", resp, 4, max_retries=5)
    assert not should_retry("GET", resp, 5, max_retries=5)
    assert not should_retry("GET", resp, 0, max_retries=0)


def test_retry_after_seconds_wins_with_small_jitter():
    assert retry_delay(0, "42", 0.0, FixedRandom(0.0)) == 42.0
    assert retry_delay(3, "42", 0.0, FixedRandom(1.0)) == pytest.approx(42.25)


def test_retry_after_http_date():
    now = 1_768_471_200.0
    header = formatdate(now + 30, usegmt=True)
    assert retry_delay(0, header, now, FixedRandom(0.0)) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now) == 0.0


def test_retry_after_is_capped():
    assert retry_delay(0, "3600", 0.0, FixedRandom(0.0)) == 90.0


def test_exponential_backoff_with_equal_jitter_is_capped():
    # d = min(30, 0.5 * 2**attempt); wait in [d/2, d]
    assert retry_delay(0, None, 0.0, FixedRandom(0.0)) == 0.25
    assert retry_delay(0, None, 0.0, FixedRandom(1.0)) == 0.5
    assert retry_delay(3, None, 0.0, FixedRandom(0.5)) == pytest.approx(3.0)  # d=4 -> 2 + 1
    assert retry_delay(20, None, 0.0, FixedRandom(1.0)) == 30.0
    assert retry_delay(20, "not a date", 0.0, FixedRandom(0.0)) == 15.0


def test_rate_limit_headers_parsed_both_ways():
    info = RateLimitInfo.from_headers({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "59",
                                       "X-RateLimit-Reset": "1768471260", "X-RateLimit-Window": "60"})
    assert (info.limit, info.remaining, info.reset, info.window, info.unlimited) == (60, 59, 1768471260.0, 60.0, False)
    info = RateLimitInfo.from_headers({"X-RateLimit-Limit": "unlimited", "X-RateLimit-Remaining": "unlimited"})
    assert info.unlimited and info.limit is None
    assert RateLimitInfo.from_headers({}) is None


def headers(remaining, reset, limit=60, **extra):
    h = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Window": "60"}
    if reset is not None:
        h["X-RateLimit-Reset"] = str(reset)
    h.update(extra)
    return h


def test_pacer_spends_the_budget_at_once_then_waits_once_for_the_window_end():
    clock = FakeClock()
    waits = []
    pacer = RateLimitPacer(clock, clock.sleep, on_wait=lambda s, r: waits.append((s, r)), margin=0.25)
    t0 = clock.t
    pacer.observe(headers(59, int(t0) + 60), pacer.acquire())  # this request opened the window
    for _i in range(59):  # the other 59 of the budget go at once, in flight together
        pacer.acquire()
    assert clock.slept == [] and pacer.budget == 0
    clock.t += 4.0  # the burst's answers come back
    pacer.acquire()  # the 61st waits for the window's end: t0 + 60, plus the margin
    assert clock.t == pytest.approx(t0 + 60.25) and waits == [(pytest.approx(56.25), "budget")]
    for _ in range(59):
        pacer.acquire()
    assert len(waits) == 1 and pacer.budget == 0


def test_pacer_learns_what_another_consumer_spent_and_waits_until_reset():
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep, margin=0.0)
    ticket = pacer.acquire()
    pacer.observe(headers(0, int(clock.t) + 60), ticket)  # 59 others before ours
    waited_from = clock.t
    pacer.acquire()
    assert clock.t - waited_from == pytest.approx(60.0)


def test_pacer_reads_a_small_reset_as_seconds_to_go():
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep, margin=0.0)
    pacer.observe(headers(0, 42), pacer.acquire())
    start = clock.t
    pacer.acquire()
    assert clock.t - start == pytest.approx(42.0)


def test_pacer_after_429_with_retry_after_waits_retry_after_not_the_rate_limit_reset():
    # A 429 carries Remaining 0, Reset = now + 60 and the true wait in Retry-After.
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep, margin=0.05, max_wait=120)
    pacer.observe(headers(0, int(clock.t) + 60, **{"Retry-After": "3"}), pacer.acquire())
    start = clock.t
    pacer.acquire()
    assert clock.t - start == pytest.approx(3.05)


def test_retry_after_of_a_day_fails_at_once_with_the_time_asked():
    """Regression: a 429 asking for 86,400 s was waited out in 90 s steps for about 4.5 minutes."""
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep, max_wait=120)
    pacer.observe(headers(0, int(clock.t) + 60, **{"Retry-After": "86400"}), pacer.acquire())
    with pytest.raises(WaitTooLongError) as err:
        pacer.acquire()
    assert clock.slept == []
    assert err.value.title.startswith("RASL asks to wait 24 h before the next request")
    assert err.value.retry_after == pytest.approx(86400)


@pytest.mark.parametrize("seconds, text", [(42, "42 s"), (150, "3 min"), (5400, "1 h 30 min"), (86400, "24 h")])
def test_waits_are_described_in_plain_units(seconds, text):
    assert describe_wait(seconds) == text


def test_pacer_ignores_a_reset_already_past_from_a_server_clock_behind_ours():
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep, margin=0.0)
    pacer.observe(headers(0, int(clock.t) - 300), pacer.acquire())  # server clock 5 min behind
    start = clock.t
    pacer.acquire()
    assert clock.t - start == pytest.approx(60.0)  # one window from the answer, never "now"


def test_pacer_clamps_a_skewed_reset_to_one_window():
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep, margin=0.0)
    pacer.observe(headers(0, int(clock.t) + 7200), pacer.acquire())
    start = clock.t
    pacer.acquire()
    assert clock.t - start == pytest.approx(60.0)


def test_pacer_does_not_wait_when_unlimited():
    clock = FakeClock()
    pacer = RateLimitPacer(clock, clock.sleep)
    pacer.observe({"X-RateLimit-Limit": "unlimited", "X-RateLimit-Remaining": "unlimited"})
    for _ in range(100):
        pacer.acquire()
    assert clock.slept == [] and pacer.budget is None


def test_many_workers_share_one_pause_and_it_counts_once():
    import threading

    clock = FakeClock()
    waits = []
    pacer = RateLimitPacer(clock, clock.sleep, on_wait=lambda s, r: waits.append(r), margin=0.0)
    pacer.observe(headers(0, int(clock.t) + 30), pacer.acquire())
    start = clock.t
    threads = [threading.Thread(target=pacer.acquire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    # Reset is whole Unix seconds (rounded down by the server): one second is added to be safe.
    assert waits == ["budget"] and clock.t - start == pytest.approx(31.0) and pacer.sent == 8
