"""Delivery of the weekly review and the alerts by e-mail (SMTP) and WhatsApp (RASL's messages API).

* ``deliver`` with ``weekly_content`` — ``python -m rasl_data report weekly --send``
  (``rasl_data.cli.deliver``): the pack by e-mail (summary as the text, KPI tiles as HTML, the zip
  attached) and the summary on WhatsApp (``POST /messages/text``, or ``/messages/template`` when
  ``RASL_REPORT_WHATSAPP_TEMPLATE`` is set).
* ``send_alerts`` — ``python -m rasl_data alerts --send``: the alerts of ``rasl_data.analytics.alerts`` not
  yet sent, one message per recipient and channel; a quiet run sends nothing.
* ``send_test`` — the dashboard's *Send test* button: editors only (``access.require_editor``),
  audited (``delivery.test``).

Exactly once: every attempt is written to the cache table ``deliveries`` (``delivery_log``) in its
own writer swap right after it ended. A ``(kind, item, channel, recipient)`` already ``sent`` is
skipped unless forced; a failure is recorded as ``failed``, never as sent, and the next run tries
that recipient again. One recipient's failure never stops the others. Messages never contain the
SMTP password or the API token (``_scrub``). Messages for people (what failed and what to fix,
the test message) are in the language in effect (``rasl_data.i18n``); the audit log's records and
the ``RASL_*`` keys stay English. No streamlit here.

What the messages say lives in ``delivery_content`` (``Content``, ``weekly_content``,
``alert_content``), one WhatsApp send and its failures in ``delivery_whatsapp``; both are
re-exported here, so ``delivery.weekly_content`` and ``delivery.whatsapp_problem`` keep working.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from rasl_data import i18n
from rasl_data.access import CLI_ACTOR, AccessDeniedError, Actor, require_editor
from rasl_data.analytics import alerts as alerts_mod
from rasl_data.cache import audit, delivery_log, store
from rasl_data.cache.audit import AuditEntry
from rasl_data.cache.delivery_log import Attempt
from rasl_data.errors import RaslError
from rasl_data.i18n import _
from rasl_data.outputs.delivery_content import Content, alert_content, weekly_content  # noqa: F401 - re-exported
from rasl_data.outputs.delivery_whatsapp import (  # noqa: F401 - re-exported: the public path stays delivery.*
    WhatsAppFailure,
    send_whatsapp,
    whatsapp_problem,
)
from rasl_data.outputs.mail import Mailer, MailError, SmtpConfig, build_message, sender_address
from rasl_data.settings import Settings

log = logging.getLogger(__name__)

EMAIL, WHATSAPP = "email", "whatsapp"


@dataclass(frozen=True)
class Recipient:
    """One destination: ``channel`` (``email``/``whatsapp``) and ``address`` (as configured)."""

    channel: str
    address: str

    def __str__(self) -> str:
        if self.channel == EMAIL:
            return _("e-mail {address}").format(address=self.address)
        return _("WhatsApp {address}").format(address=self.address)


@dataclass
class RunResult:
    """The outcome of one delivery run: recipients ``sent``, ``skipped`` (already sent) and ``failed``
    (recipient → one-line message)."""

    what: str
    sent: list[Recipient] = field(default_factory=list)
    skipped: list[Recipient] = field(default_factory=list)
    failed: dict[Recipient, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nobody failed."""
        return not self.failed


def recipients(settings: Settings) -> list[Recipient]:
    """Every configured recipient: e-mail addresses first, then WhatsApp numbers."""
    return [Recipient(EMAIL, a) for a in settings.report_emails] + [Recipient(WHATSAPP, p) for p in settings.report_whatsapp]


def _scrub(text: str, settings: Settings, smtp: SmtpConfig | None = None) -> str:
    """``text`` without the API token or the SMTP password (belt and braces: both are scrubbed where
    the errors are made, too)."""
    if settings.token and len(settings.token) >= 4:
        text = text.replace(settings.token, "[redacted]")
    if smtp is not None:
        text = smtp.scrub(text)
    elif settings.smtp_url:
        try:
            text = SmtpConfig.from_url(settings.smtp_url).scrub(text)
        except ValueError:
            pass
    return " ".join(text.split())


