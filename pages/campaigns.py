"""Campaigns & channels: acquisition by channel, campaign and group; channel rules and labels."""

from __future__ import annotations

import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import acquisition, attribution
from rasl_data.i18n import N_, _
from ui import attribution_editors, charts, context, data, direction, filters, forms, frame, widgets
from ui import notes as chart_notes

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters

st.title(_("Campaigns & channels"))
st.caption(widgets.range_caption(view))
st.caption(_("RASL gives each contact one source. The dashboard derives the **channel** from channel rules and the "
             "**campaign** from the source name's “Channel / Campaign” convention; both can be set per source "
             "below."))

DIMENSIONS = {"channel": N_("Channel"), "campaign": N_("Campaign"), "group": N_("Group (as campaign)")}
HEADERS = {"channel": N_("Channel"), "campaign": N_("Campaign"), "group": N_("Group")}
NOTHING_BY = {"channel": N_("No new contacts by channel in this range."),
              "campaign": N_("No new contacts by campaign in this range."),
              "group": N_("No new contacts by group in this range.")}
CLICK_NOTES = {"channel": N_("Click a bar or select a row to filter every page to that channel."),
               "campaign": N_("Click a bar or select a row to filter every page to that campaign.")}
# One dimension per run (not tabs): tabs would compute and draw all three every time.
by = st.segmented_control(_("Acquisition by"), list(DIMENSIONS),
                          format_func=filters.option_labels(DIMENSIONS, lambda k: _(DIMENSIONS[k])), key="cc_by",
                          default="channel", required=True) or "channel"
acq = data.cached_query(acquisition.acquisition, f, by, view.granularity)
if by == "group":
    st.info(_(acquisition.GROUPS_NOTE), icon=":material/groups:")
if acq.empty or int(acq["new_contacts"].sum()) == 0:
    widgets.empty_state(_(NOTHING_BY[by]), _("Widen the date range or clear the filters."))
else:
    key_col = "group_id" if by == "group" else by
    fig = charts.stacked_bars(acq, x="period_start", y="new_contacts", colour=by, colour_keys=key_col)
    if view.granularity == "day":  # Hijri dates on hover, weekends shaded
        charts.mark_days(fig, context.workspace().settings.weekend_days)
    clickable = by in ("channel", "campaign")
    chart_notes.annotate(fig, view)  # notes on the time axis (sidebar: Notes on charts)
    st.plotly_chart(fig, key=f"cc_chart_{by}", width="stretch", config={"displaylogo": False},
                    **({"on_select": widgets.chart_click_filter(f"cc_chart_{by}", by, fig), "selection_mode": "points"}
                       if clickable else {}))
    widgets.csv_download(acq, f"acquisition-by-{by}-{view.granularity}", view, key=f"dl_cc_acq_{by}")
    table = data.cached_query(acquisition.breakdown, f, by, view.compare)
    table = table[(table["new_contacts"] > 0) | (table["previous"].fillna(0) > 0)].reset_index(drop=True)
    display, config = widgets.breakdown_display(table, by, _(HEADERS[by]))
    if clickable:
        widgets.clickable_table(display, config, key=f"cc_table_{by}", rows=table, kind=by, column=by,
                                height=widgets.table_height(len(display)))
        widgets.note(_(CLICK_NOTES[by]))
    else:
        st.dataframe(direction.table(display), hide_index=True, width="stretch", placeholder=widgets.MISSING, column_config=config,
                     height=widgets.table_height(len(display)))
    widgets.csv_download(table, f"{by}-breakdown", view, key=f"dl_cc_table_{by}")

st.divider()
st.header(_("Attribution settings"))
read_only = not forms.can_edit_note(_("channel rules and source labels (shown below, not editable)"))

unmapped = data.cached_query(attribution.unmapped_sources)
st.subheader(_("To do: unmapped sources ({count})").format(count=i18n.format_number(len(unmapped))))
if unmapped.empty:
    st.success(_("Every source has a channel."), icon=":material/task_alt:")
else:
    st.caption(_("No rule matches these names, so their contacts count as channel “Unmapped”. Add a rule or set a "
                 "channel label for each."))
    source_header, contacts_header = _("Source"), _("Contacts (all time)")
    st.dataframe(direction.table(unmapped.rename(columns={"source": source_header, "contacts": contacts_header})[
                     [source_header, contacts_header]]),
                 hide_index=True, width="stretch", height=widgets.table_height(len(unmapped), 10),
                 column_config={contacts_header: st.column_config.NumberColumn(format="%,d")})
    widgets.csv_download(unmapped, "unmapped-sources", None, key="dl_cc_unmapped")

st.subheader(_("Channel rules"))
attribution_editors.rules_editor(read_only)
attribution_editors.reset_rules_button(read_only)

st.subheader(_("Source labels"))
attribution_editors.labels_editor(read_only)
