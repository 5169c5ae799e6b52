"""Chart axes and tables: distinct tick labels, week ticks on the week's first day, one table
height that shows every row, and counts that do not take Unattributed for a source.

Tick labels are rebuilt here the way Plotly prints them (ticks at ``tick0 + k * dtick`` up to
the axis top, formatted like d3's ``,d`` and ``.N%``) and checked for what a reader sees.
"""

from __future__ import annotations

import ast
import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from rasl_data.analytics import axes, weekly_review
from rasl_data.outputs import weekly_pack

ROOT = Path(__file__).resolve().parent.parent


def tick_labels(settings: dict, top: float) -> list[str]:
    """The labels Plotly draws for linear ticks from 0 to ``top`` with ``settings``."""
    step, fmt = settings["dtick"], settings["tickformat"]
    values, v = [], float(settings["tick0"])
    while v <= top + 1e-12:
        values.append(v)
        v += step
    if fmt.endswith("%"):
        decimals = int(fmt[1:-1])
        return [f"{x * 100:.{decimals}f}%" for x in values]
    sign = "+" if fmt.startswith("+") else ""
    return [f"{round(x):{sign},d}" for x in values]


@pytest.mark.parametrize("top", [1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 17, 26, 49, 101, 999, 12_345])
def test_small_counts_get_distinct_integer_ticks(top):
    s = axes.count_ticks(top)
    labels = tick_labels(s, top)
    assert s["dtick"] >= 1 and float(s["dtick"]).is_integer()  # never 0.5 (which printed 4, 4, 3, 3)
    assert len(labels) == len(set(labels)) >= 2
    assert len(labels) <= axes.MAX_TICKS + 1


