"""Column headers and fixed cell labels of the tables people read (the weekly pack's HTML report and
workbook, and any page download that wants them), in the language in effect.

The tables themselves keep their English column names: they are the keys the code and the CLI's
machine-readable CSV files use. ``header(name)`` gives the heading shown for a column (a known
column translated, any other with ``_`` as spaces), ``shown_headers(df)`` every heading of a
table, ``shown_values(df)`` a copy whose fixed labels (``metric``, ``direction``, ``dimension``)
are translated; names (sources, campaigns, channels) are never touched. No streamlit here.
"""

from __future__ import annotations

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics.weekly_summary import metric_label
from rasl_data.i18n import N_, _

# Column name → heading (marked for translation, translated where shown).
COLUMN_HEADERS: dict[str, str] = {
    "actual": N_("actual"),
    "amount": N_("amount"),
    "amount_in_week": N_("amount in week"),
    "avg_4_weeks": N_("4-week average"),
    "campaign": N_("campaign"),
    "change_abs": N_("change"),
    "change_pct": N_("change %"),
    "change_pct_vs_avg": N_("change % vs average"),
    "change_pct_vs_previous": N_("change % vs previous week"),
    "change_vs_avg": N_("change vs average"),
    "change_vs_previous": N_("change vs previous week"),
    "channel": N_("channel"),
    "contacts_4_weeks": N_("contacts in the 4 weeks before"),
    "conversion_rate": N_("conversion rate"),
    "cost_per_customer": N_("cost per customer"),
    "cost_per_lead": N_("cost per lead"),
    "customers": N_("customers"),
    "day": N_("day"),
    "days_silent": N_("days silent"),
    "dimension": N_("dimension"),
    "direction": N_("direction"),
    "end": N_("end"),
    "first_contact": N_("first contact"),
    "is_new": N_("new"),
    "last_contact": N_("last contact"),
    "level": N_("level"),
    "measure": N_("measure"),
    "metric": N_("metric"),
    "name": N_("name"),
    "new_contacts": N_("new contacts"),
    "p_value": N_("p value"),
    "previous_conversion_rate": N_("previous conversion rate"),
    "previous_cost_per_customer": N_("previous cost per customer"),
    "previous_cost_per_lead": N_("previous cost per lead"),
    "previous_customers": N_("previous customers"),
    "previous_new_contacts": N_("previous new contacts"),
    "previous_spend": N_("previous spend"),
    "previous_week": N_("previous week"),
    "same_contacts_as": N_("same contacts as"),
    "share_of_month": N_("share of month"),
    "share_of_target": N_("share of target"),
    "source": N_("source"),
    "source_id": N_("source id"),
    "spend": N_("spend"),
    "start": N_("start"),
    "status": N_("status"),
    "target": N_("target"),
    "this_week": N_("this week"),
    "unattributed": N_("unattributed"),
    "week_end": N_("week end"),
    "week_start": N_("week start"),
}

# Fixed values the analytics write in these columns (never names).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "direction": {"up": N_("up"), "down": N_("down"), "spike": N_("spike"), "drop": N_("drop")},
    "dimension": {"total": N_("total"), "source": N_("source"), "campaign": N_("campaign")},
}


def header(name) -> str:
    """The heading of column ``name`` in the language in effect.

    English shows the column name with ``_`` as spaces (``avg_4_weeks`` → ``avg 4 weeks``, as the
    pack always did); another language the translation of its ``COLUMN_HEADERS`` entry
    (``متوسط 4 أسابيع``). An unknown column keeps its name with ``_`` as spaces.
    """
    key = str(name)
    if key in COLUMN_HEADERS and i18n.language() != "en":
        return _(COLUMN_HEADERS[key])
    return key.replace("_", " ")


def shown_headers(df: pd.DataFrame) -> dict[str, str]:
    """``{column: heading}`` of every column of ``df`` (see ``header``)."""
    return {str(c): header(c) for c in df.columns}


def shown_values(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with the fixed labels of ``metric`` (``METRIC_*``), ``direction`` and
    ``dimension`` translated; every other cell, names included, as it was."""
    out = df.copy()
    if "metric" in out.columns:
        out["metric"] = [x if not isinstance(x, str) else metric_label(x) for x in out["metric"]]
    for col, labels in VALUE_LABELS.items():
        if col in out.columns:
            out[col] = [_(labels[x]) if isinstance(x, str) and x in labels else x for x in out[col]]
    return out
