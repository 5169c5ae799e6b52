"""Sign-in and roles: the ``[auth]`` and ``[access]`` sections of the secrets file.

``[auth]`` is Streamlit's own sign-in configuration (OpenID Connect through ``st.login``), read
here only to check it before a visitor is sent to the provider::

    [auth]
    redirect_uri = "https://dash.example.com/oauth2callback"
    cookie_secret = "<32+ random characters>"
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"

(or named providers in ``[auth.google]``, ``[auth.microsoft]``… with the last three keys each).

``[access]`` lists who may use the dashboard and in which role::

    [access]
    editors = ["maha@shop.example"]              # may change sources, rules, labels, settings
    viewers = ["@shop.example", "omar@agency.example"]   # read everything, change nothing

Each entry is an e-mail address or ``@domain`` (everyone whose address ends with exactly that
domain). Addresses compare case-insensitively; an editor is also a viewer; an e-mail in neither
list has no access. ``[access]`` without ``[auth]`` is a configuration error, and so is
``[auth]`` without anyone in ``[access]`` (nobody could get in).

Without ``[auth]`` the dashboard runs unlocked as before (``Actor`` ``local``).
This module never imports streamlit; ``ui.frame`` draws the pages.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from rasl_data.access import EDITOR, VIEWER, Actor
from rasl_data.errors import DashboardError
from rasl_data.i18n import _

PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
ACCESS_KEYS = ("editors", "viewers")
MIN_COOKIE_SECRET = 16
# An address: something@domain.tld, no spaces; a domain entry: @domain.tld.
_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+\.[^@\s.]+)$")
_DOMAIN = re.compile(r"^@([^@\s]+\.[^@\s.]+)$")


class SignInConfigError(DashboardError, ValueError):
    """``[auth]`` or ``[access]`` cannot be used; the message is one line naming the key to fix."""


@dataclass(frozen=True)
class AccessList:
    """The ``[access]`` section: lower-cased entries, in the order written.

    ``editors``/``viewers``: tuples of ``name@domain`` or ``@domain`` strings.
    """

    editors: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()

    def role_for(self, email: str | None) -> str | None:
        """``editor``, ``viewer`` or ``None`` (no access) for a signed-in e-mail address.

        ``email`` is compared without case and surrounding spaces; ``@domain`` entries match
        addresses at exactly that domain (not its subdomains). Editors win over viewers.
        """
        address = normalise_email(email)
        if address is None:
            return None
        if _matches(address, self.editors):
            return EDITOR
        if _matches(address, self.viewers):
            return VIEWER
        return None

    @property
    def contact(self) -> str | None:
        """Whom a visitor without access should ask: the first editor address, else the first entry."""
        for entry in self.editors + self.viewers:
            if not entry.startswith("@"):
                return entry
        return None


@dataclass(frozen=True)
class SignInConfig:
    """What the secrets file says about sign-in.

    ``enabled``: ``[auth]`` is present (sign-in required). ``providers``: provider names for
    ``st.login`` (``default`` for the unnamed one) mapped to their ``server_metadata_url``.
    ``redirect_uri``: the configured callback address. ``access``: the role lists.
    """

    enabled: bool = False
    providers: Mapping[str, str] = field(default_factory=dict)
    redirect_uri: str | None = None
    access: AccessList = field(default_factory=AccessList)

    def actor_for(self, email: str | None) -> Actor | None:
        """The ``Actor`` for a signed-in e-mail, or ``None`` when it has no access."""
        role = self.access.role_for(email)
        address = normalise_email(email)
        return Actor(address, role) if role and address else None


OPEN = SignInConfig()


def normalise_email(email: Any) -> str | None:
    """``email`` lower-cased and stripped if it looks like an address (``x@y.z``), else ``None``."""
    if not isinstance(email, str):
        return None
    address = email.strip().lower()
    return address if _EMAIL.match(address) else None


def _matches(address: str, entries: tuple[str, ...]) -> bool:
    domain = address.rsplit("@", 1)[1]
    return any(entry == address or (entry.startswith("@") and entry[1:] == domain) for entry in entries)


def _http_url(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SignInConfigError(f"[auth] {key} must be text in quotes, e.g. {key} = \"https://...\"")
    url = value.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise SignInConfigError(f"[auth] {key} {url!r} is not a valid address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SignInConfigError(f"[auth] {key} {url!r} must be an absolute http(s):// address")
    return url


def _provider(section: Mapping[str, Any], where: str) -> str:
    missing = [k for k in PROVIDER_KEYS if not isinstance(section.get(k), str) or not section.get(k).strip()]
    if missing:
        raise SignInConfigError(f"{where} is missing {', '.join(missing)} (text in quotes from your sign-in provider)")
    return _http_url(section["server_metadata_url"], "server_metadata_url")


def _access(raw: Any) -> AccessList:
    if not isinstance(raw, Mapping):
        raise SignInConfigError("[access] must be a section: [access] then editors = [...] and viewers = [...]")
    unknown = sorted(set(raw) - set(ACCESS_KEYS))
    if unknown:
        raise SignInConfigError(f"[access] has an unknown key {unknown[0]!r}; use editors = [...] and viewers = [...]")
    lists: dict[str, tuple[str, ...]] = {}
    for key in ACCESS_KEYS:
        value = raw.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise SignInConfigError(f"[access] {key} must be a list, e.g. {key} = [\"maha@shop.example\", \"@shop.example\"]")
        entries = []
        for item in value:
            text = item.strip().lower() if isinstance(item, str) else None
            if not text or not (_EMAIL.match(text) or _DOMAIN.match(text)):
                raise SignInConfigError(f"[access] {key}: {item!r} is neither an e-mail address nor @domain")
            entries.append(text)
        lists[key] = tuple(dict.fromkeys(entries))
    return AccessList(editors=lists["editors"], viewers=lists["viewers"])


def parse_signin(secrets: Mapping[str, Any]) -> SignInConfig:
    """Check the ``auth`` and ``access`` sections of a parsed secrets file.

    Returns ``OPEN`` (sign-in off) when neither is present. Raises ``SignInConfigError`` with one
    line naming the key for: ``[access]`` without ``[auth]``; ``[auth]`` that is not a section,
    lacks ``redirect_uri`` (absolute, ending in ``/oauth2callback``) or ``cookie_secret`` (at least
    16 characters), or has no complete provider; provider names with ``_`` (``st.login`` refuses
    them); ``[access]`` entries that are neither an address nor ``@domain``; and ``[auth]`` whose
    ``[access]`` lists nobody.
    """
    auth, access = secrets.get("auth"), secrets.get("access")
    if auth is None:
        if access is not None:
            raise SignInConfigError("[access] needs sign-in: add an [auth] section (see README, Shared server) or remove [access]")
        return OPEN
    if not isinstance(auth, Mapping):
        raise SignInConfigError("[auth] must be a section: [auth] then redirect_uri, cookie_secret and the provider keys")
    redirect_uri = _http_url(auth.get("redirect_uri"), "redirect_uri")
    if not urlsplit(redirect_uri).path.endswith("/oauth2callback"):
        raise SignInConfigError(f"[auth] redirect_uri {redirect_uri!r} must end with /oauth2callback")
    secret = auth.get("cookie_secret")
    if not isinstance(secret, str) or not secret.strip():
        raise SignInConfigError("[auth] cookie_secret is missing: set a long random text, e.g. the output of "
                                "`python -c \"import secrets; print(secrets.token_hex(32))\"`")
    if len(secret) < MIN_COOKIE_SECRET:
        raise SignInConfigError(f"[auth] cookie_secret is too short ({len(secret)} characters): use at least 32 random characters")
    providers: dict[str, str] = {}
    if any(k in auth for k in PROVIDER_KEYS):
        providers["default"] = _provider(auth, "[auth]")
    for name, section in auth.items():
        if isinstance(section, Mapping) and name != "client_kwargs":
            if "_" in name:
                raise SignInConfigError(f"[auth.{name}]: provider names cannot contain '_' (Streamlit refuses them)")
            providers[name] = _provider(section, f"[auth.{name}]")
    if not providers:
        raise SignInConfigError("[auth] has no provider: add client_id, client_secret and server_metadata_url")
    if access is None:
        raise SignInConfigError("[auth] is set but [access] is missing: add [access] with editors = [\"you@example.com\"]")
    roles = _access(access)
    if not roles.editors and not roles.viewers:
        raise SignInConfigError("[access] lists nobody: add at least one address to editors = [...]")
    return SignInConfig(enabled=True, providers=providers, redirect_uri=redirect_uri, access=roles)


def read_secrets_file(path: Path | str | None) -> dict[str, Any]:
    """The whole secrets TOML file as a dict (missing file → empty).

    Raises ``SignInConfigError`` naming the file when it is not valid TOML or cannot be read.
    """
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SignInConfigError(f"{path} is not valid TOML: {err}") from None
    except OSError as err:
        raise SignInConfigError(f"{path} cannot be read: {err.strerror or err}") from None


def load_signin(path: Path | str | None) -> SignInConfig:
    """``parse_signin`` of the secrets file at ``path`` (missing file → ``OPEN``)."""
    return parse_signin(read_secrets_file(path))


def provider_problem(metadata_url: str, *, timeout_s: float = 4.0, transport=None) -> str | None:
    """Why the sign-in provider cannot be used right now, or ``None`` when it answers.

    Reads ``GET <server_metadata_url>`` (the provider's OpenID Connect discovery document) and
    expects JSON with an ``authorization_endpoint``. Returns one line for the visitor: the host
    that did not answer, a non-200 status, or a document that is not a provider's. Never raises
    for network errors.
    """
    import httpx

    host = urlsplit(metadata_url).netloc or metadata_url
    try:
        with httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=True) as client:
            response = client.get(metadata_url)
    except httpx.HTTPError:
        return _("The sign-in service at {host} cannot be reached right now.").format(host=host)
    if response.status_code != 200:
        return _("The sign-in service at {host} answered with an error (HTTP {status}).").format(
            host=host, status=response.status_code)
    try:
        document = response.json()
    except ValueError:
        document = None
    if not isinstance(document, dict) or not document.get("authorization_endpoint"):
        return _("The sign-in service at {host} did not send a sign-in configuration.").format(host=host)
    return None


def bind_address(config: SignInConfig, requested: str | None) -> tuple[str, str | None]:
    """The address the server should listen on, and a warning line (or ``None``).

    ``requested`` is the operator's explicit choice (``--address`` / ``RASL_LISTEN_ADDRESS``).
    Without one: ``0.0.0.0`` when sign-in is configured, else ``127.0.0.1`` (this machine only).
    An explicit non-loopback address without sign-in is honoured with a warning.
    """
    if requested:
        if not config.enabled and requested not in ("127.0.0.1", "localhost", "::1"):
            return requested, (f"warning: listening on {requested} without sign-in: anyone who reaches this address "
                               "sees the numbers and can change sources")
        return requested, None
    return ("0.0.0.0" if config.enabled else "127.0.0.1"), None
