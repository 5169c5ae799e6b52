"""Alerts: what needs a marketer's attention now, each with a stable key so it is sent once.

Checked on a rolling week: the **last 7 complete local days** (ending yesterday in the business
time zone) against the **28 days before** (four 7-day blocks), with the weekly review's rules
(``rasl_data.analytics.weekly_review``):

* ``silent_source``: a live source with contacts in the 28 days before and none in the 7 days.
  Key ``silent_source:<source id>:<last local day with contacts>``: it stays the same while the
  source stays silent, so it is sent once; a source that comes back and falls silent again is a
  new alert.
* ``spike`` / ``drop``: the 7-day count of all new contacts, of a source or of a named campaign
  is unlikely under a Poisson distribution with the 4-block average as its mean
  (``weekly_review.spike_test``: one-sided p < 0.01 and at least 5 contacts from the average); a campaign
  whose counts are those of one of its sources' alerts is left out (it would say the same). Key
  ``<spike|drop>:<total|source|campaign>:<subject>:<first local day the rolling week ended on>``;
  a detection within 6 days of an earlier one of the same subject and direction keeps the earlier
  key (one episode, one alert).
* ``sync_failing``: the newest sync failed and syncs have been failing for more than a day (the
  first failed run since the last success started 24 h or more ago). Key
  ``sync_failing:<id of that first failed run>``.

Reads ``contacts``, ``sources``, the attribution tables (through ``acquisition.acquisition``),
``sync_runs`` and ``deliveries`` (for episode keys). No streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import acquisition, periods, weekly_review, weekly_summary
from rasl_data.analytics.attribution import NO_CAMPAIGN, UNATTRIBUTED
from rasl_data.cache import delivery_log
from rasl_data.i18n import N_, _

WINDOW_DAYS = 7
BASELINE_DAYS = 7 * weekly_review.BASELINE_WEEKS
EPISODE_DAYS = 6
SYNC_FAILING_AFTER = timedelta(hours=24)
KINDS = ("silent_source", "spike", "drop", "sync_failing")


@dataclass(frozen=True)
class Alert:
    """One alert: ``key`` (stable, see the module doc), ``kind`` (``KINDS``), ``text`` one line for
    people (names literal), ``subject`` what it is about (a source or campaign name, ``All new
    contacts``, or ``Sync``)."""

    key: str
    kind: str
    subject: str
    text: str


def _window(today: date) -> tuple[date, date, date]:
    """``(baseline start, window start, window end)``: the 7 days ending yesterday and 28 before."""
    end = today - timedelta(days=1)
    start = end - timedelta(days=WINDOW_DAYS - 1)
    return start - timedelta(days=BASELINE_DAYS), start, end


def _short(d: date) -> str:
    return weekly_summary.short_date(d)


def _episode_key(reader, prefix: str, end: date) -> str:
    """``prefix + end`` unless an alert of the same prefix was sent or tried within ``EPISODE_DAYS``."""
    earlier = delivery_log.items_like(reader, "alert", prefix) if reader is not None else pd.DataFrame()
    for item in earlier.get("item", []):
        try:
            first = date.fromisoformat(str(item).rpartition(":")[2])
        except ValueError:
            continue
        if end - timedelta(days=EPISODE_DAYS) <= first <= end:
            return str(item)
    return prefix + end.isoformat()


def _blocks(daily: pd.DataFrame, keys: list[str], base_start: date) -> pd.DataFrame:
    """Per ``keys``: ``this_week`` (the last block) and ``avg_4_weeks`` (the 4 blocks before)."""
    if daily.empty:
        return pd.DataFrame(columns=keys + ["this_week", "avg_4_weeks", "before"])
    block = pd.Series([(d - base_start).days // 7 for d in daily["period_start"]], index=daily.index)
    df = daily.assign(_b=block.to_numpy())
    gkeys = [k for k in keys]
    this = df[df["_b"] == weekly_review.BASELINE_WEEKS].groupby(gkeys, dropna=False)["new_contacts"].sum()
    before = df[df["_b"] < weekly_review.BASELINE_WEEKS].groupby(gkeys, dropna=False)["new_contacts"].sum()
    out = pd.concat([this.rename("this_week"), before.rename("before")], axis=1).fillna(0).reset_index()
    out["avg_4_weeks"] = out["before"] / weekly_review.BASELINE_WEEKS
    return out


def _p_text(p: float) -> str:
    return weekly_summary.p_text(p)


# Whole sentences per direction and subject (word order differs between languages).
_SPIKE_TEXTS = {
    ("spike", "total"): N_("Spike in all new contacts: {count} new contacts {week}, against an average of "
                           "{average} a week in the 4 weeks before ({p})"),
    ("drop", "total"): N_("Drop in all new contacts: {count} new contacts {week}, against an average of "
                          "{average} a week in the 4 weeks before ({p})"),
    ("spike", "source"): N_("Spike for source {name}: {count} new contacts {week}, against an average of "
                            "{average} a week in the 4 weeks before ({p})"),
    ("drop", "source"): N_("Drop for source {name}: {count} new contacts {week}, against an average of "
                           "{average} a week in the 4 weeks before ({p})"),
    ("spike", "campaign"): N_("Spike for campaign {name}: {count} new contacts {week}, against an average of "
                              "{average} a week in the 4 weeks before ({p})"),
    ("drop", "campaign"): N_("Drop for campaign {name}: {count} new contacts {week}, against an average of "
                             "{average} a week in the 4 weeks before ({p})"),
}


def detect(reader, tz: str = "UTC", week_start: str = "monday", now: datetime | None = None) -> list[Alert]:
    """The alerts true now (aware ``now``, default the current time; local days in ``tz``).

    ``reader`` is a ``store.Reader``. Returns alerts sorted sync first, then silent sources (most
    contacts before first), then spikes and drops (smallest p first, then the largest change).
    Their ``text`` is in the language in effect (``rasl_data.i18n``); keys and subjects are not.
    Raises ``store.CacheError`` when the cache cannot be read.
    """
    now = now or datetime.now(timezone.utc)
    today = periods.today_in(tz, now)
    base_start, start, end = _window(today)
    filters = acquisition.Filters(base_start, end, tz, week_start)
    daily = acquisition.acquisition(reader, filters, "source", "day")
    by_source = _blocks(daily, ["source_id", "source"], base_start)
    out: list[Alert] = list(_sync_alerts(reader, now))
    out += _silent_alerts(reader, daily, by_source, start)
    out += _spike_alerts(reader, filters, daily, by_source, base_start, start, end)
    return out


def _silent_alerts(reader, daily: pd.DataFrame, by_source: pd.DataFrame, start: date) -> list[Alert]:
    """Live sources with contacts in the 28 days before ``start`` and none since, most contacts first."""
    live = set(reader.query("SELECT id FROM sources WHERE deleted_at IS NULL")["id"].astype("int64"))
    silent = by_source[by_source["source_id"].notna() & (by_source["this_week"] == 0) & (by_source["before"] > 0)]
    silent = silent[[int(s) in live for s in silent["source_id"]]]
    if not len(silent):
        return []
    had = daily[daily["new_contacts"] > 0].groupby("source_id")["period_start"].max()
    silent = silent.assign(last=[had.get(s) for s in silent["source_id"]])
    return [
        Alert(f"silent_source:{int(r.source_id)}:{r.last.isoformat()}", "silent_source", str(r.source),
              _("Silent source: {source} has had no new contacts since {last_day} ({count} in the 4 weeks "
                "before {start})").format(source=weekly_summary.summary_name(r.source), last_day=_short(r.last),
                                         count=weekly_summary.count_text(r.before), start=_short(start)))
        for r in silent.sort_values(["before", "source"], ascending=[False, True], kind="stable").itertuples()]


def _spike_alerts(reader, filters, daily: pd.DataFrame, by_source: pd.DataFrame, base_start: date, start: date,
                  end: date) -> list[Alert]:
    """Spikes and drops of all new contacts, each source and each named campaign (smallest p first)."""
    label = weekly_review.week_label(start, end)
    spikes: list[tuple[float, float, Alert]] = []
    source_counts: set[tuple[str, int, float]] = set()
    total = _blocks(daily.assign(_all=weekly_review.ALL_CONTACTS), ["_all"], base_start)
    weekly_campaign = acquisition.acquisition(reader, filters, "campaign", "day")
    by_campaign = _blocks(weekly_campaign, ["campaign"], base_start)
    by_campaign = by_campaign[~by_campaign["campaign"].isin([NO_CAMPAIGN, UNATTRIBUTED])] if len(by_campaign) else by_campaign
    for dimension, frame, name_col, id_col in (("total", total, "_all", None), ("source", by_source, "source", "source_id"),
                                                ("campaign", by_campaign, "campaign", None)):
        for r in frame.to_dict("records"):
            direction, p = weekly_review.spike_test(int(r["this_week"]), float(r["avg_4_weeks"]))
            if not direction:
                continue
            counts = (direction, int(r["this_week"]), float(r["before"]))
            if dimension == "source":
                source_counts.add(counts)
            elif dimension == "campaign" and counts in source_counts:
                continue  # a campaign of one source says nothing its source's alert does not
            name = str(r[name_col])
            if dimension == "total":
                subject_key = "all"
            elif id_col and not pd.isna(r[id_col]):
                subject_key = str(int(r[id_col]))
            else:
                subject_key = name if dimension == "campaign" else UNATTRIBUTED
            unnamed = dimension == "source" and pd.isna(r[id_col])
            key = _episode_key(reader, f"{direction}:{dimension}:{subject_key}:", end)
            change = float(r["this_week"]) - float(r["avg_4_weeks"])
            text = _(_SPIKE_TEXTS[(direction, dimension)]).format(
                name=weekly_summary.summary_name(weekly_summary.fixed_label(name, unnamed)),
                count=weekly_summary.count_text(r["this_week"]), week=label,
                average=weekly_summary.average_text(r["avg_4_weeks"]), p=_p_text(p))
            spikes.append((p, -abs(change), Alert(
                key, direction, name if dimension != "total" else weekly_review.ALL_CONTACTS, text)))
    return [a for _p, _c, a in sorted(spikes, key=lambda t: (t[0], t[1]))]


def _sync_alerts(reader, now: datetime) -> list[Alert]:
    runs = reader.query("SELECT id, started_at, outcome, error FROM sync_runs ORDER BY id")
    if runs.empty or runs["outcome"].iloc[-1] == "success":
        return []
    ok = runs.index[runs["outcome"] == "success"]
    failing = runs.loc[ok[-1] + 1:] if len(ok) else runs
    first = failing.iloc[0]
    since = pd.Timestamp(first["started_at"]).to_pydatetime()
    if now - since < SYNC_FAILING_AFTER:
        return []
    # The error is the sync's own text (stored in sync_runs), quoted as it was recorded.
    last_error = str(failing["error"].iloc[-1] or _("no message")).splitlines()[0][:300]
    hours = int((now - since).total_seconds() // 3600)
    return [Alert(f"sync_failing:{int(first['id'])}", "sync_failing", "Sync",
                  _("Sync failing: every sync for {hours} h has failed (since {since} UTC, {runs} run(s)); the "
                    "dashboard shows old numbers. Last error: {error}").format(
                      hours=i18n.format_number(hours), since=i18n.localise_digits(f"{since:%Y-%m-%d %H:%M}"),
                      runs=i18n.format_number(len(failing)), error=last_error))]


def alerts_text(alerts: list[Alert], tz: str, now: datetime | None = None) -> str:
    """The message body: a title line and one ``• `` line per alert (the title in the language in
    effect; the alerts' texts as ``detect`` wrote them)."""
    now = now or datetime.now(timezone.utc)
    today = periods.today_in(tz, now)
    head = _("RASL alerts, {date} ({time_zone}): {count} new").format(
        date=f"{_short(today)} {i18n.localise_digits(str(today.year))}", time_zone=tz,
        count=i18n.format_number(len(alerts)))
    return "\n".join([head] + [f"• {a.text}" for a in alerts])
