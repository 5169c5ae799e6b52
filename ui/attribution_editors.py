"""Editors of the derived attribution: channel rules and per-source labels, with a preview.

Both write through the ``Workspace`` (one writer transaction each, role check and audit row);
every page sees the change at once because the cache version changes.

Each editor works on a *draft* that stays fixed while the user edits it, together with the
*base*: the saved table the draft was made from. Streamlit's editor keeps only the cell edits
(row positions), so giving it a table that changed underneath would drop or misplace them.
Each run compares the base with the table saved now:

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

from rasl_data.analytics import attribution, rule_edits
from rasl_data.cache.store import CacheError
from rasl_data.errors import RaslError
from rasl_data.text import md_literal

from . import context, data, forms, widgets

NO_CAMPAIGN_WORD = "none"  # typed in the campaign override: this source has no campaign
RULE_COLUMNS = ["pattern", "match", "channel"]
RULES, LABELS = "rules", "labels"


# --- draft state per editor ----------------------------------------------------------------------


def _state(name: str) -> dict:
    """``{"gen", "base", "draft"}`` of editor ``name`` (``draft`` is what the editor is given)."""
    return st.session_state.setdefault(f"_{name}_edit", {"gen": 0, "base": None, "draft": None})


def _editor_key(name: str) -> str:
    return f"{name}_{_state(name)['gen']}"


def _round(name: str, base, draft=None) -> dict:
    """The session-state values of a new editing round of ``name`` on the saved ``base`` (a new
    editor key, so the editor's edits are dropped); ``draft`` is what the editor starts from."""
    return {f"_{name}_edit": {"gen": _state(name)["gen"] + 1, "base": base,
                              "draft": base if draft is None else draft}}


def _start(name: str, base, draft=None) -> None:
    """Start a new editing round of ``name`` now (see ``_round``)."""
    st.session_state.update(_round(name, base, draft))


def _has_cell_edits(name: str) -> bool:
    delta = st.session_state.get(_editor_key(name)) or {}
    return isinstance(delta, dict) and any(delta.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))


def _stash(name: str, pending) -> None:
    """Remember what the Save button drawn in this run would save (its callback runs next run)."""
    st.session_state[f"_{name}_pending"] = {"gen": _state(name)["gen"], "value": pending}


def _pending(name: str):
    stash = st.session_state.get(f"_{name}_pending")
    return None if not stash else stash


def _refusal(form: str, err: Exception) -> forms.Outcome:
    if isinstance(err, RaslError):
        text = forms.error_text(err, "change the attribution")
    elif isinstance(err, CacheError):
        text = md_literal(err.title)
    else:  # ValueError naming the bad rule
        text = md_literal(err)
    return forms.Outcome(form, "error", text)


# --- channel rules ---------------------------------------------------------------------------


def _saved_rules() -> list[rule_edits.Rule]:
    return rule_edits.rule_rows(data.cached_query(attribution.read_channel_rules))


def _rules_frame(rows: list[rule_edits.Rule]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RULE_COLUMNS)


def _save_rules() -> None:
    """Callback of ``Save rules``: save what the preview showed, unless the rules changed meanwhile.

    Session state is read before the save and written only through the outcome (``ui.forms``).
    """
    stash = _pending(RULES)
    ws, actor = context.workspace(), context.actor()
    forms.clear(RULES)
    with forms.one_change_at_a_time() as changes:
        if changes is None:
            forms.flash(RULES, "error", forms.BUSY_TEXT)
            return
        if stash is None:
            return
        wanted = stash["value"]
        saved = _saved_rules()
        if wanted == saved:  # the second click of a double click (or the same edit saved elsewhere)
            done = forms.recent(changes, RULES, tuple(wanted))
            forms.finish(changes, forms.Outcome(RULES, "success", done.text if done else "These rules are already saved.",
                                                state=_round(RULES, saved)))
            return
        state = _state(RULES)
        if stash["gen"] != state["gen"] or state["base"] != saved:
            forms.flash(RULES, "warning", "Not saved: the channel rules changed since you started editing. "
                                          "See what changed below, then re-apply your edits or discard them.")
            return
        next_round = _round(RULES, wanted)
        try:
            ws.save_channel_rules(_rules_frame(wanted), actor=actor)
        except (RaslError, CacheError, ValueError) as err:
            forms.finish(changes, _refusal(RULES, err))
            return
        forms.finish(changes, forms.Outcome(RULES, "success", f"Channel rules saved ({len(wanted)} rules).",
                                            state=next_round, key=tuple(wanted)))


