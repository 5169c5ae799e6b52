"""The acquisition CSV export and its CLI."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import pytest

from rasl_data import cli
from rasl_data import exports
from rasl_data.queries import Filters


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
    monkeypatch.setenv("RASL_CACHE_PATH", str(tmp_path / "none.duckdb"))
    assert cli.main(args) == 2
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
