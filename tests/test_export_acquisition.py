"""The acquisition CSV export and its CLI."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import pytest

from rasl_data import cli
from rasl_data.analytics.acquisition import Filters
from rasl_data.outputs import exports


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def _db(make_cache, tmp_path):
    return make_cache(
        tmp_path, name="cache.duckdb",
        sources=[{"id": 7, "name": "واتساب / رمضان"}],
        contacts=[{"id": 1, "source_id": 7, "created_at": utc(2026, 12, 29, 21, 30)},   # Cairo 29 Dec 23:30
                  {"id": 2, "source_id": None, "created_at": utc(2026, 12, 29, 22, 30)}],  # Cairo 30 Dec 00:30
    )


def test_export_acquisition_writes_iso_dates_ids_names_and_zero_rows(make_cache, tmp_path):
    db = _db(make_cache, tmp_path)
    out = tmp_path / "by_source.csv"
    exports.export_acquisition(db, Filters(date(2026, 12, 29), date(2026, 12, 30), "Africa/Cairo"), "source", "day", out)
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == ["period_start", "source_id", "source", "new_contacts"]
    assert sorted(rows[1:]) == sorted([
        ["2026-12-29", "7", "واتساب / رمضان", "1"], ["2026-12-30", "7", "واتساب / رمضان", "0"],
        ["2026-12-29", "", "Unattributed", "0"], ["2026-12-30", "", "Unattributed", "1"]])
    exports.export_acquisition(db, Filters(date(2026, 12, 29), date(2026, 12, 30), "Africa/Cairo", "saturday"),
                               "campaign", "week", out)
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == ["period_start", "campaign", "new_contacts"]
    assert sorted(rows[1:]) == [["2026-12-26", "Unattributed", "1"], ["2026-12-26", "رمضان", "1"]]


def test_cli_export(make_cache, tmp_path, monkeypatch, capsys):
    db = _db(make_cache, tmp_path)
    monkeypatch.setenv("RASL_CACHE_PATH", str(db.path))
    monkeypatch.setenv("RASL_TIMEZONE", "Africa/Cairo")
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    out = tmp_path / "x.csv"
    args = ["export", "acquisition", "--by", "channel", "--granularity", "month", "--start", "2026-12-01",
            "--end", "2026-12-31", "--out", str(out)]
    assert cli.main(args) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows == [["period_start", "channel", "new_contacts"], ["2026-12-01", "Unattributed", "1"],
                    ["2026-12-01", "WhatsApp", "1"]]
    capsys.readouterr()
    for bad, message in [
        (["--start", "2026-13-01"], "YYYY-MM-DD"),
        (["--end", "2026-11-01"], "before the start"),
        (["--tz", "Nowhere/City"], "time zone"),
        (["--by", "country"], "invalid choice"),
        (["--out", str(tmp_path / "missing" / "x.csv")], "does not exist"),
    ]:
        argv = list(args)
        flag = bad[0]
        if flag in argv:
            argv[argv.index(flag) + 1] = bad[1]
        else:
            argv += bad
        assert cli.main(argv) == 2, bad
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1, err
    # No cache is a failed operation, not bad input (README "Command line"): exit 1.
    monkeypatch.setenv("RASL_CACHE_PATH", str(tmp_path / "none.duckdb"))
    assert cli.main(args) == 1
    assert "no cache" in capsys.readouterr().err


def test_python_m_rasl_data_export_bad_date_is_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, RASL_CACHE_PATH=str(tmp_path / "c.duckdb"))
    proc = subprocess.run(
        [sys.executable, "-m", "rasl_data", "export", "acquisition", "--by", "source", "--start", "2026-02-30",
         "--end", "2026-03-01", "--out", str(tmp_path / "o.csv")],
        cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "YYYY-MM-DD" in proc.stderr, proc.stderr


@pytest.fixture
def export_args(make_cache, tmp_path, monkeypatch):
    db = _db(make_cache, tmp_path)
    monkeypatch.setenv("RASL_CACHE_PATH", str(db.path))
    monkeypatch.setenv("RASL_TIMEZONE", "Africa/Cairo")
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    return ["export", "acquisition", "--by", "source", "--granularity", "day", "--start", "2026-12-29",
            "--end", "2026-12-30", "--out", str(tmp_path / "x.csv")]


def _with(argv, flag, value):
    argv = list(argv)
    if flag in argv:
        argv[argv.index(flag) + 1] = value
    else:
        argv += [flag, value]
    return argv


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert captured.out == ""
    return err


@pytest.mark.parametrize("start,end", [("0001-01-01", "9999-12-31"), ("9999-12-01", "9999-12-31"),
                                       ("0001-01-10", "0001-02-01")])
def test_cli_export_with_year_1_or_9999_is_one_line_exit_2_not_overflow_traceback(export_args, capsys, start, end):
    assert cli.main(_with(_with(export_args, "--start", start), "--end", end)) == 2
    assert "outside the supported range 1900-01-01 to 2199-12-31" in _one_line_error(capsys)


def test_cli_export_daily_over_decades_is_refused_with_week_or_month_hint(export_args, capsys, tmp_path):
    assert cli.main(_with(_with(export_args, "--start", "1900-01-01"), "--end", "2100-12-31")) == 2
    assert "use week or month" in _one_line_error(capsys)
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("start", ["20261229", "2026-W53-2", "2026-12-29T00:00"])
def test_cli_export_start_not_in_yyyy_mm_dd_form_is_refused(export_args, capsys, start):
    # Python's date.fromisoformat accepts "20261229" and "2026-W53-2"; the help promises YYYY-MM-DD.
    assert cli.main(_with(export_args, "--start", start)) == 2
    assert f"'{start}' is not a date in the form YYYY-MM-DD" in _one_line_error(capsys)


def test_cli_export_tz_with_trailing_space_is_accepted_like_the_environment(export_args, capsys, tmp_path):
    assert cli.main(_with(export_args, "--tz", "Asia/Riyadh ")) == 0
    rows = list(csv.reader((tmp_path / "x.csv").open(encoding="utf-8-sig")))
    # Riyadh (+3): contact 1 at 00:30 on the 30th, contact 2 at 01:30 on the 30th.
    assert sorted(rows[1:]) == sorted([["2026-12-29", "7", "واتساب / رمضان", "0"], ["2026-12-30", "7", "واتساب / رمضان", "1"],
                                       ["2026-12-29", "", "Unattributed", "0"], ["2026-12-30", "", "Unattributed", "1"]])


def test_cli_export_to_a_directory_names_the_path_not_a_temporary_file_and_exits_1(export_args, capsys, tmp_path):
    folder = tmp_path / "adir"
    folder.mkdir()
    assert cli.main(_with(export_args, "--out", str(folder))) == 1
    err = _one_line_error(capsys)
    assert err == f"error: cannot write {folder}: Is a directory\n"
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".*.tmp"))


def test_cli_export_to_an_unwritable_place_names_the_path_not_a_temporary_file_and_exits_1(export_args, capsys):
    assert cli.main(_with(export_args, "--out", "/proc/x.csv")) == 1
    err = _one_line_error(capsys)
    assert err.startswith("error: cannot write /proc/x.csv: ") and ".tmp" not in err and "Errno" not in err, err


def test_cli_export_to_an_empty_out_is_bad_input(export_args, capsys):
    assert cli.main(_with(export_args, "--out", "")) == 2
    assert "--out needs a file name" in _one_line_error(capsys)


def test_cli_export_from_an_unreadable_cache_exits_1(export_args, capsys, tmp_path, monkeypatch):
    bad = tmp_path / "junk.duckdb"
    bad.write_bytes(b"not a database")
    monkeypatch.setenv("RASL_CACHE_PATH", str(bad))
    assert cli.main(export_args) == 1
    assert "cannot be opened" in _one_line_error(capsys)
    assert not (tmp_path / "x.csv").exists()


def test_cli_in_arabic_keeps_english_column_names_and_speaks_arabic(export_args, capsys, monkeypatch, tmp_path):
    from rasl_data import i18n

    monkeypatch.setenv("RASL_LANGUAGE", "ar")
    with i18n.use("en"):  # main() sets the language for the process; keep it to this test
        assert cli.main(export_args) == 0
        out = capsys.readouterr().out
        rows = list(csv.reader((tmp_path / "x.csv").open(encoding="utf-8-sig")))
        # Machine-readable: the same English columns and values as in English.
        assert rows[0] == ["period_start", "source_id", "source", "new_contacts"]
        assert ["2026-12-30", "", "Unattributed", "1"] in rows
        assert out == f"كُتب الملف {tmp_path / 'x.csv'}\n"  # hand-written Arabic
        # An error for people is Arabic, one line on stderr.
        assert cli.main(_with(export_args, "--out", str(tmp_path / "missing" / "x.csv"))) == 2
        err = capsys.readouterr().err
        assert err == f"خطأ: المجلد {tmp_path / 'missing'} غير موجود\n"
    # English stays the default once the setting is gone.
    monkeypatch.delenv("RASL_LANGUAGE")
    with i18n.use("en"):
        assert cli.main(_with(export_args, "--out", str(tmp_path / "missing" / "x.csv"))) == 2
    assert capsys.readouterr().err == f"error: the folder {tmp_path / 'missing'} does not exist\n"