def _discard_rules() -> None:
    """Callback of ``Discard my edits``: back to the saved rules."""
    forms.clear(RULES)
    _start(RULES, _saved_rules())


def _reapply_rules() -> None:
    """Callback of ``Re-apply my edits``: my changes on top of the rules saved now."""
    stash = _pending(RULES)
    forms.clear(RULES)
    saved = _saved_rules()
    state = _state(RULES)
    if stash is None or state["base"] is None:
        _start(RULES, saved)
        return
    merged = rule_edits.merge_rule_edits(state["base"], stash["value"], saved)
    _start(RULES, saved, merged)
    forms.flash(RULES, "success", "Your edits are re-applied on top of the rules saved now. Check the preview, "
                                  "then save.")


def _restore_rules() -> None:
    """Callback of ``Restore built-in rules``."""
    defaults = rule_edits.rule_rows(attribution.default_channel_rules())
    ws, actor = context.workspace(), context.actor()
    forms.clear(RULES)
    with forms.one_change_at_a_time() as changes:
        if changes is None:
            forms.flash(RULES, "error", forms.BUSY_TEXT)
            return
        done = forms.recent(changes, RULES, "restore")
        if done and _saved_rules() == defaults:  # the second click of a double click
            forms.finish(changes, forms.Outcome(RULES, "success", done.text, state=_round(RULES, defaults)))
            return
        next_round = _round(RULES, defaults)
        try:
            ws.save_channel_rules(attribution.default_channel_rules(), actor=actor)
        except (RaslError, CacheError, ValueError) as err:
            forms.finish(changes, _refusal(RULES, err))
            return
        forms.finish(changes, forms.Outcome(RULES, "success", "Built-in channel rules restored.", state=next_round,
                                            key="restore"))


def _rule_change_table(removed: list[rule_edits.Rule], added: list[rule_edits.Rule]) -> pd.DataFrame:
    rows = [{"Change": "removed", "Pattern": p, "Match": m, "Channel": c} for p, m, c in removed]
    rows += [{"Change": "added", "Pattern": p, "Match": m, "Channel": c} for p, m, c in added]
    return pd.DataFrame(rows, columns=["Change", "Pattern", "Match", "Channel"])


