"""Helpers shared by the delivery tests (the fixtures ``env``, ``smtp`` and ``emulator`` live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from rasl_data.cache import delivery_log, store


def log_rows(cache: Path) -> list[dict]:
    reader = store.Reader(cache)
    try:
        return delivery_log.read_log(reader, limit=None).sort_values("id").to_dict("records")
    finally:
        reader.close()
