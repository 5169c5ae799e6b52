"""Every note to draw on the time charts of a date range: written by people and automatic.

``notes(db, start, end, tz=..., kinds=...)`` returns one row per note (``COLUMNS``):

* ``manual``: the notes people wrote (table ``annotations``, ``rasl_data.cache.notes``);
* ``source_created``: a source's ``created_at`` (table ``sources``, deleted sources too), as a local day,
  under the name it had then (the old name of its first recorded rename);
* ``source_renamed``: a rename a sync saw or the dashboard made (table ``source_renames``), on the
  local day of ``renamed_at`` (RASL's ``updated_at`` of the source when the sync saw the new name);
* ``ramadan``: Ramadan of each Hijri year, one span from 1 Ramadan to its last day (Umm al-Qura,
  ``rasl_data.analytics.hijri``): Ramadan 1447 AH is 2026-02-18 .. 2026-03-19;
* ``eid``: Eid al-Fitr and Eid al-Adha, each the span of its Eid week (the Eid and the six days
  after, ``hijri.eid_al_fitr`` / ``hijri.eid_al_adha``);
* ``sync_gap``: a stretch without a successful sync longer than ``SYNC_GAP_DAYS`` days (table
  ``sync_runs``): from the local day a successful sync finished to the day the next one finished,
  or to today while it lasts. Contacts keep their own creation time, so acquisition charts do not
  dip in a gap; what a gap moves is everything the sync observes (status and type changes, hence
  conversion timing), which lands on the day of the next sync.

Texts are in the interface language in effect (``rasl_data.i18n``); names in them are data.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable

import pandas as pd

from rasl_data.analytics import hijri, periods
from rasl_data.cache import notes as table
from rasl_data.i18n import N_, _, localise_digits, ngettext

KINDS = ("manual", "source_created", "source_renamed", "ramadan", "eid", "sync_gap")
KIND_LABELS = {
    "manual": N_("Notes written by people"),
    "source_created": N_("Sources created"),
    "source_renamed": N_("Sources renamed"),
    "ramadan": N_("Ramadan"),
    "eid": N_("Eid al-Fitr and Eid al-Adha"),
    "sync_gap": N_("Gaps in the sync"),
}
"""What the switch of each kind says (translate where shown: ``_(KIND_LABELS[kind])``)."""
COLUMNS = ["kind", "start", "end", "text", "source_id"]
SYNC_GAP_DAYS = 3
"""A stretch longer than this many days (72 hours) without a successful sync is a ``sync_gap`` note."""


def check_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    """``kinds`` as a tuple in ``KINDS`` order (``None`` → all); ``ValueError`` for an unknown kind."""
    if kinds is None:
        return KINDS
    picked = set(kinds)
    unknown = picked - set(KINDS)
    if unknown:
        raise ValueError(f"unknown note kind(s) {sorted(unknown)}; expected some of {', '.join(KINDS)}")
    return tuple(k for k in KINDS if k in picked)


def _local_day(moment, tz: str) -> date:
    return pd.Timestamp(moment).tz_convert(periods.zone(tz)).date()


def _year(n: int) -> str:
    return localise_digits(str(n))


def _manual(db, start: date, end: date) -> list[dict]:
    rows = table.read_notes(db, start, end)
    return [dict(kind="manual", start=r.start, end=r.end or r.start, text=r.text, source_id=None)
            for r in rows.itertuples()]


def _created(db, start: date, end: date, tz: str) -> list[dict]:
    lo, hi = periods.utc_window(start, end)
    df = db.query("SELECT id, name, created_at FROM sources WHERE created_at >= ? AND created_at < ? "
                  "ORDER BY created_at, id", [lo, hi])
    # Named as it was when created: the old name of its first recorded rename, else its name now.
    renames = table.read_renames(db)
    first_names = {int(r.source_id): r.old_name for r in renames.iloc[::-1].itertuples()}
    out = []
    for r in df.itertuples():
        day = _local_day(r.created_at, tz)
        if not start <= day <= end:  # the window has a day of margin each side for any zone
            continue
        out.append(dict(kind="source_created", start=day, end=day, source_id=int(r.id),
                        text=_("Source created: {name}").format(name=first_names.get(int(r.id), r.name))))
    return out


def _renamed(db, start: date, end: date, tz: str) -> list[dict]:
    df = table.read_renames(db)
    out = []
    for r in df.itertuples():
        if pd.isna(r.renamed_at):
            continue
        day = _local_day(r.renamed_at, tz)
        if start <= day <= end:
            out.append(dict(kind="source_renamed", start=day, end=day, source_id=int(r.source_id),
                            text=_("Source renamed: {old} → {new}").format(old=r.old_name, new=r.new_name)))
    return out


def _hijri_years(start: date, end: date) -> range:
    lo, hi = max(start, hijri.FIRST_DAY), min(end, hijri.LAST_DAY)
    if lo > hi:
        return range(0)
    # A year's Ramadan or Eid al-Adha may start before ``lo``'s Hijri year and reach into the range.
    return range(max(hijri.to_hijri(lo).year - 1, 1343), min(hijri.to_hijri(hi).year, 1500) + 1)


def _calendar(start: date, end: date, kinds: tuple[str, ...]) -> list[dict]:
    out = []
    for year in _hijri_years(start, end):
        spans = []
        if "ramadan" in kinds:
            spans.append(("ramadan", hijri.ramadan(year), _("Ramadan {year} AH").format(year=_year(year))))
        if "eid" in kinds:
            spans.append(("eid", hijri.eid_al_fitr(year), _("Eid al-Fitr {year} AH").format(year=_year(year))))
            if year < 1500 or hijri.to_gregorian(year, hijri.DHU_AL_HIJJAH, 10) <= hijri.LAST_DAY:
                spans.append(("eid", hijri.eid_al_adha(year), _("Eid al-Adha {year} AH").format(year=_year(year))))
        for kind, (first, last), text in spans:
            if first <= end and last >= start:
                out.append(dict(kind=kind, start=first, end=last, text=text, source_id=None))
    return out


def _gap_text(days: int) -> str:
    return ngettext("No successful sync for {days} day", "No successful sync for {days} days",
                    days).format(days=localise_digits(str(days)))


def sync_gaps(db, tz: str = "UTC", gap_days: float = SYNC_GAP_DAYS, now: datetime | None = None) -> list[dict]:
    """The stretches without a successful sync longer than ``gap_days`` days (table ``sync_runs``).

    Each is ``{"start", "end"}`` (local dates in ``tz``: the day the last successful sync before it
    finished, and the day the next one finished or, while it lasts, the day of ``now``) and
    ``days`` (whole days it lasted). ``now`` defaults to the current UTC time. No successful sync
    yet gives none.
    """
    now = now or datetime.now(timezone.utc)
    df = db.query("SELECT finished_at FROM sync_runs WHERE outcome = 'success' AND finished_at IS NOT NULL "
                  "ORDER BY finished_at")
    moments = [pd.Timestamp(t) for t in df["finished_at"]]
    if not moments:
        return []
    limit = timedelta(days=gap_days)
    out = []
    for before, after in zip(moments, [*moments[1:], pd.Timestamp(now)]):
        if after - before > limit:
            out.append({"start": _local_day(before, tz), "end": _local_day(after, tz),
                        "days": int((after - before) / timedelta(days=1))})
    return out


def notes(db, start: date, end: date, *, tz: str = "UTC", kinds: Iterable[str] | None = None,
          gap_days: float = SYNC_GAP_DAYS, now: datetime | None = None) -> pd.DataFrame:
    """Every note touching local dates ``start..end`` (inclusive) as a DataFrame of ``COLUMNS``.

    ``kind`` is one of ``KINDS``; ``start``/``end`` are ``datetime.date`` (``end == start`` for a
    single day); ``text`` is one line in the interface language (names as typed); ``source_id``
    (Int64) is the source of ``source_created``/``source_renamed`` notes, else NA. Sorted by
    ``start``, then ``KINDS`` order. ``kinds`` picks the kinds to include (default all: pass fewer
    to switch kinds off); ``tz`` is the business's IANA zone for the days of timestamps;
    ``gap_days``/``now`` as ``sync_gaps``. Reads tables ``annotations``, ``sources``,
    ``source_renames`` and ``sync_runs`` through ``db`` (a ``store.Reader``). Raises ``ValueError``
    for an unknown kind or zone, or ``end`` before ``start``.
    """
    picked = check_kinds(kinds)
    periods.zone(tz)
    if end < start:
        raise ValueError(f"the end {end.isoformat()} is before the start {start.isoformat()}")
    rows: list[dict] = []
    if "manual" in picked:
        rows += _manual(db, start, end)
    if "source_created" in picked:
        rows += _created(db, start, end, tz)
    if "source_renamed" in picked:
        rows += _renamed(db, start, end, tz)
    rows += _calendar(start, end, picked)
    if "sync_gap" in picked:
        for gap in sync_gaps(db, tz, gap_days, now):
            if gap["start"] <= end and gap["end"] >= start:
                rows.append(dict(kind="sync_gap", start=gap["start"], end=gap["end"], text=_gap_text(gap["days"]),
                                 source_id=None))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["source_id"] = df["source_id"].astype("Int64")
    df["_order"] = [KINDS.index(k) for k in df["kind"]]
    df = df.sort_values(["start", "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    return df
