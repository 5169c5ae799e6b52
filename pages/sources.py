"""Sources: every source with contacts in the range (or the compared period), its history, and source management."""

from __future__ import annotations

import streamlit as st

from rasl_data.analytics import acquisition
from ui import charts, data, filters, frame, source_forms, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters

st.title("Sources")
st.caption(widgets.range_caption(view))

table = data.cached_query(acquisition.source_table, f, view.compare)
if table.empty:
    widgets.empty_state("No source brought contacts in this range.",
                        "Widen the date range or clear the filters in the sidebar. Sources without contacts in "
                        "the range can still be renamed or deleted below.")
else:
    named = int(table["source_id"].notna().sum())  # Unattributed is a row, not a source
    top = table[table["new_contacts"] > 0].head(15)
    if len(top):
        fig = charts.horizontal_bars(top, x="new_contacts", y="source", colour_keys="source_id",
                                     x_title="New contacts in the range")
        st.plotly_chart(fig, key="src_chart", width="stretch", config={"displaylogo": False})
        if int((table["new_contacts"] > 0).sum()) > 15:
            widgets.note("The chart shows the 15 sources with most new contacts; the table lists every one.")
    display, config = widgets.breakdown_display(table, "source", "Source")
    display.insert(1, "Channel", table["channel"].astype(str))
    display.insert(2, "Campaign", table["campaign"].astype(str))
    display["All-time contacts"] = table["all_time_contacts"].astype("Int64")
    display["First contact"] = table["first_contact"]
    display["Last contact"] = table["last_contact"]
    config |= {
        # A plain number keeps the wide table readable; the Overview draws share as a bar.
        "Share": st.column_config.NumberColumn("Share", format="%.1f%%", help="Of the range's new contacts"),
        # Short labels keep all eleven columns inside a 1,400 px window (no horizontal scrolling).
        "All-time contacts": st.column_config.NumberColumn("All time", format="localized",
                                                           help="Contacts of all time, every type"),
        "First contact": st.column_config.DateColumn("First contact", format="YYYY-MM-DD"),
        "Last contact": st.column_config.DateColumn("Last contact", format="YYYY-MM-DD"),
    }
    if "Change" in display.columns:
        config["Change"] = None  # hidden (the CSV keeps it): Previous and Change % say the same here
    widgets.clickable_table(display, config, key="src_table", rows=table, kind="source", column="source_id",
                            height=widgets.table_height(len(display), 20))
    where = "in the range or the compared period" if view.compare else "in the range"
    unattributed = " (and Unattributed: contacts without a known source)" if named < len(table) else ""
    widgets.note(f"{named:,} source{'s' if named != 1 else ''} with contacts {where}{unattributed}. Share is of the "
                 "range's new contacts; first and last contact are of all time, local dates. Select a row to filter "
                 "every page to it.")
    widgets.csv_download(table, "sources", view, key="dl_src_table")

st.header("Manage sources")
st.caption("Changes go to RASL through the API and show in the lists below at once; a source appears in the "
           "table above once it has contacts in the range.")
source_forms.draw()
