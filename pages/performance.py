"""Performance: leads, customers, spend, cost per lead and per customer by source, campaign or
channel; the status funnel; spend and monthly targets (entered here)."""

from __future__ import annotations

import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import attribution, funnel, performance, periods
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics import spend as spend_mod
from rasl_data.analytics import targets as targets_mod
from rasl_data.i18n import N_, _, ngettext
from ui import charts, context, data, direction, filters, frame, spend_editors, widgets
from ui import performance_views as pv

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

VIEW_WORDS = {"source": N_("Source"), "campaign": N_("Campaign"), "channel": N_("Channel")}
SPLIT_WORDS = {"none": N_("None"), **VIEW_WORDS}
FUNNEL_HEADERS = {"step": N_("Step"), "status": N_("Status"), "seen": N_("Seen at this status"),
                  "reached": N_("Reached"), "share_of_acquired": N_("% of acquired"),
                  "share_of_previous": N_("% of previous step"), "drop_off": N_("Drop-off"),
                  "source": N_("Source"), "channel": N_("Channel")}
PERCENT_COLUMNS = ("share_of_acquired", "share_of_previous", "drop_off")
TARGET_HEADERS = {"channel": N_("Channel"), "metric": N_("Target"), "progress": N_("This month so far"),
                  "status": N_("Status")}


def _compare_words(view) -> str | None:
    """The comparison period in the session's language (None without a comparison)."""
    return pv.compare_words(view.compare)


def _performance_note(view) -> str:
    text = _("New contacts are the leads acquired in the range; customers are those of them who count as customers "
             "now. Spend is blank where none was entered; costs are blank where there is nothing to divide by. "
             "Campaign and channel spend that a finer view cannot split shows as a line of its own, so spend adds "
             "up to the same total in every view.")
    if view.compare:
        text += " " + _("“before” columns: the {period}, {dates}.").format(
            period=_compare_words(view), dates=widgets.fmt_range(*widgets.comparison_range(view)))
    return text


def _translated(words: dict[str, str]) -> dict[str, str]:
    """``{key: words in the session's language}``, made in the run: a widget's ``format_func`` may be
    called outside it (by Streamlit or a test), where the run's language is not in effect."""
    return {k: _(v) for k, v in words.items()}


def _by_tab(view, f) -> None:
    head = st.columns([2, 2, 1], vertical_alignment="bottom")
    by = head[0].segmented_control(_("View by"), ["source", "campaign", "channel"], default="source", key="pf_by",
                                   format_func=_translated(VIEW_WORDS).get, required=True) or "source"
    sort_by = head[1].selectbox(_("Sort by"), list(pv.METRIC_LABELS), key="pf_sort",
                                format_func=_translated(pv.METRIC_LABELS).get)
    ascending = head[2].toggle(_("Lowest first"), key="pf_asc", value=False)
    table = data.cached_query(performance.performance, f, by, view.compare)
    if table.empty:
        widgets.empty_state(_("No contacts and no spend in this range."),
                            _("Widen the date range in the sidebar, or enter spend on the Spend tab."))
        return
    ordered = table.sort_values([sort_by, by], ascending=[ascending, True], na_position="last", kind="stable")
    costed = ordered[ordered["cost_per_lead"].notna()]
    if len(costed):
        top = costed.sort_values("cost_per_lead", kind="stable").head(15)
        top = top.assign(label=[pv.fmt_money(x) for x in top["cost_per_lead"]])
        top[by] = pv.shown_names(top, by)
        fig = charts.horizontal_bars(top, x="cost_per_lead", y=by, text="label",
                                     colour_keys="source_id" if by == "source" else None,
                                     x_title=_("{metric}, lowest first").format(metric=pv.money_label(_("Cost per lead"))))
        st.plotly_chart(fig, key="pf_chart", width="stretch", config={"displaylogo": False})
    display, config = pv.performance_display(ordered, by, bool(view.compare))
    st.dataframe(direction.table(display), column_config=config, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                 height=widgets.table_height(len(display)))
    widgets.note(_performance_note(view))
    widgets.table_download(pv.download_frame(ordered), f"performance-by-{by}", view, key="pf_dl")


def _funnel_table(result) -> None:
    steps = result.steps.drop(columns="status_id")
    shown = steps.rename(columns={c: _(FUNNEL_HEADERS[c]) for c in steps.columns if c in FUNNEL_HEADERS})
    for key in ("source", "channel"):
        if key in steps.columns:
            shown[_(FUNNEL_HEADERS[key])] = pv.shown_names(steps, key)
    percent = [_(FUNNEL_HEADERS[c]) for c in PERCENT_COLUMNS]
    for col in percent:
        shown[col] = shown[col] * 100
    st.dataframe(direction.table(shown), hide_index=True, width="stretch", placeholder=widgets.MISSING,
                 height=widgets.table_height(len(shown)),
                 column_config={col: st.column_config.NumberColumn(col, format="%.1f%%") for col in percent})


