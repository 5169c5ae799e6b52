"""The Performance, Weekly review and Settings pages, the source forms and the attribution editors
in Arabic (``?lang=ar`` or the session's language), on the hand-counted cache of
``test_app_pages``.

Expected Arabic is read from the catalog with Babel (``read_po``), independently of the layer the
dashboard translates with, or written out by hand; names the user typed must stay as typed.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest
from apptest_support import ARABIC, CUSTOM_QP, assert_clean, make_workspace, metrics, run_app, small_tables
from babel.messages.pofile import read_po
from markup import rendered_text

from rasl_data import i18n
from rasl_data.analytics import spend
from rasl_data.emulator import EmulatorApp, TokenSpec, empty_tenant

pytestmark = pytest.mark.usefixtures("isolated")  # conftest.py: off ~/.cache, app.py on every run

AR_QP = {**CUSTOM_QP, "lang": "ar"}
TOKEN = "wm_" + "a" * 60
# WhatsApp: 310 over March (10 a day); campaign "Ramadan offer": 140 over 1..14 March.
SPEND = [("2026-03-01", "2026-03-31", "source", "WhatsApp", 310.0),
         ("2026-03-01", "2026-03-14", "campaign", "Ramadan offer", 140.0)]


@pytest.fixture(scope="module")
def po():
    """msgid → Arabic, read from the catalog file (plural entries: msgid of the singular → forms)."""
    with i18n.po_path("ar").open("rb") as fh:
        catalog = read_po(fh, locale="ar")
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalog if m.id}


def _workspace(tmp_path, make_cache):
    from ui import context

    tables = small_tables()
    tables["spend"] = [dict(id=i + 1, start=s, end=e, level=lv, name=n, amount=a,
                            source_id=1 if lv == "source" else None) for i, (s, e, lv, n, a) in enumerate(SPEND)]
    reader = make_cache(tmp_path, name="ar.duckdb", **tables)
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    return context.WORKSPACE_OVERRIDE


def _texts(at) -> str:
    """Every title, header, caption, box and label of the run, rendered, in one string."""
    parts = [e.value for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error",
                                  "success") for e in at.get(kind)]
    parts += [e.label for kind in ("button", "selectbox", "radio", "multiselect", "text_input", "toggle", "metric",
                                   "expander", "date_input", "number_input") for e in at.get(kind)]
    parts += [t.label for t in at.tabs]
    return " | ".join(rendered_text(p) for p in parts)


# --- Performance ------------------------------------------------------------------------------


def test_performance_page_in_arabic_shows_translated_headings_and_literal_names(tmp_path, make_cache, po):
    _workspace(tmp_path, make_cache)
    at = run_app(AR_QP, "pages/performance.py")
    assert_clean(at)
    assert at.title[0].value == po["Performance"] == "الأداء"
    m = metrics(at)
    # The same hand-counted figures as in English (test_pages_performance), under Arabic labels.
    assert m[po["Spend"]][0] == "140" and m[po["Cost per lead"]][0] == "17.50"
    assert m[po["Customers"]][0] == "2" and m[po["Conversion rate"]][0] == "25.0%"
    assert {t.label for t in at.tabs} >= {po["By source, campaign, channel"], po["Funnel by status"], po["Spend"],
                                         po["Targets"]}
    table = at.dataframe[0].value.set_index("المصدر")
    assert table.loc["WhatsApp", po["Spend"]] == pytest.approx(70.0)
    assert table.loc[ARABIC, po["New contacts"]] == 1  # an Arabic source name, as typed
    assert "غير منسوب" in table.index  # Unattributed, shown in Arabic (hand-written)
    assert "Unattributed" not in table.index
    assert table.loc["Ramadan offer (إنفاق الحملة)", po["Spend"]] == pytest.approx(70.0)
    assert "customer =" not in at.caption[0].value and "العميل = النوع عميل" in at.caption[0].value


def test_a_source_named_unattributed_by_a_user_keeps_its_name_in_arabic(tmp_path, make_cache):
    from ui import performance_views as pv

    with i18n.use("ar"):
        frame = pd.DataFrame({"source_id": pd.array([7, None], dtype="Int64"),
                              "source": ["Unattributed", "Unattributed"]})
        assert pv.shown_names(frame, "source") == ["Unattributed", "غير منسوب"]
        assert pv.shown_name("No campaign") == "بلا حملة" and pv.shown_name("عروض") == "عروض"


def test_refused_month_of_spend_in_arabic_says_why_and_keeps_what_was_typed(tmp_path, make_cache, po):
    ws = _workspace(tmp_path, make_cache)
    at = run_app(AR_QP, "pages/performance.py")
    at.selectbox(key="spm_level").set_value("campaign")
    at.selectbox(key="spm_name").set_value("WhatsApp")  # a source, not a campaign
    at.number_input(key="spm_amount").set_value(250.0)
    next(b for b in at.button if b.label == po["Add"]).click().run()
    assert not at.exception
    assert any(e.value.startswith("لم يُحفظ الإنفاق") for e in at.error), [e.value for e in at.error]
    problems = next(df.value for df in at.dataframe if "المشكلة" in df.value.columns)
    assert list(problems["المشكلة"]) == ["لا توجد حملة باسم 'WhatsApp'"]
    assert list(problems["السطر"]) == ["1"]
    assert at.selectbox(key="spm_level").value == "campaign" and at.number_input(key="spm_amount").value == 250.0
    assert len(spend.read_spend(ws.reader)) == 2


def test_performance_download_headers_are_arabic_in_the_dashboard_only(tmp_path, make_cache):
    from ui import performance_views as pv

    df = pd.DataFrame({"source_id": pd.array([1, None], dtype="Int64"), "source": ["WhatsApp", "Unattributed"],
                       "new_contacts": [3, 2], "cost_per_lead": [23.3, float("nan")]})
    with i18n.use("en"):
        assert pv.download_frame(df) is df  # English: the documented column names, unchanged
    with i18n.use("ar"):
        shown = pv.download_frame(df)
    assert list(shown.columns) == ["معرّف المصدر", "المصدر", "جهات الاتصال الجديدة", "تكلفة العميل المحتمل"]
    assert list(shown["المصدر"]) == ["WhatsApp", "غير منسوب"]
    assert list(df.columns) == ["source_id", "source", "new_contacts", "cost_per_lead"]  # the frame itself untouched


def test_spend_problems_in_arabic_keep_their_line_numbers():
    targets = spend.Targets({"source": {"whatsapp": ("WhatsApp", 1)}, "campaign": {}, "channel": {}})
    rows = pd.DataFrame([{"start": "2026-03-01", "end": "2026-03-31", "level": "channel", "name": "Nowhere",
                          "amount": "-5"}])
    with i18n.use("ar"):
        with pytest.raises(spend.SpendError) as info:
            spend.validate(rows, targets, first_line=7)
        line, text = spend.split_problem(info.value.problems[0])
    assert line == "7"
    assert text == "لا توجد قناة باسم 'Nowhere'؛ المبلغ -5 سالب"
    assert info.value.title == "لم يُحفظ الإنفاق: مشكلة واحدة (1)."


# --- Weekly review --------------------------------------------------------------------------------


def test_weekly_review_in_arabic(tmp_path, make_cache, po):
    _workspace(tmp_path, make_cache)
    at = run_app(AR_QP, "pages/weekly.py")
    at.date_input(key="wk_date").set_value(date(2026, 3, 4)).run()
    assert_clean(at)
    assert at.title[0].value == po["Weekly review"] == "المراجعة الأسبوعية"
    headers = [h.value for h in at.header]
    for english in ("Summary to share", "Top movers", "New sources", "Silent sources", "Spikes and drops"):
        assert po[english] in headers
    m = metrics(at)
    # 2..8 March: 8 new contacts (hand count in test_app_pages), 2 of them unattributed.
    assert m[po["New contacts"]][0] == "8" and m[po["Unattributed share"]][0] == "25.0%"
    movers = next(df.value for df in at.dataframe if "المصدر" in df.value.columns and "هذا الأسبوع" in df.value.columns)
    assert set(movers["المصدر"]) <= {"WhatsApp", "Instagram / Ramadan offer", ARABIC, "Old promo", "غير منسوب"}
    assert "Unattributed" not in set(movers["المصدر"])
    by_channel = next(df.value for df in at.dataframe if "القناة" in df.value.columns and po["Spend"] in df.value.columns)
    assert by_channel.set_index("القناة").loc["WhatsApp", po["New contacts"]] == 4


# --- Settings -------------------------------------------------------------------------------------


def test_settings_in_arabic_and_its_conversion_form(tmp_path, make_cache, po):
    ws = _workspace(tmp_path, make_cache)
    at = run_app(AR_QP, "pages/settings.py")
    assert_clean(at)
    assert at.title[0].value == "الإعدادات"
    headers = [h.value for h in at.header]
    for english in ("Workspace", "Sign-in and access", "Time zone and weeks", "Conversion and currency",
                    "API permissions", "Sync"):
        assert po[english] in headers
    assert ("يبدأ الأسبوع يوم", "الاثنين") in [(m.label, m.value) for m in at.metric]  # Monday (hand-written)
    table = at.dataframe[0].value
    assert list(table.columns) == ["القيمة", "الإعداد"]  # drawn from the right: the setting first
    at.radio(key="conv_kind").set_value("status")
    at.multiselect(key="conv_statuses").set_value(["Won"])
    next(b for b in at.button if b.label == "احفظ").click().run()
    assert_clean(at)
    assert ws.conversion_definition().text == "status:Won"  # the key stays English
    assert po["Saved: every page, export and the weekly review now use it."] in [s.value for s in at.success]
    conv = next(df.value for df in at.dataframe if po["Conversion definition"] in df.value.columns)
    assert "الحالة Won" in list(conv[po["Value"]])  # status names stay as typed


# --- source forms and editors ---------------------------------------------------------------------


@pytest.fixture
def forms_app(tmp_path, make_cache):
    """A workspace on an emulator tenant (sources WhatsApp with 2 contacts, and an Arabic name)."""
    from ui import context

    t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    tenant = empty_tenant(as_of=datetime(2026, 3, 1, tzinfo=timezone.utc))
    ids = {name: tenant.add_source(name)["id"] for name in ("WhatsApp", ARABIC)}
    app = EmulatorApp(tenant, tokens=[TokenSpec(TOKEN)], rate_limit_per_minute=None)
    reader = make_cache(tmp_path, name="forms-ar.duckdb",
                        sources=[dict(id=i, name=n, created_at=t0, updated_at=t0) for n, i in ids.items()],
                        contacts=[dict(id=k + 1, firstname="A", lastname="B", type="lead", source_id=ids["WhatsApp"],
                                       created_at=t0, updated_at=t0) for k in range(2)])
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path, token=TOKEN, transport=app.transport())
    return ids, tenant


def test_rename_refused_in_arabic_keeps_the_typed_name(forms_app, po):
    ids, tenant = forms_app
    at = run_app({"lang": "ar"}, "pages/sources.py")
    assert_clean(at)
    at.selectbox(key="src_rename_id").set_value(ids[ARABIC]).run()
    at.text_input(key="src_rename_name").input(ARABIC)  # its own name again
    at.button(key="src_rename").click().run()
    assert [e.value for e in at.error] == [po["That is already its name."]] == ["هذا اسمه بالفعل."]
    assert at.text_input(key="src_rename_name").value == ARABIC
    assert tenant.find("source", ids[ARABIC])["name"] == ARABIC


def test_callbacks_speak_the_session_language_without_the_url(forms_app, po):
    """Callbacks run before app.py: the message of a click is in the language chosen in the session."""
    from apptest_support import APP, TIMEOUT
    from streamlit.testing.v1 import AppTest

    ids, tenant = forms_app
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_first_sync_tried"] = True
    at.session_state["_rasl_language"] = "ar"
    at.run()
    at.switch_page("pages/sources.py").run()
    at.selectbox(key="src_rename_id").set_value(ids["WhatsApp"]).run()
    plural = po["{count} contact"]
    assert any(plural[2].format(count="2") in c.value for c in at.caption)  # "2 جهتا اتصال" (dual form)
    at.text_input(key="src_rename_name").input("WhatsApp Business")
    at.button(key="src_rename").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    success = [rendered_text(s.value).replace("\u2068", "").replace("\u2069", "") for s in at.success]
    assert success == ["أُعيدت تسمية المصدر إلى «WhatsApp Business». تبقى جهات اتصاله وسجله معه."]
    assert tenant.find("source", ids["WhatsApp"])["name"] == "WhatsApp Business"


def test_attribution_editors_in_arabic(forms_app, po):
    at = run_app({"lang": "ar"}, "pages/campaigns.py")
    assert_clean(at)
    text = _texts(at)
    assert po["Rules are tried top to bottom on each source name (case, spaces, tatweel and alef forms ignored); "
              "the first match gives the channel. A label below wins over the rules. Changes apply to history too."] \
        in text
    assert "اكتب none في الحملة" in text  # the keyword stays as it is typed (a code span)
    assert at.button(key="rules_restore").label == po["Restore built-in rules"] == "استعد القواعد المدمجة"


def test_rule_match_kinds_read_in_arabic_and_are_saved_as_their_keys(po):
    """The rules editor draws cell values as they are: the match kinds are shown translated and
    turned back into the stored keys before the rules are checked and saved."""
    import pandas as pd

    from rasl_data import i18n
    from ui import attribution_editors as editors

    rules = pd.DataFrame({"pattern": ["ig", "fb"], "match": ["word", "contains"], "channel": ["Instagram", "Facebook"]})
    with i18n.use("ar"):
        shown = editors._match_shown(rules)
        assert list(shown["match"]) == [po["word"], po["contains"]] == ["كلمة كاملة", "يحتوي"]
        assert list(editors._match_stored(shown)["match"]) == ["word", "contains"]
