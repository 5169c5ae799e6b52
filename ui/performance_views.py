"""Rendering helpers of spend, performance, funnel and targets (Performance page, Overview,
Weekly review, Settings).

Every number comes from ``rasl_data`` through ``ui.data.q``; every change goes through a
``Workspace`` method with the session's actor (the role check and the audit row live there).
A refused table edit or upload keeps what was typed: the editor's state is only reset after a
successful save, and problems are listed in a table (names shown literally, never as Markdown).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rasl_data.access import AccessDeniedError
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics import funnel as funnel_mod
from rasl_data.analytics import spend as spend_mod
from rasl_data.analytics import targets as targets_mod
from rasl_data.cache.store import CacheError
from ui.errors import show_error

from . import charts, context, data, widgets

METRIC_LABELS = {
    "new_contacts": "New contacts", "customers": "Customers", "conversion_rate": "Conversion rate",
    "spend": "Spend", "cost_per_lead": "Cost per lead", "cost_per_customer": "Cost per customer",
}


def literal(text: str) -> str:
    """User text safe inside Markdown (``rasl_data.text.md_literal``)."""
    from rasl_data.text import md_literal

    return md_literal(text)


def currency() -> str:
    """The workspace currency (``RASL_CURRENCY``), possibly empty."""
    return context.settings().currency


def money_label(label: str) -> str:
    """``Spend (SAR)`` or ``Spend`` without a currency."""
    cur = currency()
    return f"{label} ({cur})" if cur else label


def fmt_money(x) -> str:
    """``1,234.50`` (+ currency); ``–`` when undefined."""
    if x is None or pd.isna(x):
        return widgets.MISSING
    return f"{x:,.2f} {currency()}".strip()


def _editor_key(name: str) -> str:
    return f"{name}_{st.session_state.get(f'_{name}_gen', 0)}"


def _reset_editor(name: str) -> None:
    st.session_state[f"_{name}_gen"] = st.session_state.get(f"_{name}_gen", 0) + 1


def _flash(name: str, text: str | None = None) -> None:
    if text is not None:
        st.session_state[f"_{name}_flash"] = text
        return
    shown = st.session_state.pop(f"_{name}_flash", None)
    if shown:
        st.success(shown, icon=":material/check_circle:")


def show_refusal(err: Exception) -> None:
    """A refused spend/targets change: the headline, then every problem by line in a table."""
    if isinstance(err, spend_mod.SpendError):
        st.error(err.title + " Nothing was saved; fix the lines below and try again.", icon=":material/block:")
        rows = []
        for p in err.problems:
            head, _sep, rest = p.partition(": ")
            line = head.split()[1] if head.startswith("line ") else ""
            rows.append({"Line": line, "Problem": rest if line else p})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height=widgets.table_height(len(rows)))
        if err.unmatched:
            st.caption("Names that match no source, campaign or channel (fix the spelling, or map the source on "
                       "Campaigns & channels):")
            st.dataframe(pd.DataFrame({"Not found": err.unmatched}), hide_index=True, width="stretch",
                         height=widgets.table_height(len(err.unmatched)))
    elif isinstance(err, AccessDeniedError):
        show_error(err, icon=":material/lock:")
    elif isinstance(err, CacheError):
        show_error(err, icon=":material/database:")
    else:
        st.error(literal(str(err)), icon=":material/error:")


# --- performance table ----------------------------------------------------------------------------


def performance_display(df: pd.DataFrame, by: str, compare: bool) -> tuple[pd.DataFrame, dict]:
    """The performance frame as shown: readable headers, money with the currency, rates in %."""
    name = by.capitalize()
    cols = {by: name}
    metrics = ("new_contacts", "customers", "conversion_rate", "spend", "cost_per_lead", "cost_per_customer")
    for m in metrics:
        cols[m] = METRIC_LABELS[m]
    if compare:  # the comparison period's figures after the current ones
        for m in metrics:
            cols[f"previous_{m}"] = f"{METRIC_LABELS[m]}, before"
    show = df[[c for c in cols if c in df.columns]].rename(columns=cols).copy()
    config: dict = {name: st.column_config.TextColumn(name, width="medium")}
    for m, label in cols.items():
        if m == by:
            continue
        if m.endswith("conversion_rate"):
            show[label] = show[label] * 100
            config[label] = st.column_config.NumberColumn(label, format="%.1f%%")
        elif m.endswith(("spend", "cost_per_lead", "cost_per_customer")):
            config[label] = st.column_config.NumberColumn(money_label(label), format="%,.2f")
        else:
            config[label] = st.column_config.NumberColumn(label, format="%,d")
    return show, config


def kpi_cards(totals: dict, compare_words: str | None) -> None:
    """Five cards: spend, cost per lead, cost per customer, customers, conversion rate."""
    cur, prev = totals["current"], totals["previous"]
    cols = st.columns(5)
    unit = f" ({currency()})" if currency() else ""

    def delta_money(key, digits=2):
        if not prev or pd.isna(prev[key]) or pd.isna(cur[key]):
            return None
        return f"{cur[key] - prev[key]:+,.{digits}f}"

    def value(x, digits=2):
        return widgets.MISSING if pd.isna(x) else f"{x:,.{digits}f}"

    vs = f" Change vs the {compare_words}." if compare_words else ""
    cols[0].metric("Spend", value(cur["spend"], 0), delta_money("spend", 0), delta_color="off", border=True,
                   help=f"Spend entered for these days{unit}, each entry spread evenly over its own days." + vs)
    cols[1].metric("Cost per lead", value(cur["cost_per_lead"]), delta_money("cost_per_lead"),
                   delta_color="inverse", border=True, help=f"Spend ÷ new contacts{unit}. Lower is better." + vs)
    cols[2].metric("Cost per customer", value(cur["cost_per_customer"]), delta_money("cost_per_customer"),
                   delta_color="inverse", border=True,
                   help=f"Spend ÷ customers among the new contacts{unit}. Lower is better." + vs)
    d_cust = None if not prev else f"{cur['customers'] - prev['customers']:+,}"
    cols[3].metric("Customers", f"{cur['customers']:,}", d_cust, border=True,
                   help="New contacts of the range who count as customers now." + vs)
    d_rate = None if not prev else widgets.points_text(cur["conversion_rate"] - prev["conversion_rate"])
    cols[4].metric("Conversion rate", widgets.fmt_pct(cur["conversion_rate"]), d_rate, border=True,
                   delta_color=widgets.delta_colour(d_rate), help="Customers ÷ new contacts." + vs)
    if currency():
        st.caption(f"Money in {currency()}.")


# --- funnel ---------------------------------------------------------------------------------------


def funnel_figure(steps: pd.DataFrame) -> go.Figure:
    """A funnel chart of one funnel's ``reached`` per step (names shown literally)."""
    fig = go.Figure(go.Funnel(
        y=[charts.ltr_label(s) for s in steps["status"]], x=list(steps["reached"]),
        textinfo="value+percent initial", marker={"color": "#1A73E8"},
        hovertemplate="%{y}: %{x:,} contacts<extra></extra>"))
    fig.update_layout(template="plotly_white", height=max(240, 60 * len(steps) + 60),
                      margin=dict(l=10, r=10, t=10, b=10))
    return fig


