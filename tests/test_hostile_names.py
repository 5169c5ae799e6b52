"""Source, channel, campaign, status and group names are data: shown literally on every page.

A cache whose names are Markdown, HTML, a formula, LaTeX and a line break is rendered page by
page with ``AppTest``. Every Markdown text the run drew is rendered with an independent parser
(``tests/markup.py``) and must hold no link, bold, italic, formula, heading or HTML; every Plotly
figure must carry the names with ``<``, ``>``, ``&`` as entities (Plotly reads HTML in trace
names, categories and ticks) and no name inside a hover template; tables and select boxes show
the names exactly as typed.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from apptest_support import CUSTOM_QP, PAGES, START, assert_clean, at_utc, make_workspace, run_app
from markup import markdown_sources, render, rendered_text

from rasl_data import text

LINK = "[x](https://e.x)"
BOLD_HTML = "<b>b</b>"
FORMULA = "=1+1"
BOLD_MD_AND_LATEX = "**x** / $x$"  # channel part "**x**", campaign "$x$"
NEWLINE = "Line one\nLine two"
HTML_CAMPAIGN = "Promo / <a href='https://e.x'>offer</a> a@b.co :red[r]"
HOSTILE = [LINK, BOLD_HTML, FORMULA, BOLD_MD_AND_LATEX, NEWLINE, HTML_CAMPAIGN]
CHANNEL_LABEL = "<i>Ads</i> & [more](https://e.x)"
STATUSES = ["<b>Won</b>", "[Lead](https://e.x)"]
GROUP = "**VIP** $y$"

# What a literal name must never turn into, in Markdown rendered to HTML.
FORBIDDEN_HTML = re.compile(
    r"<a\s|class=\"math|<(?:h[1-6]|ol|ul|blockquote|table|img|b|i|del)>|<strong>(?:x|VIP)</strong>|<em>x</em>")


pytestmark = pytest.mark.usefixtures("isolated")  # conftest.py: off ~/.cache, app.py on every run


@pytest.fixture
def hostile_ws(tmp_path, make_cache):
    from ui import context

    t0 = at_utc(START - timedelta(days=400))
    sources = [dict(id=i + 1, name=n, created_at=t0, updated_at=t0) for i, n in enumerate(HOSTILE)]
    contacts, k = [], 0
    for week in (0, 7):  # this week and the previous one, so comparisons and movers have both
        for sid in range(1, len(HOSTILE) + 1):
            for j in range(sid):  # different sizes: stable order
                k += 1
                day = START - timedelta(days=week) + timedelta(days=j % 7)
                contacts.append(dict(id=k, firstname="F", lastname="L", type="customer" if j % 2 else "lead",
                                     source_id=sid, status_id=1 + j % 2, created_at=at_utc(day),
                                     updated_at=at_utc(day), first_seen_at=at_utc(START - timedelta(days=300))))
    now = at_utc(START + timedelta(days=30))
    reader = make_cache(
        tmp_path, name="hostile.duckdb", sources=sources, contacts=contacts,
        statuses=[dict(id=i + 1, name=n, color="#3B82F6") for i, n in enumerate(STATUSES)],
        groups=[dict(id=1, name=GROUP)], contact_groups=[dict(contact_id=c["id"], group_id=1) for c in contacts[:5]],
        source_labels=[dict(source_id=3, channel=CHANNEL_LABEL, campaign=None)],
        contact_changes=[dict(contact_id=2, field="type", old_value="lead", new_value="customer",
                              observed_at=at_utc(START + timedelta(days=3)), sync_run_id=1)],
        sync_runs=[dict(id=1, started_at=now, finished_at=now, mode="full", outcome="success", requests=3,
                        rate_limit_waits=0, contacts_inserted=len(contacts), contacts_updated=0,
                        contacts_deleted=0)],
    )
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    return context.WORKSPACE_OVERRIDE


def assert_markdown_literal(at, where: str) -> int:
    """No Markdown text of the run renders to markup; returns how many texts were checked."""
    n = 0
    for what, md in markdown_sources(at):
        n += 1
        html = render(md)
        found = FORBIDDEN_HTML.findall(html)
        assert not found, f"{where}: {what} {md!r} renders {found}: {html}"
    return n


_TEXT_KEYS = {"name", "text", "ticktext", "title", "y", "x", "labels", "hovertext"}


def _plotly_texts(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _plotly_texts(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _plotly_texts(v, key)
    elif isinstance(node, str) and key in _TEXT_KEYS:
        yield key, node


def figure_specs(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def assert_plotly_literal(spec: dict, where: str) -> list[str]:
    """Names in a figure carry no raw ``<``/``>`` (entities only) and no hover template holds a
    name. Returns the figure's text values."""
    texts = []
    for key, value in _plotly_texts(spec):
        texts.append(value)
        assert "<" not in value and ">" not in value, f"{where}: raw markup in {key}: {value!r}"
        assert not re.search(r"&(?!amp;|lt;|gt;)", value), f"{where}: a bare & in {key}: {value!r}"
    for trace in spec.get("data", []):
        template = trace.get("hovertemplate") or ""
        for name in HOSTILE + STATUSES + [CHANNEL_LABEL]:
            assert text.plotly_literal(name) not in template and name not in template, (where, template)
    return texts


