"""Conversion rate, observed conversions and status mix, counted by hand."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone

import pytest

from rasl_data.analytics import conversion
from rasl_data.analytics.acquisition import Filters


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_conversion_rate_and_median_days(make_cache, tmp_path):
    first_sync = utc(2026, 3, 1)
    sources = [{"id": 1, "name": "Facebook / Eid"}, {"id": 2, "name": "WhatsApp"}]
    contacts = [
        # created before the first sync: measured from first_seen_at (1 Mar)
        {"id": 1, "source_id": 1, "type": "customer", "created_at": utc(2026, 2, 20), "first_seen_at": first_sync},
        # created after: measured from created_at
        {"id": 2, "source_id": 1, "type": "customer", "created_at": utc(2026, 2, 25), "first_seen_at": first_sync},
        {"id": 3, "source_id": 1, "type": "lead", "created_at": utc(2026, 3, 2), "first_seen_at": utc(2026, 3, 2)},
        {"id": 4, "source_id": 2, "type": "customer", "created_at": utc(2026, 3, 3), "first_seen_at": utc(2026, 3, 3)},
        {"id": 5, "source_id": 2, "type": "lead", "created_at": utc(2026, 3, 4), "first_seen_at": utc(2026, 3, 4)},
    ]
    contacts[1]["created_at"] = utc(2026, 3, 5)  # make contact 2 a post-sync contact
    contacts[1]["first_seen_at"] = utc(2026, 3, 5)
    changes = [
        {"contact_id": 1, "field": "type", "old_value": "lead", "new_value": "customer", "observed_at": utc(2026, 3, 5)},
        {"contact_id": 2, "field": "type", "old_value": "lead", "new_value": "customer", "observed_at": utc(2026, 3, 7)},
        {"contact_id": 2, "field": "type", "old_value": "lead", "new_value": "customer", "observed_at": utc(2026, 3, 20)},
        {"contact_id": 3, "field": "status_id", "old_value": "1", "new_value": "2", "observed_at": utc(2026, 3, 9)},
        {"contact_id": 4, "field": "type", "old_value": "guest", "new_value": "customer", "observed_at": utc(2026, 3, 9)},
    ]
    db = make_cache(tmp_path, sources=sources, contacts=contacts, contact_changes=changes)
    f = Filters(date(2026, 2, 1), date(2026, 3, 31), "UTC")
    df = conversion.conversion(db, f, "source").set_index("source")
    fb = df.loc["Facebook / Eid"]
    # 3 contacts, 2 customers; conversions: #1 4 days after first_seen (1→5 Mar), #2 2 days (5→7 Mar, first change)
    assert (fb["new_contacts"], fb["customers"], fb["converted"]) == (3, 2, 2)
    assert fb["conversion_rate"] == pytest.approx(2 / 3)
    assert fb["median_days_to_conversion"] == pytest.approx(3.0)
    assert fb["measured_from_first_seen"] == 1
    wa = df.loc["WhatsApp"]
    # guest → customer is not a lead conversion
    assert (wa["new_contacts"], wa["customers"], wa["converted"]) == (2, 1, 0)
    # scalar access: a whole row of mixed nullable dtypes would turn NaN into pd.NA
    assert math.isnan(df.loc["WhatsApp", "median_days_to_conversion"])
    total = conversion.conversion(db, f, None)
    assert list(total.columns) == ["new_contacts", "customers", "conversion_rate", "converted",
                                   "median_days_to_conversion", "measured_from_first_seen"]
    assert (total.iloc[0]["new_contacts"], total.iloc[0]["converted"]) == (5, 2)
    empty = conversion.conversion(db, Filters(date(2020, 1, 1), date(2020, 1, 2), "UTC"), None)
    assert empty.iloc[0]["new_contacts"] == 0 and math.isnan(empty.iloc[0]["conversion_rate"])


def test_status_mix(make_cache, tmp_path):
    statuses = [{"id": 1, "name": "New"}, {"id": 2, "name": "Won"}]
    t = utc(2026, 4, 1, 12)
    contacts = [{"id": i, "source_id": 1, "status_id": s, "created_at": t} for i, s in enumerate([1, 1, 2, None])]
    contacts.append({"id": 9, "source_id": None, "status_id": 2, "created_at": t})
    db = make_cache(tmp_path, sources=[{"id": 1, "name": "SMS"}], statuses=statuses, contacts=contacts)
    mix = conversion.status_mix(db, Filters(date(2026, 4, 1), date(2026, 4, 1), "UTC"), "source")
    got = {(r["source"], r["status"]): (r["contacts"], r["share"]) for r in mix.to_dict("records")}
    assert got == {("SMS", "New"): (2, 0.5), ("SMS", "Won"): (1, 0.25), ("SMS", "No status"): (1, 0.25),
                   ("Unattributed", "Won"): (1, 1.0)}
    with pytest.raises(ValueError, match="Unknown dimension"):
        conversion.status_mix(db, Filters(date(2026, 4, 1), date(2026, 4, 1)), "type")
