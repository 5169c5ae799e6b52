"""The weekly review (rasl_data.analytics.weekly_review) against hand counts and an independent pandas oracle.

The workspace below is small enough to count by hand: Asia/Riyadh (UTC+3), weeks from Monday,
the week under review is 16–22 Nov 2026, the 4 weeks before start 19 Oct. Contacts sit near
local midnight on purpose (a UTC date is not the local date).
"""

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, getcontext
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from rasl_data import text
from rasl_data.analytics import weekly_review

TZ = "Asia/Riyadh"
WEEK = date(2026, 11, 16)
WEEK_END = date(2026, 11, 22)
BASE = date(2026, 10, 19)
TODAY = date(2026, 11, 25)
RIYADH = ZoneInfo(TZ)

SOURCES = [
    (1, "Instagram / Ramadan", None),
    (2, "واتساب / رمضان", None),
    (3, "Facebook / Eid", None),
    (4, "TikTok / Eid", None),
    (5, "Website", None),
    (6, "Deleted promo", datetime(2026, 11, 24, tzinfo=timezone.utc)),
    (7, "Old promo", None),
    (8, "<img src=x onerror=alert(1)>", None),
    (9, "Snap / Eid", None),
]
LIVE = {sid: name for sid, name, deleted in SOURCES if deleted is None}
# Campaign of each live source by the "Channel / Campaign" convention, written out by hand.
CAMPAIGN = {1: "Ramadan", 2: "رمضان", 3: "Eid", 4: "Eid", 5: None, 7: None, 8: None, 9: "Eid"}


def local(d: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=RIYADH).astimezone(timezone.utc)


def week_day(week: int, weekday: int) -> date:
    """Local date of ``weekday`` (0 = Monday) in week ``week`` (0..4 from BASE; 4 = the review week)."""
    return BASE + timedelta(days=7 * week + weekday)


def _rows() -> list[tuple[int | None, datetime]]:
    rows: list[tuple[int | None, datetime]] = []

    def add(source_id, when, n=1):
        rows.extend([(source_id, when)] * n)

    for w in range(4):  # Instagram: 3 a week before, then a surge
        add(1, local(week_day(w, 1)), 3)
    for d in range(6):
        add(1, local(week_day(4, d)), 3)
    add(1, datetime(2026, 11, 15, 21, 30, tzinfo=timezone.utc))  # 00:30 on Mon 16 Nov in Riyadh: this week
    add(1, datetime(2026, 11, 22, 20, 59, tzinfo=timezone.utc))  # 23:59 on Sun 22 Nov: this week
    add(1, datetime(2026, 11, 22, 21, 30, tzinfo=timezone.utc))  # 00:30 on Mon 23 Nov: next week
    add(2, local(week_day(0, 2)))
    add(2, local(week_day(3, 2)), 4)
    add(2, local(week_day(4, 3)), 2)
    add(3, datetime(2026, 10, 18, 21, 30, tzinfo=timezone.utc))  # 00:30 on Mon 19 Oct: first baseline week
    add(3, local(week_day(0, 4)))
    add(3, local(week_day(1, 0)), 2)
    add(3, local(week_day(2, 5)), 2)
    add(3, local(week_day(3, 3)), 6)  # last contact Thu 12 Nov, then silence
    add(4, local(week_day(4, 2)), 3)  # TikTok's first contacts ever, Wed 18 Nov
    add(5, local(date(2026, 9, 1)))  # Website: old, then again this week (not a new source)
    add(5, local(week_day(4, 4)))
    add(6, local(week_day(3, 1)))  # deleted source: its contacts are Unattributed
    add(6, local(week_day(4, 1)))
    add(None, local(week_day(3, 6)))
    add(None, local(week_day(4, 0)), 2)
    add(7, local(date(2026, 10, 5)), 2)  # Old promo: before the 4 weeks, never silent "this week"
    add(8, local(week_day(4, 5)))
    add(9, local(week_day(4, 6)))
    return rows


ROWS = _rows()


def build(make_cache, rows=ROWS, sources=SOURCES):
    return make_cache(
        sources=[{"id": i, "name": n, "deleted_at": d} for i, n, d in sources],
        contacts=[{"id": k + 1, "source_id": s, "created_at": t} for k, (s, t) in enumerate(rows)],
    )


@pytest.fixture
def db(make_cache):
    return build(make_cache)


