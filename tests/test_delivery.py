"""Delivery of the weekly review and alerts: a real SMTP server on 127.0.0.1 (aiosmtpd) and the
emulator's messages endpoints over loopback HTTP, driven through the CLI (`report weekly --send`,
`alerts --send`). The mail server's own checks (TLS, sign-in, refusals, time-outs) are tested in
``test_delivery_smtp.py``, deliveries in Arabic in ``test_delivery_arabic.py``.

The cache (``delivery_support.weekly_cache``) is counted by hand: UTC, weeks from Monday, the
reviewed week is 16–22 Nov 2026. Instagram / Ramadan has 3 contacts in each of the 4 weeks before
and 10 in the week; واتساب has 2 in the week. So the week has 12 new contacts against 3 the week
before: +9, +300 %.
"""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from delivery_support import SMTP_PASSWORD, SUBJECT, UTC, WEEK, log_rows, weekly_cache, weekly_send
from smtp_fixtures import Authenticator, free_port

from rasl_data import cli
from rasl_data.cache import delivery_log, store
from rasl_data.cli import deliver as deliver_cli


@pytest.fixture
def cache(make_cache, tmp_path):
    return weekly_cache(make_cache, tmp_path)


def test_weekly_send_emails_the_pack_and_whatsapps_the_summary_once(env, smtp, emulator, cache, capsys):
    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com, omar@example.org",
        RASL_REPORT_WHATSAPP="+966 50 123 4567")
    assert weekly_send() == 0
    out = capsys.readouterr().out
    assert "sent to 3" in out

    # E-mail: one message per address, subject with week and headline number, summary as text, zip attached.
    assert sorted(r.rcpt_tos[0] for r in server.received) == ["ana@example.com", "omar@example.org"]
    msg = server.received[0].message
    assert msg["Subject"] == SUBJECT
    assert msg["From"] == "RASL reports <reports@example.com>"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP lines end in CRLF
    assert text.startswith("Weekly review: 16–22 Nov 2026 (UTC)\n• New contacts: 12 (+9, +300% vs 3 the week before; "
                           "4-week average 3)")
    html_body = msg.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert ">12<" in html_body and "+9 (+300%) vs the week before" in html_body  # the New contacts tile
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["weekly_review_2026-11-16_to_2026-11-22.zip"]
    with zipfile.ZipFile(io.BytesIO(attachments[0].get_content())) as zf:
        summary = zf.read("summary.txt").decode()
    assert text.startswith(summary.rstrip("\n"))

    # WhatsApp: the same summary through POST /messages/text.
    assert [(m["kind"], m["phone"]) for m in emulator.outbox] == [("text", "+966 50 123 4567")]
    assert emulator.outbox[0]["message"] == summary.rstrip("\n")

    rows = log_rows(cache)
    assert {(r["kind"], r["item"], r["channel"], r["recipient"], r["outcome"]) for r in rows} == {
        ("weekly_review", WEEK, "email", "ana@example.com", "sent"),
        ("weekly_review", WEEK, "email", "omar@example.org", "sent"),
        ("weekly_review", WEEK, "whatsapp", "+966 50 123 4567", "sent")}

    # A second run sends nothing and says so.
    assert weekly_send() == 0
    assert "nothing sent" in capsys.readouterr().out
    assert len(server.received) == 2 and len(emulator.outbox) == 1
    # --force sends again to everyone.
    assert weekly_send("--force") == 0
    assert len(server.received) == 4 and len(emulator.outbox) == 2
    assert len(log_rows(cache)) == 6


