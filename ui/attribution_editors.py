"""Editors of the derived attribution: channel rules (here) and per-source labels
(``ui.label_editor``, re-exported), with a preview.

Both write through the ``Workspace`` (one writer transaction each, role check and audit row);
every page sees the change at once because the cache version changes.

Each editor works on a *draft* (``ui.editor_drafts``) that stays fixed while the user edits it,
together with the *base*: the saved table the draft was made from. Each run compares the base
with the table saved now:

* unchanged: nothing to do;
* changed and the user has no edit (or their edit is exactly what is saved now): the editor
  quietly starts again from the saved table;
* changed while the user has unsaved edits (another person saved, or a sync renamed a source):
  the edits stay on screen, a warning lists what changed underneath, and the user re-applies
  their edits on top of the new table or discards them. Save is refused until then.

Save, Discard and Restore run in callbacks under the session's change lock (``ui.forms``), so
a double click saves once and the second click reports the same outcome.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import attribution, rule_edits
from rasl_data.i18n import N_, _, ngettext
from rasl_data.text import md_literal

from . import context, data, direction, forms, locale, widgets
from . import editor_drafts as drafts
from .label_editor import LABELS, NO_CAMPAIGN_WORD, labels_editor  # noqa: F401  (the page's one import)

RULE_COLUMNS = ["pattern", "match", "channel"]
RULES = "rules"


def _saved_rules() -> list[rule_edits.Rule]:
    return rule_edits.rule_rows(data.cached_query(attribution.read_channel_rules))


# How each match kind (stored key, ``attribution.MATCH_KINDS``) reads in the editor.
MATCH_LABELS = {"contains": N_("contains"), "word": N_("word"), "prefix": N_("prefix"), "exact": N_("exact"),
                "regex": N_("regex")}


def _rules_frame(rows: list[rule_edits.Rule]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def _match_shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The rules with their match kinds in the session's language (the editor draws cell values as they are)."""
    shown = frame.copy()
    shown["match"] = [_(MATCH_LABELS[k]) if k in MATCH_LABELS else k for k in shown["match"]]
    return shown


def _match_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """The edited rules with the match kinds back as stored keys (``contains``, ``word``…)."""
    keys = {_(label): key for key, label in MATCH_LABELS.items()}
    stored = frame.copy()
    stored["match"] = [keys.get(m, m) if isinstance(m, str) else m for m in stored["match"]]
    return stored


# --- callbacks ---------------------------------------------------------------------------------


def _save_rules() -> None:
    """Callback of ``Save rules``: save what the preview showed, unless the rules changed meanwhile.

    Session state is read before the save and written only through the outcome (``ui.forms``).
    """
    stash = drafts.pending(RULES)
    ws, actor = context.workspace(), context.actor()

    def change(changes: forms.SessionChanges) -> forms.Outcome | None:
        if stash is None:
            return None
        wanted = stash["value"]
        saved = _saved_rules()
        if wanted == saved:  # the second click of a double click (or the same edit saved elsewhere)
            return drafts.already_saved(changes, RULES, tuple(wanted), drafts.new_round(RULES, saved),
                                        _("These rules are already saved."))
        if drafts.is_stale(RULES, stash, saved):
            return forms.Outcome(RULES, "warning", _("Not saved: the channel rules changed since you started "
                                                     "editing. See what changed below, then re-apply your edits or "
                                                     "discard them."))
        return drafts.try_save(RULES, lambda: ws.save_channel_rules(_rules_frame(wanted), actor=actor),
                               ngettext("Channel rules saved ({count} rule).", "Channel rules saved ({count} rules).",
                                        len(wanted)).format(count=i18n.format_number(len(wanted))),
                               drafts.new_round(RULES, wanted),
                               tuple(wanted))

    forms.submit(RULES, change)


def _discard_rules() -> None:
    """Callback of ``Discard my edits``: back to the saved rules."""
    forms.clear(RULES)
    drafts.start(RULES, _saved_rules())


def _reapply_rules() -> None:
    """Callback of ``Re-apply my edits``: my changes on top of the rules saved now."""
    locale.ensure()
    stash = drafts.pending(RULES)
    forms.clear(RULES)
    saved = _saved_rules()
    state = drafts.state(RULES)
    if stash is None or state["base"] is None:
        drafts.start(RULES, saved)
        return
    merged = rule_edits.merge_rule_edits(state["base"], stash["value"], saved)
    drafts.start(RULES, saved, merged)
    forms.flash(RULES, "success", _("Your edits are re-applied on top of the rules saved now. Check the preview, "
                                    "then save."))


def _restore_rules() -> None:
    """Callback of ``Restore built-in rules``."""
    defaults = rule_edits.rule_rows(attribution.default_channel_rules())
    ws, actor = context.workspace(), context.actor()

    def change(changes: forms.SessionChanges) -> forms.Outcome:
        done = forms.recent(changes, RULES, "restore")
        if done and _saved_rules() == defaults:  # the second click of a double click
            return forms.Outcome(RULES, "success", done.text, state=drafts.new_round(RULES, defaults))
        return drafts.try_save(RULES, lambda: ws.save_channel_rules(attribution.default_channel_rules(), actor=actor),
                               _("Built-in channel rules restored."), drafts.new_round(RULES, defaults), "restore")

    forms.submit(RULES, change)


# --- drawing -----------------------------------------------------------------------------------


def _rule_change_table(removed: list[rule_edits.Rule], added: list[rule_edits.Rule]) -> pd.DataFrame:
    columns = [_("Change"), _("Pattern"), _("Match"), _("Channel")]
    rows = [(_("removed"), p, m, c) for p, m, c in removed]
    rows += [(_("added"), p, m, c) for p, m, c in added]
    return pd.DataFrame(rows, columns=columns)


