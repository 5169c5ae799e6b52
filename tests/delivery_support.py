"""Helpers shared by the delivery tests (the fixtures ``env``, ``smtp`` and ``emulator`` live in conftest.py).

The weekly cache (``weekly_cache``) is counted by hand: UTC, weeks from Monday, the reviewed week is
16–22 Nov 2026. Instagram / Ramadan has 3 contacts in each of the 4 weeks before and 10 in the week;
واتساب has 2 in the week. So the week has 12 new contacts against 3 the week before: +9, +300 %.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from rasl_data import cli
from rasl_data.cache import delivery_log, store

UTC = timezone.utc
WEEK = "2026-11-16"
SUBJECT = "Weekly review 16–22 Nov 2026: 12 new contacts (+9, +300% vs the week before)"
SMTP_PASSWORD = "s3cr3t-Pa55word"


def log_rows(cache: Path) -> list[dict]:
    """Every row of the cache's delivery log, oldest first."""
    reader = store.Reader(cache)
    try:
        return delivery_log.read_log(reader, limit=None).sort_values("id").to_dict("records")
    finally:
        reader.close()


def contacts_rows() -> list[dict]:
    """The contacts of the weekly cache (see the module's docstring)."""
    rows, next_id = [], iter(range(1, 1000))

    def add(source_id, day: datetime, n: int) -> None:
        for _ in range(n):
            rows.append({"id": next(next_id), "source_id": source_id, "type": "lead", "created_at": day})

    for w in range(4):  # 19 Oct, 26 Oct, 2 Nov, 9 Nov: 3 each on the Tuesday
        add(1, datetime(2026, 10, 20, 10, tzinfo=UTC) + timedelta(days=7 * w), 3)
    add(1, datetime(2026, 11, 17, 10, tzinfo=UTC), 10)
    add(2, datetime(2026, 11, 18, 10, tzinfo=UTC), 2)
    return rows


SOURCES = [{"id": 1, "name": "Instagram / Ramadan", "created_at": datetime(2026, 1, 1, tzinfo=UTC)},
           {"id": 2, "name": "واتساب", "created_at": datetime(2026, 1, 1, tzinfo=UTC)}]


def weekly_cache(make_cache, tmp_path: Path) -> Path:
    """The path of the weekly cache, built with conftest's ``make_cache`` under ``tmp_path``."""
    return make_cache(tmp_path, contacts=contacts_rows(), sources=SOURCES).path


def weekly_send(*extra: str) -> int:
    """``report weekly --send`` for the week of 16 Nov 2026, without images; returns the exit code."""
    return cli.main(["report", "weekly", "--send", "--week", WEEK, "--no-images", *extra])
