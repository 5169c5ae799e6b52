"""Sign-in and roles: ``[auth]``/``[access]`` parsing, the gate in ``app.py``, the viewer refused server-side.

The AppTest runs write a secrets file under ``tmp_path`` (``RASL_SECRETS_PATH``) and give Streamlit
the same sections (``at.secrets``), and play the signed-in browser with ``at.user`` (the claims
Streamlit copies from the provider's ID token).
"""

from __future__ import annotations

import textwrap

import httpx
import pytest
from apptest_support import APP, CUSTOM_QP, TIMEOUT, make_workspace
from catalog_support import arabic_catalog
from markup import rendered_text
from streamlit.testing.v1 import AppTest

from rasl_data import signin
from rasl_data.access import LOCAL_ACTOR, Actor
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant
from rasl_data.signin import AccessList, SignInConfigError, parse_signin

SECRET = "k" * 40
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": SECRET,
        "client_id": "rasl", "client_secret": "s3cret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ACCESS = {"editors": ["Maha@Shop.example"], "viewers": ["@shop.example", "omar@agency.example"]}

pytestmark = pytest.mark.usefixtures("isolated")


# --- parsing -------------------------------------------------------------------------------------


def test_no_auth_section_means_open_local_use():
    assert parse_signin({"RASL_API_TOKEN": "x"}) == signin.OPEN
    assert not signin.OPEN.enabled


def test_roles_from_addresses_and_domains_editors_are_viewers_too():
    cfg = parse_signin({"auth": AUTH, "access": ACCESS})
    assert cfg.enabled and cfg.providers == {"default": AUTH["server_metadata_url"]}
    assert cfg.access.role_for("maha@shop.example") == "editor"
    assert cfg.access.role_for("  MAHA@shop.EXAMPLE ") == "editor"  # case and spaces ignored
    assert cfg.access.role_for("sara@shop.example") == "viewer"     # @shop.example
    assert cfg.access.role_for("omar@agency.example") == "viewer"
    assert cfg.access.role_for("eve@agency.example") is None        # only omar at that domain
    assert cfg.access.role_for("eve@sub.shop.example") is None      # a domain entry is not its subdomains
    assert cfg.access.role_for("eve@evilshop.example") is None
    assert cfg.access.role_for(None) is None and cfg.access.role_for("not an address") is None
    assert cfg.access.contact == "maha@shop.example"
    assert cfg.actor_for("Maha@shop.example") == Actor("maha@shop.example", "editor")
    assert cfg.actor_for("stranger@else.example") is None


def test_named_providers_are_listed():
    auth = {k: v for k, v in AUTH.items() if k in ("redirect_uri", "cookie_secret")}
    auth["google"] = {"client_id": "a", "client_secret": "b", "server_metadata_url": "https://accounts.google.com/x"}
    auth["okta"] = {"client_id": "a", "client_secret": "b", "server_metadata_url": "https://o.okta.com/x",
                    "client_kwargs": {"prompt": "login"}}
    cfg = parse_signin({"auth": auth, "access": ACCESS})
    assert list(cfg.providers) == ["google", "okta"]


