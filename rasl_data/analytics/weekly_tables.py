"""The tables of the weekly review, each computed from the five weeks' counts.

``rasl_data.analytics.weekly_review`` reads new contacts by source per day and by campaign per
week over the four weeks before the reviewed week and the week itself (weeks are 7-day blocks from
the first of them, numbered 0-3 and 4 by ``week_numbers``), then builds each of its tables here:
the counts per source and per campaign (``weekly_counts``), the top movers, new and silent
sources, spikes and drops (``SPIKE_RULE``), the week's days per source, the weekly totals and the
totals rows with the weekday average. The ``*_COLUMNS`` lists name every table's columns; their
meaning is documented on ``weekly_review.WeeklyReview``. No streamlit here.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd

from rasl_data.analytics import acquisition, weekends
from rasl_data.analytics.attribution import NO_CAMPAIGN, UNATTRIBUTED
from rasl_data.analytics.spikes import spike_test
from rasl_data.analytics.weekly_summary import (
    METRIC_ACTIVE_SOURCES,
    METRIC_NEW_CONTACTS,
    METRIC_NEW_SOURCES,
    METRIC_SILENT_SOURCES,
    METRIC_SPIKES,
    METRIC_UNATTRIBUTED,
    METRIC_UNATTRIBUTED_SHARE,
    METRIC_WEEKDAY_AVERAGE,
)

BASELINE_WEEKS = 4

TOTALS_COLUMNS = [
    "week_start", "week_end", "metric", "this_week", "previous_week", "avg_4_weeks",
    "change_vs_previous", "change_pct_vs_previous", "change_vs_avg", "change_pct_vs_avg",
]
SOURCE_MOVER_COLUMNS = [
    "direction", "source_id", "source", "channel", "campaign", "this_week", "previous_week",
    "change_abs", "change_pct", "is_new", "avg_4_weeks", "change_vs_avg",
]
CAMPAIGN_MOVER_COLUMNS = [
    "direction", "campaign", "this_week", "previous_week", "change_abs", "change_pct", "is_new",
    "avg_4_weeks", "change_vs_avg",
]
NEW_SOURCE_COLUMNS = ["source_id", "source", "channel", "campaign", "first_contact", "this_week"]
SILENT_SOURCE_COLUMNS = [
    "source_id", "source", "channel", "campaign", "contacts_4_weeks", "previous_week",
    "last_contact", "days_silent",
]
SPIKE_COLUMNS = [
    "dimension", "source_id", "name", "direction", "this_week", "avg_4_weeks", "change_vs_avg",
    "change_pct_vs_avg", "p_value", "same_contacts_as",
]
DAILY_COLUMNS = ["day", "source_id", "source", "channel", "new_contacts"]
WEEKLY_COLUMNS = ["week_start", "new_contacts", "unattributed"]
ALL_CONTACTS = "All new contacts"


def _pct(change: pd.Series, base: pd.Series) -> pd.Series:
    base = base.astype("float64")
    return change.astype("float64") / base.where(base != 0)


def weekly_counts(counts: pd.DataFrame, keys: list[str], week_index: pd.Series) -> pd.DataFrame:
    """this_week / previous_week / contacts_4_weeks / avg_4_weeks per key from per-period counts."""
    df = counts.assign(_w=week_index.to_numpy())
    this = df[df["_w"] == BASELINE_WEEKS].groupby(keys, dropna=False)["new_contacts"].sum()
    prev = df[df["_w"] == BASELINE_WEEKS - 1].groupby(keys, dropna=False)["new_contacts"].sum()
    base = df[df["_w"] < BASELINE_WEEKS].groupby(keys, dropna=False)["new_contacts"].sum()
    out = df[keys].drop_duplicates().set_index(keys)
    out["this_week"] = this.reindex(out.index).fillna(0).astype("int64")
    out["previous_week"] = prev.reindex(out.index).fillna(0).astype("int64")
    out["contacts_4_weeks"] = base.reindex(out.index).fillna(0).astype("int64")
    out = out.reset_index()
    out["avg_4_weeks"] = out["contacts_4_weeks"] / BASELINE_WEEKS
    out["change_abs"] = out["this_week"] - out["previous_week"]
    out["change_pct"] = _pct(out["change_abs"], out["previous_week"])
    out["is_new"] = (out["previous_week"] == 0) & (out["this_week"] > 0)
    out["change_vs_avg"] = out["this_week"] - out["avg_4_weeks"]
    out["change_pct_vs_avg"] = _pct(out["change_vs_avg"], out["avg_4_weeks"])
    return out


def top_movers(df: pd.DataFrame, name_col: str, columns: list[str], top: int) -> pd.DataFrame:
    """``columns`` of up to ``top`` rows of ``df`` (``weekly_counts``) gaining against the previous
    week, largest gain first (``direction`` "up"), then up to ``top`` losing, largest loss first."""
    up = df[df["change_abs"] > 0].sort_values(
        ["change_abs", "this_week", name_col], ascending=[False, False, True], kind="stable").head(top)
    down = df[df["change_abs"] < 0].sort_values(
        ["change_abs", "previous_week", name_col], ascending=[True, False, True], kind="stable").head(top)
    out = pd.concat([up.assign(direction="up"), down.assign(direction="down")], ignore_index=True)
    return out.reindex(columns=columns).reset_index(drop=True)


def _spike_rows(df: pd.DataFrame, dimension: str, name_col: str) -> list[dict]:
    rows = []
    for r in df.itertuples(index=False):
        direction, p = spike_test(r.this_week, r.avg_4_weeks)
        if direction:
            rows.append({
                "dimension": dimension,
                "source_id": getattr(r, "source_id", pd.NA) if dimension == "source" else pd.NA,
                "name": getattr(r, name_col), "direction": direction, "this_week": int(r.this_week),
                "avg_4_weeks": float(r.avg_4_weeks), "change_vs_avg": float(r.change_vs_avg),
                "change_pct_vs_avg": float(r.change_pct_vs_avg), "p_value": p,
            })
    return rows


def _same_movements(spikes: pd.DataFrame, by_source: pd.DataFrame) -> list:
    """Per spike row: the more specific flagged row holding exactly the same contacts, or NA.

    A campaign row equals a source row when the source belongs to the campaign and both have
    the same count this week and over the 4 weeks before (the campaign's other sources then had
    none in the 5 weeks); the total equals a source or campaign row with the same counts. Sources
    are preferred over campaigns, since they say more.
    """
    campaign_of = {None if pd.isna(k) else int(k): c for k, c in zip(by_source["source_id"], by_source["campaign"])}
    rows = list(spikes.itertuples(index=False))
    out: list = []
    for row in rows:
        found = pd.NA
        if row.dimension != "source":
            for dimension in ("source", "campaign") if row.dimension == "total" else ("source",):
                for other in rows:
                    if other.dimension != dimension or other.direction != row.direction:
                        continue
                    if other.this_week != row.this_week or not math.isclose(other.avg_4_weeks, row.avg_4_weeks):
                        continue
                    sid = None if pd.isna(other.source_id) else int(other.source_id)
                    if row.dimension == "total" or campaign_of.get(sid) == row.name:
                        found = f"{dimension}: {other.name}"
                        break
                if found is not pd.NA:
                    break
        out.append(found)
    return out


def with_weekday_average(totals: pd.DataFrame, daily: pd.DataFrame, start: date, base_start: date,
                          weekend_days: tuple[int, ...]) -> pd.DataFrame:
    """``totals`` with the ``METRIC_WEEKDAY_AVERAGE`` row after new contacts: new contacts per work
    day (weekend days and their contacts left out) of the week, the previous week and the 4 weeks
    before (all their work days pooled)."""
    per_day = daily.groupby("period_start")["new_contacts"].sum().to_dict()
    week = start + timedelta(days=6)
    prev_start = start - timedelta(days=7)
    this = weekends.weekday_average(per_day, start, week, weekend_days)
    prev = weekends.weekday_average(per_day, prev_start, start - timedelta(days=1), weekend_days)
    base = weekends.weekday_average(per_day, base_start, start - timedelta(days=1), weekend_days)

    def pct(change: float, base_value: float) -> float:
        return change / base_value if base_value and not math.isnan(base_value) else math.nan

    row = [start, week, METRIC_WEEKDAY_AVERAGE, this, prev, base, this - prev, pct(this - prev, prev),
           this - base, pct(this - base, base)]
    at = int((totals["metric"] == METRIC_NEW_CONTACTS).to_numpy().argmax()) + 1
    new_row = pd.DataFrame([row], columns=TOTALS_COLUMNS).astype(totals.dtypes.to_dict())
    return pd.concat([totals.iloc[:at], new_row, totals.iloc[at:]], ignore_index=True)


def week_numbers(period_starts, base_start: date) -> pd.Series:
    """0..4 per row: which of the 4 weeks before (0-3) or the week itself (4) a period falls in."""
    return pd.Series([(d - base_start).days // 7 for d in period_starts], dtype="int64")


def source_counts(daily: pd.DataFrame, day_index: pd.Series, attr: pd.DataFrame) -> pd.DataFrame:
    """Per source (Unattributed included): the week's counts (``weekly_counts``), channel, campaign."""
    by_source = weekly_counts(daily, ["source_id", "source"], day_index)
    by_source = by_source.merge(attr, on="source_id", how="left")
    by_source["channel"] = by_source["channel"].fillna(UNATTRIBUTED)
    by_source["campaign"] = by_source["campaign"].fillna(UNATTRIBUTED)
    by_source["source_id"] = by_source["source_id"].astype("Int64")
    return by_source


