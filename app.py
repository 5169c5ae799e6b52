"""RASL attribution dashboard: router and frame.

Page config, the sign-in gate, the shared sidebar (account, workspace, freshness, sync,
filters) and ``st.navigation``. It draws no chart itself; pages live in ``pages/`` and data comes
from ``rasl_data``. With ``[auth]`` in the secrets file, a visitor who is not signed in with a
role sees only the product name and a Sign in button (``ui.frame.closed_door``): the gate runs
before the workspace is opened.
Run with ``make run`` (or ``streamlit run app.py``).
"""

from __future__ import annotations

import streamlit as st

from rasl_data.i18n import _
from ui import charts, context, data, filters, frame, locale, sync_panel
from ui import notes as chart_notes

locale.apply()  # first: the language and digits of this run (the page title is translated)
st.set_page_config(page_title=_("RASL attribution"), page_icon=":material/insights:", layout="wide")

PAGES = [
    # The Overview is served at "/" (the default page) and at "/overview", which users bookmark:
    # a hidden second entry of the same file (the default page's own url_path is never served,
    # so it takes another name to keep "overview" free for the alias).
    st.Page("pages/overview.py", title=_("Overview"), icon=":material/dashboard:", default=True, url_path="home"),
    st.Page("pages/sources.py", title=_("Sources"), icon=":material/list:", url_path="sources"),
    st.Page("pages/campaigns.py", title=_("Campaigns & channels"), icon=":material/campaign:", url_path="campaigns"),
    st.Page("pages/conversion.py", title=_("Conversion"), icon=":material/conversion_path:", url_path="conversion"),
    st.Page("pages/performance.py", title=_("Performance"), icon=":material/paid:", url_path="performance"),
    st.Page("pages/weekly.py", title=_("Weekly review"), icon=":material/event_note:", url_path="weekly"),
    st.Page("pages/health.py", title=_("Data health"), icon=":material/health_and_safety:", url_path="health"),
    st.Page("pages/audit.py", title=_("Audit log"), icon=":material/history:", url_path="audit"),
    st.Page("pages/notes.py", title=_("Notes"), icon=":material/sticky_note_2:", url_path="notes"),
    st.Page("pages/settings.py", title=_("Settings"), icon=":material/settings:", url_path="settings"),
    st.Page("pages/overview.py", title=_("Overview"), icon=":material/dashboard:", url_path="overview",
            visibility="hidden"),
]

visit = frame.visit()
# Navigation first even at the door (hidden there), so a deep link keeps its page and query string
# for the return after sign-in.
page = st.navigation(PAGES, position="sidebar" if visit.allowed else "hidden")
frame.theme_fixes()
if not visit.allowed:
    frame.closed_door(visit)  # stops the run
ws = context.workspace()

with st.sidebar:
    frame.account_box(visit)
    sync_panel.workspace_header(ws)
# The first sync (minutes at RASL's 60 requests a minute) shows its progress in the main area.
sync_panel.first_sync_if_empty(ws)
with st.sidebar:
    sync_panel.freshness_badge(ws)
    # Drawn on every page, even where unused, so the filter state survives page switches
    # (Streamlit drops the state of widgets a run does not draw).
    filters.sidebar(ws, page_name=page.url_path)
    chart_notes.sidebar()  # which kinds of notes the time charts show

charts.set_colours(data.series_colours())

page.run()
