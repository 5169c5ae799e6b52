"""Notes on the charts in the dashboard: the sidebar switches, drawing them on the time charts, and
the Notes page's forms (add, edit, remove; editors only).

* ``sidebar()`` (drawn by ``app.py`` on every page, so the choice survives page switches) lets the
  user switch each kind of note off for this session (``shown_kinds``).
* ``annotate(fig, view)`` draws the notes of the view's range on a time chart of period starts;
  ``annotate_weekly(figures, review)`` on the Weekly review's charts.
* ``draw_forms()`` / ``draw_list()``: the Notes page. Changes go through ``Workspace.add_annotation``
  & co. (role check on the server side and an audit row); the callbacks follow ``ui.forms`` (one
  change at a time, outcomes that survive a stopped run, what was typed kept on any error and
  cleared only on success), like ``ui.source_forms``.

Note texts are data: ``md_literal``/``md_name`` in Markdown, ``plotly_literal`` in charts (done by
``rasl_data.outputs.chart_notes``), plain cells in tables.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rasl_data.analytics import notes as notes_data
from rasl_data.analytics import periods
from rasl_data.cache import notes as notes_table
from rasl_data.cache.store import CacheError
from rasl_data.errors import RaslError
from rasl_data.i18n import N_, _
from rasl_data.text import md_literal, md_name, one_line

from . import charts, context, data, direction, forms, locale, widgets

KINDS_KEY = "notes_kinds"
ADD, EDIT, REMOVE = "add", "edit", "remove"
_FORM = "notes_"
FIELD_LABELS = {"date": N_("Date"), "end": N_("Last day"), "text": N_("Note"), "id": N_("Note to change")}


# --- switches and drawing -------------------------------------------------------------------------


def sidebar() -> None:
    """The sidebar switches: which kinds of notes the time charts show in this session."""
    with st.expander(_("Notes on charts")):
        st.pills(_("Show"), list(notes_data.KINDS), selection_mode="multi", default=list(notes_data.KINDS),
                 key=KINDS_KEY, format_func=lambda k: _(notes_data.KIND_LABELS[k]))
        st.caption(_("Dotted lines and shaded spans on the time charts. Editors add notes on the Notes page."))


def shown_kinds() -> tuple[str, ...]:
    """The kinds of notes this session shows (all until switched off in the sidebar)."""
    picked = st.session_state.get(KINDS_KEY)
    if picked is None:
        return notes_data.KINDS
    return notes_data.check_kinds([k for k in picked if k in notes_data.KINDS])


def _now_hour() -> datetime:
    # An ongoing sync gap ends "now": rounded to the hour so the cached notes are reused within it.
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


def chart_notes(start, end, tz: str) -> pd.DataFrame:
    """The notes of local dates ``start..end`` of the kinds shown (cached per cache version)."""
    kinds = shown_kinds()
    if not kinds:
        return pd.DataFrame(columns=notes_data.COLUMNS)
    return data.cached_query(notes_data.notes, start, end, tz=tz, kinds=kinds, now=_now_hour())


def annotate(fig: go.Figure, view) -> go.Figure:
    """Draw the view's notes on ``fig``, a time chart whose points are the view's period starts."""
    f = view.filters
    try:
        starts = periods.period_starts(f.start, f.end, view.granularity, f.week_start)
    except ValueError:  # a range too long for the granularity: the page says so already
        return fig
    return charts.add_annotations(fig, chart_notes(f.start, f.end, f.tz), starts, view.granularity)


def annotate_weekly(figures: dict[str, go.Figure], review) -> dict[str, go.Figure]:
    """Draw the notes of the review's 5 weeks on the Weekly review's time charts."""
    from rasl_data.outputs.weekly_figures import add_notes

    return add_notes(figures, review, chart_notes(review.baseline_start, review.week_end, review.tz))


# --- the forms ------------------------------------------------------------------------------------


def _flash(form: str, kind: str, text: str, fields: dict[str, list[str]] | None = None) -> None:
    forms.flash(_FORM + form, kind, text, fields)


def field_error(form: str, field: str) -> None:
    """The last submit's message about ``field``, drawn under its input."""
    msg = forms.message(_FORM + form)
    if msg and msg["kind"] == "error" and msg["fields"].get(field):
        st.error(_("**{field}**: {message}").format(field=_(FIELD_LABELS[field]),
                                                     message=md_literal(" ".join(msg["fields"][field]))),
                 icon=":material/error:")


FORM_FIELDS = {ADD: ("date", "end", "text"), EDIT: ("id", "date", "end", "text"), REMOVE: ()}
"""The fields each form draws a message under; any other message goes in the form's own box."""


def _outcome_of_error(form: str, err: Exception) -> forms.Outcome:
    if isinstance(err, notes_table.AnnotationError):
        if err.field in FORM_FIELDS[form]:
            return forms.Outcome(_FORM + form, "error", "", {err.field: [str(err)]})
        return forms.Outcome(_FORM + form, "error", md_literal(str(err)))
    if isinstance(err, RaslError):
        return forms.Outcome(_FORM + form, "error", forms.error_text(err, _("change notes")))
    return forms.Outcome(_FORM + form, "error",
                         _("Not saved: {reason} What you typed is kept.").format(reason=md_literal(err.title)))