def funnel_caption(result: funnel_mod.Funnel) -> str:
    """Where the status history starts, in plain words."""
    if result.history_start is None:
        return "No sync has run yet, so there is no status history: only current statuses count."
    return (f"Status history starts with the first sync, {result.history_start:%d %b %Y}. Statuses a contact had "
            "before that, or passed through between two syncs, are not seen; a contact seen at a later step "
            "counts as having reached the earlier ones.")


# --- pacing ---------------------------------------------------------------------------------------


def pacing_strip(tz: str, week_start: str, as_of: date, *, where: str = "") -> None:
    """The month's overall targets as progress bars (“62% of target at 55% of the month”);
    a one-line hint when the month has none."""
    try:
        p = data.cached_query(targets_mod.pacing, tz, as_of, week_start)
    except ValueError as err:
        st.caption(f"Targets: {err}")
        return
    month = p.attrs.get("month", as_of.replace(day=1))
    overall = p[p["channel"] == targets_mod.ALL_CHANNELS] if len(p) else p
    if overall.empty:
        st.caption(f"No targets for {month:%B %Y}. Set monthly targets on **Performance › Targets**.")
        return
    st.markdown(f"**Targets for {month:%B %Y}**" + (f" · {where}" if where else ""))
    cols = st.columns(len(overall))
    for col, (_i, row) in zip(cols, overall.iterrows()):
        text = targets_mod.pacing_text(row, currency())
        if row["metric"] == "cost_per_lead":
            ok = row["status"] == "on track"
            col.metric(f"Cost per lead (target {fmt_money(row['target'])})", fmt_money(row["actual"]),
                       border=True, help=text)
            col.caption(("on track" if ok else "above target") if row["status"] != "no data" else "no spend yet")
        else:
            share = 0.0 if pd.isna(row["share_of_target"]) else float(row["share_of_target"])
            col.progress(min(1.0, max(0.0, share)), text=f"{targets_mod.METRIC_WORDS[row['metric']].capitalize()}: "
                                                        f"{share:.0%} of target at {row['share_of_month']:.0%} of the month")
            col.caption(f"{int(row['actual']):,} of {row['target']:,.0f} · about "
                        f"{row['target'] * row['share_of_month']:,.0f} expected by now · "
                        + ("on track" if row["status"] == "on track" else "behind pace"))


