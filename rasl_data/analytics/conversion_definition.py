"""What counts as a customer: the workspace's conversion definition (``RASL_CONVERSION``).

Two forms, written as text in settings, the CLI and the cache:

* ``type:customer`` (the default): a contact is a customer when its RASL ``type`` is
  ``customer`` now;
* ``status:Won[,Other...]``: a contact is a customer when its current status is one of these
  names (compared like source names: ignoring case, spaces, tatweel and Unicode form).

The workspace's choice is stored in the cache table ``workspace_settings`` (key
``RASL_CONVERSION``) when an editor changes it on Settings; that value overrides the
secrets/environment default (``Settings.conversion``). Every query that counts customers asks
``current(db)`` (conversion rate, cost per customer, the weekly pack), so one change applies
everywhere. No streamlit here.

Table ``workspace_settings`` (public interface, survives syncs): ``key`` (a settings key),
``value`` (text), ``updated_at`` (UTC), ``updated_by`` (who changed it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rasl_data.cache import spend_schema
from rasl_data.i18n import _

# Settings (and so the lean sync command) parse RASL_CONVERSION: this module imports no pandas.
# Matching status names against the cache uses ``attribution.normalise_name``, imported there.
_SPACES = re.compile(r"\s+")


def _tidy(text: str | None) -> str:
    """A typed name as shown: NFKC, no tatweel, single spaces, trimmed (``attribution.tidy_name``'s rules)."""
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\u0640", "")
    return _SPACES.sub(" ", text).strip()


def _normalise(text: str | None) -> str:
    from rasl_data.analytics.attribution import normalise_name

    return normalise_name(text)

SCHEMA = spend_schema.WORKSPACE_SETTINGS

KEY = "RASL_CONVERSION"
KINDS = ("type", "status")
DEFAULT_TEXT = "type:customer"


@dataclass(frozen=True)
class ConversionDefinition:
    """``kind`` ``type`` (values ``("customer",)``) or ``status`` (status names as typed)."""

    kind: str = "type"
    values: tuple[str, ...] = ("customer",)

    @property
    def text(self) -> str:
        """The canonical text form, e.g. ``status:Won,Paid`` (what settings and the cache hold)."""
        return f"{self.kind}:{','.join(self.values)}"

    @property
    def label(self) -> str:
        """Plain words for captions: ``type is customer`` or ``status is Won or Paid`` (in the language
        in effect, ``rasl_data.i18n``; status names as typed)."""
        if self.kind == "type":
            return _("type is customer")
        return _("status is {statuses}").format(statuses=_(" or ").join(self.values))


DEFAULT = ConversionDefinition()


def parse(text: str | None, key: str = KEY) -> ConversionDefinition:
    """Parse ``type:customer`` or ``status:NAME[,NAME...]`` (blank → the default).

    Raises ``ValueError`` with a one-line message naming ``key`` for anything else (another type,
    an empty status list, a missing ``:``).
    """
    raw = (text or "").strip()
    if not raw:
        return DEFAULT
    kind, sep, rest = raw.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS:
        raise ValueError(f"{key}: {raw!r} must be type:customer or status:NAME[,NAME], e.g. status:Won")
    if kind == "type":
        if _tidy(rest).casefold() != "customer":
            raise ValueError(f"{key}: only type:customer is supported as a type (got {raw!r})")
        return DEFAULT
    names: list[str] = []
    seen: set[str] = set()
    for part in rest.split(","):
        name = _tidy(part)
        if name and name.casefold() not in seen:  # exact twins; statuses match by normalise_name later
            seen.add(name.casefold())
            names.append(name)
    if not names:
        raise ValueError(f"{key}: status: needs at least one status name, e.g. status:Won")
    return ConversionDefinition("status", tuple(names))


def _has_table(db, name: str) -> bool:
    df = db.query("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?", [name])
    return int(df["n"].iloc[0]) > 0


def stored(db) -> ConversionDefinition | None:
    """The definition an editor saved in ``workspace_settings``, or None (none saved, an old cache)."""
    if not _has_table(db, "workspace_settings"):
        return None
    df = db.query("SELECT value FROM workspace_settings WHERE key = ?", [KEY])
    if df.empty or not str(df["value"].iloc[0] or "").strip():
        return None
    try:
        return parse(str(df["value"].iloc[0]))
    except ValueError:
        return None


def configured_default(db=None) -> ConversionDefinition:
    """The secrets/environment default: ``db.conversion_default`` (set by ``Workspace``), else
    ``RASL_CONVERSION`` from the settings, else ``type:customer``."""
    value = getattr(db, "conversion_default", None)
    if isinstance(value, ConversionDefinition):
        return value
    if isinstance(value, str):
        return parse(value)
    try:
        from rasl_data.settings import load_settings

        return parse(load_settings().conversion)
    except (ValueError, OSError):  # unusable settings are reported where they are loaded
        return DEFAULT


def current(db, override: ConversionDefinition | str | None = None) -> ConversionDefinition:
    """The definition in force: ``override`` (a CLI flag), else the one saved in the cache, else
    the configured default. ``db`` is a ``store.Reader``. Raises ``ValueError`` for a bad
    ``override`` text."""
    if isinstance(override, ConversionDefinition):
        return override
    if isinstance(override, str) and override.strip():
        return parse(override, "--converted")
    return stored(db) or configured_default(db)


def status_ids(db, definition: ConversionDefinition) -> list[int]:
    """Ids in ``statuses`` whose name matches one of ``definition.values`` (deleted ones too: a
    contact keeps its status). Empty for a ``type`` definition or no match."""
    if definition.kind != "status":
        return []
    wanted = {_normalise(v) for v in definition.values}
    df = db.query("SELECT id, name FROM statuses ORDER BY id")
    return [int(i) for i, n in zip(df["id"], df["name"]) if _normalise(n) in wanted]


def unknown_statuses(db, definition: ConversionDefinition) -> list[str]:
    """Names of ``definition`` that match no status in the cache (shown as a warning)."""
    if definition.kind != "status":
        return []
    df = db.query("SELECT name FROM statuses")
    known = {_normalise(n) for n in df["name"]}
    return [v for v in definition.values if _normalise(v) not in known]


def _id_list(ids: list[int]) -> str:
    # Integers from the cache, formatted by int(): no user text reaches the SQL.
    return ", ".join(str(int(i)) for i in ids)


def customer_sql(db, definition: ConversionDefinition | None = None, alias: str = "c") -> str:
    """A boolean SQL expression on ``contacts`` row ``alias``: the contact is a customer now.

    Never NULL. Uses ``current(db)`` when ``definition`` is None; reads ``statuses``.
    """
    definition = definition or current(db)
    if definition.kind == "type":
        return f"COALESCE({alias}.type = 'customer', false)"
    ids = status_ids(db, definition)
    if not ids:
        return "false"
    return f"COALESCE({alias}.status_id IN ({_id_list(ids)}), false)"


def change_sql(db, definition: ConversionDefinition | None = None) -> str:
    """A boolean SQL condition on a ``contact_changes`` row: the change made the contact a
    customer (type lead → customer; or status from outside the list into it)."""
    definition = definition or current(db)
    if definition.kind == "type":
        return "(field = 'type' AND old_value = 'lead' AND new_value = 'customer')"
    ids = status_ids(db, definition)
    if not ids:
        return "false"
    id_list = _id_list(ids)
    return (f"(field = 'status_id' AND TRY_CAST(new_value AS BIGINT) IN ({id_list}) "
            f"AND (old_value IS NULL OR TRY_CAST(old_value AS BIGINT) NOT IN ({id_list})))")


__all__ = ["DEFAULT", "KEY", "SCHEMA", "ConversionDefinition", "change_sql", "configured_default", "current",
           "customer_sql", "parse", "status_ids", "stored", "unknown_statuses"]
