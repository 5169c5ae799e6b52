"""Spend: shares of a date range, checking a file whole (line numbers), saving through the
workspace with the role check and the audit log, and the ``spend`` CLI."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pandas as pd
import pytest

from rasl_data.access import CLI_ACTOR, LOCAL_VIEWER, AccessDeniedError
from rasl_data.analytics import spend
from rasl_data.cache import audit
from rasl_data.cache.workspace import Workspace
from rasl_data.cli import main
from rasl_data.settings import load_settings

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
SOURCES = [dict(id=1, name="Facebook / Ramadan", created_at=T0), dict(id=2, name="واتساب", created_at=T0),
           dict(id=3, name="Google Ads", created_at=T0)]


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(spend.COLUMNS, r)) for r in rows], columns=spend.COLUMNS)


@pytest.fixture
def ws(tmp_path, make_cache):
    reader = make_cache(tmp_path, name="sp.duckdb", sources=SOURCES)
    settings = load_settings({"RASL_CACHE_PATH": str(reader.path)}, secrets_path=tmp_path / "none.toml", environ={})
    return Workspace(settings)


def test_300_over_30_days_gives_a_10_day_range_100():
    rows = pd.DataFrame({"start": [date(2026, 11, 1)], "end": [date(2026, 11, 30)], "amount": [300.0]})
    assert spend.shares(rows, date(2026, 11, 11), date(2026, 11, 20)).iloc[0] == pytest.approx(100.0)
    # Partly outside: 2026-11-25..12-05 overlaps 6 days of November → 60.
    assert spend.shares(rows, date(2026, 11, 25), date(2026, 12, 5)).iloc[0] == pytest.approx(60.0)
    # One day, both ends included: a row of a single day keeps its whole amount.
    one = pd.DataFrame({"start": [date(2026, 11, 3)], "end": [date(2026, 11, 3)], "amount": [42.0]})
    assert spend.shares(one, date(2026, 11, 3), date(2026, 11, 3)).iloc[0] == pytest.approx(42.0)
    assert spend.shares(one, date(2026, 11, 4), date(2026, 11, 9)).iloc[0] == 0


def test_names_match_ignoring_case_spaces_tatweel_and_unicode_form(ws):
    saved = ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "  facebook /  RAMADAN ", "300"),
                                ("2026-11-01", "2026-11-30", "source", "واتـــساب", "90"),
                                ("2026-11-01", "2026-11-30", "campaign", "ＲＡＭＡＤＡＮ", "60")),
                          actor=CLI_ACTOR, replace=True)
    # Saved under the dashboard's own spelling, with the source's id.
    assert list(saved["name"]) == ["Facebook / Ramadan", "واتساب", "Ramadan"]
    assert (saved["source_id"].iloc[0], saved["source_id"].iloc[1]) == (1, 2) and pd.isna(saved["source_id"].iloc[2])
    back = spend.read_spend(ws.reader)
    assert back["amount"].sum() == pytest.approx(450.0)


def test_bad_file_is_refused_whole_with_line_numbers_and_nothing_saved(ws):
    ws.save_spend(frame(("2026-10-01", "2026-10-31", "source", "Google Ads", "100")), actor=CLI_ACTOR, replace=True)
    before = spend.read_spend(ws.reader)
    bad = frame(
        ("2026-11-01", "2026-11-30", "source", "Facebook / Ramadan", "300"),   # line 2: fine alone
        ("2026-11-10", "2026-11-01", "source", "Google Ads", "10"),            # line 3: reversed
        ("2026-11-01", "2026-11-30", "source", "Tiktok Launch", "10"),         # line 4: unknown name
        ("2026-11-01", "2026-11-30", "channel", "Google Ads", "-5"),           # line 5: negative
        ("2026-11-01", "2026-11-30", "campaign", "Ramadan", "1,200"),          # line 6: not a plain number
        ("2026-11-15", "2026-12-15", "source", "facebook / ramadan", "50"),   # line 7: overlaps line 2
        ("2026-10-31", "2026-11-02", "source", "Google Ads", "5"),             # line 8: overlaps saved
        ("2026-13-01", "2026-11-30", "channel", "Facebook", "abc"),            # line 9: bad date and amount
    )
    with pytest.raises(spend.SpendError) as info:
        ws.save_spend(bad, actor=CLI_ACTOR, replace=False)
    by_line = {int(p.split(":")[0].split()[1]): p for p in info.value.problems}
    assert sorted(by_line) == [2, 3, 4, 5, 6, 8, 9]  # 2 and 7 overlap: reported on the first line
    assert "before start" in by_line[3]
    assert "no source is named 'Tiktok Launch'" in by_line[4]
    assert "negative" in by_line[5]
    assert "plain number" in by_line[6]
    assert "overlaps line 7" in by_line[2]
    assert "overlaps saved spend 2026-10-01 to 2026-10-31" in by_line[8]
    assert "start" in by_line[9] and "amount" in by_line[9]
    assert info.value.unmatched == ["source: Tiktok Launch"]
    after = spend.read_spend(ws.reader)
    pd.testing.assert_frame_equal(before, after)


def test_replace_swaps_all_saved_spend_and_add_keeps_it(ws):
    ws.save_spend(frame(("2026-10-01", "2026-10-31", "source", "Google Ads", "100")), actor=CLI_ACTOR, replace=True)
    ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "Google Ads", "200")), actor=CLI_ACTOR, replace=False)
    assert spend.read_spend(ws.reader)["amount"].tolist() == [100.0, 200.0]
    ws.save_spend(frame(("2026-10-01", "2026-10-31", "source", "Google Ads", "7")), actor=CLI_ACTOR, replace=True)
    assert spend.read_spend(ws.reader)["amount"].tolist() == [7.0]


def test_viewer_is_refused_in_the_data_layer_and_the_refusal_is_audited(ws):
    with pytest.raises(AccessDeniedError):
        ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "Google Ads", "1")), actor=LOCAL_VIEWER,
                      replace=True)
    assert spend.read_spend(ws.reader).empty
    log = audit.read_log(ws.reader)
    assert list(log["action"]) == ["spend.import"] and list(log["outcome"]) == ["refused"]


def test_saved_spend_is_audited_with_totals_before_and_after(ws):
    ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "Google Ads", "300")), actor=CLI_ACTOR, replace=True,
                  origin="nov.csv")
    row = audit.read_log(ws.reader).iloc[0]
    assert (row["action"], row["outcome"], row["actor"], row["object_name"]) == ("spend.import", "done", "cli", "nov.csv")
    assert '"total": 300.0' in row["after"] and '"rows": 0' in row["before"]


def test_xlsx_upload_reads_dates_and_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.append(["Start", "End", "Level", "Name", "Amount"])
    sheet.append([datetime(2026, 11, 1), datetime(2026, 11, 30), "source", "Google Ads", 300])
    buf = io.BytesIO()
    wb.save(buf)
    rows = spend.read_table_file(buf.getvalue(), "spend.xlsx")
    targets = spend.Targets({"source": {"google ads": ("Google Ads", 3)}, "campaign": {}, "channel": {}})
    clean = spend.validate(rows, targets)
    assert clean.iloc[0]["start"] == date(2026, 11, 1) and clean.iloc[0]["amount"] == 300.0


def run_cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_refuses_with_exit_2_and_lines_then_imports_and_exports(ws, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    cache = str(ws.cache_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end,level,name,amount\n2026-11-01,2026-11-30,source,Nope,10\n"
                   "2026-11-05,2026-11-01,source,Google Ads,10\n", encoding="utf-8")
    code, out, err = run_cli(["spend", "import", str(bad), "--cache", cache], capsys)
    assert code == 2
    assert "line 2: no source is named 'Nope'" in err and "line 3: end 2026-11-01 is before start" in err
    assert "source: Nope" in err
    good = tmp_path / "good.csv"
    good.write_text("\ufeffstart,end,level,name,amount\n2026-11-01,2026-11-30,source,google ads,300\n", encoding="utf-8")
    code, out, err = run_cli(["spend", "import", str(good), "--cache", cache], capsys)
    assert code == 0, err
    code, out, err = run_cli(["spend", "import", str(good), "--cache", cache], capsys)
    assert code == 2 and "--replace" in err  # the same month again overlaps the saved row
    code, out, err = run_cli(["spend", "import", str(good), "--replace", "--cache", cache], capsys)
    assert code == 0, err
    dest = tmp_path / "out.csv"
    code, out, err = run_cli(["spend", "export", "--out", str(dest), "--cache", cache], capsys)
    assert code == 0, err
    assert dest.read_text(encoding="utf-8-sig").splitlines() == [
        "start,end,level,name,amount", "2026-11-01,2026-11-30,source,Google Ads,300"]


def test_cli_without_a_cache_says_to_sync_first(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    missing = tmp_path / "missing.duckdb"
    code, out, err = run_cli(["spend", "export", "--out", str(tmp_path / "s.csv"), "--cache", str(missing)], capsys)
    assert code == 1 and "run `python -m rasl_data sync` first" in err
    assert not missing.exists()
    code, out, err = run_cli(["spend", "import", str(tmp_path / "nothing.csv"), "--cache", str(missing)], capsys)
    assert code == 1


def test_cli_targets_round_trip_and_bad_extension(ws, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    cache = str(ws.cache_path)
    src = tmp_path / "targets.csv"
    src.write_text("month,channel,new_contacts,customers,cost_per_lead\n2026-12,,1600,130,11\n"
                   "2026-12,google ads,400,,\n", encoding="utf-8")
    code, out, err = run_cli(["spend", "targets-import", str(src), "--cache", cache], capsys)
    assert code == 0, err
    dest = tmp_path / "t.xlsx"
    code, out, err = run_cli(["spend", "targets-export", "--out", str(dest), "--cache", cache], capsys)
    assert code == 0, err
    back = pd.read_excel(dest, dtype=object)
    assert list(back["month"]) == ["2026-12", "2026-12"] and list(back["channel"].fillna("")) == ["", "Google Ads"]
    assert back["new_contacts"].tolist() == [1600, 400]
    code, out, err = run_cli(["spend", "export", "--out", str(tmp_path / "s.txt"), "--cache", cache], capsys)
    assert code == 2 and ".csv or .xlsx" in err


def test_spend_targets_and_conversion_definition_survive_full_and_incremental_syncs(tmp_path):
    from rasl_data.analytics import conversion_definition, targets
    from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

    app = EmulatorApp(make_demo_tenant(as_of=datetime(2026, 11, 30, tzinfo=timezone.utc), n_contacts=300),
                      rate_limit_per_minute=None)
    app.add_token(DEMO_TOKEN)
    settings = load_settings({"RASL_CACHE_PATH": str(tmp_path / "sync.duckdb"), "RASL_API_TOKEN": DEMO_TOKEN,
                              "RASL_BASE_URL": "https://rasl.test/api/v2"},
                             secrets_path=tmp_path / "none.toml", environ={})
    ws = Workspace(settings, transport=app.transport())
    assert ws.sync("full").outcome == "success"
    ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "WhatsApp", "300")), actor=CLI_ACTOR, replace=True)
    ws.save_targets(pd.DataFrame([{"month": "2026-11", "channel": "", "new_contacts": 10}]), actor=CLI_ACTOR)
    ws.set_conversion_definition("status:Customer", actor=CLI_ACTOR)
    for mode in ("full", "auto"):
        assert ws.sync(mode).outcome == "success"
        assert spend.read_spend(ws.reader)["amount"].tolist() == [300.0]
        assert targets.read_targets(ws.reader)["new_contacts"].tolist() == [10.0]
        assert conversion_definition.current(ws.reader).text == "status:Customer"


def test_name_two_sources_share_after_normalising_must_be_typed_exactly(tmp_path, make_cache):
    reader = make_cache(tmp_path, name="twins.duckdb", sources=[dict(id=2, name="Facebook", created_at=T0),
                                                               dict(id=15, name="facebook", created_at=T0)])
    settings = load_settings({"RASL_CACHE_PATH": str(reader.path)}, secrets_path=tmp_path / "none.toml", environ={})
    ws = Workspace(settings)
    with pytest.raises(spend.SpendError) as info:
        ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "FACEBOOK", "10")), actor=CLI_ACTOR, replace=True)
    assert info.value.problems == ["line 2: 'FACEBOOK' matches 2 sources ('Facebook' (#2), 'facebook' (#15)); "
                                   "write it exactly as the dashboard shows it"]
    saved = ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "facebook", "10")), actor=CLI_ACTOR,
                          replace=True)
    assert saved["source_id"].tolist() == [15]
    # Same dates for the other twin: two sources, so no overlap.
    ws.save_spend(frame(("2026-11-01", "2026-11-30", "source", "Facebook", "20")), actor=CLI_ACTOR, replace=False)
    assert sorted(spend.read_spend(ws.reader)["source_id"].tolist()) == [2, 15]
