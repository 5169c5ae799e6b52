"""Small rendering helpers shared by the pages: KPI cards, tables, empty states, error boxes and
click-to-filter callbacks.

Rendering only: every number comes from ``rasl_data`` through ``ui.data.q``. The text helpers
(``fmt_range``, ``range_caption``, ``fmt_pct``, ``signed_number``…) live in ``ui.formatting``, the
CSV and Excel download buttons (``table_download``, ``csv_download``…) in ``ui.downloads``; both
are re-exported here, so pages call every helper as ``widgets.<name>``.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics.acquisition import Kpi, Kpis
from rasl_data.errors import ConflictError, InsufficientScopeError, RaslError, ValidationError
from rasl_data.i18n import N_, _, ngettext
from rasl_data.text import md_literal
from ui.errors import show_error

from . import direction, filters
from .downloads import (  # noqa: F401  (re-exported: pages call them as ``widgets.<name>``)
    DOWNLOAD_HEADERS,
    FORMAT_WORDS,
    csv_download,
    csv_file_name,
    download_frame,
    table_download,
)
from .filters import View
from .formatting import (  # noqa: F401  (re-exported: pages call them as ``widgets.<name>``)
    COMPARE_WORDS,
    COMPARISON_TOTAL,
    MISSING,
    comparison_range,
    fmt_pct,
    fmt_range,
    hijri_range,
    list_text,
    points_text,
    range_caption,
    shown_name,
    signed_number,
    signed_percent,
)

# --- KPI cards ------------------------------------------------------------------------------------

_CHANGE_VS = {"previous": N_("Contacts created in the range. Change vs previous period."),
              "last_year": N_("Contacts created in the range. Change vs same period last year."),
              "hijri_year": N_("Contacts created in the range. Change vs same Hijri dates last year.")}


def _count_delta(k: Kpi) -> str | None:
    # Nothing in either period (e.g. nothing loaded yet): no arrow, not a green "+0".
    if math.isnan(k.previous) or (k.previous == 0 and k.value == 0):
        return None
    if k.is_new:
        return _("new (none before)")
    if math.isnan(k.change_pct):
        return signed_number(k.change_abs)
    return f"{signed_number(k.change_abs)} ({signed_percent(k.change_pct)})"


def _points_delta(k: Kpi) -> str | None:
    if math.isnan(k.previous):
        return None
    return points_text(k.change_abs)


def delta_colour(delta: str | None, normal: str = "normal") -> str:
    """``off`` (grey) for “no change”, else ``normal`` (use ``inverse`` where lower is better)."""
    return "off" if delta in ("no change", _("no change")) else normal


def kpi_row(k: Kpis, view: View) -> None:
    """Three KPI cards (new contacts, unattributed share, conversion rate) with their change.

    Changes compare with ``view.compare``; shares and rates change in percentage points.
    """
    cols = st.columns(3)
    nc, un, cr = k.new_contacts, k.unattributed_share, k.conversion_rate
    cols[0].metric(_("New contacts"), i18n.format_number(nc.value), _count_delta(nc), border=True,
                   help=_(_CHANGE_VS[view.compare]) if view.compare in _CHANGE_VS
                   else _("Contacts created in the range."))
    cols[1].metric(_("Unattributed share"), fmt_pct(un.value), _points_delta(un),
                   delta_color=delta_colour(_points_delta(un), "inverse"), border=True,
                   help=_("Share of new contacts without a known source (no source, or a deleted one). "
                          "Lower is better."))
    note_text = k.notes.get("conversion_rate") or _("Share of the new contacts who are customers now")
    cols[2].metric(_("Conversion rate"), fmt_pct(cr.value), _points_delta(cr),
                   delta_color=delta_colour(_points_delta(cr)), border=True,
                   help=_("{note}. Set what counts as a customer on Settings.").format(
                       note=note_text[:1].upper() + note_text[1:]))


def empty_state(message: str, hint: str = "") -> None:
    """A readable “nothing to show” box with what to try next."""
    st.info(f"**{message}**" + (f"\n\n{hint}" if hint else ""), icon=":material/search_off:")


def note(text: str) -> None:
    """A small explanatory line under a chart or table."""
    st.caption(text)


# --- errors -------------------------------------------------------------------------------------


def rasl_error_message(err: RaslError, action: str = "") -> str:
    """The error in the marketer's terms (scope, contacts in use, field messages), as Markdown.

    Every text that came from RASL or the data layer is escaped (``text.md_literal``): an
    answer quoting a source name shows the name as typed.
    """
    if isinstance(err, InsufficientScopeError):
        scope = md_literal(err.scope or "sources:write")
        return _("This API token lacks **{scope}**, so the dashboard cannot {action}. "
                 "Add the permission to the token in RASL.").format(scope=scope, action=action or _("do this"))
    if isinstance(err, ConflictError) and err.contacts_in_use is not None:
        n = err.contacts_in_use
        return ngettext("RASL refused: this source is used by **{n} contact**. Move them to another source in "
                        "RASL first.",
                        "RASL refused: this source is used by **{n} contacts**. Move them to another source in "
                        "RASL first.", n).format(n=i18n.format_number(n))
    if isinstance(err, ValidationError) and err.fields:
        return _("RASL rejected the data: {fields}").format(
            fields=md_literal("; ".join(f"{f}: {' '.join(m)}" for f, m in err.fields.items())))
    return md_literal(err.title)


def show_rasl_error(err: RaslError, action: str = "") -> None:
    """An error box with ``rasl_error_message`` and the technical detail in an expander."""
    show_error(err, message=rasl_error_message(err, action))


# --- click to filter ------------------------------------------------------------------------


_SKIP = object()


def trace_keys(fig) -> list:
    """Per trace of ``fig``: the key its bars carry as ``customdata`` (``charts.stacked_bars``), or
    a skip marker for traces without one (the comparison line)."""
    out = []
    for trace in fig.data:
        custom = getattr(trace, "customdata", None)
        out.append(custom[0][0] if custom is not None and len(custom) and len(custom[0]) else _SKIP)
    return out


def selected_chart_keys(selection: Any, keys_by_trace: list | None = None) -> list:
    """Source ids (or channel/campaign names) of the clicked bars of a chart event.

    ``selection`` is the chart's session-state value (``{"selection": {"points": [...]}}``).
    A point's key is its ``customdata`` when the event carries it, else the key of its trace
    (``curve_number``) in ``keys_by_trace`` (see ``trace_keys``). ``""`` (Unattributed) becomes
    ``None``; "Other" and points of traces without a key (the comparison line) are dropped.
    """
    try:
        points = selection["selection"]["points"]
    except (KeyError, TypeError):
        return []
    out: list = []
    for p in points:
        custom = p.get("customdata")
        if isinstance(custom, (list, tuple)) and custom:
            key = custom[0]
        elif custom is not None and not isinstance(custom, (list, tuple)):
            key = custom
        elif keys_by_trace is not None and isinstance(p.get("curve_number"), int) \
                and 0 <= p["curve_number"] < len(keys_by_trace):
            key = keys_by_trace[p["curve_number"]]
        else:
            continue
        if key is _SKIP or key == "Other":
            continue
        if key == "":
            key = None
        if isinstance(key, float) and key.is_integer():
            key = int(key)
        if key not in out:
            out.append(key)
    return out


def chart_click_filter(chart_key: str, kind: str, fig=None) -> Callable[[], None]:
    """An ``on_select`` callback: clicking a bar filters every page to that source/channel/campaign.

    ``fig`` is the figure drawn (its traces tell which key a clicked ``curve_number`` is).
    """
    keys_by_trace = trace_keys(fig) if fig is not None else None

    def callback() -> None:
        keys = selected_chart_keys(st.session_state.get(chart_key), keys_by_trace)
        if kind == "source":
            keys = [k for k in keys if k is None or isinstance(k, int) or (isinstance(k, str) and k.isdigit())]
            keys = [None if k is None else int(k) for k in keys]
        else:
            keys = [k for k in keys if k]
        if keys:
            filters.set_filter(kind, keys)

    return callback


def table_click_filter(table_key: str, rows: pd.DataFrame, kind: str, column: str) -> Callable[[], None]:
    """An ``on_select`` callback: selecting table rows filters every page to their values in ``column``."""

    def callback() -> None:
        state = st.session_state.get(table_key) or {}
        try:
            picked = list(state["selection"]["rows"])
        except (KeyError, TypeError):
            picked = []
        values = [rows.iloc[i][column] for i in picked if 0 <= i < len(rows)]
        values = [None if pd.isna(v) else (int(v) if kind == "source" else str(v)) for v in values]
        if values:
            filters.set_filter(kind, values)

    return callback


# --- tables -------------------------------------------------------------------------------------

# Streamlit's dataframe grid (1.67): a 35 px header, 35 px rows, a 1 px border above and below.
TABLE_HEADER_PX, TABLE_ROW_PX, TABLE_BORDER_PX = 35, 35, 2
# Room for the grid's horizontal scrollbar, which is drawn over the last row when a narrow window
# makes the columns wider than the table.
TABLE_SCROLLBAR_PX = 16
TABLE_MAX_ROWS = 15


def table_height(n_rows: int, max_rows: int = TABLE_MAX_ROWS, extra_rows: int = 0) -> int:
    """Pixel height of a table of ``n_rows`` rows (plus ``extra_rows``, e.g. a data editor's
    empty "add row"): every row visible up to ``max_rows``, then it scrolls; the last row is
    never hidden behind the horizontal scrollbar. The one place the dashboard sizes tables."""
    shown = min(max(int(n_rows) + int(extra_rows), 1), int(max_rows))
    return TABLE_HEADER_PX + TABLE_ROW_PX * shown + TABLE_BORDER_PX + TABLE_SCROLLBAR_PX



def pct_points(s: pd.Series) -> pd.Series:
    """Fractions as percentages for display (0.253 → 25.3); NaN stays empty."""
    return s.astype("float64") * 100


def breakdown_display(df: pd.DataFrame, name_col: str, label: str) -> tuple[pd.DataFrame, dict]:
    """A ``queries.breakdown``-shaped frame ready for ``st.dataframe`` and its column config.

    ``label`` is the (translated) header of the name column; the other headers are translated
    here (``_("New contacts")``, ``_("Share")``, ``_("Previous")``, ``_("Change")``,
    ``_("Change %")``): use the same ``_()`` keys to reach them. Unattributed (and the other
    names the dashboard gives) shows translated; names the user typed as typed.
    """
    new, share = _("New contacts"), _("Share")
    out = pd.DataFrame({
        label: [shown_name(v) for v in df[name_col]] if len(df) else df[name_col].astype(str),
        new: df["new_contacts"].astype("int64"),
        share: pct_points(df["share"]),
    })
    config: dict = {
        label: st.column_config.TextColumn(label, width="medium"),
        new: st.column_config.NumberColumn(new, format="%,d"),
        share: st.column_config.ProgressColumn(share, format="%.1f%%", min_value=0, max_value=100),
    }
    if "previous" in df.columns and df["previous"].notna().any():
        previous, change, change_pct = _("Previous"), _("Change"), _("Change %")
        out[previous] = df["previous"].astype("float64")
        out[change] = df["change_abs"].astype("float64")
        out[change_pct] = pct_points(df["change_pct"])
        config |= {
            previous: st.column_config.NumberColumn(previous, format="%,d",
                                                    help=_("Contacts in the comparison period")),
            change: st.column_config.NumberColumn(change, format="%+d"),
            change_pct: st.column_config.NumberColumn(change_pct, format="%+.1f%%",
                                                      help=_("– when the comparison period had none (new)")),
        }
    return out, config


def clickable_table(display: pd.DataFrame, config: dict, *, key: str, rows: pd.DataFrame, kind: str,
                    column: str, height: int | None = None) -> None:
    """``st.dataframe`` where selecting a row filters every page to that row's value
    (``height``: pixels, default ``table_height(len(display))``)."""
    st.dataframe(direction.table(display), hide_index=True, width="stretch", column_config=config, key=key,
                 height=table_height(len(display)) if height is None else height,
                 on_select=table_click_filter(key, rows, kind, column), selection_mode="single-row",
                 placeholder=MISSING)
