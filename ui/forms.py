"""What every change form shares: one change at a time per session, repeats, messages, roles.

Why a lock: Streamlit (``runner.fastReruns``, on by default) answers a click that arrives while
a run is busy by starting a *new* run at once, in another thread, while the old one is still
blocked in its callback waiting for RASL. So the two clicks of a double click run their
callbacks at the same time, and whatever the first one writes to the session after the second
run has drawn the page is never shown (the form stayed disabled, the typed name stayed, no
message). With the lock the second callback waits for the first to finish, then sees what it
did (``recent``) and reports the same outcome instead of sending the change again.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from rasl_data import dashboard
from rasl_data.access import AccessDeniedError
from rasl_data.errors import RaslError

from . import context

WAIT_S = 120          # longest wait for another change of this session (RASL answers within ~90 s)
REPEAT_WINDOW_S = 15  # the same submit again within this time is the second click of a double click
_LOCK_KEY = "_change_lock"
_DONE_KEY = "_change_done"
_MSG_PREFIX = "_form_msg_"


def _session_lock() -> threading.Lock:
    lock = st.session_state.get(_LOCK_KEY)
    if lock is None:
        lock = st.session_state.setdefault(_LOCK_KEY, threading.Lock())
    return lock


@contextmanager
def one_change_at_a_time() -> Iterator[bool]:
    """Hold this session's change lock; yields False when another change kept it for ``WAIT_S``."""
    lock = _session_lock()
    got = lock.acquire(timeout=WAIT_S)
    try:
        yield got
    finally:
        if got:
            lock.release()


BUSY_TEXT = "Another change is still being sent; wait until it finishes and try again."


def remember_done(form: str, key: object, message: str) -> None:
    """Record that ``form`` did the change ``key`` (e.g. the normalised name created) just now."""
    st.session_state[_DONE_KEY] = {"form": form, "key": key, "at": time.monotonic(), "message": message}


def recent(form: str, key: object) -> str | None:
    """The success message of the same change made moments ago by this session, else None."""
    done = st.session_state.get(_DONE_KEY)
    if done and done["form"] == form and done["key"] == key and time.monotonic() - done["at"] < REPEAT_WINDOW_S:
        return done["message"]
    return None


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
    from . import widgets

    if isinstance(err, AccessDeniedError):
        return (f"Not changed: {dashboard.md_literal(err.title)} "
                "What you typed is kept; an editor can make this change.")
    return widgets.rasl_error_message(err, action)


# --- roles ---------------------------------------------------------------------------------------


def can_edit_note(what: str) -> bool:
    """True when this session may change ``what``; else draw a short note saying why and return False."""
    actor = context.actor()
    if actor.can_edit:
        return True
    if context.settings().read_only:
        why = "this dashboard is read-only (`RASL_READ_ONLY=1`)"
    else:
        why = f"you are signed in as {dashboard.md_literal(actor.email)}, a viewer; ask an editor"
    st.info(f"Changing {what} is off: {why}.", icon=":material/lock:")
    return False
