"""Sources: every source with contacts in the range (or the compared period), its history, and source management."""

from __future__ import annotations

import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import acquisition
from rasl_data.i18n import _, ngettext
from ui import charts, data, filters, frame, source_forms, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters

st.title(_("Sources"))
st.caption(widgets.range_caption(view))

table = data.cached_query(acquisition.source_table, f, view.compare)
if table.empty:
    widgets.empty_state(_("No source brought contacts in this range."),
                        _("Widen the date range or clear the filters in the sidebar. Sources without contacts in "
                          "the range can still be renamed or deleted below."))
else:
    named = int(table["source_id"].notna().sum())  # Unattributed is a row, not a source
    top = table[table["new_contacts"] > 0].head(15)
    if len(top):
        fig = charts.horizontal_bars(top, x="new_contacts", y="source", colour_keys="source_id",
                                     x_title=_("New contacts in the range"))
        st.plotly_chart(fig, key="src_chart", width="stretch", config={"displaylogo": False})
        if int((table["new_contacts"] > 0).sum()) > 15:
            widgets.note(_("The chart shows the 15 sources with most new contacts; the table lists every one."))
    display, config = widgets.breakdown_display(table, "source", _("Source"))
    # Channel and campaign names are data: shown as typed (Unattributed translated).
    display.insert(1, _("Channel"), [widgets.shown_name(v) for v in table["channel"]])
    display.insert(2, _("Campaign"), [widgets.shown_name(v) for v in table["campaign"]])
    all_time, first, last = _("All-time contacts"), _("First contact"), _("Last contact")
    display[all_time] = table["all_time_contacts"].astype("Int64")
    display[first] = table["first_contact"]
    display[last] = table["last_contact"]
    config |= {
        # A plain number keeps the wide table readable; the Overview draws share as a bar.
        _("Share"): st.column_config.NumberColumn(_("Share"), format="%.1f%%", help=_("Of the range's new contacts")),
        # Short labels keep all eleven columns inside a 1,400 px window (no horizontal scrolling).
        all_time: st.column_config.NumberColumn(_("All time"), format="%,d",
                                                help=_("Contacts of all time, every type")),
        first: st.column_config.DateColumn(first, format="YYYY-MM-DD"),
        last: st.column_config.DateColumn(last, format="YYYY-MM-DD"),
    }
    if _("Change") in display.columns:
        config[_("Change")] = None  # hidden (the CSV keeps it): Previous and Change % say the same here
    widgets.clickable_table(display, config, key="src_table", rows=table, kind="source", column="source_id",
                            height=widgets.table_height(len(display), 20))
    if view.compare and named < len(table):
        text = ngettext("{n} source with contacts in the range or the compared period (and Unattributed: "
                        "contacts without a known source).",
                        "{n} sources with contacts in the range or the compared period (and Unattributed: "
                        "contacts without a known source).", named)
    elif view.compare:
        text = ngettext("{n} source with contacts in the range or the compared period.",
                        "{n} sources with contacts in the range or the compared period.", named)
    elif named < len(table):
        text = ngettext("{n} source with contacts in the range (and Unattributed: contacts without a known "
                        "source).",
                        "{n} sources with contacts in the range (and Unattributed: contacts without a known "
                        "source).", named)
    else:
        text = ngettext("{n} source with contacts in the range.", "{n} sources with contacts in the range.", named)
    widgets.note(text.format(n=i18n.format_number(named)) + " "
                 + _("Share is of the range's new contacts; first and last contact are of all time, local dates. "
                     "Select a row to filter every page to it."))
    widgets.csv_download(table, "sources", view, key="dl_src_table")

st.header(_("Manage sources"))
st.caption(_("Changes go to RASL through the API and show in the lists below at once; a source appears in the "
             "table above once it has contacts in the range."))
source_forms.draw()
