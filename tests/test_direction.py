"""Right to left in Arabic (``ui.direction``): the page's style sheet and the charts' direction.

Expected Arabic texts are read from the ``.po`` catalog with Babel (not through ``_``); chart
expectations are Plotly layout values written out by hand. The browser checks of the same
(computed direction, axis sides in the drawn chart, screenshots) are in
``tests/e2e/test_browser_arabic.py``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest
from babel.messages.pofile import read_po

from rasl_data import i18n
from ui import charts, direction


@pytest.fixture(scope="module")
def arabic() -> dict[str, str]:
    with i18n.po_path("ar").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale="ar") if m.id}


def _weeks() -> pd.DataFrame:
    start = date(2026, 10, 5)
    rows = [(start + timedelta(weeks=k), name, sid, n) for k in range(3)
            for name, sid, n in (("WhatsApp", 1, 5 + k), ("إنستغرام / عرض رمضان", 2, 3))]
    return pd.DataFrame(rows, columns=["week_start", "source", "source_id", "new_contacts"])


def test_english_page_gets_no_direction_css_and_english_charts_stay_left_to_right():
    with i18n.use("en"):
        assert direction.page_css() == ""
        assert "'dir', 'ltr'" in direction.page_script() and "'lang', 'en'" in direction.page_script()
        fig = charts.stacked_bars(_weeks(), x="week_start", y="new_contacts", colour="source", colour_keys="source_id")
    assert fig.layout.xaxis.autorange is None and fig.layout.yaxis.side is None
    assert fig.layout.legend.xanchor == "left" and fig.layout.legend.x == 0


def test_arabic_time_chart_runs_right_to_left_with_values_and_legend_on_the_right():
    with i18n.use("ar"):
        fig = charts.stacked_bars(_weeks(), x="week_start", y="new_contacts", colour="source", colour_keys="source_id")
        again = direction.figure(fig)  # a second call changes nothing
    assert again is fig
    assert fig.layout.xaxis.autorange == "reversed"
    assert fig.layout.yaxis.side == "right" and fig.layout.yaxis.automargin is True
    assert fig.layout.legend.xanchor == "right" and fig.layout.legend.x == 1
    assert fig.layout.hoverlabel.align == "right"


def test_arabic_horizontal_bars_grow_from_the_right_with_names_on_the_right():
    df = pd.DataFrame({"source": ["WhatsApp", "Instagram"], "source_id": [1, 2], "new_contacts": [9, 4]})
    with i18n.use("ar"):
        fig = charts.horizontal_bars(df, x="new_contacts", y="source", colour_keys="source_id")
    assert fig.layout.xaxis.autorange == "reversed"
    # The names keep their top-down order (the chart's own reversed y axis) and sit on the right.
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.side == "right"


def test_arabic_category_chart_without_time_keeps_its_x_order():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["Lead", "Customer"], y=[3, 1]))
    with i18n.use("ar"):
        direction.figure(fig)
    assert fig.layout.xaxis.autorange is None and fig.layout.yaxis.side == "right"


def test_arabic_page_css_turns_the_page_and_replaces_streamlit_texts_with_the_catalog_arabic(arabic):
    with i18n.use("ar"):
        css = direction.page_css()
        script = direction.page_script()
    assert "html, body { direction: rtl; }" in css
    assert "'dir', 'rtl'" in script and "'lang', 'ar'" in script
    for english in ("Upload", "Up to 200 MB per file", "Press Enter to apply", "Stop"):
        assert arabic[english] and f'content: "{arabic[english]}"' in css, english


def test_page_css_regression_style_sheet_with_markup_in_a_comment_was_dropped():
    """Streamlit sanitises ``st.html`` with DOMPurify, which drops a ``<style>`` whose text looks
    like markup (``<body>`` in a comment dropped the whole Arabic style sheet)."""
    with i18n.use("ar"):
        css = direction.page_css()
    assert css.startswith("<style>") and css.endswith("</style>") and css.count("<style>") == 1
    assert not re.search(r"<[/\w!]", css[len("<style>"):-len("</style>")])


def test_every_replaced_streamlit_text_is_listed_with_how_it_is_handled():
    hows = {how.split(":")[0] for _, how in direction.STREAMLIT_TEXTS.values()}
    assert hows <= {"parameter", "css", "not shown (aria-label)", "not shown (pop-up while typing)", "not shown (hover)"}
    assert sum(how == "css" for _, how in direction.STREAMLIT_TEXTS.values()) >= 6


def test_weekly_pack_figures_turn_with_their_average_note_moved_to_the_right():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["26 Oct", "2 Nov"], y=[300, 310]))
    fig.add_hline(y=305, annotation_text="average", annotation_position="top left")
    fig.update_layout(title_text="New contacts per week")
    with i18n.use("ar"):
        direction.figure(fig, time_x=True)
        direction.figure(fig, time_x=True)  # twice: no flip back
    note = fig.layout.annotations[0]
    assert fig.layout.xaxis.autorange == "reversed"
    assert (note.x, note.xanchor) == (1, "right")
    assert (fig.layout.title.x, fig.layout.title.xanchor) == (0.98, "right")


def test_arabic_hover_shows_arabic_month_names_instead_of_plotlys_english_ones():
    with i18n.use("ar"):
        fig = charts.stacked_bars(_weeks(), x="week_start", y="new_contacts", colour="source", colour_keys="source_id")
    trace = fig.data[0]
    # Babel's CLDR Arabic name of October (month 10), written independently of the chart code.
    from babel.dates import get_month_names

    october = get_month_names("abbreviated", locale="ar")[10]
    assert "%{x|" not in trace.hovertemplate and "%{hovertext}" in trace.hovertemplate
    assert [t.split(":")[0] for t in trace.hovertext] == [f"{d} {october} 2026" for d in (5, 12, 19)]


def test_tables_run_their_columns_from_the_right_in_arabic_only():
    import pandas as pd

    frame = pd.DataFrame({"المصدر": ["WhatsApp"], "جهات الاتصال الجديدة": [5], "التغيّر": ["+26 (+217%)"]})
    with i18n.use("ar"):
        assert list(direction.table(frame).columns) == ["التغيّر", "جهات الاتصال الجديدة", "المصدر"]
        assert direction.table(frame)["التغيّر"].tolist() == ["+26 (+217%)"]  # values untouched
    with i18n.use("en"):
        assert direction.table(frame) is frame
    # The grid's canvas keeps left-to-right text so a signed number and its share stay in order.
    with i18n.use("ar"):
        assert '[data-testid="stDataFrame"] canvas { direction: ltr; }' in direction.page_css().replace(
            '[data-testid="stDataFrame"], ', "")
