"""What every change form shares: one change at a time per session, outcomes, repeats, roles.

Why: Streamlit (``runner.fastReruns``, on by default) answers a click that arrives while a run
is busy by stopping that run and starting a *new* one at once, in another thread, while the old
one is still blocked in its callback waiting for RASL. Every ``st.session_state`` access of the
stopped run then raises Streamlit's stop exception, so whatever its callback meant to record
after the call (the message, clearing the box, re-enabling the button) was lost: after a double
click the form stayed disabled with the typed name and no message.

So a change callback here

1. reads the session state it needs *before* the slow call;
2. holds this session's change lock (``one_change_at_a_time``): the second click's callback
   waits for the first to finish;
3. records its outcome on a plain per-session object (``SessionChanges``, no session-state
   access, so it survives the stop) and then delivers it into the session state;
4. and every form delivers outcomes still undelivered before it draws (``deliver``), so the
   outcome shows whichever run draws the page next. The second click of a double click finds
   the first click's outcome (``recent``) and shows it instead of sending the change again.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import streamlit as st

from rasl_data.access import AccessDeniedError
from rasl_data.errors import RaslError
from rasl_data.i18n import N_, _
from rasl_data.text import md_literal

from . import context, locale, widgets

WAIT_S = 120          # longest wait for another change of this session (RASL answers within ~90 s)
REPEAT_WINDOW_S = 15  # the same submit again within this time is the second click of a double click
BUSY_TEXT = N_("Another change is still being sent; wait until it finishes and try again.")  # shown as _(BUSY_TEXT)
_HOLDER_KEY = "_session_changes"
_MSG_PREFIX = "_form_msg_"


@dataclass
class Outcome:
    """What a submit of ``form`` ended with, to show once it reaches the page.

    ``kind``: ``success``, ``error`` or ``warning``; ``text`` Markdown (names already escaped);
    ``fields``: messages per form field; ``state``: session-state values to set when it is shown
    (e.g. ``{"src_create_name": ""}`` empties the box); ``key``: what was done (a success), so a
    repeat of the same submit is recognised.
    """

    form: str
    kind: str
    text: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    key: object = None
    at: float = field(default_factory=time.monotonic)


class SessionChanges:
    """Per-session change lock and outcomes, on a plain object that a stopped run can still write."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done: Outcome | None = None          # the last successful change
        self.undelivered: dict[str, Outcome] = {}  # form → outcome not yet put into the session state


def session_changes() -> SessionChanges:
    """This session's ``SessionChanges`` (created on first use)."""
    holder = st.session_state.get(_HOLDER_KEY)
    if holder is None:
        holder = st.session_state.setdefault(_HOLDER_KEY, SessionChanges())
    return holder


@contextmanager
def one_change_at_a_time() -> Iterator[SessionChanges | None]:
    """Hold this session's change lock; yields its ``SessionChanges``, or None when another change
    kept the lock for ``WAIT_S`` seconds."""
    holder = session_changes()
    got = holder.lock.acquire(timeout=WAIT_S)
    try:
        yield holder if got else None
    finally:
        if got:
            holder.lock.release()


def recent(changes: SessionChanges, form: str, key: object, *, clicked_at: float | None = None) -> Outcome | None:
    """The outcome of the same successful change made moments ago in this session, else None.

    Moments ago: within ``REPEAT_WINDOW_S``; or, with ``clicked_at`` (``time.monotonic()`` when
    this click's run started), finished after this click was made, i.e. still running when the
    click came (a repeat whatever its age, and a later deliberate click is never one).
    """
    done = changes.done
    if not done or done.form != form or done.key != key:
        return None
    if clicked_at is not None:
        return done if done.at >= clicked_at else None
    return done if time.monotonic() - done.at < REPEAT_WINDOW_S else None


def finish(changes: SessionChanges, outcome: Outcome) -> None:
    """Record ``outcome`` (survives a stopped run), then put it into the session state."""
    changes.undelivered[outcome.form] = outcome
    if outcome.kind == "success" and outcome.key is not None:
        changes.done = outcome
    deliver(outcome.form)


