"""The DuckDB cache: its schema and single writer (``store``), the sync from the API (``sync``), one
workspace's settings/client/reader (``workspace``), and the logs kept in it (``audit``, ``delivery_log``).

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "Reader": "store",
    "connect": "store",
    "write_transaction": "store",
    "TABLES": "store",
    "sync": "sync",
    "SyncResult": "sync",
    "SyncProgress": "sync",
    "WorkspaceMismatchError": "sync",
    "Workspace": "workspace",
    "SourceChange": "workspace",
    "AuditEntry": "audit",
    "Attempt": "delivery_log",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """``rasl_data.cache.<name>`` for a public name: import its module on first use."""
    if name in _PUBLIC:
        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
