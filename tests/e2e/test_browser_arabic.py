"""End-to-end: the Arabic interface in a real Chromium, right to left, beside the unchanged English one.

One dashboard server for the module (``conftest.py``: the emulator's workspace over HTTP). For
every page the English and the Arabic screen are saved side by side under
``test-artifacts/screens/en/<page>.png`` and ``test-artifacts/screens/ar/<page>.png``.

What is checked:

* English (no ``lang=``) is left to right as before: no ``dir="rtl"``, the sidebar on the left,
  charts with time running left to right and the value axis on the left;
* ``?lang=ar`` is right to left: ``<html lang="ar" dir="rtl">``, computed ``direction: rtl`` on the
  document and the app, the sidebar on the right, charts with time running right to left and the
  value axis on the right;
* no English is left on an Arabic page: the visible text of the main area and the sidebar (every
  tab and expander opened), the charts' SVG text and the tables' accessible header and cell text,
  minus data (every source, channel, campaign, group, status and rule name of the workspace, read
  from the cache with ``rasl_data``, and the configured time zone), e-mail addresses, URLs, file
  paths and names, configuration keys (``RASL_...``), inline code (commands, settings values) and
  the words Arabic keeps in Latin letters (``LATIN_KEPT``). Every other Latin-letter word fails
  the test, listed per page (and written to ``test-artifacts/screens/remaining-english.json``);
* the sidebar switch (English | العربية) writes ``lang=`` to the URL and turns the page; the
  language survives a page switch; a shared link with ``lang=ar`` opens in Arabic in a fresh
  browser (a new session);
* axe-core finds no serious or critical violation on any Arabic page.

Streamlit's own English texts (``ui.direction.STREAMLIT_TEXTS``): placeholders are passed by the
pages (``placeholder=``); the file uploader's button and size limit, input instructions and the
Stop button are replaced with CSS in Arabic; tooltips, the "Running..." icon's accessible name and
pop-ups while typing do not show in a settled page and are not checked here.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from catalog_support import arabic_catalog
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .arabic_support import DIRECTION_JS, PAGES, SCREENS, TEXT_JS, direction_of, english_words
from .conftest import TZ, open_page, shot, wait_idle

pytestmark = pytest.mark.e2e

def page_text(page) -> str:
    """Everything a reader can see on the page: each tab of the main area in turn, every expander open."""
    for summary in page.locator('[data-testid="stExpander"] details:not([open]) > summary').all():
        if summary.is_visible():
            summary.click()
    texts = [page.evaluate(TEXT_JS)]
    tabs = page.locator('[data-testid="stMain"] [data-testid="stTabs"] [role="tab"]')
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        if tab.get_attribute("aria-selected") == "true" or not tab.is_visible():
            continue
        tab.click()
        wait_idle(page)
        for summary in page.locator('[data-testid="stExpander"] details:not([open]) > summary').all():
            if summary.is_visible():
                summary.click()
        texts.append(page.evaluate(TEXT_JS))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def data_names(dashboard) -> list[str]:
    """Names that are data on these pages, read from the dashboard's cache with ``rasl_data``:
    sources (live and deleted), the channels and campaigns derived from them, groups, statuses,
    channel rules (patterns and channels) and source labels; plus the configured time zone.
    Longest first, whitespace collapsed as the browser shows it."""
    from rasl_data.analytics import attribution
    from rasl_data.cache.store import Reader

    files = sorted(Path(dashboard.cache_dir).glob("*.duckdb"))
    assert files, f"no cache file in {dashboard.cache_dir}"
    reader = Reader(files[0])
    try:
        names: set[str] = {TZ}
        for table in ("sources", "groups", "statuses"):
            names |= set(reader.query(f"SELECT name FROM {table}")["name"].dropna())
        derived = attribution.source_attribution(reader)
        names |= set(derived["source"].dropna()) | set(derived["channel"].dropna()) | set(derived["campaign"].dropna())
        rules = attribution.read_channel_rules(reader)
        names |= set(rules["pattern"].dropna()) | set(rules["channel"].dropna())
        labels = attribution.read_source_labels(reader)
        for column in ("channel", "campaign"):
            if column in labels:
                names |= set(labels[column].dropna())
    finally:
        reader.close()
    cleaned = {" ".join(str(n).split()) for n in names}
    return sorted((n for n in cleaned if n), key=len, reverse=True)


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


# --- the pure word filter: its own expectations ---------------------------------------------------


def test_english_words_keeps_interface_english_and_drops_data_addresses_and_kept_latin():
    text = ("نظرة عامة\u200e Facebook / White Friday\u200e · New contacts 1,234 · sara@example.com "
            "https://rasl.example/x · /tmp/cache/ws-1.duckdb · RASL_API_TOKEN · تنزيل CSV (.zip) · WhatsApp · Other")
    assert english_words(text, ["Facebook / White Friday", "Facebook", "ew"]) == ["New", "contacts", "Other"]
    cut = "إنشاء مصدر: Google Ads | Brand… · تقرير Weekly… · YYYY-MM-DD · type:customer · وP(X ≥ 5) < 0.01"
    assert english_words(cut, ["Google Ads | Brand Search"]) == ["Weekly"]


# --- direction and screenshots ---------------------------------------------------------------------


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_is_right_to_left_in_arabic_and_unchanged_left_to_right_in_english(page, dashboard, path):
    name = PAGES[path]
    open_page(page, dashboard, path)
    en = page.evaluate(DIRECTION_JS)
    shot(page, name, SCREENS / "en")
    assert en["htmlDir"] in (None, "ltr") and en["html"] == "ltr" and en["app"] == "ltr", en
    assert en["sidebarLeft"] and not en["sidebarRight"], en
    assert not page.evaluate("() => [...document.querySelectorAll('style')].some(s => /direction:\\s*rtl/.test(s.textContent))")
    if en["xReversed"] is not None:
        assert en["xReversed"] is False and en["ySide"] in (None, "left"), en

    open_page(page, dashboard, path, "lang=ar")
    ar = page.evaluate(DIRECTION_JS)
    shot(page, name, SCREENS / "ar")
    assert ar["htmlDir"] == "rtl" and ar["htmlLang"] == "ar", ar
    assert ar["html"] == "rtl" and ar["app"] == "rtl" and ar["heading"] == "rtl", ar
    assert ar["headingAlign"] in ("right", "start"), ar
    assert ar["sidebarRight"] and not ar["sidebarLeft"], ar
    assert _query(page).get("lang") == "ar"


def test_charts_run_right_to_left_in_arabic(page, dashboard):
    """The Overview's time chart: newest period at the left edge in Arabic, value axis on the right."""
    def first_chart():
        return page.evaluate("""() => {
          const c = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
          const xs = [...c.querySelectorAll('.xtick text')].map(t => [t.getBoundingClientRect().left, t.textContent]);
          const y = c.querySelector('.ytick text').getBoundingClientRect();
          const plot = c.querySelector('.nsewdrag').getBoundingClientRect();
          xs.sort((a, b) => a[0] - b[0]);
          return {leftTick: xs[0][1], rightTick: xs[xs.length - 1][1], yTickRightOfPlot: y.left >= plot.right - 1,
                  legendRight: (() => { const l = c.querySelector('.legend'); if (!l) return null;
                                         const r = l.getBoundingClientRect(); return plot.right - r.right; })()};
        }""")

    open_page(page, dashboard, "", chart=True)
    en = first_chart()
    open_page(page, dashboard, "", "lang=ar", chart=True)
    ar = first_chart()
    # The same ticks, mirrored: English's leftmost (oldest) tick is Arabic's rightmost.
    assert en["yTickRightOfPlot"] is False and ar["yTickRightOfPlot"] is True, (en, ar)
    assert ar["legendRight"] is not None and ar["legendRight"] < 15, ar  # the legend starts at the right
    assert ar["rightTick"] != ar["leftTick"]
    assert en["leftTick"][:2] == ar["rightTick"][:2], (en, ar)  # the day of the oldest period (digits)


