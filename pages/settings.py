"""Settings: workspace, API permissions, time zone and week start, sync."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import funnel
from rasl_data.errors import CacheError, RaslError
from rasl_data.i18n import N_, _
from rasl_data.text import md_literal
from ui import context, data, direction, forms, frame, performance_views, sync_panel, widgets
from ui.errors import show_error

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

TEST_FORM = "delivery_test"
WEEKDAY_NUMBERS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
SYNC_MODES = {"auto": N_("automatic"), "full": N_("full"), "incremental": N_("incremental")}
DELIVERY_KINDS = {"weekly_review": N_("Weekly review"), "alert": N_("Alerts"), "test": N_("Test")}


def _setting_table(rows: list[tuple[str, str]]) -> None:
    """A two-column table of settings: (what, value), headers in the session's language."""
    st.dataframe(direction.table(pd.DataFrame(rows, columns=[_("Setting"), _("Value")])), hide_index=True, width="stretch",
                 height=widgets.table_height(len(rows)))


def _utc_moment(moment) -> str:
    """``2026-11-30 10:05 UTC`` (the digits of the session's style)."""
    return _("{moment} UTC").format(moment=i18n.format_datetime(pd.Timestamp(moment).to_pydatetime(),
                                                                 "yyyy-MM-dd HH:mm"))


def _workspace_section(ws, s) -> None:
    st.header(_("Workspace"))
    try:
        contacts = ws.contact_count()
    except CacheError as err:
        contacts = None
        show_error(err, icon=":material/database:")
    if s.read_only:
        changes = _("off (RASL_READ_ONLY=1)")
    elif context.actor().can_edit:
        changes = _("allowed (create, rename, delete)")
    else:
        changes = _("for editors only")
    _setting_table([
        (_("Workspace"), _("Demo workspace (built-in emulator)") if s.is_demo else _("Your RASL workspace")),
        (_("API address"), _("in-process emulator") if s.is_demo else s.base_url),
        (_("API token"), _("set (never shown)") if s.token_present else _("not set: demo data")),
        (_("Cache file"), str(ws.cache_path)),
        (_("Contacts in the cache"), widgets.MISSING if contacts is None else i18n.format_number(contacts)),
        (_("Source changes"), changes),
    ])
    st.caption(_("Set `RASL_API_TOKEN` (and `RASL_BASE_URL` if needed) in `.streamlit/secrets.toml` or the "
                 "environment to connect your workspace; each workspace keeps its own cache file."))


def _access_section() -> None:
    st.header(_("Sign-in and access"))
    signin_config = context.signin_config()  # usable: app.py's gate stopped the run otherwise
    if not signin_config.enabled:
        st.warning(_("Sign-in is off: this dashboard is open to anyone who can reach its address, and they can "
                     "create, rename and delete sources. Fine on your own computer; on a shared server add "
                     "`[auth]` and `[access]` to the secrets file (README: *Shared server*)."),
                   icon=":material/lock_open:")
        return
    me = context.actor()
    access = signin_config.access
    none = _("none")
    _setting_table([
        (_("Signed in as"), me.email),
        (_("Your role"), _("editor (may change sources, rules and labels)") if me.can_edit
         else _("viewer (reads only)")),
        (_("Sign-in provider"), ", ".join(_("unnamed") if p == "default" else p for p in signin_config.providers)),
        (_("Editors"), ", ".join(access.editors) or none),
        (_("Viewers (editors too)"), ", ".join(access.viewers) or none),
    ])
    st.caption(_("Roles come from `[access]` in the secrets file (`editors = [...]`, `viewers = [...]`; an entry "
                 "`@domain` covers everyone at that domain). Every change is in the **Audit log**."))


def _time_section(s) -> None:
    st.header(_("Time zone and weeks"))
    c1, c2 = st.columns(2)
    c1.metric(_("Time zone"), s.timezone, border=True)
    day = WEEKDAY_NUMBERS.get(s.week_start)
    c2.metric(_("Weeks start on"), i18n.weekday_name(day) if day is not None else s.week_start, border=True)
    origin = s.origins
    st.caption(_("Every day, week and month on the dashboard is local to this time zone. They come from "
                 "`RASL_TIMEZONE` ({tz_from}) and `RASL_WEEK_START` ({week_from}); change them in "
                 "`.streamlit/secrets.toml` or the environment and restart the dashboard.").format(
        tz_from=performance_views.origin_word(origin.get("RASL_TIMEZONE", "default")),
        week_from=performance_views.origin_word(origin.get("RASL_WEEK_START", "default"))))


