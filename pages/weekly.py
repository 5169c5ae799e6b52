"""Weekly review: one local week against the previous week and the 4-week average.

Renders ``rasl_data.analytics.weekly_review.weekly_review`` (numbers, movers, new/silent sources, spikes, the
summary to paste) and offers the weekly pack (``rasl_data.outputs.weekly_pack``) and every table as CSV and
Excel.
The review covers the whole workspace: the sidebar's source, channel and campaign filters do
not apply; its time zone and week start do.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from rasl_data.analytics import hijri, periods, weekends, weekly_review
from rasl_data.analytics.acquisition import Filters
from rasl_data.i18n import _
from rasl_data.outputs import weekly_pack
from ui import context, data, filters, frame, performance_views, widgets
from ui import notes as chart_notes

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
tz, week_starts_on = view.filters.tz, view.filters.week_start
today = periods.today_in(tz)
last_start, last_end = periods.last_complete_weeks(today, 1, week_starts_on)

st.title("Weekly review")
picked = st.date_input(
    "Week", value=last_start, max_value=last_end, key="wk_date", format="YYYY-MM-DD",
    help="Pick any day of a past week; the review covers the whole week it belongs to. "
         "The default is the last complete week.",
)
week_day = picked if picked else last_start
week_start = periods.week_start_of(week_day, week_starts_on)
week_end = week_start + timedelta(days=6)
st.caption(
    f"**{weekly_review.week_label(week_start, week_end)}**"
    + (" (last complete week)" if week_start == last_start else "")
    + f" · compared with the previous week and the average of the 4 weeks before · {tz}, weeks start "
    f"{week_starts_on.capitalize()} · whole workspace (sidebar source filters do not apply)"
)
st.caption(hijri.format_span(week_start, week_end))  # the week's Hijri dates beside the Gregorian ones
weekend_days = context.workspace().settings.weekend_days

try:
    review: weekly_review.WeeklyReview = data.cached_query(weekly_review.weekly_review, week_start, tz, week_starts_on, today,
                                                           weekend_days=weekend_days)
except ValueError as err:
    st.error(str(err), icon=":material/event_busy:")
    st.stop()

# Downloads are named after the week, not the sidebar range.
week_view = filters.View(Filters(week_start, week_end, tz, week_starts_on), None, "day", "custom")


def _csv(df: pd.DataFrame, stem: str, key: str, what: str) -> None:
    widgets.table_download(df, stem, week_view, key=key, what=what)


def _fmt_count(x) -> str:
    return "–" if pd.isna(x) else f"{x:,.0f}"


def _fmt_avg(x) -> str:
    return "–" if pd.isna(x) else f"{x:,.1f}".removesuffix(".0")


def _delta(change, pct, base) -> str | None:
    if pd.isna(change) or (change == 0 and base == 0):  # nothing either week: no green "+0"
        return None
    return weekly_review.change_text(change, pct, bool(base == 0 and change > 0))


# --- KPI cards ------------------------------------------------------------------------------------
new = review.metric(weekly_review.METRIC_NEW_CONTACTS)
share = review.metric(weekly_review.METRIC_UNATTRIBUTED_SHARE)
active = review.metric(weekly_review.METRIC_ACTIVE_SOURCES)
cols = st.columns(4)
cols[0].metric("New contacts", _fmt_count(new["this_week"]),
               _delta(new["change_vs_previous"], new["change_pct_vs_previous"], new["previous_week"]),
               border=True, help=f"Previous week: {_fmt_count(new['previous_week'])}. Change vs the previous week.")
cols[1].metric("4-week average", _fmt_avg(new["avg_4_weeks"]),
               _delta(new["change_vs_avg"], new["change_pct_vs_avg"], new["avg_4_weeks"]), border=True,
               help=f"New contacts a week on average over the 4 weeks before. The change is this week's "
                    f"{_fmt_count(new['this_week'])} against it.")
share_delta = widgets.points_text(share["change_vs_previous"])
cols[2].metric("Unattributed share", widgets.fmt_pct(share["this_week"]), share_delta,
               delta_color=widgets.delta_colour(share_delta, "inverse"), border=True,
               help=f"New contacts without a known source. Previous week {widgets.fmt_pct(share['previous_week'])}, "
                    f"4 weeks before {widgets.fmt_pct(share['avg_4_weeks'])}. Lower is better.")
cols[3].metric("Active sources", _fmt_count(active["this_week"]),
               None if pd.isna(active["change_vs_previous"]) or (active["change_vs_previous"] == 0
                                                                   and active["previous_week"] == 0)
               else f"{active['change_vs_previous']:+,.0f}",
               border=True, help="Sources with at least one new contact. Change vs the previous week.")
weekday = review.metric(weekly_review.METRIC_WEEKDAY_AVERAGE)
if not pd.isna(weekday["this_week"]):
    st.caption(_("Weekday average: {this} new contacts per work day, against {before} over the work days of the "
                 "4 weeks before ({weekend} left out).").format(
        this=_fmt_avg(weekday["this_week"]), before=_fmt_avg(weekday["avg_4_weeks"]),
        weekend=weekends.weekend_label(weekend_days)))
st.caption(
    f"New sources: **{len(review.new_sources):,}** · silent sources: **{len(review.silent_sources):,}** · "
    f"spikes and drops: **{_fmt_count(review.metric(weekly_review.METRIC_SPIKES)['this_week'])}**"
)
_csv(review.totals, "weekly_summary", "wk_dl_totals", "This week in numbers")
performance_views.pacing_strip(tz, week_starts_on, week_end, where=f"as of {week_end:%-d %b}, the week's last day")
performance_views.week_performance(week_start, week_end, tz, week_starts_on, week_view)

nothing = int(review.weekly_totals["new_contacts"].sum()) == 0
if nothing:
    widgets.empty_state("No new contacts in this week or the 4 weeks before.",
                        "Pick a more recent week, or run a sync if the workspace was just connected.")

# --- summary and pack -------------------------------------------------------------------------------
st.header("Summary to share")
st.code(review.summary, language=None, wrap_lines=True)
st.caption("Copy it with the icon at the top right of the box and paste it into WhatsApp or an email.")

reader = context.workspace().reader


def _pack() -> bytes:
    # Runs on Streamlit's download thread when the button is clicked: plain rasl_data, no st.*.
    return weekly_pack.build_weekly_pack(reader, review=review)


st.download_button(
    "Download weekly pack (.zip)", data=_pack, file_name=weekly_pack.pack_zip_name(review), mime="application/zip",
    key="wk_pack", on_click="ignore", icon=":material/folder_zip:", type="primary",
    help="Every table as CSV and in one Excel workbook, an HTML report with interactive charts that opens offline, the charts as PNG "
         "images and this summary. Takes a few seconds.",
)

# --- charts -----------------------------------------------------------------------------------------
if not nothing:
    figures = weekly_pack.weekly_figures(review, data.series_colours())
    chart_notes.annotate_weekly(figures, review)  # notes on the time axes (sidebar: Notes on charts)
    st.plotly_chart(figures["weekly_new_contacts"], width="stretch", key="wk_chart_weeks",
                    config={"displaylogo": False})
    st.plotly_chart(figures["daily_new_contacts_by_source"], width="stretch", key="wk_chart_daily",
                    config={"displaylogo": False})
    _csv(review.daily_by_source, "daily_new_contacts_by_source", "wk_dl_daily", "New contacts per day by source")


# --- movers -----------------------------------------------------------------------------------------
def _movers_table(df: pd.DataFrame, name_col: str, label: str, key: str) -> None:
    display = pd.DataFrame({
        label: df[name_col].astype(str),
        "This week": df["this_week"].astype("int64"),
        "Previous week": df["previous_week"].astype("int64"),
        "Change": [weekly_review.change_text(c, p, n) for c, p, n in zip(df["change_abs"], df["change_pct"], df["is_new"])],
        "4-week avg": df["avg_4_weeks"].astype("float64"),
    })
    st.dataframe(display, hide_index=True, width="stretch", key=key, height=widgets.table_height(len(display)),
                 column_config={
        "This week": st.column_config.NumberColumn("This week", format="localized"),
        "Previous week": st.column_config.NumberColumn("Previous week", format="localized"),
        "4-week avg": st.column_config.NumberColumn("4-week avg", format="%.1f"),
    })


st.header("Top movers")
st.caption("Change in new contacts against the previous week; “new” when it had none.")
for movers, name_col, label, stem in ((review.movers_sources, "source", "Source", "movers_by_source"),
                                     (review.movers_campaigns, "campaign", "Campaign", "movers_by_campaign")):
    st.markdown(f"**By {label.lower()}**")
    for direction, word in (("up", "Up"), ("down", "Down")):
        rows = movers[movers["direction"] == direction]
        if rows.empty:
            st.caption(f"{word}: no {label.lower()} went {direction} this week.")
        else:
            st.caption(f"{word}")
            _movers_table(rows, name_col, label, key=f"wk_{stem}_{direction}")
    if not movers.empty:
        _csv(movers, stem, f"wk_dl_{stem}", f"Movers by {label.lower()}")

# --- new, silent, unusual ---------------------------------------------------------------------------
st.header("New sources")
if review.new_sources.empty:
    st.caption("No source had its first contact ever this week.")
else:
    ns = review.new_sources
    st.dataframe(pd.DataFrame({
        "Source": ns["source"].astype(str), "Channel": ns["channel"].astype(str),
        "Campaign": ns["campaign"].astype(str), "First contact": ns["first_contact"],
        "This week": ns["this_week"].astype("int64"),
    }), hide_index=True, width="stretch", key="wk_new_sources", height=widgets.table_height(len(ns)), column_config={
        "First contact": st.column_config.DateColumn("First contact", format="YYYY-MM-DD"),
        "This week": st.column_config.NumberColumn("This week", format="localized"),
    })
    _csv(ns, "new_sources", "wk_dl_new_sources", "New sources")

st.header("Silent sources")
if review.silent_sources.empty:
    st.caption("Every source active in the 4 weeks before brought contacts this week.")
else:
    ss = review.silent_sources
    st.dataframe(pd.DataFrame({
        "Source": ss["source"].astype(str), "Channel": ss["channel"].astype(str),
        "Contacts in the 4 weeks before": ss["contacts_4_weeks"].astype("int64"),
        "Previous week": ss["previous_week"].astype("int64"), "Last contact": ss["last_contact"],
        "Days silent": ss["days_silent"].astype("int64"),
    }), hide_index=True, width="stretch", key="wk_silent_sources", height=widgets.table_height(len(ss)),
        column_config={
        "Last contact": st.column_config.DateColumn("Last contact", format="YYYY-MM-DD"),
    })
    _csv(ss, "silent_sources", "wk_dl_silent_sources", "Silent sources")

st.header("Spikes and drops")
st.caption(weekly_review.SPIKE_RULE)
if review.spikes.empty:
    st.caption("Nothing beyond the usual week-to-week noise.")
else:
    sp = review.spikes
    st.dataframe(pd.DataFrame({
        "What": [f"{d}: {n}" if d != "total" else str(n) for d, n in zip(sp["dimension"], sp["name"])],
        "Spike or drop": sp["direction"].astype(str),
        "This week": sp["this_week"].astype("int64"),
        "4-week avg": sp["avg_4_weeks"].astype("float64"),
        "p": ["< 0.001" if p < 0.001 else f"{p:.3f}" for p in sp["p_value"]],
        "Same contacts as": ["" if pd.isna(x) else str(x) for x in sp["same_contacts_as"]],
    }), hide_index=True, width="stretch", key="wk_spikes", height=widgets.table_height(len(sp)), column_config={
        "4-week avg": st.column_config.NumberColumn("4-week avg", format="%.1f"),
    })
    _csv(sp, "spikes", "wk_dl_spikes", "Spikes and drops")

