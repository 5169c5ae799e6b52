"""Sources: every source with contacts in the range (or the compared period), its history, and source management."""

from __future__ import annotations

import streamlit as st

from rasl_data import queries
from ui import data, filters, frame, source_forms, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters

st.title("Sources")
st.caption(widgets.range_caption(view))

table = data.q(queries.source_table, f, view.compare)
if table.empty:
    widgets.empty_state("No source brought contacts in this range.",
                        "Widen the date range or clear the filters in the sidebar. Sources without contacts in "
                        "the range can still be renamed or deleted below.")
else:
    display, config = widgets.breakdown_display(table, "source", "Source")
    display.insert(1, "Channel", table["channel"].astype(str))
    display.insert(2, "Campaign", table["campaign"].astype(str))
    display["All-time contacts"] = table["all_time_contacts"].astype("Int64")
    display["First contact"] = table["first_contact"]
    display["Last contact"] = table["last_contact"]
    config |= {
        # A plain number keeps the wide table readable; the Overview draws share as a bar.
        "Share": st.column_config.NumberColumn("Share", format="%.1f%%", help="Of the range's new contacts"),
        "All-time contacts": st.column_config.NumberColumn("All-time contacts", format="localized"),
        "First contact": st.column_config.DateColumn("First contact", format="YYYY-MM-DD"),
        "Last contact": st.column_config.DateColumn("Last contact", format="YYYY-MM-DD"),
    }
    if "Change" in display.columns:
        config["Change"] = None  # hidden (the CSV keeps it): Previous and Change % say the same here
    widgets.clickable_table(display, config, key="src_table", rows=table, kind="source", column="source_id",
                            height=min(700, 38 + 35 * len(display)))
    where = "in the range or the compared period" if view.compare else "in the range"
    widgets.note(f"{len(table):,} source{'s' if len(table) != 1 else ''} with contacts {where}. Share is of the range's new contacts; "
                 "first and last contact are of all time, local dates. Select a row to filter every page to it.")
    widgets.csv_download(table, "sources", view, key="dl_src_table")

st.subheader("Manage sources")
st.caption("Changes go to RASL through the API and show in the lists below at once; a source appears in the "
           "table above once it has contacts in the range.")
source_forms.draw()
