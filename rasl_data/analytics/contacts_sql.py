"""The shared SQL core of the analytics: filters, dimensions and the tagged-contacts CTE.

``rasl_data.analytics.acquisition`` and ``rasl_data.analytics.conversion`` build on ``contacts_cte``; pages import
``Filters`` and the constants from ``rasl_data.analytics.acquisition`` (re-exported there). See the module
docstring of ``queries`` for how a query runs; everything here is fixed SQL with ``?``
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pandas as pd

from rasl_data.analytics import periods
from rasl_data.analytics.attribution import UNATTRIBUTED, normalise_name

DIMENSIONS = ("source", "channel", "campaign", "group", "status", "type")
# Output columns of each dimension: (id column or None, name column).
DIMENSION_COLUMNS = {
    "source": ("source_id", "source"),
    "channel": (None, "channel"),
    "campaign": (None, "campaign"),
    "group": ("group_id", "group"),
    "status": ("status_id", "status"),
    "type": (None, "type"),
}
COALESCE_TYPE_CUSTOMER = "COALESCE(c.type = 'customer', false)"
NO_GROUP = "No group"
NO_STATUS = "No status"
UNKNOWN_TYPE = "Unknown"
GROUPS_NOTE = (
    "A contact in several groups counts once in each group, so group counts add up to more "
    "than the number of contacts and shares to more than 100%."
)


def overlapping(by: str | None) -> bool:
    """Whether a contact can count in more than one value of dimension ``by`` (only ``group``)."""
    return by == "group"


@dataclass(frozen=True)
class Filters:
    """What the pages filter on; hashable, so it can key ``st.cache_data``.

    ``start``/``end``: inclusive local dates in ``tz`` (IANA zone). ``week_start``: monday,
    sunday or saturday. ``source_ids``/``channels``/``campaigns``/``types``: empty means all.
    Contacts that are ``Unattributed`` pass a source/channel/campaign filter only when it is empty
    or lists them (``None`` in ``source_ids``, ``"Unattributed"`` in ``channels``/``campaigns``),
    and never when ``include_unattributed`` is False. Raises ``ValueError`` (user-facing) for
    end < start, a date outside the supported window ``periods.MIN_DATE..MAX_DATE`` (1900-01-01
    to 2199-12-31), an unknown zone or week start. ``comparison`` (keyword, set by
    ``with_range``) lets the range begin before ``MIN_DATE``, down to
    ``periods.EARLIEST_COMPARISON``, as the comparison range of a supported range may.
    """

    start: date
    end: date
    tz: str = "UTC"
    week_start: str = "monday"
    source_ids: tuple = ()
    channels: tuple = ()
    campaigns: tuple = ()
    types: tuple = ()
    include_unattributed: bool = True
    comparison: bool = field(default=False, repr=False, compare=False, kw_only=True)

    def __post_init__(self) -> None:
        periods.check_supported(self.start, self.end,
                                periods.EARLIEST_COMPARISON if self.comparison else periods.MIN_DATE)
        periods.zone(self.tz)
        object.__setattr__(self, "week_start", periods.check_week_start(self.week_start))
        for name in ("source_ids", "channels", "campaigns", "types"):
            object.__setattr__(self, name, tuple(getattr(self, name) or ()))

    def with_range(self, start: date, end: date) -> "Filters":
        """The same filters over another local date range, which may be the comparison range of
        this one (``periods.comparison_range``: it may begin before ``periods.MIN_DATE``)."""
        return Filters(start, end, self.tz, self.week_start, self.source_ids, self.channels,
                       self.campaigns, self.types, self.include_unattributed, comparison=True)


def check_dimension(by: str | None, allowed=DIMENSIONS) -> str | None:
    """``by`` if it is one of ``allowed`` (or None); else ``ValueError`` listing the choices."""
    if by is not None and by not in allowed:
        raise ValueError(f"Unknown dimension {by!r}; choose one of {', '.join(allowed)}.")
    return by


# --- the shared SQL core -----------------------------------------------------------------------


def keep_flags(attr: pd.DataFrame, f: Filters) -> tuple[list[bool], bool]:
    """Which live sources pass the source/channel/campaign filters, and whether Unattributed does."""
    keep = pd.Series(True, index=attr.index)
    unattributed_ok = f.include_unattributed
    if f.source_ids:
        keep &= attr["source_id"].isin([int(s) for s in f.source_ids if s is not None])
        unattributed_ok &= any(s is None for s in f.source_ids)
    for col, wanted in (("channel", f.channels), ("campaign", f.campaigns)):
        if wanted:
            keys = {normalise_name(w) for w in wanted}
            keep &= attr[col].map(normalise_name).isin(keys)
            unattributed_ok &= normalise_name(UNATTRIBUTED) in keys
    return [bool(k) for k in keep], bool(unattributed_ok)


# The source map as a relation (source_id, source, channel, campaign, keep); ``_attr_params``.
ATTR_SQL = """
    SELECT unnest(?::BIGINT[]) AS source_id, unnest(?::VARCHAR[]) AS source,
           unnest(?::VARCHAR[]) AS channel, unnest(?::VARCHAR[]) AS campaign,
           unnest(?::BOOLEAN[]) AS keep
