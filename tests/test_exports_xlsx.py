"""Table files as XLSX (rasl_data.outputs.exports.write_table / table_bytes / workbook_bytes), the
CLI's format by extension, the weekly pack's workbook and the download buttons.

Every test reads the workbook back with openpyxl and checks each cell's type and value against
the DataFrame it came from, value by value.
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pandas as pd
import pytest

from rasl_data import cli
from rasl_data.outputs import exports

# Names LibreOffice Calc or Excel turned into dates or numbers when the CSV was opened.
SPREADSHEET_BAIT = ["11-11", "1/2", "5-7", "03-04", "1e5", "00123", "=1+1", "+966501234567", "-5", "@x", "#N/A",
                    "TRUE", "1,5", "12:30", "50%", "واتساب / 1/2"]


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def cells(ws, col: int) -> list:
    """The cells of column ``col`` (1-based) below the header."""
    return [row[col - 1] for row in ws.iter_rows(min_row=2)]


def test_campaign_names_that_look_like_dates_or_numbers_stay_text_in_xlsx():
    # Spreadsheets turned 1/2 into 2 Jan, 1e5 into 100000 and 00123 into 123 when opened as CSV.
    df = pd.DataFrame({"campaign": SPREADSHEET_BAIT, "new_contacts": range(len(SPREADSHEET_BAIT))})
    ws = load(exports.table_bytes(df, "xlsx")).active
    got = cells(ws, 1)
    assert [c.value for c in got] == SPREADSHEET_BAIT          # exactly the characters, no apostrophe
    assert {c.data_type for c in got} == {"s"}                  # string cells: never "f" (formula), "e", "n"
    assert [c.value for c in cells(ws, 2)] == list(range(len(SPREADSHEET_BAIT)))
    assert {c.data_type for c in cells(ws, 2)} == {"n"}
    # Text a spreadsheet would re-read on editing carries the quote-prefix style.
    assert all(c.quotePrefix for c in got[:-1]) and not got[-1].quotePrefix


def test_formula_like_text_is_stored_as_a_string_never_as_a_formula():
    df = pd.DataFrame({"=HYPERLINK(\"http://x.test\")": ['=HYPERLINK("http://x.test")', "=1+1", "#DIV/0!"]})
    data = exports.table_bytes(df, "xlsx")
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml   # no formula element anywhere
    ws = load(data).active
    assert sheet_rows(ws) == [['=HYPERLINK("http://x.test")'], ['=HYPERLINK("http://x.test")'], ["=1+1"], ["#DIV/0!"]]
    assert {c.data_type for row in ws.iter_rows() for c in row} == {"s"}


def test_xlsx_cells_are_typed_like_the_dataframe_columns():
    riyadh = ZoneInfo("Asia/Riyadh")
    df = pd.DataFrame({
        "period_start": [date(2026, 11, 16), date(2026, 11, 23), None],
        "source_id": pd.array([7, None, 12], dtype="Int64"),
        "source": ["واتساب / رمضان", "Unattributed", None],
        "new_contacts": np.array([1234567, 0, -3], dtype="int64"),
        "change_pct": [0.25, np.nan, -0.5],
        "avg_4_weeks": [2.75, 3.0, 0.0],
        "is_new": [True, False, True],
        "created_at": pd.to_datetime(["2026-11-15 21:30:00", "2026-11-22 08:00:05", None], utc=True).tz_convert(riyadh),
        "naive_midnights": pd.to_datetime(["2026-11-16", "2026-11-23", None]),
        "phone": ["+966501234567", "0501234567", None],
        "mixed": [datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "1/2", 5],
    })
    ws = load(exports.table_bytes(df, "xlsx")).active
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert header == list(df.columns)
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(df)
    for r, row in enumerate(rows):
        by = dict(zip(header, row))
        # Dates are date cells holding the same day; missing values are empty cells.
        d = df["period_start"][r]
        assert (by["period_start"].value is None) if d is None else \
            (by["period_start"].is_date and by["period_start"].value.date() == d)
        sid = df["source_id"][r]
        assert by["source_id"].value is None if pd.isna(sid) else (by["source_id"].value == int(sid)
                                                                    and by["source_id"].data_type == "n")
        assert by["source"].value == (None if pd.isna(df["source"][r]) else df["source"][r])
        assert by["new_contacts"].value == int(df["new_contacts"][r]) and by["new_contacts"].data_type == "n"
        pct = df["change_pct"][r]
        assert by["change_pct"].value is None if math.isnan(pct) else by["change_pct"].value == pct
        assert by["avg_4_weeks"].value == df["avg_4_weeks"][r] and by["avg_4_weeks"].data_type == "n"
        assert by["is_new"].value is bool(df["is_new"][r]) and by["is_new"].data_type == "b"
        ts = df["created_at"][r]
        if pd.isna(ts):
            assert by["created_at"].value is None
        else:  # the wall-clock time in the zone the timestamp carries (Excel has no zones)
            assert by["created_at"].is_date and by["created_at"].value == ts.tz_localize(None).to_pydatetime()
        mid = df["naive_midnights"][r]
        assert by["naive_midnights"].value is None if pd.isna(mid) else \
            (by["naive_midnights"].value == mid.to_pydatetime() and by["naive_midnights"].number_format == "yyyy-mm-dd")
        phone = df["phone"][r]
        assert by["phone"].value == (None if pd.isna(phone) else phone)
        assert pd.isna(phone) or by["phone"].data_type == "s"
    # Fractions keep their value and show as a percentage; dates show as YYYY-MM-DD.
    assert rows[0][header.index("change_pct")].number_format == "0.0%"
    assert rows[0][header.index("period_start")].number_format == "yyyy-mm-dd"
    assert rows[0][header.index("created_at")].value == datetime(2026, 11, 16, 0, 30)
    mixed = [row[header.index("mixed")] for row in rows]
    assert [(c.value, c.data_type) for c in mixed[1:]] == [("1/2", "s"), (5, "n")]
    assert mixed[0].value == datetime(2026, 1, 2, 3, 4, 5)


def test_phone_numbers_read_as_numbers_and_text_columns_are_text_with_their_digits():
    df = pd.DataFrame({"Mobile": [966501234567, 501234567], "code": [123, 7], "n": [1, 2]})
    ws = load(exports.table_bytes(df, "xlsx", text_columns=["code"])).active
    assert [(c.value, c.data_type) for c in cells(ws, 1)] == [("966501234567", "s"), ("501234567", "s")]
    assert [(c.value, c.data_type) for c in cells(ws, 2)] == [("123", "s"), ("7", "s")]
    assert [(c.value, c.data_type) for c in cells(ws, 3)] == [(1, "n"), (2, "n")]
    # The CSV writes text columns like phone numbers.
    assert exports.table_bytes(df, "csv", text_columns=["code"]).decode("utf-8-sig").splitlines()[1] == \
        "'966501234567,'123,1"
    with pytest.raises(ValueError, match="text_columns names columns the table does not have: nope"):
        exports.table_bytes(df, "xlsx", text_columns=["nope"])


def test_integers_beyond_excel_precision_and_infinities_are_kept_as_text_not_rounded():
    df = pd.DataFrame({"big": np.array([10**15 - 1, 10**18 + 1], dtype="int64"), "f": [math.inf, 1.5]})
    ws = load(exports.table_bytes(df, "xlsx")).active
    assert [(c.value, c.data_type) for c in cells(ws, 1)] == [(10**15 - 1, "n"), (str(10**18 + 1), "s")]
    assert [c.value for c in cells(ws, 2)] == ["Infinity", 1.5]


def test_control_characters_xml_cannot_hold_become_a_replacement_mark_not_an_error():
    df = pd.DataFrame({"source": ["a\x01b", "tab\there", "two\nlines"]})
    ws = load(exports.table_bytes(df, "xlsx")).active
    assert [c.value for c in cells(ws, 1)] == ["a\ufffdb", "tab\there", "two\nlines"]


def test_sheet_name_header_freeze_filter_and_column_widths_are_sensible():
    long_name = "x" * 80
    df = pd.DataFrame({"source": ["Instagram / Eid", long_name], "new_contacts": [1, 2],
                       "day": [date(2026, 1, 1), date(2026, 1, 2)]})
    ws = load(exports.table_bytes(df, "xlsx", sheet_name="acquisition_2026-09-07_to_2026-11-29")).active
    assert ws.title == "Acquisition"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3"
    assert all(c.font.b for c in next(ws.iter_rows(max_row=1)))
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    assert widths["A"] == 60                       # capped, not 80 characters wide
    assert 12 <= widths["B"] <= 20                  # "new_contacts" fits
    assert 10 <= widths["C"] <= 16                  # a date fits
    assert exports.safe_sheet_name("movers_by_source") == "Movers by source"
    assert exports.safe_sheet_name("a/b:c[d]*?") == "A b c d"
    assert exports.safe_sheet_name("'quoted'") == "Quoted"
    assert exports.safe_sheet_name("") == "Data"
    assert len(exports.safe_sheet_name("daily_new_contacts_by_source_and_channel_2026-01-01")) == 31
    assert exports.safe_sheet_name("مصادر") == "مصادر"


def test_workbook_has_one_sheet_per_table_with_unique_names():
    a, b = pd.DataFrame({"x": [1]}), pd.DataFrame({"y": ["1/2"]})
    wb = load(exports.workbook_bytes({"sources": a, "Sources": b, "spikes": pd.DataFrame({"z": []})}))
    assert wb.sheetnames == ["Sources", "Sources (2)", "Spikes"]
    assert sheet_rows(wb["Sources (2)"]) == [["y"], ["1/2"]]
    assert sheet_rows(wb["Spikes"]) == [["z"]]


@pytest.mark.parametrize("name,fmt", [("a.csv", "csv"), ("a.xlsx", "xlsx"), ("A.XLSX", "xlsx"), ("dir.v2/a.Csv", "csv")])
def test_table_format_follows_the_extension(name, fmt):
    assert exports.table_format(name) == fmt


@pytest.mark.parametrize("name", ["a.xls", "a.txt", "a", "a.csv.gz"])
def test_table_format_refuses_other_extensions(name):
    with pytest.raises(ValueError, match="name the file .csv or .xlsx"):
        exports.table_format(name)


def test_write_table_picks_csv_or_xlsx_from_the_extension_atomically_with_the_umask_mode(tmp_path):
    df = pd.DataFrame({"campaign": ["1/2", "00123"], "n": [1, 2]})
    old = os.umask(0o022)
    try:
        xlsx = exports.write_table(df, tmp_path / "campaigns_2026-11-16_to_2026-11-22.xlsx")
        csv_path = exports.write_table(df, tmp_path / "campaigns.csv")
    finally:
        os.umask(old)
    assert os.stat(xlsx).st_mode & 0o777 == 0o644
    wb = load(xlsx.read_bytes())
    assert wb.active.title == "Campaigns" and sheet_rows(wb.active) == [["campaign", "n"], ["1/2", 1], ["00123", 2]]
    assert csv_path.read_bytes() == exports.to_csv_bytes(df)
    with pytest.raises(ValueError):
        exports.write_table(df, tmp_path / "campaigns.ods")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["campaigns.csv", "campaigns_2026-11-16_to_2026-11-22.xlsx"]


# --- CLI ---------------------------------------------------------------------------------------


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def export_env(make_cache, tmp_path, monkeypatch):
    db = make_cache(tmp_path, name="cache.duckdb", sources=[{"id": 7, "name": "Instagram / 1/2"},
                                                            {"id": 8, "name": "Facebook / 00123"}],
                    contacts=[{"id": 1, "source_id": 7, "created_at": utc(2026, 12, 29, 9)},
                              {"id": 2, "source_id": 8, "created_at": utc(2026, 12, 30, 9)},
                              {"id": 3, "source_id": 8, "created_at": utc(2026, 12, 30, 10)}])
    monkeypatch.setenv("RASL_CACHE_PATH", str(db.path))
    monkeypatch.setenv("RASL_TIMEZONE", "UTC")
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    return ["export", "acquisition", "--by", "campaign", "--granularity", "day", "--start", "2026-12-29",
            "--end", "2026-12-30"]


def test_cli_export_to_xlsx_writes_typed_cells(export_env, tmp_path, capsys):
    out = tmp_path / "campaigns.xlsx"
    assert cli.main(export_env + ["--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    ws = load(out.read_bytes()).active
    assert ws.title == "Campaigns"
    rows = sheet_rows(ws)
    assert rows[0] == ["period_start", "campaign", "new_contacts"]
    # Hand count: 1/2 has one contact on the 29th; 00123 two on the 30th; zero days kept.
    got = {(r[0].date(), r[1]): r[2] for r in rows[1:]}
    assert got == {(date(2026, 12, 29), "1/2"): 1, (date(2026, 12, 30), "1/2"): 0,
                   (date(2026, 12, 29), "00123"): 0, (date(2026, 12, 30), "00123"): 2}
    assert all(c.is_date for c in cells(ws, 1)) and all(c.data_type == "s" for c in cells(ws, 2))


def test_cli_export_to_csv_still_writes_iso_dates(export_env, tmp_path, capsys):
    out = tmp_path / "campaigns.csv"
    assert cli.main(export_env + ["--out", str(out)]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert sorted(rows[1:]) == sorted([["2026-12-29", "1/2", "1"], ["2026-12-30", "1/2", "0"],
                                       ["2026-12-29", "00123", "0"], ["2026-12-30", "00123", "2"]])


@pytest.mark.parametrize("name", ["campaigns.xls", "campaigns.txt", "campaigns"])
def test_cli_export_with_an_unknown_extension_exits_2_with_one_line(export_env, tmp_path, capsys, name):
    assert cli.main(export_env + ["--out", str(tmp_path / name)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: --out ") and \
        "name the file .csv or .xlsx" in captured.err and "Traceback" not in captured.err, captured.err
    assert captured.out == "" and not (tmp_path / name).exists()


# --- the weekly pack's workbook ---------------------------------------------------------------


def assert_sheet_matches(ws, df: pd.DataFrame) -> None:
    """Every cell of ``ws`` against ``df``: header, row count, then per value its type and value."""
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == [str(c) for c in df.columns]
    assert len(rows) - 1 == len(df)
    for r, row in enumerate(rows[1:]):
        for c, cell in zip(df.columns, row):
            want = df[c].iloc[r]
            if want is None or (not isinstance(want, (str, date)) and pd.isna(want)):
                assert cell.value is None, (c, r)
            elif isinstance(want, (bool, np.bool_)):
                assert cell.data_type == "b" and cell.value is bool(want), (c, r)
            elif isinstance(want, (datetime, pd.Timestamp)):
                assert cell.is_date and cell.value == pd.Timestamp(want).tz_localize(None).to_pydatetime(), (c, r)
            elif isinstance(want, date):
                assert cell.is_date and cell.value.date() == want, (c, r)
            elif isinstance(want, (int, float, np.integer, np.floating)):
                assert cell.data_type == "n" and cell.value == pytest.approx(float(want), rel=1e-12), (c, r)
            else:
                assert cell.data_type == "s" and cell.value == str(want), (c, r)


def test_weekly_pack_holds_a_workbook_with_every_table_as_typed_cells(make_cache):
    from test_weekly import TODAY, TZ, WEEK, build

    from rasl_data.analytics import weekly_review
    from rasl_data.outputs import weekly_pack

    db = build(make_cache)
    review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    data = weekly_pack.build_weekly_pack(db, review=review, images=False)
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = weekly_pack.pack_file_names(review)
    assert names["xlsx"] == "weekly_review_2026-11-16_to_2026-11-22.xlsx"
    wb = load(zf.read(names["xlsx"]))
    assert wb.sheetnames == ["Weekly summary", "Movers by source", "Movers by campaign", "New sources",
                             "Silent sources", "Spikes", "Daily new contacts by source",
                             # spend, performance and target pacing (rasl_data.analytics.business_review)
                             "Performance by channel", "Performance by campaign", "Performance by source",
                             "Spend in week", "Target pacing"]
    for sheet, (stem, field) in zip(wb.sheetnames, weekly_pack.PACK_TABLES.items()):
        assert_sheet_matches(wb[sheet], getattr(review, field))
        assert stem in names and names[stem] in zf.namelist()  # the CSVs are there too
    assert names["xlsx"] in zf.read("README.txt").decode("utf-8")
    # The script-like source name is one text cell, never markup or a formula.
    assert "<img src=x onerror=alert(1)>" in [c.value for c in cells(wb["Daily new contacts by source"], 3)]


# --- the download buttons ----------------------------------------------------------------------


def test_every_table_download_offers_csv_and_xlsx_built_on_click(monkeypatch):
    from ui import widgets

    offered = []
    monkeypatch.setattr(widgets.st, "download_button", lambda label, **kw: offered.append((label, kw)))
    df = pd.DataFrame({"campaign": ["1/2", "=1+1"], "day": [date(2026, 1, 1), date(2026, 1, 2)], "n": [3, 4]})
    widgets.csv_download(df, "top-sources", None, key="dl")  # the helper every page calls
    assert [label for label, _ in offered] == ["Download CSV", "Download Excel"]
    (_, csv_kw), (_, xlsx_kw) = offered
    assert csv_kw["key"] == "dl" and xlsx_kw["key"] == "dl_xlsx"
    assert csv_kw["on_click"] == xlsx_kw["on_click"] == "ignore"
    assert csv_kw["file_name"].startswith("top_sources_") and csv_kw["file_name"].endswith(".csv")
    assert xlsx_kw["file_name"] == csv_kw["file_name"][:-4] + ".xlsx"
    assert xlsx_kw["mime"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert callable(csv_kw["data"]) and callable(xlsx_kw["data"])  # built on click, not on every run
    assert csv_kw["data"]() == exports.to_csv_bytes(df)
    ws = load(xlsx_kw["data"]()).active
    assert ws.title == "Top sources"
    assert_sheet_matches(ws, df)

    offered.clear()
    widgets.csv_download(df, "spikes", None, key="sp", label="Spikes and drops (CSV)")
    assert [label for label, _ in offered] == ["Spikes and drops (CSV)", "Spikes and drops (Excel)"]