def _run(form: str, key: object, change, success) -> None:
    """Run one change callback through ``forms.submit`` (the session's change lock, a repeat check);
    a refusal becomes the form's error, ``success(result)`` its message and session-state changes."""
    def attempt(_changes) -> forms.Outcome:
        try:
            result = change()
        except (notes_table.AnnotationError, RaslError, CacheError) as err:
            return _outcome_of_error(form, err)
        text, state = success(result)
        return forms.Outcome(_FORM + form, "success", text, state=state, key=key)

    forms.submit(_FORM + form, attempt, repeat_key=key)


def add() -> None:
    """Callback of ``Add note``: check and save the note; the boxes are emptied only on success."""
    locale.ensure()  # callbacks run before app.py sets this run's language
    start = st.session_state.get("notes_add_date")
    end = st.session_state.get("notes_add_end")
    text = st.session_state.get("notes_add_text") or ""
    ws, actor = context.workspace(), context.actor()
    if start is None:
        forms.clear(_FORM + ADD)
        _flash(ADD, "error", "", {"date": [_("Pick the note's date.")]})
        return
    _run(ADD, (start, end, text.strip()),
         lambda: ws.add_annotation(start, text, end, actor=actor),
         lambda note_id: (_("Note #{id} added: “{text}”.").format(id=note_id, text=md_name(one_line(text).strip())),
                          {"notes_add_text": "", "notes_add_end": None}))


def _load_for_edit() -> None:
    """Callback: put the picked note's date, last day and text into the edit boxes."""
    picked = st.session_state.get("notes_edit_id")
    rows = context.workspace().annotations()
    row = rows[rows["id"] == picked] if picked is not None else rows.iloc[0:0]
    if row.empty:
        return
    r = row.iloc[0]
    st.session_state["notes_edit_date"] = r["start"]
    st.session_state["notes_edit_end"] = r["end"]
    st.session_state["notes_edit_text"] = r["text"]


def edit() -> None:
    """Callback of ``Save note``: check and save the new date, last day and text of the picked note."""
    locale.ensure()  # callbacks run before app.py sets this run's language
    note_id = st.session_state.get("notes_edit_id")
    start = st.session_state.get("notes_edit_date")
    end = st.session_state.get("notes_edit_end")
    text = st.session_state.get("notes_edit_text") or ""
    ws, actor = context.workspace(), context.actor()
    if note_id is None or start is None:
        forms.clear(_FORM + EDIT)
        _flash(EDIT, "error", "", {"id": [_("Choose the note to change.")]} if note_id is None
               else {"date": [_("Pick the note's date.")]})
        return
    _run(EDIT, (note_id, start, end, text.strip()),
         lambda: ws.edit_annotation(int(note_id), start, text, end, actor=actor),
         lambda changed: ((_("Note #{id} saved: “{text}”.") if changed else
                           _("Note #{id} is unchanged: “{text}”. Nothing was saved.")).format(
                               id=note_id, text=md_name(one_line(text).strip())), {}))


def remove() -> None:
    """Callback of ``Remove note``: only with the confirmation ticked."""
    locale.ensure()  # callbacks run before app.py sets this run's language
    note_id = st.session_state.get("notes_remove_id")
    confirmed = bool(st.session_state.get("notes_remove_ok"))
    ws, actor = context.workspace(), context.actor()
    if note_id is None or not confirmed:
        forms.clear(_FORM + REMOVE)
        _flash(REMOVE, "error", _("Choose the note to remove.") if note_id is None else _("Tick the confirmation first."))
        return
    untick = {"notes_remove_ok": False, "notes_remove_id": None,
              **({"notes_edit_id": None} if st.session_state.get("notes_edit_id") == note_id else {})}
    _run(REMOVE, note_id, lambda: ws.remove_annotation(int(note_id), actor=actor),
         lambda _r: (_("Note #{id} removed.").format(id=note_id), untick))


def _label(notes: pd.DataFrame):
    by_id = {int(r.id): r for r in notes.itertuples()}

    def fmt(note_id) -> str:
        r = by_id.get(int(note_id))
        if r is None:
            return f"#{note_id}"
        when = r.start.isoformat() + (f" – {r.end.isoformat()}" if r.end else "")
        return f"#{int(r.id)} · {when} · {one_line(r.text)}"

    return fmt


def _keep_choice(key: str, ids: list[int]) -> None:
    if st.session_state.get(key) is not None and st.session_state[key] not in ids:
        st.session_state[key] = None


