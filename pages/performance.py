"""Performance: leads, customers, spend, cost per lead and per customer by source, campaign or
channel; the status funnel; spend and monthly targets (entered here)."""

from __future__ import annotations

import streamlit as st

from rasl_data.analytics import attribution, funnel, performance, periods
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics import spend as spend_mod
from rasl_data.analytics import targets as targets_mod
from ui import charts, context, data, filters, frame, widgets
from ui import performance_views as pv

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters
can_edit = context.actor().can_edit
definition = data.cached_query(cdef.current)
today = periods.today_in(f.tz)

st.title("Performance")
st.caption(widgets.range_caption(view) + f" · customer = {pv.literal(definition.label)}")

totals = data.cached_query(performance.totals, f, view.compare)
pv.kpi_cards(totals, widgets.COMPARE_WORDS.get(view.compare) if view.compare else None)
pv.pacing_strip(f.tz, f.week_start, today, where="month to date, whole workspace")

tab_perf, tab_funnel, tab_spend, tab_targets = st.tabs(["By source, campaign, channel", "Funnel by status",
                                                        "Spend", "Targets"])

with tab_perf:
    head = st.columns([2, 2, 1], vertical_alignment="bottom")
    by = head[0].segmented_control("View by", ["source", "campaign", "channel"], default="source", key="pf_by",
                                   format_func=str.capitalize, required=True) or "source"
    sort_by = head[1].selectbox("Sort by", list(pv.METRIC_LABELS), key="pf_sort",
                                format_func=pv.METRIC_LABELS.get)
    ascending = head[2].toggle("Lowest first", key="pf_asc", value=False)
    table = data.cached_query(performance.performance, f, by, view.compare)
    if table.empty:
        widgets.empty_state("No contacts and no spend in this range.",
                            "Widen the date range in the sidebar, or enter spend on the Spend tab.")
    else:
        ordered = table.sort_values([sort_by, by], ascending=[ascending, True], na_position="last", kind="stable")
        costed = ordered[ordered["cost_per_lead"].notna()]
        if len(costed):
            top = costed.sort_values("cost_per_lead", kind="stable").head(15)
            top = top.assign(label=[pv.fmt_money(x) for x in top["cost_per_lead"]])
            fig = charts.horizontal_bars(top, x="cost_per_lead", y=by, text="label",
                                         colour_keys="source_id" if by == "source" else None,
                                         x_title=pv.money_label("Cost per lead") + ", lowest first")
            st.plotly_chart(fig, key="pf_chart", width="stretch", config={"displaylogo": False})
        display, config = pv.performance_display(ordered, by, bool(view.compare))
        st.dataframe(display, column_config=config, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                     height=widgets.table_height(len(display)))
        widgets.note(
            "New contacts are the leads acquired in the range; customers are those of them who count as customers "
            "now. Spend is blank where none was entered; costs are blank where there is nothing to divide by. "
            "Campaign and channel spend that a finer view cannot split shows as a line of its own, so spend adds up "
            "to the same total in every view."
            + (f" “before” columns: the {widgets.COMPARE_WORDS[view.compare]}, {widgets.fmt_range(*widgets.comparison_range(view))}."
               if view.compare else ""))
        widgets.table_download(ordered, f"performance-by-{by}", view, key="pf_dl")

with tab_funnel:
    statuses = data.cached_query(funnel.status_order)
    if statuses.empty:
        widgets.empty_state("This workspace has no statuses.", "Add statuses in RASL, then sync.")
    else:
        names = dict(zip(statuses["status_id"].astype(int), statuses["status"]))
        c = st.columns([3, 1])
        default_ids = list(data.cached_query(funnel.default_steps))
        steps = c[0].multiselect("Steps, in the workspace's status order", list(names), default=default_ids,
                                 format_func=lambda i: names[i], key="fn_steps",
                                 help="Leave out statuses that end a lead without success (Lost, Spam…): they "
                                      "are not steps on the way to a customer.")
        split = c[1].selectbox("Split by", ["none", "channel", "source"], key="fn_split", format_func=str.capitalize)
        ordered_steps = tuple(i for i in names if i in steps)
        if not ordered_steps:
            widgets.empty_state("Pick at least one status as a step.")
        else:
            result = data.cached_query(funnel.funnel, f, None if split == "none" else split, ordered_steps)
            acquired = int(result.acquired["acquired"].sum()) if len(result.acquired) else 0
            if acquired == 0:
                widgets.empty_state("No contacts acquired in this range.")
            else:
                st.caption(f"{acquired:,} contacts acquired in the range. " + pv.funnel_caption(result))
                overall = data.cached_query(funnel.funnel, f, None, ordered_steps).steps
                st.plotly_chart(pv.funnel_figure(overall), key="fn_chart", width="stretch",
                                config={"displaylogo": False})
                shown = result.steps.rename(columns={
                    "step": "Step", "status": "Status", "seen": "Seen at this status", "reached": "Reached",
                    "share_of_acquired": "% of acquired", "share_of_previous": "% of previous step",
                    "drop_off": "Drop-off", "source": "Source", "channel": "Channel"}).drop(columns="status_id")
                for col in ("% of acquired", "% of previous step", "Drop-off"):
                    shown[col] = shown[col] * 100
                st.dataframe(shown, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                             height=widgets.table_height(len(shown)), column_config={
                    col: st.column_config.NumberColumn(col, format="%.1f%%")
                    for col in ("% of acquired", "% of previous step", "Drop-off")})
                widgets.note("Reached: seen at this status or a later step. Drop-off: share of the previous step's "
                             "contacts that did not reach this one.")
                widgets.table_download(result.steps, f"funnel-by-{split}", view, key="fn_dl")

with tab_spend:
    attr = data.cached_query(attribution.source_attribution)
    names_by_level = {
        "source": sorted(attr["source"], key=str.casefold),
        "campaign": sorted({c for c in attr["campaign"] if c != attribution.NO_CAMPAIGN}, key=str.casefold),
        "channel": sorted(set(attr["channel"]), key=str.casefold),
    }
    pv.spend_editor(names_by_level, today, can_edit)
    saved = data.cached_query(spend_mod.export_frame)
    if len(saved):
        widgets.table_download(saved, "spend", None, key="sp_dl", what="Saved spend")
    if not can_edit:
        st.caption("Only editors can change spend.")

with tab_targets:
    st.caption("Monthly targets for the whole workspace (channel: All channels) or per channel. Counts are "
               "compared with the month so far; cost per lead with spend ÷ new contacts of the month so far.")
    pacing = data.cached_query(targets_mod.pacing, f.tz, today, f.week_start)
    if len(pacing):
        shown = pacing.assign(progress=[targets_mod.pacing_text(r, pv.currency()) for _i, r in pacing.iterrows()],
                              metric=[targets_mod.METRIC_WORDS[m].capitalize() for m in pacing["metric"]])
        st.dataframe(shown[["channel", "metric", "progress", "status"]].rename(columns={
            "channel": "Channel", "metric": "Target", "progress": "This month so far", "status": "Status"}),
            hide_index=True, width="stretch", height=widgets.table_height(len(shown)))
    channels = sorted(set(data.cached_query(attribution.source_attribution)["channel"]), key=str.casefold)
    pv.targets_editor(channels, today, can_edit)
    if not can_edit:
        st.caption("Only editors can change targets.")
