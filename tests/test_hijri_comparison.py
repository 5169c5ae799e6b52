"""Ramadan 1447 against Ramadan 1446 ("same Hijri dates last year") through every comparison: KPIs,
breakdowns, the source table, the chart's comparison line and ``export acquisition --compare``.

The cache (Asia/Riyadh, UTC+3; contacts at 10:00 local):

=======================  ==============================  ==================================
local day                Hijri                           contacts
=======================  ==============================  ==================================
2026-02-17               29 Sha'ban 1447 (outside)       1 Instagram
2026-02-18               1 Ramadan 1447                  2 Instagram
2026-03-01               12 Ramadan 1447                 1 no source
2026-03-19               30 Ramadan 1447                 1 Instagram
2026-03-20               1 Shawwal 1447 (outside)        1 Snapchat
2025-02-28               29 Sha'ban 1446 (outside)       1 Snapchat
2025-03-01               1 Ramadan 1446                  3 Instagram
2025-03-12               12 Ramadan 1446                 2 no source
2025-03-29               29 Ramadan 1446 (its last)      4 Snapchat
2025-03-30               1 Shawwal 1446 (outside)        5 Instagram
=======================  ==============================  ==================================

Hand count, Ramadan 1447 (18 Feb – 19 Mar 2026) vs Ramadan 1446 (1–29 Mar 2025): 4 vs 9 new
contacts; Instagram 3 vs 3, Unattributed 1 vs 2, Snapchat 0 vs 4 (seen only last Ramadan). By
day, 1 Ramadan 1447 (2 contacts) faces 1 Ramadan 1446 (3), and 29 and 30 Ramadan 1447 both face
29 Ramadan 1446 (4), the last day of the shorter month.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from rasl_data import cli
from rasl_data.analytics import acquisition, comparison, periods

TZ = "Asia/Riyadh"
RAMADAN_1447 = (date(2026, 2, 18), date(2026, 3, 19))
RAMADAN_1446 = (date(2025, 3, 1), date(2025, 3, 29))
ROWS = ([(date(2026, 2, 17), 1)] + [(date(2026, 2, 18), 1)] * 2 + [(date(2026, 3, 1), None), (date(2026, 3, 19), 1),
        (date(2026, 3, 20), 2), (date(2025, 2, 28), 2)] + [(date(2025, 3, 1), 1)] * 3
        + [(date(2025, 3, 12), None)] * 2 + [(date(2025, 3, 29), 2)] * 4 + [(date(2025, 3, 30), 1)] * 5)
NAMES = {1: "Instagram / Ramadan", 2: "Snapchat", None: "Unattributed"}


def _local_10am(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 7, tzinfo=timezone.utc)  # 10:00 in Riyadh


@pytest.fixture
def db(make_cache, tmp_path):
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return make_cache(
        tmp_path, name="ramadan.duckdb",
        sources=[dict(id=1, name=NAMES[1], created_at=t0, updated_at=t0),
                 dict(id=2, name=NAMES[2], created_at=t0, updated_at=t0)],
        contacts=[dict(id=i + 1, type="lead", source_id=s, created_at=_local_10am(d), updated_at=_local_10am(d))
                  for i, (d, s) in enumerate(ROWS)],
    )


def _filters() -> acquisition.Filters:
    return acquisition.Filters(*RAMADAN_1447, TZ)


def test_kpis_compare_ramadan_with_last_ramadan(db):
    k = acquisition.kpis(db, _filters(), "hijri_year")
    assert (k.new_contacts.value, k.new_contacts.previous) == (4, 9)
    assert k.unattributed_share.previous == pytest.approx(2 / 9)


def test_breakdown_and_source_table_keep_a_source_seen_only_last_ramadan(db):
    b = acquisition.breakdown(db, _filters(), "source", "hijri_year")
    got = {name: (int(n), int(p)) for name, n, p in zip(b["source"], b["new_contacts"], b["previous"])}
    assert got == {NAMES[1]: (3, 3), "Unattributed": (1, 2), NAMES[2]: (0, 4)}
    t = acquisition.source_table(db, _filters(), "hijri_year")
    got = {name: (int(n), int(p)) for name, n, p in zip(t["source"], t["new_contacts"], t["previous"])}
    assert got[NAMES[2]] == (0, 4) and got[NAMES[1]] == (3, 3)


def test_daily_comparison_line_pairs_1_ramadan_with_1_ramadan(db):
    line = comparison.comparison_series(db, _filters(), "hijri_year", "day")
    assert len(line) == 30  # every day of Ramadan 1447 has a counterpart
    by_day = {p: (c, int(n)) for p, c, n in zip(line["period_start"], line["comparison_start"], line["previous"])}
    assert by_day[date(2026, 2, 18)] == (date(2025, 3, 1), 3)      # 1 Ramadan ↔ 1 Ramadan
    assert by_day[date(2026, 3, 1)] == (date(2025, 3, 12), 2)      # 12 Ramadan ↔ 12 Ramadan
    assert by_day[date(2026, 3, 18)] == (date(2025, 3, 29), 4)     # 29 ↔ 29
    assert by_day[date(2026, 3, 19)] == (date(2025, 3, 29), 4)     # 30 ↔ the shorter month's last day
    assert sum(n for _, n in by_day.values()) == 3 + 2 + 4 + 4
    # By position ("last_year", 364 days earlier) the first day would face 19 Feb 2025 instead.
    positional = comparison.comparison_series(db, _filters(), "last_year", "day")
    assert positional["comparison_start"].iloc[0] == date(2025, 2, 19)


def test_weekly_comparison_line_pairs_by_position(db):
    f = acquisition.Filters(*RAMADAN_1447, TZ, "saturday")
    line = comparison.comparison_series(db, f, "hijri_year", "week")
    # Saturday weeks: 14 Feb .. 14 Mar 2026 (5) against 1 Mar .. 29 Mar 2025 (5): 3, 2, 0, 0, 4.
    assert list(line["period_start"]) == [date(2026, 2, 14) + timedelta(days=7 * i) for i in range(5)]
    assert list(line["comparison_start"]) == [date(2025, 3, 1) + timedelta(days=7 * i) for i in range(5)]
    assert [int(x) for x in line["previous"]] == [3, 2, 0, 0, 4]


def _oracle(other: tuple[date, date], by_day_previous) -> pd.DataFrame:
    """Every (day of Ramadan 1447, source value seen in it or in ``other``) with its count and the
    count of the paired day of ``other``, from the rows above with pandas."""
    df = pd.DataFrame(ROWS, columns=["day", "source_id"])
    df["source"] = [NAMES[None if pd.isna(s) else int(s)] for s in df["source_id"]]
    cur = df[(df["day"] >= RAMADAN_1447[0]) & (df["day"] <= RAMADAN_1447[1])]
    prev = df[(df["day"] >= other[0]) & (df["day"] <= other[1])]
    values = sorted(set(cur["source"]) | set(prev["source"]))
    days = [RAMADAN_1447[0] + timedelta(days=i) for i in range(30)]
    rows = []
    for i, d in enumerate(days):
        for v in values:
            rows.append({"period_start": d.isoformat(), "source": v,
                         "new_contacts": int(((cur["day"] == d) & (cur["source"] == v)).sum()),
                         "previous_new_contacts": int(((prev["day"] == by_day_previous(i)) & (prev["source"] == v)).sum())})
    return pd.DataFrame(rows).sort_values(["period_start", "source"]).reset_index(drop=True)


@pytest.mark.parametrize("flag, other, paired", [
    # Day i of Ramadan 1447 (30 days) ↔ day min(i, 28) of Ramadan 1446 (29 days).
    ("hijri-year", RAMADAN_1446, lambda i: RAMADAN_1446[0] + timedelta(days=min(i, 28))),
    # The 30 days just before: 19 Jan .. 17 Feb 2026, day by day (Snapchat in neither range).
    ("previous", (date(2026, 1, 19), date(2026, 2, 17)), lambda i: date(2026, 1, 19) + timedelta(days=i)),
])
def test_cli_export_compare_adds_previous_new_contacts_for_every_value_seen_in_either_range(
        db, tmp_path, monkeypatch, capsys, flag, other, paired):
    monkeypatch.setenv("RASL_CACHE_PATH", str(db.path))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    out = tmp_path / "compare.csv"
    assert cli.main(["export", "acquisition", "--by", "source", "--granularity", "day", "--start", "2026-02-18",
                     "--end", "2026-03-19", "--tz", TZ, "--compare", flag, "--out", str(out)]) == 0, capsys.readouterr()
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert list(rows[0]) == ["period_start", "source_id", "source", "new_contacts", "previous_new_contacts"]
    got = pd.DataFrame([{k: r[k] for k in ("period_start", "source")}
                        | {"new_contacts": int(r["new_contacts"]), "previous_new_contacts": int(r["previous_new_contacts"])}
                        for r in rows]).sort_values(["period_start", "source"]).reset_index(drop=True)
    want = _oracle(other, paired)
    pd.testing.assert_frame_equal(got, want)
    if flag == "hijri-year":
        snapchat = got[got["source"] == NAMES[2]]
        assert snapchat["new_contacts"].sum() == 0 and snapchat["previous_new_contacts"].sum() == 4 + 4


def test_cli_export_without_compare_has_no_previous_column_and_a_bad_compare_is_bad_input(
        db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RASL_CACHE_PATH", str(db.path))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    out = tmp_path / "plain.csv"
    base = ["export", "acquisition", "--by", "channel", "--start", "2026-02-18", "--end", "2026-03-19", "--tz", TZ]
    assert cli.main([*base, "--out", str(out)]) == 0
    assert next(csv.reader(out.open(encoding="utf-8-sig"))) == ["period_start", "channel", "new_contacts"]
    capsys.readouterr()
    assert cli.main([*base, "--compare", "hijri_year", "--out", str(out)]) == 2  # the flag is written hijri-year
    assert "invalid choice" in capsys.readouterr().err
    assert cli.main(["export", "acquisition", "--by", "channel", "--start", "1910-01-01", "--end", "1910-01-31",
                     "--compare", "hijri-year", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Umm al-Qura" in err and err.count("\n") == 1


def test_month_rows_without_a_counterpart_leave_previous_empty(db):
    df = comparison.acquisition_with_comparison(db, _filters(), "channel", "month", "hijri_year")
    # Feb and Mar 2026 against Mar 2025 alone: Feb 2026 faces Mar 2025, Mar 2026 has no counterpart.
    feb = df[df["period_start"] == date(2026, 2, 1)]
    mar = df[df["period_start"] == date(2026, 3, 1)]
    assert int(feb["previous_new_contacts"].sum()) == 9 and int(feb["new_contacts"].sum()) == 2
    assert mar["previous_new_contacts"].isna().all() and int(mar["new_contacts"].sum()) == 2
    assert periods.comparison_range(*RAMADAN_1447, "hijri_year") == RAMADAN_1446
