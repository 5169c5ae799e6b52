"""The channel rules engine: one rule, how it matches a name, and the checks a rule passes before saving.

A rule is ``(position, pattern, match, channel)``; rules are tried in order and the first match
wins (``channel_for``). ``validate_rules`` turns a DataFrame into rules and names the rule and
pattern a user must fix; regular expressions are guarded against catastrophic backtracking
(``has_nested_quantifier``). The built-in rules are in :mod:`rasl_data.analytics.builtin_rules`;
the table they are saved in is read and written by :mod:`rasl_data.analytics.attribution`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd

from rasl_data.analytics.naming import normalise_name, split_source_name, tidy_name
from rasl_data.i18n import _, format_number

# contains: anywhere in the name; word: as a whole word (no letter or digit on either side);
# prefix: at the start; exact: the whole name (or the part before the separator); regex.
MATCH_KINDS = ("contains", "word", "prefix", "exact", "regex")
RULE_COLUMNS = ["position", "pattern", "match", "channel"]


@dataclass(frozen=True)
class ChannelRule:
    """One channel rule: when ``pattern`` matches (by ``match``) a normalised name → ``channel``."""

    position: int
    pattern: str
    match: str
    channel: str

    def matches(self, normalised: str) -> bool:
        """Whether the rule matches an already normalised name (regex: case-insensitive search;
        word: the keyword with no letter or digit right before or after it)."""
        if self.match == "regex":
            try:
                return re.search(self.pattern, normalised, flags=re.IGNORECASE) is not None
            except re.error:
                return False  # saved before validation existed: never match rather than fail a page
        pattern = _normalised_pattern(self.pattern)
        if not pattern:
            return False
        if self.match == "contains":
            return pattern in normalised
        if self.match == "word":
            return pattern in normalised and _word_regex(pattern).search(normalised) is not None
        if self.match == "prefix":
            return normalised.startswith(pattern)
        return normalised == pattern


@functools.lru_cache(maxsize=4096)
def _normalised_pattern(pattern: str) -> str:
    return normalise_name(pattern)


@functools.lru_cache(maxsize=4096)
def _word_regex(pattern: str) -> re.Pattern:
    # A letter or digit (``[^\W_]``) next to the keyword makes it part of a longer word; an
    # underscore, space or punctuation does not ("fb_leads" holds the word "fb").
    return re.compile(r"(?<![^\W_])" + re.escape(pattern) + r"(?![^\W_])")


# Regex rules run on every source name for every page query, so a pattern that backtracks
# catastrophically would hang the dashboard. Two cheap guards, a heuristic rather than a proof:
# a length limit, and no repeated group that itself holds an unbounded repetition ("(a+)+",
# "(x+x+)+", "(.*a){20}"), the classic exponential shapes. Alternations of overlapping branches
# ("(a|aa)+") are not detected.
MAX_PATTERN_LENGTH = 300


def _quantifier_at(pattern: str, i: int) -> tuple[int, bool, bool] | None:
    """``(length, repeats, unbounded)`` of a quantifier starting at ``pattern[i]``, else None.

    ``repeats``: may match its atom more than once; ``unbounded``: no upper limit. A trailing
    ``?`` (lazy) or ``+`` (possessive) belongs to the quantifier.
    """
    ch = pattern[i]
    if ch in "*+":
        length, repeats, unbounded = 1, True, True
    elif ch == "?":
        length, repeats, unbounded = 1, False, False
    elif ch == "{":
        m = re.match(r"\{([0-9]*)(,([0-9]*))?\}", pattern[i:])
        if not m or (m.group(1) == "" and m.group(2) is None):
            return None  # a literal "{"
        if m.group(2) is None:
            hi = int(m.group(1))
        else:
            hi = int(m.group(3)) if m.group(3) else None
        length, repeats, unbounded = m.end(), hi is None or hi > 1, hi is None
    else:
        return None
    if i + length < len(pattern) and pattern[i + length] in "?+":
        length += 1
    return length, repeats, unbounded


def has_nested_quantifier(pattern: str) -> bool:
    """Whether a regex repeats a group holding an unbounded repetition: ``(a+)+``, ``(x+x+)+``,
    ``((ab)*c)*``, ``(.*a){20}``. A heuristic on the pattern's text (escapes and character classes
    are skipped), for ``validate_rules``."""
    holds = [False]  # per open group: whether it holds an unbounded quantifier
    closed: bool | None = None  # the atom just before i is a group; does it hold one?
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i, closed = i + 2, None
            continue
        if ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i, closed = j + 1, None
            continue
        if ch == "(":
            holds.append(False)
            i, closed = i + 1, None
            continue
        if ch == ")":
            inner = holds.pop() if len(holds) > 1 else False
            holds[-1] = holds[-1] or inner
            i, closed = i + 1, inner
            continue
        q = _quantifier_at(pattern, i)
        if q is not None:
            length, repeats, unbounded = q
            if repeats and closed:
                return True
            holds[-1] = holds[-1] or unbounded
            i, closed = i + length, None
            continue
        i, closed = i + 1, None
    return False


def _check_rule(i: int, pattern: str, match: str, channel: str) -> None:
    """``ValueError`` naming rule ``i`` and its pattern when it cannot be used (``validate_rules``).

    The message is in the interface language in effect; the pattern and match kind as typed.
    """
    rule = format_number(i)
    if not pattern or not channel:
        raise ValueError(_("Rule {rule}: pattern and channel must not be empty.").format(rule=rule))
    if match not in MATCH_KINDS:
        raise ValueError(_("Rule {rule}: match {match} is not one of {choices}.").format(
            rule=rule, match=repr(match), choices=", ".join(MATCH_KINDS)))
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(_("Rule {rule}: the pattern is {length} characters long; a rule pattern may have at most "
                           "{limit}.").format(rule=rule, length=format_number(len(pattern)),
                                              limit=format_number(MAX_PATTERN_LENGTH)))
    if not normalise_name(pattern):
        # Names are compared without tatweel, harakat or invisible characters: nothing is left to find.
        raise ValueError(_("Rule {rule}: the pattern {pattern} can never match: names are compared without "
                           "tatweel, Arabic vowel marks and invisible characters, and nothing else is left.").format(
            rule=rule, pattern=repr(pattern)))
    if match == "regex":
        _check_regex(rule, pattern)


def _check_regex(rule: str, pattern: str) -> None:
    """``ValueError`` when a regex rule does not compile or nests repetitions (``_check_rule``)."""
    try:
        re.compile(pattern)
    except re.error as err:
        raise ValueError(_("Rule {rule}: the pattern {pattern} is not a valid regular expression ({reason}).").format(
            rule=rule, pattern=repr(pattern), reason=err)) from err
    except OverflowError as err:
        raise ValueError(_("Rule {rule}: the pattern {pattern} is not a valid regular expression (a repetition "
                           "count is too large).").format(rule=rule, pattern=repr(pattern))) from err
    except RecursionError as err:
        raise ValueError(_("Rule {rule}: the pattern {pattern} is not a valid regular expression (it is nested too "
                           "deeply).").format(rule=rule, pattern=repr(pattern))) from err
    if has_nested_quantifier(pattern):
        raise ValueError(_("Rule {rule}: the pattern {pattern} repeats a group that itself repeats (like (a+)+), "
                           "which can take minutes on some names; write it without the nested repetition.").format(
            rule=rule, pattern=repr(pattern)))


def validate_rules(rules_df: pd.DataFrame, skip_invalid: bool = False) -> list[ChannelRule]:
    """Rules from a DataFrame (``position`` optional: row order), checked for the user.

    Raises ``ValueError`` naming the rule's position (1-based, in order) and its pattern for an
    empty pattern or channel, an unknown match kind, a pattern longer than
    ``MAX_PATTERN_LENGTH`` characters, one that normalises to nothing (only tatweel, harakat or
    invisible characters: it can never match), a regex that does not compile (including
    ``re.error``, ``OverflowError`` for a huge repetition count and ``RecursionError``) and a
    regex with a nested repetition (``has_nested_quantifier``, a heuristic against catastrophic
    backtracking). ``skip_invalid=True`` (rules already saved, e.g. before a check existed) leaves
    such rules out instead: they never match, and pages keep working.
    """
    missing = {"pattern", "match", "channel"} - set(rules_df.columns)
    if missing:
        raise ValueError(_("Channel rules need the columns {columns}.").format(columns=", ".join(sorted(missing))))
    df = rules_df.reset_index(drop=True)
    if "position" in df.columns and df["position"].notna().all():
        df = df.sort_values("position", kind="stable").reset_index(drop=True)
    rules = []
    for i, row in enumerate(df.itertuples(index=False), start=1):
        pattern = "" if pd.isna(row.pattern) else str(row.pattern).strip()
        match = "" if pd.isna(row.match) else str(row.match).strip().lower()
        channel = "" if pd.isna(row.channel) else tidy_name(row.channel)
        try:
            _check_rule(i, pattern, match, channel)
        except ValueError:
            if skip_invalid:
                continue
            raise
        rules.append(ChannelRule(i, pattern, match, channel))
    return rules


def channel_for(name: str | None, rules: list[ChannelRule]) -> str | None:
    """The channel of a source name by the first matching rule (part before separator, then whole)."""
    head, _ = split_source_name(name)
    whole = normalise_name(name)
    for candidate in dict.fromkeys((normalise_name(head), whole)):  # same string tried once
        for rule in rules:
            if rule.matches(candidate):
                return rule.channel
    return None
