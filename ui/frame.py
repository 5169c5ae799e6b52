"""The app frame: every page runs inside ``app.py``, and the sign-in gate in front of it.

Make sure every page runs inside ``app.py`` (its ``st.navigation``, sidebar and filters).

Why: this repo keeps the pages in a folder named ``pages/``. Streamlit 1.67 still supports the
old multipage mode for such folders: a server process starts in that mode and leaves it only
when ``st.navigation`` runs. A browser whose first request is a page URL (``/sources``) is then
served ``pages/sources.py`` alone, with no sidebar, no filters and a file-name page list, and
since ``app.py`` never runs, every new session keeps landing there. The switch lives on
``streamlit.runtime.pages_manager.PagesManager.uses_pages_directory`` (internal); turning it
off and rerunning makes the same URL run ``app.py``, whose page of the same ``url_path`` then
draws inside the frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rasl_data import signin
from rasl_data.access import Actor
from rasl_data.i18n import N_, _
from rasl_data.text import md_literal

from . import context, direction, locale

_switched_at_import = False


def disable_pages_folder_mode(*, at_import: bool = False) -> bool:
    """Turn off the old ``pages/`` folder mode for this process; True if it was on.

    ``at_import``: remember the switch so the page run that imported ``ui`` first still reruns.
    """
    global _switched_at_import
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the old mode: nothing to do
        return False
    was_on = bool(getattr(PagesManager, "uses_pages_directory", False))
    if was_on:
        PagesManager.uses_pages_directory = False
        _switched_at_import = _switched_at_import or at_import
    return was_on


def ensure_app_frame() -> None:
    """Called first by every page: when it runs without ``app.py``, rerun through ``app.py``.

    At most one extra run per process start (or per bare page run), never a loop: the mode,
    once off, stays off.
    """
    global _switched_at_import
    switched = disable_pages_folder_mode() or _switched_at_import
    _switched_at_import = False
    if switched:
        st.rerun()


# Streamlit draws white text on primary buttons in both themes. The dark theme's primary green
# must be bright (it is also text: a selected segmented control, a slider's value, on a dark
# background), and white on a bright green fails WCAG contrast (1.8:1). So primary buttons keep
# the light theme's dark green (white on it: 6.6:1) in both themes.
PRIMARY_BUTTON_CSS = """<style>
button[kind="primary"], button[kind="primary"]:focus:not(:active) {
  background-color: #0A6B3F; border-color: #0A6B3F; color: #FFFFFF;
}
button[kind="primary"]:hover, button[kind="primary"]:active {
  background-color: #085A35; border-color: #085A35; color: #FFFFFF;
}
</style>"""


def theme_fixes() -> None:
    """Style the app chrome where the theme options cannot (``PRIMARY_BUTTON_CSS``) and, in Arabic,
    lay the page out right to left (``ui.direction``); draws nothing."""
    st.html(PRIMARY_BUTTON_CSS + direction.HIDDEN_CSS + direction.page_css())
    # The script that sets <html lang dir> sits in a hidden container: no gap in the layout.
    with st.container(key=direction.HIDDEN_KEY):
        st.html(direction.page_script(), unsafe_allow_javascript=True)


# --- sign-in gate ---------------------------------------------------------------------------------

PRODUCT = N_("RASL attribution")
_RETURN_KEY = "rasl:return"
# Streamlit's sign-in always comes back to the app's root; the page the visitor asked for (path and
# query string: page and filters) waits in the tab's sessionStorage and is reopened once signed in.
_REMEMBER_JS = f"<script>sessionStorage.setItem('{_RETURN_KEY}', location.pathname + location.search);</script>"
_RETURN_JS = f"""<script>(() => {{
  const target = sessionStorage.getItem('{_RETURN_KEY}');
  if (!target) return;
  sessionStorage.removeItem('{_RETURN_KEY}');
  // Same origin only: a path such as "//elsewhere.example/" must not become a way off the site.
  let url;
  try {{ url = new URL(target, location.origin); }} catch (e) {{ return; }}
  if (url.origin !== location.origin || !target.startsWith('/') || target.startsWith('//')) return;
  if (target !== location.pathname + location.search) location.replace(url.pathname + url.search);
}})();</script>"""
@dataclass(frozen=True)
class Visit:
    """Who is at the door and what they may see.

    ``kind``: ``open`` (no ``[auth]``: local use), ``member`` (signed in with a role),
    ``anonymous`` (not signed in), ``stranger`` (signed in, on no list), ``no_email`` (the provider
    sent no verified e-mail address) or ``config`` (``[auth]``/``[access]`` unusable).
    ``actor`` is set for ``open`` and ``member`` only; ``message`` explains ``config``.
    """

    kind: str
    actor: Actor | None = None
    email: str | None = None
    message: str = ""
    config: signin.SignInConfig | None = None

    @property
    def allowed(self) -> bool:
        """Whether the dashboard itself may be drawn."""
        return self.actor is not None


def visit() -> Visit:
    """Decide, without drawing anything, whether this browser may see the dashboard."""
    try:
        config = context.signin_config()
    except signin.SignInConfigError as err:
        return Visit("config", message=str(err))
    if not config.enabled:
        return Visit("open", actor=context.actor_for(config, None), config=config)
    logged_in, email = context.signed_in_email()
    if not logged_in:
        return Visit("anonymous", config=config)
    if email is None:
        return Visit("no_email", config=config)
    if config.access.role_for(email) is None:
        return Visit("stranger", email=email, config=config)
    return Visit("member", actor=context.actor_for(config, email), email=email, config=config)


def _return_after_sign_in() -> None:
    """On a session's first run after sign-in: reopen the page (path and query string, so also its
    filters and ``lang=``) the visitor asked for before the detour through the provider."""
    if not st.session_state.get("_signin_returned"):
        st.session_state["_signin_returned"] = True
        st.html(_RETURN_JS, unsafe_allow_javascript=True)


def _sign_out_button() -> None:
    st.button(_("Sign out"), key="signout", icon=":material/logout:", on_click=st.logout)


def closed_door(v: Visit) -> None:
    """Draw the page for a visitor who may not see the dashboard, then stop the run.

    Only the product name and what to do next: no numbers, tables, charts, forms or workspace
    details (the workspace is never even opened).
    """
    # In the language of the link (``?lang=ar``) or ``RASL_LANGUAGE``; no switch here, so the door
    # shows nothing but the product name and what to do next.
    st.title(_(PRODUCT))
    if v.kind == "config":
        st.error(_("Sign-in is not set up correctly: {problem}").format(problem=v.message),
                 icon=":material/settings:")
        st.caption(_("Nothing is shown until this is fixed. Whoever runs the dashboard should correct the secrets "
                     "file and restart it."))
    elif v.kind == "anonymous":
        st.html(_REMEMBER_JS, unsafe_allow_javascript=True)
        providers = list((v.config.providers if v.config else {}).items())
        for name, url in providers:
            # The provider's name is configuration (e.g. Google, Microsoft): shown as written.
            label = _("Sign in") if len(providers) == 1 else _("Sign in with {provider}").format(
                provider=md_literal(name.capitalize()))
            if st.button(label, key=f"signin_{name}", type="primary", icon=":material/login:"):
                # Asked on every click (not cached): the provider may have gone away since the last one.
                with st.spinner(_("Contacting the sign-in service…")):
                    problem = signin.provider_problem(url)
                if problem:
                    st.error(_("{problem} Try again in a few minutes; if it keeps happening, tell whoever runs this "
                               "dashboard.").format(problem=problem), icon=":material/cloud_off:")
                else:
                    st.login(None if name == "default" else name)
    elif v.kind == "stranger":
        _return_after_sign_in()  # back to the link they opened: its lang= gives this page's language
        contact = v.config.access.contact if v.config else None
        email = md_literal(v.email or "")
        if contact:
            text = _("No access: {email} is not on this dashboard's list of viewers and editors. To get access, "
                     "ask {contact} to add you.").format(email=email, contact=md_literal(contact))
        else:
            text = _("No access: {email} is not on this dashboard's list of viewers and editors. To get access, "
                     "ask whoever runs this dashboard to add you.").format(email=email)
        st.warning(text, icon=":material/block:")
        _sign_out_button()
    elif v.kind == "no_email":
        _return_after_sign_in()
        st.warning(_("Your sign-in service did not tell the dashboard your (verified) e-mail address, so it cannot "
                     "tell whether you have access. Whoever runs the dashboard should let the provider share the "
                     "`email` claim (scope `openid email profile`)."), icon=":material/no_accounts:")
        _sign_out_button()
    st.stop()


def account_box(v: Visit) -> None:
    """Sidebar: the language switch (``ui.locale.switch``), then the signed-in address, its role
    and a Sign out button (those only with sign-in).

    On the first run of a signed-in session it also reopens the page a deep link named before the
    detour through the sign-in provider.
    """
    locale.switch()
    if v.kind != "member" or v.actor is None:
        return
    _return_after_sign_in()
    # In a code span: Markdown would turn a bare address into a mailto link.
    email = f"`{v.actor.email.replace('`', '')}`"
    if v.actor.can_edit:
        text = _("Signed in as {email} (editor)").format(email=email)
    else:
        text = _("Signed in as {email} (viewer)").format(email=email)
    st.caption(f":material/account_circle: {text}")
    _sign_out_button()