def test_a_wide_table_opens_at_its_first_column_on_the_right_in_arabic(page, dashboard):
    """The Performance table is wider than its box: in Arabic its columns run from the right and it
    opens scrolled to the right end, where the source column is; in English it opens at the left."""
    scroller = """() => { const e = document.querySelector('[data-testid="stDataFrame"] .dvn-scroller');
                          return [e.scrollLeft, e.scrollWidth, e.clientWidth]; }"""
    open_page(page, dashboard, "performance")
    page.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller')
    left, width, box = page.evaluate(scroller)
    assert width > box and left == 0, (left, width, box)
    open_page(page, dashboard, "performance", "lang=ar")
    page.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller')
    page.wait_for_function("""() => { const e = document.querySelector('[data-testid="stDataFrame"] .dvn-scroller');
                                     return e && e.scrollLeft + e.clientWidth >= e.scrollWidth - 2; }""",
                           timeout=10_000)


# --- no English left -------------------------------------------------------------------------------


@pytest.mark.timeout(900)
def test_no_english_interface_text_is_left_on_any_arabic_page(page, dashboard, data_names):
    remaining: dict[str, list[str]] = {}
    for path, name in PAGES.items():
        open_page(page, dashboard, path, "lang=ar")
        text = page_text(page)
        (SCREENS / "ar").mkdir(parents=True, exist_ok=True)
        (SCREENS / "ar" / f"{name}.txt").write_text(text)  # what was read, for whoever fixes a word
        words = english_words(text, data_names)
        if words:
            remaining[name] = sorted(set(words), key=str.casefold)
    SCREENS.mkdir(parents=True, exist_ok=True)
    (SCREENS / "remaining-english.json").write_text(json.dumps(remaining, ensure_ascii=False, indent=1))
    assert not remaining, "English words left on Arabic pages:\n" + "\n".join(
        f"{name} ({len(words)}): {' '.join(words)}" for name, words in remaining.items())


