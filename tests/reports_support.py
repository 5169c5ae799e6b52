"""What the weekly-pack tests share: the file names of the reviewed week's pack and readers of it."""

from __future__ import annotations

import csv
import io
import zipfile

from test_weekly import WEEK, WEEK_END

SPAN = f"{WEEK.isoformat()}_to_{WEEK_END.isoformat()}"
CSV_NAMES = [f"{stem}_{SPAN}.csv" for stem in (
    "weekly_summary", "movers_by_source", "movers_by_campaign", "new_sources", "silent_sources", "spikes",
    "daily_new_contacts_by_source",
    # spend, performance and targets (rasl_data.analytics.business_review)
    "performance_by_channel", "performance_by_campaign", "performance_by_source", "spend_in_week",
    "target_pacing")]
HTML_NAME = f"weekly_review_{SPAN}.html"
XLSX_NAME = f"weekly_review_{SPAN}.xlsx"


def open_pack(data: bytes) -> zipfile.ZipFile:
    """The pack's zip bytes as an open ``ZipFile``."""
    return zipfile.ZipFile(io.BytesIO(data))


def read_csv(zf: zipfile.ZipFile, name: str) -> list[dict]:
    """The rows of CSV ``name`` in the pack, after checking it starts with the UTF-8 BOM Excel needs."""
    raw = zf.read(name)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
