"""Analytics on the cache: periods, attribution (channel/campaign of a source), acquisition, conversion,
the weekly review, spend, performance, funnel, targets, alerts, and the chart colours/axes they share.

Reads the cache through ``rasl_data.cache.store.Reader``; never writes HTTP.

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

from rasl_data._lazy import lazy_exports

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

__getattr__ = lazy_exports(__name__, _PUBLIC)