"""


def _attr_params(attr: pd.DataFrame, keep: list[bool]) -> list:
    """The list parameters of ``ATTR_SQL``: the map of ``attribution.source_attribution`` + keep flags."""
    return [[int(x) for x in attr["source_id"]], list(attr["source"]), list(attr["channel"]),
            list(attr["campaign"]), keep]


_US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _exact_instant_ranges(
    tz: str, ranges: list[tuple[date, date]], lo: datetime, hi: datetime
) -> list[tuple[datetime, datetime]] | None:
    """Each local range ``start..end`` as UTC instants ``[first, after_last)`` (aware datetimes).

    An instant is in the range exactly when its local day, as ``periods.local_day_sql`` numbers
    it over ``[lo, hi)``, is; so a filter on these instants keeps the same contacts as one on the
    per-row day number, and costs a comparison on ``created_at``. That holds while the day
    number never steps back; ``None`` when it does inside ``[lo, hi)`` (a fall-back transition
    across local midnight: one local day is then two stretches of time), and the caller counts
    per day instead.
    """
    lo_us = (lo - _EPOCH) // timedelta(microseconds=1)
    hi_us = (hi - _EPOCH) // timedelta(microseconds=1)
    segments = periods.offset_segments(tz, lo_us, hi_us)
    for (until, off), (_, off_next) in zip(segments, segments[1:]):
        if (until + off_next) // _US_PER_DAY < (until - 1 + off) // _US_PER_DAY:
            return None

    def first_instant(day: int) -> int:
        # The earliest instant whose local day is ``day`` or later: within a segment of constant
        # offset that is ``day * 24h - offset``, clamped to the segment.
        start = lo_us
        for until, off in segments:
            t = max(start, day * _US_PER_DAY - off)
            if t < until:
                return t
            start = until
        return hi_us

    out = []
    for s, e in ranges:
        first = first_instant(periods.local_day_number(s))
        after = first_instant(periods.local_day_number(e) + 1)
        out.append((_EPOCH + timedelta(microseconds=first), _EPOCH + timedelta(microseconds=after)))
    return out


def dimension_sql(extra: tuple[str, ...] = ()) -> tuple[list[str], str, list[str], str]:
    """SQL pieces of the dimensions: ``(raw_cols, joins, tag_cols, tag_joins)``.

    ``raw_cols`` are raw ids read per contact ``c`` (``raw_source_id``, + ``raw_group_id`` with
    ``joins`` for ``group`` in ``extra``, + ``raw_status_id`` for ``status``); ``tag_cols`` turn
    them, on a relation ``d`` joined to ``attr a`` (``ATTR_SQL``) and ``tag_joins``, into the
    output columns ``source_id, source, channel, campaign`` (+ ``group_id, "group"``,
    + ``status_id, status``) with the Unattributed / No group / No status labels. Internal.
    """
    raw_cols = ["c.source_id AS raw_source_id"]
    joins = ""
    if "group" in extra:
        # Memberships of live groups only; a contact without one falls in "No group" once.
        joins = (" LEFT JOIN (SELECT cg.contact_id, cg.group_id FROM contact_groups cg"
                 " JOIN groups g ON g.id = cg.group_id AND g.deleted_at IS NULL) m ON m.contact_id = c.id")
        raw_cols.append("m.group_id AS raw_group_id")
    if "status" in extra:
        raw_cols.append("c.status_id AS raw_status_id")
    tag_cols = ["a.source_id", f"COALESCE(a.source, '{UNATTRIBUTED}') AS source",
                f"COALESCE(a.channel, '{UNATTRIBUTED}') AS channel",
                f"COALESCE(a.campaign, '{UNATTRIBUTED}') AS campaign"]
    tag_joins = ""
    if "group" in extra:
        tag_cols += ["g.id AS group_id", f"COALESCE(g.name, '{NO_GROUP}') AS \"group\""]
        tag_joins += " LEFT JOIN groups g ON g.id = d.raw_group_id"
    if "status" in extra:
        # A status keeps its (current) name even after deletion: it is still the contact's value.
        tag_cols += ["s.id AS status_id", f"COALESCE(s.name, '{NO_STATUS}') AS status"]
        tag_joins += " LEFT JOIN statuses s ON s.id = d.raw_status_id"
    return raw_cols, joins, tag_cols, tag_joins


def contacts_cte(
    f: Filters,
    attr: pd.DataFrame,
    ranges: list[tuple[date, date]],
    extra: tuple[str, ...] = (),
    per_contact: bool = False,
    prefix: str = "",
    per_day: bool = True,
    sources: bool = True,
    customer_sql: str | None = None,
) -> tuple[str, list]:
    """``WITH ... tagged AS (...)``: contacts acquired in ``ranges`` (local, inclusive), tagged.

    ``tagged`` has ``bucket`` (index into ``ranges``), ``day_n`` (local days since 1970-01-01),
    ``n`` (contacts), ``source_id`` (NULL = unattributed), ``source``, ``channel``, ``campaign`` and
    per ``extra``: ``group`` → ``group_id``, ``"group"``; ``status`` → ``status_id``, ``status``;
    ``type`` → ``"type"``; ``customer`` → ``is_customer`` (``customer_sql``, a parameter-free
    condition on ``c`` from ``conversion_definition.customer_sql``; default type customer); ``conversion`` → ``converted_at`` and
    only contacts with an observed lead → customer change. ``per_contact`` keeps one row per
    contact (adds ``contact_id``, ``created_at``, ``first_seen_at``) instead of daily counts.
    ``per_day=False`` is for callers that never look at the day: ``tagged`` then counts per range
    bucket and may lack ``day_n`` (see ``_exact_instant_ranges``).
    ``prefix`` (code, not user text) renames every CTE (``<prefix>tagged``, ...) so two of them
    can share one statement; a prefixed CTE starts with ``, `` instead of ``WITH``.
    ``sources=False`` is for callers that never show a source, channel or campaign (acquisition
    by group, status or type): the source filters are applied in the scan and ``tagged`` has no
    source columns, so the daily counts are not split per source (far fewer rows to group).
    Internal to rasl_data (used by ``acquisition`` and ``conversion``). Parameters travel with their SQL (``Sql`` pieces), so their order always matches the placeholders.
    """
    windows = [periods.utc_window(s, e) for s, e in ranges]
    lo, hi = min(w[0] for w in windows), max(w[1] for w in windows)
    keep, unattributed_ok = keep_flags(attr, f)
    scan = _scan(f, extra, lo, prefix, sources, per_contact, customer_sql, unattributed_ok, keep)
    instants = None if per_day else _exact_instant_ranges(f.tz, ranges, lo, hi)
    if instants is not None:
        time_ctes = _bucketed_by_instants(scan, instants, prefix)
    else:
        time_ctes = _bucketed_by_local_day(scan, f.tz, ranges, windows, lo, hi, prefix)
    head = Sql(f"\n{', ' if prefix else 'WITH '}{prefix}attr AS ({ATTR_SQL}),\n", _attr_params(attr, keep))
    tag_cols = ", ".join(["d.*"] + scan.tag_cols)
    if not sources:
        tagged = Sql(f"""
{prefix}tagged AS (
    SELECT {tag_cols}
    FROM {prefix}bucketed d{scan.tag_joins}
    WHERE d.bucket IS NOT NULL
)""")
    else:
        tagged = Sql(f"""
{prefix}tagged AS (
    SELECT {tag_cols}
    FROM {prefix}bucketed d LEFT JOIN {prefix}attr a ON a.source_id = d.raw_source_id{scan.tag_joins}
    WHERE d.bucket IS NOT NULL AND ((a.source_id IS NOT NULL AND a.keep) OR (a.source_id IS NULL AND ?))
)""", [unattributed_ok])
    return (head + time_ctes + tagged).pair()


@dataclass(frozen=True)
class Sql:
    """A piece of SQL with the parameters of its own ``?`` placeholders, in order.

    Pieces are joined with ``+`` (text and parameters together), so a statement's parameters
    always follow its placeholders however the pieces are arranged.
    """

    text: str
    params: tuple = ()

    def __init__(self, text: str, params=()) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "params", tuple(params))
        assert text.count("?") == len(self.params), (text, self.params)

    def __add__(self, other: Sql) -> Sql:
        return Sql(self.text + other.text, self.params + other.params)

    def pair(self) -> tuple[str, list]:
        """``(sql, params)`` as DuckDB's ``execute`` takes them."""
        return self.text, list(self.params)


