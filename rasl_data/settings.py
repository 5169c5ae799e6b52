"""Configuration: one documented precedence for every setting.

Precedence, highest first:

1. an explicit argument (``load_settings(overrides={...})``, CLI flags);
2. ``.streamlit/secrets.toml`` (top-level keys with the same names as the variables below);
3. environment variables;
4. defaults.

| key | default | meaning |
|---|---|---|
| ``RASL_API_TOKEN`` | none → demo workspace | RASL API v2 token (Bearer) |
| ``RASL_BASE_URL`` | ``https://getrasl.io/api/v2`` | API base URL |
| ``RASL_CACHE_PATH`` | per workspace under ``RASL_CACHE_DIR`` | the DuckDB cache file, used as is |
| ``RASL_CACHE_DIR`` | ``$XDG_CACHE_HOME/rasl-dashboard`` or ``~/.cache/rasl-dashboard`` | folder of per-workspace caches |
| ``RASL_TIMEZONE`` | ``UTC`` | IANA time zone of the business; all dates are local to it |
| ``RASL_WEEK_START`` | ``monday`` | ``monday``, ``sunday`` or ``saturday`` |
| ``RASL_READ_ONLY`` | off | ``1``/``true`` hides the forms that change the workspace |
| ``RASL_MAX_RETRY_WAIT`` | ``120`` | longest wait in seconds a sync accepts when RASL asks it to pause (Retry-After, rate limit) |
| ``RASL_REPORT_EMAILS`` | none | comma-separated addresses the weekly review and alerts are e-mailed to |
| ``RASL_REPORT_WHATSAPP`` | none | comma-separated phone numbers in international form (``+9665…``) for WhatsApp |
| ``RASL_REPORT_WHATSAPP_TEMPLATE`` | none | ``name:language`` of an approved template (outside the 24-hour window) |
| ``RASL_SMTP_URL`` | none | ``smtp://[user:password@]host:port`` (STARTTLS when offered) or ``smtps://`` |
| ``RASL_SMTP_FROM`` | the SMTP user when it is an address | sender address of the e-mails |
| ``RASL_CONVERSION`` | ``type:customer`` | what counts as a customer: ``type:customer`` or ``status:Won[,Other]`` (Settings can override it per cache) |
| ``RASL_CURRENCY`` | none | currency code or symbol shown with spend and costs, e.g. ``SAR`` (amounts are plain numbers) |
| ``RASL_LANGUAGE`` | ``en`` | interface language: ``en`` or ``ar`` (each user can switch in the sidebar; ``?lang=`` in the URL) |
| ``RASL_DIGITS`` | ``western`` | digits in Arabic: ``western`` (0-9) or ``arabic-indic`` (٠-٩) |
| ``RASL_WEEKEND`` | ``fri-sat`` | the work week's weekend: ``fri-sat`` (Gulf), ``sat-sun`` or ``fri`` |

``RASL_SECRETS_PATH`` (environment only) points at another secrets file than
``.streamlit/secrets.toml``; tests use it so a developer's own secrets never leak into a run.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasl_data import i18n
from rasl_data.errors import DashboardError
from rasl_data.i18n import N_, _

DEFAULT_BASE_URL = "https://getrasl.io/api/v2"
WEEK_STARTS = ("monday", "sunday", "saturday")
KEYS = (
    "RASL_API_TOKEN",
    "RASL_BASE_URL",
    "RASL_CACHE_PATH",
    "RASL_CACHE_DIR",
    "RASL_TIMEZONE",
    "RASL_WEEK_START",
    "RASL_READ_ONLY",
    "RASL_MAX_RETRY_WAIT",
    "RASL_REPORT_EMAILS",
    "RASL_REPORT_WHATSAPP",
    "RASL_REPORT_WHATSAPP_TEMPLATE",
    "RASL_SMTP_URL",
    "RASL_SMTP_FROM",
    "RASL_CONVERSION",
    "RASL_CURRENCY",
    "RASL_LANGUAGE",
    "RASL_DIGITS",
    "RASL_WEEKEND",
)
WEEKENDS = {"fri-sat": (4, 5), "sat-sun": (5, 6), "fri": (4,)}
"""``RASL_WEEKEND`` values → weekend days as ``date.weekday()`` numbers (0 = Monday)."""
DEFAULT_MAX_RETRY_WAIT = 120.0
MAX_RETRY_WAIT_LIMIT = 7 * 86_400.0
# Keys whose value may be a TOML list of strings in secrets.toml (joined with commas).
LIST_KEYS = ("RASL_REPORT_EMAILS", "RASL_REPORT_WHATSAPP")
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"


class SettingsError(DashboardError, ValueError):
    """A setting has a value the dashboard cannot use; the message (``title``) names the key and its source."""


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one workspace.

    ``token`` is never shown or logged: ``repr`` hides it and ``token_present`` is what
    pages display.
    """

    token: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    cache_path_override: str | None = None
    cache_dir: str | None = None
    timezone: str = "UTC"
    week_start: str = "monday"
    read_only: bool = False
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    conversion: str = "type:customer"
    currency: str = ""
    origins: Mapping[str, str] = field(default_factory=dict, compare=False)
    report_emails: tuple[str, ...] = ()
    report_whatsapp: tuple[str, ...] = ()
    whatsapp_template: tuple[str, str] | None = None
    smtp_url: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    language: str = "en"
    digits: str = "western"
    weekend: str = "fri-sat"

    @property
    def weekend_days(self) -> tuple[int, ...]:
        """The weekend as ``date.weekday()`` numbers (0 = Monday): ``fri-sat`` → ``(4, 5)``."""
        return WEEKENDS[self.weekend]

    @property
    def smtp_url_masked(self) -> str | None:
        """``RASL_SMTP_URL`` with the password replaced by ``***`` (what pages and logs may show)."""
        return mask_smtp_url(self.smtp_url)

    @property
    def is_demo(self) -> bool:
        """True when no token is configured: the built-in demo workspace is used."""
        return not self.token

    @property
    def token_present(self) -> bool:
        """Whether a token is configured (the only thing about it a page may show)."""
        return bool(self.token)

    @property
    def workspace_id(self) -> str:
        """Stable name of the workspace: ``demo``, or a hash of base URL + token.

        The token itself never appears: only 12 hex digits of a SHA-256 over
        ``base_url + "\\n" + token``.
        """
        if self.is_demo:
            return "demo"
        digest = hashlib.sha256(f"{self.base_url}\n{self.token}".encode()).hexdigest()
        return f"ws-{digest[:12]}"

    @property
    def cache_path(self) -> Path:
        """The DuckDB cache file: ``RASL_CACHE_PATH`` as is, else ``<cache dir>/<workspace>.duckdb``."""
        if self.cache_path_override:
            return Path(self.cache_path_override).expanduser()
        return default_cache_dir(self.cache_dir) / f"{self.workspace_id}.duckdb"

    @property
    def zone(self) -> ZoneInfo:
        """The business time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)


def default_cache_dir(explicit: str | None = None) -> Path:
    """Folder holding per-workspace caches: explicit, else XDG cache dir, else ``~/.cache``."""
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rasl-dashboard"


def read_secrets(path: Path | None = None) -> dict[str, str]:
    """Top-level ``RASL_*`` keys of ``.streamlit/secrets.toml`` (missing file → empty).

    Raises ``SettingsError`` naming the file when it is not valid TOML.
    """
    path = path or DEFAULT_SECRETS_PATH
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SettingsError(_("{path} is not valid TOML: {error}").format(path=path, error=err)) from err
    except OSError as err:
        raise SettingsError(_("{path} cannot be read: {error}").format(path=path, error=err.strerror or err)) from err
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            continue
        if key == "RASL_READ_ONLY" and isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif key == "RASL_MAX_RETRY_WAIT" and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = str(value)
        elif key in LIST_KEYS and isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = ", ".join(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            # A number or table where text belongs is a typo; sending it as text would only
            # show up later as a rejected token or a silently ignored zone.
            raise SettingsError(_("{key} (secrets.toml): must be text in quotes, e.g. {key} = \"...\"").format(key=key))
    return out


_EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
_PHONE_RE = re.compile(r"^\+[0-9\s()\-]+$")


def split_list(value: str | None) -> list[str]:
    """Comma- (or semicolon-) separated items, stripped, empty ones and repeats dropped."""
    items = [x.strip() for x in re.split(r"[,;]", value or "")]
    return list(dict.fromkeys(x for x in items if x))


def mask_smtp_url(url: str | None) -> str | None:
    """An SMTP URL with its password replaced by ``***`` (user, host and port kept); None stays None.

    Works on the text as typed, not on a URL parser's reading of it, so a password with an
    unencoded ``#``, ``?`` or ``/`` (which a parser would cut elsewhere) is still hidden whole.
    """
    if not url:
        return url
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    head = f"{scheme}://" if sep else ""
    if "@" in rest:
        userinfo, host = rest.rsplit("@", 1)
        user, colon, _password = userinfo.partition(":")
        return f"{head}{user}{':***' if colon else ''}@{host}"
    host, colon, tail = rest.partition(":")
    if colon and not tail.rstrip("/").isdigit():
        return f"{head}{host}:***"  # not a port: maybe credentials without a host
    return f"{head}{rest}"


def check_smtp_url(url: str) -> str | None:
    """Why ``url`` is not a usable ``RASL_SMTP_URL`` (the password never appears), else None."""
    masked = mask_smtp_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("{url} has a port that is not a number").format(url=repr(masked))
    if parts.scheme not in ("smtp", "smtps"):
        return _("{url} must start with smtp:// or smtps:// (TLS from the start)").format(url=repr(masked))
    if not parts.hostname or "@" in (parts.hostname or "") or parts.fragment or parts.query:
        return _("{url} has no host name, e.g. smtp://user:password@mail.example.com:587 (write @ : / # ? "
                 "inside the user or password as %40 %3A %2F %23 %3F)").format(url=repr(masked))
    if port is not None and not 0 < port < 65536:
        return _("{url} has a port outside 1-65535").format(url=repr(masked))
    return None


def _truthy(value: str | None) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    secrets_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings: overrides → secrets.toml → environment → defaults.

    ``overrides`` uses the same ``RASL_*`` keys; ``None`` values are ignored.
    Raises ``SettingsError`` with the key and where it came from when a value is unusable
    (unknown time zone or week start, base URL without http(s), ...); the sentence is in the
    interface language in effect, the key name and the value as typed stay as they are.
    """
    environ = os.environ if environ is None else environ
    if secrets_path is None and environ.get("RASL_SECRETS_PATH"):
        secrets_path = Path(environ["RASL_SECRETS_PATH"])
    chosen, origin = _choose(overrides or {}, read_secrets(secrets_path), environ)
    bad = _problem_reporter(origin)
    return Settings(
        **_calendar(chosen, bad),
        **_connection(chosen, bad),
        **_delivery(chosen, bad),
        **_display(chosen, bad),
        cache_path_override=chosen.get("RASL_CACHE_PATH"),
        cache_dir=chosen.get("RASL_CACHE_DIR"),
        read_only=_truthy(chosen.get("RASL_READ_ONLY")),
        origins=origin,
    )


