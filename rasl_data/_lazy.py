"""Lazy re-exports for the layer packages (``rasl_data.api``, ``cache``, ``analytics``, ``outputs``).

A package lists its public names and the module each lives in; importing the package imports none
of them, so ``python -m rasl_data sync`` loads only what a sync needs (no pandas).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, public: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``public`` maps a name to its module (relative to
    ``package``), imported on first use. Raises ``AttributeError`` for any other name."""

    def __getattr__(name: str) -> Any:
        if name in public:
            return getattr(importlib.import_module(f"{package}.{public[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
