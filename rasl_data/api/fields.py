"""Reading typed fields from one JSON object of the RASL v2 API, naming the field in every error.

``FieldReader(obj, where)`` reads ints, strings, booleans, numbers, timestamps and id lists with
the parsing rules of :mod:`rasl_data.api.models`; ``shape_error`` is the one
:class:`~rasl_data.errors.ProtocolError` a value of the wrong type becomes.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

from rasl_data.errors import ProtocolError
from rasl_data.i18n import N_, _

SHAPE_TITLE = N_("RASL sent data in an unexpected shape.")


def shape_error(where: str, expected: str, value: Any) -> ProtocolError:
    """The error for ``value`` at ``where`` (e.g. ``sources[0].created_at``) not being ``expected``."""
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return ProtocolError(_(SHAPE_TITLE), f"{where}: expected {expected}, got {type(value).__name__} {shown}")


def parse_timestamp(value: Any, where: str = "timestamp") -> datetime:
    """Aware UTC datetime from an ISO-8601 string with offset or ``Z`` (fractions allowed).

    A string without an offset is read as UTC (the API's app timezone, contract §4.3).
    Raises :class:`ProtocolError` naming ``where`` for anything else.
    """
    if not isinstance(value, str):
        raise shape_error(where, "an ISO-8601 timestamp string", value)
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise shape_error(where, "an ISO-8601 timestamp string", value) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class FieldReader:
    """Reads typed fields from one JSON object, naming ``where.field`` in errors."""

    __slots__ = ("obj", "where")

    def __init__(self, obj: Any, where: str) -> None:
        if not isinstance(obj, Mapping):
            raise shape_error(where, "an object", obj)
        self.obj = obj
        self.where = where

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.obj:
            if required:
                raise ProtocolError(_(SHAPE_TITLE), f"{self.where}.{key}: missing")
            return None
        return self.obj[key]

    def int(self, key: str, *, null: bool = False, required: bool = True) -> int | None:
        v = self._get(key, required and not null)
        if v is None and (null or not required):
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            # Some PHP serialisers send numeric strings for ids; accept plain digit strings only.
            if isinstance(v, str) and v.strip().lstrip("-").isdigit():
                return int(v)
            raise shape_error(f"{self.where}.{key}", "an integer", v)
        return v

    def str(self, key: str, *, null: bool = False, required: bool = True) -> str | None:
        v = self._get(key, required and not null)
        if v is None and (null or not required):
            return None
        if not isinstance(v, str):
            raise shape_error(f"{self.where}.{key}", "a string", v)
        return v

    def bool(self, key: str, *, default: bool = False) -> bool:
        v = self.obj.get(key, default)
        if v is None:
            return default
        if isinstance(v, bool):
            return v
        if isinstance(v, int) and v in (0, 1):  # MySQL tinyint leaking through
            return bool(v)
        raise shape_error(f"{self.where}.{key}", "a boolean", v)

    def number(self, key: str, *, null: bool = False) -> float | None:
        v = self._get(key, not null)
        if v is None and null:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise shape_error(f"{self.where}.{key}", "a number", v)
        return float(v)

    def ts(self, key: str, *, null: bool = False, required: bool = True) -> datetime | None:
        v = self._get(key, required and not null)
        if v is None and (null or not required):
            return None
        return parse_timestamp(v, f"{self.where}.{key}")

    def int_list(self, key: str) -> tuple[int, ...]:
        v = self.obj.get(key)
        if v is None:
            return ()
        if not isinstance(v, list):
            raise shape_error(f"{self.where}.{key}", "a list of integers", v)
        out = []
        for i, x in enumerate(v):
            if isinstance(x, bool) or not isinstance(x, int):
                if isinstance(x, str) and x.isdigit():
                    x = int(x)
                else:
                    raise shape_error(f"{self.where}.{key}[{i}]", "an integer", x)
            out.append(x)
        return tuple(out)


def unwrap_data(data: Any) -> Any:
    """Undo the GET-by-id double wrap: ``{"data": {...}}`` -> ``{...}`` (contract §3.1)."""
    if isinstance(data, Mapping) and len(data) == 1 and isinstance(data.get("data"), Mapping):
        return data["data"]
    return data