def week_performance(week_start: date, week_end: date, tz: str, week_starts_on: str, view) -> None:
    """The week's leads, customers, spend and costs by channel against the previous week, with
    downloads (the weekly pack's ``performance_by_channel`` table)."""
    from rasl_data.analytics import performance
    from rasl_data.analytics.contacts_sql import Filters

    df = data.cached_query(performance.performance, Filters(week_start, week_end, tz, week_starts_on), "channel", "previous")
    if df.empty:
        return
    with st.expander("Spend and cost per lead by channel, this week vs the week before",
                     icon=":material/paid:"):
        display, config = performance_display(df, "channel", True)
        st.dataframe(display, column_config=config, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                     height=widgets.table_height(len(display)))
        widgets.table_download(df, "performance_by_channel", view, key="wk_dl_perf", what="Performance by channel")


# --- editors --------------------------------------------------------------------------------------


def _month_options(today: date, back: int = 12, ahead: int = 3) -> list[date]:
    months, m = [], today.replace(day=1)
    for _step in range(back):
        m = (m - pd.Timedelta(days=1)).replace(day=1)
    for _step in range(back + ahead + 1):
        months.append(m)
        m = (pd.Timestamp(m) + pd.offsets.MonthBegin(1)).date()
    return months


def spend_editor(names_by_level: dict[str, list[str]], today: date, can_edit: bool) -> None:
    """Saved spend as an editable table (Save replaces all saved spend with the table), a quick
    one-month form and a CSV/XLSX upload (add or replace). Viewers see the table read-only."""
    ws = context.workspace()
    saved = data.cached_query(spend_mod.read_spend)
    _flash("spend")
    table = saved[spend_mod.COLUMNS].copy() if len(saved) else pd.DataFrame(columns=spend_mod.COLUMNS)
    table["start"] = pd.to_datetime(table["start"]).dt.date if len(table) else pd.Series([], dtype=object)
    table["end"] = pd.to_datetime(table["end"]).dt.date if len(table) else pd.Series([], dtype=object)
    all_names = sorted({n for v in names_by_level.values() for n in v}, key=str.casefold)
    config = {
        "start": st.column_config.DateColumn("Start", format="YYYY-MM-DD", required=True),
        "end": st.column_config.DateColumn("End (included)", format="YYYY-MM-DD", required=True),
        "level": st.column_config.SelectboxColumn("Level", options=list(spend_mod.LEVELS), required=True,
                                                  default="source"),
        "name": st.column_config.SelectboxColumn("Name", options=all_names, required=True, width="large",
                                                 help="A source, campaign or channel as the dashboard shows it"),
        "amount": st.column_config.NumberColumn(money_label("Amount"), min_value=0.0, format="%,.2f",
                                                required=True),
    }
    st.caption("One row per amount: it is spread evenly over its days (start and end included), so any date range "
               "gets its share. Source spend also counts for its channel and campaign.")
    edited = st.data_editor(table, key=_editor_key("spend"), num_rows="dynamic" if can_edit else "fixed",
                            hide_index=True, width="stretch", column_config=config, disabled=not can_edit,
                            height=widgets.table_height(len(table), extra_rows=2), placeholder="")
    if can_edit:
        changed = not edited.reset_index(drop=True).astype(str).equals(table.reset_index(drop=True).astype(str))
        c = st.columns([1, 1, 3])
        if c[0].button("Save spend table", key="spend_save", type="primary", disabled=not changed,
                       help="Replaces all saved spend with this table, after checking every row"):
            try:
                out = ws.save_spend(edited, actor=context.actor(), replace=True, origin="table", first_line=1)
                _flash("spend", f"Saved {len(out):,} spend rows.")
                _reset_editor("spend")
                st.rerun()
            except (spend_mod.SpendError, AccessDeniedError, CacheError) as err:
                show_refusal(err)
        if changed and c[1].button("Discard changes", key="spend_discard"):
            _reset_editor("spend")
            st.rerun()
        _month_form(names_by_level, today)
        _upload("spend", "Upload spend (CSV or XLSX)", "start, end, level, name, amount")


