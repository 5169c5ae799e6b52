"""Settings: workspace, API permissions, time zone and week start, sync."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from rasl_data.analytics import funnel
from rasl_data.errors import CacheError, RaslError
from rasl_data.text import md_literal
from ui import context, data, forms, frame, performance_views, sync_panel, widgets
from ui.errors import show_error

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

ws = context.workspace()
s = ws.settings

st.title("Settings")

st.header("Workspace")
try:
    contacts = ws.contact_count()
except CacheError as err:
    contacts = None
    show_error(err, icon=":material/database:")
rows = [
    ("Workspace", "Demo workspace (built-in emulator)" if s.is_demo else "Your RASL workspace"),
    ("API address", "in-process emulator" if s.is_demo else s.base_url),
    ("API token", "set (never shown)" if s.token_present else "not set: demo data"),
    ("Cache file", str(ws.cache_path)),
    ("Contacts in the cache", "–" if contacts is None else f"{contacts:,}"),
    ("Source changes", "off (RASL_READ_ONLY=1)" if s.read_only else
     "allowed (create, rename, delete)" if context.actor().can_edit else "for editors only"),
]
st.dataframe(pd.DataFrame(rows, columns=["Setting", "Value"]), hide_index=True, width="stretch",
             height=widgets.table_height(len(rows)))
st.caption("Set `RASL_API_TOKEN` (and `RASL_BASE_URL` if needed) in `.streamlit/secrets.toml` or the environment to "
           "connect your workspace; each workspace keeps its own cache file.")

st.header("Sign-in and access")
signin_config = context.signin_config()  # usable: app.py's gate stopped the run otherwise
if not signin_config.enabled:
    st.warning("Sign-in is off: this dashboard is open to anyone who can reach its address, and they can create, "
               "rename and delete sources. Fine on your own computer; on a shared server add `[auth]` and "
               "`[access]` to the secrets file (README: *Shared server*).", icon=":material/lock_open:")
else:
    me = context.actor()
    access = signin_config.access
    st.dataframe(pd.DataFrame([
        ("Signed in as", me.email),
        ("Your role", "editor (may change sources, rules and labels)" if me.can_edit else "viewer (reads only)"),
        ("Sign-in provider", ", ".join("unnamed" if p == "default" else p for p in signin_config.providers)),
        ("Editors", ", ".join(access.editors) or "none"),
        ("Viewers (editors too)", ", ".join(access.viewers) or "none"),
    ], columns=["Setting", "Value"]), hide_index=True, width="stretch", height=widgets.table_height(5))
    st.caption("Roles come from `[access]` in the secrets file (`editors = [...]`, `viewers = [...]`; an entry "
               "`@domain` covers everyone at that domain). Every change is in the **Audit log**.")

st.header("Time zone and weeks")
c1, c2 = st.columns(2)
c1.metric("Time zone", s.timezone, border=True)
c2.metric("Weeks start on", s.week_start.capitalize(), border=True)
origin = s.origins
tz_from, week_from = origin.get("RASL_TIMEZONE", "default"), origin.get("RASL_WEEK_START", "default")
st.caption("Every day, week and month on the dashboard is local to this time zone. They come from `RASL_TIMEZONE` "
           f"({tz_from}) and `RASL_WEEK_START` ({week_from}); "
           "change them in `.streamlit/secrets.toml` or the environment and restart the dashboard.")

st.header("Conversion and currency")
st.caption("What counts as a customer on every page, export and the weekly review: the contact's type, or its "
           "current status (e.g. Won) for workspaces that track deals by status.")
performance_views.conversion_settings(sorted(data.cached_query(funnel.status_order)["status"], key=str.casefold),
                                      context.actor().can_edit)

st.header("API permissions")
st.caption("Checks each read permission the dashboard needs with one small request. `sources:write` (to create, rename "
           "and delete sources) cannot be checked without making a change: a missing one shows when you first try.")
if st.button("Check permissions", key="set_scopes", icon=":material/verified_user:"):
    with st.spinner("Asking RASL…"):
        try:
            result = ws.check_scopes()
        except RaslError as err:
            widgets.show_rasl_error(err)
            result = None
    if result is not None:
        st.session_state["_scopes"] = result
scopes = st.session_state.get("_scopes")
if scopes:
    st.dataframe(pd.DataFrame([
        # Words, not emoji: a browser without an emoji font shows boxes.
        {"Permission": scope, "Status": "Granted" if answer == "ok" else f"Missing: {answer}"}
        for scope, answer in scopes.items()
    ]), hide_index=True, width="stretch", height=widgets.table_height(len(scopes)))

st.header("Sync")
flash = st.session_state.pop("_last_sync_summary", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
sync_panel.freshness_badge(ws, with_button=False)
try:
    last = ws.last_sync()
except CacheError:
    last = None
if last:
    started = pd.Timestamp(last["started_at"])
    outcome = "succeeded" if last["outcome"] == "success" else "failed"
    text = (f"Last sync ({last['mode']}) {outcome} at {started:%Y-%m-%d %H:%M} UTC: "
            f"{int(last['contacts_inserted'] or 0):,} new, {int(last['contacts_updated'] or 0):,} updated, "
            f"{int(last['contacts_deleted'] or 0):,} deleted contacts, {int(last['requests'] or 0):,} requests.")
    (st.success if last["outcome"] == "success" else st.error)(
        text + ("" if last["outcome"] == "success" else f"\n\n{md_literal(last['error'])}"))
else:
    widgets.empty_state("No sync has run yet.")
st.caption("**Sync now** fetches only what changed since the last sync. **Full re-sync** reads every contact again "
           "(slower; use it if numbers look off). Both keep the current data until they finish.")
b1, b2, _spare = st.columns([1, 1, 3])
mode = None
if b1.button("Sync now", key="set_sync", type="primary", icon=":material/sync:"):
    mode = "auto"
if b2.button("Full re-sync", key="set_full", icon=":material/restart_alt:"):
    mode = "full"
if mode:
    outcome = sync_panel.run_sync(ws, mode)
    if outcome is not None and outcome.outcome == "success":
        st.rerun()  # redraw the last-sync box above with this run

# --- delivery: editors only ---------------------------------------------------------------------
TEST_FORM = "delivery_test"


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
            return forms.Outcome(TEST_FORM, "error", forms.error_text(err, "send the test"))
        except (ValueError, CacheError) as err:
            return forms.Outcome(TEST_FORM, "error", md_literal(getattr(err, "title", None) or str(err)))
        lines = []
        if result.sent:
            lines.append(md_literal("Test sent to " + ", ".join(r.address for r in result.sent) + "."))
        lines += [md_literal(f"Not delivered to {r.address}: {m}") for r, m in result.failed.items()]
        kind = "success" if not result.failed else "warning" if result.sent else "error"
        return forms.Outcome(TEST_FORM, kind, "  \n".join(lines), key=channel)

    # The second click of a double click shows the first one's outcome.
    forms.submit(TEST_FORM, change, repeat_key=channel, clicked_at=clicked_at)

if context.actor().can_edit:
    from rasl_data.outputs import delivery

    st.header("Weekly review and alerts by e-mail and WhatsApp")
    st.caption("`python -m rasl_data report weekly --send` (every Monday morning) and `python -m rasl_data alerts "
               "--send` (hourly) deliver to the recipients below, each message once. Set them in "
               "`.streamlit/secrets.toml` or the environment and restart the dashboard.")
    template = s.whatsapp_template
    channels = pd.DataFrame([
        {"Setting": "E-mail recipients (RASL_REPORT_EMAILS)", "Value": ", ".join(s.report_emails) or "none"},
        {"Setting": "Mail server (RASL_SMTP_URL)", "Value": s.smtp_url_masked or "not set"},
        {"Setting": "Sender (RASL_SMTP_FROM)", "Value": s.smtp_from or "the mail server's user name"},
        {"Setting": "WhatsApp numbers (RASL_REPORT_WHATSAPP)", "Value": ", ".join(s.report_whatsapp) or "none"},
        {"Setting": "WhatsApp message (RASL_REPORT_WHATSAPP_TEMPLATE)",
         "Value": f"template {template[0]} ({template[1]})" if template
         else "free text (24-hour window only)"},
    ])
    st.dataframe(channels, hide_index=True, width="stretch", height=widgets.table_height(len(channels)))
    if s.report_whatsapp:
        st.caption("WhatsApp delivers free text only to numbers that wrote to the business in the last 24 hours; "
                   "set an approved template in `RASL_REPORT_WHATSAPP_TEMPLATE` (name:language) to reach them any "
                   "time. RASL adds a number it does not know as a new contact without a source, so a team member's "
                   "number shows up once as an Unattributed contact.")
    t1, t2, _spare = st.columns([1, 1, 2])
    t1.button("Send test e-mail", key="set_test_email", icon=":material/mail:", disabled=not s.report_emails,
              on_click=_send_test, args=("email",))
    t2.button("Send test WhatsApp", key="set_test_whatsapp", icon=":material/chat:", disabled=not s.report_whatsapp,
              on_click=_send_test, args=("whatsapp",))
    forms.deliver(TEST_FORM)  # an outcome whose run was stopped by a newer click
    forms.show(TEST_FORM)
    st.subheader("Delivery log")
    try:
        log = delivery.delivery_log_frame(ws)
    except CacheError as err:
        show_error(err, icon=":material/database:")
        log = None
    if log is not None and log.empty:
        widgets.empty_state("Nothing sent yet.")
    elif log is not None:
        kinds = {"weekly_review": "Weekly review", "alert": "Alerts", "test": "Test"}
        shown = pd.DataFrame({
            "When (UTC)": [f"{pd.Timestamp(t):%Y-%m-%d %H:%M}" for t in log["occurred_at"]],
            "What": [kinds.get(k, k) + (f" ({n})" if k == "alert" else "") for k, n in zip(log["kind"], log["items"])],
            "Channel": ["E-mail" if c == "email" else "WhatsApp" for c in log["channel"]],
            "To": log["recipient"],
            "Outcome": ["Sent" if o == "sent" else "Not delivered" for o in log["outcome"]],
            "Subject": log["subject"],
            "Details": log["message"],
            "By": log["actor"],
        })
        st.dataframe(shown, hide_index=True, width="stretch", height=widgets.table_height(len(shown)))
