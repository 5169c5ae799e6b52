"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the delivery tests: plain, STARTTLS, implicit TLS
and AUTH, with a self-signed certificate made here with ``cryptography``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """``(cert.pem, key.pem)`` for 127.0.0.1 and localhost, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Received:
    """One message the server accepted: envelope sender, recipients, parsed message, TLS or not, who signed in."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


@dataclass
class Handler:
    """Keeps what was accepted; refuses RCPT for addresses in ``refuse`` (550)."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    refuse_sender: bool = False
    mail_from_attempts: int = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802 - aiosmtpd hook
        self.mail_from_attempts += 1
        if self.refuse_sender:
            return "553 5.7.1 Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd hook
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = message_from_bytes(envelope.content, policy=policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        # session.ssl is set after STARTTLS; an implicit-TLS listener shows on the transport.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg, tls, login))
        return "250 Message accepted for delivery"


class Authenticator:
    """Accepts exactly ``user``/``password``; remembers every attempt's login (never the password)."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.attempts: list[str] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        self.attempts.append(auth_data.login.decode())
        ok = auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class SmtpServer:
    """``SmtpServer(mode, ...)``: mode ``plain``, ``starttls`` (required before MAIL) or ``smtps``.

    ``url(user, password)`` gives the ``RASL_SMTP_URL``; ``client_context`` trusts the certificate.
    """

    def __init__(self, folder: Path, mode: str = "plain", auth: Authenticator | None = None) -> None:
        self.handler = Handler()
        self.mode = mode
        self.port = free_port()
        self.cert = self.key = None
        kwargs: dict = {}
        if mode in ("starttls", "smtps"):
            self.cert, self.key = self_signed_cert(folder)
            server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            server_ctx.load_cert_chain(self.cert, self.key)
            if mode == "starttls":
                kwargs.update(tls_context=server_ctx, require_starttls=True)
            else:
                kwargs.update(ssl_context=server_ctx)
        if auth is not None:
            kwargs.update(authenticator=auth, auth_required=True, auth_require_tls=mode != "plain")
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        if mode == "smtps":
            # The controller's start-up probe must speak TLS to an implicit-TLS listener.
            self.controller.server_hostname = None
        self.controller.start()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def url(self, user: str | None = None, password: str | None = None) -> str:
        scheme = "smtps" if self.mode == "smtps" else "smtp"
        cred = f"{user}:{password}@" if user else ""
        return f"{scheme}://{cred}127.0.0.1:{self.port}"

    @property
    def client_context(self) -> ssl.SSLContext | None:
        if self.cert is None:
            return None
        ctx = ssl.create_default_context()
        ctx.load_verify_locations(self.cert)
        return ctx

    def stop(self) -> None:
        self.controller.stop()
