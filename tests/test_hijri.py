"""The Umm al-Qura calendar helpers against documented dates (the issue's and Saudi calendars')."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rasl_data.analytics import hijri


def test_ramadan_1447_and_1446_match_the_published_umm_al_qura_dates():
    assert hijri.ramadan(1447) == (date(2026, 2, 18), date(2026, 3, 19))
    assert hijri.ramadan(1446) == (date(2025, 3, 1), date(2025, 3, 29))


def test_eids_start_on_1_shawwal_and_10_dhu_al_hijjah():
    assert hijri.eid_al_fitr(1447) == (date(2026, 3, 20), date(2026, 3, 26))
    assert hijri.eid_al_adha(1447)[0] == date(2026, 5, 27)


def test_same_hijri_date_last_year_maps_ramadan_onto_ramadan_and_clamps_the_30th():
    assert hijri.same_hijri_date_last_year(date(2026, 2, 18)) == date(2025, 3, 1)
    # 30 Ramadan 1447 does not exist in 1446 (29 days): the month's last day.
    assert hijri.same_hijri_date_last_year(date(2026, 3, 19)) == date(2025, 3, 29)
    assert hijri.same_hijri_date_last_year(date(2026, 3, 18)) == date(2025, 3, 29)
    # Every day of Ramadan 1447 lands inside Ramadan 1446.
    start, end = hijri.ramadan(1447)
    mapped = {hijri.same_hijri_date_last_year(start + timedelta(days=i)) for i in range((end - start).days + 1)}
    assert min(mapped) == date(2025, 3, 1) and max(mapped) == date(2025, 3, 29) and len(mapped) == 29


def test_a_date_outside_the_tables_gets_a_clear_error():
    with pytest.raises(hijri.HijriRangeError, match="1924-08-01"):
        hijri.to_hijri(date(1900, 1, 1))


def test_month_names_in_both_languages():
    assert hijri.month_name(9) == "Ramadan"
    assert hijri.month_name(9, "ar") == "رمضان"


def test_the_first_day_with_a_hijri_date_a_year_earlier_is_1_muharram_1344():
    from rasl_data.analytics import periods

    first = periods.FIRST_HIJRI_COMPARABLE
    assert hijri.to_hijri(first) == hijri.HijriDate(1344, 1, 1)
    assert hijri.same_hijri_date_last_year(first) == hijri.FIRST_DAY  # 1 Muharram 1343
    with pytest.raises(hijri.HijriRangeError):
        hijri.same_hijri_date_last_year(first - timedelta(days=1))