def _funnel_tab(view, f) -> None:
    statuses = data.cached_query(funnel.status_order)
    if statuses.empty:
        widgets.empty_state(_("This workspace has no statuses."), _("Add statuses in RASL, then sync."))
        return
    names = dict(zip(statuses["status_id"].astype(int), statuses["status"]))
    c = st.columns([3, 1])
    default_ids = list(data.cached_query(funnel.default_steps))
    steps = c[0].multiselect(_("Steps, in the workspace's status order"), list(names), default=default_ids,
                             format_func=lambda i: names[i], key="fn_steps", placeholder=_("Choose statuses"),
                             help=_("Leave out statuses that end a lead without success (Lost, Spam…): they are "
                                    "not steps on the way to a customer."))
    split = c[1].selectbox(_("Split by"), ["none", "channel", "source"], key="fn_split",
                           format_func=_translated(SPLIT_WORDS).get)
    ordered_steps = tuple(i for i in names if i in steps)
    if not ordered_steps:
        widgets.empty_state(_("Pick at least one status as a step."))
        return
    result = data.cached_query(funnel.funnel, f, None if split == "none" else split, ordered_steps)
    acquired = int(result.acquired["acquired"].sum()) if len(result.acquired) else 0
    if acquired == 0:
        widgets.empty_state(_("No contacts acquired in this range."))
        return
    st.caption(ngettext("{count} contact acquired in the range.", "{count} contacts acquired in the range.",
                        acquired).format(count=i18n.format_number(acquired))
               + " " + pv.funnel_caption(result))
    overall = data.cached_query(funnel.funnel, f, None, ordered_steps).steps
    st.plotly_chart(pv.funnel_figure(overall), key="fn_chart", width="stretch", config={"displaylogo": False})
    _funnel_table(result)
    widgets.note(_("Reached: seen at this status or a later step. Drop-off: share of the previous step's contacts "
                   "that did not reach this one."))
    widgets.table_download(pv.download_frame(result.steps), f"funnel-by-{split}", view, key="fn_dl")


def _spend_tab(today, can_edit: bool) -> None:
    attr = data.cached_query(attribution.source_attribution)
    names_by_level = {
        "source": sorted(attr["source"], key=str.casefold),
        "campaign": sorted({c for c in attr["campaign"] if c != attribution.NO_CAMPAIGN}, key=str.casefold),
        "channel": sorted(set(attr["channel"]), key=str.casefold),
    }
    spend_editors.spend_editor(names_by_level, today, can_edit)
    saved = data.cached_query(spend_mod.export_frame)
    if len(saved):
        widgets.table_download(pv.download_frame(saved), "spend", None, key="sp_dl", what=_("Saved spend"))
    if not can_edit:
        st.caption(_("Only editors can change spend."))


def _targets_tab(f, today, can_edit: bool) -> None:
    st.caption(_("Monthly targets for the whole workspace (channel: All channels) or per channel. Counts are "
                 "compared with the month so far; cost per lead with spend ÷ new contacts of the month so far."))
    pacing = data.cached_query(targets_mod.pacing, f.tz, today, f.week_start)
    if len(pacing):
        shown = pacing.assign(
            channel=[_(c) if c == targets_mod.ALL_CHANNELS else c for c in pacing["channel"]],
            progress=[targets_mod.pacing_text(r, pv.currency()) for _i, r in pacing.iterrows()],
            metric=[_(targets_mod.METRIC_LABELS[m]) for m in pacing["metric"]],
            status=[pv.status_word(s) for s in pacing["status"]])
        st.dataframe(direction.table(shown[list(TARGET_HEADERS)].rename(columns={k: _(v) for k, v in TARGET_HEADERS.items()})),
                     hide_index=True, width="stretch", height=widgets.table_height(len(shown)))
    channels = sorted(set(data.cached_query(attribution.source_attribution)["channel"]), key=str.casefold)
    spend_editors.targets_editor(channels, today, can_edit)
    if not can_edit:
        st.caption(_("Only editors can change targets."))


# --- the page -----------------------------------------------------------------------------------

view = filters.current()
f = view.filters
can_edit = context.actor().can_edit
definition = data.cached_query(cdef.current)
today = periods.today_in(f.tz)

st.title(_("Performance"))
st.caption(widgets.range_caption(view) + " · " + _("customer = {definition}").format(
    definition=pv.literal(definition.label)))

totals = data.cached_query(performance.totals, f, view.compare)
pv.kpi_cards(totals, _compare_words(view))
pv.pacing_strip(f.tz, f.week_start, today, where=N_("month to date, whole workspace"))

tab_perf, tab_funnel, tab_spend, tab_targets = st.tabs([_("By source, campaign, channel"), _("Funnel by status"),
                                                        _("Spend"), _("Targets")])
with tab_perf:
    _by_tab(view, f)
with tab_funnel:
    _funnel_tab(view, f)
with tab_spend:
    _spend_tab(today, can_edit)
with tab_targets:
    _targets_tab(f, today, can_edit)
