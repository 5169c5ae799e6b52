"""Conversion of acquired contacts: conversion rate, observed lead → customer conversions and the
status mix, per source, channel, campaign or group.

The cohort is always "contacts acquired in ``filters.start..end``" (local dates in
``filters.tz``, inclusive, by ``contacts.created_at``), with the same filters and the same
Unattributed handling as ``rasl_data.analytics.acquisition``.

*Conversion rate* is the share of the cohort that counts as customers **now** (RASL keeps
no history, so this is what the API can say), by the workspace's conversion definition
(``RASL_CONVERSION``, see ``conversion_definition``): type ``customer``, or a current status in a
list such as ``Won``. *Observed conversions* come from the cache's own history,
``contact_changes``: the first change of each contact into that state (``type`` lead →
customer, or ``status_id`` into one of the listed statuses), at ``observed_at`` (the sync that
saw it, so precise to the sync interval only).

*Days to conversion* run from the contact's creation to the observed conversion, except for
contacts created before the cache's first sync (``created_at`` earlier than the earliest
``first_seen_at``): for those they run from ``first_seen_at``. Why: such a contact was already
old when we started watching, and only the ones still leads at that moment can show a change;
counting their whole backlog age would make the median grow with the age of the workspace
rather than measure how fast leads convert. ``measured_from_first_seen`` says how many
conversions used that rule.
"""

from __future__ import annotations

import pandas as pd

from rasl_data.analytics import attribution, periods
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics.contacts_sql import (
    DIMENSION_COLUMNS,
    GROUPS_NOTE,
    Filters,
    _finish,
    attr_cte,
    bucket_conditions,
    check_dimension,
    contacts_cte,
    dim_select,
    dimension_sql,
    overlapping,
)

CONVERSION_DIMENSIONS = ("source", "channel", "campaign", "group", "status")


# Two narrow scans of the cohort, both counted per raw id (a few dozen rows): its size, and its
# observed conversions, where the days of each source's converted contacts travel as a list, so the
# median per dimension value needs no per-contact join with the source map. A change is observed
# after the contact exists, so the range's UTC start prunes history. Parameters, in order: the
# source map's, the UTC start, the cohort's range and types, the same again for the conversions,
# whether Unattributed is kept.
_CONVERSION_SQL = """WITH {attr_sql},
first_change AS (
    SELECT contact_id, min(observed_at) AS converted_at FROM contact_changes
    WHERE {changed} AND observed_at >= ?::TIMESTAMPTZ
    GROUP BY contact_id
),
first_sync AS (SELECT min(first_seen_at) AS first_at FROM contacts),
cohort AS (
    SELECT {raw_keys}, count(*) AS n, count(*) FILTER (WHERE {customer}) AS customers
    FROM contacts c{joins}
    WHERE {in_range}{type_sql}
    GROUP BY ALL
),
converted AS (
    SELECT {raw_names}, count(*) AS converted,
           list((epoch_us(converted_at) - epoch_us(CASE WHEN from_first_seen THEN first_seen_at ELSE created_at END))
                / 86400000000.0) AS days,
           count(*) FILTER (WHERE from_first_seen) AS measured
    FROM (SELECT {raw_keys}, v.converted_at, c.created_at, c.first_seen_at,
                 (c.first_seen_at IS NOT NULL AND c.created_at < (SELECT first_at FROM first_sync)) AS from_first_seen
          FROM contacts c{joins} JOIN first_change v ON v.contact_id = c.id
          WHERE {in_range}{type_sql})
    GROUP BY ALL
),
d AS (
    SELECT k.*, v.converted, v.days, v.measured
    FROM cohort k LEFT JOIN converted v ON {same_raw_keys}
)
SELECT {out_keys}COALESCE(sum(d.n), 0) AS new_contacts, COALESCE(sum(d.customers), 0) AS customers,
       CASE WHEN sum(d.n) > 0 THEN sum(d.customers) / sum(d.n) END AS conversion_rate,
       COALESCE(sum(d.converted), 0) AS converted,
       list_median(flatten(list(d.days))) AS median_days_to_conversion,
       COALESCE(sum(d.measured), 0) AS measured_from_first_seen
FROM d LEFT JOIN attr a ON a.source_id = d.raw_source_id{tag_joins}
WHERE (a.source_id IS NOT NULL AND a.keep) OR (a.source_id IS NULL AND ?)
{group_by}
ORDER BY new_contacts DESC{order_keys}"""
_COUNT_COLUMNS = ("new_contacts", "customers", "converted", "measured_from_first_seen")
_RATE_COLUMNS = ("conversion_rate", "median_days_to_conversion")


def conversion(db, filters: Filters, by: str | None = "source", converted=None) -> pd.DataFrame:
    """Conversion of the contacts acquired in the range, per value of ``by``.

    Returns ``DataFrame[<id column if any>, <name column> (absent for by=None), new_contacts
    (int), customers (int, type now 'customer'), conversion_rate (fraction; NaN without
    contacts), converted (int, observed lead → customer changes), median_days_to_conversion
    (float days; NaN when none observed), measured_from_first_seen (int)]``, most contacts
    first. ``by``: source, channel, campaign, group, status or None. *Customer* follows the
    workspace's conversion definition (``conversion_definition.current``; ``converted``
    overrides it): type customer now, or a current status in the list; an observed conversion is
    the first change into that state. ``attrs['conversion']`` names the definition used. Raises
    ``ValueError`` for an unknown dimension or definition. Reads ``contacts``,
    ``contact_changes``, ``statuses``, attribution tables (+ groups).
    """
    check_dimension(by, CONVERSION_DIMENSIONS)
    definition = cdef.current(db, converted)
    sql, params = _conversion_query(db, filters, by, definition)
    df = _conversion_frame(db.query(sql, params), by)
    if overlapping(by):
        df.attrs["note"] = GROUPS_NOTE
    df.attrs["conversion"] = definition.text
    return df


