"""The spend and monthly targets editors of the Performance page: editable tables, a quick
one-month spend form and CSV/XLSX uploads.

Every change goes through a ``Workspace`` method with the session's actor (the role check and
the audit row live there). A refused table edit or upload keeps what was typed: the editor's
state is only reset after a successful save, and problems are listed in a table (names shown
literally, never as Markdown).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.access import AccessDeniedError
from rasl_data.analytics import spend as spend_mod
from rasl_data.analytics import targets as targets_mod
from rasl_data.cache.store import CacheError
from rasl_data.i18n import _, ngettext
from ui.errors import show_error

from . import context, data, direction, widgets
from .performance_views import literal, money_label

REFUSED = (spend_mod.SpendError, AccessDeniedError, CacheError)


def editor_key(name: str) -> str:
    """The widget key of editor ``name`` in its current round."""
    return f"{name}_{st.session_state.get(f'_{name}_gen', 0)}"


def reset_editor(name: str) -> None:
    """Start editor ``name`` again from the saved table (its edits are dropped)."""
    st.session_state[f"_{name}_gen"] = st.session_state.get(f"_{name}_gen", 0) + 1


def flash(name: str, text: str | None = None) -> None:
    """With ``text``: keep a success message of ``name`` for the next run; without: show it once."""
    if text is not None:
        st.session_state[f"_{name}_flash"] = text
        return
    shown = st.session_state.pop(f"_{name}_flash", None)
    if shown:
        st.success(shown, icon=":material/check_circle:")


def show_refusal(err: Exception) -> None:
    """A refused spend/targets change: the headline, then every problem by line in a table."""
    if isinstance(err, spend_mod.SpendError):
        st.error(err.title + " " + _("Nothing was saved; fix the lines below and try again."), icon=":material/block:")
        rows = []
        for p in err.problems:
            line, text = spend_mod.split_problem(p)
            rows.append((line, text))
        st.dataframe(direction.table(pd.DataFrame(rows, columns=[_("Line"), _("Problem")])), hide_index=True, width="stretch",
                     height=widgets.table_height(len(rows)))
        if err.unmatched:
            st.caption(_("Names that match no source, campaign or channel (fix the spelling, or map the source on "
                         "Campaigns & channels):"))
            st.dataframe(direction.table(pd.DataFrame({_("Not found"): err.unmatched})), hide_index=True, width="stretch",
                         height=widgets.table_height(len(err.unmatched)))
    elif isinstance(err, AccessDeniedError):
        show_error(err, icon=":material/lock:")
    elif isinstance(err, CacheError):
        show_error(err, icon=":material/database:")
    else:
        st.error(literal(str(err)), icon=":material/error:")


def _month_options(today: date, back: int = 12, ahead: int = 3) -> list[date]:
    months, m = [], today.replace(day=1)
    for _step in range(back):
        m = (m - pd.Timedelta(days=1)).replace(day=1)
    for _step in range(back + ahead + 1):
        months.append(m)
        m = (pd.Timestamp(m) + pd.offsets.MonthBegin(1)).date()
    return months


def _level_words() -> dict[str, str]:
    """Level → its word in the session's language (made in the run: a widget's ``format_func`` may be
    called outside it, where the run's language is not in effect)."""
    return {level: _(word) for level, word in spend_mod.LEVEL_WORDS.items()}


def _month_text(month: date) -> str:
    return i18n.format_date(month, "MMMM y")


def _rows_saved(n: int) -> str:
    return ngettext("Saved {count} spend row.", "Saved {count} spend rows.", n).format(count=i18n.format_number(n))


# --- spend ----------------------------------------------------------------------------------------


