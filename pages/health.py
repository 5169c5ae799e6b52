"""Data health: duplicate-looking sources, unattributed trend, silent sources, freshness and sync log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import acquisition, periods
from rasl_data.errors import CacheError
from rasl_data.i18n import N_, _, ngettext
from rasl_data.text import md_literal
from ui import charts, context, data, direction, filters, frame, sync_panel, widgets
from ui import notes as chart_notes
from ui.errors import show_error

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters
ws = context.workspace()

# Sync log values shown translated (the log and its download keep the English values).
SYNC_MODES = {"full": N_("full"), "incremental": N_("incremental"), "auto": N_("auto")}
SYNC_OUTCOMES = {"success": N_("success"), "failed": N_("failed")}

st.title(_("Data health"))
st.caption(_("What to tidy in RASL so the numbers stay trustworthy."))

# --- duplicates ----------------------------------------------------------------------------------
st.header(_("Sources that look like duplicates"))
dups = data.cached_query(acquisition.near_duplicate_sources)
if dups.empty:
    st.success(_("No two sources look like the same one."), icon=":material/task_alt:")
else:
    st.caption(_("Pairs with the same name once case, spaces, tatweel and Unicode forms are ignored, or very "
                 "similar names. Their contacts split one channel in two: move the contacts to one source in RASL, "
                 "then delete the other on the Sources page."))
    source_a, contacts_a, source_b, contacts_b = _("Source A"), _("Contacts A"), _("Source B"), _("Contacts B")
    similarity = _("Similarity")
    st.dataframe(direction.table(pd.DataFrame({
        source_a: dups["source_a"], contacts_a: dups["contacts_a"],
        source_b: dups["source_b"], contacts_b: dups["contacts_b"],
        similarity: dups["similarity"],
        _("Why"): [_(acquisition.DUPLICATE_REASONS[r]) if r in acquisition.DUPLICATE_REASONS else r
                   for r in dups["reason"]],
    })), hide_index=True, width="stretch", height=widgets.table_height(len(dups), 10), column_config={
        source_a: st.column_config.TextColumn(width="medium"),
        source_b: st.column_config.TextColumn(width="medium"),
        contacts_a: st.column_config.NumberColumn(format="%,d", help=_("All-time contacts")),
        contacts_b: st.column_config.NumberColumn(format="%,d", help=_("All-time contacts")),
        similarity: st.column_config.NumberColumn(format="%.0f%%"),
    })
    widgets.csv_download(dups, "duplicate-sources", None, key="dl_h_dups")

# --- unattributed ----------------------------------------------------------------------------------
st.header(_("Contacts without a known source"))
st.caption(widgets.range_caption(view, with_comparison=False))
trend = data.cached_query(acquisition.unattributed_trend, f, view.granularity)
total_u, total_n = int(trend["unattributed"].sum()), int(trend["new_contacts"].sum())
if total_n == 0:
    widgets.empty_state(_("No new contacts in this range."))
elif total_u == 0:
    st.success(ngettext("The {n} new contact in this range has a known source.",
                        "All {n} new contacts in this range have a known source.", total_n).format(
                            n=i18n.format_number(total_n)), icon=":material/task_alt:")
else:
    st.caption(_("{unattributed} of {total} new contacts ({share}) have no source, or a source that was deleted. "
                 "A rising line means a form or integration stopped setting the source.").format(
                     unattributed=i18n.format_number(total_u), total=i18n.format_number(total_n),
                     share=widgets.fmt_pct(total_u / total_n)))
    fig = charts.line_chart(trend, x="period_start", y="unattributed_share", y_title=_("Unattributed share"),
                            percent=True)
    # Hover: the share and the counts, with the language's digits (Plotly's formats are English only).
    hover = [_("{share} ({unattributed} of {total})").format(
        share=widgets.fmt_pct(s_), unattributed=i18n.format_number(u), total=i18n.format_number(t))
        for s_, u, t in zip(trend["unattributed_share"], trend["unattributed"], trend["new_contacts"])]
    fig.update_traces(line_color=charts.UNATTRIBUTED_COLOUR, hovertext=hover,
                      hovertemplate="%{hovertext}<extra></extra>")
    chart_notes.annotate(fig, view)  # notes on the time axis (sidebar: Notes on charts)
    st.plotly_chart(fig, key="h_unattributed", width="stretch", config={"displaylogo": False})
    widgets.csv_download(trend, f"unattributed-{view.granularity}", view, key="dl_h_trend")

# --- silent ----------------------------------------------------------------------------------------
st.header(_("Sources that went silent"))
quiet = st.slider(_("Silent for at least (days)"), 7, 90, 14, key="h_quiet")
today = periods.today_in(ws.settings.timezone)
silent = data.cached_query(acquisition.silent_sources, today, ws.settings.timezone, quiet)
if silent.empty:
    st.success(ngettext("Every source with contacts brought one in the last {n} day.",
                        "Every source with contacts brought one in the last {n} days.", quiet).format(
                            n=i18n.format_number(quiet)), icon=":material/task_alt:")
else:
    st.caption(ngettext("Sources that brought contacts before but none in the last {n} day ({today}, {zone}). A "
                        "campaign may have ended, or a form broken.",
                        "Sources that brought contacts before but none in the last {n} days ({today}, {zone}). A "
                        "campaign may have ended, or a form broken.", quiet).format(
                            n=i18n.format_number(quiet), today=i18n.format_date(today), zone=ws.settings.timezone))
    source_h, last_h, all_time_h = _("Source"), _("Last contact"), _("All-time contacts")
    st.dataframe(direction.table(pd.DataFrame({
        source_h: silent["source"],
        _("Channel"): [widgets.shown_name(v) for v in silent["channel"]],
        _("Campaign"): [widgets.shown_name(v) for v in silent["campaign"]],
        last_h: silent["last_contact"], _("Days silent"): silent["days_silent"],
        all_time_h: silent["all_time_contacts"],
    })), hide_index=True, width="stretch", height=widgets.table_height(len(silent), 10), column_config={
        source_h: st.column_config.TextColumn(width="large"),
        last_h: st.column_config.DateColumn(format="YYYY-MM-DD"),
        all_time_h: st.column_config.NumberColumn(format="%,d"),
    })
    widgets.csv_download(silent, "silent-sources", None, key="dl_h_silent")

# --- freshness & sync log ----------------------------------------------------------------------------
st.header(_("Freshness and sync log"))
sync_panel.freshness_badge(ws, with_button=False)
try:
    log = ws.sync_log(50)
except CacheError as err:
    show_error(err, icon=":material/database:")
    st.stop()
if log.empty:
    widgets.empty_state(_("No sync has run yet."), _("Press Sync now in the sidebar."))
else:
    failed = log[log["outcome"] != "success"]
    if len(failed) and log.iloc[0]["outcome"] != "success":
        st.error(_("The last sync failed: {error}. The data shown is from the last successful one.").format(
            error=md_literal(log.iloc[0]["error"] or _("unknown error"))), icon=":material/cloud_off:")
    started_h, seconds_h = _("Started (UTC)"), _("Seconds")
    shown = pd.DataFrame({
        started_h: pd.to_datetime(log["started_at"], utc=True).dt.tz_localize(None),
        seconds_h: (pd.to_datetime(log["finished_at"], utc=True) - pd.to_datetime(log["started_at"], utc=True))
        .dt.total_seconds(),
        _("Mode"): [_(SYNC_MODES[m]) if m in SYNC_MODES else m for m in log["mode"]],
        _("Outcome"): [_(SYNC_OUTCOMES[o]) if o in SYNC_OUTCOMES else o for o in log["outcome"]],
        _("Requests"): log["requests"],
        _("Rate-limit waits"): log["rate_limit_waits"], _("New"): log["contacts_inserted"],
        _("Updated"): log["contacts_updated"], _("Deleted"): log["contacts_deleted"], _("Error"): log["error"],
    })
    if ws.settings.is_demo:
        st.caption(_("In the demo workspace the first start replays the last 12 weeks as weekly syncs, so the "
                     "log begins with a burst of runs and the conversion timing has real history."))
    st.dataframe(direction.table(shown), hide_index=True, width="stretch", placeholder=widgets.MISSING,
                 height=widgets.table_height(len(shown), 10), column_config={
        started_h: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        seconds_h: st.column_config.NumberColumn(format="%.1f"),
    })
    widgets.csv_download(log, "sync-log", None, key="dl_h_log")