def test_failure_to_one_recipient_does_not_stop_the_others_and_a_later_run_sends_only_to_them(
        env, smtp, emulator, cache, capsys):
    server = smtp()
    server.handler.refuse.add("nobody@example.com")
    too_long = "+1 - 555 - 010 - 0200"  # 11 digits (valid here) but 21 characters: RASL refuses it (422)
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="nobody@example.com, ana@example.com",
        RASL_REPORT_WHATSAPP=f"{too_long}, +971501234567")
    assert weekly_send() == 1
    captured = capsys.readouterr()
    err_lines = captured.err.strip().splitlines()
    assert any(line.startswith("error: e-mail nobody@example.com: the mail server refused the address (550")
               and "RASL_REPORT_EMAILS" in line for line in err_lines)
    assert any(line.startswith(f"error: WhatsApp {too_long}: RASL rejected the phone number: "
                               "Phone number cannot exceed 20 characters.") and "RASL_REPORT_WHATSAPP" in line
               for line in err_lines)
    assert "not delivered to 2" in err_lines[-1]
    assert [r.rcpt_tos for r in server.received] == [["ana@example.com"]]
    assert [m["phone"] for m in emulator.outbox] == ["+971501234567"]
    outcome = {(r["channel"], r["recipient"]): r["outcome"] for r in log_rows(cache)}
    assert outcome == {("email", "nobody@example.com"): "failed", ("email", "ana@example.com"): "sent",
                       ("whatsapp", too_long): "failed", ("whatsapp", "+971501234567"): "sent"}

    # The mailbox exists now; the next run sends only to those who did not get it.
    server.handler.refuse.clear()
    assert weekly_send() == 1  # the phone is still refused
    assert [r.rcpt_tos for r in server.received] == [["ana@example.com"], ["nobody@example.com"]]
    assert [m["phone"] for m in emulator.outbox] == ["+971501234567"]
    env(RASL_REPORT_WHATSAPP="+971501234567")
    env(RASL_REPORT_EMAILS="nobody@example.com, ana@example.com")
    capsys.readouterr()
    assert weekly_send() == 0
    assert "nothing sent" in capsys.readouterr().out


def test_unreachable_mail_server_fails_every_address_but_whatsapp_still_goes(env, emulator, cache, capsys):
    port = free_port()  # nothing listens there
    env(RASL_SMTP_URL=f"smtp://reports:{SMTP_PASSWORD}@127.0.0.1:{port}",
        RASL_REPORT_EMAILS="ana@example.com, omar@example.org", RASL_REPORT_WHATSAPP="+966501234567")
    assert weekly_send() == 1
    err = capsys.readouterr().err
    for address in ("ana@example.com", "omar@example.org"):
        assert f"error: e-mail {address}: could not reach the mail server 127.0.0.1:{port}; check the host and " \
               "port in RASL_SMTP_URL" in err
    assert SMTP_PASSWORD not in err
    assert len(emulator.outbox) == 1
    assert {r["recipient"]: r["outcome"] for r in log_rows(cache)} == {
        "ana@example.com": "failed", "omar@example.org": "failed", "+966501234567": "sent"}


def test_token_without_messages_send_fails_whatsapp_with_what_to_fix(env, smtp, emulator, cache, capsys):
    emulator.add_token("wm_" + "r" * 60, scopes=["sources:read", "contacts:read"])
    server = smtp()
    env(RASL_API_TOKEN="wm_" + "r" * 60, RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com",
        RASL_REPORT_WHATSAPP="+966501234567, +971501234567")
    assert weekly_send() == 1
    err = capsys.readouterr().err
    for phone in ("+966501234567", "+971501234567"):
        assert f"error: WhatsApp {phone}: the API token lacks the 'messages:send' permission; add it to the token " \
               "in RASL" in err
    assert "r" * 60 not in err
    assert len(server.received) == 1 and emulator.outbox == []
    assert [r["outcome"] for r in log_rows(cache) if r["channel"] == "whatsapp"] == ["failed", "failed"]


def test_whatsapp_template_carries_the_summary_in_its_body_field(env, emulator, cache):
    env(RASL_REPORT_WHATSAPP="+966501234567", RASL_REPORT_WHATSAPP_TEMPLATE="weekly_review:ar")
    assert weekly_send() == 0
    (sent,) = emulator.outbox
    assert (sent["kind"], sent["template_name"], sent["language"]) == ("template", "weekly_review", "ar")
    field_1 = sent["fields"][0]
    assert "\n" not in field_1 and field_1.startswith("Weekly review: 16–22 Nov 2026 (UTC) | • New contacts: 12")


def test_unknown_template_is_named(env, emulator, cache, capsys):
    env(RASL_REPORT_WHATSAPP="+966501234567, +971501234567", RASL_REPORT_WHATSAPP_TEMPLATE="nope:en")
    assert weekly_send() == 1
    err = capsys.readouterr().err
    assert err.count("RASL has no approved template 'nope' in language 'en'; check RASL_REPORT_WHATSAPP_TEMPLATE") == 2
    assert emulator.outbox == []


def test_no_recipients_is_bad_input(env, cache, capsys):
    assert weekly_send() == 2
    assert "nobody to send to: set RASL_REPORT_EMAILS and/or RASL_REPORT_WHATSAPP" in capsys.readouterr().err