def spend_editor(names_by_level: dict[str, list[str]], today: date, can_edit: bool) -> None:
    """Saved spend as an editable table (Save replaces all saved spend with the table), a quick
    one-month form and a CSV/XLSX upload (add or replace). Viewers see the table read-only."""
    ws = context.workspace()
    saved = data.cached_query(spend_mod.read_spend)
    flash("spend")
    table = saved[spend_mod.COLUMNS].copy() if len(saved) else pd.DataFrame(columns=spend_mod.COLUMNS)
    table["start"] = pd.to_datetime(table["start"]).dt.date if len(table) else pd.Series([], dtype=object)
    table["end"] = pd.to_datetime(table["end"]).dt.date if len(table) else pd.Series([], dtype=object)
    all_names = sorted({n for v in names_by_level.values() for n in v}, key=str.casefold)
    config = {
        "start": st.column_config.DateColumn(_("Start"), format="YYYY-MM-DD", required=True),
        "end": st.column_config.DateColumn(_("End (included)"), format="YYYY-MM-DD", required=True),
        "level": st.column_config.SelectboxColumn(_("Level"), options=list(spend_mod.LEVELS), required=True,
                                                  default="source", format_func=_level_words().get),
        "name": st.column_config.SelectboxColumn(_("Name"), options=all_names, required=True, width="large",
                                                 help=_("A source, campaign or channel as the dashboard shows it")),
        "amount": st.column_config.NumberColumn(money_label(_("Amount")), min_value=0.0, format="%,.2f",
                                                required=True),
    }
    st.caption(_("One row per amount: it is spread evenly over its days (start and end included), so any date "
                 "range gets its share. Source spend also counts for its channel and campaign."))
    edited = st.data_editor(table, key=editor_key("spend"), num_rows="dynamic" if can_edit else "fixed",
                            hide_index=True, width="stretch", column_config=config, disabled=not can_edit,
                            height=widgets.table_height(len(table), extra_rows=2), placeholder="")
    if not can_edit:
        return
    changed = not edited.reset_index(drop=True).astype(str).equals(table.reset_index(drop=True).astype(str))
    c = st.columns([1, 1, 3])
    if c[0].button(_("Save spend table"), key="spend_save", type="primary", disabled=not changed,
                   help=_("Replaces all saved spend with this table, after checking every row")):
        try:
            out = ws.save_spend(edited, actor=context.actor(), replace=True, origin="table", first_line=1)
            flash("spend", _rows_saved(len(out)))
            reset_editor("spend")
            st.rerun()
        except REFUSED as err:
            show_refusal(err)
    if changed and c[1].button(_("Discard changes"), key="spend_discard"):
        reset_editor("spend")
        st.rerun()
    _month_form(names_by_level, today)
    _upload("spend", _("Upload spend (CSV or XLSX)"), ("start", "end", "level", "name", "amount"))


def _month_form(names_by_level: dict[str, list[str]], today: date) -> None:
    with st.expander(_("Add a month of spend"), icon=":material/calendar_month:"):
        with st.form("spend_month", border=False):
            c = st.columns([1, 1, 2, 1])
            months = _month_options(today)
            month = c[0].selectbox(_("Month"), months, index=months.index(today.replace(day=1)),
                                   format_func={m: _month_text(m) for m in months}.get, key="spm_month")
            level = c[1].selectbox(_("Level"), list(spend_mod.LEVELS), key="spm_level",
                                   format_func=_level_words().get)
            name = c[2].selectbox(_("Name"), sorted({n for v in names_by_level.values() for n in v}, key=str.casefold),
                                  key="spm_name", help=_("Must be a source/campaign/channel of the chosen level"))
            amount = c[3].number_input(money_label(_("Amount")), min_value=0.0, step=100.0, key="spm_amount")
            if st.form_submit_button(_("Add"), type="primary"):
                row = pd.DataFrame([{"start": month, "end": targets_mod.month_end(month), "level": level,
                                     "name": name, "amount": amount}])
                try:
                    context.workspace().save_spend(row, actor=context.actor(), replace=False, origin="month form",
                                                   first_line=1)
                    from .performance_views import fmt_money

                    flash("spend", _("Added {amount} for {month}.").format(amount=fmt_money(amount),
                                                                            month=_month_text(month)))
                    reset_editor("spend")
                    st.rerun()
                except REFUSED as err:
                    show_refusal(err)


