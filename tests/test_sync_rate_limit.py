"""Sync engine under RASL's rate limit: the budget is spent before any pause, a pause is said
once, and a wait longer than the caller accepts fails at once."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sync_support import AS_OF, cached, client_for, limited

from rasl_data.api.client import RaslClient
from rasl_data.cache.sync import SyncProgress, sync
from rasl_data.emulator import DEMO_TOKEN


def test_rate_limit_waits_count_only_pauses_the_limit_forced(tmp_path):
    """Regression: rate_limit_waits counted the even spacing of every request, even when the
    whole sync fitted in the window's budget and no limit was near."""
    app, client, clock = limited(2_500)
    with client:
        result = sync(client, tmp_path / "c.duckdb", now=AS_OF)
    assert result.outcome == "success" and result.requests == 3 + 25  # fits in 60
    assert result.rate_limit_waits == 0 and clock.slept == [] and app.rate_limited == 0
    assert "rate limit" not in result.summary()


def test_sync_beyond_one_window_spends_the_budget_then_waits_once_and_says_so(tmp_path):
    app, client, clock = limited(7_000)
    seen: list[SyncProgress] = []
    t0 = clock.t
    with client:
        result = sync(client, tmp_path / "c.duckdb", now=AS_OF, on_progress=lambda p: seen.append(SyncProgress(**vars(p))))
    assert result.outcome == "success" and result.contacts_total == 7_000
    assert result.requests == 3 + 70 and app.rate_limited == 0
    # 73 requests at 60 a window: the first 60 at once, one pause to the window's end, 13 more.
    assert result.rate_limit_waits == 1 and 60 <= clock.t - t0 <= 61.5
    waiting = [p.message for p in seen if p.wait_seconds]
    assert len(waiting) == 1 and waiting[0].startswith("waiting ") and waiting[0].endswith(" for RASL's rate limit")
    assert "for RASL's rate limit (1 pause)" in result.summary()
    assert seen[-2].wait_seconds == 0  # the message goes once pages flow again


def test_retry_after_of_a_day_fails_the_sync_at_once_and_keeps_the_cache(tmp_path, tenant, app):
    """Regression: a 429 asking for 86,400 s made "Sync now" hang for about 4.5 minutes."""
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    before = cached(path, "SELECT * FROM contacts ORDER BY id")
    app.set_faults("429:1,retry-after:86400")
    slept: list[float] = []
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=app.transport(), sleep=slept.append,
                        max_wait=120)
    with client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "failed" and slept == [] and result.requests == 1
    assert result.error_title.startswith("RASL asks to wait 24 h before the next request")
    pd.testing.assert_frame_equal(cached(path, "SELECT * FROM contacts ORDER BY id"), before)


def arabic(msgid: str, n: int | None = None) -> str:
    """The Arabic the catalog holds for ``msgid``, read with Babel (not through ``_``)."""
    from babel.messages.pofile import read_po

    from rasl_data.i18n import po_path

    with open(po_path("ar"), "rb") as fh:
        catalog = read_po(fh, locale="ar")
    message = catalog.get(msgid)
    if n is None:
        return message.string
    # CLDR's Arabic plural rule, as the .po header writes it: 0, 1, 2, 3-10, 11-99, 100-102...
    form = 0 if n == 0 else 1 if n == 1 else 2 if n == 2 else 3 if 3 <= n % 100 <= 10 else 4 if n % 100 >= 11 else 5
    return message.string[form]


def test_sync_summary_and_wait_message_speak_arabic_with_the_same_figures(tmp_path):
    from rasl_data import i18n

    app, client, clock = limited(7_000)
    seen: list[SyncProgress] = []
    with i18n.use("ar"), client:
        result = sync(client, tmp_path / "c.duckdb", now=AS_OF, on_progress=lambda p: seen.append(SyncProgress(**vars(p))))
        summary = result.summary()
    waiting = [p.message for p in seen if p.wait_seconds]
    wait = round(seen[[p.wait_seconds > 0 for p in seen].index(True)].wait_seconds)
    assert waiting == [arabic("waiting {wait} for RASL's rate limit").format(
        wait=arabic("{seconds} s").format(seconds=wait))]
    plural = ("Sync {mode}: {new} new, {updated} updated, {deleted} deleted contacts ({total} in cache) with "
              "{requests} requests in {seconds} s, waited {wait} for RASL's rate limit ({pauses} pause)")
    expected = arabic(plural, 1).format(
        mode=arabic("full"), new="7,000", updated="0", deleted="0", total="7,000", requests="73",
        seconds=f"{result.duration_s:.1f}", wait=arabic("{seconds} s").format(seconds=round(result.rate_limit_wait_s)),
        pauses="1")
    assert summary == expected and "RASL" in summary
