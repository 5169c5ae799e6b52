"""Create, rename and delete RASL sources from the Sources page, through the API.

Everything happens in button callbacks, which run before the page is drawn, so a success can
clear its text box (Streamlit forbids writing a widget's value after it was drawn in a run) and
the page below shows the new state at once: ``Workspace.create_source`` & co. write the answer
into the cache, which changes the cache version that every cached reader keys on.

Kept safe for a marketer:

* names are checked before the call (empty, over 255 characters, same as another source
  ignoring case, spaces, tatweel and Unicode form) against the cache as it is now;
* what the user typed stays on any error and is cleared only on success;
* a double click sends one request and ends with the form ready: the second click's callback
  waits for the first (``ui.forms``), then recognises the change just made (it carries the old
  text) and shows the same outcome instead of sending it again or reporting a duplicate;
* a viewer sees a note instead of the forms, and a refusal by the data layer's role check is
  shown in plain words with what was typed kept;
* names are data: every name in a message is escaped (``rasl_data.text``);
* API answers are shown in field terms (422 per field, 409 with the number of contacts, 403 with
  the missing permission).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rasl_data import i18n, text
from rasl_data.analytics import source_names
from rasl_data.cache.store import CacheError
from rasl_data.errors import RaslError, ValidationError
from rasl_data.i18n import N_, _, ngettext
from rasl_data.text import md_literal, md_name

from . import context, data, forms, widgets

CREATE, RENAME, DELETE = "create", "rename", "delete"
FIELD_LABELS = {CREATE: {"name": N_("Source name")}, RENAME: {"name": N_("New name")}, DELETE: {}}
_FORM = "src_"  # message keys of these forms: forms.flash("src_create", ...)


def _flash(form: str, kind: str, text: str, fields: dict[str, list[str]] | None = None) -> None:
    forms.flash(_FORM + form, kind, text, fields)


def field_error(form: str, field: str) -> None:
    """The last submit's messages about ``field``, drawn right under its input box."""
    msg = forms.message(_FORM + form)
    if msg and msg["kind"] == "error" and msg["fields"].get(field):
        label = _(FIELD_LABELS[form][field]) if field in FIELD_LABELS[form] else field
        st.error(f"**{label}**: {md_literal(' '.join(msg['fields'][field]))}", icon=":material/error:")


def show_messages(form: str) -> None:
    """The outcome of the last submit of ``form`` (one box, kept until the form's next submit).

    Messages about a field the form shows are drawn under that field by ``field_error``.
    """
    msg = forms.message(_FORM + form)
    if not msg:
        return
    forms.show(_FORM + form, keep=True)
    if msg["kind"] == "error":
        for field, texts in msg["fields"].items():
            if field not in FIELD_LABELS[form]:
                st.caption(f":red[**{md_literal(field)}**: {md_literal(' '.join(texts))}]")


def _sources() -> pd.DataFrame:
    return data.cached_query(source_names.live_sources)


def _api_error(form: str, err: RaslError, action: str, state: dict | None = None) -> forms.Outcome:
    if isinstance(err, ValidationError) and err.fields:
        # The field messages are shown under the box, against the field they concern.
        shown = set(FIELD_LABELS[form])
        return forms.Outcome(_FORM + form, "error", "" if set(err.fields) <= shown else _("RASL did not accept this:"),
                             dict(err.fields), state or {})
    return forms.Outcome(_FORM + form, "error", forms.error_text(err, action), state=state or {})


def _cache_failed(form: str, err: CacheError, state: dict | None = None) -> forms.Outcome:
    """The change was made in RASL but not written into the cache (a whole sentence per form)."""
    text = {
        CREATE: _("The source was created in RASL but the cache could not be updated: {reason} Run a sync."),
        RENAME: _("Renamed in RASL but the cache could not be updated: {reason} Run a sync."),
        DELETE: _("Deleted in RASL but the cache could not be updated: {reason} Run a sync."),
    }[form]
    return forms.Outcome(_FORM + form, "error", text.format(reason=md_literal(err.title)), state=state or {})


# --- create -------------------------------------------------------------------------------


def compose_name() -> None:
    """Callback: put ``Channel / Campaign`` from the helper fields into the ``Source name`` box."""
    composed = source_names.compose_source_name(st.session_state.get("src_help_channel"),
                                             st.session_state.get("src_help_campaign"))
    if composed:
        st.session_state["src_create_name"] = composed


