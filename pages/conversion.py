"""Conversion: lead → customer rate and days to convert by source, channel or campaign; status mix."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import colours, conversion
from rasl_data.analytics.attribution import UNATTRIBUTED
from rasl_data.i18n import N_, _, ngettext
from ui import charts, data, direction, filters, frame, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters

DIMENSIONS = {"source": N_("Source"), "channel": N_("Channel"), "campaign": N_("Campaign")}
# Whole sentences per dimension (word order and plurals differ between languages).
ALL_ROWS = {
    "source": (N_("The chart shows the 15 rows with most new contacts; the table lists all {n} sources."),
               N_("The chart shows the 15 rows with most new contacts; the table lists all {n} sources and "
                  "Unattributed.")),
    "channel": (N_("The chart shows the 15 rows with most new contacts; the table lists all {n} channels."),
                N_("The chart shows the 15 rows with most new contacts; the table lists all {n} channels and "
                   "Unattributed.")),
    "campaign": (N_("The chart shows the 15 rows with most new contacts; the table lists all {n} campaigns."),
                 N_("The chart shows the 15 rows with most new contacts; the table lists all {n} campaigns and "
                    "Unattributed.")),
}
MIX_TITLES = {"source": N_("Status mix by source"), "channel": N_("Status mix by channel"),
              "campaign": N_("Status mix by campaign")}
MIX_NOTES = {
    "source": N_("Current status of the contacts acquired in the range, for the {n} sources with most new contacts."),
    "channel": N_("Current status of the contacts acquired in the range, for the {n} channels with most new "
                  "contacts."),
    "campaign": N_("Current status of the contacts acquired in the range, for the {n} campaigns with most new "
                   "contacts."),
}

st.title(_("Conversion"))
st.caption(widgets.range_caption(view))
from rasl_data.analytics import conversion_definition  # noqa: E402  (what counts as a customer, set on Settings)
from ui.performance_views import literal  # noqa: E402

_label = literal(data.cached_query(conversion_definition.current).label)
st.caption(_("Of the contacts acquired in the range: the share who are **customers now** (a customer's {label}; "
             "change it on Settings), and how long the leads the dashboard saw become customers took (from the "
             "sync history).").format(label=_label))

overall = data.cached_query(conversion.conversion, f, None)
row = overall.iloc[0] if len(overall) else None
cols = st.columns(4)
n = int(row["new_contacts"]) if row is not None else 0
cols[0].metric(_("New contacts"), i18n.format_number(n), border=True)
cols[1].metric(_("Customers now"), i18n.format_number(int(row["customers"]) if row is not None else 0), border=True)
cols[2].metric(_("Conversion rate"), widgets.fmt_pct(row["conversion_rate"] if row is not None else math.nan),
               border=True, help=_("Customers now ÷ new contacts in the range."))
median = row["median_days_to_conversion"] if row is not None else math.nan
converted = int(row["converted"]) if row is not None else 0
cols[3].metric(_("Median days to convert"), "–" if pd.isna(median) else i18n.format_number(median, 1), border=True,
               help=ngettext("From creation to the sync that first saw the lead become a customer ({n} conversion "
                             "observed).",
                             "From creation to the sync that first saw the lead become a customer ({n} conversions "
                             "observed).", converted).format(n=i18n.format_number(converted)))

observed = int(row["converted"]) if row is not None else 0
if n and not observed:
    # A newly connected workspace: RASL keeps no history of types, so days to convert come only
    # from changes the syncs themselves see.
    st.info(_("**No conversion observed yet, so days to convert show “–”.** RASL does not say when a lead became "
              "a customer: the dashboard sees it when a later sync finds the contact's type changed. Days to "
              "convert fill in as the next syncs see leads turn into customers. Customers now and the conversion "
              "rate are already up to date."), icon=":material/hourglass_top:")

if n == 0:
    widgets.empty_state(_("No new contacts in this range."), _("Widen the date range or clear the filters."))
    st.stop()

by = st.segmented_control(_("By"), list(DIMENSIONS), default="source", key="cv_by",
                          format_func=filters.option_labels(DIMENSIONS, lambda k: _(DIMENSIONS[k])), required=True) or "source"
table = data.cached_query(conversion.conversion, f, by)
table = table[table["new_contacts"] > 0].reset_index(drop=True)
top = table.head(15)
key_col = "source_id" if by == "source" else None
top_plot = top.assign(label=[widgets.fmt_pct(x, 0) for x in top["conversion_rate"]])
fig = charts.horizontal_bars(top_plot, x="conversion_rate", y=by, colour_keys=key_col, percent=True,
                             x_title=_("Conversion rate (customers now ÷ new contacts)"), text="label")
st.plotly_chart(fig, key="cv_chart", width="stretch", config={"displaylogo": False})
if len(table) > 15:
    # Unattributed is a row of the table, not a source, channel or campaign.
    unattributed = table[by].astype(str) == UNATTRIBUTED
    widgets.note(_(ALL_ROWS[by][bool(unattributed.any())]).format(n=i18n.format_number(int((~unattributed).sum()))))

name_h, new_h, customers_h = _(DIMENSIONS[by]), _("New contacts"), _("Customers now")
rate_h, observed_h, median_h = _("Conversion rate"), _("Conversions observed"), _("Median days to convert")
display = pd.DataFrame({
    name_h: [widgets.shown_name(v) for v in table[by]] if len(table) else table[by].astype(str),
    new_h: table["new_contacts"],
    customers_h: table["customers"],
    rate_h: widgets.pct_points(table["conversion_rate"]),
    observed_h: table["converted"],
    median_h: table["median_days_to_conversion"],
})
st.dataframe(direction.table(display), hide_index=True, width="stretch", placeholder=widgets.MISSING,
             height=widgets.table_height(len(display)), column_config={
    name_h: st.column_config.TextColumn(width="medium"),
    new_h: st.column_config.NumberColumn(format="%,d"),
    customers_h: st.column_config.NumberColumn(format="%,d"),
    rate_h: st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100),
    observed_h: st.column_config.NumberColumn(format="%,d", help=_("Leads the syncs saw becoming customers")),
    median_h: st.column_config.NumberColumn(format="%.1f", help=_("Empty when none observed")),
})
measured = int(table["measured_from_first_seen"].sum())
if measured:
    widgets.note(ngettext("{n} conversion is of a contact older than the first sync; its days count from the first "
                          "sync that saw it.",
                          "{n} conversions are of contacts older than the first sync; their days count from the "
                          "first sync that saw them.", measured).format(n=i18n.format_number(measured)))
widgets.csv_download(table, f"conversion-by-{by}", view, key="dl_cv_table")

st.header(_(MIX_TITLES[by]))
mix = data.cached_query(conversion.status_mix, f, by)
keep = list(top[by].astype(str).head(12))
shown = mix[mix[by].astype(str).isin(keep)].copy()
if shown.empty:
    widgets.empty_state(_("No statuses to show."))
else:
    shown[by] = pd.Categorical(shown[by].astype(str), categories=keep, ordered=True)
    shown = shown.sort_values(by)
    fig = charts.stacked_share_bars(shown.assign(**{by: shown[by].astype(str)}), x="share", y=by, colour="status",
                                    colours=data.cached_query(colours.status_colours))
    st.plotly_chart(fig, key="cv_mix", width="stretch", config={"displaylogo": False})
    widgets.note(_(MIX_NOTES[by]).format(n=i18n.format_number(len(keep))))
widgets.csv_download(mix, f"status-mix-by-{by}", view, key="dl_cv_mix")