def deliver(form: str) -> None:
    """Put the undelivered outcome of ``form`` (if any) into the session state: its values and
    its message. Call before the form's widgets are drawn."""
    holder = session_changes()
    outcome = holder.undelivered.get(form)
    if outcome is None:
        return
    for key, value in outcome.state.items():
        st.session_state[key] = value
    flash(form, outcome.kind, outcome.text, outcome.fields)
    # Dropped only once written: a run stopped half way leaves it for the next one.
    if holder.undelivered.get(form) is outcome:
        del holder.undelivered[form]


def submit(form: str, change: Callable[[SessionChanges], Outcome | None], *, repeat_key: object = None,
           clicked_at: float | None = None) -> None:
    """Run the change of a form's callback the one way every form does.

    Sets the session's language (``locale.ensure``: callbacks run before ``app.py``), forgets the
    form's last message, then holds this session's change lock: when another change keeps it
    past ``WAIT_S`` the form says so (``BUSY_TEXT``). With ``repeat_key``, a successful change of
    the same form and key made moments ago (``recent``; ``clicked_at`` as there) is the second
    click of a double click: its outcome is shown again and ``change`` is not called. Otherwise
    ``change(changes)`` runs under the lock and returns the ``Outcome`` to record (``finish``), or
    None when it has nothing to say. Read the session state ``change`` needs *before* calling
    this (see the module's docstring).
    """
    locale.ensure()
    clear(form)
    with one_change_at_a_time() as changes:
        if changes is None:
            flash(form, "error", _(BUSY_TEXT))
            return
        done = recent(changes, form, repeat_key, clicked_at=clicked_at) if repeat_key is not None else None
        if done:
            finish(changes, Outcome(done.form, done.kind, done.text, state=done.state))
            return
        outcome = change(changes)
        if outcome is not None:
            finish(changes, outcome)


# --- messages ----------------------------------------------------------------------------------


def flash(form: str, kind: str, text: str, fields: dict[str, list[str]] | None = None) -> None:
    """Keep the outcome of a submit of ``form`` (``success``/``error``/``warning``) to show once."""
    st.session_state[_MSG_PREFIX + form] = {"kind": kind, "text": text, "fields": fields or {}}


def clear(form: str) -> None:
    """Forget the shown outcome of ``form`` (a new submit starts)."""
    st.session_state.pop(_MSG_PREFIX + form, None)


def message(form: str) -> dict | None:
    """The kept outcome of ``form``: ``{"kind", "text", "fields"}`` or None."""
    return st.session_state.get(_MSG_PREFIX + form)


def show(form: str, *, keep: bool = False) -> None:
    """Draw the kept outcome of ``form`` (once: it is dropped unless ``keep``)."""
    msg = message(form) if keep else st.session_state.pop(_MSG_PREFIX + form, None)
    if not msg or not msg["text"]:
        return
    draw = {"success": st.success, "warning": st.warning}.get(msg["kind"], st.error)
    icon = {"success": ":material/check_circle:", "warning": ":material/warning:"}.get(msg["kind"],
                                                                                         ":material/error:")
    draw(msg["text"], icon=icon)


def error_text(err: RaslError, action: str) -> str:
    """An API or role refusal in the marketer's terms (Markdown-safe)."""
    if isinstance(err, AccessDeniedError):
        return _("Not changed: {reason} What you typed is kept; an editor can make this change.").format(
            reason=md_literal(err.title))
    return widgets.rasl_error_message(err, action)


# --- roles ---------------------------------------------------------------------------------------


def can_edit_note(what: str) -> bool:
    """True when this session may change ``what``; else draw a short note saying why and return False.

    ``what`` is the English noun phrase (marked with ``N_`` by the caller), translated here.
    """
    actor = context.actor()
    if actor.can_edit:
        return True
    if context.settings().read_only:
        text = _("Changing {what} is off: this dashboard is read-only (`RASL_READ_ONLY=1`).")
    else:
        text = _("Changing {what} is off: you are signed in as {email}, a viewer; ask an editor.")
    st.info(text.format(what=_(what), email=md_literal(actor.email)), icon=":material/lock:")
    return False
