"""The weekly pack (rasl_data.outputs.weekly_pack): zip contents, CSVs against an independent pandas
computation, an HTML report that works offline, PNG charts and their labels. The ``report weekly``
CLI is tested in ``test_reports_cli.py``, the pack in Arabic in ``test_reports_arabic.py``."""

import os
import re
import shutil
from datetime import timedelta

import pytest
from reports_support import CSV_NAMES, HTML_NAME, SPAN, XLSX_NAME, open_pack, read_csv
from test_weekly import BASE, TODAY, TZ, WEEK, WEEK_END, build, oracle_frame, oracle_movers, oracle_weeks

from rasl_data.outputs import exports, weekly_pack

PNG_NAMES = ["charts/weekly_new_contacts.png", "charts/daily_new_contacts_by_source.png", "charts/movers_by_source.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HAVE_CHROMIUM = bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("google-chrome"))


@pytest.fixture
def db(make_cache):
    return build(make_cache)


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
