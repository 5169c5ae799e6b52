"""Make sure every page runs inside ``app.py`` (its ``st.navigation``, sidebar and filters).

Why: this repo keeps the pages in a folder named ``pages/``. Streamlit 1.67 still supports the
old multipage mode for such folders: a server process starts in that mode and leaves it only
when ``st.navigation`` runs. A browser whose first request is a page URL (``/sources``) is then
served ``pages/sources.py`` alone, with no sidebar, no filters and a file-name page list, and
since ``app.py`` never runs, every new session keeps landing there. The switch lives on
``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory`` (internal); turning it
off and rerunning makes the same URL run ``app.py``, whose page of the same ``url_path`` then
draws inside the frame.
"""

from __future__ import annotations

import streamlit as st


_switched_at_import = False


def disable_pages_folder_mode(*, at_import: bool = False) -> bool:
    """Turn off the old ``pages/`` folder mode for this process; True if it was on.

    ``at_import``: remember the switch so the page run that imported ``ui`` first still reruns.
    """
    global _switched_at_import
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the old mode: nothing to do
        return False
    was_on = bool(getattr(PagesManager, "uses_pages_directory", False))
    if was_on:
        PagesManager.uses_pages_directory = False
        _switched_at_import = _switched_at_import or at_import
    return was_on


def ensure_app_frame() -> None:
    """Called first by every page: when it runs without ``app.py``, rerun through ``app.py``.

    At most one extra run per process start (or per bare page run), never a loop: the mode,
    once off, stays off.
    """
    global _switched_at_import
    switched = disable_pages_folder_mode() or _switched_at_import
    _switched_at_import = False
    if switched:
        st.rerun()


# Streamlit draws white text on primary buttons in both themes. The dark theme's primary green
# must be bright (it is also text: a selected segmented control, a slider's value, on a dark
# background), and white on a bright green fails WCAG contrast (1.8:1). So primary buttons keep
# the light theme's dark green (white on it: 6.6:1) in both themes.
PRIMARY_BUTTON_CSS = """<style>
button[kind="primary"], button[kind="primary"]:focus:not(:active) {
  background-color: #0A6B3F; border-color: #0A6B3F; color: #FFFFFF;
}
button[kind="primary"]:hover, button[kind="primary"]:active {
  background-color: #085A35; border-color: #085A35; color: #FFFFFF;
}
</style>"""


def theme_fixes() -> None:
    """Style the app chrome where the theme options cannot (``PRIMARY_BUTTON_CSS``); draws nothing."""
    st.html(PRIMARY_BUTTON_CSS)
