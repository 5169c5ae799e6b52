"""Spend, monthly targets and the conversion definition, as ``Workspace`` methods.

``WorkspaceBusiness`` is a mixin of ``rasl_data.cache.workspace.Workspace``: it uses the
workspace's ``reader`` and its ``_audited_change`` (role check, writer swap, audit row), so every
change here passes the editor check and lands in the audit log like the others. Cache only, no
API call; the tables and their checks are ``rasl_data.analytics.spend``, ``targets`` and
``conversion_definition``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rasl_data.access import Actor
from rasl_data.cache.audit import AuditEntry

if TYPE_CHECKING:  # imported where used: `python -m rasl_data sync` never loads pandas
    import pandas as pd

    from rasl_data.cache.store import Reader


class WorkspaceBusiness:
    """``Workspace``'s methods for spend, targets and what counts as a customer."""

    # Given by ``Workspace``.
    reader: Reader
    _audited_change: Callable[..., object]

    def conversion_definition(self):
        """The conversion definition in force (``conversion_definition.current``)."""
        from rasl_data.analytics import conversion_definition as cdef

        return cdef.current(self.reader)

    def set_conversion_definition(self, text: str | None, *, actor: Actor) -> None:
        """Save what counts as a customer (``type:customer`` or ``status:Won[,Other]``) in
        ``workspace_settings``; blank text clears the saved value (the settings default applies).

        Editors only; audited as ``settings.conversion``. Raises ``ValueError`` for bad text
        (nothing written), ``store.CacheBusyError`` while a sync holds the cache.
        """
        from rasl_data.analytics import conversion_definition as cdef

        new = cdef.parse(text).text if (text or "").strip() else None
        old = cdef.stored(self.reader)
        entry = AuditEntry("settings.conversion", "setting", cdef.KEY, cdef.KEY,
                           before=old.text if old else None, after=new)

        def write(con, _result) -> None:
            con.execute("DELETE FROM workspace_settings WHERE key = ?", [cdef.KEY])
            if new is not None:
                con.execute("INSERT INTO workspace_settings VALUES (?, ?, now(), ?)", [cdef.KEY, new, actor.email])

        self._audited_change(actor, entry, None, write)

    def save_spend(self, rows: pd.DataFrame, *, actor: Actor, replace: bool, origin: str = "table",
                   first_line: int = 2) -> pd.DataFrame:
        """Check ``rows`` (columns ``start, end, level, name, amount``) and save them in table
        ``spend``: added to the saved rows, or instead of all of them with ``replace``.

        Editors only; audited as ``spend.import`` (``origin``: ``table`` or the file name) with
        row counts and totals before and after. Everything is checked first: ``spend.SpendError``
        lists every problem with its line number (``first_line`` is the first row's) and nothing
        is saved. Returns the saved rows (``spend.validate``'s frame).
        """
        import pandas as pd

        from rasl_data.analytics import attribution, spend

        before = spend.read_spend(self.reader)
        entry = AuditEntry("spend.import", "spend", None, origin, before=spend.summary(before))
        if not actor.can_edit:
            self._audited_change(actor, entry, None, lambda con, _r: None)  # records the refusal, raises
        clean = spend.validate(rows, spend.Targets.from_attribution(attribution.source_attribution(self.reader)),
                               None if replace else before, first_line=first_line)
        after = clean if replace else pd.concat([before[clean.columns.drop("line")], clean.drop(columns="line")])
        entry.after = {**spend.summary(after), "mode": "replace" if replace else "add"}
        self._audited_change(actor, entry, None,
                             lambda con, _r: spend.write_spend(con, clean, replace=replace, actor_email=actor.email))
        return clean

    def save_targets(self, rows: pd.DataFrame, *, actor: Actor, origin: str = "table", first_line: int = 2) -> pd.DataFrame:
        """Check ``rows`` (``targets.COLUMNS``) and replace every saved monthly target with them.

        Editors only; audited as ``targets.save`` with the targets before and after.
        ``spend.SpendError`` lists every problem (nothing saved). Returns the saved rows.
        """
        from rasl_data.analytics import attribution, targets

        before = targets.read_targets(self.reader)
        entry = AuditEntry("targets.save", "targets", None, origin,
                           before=before.astype(object).where(before.notna(), None).to_dict("records"))
        if not actor.can_edit:
            self._audited_change(actor, entry, None, lambda con, _r: None)
        channels = sorted(set(attribution.source_attribution(self.reader)["channel"]))
        clean = targets.validate(rows, channels, first_line=first_line)
        entry.after = clean.astype(object).where(clean.notna(), None).to_dict("records")
        self._audited_change(actor, entry, None, lambda con, _r: targets.write_targets(con, clean))
        return clean
