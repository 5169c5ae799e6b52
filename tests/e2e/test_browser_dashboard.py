"""End-to-end: the dashboard in a real Chromium against the emulator served over HTTP.

One dashboard server for the module (see ``conftest.py``); tests run in file order on one
xdist worker. Every expected number is counted here from the emulator tenant's own rows with
pandas and ``zoneinfo`` (local days in Asia/Riyadh), never through ``rasl_data.analytics.acquisition``.

The source tests create and rename a source with no contacts, which changes no count the other
tests check; the page screenshots come last so they show the final state.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pandas as pd
import pytest
from playwright.sync_api import expect

from .conftest import (
    TZ,
    count_created,
    last_12_complete_weeks,
    last_n_days,
    local_day,
    local_today,
    open_page,
    shot,
    tenant_contacts,
    wait_idle,
)

pytestmark = pytest.mark.e2e

NEW_SOURCE = "Snapchat / E2E launch"
RENAMED_SOURCE = "Snapchat / E2E relaunch"


@pytest.fixture(scope="module")
def contacts(emulator) -> pd.DataFrame:
    """The tenant's live contacts (read once: the tests change sources, never contacts)."""
    app, _ = emulator
    return tenant_contacts(app.tenant)


def kpi(page, label: str = "New contacts"):
    """Locator of a KPI card's value."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return card.locator('[data-testid="stMetricValue"]')


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def query_of(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def pick_option(page, combobox_name: str, option: str | re.Pattern) -> None:
    """Open a Streamlit selectbox by its label and click one option."""
    page.get_by_role("combobox", name=combobox_name).click()
    if isinstance(option, str):
        # The option list is virtualised: type to narrow it so the option is rendered at all.
        page.keyboard.type(option.split(" (#")[0])
    page.get_by_role("option", name=option).click()
    wait_idle(page)


def option_names(page, combobox_name: str) -> list[str]:
    """Texts of a selectbox's options (opens it, reads them, closes it with Escape)."""
    box = page.get_by_role("combobox", name=combobox_name)
    box.click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    names = [" ".join(t.split()) for t in options.all_inner_texts()]  # as shown: HTML collapses spaces
    page.keyboard.press("Escape")
    return names


def selected_segment(page, label: str):
    """The chosen option of an ``st.segmented_control`` labelled ``label`` (a radio group)."""
    return page.get_by_role("radiogroup", name=label).get_by_role("radio", checked=True)


def picked_date(page, group_name: str) -> date:
    """The date shown by one end of an ``st.date_input`` range (its year, month, day fields)."""
    group = page.get_by_role("group", name=group_name)
    expect(group).to_be_visible()
    part = {kind: int(group.get_by_role("spinbutton", name=f"{kind}, {group_name}").get_attribute("aria-valuenow"))
            for kind in ("year", "month", "day")}
    return date(part["year"], part["month"], part["day"])


