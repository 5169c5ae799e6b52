"""Monthly targets and pacing, the status funnel, and the conversion definition's setting and
its role-checked, audited change: hand-counted cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from rasl_data.access import CLI_ACTOR, LOCAL_VIEWER, AccessDeniedError
from rasl_data.analytics import business_review, funnel, targets
from rasl_data.analytics import conversion_definition as cdef
from rasl_data.analytics.contacts_sql import Filters
from rasl_data.analytics.spend import SpendError
from rasl_data.cache import audit
from rasl_data.cache.workspace import Workspace
from rasl_data.settings import SettingsError, load_settings

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def at(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=timezone.utc)


@pytest.fixture
def ws(tmp_path, make_cache):
    """November 2026 (30 days), by hand: Facebook 6 contacts on 1..15 Nov (2 customers), Google
    Ads 4 contacts on 1..15 Nov (1 customer), 5 more Facebook contacts on 20 Nov; spend: Facebook
    300 over November, so 10 per day."""
    contacts = []
    for i in range(6):
        contacts.append(dict(id=i + 1, source_id=1, type="customer" if i < 2 else "lead", created_at=at(date(2026, 11, 1 + i * 2))))
    for i in range(4):
        contacts.append(dict(id=20 + i, source_id=2, type="customer" if i == 0 else "lead", created_at=at(date(2026, 11, 3 + i))))
    for i in range(5):
        contacts.append(dict(id=40 + i, source_id=1, type="lead", created_at=at(date(2026, 11, 20))))
    reader = make_cache(tmp_path, name="t.duckdb", contacts=contacts,
                        sources=[dict(id=1, name="Facebook", created_at=T0), dict(id=2, name="Google Ads", created_at=T0)],
                        spend=[dict(id=1, start="2026-11-01", end="2026-11-30", level="source", name="Facebook",
                                    amount=300.0, source_id=1)])
    settings = load_settings({"RASL_CACHE_PATH": str(reader.path), "RASL_CURRENCY": "SAR"},
                             secrets_path=tmp_path / "none.toml", environ={})
    return Workspace(settings)


def target_rows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=targets.COLUMNS)


def test_pacing_halfway_through_the_month(ws):
    ws.save_targets(target_rows(("2026-11", "", 20, 6, 25), ("2026-11", "facebook", 8, None, None)), actor=CLI_ACTOR)
    p = targets.pacing(ws.reader, "UTC", date(2026, 11, 15))
    rows = {(r.channel, r.metric): r for r in p.itertuples()}
    # 1..15 Nov: 10 contacts (6 Facebook + 4 Google Ads), 3 customers, spend 15 days × 10 = 150.
    overall = rows[(targets.ALL_CHANNELS, "new_contacts")]
    assert (overall.actual, overall.share_of_target, overall.share_of_month) == (10, 0.5, 0.5)
    assert overall.status == "on track"  # 50% of target at 50% of the month
    cust = rows[(targets.ALL_CHANNELS, "customers")]
    assert cust.share_of_target == pytest.approx(0.5) and cust.status == "on track"
    cpl = rows[(targets.ALL_CHANNELS, "cost_per_lead")]
    assert cpl.actual == pytest.approx(15.0) and cpl.status == "on track"  # 150 / 10 ≤ 25
    fb = rows[("Facebook", "new_contacts")]
    assert fb.actual == 6 and fb.share_of_target == pytest.approx(0.75)
    text = targets.pacing_text(pd.Series(overall._asdict()), "SAR")
    assert text == "10 new contacts: 50% of target (20) at 50% of the month"
    # On 20 Nov (two thirds of the month) Google Ads' pace is not asked; overall 15 of 20 at 67%.
    later = targets.pacing(ws.reader, "UTC", date(2026, 11, 20))
    row = later[(later["channel"] == targets.ALL_CHANNELS) & (later["metric"] == "new_contacts")].iloc[0]
    assert (row["actual"], round(row["share_of_month"], 4)) == (15, round(20 / 30, 4))
    assert row["status"] == "on track"
    behind = later[(later["channel"] == targets.ALL_CHANNELS) & (later["metric"] == "customers")].iloc[0]
    assert behind["status"] == "behind"  # 3 of 6 = 50% at 67% of the month


def test_weekly_summary_lines_carry_spend_and_targets(ws):
    ws.save_targets(target_rows(("2026-11", "", 20, 6, 25)), actor=CLI_ACTOR)
    lines = business_review.summary_lines(ws.reader, date(2026, 11, 2), date(2026, 11, 8), "UTC", "monday")
    # 2..8 Nov: Facebook contacts on 3, 5, 7 (1 customer: the 3rd), Google Ads on 3..6 (1 customer on 3 Nov);
    # spend 7 days × 10 = 70 → 70 / 7 = 10 per lead, 70 / 2 = 35 per customer.
    assert lines[0].startswith("• Spend: 70.00 SAR · cost per lead 10.00 SAR")
    assert "cost per customer 35.00 SAR · 2 customers" in lines[0]
    assert lines[1].startswith("• Targets November (at 27% of the month): new contacts")


def test_targets_are_refused_whole_with_line_numbers(ws):
    ws.save_targets(target_rows(("2026-11", "", 20, None, None)), actor=CLI_ACTOR)
    with pytest.raises(SpendError) as info:
        ws.save_targets(target_rows(("2026-12", "", 10, None, None), ("2026-13", "", 5, None, None),
                                    ("2026-12", "Nowhere", 5, None, None), ("2026-12", "All channels", -1, None, None),
                                    ("2026-12", "", None, None, None)), actor=CLI_ACTOR)
    problems = info.value.problems
    assert problems[0] == "line 3: month: '2026-13' is not a month in the form YYYY-MM"
    assert problems[1] == "line 4: no channel is named 'Nowhere'"
    assert problems[2].startswith("line 5: new_contacts") and "is already on line 2" in problems[2]
    assert problems[3] == "line 6: no target given; 2026-12 All channels is already on line 2"
    assert targets.read_targets(ws.reader)["new_contacts"].tolist() == [20.0]  # unchanged


def test_viewer_cannot_change_targets_or_the_conversion_definition(ws):
    with pytest.raises(AccessDeniedError):
        ws.save_targets(target_rows(("2026-11", "", 20, None, None)), actor=LOCAL_VIEWER)
    with pytest.raises(AccessDeniedError):
        ws.set_conversion_definition("status:Won", actor=LOCAL_VIEWER)
    log = audit.read_log(ws.reader)
    assert list(log["action"]) == ["settings.conversion", "targets.save"]
    assert set(log["outcome"]) == {"refused"}
    assert targets.read_targets(ws.reader).empty and cdef.stored(ws.reader) is None


def test_conversion_definition_saved_overrides_the_setting_and_is_audited(ws):
    assert ws.conversion_definition() == cdef.DEFAULT
    ws.set_conversion_definition(" status: Won ,paid,won ", actor=CLI_ACTOR)
    assert ws.conversion_definition() == cdef.ConversionDefinition("status", ("Won", "paid"))
    row = audit.read_log(ws.reader).iloc[0]
    assert (row["action"], row["outcome"], row["before"], row["after"]) == (
        "settings.conversion", "done", None, '"status:Won,paid"')
    ws.set_conversion_definition(None, actor=CLI_ACTOR)  # back to the settings default
    assert ws.conversion_definition() == cdef.DEFAULT
    with pytest.raises(ValueError, match="RASL_CONVERSION"):
        ws.set_conversion_definition("stage:Won", actor=CLI_ACTOR)


@pytest.mark.parametrize("text,message", [("status:", "at least one status"), ("type:lead", "only type:customer"),
                                          ("won", "type:customer or status:NAME")])
def test_bad_rasl_conversion_setting_names_the_key(tmp_path, text, message):
    with pytest.raises(SettingsError, match=f"RASL_CONVERSION \\(environment\\): .*{message}"):
        load_settings(secrets_path=tmp_path / "none.toml", environ={"RASL_CONVERSION": text})
    s = load_settings(secrets_path=tmp_path / "none.toml", environ={"RASL_CONVERSION": "Status:Won", "RASL_CURRENCY": "AED"})
    assert (s.conversion, s.currency) == ("status:Won", "AED")


def test_funnel_counts_reached_steps_from_status_history(tmp_path, make_cache):
    """Statuses New(1) → Contacted(2) → Won(3), Lost(4). Contacts acquired 2..6 Nov:
    a: now Won, history New→Contacted→Won; b: now Contacted, never seen New; c: now New;
    d: now Lost after Contacted; e (Unattributed): now Won, jumped from New between syncs."""
    d = date(2026, 11, 3)
    t = at(d)
    reader = make_cache(
        tmp_path, name="f.duckdb",
        statuses=[dict(id=1, name="New"), dict(id=2, name="Contacted"), dict(id=3, name="Won"), dict(id=4, name="Lost")],
        sources=[dict(id=1, name="Facebook", created_at=T0)],
        contacts=[dict(id=1, source_id=1, status_id=3, created_at=t), dict(id=2, source_id=1, status_id=2, created_at=t),
                  dict(id=3, source_id=1, status_id=1, created_at=t), dict(id=4, source_id=1, status_id=4, created_at=t),
                  dict(id=5, source_id=None, status_id=3, created_at=t),
                  dict(id=6, source_id=1, status_id=3, created_at=at(date(2026, 12, 1)))],  # outside the range
        contact_changes=[dict(contact_id=1, field="status_id", old_value="1", new_value="2", observed_at=t + timedelta(days=1)),
                         dict(contact_id=1, field="status_id", old_value="2", new_value="3", observed_at=t + timedelta(days=2)),
                         dict(contact_id=4, field="status_id", old_value="2", new_value="4", observed_at=t + timedelta(days=2)),
                         dict(contact_id=5, field="status_id", old_value="1", new_value="3", observed_at=t + timedelta(days=2)),
                         dict(contact_id=6, field="status_id", old_value="1", new_value="3", observed_at=t + timedelta(days=30))],
        sync_runs=[dict(id=1, started_at=at(date(2026, 10, 1)), outcome="success")])
    f = Filters(date(2026, 11, 2), date(2026, 11, 6))
    assert funnel.default_steps(reader) == (1, 2, 3)  # Lost is an exit, not a step
    result = funnel.funnel(reader, f)
    steps = result.steps.set_index("status")
    assert steps["seen"].to_dict() == {"New": 3, "Contacted": 3, "Won": 2}      # a,c,e · a,b,d · a,e
    assert steps["reached"].to_dict() == {"New": 5, "Contacted": 4, "Won": 2}   # furthest: a3 b2 c1 d2 e3
    assert steps.loc["Contacted", "share_of_previous"] == pytest.approx(4 / 5)
    assert steps.loc["Won", "drop_off"] == pytest.approx(1 - 2 / 4)
    assert int(result.acquired["acquired"].iloc[0]) == 5
    assert result.history_start == pd.Timestamp("2026-10-01 10:00", tz="UTC")
    by_channel = funnel.funnel(reader, f, "channel").steps
    fb = by_channel[by_channel["channel"] == "Facebook"].set_index("status")["reached"].to_dict()
    assert fb == {"New": 4, "Contacted": 3, "Won": 1}
    with_lost = funnel.funnel(reader, f, None, (1, 2, 4)).steps.set_index("status")["reached"].to_dict()
    # Furthest among these steps: a2 b2 c1 d3 e1 (Won is not a step here).
    assert with_lost == {"New": 5, "Contacted": 3, "Lost": 1}
