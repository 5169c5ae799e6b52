"""The weekly pack (rasl_data.outputs.weekly_pack): zip contents, CSVs against an independent pandas
computation, an HTML report that works offline, PNG charts, and the ``report weekly`` CLI."""

import csv
import io
import os
import re
import shutil
import zipfile
from datetime import timedelta

import pytest
from test_weekly import BASE, TODAY, TZ, WEEK, WEEK_END, build, oracle_frame, oracle_movers, oracle_weeks

from rasl_data import cli
from rasl_data.outputs import exports, weekly_pack

SPAN = f"{WEEK.isoformat()}_to_{WEEK_END.isoformat()}"
CSV_NAMES = [f"{stem}_{SPAN}.csv" for stem in (
    "weekly_summary", "movers_by_source", "movers_by_campaign", "new_sources", "silent_sources", "spikes",
    "daily_new_contacts_by_source",
    # spend, performance and targets (rasl_data.analytics.business_review)
    "performance_by_channel", "performance_by_campaign", "performance_by_source", "spend_in_week",
    "target_pacing")]
HTML_NAME = f"weekly_review_{SPAN}.html"
XLSX_NAME = f"weekly_review_{SPAN}.xlsx"
PNG_NAMES = ["charts/weekly_new_contacts.png", "charts/daily_new_contacts_by_source.png", "charts/movers_by_source.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HAVE_CHROMIUM = bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("google-chrome"))


@pytest.fixture
def db(make_cache):
    return build(make_cache)


def open_pack(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def read_csv(zf: zipfile.ZipFile, name: str) -> list[dict]:
    raw = zf.read(name)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def unquote(text: str) -> str:
    """What a spreadsheet shows for a neutralised cell (the writer's leading apostrophe)."""
    return text[1:] if text.startswith("'") else text


def test_pack_without_images_has_every_file_and_says_why_no_png(db):
    data = weekly_pack.build_weekly_pack(db, None, TZ, "monday", TODAY, images=False)
    zf = open_pack(data)
    assert sorted(zf.namelist()) == sorted(["README.txt", "summary.txt", HTML_NAME, XLSX_NAME, *CSV_NAMES])
    readme = zf.read("README.txt").decode("utf-8")
    assert "Chart images (PNG) are not included" in readme
    assert "Asia/Riyadh" in readme and "2026-11-16 to 2026-11-22" in readme


def test_summary_txt_is_the_review_summary(db):
    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False))
    text = zf.read("summary.txt").decode("utf-8")
    lines = text.strip().splitlines()
    assert lines[0] == "Weekly review: 16–22 Nov 2026 (Asia/Riyadh)"
    assert len(lines) <= 12 and all(line.startswith("• ") for line in lines[1:])


def test_pack_csvs_match_an_independent_pandas_computation(db):
    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK + timedelta(days=3), TZ, "monday", TODAY, images=False))
    df = oracle_frame()

    summary = {r["metric"]: r for r in read_csv(zf, CSV_NAMES[0])}
    weeks = df.groupby("week").size().reindex(range(5), fill_value=0)
    assert summary["New contacts"]["this_week"] == str(weeks[4])
    assert summary["New contacts"]["previous_week"] == str(weeks[3])
    assert float(summary["New contacts"]["avg_4_weeks"]) == pytest.approx(weeks[:4].sum() / 4)
    assert summary["New contacts"]["week_start"] == "2026-11-16"

    per = oracle_weeks(df, "source")
    up, down = oracle_movers(per)
    movers = read_csv(zf, CSV_NAMES[1])
    got = [(unquote(r["source"]), int(r["this_week"]), int(r["previous_week"]), int(r["change_abs"])) for r in movers]
    assert got == up + down
    for r in movers:  # "new" where the base was zero, else a fraction
        if r["previous_week"] == "0":
            assert r["is_new"] == "True" and r["change_pct"] == ""
        else:
            assert float(r["change_pct"]) == pytest.approx(int(r["change_abs"]) / int(r["previous_week"]))
    # the Unattributed row has no id; live sources keep theirs
    assert [r["source_id"] for r in movers if r["source"] == "Unattributed"] == [""]

    camp = df[~df["campaign"].isin(["No campaign", "Unattributed"])]
    up_c, down_c = oracle_movers(oracle_weeks(camp, "campaign"))
    got_c = [(r["campaign"], int(r["this_week"]), int(r["previous_week"]), int(r["change_abs"]))
             for r in read_csv(zf, CSV_NAMES[2])]
    assert got_c == up_c + down_c

    week = df[df["week"] == 4]
    counts = week.groupby(["source", "day"]).size()
    expected_daily = {(s, (WEEK + timedelta(days=i)).isoformat()): int(counts.get((s, WEEK + timedelta(days=i)), 0))
                      for s in week["source"].unique() for i in range(7)}
    got_daily = {(unquote(r["source"]), r["day"]): int(r["new_contacts"]) for r in read_csv(zf, CSV_NAMES[6])}
    assert got_daily == expected_daily

    assert {unquote(r["source"]) for r in read_csv(zf, CSV_NAMES[3])} == \
        {"TikTok / Eid", "<img src=x onerror=alert(1)>", "Snap / Eid"}
    silent = read_csv(zf, CSV_NAMES[4])
    assert [(r["source"], r["last_contact"], r["contacts_4_weeks"]) for r in silent] == \
        [("Facebook / Eid", "2026-11-12", "12")]
    spikes = read_csv(zf, CSV_NAMES[5])
    assert ("source", "Instagram / Ramadan", "spike") in {(r["dimension"], r["name"], r["direction"]) for r in spikes}