# --- the switch and shared links -------------------------------------------------------------------


def _switch_to(page, name: str, direction: str) -> None:
    """Click the language switch's ``name`` and wait for the page, opened afresh in that language."""
    page.locator(".st-key-lang_switch").get_by_role("radio", name=name).click()
    deadline = time.monotonic() + 45
    while True:
        try:
            if page.evaluate("() => document.documentElement.getAttribute('dir')") == direction:
                wait_idle(page)
                if page.evaluate("() => document.documentElement.getAttribute('dir')") == direction:
                    return
        except PlaywrightError:  # the page is being opened again
            pass
        assert time.monotonic() < deadline, f"the page did not turn {direction}"
        page.wait_for_timeout(250)


def test_switch_writes_lang_to_the_url_and_turns_the_page_and_survives_a_page_switch(page, dashboard):
    open_page(page, dashboard, "")
    assert direction_of(page) == "ltr" and "lang" not in _query(page)
    switch = page.locator(".st-key-lang_switch")
    _switch_to(page, "العربية", "rtl")
    assert _query(page).get("lang") == "ar" and direction_of(page) == "rtl"
    assert switch.get_by_role("radio", name="العربية").get_attribute("aria-checked") == "true"
    # Another page through the sidebar's navigation: still Arabic, still in the URL.
    page.locator('[data-testid="stSidebarNav"] a[href$="/sources"]').click()
    wait_idle(page)
    assert urlparse(page.url).path.endswith("/sources")
    assert _query(page).get("lang") == "ar" and direction_of(page) == "rtl"
    # A filter change rewrites the query string: lang= stays.
    page.locator(".st-key-f_gran").get_by_role("radio").first.click()
    wait_idle(page)
    assert _query(page).get("lang") == "ar" and "gran" in _query(page)
    # And back to English.
    _switch_to(page, "English", "ltr")
    assert _query(page).get("lang") == "en" and direction_of(page) == "ltr"
    assert page.evaluate("() => document.documentElement.getAttribute('dir')") == "ltr"


def test_switching_language_keeps_the_sidebar_choices(page, dashboard):
    """Regression: after the switch the Date range still showed its English label, the comparison
    showed no choice, and the next click reset both to the defaults."""
    open_page(page, dashboard, "", "range=last-ramadan&compare=hijri_year&gran=day")
    _switch_to(page, "العربية", "rtl")
    q = _query(page)
    assert (q.get("lang"), q.get("range"), q.get("compare"), q.get("gran")) == ("ar", "last-ramadan", "hijri_year", "day")
    catalog = {m.id: m.string for m in arabic_catalog() if m.id}
    compare = page.locator(".st-key-f_compare").get_by_role("radio", name=catalog["Same Hijri dates last year"])
    expect(compare).to_be_checked()
    # Last Ramadan is Ramadan 1447 (18 Feb - 19 Mar 2026) until Ramadan 1448 starts, in Arabic month names.
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text("رمضان 1447")
    # The next filter change keeps them.
    page.locator(".st-key-f_gran").get_by_role("radio").nth(1).click()
    wait_idle(page)
    q = _query(page)
    assert (q.get("range"), q.get("compare"), q.get("gran")) == ("last-ramadan", "hijri_year", "week"), q


def test_shared_link_with_lang_ar_opens_in_arabic_in_a_fresh_browser(browser, dashboard):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = context.new_page()
        open_page(page, dashboard, "campaigns", "lang=ar&range=last+28+days&gran=day")
        assert direction_of(page) == "rtl"
        assert page.locator(".st-key-lang_switch").get_by_role("radio", name="العربية").get_attribute(
            "aria-checked") == "true"
        query = _query(page)
        assert query.get("lang") == "ar" and query.get("gran") == "day", query
    finally:
        context.close()


@pytest.mark.timeout(900)
def test_every_arabic_page_passes_axe_without_serious_violations(page, dashboard):
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), {}
    for path, name in PAGES.items():
        open_page(page, dashboard, path, "lang=ar")
        violations = axe.run(page).response["violations"]
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
               if v["impact"] in {"serious", "critical"} or v["id"] == "heading-order"]
        if bad:
            found[name] = bad
    assert not found, found
