"""One way to show an error: its title in an error box, its detail (when there is one) in a
"Details" expander. Every ``rasl_data.errors.DashboardError`` (cache, settings, API, access,
spend, mail, sign-in) carries both.
"""

from __future__ import annotations

import streamlit as st

from rasl_data.errors import DashboardError
from rasl_data.i18n import _
from rasl_data.text import md_literal


def show_error(err: DashboardError, *, message: str | None = None, icon: str = ":material/error:") -> None:
    """Draw ``err``: ``message`` (Markdown the caller built, names already escaped) or the error's
    title shown literally, and ``err.detail`` as code inside a "Details" expander when not empty."""
    st.error(message if message is not None else md_literal(getattr(err, "title", None) or str(err)), icon=icon)
    detail = getattr(err, "detail", "")
    if detail:
        with st.expander(_("Details")):
            st.code(detail)
