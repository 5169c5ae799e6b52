"""Small data-layer helpers the dashboard pages need beyond ``queries``/``conversion``.

No streamlit here: these are plain functions on a cache reader (``store.Reader``) or on plain
values, so they are unit-testable and reusable from the CLI.
"""

from __future__ import annotations

import pandas as pd

from rasl_data.analytics import acquisition, periods
from rasl_data.analytics.attribution import BIDI_CONTROLS, normalise_name, tidy_name
from rasl_data.text import isolate, md_literal, md_name, one_line, plotly_literal  # noqa: F401 (re-exported)

MAX_SOURCE_NAME = 255  # RASL's limit on a source name (characters), contract §sources


def live_sources(db) -> pd.DataFrame:
    """Every live source (``deleted_at`` NULL) with its all-time contacts, for the management forms.

    Returns ``DataFrame[source_id (int), source (current name), contacts (int, all types, all
    time), created_at (aware UTC)]`` ordered by name (case-insensitive). Reads ``sources``,
    ``contacts``.
    """
    df = db.query(
        "SELECT s.id AS source_id, s.name AS source, count(c.id) AS contacts, s.created_at "
        "FROM sources s LEFT JOIN contacts c ON c.source_id = s.id WHERE s.deleted_at IS NULL "
        "GROUP BY s.id, s.name, s.created_at"
    )
    df["source_id"] = df["source_id"].astype("int64")
    df["contacts"] = df["contacts"].astype("int64")
    return df.sort_values("source", key=lambda s: s.str.casefold(), kind="stable").reset_index(drop=True)


def check_source_name(name: str | None, existing: pd.DataFrame, exclude_id: int | None = None) -> str | None:
    """Why ``name`` cannot be a source name, or ``None`` when it can be sent to RASL.

    Checks, in order: nothing visible (empty after trimming spaces, tatweel and invisible format
    characters such as zero-width spaces), a bidirectional override/embedding/isolate control
    (U+202A–U+202E, U+2066–U+2069: they make a name display as other text), longer than
    ``MAX_SOURCE_NAME`` characters, equal to another live source's name ignoring case, spaces,
    tatweel, Arabic alef forms/harakat, invisible format characters and Unicode form
    (``normalise_name``). A ZWNJ inside a Persian word is kept (it is only ignored when
    comparing). ``existing`` has columns ``source_id`` and ``source``; ``exclude_id`` is the
    source being renamed (it may keep its own name with another case). The message is one
    sentence for the marketer.
    """
    text = (name or "").strip()
    if not normalise_name(text):
        return "Enter a name."
    if BIDI_CONTROLS.search(text):
        return ("The name contains an invisible text-direction control (such as a right-to-left override) "
                "that makes it display differently from what it says; type the name again without it.")
    if len(text) > MAX_SOURCE_NAME:
        return f"The name is {len(text):,} characters long; RASL accepts at most {MAX_SOURCE_NAME}."
    key = normalise_name(text)
    for sid, other in zip(existing["source_id"], existing["source"]):
        if exclude_id is not None and int(sid) == int(exclude_id):
            continue
        if normalise_name(other) == key:
            return (f"A source named “{isolate(other)}” already exists "
                    "(names are compared ignoring case, spaces, tatweel and invisible characters).")
    return None


def compose_source_name(channel: str | None, campaign: str | None) -> str:
    """``Channel / Campaign`` by the naming convention the attribution reads (either part optional)."""
    parts = [tidy_name(p) for p in (channel, campaign) if p and tidy_name(p)]
    return " / ".join(parts)