def draw_forms(notes: pd.DataFrame) -> None:
    """Add, edit and remove in tabs; a note instead for a viewer or a read-only dashboard."""
    if not forms.can_edit_note(_("notes")):
        return
    for form in (ADD, EDIT, REMOVE):
        forms.deliver(_FORM + form)
    today = periods.today_in(context.settings().timezone)
    lo, hi = notes_table.EARLIEST, notes_table.latest_date(today)
    ids = [int(i) for i in notes["id"]]
    fmt = _label(notes)
    tab_add, tab_edit, tab_remove = st.tabs([_("Add"), _("Edit"), _("Remove")])
    with tab_add:
        c1, c2 = st.columns(2)
        c1.date_input(_("Date"), value=today, key="notes_add_date", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        field_error(ADD, "date")
        c2.date_input(_("Last day (optional, for a span)"), value=None, key="notes_add_end", min_value=lo,
                      max_value=hi, format="YYYY-MM-DD")
        field_error(ADD, "end")
        st.text_input(_("Note"), key="notes_add_text",
                      placeholder=_("e.g. Price change on the website"),
                      help=_("One line, at most {limit} characters. Shown exactly as typed.").format(
                          limit=notes_table.MAX_TEXT))
        field_error(ADD, "text")
        st.button(_("Add note"), key="notes_add", type="primary", on_click=add)
        forms.show(_FORM + ADD, keep=True)
    with tab_edit:
        if not ids:
            widgets.empty_state(_("No notes yet."))
        else:
            _keep_choice("notes_edit_id", ids)
            st.selectbox(_("Note to change"), ids, key="notes_edit_id", index=None, format_func=fmt,
                         placeholder=_("Choose a note"), on_change=_load_for_edit)
            field_error(EDIT, "id")
            c1, c2 = st.columns(2)
            c1.date_input(_("Date"), value=None, key="notes_edit_date", min_value=lo, max_value=hi,
                          format="YYYY-MM-DD")
            field_error(EDIT, "date")
            c2.date_input(_("Last day (optional, for a span)"), value=None, key="notes_edit_end", min_value=lo,
                          max_value=hi, format="YYYY-MM-DD")
            field_error(EDIT, "end")
            st.text_input(_("Note"), key="notes_edit_text")
            field_error(EDIT, "text")
            st.button(_("Save note"), key="notes_edit", type="primary", on_click=edit)
        forms.show(_FORM + EDIT, keep=True)
    with tab_remove:
        if not ids:
            widgets.empty_state(_("No notes yet."))
        else:
            _keep_choice("notes_remove_id", ids)
            picked = st.selectbox(_("Note to remove"), ids, key="notes_remove_id", index=None, format_func=fmt,
                                  placeholder=_("Choose a note"))
            if picked is not None:
                st.checkbox(_("I understand that this note disappears from every chart."), key="notes_remove_ok")
            st.button(_("Remove note"), key="notes_remove", type="primary", on_click=remove,
                      disabled=picked is None or not st.session_state.get("notes_remove_ok"))
        forms.show(_FORM + REMOVE, keep=True)


LIST_HEADERS = {"id": N_("No."), "start": N_("Date"), "end": N_("Last day"), "text": N_("Note"),
                "created_by": N_("Added by"), "created_at": N_("Added (UTC)"),
                "updated_by": N_("Last changed by"), "updated_at": N_("Last changed (UTC)")}


def draw_list(notes: pd.DataFrame) -> None:
    """The notes people wrote, read-only, with who added and last changed each, and a download."""
    if notes.empty:
        widgets.empty_state(_("No notes yet."), _("Editors add them above or with `python -m rasl_data annotate add`."))
        return
    shown = notes[list(LIST_HEADERS)].copy()
    for col in ("created_at", "updated_at"):
        shown[col] = pd.to_datetime(shown[col], utc=True).dt.tz_localize(None)
    shown = shown.rename(columns={k: _(v) for k, v in LIST_HEADERS.items()})
    # placeholder: a one-day note's "Last day" is an empty cell, not "None".
    st.dataframe(direction.table(shown), hide_index=True, width="stretch", height=widgets.table_height(len(shown)),
                 placeholder="", column_config={
        _(LIST_HEADERS["text"]): st.column_config.TextColumn(width="large"),
        _(LIST_HEADERS["created_at"]): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        _(LIST_HEADERS["updated_at"]): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    })
    widgets.table_download(shown, "notes", None, key="dl_notes")


AUTO_HEADERS = {"kind": N_("Kind"), "start": N_("Date"), "end": N_("Last day"), "text": N_("Note")}


def draw_automatic(view) -> None:
    """The automatic notes of the view's range (the kinds switched on), read-only."""
    f = view.filters
    auto = chart_notes(f.start, f.end, f.tz)
    auto = auto[auto["kind"] != "manual"]
    if auto.empty:
        widgets.empty_state(_("No automatic notes in this range."))
        return
    shown = pd.DataFrame({
        _(AUTO_HEADERS["kind"]): [_(notes_data.KIND_LABELS[k]) for k in auto["kind"]],
        _(AUTO_HEADERS["start"]): list(auto["start"]),
        _(AUTO_HEADERS["end"]): [e if e != s else None for s, e in zip(auto["start"], auto["end"])],
        _(AUTO_HEADERS["text"]): list(auto["text"]),
    })
    st.dataframe(direction.table(shown), hide_index=True, width="stretch", height=widgets.table_height(len(shown)),
                 placeholder="")
