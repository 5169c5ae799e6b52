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

from rasl_data import i18n
from rasl_data.analytics import hijri, periods, weekends, weekly_review
from rasl_data.analytics.acquisition import Filters
from rasl_data.i18n import N_, _
from rasl_data.outputs import weekly_pack
from ui import context, data, direction, filters, frame, performance_views, widgets
from ui import notes as chart_notes

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

WEEKDAY_NUMBERS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
NO_MOVERS = {  # (table, direction) → the sentence when nobody moved that way
    ("source", "up"): N_("Up: no source went up this week."),
    ("source", "down"): N_("Down: no source went down this week."),
    ("campaign", "up"): N_("Up: no campaign went up this week."),
    ("campaign", "down"): N_("Down: no campaign went down this week."),
}
DIRECTION_WORDS = {"up": N_("Up"), "down": N_("Down")}
SPIKE_WORDS = {"spike": N_("spike"), "drop": N_("drop")}
DIMENSION_WORDS = {"source": N_("source"), "campaign": N_("campaign"), "total": N_("total")}


def _csv(df: pd.DataFrame, stem: str, key: str, what: str) -> None:
    widgets.table_download(performance_views.download_frame(df), stem, week_view, key=key, what=what)


def _fmt_count(x) -> str:
    return widgets.MISSING if pd.isna(x) else i18n.format_number(x)


def _fmt_avg(x) -> str:
    if pd.isna(x):
        return widgets.MISSING
    return i18n.format_number(x) if round(float(x), 1) == round(float(x)) else i18n.format_number(x, 1)


def _fmt_pct(x) -> str:
    return widgets.MISSING if x is None or pd.isna(x) else i18n.format_percent(x, 1)


def _delta(change, pct, base) -> str | None:
    if pd.isna(change) or (change == 0 and base == 0):  # nothing either week: no green "+0"
        return None
    return weekly_review.change_text(change, pct, bool(base == 0 and change > 0))


def _week_caption(week_start, last_start, tz: str, week_starts_on: str) -> str:
    day = WEEKDAY_NUMBERS.get(week_starts_on)
    text = (_("**{week}** (last complete week)") if week_start == last_start else _("**{week}**")).format(
        week=weekly_review.week_label(week_start, week_start + timedelta(days=6)))
    return text + " · " + _("compared with the previous week and the average of the 4 weeks before · {tz}, weeks "
                            "start {weekday} · whole workspace (sidebar source filters do not apply)").format(
        tz=tz, weekday=i18n.weekday_name(day) if day is not None else week_starts_on)


# --- KPI cards ------------------------------------------------------------------------------------


def _kpi_cards(review: weekly_review.WeeklyReview) -> None:
    new = review.metric(weekly_review.METRIC_NEW_CONTACTS)
    share = review.metric(weekly_review.METRIC_UNATTRIBUTED_SHARE)
    active = review.metric(weekly_review.METRIC_ACTIVE_SOURCES)
    cols = st.columns(4)
    cols[0].metric(_("New contacts"), _fmt_count(new["this_week"]),
                   _delta(new["change_vs_previous"], new["change_pct_vs_previous"], new["previous_week"]),
                   border=True, help=_("Previous week: {previous}. Change vs the previous week.").format(
                       previous=_fmt_count(new["previous_week"])))
    cols[1].metric(_("4-week average"), _fmt_avg(new["avg_4_weeks"]),
                   _delta(new["change_vs_avg"], new["change_pct_vs_avg"], new["avg_4_weeks"]), border=True,
                   help=_("New contacts a week on average over the 4 weeks before. The change is this week's "
                          "{count} against it.").format(count=_fmt_count(new["this_week"])))
    share_delta = widgets.points_text(share["change_vs_previous"])
    cols[2].metric(_("Unattributed share"), _fmt_pct(share["this_week"]), share_delta,
                   delta_color=widgets.delta_colour(share_delta, "inverse"), border=True,
                   help=_("New contacts without a known source. Previous week {previous}, 4 weeks before "
                          "{before}. Lower is better.").format(previous=_fmt_pct(share["previous_week"]),
                                                               before=_fmt_pct(share["avg_4_weeks"])))
    change = active["change_vs_previous"]
    cols[3].metric(_("Active sources"), _fmt_count(active["this_week"]),
                   None if pd.isna(change) or (change == 0 and active["previous_week"] == 0)
                   else performance_views.signed(change),
                   border=True, help=_("Sources with at least one new contact. Change vs the previous week."))
    st.caption(_("New sources: **{new}** · silent sources: **{silent}** · spikes and drops: **{spikes}**").format(
        new=i18n.format_number(len(review.new_sources)), silent=i18n.format_number(len(review.silent_sources)),
        spikes=_fmt_count(review.metric(weekly_review.METRIC_SPIKES)["this_week"])))


