"""Alerts (rasl_data.analytics.alerts) on a hand-counted cache, and `alerts --send` through real SMTP and the
emulator's WhatsApp endpoint.

UTC; "now" is Wed 25 Nov 2026 12:00, so the rolling week is 18–24 Nov and the 4 weeks before are
21 Oct – 17 Nov (blocks starting 21 Oct, 28 Oct, 4 Nov, 11 Nov):

* Snap / Eid: 2 contacts in each block, none since 13 Nov → silent (8 in the 4 weeks before);
  0 against an average of 2 is not a drop (less than 5 contacts apart).
* Instagram / Ramadan: 1 in each block, 12 on 20 Nov → spike (its campaign Ramadan has the same
  counts, so no second alert for it).
* Website: 5 in each block and 5 in the week → nothing.
* All new contacts: 8 a block, 17 in the week → spike (P(X ≥ 17 | 8) ≈ 0.0037).
* Syncs: success 22 Nov 10:00, failed 23 Nov 09:00 and 25 Nov 10:00 → failing for 51 h.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime, timedelta, timezone

import pytest
from delivery_support import log_rows

from rasl_data.analytics import alerts
from rasl_data.cache import store
from rasl_data.cli import deliver as deliver_cli

UTC = timezone.utc
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
BLOCKS = [datetime(2026, 10, 22, 9, tzinfo=UTC) + timedelta(days=7 * i) for i in range(4)]


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam), summed directly (an oracle independent of weekly.poisson_sf)."""
    return 1.0 - sum(math.exp(-lam) * lam ** i / math.factorial(i) for i in range(k))


def rows(quiet: bool = False) -> dict:
    contacts, ids = [], iter(range(1, 10_000))

    def add(source_id, when, n):
        contacts.extend({"id": next(ids), "source_id": source_id, "type": "lead", "created_at": when}
                        for _ in range(n))

    for start in BLOCKS:
        add(3, start, 5)
        if not quiet:
            add(1, start + timedelta(days=1), 2)
            add(2, start, 1)
    add(3, datetime(2026, 11, 21, 9, tzinfo=UTC), 5)
    if not quiet:
        add(2, datetime(2026, 11, 20, 9, tzinfo=UTC), 12)
    sources = [{"id": 1, "name": "Snap / Eid"}, {"id": 2, "name": "Instagram / Ramadan"}, {"id": 3, "name": "Website"}]
    runs = [] if quiet else [
        {"id": 1, "started_at": datetime(2026, 11, 22, 10, tzinfo=UTC), "outcome": "success"},
        {"id": 2, "started_at": datetime(2026, 11, 23, 9, tzinfo=UTC), "outcome": "failed",
         "error": "Could not connect to RASL."},
        {"id": 3, "started_at": datetime(2026, 11, 25, 10, tzinfo=UTC), "outcome": "failed",
         "error": "Could not connect to RASL. Check the internet connection."},
    ]
    return {"contacts": contacts, "sources": sources, "sync_runs": runs}


EXPECTED_KEYS = {"sync_failing:2", "silent_source:1:2026-11-13", "spike:source:2:2026-11-24",
                 "spike:total:all:2026-11-24"}


@pytest.fixture
def cache(make_cache, tmp_path):
    return make_cache(tmp_path, **rows()).path


def test_detect_finds_silent_sources_spikes_and_a_sync_failing_for_a_day(cache):
    reader = store.Reader(cache)
    found = alerts.detect(reader, "UTC", "monday", NOW)
    assert {a.key for a in found} == EXPECTED_KEYS
    by_kind = {a.key: a for a in found}
    assert found[0].kind == "sync_failing"
    assert by_kind["sync_failing:2"].text.startswith("Sync failing: every sync for 51 h has failed (since "
                                                     "2026-11-23 09:00 UTC, 2 run(s))")
    assert by_kind["silent_source:1:2026-11-13"].text == (
        "Silent source: Snap / Eid has had no new contacts since 13 Nov (8 in the 4 weeks before 18 Nov)")
    p_total = poisson_tail(17, 8.0)
    assert 0.001 < p_total < 0.01
    assert by_kind["spike:total:all:2026-11-24"].text == (
        f"Spike in all new contacts: 17 new contacts 18–24 Nov 2026, against an average of 8 a week in the 4 weeks "
        f"before (p = {p_total:.3f})")
    assert poisson_tail(12, 1.0) < 0.001
    assert by_kind["spike:source:2:2026-11-24"].text.startswith(
        "Spike for source Instagram / Ramadan: 12 new contacts 18–24 Nov 2026, against an average of 1 a week")
    # Spikes come after the sync and silent alerts, smallest p first: the total (p ≈ 0.004) last.
    assert found[-1].key == "spike:total:all:2026-11-24"


def test_a_sync_failing_for_less_than_a_day_is_not_an_alert(cache):
    reader = store.Reader(cache)
    found = alerts.detect(reader, "UTC", "monday", datetime(2026, 11, 24, 8, tzinfo=UTC))  # failing 23 h
    assert not any(a.kind == "sync_failing" for a in found)


def run(send: bool = True, now: datetime = NOW) -> int:
    return deliver_cli.run_alerts(argparse.Namespace(send=send, cache=None), now=now)


