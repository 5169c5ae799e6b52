"""Rendering helpers of performance, funnel, pacing and the conversion definition (Performance
page, Overview, Weekly review, Settings); the spend and targets editors are in ``ui.spend_editors``.

Every number comes from ``rasl_data`` through ``ui.data.cached_query``; every change goes through
a ``Workspace`` method with the session's actor (the role check and the audit row live there).
Interface text goes through ``rasl_data.i18n``; names the user typed are shown as typed, except the
special values ``Unattributed`` and ``No campaign``, which are shown in the session's language.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from rasl_data import i18n
from rasl_data.access import AccessDeniedError
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics import funnel as funnel_mod
from rasl_data.analytics import targets as targets_mod
from rasl_data.analytics.attribution import NO_CAMPAIGN, UNATTRIBUTED
from rasl_data.cache.store import CacheError
from rasl_data.i18n import N_, _

from . import charts, context, data, direction, widgets

METRIC_LABELS = {
    "new_contacts": N_("New contacts"), "customers": N_("Customers"), "conversion_rate": N_("Conversion rate"),
    "spend": N_("Spend"), "cost_per_lead": N_("Cost per lead"), "cost_per_customer": N_("Cost per customer"),
}
"""Metric key → English label (marked for translation; show ``_(METRIC_LABELS[key])``)."""

COLUMN_LABELS = {
    **METRIC_LABELS,
    "source_id": N_("Source id"), "source": N_("Source"), "campaign": N_("Campaign"), "channel": N_("Channel"),
    "step": N_("Step"), "status_id": N_("Status id"), "status": N_("Status"), "seen": N_("Seen at this status"),
    "reached": N_("Reached"), "share_of_acquired": N_("Share of acquired"),
    "share_of_previous": N_("Share of previous step"), "drop_off": N_("Drop-off"),
    "start": N_("Start"), "end": N_("End"), "level": N_("Level"), "name": N_("Name"), "amount": N_("Amount"),
    "week_start": N_("Week start"), "week_end": N_("Week end"), "metric": N_("Metric"),
    "this_week": N_("This week"), "previous_week": N_("Previous week"), "avg_4_weeks": N_("4-week average"),
    "change_vs_previous": N_("Change vs previous week"), "change_pct_vs_previous": N_("Change % vs previous week"),
    "change_vs_avg": N_("Change vs 4-week average"), "change_pct_vs_avg": N_("Change % vs 4-week average"),
    "direction": N_("Direction"), "change_abs": N_("Change"), "change_pct": N_("Change %"), "is_new": N_("New"),
    "first_contact": N_("First contact"), "last_contact": N_("Last contact"),
    "contacts_4_weeks": N_("Contacts in the 4 weeks before"), "days_silent": N_("Days silent"),
    "dimension": N_("Dimension"), "p_value": N_("p-value"), "same_contacts_as": N_("Same contacts as"),
    "day": N_("Day"),
}
"""Column of a ``rasl_data`` frame → header of a dashboard download in a translated interface."""

SPECIAL_NAMES = {UNATTRIBUTED: N_("Unattributed"), NO_CAMPAIGN: N_("No campaign")}
COMPARE_WORDS = {"previous": N_("previous period"), "last_year": N_("same period last year")}
"""The comparison period's words (``widgets.COMPARE_WORDS``' keys), marked for translation."""
ORIGIN_WORDS = {"argument": N_("argument"), "environment": N_("environment"), "default": N_("default")}
"""Where a setting came from (``Settings.origins`` values; ``secrets.toml`` stays a file name)."""


def compare_words(compare: str | None) -> str | None:
    """``previous`` → "previous period" in the session's language; None without a comparison."""
    if not compare:
        return None
    return _(COMPARE_WORDS[compare]) if compare in COMPARE_WORDS else compare


def origin_word(where: str) -> str:
    """Where a setting came from, in the session's language (``secrets.toml`` as it is)."""
    return _(ORIGIN_WORDS[where]) if where in ORIGIN_WORDS else where


def literal(text: str) -> str:
    """User text safe inside Markdown (``rasl_data.text.md_literal``)."""
    from rasl_data.text import md_literal

    return md_literal(text)