def campaign_counts(db, window: acquisition.Filters, base_start: date) -> pd.DataFrame:
    """Per named campaign (the dashboard's own campaign grouping, whole weeks): the week's counts."""
    weekly_campaign = acquisition.acquisition(db, window, "campaign", "week")
    week_index = week_numbers(weekly_campaign["period_start"], base_start)
    by_campaign = weekly_counts(weekly_campaign, ["campaign"], week_index)
    return by_campaign[~by_campaign["campaign"].isin([NO_CAMPAIGN, UNATTRIBUTED])]


def five_week_totals(daily: pd.DataFrame, day_index: pd.Series, base_start: date) -> pd.DataFrame:
    """``WEEKLY_COLUMNS`` for the 4 weeks before and the week (every week present even when empty)."""
    week_starts = [base_start + timedelta(days=7 * i) for i in range(BASELINE_WEEKS + 1)]
    idx = day_index.to_numpy()
    total_w = daily.assign(_w=idx).groupby("_w")["new_contacts"].sum()
    unatt_w = daily[daily["source_id"].isna()].assign(_w=idx[daily["source_id"].isna().to_numpy()]) \
        .groupby("_w")["new_contacts"].sum()
    return pd.DataFrame({
        "week_start": week_starts,
        "new_contacts": [int(total_w.get(i, 0)) for i in range(BASELINE_WEEKS + 1)],
        "unattributed": [int(unatt_w.get(i, 0)) for i in range(BASELINE_WEEKS + 1)],
    })