@contextlib.contextmanager
def run_lock(cache_path: Path):
    """Hold ``<cache>.delivery.lock`` for one delivery run, so two runs (an overlapping cron job, a
    test from the dashboard) never both find a recipient "not sent yet" and both send.

    Raises ``DeliveryBusyError`` at once when another run holds it.
    """
    path = Path(cache_path)
    lock = path.with_name(path.name + ".delivery.lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise store.CacheError(_("The delivery lock {file} cannot be created: {reason}.").format(
            file=lock, reason=err.strerror or err)) from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DeliveryBusyError(_("Another delivery run is sending right now; try again in a minute.")) from None
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


class DeliveryBusyError(store.CacheError):
    """Another ``--send`` run (or a dashboard test) is delivering from the same cache."""


# --- the run ----------------------------------------------------------------------------------


class _Recorder:
    """Writes each attempt of one ``deliver`` call to ``deliveries`` and into its ``RunResult``."""

    def __init__(self, settings: Settings, cache_path: Path, content: Content, kind: str, actor: Actor,
                 result: RunResult) -> None:
        self.settings, self.cache_path, self.content, self.kind, self.actor = settings, cache_path, content, kind, actor
        self.result = result
        self.smtp: SmtpConfig | None = None  # set once known, so its password is scrubbed too

    def note(self, rcpt: Recipient, items: list[str], error: str | None, info: str = "") -> None:
        """Record one attempt (``error`` None: sent). Raises ``store.CacheError`` when it cannot be
        recorded: sending on without records could repeat these messages on the next run."""
        outcome = "failed" if error else "sent"
        message = _scrub(error or info, self.settings, self.smtp)
        try:
            delivery_log.append(self.cache_path, [
                Attempt(self.kind, item, rcpt.channel, rcpt.address, outcome, self.content.subject, message,
                        self.actor.email) for item in items])
        except store.CacheError as err:
            if error:
                text = _("{recipient} was not served, and the delivery log could not be written ({reason}); "
                         "stopped before the other recipients")
            else:
                text = _("{recipient} got the message, but the delivery log could not be written ({reason}); "
                         "stopped before the other recipients")
            raise store.CacheError(text.format(recipient=rcpt, reason=err.title), err.detail) from err
        if error:
            self.result.failed[rcpt] = message
            log.info("%s not delivered: %s", rcpt, message)
        else:
            self.result.sent.append(rcpt)
            log.info("%s delivered", rcpt)


def _email_sender(settings: Settings, rec: _Recorder) -> tuple[str | None, str | None]:
    """``(sender address, None)`` or ``(None, what to fix)`` from ``RASL_SMTP_URL``/``RASL_SMTP_FROM``."""
    if not settings.smtp_url:
        return None, _("RASL_SMTP_URL is not set: set it to smtp://user:password@host:port to send e-mail")
    rec.smtp = SmtpConfig.from_url(settings.smtp_url)
    sender = sender_address(rec.smtp, settings.smtp_from)
    if not sender:
        return None, _("RASL_SMTP_FROM is not set: set the sender address, e.g. reports@example.com")
    return sender, None


def _deliver_email(settings: Settings, targets: list[tuple[Recipient, list[str]]], content: Content,
                   rec: _Recorder, ssl_context) -> None:
    """Send ``content`` by e-mail to each target through one SMTP connection; record each attempt."""
    sender, problem = _email_sender(settings, rec)
    if problem:
        for rcpt, items in targets:
            rec.note(rcpt, items, problem)
        return
    with Mailer(rec.smtp, sender, ssl_context=ssl_context) as mailer:
        for rcpt, items in targets:
            msg = build_message(sender, rcpt.address, content.subject, content.email_text,
                                content.email_html, list(content.attachments))
            try:
                mailer.send(msg, rcpt.address)
            except MailError as err:
                rec.note(rcpt, items, str(err))
                continue
            rec.note(rcpt, items, None)


def _deliver_whatsapp(settings: Settings, targets: list[tuple[Recipient, list[str]]], content: Content,
                      rec: _Recorder, client_factory: Callable[[], object] | None) -> None:
    """Send ``content.whatsapp`` to each number; after a failure no other number can survive
    (``WhatsAppFailure.whole_run``), the rest are recorded as failed without another attempt."""
    fatal: str | None = None
    client = None
    try:
        client = client_factory() if client_factory else None
    except RaslError as err:
        fatal = err.title
    if client is None and fatal is None:
        fatal = _("no RASL connection is available for WhatsApp")
    try:
        for rcpt, items in targets:
            if fatal:
                rec.note(rcpt, items, fatal)
                continue
            try:
                info = send_whatsapp(client, settings, rcpt.address, content.whatsapp)
            except RaslError as err:
                failure = whatsapp_problem(err, settings)
                if failure.whole_run:
                    fatal = str(failure)
                rec.note(rcpt, items, str(failure))
                continue
            rec.note(rcpt, items, None, info)
    finally:
        if client is not None:
            client.close()


