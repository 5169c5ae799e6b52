"""The weekly pack in Arabic: right to left, Arabic headings, month names and digits, sheet names
and chart titles read from the catalog; names people typed stay literal."""

import io

import pytest
from catalog_support import arabic as _arabic
from reports_support import CSV_NAMES, HTML_NAME, XLSX_NAME, open_pack, read_csv
from test_weekly import TODAY, TZ, WEEK, build

from rasl_data.outputs import weekly_pack


@pytest.fixture
def db(make_cache):
    return build(make_cache)


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


def test_arabic_summary_isolates_each_listed_source_so_whatsapp_keeps_their_order(db):
    """Regression: in Arabic the "top sources" items ran together into one left-to-right block, so
    WhatsApp showed the sources (and each count beside the wrong name) in reverse order."""
    from rasl_data import i18n
    from rasl_data.analytics import weekly_review

    with i18n.use("ar"):
        review = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    lines = review.summary.split("\n")
    label = _arabic("• Top sources: {sources}").split("{sources}")[0]
    [top] = [line for line in lines if line.startswith(label)]
    items = top[len(label):].split(" · ")
    listed = [i for i in items if not i.startswith("+")]
    assert listed and all(i.startswith("\u2068") and i.endswith("\u2069") for i in listed), items
    with i18n.use("en"):
        english = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY).summary
    [top_en] = [line for line in english.split("\n") if line.startswith("• Top sources: ")]
    assert "\u2068" not in top_en  # English (Latin names) as before
