"""Conversion of acquired contacts: conversion rate, observed lead → customer conversions and the
status mix, per source, channel, campaign or group.

The cohort is always "contacts acquired in ``filters.start..end``" (local dates in
``filters.tz``, inclusive, by ``contacts.created_at``), with the same filters and the same
Unattributed handling as ``rasl_data.queries``.

*Conversion rate* is the share of the cohort whose ``type`` is ``customer`` **now** (RASL keeps
no history, so this is what the API can say). *Observed conversions* come from the cache's own
history, ``contact_changes`` rows with ``field='type'``, ``old_value='lead'``,
``new_value='customer'``: the first such change of each contact, at ``observed_at`` (the sync that
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

from rasl_data import attribution
from rasl_data.query_core import (
    DIMENSION_COLUMNS,
    GROUPS_NOTE,
    Filters,
    _finish,
    check_dimension,
    contacts_cte,
    dim_select,
    overlapping,
)

CONVERSION_DIMENSIONS = ("source", "channel", "campaign", "group", "status")


def conversion(db, filters: Filters, by: str | None = "source") -> pd.DataFrame:
    """Conversion of the contacts acquired in the range, per value of ``by``.

    Returns ``DataFrame[<id column if any>, <name column> (absent for by=None), new_contacts
    (int), customers (int, type now 'customer'), conversion_rate (fraction; NaN without
    contacts), converted (int, observed lead → customer changes), median_days_to_conversion
    (float days; NaN when none observed), measured_from_first_seen (int)]``, most contacts
    first. ``by``: source, channel, campaign, group, status or None. Raises ``ValueError`` for an
    unknown dimension. Reads ``contacts``, ``contact_changes``, attribution tables (+ groups).
    """
    check_dimension(by, CONVERSION_DIMENSIONS)
    keys = dim_select(by)
    names = [k.strip('"') for k in keys]
    rng = [(filters.start, filters.end)]
    attr = attribution.source_attribution(db)
    dim_extra = (by,) if by in ("group", "status") else ()
    # Cohort sizes from daily counts (cheap); the median needs one row per *converted* contact
    # only. Both halves run in one statement (one scan round trip, no pandas merge).
    cohort_cte, cohort_params = contacts_cte(filters, attr, rng, dim_extra + ("customer",), per_day=False)
    conv_cte, conv_params = contacts_cte(filters, attr, rng, dim_extra + ("conversion",), per_contact=True,
                                         prefix="cv_", per_day=False)
    key_list = "".join(k + ", " for k in keys)
    on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM v.{k}" for k in keys) or "true"
    group_by = "GROUP BY ALL" if keys else ""
    sql = cohort_cte + conv_cte + f""",
first_sync AS (SELECT min(first_seen_at) AS first_at FROM contacts),
sizes AS (
    SELECT {key_list}sum(n) AS new_contacts, sum(CASE WHEN is_customer THEN n ELSE 0 END) AS customers
    FROM tagged {group_by}
),
conv AS (
    SELECT {key_list}count(*) AS converted,
           median((epoch_us(converted_at) - epoch_us(CASE WHEN from_first_seen THEN first_seen_at ELSE created_at END))
                  / 86400000000.0) AS median_days_to_conversion,
           count(*) FILTER (WHERE from_first_seen) AS measured_from_first_seen
    FROM (SELECT *, (first_seen_at IS NOT NULL AND created_at < (SELECT first_at FROM first_sync)) AS from_first_seen
          FROM cv_tagged)
    {group_by}
)
SELECT {''.join('s.' + k + ', ' for k in keys)}COALESCE(s.new_contacts, 0) AS new_contacts,
       COALESCE(s.customers, 0) AS customers,
       CASE WHEN s.new_contacts > 0 THEN s.customers / s.new_contacts END AS conversion_rate,
       COALESCE(v.converted, 0) AS converted, v.median_days_to_conversion,
       COALESCE(v.measured_from_first_seen, 0) AS measured_from_first_seen
FROM sizes s LEFT JOIN conv v ON {on}
ORDER BY new_contacts DESC{''.join(', s.' + k for k in reversed(keys))}"""
    df = db.query(sql, cohort_params + conv_params)
    if not names and len(df) == 0:  # no contacts at all: still one row
        df = pd.DataFrame([{"new_contacts": 0, "customers": 0, "conversion_rate": float("nan"), "converted": 0,
                            "median_days_to_conversion": float("nan"), "measured_from_first_seen": 0}])
    for col in ("new_contacts", "customers", "converted", "measured_from_first_seen"):
        df[col] = df[col].astype("int64")
    # NaN (not pd.NA) where nothing converted, so pages and math.isnan treat it as a float.
    for col in ("conversion_rate", "median_days_to_conversion"):
        df[col] = pd.to_numeric(df[col]).astype("Float64").to_numpy(dtype="float64", na_value=float("nan"))
    cols = names + ["new_contacts", "customers", "conversion_rate", "converted",
                    "median_days_to_conversion", "measured_from_first_seen"]
    df = _finish(df[cols], by)
    if overlapping(by):
        df.attrs["note"] = GROUPS_NOTE
    return df


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