# --- the oracle: plain pandas on the raw rows -----------------------------------------------------


def oracle_frame(rows=ROWS, tz=TZ, base=BASE) -> pd.DataFrame:
    """One row per contact in the 5 weeks: source (or Unattributed), campaign, local day, week 0..4."""
    df = pd.DataFrame(rows, columns=["source_id", "created_at"])
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["day"] = df["created_at"].dt.tz_convert(tz).dt.date
    df["week"] = [(d - base).days // 7 for d in df["day"]]
    live = df["source_id"].map(lambda s: s in LIVE if s == s and s is not None else False)
    df["source"] = [LIVE[s] if ok else "Unattributed" for s, ok in zip(df["source_id"], live)]
    df["campaign"] = [(CAMPAIGN[s] or "No campaign") if ok else "Unattributed" for s, ok in zip(df["source_id"], live)]
    return df[(df["week"] >= 0) & (df["week"] <= 4)]


def oracle_weeks(df: pd.DataFrame, key: str) -> pd.DataFrame:
    per = df.pivot_table(index=key, columns="week", values="day", aggfunc="size", fill_value=0)
    per = per.reindex(columns=range(5), fill_value=0)
    out = pd.DataFrame({"this": per[4], "prev": per[3], "avg": per[[0, 1, 2, 3]].sum(axis=1) / 4})
    out["change"] = out["this"] - out["prev"]
    return out


def oracle_movers(per: pd.DataFrame, top=5):
    rows = [(name, int(r.this), int(r.prev), int(r.change)) for name, r in per.iterrows()]
    up = sorted([r for r in rows if r[3] > 0], key=lambda r: (-r[3], -r[1], r[0]))[:top]
    down = sorted([r for r in rows if r[3] < 0], key=lambda r: (r[3], -r[2], r[0]))[:top]
    return up, down


def exact_poisson_upper(k: int, lam: float) -> float:
    """P(X >= k) by summing the lower terms in 60-digit decimals (an independent oracle)."""
    getcontext().prec = 60
    lam_d = Decimal(str(lam))
    term, total = (-lam_d).exp(), Decimal(0)
    for i in range(k):
        total += term
        term = term * lam_d / (i + 1)
    return float(1 - total)


def exact_poisson_lower(k: int, lam: float) -> float:
    getcontext().prec = 60
    lam_d = Decimal(str(lam))
    term, total = (-lam_d).exp(), Decimal(0)
    for i in range(k + 1):
        total += term
        term = term * lam_d / (i + 1)
    return float(total)


# --- which week -----------------------------------------------------------------------------------


def test_default_week_is_the_last_complete_one_by_week_start():
    assert weekly_review.resolve_week(None, TZ, "monday", TODAY) == (WEEK, WEEK_END)
    # Wednesday 25 Nov with weeks from Saturday: the last complete week is Sat 14 – Fri 20 Nov.
    assert weekly_review.resolve_week(None, TZ, "saturday", TODAY) == (date(2026, 11, 14), date(2026, 11, 20))
    assert weekly_review.resolve_week(None, TZ, "sunday", TODAY) == (date(2026, 11, 15), date(2026, 11, 21))


def test_any_date_inside_a_past_week_snaps_to_its_start():
    for d in (date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 22)):
        assert weekly_review.resolve_week(d, TZ, "monday", TODAY) == (WEEK, WEEK_END)
    assert weekly_review.resolve_week(date(2025, 3, 5), TZ, "sunday", TODAY) == (date(2025, 3, 2), date(2025, 3, 8))


def test_a_week_not_over_yet_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="not over yet"):
        weekly_review.resolve_week(date(2026, 11, 24), TZ, "monday", TODAY)
    with pytest.raises(ValueError, match="Week start"):
        weekly_review.resolve_week(None, TZ, "friday", TODAY)
    with pytest.raises(ValueError, match="time zone"):
        weekly_review.resolve_week(None, "Mars/Olympus", "monday", TODAY)


def test_past_week_starts_newest_first():
    assert weekly_review.past_week_starts(TODAY, "monday", 3) == [date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 2)]


# --- Poisson ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("k,lam", [(1, 0.5), (5, 3.0), (10, 3.0), (20, 3.25), (0, 2.0), (3, 3.0), (7, 12.5),
                                   (1100, 1000.0), (930, 1000.0), (40, 20.0)])
