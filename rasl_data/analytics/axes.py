"""Axis ticks for count and percentage axes, shared by the dashboard's charts and the weekly pack.

Plotly picks tick steps for a continuous axis; on small counts it chooses 0.5 and a ``,d``
format then prints ``4, 4, 3, 3, 2``, and on small shares ``.0%`` prints ``0%, 1%, 1%, 2%``.
These helpers choose the step themselves (1, 2 or 5 times a power of ten, never below one
contact) and a format with just enough decimals, so every tick label is distinct. No streamlit.
"""

from __future__ import annotations

import math

MAX_TICKS = 6  # at most about this many intervals on an axis


def nice_step(span: float, max_ticks: int = MAX_TICKS, minimum: float = 0.0) -> float:
    """The smallest step of the form 1, 2 or 5 × 10^k, at least ``minimum``, that splits
    ``span`` (> 0) into at most ``max_ticks`` intervals."""
    if not span or span <= 0 or not math.isfinite(span):
        return max(minimum, 1.0)
    raw = span / max_ticks
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        step = mult * power
        if step >= raw - 1e-12:
            return max(step, minimum)
    return max(10 * power, minimum)  # pragma: no cover - the loop always returns


def count_ticks(max_value: float, max_ticks: int = MAX_TICKS) -> dict:
    """Plotly axis settings for a count axis from 0 to ``max_value`` (contacts): whole-number
    ticks, distinct, at a 1/2/5 step. Returns ``{"tick0", "dtick", "tickformat", "tickmode"}``."""
    step = nice_step(float(max_value or 0), max_ticks, minimum=1.0)
    return {"tickmode": "linear", "tick0": 0, "dtick": step, "tickformat": ",d"}


def signed_count_ticks(min_value: float, max_value: float, max_ticks: int = MAX_TICKS) -> dict:
    """Like ``count_ticks`` for an axis that may go below zero (a change), labels signed (``+3``)."""
    span = max(float(max_value or 0), 0.0) - min(float(min_value or 0), 0.0)
    step = nice_step(span, max_ticks, minimum=1.0)
    return {"tickmode": "linear", "tick0": 0, "dtick": step, "tickformat": "+,d"}


def percent_ticks(max_fraction: float, max_ticks: int = MAX_TICKS) -> dict:
    """Plotly axis settings for a share axis from 0 to ``max_fraction`` (0.25 = 25 %): a 1/2/5
    step in percent and just enough decimals that no two labels read the same."""
    top = float(max_fraction or 0)
    step = nice_step(top * 100 if top > 0 else 1.0, max_ticks, minimum=0.01) / 100
    decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9))
    return {"tickmode": "linear", "tick0": 0, "dtick": step, "tickformat": f".{decimals}%"}
