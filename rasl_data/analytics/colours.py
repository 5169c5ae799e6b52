"""Series colours shared by every chart: the dashboard's pages and the weekly pack's HTML/PNG.

One function decides a series' colour so a source looks the same everywhere:

* a **source** takes the palette slot of its rank by all-time contacts (largest first, ties by
  id; ``source_order``), so the biggest sources never share a colour, and its colour follows its
  RASL id, never its name (a rename keeps it);
* a **channel** has a fixed colour (``CHANNEL_COLOURS``), brand-like where the brands stay apart;
* a **campaign** takes the slot of its rank by all-time contacts (``campaign_order``), a **group**
  the slot of its rank by members (``group_order``); other names (statuses) hash into the palette;
  "No campaign" and "No group" share a muted ochre (``NONE_COLOUR``);
* **Unattributed** (no source, or a deleted one) is the only grey (``UNATTRIBUTED_COLOUR``);
* **Other** (the series summed past a chart's limit) is a hatched sand (``OTHER_COLOUR`` with
  ``OTHER_PATTERN``), neither grey nor a palette colour;
* the dashed comparison line has its own colour (``COMPARISON_COLOUR``).

``PALETTE`` was picked by farthest-point selection in CIELAB (CIEDE2000): each colour is the
candidate farthest from the ones before it and from the reserved colours above, so neighbours
in the palette differ by ΔE00 ≥ 25 and any two of the 19 by ≥ 12. Every colour is a mid tone
(CIELAB L* 35–82) that reads on the light and the dark theme. No streamlit here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pandas as pd

from rasl_data.analytics.attribution import NO_CAMPAIGN, UNATTRIBUTED, UNMAPPED  # noqa: F401 (re-exported)
from rasl_data.analytics.contacts_sql import NO_GROUP

PALETTE: tuple[str, ...] = (
    "#4E79A7", "#B82E2E", "#117733", "#FF9DA7", "#FE6100", "#22AA99", "#6A3D9A", "#66AA00",
    "#88CCEE", "#DC267F", "#9C755F", "#FFB000", "#B07AA1", "#BCBD22", "#785EF0", "#8CD17D",
    "#0099C6", "#E15759", "#D4A6C8",
)
UNATTRIBUTED_COLOUR = "#9E9E9E"
OTHER_COLOUR = "#C9B38A"
OTHER_PATTERN = "/"  # Plotly bar pattern shape: the hatch tells "Other" apart at a glance
OTHER_LABELS = frozenset({"Other", "Other sources"})
COMPARISON_COLOUR = "#E040FB"
# "No campaign", "No group": contacts outside every campaign or group (the 20th colour the
# selection found, kept out of the palette so no campaign or group shares it).
NONE_COLOUR = "#B6992D"
CHANNEL_COLOURS: dict[str, str] = {
    "WhatsApp": "#66AA00", "Facebook": "#4E79A7", "Instagram": "#DC267F", "TikTok": "#22AA99",
    "Snapchat": "#FFB000", "Google Ads": "#FE6100", "Google Search": "#E15759", "X (Twitter)": "#88CCEE",
    "LinkedIn": "#0099C6", "YouTube": "#B82E2E", "Email": "#B07AA1", "SMS": "#6A3D9A",
    "Website": "#117733", "Referral": "#FF9DA7", "Manual import": "#9C755F", "Integration": "#785EF0",
    UNMAPPED: "#D4A6C8", NO_CAMPAIGN: NONE_COLOUR, UNATTRIBUTED: UNATTRIBUTED_COLOUR,
}


def _missing(key: Any) -> bool:
    if key is None or key is pd.NA:
        return True
    try:
        return bool(pd.isna(key))
    except (TypeError, ValueError):
        return False


def hashed_colour(name: str) -> str:
    """A palette colour for a free name (group, status): the same name always gets the same one."""
    digest = int(hashlib.sha1(str(name).encode()).hexdigest()[:8], 16)
    return PALETTE[digest % len(PALETTE)]


@dataclass(frozen=True)
class SeriesColours:
    """Colour of every chart series of one workspace.

    ``source_order``: live source ids, largest all-time first (``source_order(db)``);
    ``campaign_order``: campaign names, largest all-time first (``campaign_order(db)``);
    ``group_order``: live group ids, most members first (``group_order(db)``). All may be empty
    (then sources and groups colour by ``id % len(PALETTE)``, campaigns by a hash of the name).
    """

    source_order: tuple[int, ...] = ()
    campaign_order: tuple[str, ...] = ()
    group_order: tuple[int, ...] = ()
    _source_slot: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _campaign_slot: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _group_slot: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._source_slot.update({int(s): i for i, s in enumerate(self.source_order)})
        self._campaign_slot.update({str(c): i for i, c in enumerate(self.campaign_order)})
        self._group_slot.update({int(g): i for i, g in enumerate(self.group_order)})

    def source(self, source_id: Any) -> str:
        """``#RRGGBB`` of a source id; ``None``/NA (Unattributed) is grey."""
        if _missing(source_id) or source_id == "" or source_id == UNATTRIBUTED:
            return UNATTRIBUTED_COLOUR
        if isinstance(source_id, str) and source_id in OTHER_LABELS:
            return OTHER_COLOUR
        sid = int(source_id)
        return PALETTE[self._source_slot.get(sid, sid) % len(PALETTE)]

    def channel(self, name: Any) -> str:
        """``#RRGGBB`` of a channel name: its fixed colour, else a hash of the name."""
        if _missing(name):
            return UNATTRIBUTED_COLOUR
        if str(name) in OTHER_LABELS:
            return OTHER_COLOUR
        return CHANNEL_COLOURS.get(str(name)) or hashed_colour(str(name))

    def campaign(self, name: Any) -> str:
        """``#RRGGBB`` of a campaign name: by its all-time rank, else a hash of the name."""
        if _missing(name) or str(name) == UNATTRIBUTED:
            return UNATTRIBUTED_COLOUR
        name = str(name)
        if name in OTHER_LABELS:
            return OTHER_COLOUR
        if name == NO_CAMPAIGN:
            return NONE_COLOUR
        slot = self._campaign_slot.get(name)
        return hashed_colour(name) if slot is None else PALETTE[slot % len(PALETTE)]

    def group(self, group_id: Any) -> str:
        """``#RRGGBB`` of a group id; ``None``/NA ("No group") is the muted ochre, not grey."""
        if _missing(group_id) or group_id == "" or group_id == NO_GROUP:
            return NONE_COLOUR
        if isinstance(group_id, str) and group_id in OTHER_LABELS:
            return OTHER_COLOUR
        gid = int(group_id)
        return PALETTE[self._group_slot.get(gid, gid) % len(PALETTE)]

    def name(self, name: Any) -> str:
        """``#RRGGBB`` of any other series (group, status): Unattributed grey, Other sand, else hashed."""
        if _missing(name) or str(name) == UNATTRIBUTED:
            return UNATTRIBUTED_COLOUR
        if str(name) in OTHER_LABELS:
            return OTHER_COLOUR
        return hashed_colour(str(name))

    def of(self, kind: str, key: Any) -> str:
        """The colour of series ``key`` of dimension ``kind`` (``source`` takes a source id,
        ``group`` a group id, ``channel``/``campaign`` a name, anything else a name hashed)."""
        if kind == "source":
            return self.source(key)
        if kind == "group":
            return self.group(key)
        if kind == "channel":
            return self.channel(key)
        if kind == "campaign":
            return self.campaign(key)
        return self.name(key)


