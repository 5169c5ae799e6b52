"""The dashboard's pages in Arabic (``?lang=ar``) on the hand-counted cache of test_app_pages.py.

Expected Arabic comes from the catalog read independently with Babel's ``read_po`` (``po``), or
is written out by hand below; never from ``i18n._``. Names the user typed (sources, channels)
stay as typed; ``Unattributed`` (a key) is shown translated while the key, the URL and the
filters keep English values. With ``RASL_DIGITS=arabic-indic`` the KPI numbers use ٠-٩.

Hand count (see test_app_pages.py): range 2026-03-02..08 vs 2026-02-23..03-01: 8 new contacts
(+4, +100 %), 2 unattributed (25 %, +25 pts), conversion 25 % (no change).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from apptest_support import ARABIC, CUSTOM_QP, assert_clean, run_app, small_tables
from babel.messages.pofile import read_po

from rasl_data import i18n
from rasl_data.settings import load_settings

pytestmark = pytest.mark.usefixtures("isolated")

AR_QP = dict(CUSTOM_QP, lang="ar")
UNATTRIBUTED_AR = "غير منسوب"  # the glossary's word, by hand


@pytest.fixture(scope="module")
def po():
    """``po(msgid)``: the Arabic of ``msgid`` in the catalog file (plural entries: the form list)."""
    with i18n.po_path("ar").open("rb") as fh:
        catalog = read_po(fh, locale="ar")

    def arabic(msgid: str):
        entry = catalog.get(msgid)
        assert entry is not None and entry.string, f"no Arabic for {msgid!r} in the catalog"
        return entry.string

    return arabic


@pytest.fixture
def digits_ws(tmp_path, make_cache):
    """The hand-counted cache in a workspace set to ``RASL_DIGITS=arabic-indic``."""
    from rasl_data.cache.workspace import Workspace
    from ui import context

    reader = make_cache(tmp_path, name="small.duckdb", **small_tables())
    settings = load_settings({"RASL_CACHE_PATH": str(reader.path), "RASL_BASE_URL": "https://rasl.test/api/v2",
                              "RASL_DIGITS": "arabic-indic"},
                             secrets_path=tmp_path / "no-secrets.toml", environ={})
    context.WORKSPACE_OVERRIDE = Workspace(settings)
    return context.WORKSPACE_OVERRIDE


def metric_map(at) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def texts(elements) -> list[str]:
    return [e.value for e in elements]


# --- titles, headings, KPI names ---------------------------------------------------------------


@pytest.mark.parametrize("page, title", [
    ("pages/overview.py", "Overview"), ("pages/sources.py", "Sources"),
    ("pages/campaigns.py", "Campaigns & channels"), ("pages/conversion.py", "Conversion"),
    ("pages/health.py", "Data health"), ("pages/audit.py", "Audit log"),
])
def test_every_page_title_is_arabic_with_lang_ar(small_ws, po, page, title):
    at = run_app(AR_QP, page)
    assert_clean(at)
    assert at.title[0].value == po(title)


def test_overview_in_arabic_has_arabic_headings_and_kpi_names_and_western_digits_by_default(small_ws, po):
    at = run_app(AR_QP)
    assert_clean(at)
    assert {po("New contacts over time"), po("Top sources")} <= set(texts(at.header))
    m = metric_map(at)
    assert set(m) == {po("New contacts"), po("Unattributed share"), po("Conversion rate")}
    # RASL_DIGITS defaults to western: the hand-counted numbers in 0-9.
    assert m[po("New contacts")] == ("8", "+4 (+100.0%)")
    assert m[po("Unattributed share")] == ("25.0%", po("{change} pts").format(change="+25.0"))
    assert m[po("Conversion rate")] == ("25.0%", po("no change"))
    # The range caption names the months in Arabic (hand-written: March = مارس).
    assert at.caption[0].value.startswith("2 مارس – 8 مارس 2026")


def test_overview_in_arabic_with_arabic_indic_digits(digits_ws, po):
    at = run_app(AR_QP)
    assert_clean(at)
    m = metric_map(at)
    # Hand-written: 8 → ٨, +4 → +٤, 100.0 → ١٠٠٫٠ (CLDR's Arabic decimal sign ٫ with these digits).
    assert m[po("New contacts")] == ("٨", "+٤ (+١٠٠٫٠%)")
    assert m[po("Unattributed share")][0] == "٢٥٫٠%"
    assert m[po("Unattributed share")][1] == "+٢٥٫٠ نقطة"
    assert at.caption[0].value.startswith("٢ مارس – ٨ مارس ٢٠٢٦ (٧ أيام، UTC)")
    # The delta's sign stays ASCII so Streamlit still draws the arrow up (and colours by it).
    assert all(not d or d[0] in "+-" or not d[0].isdigit() for _, d in m.values())


def test_english_default_keeps_western_digits_even_with_arabic_indic_set(digits_ws):
    at = run_app(CUSTOM_QP)
    assert_clean(at)
    m = metric_map(at)
    assert m["New contacts"] == ("8", "+4 (+100.0%)")
    assert at.title[0].value == "Overview"


# --- tables: headers translated, names literal, Unattributed translated ----------------------


def test_top_sources_table_in_arabic_keeps_typed_names_and_translates_unattributed(small_ws, po):
    at = run_app(AR_QP)
    table = at.dataframe[0].value
    # Right to left, the columns run from the right: the first column (the source) is the frame's last.
    assert list(table.columns[::-1][:3]) == [po("Source"), po("New contacts"), po("Share")]
    counts = dict(zip(table[po("Source")], table[po("New contacts")]))
    # Typed names as typed (Latin and Arabic alike), counts by hand.
    assert counts["WhatsApp"] == 3 and counts["Instagram / Ramadan offer"] == 2 and counts[ARABIC] == 1
    assert counts[UNATTRIBUTED_AR] == 2
    assert "Unattributed" not in counts


def test_sources_page_in_arabic_note_counts_sources_in_arabic(small_ws, po):
    at = run_app(AR_QP, "pages/sources.py")
    assert_clean(at)
    table = at.dataframe[0].value
    assert UNATTRIBUTED_AR in set(table[po("Source")])
    assert {po("Channel"), po("Campaign"), po("All-time contacts"), po("First contact")} <= set(table.columns)
    # 3 named sources with contacts (hand count): the "few" plural form (3-10) of the catalog.
    few = po("{n} source with contacts in the range or the compared period (and Unattributed: contacts without "
             "a known source).")[3]
    assert any(c.value.startswith(few.format(n="3")) for c in at.caption), texts(at.caption)


def test_conversion_and_health_pages_in_arabic(small_ws, po):
    at = run_app(AR_QP, "pages/conversion.py")
    assert_clean(at)
    m = metric_map(at)
    assert m[po("New contacts")][0] == "8" and m[po("Customers now")][0] == "2"
    assert m[po("Conversion rate")][0] == "25.0%"
    assert po("Status mix by source") in texts(at.header)
    at = run_app(AR_QP, "pages/health.py")
    assert_clean(at)
    assert {po("Sources that look like duplicates"), po("Contacts without a known source"),
            po("Sources that went silent"), po("Freshness and sync log")} <= set(texts(at.header))
    log = at.dataframe[-1].value
    assert po("Started (UTC)") in log.columns and po("success") in set(log[po("Outcome")])


def test_audit_page_in_arabic_translates_filters_and_keeps_keys(small_ws, po):
    at = run_app(AR_QP, "pages/audit.py")
    assert_clean(at)
    period = at.selectbox(key="au_period")
    assert period.label == po("Period")
    assert period.value == "30"  # the key stays; only its label is Arabic
    assert po("Last 30 days") in period.options
    assert at.selectbox(key="au_action").placeholder == po("Every action")


# --- the sidebar: labels in Arabic, URL values in English --------------------------------------


def test_sidebar_filters_in_arabic_keep_english_url_values(small_ws, po):
    at = run_app(AR_QP)
    preset = at.sidebar.selectbox(key="f_preset")
    assert preset.label == po("Date range")
    assert "آخر 7 أيام" in preset.options  # hand-written: Last 7 days
    assert preset.value == "custom"
    compare = at.sidebar.radio(key="f_compare")
    assert compare.label == po("Compare with") and po("Previous period") in compare.options
    channels = at.sidebar.multiselect(key="f_channels")
    assert UNATTRIBUTED_AR in channels.options and "Unattributed" not in channels.options
    assert "WhatsApp" in channels.options  # a channel name is data
    # Picking the translated option filters on the English key.
    channels.select(UNATTRIBUTED_AR).run()
    assert at.session_state["f_channels"] == ["Unattributed"]
    assert at.query_params["ch"] == "Unattributed"
    assert at.query_params["range"] == "custom" and at.query_params["compare"] == "previous"
    assert at.query_params["lang"] == "ar"


# --- charts: fixed legend entries translated, keys unchanged -------------------------------------


def test_chart_legend_translates_unattributed_and_keeps_typed_names(small_ws, po):
    at = run_app(AR_QP)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t.get("name", "") for t in spec["data"]]
    plain = [n.replace("\u200e", "") for n in names]
    assert UNATTRIBUTED_AR in plain and "WhatsApp" in plain and ARABIC in plain
    assert "Unattributed" not in plain
    assert po("Total, previous period") in plain
    bars = {n.replace("\u200e", ""): t for n, t in zip(names, spec["data"]) if t.get("type") == "bar"}
    assert bars[UNATTRIBUTED_AR]["customdata"][0] == [""]  # the click key of Unattributed is unchanged
    # Hover text: Arabic month names (hand-written), no English month.
    hover = " ".join(bars["WhatsApp"]["hovertext"])
    assert "مارس" in hover and "Mar" not in hover
    ticks = " ".join(spec["layout"]["xaxis"]["ticktext"])
    assert "مارس" in ticks and "Mar" not in ticks


def test_stacked_bars_fold_into_other_shown_as_arabic_other():
    import pandas as pd

    from ui import charts

    rows = [{"period_start": date(2026, 3, 2), "channel": f"Ch{i}", "new_contacts": 20 - i} for i in range(5)]
    df = pd.DataFrame(rows)
    with i18n.use("ar", "arabic-indic"):
        fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="channel", max_series=3)
    # Legend entries with Arabic letters are wrapped in left-to-right marks (charts.ltr_label).
    names = [t.name for t in fig.data]
    assert names == ["Ch0", "Ch1", "\u200eأخرى\u200e"]
    assert fig.data[-1].customdata[0][0] == "Other"  # the key a click sees
    assert fig.data[0].hovertext[0] == "٢ مارس ٢٠٢٦: ٢٠"  # hand-written: 2 March 2026, 20 contacts
    assert fig.layout.yaxis.title.text == "جهات الاتصال الجديدة"


# --- downloads: headers translated in the dashboard only ---------------------------------------


def _offered(monkeypatch, qp, page=None):
    import streamlit as st

    offered = {}
    real = st.download_button

    def record(label, data, **kw):
        offered[kw["key"]] = (label, data)
        return real(label, data, **kw)

    monkeypatch.setattr(st, "download_button", record)
    run_app(qp, page)
    return offered


def _csv_rows(data) -> list[list[str]]:
    raw = data() if callable(data) else data
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_downloads_in_arabic_have_arabic_headers_and_english_keeps_machine_names(small_ws, po, monkeypatch):
    offered = _offered(monkeypatch, AR_QP)
    label, data = offered["dl_ov_top"]
    assert label == po("Download {format}").format(format="CSV")
    rows = _csv_rows(data)
    assert rows[0][:3] == [po("Source id"), po("Source"), po("New contacts")]
    sources = [r[1] for r in rows[1:]]
    assert UNATTRIBUTED_AR in sources and ARABIC in sources and "WhatsApp" in sources
    english = _csv_rows(_offered(monkeypatch, CUSTOM_QP)["dl_ov_top"][1])
    assert english[0][:3] == ["source_id", "source", "new_contacts"]
    assert "Unattributed" in [r[1] for r in english[1:]]


# --- small pieces ---------------------------------------------------------------------------------


def test_humanize_age_uses_arabic_plural_forms():
    from ui import context

    now = datetime(2026, 3, 8, 12, tzinfo=timezone.utc)
    with i18n.use("ar"):
        # Hand-written: 3-10 take the plural دقائق; 11-99 the singular accusative; 1 and 2 the singular.
        assert context.humanize_age(now - timedelta(minutes=5), now) == "تمت المزامنة قبل 5 دقائق"
        assert context.humanize_age(now - timedelta(minutes=11), now) == "تمت المزامنة قبل 11 دقيقة"
        assert context.humanize_age(now - timedelta(hours=3), now) == "تمت المزامنة قبل 3 ساعات"
        assert context.humanize_age(now - timedelta(days=12), now) == "تمت المزامنة قبل 12 يومًا"
        assert context.humanize_age(None) == "لم تتم المزامنة قط"
    with i18n.use("ar", "arabic-indic"):
        assert context.humanize_age(now - timedelta(minutes=5), now) == "تمت المزامنة قبل ٥ دقائق"
    with i18n.use("en"):
        assert context.humanize_age(now - timedelta(minutes=5), now) == "synced 5 min ago"


def test_preset_and_comparison_labels_translate_but_keys_stay_english():
    from rasl_data.analytics import periods

    with i18n.use("ar"):
        assert periods.preset_label("last 7 days") == "آخر 7 أيام"
        assert periods.compare_label("last_year") == "الفترة نفسها من العام الماضي"
        assert periods.granularity_label("week") == "أسبوع"
        # Errors a user can meet are Arabic too, the typed value quoted as typed.
        with pytest.raises(ValueError, match="ليس تاريخًا"):
            periods.parse_date("2026-02-30")
    with i18n.use("en"):
        assert periods.preset_label("last 7 days") == "Last 7 days"
    assert "last 7 days" in periods.PRESETS


def test_fmt_range_and_percentages_in_arabic():
    from ui import widgets

    with i18n.use("ar", "arabic-indic"):
        assert widgets.fmt_range(date(2026, 9, 1), date(2026, 11, 23)) == "١ سبتمبر – ٢٣ نوفمبر ٢٠٢٦"
        assert widgets.fmt_pct(0.253) == "٢٥٫٣%"
        assert widgets.points_text(-0.015) == "-١٫٥ نقطة"
    with i18n.use("en"):
        assert widgets.fmt_range(date(2025, 12, 29), date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"
        assert widgets.fmt_pct(0.253) == "25.3%"
        assert widgets.points_text(-0.015) == "-1.5 pts"


def test_display_name_translates_only_the_dashboards_own_names():
    from rasl_data.analytics import source_names

    with i18n.use("ar"):
        assert source_names.display_name("Unattributed") == UNATTRIBUTED_AR
        assert source_names.display_name("No campaign") == "بلا حملة"
        assert source_names.display_name(ARABIC) == ARABIC
        assert source_names.display_name("<b>Promo</b>") == "<b>Promo</b>"
        assert source_names.display_name(None) == ""
    assert source_names.display_name("Unattributed") == "Unattributed"


def test_arabic_audit_download_keeps_its_text_columns_as_text():
    # The audit download names its text columns (an id "007" stays text); in Arabic the headers
    # change, so the text columns must follow them or the export refuses the unknown column.
    import openpyxl
    import pandas as pd

    from rasl_data.cache import audit
    from rasl_data.outputs import exports
    from ui import widgets

    log = pd.DataFrame([{"id": 1, "occurred_at": datetime(2026, 3, 2, 9, tzinfo=timezone.utc), "actor": "sara",
                         "role": "editor", "action": "source.rename", "object_type": "source", "object_id": "007",
                         "object_name": ARABIC, "before": "{}", "after": "{}", "outcome": "done", "message": ""}])
    with i18n.use("ar"):
        shown, renames = widgets.download_frame(audit.export_frame(log))
    text_columns = [renames.get(c, c) for c in audit.TEXT_COLUMNS]
    book = openpyxl.load_workbook(io.BytesIO(exports.table_bytes(shown, "xlsx", text_columns=text_columns)))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    header = rows[0]
    assert "معرّف العنصر" in header and "الشخص" in header  # hand-written: Object id, Person
    assert rows[1][header.index("معرّف العنصر")] == "007"
    assert rows[1][header.index("العنصر")] == ARABIC


def test_axis_ticks_use_arabic_indic_digits_at_the_same_values():
    import pandas as pd

    from rasl_data.analytics import axes
    from ui import charts

    df = pd.DataFrame({"period_start": [date(2026, 3, 2), date(2026, 3, 9)], "channel": ["WhatsApp"] * 2,
                       "new_contacts": [13, 4]})
    with i18n.use("ar", "arabic-indic"):
        fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="channel")
    # axes.count_ticks(13) steps by 5 (tested in test_chart_axes.py): 0, 5, 10, 15, written by hand.
    assert axes.count_ticks(13)["dtick"] == 5
    assert list(fig.layout.yaxis.tickvals) == [0, 5, 10, 15]
    assert list(fig.layout.yaxis.ticktext) == ["٠", "٥", "١٠", "١٥"]
    with i18n.use("ar", "western"):
        fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="channel")
    assert fig.layout.yaxis.tickmode == "linear" and fig.layout.yaxis.dtick == 5  # Plotly's own labels
