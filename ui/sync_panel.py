"""Sidebar pieces: workspace header, freshness badge, and sync with a progress bar."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import streamlit as st
from streamlit.runtime.scriptrunner import RerunException, StopException

from rasl_data import i18n
from rasl_data.cache.store import CacheBusyError, CacheError
from rasl_data.cache.sync import SyncProgress, SyncResult
from rasl_data.cache.workspace import Workspace
from rasl_data.i18n import N_, _
from rasl_data.text import md_literal
from ui.errors import show_error

from . import context, forms

SYNC = "sync"  # the outcome key of syncs in ``ui.forms``

PHASE_LABELS = {
    "sources": N_("Reading sources…"),
    "statuses": N_("Reading statuses…"),
    "groups": N_("Reading groups…"),
    "reconcile": N_("Checking for deleted contacts…"),
    "saving": N_("Saving…"),
    "done": N_("Done"),
}


def workspace_header(ws: Workspace) -> None:
    """“Demo workspace” banner, or the real workspace's base URL (never the token)."""
    if ws.settings.is_demo:
        st.caption(":material/science: " + _("**Demo workspace**: sample data from the built-in RASL emulator. "
                                             "Set `RASL_API_TOKEN` to connect yours."))
    else:
        st.caption(_("Workspace: `{address}`").format(address=ws.settings.base_url))


def freshness_colour(moment: datetime | None, now: datetime | None = None) -> str:
    """Badge colour for the age of the last successful sync: green < 6 h, orange < 2 days, else red."""
    if moment is None:
        return "gray"
    age = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    return "green" if age < 6 * 3600 else "orange" if age < 2 * 86400 else "red"


def _badge(where, ws: Workspace) -> None:
    try:
        moment = ws.freshness()
        text, colour = context.humanize_age(moment), freshness_colour(moment)
        tip = (_("Last successful sync: {moment} UTC").format(
            moment=i18n.format_datetime(moment, "yyyy-MM-dd HH:mm")) if moment else _("No successful sync yet"))
    except CacheError as err:
        # st.badge escapes [ and ] itself; everything else must be escaped here.
        text = md_literal(err.title).replace("\\[", "[").replace("\\]", "]")
        colour, tip = "red", md_literal(err.detail or "") or None
    where.badge(text, icon=":material/sync:", color=colour, help=tip)


def freshness_badge(ws: Workspace, *, with_button: bool = True) -> None:
    """A “synced 5 min ago” badge (colour by age) and, optionally, a Sync now button.

    The badge sits in a placeholder that is drawn again after a sync of this run, so it says
    “synced just now” at once rather than at the next click.
    """
    if not with_button:
        _badge(st, ws)
        return
    cols = st.columns([3, 2], vertical_alignment="center")
    slot = cols[0].empty()
    _badge(slot, ws)
    if cols[1].button(_("Sync now"), key="sync_now", help=_("Fetch what changed in RASL since the last sync"),
                      type="tertiary", icon=":material/refresh:"):
        run_sync(ws, "auto")
        _badge(slot, ws)


def _progress_callback(bar):
    """``on_progress`` for ``Workspace.sync`` drawing into ``bar``.

    A click elsewhere while a sync runs makes Streamlit stop this run: the next drawing call
    raises its stop exception. Raised inside the sync, it would abort it (minutes of a first
    sync lost, silently). The bar stops being drawn instead and the sync finishes in this
    thread; the next run shows its data (the cache version changed).
    """
    detached = False

    def update(p: SyncProgress) -> None:
        nonlocal detached
        if detached:
            return
        if p.phase == "contacts":
            label = (_("Contacts: page {page} of {pages} ({rows} rows)") if p.pages_total
                     else _("Contacts: page {page} ({rows} rows)")).format(
                page=i18n.format_number(p.pages_done), pages=i18n.format_number(p.pages_total or 0),
                rows=i18n.format_number(p.rows))
        else:
            label = _(PHASE_LABELS[p.phase]) if p.phase in PHASE_LABELS else (p.message or p.phase)
        if p.wait_seconds:
            label += f" · {p.message}"
        try:
            bar.progress(p.fraction, text=label)
        except (StopException, RerunException):
            detached = True

    return update