def test_alerts_send_once_by_both_channels_and_a_quiet_rerun_sends_nothing(env, smtp, emulator, cache, capsys):
    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com", RASL_REPORT_WHATSAPP="+966501234567")
    assert run() == 0
    assert "alerts sent to 2 recipient(s)" in capsys.readouterr().out
    (mail,) = server.received
    body = mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("RASL alerts, 25 Nov 2026 (UTC): 4 new\n• Sync failing")
    assert mail.message["Subject"] == "RASL alerts, 25 Nov 2026 (UTC): 4 new"
    (wa,) = emulator.outbox
    assert wa["message"] == body.rstrip("\n")
    logged = {(r["item"], r["channel"]) for r in log_rows(cache) if r["outcome"] == "sent"}
    assert logged == {(k, ch) for k in EXPECTED_KEYS for ch in ("email", "whatsapp")}

    assert run() == 0  # same hour: nothing new
    assert "no new alerts: nothing sent" in capsys.readouterr().out
    # A day later the spike is still inside the rolling week and the source still silent: the same
    # episode, so still nothing is sent.
    assert run(now=NOW + timedelta(days=1)) == 0
    assert len(server.received) == 1 and len(emulator.outbox) == 1


def test_a_quiet_workspace_sends_nothing(env, smtp, emulator, make_cache, tmp_path, capsys):
    quiet = make_cache(tmp_path, name="quiet.duckdb", **rows(quiet=True)).path
    server = smtp()
    env(RASL_CACHE_PATH=str(quiet), RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com",
        RASL_REPORT_WHATSAPP="+966501234567")
    assert run() == 0
    assert capsys.readouterr().out.strip() == "no new alerts: nothing sent"
    assert server.received == [] and emulator.outbox == []


def test_alerts_a_recipient_missed_are_sent_to_them_alone_next_time(env, smtp, emulator, cache, capsys):
    server = smtp()
    server.handler.refuse.add("omar@example.org")
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com, omar@example.org")
    assert run() == 1
    assert "error: e-mail omar@example.org: the mail server refused the address" in capsys.readouterr().err
    server.handler.refuse.clear()
    assert run() == 0
    assert [r.rcpt_tos for r in server.received] == [["ana@example.com"], ["omar@example.org"]]
    assert server.received[1].message["Subject"] == "RASL alerts, 25 Nov 2026 (UTC): 4 new"


def test_alerts_without_send_lists_them_and_sends_nothing(env, smtp, emulator, cache, capsys):
    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com")
    assert run(send=False) == 0
    out = capsys.readouterr().out
    assert "4 alert(s) true now" in out and "• Silent source: Snap / Eid" in out
    assert server.received == []


def test_a_campaign_spread_over_sources_alerts_when_no_single_source_does(make_cache, tmp_path):
    """TikTok / Eid and Snap / Eid: 1 contact each per block, 4 each in the week. Neither source is 5
    contacts from its average (4 vs 1), but the campaign Eid is: 8 against 2, P(X ≥ 8 | 2) ≈ 0.001."""
    contacts, ids = [], iter(range(1, 1000))
    for sid in (10, 11):
        for start in BLOCKS:
            contacts.append({"id": next(ids), "source_id": sid, "type": "lead", "created_at": start})
        contacts += [{"id": next(ids), "source_id": sid, "type": "lead",
                      "created_at": datetime(2026, 11, 22, 9, tzinfo=UTC)} for _ in range(4)]
    reader = make_cache(tmp_path, name="eid.duckdb", contacts=contacts,
                        sources=[{"id": 10, "name": "TikTok / Eid"}, {"id": 11, "name": "Snap / Eid"}])
    assert poisson_tail(8, 2.0) < 0.01 and poisson_tail(4, 1.0) > 0.01
    found = alerts.detect(reader, "UTC", "monday", NOW)
    assert {a.key for a in found} == {"spike:campaign:Eid:2026-11-24", "spike:total:all:2026-11-24"}


def test_alerts_in_arabic_are_arabic_with_names_literal_and_reach_both_channels(env, smtp, emulator, cache, capsys):
    from rasl_data import i18n

    reader = store.Reader(cache)
    try:
        with i18n.use("ar"):
            found = {a.key: a for a in alerts.detect(reader, "UTC", "monday", NOW)}
    finally:
        reader.close()
    assert set(found) == EXPECTED_KEYS  # the keys never depend on the language
    # Hand-written Arabic: a silent source, and a spike of a source whose name stays as typed.
    assert found["silent_source:1:2026-11-13"].text == (
        "مصدر صامت: لم تصل إلى Snap / Eid جهات اتصال جديدة منذ 13 نوفمبر (كان لديه 8 في الأسابيع الأربعة قبل 18 نوفمبر)")
    assert found["spike:source:2:2026-11-24"].text.startswith("قفزة في المصدر Instagram / Ramadan: ")
    assert "18–24 نوفمبر 2026" in found["spike:total:all:2026-11-24"].text

    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com", RASL_REPORT_WHATSAPP="+966501234567",
        RASL_LANGUAGE="ar")
    with i18n.use("ar"):  # what the CLI's entry sets from RASL_LANGUAGE
        assert run() == 0
    (mail,) = server.received
    assert mail.message["Subject"] == "تنبيهات RASL، 25 نوفمبر 2026 (UTC): الجديدة 4"
    body = mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("تنبيهات RASL، 25 نوفمبر 2026 (UTC): الجديدة 4\n• تعثّر المزامنة")
    (wa,) = emulator.outbox
    assert wa["message"] == body.rstrip("\n")
    assert "أُرسلت التنبيهات إلى المستلمين: 2" in capsys.readouterr().out