def test_force_without_send_is_refused(env, cache, capsys, tmp_path):
    assert cli.main(["report", "weekly", "--force", "--out", str(tmp_path / "x.zip")]) == 2
    assert "--force only goes with --send" in capsys.readouterr().err


def test_send_with_out_also_writes_the_zip(env, emulator, cache, tmp_path):
    env(RASL_REPORT_WHATSAPP="+966501234567")
    out = tmp_path / "pack.zip"
    assert weekly_send("--out", str(out)) == 0
    with zipfile.ZipFile(out) as zf:
        assert "summary.txt" in zf.namelist()


def test_a_delivery_is_recorded_before_the_next_is_tried(env, smtp, emulator, cache, monkeypatch):
    """A crash after the first recipient must not lose the record of what already went out."""
    from rasl_data.outputs import delivery

    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com, omar@example.org")
    real_append = delivery_log.append
    calls = []

    def append_then_crash(path, attempts):
        real_append(path, attempts)
        calls.append(attempts)
        raise KeyboardInterrupt  # the process is stopped right after the first record

    monkeypatch.setattr(delivery.delivery_log, "append", append_then_crash)
    assert weekly_send() == 130
    monkeypatch.setattr(delivery.delivery_log, "append", real_append)
    assert [r.rcpt_tos for r in server.received] == [["ana@example.com"]]
    assert [(r["recipient"], r["outcome"]) for r in log_rows(cache)] == [("ana@example.com", "sent")]
    assert weekly_send() == 0  # the rerun sends only to the second address
    assert [r.rcpt_tos for r in server.received] == [["ana@example.com"], ["omar@example.org"]]


def test_a_second_run_while_one_is_sending_sends_nothing(env, smtp, emulator, cache, capsys):
    from rasl_data.outputs import delivery

    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com")
    with delivery.run_lock(cache):  # an overlapping cron run holds the lock
        assert weekly_send() == 1
        assert "Another delivery run is sending right now" in capsys.readouterr().err
    assert server.received == [] and log_rows(cache) == []
    assert weekly_send() == 0 and len(server.received) == 1


def test_delivery_log_that_cannot_be_written_stops_the_run_and_says_who_got_it(env, smtp, emulator, cache, capsys,
                                                                             monkeypatch):
    from rasl_data.outputs import delivery

    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com, omar@example.org")

    def busy(path, attempts):
        raise store.CacheBusyError("Another program is writing the cache; try again in a minute.")

    monkeypatch.setattr(delivery.delivery_log, "append", busy)
    assert weekly_send() == 1
    err = capsys.readouterr().err.strip()
    assert err == ("error: e-mail ana@example.com got the message, but the delivery log could not be written "
                   "(Another program is writing the cache; try again in a minute.); stopped before the other "
                   "recipients")
    assert [r.rcpt_tos for r in server.received] == [["ana@example.com"]]


def test_password_and_token_never_appear_in_output_logs_or_the_delivery_log(env, smtp, emulator, cache, capsys,
                                                                           monkeypatch, caplog):
    """A rejected token (401) on WhatsApp and a rejected password on SMTP, everything logged at DEBUG."""
    token = "wm_" + "Zq9" * 20  # not known to the emulator: 401 INVALID_TOKEN
    auth = Authenticator("reports", SMTP_PASSWORD)
    server = smtp("starttls", auth)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    wrong = "Xx-" + SMTP_PASSWORD
    env(RASL_API_TOKEN=token, RASL_SMTP_URL=server.url("reports", wrong), RASL_REPORT_EMAILS="ana@example.com",
        RASL_REPORT_WHATSAPP="+966501234567")
    with caplog.at_level(logging.DEBUG):
        assert weekly_send() == 1
    out = capsys.readouterr()
    assert "error: WhatsApp +966501234567: The API token was rejected: it is invalid. Check RASL_API_TOKEN." in out.err
    reader = store.Reader(cache)
    try:
        tables = reader.query("SELECT * FROM deliveries").to_string() + reader.query("SELECT * FROM audit_log").to_string()
    finally:
        reader.close()
    everything = out.out + out.err + caplog.text + tables
    for secret in (token, wrong, SMTP_PASSWORD):
        assert secret not in everything


