"""Overview: KPI cards, acquisition over time by source or channel, top sources."""

from __future__ import annotations

import streamlit as st

from rasl_data.analytics import acquisition, comparison, periods
from rasl_data.i18n import N_, _
from ui import charts, context, data, filters, frame, performance_views, widgets
from ui import notes as chart_notes

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

SPLITS = {"source": N_("Source"), "channel": N_("Channel")}
# One whole sentence per granularity and split (word order differs between languages).
CHART_NOTES = {
    ("day", "source"): N_("One bar per day, labelled with its first day. Click a bar to filter every page to that "
                          "source."),
    ("week", "source"): N_("One bar per week, labelled with its first day. Click a bar to filter every page to that "
                           "source."),
    ("month", "source"): N_("One bar per month, labelled with its first day. Click a bar to filter every page to "
                            "that source."),
    ("day", "channel"): N_("One bar per day, labelled with its first day. Click a bar to filter every page to that "
                           "channel."),
    ("week", "channel"): N_("One bar per week, labelled with its first day. Click a bar to filter every page to "
                            "that channel."),
    ("month", "channel"): N_("One bar per month, labelled with its first day. Click a bar to filter every page to "
                             "that channel."),
}

view = filters.current()
f = view.filters

st.title(_("Overview"))
st.caption(widgets.range_caption(view))

widgets.kpi_row(data.cached_query(acquisition.kpis, f, view.compare), view)
performance_views.pacing_strip(f.tz, f.week_start, periods.today_in(f.tz), where=_("month to date, whole workspace"))

head = st.columns([3, 2], vertical_alignment="bottom")
head[0].header(_("New contacts over time"))
by = head[1].segmented_control(_("Split by"), list(SPLITS), default="source", key="ov_by",
                               format_func=filters.option_labels(SPLITS, lambda k: _(SPLITS[k])), required=True,
                               label_visibility="collapsed") or "source"
acq = data.cached_query(acquisition.acquisition, f, by, view.granularity)
if acq.empty or int(acq["new_contacts"].sum()) == 0:
    widgets.empty_state(_("No new contacts in this range."),
                        _("Widen the date range in the sidebar or clear the source, channel and campaign filters."))
else:
    key_col = "source_id" if by == "source" else by
    fig = charts.stacked_bars(acq, x="period_start", y="new_contacts", colour=by, colour_keys=key_col)
    comp = data.cached_query(comparison.comparison_series, f, view.compare, view.granularity)
    if len(comp):
        charts.add_comparison_line(fig, list(comp["period_start"]), list(comp["previous"]),
                                   _(widgets.COMPARISON_TOTAL[view.compare]), dates=list(comp["comparison_start"]))
    if view.granularity == "day":  # Hijri dates on hover, weekends shaded
        charts.mark_days(fig, context.workspace().settings.weekend_days)
    chart_notes.annotate(fig, view)  # notes on the time axis (sidebar: Notes on charts)
    st.plotly_chart(fig, key="ov_chart", on_select=widgets.chart_click_filter("ov_chart", by, fig),
                    selection_mode="points", config={"displaylogo": False}, width="stretch")
    notes = [_(CHART_NOTES.get((view.granularity, by), CHART_NOTES[("week", by)]))]
    if len(comp):
        notes.append(_("The dashed line is the comparison period's total, period by period."))
    notes.append(_("Contacts without a known source are grey (Unattributed)."))
    widgets.note(" ".join(notes))
    widgets.csv_download(acq, f"acquisition-by-{by}-{view.granularity}", view, key="dl_ov_acq")

st.header(_("Top sources"))
table = data.cached_query(acquisition.breakdown, f, "source", view.compare)
table = table[(table["new_contacts"] > 0) | (table["previous"].fillna(0) > 0)] if len(table) else table
if table.empty:
    widgets.empty_state(_("No sources with contacts in this range or the comparison period."))
else:
    display, config = widgets.breakdown_display(table, "source", _("Source"))
    widgets.clickable_table(display, config, key="ov_top", rows=table.reset_index(drop=True), kind="source",
                            column="source_id")
    widgets.note(_("Select a row to filter every page to that source."))
    widgets.csv_download(table, "top-sources", view, key="dl_ov_top")
