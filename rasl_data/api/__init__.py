"""The HTTP layer: the RASL v2 client, its page loop, retry/rate-limit policy and typed records.

Imports nothing from the cache, analytics or outputs layers.

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "RaslClient": "client",
    "Source": "models",
    "Status": "models",
    "Group": "models",
    "Contact": "models",
    "Page": "models",
    "AccountInfo": "models",
    "AccountUsage": "models",
    "AccountLimits": "models",
    "SentMessage": "models",
    "IncompletePageError": "pagination",
    "Resource": "pagination",
    "RateLimitPacer": "retry",
    "WaitTooLongError": "retry",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """``rasl_data.api.<name>`` for a public name: import its module on first use."""
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