def test_whatsapp_answer_lost_is_not_counted_as_sent_and_is_retried_next_run(env, emulator, cache, capsys):
    emulator.set_faults("lost:1")  # RASL sends, then the answer never arrives
    env(RASL_REPORT_WHATSAPP="+966501234567")
    assert weekly_send() == 1
    err = capsys.readouterr().err
    assert "error: WhatsApp +966501234567: RASL did not confirm the message (The connection to RASL broke off " \
           "mid-answer); it is not counted as sent and the next run sends it again" in err
    assert [r["outcome"] for r in log_rows(cache)] == ["failed"]
    assert weekly_send() == 0
    assert len(emulator.outbox) == 2  # at least once: the lost one went out, the rerun sent it again


def test_long_text_is_cut_at_a_line_for_whatsapp():
    from rasl_data.outputs.delivery_content import fit_text

    lines = [f"• line {i} " + "x" * 90 for i in range(60)]  # 60 lines of about 100 characters
    text = fit_text("\n".join(lines), 4096)
    assert len(text) <= 4096
    kept = text.split("\n")
    assert kept[:-1] == lines[:len(kept) - 1]  # whole lines only
    assert kept[-1] == f"… and {60 - (len(kept) - 1)} more line(s)"


def test_weekly_review_is_due_on_monday_from_eight_in_the_business_time_zone(tmp_path):
    from rasl_data.outputs.delivery import weekly_due
    from rasl_data.settings import load_settings

    riyadh = load_settings({"RASL_TIMEZONE": "Asia/Riyadh"}, secrets_path=tmp_path / "none.toml", environ={})
    # Mon 30 Nov 2026 08:00 in Riyadh (UTC+3) is 05:00 UTC; one minute earlier is not yet due.
    assert weekly_due(riyadh, datetime(2026, 11, 30, 5, 0, tzinfo=UTC))
    assert not weekly_due(riyadh, datetime(2026, 11, 30, 4, 59, tzinfo=UTC))
    assert weekly_due(riyadh, datetime(2026, 11, 30, 20, 59, tzinfo=UTC))      # 23:59 local
    assert not weekly_due(riyadh, datetime(2026, 11, 30, 21, 0, tzinfo=UTC))   # Tuesday 00:00 local
    assert weekly_due(riyadh, datetime(2026, 11, 29, 6, 0, tzinfo=UTC), day="sunday", hour=9)
    with pytest.raises(ValueError, match="RASL_WEEKLY_DAY"):
        weekly_due(riyadh, day="funday")


def test_compose_runs_the_weekly_review_and_the_alerts_on_their_schedules():
    root = Path(__file__).resolve().parents[1]
    compose = (root / "compose.yaml").read_text()
    assert 'command: ["deploy/weekly-loop.sh"]' in compose and 'command: ["deploy/alerts-loop.sh"]' in compose
    weekly_loop = (root / "deploy" / "weekly-loop.sh").read_text()
    assert "python -m rasl_data.cli.deliver weekly-due" in weekly_loop
    assert "python -m rasl_data report weekly --send" in weekly_loop
    assert "python -m rasl_data alerts --send" in (root / "deploy" / "alerts-loop.sh").read_text()
    for script in ("weekly-loop.sh", "alerts-loop.sh"):
        assert (root / "deploy" / script).stat().st_mode & 0o111  # executable, as compose runs it


def test_weekly_due_command_exit_codes(monkeypatch, capsys):

    monkeypatch.setenv("RASL_SECRETS_PATH", "/dev/null")
    monkeypatch.setenv("RASL_WEEKLY_DAY", "funday")
    assert deliver_cli.weekly_due_main(["weekly-due"]) == 2
    assert capsys.readouterr().err.strip() == ("error: configuration: RASL_WEEKLY_DAY 'funday' is not a day of the "
                                               "week, e.g. monday")
    today = datetime.now(UTC).strftime("%A").lower()
    monkeypatch.setenv("RASL_TIMEZONE", "UTC")
    monkeypatch.setenv("RASL_WEEKLY_DAY", today)
    monkeypatch.setenv("RASL_WEEKLY_HOUR", "0")
    assert deliver_cli.weekly_due_main(["weekly-due"]) == 0
    other = {"monday": "tuesday"}.get(today, "monday")
    monkeypatch.setenv("RASL_WEEKLY_DAY", other)
    assert deliver_cli.weekly_due_main(["weekly-due"]) == 1
