"""Data health: duplicate-looking sources, unattributed trend, silent sources, freshness and sync log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rasl_data.analytics import acquisition, periods
from rasl_data.errors import CacheError
from rasl_data.text import md_literal
from ui import charts, context, data, filters, frame, sync_panel, widgets
from ui import notes as chart_notes
from ui.errors import show_error

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters
ws = context.workspace()

st.title("Data health")
st.caption("What to tidy in RASL so the numbers stay trustworthy.")

# --- duplicates ----------------------------------------------------------------------------------
st.header("Sources that look like duplicates")
dups = data.cached_query(acquisition.near_duplicate_sources)
if dups.empty:
    st.success("No two sources look like the same one.", icon=":material/task_alt:")
else:
    st.caption("Pairs with the same name once case, spaces, tatweel and Unicode forms are ignored, or very similar "
               "names. Their contacts split one channel in two: move the contacts to one source in RASL, then delete "
               "the other on the Sources page.")
    st.dataframe(pd.DataFrame({
        "Source A": dups["source_a"], "Contacts A": dups["contacts_a"],
        "Source B": dups["source_b"], "Contacts B": dups["contacts_b"],
        "Similarity": dups["similarity"], "Why": dups["reason"],
    }), hide_index=True, width="stretch", height=widgets.table_height(len(dups), 10), column_config={
        "Source A": st.column_config.TextColumn(width="medium"),
        "Source B": st.column_config.TextColumn(width="medium"),
        "Contacts A": st.column_config.NumberColumn(format="localized", help="All-time contacts"),
        "Contacts B": st.column_config.NumberColumn(format="localized", help="All-time contacts"),
        "Similarity": st.column_config.NumberColumn(format="%.0f%%"),
    })
    widgets.csv_download(dups, "duplicate-sources", None, key="dl_h_dups")

# --- unattributed ----------------------------------------------------------------------------------
st.header("Contacts without a known source")
st.caption(widgets.range_caption(view, with_comparison=False))
trend = data.cached_query(acquisition.unattributed_trend, f, view.granularity)
total_u, total_n = int(trend["unattributed"].sum()), int(trend["new_contacts"].sum())
if total_n == 0:
    widgets.empty_state("No new contacts in this range.")
elif total_u == 0:
    st.success(f"All {total_n:,} new contacts in this range have a known source.", icon=":material/task_alt:")
else:
    st.caption(f"{total_u:,} of {total_n:,} new contacts ({widgets.fmt_pct(total_u / total_n)}) have no source, "
               "or a source that was deleted. A rising line means a form or integration stopped setting the source.")
    fig = charts.line_chart(trend, x="period_start", y="unattributed_share", y_title="Unattributed share", percent=True)
    fig.update_traces(line_color=charts.UNATTRIBUTED_COLOUR, customdata=trend[["unattributed", "new_contacts"]],
                      hovertemplate="%{y:.1%} (%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>")
    chart_notes.annotate(fig, view)  # notes on the time axis (sidebar: Notes on charts)
    st.plotly_chart(fig, key="h_unattributed", width="stretch", config={"displaylogo": False})
    widgets.csv_download(trend, f"unattributed-{view.granularity}", view, key="dl_h_trend")

# --- silent ----------------------------------------------------------------------------------------
st.header("Sources that went silent")
quiet = st.slider("Silent for at least (days)", 7, 90, 14, key="h_quiet")
today = periods.today_in(ws.settings.timezone)
silent = data.cached_query(acquisition.silent_sources, today, ws.settings.timezone, quiet)
if silent.empty:
    st.success(f"Every source with contacts brought one in the last {quiet} days.", icon=":material/task_alt:")
else:
    st.caption(f"Sources that brought contacts before but none in the last {quiet} days ({today:%-d %b %Y}, "
               f"{ws.settings.timezone}). A campaign may have ended, or a form broken.")
    st.dataframe(pd.DataFrame({
        "Source": silent["source"], "Channel": silent["channel"], "Campaign": silent["campaign"],
        "Last contact": silent["last_contact"], "Days silent": silent["days_silent"],
        "All-time contacts": silent["all_time_contacts"],
    }), hide_index=True, width="stretch", height=widgets.table_height(len(silent), 10), column_config={
        "Source": st.column_config.TextColumn(width="large"),
        "Last contact": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "All-time contacts": st.column_config.NumberColumn(format="localized"),
    })
    widgets.csv_download(silent, "silent-sources", None, key="dl_h_silent")

# --- freshness & sync log ----------------------------------------------------------------------------
st.header("Freshness and sync log")
sync_panel.freshness_badge(ws, with_button=False)
try:
    log = ws.sync_log(50)
except CacheError as err:
    show_error(err, icon=":material/database:")
    st.stop()
if log.empty:
    widgets.empty_state("No sync has run yet.", "Press Sync now in the sidebar.")
else:
    failed = log[log["outcome"] != "success"]
    if len(failed) and log.iloc[0]["outcome"] != "success":
        st.error(f"The last sync failed: {md_literal(log.iloc[0]['error'] or 'unknown error')}. The data shown is from the last "
                 "successful one.", icon=":material/cloud_off:")
    shown = pd.DataFrame({
        "Started (UTC)": pd.to_datetime(log["started_at"], utc=True).dt.tz_localize(None),
        "Seconds": (pd.to_datetime(log["finished_at"], utc=True) - pd.to_datetime(log["started_at"], utc=True))
        .dt.total_seconds(),
        "Mode": log["mode"], "Outcome": log["outcome"], "Requests": log["requests"],
        "Rate-limit waits": log["rate_limit_waits"], "New": log["contacts_inserted"],
        "Updated": log["contacts_updated"], "Deleted": log["contacts_deleted"], "Error": log["error"],
    })
    if ws.settings.is_demo:
        st.caption("In the demo workspace the first start replays the last 12 weeks as weekly syncs, so the "
                   "log begins with a burst of runs and the conversion timing has real history.")
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                 height=widgets.table_height(len(shown), 10), column_config={
        "Started (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "Seconds": st.column_config.NumberColumn(format="%.1f"),
    })
    widgets.csv_download(log, "sync-log", None, key="dl_h_log")