def _weekday_average(review: weekly_review.WeeklyReview, weekend_days) -> None:
    """The weekday (work-day) average of this week against the 4 weeks before (``RASL_WEEKEND``)."""
    weekday = review.metric(weekly_review.METRIC_WEEKDAY_AVERAGE)
    if not pd.isna(weekday["this_week"]):
        st.caption(_("Weekday average: {this} new contacts per work day, against {before} over the work days of the "
                     "4 weeks before ({weekend} left out).").format(
            this=_fmt_avg(weekday["this_week"]), before=_fmt_avg(weekday["avg_4_weeks"]),
            weekend=weekends.weekend_label(weekend_days)))


# --- summary, pack and charts -----------------------------------------------------------------------


def _summary_and_pack(review: weekly_review.WeeklyReview) -> None:
    st.header(_("Summary to share"))
    st.code(review.summary, language=None, wrap_lines=True)
    st.caption(_("Copy it with the icon at the top right of the box and paste it into WhatsApp or an email."))
    reader = context.workspace().reader
    # The pack is built on Streamlit's download thread, which does not carry this session's language.
    language, digit_style = i18n.language(), i18n.digits()

    def pack() -> bytes:
        # Runs on Streamlit's download thread when the button is clicked: plain rasl_data, no st.*.
        return weekly_pack.build_weekly_pack(reader, review=review, language=language, digits=digit_style)

    st.download_button(
        _("Download weekly pack (.zip)"), data=pack, file_name=weekly_pack.pack_zip_name(review),
        mime="application/zip", key="wk_pack", on_click="ignore", icon=":material/folder_zip:", type="primary",
        help=_("Every table as CSV and in one Excel workbook, an HTML report with interactive charts that opens "
               "offline, the charts as PNG images and this summary. Takes a few seconds."),
    )


def _charts(review: weekly_review.WeeklyReview) -> None:
    figures = weekly_pack.weekly_figures(review, data.series_colours())
    chart_notes.annotate_weekly(figures, review)  # notes on the time axes (sidebar: Notes on charts)
    st.plotly_chart(figures["weekly_new_contacts"], width="stretch", key="wk_chart_weeks",
                    config={"displaylogo": False})
    st.plotly_chart(figures["daily_new_contacts_by_source"], width="stretch", key="wk_chart_daily",
                    config={"displaylogo": False})
    _csv(review.daily_by_source, "daily_new_contacts_by_source", "wk_dl_daily", _("New contacts per day by source"))


# --- movers -----------------------------------------------------------------------------------------