def rules_editor(read_only: bool) -> None:
    """The ordered channel rules as an editable table, the preview of its effect, and Save/Discard.

    ``read_only`` (a viewer, or ``RASL_READ_ONLY``) shows the rules without editing.
    """
    forms.deliver(RULES)  # an outcome whose run was stopped by a newer click
    saved = _saved_rules()
    state = _state(RULES)
    if state["base"] is None:
        _start(RULES, saved)
        state = _state(RULES)
    conflict = False
    if state["base"] != saved:
        mine = _pending(RULES)
        edited_now = mine["value"] if mine and mine["gen"] == state["gen"] else state["draft"]
        if not (_has_cell_edits(RULES) or state["draft"] != state["base"]) or edited_now == saved:
            _start(RULES, saved)  # nothing of mine to keep: follow the saved rules
            state = _state(RULES)
        else:
            conflict = True

    st.caption("Rules are tried top to bottom on each source name (case, spaces, tatweel and alef forms "
               "ignored); the first match gives the channel. A label below wins over the rules. Changes apply "
               "to history too.")
    if conflict:
        removed, added = rule_edits.rule_changes(state["base"], saved)
        st.warning("**The channel rules were changed and saved elsewhere while you were editing** (by someone "
                   "else, or in another tab). Your edits are still below, not saved. Here is what changed "
                   "underneath:", icon=":material/sync_problem:")
        changed = _rule_change_table(removed, added)
        st.dataframe(changed, hide_index=True, width="stretch", height=widgets.table_height(len(changed)))
        c1, c2, _ = st.columns([2, 2, 3])
        c1.button("Re-apply my edits on top", key="rules_reapply", type="primary", on_click=_reapply_rules,
                  help="Your added, changed and removed rules applied to the rules saved now")
        c2.button("Discard my edits", key="rules_drop", on_click=_discard_rules)
    config = {
        "pattern": st.column_config.TextColumn(
            "Pattern", required=True, width="large",
            help="Text to look for: anywhere in the name (contains), as a whole word (word: “ig” finds "
                 "“IG / Reels” but not “Big sale”), at the start (prefix), the whole name (exact), or a "
                 "Python regular expression (regex)"),
        "match": st.column_config.SelectboxColumn("Match", options=list(attribution.MATCH_KINDS), required=True,
                                                  default="contains"),
        "channel": st.column_config.TextColumn("Channel", required=True),
    }
    draft = _rules_frame(state["draft"])
    edited = st.data_editor(draft, key=_editor_key(RULES), num_rows="dynamic", hide_index=True, width="stretch",
                            column_config=config, disabled=read_only, height=widgets.table_height(len(draft), extra_rows=1))
    edited_rows = rule_edits.rule_rows(edited.reset_index(drop=True))
    try:  # compared and saved as they will be stored (trimmed, tidied), so a save is recognised
        valid = [(r.pattern, r.match, r.channel) for r in attribution.validate_rules(edited)]
        problem = None
    except ValueError as err:
        valid, problem = None, err
    _stash(RULES, valid if valid is not None else edited_rows)
    unchanged = (valid if valid is not None else edited_rows) == saved
    if unchanged or read_only:
        forms.show(RULES, keep=True)
        return
    forms.show(RULES)
    if problem is not None:
        st.error(md_literal(problem), icon=":material/rule:")
        return
    preview = data.cached_query(attribution.preview_rules, edited)
    if preview.empty:
        st.info("Saving these rules changes no source's channel.", icon=":material/preview:")
    else:
        st.markdown(f"**Preview**: {len(preview):,} source{'s' if len(preview) != 1 else ''} would change channel.")
        st.dataframe(preview.rename(columns={"source": "Source", "channel_now": "Channel now",
                                             "channel_after": "Channel after saving"})[
                         ["Source", "Channel now", "Channel after saving"]],
                     hide_index=True, width="stretch", height=widgets.table_height(len(preview)))
    if conflict:
        return
    cols = st.columns([1, 1, 4])
    cols[0].button("Save rules", key="rules_save", type="primary", on_click=_save_rules)
    cols[1].button("Discard changes", key="rules_discard", on_click=_discard_rules)


def reset_rules_button(read_only: bool) -> None:
    """Restore the built-in rules (after a preview of what moves)."""
    if read_only:
        return
    if data.cached_query(attribution.uses_previous_default_rules):
        st.info("These rules are the previous built-in set, never edited. The new built-in rules are keywords "
                "you can read and edit, file click-to-WhatsApp ads as their own channel and no longer file "
                "names such as “Nike x Adidas” under X. Restore the built-in rules to use them (you see "
                "which sources move first).", icon=":material/update:")
    with st.popover("Restore the built-in rules"):
        preview = data.cached_query(attribution.preview_rules, attribution.default_channel_rules())
        st.write(f"{len(preview):,} source(s) would change channel.")
        st.button("Restore built-in rules", key="rules_restore", on_click=_restore_rules)


# --- source labels ---------------------------------------------------------------------------------


def _label_frame() -> pd.DataFrame:
    attr = data.cached_query(attribution.source_attribution)
    labels = data.cached_query(attribution.read_source_labels)
    df = attr.merge(labels.rename(columns={"channel": "channel_override", "campaign": "campaign_override"}),
                    on="source_id", how="left")
    df["campaign_override"] = [
        None if v is None or pd.isna(v) else (NO_CAMPAIGN_WORD if v == "" else v) for v in df["campaign_override"]
    ]
    df["channel_override"] = [None if v is None or pd.isna(v) else v for v in df["channel_override"]]
    return df[["source_id", "source", "channel", "campaign", "channel_override", "campaign_override"]]


def _clean(v) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    text = str(v).strip()
    return text or None


