"""The DuckDB cache: its schema and single writer (``store``), the sync from the API (``sync``), one
workspace's settings/client/reader (``workspace``), and the logs kept in it (``audit``, ``delivery_log``).

Public names are re-exported here lazily (importing one module does not import the others).
"""

from __future__ import annotations

from rasl_data._lazy import lazy_exports

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

__getattr__ = lazy_exports(__name__, _PUBLIC)
