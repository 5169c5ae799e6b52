"""Funnel by status: of the contacts acquired in a range, how many reached each status.

RASL keeps a contact's current status only; the cache keeps what each sync saw change
(``contact_changes`` rows with ``field='status_id'``). A contact was *seen* at a status when it
is its status now or the history shows it in that status (as the value before or after a
change). Steps follow the workspace's status order (the order RASL lists statuses, i.e. by id);
a contact *reached* a step when it was seen at that step or at any later one, so a status passed
through between two syncs (or before the cache's history starts: ``history_start``) still
counts and the funnel never widens. Statuses that end a lead without success ("Lost",
"Cancelled", "Spam", ...: ``EXIT_WORDS``) are left out of the default steps, since a lost lead
did not reach the steps listed after it; the user may pick the steps. No streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rasl_data.analytics import attribution
from rasl_data.analytics.attribution import UNATTRIBUTED, normalise_name
from rasl_data.analytics.contacts_sql import Filters, bucket_conditions, check_dimension, keep_flags

FUNNEL_DIMENSIONS = ("source", "channel")
COLUMNS = ["step", "status_id", "status", "seen", "reached", "share_of_acquired", "share_of_previous", "drop_off"]
EXIT_WORDS = ("lost", "cancel", "spam", "junk", "reject", "unqualified", "not interested", "خسر", "ملغ", "مرفوض")


@dataclass(frozen=True)
class Funnel:
    """``steps``: ``DataFrame[<by> (absent for the whole workspace), COLUMNS]`` (step 1, 2, …;
    ``reached`` contacts; ``share_of_acquired`` = reached ÷ acquired; ``share_of_previous`` =
    reached ÷ the previous step's reached, NaN for step 1 or an empty previous step;
    ``drop_off`` = 1 − share_of_previous). ``acquired``: ``DataFrame[<by>, acquired]`` (or one row).
    ``history_start``: the first sync's start (UTC) or None without any sync."""

    steps: pd.DataFrame
    acquired: pd.DataFrame
    history_start: pd.Timestamp | None


def status_order(db) -> pd.DataFrame:
    """Live statuses in the workspace's order: ``DataFrame[status_id, status]`` (table ``statuses``)."""
    df = db.query("SELECT id AS status_id, name AS status FROM statuses WHERE deleted_at IS NULL ORDER BY id")
    df["status_id"] = df["status_id"].astype("int64")
    return df


def history_start(db) -> pd.Timestamp | None:
    """When the cache's status history starts (UTC): the first sync's moment, i.e. the earliest
    ``contacts.first_seen_at`` (else the first successful ``sync_runs`` start); None before any sync."""
    df = db.query("SELECT (SELECT min(first_seen_at) FROM contacts) AS seen, "
                  "(SELECT min(started_at) FROM sync_runs WHERE outcome = 'success') AS run")
    for col in ("seen", "run"):
        t = df[col].iloc[0]
        if not pd.isna(t):
            return pd.Timestamp(t)
    return None


def funnel(db, filters: Filters, by: str | None = None, steps: tuple[int, ...] | None = None) -> Funnel:
    """The status funnel of the contacts acquired in ``filters.start..end`` (local, inclusive).

    ``by``: None, ``source`` or ``channel`` (one funnel per value, most acquired first).
    ``steps``: status ids to show, in this order (default: ``default_steps``). Dashboard filters
    and Unattributed handling as in ``rasl_data.analytics.acquisition``. Raises ``ValueError`` for an unknown
    dimension. Reads ``contacts``, ``contact_changes``, ``statuses``, ``sync_runs`` and the
    attribution tables.
    """
    check_dimension(by, FUNNEL_DIMENSIONS)
    order = _chosen_steps(db, steps)
    raw = _attributed(db, filters, _step_counts(db, filters, list(order["status_id"])))
    group = raw[by] if by else pd.Series(0, index=raw.index)
    raw = raw.assign(_g=group)
    acquired = raw[raw["kind"] == "acquired"].groupby("_g", sort=False)["n"].sum()
    keys = [] if by is None else [by]
    frames = []
    for g in acquired.sort_values(ascending=False, kind="stable").index:
        f = _one_funnel(raw[raw["_g"] == g], order, float(acquired[g]))
        if keys:
            f.insert(0, by, g)
        frames.append(f[keys + COLUMNS])
    steps_df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=keys + COLUMNS)
    acq = acquired.sort_values(ascending=False, kind="stable").astype("int64")
    acq = pd.DataFrame({**({by: list(acq.index)} if by else {}), "acquired": acq.to_numpy()})
    if acq.empty and not by:
        acq = pd.DataFrame({"acquired": [0]})
    return Funnel(steps_df, acq, history_start(db))