def _sql_join(pieces: list[Sql], sep: str) -> Sql:
    """``pieces`` joined by ``sep`` (plain text), parameters in order."""
    out = Sql("")
    for i, piece in enumerate(pieces):
        out = out + (Sql(sep) if i else Sql("")) + piece
    return out


@dataclass(frozen=True)
class _Scan:
    """What the scan of ``contacts`` selects (``raw_cols``) and filters on, and how ``tagged``
    names the dimensions (``tag_cols``, ``tag_joins``)."""

    raw_cols: list[str]
    joins: Sql
    filters: Sql
    tag_cols: list[str]
    tag_joins: str
    count_sql: str
    group_sql: str

    @property
    def raw_names(self) -> str:
        return ", ".join(col.rsplit(" AS ", 1)[1] for col in self.raw_cols)


def _scan(f: Filters, extra: tuple[str, ...], lo: datetime, prefix: str, sources: bool, per_contact: bool,
          customer_sql: str | None, unattributed_ok: bool, keep: list[bool]) -> _Scan:
    """The columns, joins and filters of the scan of ``contacts`` for ``contacts_cte``."""
    raw_cols, join_text, tag_cols, tag_joins = dimension_sql(extra)
    joins = Sql(join_text)
    source_filter = Sql("")
    if not sources:
        raw_cols = [col for col in raw_cols if not col.endswith(" AS raw_source_id")]
        tag_cols = [col for col in tag_cols if not col.startswith(("a.", "COALESCE(a."))]
        if not (all(keep) and unattributed_ok):
            # A source in the map passes by its keep flag; one outside it (none, deleted) is Unattributed.
            source_filter = Sql(f" AND (CASE WHEN c.source_id IN (SELECT source_id FROM {prefix}attr) "
                                f"THEN c.source_id IN (SELECT source_id FROM {prefix}attr WHERE keep) ELSE ? END)",
                                [unattributed_ok])
    if "type" in extra:
        raw_cols.append(f"COALESCE(c.type, '{UNKNOWN_TYPE}') AS \"type\"")
    if "customer" in extra:
        raw_cols.append(f"{customer_sql or COALESCE_TYPE_CUSTOMER} AS is_customer")
    if "conversion" in extra:
        # Only contacts with an observed lead → customer change; the first one counts. A change is
        # observed after the contact exists, so the window's start prunes history.
        joins = joins + Sql(" JOIN (SELECT contact_id, min(observed_at) AS converted_at FROM contact_changes"
                            " WHERE field = 'type' AND old_value = 'lead' AND new_value = 'customer'"
                            " AND observed_at >= ?::TIMESTAMPTZ GROUP BY contact_id) v ON v.contact_id = c.id", [lo])
        raw_cols.append("v.converted_at AS converted_at")
    if per_contact:
        raw_cols += ["c.id AS contact_id", "c.created_at AS created_at", "c.first_seen_at AS first_seen_at"]
    type_filter = Sql(" AND list_contains(?::VARCHAR[], c.type)", [[str(t) for t in f.types]]) if f.types else Sql("")
    return _Scan(raw_cols, joins, type_filter + source_filter, tag_cols, tag_joins,
                 "1 AS n" if per_contact else "count(*) AS n", "" if per_contact else " GROUP BY ALL")


