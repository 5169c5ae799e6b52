"""Spikes and drops: the weekly review's rule (``SPIKE_RULE``), a one-sided Poisson test of one
week's count against its 4-week average, exact to double precision without scipy. Used by the
weekly review and the alerts. No streamlit here.
"""

from __future__ import annotations

import math

from rasl_data.i18n import N_

SPIKE_P_VALUE = 0.01
SPIKE_MIN_CHANGE = 5
# Marked for translation: shown with ``_(SPIKE_RULE)`` where a reader sees it.
SPIKE_RULE = N_(
    "A week is a spike (or a drop) when its count is unlikely under a Poisson distribution whose "
    "mean is the 4-week average: P(X ≥ this week) < 0.01 for a spike, P(X ≤ this week) < 0.01 "
    "for a drop, and the count differs from the average by at least 5 contacts. The Poisson test "
    "only discounts the noise of small numbers; with hundreds of contacts a week ordinary "
    "swings of a few percent already pass it. A 4-week average of 0 makes any week with 5 or "
    "more contacts a spike."
)


def _log_pmf(i: int, lam: float) -> float:
    return i * math.log(lam) - lam - math.lgamma(i + 1)


def _sum_log_terms(terms) -> float:
    """Sum of ``exp(t)`` over a decreasing sequence of log terms, stopping when negligible."""
    total, first = 0.0, None
    for t in terms:
        if first is None:
            first = t
        value = math.exp(t - first)
        total += value
        if value < 1e-17 * total:
            break
    return 0.0 if first is None else math.exp(first) * total


def poisson_sf(k: int, lam: float) -> float:
    """``P(X ≥ k)`` for ``X ~ Poisson(lam)``, exact to double precision (no scipy needed).

    Sums the tail from its large end in log space, so it neither underflows for large ``lam``
    nor loses the small probabilities that matter here. ``lam = 0``: 1 for ``k ≤ 0``, else 0.
    """
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    if k > lam:  # terms shrink from k upwards
        return min(1.0, _sum_log_terms(_log_pmf(i, lam) for i in _count_from(k)))
    return max(0.0, 1.0 - poisson_cdf(k - 1, lam))


def poisson_cdf(k: int, lam: float) -> float:
    """``P(X ≤ k)`` for ``X ~ Poisson(lam)``, exact to double precision (see ``poisson_sf``)."""
    if k < 0:
        return 0.0
    if lam <= 0:
        return 1.0
    if k < lam:  # terms shrink from k downwards
        return min(1.0, _sum_log_terms(_log_pmf(i, lam) for i in range(k, -1, -1)))
    return max(0.0, 1.0 - poisson_sf(k + 1, lam))


def _count_from(k: int):
    while True:
        yield k
        k += 1


def spike_test(this_week: int, avg: float) -> tuple[str | None, float]:
    """``(direction, p)`` of one count against its 4-week average by ``SPIKE_RULE``.

    ``direction`` is "spike", "drop" or None (not flagged); ``p`` is the one-sided Poisson tail
    probability in the direction of the change (1.0 when there is no change).
    """
    k = int(this_week)
    if k > avg:
        p = poisson_sf(k, avg)
        flagged = p < SPIKE_P_VALUE and k - avg >= SPIKE_MIN_CHANGE
        return ("spike" if flagged else None), p
    if k < avg:
        p = poisson_cdf(k, avg)
        flagged = p < SPIKE_P_VALUE and avg - k >= SPIKE_MIN_CHANGE
        return ("drop" if flagged else None), p
    return None, 1.0