def _chosen_steps(db, steps: tuple[int, ...] | None) -> pd.DataFrame:
    """``DataFrame[status_id, status, step]`` of the live statuses among ``steps`` (default:
    ``default_steps``), in the order given."""
    by_id = status_order(db).set_index("status_id")["status"]
    chosen = [int(s) for s in (default_steps(db) if steps is None else steps) if int(s) in by_id.index]
    order = pd.DataFrame({"status_id": pd.Series(chosen, dtype="int64"), "status": [by_id[s] for s in chosen]})
    order["step"] = range(1, len(order) + 1)
    return order


def _step_counts(db, filters: Filters, chosen: list[int]) -> pd.DataFrame:
    """Per raw source id only (a few dozen rows back): contacts seen per status (``kind`` seen,
    ``k`` the status id), contacts whose furthest step is ``k`` (furthest) and contacts acquired."""
    (in_range, params), = bucket_conditions(filters, [(filters.start, filters.end)])
    type_sql = ""
    if filters.types:
        type_sql = " AND list_contains(?::VARCHAR[], c.type)"
        params = params + [[str(t) for t in filters.types]]
    sql = f"""WITH cohort AS (
    SELECT c.id, c.source_id AS raw_source_id, c.status_id FROM contacts c WHERE {in_range}{type_sql}
),
seen AS (
    SELECT id, raw_source_id, status_id FROM cohort WHERE status_id IS NOT NULL
    UNION
    SELECT k.id, k.raw_source_id, TRY_CAST(h.v AS BIGINT) FROM cohort k JOIN (
        SELECT contact_id, old_value AS v FROM contact_changes WHERE field = 'status_id'
        UNION ALL
        SELECT contact_id, new_value AS v FROM contact_changes WHERE field = 'status_id'
    ) h ON h.contact_id = k.id
    WHERE TRY_CAST(h.v AS BIGINT) IS NOT NULL
),
furthest AS (
    SELECT id, raw_source_id, max(list_position(?::BIGINT[], status_id)) AS step FROM seen
    WHERE list_contains(?::BIGINT[], status_id) GROUP BY ALL
)
SELECT 'seen' AS kind, raw_source_id, status_id AS k, count(*) AS n FROM seen GROUP BY ALL
UNION ALL SELECT 'furthest', raw_source_id, step, count(*) FROM furthest GROUP BY ALL
UNION ALL SELECT 'acquired', raw_source_id, NULL, count(*) FROM cohort GROUP BY ALL"""
    return db.query(sql, params + [chosen, chosen])


def _attributed(db, filters: Filters, raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` counts with their source and channel (Unattributed for a missing or deleted
    source), keeping only the rows the dashboard filters select."""
    attr = attribution.source_attribution(db)
    keep, unattributed_ok = keep_flags(attr, filters)
    live = attr.assign(keep=keep).set_index("source_id")
    sid = raw["raw_source_id"]
    known = sid.notna() & sid.isin(live.index)
    look = live.reindex(sid.where(known).fillna(-1).astype("int64").to_numpy())
    raw = raw.assign(
        keep=[bool(k) if ok else unattributed_ok for k, ok in zip(look["keep"].fillna(False), known)],
        source=[s if ok else UNATTRIBUTED for s, ok in zip(look["source"], known)],
        channel=[c if ok else UNATTRIBUTED for c, ok in zip(look["channel"], known)],
    )
    return raw[raw["keep"]]


def _one_funnel(part: pd.DataFrame, order: pd.DataFrame, acquired: float) -> pd.DataFrame:
    """``COLUMNS`` of one funnel from its counts (``_step_counts`` rows of one group)."""
    seen_n = part[part["kind"] == "seen"].groupby("k")["n"].sum()
    far = part[part["kind"] == "furthest"].groupby("k")["n"].sum()
    f = order.copy()
    f["seen"] = [int(seen_n.get(s, 0)) for s in f["status_id"]]
    f["reached"] = [int(far[far.index >= k].sum()) for k in f["step"]]
    f["share_of_acquired"] = f["reached"] / acquired if acquired else float("nan")
    prev = f["reached"].shift(1).astype("float64")
    f["share_of_previous"] = (f["reached"] / prev).where(prev > 0)
    f["drop_off"] = 1 - f["share_of_previous"]
    return f


def default_steps(db) -> tuple[int, ...]:
    """Every live status in the workspace's order except those named like an exit
    (``EXIT_WORDS``: lost, cancelled, spam, ...)."""
    order = status_order(db)
    return tuple(int(i) for i, n in zip(order["status_id"], order["status"])
                 if not any(w in normalise_name(n) for w in EXIT_WORDS))


def match_steps(db, names: list[str]) -> tuple[int, ...]:
    """Status ids of ``names`` (compared like source names), in the workspace's order."""
    order = status_order(db)
    wanted = {normalise_name(n) for n in names}
    return tuple(int(i) for i, n in zip(order["status_id"], order["status"]) if normalise_name(n) in wanted)


__all__ = ["COLUMNS", "FUNNEL_DIMENSIONS", "Funnel", "default_steps", "funnel", "history_start", "match_steps", "status_order"]