def run_sync(ws: Workspace, mode: str) -> SyncResult | None:
    """Run a sync (``auto``, ``incremental`` or ``full``) with ``st.progress``; show the outcome.

    Returns the ``SyncResult`` (None when the cache was busy or unusable, or when this click
    repeats a sync of this session that just finished). The previous data is kept on failure.
    Pages refresh by themselves: cached readers key on the cache version.

    One sync at a time per session (``ui.forms``): the second click of a double click waits for
    the first sync, then shows its summary instead of syncing again.
    """
    try:
        had_data = ws.freshness() is not None
    except CacheError:
        had_data = False
    clicked_at = time.monotonic()
    bar = st.progress(0.0, text=_("Starting sync…"))
    with forms.one_change_at_a_time() as changes:
        if changes is None:
            bar.empty()
            st.warning(_(forms.BUSY_TEXT), icon=":material/hourglass:")
            return None
        done = forms.recent(changes, SYNC, mode, clicked_at=clicked_at)
        if done:
            bar.empty()
            st.toast(done.text, icon=":material/check_circle:")
            return None
        try:
            result = ws.sync(mode, on_progress=_progress_callback(bar))
        except CacheBusyError as err:
            bar.empty()
            st.warning(md_literal(err.title), icon=":material/hourglass:")
            return None
        except CacheError as err:
            bar.empty()
            show_error(err)
            return None
        if result.outcome == "success":  # kept where a run stopped by a newer click can still write
            changes.done = forms.Outcome(SYNC, "success", md_literal(result.summary()), key=mode)  # at: now
    bar.empty()
    if result.outcome != "success":
        st.error(failure_text(result.error_title or result.error or _("The sync failed."), had_data),
                 icon=":material/cloud_off:")
        return result
    st.session_state["_last_sync_summary"] = result.summary()
    # A box where the sync ran, not st.toast: Streamlit's toast is an unnamed dialog to screen
    # readers (axe-core: aria-dialog-name, serious).
    st.success(md_literal(result.summary()), icon=":material/check_circle:")
    return result


def failure_text(title: str, had_data: bool) -> str:
    """What a failed sync says (Markdown): its reason, and either that the previous data is kept
    or, when nothing was ever loaded, what to fix before the next try."""
    text = md_literal(title)
    if had_data:
        return text + "\n\n" + _("The previous data is kept.")
    return text + "\n\n" + _("Nothing has been loaded yet. Check `RASL_API_TOKEN` and `RASL_BASE_URL` in "
                             "`.streamlit/secrets.toml` or the environment (the **Settings** page shows which are "
                             "set and can check the token's permissions), restart the dashboard, then press "
                             "**Sync now**.")


def _wait_for_first_sync(ws: Workspace) -> None:
    """A click during the first sync stops the run that started it (the sync carries on in its
    thread): this run waits for it instead of drawing empty pages."""
    try:
        empty = ws.is_empty()
    except CacheError:
        empty = True
    if not empty or not forms.session_changes().lock.locked():
        return
    note = st.empty()
    note.info(_("**Still loading your contacts from RASL for the first time.** The pages appear when it is done."),
              icon=":material/cloud_download:")
    with forms.one_change_at_a_time():
        pass
    note.empty()


def first_sync_if_empty(ws: Workspace) -> None:
    """Run the first sync by itself when the cache holds no contacts yet (once per session)."""
    if st.session_state.get("_first_sync_tried"):
        _wait_for_first_sync(ws)
        return
    try:
        empty = ws.is_empty()
    except CacheError:
        empty = True
    if not empty:
        return
    st.session_state["_first_sync_tried"] = True
    note = st.empty()
    note.info(_("**Loading your contacts from RASL for the first time.** RASL allows 60 requests a minute "
                "(100 contacts each), so a large workspace takes a few minutes; later syncs read only what "
                "changed."), icon=":material/cloud_download:")
    run_sync(ws, "auto")
    note.empty()