def create() -> None:
    """Callback of ``Create source``: check the name, ``POST /sources``, clear the box on success.

    Everything it needs from the session is read before the call (see ``ui.forms``): the second
    click of a double click carries the text the browser still showed.
    """
    name = (st.session_state.get("src_create_name") or "").strip()
    ws, actor = context.workspace(), context.actor()

    def change(changes: forms.SessionChanges) -> forms.Outcome:
        problem = source_names.check_source_name(name, _sources())
        if problem:
            return forms.Outcome(_FORM + CREATE, "error", "", {"name": [problem]})
        try:
            created = ws.create_source(name, actor=actor)
        except RaslError as err:
            return _api_error(CREATE, err, _("create sources"))
        except CacheError as err:
            return _cache_failed(CREATE, err)
        return forms.Outcome(
            _FORM + CREATE, "success", _("Source “{name}” created.").format(name=md_name(created.name)),
            state={"src_create_name": "", "src_help_channel": "", "src_help_campaign": ""}, key=name)

    forms.submit(_FORM + CREATE, change, repeat_key=name or None)


# --- rename -------------------------------------------------------------------------------


def rename() -> None:
    """Callback of ``Rename source``: check the new name, ``PATCH /sources/{id}``, clear on success."""
    source_id = st.session_state.get("src_rename_id")
    name = (st.session_state.get("src_rename_name") or "").strip()
    picked_for_delete = st.session_state.get("src_delete_id")
    ws, actor = context.workspace(), context.actor()

    def change(changes: forms.SessionChanges) -> forms.Outcome:
        sources = _sources()
        if source_id is None or int(source_id) not in set(sources["source_id"]):
            return forms.Outcome(_FORM + RENAME, "error", _("Choose the source to rename."))
        current = sources.loc[sources["source_id"] == int(source_id), "source"].iloc[0]
        if name == current:
            return forms.Outcome(_FORM + RENAME, "error", _("That is already its name."))
        problem = source_names.check_source_name(name, sources, exclude_id=int(source_id))
        if problem:
            return forms.Outcome(_FORM + RENAME, "error", "", {"name": [problem]})
        try:
            renamed = ws.rename_source(int(source_id), name, actor=actor)
        except RaslError as err:
            return _api_error(RENAME, err, _("rename sources"))
        except CacheError as err:
            return _cache_failed(RENAME, err)
        return forms.Outcome(
            _FORM + RENAME, "success",
            _("Source renamed to “{name}”. Its contacts and history stay with it.").format(name=md_name(renamed.name)),
            # Setting a choice again makes its box show the new name (it kept the old label).
            state={"src_rename_name": "", "src_rename_id": int(source_id),
                   **({"src_delete_id": int(source_id)} if picked_for_delete == source_id else {})},
            key=(source_id, name))

    forms.submit(_FORM + RENAME, change, repeat_key=(source_id, name) if name else None)


# --- delete -------------------------------------------------------------------------------


def delete() -> None:
    """Callback of ``Delete source``: only with the confirmation ticked; ``DELETE /sources/{id}``."""
    source_id = st.session_state.get("src_delete_id")
    confirmed = bool(st.session_state.get("src_delete_ok"))
    picked_for_rename = st.session_state.get("src_rename_id")
    ws, actor = context.workspace(), context.actor()

    def change(changes: forms.SessionChanges) -> forms.Outcome:
        if not confirmed:
            return forms.Outcome(_FORM + DELETE, "error", _("Tick the confirmation first."))
        sources = _sources()
        if source_id is None or int(source_id) not in set(sources["source_id"]):
            return forms.Outcome(_FORM + DELETE, "error", _("Choose the source to delete."))
        untick = {"src_delete_ok": False}
        try:
            deleted = ws.delete_source(int(source_id), actor=actor)
        except RaslError as err:
            return _api_error(DELETE, err, _("delete sources"), untick)
        except CacheError as err:
            return _cache_failed(DELETE, err, untick)
        return forms.Outcome(_FORM + DELETE, "success", _("Source “{name}” deleted.").format(name=md_name(deleted.name)),
                             state={**untick, "src_delete_id": None,
                                    **({"src_rename_id": None} if picked_for_rename == source_id else {})},
                             key=source_id)

    forms.submit(_FORM + DELETE, change, repeat_key=source_id)


# --- drawing ------------------------------------------------------------------------------


