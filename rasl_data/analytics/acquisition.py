"""Acquisition analytics on the DuckDB cache: new contacts by source, channel, campaign, group,
status and contact type, over local days, weeks and months, with period-over-period comparison.

Every function takes ``db`` first: a ``store.Reader`` (anything with
``.query(sql, params) -> DataFrame``), and plain Python values; it returns a plain pandas
DataFrame (or a small dataclass). SQL is fixed text with ``?`` parameters; filter values never
become SQL. All dates are local calendar dates in ``filters.tz`` (an IANA zone), ranges are
inclusive at both ends, a contact's acquisition moment is ``contacts.created_at`` (first touch:
RASL keeps one source per contact).

How a query runs (fast on a million contacts): the UTC window around the range prunes rows, the
local day is integer arithmetic on ``epoch_us(created_at)`` (see ``periods.local_day_sql``), rows
are counted per (local day, raw source id, ...) first, and only that small aggregate is joined
with the source → channel/campaign map, which ``attribution.source_attribution`` derives in
Python from the tiny rule tables and passes in as list parameters. Queries that never show a day
(totals, breakdowns, KPIs, the source table, conversion, status mix) skip the per-row day
arithmetic: each local range becomes its exact UTC instants (``query_core.bucket_conditions``),
a plain filter on ``created_at`` inside the scan, and rows are counted per raw id only. Contacts
whose source id has no live row in ``sources`` are ``Unattributed`` with ``source_id`` NULL,
never dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from rasl_data.analytics import attribution, periods
from rasl_data.analytics.attribution import NO_CAMPAIGN, UNATTRIBUTED, normalise_name
from rasl_data.analytics.contacts_sql import (  # noqa: F401  (re-exported: pages import them from here)
    DIMENSION_COLUMNS,
    DIMENSIONS,
    GROUPS_NOTE,
    NO_GROUP,
    NO_STATUS,
    UNKNOWN_TYPE,
    Filters,
    _extra_for,
    _finish,
    _period_sql,
    attr_cte,
    bucket_conditions,
    check_dimension,
    contacts_cte,
    dim_select,
    overlapping,
)
from rasl_data.i18n import N_, _

# --- public queries ----------------------------------------------------------------------------


def acquisition(db, filters: Filters, by: str | None = "source", granularity: str = "day") -> pd.DataFrame:
    """New contacts per local period (and per value of ``by``) in ``filters.start..end``.

    Returns ``DataFrame[period_start (datetime.date, local, the period's real first day),
    <id column where the dimension has one: source_id | group_id | status_id (Int64, NULL for
    Unattributed / No group / No status)>, <name column: source | channel | campaign | group |
    status | type>, new_contacts (int, contacts)]``, sorted by period then name. The time axis is
    continuous: every period touching the range appears for every dimension value with contacts
    in the range (zero rows included); a period cut by the range counts only days inside it.
    ``by=None`` gives one series (every period, even with no contacts at all). Groups overlap
    (see ``GROUPS_NOTE``; ``df.attrs["note"]``). Raises ``ValueError`` for an unknown dimension or
    granularity, or an axis longer than ``periods.MAX_PERIODS`` (days over more than about ten
    years: the message says to use week or month). Reads ``contacts``, ``sources``, ``channel_rules``, ``source_labels`` (+
    ``contact_groups``/``groups``, ``statuses``).
    """
    check_dimension(by)
    periods.check_granularity(granularity)
    # The axis first: a daily axis over decades is refused before any SQL runs (MAX_PERIODS).
    axis = periods.period_starts(filters.start, filters.end, granularity, filters.week_start)
    attr = attribution.source_attribution(db)
    # By group, status or type no source column is shown: filter sources in the scan instead.
    cte, params = contacts_cte(filters, attr, [(filters.start, filters.end)], _extra_for(by),
                               sources=by in (None, "source", "channel", "campaign"))
    period_sql, period_params = _period_sql(granularity, filters.week_start)
    keys = dim_select(by)
    key_list = "".join(k + ", " for k in keys)
    if keys:
        dims = f"dims AS (SELECT DISTINCT {', '.join(keys)} FROM agg)"
        join_on = " AND ".join(f"agg.{k} IS NOT DISTINCT FROM dims.{k}" for k in keys)
        final = (f"SELECT axis.period_start, {', '.join('dims.' + k for k in keys)}, "
                 f"COALESCE(agg.n, 0) AS new_contacts FROM axis CROSS JOIN dims LEFT JOIN agg "
                 f"ON agg.period_start = axis.period_start AND {join_on} "
                 f"ORDER BY axis.period_start, {', '.join('dims.' + k for k in reversed(keys))}")
    else:
        dims = "dims AS (SELECT 1)"
        final = ("SELECT axis.period_start, COALESCE(agg.n, 0) AS new_contacts FROM axis "
                 "LEFT JOIN agg ON agg.period_start = axis.period_start ORDER BY axis.period_start")
    sql = (cte + f""",
agg AS (SELECT {period_sql} AS period_start, {key_list}sum(n) AS n FROM tagged GROUP BY ALL),
axis AS (SELECT unnest(?::DATE[]) AS period_start),
{dims}
{final}""")
    df = _finish(db.query(sql, params + period_params + [axis]), by)
    if overlapping(by):
        df.attrs["note"] = GROUPS_NOTE
    return df


def _bucket_counts(db, filters: Filters, by: str | None, ranges, extra=()) -> pd.DataFrame:
    """Contacts per (bucket, dimension value) over several local ranges, in one scan."""
    attr = attribution.source_attribution(db)
    customer_sql = None
    if "customer" in extra:
        from rasl_data.analytics import conversion_definition

        customer_sql = conversion_definition.customer_sql(db)
    cte, params = contacts_cte(filters, attr, ranges, tuple(_extra_for(by)) + tuple(extra), per_day=False,
                               customer_sql=customer_sql)
    keys = dim_select(by)
    cols = ", ".join(["bucket"] + keys)
    customer = ", sum(CASE WHEN is_customer THEN n ELSE 0 END) AS customers" if "customer" in extra else ""
    sql = cte + (f"\nSELECT {cols}, sum(n) AS n, "
                 f"sum(CASE WHEN source_id IS NULL THEN n ELSE 0 END) AS unattributed{customer} "
                 f"FROM tagged GROUP BY ALL")
    return db.query(sql, params)


def totals(db, filters: Filters) -> int:
    """Number of contacts acquired in ``filters.start..end`` (local, inclusive) passing the filters.

    Reads ``contacts``, ``sources``, ``channel_rules``, ``source_labels``.
    """
    df = _bucket_counts(db, filters, None, [(filters.start, filters.end)])
    return int(df["n"].sum()) if len(df) else 0


def change(current: float | None, previous: float | None) -> tuple[float, float, bool]:
    """Period-over-period change: ``(change_abs, change_pct, is_new)``.

    ``change_pct`` is a fraction (0.25 = +25 %) and NaN when ``previous`` is 0 or missing: a
    change from zero is "new" (``is_new`` True when current > 0), never infinity.
    """
    cur = 0.0 if current is None or pd.isna(current) else float(current)
    if previous is None or pd.isna(previous):
        return math.nan, math.nan, False
    prev = float(previous)
    pct = (cur - prev) / prev if prev != 0 else math.nan
    return cur - prev, pct, bool(prev == 0 and cur > 0)


def add_change(df: pd.DataFrame, current: str = "new_contacts", previous: str = "previous") -> pd.DataFrame:
    """Add ``change_abs``, ``change_pct`` (fraction, NaN when previous is 0) and ``is_new`` columns."""
    df = df.copy()
    cur = df[current].astype("float64")
    prev = df[previous].astype("Float64").astype("float64")  # NA → NaN
    df["change_abs"] = cur - prev
    df["change_pct"] = (cur - prev) / prev.where(prev != 0)
    df["is_new"] = ((prev == 0) & (cur > 0)).astype(bool)
    return df


def share_of_total(values: pd.Series, total: float) -> pd.Series:
    """``values / total`` as fractions (NaN when the total is 0)."""
    return values.astype("float64") / total if total else values.astype("float64") * math.nan


def breakdown(db, filters: Filters, by: str = "source", compare: str | None = "previous") -> pd.DataFrame:
    """Contacts per value of ``by`` in the range, with share and comparison.

    Returns ``DataFrame[<id column if any>, <name column>, new_contacts (int), share (fraction of
    contacts in the range), previous (Int64; NA when ``compare`` is None), change_abs (contacts),
    change_pct (fraction; NaN when previous is 0), is_new (bool: previous 0, now > 0)]``, most
    contacts first. Values with contacts only in the comparison range are kept (new_contacts 0).
    ``compare``: ``"previous"`` (equal length just before), ``"last_year"`` (364 days earlier,
    weekday-aligned) or None. Group shares overlap (``df.attrs["note"]``). Raises ``ValueError``
    for an unknown dimension or comparison. Reads ``contacts`` and the attribution tables.
    """
    check_dimension(by)
    if by is None:
        raise ValueError(_("Choose a dimension to break down by."))
    ranges = [(filters.start, filters.end)]
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other:
        ranges.append(other)
    counts = _bucket_counts(db, filters, by, ranges)
    keys = [k.strip('"') for k in dim_select(by)]
    total = totals(db, filters) if overlapping(by) else int(counts.loc[counts["bucket"] == 0, "n"].sum())
    cur = counts[counts["bucket"] == 0][keys + ["n"]].rename(columns={"n": "new_contacts"})
    if other:
        prev = counts[counts["bucket"] == 1][keys + ["n"]].rename(columns={"n": "previous"})
        out = cur.merge(prev, on=keys, how="outer")
        out["previous"] = out["previous"].fillna(0).astype("int64")
    else:
        out = cur.assign(previous=pd.NA)
    out["new_contacts"] = out["new_contacts"].fillna(0).astype("int64")
    out["previous"] = out["previous"].astype("Int64")
    out["share"] = share_of_total(out["new_contacts"], total)
    out = add_change(out)
    out = out.sort_values(["new_contacts", keys[-1]], ascending=[False, True], kind="stable")
    out = _finish(out[keys + ["new_contacts", "share", "previous", "change_abs", "change_pct", "is_new"]], by)
    if overlapping(by):
        out.attrs["note"] = GROUPS_NOTE
    return out


@dataclass(frozen=True)
class Kpi:
    """One headline number: ``value`` now, ``previous`` in the comparison range, their change.

    For shares and rates (fractions), ``change_abs`` is in fraction points (0.02 = 2 points) and
    ``change_pct`` the relative change; NaN when not defined.
    """

    value: float
    previous: float = math.nan
    change_abs: float = math.nan
    change_pct: float = math.nan
    is_new: bool = False


@dataclass(frozen=True)
class Kpis:
    """Headline numbers of a range: new contacts (count), unattributed share and conversion rate
    (fractions of the new contacts; NaN with no contacts)."""

    new_contacts: Kpi
    unattributed_share: Kpi
    conversion_rate: Kpi
    notes: dict = field(default_factory=dict)


def kpis(db, filters: Filters, compare: str | None = "previous") -> Kpis:
    """New contacts, unattributed share and conversion rate (customers now, by the workspace's
    conversion definition, ``conversion_definition.current``) of the range.

    Each comes with the comparison range's value and the change (see ``Kpi``). Raises
    ``ValueError`` for an unknown comparison. Reads ``contacts`` and the attribution tables.
    """
    ranges = [(filters.start, filters.end)]
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other:
        ranges.append(other)
    counts = _bucket_counts(db, filters, None, ranges, extra=("customer",))
    vals = {}
    for bucket in range(len(ranges)):
        rows = counts[counts["bucket"] == bucket]
        n, u, c = (float(rows[k].sum()) for k in ("n", "unattributed", "customers"))
        vals[bucket] = (n, u / n if n else math.nan, c / n if n else math.nan)

    def kpi(i: int) -> Kpi:
        value = vals[0][i]
        if not other:
            return Kpi(value)
        prev = vals[1][i]
        if math.isnan(prev) or math.isnan(value):
            return Kpi(value, prev)
        return Kpi(value, prev, *change(value, prev))

    from rasl_data.analytics import conversion_definition

    label = conversion_definition.current(db).label
    note = _("Share of the new contacts whose {label} now").format(label=label)
    return Kpis(kpi(0), kpi(1), kpi(2), {"conversion_rate": note})


def source_table(db, filters: Filters, compare: str | None = "previous") -> pd.DataFrame:
    """Every source with contacts in the range or the comparison range (and Unattributed), with history.

    Returns ``DataFrame[source_id (Int64, NA = Unattributed), source, channel, campaign,
    new_contacts, share, previous, change_abs, change_pct, is_new, all_time_contacts (all
    types), first_contact, last_contact (local dates of its first and latest contact ever)]``,
    most contacts first. Reads ``contacts`` and the attribution tables.
    """
    other = periods.comparison_range(filters.start, filters.end, compare)
    attr = attribution.source_attribution(db)
    sql, params = _source_table_query(filters, attr, other)
    df = _sources_with_contacts(db.query(sql, params), bool(other))
    out = _source_table_frame(df, attr, bool(other))
    # Local dates of a few dozen instants: zoneinfo here, the same rules as everywhere else.
    # (A cache without any contact gives float columns here, as it always did.)
    zone = periods.zone(filters.tz)
    date_dtype = object if len(df) or len(db.query("SELECT 1 FROM contacts LIMIT 1")) else "float64"
    for col, at in (("first_contact", "first_at"), ("last_contact", "last_at")):
        out[col] = pd.Series([ts.astimezone(zone).date() for ts in df[at]], index=df.index, dtype=date_dtype)
    cols = ["source_id", "source", "channel", "campaign", "new_contacts", "share", "previous", "change_abs",
            "change_pct", "is_new", "all_time_contacts", "first_contact", "last_contact"]
    return out[cols]


def _source_table_query(filters: Filters, attr: pd.DataFrame, other: tuple[date, date] | None) -> tuple[str, list]:
    """The SQL of ``source_table`` and its parameters: per live source (ids without one fold into
    Unattributed), contacts in the range (and in the comparison range ``other``), all-time history."""
    ranges = [(filters.start, filters.end)] + ([other] if other else [])
    attr_sql, attr_params, unattributed_ok = attr_cte(filters, attr)
    type_sql, type_params = "", []
    if filters.types:
        type_sql = " AND list_contains(?::VARCHAR[], c.type)"
        type_params = [[str(t) for t in filters.types]]
    counted, count_params = [], []
    for (cond, cond_params), name in zip(bucket_conditions(filters, ranges), ("new_contacts", "previous")):
        counted.append(f"count(*) FILTER (WHERE {cond}{type_sql}) AS {name}")
        count_params += cond_params + type_params
    # One scan of every contact, one perfect-hash aggregate on the raw source id: the all-time
    # history and the range counts together; then the few dozen rows meet the source map, where
    # ids without a live source fold into the Unattributed row (history and counts alike).
    sql = f"""WITH {attr_sql},
per_raw AS (
    SELECT c.source_id AS raw_source_id, count(*) AS all_time_contacts, min(c.created_at) AS first_at,
           max(c.created_at) AS last_at, {', '.join(counted)}
    FROM contacts c GROUP BY ALL
)
SELECT a.source_id, COALESCE(a.source, '{UNATTRIBUTED}') AS "source",
       COALESCE(a.channel, '{UNATTRIBUTED}') AS channel, COALESCE(a.campaign, '{UNATTRIBUTED}') AS campaign,
       sum(r.new_contacts) AS new_contacts, {'sum(r.previous)' if other else 'NULL'} AS previous,
       sum(r.all_time_contacts) AS all_time_contacts, min(r.first_at) AS first_at, max(r.last_at) AS last_at
FROM per_raw r LEFT JOIN attr a ON a.source_id = r.raw_source_id
WHERE (a.source_id IS NOT NULL AND a.keep) OR (a.source_id IS NULL AND ?)
GROUP BY ALL
ORDER BY new_contacts DESC, "source", a.source_id NULLS LAST"""
    return sql, attr_params + count_params + [unattributed_ok]


def _sources_with_contacts(df: pd.DataFrame, compared: bool) -> pd.DataFrame:
    """The query's rows with contacts now or, when ``compared``, in the comparison range."""
    # Sources without contacts now are dropped here rather than in SQL. ``breakdown`` gave an empty
    # table an untyped (object) ``source`` unless the comparison range had contacts; keep that.
    anything = bool(len(df)) and bool((df["new_contacts"] > 0).any() or (compared and (df["previous"] > 0).any()))
    # A source that brought contacts in the comparison period but none now stays listed (at -100%):
    # a source going quiet is exactly what the table must show.
    keep = df["new_contacts"] > 0
    if compared:
        keep |= df["previous"] > 0
    df = df[keep].reset_index(drop=True)
    if not anything:
        df["source"] = df["source"].astype(object)
    return df


def _source_table_frame(df: pd.DataFrame, attr: pd.DataFrame, compared: bool) -> pd.DataFrame:
    """``source_table``'s columns up to ``all_time_contacts``, in the dtypes ``breakdown`` and the
    source map give, empty frames included (pages and the weekly review concatenate and compare them)."""
    # Rows with no contacts now are gone, so their sum is every contact of the range.
    total = int(df["new_contacts"].sum()) if len(df) else 0
    out = pd.DataFrame({
        "source_id": df["source_id"].astype("Int64"),
        "source": df["source"],
        "channel": df["channel"].astype(attr["channel"].dtype),
        "campaign": df["campaign"].astype(attr["campaign"].dtype),
        "new_contacts": df["new_contacts"].astype("int64"),
        "previous": (df["previous"].astype("int64") if compared or not len(df)
                     else pd.Series(pd.NA, index=df.index, dtype="Int64")),
    })
    out["share"] = share_of_total(out["new_contacts"], total)
    out = add_change(out)
    out["all_time_contacts"] = df["all_time_contacts"].astype("int64")
    return out


def silent_sources(db, today: date, tz: str, quiet_days: int = 14) -> pd.DataFrame:
    """Live sources that brought contacts before but none in the last ``quiet_days`` local days.

    The quiet window is ``today - quiet_days + 1 .. today`` (local dates in ``tz``). Returns
    ``DataFrame[source_id, source, channel, campaign, last_contact (local date), days_silent
    (days since the last contact), all_time_contacts]``, longest silent last. Reads ``contacts``
    and the attribution tables.
    """
    if quiet_days < 1:
        raise ValueError(_("The quiet period must be 1 day or more."))
    zone = periods.zone(tz)
    attr = attribution.source_attribution(db)
    last = db.query("SELECT source_id, count(*) AS all_time_contacts, max(created_at) AS last_at "
                    "FROM contacts WHERE source_id IS NOT NULL GROUP BY source_id")
    last["last_contact"] = [ts.astimezone(zone).date() for ts in last["last_at"]]
    last["source_id"] = last["source_id"].astype("int64")
    out = attr.merge(last, on="source_id", how="inner")
    cutoff = date.fromordinal(today.toordinal() - quiet_days + 1)
    out = out[out["last_contact"] < cutoff].copy()
    out["days_silent"] = [(today - d).days for d in out["last_contact"]]
    out["all_time_contacts"] = out["all_time_contacts"].astype("int64")
    cols = ["source_id", "source", "channel", "campaign", "last_contact", "days_silent", "all_time_contacts"]
    return out.sort_values(["days_silent", "source_id"])[cols].reset_index(drop=True)


def unattributed_trend(db, filters: Filters, granularity: str = "week") -> pd.DataFrame:
    """Unattributed contacts per local period: how much of the acquisition has no known source.

    Returns ``DataFrame[period_start (date), new_contacts (int), unattributed (int),
    unattributed_share (fraction; NaN in a period without contacts)]`` on a continuous axis.
    Reads ``contacts`` and the attribution tables.
    """
    df = acquisition(db, filters, by="source", granularity=granularity)
    axis = periods.period_starts(filters.start, filters.end, granularity, filters.week_start)
    total = df.groupby("period_start")["new_contacts"].sum()
    unatt = df[df["source_id"].isna()].groupby("period_start")["new_contacts"].sum()
    out = pd.DataFrame({"period_start": axis})
    out["new_contacts"] = out["period_start"].map(total).fillna(0).astype("int64")
    out["unattributed"] = out["period_start"].map(unatt).fillna(0).astype("int64")
    out["unattributed_share"] = out["unattributed"] / out["new_contacts"].where(out["new_contacts"] > 0)
    return out


# How the near-duplicate pairs' ``reason`` values are shown (the values stay English in the frame).
DUPLICATE_REASONS = {"same name": N_("same name"), "similar": N_("similar")}


def near_duplicate_sources(db, threshold: float = 90.0) -> pd.DataFrame:
    """Pairs of live sources that are probably the same: equal after ``normalise_name``
    (case, spaces, tatweel, Unicode forms) or similar by ``rapidfuzz`` ratio ≥ ``threshold`` (0-100).

    Names whose numbers differ ("Promo 1" / "Promo 2") are never called similar. Returns
    ``DataFrame[source_id_a, source_a, contacts_a, source_id_b, source_b, contacts_b, similarity
    (0-100), reason ('same name'|'similar')]``, most similar first. Reads ``sources``, ``contacts``.
    """
    import re

    from rapidfuzz import fuzz

    src = db.query(
        "SELECT s.id, s.name, count(c.id) AS contacts FROM sources s LEFT JOIN contacts c "
        "ON c.source_id = s.id WHERE s.deleted_at IS NULL GROUP BY s.id, s.name ORDER BY s.id"
    )
    keys = [normalise_name(n) for n in src["name"]]
    digits = [re.findall(r"\d+", k) for k in keys]
    rows = []
    for i in range(len(src)):
        for j in range(i + 1, len(src)):
            if keys[i] == keys[j]:
                sim, reason = 100.0, "same name"
            else:
                if digits[i] != digits[j]:
                    continue
                sim = fuzz.ratio(keys[i], keys[j])
                if sim < threshold:
                    continue
                reason = "similar"
            a, b = src.iloc[i], src.iloc[j]
            rows.append((int(a["id"]), a["name"], int(a["contacts"]), int(b["id"]), b["name"], int(b["contacts"]),
                         round(float(sim), 1), reason))
    cols = ["source_id_a", "source_a", "contacts_a", "source_id_b", "source_b", "contacts_b", "similarity", "reason"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["similarity", "source_id_a", "source_id_b"], ascending=[False, True, True]).reset_index(drop=True)


__all__ = [
    "DIMENSIONS", "DIMENSION_COLUMNS", "Filters", "GROUPS_NOTE", "Kpi", "Kpis", "NO_CAMPAIGN", "NO_GROUP",
    "NO_STATUS", "UNATTRIBUTED", "UNKNOWN_TYPE", "acquisition", "add_change", "breakdown", "change",
    "check_dimension", "kpis", "near_duplicate_sources", "overlapping", "share_of_total", "silent_sources",
    "source_table", "totals", "unattributed_trend",
]
