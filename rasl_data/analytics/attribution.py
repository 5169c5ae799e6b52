"""Derived attribution: channel and campaign of each source, from rules, labels and its name.

RASL gives a contact one *source* and nothing else about where it came from (no campaign, no
UTM; see CONTRACT.md §12). The dashboard derives two more dimensions from the source:

* **campaign** from the naming convention ``Channel / Campaign``: the first separator among
  `` / ``, `` | ``, `` - `` (and the en/em dashes phone keyboards substitute, `` – ``, `` — ``)
  splits the name; no separator means no campaign. ``source_labels.campaign`` overrides it per
  source (an empty string means "no campaign").
* **channel** from ordered, first-match rules (table ``channel_rules``; an empty table means
  ``default_channel_rules()``), tried on the normalised part before the separator and then on the
  whole normalised name; the built-in rules are keywords (``contains`` / whole ``word``).
  ``source_labels.channel`` overrides it per source. A source no rule
  matches is ``Unmapped`` and listed by ``unmapped_sources``.

Everything is derived at query time from the three tiny tables, so editing a rule or a label
changes history too (retroactive), and a rename of a source moves it to its new channel.
Contacts whose source is missing or deleted are ``Unattributed`` (source id NULL).

This module holds the tables (rules and labels read and saved) and the derived map
(``source_attribution``, ``unmapped_sources``, ``preview_rules``). Name keys live in
:mod:`~rasl_data.analytics.naming`, the rules engine in :mod:`~rasl_data.analytics.channel_rules`
and the built-in rules in :mod:`~rasl_data.analytics.builtin_rules`; their public names are
re-exported here.
"""

from __future__ import annotations

import pandas as pd

# The names below are re-exported so ``from rasl_data.analytics.attribution import ...`` keeps
# working for every caller: name keys (naming), the rules engine (channel_rules) and the
# built-in rules (builtin_rules) live in their own modules.
from rasl_data.analytics.builtin_rules import (  # noqa: F401
    CTWA_CHANNEL,
    PREVIOUS_DEFAULT_RULES,
    default_channel_rules,
    previous_default_channel_rules,
    uses_previous_default_rules,
)
from rasl_data.analytics.channel_rules import (  # noqa: F401
    MATCH_KINDS,
    MAX_PATTERN_LENGTH,
    RULE_COLUMNS,
    ChannelRule,
    channel_for,
    has_nested_quantifier,
    validate_rules,
)
from rasl_data.analytics.naming import SEPARATORS, normalise_name, split_source_name, tidy_name  # noqa: F401

# Bidirectional embedding, override and isolate controls (``BIDI_CONTROLS``, from text.py) reorder
# how the rest of a name is shown ("\u202eevil" shows as "live"), so a source name must not carry
# them. The plain marks LRM/RLM (U+200E/U+200F) are harmless and allowed.
from rasl_data.text import BIDI_CONTROLS, one_line  # noqa: F401 (re-exported: names on one line)

UNATTRIBUTED = "Unattributed"
UNMAPPED = "Unmapped"
NO_CAMPAIGN = "No campaign"

ATTRIBUTION_COLUMNS = ["source_id", "source", "channel", "campaign", "channel_from", "campaign_from"]


def read_channel_rules(db) -> pd.DataFrame:
    """The rules in force: ``channel_rules`` ordered by position, or the defaults when it is empty.

    Returns ``DataFrame[position, pattern, match, channel]``. Reads table ``channel_rules``.
    """
    df = db.query("SELECT position, pattern, match, channel FROM channel_rules ORDER BY position")
    return df if len(df) else default_channel_rules()


def read_source_labels(db) -> pd.DataFrame:
    """Per-source overrides: ``DataFrame[source_id, channel, campaign]`` (table ``source_labels``)."""
    return db.query("SELECT source_id, channel, campaign FROM source_labels ORDER BY source_id")


def save_channel_rules(con, rules_df: pd.DataFrame) -> None:
    """Replace all channel rules with ``rules_df`` (columns pattern, match, channel[, position]).

    ``con`` is a write connection (``store.write_transaction``). Positions are renumbered 1..n in
    the given order. Raises ``ValueError`` (nothing written) when a rule is invalid.
    """
    rules = validate_rules(rules_df)
    con.execute("DELETE FROM channel_rules")
    if rules:
        con.executemany(
            "INSERT INTO channel_rules (position, pattern, match, channel) VALUES (?, ?, ?, ?)",
            [(r.position, r.pattern, r.match, r.channel) for r in rules],
        )


def save_source_label(con, source_id: int, channel: str | None, campaign: str | None) -> None:
    """Set (or clear, with both ``None``) the channel/campaign override of one source.

    ``channel`` None → from rules; ``campaign`` None → from the name, ``""`` → no campaign.
    ``con`` is a write connection; writes table ``source_labels``.
    """
    channel = tidy_name(channel) or None if channel is not None else None
    campaign = tidy_name(campaign) if campaign is not None else None
    if channel is None and campaign is None:
        con.execute("DELETE FROM source_labels WHERE source_id = ?", [int(source_id)])
        return
    con.execute(
        "INSERT INTO source_labels (source_id, channel, campaign) VALUES (?, ?, ?) "
        "ON CONFLICT (source_id) DO UPDATE SET channel = excluded.channel, campaign = excluded.campaign",
        [int(source_id), channel, campaign],
    )


def _canonical(labels: list[str]) -> dict[str, str]:
    """Map each label to the first spelling seen of its normalised key (one series per campaign)."""
    first: dict[str, str] = {}
    out = {}
    for label in labels:
        out[label] = first.setdefault(normalise_name(label), label)
    return out