@pytest.mark.parametrize("secrets, message", [
    ({"access": ACCESS}, "[access] needs sign-in"),
    ({"auth": "yes", "access": ACCESS}, "[auth] must be a section"),
    ({"auth": {**AUTH, "redirect_uri": "/oauth2callback"}, "access": ACCESS}, "absolute http(s)"),
    ({"auth": {**AUTH, "redirect_uri": "http://localhost:8501/"}, "access": ACCESS}, "must end with /oauth2callback"),
    ({"auth": {k: v for k, v in AUTH.items() if k != "redirect_uri"}, "access": ACCESS}, "redirect_uri must be text"),
    ({"auth": {k: v for k, v in AUTH.items() if k != "cookie_secret"}, "access": ACCESS}, "cookie_secret is missing"),
    ({"auth": {**AUTH, "cookie_secret": "short"}, "access": ACCESS}, "too short (5 characters)"),
    ({"auth": {k: v for k, v in AUTH.items() if k != "client_secret"}, "access": ACCESS}, "missing client_secret"),
    ({"auth": {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": SECRET}, "access": ACCESS}, "no provider"),
    ({"auth": {**AUTH, "server_metadata_url": "accounts.google.com"}, "access": ACCESS}, "server_metadata_url"),
    ({"auth": {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": SECRET,
               "my_idp": {"client_id": "a", "client_secret": "b", "server_metadata_url": "https://x.example/m"}},
      "access": ACCESS}, "cannot contain '_'"),
    ({"auth": AUTH}, "[access] is missing"),
    ({"auth": AUTH, "access": {"editors": [], "viewers": []}}, "lists nobody"),
    ({"auth": AUTH, "access": {"editors": ["maha"]}}, "'maha' is neither an e-mail address nor @domain"),
    ({"auth": AUTH, "access": {"editors": "maha@shop.example", "viewer": ["x@y.example"]}}, "unknown key 'viewer'"),
    ({"auth": AUTH, "access": {"editors": {"a": 1}}}, "editors must be a list"),
    ({"auth": AUTH, "access": ["maha@shop.example"]}, "[access] must be a section"),
])
def test_malformed_sections_are_one_line_errors(secrets, message):
    with pytest.raises(SignInConfigError) as err:
        parse_signin(secrets)
    assert message in str(err.value)
    assert "\n" not in str(err.value)
    assert SECRET not in str(err.value) and "s3cret" not in str(err.value)


def test_single_string_entry_is_accepted_as_a_list():
    cfg = parse_signin({"auth": AUTH, "access": {"editors": "maha@shop.example"}})
    assert cfg.access == AccessList(editors=("maha@shop.example",))


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text("[auth\nredirect_uri = 1\n")
    with pytest.raises(SignInConfigError, match="is not valid TOML"):
        signin.load_signin(path)
    assert signin.load_signin(tmp_path / "missing.toml") == signin.OPEN


def test_provider_problem_names_the_host_and_never_raises():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/500":
            return httpx.Response(500)
        if request.url.path == "/html":
            return httpx.Response(200, text="<html>hi</html>")
        return httpx.Response(200, json={"issuer": "x", "authorization_endpoint": "https://idp.example/auth"})

    t = httpx.MockTransport(handler)
    assert signin.provider_problem("https://idp.example/ok", transport=t) is None
    assert signin.provider_problem("https://idp.example/down", transport=t) == \
        "The sign-in service at idp.example cannot be reached right now."
    assert "HTTP 500" in signin.provider_problem("https://idp.example/500", transport=t)
    assert "did not send a sign-in configuration" in signin.provider_problem("https://idp.example/html", transport=t)


def test_bind_address_opens_the_network_only_with_sign_in_or_when_asked():
    on = parse_signin({"auth": AUTH, "access": ACCESS})
    assert signin.bind_address(signin.OPEN, None) == ("127.0.0.1", None)
    assert signin.bind_address(on, None) == ("0.0.0.0", None)
    address, warning = signin.bind_address(signin.OPEN, "0.0.0.0")
    assert address == "0.0.0.0" and "without sign-in" in warning
    assert signin.bind_address(on, "10.0.0.5") == ("10.0.0.5", None)


# --- the gate (AppTest) ----------------------------------------------------------------------------


def write_secrets(tmp_path, monkeypatch, text: str) -> dict:
    """Write ``text`` as the secrets file both the dashboard and (via ``at.secrets``) Streamlit read."""
    import tomllib

    path = tmp_path / "secrets.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.setenv("RASL_SECRETS_PATH", str(path))
    return tomllib.loads(path.read_text())


TEAM = f"""
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "{SECRET}"
client_id = "rasl"
client_secret = "s3cret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"

[access]
editors = ["maha@shop.example"]
viewers = ["@shop.example"]
"""


def gate_run(secrets: dict, user: dict, page: str | None = None, qp: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets.update(secrets)
    at.user = user
    at.session_state["_first_sync_tried"] = True
    for k, v in (qp or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def nothing_of_the_dashboard(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.metric and not at.dataframe and not at.text_input and not at.selectbox and not at.sidebar.button
    assert not at.get("plotly_chart")
    shown = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.warning, *at.error, *at.info])
    assert "rasl.test" not in shown and "Demo workspace" not in shown and "duckdb" not in shown


@pytest.mark.parametrize("page", [None, "pages/sources.py", "pages/settings.py", "pages/audit.py"])
def test_anonymous_visitor_sees_only_the_name_and_sign_in(small_ws, tmp_path, monkeypatch, page):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, {"is_logged_in": False}, page, CUSTOM_QP)
    nothing_of_the_dashboard(at)
    assert [t.value for t in at.title] == ["RASL attribution"]
    assert [b.label for b in at.button] == ["Sign in"]


def test_unreachable_provider_is_a_clear_message_not_a_redirect(small_ws, tmp_path, monkeypatch):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)  # port 9 on loopback: nothing listens
    at = gate_run(secrets, {"is_logged_in": False})
    at.button(key="signin_default").click().run()
    nothing_of_the_dashboard(at)
    assert [e.value for e in at.error][0].startswith("The sign-in service at 127.0.0.1:9 cannot be reached right now.")


def test_stranger_sees_no_access_and_whom_to_ask(small_ws, tmp_path, monkeypatch):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, {"is_logged_in": True, "email": "eve@else.example"}, "pages/sources.py")
    nothing_of_the_dashboard(at)
    text = rendered_text(at.warning[0].value)
    assert "No access: eve@else.example is not" in text and "ask maha@shop.example to add you" in text
    assert [b.label for b in at.button] == ["Sign out"]


@pytest.mark.parametrize("user", [{"is_logged_in": True, "name": "No Mail"},
                                  {"is_logged_in": True, "email": "maha@shop.example", "email_verified": False}])
def test_provider_without_a_verified_email_gets_a_clear_page(small_ws, tmp_path, monkeypatch, user):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, user)
    nothing_of_the_dashboard(at)
    assert "did not tell the dashboard your (verified) e-mail address" in at.warning[0].value


