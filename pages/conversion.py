"""Conversion: lead → customer rate and days to convert by source, channel or campaign; status mix."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from rasl_data.analytics import colours, conversion
from rasl_data.analytics.attribution import UNATTRIBUTED
from ui import charts, data, filters, frame, widgets

frame.ensure_app_frame()  # first: a bare page run reruns inside app.py

view = filters.current()
f = view.filters

st.title("Conversion")
st.caption(widgets.range_caption(view))
from rasl_data.analytics import conversion_definition  # noqa: E402  (what counts as a customer, set on Settings)
from ui.performance_views import literal  # noqa: E402

_label = literal(data.cached_query(conversion_definition.current).label)
st.caption(f"Of the contacts acquired in the range: the share who are **customers now** (a customer's {_label}; "
           "change it on Settings), and how long the leads the dashboard saw become customers took (from the "
           "sync history).")

overall = data.cached_query(conversion.conversion, f, None)
row = overall.iloc[0] if len(overall) else None
cols = st.columns(4)
n = int(row["new_contacts"]) if row is not None else 0
cols[0].metric("New contacts", f"{n:,}", border=True)
cols[1].metric("Customers now", f"{int(row['customers']):,}" if row is not None else "0", border=True)
cols[2].metric("Conversion rate", widgets.fmt_pct(row["conversion_rate"] if row is not None else math.nan), border=True,
               help="Customers now ÷ new contacts in the range.")
median = row["median_days_to_conversion"] if row is not None else math.nan
cols[3].metric("Median days to convert", "–" if pd.isna(median) else f"{median:.1f}", border=True,
               help="From creation to the sync that first saw the lead become a customer "
                    f"({int(row['converted']) if row is not None else 0:,} conversions observed).")

observed = int(row["converted"]) if row is not None else 0
if n and not observed:
    # A newly connected workspace: RASL keeps no history of types, so days to convert come only
    # from changes the syncs themselves see.
    st.info("**No conversion observed yet, so days to convert show “–”.** RASL does not say when a lead became "
            "a customer: the dashboard sees it when a later sync finds the contact's type changed. Days to convert "
            "fill in as the next syncs see leads turn into customers. Customers now and the conversion rate are "
            "already up to date.", icon=":material/hourglass_top:")

if n == 0:
    widgets.empty_state("No new contacts in this range.", "Widen the date range or clear the filters.")
    st.stop()

by = st.segmented_control("By", ["source", "channel", "campaign"], default="source", key="cv_by",
                          format_func=str.capitalize, required=True) or "source"
table = data.cached_query(conversion.conversion, f, by)
table = table[table["new_contacts"] > 0].reset_index(drop=True)
top = table.head(15)
key_col = "source_id" if by == "source" else None
top_plot = top.assign(label=[widgets.fmt_pct(x, 0) for x in top["conversion_rate"]])
fig = charts.horizontal_bars(top_plot, x="conversion_rate", y=by, colour_keys=key_col, percent=True,
                             x_title="Conversion rate (customers now ÷ new contacts)", text="label")
st.plotly_chart(fig, key="cv_chart", width="stretch", config={"displaylogo": False})
if len(table) > 15:
    # Unattributed is a row of the table, not a source, channel or campaign.
    unattributed = table[by].astype(str) == UNATTRIBUTED
    widgets.note(f"The chart shows the 15 rows with most new contacts; the table lists all {int((~unattributed).sum())} "
                 f"{by}s" + (" and Unattributed." if unattributed.any() else "."))

display = pd.DataFrame({
    by.capitalize(): table[by].astype(str),
    "New contacts": table["new_contacts"],
    "Customers now": table["customers"],
    "Conversion rate": widgets.pct_points(table["conversion_rate"]),
    "Conversions observed": table["converted"],
    "Median days to convert": table["median_days_to_conversion"],
})
st.dataframe(display, hide_index=True, width="stretch", placeholder=widgets.MISSING,
             height=widgets.table_height(len(display)), column_config={
    by.capitalize(): st.column_config.TextColumn(width="medium"),
    "New contacts": st.column_config.NumberColumn(format="localized"),
    "Customers now": st.column_config.NumberColumn(format="localized"),
    "Conversion rate": st.column_config.ProgressColumn(format="%.1f%%", min_value=0, max_value=100),
    "Conversions observed": st.column_config.NumberColumn(format="localized",
                                                          help="Leads the syncs saw becoming customers"),
    "Median days to convert": st.column_config.NumberColumn(format="%.1f", help="Empty when none observed"),
})
if int(table["measured_from_first_seen"].sum()):
    widgets.note(f"{int(table['measured_from_first_seen'].sum()):,} conversions are of contacts older than the first "
                 "sync; their days count from the first sync that saw them.")
widgets.csv_download(table, f"conversion-by-{by}", view, key="dl_cv_table")

st.header(f"Status mix by {by}")
mix = data.cached_query(conversion.status_mix, f, by)
keep = list(top[by].astype(str).head(12))
shown = mix[mix[by].astype(str).isin(keep)].copy()
if shown.empty:
    widgets.empty_state("No statuses to show.")
else:
    shown[by] = pd.Categorical(shown[by].astype(str), categories=keep, ordered=True)
    shown = shown.sort_values(by)
    fig = charts.stacked_share_bars(shown.assign(**{by: shown[by].astype(str)}), x="share", y=by, colour="status",
                                    colours=data.cached_query(colours.status_colours))
    st.plotly_chart(fig, key="cv_mix", width="stretch", config={"displaylogo": False})
    widgets.note(f"Current status of the contacts acquired in the range, for the {len(keep)} {by}s with most "
                 "new contacts.")
widgets.csv_download(mix, f"status-mix-by-{by}", view, key="dl_cv_mix")
