"""Create, rename and delete RASL sources from the Sources page, through the API.

Everything happens in button callbacks, which run before the page is drawn, so a success can
clear its text box (Streamlit forbids writing a widget's value after it was drawn in a run) and
the page below shows the new state at once: ``Workspace.create_source`` & co. write the answer
into the cache, which changes the cache version that every cached reader keys on.

Kept safe for a marketer:

* names are checked before the call (empty, over 255 characters, same as another source
  ignoring case, spaces, tatweel and Unicode form) against the cache as it is now;
* what the user typed stays on any error and is cleared only on success;
* a double click sends one request: a busy flag covers the call, and a repeat of the name just
  created (the second click of a double click carries the old text) is recognised instead of
  being sent again or reported as a duplicate;
* API answers are shown in field terms (422 per field, 409 with the number of contacts, 403 with
  the missing permission).
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from rasl_data import dashboard
from rasl_data.attribution import normalise_name
from rasl_data.errors import RaslError, ValidationError
from rasl_data.store import CacheError

from . import context, data, widgets

CREATE, RENAME, DELETE = "create", "rename", "delete"
FIELD_LABELS = {CREATE: {"name": "Source name"}, RENAME: {"name": "New name"}, DELETE: {}}
REPEAT_WINDOW_S = 15  # a second submit of the same name within this time is the same click


def _flash(form: str, kind: str, text: str, fields: dict[str, list[str]] | None = None) -> None:
    st.session_state[f"_src_msg_{form}"] = {"kind": kind, "text": text, "fields": fields or {}}


def field_error(form: str, field: str) -> None:
    """The last submit's messages about ``field``, drawn right under its input box."""
    msg = st.session_state.get(f"_src_msg_{form}")
    if msg and msg["kind"] == "error" and msg["fields"].get(field):
        label = FIELD_LABELS[form].get(field, field)
        st.error(f"**{label}**: {' '.join(msg['fields'][field])}", icon=":material/error:")


def show_messages(form: str) -> None:
    """The outcome of the last submit of ``form`` (shown once, until the next submit).

    Messages about a field the form shows are drawn under that field by ``field_error``.
    """
    msg = st.session_state.get(f"_src_msg_{form}")
    if not msg:
        return
    if msg["kind"] == "success":
        st.success(msg["text"], icon=":material/check_circle:")
        return
    if msg["text"]:
        st.error(msg["text"], icon=":material/error:")
    for field, texts in msg["fields"].items():
        if field not in FIELD_LABELS[form]:
            st.caption(f":red[**{field}**: {' '.join(texts)}]")


def _sources() -> pd.DataFrame:
    return data.q(dashboard.live_sources)


def _api_error(form: str, err: RaslError, action: str) -> None:
    if isinstance(err, ValidationError) and err.fields:
        # The field messages are shown under the box, against the field they concern.
        shown = set(FIELD_LABELS[form])
        _flash(form, "error", "" if set(err.fields) <= shown else "RASL did not accept this:", err.fields)
    else:
        _flash(form, "error", widgets.rasl_error_message(err, action))


def _begin(form: str) -> bool:
    """Take the busy flag (False when a call of this form is already running)."""
    if st.session_state.get("_src_busy"):
        return False
    st.session_state["_src_busy"] = form
    st.session_state.pop(f"_src_msg_{form}", None)
    return True


def _end() -> None:
    st.session_state["_src_busy"] = None


# --- create -------------------------------------------------------------------------------


def compose_name() -> None:
    """Callback: put ``Channel / Campaign`` from the helper fields into the ``Source name`` box."""
    composed = dashboard.compose_source_name(st.session_state.get("src_help_channel"),
                                             st.session_state.get("src_help_campaign"))
    if composed:
        st.session_state["src_create_name"] = composed


def create() -> None:
    """Callback of ``Create source``: check the name, ``POST /sources``, clear the box on success."""
    name = (st.session_state.get("src_create_name") or "").strip()
    sources = _sources()
    last = st.session_state.get("_src_last_created")
    if (last and name and normalise_name(name) == last["key"] and time.monotonic() - last["at"] < REPEAT_WINDOW_S
            and last["id"] in set(sources["source_id"])):
        st.session_state["src_create_name"] = ""  # the second click of a double click: already done
        _flash(CREATE, "success", last["message"])
        return
    problem = dashboard.check_source_name(name, sources)
    if problem:
        _flash(CREATE, "error", "", {"name": [problem]})
        return
    if not _begin(CREATE):
        return
    try:
        change = context.workspace().create_source(name, actor=context.actor())
    except RaslError as err:
        _api_error(CREATE, err, "create sources")
        return
    except CacheError as err:
        _flash(CREATE, "error",
               f"The source was created in RASL but the cache could not be updated: {err.title} Run a sync.")
        return
    finally:
        _end()
    message = f"Source “{dashboard.isolate(change.name)}” created."
    st.session_state["_src_last_created"] = {"key": normalise_name(name), "id": change.source_id,
                                             "at": time.monotonic(), "message": message}
    st.session_state["src_create_name"] = ""
    for key in ("src_help_channel", "src_help_campaign"):
        st.session_state[key] = ""
    _flash(CREATE, "success", message)


# --- rename -------------------------------------------------------------------------------