def test_html_report_is_offline_and_escapes_source_names(db):
    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False))
    page = zf.read(HTML_NAME).decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert '<script src="http' not in page  # no CDN: plotly.js is inline
    assert not re.search(r"<script[^>]*\ssrc\s*=", page, re.IGNORECASE)  # no external script of any kind
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", page, re.IGNORECASE)  # nor stylesheet
    assert len(page) > 1_000_000  # plotly.js itself is inline
    assert page.count('class="plotly-graph-div"') == len(weekly_pack.CHART_NAMES)
    assert "<img src=x onerror" not in page  # a hostile source name is text, never markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "واتساب / رمضان" in page


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="no Chromium on PATH or BROWSER_PATH: kaleido cannot draw PNGs")
def test_pack_with_images_holds_real_pngs(db):
    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY))
    for name in PNG_NAMES:
        assert zf.read(name).startswith(PNG_SIGNATURE), name
    assert "not included" not in zf.read("README.txt").decode("utf-8")


def test_a_missing_browser_still_builds_the_pack_and_readme_says_why(db, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY))
    assert not [n for n in zf.namelist() if n.endswith(".png")]
    readme = zf.read("README.txt").decode("utf-8")
    assert "Chart images (PNG) are not included" in readme and "nonexistent" in readme
    assert HTML_NAME in zf.namelist()


# --- CLI ------------------------------------------------------------------------------------------


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


def test_pack_file_names_follow_the_dated_convention(db):
    from rasl_data.analytics import weekly_review

    review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    names = weekly_pack.pack_file_names(review)
    assert names["movers_by_source"] == exports.dated_file_name("movers_by_source", WEEK, WEEK_END)
    assert weekly_pack.pack_zip_name(review) == f"weekly_review_{SPAN}.zip"
    assert review.baseline_start == BASE


# --- regressions: file modes in the zip, wrapped dates, labels over names, multi-line names ----------


def test_files_in_the_pack_unpack_as_0644_not_private_0600(db, tmp_path):
    data = weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False)
    zf = open_pack(data)
    for info in zf.infolist():
        assert info.create_system == 3, info.filename  # Unix: unzip applies the mode
        assert info.external_attr >> 16 == 0o100644, (info.filename, oct(info.external_attr >> 16))
    unzip = shutil.which("unzip")
    if unzip is None:
        pytest.skip("no unzip to unpack with")
    import subprocess

    (tmp_path / "pack.zip").write_bytes(data)
    old = os.umask(0o022)
    try:
        subprocess.run([unzip, "-q", str(tmp_path / "pack.zip"), "-d", str(tmp_path / "out")], check=True)
    finally:
        os.umask(old)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert sorted(p.name for p in files) == sorted(n.split("/")[-1] for n in zf.namelist())
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {oct(0o644)}


def test_dates_in_the_html_tables_never_wrap_and_numbers_are_right_aligned(db):
    page = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False)).read(HTML_NAME).decode()
    css = page[page.index("<style>"):page.index("</style>")]
    assert re.search(r"td\.date\s*\{[^}]*white-space:\s*nowrap", css)
    assert re.search(r"td\.num\s*\{[^}]*text-align:\s*right[^}]*white-space:\s*nowrap", css)
    # Every ISO date cell carries the class that keeps it on one line (week start and end, days,
    # first and last contacts): none is left in a plain cell.
    dates = re.findall(r"<td([^>]*)>(\d{4}-\d{2}-\d{2})</td>", page)
    assert len(dates) >= 14 + 7 * 2  # 7 metric rows × 2, and the daily table
    assert {attrs for attrs, _ in dates} == {' class="date"'}
    assert '<td class="num">31</td>' in page  # this week's new contacts, by hand count


