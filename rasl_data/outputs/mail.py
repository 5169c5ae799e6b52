"""E-mail through SMTP (standard library ``smtplib``/``email``), one message per recipient.

``RASL_SMTP_URL`` is ``smtp://[user:password@]host:port`` (plain connection, upgraded with
STARTTLS whenever the server offers it) or ``smtps://…`` (TLS from the first byte). User and
password may be percent-encoded (``%40`` for ``@``). Default ports: 25 for ``smtp``, 465 for
``smtps``. Certificates are checked against the system's trust store (``SSL_CERT_FILE`` names
another bundle, e.g. a company CA).

The password never leaves this module: ``SmtpConfig`` hides it from ``repr`` and every error text
is scrubbed of it (plain, percent-encoded, and the base64 forms AUTH sends) before it is raised.
Error texts are in the language in effect (``rasl_data.i18n``); the server's own words are quoted.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from rasl_data.errors import DashboardError
from rasl_data.i18n import _
from rasl_data.settings import check_smtp_url, mask_smtp_url

DEFAULT_TIMEOUT = 20.0  # seconds for connect and each SMTP command


class MailError(DashboardError):
    """A message could not be handed to the mail server.

    ``str(err)`` is one line saying what went wrong and what to fix (no secret). ``whole_run``
    is True when no other recipient can succeed either (server unreachable, sign-in or sender
    refused): the remaining recipients get the same message without another attempt.
    """

    def __init__(self, text: str, *, whole_run: bool = False) -> None:
        super().__init__(text)
        self.whole_run = whole_run


@dataclass(frozen=True)
class SmtpConfig:
    """A parsed ``RASL_SMTP_URL``: ``scheme`` smtp/smtps, ``host``, ``port``, ``user``, ``password``."""

    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    masked_url: str = ""

    @classmethod
    def from_url(cls, url: str) -> "SmtpConfig":
        """Parse ``url``; raises ``ValueError`` naming ``RASL_SMTP_URL`` (password never shown)."""
        problem = check_smtp_url(url)
        if problem:
            raise ValueError(f"RASL_SMTP_URL: {problem}")
        parts = urlsplit(url)
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.scheme, parts.hostname or "", port, user, password, mask_smtp_url(url) or "")

    @property
    def where(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"

    def scrub(self, text: str) -> str:
        """``text`` without the password in any form AUTH PLAIN/LOGIN or a URL would carry it."""
        if not self.password:
            return text
        pw = self.password
        forms = {pw, base64.b64encode(pw.encode()).decode()}
        if self.user:
            forms.add(base64.b64encode(f"\0{self.user}\0{pw}".encode()).decode())
        from urllib.parse import quote

        forms.add(quote(pw, safe=""))
        for form in sorted(forms, key=len, reverse=True):
            if len(form) >= 3:
                text = text.replace(form, "***")
        return text


def sender_address(config: SmtpConfig, smtp_from: str | None) -> str | None:
    """The ``From`` address: ``RASL_SMTP_FROM``, else the SMTP user when it is an address, else None."""
    if smtp_from:
        return smtp_from
    if config.user and "@" in config.user:
        return config.user
    return None


def build_message(sender: str, recipient: str, subject: str, text: str, html: str | None = None,
                  attachments: list[tuple[str, bytes, str]] | None = None) -> EmailMessage:
    """One e-mail: plain ``text`` body, optional ``html`` alternative, ``attachments`` as
    ``(file name, bytes, "maintype/subtype")``. Header values are set as text (names with
    Arabic letters are encoded, never interpreted)."""
    msg = EmailMessage()
    name, addr = parseaddr(sender)
    msg["From"] = formataddr((name, addr)) if name else addr
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=addr.rpartition("@")[2] or None)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for file_name, data, mime in attachments or []:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=file_name)
    return msg


class Mailer:
    """One SMTP session for a run, opened on the first ``send`` and reopened after a drop.

    ``ssl_context`` defaults to ``ssl.create_default_context()`` (system trust store,
    ``SSL_CERT_FILE``); ``timeout`` seconds per connect and command. Use as a context manager.
    """

    def __init__(self, config: SmtpConfig, sender: str, *, timeout: float = DEFAULT_TIMEOUT,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.sender = sender
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self._fatal: MailError | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the session politely (QUIT); errors on the way out are ignored."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                try:
                    self._smtp.close()
                except OSError:
                    pass
            self._smtp = None

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _fail(self, what: str, err: BaseException | None = None, *, whole_run: bool = False) -> MailError:
        detail = ""
        if err is not None:
            if isinstance(err, smtplib.SMTPResponseException):
                text = err.smtp_error.decode("utf-8", "replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
                detail = f" ({err.smtp_code} {' '.join(text.split())})"
            else:
                detail = f" ({type(err).__name__}: {' '.join(str(err).split())})" if str(err) else f" ({type(err).__name__})"
        return MailError(self.config.scrub(what + detail), whole_run=whole_run)

    def _no_answer(self) -> str:
        return _("the mail server {server} did not answer in {seconds} s; check RASL_SMTP_URL").format(
            server=self.config.where, seconds=f"{self.timeout:g}")

    def _tls_failed(self) -> str:
        return _("the mail server {server} did not pass the TLS check; check the host in RASL_SMTP_URL (or "
                 "SSL_CERT_FILE for a private certificate)").format(server=self.config.where)

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        try:
            if c.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=self._context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
        except ssl.SSLError as err:
            raise self._fail(self._tls_failed(), err, whole_run=True) from None
        except (socket.timeout, TimeoutError) as err:
            raise self._fail(self._no_answer(), err, whole_run=True) from None
        except smtplib.SMTPServerDisconnected as err:
            if "timed out" not in str(err):
                raise self._fail(_("the mail server {server} closed the connection at once; check the host and port "
                                   "in RASL_SMTP_URL").format(server=c.where), err, whole_run=True) from None
            # smtplib reports a silent server (no greeting) as a disconnect "timed out".
            raise self._fail(self._no_answer(), whole_run=True) from None
        except (OSError, smtplib.SMTPException) as err:
            raise self._fail(_("could not reach the mail server {server}; check the host and port in RASL_SMTP_URL")
                             .format(server=c.where), err, whole_run=True) from None
        try:
            smtp.ehlo()
            if c.scheme == "smtp" and smtp.has_extn("starttls"):
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if c.user:
                if not smtp.has_extn("auth"):
                    raise self._fail(_("the mail server {server} does not offer sign-in (AUTH) on this connection; "
                                       "use smtps:// or the server's submission port in RASL_SMTP_URL").format(
                        server=c.where), whole_run=True)
                smtp.login(c.user, c.password or "")
        except MailError:
            smtp.close()
            raise
        except UnicodeError:
            smtp.close()
            # smtplib sends AUTH as ASCII; never echo the offending text (it may be the password).
            raise self._fail(_("the user name or password in RASL_SMTP_URL has characters SMTP sign-in cannot "
                               "send; use plain ASCII (percent-encode @ : / as %40 %3A %2F)"), whole_run=True) from None
        except smtplib.SMTPAuthenticationError as err:
            smtp.close()
            raise self._fail(_("the mail server {server} refused the user name or password; check RASL_SMTP_URL")
                             .format(server=c.where), err, whole_run=True) from None
        except ssl.SSLError as err:
            smtp.close()
            raise self._fail(self._tls_failed(), err, whole_run=True) from None
        except (smtplib.SMTPException, OSError) as err:
            smtp.close()
            raise self._fail(_("the mail server {server} broke off the greeting; check RASL_SMTP_URL").format(
                server=c.where), err, whole_run=True) from None
        return smtp

    def send(self, message: EmailMessage, recipient: str) -> None:
        """Hand ``message`` to the server for ``recipient`` (envelope sender: the From address).

        Raises ``MailError`` with one line naming what to fix; ``whole_run`` set when the
        server cannot be used at all (later calls then fail at once with the same message).
        """
        if self._fatal is not None:
            raise self._fatal
        for attempt in (0, 1):
            if self._smtp is None:
                try:
                    self._smtp = self._connect()
                except MailError as err:
                    self._fatal = err
                    raise
            try:
                self._smtp.send_message(message, from_addr=parseaddr(self.sender)[1], to_addrs=[recipient])
                return
            except smtplib.SMTPServerDisconnected as err:
                self._smtp = None
                if attempt == 1:
                    raise self._fail(_("the mail server closed the connection while sending; try again later"),
                                     err) from None
                # A server that drops idle sessions between recipients: reconnect once.
            except smtplib.SMTPRecipientsRefused as err:
                code, text = next(iter(err.recipients.values()), (0, b""))
                reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
                raise MailError(self.config.scrub(
                    _("the mail server refused the address ({reason}); check it in RASL_REPORT_EMAILS").format(
                        reason=f"{code} {' '.join(reason.split())}"))) from None
            except smtplib.SMTPSenderRefused as err:
                self._fatal = self._fail(_("the mail server refused the sender {sender}; check RASL_SMTP_FROM").format(
                    sender=parseaddr(self.sender)[1]), err, whole_run=True)
                raise self._fatal from None
            except smtplib.SMTPDataError as err:
                raise self._fail(_("the mail server refused the message"), err) from None
            except (smtplib.SMTPException, OSError) as err:
                self.close()
                raise self._fail(_("sending to the mail server failed; try again later"), err) from None