def _choose(overrides: Mapping[str, Any], secrets: Mapping[str, str],
            environ: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``(value, origin)`` of every key set somewhere: the first non-empty of argument, secrets.toml,
    environment; origins are ``argument``, ``secrets.toml`` or ``environment``."""
    chosen: dict[str, str] = {}
    origin: dict[str, str] = {}
    for key in KEYS:
        for where, mapping in (("argument", overrides), ("secrets.toml", secrets), ("environment", environ)):
            value = mapping.get(key)
            if value is not None and str(value).strip() != "":
                chosen[key] = str(value).strip()
                origin[key] = where
                break
    return chosen, origin


_Bad = Callable[[str, str], SettingsError]


# "KEY (where it came from): problem", one frame per origin so a translation words each whole.
_PROBLEM_FRAMES = {
    "argument": N_("{key} (argument): {problem}"),
    "secrets.toml": N_("{key} (secrets.toml): {problem}"),
    "environment": N_("{key} (environment): {problem}"),
    "default": N_("{key} (default): {problem}"),
}


def _problem_reporter(origin: Mapping[str, str]) -> _Bad:
    """``bad(key, why)``: the ``SettingsError`` naming ``key`` and where its value came from."""
    def bad(key: str, why: str) -> SettingsError:
        return SettingsError(_(_PROBLEM_FRAMES[origin.get(key, "default")]).format(key=key, problem=why))
    return bad


def _calendar(chosen: Mapping[str, str], bad: _Bad) -> dict[str, Any]:
    """``timezone`` (an IANA name) and ``week_start``."""
    timezone = chosen.get("RASL_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise bad("RASL_TIMEZONE", _("unknown time zone {zone}; use an IANA name such as Asia/Riyadh").format(
            zone=repr(timezone))) from err
    week_start = chosen.get("RASL_WEEK_START", "monday").lower()
    if week_start not in WEEK_STARTS:
        raise bad("RASL_WEEK_START", _("{value} is not one of {choices}").format(
            value=repr(week_start), choices=", ".join(WEEK_STARTS)))
    return {"timezone": timezone, "week_start": week_start}


def _connection(chosen: Mapping[str, str], bad: _Bad) -> dict[str, Any]:
    """``base_url`` (http(s) with a host), ``token`` (printable ASCII, never echoed) and ``max_retry_wait``."""
    base_url = chosen.get("RASL_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise bad("RASL_BASE_URL", _("{url} must start with http:// or https://").format(url=repr(base_url)))
    try:
        parsed = urlsplit(base_url)
        _port = parsed.port  # raises ValueError for a malformed port
    except ValueError as err:
        raise bad("RASL_BASE_URL", _("{url} is not a valid address").format(url=repr(base_url))) from err
    if not parsed.hostname:
        raise bad("RASL_BASE_URL", _("{url} has no host name, e.g. https://getrasl.io/api/v2").format(
            url=repr(base_url)))
    token = chosen.get("RASL_API_TOKEN")
    if token is not None and (not token.isascii() or not token.isprintable() or any(c.isspace() for c in token)):
        # Never echo the token, not even the offending character.
        raise bad("RASL_API_TOKEN", _("contains spaces, line breaks or non-ASCII characters; "
                                      "copy the token again from RASL"))
    raw_wait = chosen.get("RASL_MAX_RETRY_WAIT")
    max_retry_wait = DEFAULT_MAX_RETRY_WAIT
    if raw_wait is not None:
        try:
            max_retry_wait = float(raw_wait)
        except ValueError:
            max_retry_wait = float("nan")
        if not (1 <= max_retry_wait <= MAX_RETRY_WAIT_LIMIT):  # also rejects nan
            raise bad("RASL_MAX_RETRY_WAIT", _("{value} must be a number of seconds from 1 to {limit} (7 days), "
                                               "e.g. 120").format(value=repr(raw_wait),
                                                                  limit=i18n.format_number(MAX_RETRY_WAIT_LIMIT)))
    return {"base_url": base_url, "token": token, "max_retry_wait": max_retry_wait}


def _delivery(chosen: Mapping[str, str], bad: _Bad) -> dict[str, Any]:
    """Where reports go: ``report_emails``, ``report_whatsapp``, ``whatsapp_template``, ``smtp_url``, ``smtp_from``."""
    emails = split_list(chosen.get("RASL_REPORT_EMAILS"))
    for address in emails:
        if not _EMAIL_RE.match(address):
            raise bad("RASL_REPORT_EMAILS", _("{value} is not an e-mail address, e.g. team@example.com").format(
                value=repr(address)))
    phones = split_list(chosen.get("RASL_REPORT_WHATSAPP"))
    for phone in phones:
        digits = sum(ch.isdigit() for ch in phone)
        if not _PHONE_RE.match(phone) or not 8 <= digits <= 15:
            raise bad("RASL_REPORT_WHATSAPP", _("{value} is not a phone number in international form: "
                                                "write + and the country code, e.g. +966501234567").format(
                value=repr(phone)))
    template = None
    raw_template = chosen.get("RASL_REPORT_WHATSAPP_TEMPLATE")
    if raw_template:
        name, sep, language = raw_template.rpartition(":")
        if not sep or not name.strip() or not language.strip() or len(language.strip()) > 10:
            raise bad("RASL_REPORT_WHATSAPP_TEMPLATE", _("{value} must be name:language, e.g. weekly_review:en").format(
                value=repr(raw_template)))
        template = (name.strip(), language.strip())
    smtp_url = chosen.get("RASL_SMTP_URL")
    problem = check_smtp_url(smtp_url) if smtp_url else None
    if problem:
        raise bad("RASL_SMTP_URL", problem)
    smtp_from = chosen.get("RASL_SMTP_FROM")
    if smtp_from and not _EMAIL_RE.match(parseaddr(smtp_from)[1] or ""):
        raise bad("RASL_SMTP_FROM", _("{value} is not an e-mail address, e.g. RASL reports <reports@example.com>").format(
            value=repr(smtp_from)))
    return {"report_emails": tuple(emails), "report_whatsapp": tuple(phones), "whatsapp_template": template,
            "smtp_url": smtp_url, "smtp_from": smtp_from}


def _display(chosen: Mapping[str, str], bad: _Bad) -> dict[str, Any]:
    """How numbers are read and shown: ``conversion``, ``currency``, ``language``, ``digits``, ``weekend``."""
    from rasl_data.analytics.conversion_definition import parse as parse_conversion

    try:
        conversion = parse_conversion(chosen.get("RASL_CONVERSION"), "RASL_CONVERSION").text
    except ValueError as err:
        raise bad("RASL_CONVERSION", str(err).split(": ", 1)[1]) from err
    currency = chosen.get("RASL_CURRENCY", "")
    if len(currency) > 12 or not currency.isprintable():
        raise bad("RASL_CURRENCY", _("{value} should be a short code or symbol such as SAR, AED or $").format(
            value=repr(currency)))
    raw_language = chosen.get("RASL_LANGUAGE", "en")
    language = i18n.normalise_language(raw_language)
    if language is None:
        raise bad("RASL_LANGUAGE", _("{value} is not one of {choices}").format(
            value=repr(raw_language), choices=", ".join(i18n.LANGUAGES)))
    raw_digits = chosen.get("RASL_DIGITS", "western")
    digit_style = i18n.normalise_digits(raw_digits)
    if digit_style is None:
        raise bad("RASL_DIGITS", _("{value} is not one of {choices}").format(
            value=repr(raw_digits), choices=", ".join(i18n.DIGIT_STYLES)))
    weekend = chosen.get("RASL_WEEKEND", "fri-sat").strip().lower()
    if weekend not in WEEKENDS:
        raise bad("RASL_WEEKEND", _("{value} is not one of {choices}").format(
            value=repr(weekend), choices=", ".join(WEEKENDS)))
    return {"conversion": conversion, "currency": currency, "language": language, "digits": digit_style,
            "weekend": weekend}
