"""Monthly targets for new contacts, customers and cost per lead, and how the month is pacing.

Targets are entered like spend (an editable table on the Performance page, a CSV/XLSX upload,
``python -m rasl_data spend targets-import FILE``) and kept in the cache table ``targets``:

| column | meaning |
|---|---|
| ``month`` | the month's first local day (DATE) |
| ``channel`` | a channel name as the dashboard shows it, or ``''`` for the whole workspace |
| ``new_contacts`` / ``customers`` | the month's target count (NULL = no target) |
| ``cost_per_lead`` | the most the month's leads should cost on average (money; NULL = none) |

*Pacing* compares the month so far (its first day to ``as_of``, both included, local) with the
target: "62% of target at 55% of the month" means 62% of the target count is reached when 55% of
the month's days have begun. A count is *on track* when its share of target is at least the share
of the month; cost per lead when it is at or below the target. No streamlit here.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd

from rasl_data import i18n
from rasl_data.analytics import periods
from rasl_data.analytics.attribution import normalise_name, tidy_name
from rasl_data.cache import spend_schema
from rasl_data.i18n import N_, _

SCHEMA = spend_schema.TARGETS

COLUMNS = ["month", "channel", "new_contacts", "customers", "cost_per_lead"]
TARGET_METRICS = ("new_contacts", "customers", "cost_per_lead")
METRIC_WORDS = {"new_contacts": "new contacts", "customers": "customers", "cost_per_lead": "cost per lead"}
METRIC_LABELS = {"new_contacts": N_("New contacts"), "customers": N_("Customers"), "cost_per_lead": N_("Cost per lead")}
"""Target metric → its label (marked for translation; show ``_(METRIC_LABELS[metric])``)."""
ALL_CHANNELS = N_("All channels")  # a value (the whole workspace's row), shown as _(ALL_CHANNELS)
STATUS_WORDS = {"on track": N_("on track"), "behind": N_("behind"), "above target": N_("above target"),
                "no data": N_("no data")}
"""Pacing status (a key of ``pacing``'s ``status`` column) → its words (shown as ``_(...)``)."""
PACING_COLUMNS = ["channel", "metric", "target", "actual", "share_of_target", "share_of_month", "status"]


def parse_month(value, what: str = "month") -> date:
    """``YYYY-MM`` or a date inside the month (text or an XLSX date) → the month's first day."""
    from rasl_data.analytics.spend import parse_date_cell

    text = tidy_name("" if value is None else str(value))
    if len(text) == 7 and text[4] == "-":
        try:
            return periods.parse_date(text + "-01", what)
        except ValueError:
            raise ValueError(_("{text} is not a month in the form YYYY-MM").format(text=repr(text))) from None
    d = parse_date_cell(value if not isinstance(value, str) else text, what)
    return d.replace(day=1)


def month_end(month: date) -> date:
    """The last day of ``month`` (any day in it)."""
    return month.replace(day=periods.month_days(month.year, month.month))


def validate(rows: pd.DataFrame, channels: list[str], first_line: int = 2) -> pd.DataFrame:
    """Check target rows; return ``DataFrame[month (date), channel ('' = all), new_contacts,
    customers, cost_per_lead (floats, NaN = no target)]`` or raise ``spend.SpendError`` listing
    every problem with its line number (unknown channel, a month twice, negative or non-numeric
    values, a row without any target). ``channels``: the channel names the dashboard knows."""
    from rasl_data.analytics.spend_problems import SpendError, line_problem

    problems, unmatched, clean = [], [], []
    need = ["month", "channel"]
    missing = [c for c in need if c not in rows.columns]
    if missing or not any(m in rows.columns for m in TARGET_METRICS):
        raise SpendError([_("the file needs the columns month, channel and at least one of {metrics}").format(
            metrics=", ".join(TARGET_METRICS))], what="targets")
    known = {normalise_name(c): c for c in channels}
    seen: dict[tuple, int] = {}
    for i, (_i, row) in enumerate(rows.iterrows()):
        line = first_line + i
        cells = [row.get(c) for c in COLUMNS]
        if all(v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "" for v in cells):
            continue
        month, channel, values, errs = _check_row(row, known, unmatched)
        if not errs and all(math.isnan(values[m]) for m in TARGET_METRICS):
            errs.append(_("no target given"))
        if month is not None and channel is not None:
            if (month, channel) in seen:
                errs.append(_("{month} {channel} is already on line {line}").format(
                    month=f"{month:%Y-%m}", channel=channel or _(ALL_CHANNELS), line=seen[(month, channel)]))
            else:
                seen[(month, channel)] = line
        if errs:
            problems.append(line_problem(line, errs))
            continue
        clean.append({"month": month, "channel": channel, **values})
    if problems:
        raise SpendError(problems, sorted(set(unmatched)), what="targets")
    return pd.DataFrame(clean, columns=COLUMNS)


def _check_row(row, known: dict[str, str], unmatched: list[str]) -> tuple:
    """One target row: ``(month or None, channel ('' = all) or None, {metric: value (NaN = none)},
    what is wrong)``; ``known`` maps normalised channel names to their names, an unknown channel
    is added to ``unmatched``."""
    from rasl_data.analytics.spend import parse_amount
    from rasl_data.analytics.spend_problems import no_such_name

    errs = []
    try:
        month = parse_month(row.get("month"))
    except ValueError as err:
        errs.append(_("month: {problem}").format(problem=str(err).rstrip(".")))
        month = None
    raw_ch = row.get("channel")
    raw_ch = tidy_name("" if raw_ch is None or (isinstance(raw_ch, float) and math.isnan(raw_ch)) else str(raw_ch))
    if normalise_name(raw_ch) in ("", normalise_name(ALL_CHANNELS), "all"):
        channel = ""
    elif normalise_name(raw_ch) in known:
        channel = known[normalise_name(raw_ch)]
    else:
        channel = None
        errs.append(no_such_name("channel", raw_ch))
        unmatched.append(f"channel: {raw_ch}")
    values = {}
    for metric in TARGET_METRICS:
        v = row.get(metric)
        if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
            values[metric] = float("nan")
            continue
        try:
            values[metric] = parse_amount(v)
        except ValueError as err:
            errs.append(_("{column} {problem}").format(column=metric, problem=err))
    return month, channel, values, errs


def read_targets(db) -> pd.DataFrame:
    """Saved targets, ``COLUMNS`` (month as ``date``, channel ``''`` = all), by month then channel.
    Empty for an older cache without the table."""
    tables = db.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'targets'")
    if int(tables["n"].iloc[0]) == 0:
        return pd.DataFrame(columns=COLUMNS)
    df = db.query("SELECT month, channel, new_contacts, customers, cost_per_lead FROM targets ORDER BY month, channel")
    df["month"] = pd.to_datetime(df["month"]).dt.date if len(df) else pd.Series([], dtype=object)
    return df


def write_targets(con, rows: pd.DataFrame) -> None:
    """Replace every saved target with validated ``rows`` on writer connection ``con``. Internal."""
    con.execute("DELETE FROM targets").fetchall()
    for r in rows.itertuples(index=False):
        con.execute("INSERT INTO targets VALUES (?, ?, ?, ?, ?)",
                    [r.month, r.channel] + [None if pd.isna(v) else float(v)
                                            for v in (r.new_contacts, r.customers, r.cost_per_lead)])


def pacing(db, tz: str, as_of: date, week_start: str = "monday", converted=None) -> pd.DataFrame:
    """How the month holding ``as_of`` is doing against its targets, as of ``as_of`` (included).

    Returns ``DataFrame[PACING_COLUMNS]``: ``channel`` (``ALL_CHANNELS`` or a channel), ``metric``
    (new_contacts, customers, cost_per_lead), ``target``, ``actual`` (month so far; cost per lead
    NaN without spend or leads), ``share_of_target`` (actual ÷ target; NaN for cost per lead),
    ``share_of_month`` (days begun ÷ days in the month), ``status`` (``on track``, ``behind``,
    ``above target``, ``no data``). Empty when the month has no targets. ``attrs['month']`` is the
    month's first day. Reads ``targets`` and what ``performance.performance`` reads.
    """
    from rasl_data.analytics.contacts_sql import Filters
    from rasl_data.analytics.performance import performance

    month = as_of.replace(day=1)
    saved = read_targets(db)
    saved = saved[[m == month for m in saved["month"]]] if len(saved) else saved
    out = pd.DataFrame(columns=PACING_COLUMNS)
    out.attrs["month"] = month
    if saved.empty:
        return out
    f = Filters(month, as_of, tz, week_start)
    by_channel = performance(db, f, "channel", None, converted)
    share_of_month = ((as_of - month).days + 1) / periods.month_days(month.year, month.month)
    rows = []
    for t in saved.itertuples(index=False):
        if t.channel:
            part = by_channel[[normalise_name(c) == normalise_name(t.channel) for c in by_channel["channel"]]]
        else:
            part = by_channel
        n, cu = float(part["new_contacts"].sum()), float(part["customers"].sum())
        money = float(part["spend"].sum()) if part["spend"].notna().any() else float("nan")
        actual = {"new_contacts": n, "customers": cu,
                  "cost_per_lead": money / n if n and not math.isnan(money) else float("nan")}
        for metric in TARGET_METRICS:
            target = getattr(t, metric)
            if target is None or pd.isna(target):
                continue
            a = actual[metric]
            if metric == "cost_per_lead":
                share = float("nan")
                status = "no data" if math.isnan(a) else ("on track" if a <= target else "above target")
            else:
                share = a / target if target else float("nan")
                status = "on track" if (target == 0 or share >= share_of_month) else "behind"
            rows.append({"channel": t.channel or ALL_CHANNELS, "metric": metric, "target": float(target),
                         "actual": a, "share_of_target": share, "share_of_month": share_of_month, "status": status})
    out = pd.DataFrame(rows, columns=PACING_COLUMNS)
    out.attrs["month"] = month
    return out


def _money(x: float, currency: str = "") -> str:
    return f"{i18n.format_number(x, 2)} {currency}".strip()


def _status_words(status: str) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def pacing_text(row, currency: str = "") -> str:
    """One pacing row in words: ``620 new contacts: 62% of target (1,000) at 55% of the month``
    (in the language in effect, ``rasl_data.i18n``)."""
    if row["metric"] == "cost_per_lead":
        if pd.isna(row["actual"]):
            return _("cost per lead: no spend entered yet (target {target})").format(
                target=_money(row["target"], currency))
        return _("cost per lead {actual} vs target {target} ({status})").format(
            actual=_money(row["actual"], currency), target=_money(row["target"], currency),
            status=_status_words(row["status"]))
    text = (_("{actual} new contacts: {share} of target ({target}) at {month_share} of the month")
            if row["metric"] == "new_contacts" else
            _("{actual} customers: {share} of target ({target}) at {month_share} of the month"))
    return text.format(actual=i18n.format_number(int(row["actual"])),
                       share="–" if pd.isna(row["share_of_target"]) else i18n.format_percent(row["share_of_target"], 0),
                       target=i18n.format_number(row["target"]),
                       month_share=i18n.format_percent(row["share_of_month"], 0))


def summary_line(db, tz: str, as_of: date, week_start: str = "monday", currency: str = "") -> str | None:
    """One plain line on the month's overall targets for the weekly summary, or None without targets."""
    p = pacing(db, tz, as_of, week_start)
    overall = p[p["channel"] == ALL_CHANNELS] if len(p) else p
    if overall.empty:
        return None
    month = p.attrs["month"]
    parts = []
    for _i, r in overall.iterrows():
        if r["metric"] == "cost_per_lead":
            parts.append(_("cost per lead no spend yet") if pd.isna(r["actual"]) else
                         _("cost per lead {actual} (target {target})").format(
                             actual=_money(r["actual"], currency), target=_money(r["target"], currency)))
        else:
            part = (_("new contacts {share} of {target}") if r["metric"] == "new_contacts"
                    else _("customers {share} of {target}"))
            parts.append(part.format(share=i18n.format_percent(r["share_of_target"], 0),
                                     target=i18n.format_number(r["target"])))
    return "• " + _("Targets {month} (at {share} of the month): {parts}").format(
        month=i18n.month_name(month.month, "wide"), share=i18n.format_percent(overall["share_of_month"].iloc[0], 0),
        parts=" · ".join(parts))


def default_months(today: date, n: int = 3) -> list[date]:
    """This month and the next ``n - 1`` first days (for a new targets table)."""
    out, m = [], today.replace(day=1)
    for _step in range(n):
        out.append(m)
        m = (m + timedelta(days=32)).replace(day=1)
    return out


__all__ = ["ALL_CHANNELS", "COLUMNS", "PACING_COLUMNS", "SCHEMA", "TARGET_METRICS", "default_months", "month_end",
           "pacing", "pacing_text", "parse_month", "read_targets", "summary_line", "validate", "write_targets"]
