"""Source names: the live sources with their contact counts, and the checks a new or renamed
source name passes before it is sent to RASL (length, blanks, near-duplicates).

No streamlit here: plain functions on a cache reader (``store.Reader``) or on plain values.
"""

from __future__ import annotations

import pandas as pd

from rasl_data.analytics.attribution import (
    BIDI_CONTROLS,
    NO_CAMPAIGN,
    UNATTRIBUTED,
    UNMAPPED,
    normalise_name,
    tidy_name,
)
from rasl_data.analytics.contacts_sql import NO_GROUP, NO_STATUS, UNKNOWN_TYPE
from rasl_data.i18n import N_, _
from rasl_data.text import isolate

MAX_SOURCE_NAME = 255  # RASL's limit on a source name (characters), contract §sources


# Series names the dashboard itself gives (keys in frames, URLs and filters, English everywhere
# but on screen): shown translated. Every other name is data and shown as typed.
SPECIAL_NAMES: dict[str, str] = {
    UNATTRIBUTED: N_("Unattributed"),
    UNMAPPED: N_("Unmapped"),
    NO_CAMPAIGN: N_("No campaign"),
    NO_GROUP: N_("No group"),
    NO_STATUS: N_("No status"),
    UNKNOWN_TYPE: N_("Unknown"),
    "Other": N_("Other"),
    "Other sources": N_("Other sources"),
}


def display_name(value) -> str:
    """A series name as shown: the dashboard's own names (``Unattributed``, ``Other``, ``No
    campaign``…; ``SPECIAL_NAMES``) in the language in effect, any other name as ``str(value)``
    (a name the user typed is never translated). Missing values (None/NaN) give ``""``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    label = SPECIAL_NAMES.get(text)
    return _(label) if label else text


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
        return _("Enter a name.")
    if BIDI_CONTROLS.search(text):
        return _("The name contains an invisible text-direction control (such as a right-to-left override) "
                 "that makes it display differently from what it says; type the name again without it.")
    if len(text) > MAX_SOURCE_NAME:
        from rasl_data import i18n

        return _("The name is {length} characters long; RASL accepts at most {most}.").format(
            length=i18n.format_number(len(text)), most=i18n.format_number(MAX_SOURCE_NAME))
    key = normalise_name(text)
    for sid, other in zip(existing["source_id"], existing["source"]):
        if exclude_id is not None and int(sid) == int(exclude_id):
            continue
        if normalise_name(other) == key:
            return _("A source named “{name}” already exists (names are compared ignoring case, spaces, "
                     "tatweel and invisible characters).").format(name=isolate(other))
    return None


def compose_source_name(channel: str | None, campaign: str | None) -> str:
    """``Channel / Campaign`` by the naming convention the attribution reads (either part optional)."""
    parts = [tidy_name(p) for p in (channel, campaign) if p and tidy_name(p)]
    return " / ".join(parts)


