"""Audit log: every change made through the dashboard or the command line, who made it and how it ended."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from rasl_data.cache import audit
from ui import data, frame, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

ACTIONS = {
    "source.create": "Create source",
    "source.rename": "Rename source",
    "source.delete": "Delete source",
    "channel_rules.save": "Save channel rules",
    "source_labels.save": "Save source label",
    "spend.import": "Save spend",
    "targets.save": "Save monthly targets",
    "settings.conversion": "Change conversion definition",
}
OUTCOMES = {"done": "Done", "refused": "Refused", "failed": "Failed"}
PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days", "all": "All time"}

st.title("Audit log")
st.caption("Every change made through the dashboard or `python -m rasl_data`: when (UTC), who, what, the value "
           "before and after, and whether it was done, refused (by the role check or by RASL, with its message) "
           "or failed. Syncs never touch it.")

everything = data.cached_query(audit.read_log)
c1, c2, c3, c4 = st.columns([1, 1.4, 1.2, 1.4])
period = c1.selectbox("Period", list(PERIODS), format_func=PERIODS.get, index=1, key="au_period")
people = sorted(set(everything["actor"].dropna().astype(str)))
person = c2.selectbox("Person", people, index=None, placeholder="Everyone", key="au_actor")
actions = sorted(set(everything["action"].dropna().astype(str)) | set(ACTIONS))
action = c3.selectbox("Action", actions, index=None, placeholder="Every action", key="au_action",
                      format_func=lambda a: ACTIONS.get(a, a))
outcome = c4.segmented_control("Outcome", list(OUTCOMES), format_func=OUTCOMES.get, key="au_outcome")

start = None if period == "all" else datetime.now(timezone.utc) - timedelta(days=int(period))
# Rounded to the minute so the cached read is reused within a minute.
start = start.replace(second=0, microsecond=0) if start else None
log = data.cached_query(audit.read_log, start=start, actor=person, action=action, outcome=outcome)

if everything.empty:
    widgets.empty_state("No change has been made yet.",
                        "Creating, renaming or deleting a source and editing channel rules or labels show up here.")
elif log.empty:
    widgets.empty_state("No change matches these filters.", "Widen the period or clear a filter.")
else:
    shown = pd.DataFrame({
        "Time (UTC)": pd.to_datetime(log["occurred_at"], utc=True).dt.tz_localize(None),
        "Person": log["actor"], "Role": log["role"],
        "Action": [ACTIONS.get(a, a) for a in log["action"]],
        "Object": log["object_name"], "Object id": log["object_id"],
        "Before": log["before"], "After": log["after"],
        "Outcome": [OUTCOMES.get(o, o) for o in log["outcome"]], "Message": log["message"],
    })
    refused = int((log["outcome"] != "done").sum())
    widgets.note(f"{len(log):,} change{'s' if len(log) != 1 else ''}, newest first"
                 + (f"; {refused:,} refused or failed." if refused else "."))
    st.dataframe(shown, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                 height=widgets.table_height(len(shown)), column_config={
        "Time (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        "Object": st.column_config.TextColumn(width="medium"),
        "Message": st.column_config.TextColumn(width="large"),
    })
    widgets.table_download(audit.export_frame(log), "audit-log", None, key="dl_audit", what="Audit log",
                           text_columns=audit.TEXT_COLUMNS)
st.caption("The same log from the command line: `python -m rasl_data export audit --out audit.csv` "
           "(or `.xlsx`).")
