"""The Excel-safe CSV writer (rasl_data.outputs.exports.to_csv_bytes / write_csv / dated_file_name).

Every test builds a small frame by hand, writes it, parses the bytes back with the ``csv``
module and checks one rule against the literal text a spreadsheet will see.
"""

import csv
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from rasl_data.outputs import exports

BOM = b"\xef\xbb\xbf"


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM), "Excel needs the UTF-8 byte-order mark to read Arabic"
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def column(data: bytes, name: str) -> list[str]:
    rows = parse(data)
    i = rows[0].index(name)
    return [r[i] for r in rows[1:]]


def test_arabic_text_round_trips_behind_a_utf8_bom_with_crlf_rows():
    df = pd.DataFrame({"source": ["واتساب / رمضان", "إنستغرام", "Facebook"], "n": [1, 2, 3]})
    data = exports.to_csv_bytes(df)
    assert data[:3] == BOM
    assert data.count(b"\r\n") == 4  # header + 3 rows, CRLF as Excel writes them
    assert parse(data) == [["source", "n"], ["واتساب / رمضان", "1"], ["إنستغرام", "2"], ["Facebook", "3"]]


def test_formula_starts_in_text_cells_get_an_apostrophe():
    cells = ["=1+1", "@SUM(A1:A3)", "-x", "+cmd|' /C calc'!A0", "\tTAB", "\rCR", "＝1+1", "plain", "a=b", ""]
    data = exports.to_csv_bytes(pd.DataFrame({"name": cells}))
    assert column(data, "name") == [
        "'=1+1", "'@SUM(A1:A3)", "'-x", "'+cmd|' /C calc'!A0", "'\tTAB", "'\rCR", "'＝1+1", "plain", "a=b", "",
    ]


def test_negative_numbers_in_numeric_columns_stay_numbers():
    df = pd.DataFrame({
        "change_abs": [-15, 3, 0],
        "change_pct": [-0.5, 0.25, np.nan],
        "nullable": pd.array([-2, None, 7], dtype="Int64"),
    })
    data = exports.to_csv_bytes(df)
    assert column(data, "change_abs") == ["-15", "3", "0"]
    assert column(data, "change_pct") == ["-0.5", "0.25", ""]
    assert column(data, "nullable") == ["-2", "", "7"]


def test_numbers_have_no_thousands_separators_and_whole_floats_no_decimal_tail():
    df = pd.DataFrame({"count": [1234567], "avg": [1234.0], "big": [9876543.25]})
    rows = parse(exports.to_csv_bytes(df))
    assert rows[1] == ["1234567", "1234", "9876543.25"]


def test_phone_numbers_are_written_as_text_that_keeps_plus_and_leading_zeros():
    df = pd.DataFrame({
        "phone": ["+966501234567", "0501234567", "966501234567", None, "+1 (555) 010-9999"],
        "name": ["a", "b", "c", "d", "e"],
    })
    assert column(exports.to_csv_bytes(df), "phone") == [
        "'+966501234567", "'0501234567", "'966501234567", "", "'+1 (555) 010-9999",
    ]


def test_a_phone_column_read_as_numbers_is_written_as_its_digits_in_text():
    df = pd.DataFrame({"Mobile": [966501234567, 501234567], "whatsapp_number": [966.0e9, np.nan]})
    data = exports.to_csv_bytes(df)
    assert column(data, "Mobile") == ["'966501234567", "'501234567"]
    assert column(data, "whatsapp_number") == ["'966000000000", ""]


def test_columns_that_only_contain_tel_inside_a_word_are_not_phones():
    df = pd.DataFrame({"hotel": ["0123"], "channel": ["-x"], "telephone": ["0123"]})
    rows = parse(exports.to_csv_bytes(df))
    assert rows[1] == ["0123", "'-x", "'0123"]


def test_dates_are_iso_and_timestamps_iso8601_with_their_offset():
    riyadh = ZoneInfo("Asia/Riyadh")
    df = pd.DataFrame({
        "day": [date(2026, 11, 16), date(2026, 11, 22)],
        # 21:30 UTC on the 15th is already the 16th in Riyadh: the writer must not shift it.
        "created_at": pd.to_datetime(["2026-11-15 21:30:00", "2026-11-22 08:00:05"], utc=True).tz_convert(riyadh),
        "utc": pd.to_datetime(["2026-11-15 21:30:00", "2026-11-22 08:00:05"], utc=True),
        "naive_midnights": pd.to_datetime(["2026-11-16", "2026-11-23"]),
        "naive_times": pd.to_datetime(["2026-11-16 09:15", "2026-11-23 00:00"]),
        "mixed": [datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), date(2026, 1, 2)],
    })
    rows = parse(exports.to_csv_bytes(df))
    assert rows[1] == ["2026-11-16", "2026-11-16T00:30:00+03:00", "2026-11-15T21:30:00+00:00", "2026-11-16",
                       "2026-11-16T09:15:00", "2026-01-02T03:04:05+00:00"]
    assert rows[2] == ["2026-11-22", "2026-11-22T11:00:05+03:00", "2026-11-22T08:00:05+00:00", "2026-11-23",
                       "2026-11-23T00:00:00", "2026-01-02"]


