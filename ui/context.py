"""The workspace of this dashboard process and cached readers keyed on the cache version.

Tests (and embedding code) can replace the workspace without touching the settings: assign a
``Workspace`` to ``WORKSPACE_OVERRIDE`` (e.g. one built on ``EmulatorApp(...).transport()`` and a
cache under ``tmp_path``) before running the app with ``AppTest``; ``None`` restores the normal
one built from ``load_settings()`` (secrets.toml, then the environment, e.g. ``RASL_CACHE_PATH``).
"""

from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from rasl_data.access import LOCAL_ACTOR, LOCAL_VIEWER, Actor
from rasl_data.settings import Settings, SettingsError, load_settings
from rasl_data.store import CacheError
from rasl_data.text import md_literal
from rasl_data.workspace import Workspace

# Module-level hook: AppTest runs the app in the test's own process, so a test sets this to
# inject a workspace with an emulator transport and a private cache file.
WORKSPACE_OVERRIDE: Workspace | None = None


@st.cache_resource(show_spinner=False)
def _workspace(settings: Settings) -> Workspace:
    return Workspace(settings)


def settings() -> Settings:
    """Resolved settings of the workspace in use; stops the page with a clear error when unusable."""
    if WORKSPACE_OVERRIDE is not None:
        return WORKSPACE_OVERRIDE.settings
    try:
        return load_settings()
    except SettingsError as err:
        st.error(f"Configuration problem: {md_literal(err)}", icon=":material/settings:")
        st.stop()
        raise


def workspace() -> Workspace:
    """The process-wide ``Workspace`` for the current settings (or ``WORKSPACE_OVERRIDE``).

    Stops the page with the cache's own message when the cache file cannot be created.
    """
    if WORKSPACE_OVERRIDE is not None:
        return WORKSPACE_OVERRIDE
    try:
        return _workspace(settings())
    except CacheError as err:
        st.error(md_literal(err.title), icon=":material/database:")
        if err.detail:
            with st.expander("Details"):
                st.code(err.detail)
        st.stop()
        raise


def actor() -> Actor:
    """Who is using this session: the signed-in user with their role, else ``local``.

    Without sign-in the dashboard acts as ``local``, an editor (a viewer with ``RASL_READ_ONLY``).
    Every change the pages make passes this to the ``Workspace`` method, which checks the role.
    """
    return LOCAL_VIEWER if settings().read_only else LOCAL_ACTOR


def cache_version() -> str:
    """Identity of the current cache file: the key every cached reader takes."""
    return workspace().reader.version


def humanize_age(moment: datetime | None, now: datetime | None = None) -> str:
    """“synced 5 min ago”-style text for an aware UTC moment (``never synced`` for None)."""
    if moment is None:
        return "never synced"
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "synced just now"
    if seconds < 3600:
        return f"synced {seconds // 60} min ago"
    if seconds < 86400:
        return f"synced {seconds // 3600} h ago"
    return f"synced {seconds // 86400} d ago"
