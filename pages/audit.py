"""Audit log: every change made through the dashboard or the command line, who made it and how it ended."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.cache import audit
from rasl_data.i18n import N_, _, ngettext
from ui import data, direction, filters, frame, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

# Keys are the log's own values (English, as the CLI exports them); the labels are shown translated.
ACTIONS = {
    "source.create": N_("Create source"),
    "source.rename": N_("Rename source"),
    "source.delete": N_("Delete source"),
    "channel_rules.save": N_("Save channel rules"),
    "source_labels.save": N_("Save source label"),
    "spend.import": N_("Save spend"),
    "targets.save": N_("Save monthly targets"),
    "settings.conversion": N_("Change conversion definition"),
}
OUTCOMES = {"done": N_("Done"), "refused": N_("Refused"), "failed": N_("Failed")}
PERIODS = {"7": N_("Last 7 days"), "30": N_("Last 30 days"), "90": N_("Last 90 days"), "all": N_("All time")}
ROLES = {"editor": N_("editor"), "viewer": N_("viewer")}


def _label(labels: dict[str, str], key) -> str:
    """``labels[key]`` translated; a value without a label (a newer action) as recorded."""
    return _(labels[key]) if key in labels else key


st.title(_("Audit log"))
st.caption(_("Every change made through the dashboard or `python -m rasl_data`: when (UTC), who, what, the value "
             "before and after, and whether it was done, refused (by the role check or by RASL, with its message) "
             "or failed. Syncs never touch it."))

everything = data.cached_query(audit.read_log)
c1, c2, c3, c4 = st.columns([1, 1.4, 1.2, 1.4])
period = c1.selectbox(_("Period"), list(PERIODS), format_func=filters.option_labels(PERIODS, lambda p: _label(PERIODS, p)),
                      index=1, key="au_period")
people = sorted(set(everything["actor"].dropna().astype(str)))
person = c2.selectbox(_("Person"), people, index=None, placeholder=_("Everyone"), key="au_actor")
actions = sorted(set(everything["action"].dropna().astype(str)) | set(ACTIONS))
action = c3.selectbox(_("Action"), actions, index=None, placeholder=_("Every action"), key="au_action",
                      format_func=filters.option_labels(actions, lambda a: _label(ACTIONS, a)))
outcome = c4.segmented_control(_("Outcome"), list(OUTCOMES),
                               format_func=filters.option_labels(OUTCOMES, lambda o: _label(OUTCOMES, o)),
                               key="au_outcome")

start = None if period == "all" else datetime.now(timezone.utc) - timedelta(days=int(period))
# Rounded to the minute so the cached read is reused within a minute.
start = start.replace(second=0, microsecond=0) if start else None
log = data.cached_query(audit.read_log, start=start, actor=person, action=action, outcome=outcome)

if everything.empty:
    widgets.empty_state(_("No change has been made yet."),
                        _("Creating, renaming or deleting a source and editing channel rules or labels show up "
                          "here."))
elif log.empty:
    widgets.empty_state(_("No change matches these filters."), _("Widen the period or clear a filter."))
else:
    time_h, object_h, message_h = _("Time (UTC)"), _("Object"), _("Message")
    shown = pd.DataFrame({
        time_h: pd.to_datetime(log["occurred_at"], utc=True).dt.tz_localize(None),
        _("Person"): log["actor"], _("Role"): [_label(ROLES, r) for r in log["role"]],
        _("Action"): [_label(ACTIONS, a) for a in log["action"]],
        object_h: log["object_name"], _("Object id"): log["object_id"],
        _("Before"): log["before"], _("After"): log["after"],
        _("Outcome"): [_label(OUTCOMES, o) for o in log["outcome"]], message_h: log["message"],
    })
    refused = int((log["outcome"] != "done").sum())
    changes = ngettext("{n} change, newest first", "{n} changes, newest first", len(log)).format(
        n=i18n.format_number(len(log)))
    widgets.note(_("{changes}; {refused} refused or failed.").format(changes=changes,
                                                                     refused=i18n.format_number(refused))
                 if refused else _("{changes}.").format(changes=changes))
    st.dataframe(direction.table(shown), hide_index=True, width="stretch", placeholder=widgets.MISSING,
                 height=widgets.table_height(len(shown)), column_config={
        time_h: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        object_h: st.column_config.TextColumn(width="medium"),
        message_h: st.column_config.TextColumn(width="large"),
    })
    widgets.table_download(audit.export_frame(log), "audit-log", None, key="dl_audit", what=_("Audit log"),
                           text_columns=audit.TEXT_COLUMNS)
st.caption(_("The same log from the command line: `python -m rasl_data export audit --out audit.csv` "
             "(or `.xlsx`)."))