@pytest.mark.parametrize("text, message", [
    ("[access]\neditors = [\"maha@shop.example\"]\n", "[access] needs sign-in"),
    (TEAM.replace('cookie_secret = "' + SECRET + '"', 'cookie_secret = "abc"'), "cookie_secret is too short"),
    (TEAM.replace('editors = ["maha@shop.example"]', 'editors = ["maha"]'), "'maha' is neither"),
])
def test_malformed_configuration_is_a_clear_page_without_data(small_ws, tmp_path, monkeypatch, text, message):
    secrets = write_secrets(tmp_path, monkeypatch, text)
    at = gate_run(secrets, {"is_logged_in": True, "email": "maha@shop.example"}, "pages/overview.py")
    nothing_of_the_dashboard(at)
    assert message in at.error[0].value and at.error[0].value.startswith("Sign-in is not set up correctly")
    assert "abc" not in at.error[0].value


def test_auth_that_streamlit_did_not_load_is_refused(small_ws, tmp_path, monkeypatch):
    write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run({"RASL_TIMEZONE": "UTC"}, {"is_logged_in": False})  # Streamlit read another file
    nothing_of_the_dashboard(at)
    assert "Streamlit did not load that file" in at.error[0].value


def test_viewer_sees_pages_but_no_change_forms(small_ws, tmp_path, monkeypatch):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, {"is_logged_in": True, "email": "sara@shop.example"}, "pages/sources.py", CUSTOM_QP)
    assert not at.exception and at.dataframe
    assert "Signed in as `sara@shop.example` (viewer)" in " ".join(c.value for c in at.sidebar.caption)
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert not at.text_input and not any(b.label.endswith("source") for b in at.button)
    assert "signed in as sara@shop.example, a viewer; ask an editor" in rendered_text(at.info[0].value)
    at.switch_page("pages/campaigns.py").run()
    assert not any(b.label in ("Save rules", "Restore built-in rules") for b in at.button)