def derive_attribution(sources: pd.DataFrame, rules_df: pd.DataFrame, labels: pd.DataFrame,
                       saved: bool = False) -> pd.DataFrame:
    """Pure core of ``source_attribution`` on plain frames (sources: id, name; labels as stored).

    ``saved=True``: the rules come from the cache, and one that fails today's checks is left out
    (never matches) rather than failing every page; otherwise an invalid rule raises ``ValueError``.
    """
    rules = validate_rules(rules_df, skip_invalid=saved) if len(rules_df) else []
    label_by_id = {
        int(r.source_id): (r.channel, r.campaign) for r in labels.itertuples(index=False)
    }
    rows = []
    for s in sources.sort_values("id").itertuples(index=False):
        # The label is the name exactly as in RASL now; rules and the convention read it tidied.
        sid, name = int(s.id), str(s.name)
        _, campaign = split_source_name(name)
        campaign_from = "name" if campaign else "none"
        channel, channel_from = channel_for(name, rules), "rule"
        if channel is None:
            channel, channel_from = UNMAPPED, "unmapped"
        lab_channel, lab_campaign = label_by_id.get(sid, (None, None))
        if lab_channel is not None and not pd.isna(lab_channel) and tidy_name(lab_channel):
            channel, channel_from = tidy_name(lab_channel), "label"
        if lab_campaign is not None and not pd.isna(lab_campaign):
            campaign, campaign_from = (tidy_name(lab_campaign) or None), "label"
        rows.append((sid, name, channel, campaign or NO_CAMPAIGN, channel_from, campaign_from))
    df = pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)
    if len(df):
        # "Spring promo" and "spring  Promo" from two sources are one campaign (and one channel).
        df["campaign"] = df["campaign"].map(_canonical(list(df["campaign"])))
        df["channel"] = df["channel"].map(_canonical(list(df["channel"])))
    df["source_id"] = df["source_id"].astype("int64")
    return df


# Derived maps per cache file version: a dashboard query would otherwise spend three small
# queries and the rule matching (~6 ms) on every call. A sync or a rule edit swaps the file,
# which changes ``Reader.version``, so a cached map is never stale.
_ATTRIBUTION_CACHE: dict[tuple, pd.DataFrame] = {}


def _cache_key(db) -> tuple | None:
    try:
        return (type(db).__name__, str(db.path), db.version)
    except Exception:  # not a store.Reader (a test double): no caching
        return None


def source_attribution(db) -> pd.DataFrame:
    """Channel and campaign of every live source (``deleted_at`` NULL), derived now.

    Returns ``DataFrame[source_id (int), source (current name), channel, campaign,
    channel_from ('rule'|'label'|'unmapped'), campaign_from ('name'|'label'|'none')]`` ordered by
    id; ``campaign`` is ``NO_CAMPAIGN`` when there is none. Deleted sources are absent: their
    contacts are ``Unattributed``. Reads ``sources``, ``channel_rules``, ``source_labels``.
    """
    key = _cache_key(db)
    if key is not None and key in _ATTRIBUTION_CACHE:
        return _ATTRIBUTION_CACHE[key].copy()
    sources = db.query("SELECT id, name FROM sources WHERE deleted_at IS NULL ORDER BY id")
    df = derive_attribution(sources, read_channel_rules(db), read_source_labels(db), saved=True)
    if key is not None:
        if len(_ATTRIBUTION_CACHE) > 32:
            _ATTRIBUTION_CACHE.clear()
        _ATTRIBUTION_CACHE[key] = df
    return df.copy()


def unmapped_sources(db) -> pd.DataFrame:
    """Live sources no channel rule matches and no label maps, with their all-time contacts.

    Returns ``DataFrame[source_id, source, contacts]``, most contacts first. Reads ``sources``,
    ``channel_rules``, ``source_labels``, ``contacts``.
    """
    attr = source_attribution(db)
    unmapped = attr[attr["channel_from"] == "unmapped"][["source_id", "source"]]
    counts = db.query("SELECT source_id, count(*) AS contacts FROM contacts WHERE source_id IS NOT NULL GROUP BY source_id")
    counts["source_id"] = counts["source_id"].astype("int64")
    out = unmapped.merge(counts, on="source_id", how="left")
    out["contacts"] = out["contacts"].fillna(0).astype("int64")
    return out.sort_values(["contacts", "source_id"], ascending=[False, True]).reset_index(drop=True)


def preview_rules(db, rules_df: pd.DataFrame) -> pd.DataFrame:
    """What saving ``rules_df`` would change: sources whose channel differs from today's.

    Returns ``DataFrame[source_id, source, channel_now, channel_after, channel_from_after]``
    (labels still win over rules). Raises ``ValueError`` for invalid rules. Reads ``sources``,
    ``channel_rules``, ``source_labels``.
    """
    sources = db.query("SELECT id, name FROM sources WHERE deleted_at IS NULL ORDER BY id")
    labels = read_source_labels(db)
    now = derive_attribution(sources, read_channel_rules(db), labels, saved=True)
    after = derive_attribution(sources, rules_df, labels)
    both = now[["source_id", "source", "channel"]].merge(
        after[["source_id", "channel", "channel_from"]], on="source_id", suffixes=("_now", "_after")
    )
    both = both.rename(columns={"channel_from": "channel_from_after"})
    return both[both["channel_now"] != both["channel_after"]].reset_index(drop=True)
