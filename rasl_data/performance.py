"""What each source, campaign and channel is worth: leads, customers, spend and their costs.

For the contacts acquired in ``filters.start..end`` (local dates in ``filters.tz``, both
included, by ``contacts.created_at``; the dashboard's filters and Unattributed handling) and the
spend entered for those days (``rasl_data.spend``, spread evenly over each row's days):

* ``new_contacts``: contacts acquired (leads, in the marketer's sense: every new contact);
* ``customers``: those of them that count as customers now (``conversion_definition``:
  ``type:customer`` or ``status:Won,...``);
* ``conversion_rate`` = customers ÷ new contacts (fraction; NaN without contacts);
* ``spend``: money in the workspace's currency; NaN where no spend row covers the range
  ("not entered", which differs from an entered 0);
* ``cost_per_lead`` = spend ÷ new contacts, ``cost_per_customer`` = spend ÷ customers; NaN where
  undefined (no spend, or nothing to divide by): never infinity.

Spend follows the view: source-level spend rolls up into the source's channel and campaign;
campaign- and channel-level spend shows at its own level, and as a line of its own in a finer
view that cannot split it ("Ramadan (campaign spend)" in the source view), so the spend column
always adds up to the same total in every view. No streamlit here.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from . import attribution, periods, spend as spend_mod
from . import conversion_definition as cdef
from .attribution import NO_CAMPAIGN, UNATTRIBUTED, normalise_name
from .query_core import Filters, _keep_flags, bucket_conditions, check_dimension

PERFORMANCE_DIMENSIONS = ("source", "campaign", "channel")
METRICS = ["new_contacts", "customers", "conversion_rate", "spend", "cost_per_lead", "cost_per_customer"]
SPEND_LINE = {"campaign": "campaign spend", "channel": "channel spend", "source": "source no longer in RASL"}


def lead_counts(db, filters: Filters, ranges: list[tuple[date, date]],
                definition: cdef.ConversionDefinition | None = None) -> pd.DataFrame:
    """Contacts and customers per (range bucket, raw source id), one scan of ``contacts``.

    Returns ``DataFrame[bucket (index into ranges), raw_source_id (Int64, NA without source),
    n, customers]``; the type filter of ``filters`` applies, the source filters do not (see
    ``performance``). Reads ``contacts``, ``statuses``.
    """
    tests = bucket_conditions(filters, ranges)
    cust = cdef.customer_sql(db, definition)
    bucket = "CASE " + " ".join(f"WHEN {sql} THEN {i}" for i, (sql, _) in enumerate(tests)) + " END"
    where = " OR ".join(sql for sql, _ in tests)
    params = [x for _, p in tests for x in p] * 2
    type_sql = ""
    if filters.types:
        type_sql = " AND list_contains(?::VARCHAR[], c.type)"
        params.append([str(t) for t in filters.types])
    sql = (f"SELECT {bucket} AS bucket, c.source_id AS raw_source_id, count(*) AS n, "
           f"count(*) FILTER (WHERE {cust}) AS customers FROM contacts c WHERE ({where}){type_sql} GROUP BY ALL")
    df = db.query(sql, params)
    df["raw_source_id"] = df["raw_source_id"].astype("Int64")
    for col in ("bucket", "n", "customers"):
        df[col] = df[col].astype("int64")
    return df


def _contact_lines(counts: pd.DataFrame, attr: pd.DataFrame, filters: Filters, by: str) -> pd.DataFrame:
    """``counts`` tagged with the view's key/name, filtered like the dashboard: [bucket, key, name,
    source_id, n, customers]."""
    keep, unattributed_ok = _keep_flags(attr, filters)
    live = attr.assign(keep=keep).set_index("source_id")
    sid = counts["raw_source_id"]
    known = sid.notna() & sid.isin(live.index)
    idx = sid.where(known).astype("float64")
    look = live.reindex(idx.fillna(-1).astype("int64").to_numpy())
    df = counts.assign(
        source_id=sid.where(known).astype("Int64"),
        source=np.where(known, look["source"].to_numpy(dtype=object), UNATTRIBUTED),
        channel=np.where(known, look["channel"].to_numpy(dtype=object), UNATTRIBUTED),
        campaign=np.where(known, look["campaign"].to_numpy(dtype=object), UNATTRIBUTED),
        keep=np.where(known, look["keep"].fillna(False).to_numpy(dtype=bool), unattributed_ok),
    )
    df = df[df["keep"].astype(bool)]
    if by == "source":
        key = ["s:" + str(int(s)) if pd.notna(s) else "u" for s in df["source_id"]]
        name = df["source"]
    else:
        key = ["n:" + normalise_name(v) for v in df[by]]
        name = df[by]
    return pd.DataFrame({"bucket": df["bucket"].to_numpy(), "key": key, "name": list(name),
                         "source_id": df["source_id"].to_numpy(), "n": df["n"].to_numpy(),
                         "customers": df["customers"].to_numpy()})


def spend_lines(spend: pd.DataFrame, attr: pd.DataFrame, filters: Filters, by: str) -> pd.DataFrame:
    """Each spend row with the view's line it lands on: ``spend`` + [key, name, line_source_id],
    rows the dashboard's filters leave out dropped (see module docstring for the roll-up)."""
    keep, _ = _keep_flags(attr, filters)
    live = attr.assign(keep=keep)
    by_id = live.set_index("source_id")
    campaign_channels: dict[str, set[str]] = {}
    campaign_names: dict[str, str] = {}
    for cp, ch in zip(live["campaign"], live["channel"]):
        if cp and cp != NO_CAMPAIGN:
            campaign_channels.setdefault(normalise_name(cp), set()).add(ch)
            campaign_names.setdefault(normalise_name(cp), cp)
    channel_names = {normalise_name(ch): ch for ch in live["channel"]}
    any_dim_filter = bool(filters.source_ids or filters.channels or filters.campaigns)
    want_ch = {normalise_name(c) for c in filters.channels}
    want_cp = {normalise_name(c) for c in filters.campaigns}
    keys, names, sids, kept = [], [], [], []
    for level, name, sid in zip(spend["level"], spend["name"], spend["source_id"]):
        key = line_name = line_sid = None
        ok = True
        if level == "source":
            if pd.notna(sid) and int(sid) in by_id.index:
                row = by_id.loc[int(sid)]
                ok = bool(row["keep"])
                if by == "source":
                    key, line_name, line_sid = f"s:{int(sid)}", row["source"], int(sid)
                else:
                    key, line_name = "n:" + normalise_name(row[by]), row[by]
            else:
                ok = not any_dim_filter
                key, line_name = f"x:source:{normalise_name(name)}", f"{name} ({SPEND_LINE['source']})"
        elif level == "campaign":
            nk = normalise_name(name)
            channels = campaign_channels.get(nk, set())
            ok = (not filters.source_ids and (not want_cp or nk in want_cp)
                  and (not want_ch or bool({normalise_name(c) for c in channels} & want_ch)))
            if by == "campaign" and nk in campaign_names:
                key, line_name = "n:" + nk, campaign_names[nk]
            elif by == "channel" and len(channels) == 1:
                ch = next(iter(channels))
                key, line_name = "n:" + normalise_name(ch), ch
            else:
                key, line_name = f"x:campaign:{nk}", f"{campaign_names.get(nk, name)} ({SPEND_LINE['campaign']})"
        else:
            nk = normalise_name(name)
            ok = not filters.source_ids and not filters.campaigns and (not want_ch or nk in want_ch)
            if by == "channel" and nk in channel_names:
                key, line_name = "n:" + nk, channel_names[nk]
            else:
                key, line_name = f"x:channel:{nk}", f"{channel_names.get(nk, name)} ({SPEND_LINE['channel']})"
        keys.append(key)
        names.append(line_name)
        sids.append(line_sid)
        kept.append(ok)
    out = spend.assign(key=keys, line_name=names, line_source_id=pd.array(sids, dtype="Int64"))
    return out[np.array(kept, dtype=bool)] if len(out) else out


