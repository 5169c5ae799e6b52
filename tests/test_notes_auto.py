"""Automatic notes on a fixture compared with hand-written expectations: a source created on a
known date, a rename recorded by a sync against the emulator, Ramadan 1447 and the Eids
(Umm al-Qura dates written by hand), and a gap in the sync history."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from rasl_data.access import LOCAL_ACTOR
from rasl_data.analytics import notes as auto
from rasl_data.api.client import RaslClient
from rasl_data.cache import store
from rasl_data.cache.sync import sync
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, empty_tenant

UTC = timezone.utc


def ts(*args) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


@pytest.fixture
def world(tmp_path):
    """Two syncs against the emulator: Instagram created 10 Feb 2026 22:30 UTC (11 Feb in Riyadh),
    renamed in RASL on 20 Mar 2026 09:00 UTC between the syncs; then a hand-set sync history."""
    tenant = empty_tenant(as_of=datetime(2026, 4, 1, tzinfo=UTC))
    tenant.add_source("Instagram / Ramadan", at=ts(2026, 2, 10, 22, 30))
    tenant.add_source("TikTok", at=ts(2025, 6, 1, 8, 0))
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "auto.duckdb"
    with RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=app.transport()) as client:
        assert sync(client, path, now=datetime(2026, 3, 1, 10, tzinfo=UTC)).outcome == "success"
        tenant.rename_source(1, "Instagram / Eid", at=ts(2026, 3, 20, 9, 0))
        assert sync(client, path, now=datetime(2026, 3, 22, 10, tzinfo=UTC)).outcome == "success"
    with store.write_transaction(path) as con:
        # The history as if these syncs ran on these days (hand-set: the runs above used the real clock):
        # successes on 1 Mar and 22 Mar 2026 (a 21-day gap), 23 Mar, then none until "now" = 28 Mar 12:00.
        con.execute("DELETE FROM sync_runs")
        for i, (finished, outcome) in enumerate([
            (datetime(2026, 3, 1, 10, tzinfo=UTC), "success"),
            (datetime(2026, 3, 10, 10, tzinfo=UTC), "failed"),
            (datetime(2026, 3, 22, 10, tzinfo=UTC), "success"),
            (datetime(2026, 3, 23, 10, tzinfo=UTC), "success"),
        ], start=1):
            con.execute("INSERT INTO sync_runs (id, started_at, finished_at, mode, outcome) VALUES (?, ?, ?, 'full', ?)",
                        [i, finished - timedelta(minutes=1), finished, outcome])
    reader = store.Reader(path)
    yield reader
    reader.close()


NOW = datetime(2026, 3, 28, 12, tzinfo=UTC)


def rows(df) -> list[tuple]:
    return [(r.kind, r.start, r.end, r.text, None if r.source_id is None or r.source_id != r.source_id else int(r.source_id))
            for r in df.astype(object).where(df.notna(), None).itertuples()]


def test_every_automatic_note_of_february_and_march_2026(world):
    got = rows(auto.notes(world, date(2026, 2, 1), date(2026, 3, 31), tz="Asia/Riyadh", now=NOW))
    assert got == [
        ("source_created", date(2026, 2, 11), date(2026, 2, 11), "Source created: Instagram / Ramadan", 1),
        ("ramadan", date(2026, 2, 18), date(2026, 3, 19), "Ramadan 1447 AH", None),
        ("sync_gap", date(2026, 3, 1), date(2026, 3, 22), "No successful sync for 21 days", None),
        ("source_renamed", date(2026, 3, 20), date(2026, 3, 20), "Source renamed: Instagram / Ramadan → Instagram / Eid", 1),
        ("eid", date(2026, 3, 20), date(2026, 3, 26), "Eid al-Fitr 1447 AH", None),
        ("sync_gap", date(2026, 3, 23), date(2026, 3, 28), "No successful sync for 5 days", None),
    ]


def test_the_rename_is_recorded_by_the_sync_with_rasls_time(world):
    renames = world.query("SELECT source_id, old_name, new_name, renamed_at, via FROM source_renames")
    assert renames.values.tolist()[0][:3] == [1, "Instagram / Ramadan", "Instagram / Eid"]
    assert renames["renamed_at"].iloc[0] == datetime(2026, 3, 20, 9, tzinfo=UTC)
    assert renames["via"].tolist() == ["sync"]


def test_each_kind_can_be_switched_off(world):
    everything = auto.notes(world, date(2026, 2, 1), date(2026, 3, 31), tz="Asia/Riyadh", now=NOW)
    for kind in auto.KINDS:
        kept = [k for k in auto.KINDS if k != kind]
        without = auto.notes(world, date(2026, 2, 1), date(2026, 3, 31), tz="Asia/Riyadh", kinds=kept, now=NOW)
        assert kind not in set(without["kind"])
        assert len(without) == int((everything["kind"] != kind).sum())
    assert auto.notes(world, date(2026, 2, 1), date(2026, 3, 31), kinds=[], now=NOW).empty
    with pytest.raises(ValueError, match="unknown note kind"):
        auto.notes(world, date(2026, 2, 1), date(2026, 3, 31), kinds=["holiday"])


def test_created_day_follows_the_business_time_zone(world):
    utc_days = auto.notes(world, date(2026, 2, 1), date(2026, 2, 28), tz="UTC", kinds=["source_created"])
    assert list(utc_days["start"]) == [date(2026, 2, 10)]  # 22:30 UTC is still the 10th in UTC


def test_eid_al_adha_and_ramadan_of_other_years():
    # Umm al-Qura dates written by hand: Ramadan 1446 = 1-29 Mar 2025, Eid al-Adha 1447 = 27 May 2026.
    got = auto._calendar(date(2025, 3, 1), date(2026, 6, 30), ("ramadan", "eid"))
    assert [(g["kind"], g["start"], g["end"], g["text"]) for g in got] == [
        ("ramadan", date(2025, 3, 1), date(2025, 3, 29), "Ramadan 1446 AH"),
        ("eid", date(2025, 3, 30), date(2025, 4, 5), "Eid al-Fitr 1446 AH"),
        ("eid", date(2025, 6, 6), date(2025, 6, 12), "Eid al-Adha 1446 AH"),
        ("ramadan", date(2026, 2, 18), date(2026, 3, 19), "Ramadan 1447 AH"),
        ("eid", date(2026, 3, 20), date(2026, 3, 26), "Eid al-Fitr 1447 AH"),
        ("eid", date(2026, 5, 27), date(2026, 6, 2), "Eid al-Adha 1447 AH"),
    ]


def test_a_range_cutting_ramadan_still_gets_the_whole_span(world):
    got = auto.notes(world, date(2026, 3, 10), date(2026, 3, 12), kinds=["ramadan"])
    assert rows(got) == [("ramadan", date(2026, 2, 18), date(2026, 3, 19), "Ramadan 1447 AH", None)]


def test_manual_notes_are_included_and_a_dashboard_rename_is_recorded(tmp_path):
    from apptest_support import make_workspace

    tenant = empty_tenant(as_of=datetime(2026, 4, 1, tzinfo=UTC))
    tenant.add_source("Snap", at=ts(2026, 1, 5, 8, 0))
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    ws = make_workspace(tmp_path, tmp_path / "ws.duckdb", token=DEMO_TOKEN, transport=app.transport())
    assert ws.sync().outcome == "success"
    before = datetime.now(UTC).date()
    ws.rename_source(1, "Snapchat", actor=LOCAL_ACTOR)
    after = datetime.now(UTC).date()
    ws.add_annotation(date(2026, 1, 6), "Launch", end=date(2026, 1, 8), actor=LOCAL_ACTOR)
    got = auto.notes(ws.reader, date(2026, 1, 1), after, kinds=["manual", "source_renamed"])
    assert [(r.kind, r.start, r.end, r.text) for r in got.itertuples()][0] == (
        "manual", date(2026, 1, 6), date(2026, 1, 8), "Launch")
    renamed = got.iloc[1]
    assert (renamed["kind"], renamed["text"]) == ("source_renamed", "Source renamed: Snap → Snapchat")
    assert renamed["start"] in {before, after} and renamed["end"] == renamed["start"]
    # A sync afterwards sees no new name, so the rename is recorded once.
    assert ws.sync().outcome == "success"
    assert ws.reader.query("SELECT count(*) AS n, min(via) AS via FROM source_renames").values.tolist() == [[1, "dashboard"]]


def test_automatic_notes_speak_arabic_from_the_catalog(world):
    from babel.messages.pofile import read_po

    from rasl_data import i18n

    with i18n.po_path("ar").open("rb") as fh:
        po = read_po(fh, locale="ar")
    with i18n.use("ar", "arabic-indic"):
        got = auto.notes(world, date(2026, 2, 1), date(2026, 3, 31), tz="Asia/Riyadh", now=NOW,
                         kinds=["ramadan", "source_renamed"])
    assert list(got["text"]) == [
        po.get("Ramadan {year} AH").string.format(year="١٤٤٧"),
        po.get("Source renamed: {old} → {new}").string.format(old="Instagram / Ramadan", new="Instagram / Eid"),
    ]
    assert "رمضان" in got["text"].iloc[0]  # the glossary's word, hand-written