def shown_name(name, source_id=None) -> str:
    """A source, campaign or channel name as shown: ``Unattributed`` and ``No campaign`` in the
    session's language, any other name as typed. With a ``source_id`` (a real source, which a user
    may have named "Unattributed") the name is always as typed."""
    if source_id is not None and not pd.isna(source_id):
        return name
    return _(SPECIAL_NAMES[name]) if name in SPECIAL_NAMES else name


def shown_names(df: pd.DataFrame, column: str) -> list:
    """``shown_name`` of every row of ``df[column]`` (with its ``source_id`` for the source column)."""
    ids = df["source_id"] if column == "source" and "source_id" in df.columns else [None] * len(df)
    return [shown_name(n, i) for n, i in zip(df[column], ids)]


def download_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A frame as a dashboard download: unchanged in English (the documented column names); in
    another language its headers (``COLUMN_LABELS``) and special names are translated."""
    if i18n.language() == i18n.DEFAULT_LANGUAGE:
        return df
    out = df.copy()
    for column in ("source", "campaign", "channel", "name"):
        if column in out.columns:
            out[column] = shown_names(out, column)
    return out.rename(columns={c: _(COLUMN_LABELS[c]) for c in out.columns if c in COLUMN_LABELS})


def currency() -> str:
    """The workspace currency (``RASL_CURRENCY``), possibly empty."""
    return context.settings().currency


def money_label(label: str) -> str:
    """``Spend (SAR)`` or ``Spend`` without a currency; ``label`` is already translated."""
    cur = currency()
    return _("{label} ({currency})").format(label=label, currency=cur) if cur else label


def fmt_money(x) -> str:
    """``1,234.50 SAR`` (the amount, then the currency as typed); ``–`` when undefined."""
    if x is None or pd.isna(x):
        return widgets.MISSING
    return f"{i18n.format_number(x, 2)} {currency()}".strip()


def signed(x: float, decimals: int = 0) -> str:
    """``+1,234`` / ``-12.50``: a change with its sign (the digits of the session's style)."""
    return ("-" if x < 0 else "+") + i18n.format_number(abs(x), decimals)


def fmt_percent(x) -> str:
    """``25.0%``; ``–`` when undefined."""
    return widgets.MISSING if x is None or pd.isna(x) else i18n.format_percent(x, 1)


# --- performance table ----------------------------------------------------------------------------


def performance_display(df: pd.DataFrame, by: str, compare: bool) -> tuple[pd.DataFrame, dict]:
    """The performance frame as shown: readable headers, money with the currency, rates in %."""
    name = _(COLUMN_LABELS[by])
    cols = {by: name}
    metrics = ("new_contacts", "customers", "conversion_rate", "spend", "cost_per_lead", "cost_per_customer")
    for m in metrics:
        cols[m] = _(METRIC_LABELS[m])
    if compare:  # the comparison period's figures after the current ones
        for m in metrics:
            cols[f"previous_{m}"] = _("{metric}, before").format(metric=_(METRIC_LABELS[m]))
    show = df[[c for c in cols if c in df.columns]].rename(columns=cols).copy()
    show[name] = shown_names(df, by)
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
    """Five cards: spend, cost per lead, cost per customer, customers, conversion rate.

    ``compare_words`` names the comparison period in the session's language (or None)."""
    cur, prev = totals["current"], totals["previous"]
    cols = st.columns(5)
    unit = _(" ({currency})").format(currency=currency()) if currency() else ""

    def delta_money(key, digits=2):
        if not prev or pd.isna(prev[key]) or pd.isna(cur[key]):
            return None
        return signed(cur[key] - prev[key], digits)

    def value(x, digits=2):
        return widgets.MISSING if pd.isna(x) else i18n.format_number(x, digits)

    vs = (" " + _("Change vs the {period}.").format(period=compare_words)) if compare_words else ""
    cols[0].metric(_("Spend"), value(cur["spend"], 0), delta_money("spend", 0), delta_color="off", border=True,
                   help=_("Spend entered for these days{unit}, each entry spread evenly over its own days.").format(
                       unit=unit) + vs)
    cols[1].metric(_("Cost per lead"), value(cur["cost_per_lead"]), delta_money("cost_per_lead"),
                   delta_color="inverse", border=True,
                   help=_("Spend ÷ new contacts{unit}. Lower is better.").format(unit=unit) + vs)
    cols[2].metric(_("Cost per customer"), value(cur["cost_per_customer"]), delta_money("cost_per_customer"),
                   delta_color="inverse", border=True,
                   help=_("Spend ÷ customers among the new contacts{unit}. Lower is better.").format(unit=unit) + vs)
    d_cust = None if not prev else signed(cur["customers"] - prev["customers"])
    cols[3].metric(_("Customers"), i18n.format_number(cur["customers"]), d_cust, border=True,
                   help=_("New contacts of the range who count as customers now.") + vs)
    d_rate = None if not prev else widgets.points_text(cur["conversion_rate"] - prev["conversion_rate"])
    cols[4].metric(_("Conversion rate"), fmt_percent(cur["conversion_rate"]), d_rate, border=True,
                   delta_color=widgets.delta_colour(d_rate), help=_("Customers ÷ new contacts.") + vs)
    if currency():
        st.caption(_("Money in {currency}.").format(currency=currency()))


# --- funnel ---------------------------------------------------------------------------------------


def funnel_figure(steps: pd.DataFrame) -> go.Figure:
    """A funnel chart of one funnel's ``reached`` per step (names shown literally)."""
    fig = go.Figure(go.Funnel(
        y=[charts.ltr_label(s) for s in steps["status"]], x=list(steps["reached"]),
        textinfo="value+percent initial", marker={"color": "#1A73E8"},
        hovertemplate=_("%{y}: %{x:,} contacts") + "<extra></extra>"))
    fig.update_layout(template="plotly_white", height=max(240, 60 * len(steps) + 60),
                      margin=dict(l=10, r=10, t=10, b=10))
    return fig


def funnel_caption(result: funnel_mod.Funnel) -> str:
    """Where the status history starts, in plain words."""
    if result.history_start is None:
        return _("No sync has run yet, so there is no status history: only current statuses count.")
    return _("Status history starts with the first sync, {day}. Statuses a contact had before that, or passed "
             "through between two syncs, are not seen; a contact seen at a later step counts as having reached "
             "the earlier ones.").format(day=i18n.format_date(result.history_start, "dd MMM y"))


# --- pacing ---------------------------------------------------------------------------------------


def status_word(status: str) -> str:
    """A pacing status (``targets.pacing``'s key) in the session's language."""
    return _(targets_mod.STATUS_WORDS[status]) if status in targets_mod.STATUS_WORDS else status


def _pacing_tile(col, row) -> None:
    text = targets_mod.pacing_text(row, currency())
    if row["metric"] == "cost_per_lead":
        col.metric(_("Cost per lead (target {target})").format(target=fmt_money(row["target"])),
                   fmt_money(row["actual"]), border=True, help=text)
        col.caption(status_word(row["status"]) if row["status"] != "no data" else _("no spend yet"))
        return
    share = 0.0 if pd.isna(row["share_of_target"]) else float(row["share_of_target"])
    col.progress(min(1.0, max(0.0, share)), text=_("{metric}: {share} of target at {month_share} of the month").format(
        metric=_(targets_mod.METRIC_LABELS[row["metric"]]), share=i18n.format_percent(share, 0),
        month_share=i18n.format_percent(row["share_of_month"], 0)))
    col.caption(_("{actual} of {target} · about {expected} expected by now · {status}").format(
        actual=i18n.format_number(int(row["actual"])), target=i18n.format_number(row["target"]),
        expected=i18n.format_number(row["target"] * row["share_of_month"]),
        status=_("on track") if row["status"] == "on track" else _("behind pace")))


def pacing_strip(tz: str, week_start: str, as_of: date, *, where: str = "") -> None:
    """The month's overall targets as progress bars (“62% of target at 55% of the month”);
    a one-line hint when the month has none. ``where`` (English, marked ``N_``, or already
    translated) says which days count."""
    try:
        p = data.cached_query(targets_mod.pacing, tz, as_of, week_start)
    except ValueError as err:
        st.caption(_("Targets: {problem}").format(problem=err))
        return
    month = p.attrs.get("month", as_of.replace(day=1))
    month_text = i18n.format_date(month, "MMMM y")
    overall = p[p["channel"] == targets_mod.ALL_CHANNELS] if len(p) else p
    if overall.empty:
        st.caption(_("No targets for {month}. Set monthly targets on **Performance › Targets**.").format(
            month=month_text))
        return
    head = _("**Targets for {month}**").format(month=month_text)
    st.markdown(head + (f" · {_(where)}" if where else ""))
    cols = st.columns(len(overall))
    for col, (_i, row) in zip(cols, overall.iterrows()):
        _pacing_tile(col, row)


def week_performance(week_start: date, week_end: date, tz: str, week_starts_on: str, view) -> None:
    """The week's leads, customers, spend and costs by channel against the previous week, with
    downloads (the weekly pack's ``performance_by_channel`` table)."""
    from rasl_data.analytics import performance
    from rasl_data.analytics.contacts_sql import Filters

    df = data.cached_query(performance.performance, Filters(week_start, week_end, tz, week_starts_on), "channel",
                           "previous")
    if df.empty:
        return
    with st.expander(_("Spend and cost per lead by channel, this week vs the week before"),
                     icon=":material/paid:"):
        display, config = performance_display(df, "channel", True)
        st.dataframe(direction.table(display), column_config=config, hide_index=True, width="stretch", placeholder=widgets.MISSING,
                     height=widgets.table_height(len(display)))
        widgets.table_download(download_frame(df), "performance_by_channel", view, key="wk_dl_perf",
                               what=_("Performance by channel"))


# --- conversion definition (Settings) --------------------------------------------------------------


def conversion_settings(statuses: list[str], can_edit: bool) -> None:
    """Show what counts as a customer, where it comes from, and (editors) change it."""
    from .spend_editors import flash, show_refusal

    ws = context.workspace()
    saved = data.cached_query(cdef.stored)
    default = cdef.parse(ws.settings.conversion)
    in_force = saved or default
    origin = (_("saved on this page") if saved else
              _("RASL_CONVERSION ({origin})").format(
                  origin=origin_word(ws.settings.origins.get("RASL_CONVERSION", "default"))))
    flash("conv")
    st.dataframe(direction.table(pd.DataFrame([(_("A contact is a customer when its"), in_force.label),
                               (_("Setting"), in_force.text), (_("From"), origin),
                               (_("Currency (RASL_CURRENCY)"), ws.settings.currency or _("none shown"))],
                              columns=[_("Conversion definition"), _("Value")])), hide_index=True, width="stretch",
                 height=widgets.table_height(4))
    missing = data.cached_query(cdef.unknown_statuses, in_force)
    if missing:
        st.warning(_("No status in RASL is named {names}: those contacts never count as customers.").format(
            names=", ".join(f"“{literal(m)}”" for m in missing)), icon=":material/warning:")
    if not can_edit:
        st.caption(_("Only editors can change the conversion definition."))
        return
    kinds = {"type": _("its type is customer"), "status": _("its status is one of…")}
    with st.form("conv_form", border=True):
        kind = st.radio(_("Count a contact as a customer when"), ["type", "status"], horizontal=True,
                        index=0 if in_force.kind == "type" else 1, key="conv_kind", format_func=kinds.get)
        picked = st.multiselect(_("Statuses"), statuses, key="conv_statuses",
                                default=[s for s in statuses if s in in_force.values] if in_force.kind == "status" else [],
                                help=_("Used when counting by status, e.g. Won"), placeholder=_("Choose statuses"))
        c = st.columns([1, 1, 3])
        save = c[0].form_submit_button(_("Save"), type="primary")
        reset = c[1].form_submit_button(_("Use the default"), disabled=saved is None,
                                        help=_("Forget the saved choice and use {default}").format(default=default.text))
    if save or reset:
        text = None if reset else ("type:customer" if kind == "type" else
                                   ("status:" + ",".join(s.replace(",", " ") for s in picked) if picked else "status:"))
        try:
            ws.set_conversion_definition(text, actor=context.actor())
            flash("conv", _("Saved: every page, export and the weekly review now use it."))
            st.rerun()
        except ValueError as err:
            st.error(literal(str(err).split(": ", 1)[-1]), icon=":material/block:")
        except (AccessDeniedError, CacheError) as err:
            show_refusal(err)
