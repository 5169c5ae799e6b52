"""The HTTP layer: the RASL v2 client and its HTTP engine, the page loop, retry/rate-limit policy and typed records.

Imports nothing from the cache, analytics or outputs layers.

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

from rasl_data._lazy import lazy_exports

_PUBLIC = {
    "RaslClient": "client",
    "PacedHttp": "http",
    "FieldReader": "fields",
    "NamedRecord": "models",
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

__getattr__ = lazy_exports(__name__, _PUBLIC)