def _keep_choice(key: str, ids: list[int], form: str) -> None:
    """Drop a choice whose source is gone (deleted elsewhere, or by a sync), and say so."""
    picked = st.session_state.get(key)
    if picked is not None and picked not in ids:
        st.session_state[key] = None
        _flash(form, "warning", _("Source #{id} is no longer in RASL (deleted by someone else, or found deleted by a "
                                  "sync). Choose another one.").format(id=int(picked)))


def _untick() -> None:
    """Callback: another source picked for deletion needs its own confirmation."""
    st.session_state["src_delete_ok"] = False


def _contacts(n: int) -> str:
    """``1 contact`` / ``12 contacts`` (Arabic: the plural form for ``n``)."""
    return ngettext("{count} contact", "{count} contacts", n).format(count=i18n.format_number(n))


def draw() -> None:
    """The three forms (create, rename, delete) in tabs; a note instead for a viewer or a read-only dashboard.

    No button is ever disabled while a change is sent: Streamlit skips the callback of a widget
    it drew disabled, so a second click would be lost silently; ``ui.forms`` serialises them.
    """
    if not forms.can_edit_note(N_("sources (create, rename, delete)")):
        return
    for form in (CREATE, RENAME, DELETE):
        forms.deliver(_FORM + form)  # an outcome whose run was stopped by a newer click
    sources = _sources()
    ids = [int(i) for i in sources["source_id"]]
    names = dict(zip(ids, sources["source"]))
    counts = dict(zip(ids, sources["contacts"].astype(int)))
    tab_create, tab_rename, tab_delete = st.tabs([_("Create"), _("Rename"), _("Delete")])
    with tab_create:
        _draw_create()
    for tab, form, draw_form in ((tab_rename, RENAME, _draw_rename), (tab_delete, DELETE, _draw_delete)):
        with tab:
            if not ids:
                widgets.empty_state(_("No sources yet."))
            else:
                draw_form(ids, names, counts)
            show_messages(form)


def _draw_create() -> None:
    st.text_input(_("Source name"), key="src_create_name", max_chars=None,
                  placeholder=_("e.g. Instagram / Ramadan offer"),
                  help=_("Name it “Channel / Campaign” so the dashboard files it under the right channel and "
                         "campaign."))
    field_error(CREATE, "name")
    with st.expander(_("Compose from a channel and a campaign")):
        c1, c2 = st.columns(2)
        c1.text_input(_("Channel"), key="src_help_channel", placeholder="Instagram")
        c2.text_input(_("Campaign"), key="src_help_campaign", placeholder=_("Ramadan offer"))
        st.button(_("Use as source name"), key="src_compose", on_click=compose_name)
    st.button(_("Create source"), key="src_create", type="primary", on_click=create)
    show_messages(CREATE)


def _draw_rename(ids: list[int], names: dict[int, str], counts: dict[int, int]) -> None:
    _keep_choice("src_rename_id", ids, RENAME)
    picked = st.selectbox(_("Source to rename"), ids, key="src_rename_id", index=None,
                          format_func=lambda i: f"{text.one_line(names[i])}  (#{i})",
                          placeholder=_("Choose a source"))
    st.text_input(_("New name"), key="src_rename_name")
    field_error(RENAME, "name")
    if picked is not None:
        st.caption(_("Carries {contacts}. They keep this source, and the charts keep one series under the new "
                     "name.").format(contacts=_contacts(counts.get(picked, 0))))
    st.button(_("Rename source"), key="src_rename", type="primary", on_click=rename)


def _draw_delete(ids: list[int], names: dict[int, str], counts: dict[int, int]) -> None:
    _keep_choice("src_delete_id", ids, DELETE)
    picked = st.selectbox(_("Source to delete"), ids, key="src_delete_id", index=None,
                          format_func={i: f"{text.one_line(names[i])}  (#{i}, {_contacts(counts[i])})" for i in ids}.get,
                          placeholder=_("Choose a source"), on_change=_untick)
    if picked is not None:
        n = counts.get(picked, 0)
        if n:
            st.warning(_("“{name}” carries {contacts}. RASL refuses to delete a source in use: move them to another "
                         "source in RASL first.").format(name=md_name(names[picked]), contacts=_contacts(n)),
                       icon=":material/warning:")
        st.checkbox(_("I understand that “{name}” will be deleted in RASL, not only here.").format(
            name=md_name(names[picked])), key="src_delete_ok")
    confirmed = picked is not None and bool(st.session_state.get("src_delete_ok"))
    st.button(_("Delete source"), key="src_delete", type="primary", on_click=delete, disabled=not confirmed)