def new_sources_table(db, window: acquisition.Filters, start: date, end: date) -> pd.DataFrame:
    """``NEW_SOURCE_COLUMNS``: live sources whose first contact ever is in the week."""
    table = acquisition.source_table(db, window.with_range(start, end), compare=None)
    new = table[table["source_id"].notna() & (table["first_contact"] >= start)].copy()
    new = new.rename(columns={"new_contacts": "this_week"})
    new = new.sort_values(["this_week", "source"], ascending=[False, True], kind="stable")
    return new.reindex(columns=NEW_SOURCE_COLUMNS).reset_index(drop=True)


def silent_sources_table(by_source: pd.DataFrame, daily: pd.DataFrame, day_index: pd.Series, end: date) -> pd.DataFrame:
    """``SILENT_SOURCE_COLUMNS``: live sources with contacts in the 4 weeks before, none in the week."""
    live = by_source[by_source["source_id"].notna()]
    silent = live[(live["contacts_4_weeks"] > 0) & (live["this_week"] == 0)].copy()
    before = daily[(day_index < BASELINE_WEEKS).to_numpy() & (daily["new_contacts"] > 0).to_numpy()]
    last_day = before.groupby("source_id")["period_start"].max()
    silent["last_contact"] = silent["source_id"].map(last_day)
    silent["days_silent"] = [(end - d).days for d in silent["last_contact"]]
    silent = silent.sort_values(["contacts_4_weeks", "source"], ascending=[False, True], kind="stable")
    return silent.reindex(columns=SILENT_SOURCE_COLUMNS).reset_index(drop=True)