def _label_rows(frame: pd.DataFrame) -> list[tuple]:
    """The label table as comparable rows: ``(id, source, channel now, campaign now, channel
    override, campaign override)``."""
    return [(int(r.source_id), str(r.source), str(r.channel), str(r.campaign), _clean(r.channel_override),
             _clean(r.campaign_override)) for r in frame.itertuples(index=False)]


def _overrides(rows: list[tuple]) -> dict[int, tuple]:
    return {r[0]: (r[4], r[5]) for r in rows}


def _label_frame_of(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["source_id", "source", "channel", "campaign", "channel_override",
                                       "campaign_override"])


def _as_saved(value: tuple | None) -> tuple:
    """An override as stored (``attribution.save_source_label``): names tidied, the campaign word
    ``none`` is the empty campaign."""
    ch, cp = value or (None, None)
    ch = attribution.tidy_name(ch) or None if ch is not None else None
    if cp is not None:
        cp = "" if cp.casefold() == NO_CAMPAIGN_WORD else attribution.tidy_name(cp)
    return ch, cp


def _save_labels() -> None:
    """Callback of ``Save labels``: save the listed changes unless the labels changed meanwhile."""
    stash = _pending(LABELS)
    ws, actor = context.workspace(), context.actor()
    forms.clear(LABELS)
    with forms.one_change_at_a_time() as changes:
        if changes is None:
            forms.flash(LABELS, "error", forms.BUSY_TEXT)
            return
        if stash is None:
            return
        wanted = stash["value"]  # [(source_id, channel, campaign)] as to be stored
        saved_rows = _label_rows(_label_frame())
        saved = {sid: _as_saved(v) for sid, v in _overrides(saved_rows).items()}
        if wanted and all(saved.get(sid) == (ch, cp) for sid, ch, cp in wanted):
            done = forms.recent(changes, LABELS, tuple(wanted))  # the second click of a double click
            forms.finish(changes, forms.Outcome(LABELS, "success", done.text if done else "These labels are already "
                                                "saved.", state=_round(LABELS, None)))
            return
        state = _state(LABELS)
        if stash["gen"] != state["gen"] or state["base"] != saved_rows:
            forms.flash(LABELS, "warning", "Not saved: the sources, rules or labels changed since you started "
                                           "editing. See what changed below, then re-apply your edits or discard them.")
            return
        next_round = _round(LABELS, None)  # the next run starts from the saved table
        try:
            ws.save_source_labels(wanted, actor=actor)
        except (RaslError, CacheError, ValueError) as err:
            forms.finish(changes, _refusal(LABELS, err))
            return
        forms.finish(changes, forms.Outcome(
            LABELS, "success", f"Saved {len(wanted)} source label{'s' if len(wanted) != 1 else ''}.",
            state=next_round, key=tuple(wanted)))


def _discard_labels() -> None:
    forms.clear(LABELS)
    _start(LABELS, None)


def _reapply_labels() -> None:
    stash = _pending(LABELS)
    forms.clear(LABELS)
    state = _state(LABELS)
    saved_rows = _label_rows(_label_frame())
    if stash is None or state["base"] is None:
        _start(LABELS, saved_rows)
        return
    mine = dict(_overrides(state["base"]))
    for sid, ch, cp in stash["edited"]:
        mine[sid] = (ch, cp)
    merged = rule_edits.merge_label_edits(_overrides(state["base"]), mine, _overrides(saved_rows))
    draft = [r[:4] + merged.get(r[0], (None, None)) for r in saved_rows]
    _start(LABELS, saved_rows, draft)
    forms.flash(LABELS, "success", "Your label edits are re-applied on top of the table saved now. Check the list, "
                                   "then save.")


def _label_change_table(before: list[tuple], after: list[tuple]) -> pd.DataFrame:
    old = {r[0]: r for r in before}
    new = {r[0]: r for r in after}
    rows = []
    for sid in sorted(set(old) | set(new)):
        a, b = old.get(sid), new.get(sid)
        if a == b:
            continue
        what = "source added" if a is None else "source deleted" if b is None else ", ".join(
            label for label, i in (("name", 1), ("channel now", 2), ("campaign now", 3), ("channel override", 4),
                                   ("campaign override", 5)) if a[i] != b[i])
        rows.append({"Source": (b or a)[1], "What changed": what,
                     "Channel now": b[2] if b else "", "Channel override": (b[4] or "") if b else "",
                     "Campaign override": (b[5] or "") if b else ""})
    return pd.DataFrame(rows, columns=["Source", "What changed", "Channel now", "Channel override",
                                       "Campaign override"])


