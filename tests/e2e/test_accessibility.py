"""Accessibility, themes, tables and addresses in a real Chromium.

axe-core (``axe-playwright-python``) checks every page in the light and the dark theme: no
serious or critical violation (colour contrast, heading order, names). The dark theme is reached
the way a user gets it, through the operating system's preference (Playwright's
``color_scheme``), and the app menu offers the switch. Tables are measured in the browser: every
row visible, no column cut at 1,400 px. ``/overview`` (a bookmark) serves the Overview.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from .conftest import PAGE_TIMEOUT_MS, open_page, shot

pytestmark = pytest.mark.e2e

PAGES = ["", "overview", "sources", "campaigns", "conversion", "weekly", "health", "settings"]
BLOCKING = {"serious", "critical"}
GRID_ROW_PX = 35  # Streamlit 1.67's dataframe row and header height

_TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(df => {
  const s = df.querySelector('.dvn-scroller');
  return s ? {scrollWidth: s.scrollWidth, clientWidth: s.clientWidth,
              scrollHeight: s.scrollHeight, clientHeight: s.clientHeight} : null; })"""


def _luminance(css_rgb: str) -> float:
    """WCAG relative luminance of a CSS ``rgb(r, g, b)`` colour."""
    r, g, b = (int(x) / 255 for x in css_rgb[css_rgb.index("(") + 1:css_rgb.index(")")].split(",")[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_without_serious_violations_in_light_and_dark_theme(browser, dashboard, axe, scheme):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=scheme)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    found = {}
    try:
        for path in PAGES:
            open_page(page, dashboard, path)
            background = page.evaluate(
                "() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
            # The dashboard follows the operating system's preference.
            assert (_luminance(background) < 0.05) == (scheme == "dark"), (path, background)
            violations = axe.run(page).response["violations"]
            bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
                   if v["impact"] in BLOCKING or v["id"] == "heading-order"]
            if bad:
                found[path or "/"] = bad
                shot(page, f"axe-{scheme}-{path or 'overview'}")
    finally:
        context.close()
    assert not found, found


def test_overview_bookmark_serves_the_overview_without_page_not_found(page, dashboard):
    open_page(page, dashboard, "overview", chart=True)
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text("Overview")
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert urlparse(page.url).path == "/overview"  # the bookmark stays as it was


def test_dark_os_theme_is_followed_and_the_menu_offers_light_and_dark(browser, dashboard):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    try:
        open_page(page, dashboard, "")
        app = page.locator('[data-testid="stApp"]')
        assert _luminance(app.evaluate("e => getComputedStyle(e).backgroundColor")) < 0.05
        page.locator('[data-testid="stMainMenu"]').click()
        for choice in ("System", "Light", "Dark"):
            expect(page.get_by_test_id(f"stMainMenuItem-theme-{choice}")).to_be_visible()
        page.get_by_test_id("stMainMenuItem-theme-Light").click()
        expect(app).to_have_css("background-color", "rgb(255, 255, 255)")
    finally:
        context.close()


def test_sources_table_keeps_last_contact_inside_1400px_and_top_sources_shows_its_last_row(browser, dashboard):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    try:
        open_page(page, dashboard, "sources")
        page.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller')
        sources = page.evaluate(_TABLES_JS)[0]
        # Every column, "Last contact" included, fits: nothing to scroll sideways.
        assert sources["scrollWidth"] <= sources["clientWidth"], sources
        open_page(page, dashboard, "", chart=True)
        page.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller')
        top = page.evaluate(_TABLES_JS)[0]
        lines = int(page.locator('[data-testid="stDataFrame"] table[role="grid"]').first.get_attribute("aria-rowcount"))
        assert 2 <= lines <= 16  # the header and up to 15 rows: all shown without scrolling
        # Below the last row stays room for the grid's overlay scrollbar (Streamlit draws it 6-8 px
        # thick over the bottom of the grid); the rows are 35 px, the header too.
        assert top["clientHeight"] - GRID_ROW_PX * lines >= 8, (top, lines)
        assert top["scrollHeight"] <= top["clientHeight"], top
        shot(page, "tables-overview-1400")
    finally:
        context.close()


def test_sync_now_confirmation_is_not_an_unnamed_dialog(page, dashboard, axe):
    # Was st.toast: axe-core flagged it (aria-dialog-name, serious) for the seconds it showed.
    open_page(page, dashboard, "sources")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sync now").click()
    done = page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentSuccess"]')
    expect(done).to_contain_text("Sync incremental", timeout=PAGE_TIMEOUT_MS)  # 2 busy cores
    violations = axe.run(page).response["violations"]
    assert not [v["id"] for v in violations if v["impact"] in BLOCKING], violations