def _upload(kind: str, label: str, columns: tuple[str, ...]) -> None:
    with st.expander(label, icon=":material/upload_file:"):
        # The file's column names are English in every language: shown as code.
        st.caption(_("Columns: {columns}. Dates YYYY-MM-DD; amounts plain numbers. The file is checked whole: "
                     "nothing is saved unless every line is right.").format(
                         columns=", ".join(f"`{c}`" for c in columns)))
        up = st.file_uploader(label, type=["csv", "xlsx"], key=f"{kind}_upload", label_visibility="collapsed")
        mode = "replace"
        if kind == "spend":
            modes = {"add": _("Add to the saved spend"), "replace": _("Replace all saved spend")}
            mode = st.radio(_("Saved spend"), ["add", "replace"], horizontal=True, key="spend_upload_mode",
                            format_func=modes.get)
        if up is not None and st.button(_("Import"), key=f"{kind}_import", type="primary"):
            _import(kind, up, mode)


def _import(kind: str, up, mode: str) -> None:
    ws = context.workspace()
    try:
        rows = spend_mod.read_table_file(up.getvalue(), up.name)
        if kind == "spend":
            out = ws.save_spend(rows, actor=context.actor(), replace=mode == "replace", origin=up.name)
            flash("spend", ngettext("Imported {count} spend row from the file.",
                                    "Imported {count} spend rows from the file.",
                                    len(out)).format(count=i18n.format_number(len(out))))
        else:
            out = ws.save_targets(rows, actor=context.actor(), origin=up.name)
            flash("targets", ngettext("Imported {count} monthly target from the file.",
                                      "Imported {count} monthly targets from the file.",
                                      len(out)).format(count=i18n.format_number(len(out))))
        reset_editor(kind)
        st.rerun()
    except REFUSED as err:
        show_refusal(err)


# --- targets --------------------------------------------------------------------------------------


def targets_editor(channels: list[str], today: date, can_edit: bool) -> None:
    """Saved monthly targets as an editable table (Save replaces them all) and an upload.

    The whole workspace's row holds ``targets.ALL_CHANNELS`` and shows it in the session's language."""
    ws = context.workspace()
    saved = data.cached_query(targets_mod.read_targets)
    flash("targets")
    # The whole workspace's row is shown in the session's language (the grid draws cell values as
    # they are) and saved as ``targets.ALL_CHANNELS``.
    all_channels = _(targets_mod.ALL_CHANNELS)
    table = saved.copy()
    table["month"] = [m.strftime("%Y-%m") for m in table["month"]]
    table["channel"] = [c or all_channels for c in table["channel"]]
    if table.empty:
        table = pd.DataFrame({"month": [today.strftime("%Y-%m")], "channel": [all_channels],
                              "new_contacts": [None], "customers": [None], "cost_per_lead": [None]})
    config = {
        "month": st.column_config.TextColumn(_("Month (YYYY-MM)"), required=True, validate=r"^\d{4}-\d{2}$"),
        "channel": st.column_config.SelectboxColumn(_("Channel"), options=[all_channels] + channels,
                                                    required=True, default=all_channels),
        "new_contacts": st.column_config.NumberColumn(_("New contacts target"), min_value=0, format="%,d"),
        "customers": st.column_config.NumberColumn(_("Customers target"), min_value=0, format="%,d"),
        "cost_per_lead": st.column_config.NumberColumn(money_label(_("Cost per lead target")), min_value=0.0,
                                                       format="%,.2f"),
    }
    edited = st.data_editor(table, key=editor_key("targets"), num_rows="dynamic" if can_edit else "fixed",
                            hide_index=True, width="stretch", column_config=config, disabled=not can_edit,
                            height=widgets.table_height(len(table), extra_rows=2), placeholder="")
    if not can_edit:
        return
    if st.button(_("Save targets"), key="targets_save", type="primary",
                 help=_("Replaces all saved targets with this table, after checking every row")):
        try:
            rows = edited.copy()
            rows["channel"] = [targets_mod.ALL_CHANNELS if c == all_channels else c for c in rows["channel"]]
            out = ws.save_targets(rows, actor=context.actor(), origin="table", first_line=1)
            flash("targets", ngettext("Saved {count} monthly target.", "Saved {count} monthly targets.",
                                      len(out)).format(count=i18n.format_number(len(out))))
            reset_editor("targets")
            st.rerun()
        except REFUSED as err:
            show_refusal(err)
    _upload("targets", _("Upload targets (CSV or XLSX)"), ("month", "channel", "new_contacts", "customers", "cost_per_lead"))