def test_movers_chart_labels_of_negative_bars_stay_clear_of_the_source_names(db):
    from rasl_data.analytics import weekly_review

    review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    fig = weekly_pack.weekly_figures(review)["movers_by_source"]
    bar = fig.data[0]
    changes = list(bar.x)
    assert min(changes) == -6 and max(changes) == 17  # Facebook / Eid -6, Instagram / Ramadan +17
    # Labels go past the end of each bar, never "auto" (which put negative ones over the names).
    assert bar.textposition == "outside"
    lo, hi = fig.layout.xaxis.range
    span = 17 - (-6)
    assert lo <= -6 - 0.3 * span and hi >= 17 + 0.3 * span  # room for a label beyond each bar end


def test_movers_range_leaves_room_only_on_the_sides_with_bars():
    assert weekly_pack.movers_range([5, 10]) == pytest.approx([-0.2, 10 + 3.5])
    assert weekly_pack.movers_range([-40, 3]) == pytest.approx([-40 - 0.35 * 43, 3 + 0.35 * 43])
    assert weekly_pack.movers_range([-4]) == pytest.approx([-4 - 1.4, 0.08])


def test_chart_labels_and_legends_fold_names_with_line_breaks(make_cache):
    from test_weekly import SOURCES

    from rasl_data.analytics import weekly_review

    sources = [(i, "Instagram\n/\nRamadan" if i == 1 else ("Facebook / Eid\r\nold" if i == 3 else n), d)
               for i, n, d in SOURCES]
    db = build(make_cache, sources=sources)
    review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    figures = weekly_pack.weekly_figures(review)
    names = [t.name for t in figures["daily_new_contacts_by_source"].data]
    assert "Instagram / Ramadan" in names and not any("\n" in n or "\r" in n for n in names)
    labels = list(figures["movers_by_source"].data[0].y)
    assert "Instagram / Ramadan" in labels and "Facebook / Eid old" in labels
    for fig in figures.values():
        assert "\n" not in (fig.layout.title.text or "")
    page = weekly_pack.weekly_html(review, figures)
    summary = page[page.index('<pre class="summary">'):page.index("</pre>")]
    assert len(summary.splitlines()) <= 12 and "Instagram / Ramadan 20" in summary
    assert not re.search(r"<h[1-3][^>]*>[^<]*\n", page)  # every heading is one line


def test_long_source_names_are_cut_in_chart_labels_but_kept_whole_in_tables(make_cache):
    from test_weekly import SOURCES

    from rasl_data.analytics import weekly_review

    long_name = "Instagram / " + "Ramadan offer " * 10
    db = build(make_cache, sources=[(i, long_name if i == 1 else n, d) for i, n, d in SOURCES])
    review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    labels = list(weekly_pack.weekly_figures(review)["movers_by_source"].data[0].y)
    cut = [label for label in labels if label.startswith("Instagram / Ramadan offer")]
    assert len(cut) == 1 and len(cut[0]) == weekly_pack.MAX_LABEL_CHARS and cut[0].endswith("…")
    assert long_name in set(review.movers_sources["source"])


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


# --- the pack in Arabic ---------------------------------------------------------------------------


def _arabic(msgid: str) -> str:
    """The Arabic of ``msgid`` read from the catalog itself (babel's reader, not the dashboard's ``_``)."""
    from babel.messages.pofile import read_po

    from rasl_data import i18n

    with i18n.po_path("ar").open("rb") as fh:
        entry = read_po(fh, locale="ar").get(msgid)
    assert entry is not None and entry.string, msgid
    return entry.string


