"""End-to-end: spend entered on the Performance page in a real Chromium, its share in the
range's Spend card, and a refused table edit that keeps what was typed.

The expected spend is computed here by hand from the amount and the calendar (an amount is spread
evenly over its days), never through ``rasl_data``.
"""

from __future__ import annotations

import calendar
import re

import pytest
from playwright.sync_api import expect

from .conftest import local_today, open_page, shot, wait_idle

pytestmark = pytest.mark.e2e

AMOUNT = 3100


def open_select(page, name: str) -> None:
    """Click a selectbox until its option list shows (a click during the expander's opening
    animation is sometimes lost)."""
    for _ in range(3):
        page.get_by_role("combobox", name=name).click()
        try:
            expect(page.get_by_role("option").first).to_be_visible(timeout=3000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(page.get_by_role("option").first).to_be_visible()


def visible_grid(page):
    return page.locator('[data-testid="stDataFrame"]:visible').first


def test_month_of_spend_shows_its_share_and_a_refused_edit_keeps_the_typed_level(page, dashboard):
    # The range: this month so far (local), so the form's default month is the one entered.
    today = local_today()
    start = month = today.replace(day=1)
    end = today
    open_page(page, dashboard, "performance", f"range=custom&start={start}&end={end}&compare=none")
    page.get_by_role("tab", name="Spend").click()
    page.get_by_text("Add a month of spend").click()
    expect(page.get_by_role("combobox", name="Month")).to_have_value(f"{month:%B %Y}")
    wait_idle(page)
    open_select(page, "Name")
    page.keyboard.type("Facebook")
    page.get_by_role("option", name="Facebook", exact=True).click()
    expect(page.get_by_role("combobox", name="Name")).to_have_value("Facebook")
    amount = page.get_by_label("Amount")
    amount.fill(str(AMOUNT))
    page.get_by_role("button", name="Add", exact=True).click()
    wait_idle(page)
    expect(page.get_by_text(f"Added {AMOUNT:,.2f} for {month:%B %Y}.")).to_be_visible()

    # The range (the last 12 complete weeks) holds the month's first days up to its end.
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    overlap = (end - max(start, month)).days + 1
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Spend").first
    expect(card.locator('[data-testid="stMetricValue"]')).to_have_text(f"{AMOUNT * overlap / days_in_month:,.0f}")

    # Change the row's level to campaign: "Facebook" is a source, so saving is refused whole.
    wait_idle(page)
    grid = visible_grid(page)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    level_x = box["x"] + 0.37 * box["width"]  # the Level column (fixed widths: index, dates, level, name, amount)
    first_row_y = box["y"] + 35 + 17
    page.mouse.dblclick(level_x, first_row_y)
    expect(page.locator("#portal .glide-select")).to_be_visible()  # the cell's option editor is open
    page.keyboard.type("campaign")
    page.keyboard.press("Enter")
    wait_idle(page)
    campaign_cell = visible_grid(page).locator('td[role="gridcell"]', has_text=re.compile(r"^campaign$"))
    expect(campaign_cell).to_be_attached()
    page.get_by_role("button", name="Save spend table").click()
    wait_idle(page)
    expect(page.get_by_text("The spend was not saved: 1 problem.", exact=False)).to_be_visible()
    # Grid cells are drawn on a canvas; their accessible copies are in the page, not visible.
    expect(page.locator('td[role="gridcell"]', has_text="no campaign is named 'Facebook'")).to_be_attached()
    shot(page, "performance-spend-refused")
    # What was typed is still in the table, and the saved spend is unchanged.
    expect(campaign_cell).to_be_attached()
    expect(card.locator('[data-testid="stMetricValue"]')).to_have_text(f"{AMOUNT * overlap / days_in_month:,.0f}")
