"""Performance per source, campaign and channel against an independent pandas oracle, plus
hand-counted cases, the conversion definition and ``export performance``."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from rasl_data.analytics import acquisition, conversion, performance
from rasl_data.analytics.contacts_sql import Filters
from rasl_data.cli import main

TZ = "Asia/Riyadh"
T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
# Sources and, by hand, their channel and campaign under the default rules and naming convention.
SOURCES = {1: "Facebook / Ramadan", 2: "Instagram / Ramadan", 3: "Google Ads | Brand", 4: "WhatsApp",
           5: "TikTok - Launch", 6: "Gone"}
HAND_MAP = {1: ("Facebook", "Ramadan"), 2: ("Instagram", "Ramadan"), 3: ("Google Ads", "Brand"),
            4: ("WhatsApp", "No campaign"), 5: ("TikTok", "Launch")}
STATUSES = [dict(id=1, name="New"), dict(id=2, name="Won"), dict(id=3, name="Paid")]
SPEND = [  # (start, end, level, name, amount)
    ("2026-10-20", "2026-11-18", "source", "Facebook / Ramadan", 300.0),
    ("2026-11-01", "2026-11-30", "source", "Google Ads | Brand", 450.0),
    ("2026-11-05", "2026-11-05", "source", "WhatsApp", 12.5),
    ("2026-10-01", "2026-12-31", "campaign", "Ramadan", 920.0),
    ("2026-11-01", "2026-11-30", "campaign", "Launch", 60.0),
    ("2026-11-10", "2026-11-12", "channel", "Instagram", 33.0),
    ("2026-09-01", "2026-09-30", "channel", "TikTok", 999.0),  # outside the ranges below
    ("2026-11-01", "2026-11-30", "source", "Gone", 70.0),        # a source deleted since
]


@pytest.fixture(scope="module")
def contacts_df() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 900
    start = datetime(2026, 10, 1, tzinfo=timezone.utc)
    created = [start + timedelta(minutes=int(m)) for m in rng.integers(0, 80 * 24 * 60, n)]
    sid = rng.choice([1, 2, 3, 4, 5, 6, 0], n, p=[.2, .15, .15, .2, .1, .05, .15])
    return pd.DataFrame({
        "id": np.arange(1, n + 1), "created_at": created,
        "source_id": [None if s == 0 else int(s) for s in sid],
        "type": rng.choice(["lead", "customer", "guest"], n, p=[.6, .3, .1]),
        "status_id": [None if s == 0 else int(s) for s in rng.choice([0, 1, 2, 3], n, p=[.1, .5, .25, .15])],
    })


@pytest.fixture
def db(tmp_path, make_cache, contacts_df):
    sources = [dict(id=i, name=n, created_at=T0) for i, n in SOURCES.items()]
    sources[-1]["deleted_at"] = datetime(2026, 9, 1, tzinfo=timezone.utc)
    spend_rows = [dict(id=i + 1, start=s, end=e, level=lv, name=nm, amount=a, source_id=(
        next((k for k, v in SOURCES.items() if v == nm), None) if lv == "source" else None))
        for i, (s, e, lv, nm, a) in enumerate(SPEND)]
    return make_cache(tmp_path, sources=sources, statuses=STATUSES, spend=spend_rows,
                      contacts=contacts_df.assign(created_at=[c.isoformat() for c in contacts_df["created_at"]]))


# --- the oracle ----------------------------------------------------------------------------------


def oracle_spend_by_day(start: date, end: date) -> list[dict]:
    """Spend expanded to one row per day (amount ÷ days), kept where the day is in the range."""
    out = []
    for s, e, lv, nm, amount in SPEND:
        d0, d1 = date.fromisoformat(s), date.fromisoformat(e)
        days = (d1 - d0).days + 1
        for i in range(days):
            d = d0 + timedelta(days=i)
            if start <= d <= end:
                out.append({"level": lv, "name": nm, "money": amount / days})
    return out


def oracle_line(by: str, level: str, name: str) -> str:
    """Where a spend row lands in the view, by hand (see rasl_data.analytics.performance)."""
    src = {v: k for k, v in SOURCES.items()}
    if level == "source":
        if src[name] not in HAND_MAP:
            return f"{name} (source no longer in RASL)"
        ch, cp = HAND_MAP[src[name]]
        return {"source": name, "channel": ch, "campaign": cp}[by]
    if level == "campaign":
        if by == "campaign":
            return name
        channels = {ch for ch, cp in HAND_MAP.values() if cp == name}
        if by == "channel" and len(channels) == 1:
            return channels.pop()
        return f"{name} (campaign spend)"
    return name if by == "channel" else f"{name} (channel spend)"


def oracle(contacts: pd.DataFrame, by: str, start: date, end: date, customer) -> pd.DataFrame:
    local = pd.to_datetime(contacts["created_at"], utc=True).dt.tz_convert(ZoneInfo(TZ)).dt.date
    part = contacts[(local >= start) & (local <= end)].copy()

    def name_of(sid):
        if sid is None or pd.isna(sid) or int(sid) not in HAND_MAP:
            return "Unattributed"
        sid = int(sid)
        return {"source": SOURCES[sid], "channel": HAND_MAP[sid][0], "campaign": HAND_MAP[sid][1]}[by]

    part["line"] = [name_of(s) for s in part["source_id"]]
    part["cust"] = [customer(r) for r in part.itertuples()]
    counts = part.groupby("line").agg(new_contacts=("id", "count"), customers=("cust", "sum"))
    money = pd.DataFrame(oracle_spend_by_day(start, end))
    money["line"] = [oracle_line(by, lv, nm) for lv, nm in zip(money["level"], money["name"])]
    spent = money.groupby("line")["money"].sum().rename("spend")
    out = counts.join(spent, how="outer")
    out[["new_contacts", "customers"]] = out[["new_contacts", "customers"]].fillna(0)
    return out


def check(got: pd.DataFrame, want: pd.DataFrame, by: str) -> None:
    got = got.set_index(by)
    assert sorted(got.index) == sorted(want.index)
    for line, w in want.iterrows():
        g = got.loc[line]
        assert g["new_contacts"] == w["new_contacts"], line
        assert g["customers"] == w["customers"], line
        if pd.isna(w["spend"]):
            assert pd.isna(g["spend"]) and pd.isna(g["cost_per_lead"]), line
            continue
        assert g["spend"] == pytest.approx(w["spend"]), line
        if w["new_contacts"]:
            assert g["cost_per_lead"] == pytest.approx(w["spend"] / w["new_contacts"]), line
        else:
            assert pd.isna(g["cost_per_lead"]), line
        if w["customers"]:
            assert g["cost_per_customer"] == pytest.approx(w["spend"] / w["customers"]), line
        else:
            assert pd.isna(g["cost_per_customer"]), line


@pytest.mark.parametrize("by", ["source", "campaign", "channel"])
@pytest.mark.parametrize("start,end", [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 11, 8), date(2026, 11, 14))])
def test_performance_matches_the_pandas_oracle(db, contacts_df, by, start, end):
    got = performance.performance(db, Filters(start, end, TZ), by)
    check(got, oracle(contacts_df, by, start, end, lambda r: r.type == "customer"), by)


def test_status_definition_counts_customers_by_current_status(db, contacts_df):
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    got = performance.performance(db, Filters(start, end, TZ), "channel", converted="status: won , PAID")
    check(got, oracle(contacts_df, "channel", start, end, lambda r: r.status_id in (2, 3)), "channel")
    assert got.attrs["conversion"] == "status:won,PAID"


def test_spend_total_is_the_same_in_every_view_and_never_infinite(db):
    f = Filters(date(2026, 11, 1), date(2026, 11, 30), TZ)
    totals = {by: performance.performance(db, f, by)["spend"].sum() for by in ("source", "campaign", "channel")}
    # By hand: 300×18/30 + 450 + 12.5 + 920×30/92 + 60 + 33 + 70 (TikTok September is outside).
    expected = 180 + 450 + 12.5 + 920 * 30 / 92 + 60 + 33 + 70
    assert all(t == pytest.approx(expected) for t in totals.values()), totals
    df = performance.performance(db, f, "source")
    for col in ("cost_per_lead", "cost_per_customer", "conversion_rate"):
        assert not np.isinf(df[col].to_numpy(dtype=float)).any()
    line = df[df["source"] == "Ramadan (campaign spend)"].iloc[0]
    assert line["new_contacts"] == 0 and pd.isna(line["cost_per_lead"]) and pd.isna(line["source_id"])


def test_comparison_columns_are_the_previous_period(db, contacts_df):
    f = Filters(date(2026, 11, 8), date(2026, 11, 14), TZ)
    got = performance.performance(db, f, "channel", "previous")
    want = oracle(contacts_df, "channel", date(2026, 11, 1), date(2026, 11, 7), lambda r: r.type == "customer")
    prev = got.set_index("channel")
    for line, w in want.iterrows():
        assert prev.loc[line, "previous_new_contacts"] == w["new_contacts"]
        if not pd.isna(w["spend"]):
            assert prev.loc[line, "previous_spend"] == pytest.approx(w["spend"])


def test_channel_filter_keeps_its_contacts_and_spend_only(db, contacts_df):
    f = Filters(date(2026, 11, 1), date(2026, 11, 30), TZ, channels=("Instagram",))
    got = performance.performance(db, f, "channel").set_index("channel")
    want = oracle(contacts_df, "channel", date(2026, 11, 1), date(2026, 11, 30), lambda r: r.type == "customer")
    assert list(got.index) == ["Instagram", "Ramadan (campaign spend)"]
    assert got.loc["Instagram", "new_contacts"] == want.loc["Instagram", "new_contacts"]
    assert got.loc["Instagram", "spend"] == pytest.approx(33.0)


def test_conversion_rate_and_kpis_follow_the_saved_definition(tmp_path, make_cache):
    t = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    # 4 contacts: type customer ×1 (status New); status Won ×2 (type lead); nothing ×1.
    reader = make_cache(tmp_path, name="def.duckdb", statuses=STATUSES, sources=[dict(id=1, name="WhatsApp")],
                        contacts=[dict(id=1, source_id=1, type="customer", status_id=1, created_at=t),
                                  dict(id=2, source_id=1, type="lead", status_id=2, created_at=t),
                                  dict(id=3, source_id=1, type="lead", status_id=2, created_at=t),
                                  dict(id=4, source_id=1, type="lead", status_id=1, created_at=t)],
                        contact_changes=[dict(contact_id=2, field="status_id", old_value="1", new_value="2",
                                              observed_at=t + timedelta(days=3))],
                        workspace_settings=[dict(key="RASL_CONVERSION", value="status:Won")])
    f = Filters(date(2026, 11, 1), date(2026, 11, 30))
    row = conversion.conversion(reader, f, None).iloc[0]
    assert (row["customers"], row["conversion_rate"], row["converted"]) == (2, 0.5, 1)
    assert acquisition.kpis(reader, f, None).conversion_rate.value == 0.5
    assert conversion.conversion(reader, f, None, converted="type:customer").iloc[0]["customers"] == 1


def test_export_performance_writes_the_columns_with_blanks_not_infinity(db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RASL_SECRETS_PATH", str(tmp_path / "none.toml"))
    out = tmp_path / "perf.csv"
    code = main(["export", "performance", "--by", "campaign", "--start", "2026-11-01", "--end", "2026-11-30",
                 "--tz", TZ, "--converted", "status:Won", "--cache", str(db.path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    df = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert list(df.columns) == ["campaign", "new_contacts", "customers", "conversion_rate", "spend", "cost_per_lead",
                                "cost_per_customer"]
    assert "inf" not in out.read_text(encoding="utf-8-sig").lower()
    line = df[df["campaign"] == "Google Ads (channel spend)"]
    assert line.empty  # Google Ads has no channel-level spend in SPEND
    spend_only = df[df["campaign"] == "Instagram (channel spend)"].iloc[0]
    assert (spend_only["new_contacts"], spend_only["cost_per_lead"], spend_only["cost_per_customer"]) == (0, "", "")
    assert math.isclose(float(spend_only["spend"]), 33.0)
    code = main(["export", "performance", "--by", "group", "--start", "2026-11-01", "--end", "2026-11-30",
                 "--cache", str(db.path), "--out", str(out)])
    assert code == 2
    code = main(["export", "performance", "--by", "source", "--start", "2026-11-01", "--end", "2026-11-30",
                 "--converted", "stage:won", "--cache", str(db.path), "--out", str(out)])
    assert code == 2 and "--converted" in capsys.readouterr().err


def test_empty_comparison_period_gives_zeros_and_blank_costs(db):
    # 2026-10-01 is the first day with contacts; the previous period (26..30 Sep) has none, only
    # TikTok's September channel spend: 999 × 5 / 30 = 166.5, with no lead to divide it by.
    f = Filters(date(2026, 10, 1), date(2026, 10, 5), TZ)
    got = performance.performance(db, f, "channel", "previous").set_index("channel")
    assert (got["previous_new_contacts"] == 0).all()
    assert got["previous_spend"].dropna().to_dict() == {"TikTok": pytest.approx(166.5)}
    assert got["previous_cost_per_lead"].isna().all()
    empty = performance.performance(db, Filters(date(2024, 1, 1), date(2024, 1, 7), TZ), "source", "previous")
    assert empty.empty and "previous_spend" in empty.columns