def test_weekly_pack_in_arabic_reads_right_to_left_with_arabic_headings_months_and_literal_names(db):
    import openpyxl

    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False, language="ar"))
    page = zf.read(HTML_NAME).decode("utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    # Headings: hand-written, and read from the .po.
    assert "<h1>المراجعة الأسبوعية: 16–22 نوفمبر 2026</h1>" in page
    assert "<h2>الملخص</h2>" in page
    assert f"<h2>{_arabic('This week in numbers')}</h2>" in page
    assert f"<h2>{_arabic('Spikes and drops beyond small-number noise')}</h2>" in page
    assert f"<th>{_arabic('this week')}</th>" in page and "<th>this week</th>" not in page
    # Arabic month names (a hand-written oracle): the week, and the first of the 4 weeks before.
    assert "19 أكتوبر 2026" in page and "Oct" not in page.split("<h2>")[0]
    # Names are data: literal (escaped) in Arabic too, never translated.
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "واتساب / رمضان" in page and "Instagram / Ramadan" in page
    summary = zf.read("summary.txt").decode("utf-8")
    assert summary.splitlines()[0] == "المراجعة الأسبوعية: 16–22 نوفمبر 2026 (Asia/Riyadh)"
    assert "<img src=x onerror=alert(1)>" in summary and "Instagram / Ramadan 20" in summary
    # The fixed label Unattributed is translated; a source typed by a user is not.
    assert "غير منسوب" in summary
    assert zf.read("README.txt").decode("utf-8").startswith("حزمة المراجعة الأسبوعية: 16–22 نوفمبر 2026")
    # The CSVs stay machine-readable: English column names and values, in Arabic too.
    rows = read_csv(zf, CSV_NAMES[0])
    assert "this_week" in rows[0] and rows[0]["metric"] == "New contacts"
    # The workbook: Arabic sheet names and header row, right to left; the cells keep their types.
    wb = openpyxl.load_workbook(io.BytesIO(zf.read(XLSX_NAME)))
    ws = wb[_arabic("This week in numbers")]
    assert ws.sheet_view.rightToLeft
    header = [c.value for c in ws[1]]
    assert header[:4] == [_arabic("week start"), _arabic("week end"), _arabic("metric"), _arabic("this week")]
    assert ws["C2"].value == "جهات الاتصال الجديدة" and ws["D2"].value == 31  # hand count, a number cell


def test_weekly_pack_in_arabic_with_arabic_indic_digits(db):
    zf = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False, language="ar",
                                                 digits="arabic-indic"))
    page = zf.read(HTML_NAME).decode("utf-8")
    assert "<h1>المراجعة الأسبوعية: ١٦–٢٢ نوفمبر ٢٠٢٦</h1>" in page
    assert zf.read("summary.txt").decode("utf-8").startswith("المراجعة الأسبوعية: ١٦–٢٢ نوفمبر ٢٠٢٦")


def test_english_pack_is_left_to_right_and_unchanged_by_an_arabic_pack_built_before(db):
    weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False, language="ar")
    page = open_pack(weekly_pack.build_weekly_pack(db, WEEK, TZ, "monday", TODAY, images=False)).read(HTML_NAME).decode()
    assert '<html lang="en" dir="ltr">' in page and "<h1>Weekly review: 16–22 Nov 2026</h1>" in page


def test_charts_in_arabic_have_arabic_titles_and_read_from_the_right(db):
    from rasl_data.analytics import weekly_review

    review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    figures = weekly_pack.weekly_figures(review, language="ar")
    weekly, daily, movers = (figures[n] for n in weekly_pack.CHART_NAMES)
    assert weekly.layout.title.text == "جهات الاتصال الجديدة أسبوعيًا، 16–22 نوفمبر 2026"
    assert weekly.layout.xaxis.title.text == _arabic("Week starting")
    assert weekly.layout.yaxis.title.text == _arabic("New contacts")
    # Time runs from the right (x reversed), counts on the right; the movers' names on the right too.
    for fig in (weekly, daily):
        assert fig.layout.xaxis.autorange == "reversed" and fig.layout.yaxis.side == "right"
    assert movers.layout.yaxis.side == "right" and movers.layout.xaxis.range[0] > movers.layout.xaxis.range[1]
    assert list(daily.data[0].x)[0] == "الاثنين 16 نوفمبر"
    legend = [t.name for t in daily.data]
    assert "غير منسوب" in legend and "Unattributed" not in legend  # the fixed label, translated
    assert "Instagram / Ramadan" in legend and "واتساب / رمضان" in legend  # names as typed
    # English stays as it was: left to right, English titles.
    english = weekly_pack.weekly_figures(review)["weekly_new_contacts"]
    assert english.layout.xaxis.autorange is None and english.layout.title.text.startswith("New contacts per week")


def test_a_source_named_like_the_arabic_unattributed_keeps_its_own_legend_entry(make_cache, tmp_path):
    from datetime import datetime, timezone

    from rasl_data.analytics import weekly_review

    utc = timezone.utc
    db = make_cache(tmp_path, sources=[{"id": 1, "name": "غير منسوب"}],  # a user's name, equal to the translation
                    contacts=[{"id": 1, "source_id": 1, "created_at": datetime(2026, 11, 17, 9, tzinfo=utc)},
                              {"id": 2, "source_id": None, "created_at": datetime(2026, 11, 18, 9, tzinfo=utc)}])
    review = weekly_review.weekly_review(db, WEEK, "UTC", "monday", TODAY)
    daily = weekly_pack.weekly_figures(review, language="ar")["daily_new_contacts_by_source"]
    names = [t.name for t in daily.data]
    assert len(names) == 2 and len(set(names)) == 2  # two series, never merged into one
    assert {n.replace("\u200b", "") for n in names} == {"غير منسوب"}
