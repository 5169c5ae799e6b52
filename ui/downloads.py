"""The download buttons under the dashboard's tables: CSV and Excel (.xlsx) files named after
the range, with headers and the dashboard's own series names in the language in effect.

The files are built by ``rasl_data.outputs.exports`` (the CLI's writer) only when clicked.
``ui.widgets`` re-exports every name, and the pages call them as ``widgets.<name>``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from rasl_data import i18n
from rasl_data.analytics import source_names
from rasl_data.i18n import N_, _

if TYPE_CHECKING:
    from .filters import View


def csv_file_name(name: str, view: View | None = None, today: date | None = None, ext: str = "csv") -> str:
    """``<name>_<start>_to_<end>.<ext>`` for a ranged view, else ``<name>_<today>.<ext>`` (ISO dates).

    Built by ``exports.dated_file_name`` like the CLI's files; ``-`` in ``name`` becomes ``_``.
    """
    from rasl_data.outputs import exports

    stem = name.replace("-", "_")
    if view is not None:
        return exports.dated_file_name(stem, view.filters.start, view.filters.end, ext)
    return exports.dated_file_name(stem, today or date.today(), ext=ext)


FORMAT_WORDS = {"csv": "CSV", "xlsx": "Excel"}
# Headers of the dashboard's downloads in another language than English (the English download,
# like the CLI's exports, keeps the machine-readable column names).
DOWNLOAD_HEADERS: dict[str, str] = {
    "period_start": N_("Period start"), "comparison_start": N_("Comparison period start"),
    "source_id": N_("Source id"), "source": N_("Source"), "channel": N_("Channel"), "campaign": N_("Campaign"),
    "group_id": N_("Group id"), "group": N_("Group"), "status_id": N_("Status id"), "status": N_("Status"),
    "type": N_("Contact type"), "new_contacts": N_("New contacts"), "share": N_("Share"),
    "previous": N_("Previous"), "change_abs": N_("Change"), "change_pct": N_("Change %"),
    "is_new": N_("New (none before)"), "all_time_contacts": N_("All-time contacts"),
    "first_contact": N_("First contact"), "last_contact": N_("Last contact"), "contacts": N_("Contacts"),
    "customers": N_("Customers now"), "conversion_rate": N_("Conversion rate"),
    "converted": N_("Conversions observed"), "median_days_to_conversion": N_("Median days to convert"),
    "measured_from_first_seen": N_("Measured from first sync"), "unattributed": N_("Unattributed"),
    "unattributed_share": N_("Unattributed share"), "days_silent": N_("Days silent"),
    "source_id_a": N_("Source id A"), "source_a": N_("Source A"), "contacts_a": N_("Contacts A"),
    "source_id_b": N_("Source id B"), "source_b": N_("Source B"), "contacts_b": N_("Contacts B"),
    "similarity": N_("Similarity"), "reason": N_("Why"),
    "id": N_("Id"), "started_at": N_("Started (UTC)"), "finished_at": N_("Finished (UTC)"), "mode": N_("Mode"),
    "outcome": N_("Outcome"), "requests": N_("Requests"), "rate_limit_waits": N_("Rate-limit waits"),
    "contacts_inserted": N_("New"), "contacts_updated": N_("Updated"), "contacts_deleted": N_("Deleted"),
    "error": N_("Error"),
    "occurred_at": N_("Time (UTC)"), "actor": N_("Person"), "role": N_("Role"), "action": N_("Action"),
    "object_type": N_("Object type"), "object_id": N_("Object id"), "object_name": N_("Object"),
    "before": N_("Before"), "after": N_("After"), "message": N_("Message"),
}
# Columns of the downloads holding series names: the dashboard's own names (Unattributed…) are
# translated there too; user-typed names never.
_NAME_COLUMNS = ("source", "channel", "campaign", "group", "status", "type")


def download_frame(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """``df`` as the dashboard offers it for download in the language in effect, and the renames.

    English: unchanged (machine-readable names, as the CLI writes). Another language: headers
    from ``DOWNLOAD_HEADERS`` (unknown columns keep their name) and the dashboard's own series
    names (``Unattributed``, ``No campaign``…) translated in the name columns. Runs in the
    script thread: the download thread has no language.
    """
    if i18n.language() == i18n.DEFAULT_LANGUAGE:
        return df, {}
    out = df.copy()
    special = {key: _(label) for key, label in source_names.SPECIAL_NAMES.items()}
    for col in _NAME_COLUMNS:
        if col in out.columns and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(lambda v: special.get(v, v) if isinstance(v, str) else v)
    renames = {c: _(DOWNLOAD_HEADERS[c]) for c in out.columns if isinstance(c, str) and c in DOWNLOAD_HEADERS}
    # Two columns must never end up with one header.
    if len(set(renames.values()) | (set(out.columns) - set(renames))) < len(out.columns):
        return df, {}
    return out.rename(columns=renames), renames


def table_download(df: pd.DataFrame, name: str, view: View | None, key: str, what: str | None = None, *,
                   text_columns=None) -> None:
    """Two download buttons side by side for one table: CSV and Excel (.xlsx).

    ``name`` is the file stem (``csv_file_name`` adds the range and extension); ``what`` names the
    table on the buttons ("Sources (CSV)", "Sources (Excel)"), default "Download CSV" / "Download
    Excel". The files come from ``exports.table_bytes`` (Excel-safe CSV; typed XLSX cells, the
    sheet named after ``name``), built only when clicked, on Streamlit's download thread, so a
    page run costs nothing. Keys are ``key`` and ``key + "_xlsx"``. ``on_click="ignore"``:
    downloading never reruns (or resets) the page. ``text_columns``: columns kept as text.
    """
    from rasl_data.outputs import exports

    sheet = exports.safe_sheet_name(what or name.replace("-", " "))
    shown, renames = download_frame(df)
    if text_columns is not None:
        text_columns = [renames.get(c, c) for c in text_columns]
    with st.container(horizontal=True, gap="small", width="content"):
        for fmt, suffix in (("csv", ""), ("xlsx", "_xlsx")):
            word = FORMAT_WORDS[fmt]
            label = (_("{table} ({format})").format(table=what, format=word) if what
                     else _("Download {format}").format(format=word))

            def build(fmt=fmt) -> bytes:  # plain rasl_data: runs outside the script thread
                return exports.table_bytes(shown, fmt, sheet_name=sheet, text_columns=text_columns)

            st.download_button(
                label, data=build, file_name=csv_file_name(name, view, ext=fmt), mime=exports.MIME_TYPES[fmt],
                key=key + suffix, on_click="ignore", type="tertiary",
                icon=":material/download:" if fmt == "csv" else ":material/table_view:",
                help=None if fmt == "csv" else _("Typed cells: names like 1/2 or 00123 stay text, dates are dates."))


def csv_download(df: pd.DataFrame, name: str, view: View | None, key: str, label: str = "Download CSV") -> None:
    """The CSV and Excel download buttons of ``table_download`` (kept for existing callers).

    ``label`` "Download CSV" gives "Download CSV" / "Download Excel"; "Sources (CSV)" gives
    "Sources (CSV)" / "Sources (Excel)"; any other label names the table.
    """
    if label == "Download CSV":
        what = None
    elif label.endswith(" (CSV)"):
        what = label[: -len(" (CSV)")]
    else:
        what = label
    table_download(df, name, view, key, what)
