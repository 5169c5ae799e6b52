"""Request parameters as the emulated API reads them: sort, ``filter[...]`` keys, trimmed bodies."""

from __future__ import annotations

import re
from typing import Any

from .filters import normalise_op

_FILTER_RE = re.compile(r"^filter\[(\w+)\](?:\[([^\]]*)\])?$")


def parse_sort(raw: str | None, allowed: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """``sort=-a,b`` -> ((a, True), (b, False)), dropping fields not in ``allowed``."""
    out = []
    for part in (raw or "").split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("-")
        if name in allowed:
            out.append((name, desc))
    return tuple(out)


def parse_filters(params: dict[str, str]) -> tuple[tuple[str, str, str], ...]:
    """Contact filters from ``filter[field]`` / ``filter[field][op]`` keys; unknown fields dropped."""
    allowed = ("type", "status_id", "source_id", "assigned_id", "created_at", "group_id")
    out = []
    for key, raw in params.items():
        m = _FILTER_RE.match(key)
        if m and m.group(1) in allowed:
            out.append((m.group(1), normalise_op(m.group(2)), raw))
    return tuple(sorted(out))




def _trim(body: Any) -> dict:
    """Request input as Laravel sees it: an object, strings trimmed, empty strings -> None
    (the framework's TrimStrings and ConvertEmptyStringsToNull middleware)."""
    if not isinstance(body, dict):
        return {}
    out = {}
    for k, v in body.items():
        if isinstance(v, str):
            v = v.strip() or None
        out[k] = v
    return out


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, str) and v.strip().isdigit())
