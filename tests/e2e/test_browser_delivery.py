"""Real browser: the delivery section of Settings sends a test by e-mail (a real SMTP server on
127.0.0.1) and by WhatsApp (the emulator's POST /messages/text over loopback HTTP), and the
delivery log shows both; the SMTP password is never on the page."""

from __future__ import annotations

from typing import Iterator

import pytest
from smtp_fixtures import Authenticator, SmtpServer

from .conftest import TOKEN, TZ, open_page, start_dashboard, stop_dashboard, wait_idle

pytestmark = pytest.mark.e2e
PASSWORD = "e2e-Mail-Pa55word"


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path_factory.mktemp("smtp"), "starttls", Authenticator("reports", PASSWORD))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def delivery_dashboard(emulator, browser, mail_server, tmp_path_factory) -> Iterator[str]:
    _, api_base = emulator
    work = tmp_path_factory.mktemp("e2e-delivery")
    proc, url = start_dashboard({
        "RASL_API_TOKEN": TOKEN, "RASL_BASE_URL": api_base, "RASL_CACHE_DIR": str(work / "cache"),
        "RASL_TIMEZONE": TZ, "RASL_REPORT_EMAILS": "ana@example.com", "RASL_REPORT_WHATSAPP": "+966501234567",
        "RASL_SMTP_URL": mail_server.url("reports", PASSWORD), "RASL_SMTP_FROM": "reports@example.com",
        "SSL_CERT_FILE": str(mail_server.cert),
    }, work)
    try:
        yield url
    finally:
        stop_dashboard(proc)


def test_send_tests_from_settings_arrive_and_are_logged(delivery_dashboard, emulator, mail_server, page):
    app, _ = emulator
    before = len(app.outbox)
    open_page(page, delivery_dashboard, "settings", timeout_ms=120_000)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Weekly review and alerts by e-mail and WhatsApp").wait_for()
    assert PASSWORD not in page.content()

    main.get_by_role("button", name="Send test WhatsApp").dblclick()  # a double click sends one test
    main.get_by_text("Test sent to +966501234567.").wait_for()
    wait_idle(page)
    assert [m["phone"] for m in app.outbox[before:]] == ["+966501234567"]

    main.get_by_role("button", name="Send test e-mail").click()
    # Shown literally: md_literal keeps "@" from becoming a mail link (a word joiner follows it).
    main.get_by_text("Test sent to ana@").wait_for()
    wait_idle(page)
    assert [(r.rcpt_tos, r.tls, r.login) for r in mail_server.received] == [(["ana@example.com"], True, "reports")]
    log = main.locator('[data-testid="stDataFrame"]').last
    assert log.is_visible()
    assert PASSWORD not in page.content()
