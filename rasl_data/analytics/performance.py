"""What each source, campaign and channel is worth: leads, customers, spend and their costs.

For the contacts acquired in ``filters.start..end`` (local dates in ``filters.tz``, both
included, by ``contacts.created_at``; the dashboard's filters and Unattributed handling) and the
spend entered for those days (``rasl_data.analytics.spend``, spread evenly over each row's days):

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

from rasl_data.analytics import attribution, periods
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics import spend as spend_mod
from rasl_data.analytics.attribution import NO_CAMPAIGN, UNATTRIBUTED, normalise_name
from rasl_data.analytics.contacts_sql import Filters, bucket_conditions, check_dimension, keep_flags
from rasl_data.i18n import N_, _

PERFORMANCE_DIMENSIONS = ("source", "campaign", "channel")
METRICS = ["new_contacts", "customers", "conversion_rate", "spend", "cost_per_lead", "cost_per_customer"]
SPEND_LINE = {"campaign": N_("{name} (campaign spend)"), "channel": N_("{name} (channel spend)"),
              "source": N_("{name} (source no longer in RASL)")}
"""The name of a spend line a view cannot split (``_("...").format(name=...)``, in the language in
effect: a line's name, never its key)."""


def lead_counts(db, filters: Filters, ranges: list[tuple[date, date]],
                definition: cdef.ConversionDefinition | None = None) -> pd.DataFrame:
    """Contacts and customers per (range bucket, raw source id), one scan of ``contacts``.

    Returns ``DataFrame[bucket (index into ranges), raw_source_id (Int64, NA without source),
    n, customers]``; the type filter of ``filters`` applies, the source filters do not (see
    ``performance``). Reads ``contacts``, ``statuses``.
    """
    tests = bucket_conditions(filters, ranges)
    cust = cdef.customer_sql(db, definition)
    bucket = "CASE " + " ".join(f"WHEN {sql} THEN {i}" for i, (sql, _params) in enumerate(tests)) + " END"
    where = " OR ".join(sql for sql, _params in tests)
    params = [x for _sql, p in tests for x in p] * 2
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
    keep, unattributed_ok = keep_flags(attr, filters)
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
    """Each spend row with the view's line it lands on: ``spend`` + [key, line_name,
    line_source_id], rows the dashboard's filters leave out dropped (see module docstring for the
    roll-up). Decided once per distinct (level, name, source id), a few dozen, not per row."""
    keep, _unattributed_ok = keep_flags(attr, filters)
    live = attr.assign(keep=keep)
    by_id = {int(i): r for i, r in zip(live["source_id"], live.to_dict("records"))}
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

    def place(level: str, name: str, sid) -> tuple[str, str, int | None, bool]:
        """(key, line name, line source id, kept by the filters) of one distinct target."""
        if level == "source":
            if sid is not None and sid in by_id:
                row = by_id[sid]
                if by == "source":
                    return f"s:{sid}", row["source"], sid, bool(row["keep"])
                return "n:" + normalise_name(row[by]), row[by], None, bool(row["keep"])
            return (f"x:source:{normalise_name(name)}", _(SPEND_LINE["source"]).format(name=name), None,
                    not any_dim_filter)
        nk = normalise_name(name)
        if level == "campaign":
            channels = campaign_channels.get(nk, set())
            ok = (not filters.source_ids and (not want_cp or nk in want_cp)
                  and (not want_ch or bool({normalise_name(c) for c in channels} & want_ch)))
            if by == "campaign" and nk in campaign_names:
                return "n:" + nk, campaign_names[nk], None, ok
            if by == "channel" and len(channels) == 1:
                ch = next(iter(channels))
                return "n:" + normalise_name(ch), ch, None, ok
            return f"x:campaign:{nk}", _(SPEND_LINE["campaign"]).format(name=campaign_names.get(nk, name)), None, ok
        ok = not filters.source_ids and not filters.campaigns and (not want_ch or nk in want_ch)
        if by == "channel" and nk in channel_names:
            return "n:" + nk, channel_names[nk], None, ok
        return f"x:channel:{nk}", _(SPEND_LINE["channel"]).format(name=channel_names.get(nk, name)), None, ok

    cols = ["key", "line_name", "line_source_id", "_ok"]
    if not len(spend):
        return spend.assign(**{c: pd.Series([], dtype=object) for c in cols[:-1]})
    sid = spend["source_id"].astype("Int64")
    target = pd.DataFrame({"level": spend["level"].to_numpy(), "name": spend["name"].to_numpy(),
                           "sid": sid.fillna(-1).astype("int64").to_numpy()})
    distinct = target.drop_duplicates().reset_index(drop=True)
    placed = pd.DataFrame([place(lv, nm, None if s < 0 else int(s))
                           for lv, nm, s in zip(distinct["level"], distinct["name"], distinct["sid"])], columns=cols)
    placed = pd.concat([distinct, placed], axis=1)
    tagged = target.merge(placed, on=["level", "name", "sid"], how="left")
    out = spend.assign(key=tagged["key"].to_numpy(), line_name=tagged["line_name"].to_numpy(),
                       line_source_id=pd.array(tagged["line_source_id"].tolist(), dtype="Int64"))
    return out[tagged["_ok"].astype(bool).to_numpy()]


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
    lines = spend_lines(_spend_touching(db, ranges), attr, filters, by)
    both = _pieces(counts, lines, ranges)
    first = both.drop_duplicates("key").set_index("key")
    sums = both.groupby(["key", "bucket"], sort=False)[["n", "customers", "money", "has_spend"]].sum()
    out = pd.DataFrame(index=pd.Index(list(first.index), name="key"))
    id_cols = ["source_id"] if by == "source" else []
    if by == "source":
        out["source_id"] = first["source_id"].astype("Int64")
    out[by] = first["name"].astype(object)
    for bucket in range(len(ranges)):
        _add_metrics(out, sums, bucket, "" if bucket == 0 else "previous_")
    out = out.reset_index(drop=True)
    out = out.sort_values(["new_contacts", by], ascending=[False, True], kind="stable",
                          key=lambda s: s.str.casefold() if s.dtype == object or str(s.dtype) == "str" else s)
    out = out.reset_index(drop=True)
    out.attrs["conversion"] = definition.text
    cols = id_cols + [by] + METRICS + ([f"previous_{m}" for m in METRICS] if other else [])
    return out[cols]


def _spend_touching(db, ranges: list[tuple]) -> pd.DataFrame:
    """Saved spend (``spend.read_spend``): only the rows that touch one of ``ranges``."""
    saved = spend_mod.read_spend(db)
    if len(saved):
        touching = np.zeros(len(saved), dtype=bool)
        for start, end in ranges:
            touching |= spend_mod.covered(saved, start, end).to_numpy()
        saved = saved[touching]
    return saved


def _pieces(counts: pd.DataFrame, lines: pd.DataFrame, ranges: list[tuple]) -> pd.DataFrame:
    """One frame of contact counts and spend shares per (line, range bucket), to sum in one groupby."""
    pieces = [counts.assign(money=0.0, has_spend=0)]
    for bucket, (start, end) in enumerate(ranges):
        if len(lines):
            part = lines[spend_mod.covered(lines, start, end).to_numpy()]
            pieces.append(pd.DataFrame({
                "bucket": bucket, "key": part["key"].to_numpy(), "name": part["line_name"].to_numpy(),
                "source_id": part["line_source_id"].to_numpy(), "n": 0, "customers": 0,
                "money": spend_mod.shares(part, start, end).to_numpy(), "has_spend": 1}))
    return pd.concat([p for p in pieces if len(p)], ignore_index=True) if any(len(p) for p in pieces) else pieces[0]


def _add_metrics(out: pd.DataFrame, sums: pd.DataFrame, bucket: int, prefix: str) -> None:
    """Add the six metrics of range ``bucket`` to ``out`` (per line key), named ``prefix + metric``."""
    if bucket in set(sums.index.get_level_values("bucket")):
        part = sums.xs(bucket, level="bucket").reindex(out.index)
    else:  # nothing at all in this range
        part = pd.DataFrame(0, index=out.index, columns=["n", "customers", "money", "has_spend"])
    n = part["n"].fillna(0).astype("int64")
    cu = part["customers"].fillna(0).astype("int64")
    money = part["money"].astype("float64").where(part["has_spend"].fillna(0) > 0)
    m = _metrics(n, cu, money)
    out[prefix + "new_contacts"] = n
    out[prefix + "customers"] = cu
    out[prefix + "conversion_rate"] = m["conversion_rate"]
    out[prefix + "spend"] = money
    out[prefix + "cost_per_lead"] = m["cost_per_lead"]
    out[prefix + "cost_per_customer"] = m["cost_per_customer"]


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