def assert_no_exception(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


# --- Overview -----------------------------------------------------------------------------------


def test_overview_shows_chart_and_new_contacts_of_last_12_weeks(page, dashboard, contacts):
    open_page(page, dashboard, chart=True)
    start, end = last_12_complete_weeks()
    expected = count_created(contacts, start, end)
    assert expected > 100  # the range holds a real amount of data, not an empty chart

    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    # Bars of the stacked chart are drawn (one SVG path per bar point).
    assert page.locator('[data-testid="stPlotlyChart"] .barlayer .point').count() > 0
    expect(kpi(page)).to_have_text(f"{expected:,}")
    expect(page.get_by_role("combobox", name="Date range")).to_have_value("Last 12 complete weeks")
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(f"({(end - start).days + 1} days, {TZ})")
    assert_no_exception(page)
    shot(page, "overview-default")


def test_date_range_preset_changes_new_contacts_to_last_28_days(page, dashboard, contacts):
    open_page(page, dashboard, chart=True)
    before = count_created(contacts, *last_12_complete_weeks())
    expect(kpi(page)).to_have_text(f"{before:,}")
    start, end = last_n_days(28)
    expected = count_created(contacts, start, end)
    assert expected != before

    pick_option(page, "Date range", "Last 28 days")

    expect(kpi(page)).to_have_text(f"{expected:,}")
    expect(page.get_by_role("combobox", name="Date range")).to_have_value("Last 28 days")
    expect(sidebar(page)).to_contain_text(f"{start:%d %b %Y} – {end:%d %b %Y}")
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible()
    assert query_of(page)["range"] == "last 28 days"  # the URL follows, so it can be shared
    shot(page, "overview-last-28-days")


# --- shared links --------------------------------------------------------------------------------


def _custom_range() -> tuple[date, date]:
    today = local_today()
    return today - timedelta(days=60), today - timedelta(days=40)


SHARED = {
    "preset": ({"range": "last 7 days", "compare": "last_year", "gran": "month"},
               "Last 7 days", "Same period last year", "Month"),
    "custom": (None, "Custom", "No comparison", "Day"),
}


@pytest.mark.parametrize("case", list(SHARED))
def test_shared_url_reproduces_filters_and_new_contacts(page, dashboard, contacts, case):
    params, preset_label, compare_label, gran_label = SHARED[case]
    if params is None:  # dates relative to today, so the link always points at data
        start, end = _custom_range()
        params = {"range": "custom", "start": start.isoformat(), "end": end.isoformat(), "compare": "none",
                  "gran": "day"}
    else:
        start, end = last_n_days(7)
    expected = count_created(contacts, start, end)

    # The Overview is the default page: its address is "/" (bookmarked "/overview" serves it too).
    open_page(page, dashboard, "", urlencode(params), chart=True)

    expect(page.get_by_role("combobox", name="Date range")).to_have_value(preset_label)
    if case == "custom":
        assert picked_date(page, "From – to start date") == start
        assert picked_date(page, "From – to end date") == end
    expect(page.get_by_role("radio", name=compare_label)).to_be_checked()
    expect(selected_segment(page, "Granularity")).to_have_text(gran_label)
    expect(kpi(page)).to_have_text(f"{expected:,}")
    delta = page.locator('[data-testid="stMetric"]').first.locator('[data-testid="stMetricDelta"]')
    if params["compare"] == "none":
        expect(delta).to_have_count(0)
    else:  # "same period last year" is 52 weeks back (weekdays line up); 548 days of history cover it
        year_ago = count_created(contacts, start - timedelta(days=364), end - timedelta(days=364))
        assert year_ago > 0
        expect(delta).to_contain_text(f"{expected - year_ago:+,} (")
    # The app keeps the shared parameters in the URL (it rewrites them from the widgets).
    assert query_of(page) == params
    shot(page, f"shared-url-{case}")


# --- CSV download --------------------------------------------------------------------------------


def test_sources_csv_download_matches_emulator_counts(page, dashboard, contacts, emulator):
    app, _ = emulator
    # The last 365 days: a Ramadan campaign (the Arabic source) always falls in it, and the
    # previous 365 days hold the rest of the 548 days of history.
    start, end = last_n_days(365)
    prev_start, prev_end = start - timedelta(days=365), start - timedelta(days=1)
    query = {"range": "custom", "start": start.isoformat(), "end": end.isoformat(), "compare": "previous",
             "gran": "month"}
    open_page(page, dashboard, "sources", urlencode(query))
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"sources_{start.isoformat()}_to_{end.isoformat()}.csv"
    raw = open(download.path(), "rb").read()

    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark (Excel would garble Arabic names)"
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # CRLF line ends only
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = next(csv.reader(io.StringIO(text, newline="")))
    for column in ("source_id", "source", "channel", "campaign", "new_contacts", "share", "previous",
                   "all_time_contacts", "first_contact", "last_contact"):
        assert column in header

    # Independent counts from the tenant: contacts of a source that is not live are Unattributed.
    live = {int(s["id"]): s["name"] for s in app.tenant.sources}
    key = contacts["source_id"].map(lambda s: int(s) if pd.notna(s) and int(s) in live else None)
    days = local_day(contacts["created_at"], TZ)
    in_range = (days >= start) & (days <= end)
    in_prev = (days >= prev_start) & (days <= prev_end)
    total = int(in_range.sum())

    assert rows, "the CSV has no data rows"
    seen = set()
    for row in rows:
        sid = int(row["source_id"]) if row["source_id"] else None
        seen.add(sid)
        mine = key.map(lambda k: k == sid) if sid is not None else key.isna()
        assert int(row["new_contacts"]) == int((mine & in_range).sum()), row
        assert int(row["previous"] or 0) == int((mine & in_prev).sum()), row
        assert int(row["all_time_contacts"]) == int(mine.sum()), row
        assert row["first_contact"] == min(days[mine]).isoformat(), row
        assert row["last_contact"] == max(days[mine]).isoformat(), row
        assert abs(float(row["share"]) - int(row["new_contacts"]) / total) < 1e-9, row
        if sid is not None:
            assert row["source"] == live[sid]  # Arabic names intact, no trimming
        for col in ("first_contact", "last_contact"):
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[col]), row[col]
        assert re.fullmatch(r"\d+", row["new_contacts"])  # plain digits, no thousands separator
    # Every source with contacts in the range or the compared period is there, and only those
    # (a source that went quiet stays listed at -100%).
    expected_ids = {None if k is None or pd.isna(k) else int(k) for k in key[in_range | in_prev].tolist()}
    assert seen == expected_ids
    assert sum(int(r["new_contacts"]) for r in rows) == total
    # The table on screen says how many sources it shows: the CSV's rows less Unattributed (not a source).
    expect(page.locator('[data-testid="stMain"]')).to_contain_text(
        f"{len(seen - {None}):,} sources with contacts in the range or the compared period")
    arabic = {sid for sid, name in live.items() if re.search("[\u0600-\u06ff]", name)}
    assert arabic & seen, "no Arabic source in the range: the test no longer checks Arabic names"