def comparison_series(db, filters: acquisition.Filters, compare: str | None, granularity: str) -> pd.DataFrame:
    """Totals of the comparison period per period, aligned with the current range by period index.

    The n-th period of the comparison range is paired with the n-th period of the current range
    (periods of different lengths, e.g. months, pair by position). Returns ``DataFrame[period_start
    (current axis, local date), comparison_start (local date), previous (int contacts)]``; empty
    without a comparison. Reads what ``acquisition.acquisition`` reads.
    """
    cols = ["period_start", "comparison_start", "previous"]
    other = periods.comparison_range(filters.start, filters.end, compare)
    if other is None:
        return pd.DataFrame(columns=cols)
    prev = acquisition.acquisition(db, filters.with_range(*other), by=None, granularity=granularity)
    axis = periods.period_starts(filters.start, filters.end, granularity, filters.week_start)
    n = min(len(axis), len(prev))
    return pd.DataFrame({
        "period_start": axis[:n],
        "comparison_start": list(prev["period_start"])[:n],
        "previous": [int(x) for x in list(prev["new_contacts"])[:n]],
    }, columns=cols)



def status_colours(db) -> dict[str, str]:
    """RASL's own colour of each status, ``{status name: "#RRGGBB"}`` (statuses without one left out).

    Reads table ``statuses`` (deleted statuses included: contacts may still carry them).
    """
    df = db.query("SELECT name, color FROM statuses WHERE color IS NOT NULL AND color <> ''")
    return {str(n): str(c) for n, c in zip(df["name"], df["color"]) if str(c).startswith("#")}


# --- edits made on top of a table that changed meanwhile (two people editing) -------------------

Rule = tuple[str, str, str]  # (pattern, match, channel)


def rule_rows(rules: pd.DataFrame) -> list[Rule]:
    """Channel rules as ``(pattern, match, channel)`` tuples in order (missing cells → ``""``)."""
    out = []
    for row in rules[["pattern", "match", "channel"]].itertuples(index=False):
        out.append(tuple("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in row))
    return out


def rule_changes(before: list[Rule], after: list[Rule]) -> tuple[list[Rule], list[Rule]]:
    """``(removed, added)``: rules of ``before`` missing from ``after`` and the new ones of ``after``
    (compared as whole rules, duplicates counted), each in their list's order."""
    from collections import Counter

    left = Counter(before)
    added = []
    for rule in after:
        if left[rule] > 0:
            left[rule] -= 1
        else:
            added.append(rule)
    removed = []
    for rule in before:
        if left[rule] > 0:
            left[rule] -= 1
            removed.append(rule)
    return removed, added


def merge_rule_edits(base: list[Rule], mine: list[Rule], theirs: list[Rule]) -> list[Rule]:
    """My edit of the rules ``base`` (giving ``mine``) re-applied on top of ``theirs``, the rules
    saved meanwhile.

    A rule I removed (or changed: removed, then added changed) is removed from ``theirs`` when it
    is still there. A rule I added goes right before the rule that followed it in ``mine`` (when
    that one is still in the merged list), else at the end. Their other changes stay. Returns the
    merged list of ``(pattern, match, channel)``.
    """
    removed, added = rule_changes(base, mine)
    out = list(theirs)
    for rule in removed:
        if rule in out:
            out.remove(rule)
    pending = list(added)
    new_at = []  # True where mine[i] is one of my added rules
    for rule in mine:
        if rule in pending:
            pending.remove(rule)
            new_at.append(True)
        else:
            new_at.append(False)
    for i, rule in enumerate(mine):
        if not new_at[i]:
            continue
        follower = next((mine[j] for j in range(i + 1, len(mine)) if not new_at[j]), None)
        out.insert(out.index(follower) if follower in out else len(out), rule)
    return out


LabelRow = tuple[str | None, str | None]  # (channel override, campaign override), None = none set


def merge_label_edits(base: dict[int, LabelRow], mine: dict[int, LabelRow],
                      theirs: dict[int, LabelRow]) -> dict[int, LabelRow]:
    """My label overrides (``mine``, edited from ``base``) re-applied on top of ``theirs``, the
    labels saved meanwhile, per source id. Sources no longer in ``theirs`` (deleted) are dropped."""
    out = dict(theirs)
    for sid, value in mine.items():
        if sid in out and value != base.get(sid):
            out[sid] = value
    return out
