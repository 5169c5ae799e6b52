"""The weekly review: what changed in acquisition this week, ready for the Monday meeting.

For one *local* week (in the business time zone, weeks starting on the configured day) this
compares new contacts with the **previous week** and with the **4-week average** (the mean of the
four whole weeks just before the week, the previous week included), and lists:

* top movers up and down, by source and by campaign (absolute change against the previous week,
  the relative change where the previous week was non-zero, ``is_new`` where it was zero);
* new sources (their first contact ever falls in the week);
* silent sources (contacts in the 4 weeks before, none in the week);
* spikes and drops beyond what small numbers explain (``SPIKE_RULE``);
* the unattributed share, and a plain-text summary to paste into WhatsApp or an email.

Everything is computed from ``rasl_data.analytics.acquisition`` (``acquisition`` by source per day and by
campaign per week, ``source_table`` for first contacts), so the numbers are the dashboard's own:
a contact's moment is ``contacts.created_at`` read as a local date in ``tz``; contacts whose source
is missing or deleted are ``Unattributed``. No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd

from rasl_data.analytics import acquisition, attribution, periods, weekends
from rasl_data.analytics.spikes import SPIKE_RULE, poisson_cdf, poisson_sf, spike_test  # the spike rule
from rasl_data.analytics.weekly_summary import (  # the summary text and the totals' labels
    METRIC_ACTIVE_SOURCES,
    METRIC_NEW_CONTACTS,
    METRIC_NEW_SOURCES,
    METRIC_SILENT_SOURCES,
    METRIC_SPIKES,
    METRIC_UNATTRIBUTED,
    METRIC_UNATTRIBUTED_SHARE,
    METRIC_WEEKDAY_AVERAGE,
    change_text,
    summary_text,
    week_label,
)
from rasl_data.analytics.weekly_tables import (  # the review's tables; the column lists re-exported
    ALL_CONTACTS,
    BASELINE_WEEKS,
    CAMPAIGN_MOVER_COLUMNS,
    DAILY_COLUMNS,
    NEW_SOURCE_COLUMNS,
    SILENT_SOURCE_COLUMNS,
    SOURCE_MOVER_COLUMNS,
    SPIKE_COLUMNS,
    TOTALS_COLUMNS,
    WEEKLY_COLUMNS,
    campaign_counts,
    daily_table,
    five_week_totals,
    new_sources_table,
    silent_sources_table,
    source_counts,
    spikes_table,
    top_movers,
    totals_table,
    week_numbers,
    with_weekday_average,
)

TOP_MOVERS = 5


@dataclass(frozen=True)
class WeeklyReview:
    """The weekly review of one local week (``week_start..week_end``, inclusive, in ``tz``).

    ``baseline_start`` is the first day of the 4 weeks before the week (they end the day before
    ``week_start``; the previous week is the last of them). DataFrames (counts are contacts,
    ``*_pct`` are fractions, 0.25 = +25 %, NaN where the base is 0; dates are local
    ``datetime.date``; ``source_id`` is Int64, NA for Unattributed):

    * ``totals``: ``TOTALS_COLUMNS``, one row per metric (``METRIC_*`` labels). For the
      unattributed share the changes are in fraction points and its percentages are empty; the
      4-week value of a share is pooled (all unattributed / all contacts of the 4 weeks). New
      sources, silent sources and spikes are counted for the week only (spikes once per movement:
      rows with ``same_contacts_as`` are not counted).
    * ``movers_sources``: ``SOURCE_MOVER_COLUMNS``; up to ``top`` rows with ``direction`` "up"
      (largest gain first) then up to ``top`` "down" (largest loss first). Unattributed is a
      row like any source.
    * ``movers_campaigns``: ``CAMPAIGN_MOVER_COLUMNS``, the same for named campaigns ("No
      campaign" and "Unattributed" are not campaigns and are left out).
    * ``new_sources``: ``NEW_SOURCE_COLUMNS``, live sources whose first contact ever is in the
      week, most contacts first.
    * ``silent_sources``: ``SILENT_SOURCE_COLUMNS``, live sources with contacts in the 4 weeks
      before and none in the week; ``last_contact`` is their last local day with contacts
      before the week; most contacts in the 4 weeks first.
    * ``spikes``: ``SPIKE_COLUMNS``; ``dimension`` is "total", "source" or "campaign",
      ``direction`` "spike" or "drop" (see ``SPIKE_RULE``), smallest p first. A campaign whose
      only contacts in the 5 weeks are one flagged source's (or the total, when one source or
      campaign holds every contact) is the same movement seen twice: its ``same_contacts_as``
      names that row ("source: Instagram / Ramadan"), else it is empty. The summary and the
      "Spikes and drops" count leave such rows out.
    * ``daily_by_source``: ``DAILY_COLUMNS``, every day of the week for every source with
      contacts in the week (zero days included).
    * ``weekly_totals``: ``WEEKLY_COLUMNS``, the 4 weeks before and the week, oldest first.

    ``summary`` is the plain-text summary (see ``summary_text``). ``weekend_days``: the work week's
    weekend (``date.weekday()`` numbers, ``Settings.weekend_days``), left out of the weekday
    average (``METRIC_WEEKDAY_AVERAGE``: new contacts per work day) and shaded on the daily chart.
    """

    week_start: date
    week_end: date
    tz: str
    week_starts_on: str
    baseline_start: date
    totals: pd.DataFrame
    movers_sources: pd.DataFrame
    movers_campaigns: pd.DataFrame
    new_sources: pd.DataFrame
    silent_sources: pd.DataFrame
    spikes: pd.DataFrame
    daily_by_source: pd.DataFrame
    weekly_totals: pd.DataFrame
    summary: str
    weekend_days: tuple[int, ...] = weekends.DEFAULT_WEEKEND

    @property
    def previous_week_start(self) -> date:
        """First local day of the week before."""
        return self.week_start - timedelta(days=7)

    def metric(self, label: str) -> pd.Series:
        """The ``totals`` row of metric ``label`` (a ``METRIC_*`` constant); ``KeyError`` if absent."""
        rows = self.totals[self.totals["metric"] == label]
        if rows.empty:
            raise KeyError(label)
        return rows.iloc[0]


# --- which week ---------------------------------------------------------------------------------


def resolve_week(
    week_start_date: date | None, tz: str = "UTC", week_start: str = "monday", today: date | None = None
) -> tuple[date, date]:
    """``(first day, last day)`` of the local week to review.

    ``week_start_date`` may be any date inside the wanted week (it is snapped to the week's first
    day); ``None`` means the last complete week before ``today`` (default: today's local date in
    ``tz``). Raises ``ValueError`` (user-facing) for a week that has not ended before ``today``,
    a date outside the supported window (``periods.MIN_DATE..MAX_DATE``; the review reads four
    weeks before the week, so the earliest date is five weeks after ``MIN_DATE``), an unknown
    zone or week start.
    """
    periods.zone(tz)
    week_start = periods.check_week_start(week_start)
    today = today or periods.today_in(tz)
    last_start, last_end = periods.last_complete_weeks(today, 1, week_start)
    if week_start_date is None:
        return last_start, last_end
    if not isinstance(week_start_date, date) or isinstance(week_start_date, datetime):
        raise ValueError("The week must be given as a date such as 2026-11-16.")
    earliest = periods.MIN_DATE + timedelta(days=7 * (BASELINE_WEEKS + 1))
    if not earliest <= week_start_date <= periods.MAX_DATE:
        raise ValueError(f"The week of {week_start_date.isoformat()} is outside the supported range: pick a "
                         f"date from {earliest.isoformat()} to {periods.MAX_DATE.isoformat()}.")
    start = periods.week_start_of(week_start_date, week_start)
    if start > last_start:
        raise ValueError(
            f"The week starting {start.isoformat()} is not over yet (today is {today.isoformat()}); "
            f"the latest complete week starts {last_start.isoformat()}."
        )
    return start, start + timedelta(days=6)


def past_week_starts(today: date, week_start: str = "monday", n: int = 52) -> list[date]:
    """First days of the ``n`` last complete weeks before ``today``, newest first (a week picker)."""
    last_start, _ = periods.last_complete_weeks(today, 1, week_start)
    return [last_start - timedelta(days=7 * i) for i in range(n)]


# --- the review ---------------------------------------------------------------------------------


def weekly_review(
    db,
    week_start_date: date | None = None,
    tz: str = "UTC",
    week_start: str = "monday",
    today: date | None = None,
    top: int = TOP_MOVERS,
    weekend_days: tuple[int, ...] = weekends.DEFAULT_WEEKEND,
) -> WeeklyReview:
    """The weekly review of the local week holding ``week_start_date`` (default: the last
    complete week before ``today``, itself defaulting to today's local date in ``tz``).

    ``db`` is a ``store.Reader`` (anything with ``.query(sql, params)``). ``tz`` is an IANA zone,
    ``week_start`` monday, sunday or saturday; ``top`` the number of movers each way;
    ``weekend_days`` the weekend (``Settings.weekend_days``, default Friday-Saturday), whose days the
    weekday average leaves out. Returns a
    ``WeeklyReview`` (see there for every frame's columns). Raises ``ValueError`` (user-facing)
    for a week not yet over, an unknown zone or week start; ``store.CacheError`` when the cache
    cannot be read. Reads ``contacts``, ``sources``, ``channel_rules``, ``source_labels`` through
    ``acquisition.acquisition`` and ``acquisition.source_table``.
    """
    start, end = resolve_week(week_start_date, tz, week_start, today)
    week_start = periods.check_week_start(week_start)
    base_start = start - timedelta(days=7 * BASELINE_WEEKS)
    window = acquisition.Filters(base_start, end, tz, week_start)

    # Sources: one query by day over the 5 weeks; weeks are 7-day blocks from base_start.
    daily = acquisition.acquisition(db, window, "source", "day")
    day_index = week_numbers(daily["period_start"], base_start)
    attr = attribution.source_attribution(db)[["source_id", "channel", "campaign"]]
    attr = attr.astype({"source_id": "Int64"})
    by_source = source_counts(daily, day_index, attr)
    by_campaign = campaign_counts(db, window, base_start)
    weekly_totals = five_week_totals(daily, day_index, base_start)
    new_sources = new_sources_table(db, window, start, end)
    silent_sources = silent_sources_table(by_source, daily, day_index, end)
    spikes = spikes_table(weekly_totals, by_source, by_campaign)

    movers_sources = top_movers(by_source, "source", SOURCE_MOVER_COLUMNS, top)
    movers_sources["source_id"] = movers_sources["source_id"].astype("Int64")
    movers_campaigns = top_movers(by_campaign, "campaign", CAMPAIGN_MOVER_COLUMNS, top)
    daily_by_source = daily_table(daily, day_index, attr)

    distinct_spikes = int(spikes["same_contacts_as"].isna().sum())
    totals = totals_table(start, end, weekly_totals, by_source, len(new_sources), len(silent_sources), distinct_spikes)
    totals = with_weekday_average(totals, daily, start, base_start, tuple(weekend_days))
    review = dict(
        week_start=start, week_end=end, tz=tz, week_starts_on=week_start, baseline_start=base_start,
        totals=totals, movers_sources=movers_sources, movers_campaigns=movers_campaigns,
        new_sources=new_sources, silent_sources=silent_sources, spikes=spikes,
        daily_by_source=daily_by_source, weekly_totals=weekly_totals,
    )
    from rasl_data.analytics import business_review  # spend, costs and target pacing of the week

    extra = business_review.summary_lines(db, start, end, tz, week_start)
    return WeeklyReview(**review, summary=summary_text(**review, extra_lines=extra),
                        weekend_days=tuple(weekend_days))


__all__ = [
    "ALL_CONTACTS", "BASELINE_WEEKS", "CAMPAIGN_MOVER_COLUMNS", "DAILY_COLUMNS", "NEW_SOURCE_COLUMNS",
    "SILENT_SOURCE_COLUMNS", "SOURCE_MOVER_COLUMNS", "SPIKE_COLUMNS", "TOP_MOVERS", "TOTALS_COLUMNS", "WEEKLY_COLUMNS",
    "METRIC_ACTIVE_SOURCES", "METRIC_NEW_CONTACTS", "METRIC_NEW_SOURCES", "METRIC_SILENT_SOURCES", "METRIC_SPIKES", "METRIC_UNATTRIBUTED", "METRIC_UNATTRIBUTED_SHARE",
    "METRIC_WEEKDAY_AVERAGE",
    "SPIKE_RULE", "WeeklyReview", "past_week_starts", "poisson_cdf", "poisson_sf", "resolve_week",
    "change_text", "spike_test", "summary_text", "week_label", "weekly_review",
]
