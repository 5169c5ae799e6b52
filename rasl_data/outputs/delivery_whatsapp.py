"""WhatsApp delivery through RASL's messages API: one send (``send_whatsapp``: ``POST /messages/text``,
or ``/messages/template`` when ``RASL_REPORT_WHATSAPP_TEMPLATE`` is set) and what a failed send means
for the person running it (``whatsapp_problem``). ``rasl_data.outputs.delivery`` runs the sends and
records them. Messages are in the language in effect (``rasl_data.i18n``); the API's own error
titles are quoted as they come. No streamlit here.
"""

from __future__ import annotations

from rasl_data.errors import (
    AuthenticationError,
    ConnectionFailedError,
    InsufficientScopeError,
    IpNotAllowedError,
    NotFoundError,
    PlanLimitError,
    ProtocolError,
    RaslError,
    RequestTimeoutError,
    ServerError,
    ValidationError,
)
from rasl_data.i18n import _
from rasl_data.outputs import delivery_content
from rasl_data.settings import Settings


class WhatsAppFailure(Exception):
    """A failed WhatsApp send: ``str(err)`` is one line for people; ``whole_run`` when no other
    number can succeed either."""

    def __init__(self, text: str, whole_run: bool = False) -> None:
        super().__init__(text)
        self.whole_run = whole_run


def whatsapp_problem(err: RaslError, settings: Settings) -> WhatsAppFailure:
    """One line (what went wrong, what to fix) for a failed WhatsApp send; ``whole_run`` when no other
    number can succeed either (token, permission, WhatsApp not connected, template missing)."""
    template = settings.whatsapp_template
    if isinstance(err, InsufficientScopeError):
        return WhatsAppFailure(_("the API token lacks the 'messages:send' permission; add it to the token in "
                                 "RASL (RASL_API_TOKEN)"), True)
    if isinstance(err, (AuthenticationError, IpNotAllowedError)):
        return WhatsAppFailure(err.title, True)
    if err.code == "WHATSAPP_NOT_CONFIGURED":
        return WhatsAppFailure(_("WhatsApp is not connected for this RASL account; connect it in RASL first"), True)
    if isinstance(err, ValidationError):
        if "phone" in err.fields:
            return WhatsAppFailure(_("RASL rejected the phone number: {reason} Fix it in RASL_REPORT_WHATSAPP "
                                     "(international form, e.g. +966501234567)").format(reason=err.fields["phone"][0]))
        first = next((m[0] for m in err.fields.values() if m), "")
        return WhatsAppFailure(_("RASL rejected the message: {reason}").format(reason=first or err.detail or err.title))
    if isinstance(err, NotFoundError) and template:
        return WhatsAppFailure(_("RASL has no approved template '{template}' in language '{language}'; check "
                                 "RASL_REPORT_WHATSAPP_TEMPLATE").format(template=template[0], language=template[1]),
                               True)
    if err.code == "CONTACT_OPTED_OUT":
        return WhatsAppFailure(_("this contact opted out of messages in RASL; remove the number from "
                                 "RASL_REPORT_WHATSAPP or opt it back in"))
    if err.code == "FEATURE_NOT_AVAILABLE":
        return WhatsAppFailure(_("template messages are not in this RASL plan; remove "
                                 "RASL_REPORT_WHATSAPP_TEMPLATE or upgrade the plan"), True)
    if isinstance(err, PlanLimitError):
        return WhatsAppFailure(f"{err.title.rstrip('.')} ({err.detail})", err.code == "FEATURE_LIMIT_EXCEEDED")
    if err.code == "MESSAGE_SEND_FAILED":
        reason = err.details.get("error") if isinstance(err.details, dict) else None
        if reason:
            return WhatsAppFailure(_("WhatsApp did not accept the message ({reason}); try again later").format(
                reason=reason))
        return WhatsAppFailure(_("WhatsApp did not accept the message; try again later"))
    if isinstance(err, (ServerError, RequestTimeoutError, ProtocolError)):
        return WhatsAppFailure(_("RASL did not confirm the message ({reason}); it is not counted as sent and the "
                                 "next run sends it again").format(reason=err.title.rstrip(".")))
    if isinstance(err, ConnectionFailedError):
        return WhatsAppFailure(err.title, True)
    return WhatsAppFailure(err.title)


def send_whatsapp(client, settings: Settings, phone: str, text: str) -> str:
    """Send ``text`` to ``phone``; returns RASL's message id (or ``""``). Raises ``RaslError``."""
    if settings.whatsapp_template:
        name, language = settings.whatsapp_template
        sent = client.send_template(phone, name, language, [delivery_content.template_field(text)])
    else:
        sent = client.send_text(phone, delivery_content.fit_text(text))
    return _("RASL message {id}").format(id=sent.message_id) if sent.message_id else ""

