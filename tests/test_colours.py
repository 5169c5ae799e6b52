"""Series colours: one colour per source on every page and in the weekly pack; a palette whose
neighbours are far apart; grey for Unattributed only; a distinct look for "Other".

The perceptual distances are computed here from scratch (sRGB → CIELAB D65 → CIEDE2000, Sharma,
Wu & Dalal 2005) and the implementation is checked against pairs of that paper's test data, so
the palette is judged by an oracle independent of how it was chosen.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import utc
from streamlit.testing.v1 import AppTest

from rasl_data.analytics import colours, periods, weekly_review
from rasl_data.cache.workspace import Workspace
from rasl_data.outputs import weekly_pack
from rasl_data.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


# --- CIEDE2000 oracle -----------------------------------------------------------------------------


def srgb_to_lab(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = 0.4124564 * lin[0] + 0.3575761 * lin[1] + 0.1804375 * lin[2]
    y = 0.2126729 * lin[0] + 0.7151522 * lin[1] + 0.0721750 * lin[2]
    z = 0.0193339 * lin[0] + 0.1191920 * lin[1] + 0.9503041 * lin[2]

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x / 0.95047), f(y / 1.0), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1, lab2) -> float:
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    cbar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    else:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    lbar, cbarp = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbar = (h1p + h2p) / 2
    else:
        hbar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hbar - 30)) + 0.24 * math.cos(math.radians(2 * hbar))
         + 0.32 * math.cos(math.radians(3 * hbar + 6)) - 0.20 * math.cos(math.radians(4 * hbar - 63)))
    dtheta = 30 * math.exp(-(((hbar - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cbarp ** 7 / (cbarp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / math.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * t
    rt = -math.sin(math.radians(2 * dtheta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dH / sh) ** 2 + rt * (dc / sc) * (dH / sh))


def delta_e(a: str, b: str) -> float:
    return ciede2000(srgb_to_lab(a), srgb_to_lab(b))


def chroma(hex_colour: str) -> float:
    _, a, b = srgb_to_lab(hex_colour)
    return math.hypot(a, b)


@pytest.mark.parametrize("lab1,lab2,expected", [
    # Sharma, Wu & Dalal (2005), table 1: pairs 1, 7, 17 and 25.
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_oracle_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


# --- the palette ----------------------------------------------------------------------------------

MIN_ADJACENT_DE = 20.0  # neighbours in the palette (the two biggest sources, the 2nd and 3rd, ...)
MIN_ANY_DE = 10.0       # any two palette colours
GREY_CHROMA = 12.0      # CIELAB chroma below this reads as grey


def test_adjacent_palette_colours_differ_by_a_minimum_perceptual_distance():
    p = colours.PALETTE
    assert len(p) >= 16 and len(set(p)) == len(p)
    adjacent = [(p[i], p[(i + 1) % len(p)], delta_e(p[i], p[(i + 1) % len(p)])) for i in range(len(p))]
    close = [(a, b, round(d, 1)) for a, b, d in adjacent if d < MIN_ADJACENT_DE]
    assert not close, close
    pairs = [(a, b, round(delta_e(a, b), 1)) for i, a in enumerate(p) for b in p[i + 1:]]
    assert not [x for x in pairs if x[2] < MIN_ANY_DE], sorted(pairs, key=lambda x: x[2])[:3]


def test_near_identical_greys_and_yellows_no_longer_sit_together():
    # The old palette put three greys (#888888, #A5AA99, #90A4AE "Other") and two yellows next to
    # Unattributed's grey. Now grey is Unattributed's alone: every other series colour has colour.
    series = set(colours.PALETTE) | set(colours.CHANNEL_COLOURS.values()) | {colours.OTHER_COLOUR}
    series.discard(colours.UNATTRIBUTED_COLOUR)
    greys = sorted(c for c in series if chroma(c) < GREY_CHROMA)
    assert not greys, greys
    assert chroma(colours.UNATTRIBUTED_COLOUR) < 2  # a true grey


def test_other_has_its_own_look_neither_grey_nor_a_palette_colour():
    other = colours.OTHER_COLOUR
    assert chroma(other) >= GREY_CHROMA
    assert min(delta_e(other, c) for c in colours.PALETTE) >= MIN_ANY_DE
    assert delta_e(other, colours.UNATTRIBUTED_COLOUR) >= MIN_ANY_DE
    marker = colours.bar_marker("Other", "#123456")
    assert marker["color"] == other and marker["pattern"]["shape"]  # hatched
    assert colours.bar_marker("Other sources", "#123456")["pattern"]["shape"]
    assert "pattern" not in colours.bar_marker("WhatsApp", "#123456")


def test_channel_colours_are_distinct_brand_colours():
    values = [c for name, c in colours.CHANNEL_COLOURS.items() if name != "Unattributed"]
    pairs = [(a, b, round(delta_e(a, b), 1)) for i, a in enumerate(values) for b in values[i + 1:]]
    assert not [x for x in pairs if x[2] < MIN_ANY_DE], sorted(pairs, key=lambda x: x[2])[:3]


def test_comparison_line_colour_stands_apart_from_every_series_colour():
    cmp = colours.COMPARISON_COLOUR
    assert min(delta_e(cmp, c) for c in colours.PALETTE) >= MIN_ANY_DE
    assert chroma(cmp) >= GREY_CHROMA


# --- the same source, the same colour everywhere ----------------------------------------------------

NAMES = {1: "Alpha", 2: "Beta", 3: "Gamma", 4: "Delta", 5: "Epsilon"}
# All-time contacts per source: by hand, Delta (4) > Beta (2) > Epsilon (5) > Alpha (1) > Gamma (3).
OLD = {4: 30, 2: 20, 5: 15, 1: 10, 3: 1}
# The last complete week (drawn first = biggest in the week): Gamma, Alpha, Beta, Epsilon, Delta.
WEEK = {3: 9, 1: 6, 2: 4, 5: 2, 4: 1, None: 3}


@pytest.fixture
def colour_ws(tmp_path, make_cache, monkeypatch):
    """A workspace whose all-time ranking of sources differs from any one week's ranking."""
    from streamlit.runtime.pages_manager import PagesManager

    from ui import context

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # run app.py (and st.navigation) on every AppTest run
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    monkeypatch.setenv("RASL_CACHE_DIR", str(tmp_path / "cache-dir"))
    monkeypatch.delenv("RASL_API_TOKEN", raising=False)
    today = periods.today_in("UTC")
    week, _ = periods.last_complete_weeks(today, 1, "monday")
    old_day = week - timedelta(days=20)
    rows = []
    for sid, n in OLD.items():
        rows += [(old_day + timedelta(days=i % 5), sid) for i in range(n)]
    for sid, n in WEEK.items():
        rows += [(week + timedelta(days=i % 7), sid) for i in range(n)]
    t0 = utc(2025, 1, 1)
    reader = make_cache(
        tmp_path, name="colours.duckdb",
        sources=[dict(id=i, name=n, created_at=t0, updated_at=t0) for i, n in NAMES.items()],
        contacts=[dict(id=k + 1, type="lead", source_id=sid, created_at=utc(d.year, d.month, d.day, 12),
                       updated_at=utc(d.year, d.month, d.day, 12)) for k, (d, sid) in enumerate(rows)],
    )
    settings = load_settings({"RASL_CACHE_PATH": str(reader.path), "RASL_API_TOKEN": None,
                              "RASL_BASE_URL": "https://rasl.test/api/v2"},
                             secrets_path=tmp_path / "no-secrets.toml", environ={})
    ws = Workspace(settings)
    context.WORKSPACE_OVERRIDE = ws
    yield ws, week
    context.WORKSPACE_OVERRIDE = None


