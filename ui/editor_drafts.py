"""The draft of an attribution editor (channel rules, source labels) kept across runs.

Each editor works on a *draft* that stays fixed while the user edits it, together with the
*base*: the saved table the draft was made from. Streamlit's editor keeps only the cell edits
(row positions), so giving it a table that changed underneath would drop or misplace them; a new
editing *round* (a new editor key) starts the editor again from a given table. Session state:
``_<name>_edit`` (``{"gen", "base", "draft"}``) and ``_<name>_pending`` (what the Save button
drawn in this run would save).
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from rasl_data.cache.store import CacheError
from rasl_data.errors import RaslError
from rasl_data.i18n import _
from rasl_data.text import md_literal

from . import forms


def state(name: str) -> dict:
    """``{"gen", "base", "draft"}`` of editor ``name`` (``draft`` is what the editor is given)."""
    return st.session_state.setdefault(f"_{name}_edit", {"gen": 0, "base": None, "draft": None})


def editor_key(name: str) -> str:
    """The widget key of editor ``name`` in its current round."""
    return f"{name}_{state(name)['gen']}"


def new_round(name: str, base, draft=None) -> dict:
    """The session-state values of a new editing round of ``name`` on the saved ``base`` (a new
    editor key, so the editor's edits are dropped); ``draft`` is what the editor starts from."""
    return {f"_{name}_edit": {"gen": state(name)["gen"] + 1, "base": base,
                              "draft": base if draft is None else draft}}


def start(name: str, base, draft=None) -> None:
    """Start a new editing round of ``name`` now (see ``new_round``)."""
    st.session_state.update(new_round(name, base, draft))


def has_cell_edits(name: str) -> bool:
    """Whether the user edited, added or deleted a row of editor ``name`` in this round."""
    delta = st.session_state.get(editor_key(name)) or {}
    return isinstance(delta, dict) and any(delta.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))


def stash(name: str, pending, **more) -> None:
    """Remember what the Save button drawn in this run would save (its callback runs next run)."""
    st.session_state[f"_{name}_pending"] = {"gen": state(name)["gen"], "value": pending, **more}


def pending(name: str) -> dict | None:
    """``{"gen", "value", ...}`` stashed by this editor's last run, or None."""
    return st.session_state.get(f"_{name}_pending") or None


def refusal(form: str, err: Exception) -> forms.Outcome:
    """A refused save in the marketer's terms: an API or role refusal, a cache error, or the
    ``ValueError`` naming the bad rule."""
    if isinstance(err, RaslError):
        text = forms.error_text(err, _("change the attribution"))
    elif isinstance(err, CacheError):
        text = md_literal(err.title)
    else:
        text = md_literal(err)
    return forms.Outcome(form, "error", text)


def this_round(name: str, saved, already_saved: Callable[[dict, dict | None], bool]) -> tuple[dict, bool]:
    """This run's draft state of editor ``name`` and whether it conflicts with ``saved`` (the table
    saved now). A first run starts from ``saved``; when ``saved`` changed underneath, the editor
    quietly follows it unless the user has edits that ``already_saved(state, my_stash)`` (the
    stash of this round, or None) does not find saved: then the edits stay and it is a conflict."""
    current = state(name)
    if current["base"] is None:
        start(name, saved)
        return state(name), False
    if current["base"] == saved:
        return current, False
    stashed = pending(name)
    mine = stashed if stashed and stashed["gen"] == current["gen"] else None
    edited = has_cell_edits(name) or current["draft"] != current["base"]
    if not edited or already_saved(current, mine):
        start(name, saved)  # nothing of mine to keep: follow the saved table
        return state(name), False
    return current, True


def is_stale(name: str, stash: dict, saved_base) -> bool:
    """Whether the table saved now (``saved_base``) changed since the stashed edit's round began
    (or a newer round started): saving it then would overwrite someone else's change."""
    current = state(name)
    return stash["gen"] != current["gen"] or current["base"] != saved_base


def already_saved(changes: forms.SessionChanges, name: str, key: object, round_state: dict,
                  text: str) -> forms.Outcome:
    """The outcome of a save whose edit is what is saved now: the first click's message when this
    is the second click of a double click (``forms.recent``), else ``text``."""
    done = forms.recent(changes, name, key)
    return forms.Outcome(name, "success", done.text if done else text, state=round_state)


def try_save(name: str, save: Callable[[], object], text: str, round_state: dict, key: object) -> forms.Outcome:
    """Call ``save()`` (a ``Workspace`` method with the actor): ``text`` and a new editing round on
    success, else the refusal (``refusal``) with the edits kept."""
    try:
        save()
    except (RaslError, CacheError, ValueError) as err:
        return refusal(name, err)
    return forms.Outcome(name, "success", text, state=round_state, key=key)