def test_sources_excel_download_holds_the_csv_table_as_typed_cells(page, dashboard, contacts, emulator):
    import openpyxl

    app, _ = emulator
    start, end = last_n_days(365)
    query = {"range": "custom", "start": start.isoformat(), "end": end.isoformat(), "compare": "previous",
             "gran": "month"}
    open_page(page, dashboard, "sources", urlencode(query))
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download Excel", exact=True).click()
    download = info.value
    assert download.suggested_filename == f"sources_{start.isoformat()}_to_{end.isoformat()}.xlsx"
    raw = open(download.path(), "rb").read()
    ws = openpyxl.load_workbook(io.BytesIO(raw)).active  # the temporary path has no .xlsx suffix
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    rows = [dict(zip(header, row)) for row in ws.iter_rows(min_row=2)]
    assert rows and {"source_id", "source", "new_contacts", "first_contact", "last_contact"} <= set(header)
    days = local_day(contacts["created_at"], TZ)
    in_range = (days >= start) & (days <= end)
    live = {int(s["id"]): s["name"] for s in app.tenant.sources}
    for row in rows:
        assert row["new_contacts"].data_type == "n" and isinstance(row["new_contacts"].value, int)
        assert row["first_contact"].is_date and row["last_contact"].is_date
        sid = row["source_id"].value
        if sid is not None:
            assert row["source"].data_type == "s" and row["source"].value == live[int(sid)]
    # Counted from the tenant: the workbook's new contacts add up to the contacts in the range.
    assert sum(r["new_contacts"].value for r in rows) == int(in_range.sum())


# --- source management ---------------------------------------------------------------------------


def _source_names(app) -> list[str]:
    return [s["name"] for s in app.tenant.sources]