def _conversion_section() -> None:
    st.header(_("Conversion and currency"))
    st.caption(_("What counts as a customer on every page, export and the weekly review: the contact's type, or "
                 "its current status (e.g. Won) for workspaces that track deals by status."))
    performance_views.conversion_settings(
        sorted(data.cached_query(funnel.status_order)["status"], key=str.casefold), context.actor().can_edit)


def _permissions_section(ws) -> None:
    st.header(_("API permissions"))
    st.caption(_("Checks each read permission the dashboard needs with one small request. `sources:write` (to "
                 "create, rename and delete sources) cannot be checked without making a change: a missing one "
                 "shows when you first try."))
    if st.button(_("Check permissions"), key="set_scopes", icon=":material/verified_user:"):
        with st.spinner(_("Asking RASL…")):
            try:
                result = ws.check_scopes()
            except RaslError as err:
                widgets.show_rasl_error(err)
                result = None
        if result is not None:
            st.session_state["_scopes"] = result
    scopes = st.session_state.get("_scopes")
    if scopes:
        st.dataframe(direction.table(pd.DataFrame([
            # Words, not emoji: a browser without an emoji font shows boxes.
            (scope, _("Granted") if answer == "ok" else _("Missing: {reason}").format(reason=answer))
            for scope, answer in scopes.items()
        ], columns=[_("Permission"), _("Status")])), hide_index=True, width="stretch",
            height=widgets.table_height(len(scopes)))


def _last_sync_text(last: dict) -> str:
    """The last sync in one sentence (Markdown)."""
    figures = {"mode": _(SYNC_MODES[last["mode"]]) if last["mode"] in SYNC_MODES else last["mode"], "moment": _utc_moment(last["started_at"]),
               "new": i18n.format_number(int(last["contacts_inserted"] or 0)),
               "updated": i18n.format_number(int(last["contacts_updated"] or 0)),
               "deleted": i18n.format_number(int(last["contacts_deleted"] or 0)),
               "requests": i18n.format_number(int(last["requests"] or 0))}
    if last["outcome"] == "success":
        return _("Last sync ({mode}) succeeded at {moment}: {new} new, {updated} updated, {deleted} deleted "
                 "contacts, {requests} requests.").format(**figures)
    text = _("Last sync ({mode}) failed at {moment}: {new} new, {updated} updated, {deleted} deleted contacts, "
             "{requests} requests.").format(**figures)
    return text + f"\n\n{md_literal(last['error'])}"