def spikes_table(weekly_totals: pd.DataFrame, by_source: pd.DataFrame, by_campaign: pd.DataFrame) -> pd.DataFrame:
    """``SPIKE_COLUMNS``: spikes and drops of the whole workspace, each source, each named campaign."""
    total_row = weekly_counts(
        pd.DataFrame({"k": ALL_CONTACTS, "new_contacts": weekly_totals["new_contacts"]}), ["k"],
        pd.Series(range(BASELINE_WEEKS + 1)))
    spike_rows = (_spike_rows(total_row, "total", "k") + _spike_rows(by_source, "source", "source")
                  + _spike_rows(by_campaign, "campaign", "campaign"))
    spikes = pd.DataFrame(spike_rows, columns=SPIKE_COLUMNS)
    spikes["same_contacts_as"] = _same_movements(spikes, by_source)
    if len(spikes):
        spikes["_abs"] = spikes["change_vs_avg"].abs()
        spikes = spikes.sort_values(["p_value", "_abs", "name"], ascending=[True, False, True], kind="stable")
        spikes = spikes.drop(columns="_abs")
    spikes["source_id"] = spikes["source_id"].astype("Int64")
    return spikes.reset_index(drop=True)


def daily_table(daily: pd.DataFrame, day_index: pd.Series, attr: pd.DataFrame) -> pd.DataFrame:
    """``DAILY_COLUMNS``: every day of the week for every source with contacts in the week."""
    in_week = daily[(day_index == BASELINE_WEEKS).to_numpy()]
    key = in_week["source_id"].astype("float64").fillna(-1.0)  # Unattributed (NA) is a source here
    active = set(key[(in_week["new_contacts"] > 0).to_numpy()])
    daily_week = in_week[key.isin(active).to_numpy()].rename(columns={"period_start": "day"})
    daily_week = daily_week.merge(attr[["source_id", "channel"]], on="source_id", how="left")
    daily_week["channel"] = daily_week["channel"].fillna(UNATTRIBUTED)
    return daily_week.reindex(columns=DAILY_COLUMNS).reset_index(drop=True)


def totals_table(start, end, weekly_totals, by_source, n_new, n_silent, n_spikes) -> pd.DataFrame:
    """``TOTALS_COLUMNS``, one row per metric: new contacts, unattributed (and its share, pooled over
    the 4 weeks), active sources; new sources, silent sources and spikes counted for the week only."""
    n = weekly_totals["new_contacts"].tolist()
    u = weekly_totals["unattributed"].tolist()
    base_n, base_u = sum(n[:BASELINE_WEEKS]), sum(u[:BASELINE_WEEKS])
    live = by_source[by_source["source_id"].notna()]
    # Active sources per week: sources with at least one contact that week.
    active_this = int((live["this_week"] > 0).sum())
    active_prev = int((live["previous_week"] > 0).sum())

    def share(a, b):
        return a / b if b else math.nan

    def row(metric, this, prev, avg, share_metric=False):
        this, prev, avg = (math.nan if v is None else float(v) for v in (this, prev, avg))
        d_prev, d_avg = this - prev, this - avg
        pct_prev = math.nan if share_metric or not prev else d_prev / prev
        pct_avg = math.nan if share_metric or not avg else d_avg / avg
        return [start, end, metric, this, prev, avg, d_prev, pct_prev, d_avg, pct_avg]

    rows = [
        row(METRIC_NEW_CONTACTS, n[-1], n[-2], base_n / BASELINE_WEEKS),
        row(METRIC_UNATTRIBUTED, u[-1], u[-2], base_u / BASELINE_WEEKS),
        row(METRIC_UNATTRIBUTED_SHARE, share(u[-1], n[-1]), share(u[-2], n[-2]), share(base_u, base_n), True),
        row(METRIC_ACTIVE_SOURCES, active_this, active_prev, None),
        row(METRIC_NEW_SOURCES, n_new, None, None),
        row(METRIC_SILENT_SOURCES, n_silent, None, None),
        row(METRIC_SPIKES, n_spikes, None, None),
    ]
    return pd.DataFrame(rows, columns=TOTALS_COLUMNS)