def quoted(before: str, name: str, after: str) -> re.Pattern:
    """A message quoting ``name``, which the page may wrap in Unicode isolates (FSI … PDI) so an
    Arabic name does not reorder the sentence around it."""
    return re.compile(re.escape(before) + "\u2068?" + re.escape(name) + "\u2069?" + re.escape(after))


def _submit(page, field: str, text: str, button: str) -> None:
    box = page.get_by_label(field, exact=True)
    box.fill(text)
    box.press("Enter")  # commits the text (a rerun) before the click
    wait_idle(page)
    page.get_by_role("button", name=button).click()
    wait_idle(page)


def test_create_rename_and_duplicate_source_through_the_form(page, dashboard, emulator):
    app, _ = emulator
    assert NEW_SOURCE not in _source_names(app)
    open_page(page, dashboard, "sources")
    main = page.locator('[data-testid="stMain"]')

    # Create: RASL gets the source, the form says so and empties the box, the list shows it.
    _submit(page, "Source name", NEW_SOURCE, "Create source")
    expect(main.get_by_text(quoted("Source “", NEW_SOURCE, "” created."))).to_be_visible()
    expect(page.get_by_label("Source name", exact=True)).to_have_value("")
    assert _source_names(app).count(NEW_SOURCE) == 1
    new_id = next(s["id"] for s in app.tenant.sources if s["name"] == NEW_SOURCE)
    page.get_by_role("tab", name="Rename").click()
    assert f"{NEW_SOURCE} (#{new_id})" in option_names(page, "Source to rename")
    shot(page, "sources-created")

    # Rename it: same id, new name, in RASL and in the list.
    pick_option(page, "Source to rename", f"{NEW_SOURCE} (#{new_id})")
    _submit(page, "New name", RENAMED_SOURCE, "Rename source")
    expect(main.get_by_text(quoted("Source renamed to “", RENAMED_SOURCE, "”."))).to_be_visible()
    assert next(s["name"] for s in app.tenant.sources if s["id"] == new_id) == RENAMED_SOURCE
    assert NEW_SOURCE not in _source_names(app)
    names = option_names(page, "Source to rename")
    assert f"{RENAMED_SOURCE} (#{new_id})" in names
    assert not any(n.startswith(f"{NEW_SOURCE} (#") for n in names)
    shot(page, "sources-renamed")

    # A name that differs from an existing one only by case: a field error, the text kept, no call.
    page.get_by_role("tab", name="Create").click()
    existing = "Instagram / Ramadan Offer"
    assert existing in _source_names(app)
    duplicate = existing.swapcase()
    count_before = len(app.tenant.sources)
    _submit(page, "Source name", duplicate, "Create source")
    # Shown under the form, naming the source it clashes with (the page draws it as an error box,
    # not attached to the text box: no aria-invalid to check).
    expect(main.get_by_text(quoted("A source named “", existing, "” already exists"))).to_be_visible()
    expect(page.get_by_label("Source name", exact=True)).to_have_value(duplicate)
    assert len(app.tenant.sources) == count_before
    shot(page, "sources-duplicate-error")


# --- every page ----------------------------------------------------------------------------------

PAGES = [
    ("", "Overview", True),
    ("sources", "Sources", False),
    ("campaigns", "Campaigns & channels", True),
    ("conversion", "Conversion", True),
    ("weekly", "Weekly review", False),
    ("health", "Data health", False),  # its chart shows only when some contacts lack a source
    ("settings", "Settings", False),
]


@pytest.mark.parametrize("path,title,has_chart", PAGES, ids=[p[0] or "overview" for p in PAGES])
def test_page_renders_without_error(page, dashboard, path, title, has_chart):
    open_page(page, dashboard, path, chart=has_chart)
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(title)
    assert_no_exception(page)
    # Every chart on the page finished drawing before the screenshot.
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for i in range(charts.count()):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached()
    # The sidebar frame (filters) is there on every page, not a bare page run.
    expect(page.get_by_role("combobox", name="Date range")).to_be_visible()
    shot(page, f"page-{path or 'overview'}")