def _metrics(n: pd.Series, customers: pd.Series, money: pd.Series) -> dict[str, pd.Series]:
    n = n.astype("float64")
    customers = customers.astype("float64")
    return {
        "conversion_rate": (customers / n).where(n > 0),
        "cost_per_lead": (money / n).where((n > 0) & money.notna()),
        "cost_per_customer": (money / customers).where((customers > 0) & money.notna()),
    }


def performance(db, filters: Filters, by: str = "source", compare: str | None = None,
                converted: cdef.ConversionDefinition | str | None = None) -> pd.DataFrame:
    """Leads, customers, conversion rate, spend, cost per lead and per customer per value of ``by``.

    ``by``: source, campaign or channel. Returns ``DataFrame[source_id (Int64, only for
    by='source'; NA for Unattributed and spend-only lines), <by> (name), new_contacts (int),
    customers (int), conversion_rate, spend, cost_per_lead, cost_per_customer (floats, NaN where
    undefined)]`` plus, when ``compare`` (``previous`` or ``last_year``) is given, the same six
    metrics as ``previous_<metric>`` for the comparison range; most new contacts first. Lines
    appear when they have contacts or spend in either range. ``converted`` overrides the
    conversion definition (``conversion_definition.current``). Raises ``ValueError`` for an
    unknown dimension, comparison or definition. Reads ``contacts``, ``statuses``, ``spend`` and
    the attribution tables.
    """
    check_dimension(by, PERFORMANCE_DIMENSIONS)
    definition = cdef.current(db, converted)
    ranges = [(filters.start, filters.end)]
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other:
        ranges.append(other)
    attr = attribution.source_attribution(db)
    counts = _contact_lines(lead_counts(db, filters, ranges, definition), attr, filters, by)
    saved = spend_mod.read_spend(db)
    lines = spend_lines(saved, attr, filters, by)
    frames = []
    for bucket, (start, end) in enumerate(ranges):
        c = counts[counts["bucket"] == bucket].groupby("key", sort=False).agg(
            name=("name", "first"), source_id=("source_id", "first"), new_contacts=("n", "sum"),
            customers=("customers", "sum"))
        if len(lines):
            in_range = spend_mod.covered(lines, start, end)
            part = lines[in_range.to_numpy()]
            money = spend_mod.shares(part, start, end)
            s = pd.DataFrame({"key": part["key"], "name": part["line_name"], "source_id": part["line_source_id"],
                              "spend": money}).groupby("key", sort=False).agg(
                name=("name", "first"), source_id=("source_id", "first"), spend=("spend", "sum"))
        else:
            s = pd.DataFrame(columns=["name", "source_id", "spend"], index=pd.Index([], name="key"))
        frames.append((c, s))
    keys = list(dict.fromkeys([k for c, s in frames for k in list(c.index) + list(s.index)]))
    out = pd.DataFrame(index=pd.Index(keys, name="key"))
    names = pd.Series(index=out.index, dtype=object)
    sids = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for c, s in frames:
        for part in (c, s):
            if len(part):
                names = names.fillna(part["name"].reindex(out.index))
                sids = sids.fillna(part["source_id"].reindex(out.index).astype("Int64"))
    id_cols = ["source_id"] if by == "source" else []
    if by == "source":
        out["source_id"] = sids
    out[by] = names
    for i, (c, s) in enumerate(frames):
        prefix = "" if i == 0 else "previous_"
        n = c["new_contacts"].reindex(out.index).fillna(0).astype("int64")
        cu = c["customers"].reindex(out.index).fillna(0).astype("int64")
        money = s["spend"].reindex(out.index).astype("float64") if len(s) else pd.Series(np.nan, index=out.index)
        m = _metrics(n, cu, money)
        out[prefix + "new_contacts"] = n
        out[prefix + "customers"] = cu
        out[prefix + "conversion_rate"] = m["conversion_rate"]
        out[prefix + "spend"] = money
        out[prefix + "cost_per_lead"] = m["cost_per_lead"]
        out[prefix + "cost_per_customer"] = m["cost_per_customer"]
    out = out.reset_index(drop=True)
    out = out.sort_values(["new_contacts", by], ascending=[False, True], kind="stable",
                          key=lambda s: s.str.casefold() if s.dtype == object or str(s.dtype) == "str" else s)
    out = out.reset_index(drop=True)
    out.attrs["conversion"] = definition.text
    cols = id_cols + [by] + METRICS + ([f"previous_{m}" for m in METRICS] if other else [])
    return out[cols]


def totals(db, filters: Filters, compare: str | None = None,
           converted: cdef.ConversionDefinition | str | None = None) -> dict:
    """The whole selection's figures: ``{"current": {metric: value}, "previous": {...} or None}``.

    Sums of ``performance(by='channel')`` (every spend row lands on exactly one line of any view,
    so the spend total is the same in every view); rates and costs recomputed from the sums.
    """
    df = performance(db, filters, "channel", compare, converted)

    def total(prefix: str) -> dict:
        n = int(df[prefix + "new_contacts"].sum())
        cu = int(df[prefix + "customers"].sum())
        money = df[prefix + "spend"]
        s = float(money.sum()) if money.notna().any() else float("nan")
        return {"new_contacts": n, "customers": cu,
                "conversion_rate": cu / n if n else float("nan"), "spend": s,
                "cost_per_lead": s / n if n and s == s else float("nan"),
                "cost_per_customer": s / cu if cu and s == s else float("nan")}

    return {"current": total(""), "previous": total("previous_") if compare else None,
            "conversion": df.attrs.get("conversion", "")}


__all__ = ["METRICS", "PERFORMANCE_DIMENSIONS", "lead_counts", "performance", "spend_lines", "totals"]