def deliver(
    settings: Settings,
    cache_path: Path,
    targets: list[tuple[Recipient, list[str]]],
    content: Content,
    *,
    kind: str,
    client_factory: Callable[[], object] | None,
    actor: Actor = CLI_ACTOR,
    ssl_context=None,
    result: RunResult | None = None,
) -> RunResult:
    """Send ``content`` to each target ``(recipient, items)`` and record every attempt.

    ``items`` are the ``deliveries.item`` values the message covers (one week, or several alert
    keys); a success records one ``sent`` row per item, a failure one ``failed`` row per item, each
    in its own writer swap right after the attempt. ``client_factory()`` returns a ``RaslClient``
    (used as a context manager) for WhatsApp. Raises ``store.CacheError`` when an attempt cannot be
    recorded (the run stops there: sending on without a record could repeat a message later).
    """
    result = result or RunResult(content.subject)
    rec = _Recorder(settings, cache_path, content, kind, actor, result)
    email_targets = [t for t in targets if t[0].channel == EMAIL]
    wa_targets = [t for t in targets if t[0].channel == WHATSAPP]
    if email_targets:
        _deliver_email(settings, email_targets, content, rec, ssl_context)
    if wa_targets:
        _deliver_whatsapp(settings, wa_targets, content, rec, client_factory)
    return result


# --- weekly review ----------------------------------------------------------------------------


def pending(reader, kind: str, targets: list[tuple[Recipient, list[str]]], force: bool) -> tuple[
        list[tuple[Recipient, list[str]]], list[Recipient]]:
    """Split targets into ``(to send, already sent)``; each target keeps only its unsent items.

    ``force`` sends everything again. Reads ``deliveries``.
    """
    if force:
        return targets, []
    items = sorted({i for _, its in targets for i in its})
    done = delivery_log.sent_keys(reader, kind, items)
    todo, skipped = [], []
    for rcpt, its in targets:
        left = [i for i in its if (i, rcpt.channel, rcpt.address) not in done]
        if left:
            todo.append((rcpt, left))
        else:
            skipped.append(rcpt)
    return todo, skipped


def workspace_client(settings: Settings, transport=None) -> Callable[[], object]:
    """A factory of the workspace's API client (``transport`` for tests), opened only when a message goes out."""
    def make():
        from rasl_data.cache.workspace import Workspace

        ws = Workspace(settings, transport=transport)
        try:
            return ws.client()
        finally:
            ws.reader.close()
    return make


# --- alerts -----------------------------------------------------------------------------------


def send_alerts(settings: Settings, *, now: datetime | None = None, transport=None, ssl_context=None,
                send: bool = True) -> tuple[list[alerts_mod.Alert], RunResult | None]:
    """Detect the alerts and send each recipient those it has not had yet.

    Returns ``(alerts true now, run result or None when nothing was sent)``. ``send=False`` only
    detects. Raises ``store.CacheError``.
    """
    cache = settings.cache_path
    with run_lock(cache) if send else contextlib.nullcontext():
        reader = store.Reader(cache)
        try:
            found = alerts_mod.detect(reader, settings.timezone, settings.week_start, now)
            if not send or not found:
                return found, None
            keys = [a.key for a in found]
            todo, _ = pending(reader, "alert", [(r, keys) for r in recipients(settings)], False)
        finally:
            reader.close()
        if not todo:
            return found, None
        by_key = {a.key: a for a in found}
        result = RunResult("alerts")
        # Recipients differ in what they already had: group those who get the same set.
        groups: dict[tuple[str, ...], list[tuple[Recipient, list[str]]]] = {}
        for rcpt, its in todo:
            groups.setdefault(tuple(its), []).append((rcpt, its))
        for its, targets in groups.items():
            content = alert_content([by_key[k] for k in its], settings.timezone, now)
            deliver(settings, cache, targets, content, kind="alert",
                    client_factory=workspace_client(settings, transport), ssl_context=ssl_context, result=result)
        return found, result


