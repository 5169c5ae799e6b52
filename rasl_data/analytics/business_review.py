"""Spend, performance and targets in the weekly review: the pack's extra tables and summary lines.

``week_tables`` gives the weekly pack its performance tables (the week against the previous
week, by source, campaign and channel), the spend that falls in the week and the month's target
pacing as of the week's last day; ``summary_lines`` the (at most two) lines the weekly summary
carries about them. Both use the workspace's conversion definition and currency. No streamlit.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import performance, spend, targets
from rasl_data.analytics.contacts_sql import Filters
from rasl_data.i18n import N_, _

TABLE_TITLES = {
    "performance_by_channel": N_("Performance by channel: leads, customers, spend and costs (vs the previous week)"),
    "performance_by_campaign": N_("Performance by campaign (vs the previous week)"),
    "performance_by_source": N_("Performance by source (vs the previous week)"),
    "spend_in_week": N_("Spend entered for the week (each row's share of its days in the week)"),
    "target_pacing": N_("Monthly targets: the month so far, as of the week's last day"),
}
"""Table stem → its English title (marked for translation: show ``_(TABLE_TITLES[stem])``)."""


def currency_of(db) -> str:
    """The workspace currency (``RASL_CURRENCY``): ``db.currency`` set by ``Workspace``, else the settings."""
    value = getattr(db, "currency", None)
    if isinstance(value, str):
        return value
    try:
        from rasl_data.settings import load_settings

        return load_settings().currency
    except (ValueError, OSError):
        return ""


def money(x: float, currency: str = "") -> str:
    """``1,234.50 SAR``; ``–`` for NaN."""
    if x is None or pd.isna(x):
        return "–"
    return f"{i18n.format_number(x, 2)} {currency}".strip()


def week_tables(db, start: date, end: date, tz: str, week_start: str) -> dict[str, pd.DataFrame]:
    """The pack's extra tables, keyed by ``TABLE_TITLES`` stem (see there). Reads what
    ``performance.performance`` and ``targets.pacing`` read."""
    f = Filters(start, end, tz, week_start)
    out = {f"performance_by_{by}": performance.performance(db, f, by, "previous")
           for by in ("channel", "campaign", "source")}
    saved = spend.read_spend(db)
    if len(saved):
        inside = saved[spend.covered(saved, start, end).to_numpy()].copy()
        inside["amount_in_week"] = spend.shares(inside, start, end).round(2)
        inside = inside.drop(columns=["id", "source_id", "start_day", "end_day"])
        for col in ("start", "end"):
            inside[col] = [d.isoformat() for d in inside[col]]
    else:
        inside = pd.DataFrame(columns=["start", "end", "level", "name", "amount", "amount_in_week"])
    out["spend_in_week"] = inside.reset_index(drop=True)
    # "measure", not "metric": the pack's table of the week's numbers owns that column name.
    out["target_pacing"] = targets.pacing(db, tz, end, week_start).rename(columns={"metric": "measure"})
    return out


def summary_lines(db, start: date, end: date, tz: str, week_start: str) -> list[str]:
    """At most two plain lines for the weekly summary: the week's spend, cost per lead and per
    customer against the previous week (only when spend was entered or customers came in), and
    the month's target pacing (``targets.summary_line``, only when the month has targets)."""
    currency = currency_of(db)
    lines = []
    t = performance.totals(db, Filters(start, end, tz, week_start), "previous")
    cur, prev = t["current"], t["previous"]
    if not pd.isna(cur["spend"]):
        figures = {"spend": money(cur["spend"], currency), "cpl": money(cur["cost_per_lead"], currency),
                   "cpc": money(cur["cost_per_customer"], currency),
                   "customers": i18n.format_number(cur["customers"])}
        if pd.isna(prev["cost_per_lead"]):
            text = _("Spend: {spend} · cost per lead {cpl} · cost per customer {cpc} · {customers} customers")
        else:
            figures["previous_cpl"] = money(prev["cost_per_lead"], currency)
            text = _("Spend: {spend} · cost per lead {cpl} (previous week {previous_cpl}) · cost per customer {cpc} · "
                     "{customers} customers")
        lines.append("• " + text.format(**figures))
    elif cur["customers"]:
        lines.append("• " + _("Customers: {customers} of {new} new contacts ({rate}); no spend entered for the "
                              "week").format(customers=i18n.format_number(cur["customers"]),
                                             new=i18n.format_number(cur["new_contacts"]),
                                             rate=i18n.format_percent(cur["conversion_rate"], 0)))
    target = targets.summary_line(db, tz, end, week_start, currency)
    if target:
        lines.append(target)
    return lines


__all__ = ["TABLE_TITLES", "currency_of", "money", "summary_lines", "week_tables"]
