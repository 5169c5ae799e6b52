"""The sign-in door in Arabic (``?lang=ar``): the title and Sign in button, a stranger told whom to
ask, a missing e-mail claim explained, right to left, against a local OpenID Connect provider.

Expected texts are read from the Arabic catalog with Babel (``catalog_support``), not with the
dashboard's own translation layer."""

from __future__ import annotations

import pytest
from catalog_support import arabic_catalog

from .arabic_support import SCREENS, TEXT_JS, direction_of, english_words
from .conftest import TZ, shot, wait_idle

pytestmark = pytest.mark.e2e


# --- the sign-in door in Arabic ---------------------------------------------------------------------

DOOR_EDITOR, DOOR_STRANGER = "maha@shop.example", "eve@elsewhere.example"


@pytest.fixture(scope="module")
def door(emulator, browser, tmp_path_factory):
    """A second dashboard with sign-in on (``[auth]`` through the test provider, one editor):
    yields ``(url, provider)``. Nobody signs in with a role, so the workspace is never opened."""
    from .conftest import free_port, start_dashboard, stop_dashboard
    from .oidc_provider import OIDCProvider, auth_section

    _, api_base = emulator
    work = tmp_path_factory.mktemp("e2e-door-ar")
    port = free_port()
    url = f"http://localhost:{port}"
    provider = OIDCProvider([f"{url}/oauth2callback"]).start()
    secrets = work / "secrets.toml"
    secrets.write_text(auth_section(provider, f"{url}/oauth2callback", "e2e-cookie-secret-" + "a" * 30)
                       + f'\n[access]\neditors = ["{DOOR_EDITOR}"]\n', encoding="utf-8")
    proc, _ = start_dashboard({"RASL_API_TOKEN": "wm_" + "door" * 15, "RASL_BASE_URL": api_base,
                               "RASL_CACHE_PATH": str(work / "door.duckdb"), "RASL_TIMEZONE": TZ,
                               "RASL_SECRETS_PATH": str(secrets)}, work, port=port)
    try:
        yield url, provider
    finally:
        stop_dashboard(proc)
        provider.stop()


def _catalog() -> dict[str, str]:
    return {m.id: m.string for m in arabic_catalog() if m.id}


def _main_text(page) -> str:
    # Word joiners (U+2060) keep addresses from turning into links; not part of what is read.
    return " ".join(page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "").split())


def _through_the_door(page, url: str, provider, email: str | None) -> None:
    """Open ``/?lang=ar``, press the Arabic Sign in button, let the provider approve ``email``."""
    provider.email = email
    page.goto(f"{url}/?lang=ar", wait_until="domcontentloaded")
    wait_idle(page)
    page.get_by_role("button", name=_catalog()["Sign in"]).click()
    # Back from the provider, on the link that was opened (lang=ar kept), with the door's message.
    page.wait_for_function("""() => location.search.includes('lang=ar') && !location.pathname.includes('oauth2callback')
      && document.documentElement.getAttribute('lang') === 'ar' && document.querySelector('[data-testid="stAlert"]')""")
    wait_idle(page)


def test_sign_in_door_in_arabic_shows_the_arabic_title_and_button_right_to_left(page, door):
    url, _ = door
    ar = _catalog()
    page.goto(f"{url}/sources?lang=ar", wait_until="domcontentloaded")
    wait_idle(page)
    assert page.locator('[data-testid="stMain"] h1').inner_text().strip() == ar["RASL attribution"]
    assert page.get_by_role("button", name=ar["Sign in"]).is_visible()
    assert direction_of(page) == "rtl"
    assert not english_words(page.evaluate(TEXT_JS), [])
    shot(page, "signin-anonymous", SCREENS / "ar")


def test_sign_in_door_in_arabic_tells_a_stranger_whom_to_ask(page, door):
    url, provider = door
    _through_the_door(page, url, provider, DOOR_STRANGER)
    want = _catalog()["No access: {email} is not on this dashboard's list of viewers and editors. To get access, "
                      "ask {contact} to add you."].format(email=DOOR_STRANGER, contact=DOOR_EDITOR)
    assert " ".join(want.split()) in _main_text(page)
    assert direction_of(page) == "rtl"
    assert page.get_by_role("button", name=_catalog()["Sign out"]).is_visible()
    shot(page, "signin-stranger", SCREENS / "ar")


def test_sign_in_door_in_arabic_explains_a_missing_email_claim(page, door):
    url, provider = door
    _through_the_door(page, url, provider, None)
    ar = _catalog()["Your sign-in service did not tell the dashboard your (verified) e-mail address, so it cannot "
                    "tell whether you have access. Whoever runs the dashboard should let the provider share the "
                    "`email` claim (scope `openid email profile`)."]
    # Markdown shows the code spans without their backticks.
    assert " ".join(ar.replace("`", "").split()) in _main_text(page)
