"""Delivery through a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS and implicit TLS, sign-in,
certificates, a server that refuses the sender or never answers; the password is never shown."""

from __future__ import annotations

import logging

import pytest
from delivery_support import SMTP_PASSWORD, log_rows, weekly_cache, weekly_send
from smtp_fixtures import Authenticator, SmtpServer


@pytest.fixture
def cache(make_cache, tmp_path):
    return weekly_cache(make_cache, tmp_path)


def test_starttls_with_a_self_signed_certificate_and_auth(env, smtp, cache, capsys, monkeypatch, caplog):
    auth = Authenticator("reports@example.com", SMTP_PASSWORD)
    server = smtp("starttls", auth)
    # The certificate is trusted through SSL_CERT_FILE, as a deployment with a private CA would do.
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    env(RASL_SMTP_URL=server.url("reports%40example.com", SMTP_PASSWORD), RASL_REPORT_EMAILS="ana@example.com")
    monkeypatch.delenv("RASL_SMTP_FROM")  # the SMTP user is an address: it becomes the sender
    with caplog.at_level(logging.DEBUG):
        assert weekly_send() == 0
    assert len(server.received) == 1
    got = server.received[0]
    assert got.tls and got.login == "reports@example.com" and got.mail_from == "reports@example.com"
    out = capsys.readouterr()
    assert SMTP_PASSWORD not in out.out + out.err + caplog.text


def test_wrong_smtp_password_is_named_but_never_shown(env, smtp, cache, capsys, monkeypatch, caplog):
    auth = Authenticator("reports", SMTP_PASSWORD)
    server = smtp("starttls", auth)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    wrong = "Wr0ng-" + SMTP_PASSWORD
    env(RASL_SMTP_URL=server.url("reports", wrong), RASL_REPORT_EMAILS="ana@example.com, omar@example.org")
    with caplog.at_level(logging.DEBUG):
        assert weekly_send() == 1
    out = capsys.readouterr()
    assert "error: e-mail ana@example.com: the mail server 127.0.0.1:" in out.err
    assert "refused the user name or password; check RASL_SMTP_URL (535" in out.err
    # One sign-in for the run (smtplib tries PLAIN, then LOGIN), not one per address.
    assert auth.attempts == ["reports", "reports"]
    rows = log_rows(cache)
    everything = out.out + out.err + caplog.text + repr(rows)
    assert wrong not in everything and SMTP_PASSWORD not in everything
    assert [r["outcome"] for r in rows] == ["failed", "failed"]


def test_smtps_implicit_tls(env, smtp, cache, monkeypatch):
    server = smtp("smtps")
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com")
    assert weekly_send() == 0
    assert len(server.received) == 1 and server.received[0].tls


def test_untrusted_certificate_is_refused_with_what_to_fix(env, smtp, cache, capsys):
    server = smtp("starttls")
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com")
    assert weekly_send() == 1
    assert "did not pass the TLS check" in capsys.readouterr().err
    assert server.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_non_ascii_smtp_password_is_refused_without_echoing_it(tmp_path):
    from rasl_data.outputs.mail import Mailer, MailError, SmtpConfig, build_message

    server = SmtpServer(tmp_path, "plain", Authenticator("reports", "x"))
    try:
        config = SmtpConfig.from_url(f"smtp://reports:كلمة-سر@127.0.0.1:{server.port}")
        with Mailer(config, "reports@example.com") as mailer, pytest.raises(MailError) as info:
            mailer.send(build_message("reports@example.com", "ana@example.com", "s", "t"), "ana@example.com")
    finally:
        server.stop()
    assert "use plain ASCII" in str(info.value) and "كلمة" not in str(info.value)
    assert info.value.whole_run and info.value.__cause__ is None and server.received == []


def test_mail_server_refusing_the_sender_fails_every_address_once(env, smtp, emulator, cache, capsys):
    server = smtp()
    server.handler.refuse_sender = True
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com, omar@example.org")
    assert weekly_send() == 1
    err = capsys.readouterr().err
    assert err.count("the mail server refused the sender reports@example.com; check RASL_SMTP_FROM (553") == 2
    assert server.handler.mail_from_attempts == 1


def test_mail_server_that_never_answers_times_out_with_what_to_fix(tmp_path):
    import socket as socket_mod

    from rasl_data.outputs.mail import Mailer, MailError, SmtpConfig, build_message

    silent = socket_mod.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never says hello
    port = silent.getsockname()[1]
    try:
        config = SmtpConfig.from_url(f"smtp://127.0.0.1:{port}")
        with Mailer(config, "reports@example.com", timeout=0.5) as mailer, pytest.raises(MailError) as info:
            mailer.send(build_message("reports@example.com", "ana@example.com", "s", "t"), "ana@example.com")
    finally:
        silent.close()
    assert str(info.value).startswith(f"the mail server 127.0.0.1:{port} did not answer in 0.5 s; check RASL_SMTP_URL")
    assert info.value.whole_run