def _movers_table(df: pd.DataFrame, name_col: str, label: str, key: str) -> None:
    this, prev, avg = _("This week"), _("Previous week"), _("4-week avg")
    display = pd.DataFrame({
        label: [str(n) for n in performance_views.shown_names(df, name_col)],
        this: df["this_week"].astype("int64"),
        prev: df["previous_week"].astype("int64"),
        _("Change"): [weekly_review.change_text(c, p, n)
                      for c, p, n in zip(df["change_abs"], df["change_pct"], df["is_new"])],
        avg: df["avg_4_weeks"].astype("float64"),
    })
    st.dataframe(direction.table(display), hide_index=True, width="stretch", key=key, height=widgets.table_height(len(display)),
                 column_config={
                     this: st.column_config.NumberColumn(this, format="%,d"),
                     prev: st.column_config.NumberColumn(prev, format="%,d"),
                     avg: st.column_config.NumberColumn(avg, format="%.1f"),
                 })


def _movers(review: weekly_review.WeeklyReview) -> None:
    st.header(_("Top movers"))
    st.caption(_("Change in new contacts against the previous week; “new” when it had none."))
    tables = ((review.movers_sources, "source", _("Source"), _("**By source**"), _("Movers by source"),
               "movers_by_source"),
              (review.movers_campaigns, "campaign", _("Campaign"), _("**By campaign**"), _("Movers by campaign"),
               "movers_by_campaign"))
    for movers, name_col, label, heading, what, stem in tables:
        st.markdown(heading)
        for way in ("up", "down"):
            rows = movers[movers["direction"] == way]
            if rows.empty:
                st.caption(_(NO_MOVERS[(name_col, way)]))
            else:
                st.caption(_(DIRECTION_WORDS[way]))
                _movers_table(rows, name_col, label, key=f"wk_{stem}_{way}")
        if not movers.empty:
            _csv(movers, stem, f"wk_dl_{stem}", what)


# --- new, silent, unusual ---------------------------------------------------------------------------


def _listing(title: str, empty: str, df: pd.DataFrame, columns: dict, config: dict, stem: str) -> None:
    """A section listing sources: its header, then ``empty`` when ``df`` has no row, else the table
    (``columns``: header → values, ``config``: their column settings) and its downloads."""
    st.header(title)
    if df.empty:
        st.caption(empty)
        return
    st.dataframe(direction.table(pd.DataFrame(columns)), hide_index=True, width="stretch", key=f"wk_{stem}",
                 height=widgets.table_height(len(df)), column_config=config)
    _csv(df, stem, f"wk_dl_{stem}", title)


def _new_sources(review: weekly_review.WeeklyReview) -> None:
    ns = review.new_sources
    first, this = _("First contact"), _("This week")
    _listing(_("New sources"), _("No source had its first contact ever this week."), ns, {
        _("Source"): ns["source"].astype(str), _("Channel"): ns["channel"].astype(str),
        _("Campaign"): ns["campaign"].astype(str), first: ns["first_contact"],
        this: ns["this_week"].astype("int64"),
    }, {first: st.column_config.DateColumn(first, format="YYYY-MM-DD"),
        this: st.column_config.NumberColumn(this, format="%,d")}, "new_sources")


def _silent_sources(review: weekly_review.WeeklyReview) -> None:
    ss = review.silent_sources
    last = _("Last contact")
    _listing(_("Silent sources"), _("Every source active in the 4 weeks before brought contacts this week."), ss, {
        _("Source"): ss["source"].astype(str), _("Channel"): ss["channel"].astype(str),
        _("Contacts in the 4 weeks before"): ss["contacts_4_weeks"].astype("int64"),
        _("Previous week"): ss["previous_week"].astype("int64"), last: ss["last_contact"],
        _("Days silent"): ss["days_silent"].astype("int64"),
    }, {last: st.column_config.DateColumn(last, format="YYYY-MM-DD")}, "silent_sources")


def _spike_what(dimension: str, name) -> str:
    """``source: Instagram`` (the dimension in words, the name as typed); the total's own name."""
    if dimension == "total":
        return _("All new contacts") if name == weekly_review.ALL_CONTACTS else str(name)
    word = _(DIMENSION_WORDS[dimension]) if dimension in DIMENSION_WORDS else dimension
    return _("{dimension}: {name}").format(dimension=word, name=performance_views.shown_name(name))


