"""``python -m rasl_data report weekly``: the pack for the week holding a date, the week start, one
line on stderr and an exit code for every bad input, the pack's file mode."""

import os
import zipfile

import pytest
from reports_support import CSV_NAMES, read_csv
from test_weekly import TZ, build

from rasl_data import cli


@pytest.fixture
def db(make_cache):
    return build(make_cache)


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("RASL_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RASL_CACHE_DIR", str(tmp_path / "no-cache-here"))
    monkeypatch.setattr("rasl_data.settings.DEFAULT_SECRETS_PATH", tmp_path / "absent-secrets.toml")


def test_cli_writes_the_pack_for_the_week_holding_the_given_date(db, tmp_path, capsys, clean_env):
    out = tmp_path / "weekly.zip"
    code = cli.main(["report", "weekly", "--week", "2026-11-19", "--tz", TZ, "--week-start", "monday",
                     "--cache", str(db.path), "--no-images", "--out", str(out)])
    assert code == 0
    captured = capsys.readouterr()
    assert "2026-11-16 to 2026-11-22" in captured.out and "31 new contacts" in captured.out
    zf = zipfile.ZipFile(out)
    assert set(CSV_NAMES) <= set(zf.namelist())
    rows = read_csv(zf, CSV_NAMES[0])
    assert rows[0]["metric"] == "New contacts" and rows[0]["this_week"] == "31"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".weekly.zip")] == []


def test_cli_week_start_changes_the_week(db, tmp_path, capsys, clean_env):
    out = tmp_path / "w.zip"
    assert cli.main(["report", "weekly", "--week", "2026-11-19", "--tz", TZ, "--week-start", "saturday",
                     "--cache", str(db.path), "--no-images", "--out", str(out)]) == 0
    assert "2026-11-14 to 2026-11-20" in capsys.readouterr().out
    assert "weekly_summary_2026-11-14_to_2026-11-20.csv" in zipfile.ZipFile(out).namelist()


@pytest.mark.parametrize("args,code,message", [
    (["--week", "2026-13-40"], 2, "--week '2026-13-40' is not a date"),
    (["--week-start", "friday"], 2, "--week-start 'friday' is not one of"),
    (["--tz", "Mars/Olympus"], 2, "unknown time zone 'Mars/Olympus'"),
    (["--week", "2099-01-01"], 2, "is not over yet"),
    (["--no-out"], 2, "--out FILE.zip is required"),
    (["--out-dir-missing"], 2, "does not exist"),
    (["--cache-missing"], 1, "run `python -m rasl_data sync` first"),
])
def test_cli_bad_input_is_one_line_on_stderr(db, tmp_path, capsys, clean_env, args, code, message):
    argv = ["report", "weekly", "--tz", TZ, "--cache", str(db.path), "--no-images", "--out", str(tmp_path / "x.zip")]
    if args == ["--no-out"]:
        argv = argv[:-2]
    elif args == ["--out-dir-missing"]:
        argv[-1] = str(tmp_path / "missing" / "x.zip")
    elif args == ["--cache-missing"]:
        argv[argv.index("--cache") + 1] = str(tmp_path / "nope.duckdb")
    else:
        argv += args
    assert cli.main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "x.zip").exists()
    assert not (tmp_path / "nope.duckdb").exists()  # a report never creates a cache


@pytest.mark.parametrize("week,message", [
    ("0001-01-01", "--week 0001-01-01 is outside the supported range 1900-01-01 to 2199-12-31"),
    ("9999-12-31", "--week 9999-12-31 is outside the supported range"),
    ("1900-01-03", "The week of 1900-01-03 is outside the supported range: pick a date from 1900-02-05"),
    ("20261119", "--week '20261119' is not a date in the form YYYY-MM-DD"),
    ("2026-W47-4", "--week '2026-W47-4' is not a date in the form YYYY-MM-DD"),
])
def test_cli_report_week_of_year_1_or_basic_form_is_one_line_exit_2_not_overflow(db, tmp_path, capsys, clean_env,
                                                                                  week, message):
    out = tmp_path / "r.zip"
    argv = ["report", "weekly", "--week", week, "--tz", TZ, "--cache", str(db.path), "--no-images", "--out", str(out)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert not out.exists()


def test_cli_report_pack_gets_the_umask_mode_not_private_0600(db, tmp_path, capsys, clean_env):
    out = tmp_path / "weekly.zip"
    old = os.umask(0o022)
    try:
        assert cli.main(["report", "weekly", "--week", "2026-11-19", "--tz", TZ, "--cache", str(db.path),
                         "--no-images", "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert os.stat(out).st_mode & 0o777 == 0o644


def test_cli_report_to_a_directory_names_the_path_and_exits_1(db, tmp_path, capsys, clean_env):
    folder = tmp_path / "adir"
    folder.mkdir()
    assert cli.main(["report", "weekly", "--week", "2026-11-19", "--tz", TZ, "--cache", str(db.path),
                     "--no-images", "--out", str(folder)]) == 1
    assert capsys.readouterr().err == f"error: cannot write {folder}: Is a directory\n"


def test_cli_unknown_report_is_one_line_too(capsys, clean_env):
    assert cli.main(["report", "monthly", "--out", "x.zip"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "invalid choice: 'monthly'" in err


def test_cli_messages_with_a_path_holding_line_breaks_are_one_line(db, tmp_path, capsys, clean_env):
    argv = ["report", "weekly", "--week", "2026-11-19", "--tz", TZ, "--cache", str(db.path), "--no-images",
            "--out", str(tmp_path / "no\nsuch\nfolder" / "x.zip")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err and "does not exist" in err, err
    argv = ["export", "acquisition", "--by", "source", "--start", "2026-11-16", "--end", "2026-11-22",
            "--cache", str(db.path), "--out", str(tmp_path / "bad\nname.txt")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad name.txt" in err and ".csv or .xlsx" in err, err