def source_order(db) -> list[int]:
    """Live source ids, most all-time contacts first (ties by smaller id): the order palette
    slots are handed out. Reads ``sources`` and ``contacts``."""
    from rasl_data.analytics import source_names

    df = source_names.live_sources(db)
    return [int(i) for i in df.sort_values(["contacts", "source_id"], ascending=[False, True])["source_id"]]


def campaign_order(db) -> list[str]:
    """Campaign names, most all-time contacts first (ties by name), without ``No campaign``.
    Reads ``sources``, ``contacts``, ``channel_rules``, ``source_labels``."""
    from rasl_data.analytics import attribution, source_names

    counts = source_names.live_sources(db)[["source_id", "contacts"]]
    try:
        attr = attribution.source_attribution(db)[["source_id", "campaign"]]
    except ValueError:  # invalid saved rules: campaigns fall back to hashed colours
        return []
    df = attr.merge(counts, on="source_id", how="left").fillna({"contacts": 0})
    df = df[df["campaign"].notna() & (df["campaign"] != NO_CAMPAIGN)]
    totals = df.groupby("campaign")["contacts"].sum().reset_index()
    totals = totals.sort_values(["contacts", "campaign"], ascending=[False, True], kind="stable")
    return [str(c) for c in totals["campaign"]]


def group_order(db) -> list[int]:
    """Live group ids, most members first (ties by smaller id). Reads ``groups``, ``contact_groups``."""
    df = db.query(
        "SELECT g.id AS group_id, count(cg.contact_id) AS members FROM groups g "
        "LEFT JOIN contact_groups cg ON cg.group_id = g.id WHERE g.deleted_at IS NULL "
        "GROUP BY g.id ORDER BY members DESC, g.id"
    )
    return [int(i) for i in df["group_id"]]


def series_colours(db) -> SeriesColours:
    """The workspace's ``SeriesColours`` from the cache (``source_order``, ``campaign_order``,
    ``group_order``)."""
    return SeriesColours(tuple(source_order(db)), tuple(campaign_order(db)), tuple(group_order(db)))


def bar_marker(label: str, colour: str) -> dict:
    """Plotly ``marker`` of a bar series: the colour, plus the hatch when ``label`` is Other."""
    if str(label) in OTHER_LABELS:
        return dict(color=OTHER_COLOUR, pattern=dict(shape=OTHER_PATTERN, fgcolor="#6B5B3E", solidity=0.25))
    return dict(color=colour)


def unique_labels(names: Iterable, ids: Sequence) -> list[str]:
    """Series labels, one per id: a name shared by two ids gets `` (#id)`` appended.

    Plotly groups traces by label, so two sources with the same shown name would merge.
    """
    names = [str(n) for n in names]
    ids = list(ids)
    by_name: dict[str, set] = {}
    for n, i in zip(names, ids):
        by_name.setdefault(n, set()).add(None if _missing(i) else i)
    return [f"{n} (#{i})" if len(by_name[n]) > 1 and not _missing(i) else n for n, i in zip(names, ids)]


def status_colours(db) -> dict[str, str]:
    """RASL's own colour of each status, ``{status name: "#RRGGBB"}`` (statuses without one left out).

    Reads table ``statuses`` (deleted statuses included: contacts may still carry them).
    """
    df = db.query("SELECT name, color FROM statuses WHERE color IS NOT NULL AND color <> ''")
    return {str(n): str(c) for n, c in zip(df["name"], df["color"]) if str(c).startswith("#")}