def _month_form(names_by_level: dict[str, list[str]], today: date) -> None:
    with st.expander("Add a month of spend", icon=":material/calendar_month:"):
        with st.form("spend_month", border=False):
            c = st.columns([1, 1, 2, 1])
            months = _month_options(today)
            month = c[0].selectbox("Month", months, index=months.index(today.replace(day=1)),
                                   format_func=lambda m: f"{m:%B %Y}", key="spm_month")
            level = c[1].selectbox("Level", list(spend_mod.LEVELS), key="spm_level")
            name = c[2].selectbox("Name", sorted({n for v in names_by_level.values() for n in v}, key=str.casefold),
                                  key="spm_name", help="Must be a " + "/".join(spend_mod.LEVELS) + " of the chosen level")
            amount = c[3].number_input(money_label("Amount"), min_value=0.0, step=100.0, key="spm_amount")
            if st.form_submit_button("Add", type="primary"):
                row = pd.DataFrame([{"start": month, "end": targets_mod.month_end(month), "level": level,
                                     "name": name, "amount": amount}])
                try:
                    context.workspace().save_spend(row, actor=context.actor(), replace=False, origin="month form",
                                                   first_line=1)
                    _flash("spend", f"Added {fmt_money(amount)} for {month:%B %Y}.")
                    _reset_editor("spend")
                    st.rerun()
                except (spend_mod.SpendError, AccessDeniedError, CacheError) as err:
                    show_refusal(err)


def _upload(kind: str, label: str, columns: str) -> None:
    with st.expander(label, icon=":material/upload_file:"):
        st.caption(f"Columns: {columns}. Dates YYYY-MM-DD; amounts plain numbers. The file is checked whole: "
                   "nothing is saved unless every line is right.")
        up = st.file_uploader(label, type=["csv", "xlsx"], key=f"{kind}_upload", label_visibility="collapsed")
        mode = "replace"
        if kind == "spend":
            mode = st.radio("Saved spend", ["add", "replace"], horizontal=True, key="spend_upload_mode",
                            format_func={"add": "Add to the saved spend", "replace": "Replace all saved spend"}.get)
        if up is not None and st.button("Import", key=f"{kind}_import", type="primary"):
            ws = context.workspace()
            try:
                rows = spend_mod.read_table_file(up.getvalue(), up.name)
                if kind == "spend":
                    out = ws.save_spend(rows, actor=context.actor(), replace=mode == "replace", origin=up.name)
                    _flash("spend", f"Imported {len(out):,} spend rows from the file.")
                    _reset_editor("spend")
                else:
                    out = ws.save_targets(rows, actor=context.actor(), origin=up.name)
                    _flash("targets", f"Imported {len(out):,} monthly targets from the file.")
                    _reset_editor("targets")
                st.rerun()
            except (spend_mod.SpendError, AccessDeniedError, CacheError) as err:
                show_refusal(err)