@pytest.mark.parametrize("low,high", [(-3, 2), (-1, 1), (0, 4), (-40, 7), (-250, 900)])
def test_signed_change_axis_ticks_are_distinct_integers(low, high):
    s = axes.signed_count_ticks(low, high)
    assert float(s["dtick"]).is_integer() and s["dtick"] >= 1
    ticks = [k * s["dtick"] for k in range(int(low // s["dtick"]), int(high // s["dtick"]) + 2)]
    labels = [f"{t:+,d}" for t in map(int, ticks)]
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("top", [0.004, 0.012, 0.02, 0.023, 0.05, 0.099, 0.25, 0.6, 1.0])
def test_unattributed_share_axis_labels_are_distinct_percentages(top):
    # Was ".0%" with Plotly's own step: 0%, 1%, 1%, 2%, 2% on a 0–2.3 % axis.
    labels = tick_labels(axes.percent_ticks(top), top)
    assert len(labels) == len(set(labels)) >= 2, labels


def test_health_unattributed_chart_puts_week_ticks_on_mondays_with_distinct_percent_labels():
    from ui import charts

    mondays = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(12)]
    trend = pd.DataFrame({"period_start": mondays, "unattributed_share": [0.0, 0.004, 0.01, 0.02, 0.023] + [0.01] * 7})
    fig = charts.line_chart(trend, x="period_start", y="unattributed_share", percent=True)
    ticks = [pd.Timestamp(v).date() for v in fig.layout.xaxis.tickvals]
    assert ticks and all(d.weekday() == 0 for d in ticks), ticks  # Mondays, not Plotly's Sundays
    y = fig.layout.yaxis
    labels = tick_labels({"tick0": y.tick0, "dtick": y.dtick, "tickformat": y.tickformat}, 0.023)
    assert len(labels) == len(set(labels)), labels


def test_stacked_bar_axis_covers_the_comparison_line_with_distinct_ticks():
    from ui import charts

    df = pd.DataFrame({"period_start": [pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-09")] * 2,
                       "channel": ["WhatsApp", "WhatsApp", "Email", "Email"], "new_contacts": [1, 2, 1, 0]})
    fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="channel")
    assert fig.layout.yaxis.dtick == 1  # tallest stack 3: 0, 1, 2, 3
    charts.add_comparison_line(fig, [pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-09")], [40, 12], "before")
    y = fig.layout.yaxis
    labels = tick_labels({"tick0": y.tick0, "dtick": y.dtick, "tickformat": y.tickformat}, 40)
    assert labels[-1] == "40" and len(labels) == len(set(labels)) <= axes.MAX_TICKS + 1


def test_weekly_pack_count_axes_on_a_quiet_week_have_distinct_integer_ticks(make_cache):
    from conftest import utc

    week = date(2026, 11, 16)
    contacts = [dict(id=i + 1, source_id=1, type="lead", created_at=utc(2026, 11, 16 + i % 3, 12)) for i in range(4)]
    contacts += [dict(id=10, source_id=1, type="lead", created_at=utc(2026, 11, 10, 12))]
    reader = make_cache(sources=[dict(id=1, name="WhatsApp")], contacts=contacts)
    review = weekly_review.weekly_review(reader, week, "UTC", "monday", date(2026, 11, 30))
    for name, fig in weekly_pack.weekly_figures(review).items():
        axis = fig.layout.xaxis if name == "movers_by_source" else fig.layout.yaxis
        assert axis.dtick is not None and float(axis.dtick).is_integer() and axis.dtick >= 1, name


# --- tables -----------------------------------------------------------------------------------------


def test_top_sources_table_height_keeps_the_last_row_clear_of_the_scrollbar():
    from ui import widgets

    row, header = widgets.TABLE_ROW_PX, widgets.TABLE_HEADER_PX
    for n in range(1, widgets.TABLE_MAX_ROWS + 1):
        # Was 38 + 35 n: exactly the rows, so the grid's horizontal scrollbar covered the last one.
        assert widgets.table_height(n) >= header + n * row + widgets.TABLE_BORDER_PX + widgets.TABLE_SCROLLBAR_PX
        assert widgets.table_height(n) < header + (n + 1) * row + widgets.TABLE_SCROLLBAR_PX  # no empty row
    assert widgets.table_height(500) == widgets.table_height(widgets.TABLE_MAX_ROWS)  # then it scrolls
    assert widgets.table_height(0) == widgets.table_height(1)
    assert widgets.table_height(3, extra_rows=1) == widgets.table_height(4)


def _table_calls(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("dataframe", "data_editor") and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == "st":
            yield node


def test_every_table_is_sized_by_the_one_table_height_formula():
    files = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ui").glob("*.py"))
    offenders = []
    for path in files:
        for call in _table_calls(path):
            height = next((k.value for k in call.keywords if k.arg == "height"), None)
            text = ast.unparse(height) if height is not None else ""
            if "table_height(" not in text and not (path.name == "widgets.py" and text):
                offenders.append(f"{path.relative_to(ROOT)}:{call.lineno} height={text or 'missing'}")
    assert not offenders, offenders


def test_sources_page_does_not_count_unattributed_as_a_source(tmp_path, make_cache, monkeypatch):
    from apptest_support import CUSTOM_QP, make_workspace, run_app, small_tables, use_navigation_on_every_run

    from ui import context

    use_navigation_on_every_run(monkeypatch)
    monkeypatch.setenv("RASL_CACHE_DIR", str(tmp_path / "cache-dir"))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    reader = make_cache(tmp_path, name="small.duckdb", **small_tables())
    context.WORKSPACE_OVERRIDE = make_workspace(tmp_path, reader.path)
    try:
        at = run_app(CUSTOM_QP, "pages/sources.py")
    finally:
        context.WORKSPACE_OVERRIDE = None
    assert not at.exception
    table = at.dataframe[0].value
    # By hand (tests/test_app_pages.py): WhatsApp, Instagram / Ramadan offer and the Arabic source
    # have contacts in the range or the week before; one more row is Unattributed.
    assert len(table) == 4 and "Unattributed" in set(table["Source"])
    notes = [c.value for c in at.caption if "with contacts in the range" in c.value]
    assert notes and notes[0].startswith("3 sources with contacts"), notes
    assert "Unattributed" in notes[0]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(chart["data"][0]["y"]) == 4  # the bar chart draws the same rows (Unattributed in grey)
