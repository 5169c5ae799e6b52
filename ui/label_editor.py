"""The source-label editor: per-source channel and campaign overrides, with the list of changes.

A label wins over the channel rules (``ui.attribution_editors``). The editor keeps a draft like
the rules editor (``ui.editor_drafts``); Save runs in a callback under the session's change lock
(``ui.forms``) and writes through ``Workspace.save_source_labels`` (role check and audit row).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import attribution, rule_edits
from rasl_data.i18n import N_, _, ngettext

from . import context, data, direction, forms, locale, widgets
from . import editor_drafts as drafts

NO_CAMPAIGN_WORD = "none"  # typed in the campaign override: this source has no campaign
LABELS = "labels"
# What may differ in a source's row of the label table (its position in ``_label_rows``).
_CHANGED_PARTS = ((N_("name"), 1), (N_("channel now"), 2), (N_("campaign now"), 3), (N_("channel override"), 4),
                  (N_("campaign override"), 5))
LABEL_COLUMNS = ["source_id", "source", "channel", "campaign", "channel_override", "campaign_override"]


def _label_frame() -> pd.DataFrame:
    attr = data.cached_query(attribution.source_attribution)
    labels = data.cached_query(attribution.read_source_labels)
    df = attr.merge(labels.rename(columns={"channel": "channel_override", "campaign": "campaign_override"}),
                    on="source_id", how="left")
    df["campaign_override"] = [
        None if v is None or pd.isna(v) else (NO_CAMPAIGN_WORD if v == "" else v) for v in df["campaign_override"]
    ]
    df["channel_override"] = [None if v is None or pd.isna(v) else v for v in df["channel_override"]]
    return df[LABEL_COLUMNS]


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
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def _as_saved(value: tuple | None) -> tuple:
    """An override as stored (``attribution.save_source_label``): names tidied, the campaign word
    ``none`` is the empty campaign."""
    ch, cp = value or (None, None)
    ch = attribution.tidy_name(ch) or None if ch is not None else None
    if cp is not None:
        cp = "" if cp.casefold() == NO_CAMPAIGN_WORD else attribution.tidy_name(cp)
    return ch, cp


# --- callbacks ---------------------------------------------------------------------------------


def _save_labels() -> None:
    """Callback of ``Save labels``: save the listed changes unless the labels changed meanwhile."""
    stash = drafts.pending(LABELS)
    ws, actor = context.workspace(), context.actor()

    def change(changes: forms.SessionChanges) -> forms.Outcome | None:
        if stash is None:
            return None
        wanted = stash["value"]  # [(source_id, channel, campaign)] as to be stored
        saved_rows = _label_rows(_label_frame())
        saved = {sid: _as_saved(v) for sid, v in _overrides(saved_rows).items()}
        if wanted and all(saved.get(sid) == (ch, cp) for sid, ch, cp in wanted):
            # the second click of a double click (or the same edit saved elsewhere)
            return drafts.already_saved(changes, LABELS, tuple(wanted), drafts.new_round(LABELS, None),
                                        _("These labels are already saved."))
        if drafts.is_stale(LABELS, stash, saved_rows):
            return forms.Outcome(LABELS, "warning", _("Not saved: the sources, rules or labels changed since you "
                                                      "started editing. See what changed below, then re-apply your "
                                                      "edits or discard them."))
        # The next run starts from the saved table.
        return drafts.try_save(LABELS, lambda: ws.save_source_labels(wanted, actor=actor),
                               ngettext("Saved {count} source label.", "Saved {count} source labels.",
                                        len(wanted)).format(count=i18n.format_number(len(wanted))),
                               drafts.new_round(LABELS, None), tuple(wanted))

    forms.submit(LABELS, change)


def _discard_labels() -> None:
    forms.clear(LABELS)
    drafts.start(LABELS, None)


def _reapply_labels() -> None:
    locale.ensure()
    stash = drafts.pending(LABELS)
    forms.clear(LABELS)
    state = drafts.state(LABELS)
    saved_rows = _label_rows(_label_frame())
    if stash is None or state["base"] is None:
        drafts.start(LABELS, saved_rows)
        return
    mine = dict(_overrides(state["base"]))
    for sid, ch, cp in stash["edited"]:
        mine[sid] = (ch, cp)
    merged = rule_edits.merge_label_edits(_overrides(state["base"]), mine, _overrides(saved_rows))
    draft = [r[:4] + merged.get(r[0], (None, None)) for r in saved_rows]
    drafts.start(LABELS, saved_rows, draft)
    forms.flash(LABELS, "success", _("Your label edits are re-applied on top of the table saved now. Check the "
                                     "list, then save."))


# --- drawing -----------------------------------------------------------------------------------


def _label_change_table(before: list[tuple], after: list[tuple]) -> pd.DataFrame:
    old = {r[0]: r for r in before}
    new = {r[0]: r for r in after}
    rows = []
    for sid in sorted(set(old) | set(new)):
        a, b = old.get(sid), new.get(sid)
        if a == b:
            continue
        what = _("source added") if a is None else _("source deleted") if b is None else ("، " if i18n.is_rtl() else ", ").join(
            _(label) for label, i in _CHANGED_PARTS if a[i] != b[i])
        rows.append(((b or a)[1], what, b[2] if b else "", (b[4] or "") if b else "", (b[5] or "") if b else ""))
    return pd.DataFrame(rows, columns=[_("Source"), _("What changed"), _("Channel now"), _("Channel override"),
                                       _("Campaign override")])


def _labels_round(saved_rows: list[tuple]) -> tuple[dict, bool]:
    """This run's draft state of the labels, and whether it conflicts with the table saved now."""
    saved = _overrides(saved_rows)

    def already_saved(state: dict, mine: dict | None) -> bool:
        edited = mine.get("edited", []) if mine else []
        return bool(edited) and all(_as_saved(saved.get(sid)) == _as_saved((ch, cp)) for sid, ch, cp in edited)

    return drafts.this_round(LABELS, saved_rows, already_saved)


