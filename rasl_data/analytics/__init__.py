"""Analytics on the cache: periods, attribution (channel/campaign of a source), acquisition, conversion,
the weekly review, spend, performance, funnel, targets, alerts, and the chart colours/axes they share.

Reads the cache through ``rasl_data.cache.store.Reader``; never writes HTTP.

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "Filters": "acquisition",
    "Kpis": "acquisition",
    "UNATTRIBUTED": "acquisition",
    "acquisition": "acquisition",
    "breakdown": "acquisition",
    "kpis": "acquisition",
    "source_table": "acquisition",
    "totals": "acquisition",
    "conversion": "conversion",
    "WeeklyReview": "weekly_review",
    "weekly_review": "weekly_review",
    "performance": "performance",
    "Funnel": "funnel",
    "funnel": "funnel",
    "SpendError": "spend",
    "Alert": "alerts",
    "detect": "alerts",
    "ChannelRule": "attribution",
    "source_attribution": "attribution",
    "SeriesColours": "colours",
    "series_colours": "colours",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """``rasl_data.analytics.<name>`` for a public name: import its module on first use."""
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
