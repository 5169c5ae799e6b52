"""``python -m rasl_data annotate add|list|remove``: exit codes, the printed list parsed back and
compared with what was added, the file written with ``--out``, the audit rows as ``cli``."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from rasl_data.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cli-notes.duckdb"
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    monkeypatch.setenv("RASL_CACHE_PATH", str(path))
    from rasl_data.cache.workspace import Workspace
    from rasl_data.settings import load_settings

    Workspace(load_settings())  # an empty cache, as a first dashboard start or sync leaves it
    assert path.exists()
    return path


def test_a_mistyped_cache_path_is_refused_and_no_new_cache_is_made(cache, capsys, tmp_path):
    """Regression: ``--cache`` naming a file that does not exist started a new, empty cache (and
    its folder) that no dashboard reads, and the note went there with exit 0."""
    typo = tmp_path / "nodir" / "typo.duckdb"
    for args in (["add", "--date", "2026-11-25", "--text", "typo"], ["list"], ["remove", "1"]):
        code, out, err = run(capsys, *args, "--cache", str(typo))
        assert code == 2 and out == "" and f"there is no cache at {typo}" in err, (args, err)
    assert not typo.exists() and not typo.parent.exists()


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["annotate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def parse_list(out: str) -> list[dict]:
    lines = out.rstrip("\n").split("\n")
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


def test_add_list_remove_round_trip(cache, capsys):
    added = [("2026-02-18", None, "Ramadan offer =1+1"), ("2026-03-01", "2026-03-07", "TV spot **x** <b>")]
    for day, end, text in added:
        code, out, err = run(capsys, "add", "--date", day, "--text", text, *(["--end", end] if end else []))
        assert code == 0 and err == ""
    assert "added note #2" in out

    code, out, err = run(capsys, "list")
    assert code == 0
    rows = parse_list(out)
    assert [(r["id"], r["start"], r["end"], r["text"], r["created_by"], r["updated_by"]) for r in rows] == [
        ("1", "2026-02-18", "", "Ramadan offer =1+1", "cli", "cli"),
        ("2", "2026-03-01", "2026-03-07", "TV spot **x** <b>", "cli", "cli"),
    ]
    assert all(r["created_at"].endswith("Z") and r["created_at"] == r["updated_at"] for r in rows)

    code, out, _ = run(capsys, "remove", "1")
    assert code == 0 and "removed note #1" in out
    assert [r["id"] for r in parse_list(run(capsys, "list")[1])] == ["2"]

    from rasl_data.cache import store

    reader = store.Reader(cache)
    try:
        log = reader.query("SELECT actor, action, object_id, outcome FROM audit_log ORDER BY id")
    finally:
        reader.close()
    assert log.values.tolist() == [["cli", "annotation.add", "1", "done"], ["cli", "annotation.add", "2", "done"],
                                   ["cli", "annotation.remove", "1", "done"]]


@pytest.mark.parametrize(("args", "words"), [
    (["add", "--date", "2026-02-30", "--text", "x"], "--date"),
    (["add", "--date", "2026-03-05", "--end", "2026-03-01", "--text", "x"], "before the start"),
    (["add", "--date", "1999-01-01", "--text", "x"], "outside the dates"),
    (["add", "--date", "2026-03-05", "--text", " "], "Write the note's text"),
    (["add", "--date", "2026-03-05", "--text", "y" * 201], "201 characters"),
    (["remove", "9"], "no note #9"),
    (["remove", "nine"], "must be a number"),
    (["list", "--out", "notes.txt"], ".txt"),
    (["add", "--text", "no date"], "--date"),
])
def test_bad_input_exits_2_with_one_line(cache, capsys, args, words):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error:") and words in err
    assert out == ""


def test_list_out_writes_csv_with_the_texts_as_data(cache, capsys, tmp_path):
    run(capsys, "add", "--date", "2026-02-18", "--text", "=1+1")
    code, out, _ = run(capsys, "list", "--out", str(tmp_path / "notes.csv"))
    assert code == 0 and out.endswith("notes.csv: 1 note\n")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "notes.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["id"], r["start"], r["end"], r["text"], r["created_by"]) for r in rows] == [
        ("1", "2026-02-18", "", "'=1+1", "cli")]  # a formula-like text stays text


def test_annotate_runs_as_a_module(cache):
    done = subprocess.run([sys.executable, "-m", "rasl_data", "annotate", "add", "--date", "2026-02-18", "--text",
                           "from the shell"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([sys.executable, "-m", "rasl_data", "annotate", "list"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert parse_list(listed.stdout)[0]["text"] == "from the shell"