def test_editor_sees_the_forms_and_their_address(small_ws, tmp_path, monkeypatch):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, {"is_logged_in": True, "email": "Maha@shop.example"}, "pages/sources.py", CUSTOM_QP)
    assert not at.exception
    assert "Create source" in [b.label for b in at.button]
    assert "(editor)" in " ".join(c.value for c in at.sidebar.caption)


def test_settings_says_open_to_anyone_without_auth(small_ws):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_first_sync_tried"] = True
    at.run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    assert any("open to anyone who can reach its address" in w.value for w in at.warning)
    assert not at.sidebar.caption or "Signed in" not in " ".join(c.value for c in at.sidebar.caption)


# --- a viewer's crafted change reaches the callback ----------------------------------------------


def _crafted_create(name: str) -> None:
    """An app whose run calls the Create source callback, as a forged widget event would."""
    import streamlit as st

    from ui import source_forms

    st.session_state["src_create_name"] = name
    source_forms.create()


def test_viewer_crafted_create_changes_nothing_and_is_logged_as_refused(tmp_path, monkeypatch):
    from ui import context

    emulator = EmulatorApp(make_demo_tenant(n_contacts=150, seed=5), rate_limit_per_minute=None)
    ws = make_workspace(tmp_path, tmp_path / "c.duckdb", token=DEMO_TOKEN, transport=emulator.transport())
    ws.sync()
    context.WORKSPACE_OVERRIDE = ws
    with ws.client() as client:
        names_before = {s.name for s in client.list_sources()}
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)

    at = AppTest.from_function(_crafted_create, args=("Snap / Forged",), default_timeout=TIMEOUT)
    at.secrets.update(secrets)
    at.user = {"is_logged_in": True, "email": "sara@shop.example"}
    at.run()
    assert not at.exception

    with ws.client() as client:
        assert {s.name for s in client.list_sources()} == names_before  # RASL unchanged
    assert "Snap / Forged" not in set(ws.reader.query("SELECT name FROM sources")["name"])
    log = ws.audit_log()
    assert len(log) == 1
    row = log.iloc[0]
    assert (row.actor, row.role, row.action, row.outcome, row.object_name) == (
        "sara@shop.example", "viewer", "source.create", "refused", "Snap / Forged")


def test_actor_is_local_without_auth_and_a_viewer_for_strangers(tmp_path, monkeypatch):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)

    def who() -> None:
        import streamlit as st

        from ui import context

        a = context.actor()
        st.write(f"{a.email}|{a.role}")

    for user, expected in [({"is_logged_in": True, "email": "maha@shop.example"}, "maha@shop.example|editor"),
                           ({"is_logged_in": True, "email": "eve@else.example"}, "eve@else.example|viewer"),
                           ({"is_logged_in": False}, "anonymous|viewer")]:
        at = AppTest.from_function(who, default_timeout=TIMEOUT)
        at.secrets.update(secrets)
        at.user = user
        at.run()
        assert at.markdown[0].value == expected
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    at = AppTest.from_function(who, default_timeout=TIMEOUT)
    at.run()
    assert at.markdown[0].value == f"{LOCAL_ACTOR.email}|{LOCAL_ACTOR.role}"


def test_named_providers_get_one_sign_in_button_each(small_ws, tmp_path, monkeypatch):
    two = TEAM.replace('client_id = "rasl"\nclient_secret = "s3cret"\n'
                       'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n',
                       '\n[auth.google]\nclient_id = "a"\nclient_secret = "b"\n'
                       'server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"\n'
                       '\n[auth.microsoft]\nclient_id = "c"\nclient_secret = "d"\n'
                       'server_metadata_url = "https://login.microsoftonline.com/x/v2.0/.well-known/openid-configuration"\n')
    assert "[auth.google]" in two
    secrets = write_secrets(tmp_path, monkeypatch, two)
    at = gate_run(secrets, {"is_logged_in": False})
    nothing_of_the_dashboard(at)
    assert [b.label for b in at.button] == ["Sign in with Google", "Sign in with Microsoft"]