def expected_colour(name: str) -> str:
    """By hand: the palette slot of the source's all-time rank; Unattributed grey."""
    if name == "Unattributed":
        return colours.UNATTRIBUTED_COLOUR
    sid = next(i for i, n in NAMES.items() if n == name)
    rank = sorted(OLD, key=lambda s: (-(OLD[s] + WEEK.get(s, 0)), s)).index(sid)
    return colours.PALETTE[rank]


def figure_colours(fig: dict) -> dict[str, str]:
    """Series label → colour of a Plotly figure dict (legend traces, or one bar per category)."""
    out: dict[str, str] = {}
    for trace in fig["data"]:
        marker = trace.get("marker") or {}
        colour = marker.get("color")
        if isinstance(colour, list):  # horizontal bars: one colour per category label
            for label, c in zip(trace.get("y") or [], colour):
                out[str(label).strip("\u200e")] = c.upper()
        elif colour and trace.get("name") and trace.get("type", "bar") == "bar":
            out[str(trace["name"]).strip("\u200e")] = colour.upper()
    return out


def app_figures(page: str | None, query: dict | None = None) -> list[dict]:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["_first_sync_tried"] = True
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def pack_html_figures(zip_bytes: bytes) -> list[dict]:
    """The figures of the pack's HTML report, read back from its ``Plotly.newPlot`` calls."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        html = next(zf.read(n).decode() for n in zf.namelist() if n.endswith(".html"))
    decoder, out = json.JSONDecoder(), []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', html):
        data, _ = decoder.raw_decode(html, m.end())
        out.append({"data": data})
    return out


def test_same_source_gets_the_same_colour_on_overview_sources_weekly_and_the_pack(colour_ws, monkeypatch):
    ws, week = colour_ws
    seen: dict[str, list[tuple[str, str]]] = {}

    def collect(where: str, figs: list[dict]) -> None:
        for fig in figs:
            for label, colour in figure_colours(fig).items():
                seen.setdefault(label, []).append((where, colour))

    collect("overview", app_figures(None))
    collect("sources", app_figures("pages/sources.py"))
    collect("conversion", app_figures("pages/conversion.py"))
    collect("weekly page", app_figures("pages/weekly.py"))

    png_figures = {}

    def fake_images(figures):
        png_figures.update(figures)
        return {}, "not drawn in this test"

    monkeypatch.setattr(weekly_pack, "chart_images", fake_images)
    pack = weekly_pack.build_weekly_pack(ws.reader, week, "UTC", "monday")
    # The pack's charts by source (the movers chart colours by direction, up or down).
    daily = weekly_pack.CHART_NAMES.index("daily_new_contacts_by_source")
    collect("pack html", [pack_html_figures(pack)[daily]])
    collect("pack png", [png_figures["daily_new_contacts_by_source"].to_plotly_json()])

    for name in list(NAMES.values()) + ["Unattributed"]:
        places = seen.get(name, [])
        where = {w for w, _ in places}
        assert {"overview", "sources", "weekly page", "pack html", "pack png"} <= where, (name, where)
        assert {c for _, c in places} == {expected_colour(name)}, (name, places)


def test_weekly_daily_chart_colours_follow_the_source_not_the_trace_order(colour_ws):
    ws, week = colour_ws
    review = weekly_review.weekly_review(ws.reader, week, "UTC", "monday", periods.today_in("UTC"))
    fig = weekly_pack.weekly_figures(review, colours.series_colours(ws.reader))["daily_new_contacts_by_source"]
    names = [t.name for t in fig.data]
    assert names[0] == "Gamma"  # the week's biggest source is drawn first...
    got = {t.name: t.marker.color.upper() for t in fig.data}
    # ...but keeps the colour of its all-time rank (last of five), not the first palette colour.
    assert got["Gamma"] == colours.PALETTE[4] == expected_colour("Gamma")
    assert got["Unattributed"] == colours.UNATTRIBUTED_COLOUR
    # Without the workspace's ranking the page and the pack still agree with each other: by id.
    bare = weekly_pack.weekly_figures(review)["daily_new_contacts_by_source"]
    assert {t.name: t.marker.color for t in bare.data}["Gamma"] == colours.PALETTE[3 % len(colours.PALETTE)]


def test_stacked_bars_sum_the_rest_into_a_hatched_other_and_keep_unattributed_grey():
    import pandas as pd

    from ui import charts

    rows = [{"period_start": pd.Timestamp("2026-11-02"), "source": f"S{i}", "source_id": i, "new_contacts": 20 - i}
            for i in range(1, 15)]
    rows.append({"period_start": pd.Timestamp("2026-11-02"), "source": "Unattributed", "source_id": pd.NA,
                 "new_contacts": 50})
    charts.set_colours(colours.SeriesColours(tuple(range(1, 15))))
    try:
        fig = charts.stacked_bars(pd.DataFrame(rows), x="period_start", y="new_contacts", colour="source",
                                  colour_keys="source_id")
    finally:
        charts.set_colours(colours.SeriesColours())
    by_name = {t.name: t for t in fig.data}
    assert by_name["Unattributed"].marker.color == colours.UNATTRIBUTED_COLOUR  # with its own legend entry
    other = by_name["Other"]
    assert other.marker.color == colours.OTHER_COLOUR and other.marker.pattern.shape == colours.OTHER_PATTERN
    assert sum(other.y) == sum(20 - i for i in range(11, 15))  # S11..S14 beyond the 11 largest series
    assert by_name["S1"].marker.color == colours.PALETTE[0]


def test_no_group_is_not_grey_and_groups_take_the_colour_of_their_member_rank(make_cache):
    import pandas as pd

    from ui import charts

    # By hand: group 7 has 3 members, group 3 has 2, group 9 (deleted) is skipped, group 5 has none.
    reader = make_cache(
        groups=[dict(id=3, name="VIP"), dict(id=5, name="Empty"), dict(id=7, name="Leads"),
                dict(id=9, name="Gone", deleted_at=utc(2026, 1, 1))],
        contact_groups=[dict(contact_id=c, group_id=g) for c, g in
                        [(1, 7), (2, 7), (3, 7), (1, 3), (4, 3), (5, 9), (6, 9), (7, 9), (8, 9)]],
    )
    got = colours.series_colours(reader)
    assert got.group_order == (7, 3, 5)
    df = pd.DataFrame({"period_start": [pd.Timestamp("2026-11-02")] * 3, "group": ["Leads", "VIP", "No group"],
                       "group_id": pd.array([7, 3, None], dtype="Int64"), "new_contacts": [3, 2, 9]})
    charts.set_colours(got)
    try:
        fig = charts.stacked_bars(df, x="period_start", y="new_contacts", colour="group", colour_keys="group_id")
    finally:
        charts.set_colours(colours.SeriesColours())
    by_name = {t.name: t.marker.color for t in fig.data}
    assert by_name == {"Leads": colours.PALETTE[0], "VIP": colours.PALETTE[1], "No group": colours.NONE_COLOUR}
    assert chroma(colours.NONE_COLOUR) >= GREY_CHROMA  # grey stays Unattributed's


def test_no_campaign_and_no_group_colour_is_never_a_campaign_or_group_colour():
    got = colours.SeriesColours((), tuple(f"C{i}" for i in range(40)), tuple(range(40)))
    taken = {got.campaign(f"C{i}") for i in range(40)} | {got.group(i) for i in range(40)}
    assert colours.NONE_COLOUR not in taken
    assert got.campaign("No campaign") == got.group(None) == colours.NONE_COLOUR


def test_unattributed_keeps_its_grey_legend_entry_when_many_sources_fold_into_other(make_cache):
    import pandas as pd

    from ui import charts

    # 14 sources with 20..7 contacts and 2 unattributed: Unattributed is the smallest series.
    rows = [{"period_start": pd.Timestamp("2026-11-02"), "source": f"S{i}", "source_id": i, "new_contacts": 21 - i}
            for i in range(1, 15)]
    rows.append({"period_start": pd.Timestamp("2026-11-02"), "source": "Unattributed", "source_id": pd.NA,
                 "new_contacts": 2})
    fig = charts.stacked_bars(pd.DataFrame(rows), x="period_start", y="new_contacts", colour="source",
                              colour_keys="source_id")
    names = [t.name for t in fig.data]
    assert "Unattributed" in names and "Other" in names and len(names) == 12
    assert {t.name: t.marker.color for t in fig.data}["Unattributed"] == colours.UNATTRIBUTED_COLOUR
    assert sum(sum(t.y) for t in fig.data) == sum(r["new_contacts"] for r in rows)  # nothing lost

    # The weekly pack's daily chart: 10 sources and a few unattributed contacts in one week.
    week = periods.last_complete_weeks(periods.today_in("UTC"), 1, "monday")[0]
    day = utc(week.year, week.month, week.day, 12)
    contacts = [dict(id=k + 1, source_id=sid, type="lead", created_at=day)
                for k, sid in enumerate([s for s in range(1, 11) for _ in range(12 - s)] + [None])]
    reader = make_cache(sources=[dict(id=i, name=f"S{i}") for i in range(1, 11)], contacts=contacts)
    review = weekly_review.weekly_review(reader, week, "UTC", "monday", periods.today_in("UTC"))
    daily = weekly_pack.weekly_figures(review, colours.series_colours(reader))["daily_new_contacts_by_source"]
    shown = {t.name: t for t in daily.data}
    assert shown["Unattributed"].marker.color == colours.UNATTRIBUTED_COLOUR
    assert len(shown) == weekly_pack.MAX_CHART_SOURCES + 1 and weekly_pack.OTHER_SOURCES in shown
    # By hand: S1..S10 bring 11..2 contacts; Unattributed takes one of the 8 places, so S1..S7 stay
    # and S8 + S9 + S10 = 4 + 3 + 2 fold into "Other sources".
    assert [n for n in shown if n.startswith("S")] == [f"S{i}" for i in range(1, 8)]
    assert sum(shown[weekly_pack.OTHER_SOURCES].y) == 9