# --- the dashboard's Send test ----------------------------------------------------------------


def send_test(ws, channel: str, *, actor: Actor, ssl_context=None) -> RunResult:
    """Send a short test message on ``channel`` (``email``/``whatsapp``) to every configured recipient.

    ``ws`` is the ``Workspace`` (its settings, cache and API client). Editors only: raises
    ``access.AccessDeniedError`` for a viewer (audited as refused, nothing sent). Audited as
    ``delivery.test`` (object ``delivery_channel``) with the recipients and the outcome; each attempt
    lands in ``deliveries`` (kind ``test``). Raises ``ValueError`` for an unknown channel or when the
    channel has no recipients; ``DeliveryBusyError`` while a scheduled run is sending;
    ``store.CacheError`` when the cache cannot be written.
    """
    if channel not in (EMAIL, WHATSAPP):
        raise ValueError(f"unknown channel {channel!r}")
    settings: Settings = ws.settings
    targets = [r for r in recipients(settings) if r.channel == channel]
    label = "e-mail" if channel == EMAIL else "WhatsApp"  # the audit log's record, in English like its actions
    entry = AuditEntry("delivery.test", "delivery_channel", channel, label,
                       before=None, after={"recipients": [r.address for r in targets]})
    try:
        require_editor(actor, entry.action)
    except AccessDeniedError as err:
        entry.outcome, entry.message = "refused", err.title
        audit.append(ws.cache_path, actor, entry)
        raise
    if not targets:
        raise ValueError(_("No e-mail recipients: set RASL_REPORT_EMAILS first.") if channel == EMAIL
                         else _("No WhatsApp recipients: set RASL_REPORT_WHATSAPP first."))
    content = _test_content(channel, datetime.now(timezone.utc))
    with run_lock(ws.cache_path):
        result = deliver(settings, ws.cache_path, [(r, ["test"]) for r in targets], content, kind="test",
                         client_factory=ws.client, actor=actor, ssl_context=ssl_context)
    entry.after = {"recipients": [r.address for r in targets], "sent": [r.address for r in result.sent],
                   "failed": {r.address: m for r, m in result.failed.items()}}
    if result.failed:
        entry.outcome = "failed"
        entry.message = _scrub("; ".join(f"{r.address}: {m}" for r, m in result.failed.items()), settings)[:500]
    audit.append(ws.cache_path, actor, entry)
    return result


def _test_content(channel: str, now: datetime) -> Content:
    """The test message of ``channel``, in the language in effect (``now``: an aware UTC instant)."""
    stamp = i18n.localise_digits(f"{now:%Y-%m-%d %H:%M}")
    if channel == EMAIL:
        text = _("RASL dashboard test: e-mail delivery works. The weekly review and alerts will arrive here. "
                 "({time} UTC)").format(time=stamp)
    else:
        text = _("RASL dashboard test: WhatsApp delivery works. The weekly review and alerts will arrive here. "
                 "({time} UTC)").format(time=stamp)
    return Content(subject=_("RASL dashboard: test message"), whatsapp=text, email_text=text + "\n")


def delivery_log_frame(ws, limit: int = 100):
    """The delivery log for the Settings page: one row per message and recipient, newest first
    (see ``delivery_log.read_messages``; table ``deliveries``)."""
    return delivery_log.read_messages(ws.reader, limit=limit)


# --- the schedule of compose.yaml (deploy/weekly-loop.sh) --------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekly_due(settings: Settings, now: datetime | None = None, day: str = "monday", hour: int = 8) -> bool:
    """True from ``hour`` o'clock to midnight on ``day`` in the business's time zone (``RASL_TIMEZONE``):
    when the scheduled ``report weekly --send`` should run. ``now`` is an aware instant (default
    now). Raises ``ValueError`` for an unknown day or an hour outside 0–23."""
    day = day.strip().lower()
    if day not in WEEKDAYS:
        raise ValueError(_("RASL_WEEKLY_DAY {value} is not a day of the week, e.g. monday").format(value=repr(day)))
    if not 0 <= hour <= 23:
        raise ValueError(_("RASL_WEEKLY_HOUR {value} is not an hour from 0 to 23").format(value=hour))
    local = (now or datetime.now(timezone.utc)).astimezone(settings.zone)
    return local.weekday() == WEEKDAYS.index(day) and local.hour >= hour