def test_settings_shows_the_signed_in_role_and_the_lists(small_ws, tmp_path, monkeypatch):
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, {"is_logged_in": True, "email": "sara@shop.example"}, "pages/settings.py")
    assert not at.exception
    rows = {r["Setting"]: r["Value"] for _, r in at.dataframe[1].value.iterrows()}
    assert rows["Signed in as"] == "sara@shop.example"
    assert rows["Your role"].startswith("viewer")
    assert rows["Editors"] == "maha@shop.example" and rows["Viewers (editors too)"] == "@shop.example"
    assert not any("open to anyone" in w.value for w in at.warning)


def test_read_only_makes_a_signed_in_editor_a_viewer(small_ws, tmp_path, monkeypatch):
    from ui import context

    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, small_ws.cache_path, read_only=True)
    secrets = write_secrets(tmp_path, monkeypatch, TEAM)
    at = gate_run(secrets, {"is_logged_in": True, "email": "maha@shop.example"}, "pages/sources.py")
    assert not at.exception
    assert "(viewer)" in " ".join(c.value for c in at.sidebar.caption)
    assert "Create source" not in [b.label for b in at.button]


def test_secrets_file_that_is_not_toml_never_opens_the_dashboard(small_ws, tmp_path, monkeypatch):
    # Streamlit skips a secrets file it cannot parse (its sign-in silently off); the dashboard
    # reads the same file itself and stops instead of running open.
    (tmp_path / "secrets.toml").write_text(TEAM.replace("[access]", "[access"), encoding="utf-8")
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "secrets.toml"))
    at = gate_run({}, {"is_logged_in": False}, "pages/overview.py")
    nothing_of_the_dashboard(at)
    assert "is not valid TOML" in at.error[0].value


def test_dashboard_reads_the_secrets_file_streamlit_was_started_with(tmp_path, monkeypatch):
    from streamlit import config

    from rasl_data.settings import DEFAULT_SECRETS_PATH
    from ui import context

    monkeypatch.delenv("RASL_SECRETS_PATH", raising=False)
    assert context.secrets_path() == DEFAULT_SECRETS_PATH  # Streamlit's default: the repo's file
    server_file = tmp_path / "server.toml"
    server_file.write_text('RASL_TIMEZONE = "Asia/Riyadh"\n')
    before = (config.get_option("secrets.files"), config.get_where_defined("secrets.files"))
    config.set_option("secrets.files", [str(tmp_path / "missing.toml"), str(server_file)],
                      where_defined="command-line argument or environment variable")
    try:
        assert context.secrets_path() == server_file  # as `streamlit run --secrets.files FILE`
        monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "explicit.toml"))
        assert context.secrets_path() == tmp_path / "explicit.toml"  # the explicit variable wins
    finally:
        config.set_option("secrets.files", before[0], where_defined=before[1])
    assert config.get_where_defined("secrets.files") == "<default>"



def test_sign_in_and_role_messages_in_an_arabic_run_keep_the_key_and_the_address():
    from rasl_data import i18n
    from rasl_data.access import AccessDeniedError, Actor, require_editor

    catalog = arabic_catalog()
    with i18n.use("ar"):
        with pytest.raises(signin.SignInConfigError) as bad_config:
            signin.parse_signin({"access": {"editors": ["maha@shop.example"]}})
        with pytest.raises(AccessDeniedError) as denied:
            require_editor(Actor("omar@shop.example", "viewer"), "source.create")
    needs_auth = "[access] needs sign-in: add an [auth] section (see README, Shared server) or remove [access]"
    assert str(bad_config.value) == catalog.get(needs_auth).string
    assert "[auth]" in str(bad_config.value) and "[access]" in str(bad_config.value)
    viewer = catalog.get("{email} is a viewer: viewers cannot make changes. Ask an editor.").string
    assert denied.value.title == viewer.replace("{email}", "omar@shop.example")
    assert denied.value.detail == "refused source.create for omar@shop.example (role viewer)"  # the detail stays English
