"""End-to-end sign-in: a real Chromium, ``streamlit run app.py`` with ``[auth]`` and ``[access]``, and a
local OpenID Connect provider (``oidc_provider.py``, Authlib/joserfc) on 127.0.0.1.

Roles of the module's secrets file: editor ``maha@shop.example``; viewers everyone ``@shop.example``.
Anonymous visitors, a viewer, the editor, a stranger, a provider that sends no e-mail and an
expired cookie each see exactly what the README promises. The editor's source creation is then
read back from ``python -m rasl_data export audit``, a separate process on the same cache.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .conftest import (
    FIRST_SYNC_TIMEOUT_S,
    PAGE_TIMEOUT_MS,
    ROOT,
    TOKEN,
    TZ,
    free_port,
    read_log,
    shot,
    start_dashboard,
    stop_dashboard,
    wait_idle,
)
from .oidc_provider import OIDCProvider, auth_section

pytestmark = pytest.mark.e2e

EDITOR, VIEWER, STRANGER = "maha@shop.example", "sara@shop.example", "eve@elsewhere.example"
COOKIE_SECRET = "e2e-cookie-secret-" + "z" * 30
NEW_SOURCE = "TikTok / Team launch"
DEEP_QUERY = "range=custom&start=2026-09-07&end=2026-11-29&gran=week&compare=none"
DATA_SELECTORS = ", ".join(f'[data-testid="{t}"]' for t in (
    "stMetric", "stDataFrame", "stPlotlyChart", "stTextInput", "stSelectbox", "stDateInput", "stDataEditor",
    "stSidebarNav", "stExpander", "stTabs", "stSidebar"))


@dataclass
class Team:
    url: str
    provider: OIDCProvider
    cache: Path
    secrets: Path
    proc: object
    api_base: str = ""


@pytest.fixture(scope="module")
def team(emulator, browser, tmp_path_factory):
    """The dashboard with sign-in on, its provider and cache; the editor's first visit ran the first sync."""
    _, api_base = emulator
    work = tmp_path_factory.mktemp("e2e-signin")
    port = free_port()
    url = f"http://localhost:{port}"  # the redirect_uri's origin: the sign-in cookie belongs to it
    provider = OIDCProvider([f"{url}/oauth2callback"]).start()
    secrets = work / "secrets.toml"
    secrets.write_text(auth_section(provider, f"{url}/oauth2callback", COOKIE_SECRET)
                       + f'\n[access]\neditors = ["{EDITOR}"]\nviewers = ["@shop.example"]\n', encoding="utf-8")
    cache = work / "team.duckdb"
    proc, _ = start_dashboard({"RASL_API_TOKEN": TOKEN, "RASL_BASE_URL": api_base, "RASL_CACHE_PATH": str(cache),
                               "RASL_TIMEZONE": TZ, "RASL_SECRETS_PATH": str(secrets)}, work, port=port)
    t = Team(url, provider, cache, secrets, proc, api_base)
    try:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        try:
            sign_in(page, t, EDITOR, timeout_ms=FIRST_SYNC_TIMEOUT_S * 1000)
            page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=FIRST_SYNC_TIMEOUT_S * 1000)
        except Exception as err:
            raise RuntimeError(f"first signed-in visit failed: {err}\n{read_log(proc)}") from err
        finally:
            context.close()
        yield t
    finally:
        stop_dashboard(proc)
        provider.stop()


