"""Which local days the cache's contacts cover: the first and the latest contact's local date.

The sidebar offers "Ramadan <year> AH" presets for the Ramadans between the first contact and
today (``periods.hijri_presets``); this module answers "from when". No streamlit here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from rasl_data.analytics import periods


def contact_date_range(db, tz: str) -> tuple[date, date] | None:
    """``(first, last)``: the local dates in ``tz`` (an IANA zone) of the earliest and the latest
    ``contacts.created_at`` in the cache, or ``None`` with no contacts.

    ``db`` is a ``store.Reader`` (anything with ``.query(sql, params)``). Reads ``contacts``
    (every contact, whatever its source). Raises ``ValueError`` for an unknown zone,
    ``store.CacheError`` when the cache cannot be read.
    """
    z = periods.zone(tz)
    df = db.query("SELECT epoch_us(min(created_at)) AS first_us, epoch_us(max(created_at)) AS last_us "
                  "FROM contacts")
    if df.empty or df["first_us"].isna().iloc[0]:
        return None
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)

    def local(us) -> date:
        return (epoch + timedelta(microseconds=int(us))).astimezone(z).date()

    return local(df["first_us"].iloc[0]), local(df["last_us"].iloc[0])