def _conversion_query(db, filters: Filters, by: str | None, definition) -> tuple[str, list]:
    """``_CONVERSION_SQL`` for dimension ``by`` and the conversion ``definition``, with its parameters."""
    keys = dim_select(by)
    names = [k.strip('"') for k in keys]
    attr_sql, attr_params, unattributed_ok = attr_cte(filters, attribution.source_attribution(db))
    (in_range, range_params), = bucket_conditions(filters, [(filters.start, filters.end)])
    raw_cols, joins, tag_cols, tag_joins = dimension_sql((by,) if by in ("group", "status") else ())
    raw_names = [col.rsplit(" AS ", 1)[1] for col in raw_cols]
    type_sql, type_params = "", []
    if filters.types:
        type_sql = " AND list_contains(?::VARCHAR[], c.type)"
        type_params = [[str(t) for t in filters.types]]
    # The output column of each dimension key, by name ("a.source_id" names itself).
    tag_by_name = {col.rsplit(" AS ", 1)[-1].split(".")[-1].strip('"'): col for col in tag_cols}
    sql = _CONVERSION_SQL.format(
        attr_sql=attr_sql, changed=cdef.change_sql(db, definition), customer=cdef.customer_sql(db, definition),
        raw_keys=", ".join(raw_cols), raw_names=", ".join(raw_names), joins=joins, in_range=in_range,
        type_sql=type_sql, same_raw_keys=" AND ".join(f"v.{n} IS NOT DISTINCT FROM k.{n}" for n in raw_names),
        out_keys="".join(tag_by_name[n] + ", " for n in names), tag_joins=tag_joins,
        group_by="GROUP BY ALL" if keys else "", order_keys="".join(", " + k for k in reversed(keys)))
    params = (attr_params + [periods.utc_window(filters.start, filters.end)[0]]
              + range_params + type_params + range_params + type_params + [unattributed_ok])
    return sql, params


def _conversion_frame(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """The query's rows as ``conversion`` returns them: typed, in order, one row of zeros without
    any contact (for ``by=None``), finished like every dimension table (``_finish``)."""
    names = [k.strip('"') for k in dim_select(by)]
    if not names and len(df) == 0:  # no contacts at all: still one row
        df = pd.DataFrame([{"new_contacts": 0, "customers": 0, "conversion_rate": float("nan"), "converted": 0,
                            "median_days_to_conversion": float("nan"), "measured_from_first_seen": 0}])
    for col in _COUNT_COLUMNS:
        df[col] = df[col].astype("int64")
    # NaN (not pd.NA) where nothing converted, so pages and math.isnan treat it as a float.
    for col in _RATE_COLUMNS:
        df[col] = pd.to_numeric(df[col]).astype("Float64").to_numpy(dtype="float64", na_value=float("nan"))
    cols = names + ["new_contacts", "customers", "conversion_rate", "converted",
                    "median_days_to_conversion", "measured_from_first_seen"]
    return _finish(df[cols], by)



def status_mix(db, filters: Filters, by: str | None = "source") -> pd.DataFrame:
    """Current status of the contacts acquired in the range, per value of ``by``.

    Returns ``DataFrame[<id column if any>, <name column> (absent for by=None), status_id
    (Int64, NA = no status), status (current name, 'No status'), contacts (int), share (fraction
    of that value's contacts)]``, by value then most contacts first. ``by``: source, channel,
    campaign, group or None. Raises ``ValueError`` for an unknown dimension. Reads ``contacts``,
    ``statuses``, attribution tables (+ groups).
    """
    check_dimension(by, ("source", "channel", "campaign", "group"))
    attr = attribution.source_attribution(db)
    extra = ("status",) + (("group",) if by == "group" else ())
    cte, params = contacts_cte(filters, attr, [(filters.start, filters.end)], extra, per_day=False)
    keys = dim_select(by)
    key_list = "".join(k + ", " for k in keys)
    partition = f"PARTITION BY {', '.join(keys)}" if keys else ""
    sql = cte + f"""
SELECT {key_list}status_id, status, contacts, contacts / sum(contacts) OVER ({partition}) AS share
FROM (SELECT {key_list}status_id, status, sum(n) AS contacts FROM tagged GROUP BY ALL)
ORDER BY {key_list.replace(', ', ' NULLS LAST, ')}contacts DESC, status"""
    df = db.query(sql, params)
    names = [k.strip('"') for k in keys]
    df["contacts"] = df["contacts"].astype("int64")
    df["status_id"] = df["status_id"].astype("Int64")
    df = _finish(df[names + ["status_id", "status", "contacts", "share"]], by)
    if overlapping(by):
        df.attrs["note"] = GROUPS_NOTE
    return df


__all__ = ["CONVERSION_DIMENSIONS", "DIMENSION_COLUMNS", "conversion", "status_mix"]
