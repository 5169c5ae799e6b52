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
| ``RASL_CONVERSION`` | ``type:customer`` | what counts as a customer: ``type:customer`` or ``status:Won[,Other]`` (Settings can override it per cache) |
| ``RASL_CURRENCY`` | none | currency code or symbol shown with spend and costs, e.g. ``SAR`` (amounts are plain numbers) |

``RASL_SECRETS_PATH`` (environment only) points at another secrets file than
``.streamlit/secrets.toml``; tests use it so a developer's own secrets never leak into a run.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    "RASL_CONVERSION",
    "RASL_CURRENCY",
)
DEFAULT_MAX_RETRY_WAIT = 120.0
MAX_RETRY_WAIT_LIMIT = 7 * 86_400.0
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"


class SettingsError(ValueError):
    """A setting has a value the dashboard cannot use; the message names the key and its source."""


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
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)

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
        raise SettingsError(f"{path} is not valid TOML: {err}") from err
    except OSError as err:
        raise SettingsError(f"{path} cannot be read: {err.strerror or err}") from err
    out: dict[str, str] = {}
    for key, value in data.items():
        if key not in KEYS:
            continue
        if key == "RASL_READ_ONLY" and isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif key == "RASL_MAX_RETRY_WAIT" and isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = str(value)
        elif isinstance(value, str):
            out[key] = value
        else:
            # A number or table where text belongs is a typo; sending it as text would only
            # show up later as a rejected token or a silently ignored zone.
            raise SettingsError(f"{key} (secrets.toml): must be text in quotes, e.g. {key} = \"...\"")
    return out


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
    (unknown time zone or week start, base URL without http(s)).
    """
    environ = os.environ if environ is None else environ
    if secrets_path is None and environ.get("RASL_SECRETS_PATH"):
        secrets_path = Path(environ["RASL_SECRETS_PATH"])
    secrets = read_secrets(secrets_path)
    chosen: dict[str, str] = {}
    origin: dict[str, str] = {}
    for key in KEYS:
        for where, mapping in (("argument", overrides or {}), ("secrets.toml", secrets), ("environment", environ)):
            value = mapping.get(key)
            if value is not None and str(value).strip() != "":
                chosen[key] = str(value).strip()
                origin[key] = where
                break

    def bad(key: str, why: str) -> SettingsError:
        return SettingsError(f"{key} ({origin.get(key, 'default')}): {why}")

    timezone = chosen.get("RASL_TIMEZONE", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise bad("RASL_TIMEZONE", f"unknown time zone {timezone!r}; use an IANA name such as Asia/Riyadh") from err
    week_start = chosen.get("RASL_WEEK_START", "monday").lower()
    if week_start not in WEEK_STARTS:
        raise bad("RASL_WEEK_START", f"{week_start!r} is not one of {', '.join(WEEK_STARTS)}")
    base_url = chosen.get("RASL_BASE_URL", DEFAULT_BASE_URL).rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise bad("RASL_BASE_URL", f"{base_url!r} must start with http:// or https://")
    try:
        parsed = urlsplit(base_url)
        parsed.port  # raises ValueError for a malformed port
    except ValueError as err:
        raise bad("RASL_BASE_URL", f"{base_url!r} is not a valid address") from err
    if not parsed.hostname:
        raise bad("RASL_BASE_URL", f"{base_url!r} has no host name, e.g. https://getrasl.io/api/v2")
    token = chosen.get("RASL_API_TOKEN")
    if token is not None and (not token.isascii() or not token.isprintable() or any(c.isspace() for c in token)):
        # Never echo the token, not even the offending character.
        raise bad("RASL_API_TOKEN", "contains spaces, line breaks or non-ASCII characters; copy the token again from RASL")
    raw_wait = chosen.get("RASL_MAX_RETRY_WAIT")
    max_retry_wait = DEFAULT_MAX_RETRY_WAIT
    if raw_wait is not None:
        try:
            max_retry_wait = float(raw_wait)
        except ValueError:
            max_retry_wait = float("nan")
        if not (1 <= max_retry_wait <= MAX_RETRY_WAIT_LIMIT):  # also rejects nan
            raise bad("RASL_MAX_RETRY_WAIT", f"{raw_wait!r} must be a number of seconds from 1 to "
                                             f"{MAX_RETRY_WAIT_LIMIT:,.0f} (7 days), e.g. 120")
    from .conversion_definition import parse as parse_conversion

    try:
        conversion = parse_conversion(chosen.get("RASL_CONVERSION"), "RASL_CONVERSION").text
    except ValueError as err:
        raise bad("RASL_CONVERSION", str(err).split(": ", 1)[1]) from err
    currency = chosen.get("RASL_CURRENCY", "")
    if len(currency) > 12 or not currency.isprintable():
        raise bad("RASL_CURRENCY", f"{currency!r} should be a short code or symbol such as SAR, AED or $")
    return Settings(
        token=token,
        base_url=base_url,
        cache_path_override=chosen.get("RASL_CACHE_PATH"),
        cache_dir=chosen.get("RASL_CACHE_DIR"),
        timezone=timezone,
        week_start=week_start,
        read_only=_truthy(chosen.get("RASL_READ_ONLY")),
        max_retry_wait=max_retry_wait,
        conversion=conversion,
        currency=currency,
        sources=origin,
    )