def _rules_round(saved: list[rule_edits.Rule]) -> tuple[dict, bool]:
    """This run's draft state of the rules, and whether it conflicts with the rules saved now
    (see the module's docstring: follow the saved rules when nothing of the user's is lost)."""
    return drafts.this_round(RULES, saved, lambda state, mine: (mine["value"] if mine else state["draft"]) == saved)


def _rules_conflict(base: list[rule_edits.Rule], saved: list[rule_edits.Rule]) -> None:
    """What changed underneath the user's edits, with Re-apply and Discard."""
    removed, added = rule_edits.rule_changes(base, saved)
    st.warning(_("**The channel rules were changed and saved elsewhere while you were editing** (by someone "
                 "else, or in another tab). Your edits are still below, not saved. Here is what changed "
                 "underneath:"), icon=":material/sync_problem:")
    changed = _rule_change_table(removed, added)
    st.dataframe(direction.table(changed), hide_index=True, width="stretch", height=widgets.table_height(len(changed)))
    c1, c2, _spare = st.columns([2, 2, 3])
    c1.button(_("Re-apply my edits on top"), key="rules_reapply", type="primary", on_click=_reapply_rules,
              help=_("Your added, changed and removed rules applied to the rules saved now"))
    c2.button(_("Discard my edits"), key="rules_drop", on_click=_discard_rules)


def _rules_config() -> dict:
    return {
        "pattern": st.column_config.TextColumn(
            _("Pattern"), required=True, width="large",
            help=_("Text to look for: anywhere in the name (contains), as a whole word (word: “ig” finds "
                   "“IG / Reels” but not “Big sale”), at the start (prefix), the whole name (exact), or a "
                   "Python regular expression (regex)")),
        "match": st.column_config.SelectboxColumn(_("Match"), required=True, default=_(MATCH_LABELS["contains"]),
                                                  options=[_(MATCH_LABELS[k]) for k in attribution.MATCH_KINDS]),
        "channel": st.column_config.TextColumn(_("Channel"), required=True),
    }


def _rules_preview(edited: pd.DataFrame) -> None:
    """Which sources the edited rules would move to another channel."""
    preview = data.cached_query(attribution.preview_rules, edited)
    if preview.empty:
        st.info(_("Saving these rules changes no source's channel."), icon=":material/preview:")
        return
    st.markdown(ngettext("**Preview**: {count} source would change channel.",
                         "**Preview**: {count} sources would change channel.",
                         len(preview)).format(count=i18n.format_number(len(preview))))
    headers = {"source": _("Source"), "channel_now": _("Channel now"), "channel_after": _("Channel after saving")}
    st.dataframe(direction.table(preview[list(headers)].rename(columns=headers)), hide_index=True, width="stretch", height=widgets.table_height(len(preview)))


def rules_editor(read_only: bool) -> None:
    """The ordered channel rules as an editable table, the preview of its effect, and Save/Discard.

    ``read_only`` (a viewer, or ``RASL_READ_ONLY``) shows the rules without editing.
    """
    forms.deliver(RULES)  # an outcome whose run was stopped by a newer click
    saved = _saved_rules()
    state, conflict = _rules_round(saved)
    st.caption(_("Rules are tried top to bottom on each source name (case, spaces, tatweel and alef forms "
                 "ignored); the first match gives the channel. A label below wins over the rules. Changes apply "
                 "to history too."))
    if conflict:
        _rules_conflict(state["base"], saved)
    draft = _rules_frame(state["draft"])
    edited = _match_stored(st.data_editor(_match_shown(draft), key=drafts.editor_key(RULES), num_rows="dynamic",
                                          hide_index=True, width="stretch", column_config=_rules_config(),
                                          disabled=read_only, height=widgets.table_height(len(draft), extra_rows=1)))
    edited_rows = rule_edits.rule_rows(edited.reset_index(drop=True))
    try:  # compared and saved as they will be stored (trimmed, tidied), so a save is recognised
        valid = [(r.pattern, r.match, r.channel) for r in attribution.validate_rules(edited)]
        problem = None
    except ValueError as err:
        valid, problem = None, err
    drafts.stash(RULES, valid if valid is not None else edited_rows)
    unchanged = (valid if valid is not None else edited_rows) == saved
    if unchanged or read_only:
        forms.show(RULES, keep=True)
        return
    forms.show(RULES)
    if problem is not None:
        st.error(md_literal(problem), icon=":material/rule:")
        return
    _rules_preview(edited)
    if conflict:
        return
    cols = st.columns([1, 1, 4])
    cols[0].button(_("Save rules"), key="rules_save", type="primary", on_click=_save_rules)
    cols[1].button(_("Discard changes"), key="rules_discard", on_click=_discard_rules)


def reset_rules_button(read_only: bool) -> None:
    """Restore the built-in rules (after a preview of what moves)."""
    if read_only:
        return
    if data.cached_query(attribution.uses_previous_default_rules):
        st.info(_("These rules are the previous built-in set, never edited. The new built-in rules are keywords "
                  "you can read and edit, file click-to-WhatsApp ads as their own channel and no longer file "
                  "names such as “Nike x Adidas” under X. Restore the built-in rules to use them (you see "
                  "which sources move first)."), icon=":material/update:")
    with st.popover(_("Restore the built-in rules")):
        preview = data.cached_query(attribution.preview_rules, attribution.default_channel_rules())
        st.write(ngettext("{count} source would change channel.", "{count} sources would change channel.",
                          len(preview)).format(count=i18n.format_number(len(preview))))
        st.button(_("Restore built-in rules"), key="rules_restore", on_click=_restore_rules)