_BETWEEN = "(c.created_at >= ?::TIMESTAMPTZ AND c.created_at < ?::TIMESTAMPTZ)"


def _bucketed_by_instants(scan: _Scan, instants: list[tuple[datetime, datetime]], prefix: str) -> Sql:
    """``raw0`` and ``bucketed`` when the ranges are exact UTC instants: plain comparisons on
    ``created_at`` that DuckDB runs inside the scan (and prunes row groups with), no per-row
    local-day arithmetic, and the counts keyed on the raw ids alone (a few dozen groups)."""
    windows = [Sql(_BETWEEN, w) for w in instants]
    if len(instants) == 1:
        bucket = Sql("0")
    else:
        bucket = Sql("CASE ") + _sql_join([Sql("WHEN ") + w + Sql(f" THEN {i}") for i, w in enumerate(windows)], " ") \
            + Sql(" END")
    return (Sql(f"{prefix}raw0 AS (\n    SELECT ") + bucket + Sql(f" AS bucket, {', '.join(scan.raw_cols)}\n    FROM contacts c")
            + scan.joins + Sql("\n    WHERE (") + _sql_join(windows, " OR ") + Sql(")") + scan.filters
            + Sql(f"\n),\n{prefix}bucketed AS (SELECT bucket, {scan.count_sql}, {scan.raw_names} "
                  f"FROM {prefix}raw0{scan.group_sql}),"))


