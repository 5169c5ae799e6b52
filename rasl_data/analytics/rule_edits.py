"""Edits made on top of a table that changed meanwhile (two people editing the channel rules or the
source labels): the rows of a rules table, what one edit changed, and a three-way merge.

Plain values only (no cache, no streamlit).
"""

from __future__ import annotations

import pandas as pd

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