def test_pyarrow_strings_categories_booleans_and_missing_values():
    df = pd.DataFrame({
        "text": pd.Series(["=cmd", None, "ok"], dtype="str"),
        "cat": pd.Categorical(["-a", "b", None]),
        "flag": [True, False, True],
        "maybe": pd.array([True, None, False], dtype="boolean"),
        "obj_num": pd.Series([-5, 2.5, None], dtype=object),
    })
    rows = parse(exports.to_csv_bytes(df))
    assert [r[0] for r in rows[1:]] == ["'=cmd", "", "ok"]
    assert [r[1] for r in rows[1:]] == ["'-a", "b", ""]
    assert [r[2] for r in rows[1:]] == ["True", "False", "True"]
    assert [r[3] for r in rows[1:]] == ["True", "", "False"]
    # Numbers inside an object column are numbers, not text: -5 keeps its sign unprefixed.
    assert [r[4] for r in rows[1:]] == ["-5", "2.5", ""]


def test_quotes_commas_and_newlines_are_quoted_by_the_csv_module():
    tricky = 'He said "hi", then\nleft'
    data = exports.to_csv_bytes(pd.DataFrame({"note": [tricky]}))
    assert parse(data)[1] == [tricky]
    assert b'"He said ""hi"", then\nleft"' in data


def test_header_names_are_neutralised_too_and_the_index_is_never_written():
    df = pd.DataFrame({"=HYPERLINK(\"x\")": [1], "source": ["a"]}, index=pd.Index([42], name="idx"))
    rows = parse(exports.to_csv_bytes(df))
    assert rows == [["'=HYPERLINK(\"x\")", "source"], ["1", "a"]]


def test_an_empty_frame_is_just_the_header():
    rows = parse(exports.to_csv_bytes(pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": []})))
    assert rows == [["a", "b"]]


def test_write_csv_writes_the_same_bytes_and_leaves_no_temporary_file(tmp_path):
    df = pd.DataFrame({"source": ["واتساب", "=1+1"], "n": [-1, 2]})
    out = exports.write_csv(df, tmp_path / "x.csv")
    assert out == tmp_path / "x.csv"
    assert out.read_bytes() == exports.to_csv_bytes(df)
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_write_csv_into_a_missing_folder_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        exports.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "missing" / "x.csv")


def test_dated_file_names():
    assert exports.dated_file_name("acquisition", date(2026, 9, 7), date(2026, 11, 29)) == \
        "acquisition_2026-09-07_to_2026-11-29.csv"
    assert exports.dated_file_name("sources", date(2026, 11, 16)) == "sources_2026-11-16.csv"
    assert exports.dated_file_name("weekly review", date(2026, 11, 16), date(2026, 11, 22), "zip") == \
        "weekly_review_2026-11-16_to_2026-11-22.zip"
    assert exports.dated_file_name("a/b:c", date(2026, 1, 1)) == "a_b_c_2026-01-01.csv"
    assert exports.dated_file_name("مصادر", date(2026, 1, 1)) == "مصادر_2026-01-01.csv"


def test_very_large_and_tiny_floats_are_written_without_exponent_notation():
    # 1e16 was written "1e+16", which the README's "plain numbers" rules out.
    df = pd.DataFrame({"big": [1e16, -2.5e17, 1.5e-07, 123456789012345678.0],
                       "whole": pd.array([10**18, -(10**18), 0, 7], dtype="int64"),
                       "mixed": [1e16, -3, "x", -0.0]})
    data = exports.to_csv_bytes(df)
    assert column(data, "big") == ["10000000000000000", "-250000000000000000", "0.00000015", "123456789012345680"]
    assert column(data, "whole") == ["1000000000000000000", "-1000000000000000000", "0", "7"]
    assert column(data, "mixed") == ["10000000000000000", "-3", "x", "0"]
    assert b"e+" not in data and b"e-" not in data
    assert float(column(data, "big")[1]) == -2.5e17 and float(column(data, "big")[2]) == 1.5e-07


def test_written_csv_gets_the_umask_mode_not_private_0600(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = exports.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
        assert os.stat(path).st_mode & 0o777 == 0o644
        os.umask(0o007)
        path = exports.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "out2.csv")
        assert os.stat(path).st_mode & 0o777 == 0o660
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out2.csv"]  # no temporary file left