VIEWS = [(page, {}) for page in PAGES] + [
    ("pages/overview.py", {"ov_by": "channel"}),
    ("pages/campaigns.py", {"cc_by": "campaign"}), ("pages/campaigns.py", {"cc_by": "group"}),
    ("pages/conversion.py", {"cv_by": "channel"}), ("pages/conversion.py", {"cv_by": "campaign"}),
]


def test_every_page_shows_hostile_names_literally(hostile_ws):
    shown_in_charts: set[str] = set()
    tables = ""
    for page, state in VIEWS:
        at = run_app(CUSTOM_QP, page)
        for key, value in state.items():
            at.segmented_control(key=key).set_value(value).run()
        where = f"{page} {state}"
        assert_clean(at)
        assert assert_markdown_literal(at, where) > 3, where
        for spec in figure_specs(at):
            shown_in_charts.update(assert_plotly_literal(spec, where))
        for df in at.dataframe:
            tables += " ".join(str(v) for v in df.value.astype(str).to_numpy().ravel()) + " "
    # The names reached the charts, escaped for Plotly (shown as typed), and the tables as typed.
    joined = " ".join(shown_in_charts)
    for name in [BOLD_HTML, LINK, STATUSES[0], CHANNEL_LABEL]:
        assert text.plotly_literal(name) in joined, name
    for name in [LINK, BOLD_HTML, FORMULA, NEWLINE, CHANNEL_LABEL, GROUP, "$x$"]:
        assert name in tables, name


def test_sidebar_source_filter_offers_the_names_as_typed(hostile_ws):
    at = run_app(CUSTOM_QP, "pages/overview.py")
    options = at.multiselect(key="f_sources").options
    for name in [LINK, BOLD_HTML, FORMULA, BOLD_MD_AND_LATEX]:
        assert name in options, (name, options)


def test_md_literal_renders_every_hostile_name_as_typed():
    for name in HOSTILE + STATUSES + [CHANNEL_LABEL, GROUP, "a&amp;b", ":smile: :material/home:", "www.e.com",
                                      "1. list", "# heading", "> quote", "| a | b |", "~~s~~ `c` _i_"]:
        md = f"Source “{text.md_name(name)}” created."
        assert not FORBIDDEN_HTML.findall(render(md)), name
        expected = "Source “\u2068" + " ".join(text.one_line(name).split()) + "\u2069” created."
        assert rendered_text(md) == expected, (name, rendered_text(md))


def test_plotly_literal_escapes_html_and_breaks():
    assert text.plotly_literal("<a href='x'>A & B</a>\nC") == "&lt;a href='x'&gt;A &amp; B&lt;/a&gt; C"
    assert text.plotly_literal("&lt;") == "&amp;lt;"  # an entity typed as a name stays visible as typed


def test_weekly_pack_figures_and_summary_carry_names_literally(hostile_ws):
    from rasl_data.analytics import weekly_review
    from rasl_data.outputs import weekly_pack

    review = weekly_review.weekly_review(hostile_ws.reader, START, "UTC", "monday", START + timedelta(days=10))
    figures = weekly_pack.weekly_figures(review)
    texts = []
    for name, fig in figures.items():
        texts += assert_plotly_literal(json.loads(fig.to_json()), f"weekly pack {name}")
    joined = " ".join(texts)
    assert text.plotly_literal(BOLD_HTML) in joined and text.plotly_literal(LINK) in joined
    # the summary stays one name per line: a name's line break does not start a new line
    assert "Line one Line two 5" in review.summary and "Line one\nLine two" not in review.summary
    page = weekly_pack.weekly_html(review, figures)
    assert BOLD_HTML not in page and "<a href='https://e.x'>" not in page
