"""The workspace of this dashboard process and cached readers keyed on the cache version.

Tests (and embedding code) can replace the workspace without touching the settings: assign a
``Workspace`` to ``WORKSPACE_OVERRIDE`` (e.g. one built on ``EmulatorApp(...).transport()`` and a
cache under ``tmp_path``) before running the app with ``AppTest``; ``None`` restores the normal
one built from ``load_settings()`` (secrets.toml, then the environment, e.g. ``RASL_CACHE_PATH``).
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from rasl_data import i18n, signin
from rasl_data.access import EDITOR, LOCAL_ACTOR, LOCAL_VIEWER, VIEWER, Actor
from rasl_data.cache.store import CacheError
from rasl_data.cache.workspace import Workspace
from rasl_data.i18n import _, ngettext
from rasl_data.settings import DEFAULT_SECRETS_PATH, Settings, SettingsError, load_settings
from rasl_data.text import md_literal
from ui.errors import show_error

# Module-level hook: AppTest runs the app in the test's own process, so a test sets this to
# inject a workspace with an emulator transport and a private cache file.
WORKSPACE_OVERRIDE: Workspace | None = None


@st.cache_resource(show_spinner=False)
def _workspace(settings: Settings) -> Workspace:
    return Workspace(settings)


def secrets_path() -> Path:
    """The secrets file this dashboard reads: the same one Streamlit's sign-in reads.

    ``RASL_SECRETS_PATH`` when set; else the last existing file of Streamlit's ``secrets.files``
    option when it was set (``streamlit run --secrets.files=PATH``); else
    ``.streamlit/secrets.toml`` of the repo (Streamlit's default when run from the repo root).
    """
    env = os.environ.get("RASL_SECRETS_PATH", "").strip()
    if env:
        return Path(env).expanduser()
    try:
        from streamlit import config

        if config.get_where_defined("secrets.files") != "<default>":
            files = [Path(f).expanduser() for f in config.get_option("secrets.files") or []]
            existing = [f for f in files if f.is_file()]
            if existing or files:
                return (existing or files)[-1]
    except Exception:  # an older Streamlit without the option: the repo default
        pass
    return DEFAULT_SECRETS_PATH


def _file_key(path: Path) -> tuple:
    try:
        st_ = path.stat()
        return (str(path), st_.st_mtime_ns, st_.st_size)
    except OSError:
        return (str(path), None, None)


@st.cache_resource(show_spinner=False, max_entries=8)
def _signin(key: tuple) -> tuple[signin.SignInConfig | None, str | None]:
    try:
        return signin.load_signin(Path(key[0])), None
    except signin.SignInConfigError as err:
        return None, str(err)


def _streamlit_has_auth() -> bool:
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except Exception:  # unreadable secrets: Streamlit's sign-in is off too
        return False


def signin_config() -> signin.SignInConfig:
    """The sign-in and role configuration (``[auth]``/``[access]``) of the secrets file.

    Raises ``signin.SignInConfigError`` (one line) when it is unusable, including when Streamlit
    loaded ``[auth]`` from another file than the dashboard reads (or did not load it at all), so
    sign-in and roles can never silently disagree.
    """
    path = secrets_path()
    config, problem = _signin(_file_key(path))
    if problem:
        raise signin.SignInConfigError(problem)
    assert config is not None
    streamlit_auth = _streamlit_has_auth()
    if config.enabled and not streamlit_auth:
        raise signin.SignInConfigError(
            _("[auth] is in {path} but Streamlit did not load that file: start the dashboard with "
              "--secrets.files {path} (or `python -m rasl_data serve`)").format(path=path))
    if streamlit_auth and not config.enabled:
        raise signin.SignInConfigError(
            _("Streamlit loaded an [auth] section from a secrets file the dashboard does not read ({path} has "
              "none): point RASL_SECRETS_PATH at that file").format(path=path))
    return config


def signed_in_email() -> tuple[bool, str | None]:
    """(whether the browser is signed in, its verified e-mail address or ``None``).

    Reads ``st.user`` (the provider's ID-token claims). An address the provider marks as not
    verified (``email_verified`` false) counts as no address.
    """
    user = st.user
    if not user.get("is_logged_in"):
        return False, None
    if user.get("email_verified") in (False, "false", "False"):
        return True, None
    return True, signin.normalise_email(user.get("email"))


def settings() -> Settings:
    """Resolved settings of the workspace in use; stops the page with a clear error when unusable
    (in the configured language, with no page list: the frame's navigation never ran)."""
    if WORKSPACE_OVERRIDE is not None:
        return WORKSPACE_OVERRIDE.settings
    try:
        return load_settings(secrets_path=secrets_path())
    except SettingsError as err:
        try:  # no navigation ran yet in this run: without one Streamlit would list the pages/ files
            st.navigation([st.Page(_nothing, title=_("RASL attribution"), url_path="problem")], position="hidden")
        except Exception:  # navigation already drawn in this run
            pass
        st.error(_("Configuration problem: {problem}").format(problem=md_literal(err)), icon=":material/settings:")
        st.stop()
        raise


def _nothing() -> None:
    """The page of a run stopped by a configuration problem: the message above is all it shows."""


def configured(key: str) -> str | None:
    """The value of setting ``key`` (``RASL_LANGUAGE``…) as resolved, or as written in the secrets
    file or the environment when another setting is unusable, so the problem can be reported in
    the user's language. Draws nothing and never stops the run."""
    try:
        resolved = (WORKSPACE_OVERRIDE.settings if WORKSPACE_OVERRIDE is not None
                    else load_settings(secrets_path=secrets_path()))
        return {"RASL_LANGUAGE": resolved.language, "RASL_DIGITS": resolved.digits}.get(key)
    except SettingsError:
        pass
    try:
        from rasl_data.settings import read_secrets

        written = read_secrets(secrets_path()).get(key)
    except SettingsError:
        written = None
    return written or os.environ.get(key)


def workspace() -> Workspace:
    """The process-wide ``Workspace`` for the current settings (or ``WORKSPACE_OVERRIDE``).

    Stops the page with the cache's own message when the cache file cannot be created.
    """
    if WORKSPACE_OVERRIDE is not None:
        return WORKSPACE_OVERRIDE
    try:
        return _workspace(settings())
    except CacheError as err:
        show_error(err, icon=":material/database:")
        st.stop()
        raise


def actor() -> Actor:
    """Who is using this session: the signed-in user with their role, else ``local``.

    Without ``[auth]`` the dashboard acts as ``local``, an editor (a viewer with
    ``RASL_READ_ONLY``). With ``[auth]`` it is the signed-in e-mail with its ``[access]`` role;
    anyone else (not signed in, not on a list, no e-mail, unusable configuration) is a viewer
    named ``anonymous`` or by their address, so a change that reaches a callback without passing
    the gate in ``app.py`` is still refused by the ``Workspace`` method and logged.
    ``RASL_READ_ONLY=1`` makes editors viewers too.
    """
    try:
        config = signin_config()
    except signin.SignInConfigError:
        return Actor("anonymous", VIEWER)
    return actor_for(config, signed_in_email()[1] if config.enabled else None)


def actor_for(config: signin.SignInConfig, email: str | None) -> Actor:
    """The ``Actor`` for ``email`` under ``config`` (see ``actor``); ``RASL_READ_ONLY`` applied."""
    read_only = settings().read_only
    if not config.enabled:
        return LOCAL_VIEWER if read_only else LOCAL_ACTOR
    member = config.actor_for(email)
    if member is None:
        return Actor(email or "anonymous", VIEWER)
    if read_only and member.role == EDITOR:
        return Actor(member.email, VIEWER)
    return member


def cache_version() -> str:
    """Identity of the current cache file: the key every cached reader takes."""
    return workspace().reader.version


def humanize_age(moment: datetime | None, now: datetime | None = None) -> str:
    """“synced 5 min ago”-style text for an aware UTC moment (``never synced`` for None), in the
    language in effect (Arabic plural forms; the number through ``i18n.format_number``)."""
    if moment is None:
        return _("never synced")
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return _("synced just now")
    if seconds < 3600:
        n = seconds // 60
        return ngettext("synced {n} min ago", "synced {n} min ago", n).format(n=i18n.format_number(n))
    if seconds < 86400:
        n = seconds // 3600
        return ngettext("synced {n} h ago", "synced {n} h ago", n).format(n=i18n.format_number(n))
    n = seconds // 86400
    return ngettext("synced {n} d ago", "synced {n} d ago", n).format(n=i18n.format_number(n))
