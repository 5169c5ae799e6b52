"""Delivery settings: recipients, WhatsApp template, SMTP address and sender (rasl_data.settings)."""

from pathlib import Path

import pytest

from rasl_data.outputs.mail import SmtpConfig
from rasl_data.settings import SettingsError, load_settings

PASSWORD = "p@ss:w0rd/very-secret"


def load(tmp_path: Path, environ=None, secrets: str | None = None, **overrides):
    path = tmp_path / "secrets.toml"
    if secrets is not None:
        path.write_text(secrets, encoding="utf-8")
    return load_settings(overrides or None, secrets_path=path, environ=environ or {})


def test_recipients_are_split_trimmed_and_deduplicated(tmp_path):
    s = load(tmp_path, {"RASL_REPORT_EMAILS": " ana@example.com, omar@example.org;ana@example.com ,",
                        "RASL_REPORT_WHATSAPP": "+966 50 123 4567,+971-50-123-4567"})
    assert s.report_emails == ("ana@example.com", "omar@example.org")
    assert s.report_whatsapp == ("+966 50 123 4567", "+971-50-123-4567")


def test_secrets_file_may_list_recipients_and_wins_over_the_environment(tmp_path):
    s = load(tmp_path, {"RASL_REPORT_EMAILS": "env@example.com"},
             secrets='RASL_REPORT_EMAILS = ["ana@example.com", "omar@example.org"]\n'
                     'RASL_REPORT_WHATSAPP = "+966501234567"\n')
    assert s.report_emails == ("ana@example.com", "omar@example.org")
    assert s.origins["RASL_REPORT_EMAILS"] == "secrets.toml"
    assert s.report_whatsapp == ("+966501234567",)


@pytest.mark.parametrize("key,value,needle", [
    ("RASL_REPORT_EMAILS", "ana@example.com, not-an-address", "'not-an-address' is not an e-mail address"),
    ("RASL_REPORT_WHATSAPP", "0501234567", "'0501234567' is not a phone number in international form"),
    ("RASL_REPORT_WHATSAPP", "+966 50 CALL ME", "international form"),
    ("RASL_REPORT_WHATSAPP", "+12345", "international form"),
    ("RASL_REPORT_WHATSAPP_TEMPLATE", "weekly_review", "must be name:language"),
    ("RASL_SMTP_URL", "mail.example.com:587", "must start with smtp:// or smtps://"),
    ("RASL_SMTP_URL", "smtp://:587", "has no host name"),
    ("RASL_SMTP_FROM", "reports", "is not an e-mail address"),
])
def test_bad_delivery_values_name_the_key_and_where_it_came_from(tmp_path, key, value, needle):
    with pytest.raises(SettingsError) as info:
        load(tmp_path, {key: value})
    assert str(info.value).startswith(f"{key} (environment): ")
    assert needle in str(info.value)


def test_smtp_password_is_never_in_repr_errors_or_the_masked_address(tmp_path):
    url = f"smtp://reports%40example.com:{PASSWORD.replace('@', '%40').replace(':', '%3A').replace('/', '%2F')}" \
          "@mail.example.com:587"
    s = load(tmp_path, {"RASL_SMTP_URL": url})
    assert s.smtp_url == url
    assert "very-secret" not in repr(s)
    assert s.smtp_url_masked == "smtp://reports%40example.com:***@mail.example.com:587"
    config = SmtpConfig.from_url(url)
    assert (config.user, config.password, config.host, config.port) == (
        "reports@example.com", PASSWORD, "mail.example.com", 587)
    assert "very-secret" not in repr(config)
    with pytest.raises(SettingsError) as info:
        load(tmp_path, {"RASL_SMTP_URL": "smtp://reports:hunter2-secret@mail.example.com:notaport"})
    assert "hunter2-secret" not in str(info.value) and "***" in str(info.value)


def test_default_ports_and_template(tmp_path):
    assert SmtpConfig.from_url("smtp://mail.example.com").port == 25
    assert SmtpConfig.from_url("smtps://mail.example.com").port == 465
    s = load(tmp_path, {"RASL_REPORT_WHATSAPP_TEMPLATE": "weekly_review:ar"})
    assert s.whatsapp_template == ("weekly_review", "ar")


@pytest.mark.parametrize("url", [
    "smtp://reports:pa#ss-hunter2@mail.example.com:587",  # '#' would start a fragment
    "smtp://reports:pa?ss-hunter2@mail.example.com:587",  # '?' would start a query
    "smtp://reports:pa/ss-hunter2@mail.example.com:587",  # '/' would start a path
    "smtp://reports:hunter2-pass",                         # credentials, no host
])
def test_password_with_unencoded_characters_is_never_echoed(tmp_path, url):
    with pytest.raises(SettingsError) as info:
        load(tmp_path, {"RASL_SMTP_URL": url})
    assert "hunter2" not in str(info.value) and "***" in str(info.value)
    assert str(info.value).startswith("RASL_SMTP_URL (environment): ")