def _labels_conflict(base: list[tuple], saved_rows: list[tuple]) -> None:
    """What changed underneath the user's edits, with Re-apply and Discard."""
    st.warning(_("**The sources, channel rules or labels changed while you were editing** (saved by someone "
                 "else, or by a sync). Your edits are still below, not saved. Here is what changed underneath:"),
               icon=":material/sync_problem:")
    changed = _label_change_table(base, saved_rows)
    st.dataframe(direction.table(changed), hide_index=True, width="stretch", height=widgets.table_height(len(changed)))
    c1, c2, _spare = st.columns([2, 2, 3])
    c1.button(_("Re-apply my edits on top"), key="labels_reapply", type="primary", on_click=_reapply_labels)
    c2.button(_("Discard my edits"), key="labels_drop", on_click=_discard_labels)


def _labels_config() -> dict:
    return {
        "source_id": st.column_config.NumberColumn(_("Id"), disabled=True, format="%d"),
        "source": st.column_config.TextColumn(_("Source"), disabled=True, width="medium"),
        "channel": st.column_config.TextColumn(_("Channel now"), disabled=True),
        "campaign": st.column_config.TextColumn(_("Campaign now"), disabled=True),
        "channel_override": st.column_config.TextColumn(_("Channel override")),
        "campaign_override": st.column_config.TextColumn(_("Campaign override")),
    }


def _label_changes(edited: pd.DataFrame, base_rows: list[tuple], saved_rows: list[tuple]):
    """From the edited table: ``(edited, changes, shown)``: the rows differing from the draft's base
    ``(id, channel, campaign)`` as typed, those differing from the table saved now as they will be
    stored, and the latter as ``(source name, channel, campaign)`` for the preview."""
    base = _overrides(base_rows)
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
    return edited_list, changes, shown


def labels_editor(read_only: bool) -> None:
    """Per-source channel and campaign overrides as an editable table, with the list of changes."""
    forms.deliver(LABELS)
    saved_rows = _label_rows(_label_frame())
    state, conflict = _labels_round(saved_rows)
    if not saved_rows:
        forms.show(LABELS)
        widgets.empty_state(_("No sources yet."))
        return
    st.caption(_("Leave an override empty to use the rules (channel) or the name (campaign). Type “{word}” as "
                 "campaign for a source that belongs to no campaign.").format(word=NO_CAMPAIGN_WORD))
    if conflict:
        _labels_conflict(state["base"], saved_rows)
    frame = _label_frame_of(state["draft"])
    # "Channel now"/"Campaign now" are read-only: their fixed names (No campaign, Unattributed) are
    # shown translated and the stored values put back before the edits are read.
    shown_frame = frame.copy()
    for column in ("channel", "campaign"):
        shown_frame[column] = [widgets.shown_name(v) if isinstance(v, str) else v for v in frame[column]]
    edited = st.data_editor(shown_frame, key=drafts.editor_key(LABELS), hide_index=True, width="stretch",
                            column_config=_labels_config(),
                            disabled=read_only or ["source_id", "source", "channel", "campaign"], num_rows="fixed",
                            placeholder="", height=widgets.table_height(len(frame)))
    edited = edited.assign(channel=frame["channel"].to_numpy(), campaign=frame["campaign"].to_numpy())
    edited_list, changes, shown = _label_changes(edited, state["base"], saved_rows)
    drafts.stash(LABELS, changes, edited=edited_list)
    if not changes or read_only:
        forms.show(LABELS, keep=True)
        return
    forms.show(LABELS)
    st.markdown(ngettext("**Preview**: {count} source label will change.",
                         "**Preview**: {count} source labels will change.",
                         len(changes)).format(count=i18n.format_number(len(changes))))
    st.dataframe(direction.table(pd.DataFrame([
        (name, ch or _("from rules"), _("from name") if cp is None else (cp or _("no campaign")))
        for name, ch, cp in shown], columns=[_("Source"), _("Channel"), _("Campaign")])),
        hide_index=True, width="stretch", height=widgets.table_height(len(shown)))
    if conflict:
        return
    cols = st.columns([1, 1, 4])
    cols[0].button(_("Save labels"), key="labels_save", type="primary", on_click=_save_labels)
    cols[1].button(_("Discard changes"), key="labels_discard", on_click=_discard_labels)
