"""The delivery section of the Settings page (editors only) and the data-layer Send test behind it:
role check on the server side, audit row, delivery log; the SMTP password and the token never shown."""

from __future__ import annotations

import pytest
from apptest_support import CUSTOM_QP, assert_clean, run_app, small_tables
from smtp_fixtures import SmtpServer

from rasl_data.access import LOCAL_ACTOR, LOCAL_VIEWER, AccessDeniedError
from rasl_data.cache import audit, delivery_log
from rasl_data.cache.workspace import Workspace
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, empty_tenant
from rasl_data.outputs import delivery
from rasl_data.settings import load_settings
from rasl_data.text import md_literal

PASSWORD = "Sup3r-s3cret-mail"

pytestmark = pytest.mark.usefixtures("isolated")


@pytest.fixture
def mail_server(tmp_path):
    server = SmtpServer(tmp_path, "plain")
    yield server
    server.stop()


@pytest.fixture
def outbox_app():
    return EmulatorApp(empty_tenant(), rate_limit_per_minute=None)


def delivery_ws(tmp_path, make_cache, server: SmtpServer, app: EmulatorApp, read_only: bool = False) -> Workspace:
    reader = make_cache(tmp_path, name="deliv.duckdb", **small_tables())
    settings = load_settings({
        "RASL_CACHE_PATH": str(reader.path), "RASL_API_TOKEN": DEMO_TOKEN, "RASL_BASE_URL": "https://rasl.test/api/v2",
        "RASL_READ_ONLY": "1" if read_only else None, "RASL_REPORT_EMAILS": "ana@example.com",
        "RASL_REPORT_WHATSAPP": "+966501234567", "RASL_SMTP_URL": server.url("reports", PASSWORD),
        "RASL_SMTP_FROM": "reports@example.com"}, secrets_path=tmp_path / "no-secrets.toml", environ={})
    return Workspace(settings, transport=app.transport())


def page_text(at) -> str:
    return str(at._tree) + " ".join(str(v) for d in at.dataframe for v in d.value.to_numpy().ravel())


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_editor_sees_recipients_masked_secrets_and_sends_a_test(tmp_path, make_cache, outbox_app):
    from smtp_fixtures import Authenticator

    from ui import context

    # AUTH over a plain connection (test only): the password is used, and only ever shown masked.
    server = SmtpServer(tmp_path, "plain", Authenticator("reports", PASSWORD))
    try:
        ws = delivery_ws(tmp_path, make_cache, server, outbox_app)
        context.WORKSPACE_OVERRIDE = ws
        at = run_app(CUSTOM_QP, "pages/settings.py")
        assert_clean(at)
        text = page_text(at)
        assert "ana@example.com" in text and "+966501234567" in text
        assert f"smtp://reports:***@127.0.0.1:{server.port}" in text
        assert PASSWORD not in text and DEMO_TOKEN not in text
        at.button(key="set_test_whatsapp").click().run()
        assert_clean(at)
        assert [m["phone"] for m in outbox_app.outbox] == ["+966501234567"]
        assert outbox_app.outbox[0]["message"].startswith("RASL dashboard test: WhatsApp delivery works.")
        assert md_literal("Test sent to +966501234567.") in [s.value for s in at.success]  # shown literally
        log = next(d.value for d in at.dataframe if "Outcome" in d.value.columns and "To" in d.value.columns)
        assert list(log["To"]) == ["+966501234567"] and list(log["Outcome"]) == ["Sent"]
        assert PASSWORD not in page_text(at)
        at.button(key="set_test_email").click().run()
        assert_clean(at)
        assert [(r.rcpt_tos, r.message["Subject"]) for r in server.received] == [
            (["ana@example.com"], "RASL dashboard: test message")]
    finally:
        server.stop()
    rows = audit.read_log(ws.reader, action="delivery.test")
    assert list(rows["outcome"]) == ["done", "done"] and list(rows["actor"]) == ["local", "local"]
    assert list(rows["object_id"]) == ["email", "whatsapp"]


def test_viewer_sees_no_delivery_section(tmp_path, make_cache, mail_server, outbox_app):
    from ui import context

    context.WORKSPACE_OVERRIDE = delivery_ws(tmp_path, make_cache, mail_server, outbox_app, read_only=True)
    at = run_app(CUSTOM_QP, "pages/settings.py")
    assert_clean(at)
    assert not [b for b in at.button if b.key in ("set_test_email", "set_test_whatsapp")]
    assert "ana@example.com" not in page_text(at)


def test_send_test_refuses_a_viewer_on_the_server_side_and_audits_it(tmp_path, make_cache, mail_server, outbox_app):
    ws = delivery_ws(tmp_path, make_cache, mail_server, outbox_app)
    with pytest.raises(AccessDeniedError):
        delivery.send_test(ws, "email", actor=LOCAL_VIEWER)
    assert mail_server.received == [] and outbox_app.outbox == []
    rows = audit.read_log(ws.reader, action="delivery.test")
    assert list(rows["outcome"]) == ["refused"] and list(rows["role"]) == ["viewer"]
    assert delivery_log.read_log(ws.reader).empty


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_send_test_email_records_the_attempt_and_a_failure_without_the_password(tmp_path, make_cache, outbox_app):
    from smtp_fixtures import Authenticator

    auth = Authenticator("reports", "another-password")
    server = SmtpServer(tmp_path, "plain", auth)  # AUTH over a plain connection, for the test only
    try:
        ws = delivery_ws(tmp_path, make_cache, server, outbox_app)
        result = delivery.send_test(ws, "email", actor=LOCAL_ACTOR)
    finally:
        server.stop()
    assert not result.sent and "refused the user name or password" in next(iter(result.failed.values()))
    audit_rows = audit.read_log(ws.reader, action="delivery.test")
    log = delivery_log.read_log(ws.reader)
    assert list(audit_rows["outcome"]) == ["failed"] and list(log["outcome"]) == ["failed"]
    everything = audit_rows.to_string() + log.to_string() + repr(result)
    assert PASSWORD not in everything