def test_poisson_tails_match_a_60_digit_direct_sum(k, lam):
    assert weekly_review.poisson_sf(k, lam) == pytest.approx(exact_poisson_upper(k, lam), rel=1e-9, abs=1e-300)
    assert weekly_review.poisson_cdf(k, lam) == pytest.approx(exact_poisson_lower(k, lam), rel=1e-9, abs=1e-300)


def test_poisson_known_values_and_zero_mean():
    assert weekly_review.poisson_sf(10, 3.0) == pytest.approx(0.0011024881, rel=1e-7)
    assert weekly_review.poisson_cdf(0, 5.0) == pytest.approx(math.exp(-5), rel=1e-12)
    assert weekly_review.poisson_sf(1, 0.0) == 0.0 and weekly_review.poisson_sf(0, 0.0) == 1.0
    # far tails do not underflow to a wrong 0 or overflow
    assert 0 < weekly_review.poisson_sf(1300, 1000.0) < 1e-15


def test_spike_rule_needs_both_improbability_and_five_contacts():
    assert weekly_review.spike_test(4, 0.0)[0] is None  # improbable, but only 4 more
    assert weekly_review.spike_test(5, 0.0)[0] == "spike"
    assert weekly_review.spike_test(9, 3.0)[0] == "spike"  # P(X>=9 | 3) = 0.0038
    assert weekly_review.spike_test(8, 3.0)[0] is None  # P(X>=8 | 3) = 0.012
    assert weekly_review.spike_test(0, 5.0)[0] == "drop"  # P(X<=0 | 5) = 0.0067, 5 fewer
    assert weekly_review.spike_test(0, 4.0)[0] is None  # 4 fewer only
    assert weekly_review.spike_test(1080, 1000.0)[0] == "spike"  # large counts: small relative swings pass
    assert weekly_review.spike_test(3, 3.0) == (None, 1.0)


# --- the review -------------------------------------------------------------------------------------


def test_headline_numbers_match_hand_counts(db):
    r = weekly_review.weekly_review(db, None, TZ, "monday", TODAY)
    assert (r.week_start, r.week_end, r.baseline_start) == (WEEK, WEEK_END, BASE)
    new = r.metric(weekly_review.METRIC_NEW_CONTACTS)
    # Hand count of the week: Instagram 18+2, واتساب 2, TikTok 3, Website 1, deleted 1, no source 2, <img> 1, Snap 1.
    assert new["this_week"] == 31
    # The week before: Instagram 3, واتساب 4, Facebook 6, deleted 1, no source 1.
    assert new["previous_week"] == 15
    # Weeks 19 Oct, 26 Oct, 2 Nov: 3+1+2 = 6, 3+2 = 5, 3+2 = 5; plus the 15 above → 31 / 4.
    assert new["avg_4_weeks"] == pytest.approx(31 / 4)
    assert new["change_vs_previous"] == 16 and new["change_pct_vs_previous"] == pytest.approx(16 / 15)
    unatt = r.metric(weekly_review.METRIC_UNATTRIBUTED)
    assert (unatt["this_week"], unatt["previous_week"]) == (3, 2)
    share = r.metric(weekly_review.METRIC_UNATTRIBUTED_SHARE)
    assert share["this_week"] == pytest.approx(3 / 31)
    assert share["avg_4_weeks"] == pytest.approx(2 / 31)  # pooled: 2 unattributed of 31 in 4 weeks
    assert share["change_vs_previous"] == pytest.approx(3 / 31 - 2 / 15)
    assert math.isnan(share["change_pct_vs_previous"])
    assert r.weekly_totals["new_contacts"].tolist() == [6, 5, 5, 15, 31]


