"""Editors of the derived attribution: channel rules and per-source labels, with a preview.

Both write through the ``Workspace`` (one writer transaction each); every page sees the change at
once because the cache version changes. Editors are keyed with a counter that moves on after a
save, so the next run starts from the saved table instead of replaying the old edits on top of it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rasl_data import attribution
from rasl_data.store import CacheError

from . import context, data, widgets

NO_CAMPAIGN_WORD = "none"  # typed in the campaign override: this source has no campaign


def _editor_key(name: str) -> str:
    return f"{name}_{st.session_state.get(f'_{name}_gen', 0)}"


def _reset_editor(name: str) -> None:
    st.session_state[f"_{name}_gen"] = st.session_state.get(f"_{name}_gen", 0) + 1


def _flash(name: str, text: str) -> None:
    st.session_state[f"_{name}_saved"] = text


def _show_flash(name: str) -> None:
    text = st.session_state.pop(f"_{name}_saved", None)
    if text:
        st.success(text, icon=":material/check_circle:")


def rules_editor(read_only: bool) -> None:
    """The ordered channel rules as an editable table, the preview of its effect, and Save/Reset."""
    current = data.q(attribution.read_channel_rules)
    _show_flash("rules")
    st.caption("Rules are tried top to bottom on each source name (case, spaces, tatweel and alef forms "
               "ignored); the first match gives the channel. A label below wins over the rules. Changes apply "
               "to history too.")
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
    edited = st.data_editor(current[["pattern", "match", "channel"]], key=_editor_key("rules"), num_rows="dynamic",
                            hide_index=True, width="stretch", column_config=config, disabled=read_only,
                            height=widgets.table_height(len(current), extra_rows=1))
    edited = edited.reset_index(drop=True)
    unchanged = edited.fillna("").astype(str).equals(current[["pattern", "match", "channel"]].reset_index(drop=True)
                                                     .fillna("").astype(str))
    if unchanged:
        return
    try:
        attribution.validate_rules(edited)
        preview = data.q(attribution.preview_rules, edited)
    except ValueError as err:
        st.error(str(err), icon=":material/rule:")
        return
    if preview.empty:
        st.info("Saving these rules changes no source's channel.", icon=":material/preview:")
    else:
        st.markdown(f"**Preview**: {len(preview):,} source{'s' if len(preview) != 1 else ''} would change channel.")
        st.dataframe(preview.rename(columns={"source": "Source", "channel_now": "Channel now",
                                             "channel_after": "Channel after saving"})[
                         ["Source", "Channel now", "Channel after saving"]],
                     hide_index=True, width="stretch", height=widgets.table_height(len(preview)))
    if read_only:
        return
    cols = st.columns([1, 1, 4])
    if cols[0].button("Save rules", key="rules_save", type="primary"):
        try:
            context.workspace().save_channel_rules(edited, actor=context.actor())
        except ValueError as err:
            st.error(str(err), icon=":material/rule:")
            return
        except CacheError as err:
            st.error(err.title, icon=":material/database:")
            return
        _reset_editor("rules")
        _flash("rules", f"Channel rules saved ({len(edited)} rules).")
        st.rerun()
    if cols[1].button("Discard changes", key="rules_discard"):
        _reset_editor("rules")
        st.rerun()


def reset_rules_button(read_only: bool) -> None:
    """Restore the built-in rules (after a preview of what moves)."""
    if read_only:
        return
    if data.q(attribution.uses_previous_default_rules):
        st.info("These rules are the previous built-in set, never edited. The new built-in rules are keywords "
                "you can read and edit, file click-to-WhatsApp ads as their own channel and no longer file "
                "names such as “Nike x Adidas” under X. Restore the built-in rules to use them (you see "
                "which sources move first).", icon=":material/update:")
    with st.popover("Restore the built-in rules"):
        preview = data.q(attribution.preview_rules, attribution.default_channel_rules())
        st.write(f"{len(preview):,} source(s) would change channel.")
        if st.button("Restore built-in rules", key="rules_restore"):
            try:
                context.workspace().save_channel_rules(attribution.default_channel_rules(), actor=context.actor())
            except CacheError as err:
                st.error(err.title)
                return
            _reset_editor("rules")
            _flash("rules", "Built-in channel rules restored.")
            st.rerun()


def _label_frame() -> pd.DataFrame:
    attr = data.q(attribution.source_attribution)
    labels = data.q(attribution.read_source_labels)
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


def labels_editor(read_only: bool) -> None:
    """Per-source channel and campaign overrides as an editable table, with the list of changes."""
    frame = _label_frame()
    _show_flash("labels")
    if frame.empty:
        widgets.empty_state("No sources yet.")
        return
    st.caption("Leave an override empty to use the rules (channel) or the name (campaign). Type "
               f"“{NO_CAMPAIGN_WORD}” as campaign for a source that belongs to no campaign.")
    config = {
        "source_id": st.column_config.NumberColumn("Id", disabled=True, format="%d"),
        "source": st.column_config.TextColumn("Source", disabled=True, width="medium"),
        "channel": st.column_config.TextColumn("Channel now", disabled=True),
        "campaign": st.column_config.TextColumn("Campaign now", disabled=True),
        "channel_override": st.column_config.TextColumn("Channel override"),
        "campaign_override": st.column_config.TextColumn("Campaign override"),
    }
    edited = st.data_editor(frame, key=_editor_key("labels"), hide_index=True, width="stretch", column_config=config,
                            disabled=read_only or ["source_id", "source", "channel", "campaign"], num_rows="fixed",
                            placeholder="",
                            height=widgets.table_height(len(frame)))
    changes = []
    for before, after in zip(frame.itertuples(index=False), edited.itertuples(index=False)):
        b = (_clean(before.channel_override), _clean(before.campaign_override))
        a = (_clean(after.channel_override), _clean(after.campaign_override))
        if a != b:
            campaign = a[1]
            if campaign is not None and campaign.casefold() == NO_CAMPAIGN_WORD:
                campaign = ""
            changes.append((int(after.source_id), after.source, a[0], campaign))
    if not changes or read_only:
        return
    st.markdown(f"**Preview**: {len(changes)} source label{'s' if len(changes) != 1 else ''} will change.")
    st.dataframe(pd.DataFrame([
        {"Source": name, "Channel": ch or "from rules",
         "Campaign": "from name" if cp is None else (cp or "no campaign")}
        for _, name, ch, cp in changes]), hide_index=True, width="stretch", height=widgets.table_height(len(changes)))
    if st.button("Save labels", key="labels_save", type="primary"):
        try:
            context.workspace().save_source_labels([(sid, ch, cp) for sid, _, ch, cp in changes], actor=context.actor())
        except CacheError as err:
            st.error(err.title, icon=":material/database:")
            return
        _reset_editor("labels")
        _flash("labels", f"Saved {len(changes)} source label(s).")
        st.rerun()