def labels_editor(read_only: bool) -> None:
    """Per-source channel and campaign overrides as an editable table, with the list of changes."""
    forms.deliver(LABELS)
    saved_rows = _label_rows(_label_frame())
    state = _state(LABELS)
    if state["base"] is None:
        _start(LABELS, saved_rows)
        state = _state(LABELS)
    conflict = False
    if state["base"] != saved_rows:
        stash = _pending(LABELS)
        mine = stash.get("edited", []) if stash and stash["gen"] == state["gen"] else []
        saved = _overrides(saved_rows)
        already = bool(mine) and all(_as_saved(saved.get(sid)) == _as_saved((ch, cp)) for sid, ch, cp in mine)
        if not (_has_cell_edits(LABELS) or state["draft"] != state["base"]) or already:
            _start(LABELS, saved_rows)
            state = _state(LABELS)
        else:
            conflict = True
    if not saved_rows:
        forms.show(LABELS)
        widgets.empty_state("No sources yet.")
        return
    st.caption("Leave an override empty to use the rules (channel) or the name (campaign). Type "
               f"“{NO_CAMPAIGN_WORD}” as campaign for a source that belongs to no campaign.")
    if conflict:
        st.warning("**The sources, channel rules or labels changed while you were editing** (saved by someone "
                   "else, or by a sync). Your edits are still below, not saved. Here is what changed underneath:",
                   icon=":material/sync_problem:")
        changed = _label_change_table(state["base"], saved_rows)
        st.dataframe(changed, hide_index=True, width="stretch", height=widgets.table_height(len(changed)))
        c1, c2, _ = st.columns([2, 2, 3])
        c1.button("Re-apply my edits on top", key="labels_reapply", type="primary", on_click=_reapply_labels)
        c2.button("Discard my edits", key="labels_drop", on_click=_discard_labels)
    config = {
        "source_id": st.column_config.NumberColumn("Id", disabled=True, format="%d"),
        "source": st.column_config.TextColumn("Source", disabled=True, width="medium"),
        "channel": st.column_config.TextColumn("Channel now", disabled=True),
        "campaign": st.column_config.TextColumn("Campaign now", disabled=True),
        "channel_override": st.column_config.TextColumn("Channel override"),
        "campaign_override": st.column_config.TextColumn("Campaign override"),
    }
    frame = _label_frame_of(state["draft"])
    edited = st.data_editor(frame, key=_editor_key(LABELS), hide_index=True, width="stretch", column_config=config,
                            disabled=read_only or ["source_id", "source", "channel", "campaign"], num_rows="fixed",
                            placeholder="", height=widgets.table_height(len(frame)))
    base = _overrides(state["base"])
    saved = _overrides(saved_rows)
    edited_list, changes, shown = [], [], []
    for row in _label_rows(edited):
        sid, value = row[0], (row[4], row[5])
        if value != base.get(sid):
            edited_list.append((sid, *value))
        if _as_saved(value) != _as_saved(saved.get(sid)):
            ch, cp = _as_saved(value)
            changes.append((sid, ch, cp))
            shown.append((row[1], ch, cp))
    st.session_state[f"_{LABELS}_pending"] = {"gen": state["gen"], "value": changes, "edited": edited_list}
    if not changes or read_only:
        forms.show(LABELS, keep=True)
        return
    forms.show(LABELS)
    st.markdown(f"**Preview**: {len(changes)} source label{'s' if len(changes) != 1 else ''} will change.")
    st.dataframe(pd.DataFrame([
        {"Source": name, "Channel": ch or "from rules",
         "Campaign": "from name" if cp is None else (cp or "no campaign")}
        for name, ch, cp in shown]), hide_index=True, width="stretch", height=widgets.table_height(len(shown)))
    if conflict:
        return
    cols = st.columns([1, 1, 4])
    cols[0].button("Save labels", key="labels_save", type="primary", on_click=_save_labels)
    cols[1].button("Discard changes", key="labels_discard", on_click=_discard_labels)