def _bucketed_by_local_day(scan: _Scan, tz: str, ranges: list[tuple[date, date]], windows: list, lo: datetime,
                           hi: datetime, prefix: str) -> Sql:
    """``raw0``, ``raw``, ``daily`` and ``bucketed``: count per local day first, then decide the
    range bucket of each day (on thousands of rows, not millions)."""
    day_text, day_params = periods.local_day_sql("t_us", tz, lo, hi)
    bucket = Sql("CASE ") + _sql_join(
        [Sql(f"WHEN day_n BETWEEN ? AND ? THEN {i}", [periods.local_day_number(s), periods.local_day_number(e)])
         for i, (s, e) in enumerate(ranges)], " ") + Sql(" END")
    return (Sql(f"{prefix}raw0 AS (\n    SELECT epoch_us(c.created_at) AS t_us, {', '.join(scan.raw_cols)}\n    FROM contacts c")
            + scan.joins + Sql("\n    WHERE (") + _sql_join([Sql(_BETWEEN, w) for w in windows], " OR ") + Sql(")")
            + scan.filters
            + Sql(f"\n),\n{prefix}raw AS (SELECT *, ") + Sql(day_text, day_params) + Sql(f" AS day_n FROM {prefix}raw0),\n"
                  f"{prefix}daily AS (SELECT day_n, {scan.count_sql}, {scan.raw_names} FROM {prefix}raw{scan.group_sql}),\n"
                  f"{prefix}bucketed AS (SELECT ") + bucket + Sql(f" AS bucket, * FROM {prefix}daily),"))