def test_weekly_totals_match_the_oracle(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    df = oracle_frame()
    expected = df.groupby("week").size().reindex(range(5), fill_value=0).tolist()
    assert r.weekly_totals["new_contacts"].tolist() == expected
    expected_u = df[df["source"] == "Unattributed"].groupby("week").size().reindex(range(5), fill_value=0).tolist()
    assert r.weekly_totals["unattributed"].tolist() == expected_u


def test_source_movers_match_the_oracle_with_new_and_percentages(db):
    r = weekly_review.weekly_review(db, date(2026, 11, 20), TZ, "monday", TODAY)
    per = oracle_weeks(oracle_frame(), "source")
    up, down = oracle_movers(per)
    m = r.movers_sources
    got_up = [(s, int(t), int(p), int(c)) for s, t, p, c in
              m[m["direction"] == "up"][["source", "this_week", "previous_week", "change_abs"]].itertuples(index=False)]
    got_down = [(s, int(t), int(p), int(c)) for s, t, p, c in
                m[m["direction"] == "down"][["source", "this_week", "previous_week", "change_abs"]].itertuples(index=False)]
    assert got_up == up and got_down == down
    assert len(got_up) == 5 and "Website" not in [x[0] for x in got_up]  # 6 sources went up: top 5 kept
    for row in m.itertuples(index=False):
        if row.previous_week == 0:
            assert row.is_new and math.isnan(row.change_pct)
        else:
            assert not row.is_new and row.change_pct == pytest.approx(row.change_abs / row.previous_week)
        assert row.avg_4_weeks == pytest.approx(per.loc[row.source, "avg"])
    tiktok = m[m["source"] == "TikTok / Eid"].iloc[0]
    assert (tiktok["channel"], tiktok["campaign"], int(tiktok["source_id"])) == ("TikTok", "Eid", 4)
    assert m[m["source"] == "Unattributed"]["source_id"].isna().all()


def test_campaign_movers_leave_out_no_campaign_and_unattributed(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    df = oracle_frame()
    per = oracle_weeks(df[~df["campaign"].isin(["No campaign", "Unattributed"])], "campaign")
    up, down = oracle_movers(per)
    m = r.movers_campaigns
    got = [(c, int(t), int(p), int(x)) for c, t, p, x in
           m[["campaign", "this_week", "previous_week", "change_abs"]].itertuples(index=False)]
    assert got == up + down
    # by hand: Ramadan 3 → 20, Eid 6 → 4 (TikTok 3 + Snap 1), رمضان 4 → 2
    assert got == [("Ramadan", 20, 3, 17), ("Eid", 4, 6, -2), ("رمضان", 2, 4, -2)]


def test_new_sources_are_first_contacts_ever_in_the_week(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    all_rows = pd.DataFrame(ROWS, columns=["source_id", "created_at"]).dropna(subset=["source_id"])
    all_rows["day"] = pd.to_datetime(all_rows["created_at"], utc=True).dt.tz_convert(TZ).dt.date
    first = all_rows.groupby("source_id")["day"].min()
    expected = {LIVE[int(s)]: d for s, d in first.items() if int(s) in LIVE and WEEK <= d <= WEEK_END}
    got = dict(zip(r.new_sources["source"], r.new_sources["first_contact"]))
    assert got == expected
    assert set(got) == {"TikTok / Eid", "<img src=x onerror=alert(1)>", "Snap / Eid"}  # not Website (Sept)
    assert r.new_sources["source"].iloc[0] == "TikTok / Eid"  # most contacts first
    assert int(r.new_sources["this_week"].iloc[0]) == 3


def test_silent_sources_were_active_in_the_four_weeks_and_quiet_this_week(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    per = oracle_weeks(oracle_frame(), "source")
    expected = sorted(s for s, row in per.iterrows()
                      if s != "Unattributed" and row["avg"] > 0 and row["this"] == 0)
    assert sorted(r.silent_sources["source"]) == expected == ["Facebook / Eid"]
    row = r.silent_sources.iloc[0]
    assert int(row["contacts_4_weeks"]) == 12 and int(row["previous_week"]) == 6
    assert row["last_contact"] == date(2026, 11, 12)
    assert int(row["days_silent"]) == 10


def test_spikes_follow_the_documented_rule_on_every_series(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    df = oracle_frame()
    expected = set()
    series = [("total", oracle_weeks(df.assign(all="All new contacts"), "all")),
              ("source", oracle_weeks(df, "source")),
              ("campaign", oracle_weeks(df[~df["campaign"].isin(["No campaign", "Unattributed"])], "campaign"))]
    for dim, per in series:
        for name, row in per.iterrows():
            k, lam = int(row["this"]), float(row["avg"])
            if k > lam and k - lam >= 5 and (lam == 0 or exact_poisson_upper(k, lam) < 0.01):
                expected.add((dim, name, "spike"))
            if k < lam and lam - k >= 5 and exact_poisson_lower(k, lam) < 0.01:
                expected.add((dim, name, "drop"))
    got = {(d, n, x) for d, n, x in r.spikes[["dimension", "name", "direction"]].itertuples(index=False)}
    assert got == expected
    assert ("source", "Instagram / Ramadan", "spike") in got  # 20 against 3 a week
    assert ("source", "Facebook / Eid", "drop") not in got  # 0 against 3: within small-number noise
    assert r.spikes["p_value"].is_monotonic_increasing


def test_daily_by_source_covers_every_day_for_sources_active_in_the_week(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    df = oracle_frame()
    week = df[df["week"] == 4]
    counts = week.groupby(["source", "day"]).size()
    expected = {(s, WEEK + timedelta(days=i)): int(counts.get((s, WEEK + timedelta(days=i)), 0))
                for s in week["source"].unique() for i in range(7)}
    got = {(s, d): int(n) for s, d, n in r.daily_by_source[["source", "day", "new_contacts"]].itertuples(index=False)}
    assert got == expected
    # the 00:30 local contact on Monday counts on Monday, the 23:59 one on Sunday
    assert got[("Instagram / Ramadan", WEEK)] == 4 and got[("Instagram / Ramadan", WEEK_END)] == 1


def test_same_contacts_in_utc_fall_in_other_weeks(db):
    """Regression guard: the week is local. In UTC the 00:30 Monday contact belongs to the week before."""
    r = weekly_review.weekly_review(db, WEEK, "UTC", "monday", TODAY)
    df = oracle_frame(tz="UTC")
    assert int(r.metric(weekly_review.METRIC_NEW_CONTACTS)["this_week"]) == int((df["week"] == 4).sum())
    assert int(r.metric(weekly_review.METRIC_NEW_CONTACTS)["this_week"]) == 31  # -1 at the start, +1 at the end


def test_an_empty_workspace_gives_zeros_and_readable_empty_tables(make_cache):
    r = weekly_review.weekly_review(build(make_cache, rows=[], sources=[]), None, TZ, "monday", TODAY)
    assert r.weekly_totals["new_contacts"].tolist() == [0] * 5
    for frame in (r.movers_sources, r.movers_campaigns, r.new_sources, r.silent_sources, r.spikes, r.daily_by_source):
        assert frame.empty
    assert list(r.spikes.columns) == weekly_review.SPIKE_COLUMNS
    assert "New contacts: 0" in r.summary
    assert "no contacts this week" in r.summary


# --- the summary --------------------------------------------------------------------------------------


def test_summary_is_short_plain_bullets(db):
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    lines = r.summary.splitlines()
    assert 3 <= len(lines) <= 12
    assert lines[0] == "Weekly review: 16–22 Nov 2026 (Asia/Riyadh)"
    assert all(line.startswith("• ") for line in lines[1:])
    assert "|" not in r.summary and "**" not in r.summary and "#" not in r.summary
    assert lines[1] == "• New contacts: 31 (+16, +107% vs 15 the week before; 4-week average 7.8)"
    assert "TikTok / Eid +3 (new)" in r.summary
    assert "Facebook / Eid -6 (-100%)" in r.summary
    # Arabic names are bidi-isolated so the numbers after them stay in place.
    assert "\u2068واتساب / رمضان\u2069 -2 (-50%)" in r.summary


def test_summary_uses_thousands_separators(make_cache):
    rows = [(1, local(week_day(4, i % 7), 10)) for i in range(1234)] + [(1, local(week_day(3, 2)))] * 1000
    r = weekly_review.weekly_review(build(make_cache, rows=rows, sources=[(1, "Instagram", None)]), WEEK, TZ, "monday", TODAY)
    assert "• New contacts: 1,234 (+234, +23% vs 1,000 the week before; 4-week average 250)" in r.summary
    assert "Instagram 1,234" in r.summary


def test_week_labels():
    assert weekly_review.week_label(date(2026, 11, 16), date(2026, 11, 22)) == "16–22 Nov 2026"
    assert weekly_review.week_label(date(2026, 11, 30), date(2026, 12, 6)) == "30 Nov – 6 Dec 2026"
    assert weekly_review.week_label(date(2025, 12, 29), date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"


# --- regressions: one spike listed twice, names breaking the summary into lines ------------------


def test_summary_lists_a_campaign_spike_once_when_it_is_one_sources_spike(db):
    # Campaign "Ramadan" has one source, Instagram / Ramadan: 20 against 3 a week for both. The
    # summary listed the same spike twice, as the source and as the campaign.
    r = weekly_review.weekly_review(db, WEEK, TZ, "monday", TODAY)
    unusual = next(line for line in r.summary.splitlines() if line.startswith("• Unusual:"))
    assert unusual.count("spike 20 vs average 3") == 1
    assert "Instagram / Ramadan spike 20 vs average 3" in unusual
    # The table keeps every series and says which row is the same movement.
    same = dict(zip(r.spikes["name"], r.spikes["same_contacts_as"]))
    assert same["Ramadan"] == "source: Instagram / Ramadan"
    assert pd.isna(same["Instagram / Ramadan"]) and pd.isna(same[weekly_review.ALL_CONTACTS])  # 31 ≠ 20
    # Hand count of distinct movements: the Instagram source and the workspace total.
    assert int(r.metric(weekly_review.METRIC_SPIKES)["this_week"]) == 2


def test_spikes_of_a_campaign_with_two_moving_sources_are_all_listed(make_cache):
    # Both sources of "Promo" spike; the campaign's 20 is neither source's 10: three movements,
    # but the workspace total is exactly the campaign's contacts.
    rows = [(s, local(week_day(4, d))) for s in (1, 2) for d in range(5) for _ in range(2)]
    r = weekly_review.weekly_review(build(make_cache, rows=rows, sources=[(1, "Instagram / Promo", None),
                                                                   (2, "Facebook / Promo", None)]),
                             WEEK, TZ, "monday", TODAY)
    same = dict(zip(zip(r.spikes["dimension"], r.spikes["name"]), r.spikes["same_contacts_as"]))
    assert set(same) == {("source", "Instagram / Promo"), ("source", "Facebook / Promo"), ("campaign", "Promo"),
                         ("total", weekly_review.ALL_CONTACTS)}
    assert pd.isna(same[("source", "Instagram / Promo")]) and pd.isna(same[("campaign", "Promo")])
    assert same[("total", weekly_review.ALL_CONTACTS)] == "campaign: Promo"
    assert int(r.metric(weekly_review.METRIC_SPIKES)["this_week"]) == 3
    unusual = next(line for line in r.summary.splitlines() if line.startswith("• Unusual:"))
    assert unusual.count(" spike ") == 2 and unusual.endswith("· +1 more")  # two shown, one more


def test_summary_names_with_line_breaks_stay_on_one_line_and_the_summary_at_most_12_lines(make_cache):
    # A source name holding line breaks made summary.txt 23 lines long although it promises 12.
    messy = "Instagram\n/\nRamadan\r\nline\u2028more\u2029\x0bend\x07"
    sources = [(i, messy if i == 1 else (f"Eid\npromo\n{i}" if i in (3, 4) else n), d) for i, n, d in SOURCES]
    r = weekly_review.weekly_review(build(make_cache, sources=sources), WEEK, TZ, "monday", TODAY)
    lines = r.summary.split("\n")
    assert len(lines) <= 12 and len(r.summary.splitlines()) == len(lines)  # no \r, \u2028 ... either
    assert all(line.startswith("• ") for line in lines[1:])
    assert "Instagram / Ramadan line more end\ufffd 20" in r.summary  # folded, still readable


@pytest.mark.parametrize("text,want", [
    ("a\nb", "a b"), ("a\r\n\r\nb", "a b"), ("a\tb", "a b"), ("a\u2028b\u2029c\x85d", "a b c d"),
    ("bell\x07", "bell\ufffd"), ("\u202eevil", "evil"), ("\u2067واتساب\u2069", "واتساب"), (None, ""),
    ("plain name", "plain name"), ("ZW\u200bJ", "ZW\u200bJ"),
])
def test_one_line_folds_line_breaks_and_controls_only(text, want):
    from rasl_data.analytics.attribution import one_line

    assert one_line(text) == want


def test_names_quoted_in_dashboard_messages_are_one_line_too():

    assert text.isolate("Eid\npromo\r\n2026") == "\u2068Eid promo 2026\u2069"
    assert text.isolate("evil\u2069 outside") == "\u2068evil outside\u2069"  # no early close of the isolate
    name = "a\nb"
    assert "\n" not in f"Source “{text.isolate(name)}” deleted."
