"""Deliveries in Arabic (``RASL_LANGUAGE=ar``): the weekly review's mail and WhatsApp text, the
template field and the failure messages; Arabic read from the catalog or written by hand."""

from __future__ import annotations

import pytest
from catalog_support import arabic as _arabic
from delivery_support import log_rows, weekly_cache, weekly_send


@pytest.fixture
def cache(make_cache, tmp_path):
    return weekly_cache(make_cache, tmp_path)


def test_weekly_review_in_arabic_reaches_mail_and_whatsapp_in_arabic(env, smtp, emulator, cache, capsys):
    from rasl_data import i18n

    server = smtp()
    env(RASL_SMTP_URL=server.url(), RASL_REPORT_EMAILS="ana@example.com", RASL_REPORT_WHATSAPP="+966501234567",
        RASL_LANGUAGE="ar")
    with i18n.use("en"):  # the CLI sets the language for the process; keep it to this test
        assert weekly_send() == 0
    (received,) = server.received
    msg = received.message
    # The subject arrives encoded (RFC 2047); the parsed header is the Arabic text (hand-written).
    assert msg["Subject"] == "المراجعة الأسبوعية 16–22 نوفمبر 2026: جهات الاتصال الجديدة 12 (+9، +300% مقارنة بالأسبوع السابق)"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("المراجعة الأسبوعية: 16–22 نوفمبر 2026 (UTC)\n• جهات الاتصال الجديدة: 12 ")
    assert "واتساب" in text  # the source's name, as typed
    html_body = msg.get_body(("html",)).get_content()
    assert '<html lang="ar" dir="rtl">' in html_body and _arabic("Summary") in html_body
    # WhatsApp: the Arabic summary, names literal.
    (wa,) = emulator.outbox
    assert wa["message"].startswith("المراجعة الأسبوعية: 16–22 نوفمبر 2026 (UTC)") and "Instagram / Ramadan" in wa["message"]
    # The CLI's own lines follow RASL_LANGUAGE too.
    out = capsys.readouterr().out
    assert _arabic("weekly review {week}: sent to {count}").format(week="16–22 نوفمبر 2026", count="2") in out
    assert _arabic("sent: {recipient}").format(recipient="WhatsApp +966501234567") in out


def test_whatsapp_template_field_in_arabic(env, emulator, cache):
    from rasl_data import i18n

    env(RASL_REPORT_WHATSAPP="+966501234567", RASL_REPORT_WHATSAPP_TEMPLATE="weekly_review:ar", RASL_LANGUAGE="ar")
    with i18n.use("en"):
        assert weekly_send() == 0
    (sent,) = emulator.outbox
    assert sent["kind"] == "template"
    assert sent["fields"][0].startswith("المراجعة الأسبوعية: 16–22 نوفمبر 2026 (UTC) | • جهات الاتصال الجديدة: 12")


def test_failure_messages_follow_the_language(env, emulator, cache, capsys):
    from rasl_data import i18n

    env(RASL_REPORT_EMAILS="ana@example.com", RASL_LANGUAGE="ar")  # no RASL_SMTP_URL
    with i18n.use("en"):
        assert weekly_send() == 1
    err = capsys.readouterr().err
    # "error: e-mail ana@example.com: RASL_SMTP_URL is not set: …", in Arabic (hand-written).
    assert "خطأ: البريد الإلكتروني ana@example.com: لم يُضبط RASL_SMTP_URL" in err
    (row,) = log_rows(cache)
    assert row["outcome"] == "failed" and row["message"].startswith("لم يُضبط RASL_SMTP_URL")