def attr_cte(f: Filters, attr: pd.DataFrame) -> tuple[str, list, bool]:
    """``attr AS (...)`` (no ``WITH``): the source map with a ``keep`` flag per source for ``f``.

    Returns the CTE, its parameters and whether Unattributed contacts pass ``f``. Internal.
    """
    keep, unattributed_ok = keep_flags(attr, f)
    return f"attr AS ({ATTR_SQL})", _attr_params(attr, keep), unattributed_ok


def bucket_conditions(f: Filters, ranges: list[tuple[date, date]]) -> list[tuple[str, list]]:
    """One SQL condition on ``c`` (a ``contacts`` row) per local range: its local day
    (``created_at`` in ``f.tz``) is in that range and in no earlier one, which is how
    ``contacts_cte`` buckets overlapping ranges. Returns ``(condition, its parameters)`` per
    range. Exact UTC instants (plain comparisons) where the zone allows, else the per-row local
    day of ``periods.local_day_sql``. Internal.
    """
    windows = [periods.utc_window(s, e) for s, e in ranges]
    lo, hi = min(w[0] for w in windows), max(w[1] for w in windows)
    instants = _exact_instant_ranges(f.tz, ranges, lo, hi)
    tests: list[tuple[str, list]] = []
    if instants is not None:
        for first, after in instants:
            tests.append(("(c.created_at >= ?::TIMESTAMPTZ AND c.created_at < ?::TIMESTAMPTZ)", [first, after]))
    else:
        day_sql, day_params = periods.local_day_sql("epoch_us(c.created_at)", f.tz, lo, hi)
        for (w_lo, w_hi), (s, e) in zip(windows, ranges):
            in_window = "c.created_at >= ?::TIMESTAMPTZ AND c.created_at < ?::TIMESTAMPTZ"
            tests.append((f"({in_window} AND {day_sql} BETWEEN ? AND ?)",
                          [w_lo, w_hi] + day_params + [periods.local_day_number(s), periods.local_day_number(e)]))
    out = []
    for i, (sql, p) in enumerate(tests):
        if i:
            sql = f"({sql} AND NOT ({' OR '.join(t[0] for t in tests[:i])}))"
            p = p + [x for t in tests[:i] for x in t[1]]
        out.append((sql, p))
    return out


def dim_select(by: str | None) -> list[str]:
    """Quoted SQL columns of ``tagged`` that identify a value of dimension ``by``."""
    if by is None:
        return []
    id_col, name_col = DIMENSION_COLUMNS[by]
    return ([id_col] if id_col else []) + [f'"{name_col}"']


def _extra_for(by: str | None) -> tuple[str, ...]:
    return (by,) if by in ("group", "status", "type") else ()


def _period_sql(granularity: str, week_start: str) -> tuple[str, list]:
    """SQL turning ``day_n`` into the period's first local date (its real start)."""
    day = "(DATE '1970-01-01' + CAST(day_n AS INTEGER))"
    if granularity == "day":
        return day, []
    if granularity == "week":
        # 1970-01-01 was a Thursday (weekday 3 with Monday = 0).
        ws = {"monday": 0, "sunday": 6, "saturday": 5}[week_start]
        return "(DATE '1970-01-01' + CAST(day_n - ((day_n + 10 - ?) % 7) AS INTEGER))", [ws]
    return f"CAST(date_trunc('month', {day}) AS DATE)", []


def _finish(df: pd.DataFrame, by: str | None, date_cols=("period_start",)) -> pd.DataFrame:
    """Plain dtypes: local dates as ``datetime.date``, ids as nullable Int64, counts as int64."""
    df = df.copy()
    for col in date_cols:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col]).dt.date if len(df) else pd.Series([], dtype=object)
    if by is not None and DIMENSION_COLUMNS[by][0]:
        df[DIMENSION_COLUMNS[by][0]] = df[DIMENSION_COLUMNS[by][0]].astype("Int64")
    for col in ("new_contacts", "previous", "unattributed"):
        if col in df.columns and df[col].notna().all():
            df[col] = df[col].astype("int64")
    return df.reset_index(drop=True)