def rename() -> None:
    """Callback of ``Rename source``: check the new name, ``PATCH /sources/{id}``, clear on success."""
    source_id = st.session_state.get("src_rename_id")
    name = (st.session_state.get("src_rename_name") or "").strip()
    sources = _sources()
    if source_id is None or int(source_id) not in set(sources["source_id"]):
        _flash(RENAME, "error", "Choose the source to rename.")
        return
    current = sources.loc[sources["source_id"] == int(source_id), "source"].iloc[0]
    if name == current:
        _flash(RENAME, "error", "That is already its name.")
        return
    problem = dashboard.check_source_name(name, sources, exclude_id=int(source_id))
    if problem:
        _flash(RENAME, "error", "", {"name": [problem]})
        return
    if not _begin(RENAME):
        return
    try:
        change = context.workspace().rename_source(int(source_id), name, actor=context.actor())
    except RaslError as err:
        _api_error(RENAME, err, "rename sources")
        return
    except CacheError as err:
        _flash(RENAME, "error", f"Renamed in RASL but the cache could not be updated: {err.title} Run a sync.")
        return
    finally:
        _end()
    st.session_state["src_rename_name"] = ""
    _flash(RENAME, "success", f"Source renamed to “{dashboard.isolate(change.name)}”. Its contacts and history stay "
                              "with it.")


# --- delete -------------------------------------------------------------------------------


def delete() -> None:
    """Callback of ``Delete source``: only with the confirmation ticked; ``DELETE /sources/{id}``."""
    source_id = st.session_state.get("src_delete_id")
    if not st.session_state.get("src_delete_ok"):
        _flash(DELETE, "error", "Tick the confirmation first.")
        return
    sources = _sources()
    if source_id is None or int(source_id) not in set(sources["source_id"]):
        _flash(DELETE, "error", "Choose the source to delete.")
        return
    if not _begin(DELETE):
        return
    try:
        change = context.workspace().delete_source(int(source_id), actor=context.actor())
    except RaslError as err:
        _api_error(DELETE, err, "delete sources")
        return
    except CacheError as err:
        _flash(DELETE, "error", f"Deleted in RASL but the cache could not be updated: {err.title} Run a sync.")
        return
    finally:
        _end()
        st.session_state["src_delete_ok"] = False
    st.session_state["src_delete_id"] = None
    _flash(DELETE, "success", f"Source “{dashboard.isolate(change.name)}” deleted.")


# --- drawing ------------------------------------------------------------------------------


def _keep_choice(key: str, ids: list[int]) -> None:
    if st.session_state.get(key) is not None and st.session_state[key] not in ids:
        st.session_state[key] = None


def draw() -> None:
    """The three forms (create, rename, delete) in tabs; nothing for a viewer (or a read-only dashboard)."""
    ws = context.workspace()
    if not context.actor().can_edit:
        why = ("This dashboard is read-only (`RASL_READ_ONLY=1`)" if ws.settings.read_only
               else "You are a viewer")
        st.info(f"{why}: creating, renaming and deleting sources is for editors.", icon=":material/lock:")
        return
    sources = _sources()
    ids = [int(i) for i in sources["source_id"]]
    names = dict(zip(ids, sources["source"]))
    counts = dict(zip(ids, sources["contacts"].astype(int)))
    busy = bool(st.session_state.get("_src_busy"))
    tab_create, tab_rename, tab_delete = st.tabs(["Create", "Rename", "Delete"])

    with tab_create:
        st.text_input("Source name", key="src_create_name", max_chars=None,
                      placeholder="e.g. Instagram / Ramadan offer",
                      help="Name it “Channel / Campaign” so the dashboard files it under the right channel "
                           "and campaign.")
        field_error(CREATE, "name")
        with st.expander("Compose from a channel and a campaign"):
            c1, c2 = st.columns(2)
            c1.text_input("Channel", key="src_help_channel", placeholder="Instagram")
            c2.text_input("Campaign", key="src_help_campaign", placeholder="Ramadan offer")
            st.button("Use as source name", key="src_compose", on_click=compose_name)
        st.button("Create source", key="src_create", type="primary", on_click=create, disabled=busy)
        show_messages(CREATE)

    with tab_rename:
        if not ids:
            widgets.empty_state("No sources yet.")
        else:
            _keep_choice("src_rename_id", ids)
            picked = st.selectbox("Source to rename", ids, key="src_rename_id", index=None,
                                  format_func=lambda i: f"{names[i]}  (#{i})", placeholder="Choose a source")
            st.text_input("New name", key="src_rename_name")
            field_error(RENAME, "name")
            if picked is not None:
                n = counts.get(picked, 0)
                st.caption(f"Carries {n:,} contact{'s' if n != 1 else ''}. They keep this source, and the charts "
                           "keep one series under the new name.")
            st.button("Rename source", key="src_rename", type="primary", on_click=rename, disabled=busy)
        show_messages(RENAME)

    with tab_delete:
        if not ids:
            widgets.empty_state("No sources yet.")
        else:
            _keep_choice("src_delete_id", ids)
            picked = st.selectbox("Source to delete", ids, key="src_delete_id", index=None,
                                  format_func=lambda i: f"{names[i]}  (#{i}, {counts[i]:,} contacts)",
                                  placeholder="Choose a source")
            if picked is not None:
                n = counts.get(picked, 0)
                if n:
                    st.warning(f"“{dashboard.isolate(names[picked])}” carries {n:,} contact{'s' if n != 1 else ''}. "
                               "RASL refuses to delete a source in use: move them to another source in RASL first.",
                               icon=":material/warning:")
                st.checkbox(f"I understand that “{dashboard.isolate(names[picked])}” will be deleted in RASL, not only "
                            "here.",
                            key="src_delete_ok")
            confirmed = picked is not None and bool(st.session_state.get("src_delete_ok"))
            st.button("Delete source", key="src_delete", type="primary", on_click=delete,
                      disabled=busy or not confirmed)
        show_messages(DELETE)