def _same_as(text) -> str:
    """``same_contacts_as`` (``"source: Instagram"``, written by the analytics) as ``_spike_what`` shows it."""
    if pd.isna(text):
        return ""
    dimension, sep, name = str(text).partition(": ")
    return _spike_what(dimension, name) if sep and dimension in DIMENSION_WORDS else str(text)


def _spikes(review: weekly_review.WeeklyReview) -> None:
    st.header(_("Spikes and drops"))
    st.caption(_(weekly_review.SPIKE_RULE))
    if review.spikes.empty:
        st.caption(_("Nothing beyond the usual week-to-week noise."))
        return
    sp = review.spikes
    avg = _("4-week avg")
    st.dataframe(direction.table(pd.DataFrame({
        _("What"): [_spike_what(d, n) for d, n in zip(sp["dimension"], sp["name"])],
        _("Spike or drop"): [_(SPIKE_WORDS[d]) if d in SPIKE_WORDS else str(d) for d in sp["direction"]],
        _("This week"): sp["this_week"].astype("int64"),
        avg: sp["avg_4_weeks"].astype("float64"),
        "p": ["< " + i18n.format_number(0.001, 3) if p < 0.001 else i18n.format_number(p, 3) for p in sp["p_value"]],
        _("Same contacts as"): [_same_as(x) for x in sp["same_contacts_as"]],
    })), hide_index=True, width="stretch", key="wk_spikes", height=widgets.table_height(len(sp)), column_config={
        avg: st.column_config.NumberColumn(avg, format="%.1f"),
    })
    _csv(sp, "spikes", "wk_dl_spikes", _("Spikes and drops"))


# --- the page -----------------------------------------------------------------------------------

view = filters.current()
tz, week_starts_on = view.filters.tz, view.filters.week_start
today = periods.today_in(tz)
last_start, last_end = periods.last_complete_weeks(today, 1, week_starts_on)

st.title(_("Weekly review"))
picked = st.date_input(
    _("Week"), value=last_start, max_value=last_end, key="wk_date", format="YYYY-MM-DD",
    help=_("Pick any day of a past week; the review covers the whole week it belongs to. The default is the last "
           "complete week."),
)
week_start = periods.week_start_of(picked if picked else last_start, week_starts_on)
week_end = week_start + timedelta(days=6)
st.caption(_week_caption(week_start, last_start, tz, week_starts_on))
st.caption(hijri.format_span(week_start, week_end))  # the week's Hijri dates beside the Gregorian ones
weekend_days = context.workspace().settings.weekend_days

try:
    review: weekly_review.WeeklyReview = data.cached_query(weekly_review.weekly_review, week_start, tz, week_starts_on,
                                                           today, weekend_days=weekend_days)
except ValueError as err:
    st.error(str(err), icon=":material/event_busy:")
    st.stop()

# Downloads are named after the week, not the sidebar range.
week_view = filters.View(Filters(week_start, week_end, tz, week_starts_on), None, "day", "custom")

_kpi_cards(review)
_weekday_average(review, weekend_days)
_csv(review.totals, "weekly_summary", "wk_dl_totals", _("This week in numbers"))
performance_views.pacing_strip(tz, week_starts_on, week_end, where=_("as of {day}, the week's last day").format(
    day=i18n.format_date(week_end, "d MMM")))
performance_views.week_performance(week_start, week_end, tz, week_starts_on, week_view)

nothing = int(review.weekly_totals["new_contacts"].sum()) == 0
if nothing:
    widgets.empty_state(_("No new contacts in this week or the 4 weeks before."),
                        _("Pick a more recent week, or run a sync if the workspace was just connected."))
_summary_and_pack(review)
if not nothing:
    _charts(review)
_movers(review)
_new_sources(review)
_silent_sources(review)
_spikes(review)
