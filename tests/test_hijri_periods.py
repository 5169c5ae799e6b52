"""Hijri presets, the "same Hijri dates last year" range and Hijri date labels.

Expected dates are the published Umm al-Qura ones (Ramadan 1447: 18 Feb – 19 Mar 2026, 30 days;
Ramadan 1446: 1–29 Mar 2025, 29 days; Ramadan 1445: 11 Mar – 9 Apr 2024; Eid al-Fitr 1447:
20 Mar 2026; Eid al-Adha 1447: 27 May 2026; Eid al-Fitr 1446: 30 Mar 2025), written by hand.
Arabic expectations are hand-written too.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from rasl_data import i18n
from rasl_data.analytics import data_range, hijri, periods


def test_same_hijri_dates_last_year_is_the_issues_documented_example():
    assert periods.comparison_range(date(2026, 2, 18), date(2026, 3, 19), "hijri_year") == (
        date(2025, 3, 1), date(2025, 3, 29))
    # The other comparisons are unchanged.
    assert periods.comparison_range(date(2026, 2, 18), date(2026, 3, 19), "previous") == (
        date(2026, 1, 19), date(2026, 2, 17))
    assert periods.comparison_range(date(2026, 2, 18), date(2026, 3, 19), "last_year") == (
        date(2025, 2, 19), date(2025, 3, 20))
    with pytest.raises(ValueError, match="hijri_year"):
        periods.comparison_range(date(2026, 2, 18), date(2026, 3, 19), "lunar")


def test_same_hijri_dates_outside_the_umm_al_qura_tables_is_a_clear_value_error():
    with pytest.raises(ValueError, match="Umm al-Qura calendar compares days from 1925-07-23"):
        periods.comparison_range(date(1910, 1, 1), date(1910, 1, 31), "hijri_year")


def test_presets_after_ramadan_offer_last_ramadan_and_the_years_the_data_covers():
    today = date(2026, 12, 1)  # 21 Jumada al-Akhirah 1448: Ramadan 1448 starts 8 Feb 2027
    offered = periods.hijri_presets(today, first_day=date(2025, 1, 15))
    assert offered == ["last-ramadan", "eid-al-fitr-week", "eid-al-adha-week", "ramadan-1447", "ramadan-1446"]
    ranges = {k: periods.preset_range(k, today) for k in offered}
    assert ranges == {
        "last-ramadan": (date(2026, 2, 18), date(2026, 3, 19)),
        "eid-al-fitr-week": (date(2026, 3, 20), date(2026, 3, 26)),
        "eid-al-adha-week": (date(2026, 5, 27), date(2026, 6, 2)),
        "ramadan-1447": (date(2026, 2, 18), date(2026, 3, 19)),
        "ramadan-1446": (date(2025, 3, 1), date(2025, 3, 29)),
    }
    with pytest.raises(ValueError, match="not started"):
        periods.preset_range("this-ramadan", today)
    with pytest.raises(ValueError, match="not started"):
        periods.preset_range("ramadan-1448", today)
    # A Ramadan before the first contact is not offered, but a link to it still works.
    assert "ramadan-1445" not in offered
    assert periods.preset_range("ramadan-1445", today) == (date(2024, 3, 11), date(2024, 4, 9))


def test_during_ramadan_this_ramadan_is_offered_and_cut_at_today_like_other_presets():
    today = date(2026, 3, 1)  # 12 Ramadan 1447
    offered = periods.hijri_presets(today, first_day=date(2025, 2, 1))
    assert offered[:2] == ["this-ramadan", "last-ramadan"]
    assert offered[-2:] == ["ramadan-1447", "ramadan-1446"]
    assert periods.preset_range("this-ramadan", today) == (date(2026, 2, 18), today)
    assert periods.preset_range("ramadan-1447", today) == (date(2026, 2, 18), today)
    assert periods.preset_range("last-ramadan", today) == (date(2025, 3, 1), date(2025, 3, 29))
    # Eid al-Fitr 1447 has not started: the most recent Eid week is last year's.
    assert periods.preset_range("eid-al-fitr-week", today) == (date(2025, 3, 30), date(2025, 4, 5))
    # On Eid's third day the week runs to today.
    assert periods.preset_range("eid-al-fitr-week", date(2026, 3, 22)) == (date(2026, 3, 20), date(2026, 3, 22))


def test_presets_without_contacts_offer_no_ramadan_years():
    assert periods.hijri_presets(date(2026, 12, 1), None) == ["last-ramadan", "eid-al-fitr-week", "eid-al-adha-week"]


def test_preset_keys_are_ascii_and_labels_translated():
    for key in [*periods.HIJRI_PRESETS, "ramadan-1446"]:
        assert key.isascii() and " " not in key and periods.is_hijri_preset(key)
    assert not periods.is_hijri_preset("ramadan-14460") and not periods.is_hijri_preset("last 7 days")
    with i18n.use("en"):
        assert periods.preset_label("ramadan-1446") == "Ramadan 1446 AH"
        assert periods.preset_label("eid-al-adha-week") == "Eid al-Adha week"
        assert periods.preset_label("last 7 days") == "Last 7 days"
    with i18n.use("ar"):
        assert periods.preset_label("ramadan-1446") == "رمضان 1446 هـ"
        assert periods.preset_label("this-ramadan") == "رمضان هذا العام"
        assert periods.preset_label("eid-al-fitr-week") == "أسبوع عيد الفطر"
    with i18n.use("ar", "arabic-indic"):
        assert periods.preset_label("ramadan-1446") == "رمضان ١٤٤٦ هـ"


def test_hijri_spans_in_english_and_arabic():
    with i18n.use("en"):
        assert hijri.format_span(date(2026, 2, 18), date(2026, 3, 19)) == "1–30 Ramadan 1447 AH"
        assert hijri.format_span(date(2026, 2, 17), date(2026, 2, 18)) == "29 Sha'ban – 1 Ramadan 1447 AH"
        assert hijri.format_date(date(2026, 3, 20)) == "1 Shawwal 1447 AH"
        # 1 Muharram 1448 is 16 Jun 2026.
        assert hijri.format_span(date(2026, 6, 15), date(2026, 6, 16)) == "29 Dhu al-Hijjah 1447 – 1 Muharram 1448 AH"
        assert hijri.format_span(date(1900, 1, 1), date(1900, 1, 2)) == ""
    with i18n.use("ar"):
        assert hijri.format_span(date(2026, 2, 18), date(2026, 3, 19)) == "1–30 رمضان 1447 هـ"
        assert hijri.format_date(date(2026, 5, 27)) == "10 ذو الحجة 1447 هـ"


def test_contact_date_range_reads_local_days(make_cache, tmp_path):
    db = make_cache(tmp_path, contacts=[
        dict(id=1, created_at=datetime(2025, 2, 28, 22, 30, tzinfo=timezone.utc)),  # Riyadh 1 Mar 01:30
        dict(id=2, created_at=datetime(2026, 3, 19, 20, 0, tzinfo=timezone.utc)),   # Riyadh 19 Mar 23:00
    ])
    assert data_range.contact_date_range(db, "Asia/Riyadh") == (date(2025, 3, 1), date(2026, 3, 19))
    assert data_range.contact_date_range(db, "UTC") == (date(2025, 2, 28), date(2026, 3, 19))
    # A dataset spanning two Ramadans offers both (Ramadan 1446 starts on the first contact's day).
    first, _ = data_range.contact_date_range(db, "Asia/Riyadh")
    assert periods.hijri_presets(date(2026, 12, 1), first)[-2:] == ["ramadan-1447", "ramadan-1446"]
    assert periods.hijri_presets(date(2026, 12, 1), date(2025, 3, 30))[-1] == "ramadan-1447"
    assert data_range.contact_date_range(make_cache(tmp_path, name="empty.duckdb"), "UTC") is None
