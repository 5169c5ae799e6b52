"""Streamlit helpers shared by ``app.py`` and ``pages/``: workspace access, filters, badges.

Rendering only: data comes from ``rasl_data`` (no SQL, no HTTP here).
"""

from . import frame as _frame

# Importing any page helper switches off Streamlit's old "pages/ folder" mode for the process
# (see ``ui.frame``); the run that did it is rerun by ``frame.ensure_app_frame``.
_frame.disable_pages_folder_mode(at_import=True)
