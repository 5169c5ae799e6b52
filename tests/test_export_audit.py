"""``python -m rasl_data export audit``: the audit log as Excel-safe CSV or typed XLSX, with filters."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

import openpyxl
import pytest
from apptest_support import make_workspace

from rasl_data import cli
from rasl_data.access import AccessDeniedError, Actor
from rasl_data.cache import audit
from rasl_data.cache.audit import AuditEntry
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

EDITOR = Actor("maha@shop.example", "editor")
VIEWER = Actor("sara@shop.example", "viewer")


@pytest.fixture()
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    app = EmulatorApp(make_demo_tenant(n_contacts=120, seed=11), rate_limit_per_minute=None)
    workspace = make_workspace(tmp_path, tmp_path / "c.duckdb", token=DEMO_TOKEN, transport=app.transport())
    workspace.sync()
    created = workspace.create_source("Snap / Eid", actor=EDITOR)
    with pytest.raises(AccessDeniedError):
        workspace.rename_source(created.source_id, "Snap / Eid 2", actor=VIEWER)
    # Names are data: a would-be formula and a would-be date must come out as typed.
    audit.append(workspace.cache_path, EDITOR, AuditEntry("source_labels.save", "source_label", 7, "=1+1",
                                                          before={"channel": None}, after={"channel": "1/2"}))
    # The export runs as its own process in real use. In this process, DuckDB would hand the CLI's
    # new connection the workspace reader's still-open database instance of the same path (an older
    # file, before the swaps above), so close it first.
    workspace.reader.close()
    return workspace


def export(ws, tmp_path, name: str, *extra: str) -> tuple[int, object]:
    out = tmp_path / name
    code = cli.main(["export", "audit", "--cache", str(ws.cache_path), "--out", str(out), *extra])
    return code, out


def test_csv_lists_every_change_oldest_first_with_who_and_outcome(ws, tmp_path, capsys):
    code, out = export(ws, tmp_path, "audit.csv")
    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == f"wrote {out} (3 changes)"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM like every export
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == audit.COLUMNS
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert [(r["actor"], r["role"], r["action"], r["outcome"]) for r in rows] == [
        ("maha@shop.example", "editor", "source.create", "done"),
        ("sara@shop.example", "viewer", "source.rename", "refused"),
        ("maha@shop.example", "editor", "source_labels.save", "done"),
    ]
    assert json.loads(rows[0]["after"]) == {"name": "Snap / Eid"} and rows[0]["object_name"] == "Snap / Eid"
    assert "sara@shop.example is a viewer" in rows[1]["message"]
    assert rows[2]["object_name"] == "'=1+1"  # no formula runs in a spreadsheet
    when = datetime.fromisoformat(rows[0]["occurred_at"])
    assert when.utcoffset().total_seconds() == 0 and abs((datetime.now(timezone.utc) - when).total_seconds()) < 600


def test_xlsx_has_typed_cells_and_the_same_rows(ws, tmp_path):
    code, out = export(ws, tmp_path, "audit.xlsx")
    assert code == 0
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == audit.COLUMNS
    body = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["id"] for r in body] == [1, 2, 3]
    assert body[2]["object_name"] == "=1+1" and sheet.cell(row=4, column=8).data_type == "s"  # text, not a formula
    assert json.loads(body[2]["after"]) == {"channel": "1/2"} and body[2]["object_id"] == "7"
    assert body[1]["outcome"] == "refused"


def test_filters_by_person_and_outcome(ws, tmp_path):
    code, out = export(ws, tmp_path, "refused.csv", "--outcome", "refused")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert code == 0 and [r["actor"] for r in rows] == ["sara@shop.example"]
    code, out = export(ws, tmp_path, "maha.csv", "--actor", "MAHA@shop.example")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ["1", "3"]
    code, out = export(ws, tmp_path, "old.csv", "--end", "2020-01-01")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert code == 0 and rows == []


@pytest.mark.parametrize("name, code, message", [
    ("audit.txt", 2, "use a .csv or .xlsx file name"),
    ("missing/audit.csv", 2, "does not exist"),
])
def test_bad_output_names_are_one_line_errors(ws, tmp_path, capsys, name, code, message):
    got, _ = export(ws, tmp_path, name)
    err = capsys.readouterr().err
    assert got == code and message in err and err.count("\n") == 1


def test_no_cache_is_exit_1(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    code = cli.main(["export", "audit", "--cache", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "a.csv")])
    assert code == 1 and "run `python -m rasl_data sync` first" in capsys.readouterr().err
