"""Fault injection for the emulator, chosen per test or from the CLI with a spec string.

Spec: comma-separated ``name:value`` items, e.g. ``"429:3,500:2,latency:20,timeout:1"``.

=============== ==========================================================================
``429:N``       the next N requests get 429 RATE_LIMIT_EXCEEDED (``Retry-After`` = ``retry-after``)
``500:N``       the next N requests get 500 INTERNAL_ERROR
``latency:MS``  every answer is delayed by MS milliseconds
``timeout:N``   the next N requests time out before the server acts on them
``lost:N``      the next N requests are applied, then their answer is lost (a timeout)
``repeat-page:P`` the first request for page P of a list is answered with page P-1's items
``repeat-count:K`` how many requests for page P get page P-1's items (default 1)
``short-page:N``  the next N pages of ``/contacts`` holding more than one contact are cut to 37% of
                  their contacts while ``meta.pagination`` (``total``, ``count``, ``has_more``)
                  still promises them all (a proxy or server cutting an answer short)
``malformed:N`` the next N answers are invalid JSON (HTTP 200)
``truncated:N`` the next N answers are cut off half way
``html:N``      the next N answers are a proxy's HTML page (HTTP 200, text/html)
``retry-after:S`` seconds announced by injected 429s (default 1)
``hang:S``      how long the HTTP server holds an injected timeout (default 5 s)
=============== ==========================================================================
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, fields

_MAX_VALUE = 1_000_000  # counts, milliseconds and seconds alike: anything larger is a typo
_NAMES = {
    "429": "rate_limited", "500": "server_errors", "latency": "latency_ms", "timeout": "timeouts",
    "lost": "lost", "repeat-page": "repeat_page", "malformed": "malformed", "truncated": "truncated",
    "html": "html", "retry-after": "retry_after", "hang": "hang_seconds",
    "repeat-count": "repeat_count", "short-page": "short_pages",
}


@dataclass
class Faults:
    """Counters of faults still to inject; each ``take`` consumes one (thread-safe)."""

    rate_limited: int = 0
    server_errors: int = 0
    latency_ms: float = 0.0
    timeouts: int = 0
    lost: int = 0
    repeat_page: int = 0
    malformed: int = 0
    truncated: int = 0
    html: int = 0
    retry_after: int = 1
    hang_seconds: float = 5.0
    repeat_count: int = 1
    short_pages: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def parse(cls, spec: str | None) -> "Faults":
        """Faults from a spec string (see module doc); raises ValueError naming a bad item (an
        unknown name, or a value that is not a number from 0 to 1,000,000)."""
        faults = cls()
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            name, _, value = item.partition(":")
            attr = _NAMES.get(name.strip().lower())
            if attr is None:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(_NAMES)}")
            try:
                number = float(value) if value.strip() else 1.0
            except ValueError:
                raise ValueError(f"fault {name!r} needs a number, got {value!r}") from None
            # "nan", "inf" and "1e400" (inf) parse as floats but are no count or delay.
            if not math.isfinite(number) or number < 0 or number > _MAX_VALUE:
                raise ValueError(f"fault {name!r} needs a number from 0 to {_MAX_VALUE:,}, got {value.strip()!r}")
            kind = {f.name: f.type for f in fields(cls)}[attr]
            setattr(faults, attr, number if kind == "float" else int(number))
        return faults

    def take(self, attr: str) -> bool:
        """Consume one injection of ``attr`` if any is left."""
        with self._lock:
            left = getattr(self, attr)
            if left > 0:
                setattr(self, attr, left - 1)
                return True
            return False

    def take_repeat(self, page: int) -> bool:
        """True for the first ``repeat_count`` requests of page ``repeat_page`` (>1)."""
        with self._lock:
            if self.repeat_page > 1 and page == self.repeat_page:
                self.repeat_count -= 1
                if self.repeat_count <= 0:
                    self.repeat_page = 0
                return True
            return False