def _sync_section(ws) -> None:
    st.header(_("Sync"))
    flash = st.session_state.pop("_last_sync_summary", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    sync_panel.freshness_badge(ws, with_button=False)
    try:
        last = ws.last_sync()
    except CacheError:
        last = None
    if last:
        (st.success if last["outcome"] == "success" else st.error)(_last_sync_text(last))
    else:
        widgets.empty_state(_("No sync has run yet."))
    st.caption(_("**Sync now** fetches only what changed since the last sync. **Full re-sync** reads every contact "
                 "again (slower; use it if numbers look off). Both keep the current data until they finish."))
    b1, b2, _spare = st.columns([1, 1, 3])
    mode = None
    if b1.button(_("Sync now"), key="set_sync", type="primary", icon=":material/sync:"):
        mode = "auto"
    if b2.button(_("Full re-sync"), key="set_full", icon=":material/restart_alt:"):
        mode = "full"
    if mode:
        outcome = sync_panel.run_sync(ws, mode)
        if outcome is not None and outcome.outcome == "success":
            st.rerun()  # redraw the last-sync box above with this run


# --- delivery: editors only ---------------------------------------------------------------------


def _send_test(channel: str) -> None:
    """Callback of the *Send test* buttons: one test at a time per session, a double click sends once
    (``ui.forms``); the role check and the audit row are in ``delivery.send_test``."""
    from rasl_data.outputs import delivery

    ws_, actor = context.workspace(), context.actor()
    clicked_at = time.monotonic()

    def change(changes: forms.SessionChanges) -> forms.Outcome:
        try:
            result = delivery.send_test(ws_, channel, actor=actor)
        except RaslError as err:
            return forms.Outcome(TEST_FORM, "error", forms.error_text(err, _("send the test")))
        except (ValueError, CacheError) as err:
            return forms.Outcome(TEST_FORM, "error", md_literal(getattr(err, "title", None) or str(err)))
        lines = []
        if result.sent:
            lines.append(md_literal(_("Test sent to {addresses}.").format(
                addresses=", ".join(r.address for r in result.sent))))
        lines += [md_literal(_("Not delivered to {address}: {reason}").format(address=r.address, reason=m))
                  for r, m in result.failed.items()]
        kind = "success" if not result.failed else "warning" if result.sent else "error"
        return forms.Outcome(TEST_FORM, kind, "  \n".join(lines), key=channel)

    # The second click of a double click shows the first one's outcome.
    forms.submit(TEST_FORM, change, repeat_key=channel, clicked_at=clicked_at)


def _delivery_section(ws, s) -> None:
    st.header(_("Weekly review and alerts by e-mail and WhatsApp"))
    st.caption(_("`python -m rasl_data report weekly --send` (every Monday morning) and `python -m rasl_data alerts "
                 "--send` (hourly) deliver to the recipients below, each message once. Set them in "
                 "`.streamlit/secrets.toml` or the environment and restart the dashboard."))
    template = s.whatsapp_template
    none = _("none")
    _setting_table([
        (_("E-mail recipients (RASL_REPORT_EMAILS)"), ", ".join(s.report_emails) or none),
        (_("Mail server (RASL_SMTP_URL)"), s.smtp_url_masked or _("not set")),
        (_("Sender (RASL_SMTP_FROM)"), s.smtp_from or _("the mail server's user name")),
        (_("WhatsApp numbers (RASL_REPORT_WHATSAPP)"), ", ".join(s.report_whatsapp) or none),
        (_("WhatsApp message (RASL_REPORT_WHATSAPP_TEMPLATE)"),
         _("template {name} ({language})").format(name=template[0], language=template[1]) if template
         else _("free text (24-hour window only)")),
    ])
    if s.report_whatsapp:
        st.caption(_("WhatsApp delivers free text only to numbers that wrote to the business in the last 24 hours; "
                     "set an approved template in `RASL_REPORT_WHATSAPP_TEMPLATE` (name:language) to reach them "
                     "any time. RASL adds a number it does not know as a new contact without a source, so a team "
                     "member's number shows up once as an Unattributed contact."))
    t1, t2, _spare = st.columns([1, 1, 2])
    t1.button(_("Send test e-mail"), key="set_test_email", icon=":material/mail:", disabled=not s.report_emails,
              on_click=_send_test, args=("email",))
    t2.button(_("Send test WhatsApp"), key="set_test_whatsapp", icon=":material/chat:",
              disabled=not s.report_whatsapp, on_click=_send_test, args=("whatsapp",))
    forms.deliver(TEST_FORM)  # an outcome whose run was stopped by a newer click
    forms.show(TEST_FORM)
    _delivery_log(ws)


def _delivery_log(ws) -> None:
    from rasl_data.outputs import delivery

    st.subheader(_("Delivery log"))
    try:
        log = delivery.delivery_log_frame(ws)
    except CacheError as err:
        show_error(err, icon=":material/database:")
        return
    if log.empty:
        widgets.empty_state(_("Nothing sent yet."))
        return
    what = [(_(DELIVERY_KINDS[k]) if k in DELIVERY_KINDS else k) + (f" ({n})" if k == "alert" else "")
            for k, n in zip(log["kind"], log["items"])]
    shown = pd.DataFrame({
        _("When (UTC)"): [i18n.format_datetime(pd.Timestamp(t).to_pydatetime(), "yyyy-MM-dd HH:mm")
                          for t in log["occurred_at"]],
        _("What"): what,
        _("Channel"): [_("E-mail") if c == "email" else "WhatsApp" for c in log["channel"]],
        _("To"): log["recipient"],
        _("Outcome"): [_("Sent") if o == "sent" else _("Not delivered") for o in log["outcome"]],
        _("Subject"): log["subject"],
        _("Details"): log["message"],
        _("By"): log["actor"],
    })
    st.dataframe(direction.table(shown), hide_index=True, width="stretch", height=widgets.table_height(len(shown)))


# --- the page -----------------------------------------------------------------------------------

ws = context.workspace()
s = ws.settings

st.title(_("Settings"))
_workspace_section(ws, s)
_access_section()
_time_section(s)
_conversion_section()
_permissions_section(ws)
_sync_section(ws)
if context.actor().can_edit:
    _delivery_section(ws, s)