def targets_editor(channels: list[str], today: date, can_edit: bool) -> None:
    """Saved monthly targets as an editable table (Save replaces them all) and an upload."""
    ws = context.workspace()
    saved = data.cached_query(targets_mod.read_targets)
    _flash("targets")
    table = saved.copy()
    table["month"] = [m.strftime("%Y-%m") for m in table["month"]]
    table["channel"] = [c or targets_mod.ALL_CHANNELS for c in table["channel"]]
    if table.empty:
        table = pd.DataFrame({"month": [today.strftime("%Y-%m")], "channel": [targets_mod.ALL_CHANNELS],
                              "new_contacts": [None], "customers": [None], "cost_per_lead": [None]})
    config = {
        "month": st.column_config.TextColumn("Month (YYYY-MM)", required=True, validate=r"^\d{4}-\d{2}$"),
        "channel": st.column_config.SelectboxColumn("Channel", options=[targets_mod.ALL_CHANNELS] + channels,
                                                    required=True, default=targets_mod.ALL_CHANNELS),
        "new_contacts": st.column_config.NumberColumn("New contacts target", min_value=0, format="%,d"),
        "customers": st.column_config.NumberColumn("Customers target", min_value=0, format="%,d"),
        "cost_per_lead": st.column_config.NumberColumn(money_label("Cost per lead target"), min_value=0.0,
                                                       format="%,.2f"),
    }
    edited = st.data_editor(table, key=_editor_key("targets"), num_rows="dynamic" if can_edit else "fixed",
                            hide_index=True, width="stretch", column_config=config, disabled=not can_edit,
                            height=widgets.table_height(len(table), extra_rows=2), placeholder="")
    if not can_edit:
        return
    if st.button("Save targets", key="targets_save", type="primary",
                 help="Replaces all saved targets with this table, after checking every row"):
        try:
            out = ws.save_targets(edited, actor=context.actor(), origin="table", first_line=1)
            _flash("targets", f"Saved {len(out):,} monthly targets.")
            _reset_editor("targets")
            st.rerun()
        except (spend_mod.SpendError, AccessDeniedError, CacheError) as err:
            show_refusal(err)
    _upload("targets", "Upload targets (CSV or XLSX)", "month, channel, new_contacts, customers, cost_per_lead")


# --- conversion definition (Settings) --------------------------------------------------------------


def conversion_settings(statuses: list[str], can_edit: bool) -> None:
    """Show what counts as a customer, where it comes from, and (editors) change it."""
    ws = context.workspace()
    saved = data.cached_query(cdef.stored)
    default = cdef.parse(ws.settings.conversion)
    in_force = saved or default
    origin = ("saved on this page" if saved else
              f"RASL_CONVERSION ({ws.settings.origins.get('RASL_CONVERSION', 'default')})")
    _flash("conv")
    st.dataframe(pd.DataFrame([("A contact is a customer when its", in_force.label),
                               ("Setting", in_force.text), ("From", origin),
                               ("Currency (RASL_CURRENCY)", ws.settings.currency or "none shown")],
                              columns=["Conversion definition", "Value"]), hide_index=True, width="stretch",
                 height=widgets.table_height(4))
    missing = data.cached_query(cdef.unknown_statuses, in_force)
    if missing:
        st.warning("No status in RASL is named " + ", ".join(f"“{literal(m)}”" for m in missing)
                   + ": those contacts never count as customers.", icon=":material/warning:")
    if not can_edit:
        st.caption("Only editors can change the conversion definition.")
        return
    with st.form("conv_form", border=True):
        kind = st.radio("Count a contact as a customer when", ["type", "status"], horizontal=True,
                        index=0 if in_force.kind == "type" else 1, key="conv_kind",
                        format_func={"type": "its type is customer", "status": "its status is one of…"}.get)
        picked = st.multiselect("Statuses", statuses, key="conv_statuses",
                                default=[s for s in statuses if s in in_force.values] if in_force.kind == "status" else [],
                                help="Used when counting by status, e.g. Won")
        c = st.columns([1, 1, 3])
        save = c[0].form_submit_button("Save", type="primary")
        reset = c[1].form_submit_button("Use the default", disabled=saved is None,
                                        help=f"Forget the saved choice and use {default.text}")
    if save or reset:
        text = None if reset else ("type:customer" if kind == "type" else
                                   ("status:" + ",".join(s.replace(",", " ") for s in picked) if picked else "status:"))
        try:
            ws.set_conversion_definition(text, actor=context.actor())
            _flash("conv", "Saved: every page, export and the weekly review now use it.")
            st.rerun()
        except ValueError as err:
            st.error(literal(str(err).split(": ", 1)[-1]), icon=":material/block:")
        except (AccessDeniedError, CacheError) as err:
            show_refusal(err)