def sign_in(page, team: Team, email: str | None, path: str = "", query: str = "",
            timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Open ``path?query`` anonymously, press Sign in, let the provider approve ``email``, and wait
    until the app is back on ``path`` and idle."""
    team.provider.email = email
    page.goto(f"{team.url}/{path}" + (f"?{query}" if query else ""), wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").click()
    want = "/" + path

    def back_home(u: str) -> bool:
        parts = urlparse(u)
        return u.startswith(team.url) and parts.path == want and "oauth2callback" not in u
    page.wait_for_url(back_home, timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stSidebar"], [data-testid="stAlert"]', timeout=timeout_ms)
    wait_idle(page, timeout_ms)


def main_text(page) -> str:
    # Word joiners (U+2060, invisible) keep addresses from turning into links: not part of the text read.
    return " ".join(page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "").split())


def assert_nothing_of_the_dashboard(page, team: Team) -> None:
    assert page.locator(DATA_SELECTORS).count() == 0, main_text(page)
    html = page.content()
    api_host = urlparse(team.api_base).netloc
    assert "Demo workspace" not in html and api_host not in html and "Workspace:" not in html


@pytest.mark.parametrize("path, query", [("", ""), ("sources", DEEP_QUERY), ("settings", ""), ("audit", "")])
def test_anonymous_visitor_sees_only_the_product_name_and_sign_in(team, page, path, query):
    page.goto(f"{team.url}/{path}" + (f"?{query}" if query else ""), wait_until="domcontentloaded")
    wait_idle(page)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.locator('[data-testid="stMain"] h1').inner_text().strip() == "RASL attribution"
    assert_nothing_of_the_dashboard(page, team)
    # The title and the button are all there is (the button carries a Material icon ligature).
    assert re.fullmatch(r"RASL attribution (login )?Sign in", main_text(page)), main_text(page)
    if not path:
        shot(page, "signin-anonymous")


def test_editor_from_a_deep_link_lands_on_that_page_with_its_filters_and_can_create(team, page):
    sign_in(page, team, EDITOR, "sources", DEEP_QUERY)
    query = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert urlparse(page.url).path == "/sources"
    assert (query.get("start"), query.get("end"), query.get("gran")) == ("2026-09-07", "2026-11-29", "week")
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text(f"Signed in as {EDITOR} (editor)")
    expect(sidebar.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator('[data-testid="stMain"] h1')).to_have_text("Sources")

    page.get_by_role("textbox", name="Source name").fill(NEW_SOURCE)
    page.get_by_role("button", name="Create source").click()
    expect(page.locator('[data-testid="stMain"]').get_by_text("created", exact=False).first).to_be_visible(
        timeout=PAGE_TIMEOUT_MS)
    wait_idle(page)
    shot(page, "signin-editor-sources")

    out = team.cache.parent / "audit.csv"
    run = subprocess.run([sys.executable, "-m", "rasl_data", "export", "audit", "--cache", str(team.cache),
                          "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "RASL_SECRETS_PATH": str(team.secrets)})
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    mine = [r for r in rows if r["action"] == "source.create" and r["object_name"] == NEW_SOURCE]
    assert len(mine) == 1, rows
    assert (mine[0]["actor"], mine[0]["role"], mine[0]["outcome"]) == (EDITOR, "editor", "done")
    assert json.loads(mine[0]["after"])["name"] == NEW_SOURCE
    assert mine[0]["occurred_at"].endswith("+00:00")


def test_viewer_sees_every_page_but_no_form_that_changes_anything(team, page):
    sign_in(page, team, VIEWER, "sources", DEEP_QUERY)
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text(f"Signed in as {VIEWER} (viewer)")
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    assert f"Changing sources (create, rename, delete) is off: you are signed in as {VIEWER}, a viewer; ask an editor." \
        in main_text(page)
    assert page.get_by_role("button", name="Create source").count() == 0
    assert page.get_by_role("textbox", name="Source name").count() == 0
    nav = sidebar.locator('[data-testid="stSidebarNav"]')
    for title in ("Overview", "Sources", "Campaigns & channels", "Conversion", "Weekly review", "Data health",
                  "Audit log", "Settings"):
        expect(nav.get_by_role("link", name=title)).to_be_visible()
    nav.get_by_role("link", name="Campaigns & channels").click()
    page.wait_for_url(re.compile(r"/campaigns"))
    wait_idle(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Changing channel rules and source labels")
    assert f"you are signed in as {VIEWER}, a viewer; ask an editor." in main_text(page)
    assert page.get_by_role("button", name="Save rules").count() == 0
    assert page.get_by_text("Restore the built-in rules").count() == 0


def test_stranger_sees_no_access_and_whom_to_ask_and_nothing_else(team, page):
    sign_in(page, team, STRANGER, "sources", DEEP_QUERY)
    text = main_text(page)
    assert f"No access: {STRANGER} is not on this dashboard's list" in text
    assert f"ask {EDITOR} to add you" in text
    page_elements = page.locator(DATA_SELECTORS)
    assert page_elements.count() == 0, text
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    assert_nothing_of_the_dashboard(page, team)


def test_provider_without_an_email_claim_gets_a_clear_page(team, page):
    sign_in(page, team, None)
    assert "did not tell the dashboard your (verified) e-mail address" in main_text(page)
    assert_nothing_of_the_dashboard(page, team)


def _user_cookie(team: Team, email: str, age_days: float) -> dict:
    """A ``_streamlit_user`` cookie as Streamlit signs it, signed ``age_days`` ago."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Backdated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age_days * 86400)

    payload = json.dumps({"email": email, "email_verified": True, "origin": team.url, "is_logged_in": True,
                          "provider": "default"})
    value = URLSafeTimedSerializer(COOKIE_SECRET, salt="_streamlit_user", signer=Backdated).dumps(payload)
    host = urlparse(team.url).hostname
    return {"name": "_streamlit_user", "value": value, "domain": host, "path": "/", "httpOnly": True}


def test_expired_sign_in_cookie_shows_the_sign_in_page_not_data(team, browser):
    fresh = browser.new_context(viewport={"width": 1440, "height": 1000})
    fresh.add_cookies([_user_cookie(team, EDITOR, age_days=0)])
    pg = fresh.new_page()
    pg.goto(f"{team.url}/settings", wait_until="domcontentloaded")
    wait_idle(pg)
    # Control: the same cookie signed today is accepted (so the forgery itself is right)...
    expect(pg.locator('[data-testid="stSidebar"]')).to_contain_text(f"Signed in as {EDITOR}")
    fresh.close()

    old = browser.new_context(viewport={"width": 1440, "height": 1000})
    old.add_cookies([_user_cookie(team, EDITOR, age_days=40)])
    pg = old.new_page()
    pg.goto(f"{team.url}/settings", wait_until="domcontentloaded")
    wait_idle(pg)
    # ...and signed 40 days ago (past Streamlit's 30-day cookie) it is not.
    expect(pg.get_by_role("button", name="Sign in")).to_be_visible()
    assert_nothing_of_the_dashboard(pg, team)
    old.close()


def test_return_after_sign_in_never_leaves_the_site(team, page):
    team.provider.email = VIEWER
    # On the second load of the app in this tab (back from the provider), before the app's own
    # scripts run, leave what a crafted link such as http://dashboard//evil.example/steal would.
    page.add_init_script("""(() => {
      if (location.port !== '%s') return;
      const n = Number(sessionStorage.getItem('loads') || 0) + 1;
      sessionStorage.setItem('loads', String(n));
      if (n === 2) sessionStorage.setItem('rasl:return', '//evil.example/steal');
    })()""" % urlparse(team.url).port)
    visited: list[str] = []
    page.on("framenavigated", lambda f: visited.append(f.url) if f == page.main_frame else None)
    page.goto(f"{team.url}/", wait_until="domcontentloaded")
    wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    # The page is already at "/" before the detour, so wait for the signed-in sidebar instead.
    expect(page.locator('[data-testid="stSidebar"]')).to_contain_text(f"Signed in as {VIEWER}",
                                                                       timeout=PAGE_TIMEOUT_MS)
    wait_idle(page)
    page.wait_for_timeout(500)  # give a (wrong) redirect the time to start
    assert page.url.startswith(team.url) and urlparse(page.url).path == "/"
    assert not [u for u in visited if "steal" in u or "evil" in u], visited
    assert page.evaluate("() => sessionStorage.getItem('rasl:return')") is None


def test_zz_unreachable_provider_is_a_clear_message_and_no_data(team, page):
    # Last in the module: it stops the provider.
    team.provider.stop()
    page.goto(f"{team.url}/sources?{DEEP_QUERY}", wait_until="domcontentloaded")
    wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("cannot be reached right now")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    assert urlparse(page.url).path == "/sources"  # still on the dashboard, not a browser error page
    assert_nothing_of_the_dashboard(page, team)
