"""One workspace: its settings, API client, cache reader, sync and source management.

This is the facade the dashboard pages and the CLI call; it never imports streamlit.

* A real workspace (``RASL_API_TOKEN`` set) talks HTTP to ``RASL_BASE_URL``.
* The demo workspace (no token) talks to the built-in emulator in-process through an
  ``httpx.MockTransport`` — the same client code, envelope, pagination and errors — so a newcomer
  sees a working dashboard with nothing to start. Its first sync replays the last weeks as
  weekly syncs so the change history (and conversion timing) is real output of the sync engine.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rasl_data.access import AccessDeniedError, Actor, require_editor
from rasl_data.api.client import RaslClient
from rasl_data.cache import audit, store
from rasl_data.cache import notes as notes_table
from rasl_data.cache.audit import AuditEntry
from rasl_data.cache.sync import SyncProgress, SyncResult, sync
from rasl_data.cache.workspace_business import WorkspaceBusiness
from rasl_data.cache.workspace_notes import WorkspaceNotes
from rasl_data.errors import RaslError
from rasl_data.i18n import _
from rasl_data.settings import Settings

if TYPE_CHECKING:  # imported where used: `python -m rasl_data sync` never loads pandas
    import pandas as pd

DEMO_REPLAY_WEEKS = 12

_demo_lock = threading.Lock()
_demo_apps: dict[tuple[str, str], object] = {}


def _read_journal(journal: Path | None) -> list[dict]:
    if journal is None or not journal.exists():
        return []
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return entries if isinstance(entries, list) else []


def demo_emulator(as_of: datetime | None = None, journal: Path | None = None):
    """The process-wide demo emulator for ``as_of``'s UTC date (created once, then reused).

    ``journal`` (JSON list of ``{"op": "create"|"rename"|"delete", "id", "name"}``) holds the
    source changes made from the dashboard in the demo workspace; they are replayed when the
    emulator is created, so the demo behaves like a workspace that keeps its changes across
    restarts (and a new source never reuses the id of one created before).
    """
    from rasl_data.emulator import EmulatorApp, make_demo_tenant

    as_of = as_of or datetime.now(timezone.utc)
    key = (as_of.date().isoformat(), str(journal))
    with _demo_lock:
        app = _demo_apps.get(key)
        if app is None:
            app = EmulatorApp(make_demo_tenant(as_of=as_of), rate_limit_per_minute=None)
            for entry in _read_journal(journal):
                op, sid, name = entry.get("op"), entry.get("id"), entry.get("name")
                if op == "create":
                    app.tenant.add_source(str(name))
                elif op == "rename" and sid is not None:
                    app.tenant.rename_source(int(sid), str(name))
                elif op == "delete" and sid is not None:
                    app.tenant.delete_source(int(sid))
            _demo_apps[key] = app
        return app


@dataclass
class SourceChange:
    """Result of a create, rename or delete through the API: the source and a message."""

    source_id: int
    name: str
    message: str


class Workspace(WorkspaceBusiness, WorkspaceNotes):
    """A RASL workspace and its cache file.

    ``reader`` answers read-only queries (table reads documented in README); ``sync`` and the
    source-management methods are the only writers. Raises ``store.CacheError`` /
    ``store.CacheBusyError`` for cache problems and ``errors.RaslError`` subclasses for API
    answers (their ``title`` is written for the user). Spend, targets and the conversion
    definition are methods of ``WorkspaceBusiness`` (``workspace_business``), the notes on the
    charts of ``WorkspaceNotes`` (``workspace_notes``); both go through ``_audited_change``.
    """

    def __init__(self, settings: Settings, *, transport=None) -> None:
        self.settings = settings
        self._transport = transport
        self.cache_path: Path = settings.cache_path
        store.ensure_cache(self.cache_path)  # CacheError with what to fix when it cannot
        self.reader = store.Reader(self.cache_path)
        # The secrets/environment default of what counts as a customer; a definition saved on
        # Settings (table ``workspace_settings``) overrides it (``conversion_definition.current``).
        self.reader.conversion_default = settings.conversion
        self.reader.currency = settings.currency

    @property
    def demo_journal(self) -> Path:
        """Where the demo workspace keeps the source changes made from the dashboard."""
        return self.cache_path.with_name(self.cache_path.stem + ".demo-changes.json")

    def _journal(self, op: str, source_id: int, name: str) -> None:
        if not self.settings.is_demo or self._transport is not None:
            return
        entries = _read_journal(self.demo_journal)
        entries.append({"op": op, "id": int(source_id), "name": name})
        tmp = self.demo_journal.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.demo_journal)

    # -- API --------------------------------------------------------------------------------
    def client(self) -> RaslClient:
        """A new API client for this workspace (close it, or use it as a context manager)."""
        if self.settings.is_demo:
            from rasl_data.emulator import DEMO_TOKEN

            transport = self._transport or demo_emulator(journal=self.demo_journal).transport()
            return RaslClient("https://demo.rasl.invalid/api/v2", DEMO_TOKEN, transport=transport,
                              max_wait=self.settings.max_retry_wait)
        # 20 s per attempt and 3 retries: a server that never answers is reported in about a
        # minute and a half rather than the client's default three.
        return RaslClient(self.settings.base_url, self.settings.token, transport=self._transport,
                          timeout=20.0, max_retries=3, max_wait=self.settings.max_retry_wait)

    # -- cache state ------------------------------------------------------------------------
    def contact_count(self) -> int:
        """Contacts in the cache (table ``contacts``)."""
        return int(self.reader.query("SELECT count(*) AS n FROM contacts")["n"].iloc[0])

    def is_empty(self) -> bool:
        """True when no sync has stored any contact yet."""
        return self.contact_count() == 0

    def last_sync(self) -> dict | None:
        """The newest row of ``sync_runs`` as a dict (UTC timestamps), or ``None``."""
        df = self.reader.query("SELECT * FROM sync_runs ORDER BY id DESC LIMIT 1")
        return None if df.empty else df.iloc[0].to_dict()

    def freshness(self) -> datetime | None:
        """When the last successful sync finished (aware UTC), or ``None``."""
        df = self.reader.query("SELECT max(finished_at) AS t FROM sync_runs WHERE outcome = 'success'")
        value = df["t"].iloc[0]
        import pandas as pd

        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

    def sync_log(self, limit: int = 20) -> pd.DataFrame:
        """Newest ``limit`` rows of ``sync_runs``."""
        return self.reader.query("SELECT * FROM sync_runs ORDER BY id DESC LIMIT ?", [limit])

    # -- sync -------------------------------------------------------------------------------
    def sync(self, mode: str = "auto", on_progress: Callable[[SyncProgress], None] | None = None) -> SyncResult:
        """Sync this workspace into its cache (see ``rasl_data.cache.sync.sync``).

        In the demo workspace an empty cache is filled by replaying the last
        ``DEMO_REPLAY_WEEKS`` weeks as weekly syncs, then syncing today.
        """
        if self.settings.is_demo and mode != "full" and self.is_empty() and self._transport is None:
            return self._demo_bootstrap(on_progress)
        with self.client() as client:
            return sync(client, self.cache_path, mode=mode, on_progress=on_progress, workspace_id=self.settings.workspace_id)

    def _demo_bootstrap(self, on_progress: Callable[[SyncProgress], None] | None) -> SyncResult:
        from rasl_data.emulator import DEMO_TOKEN, EmulatorApp

        live = demo_emulator(journal=self.demo_journal)
        today = datetime.now(timezone.utc)
        for weeks_back in range(DEMO_REPLAY_WEEKS, 0, -1):
            as_of = today - timedelta(weeks=weeks_back)
            # The same generated timeline, as it stood weeks_back weeks ago.
            app = EmulatorApp(live.tenant.state_at(as_of), rate_limit_per_minute=None)
            with RaslClient("https://demo.rasl.invalid/api/v2", DEMO_TOKEN, transport=app.transport()) as client:
                result = sync(client, self.cache_path, mode="auto", now=as_of, on_progress=on_progress,
                              workspace_id=self.settings.workspace_id)
            if result.outcome != "success":
                return result
        with self.client() as client:
            return sync(client, self.cache_path, mode="auto", on_progress=on_progress,
                        workspace_id=self.settings.workspace_id)

    # -- changes: each passes the editor check and lands in the audit log -------------------
    def _audited_change(self, actor: Actor, entry: AuditEntry, api_call: Callable[[], object] | None,
                        cache_write: Callable[[object, object], None]):
        """Run one change: role check, optional API call, cache write and audit row in one swap.

        ``cache_write(con, api_result)`` applies the change to the writer connection and may
        update ``entry`` (e.g. the id RASL gave a new source). A refusal (role check, RASL's
        4xx) or failure (network, 5xx) is recorded with its message and re-raised; nothing
        else is written then.
        """
        try:
            require_editor(actor, entry.action)
            result = api_call() if api_call is not None else None
        except RaslError as err:
            entry.outcome = "failed" if (err.status is None or err.status >= 500) and not isinstance(
                err, AccessDeniedError) else "refused"
            entry.message = err.title
            audit.append(self.cache_path, actor, entry)
            raise
        with store.write_transaction(self.cache_path) as con:
            cache_write(con, result)
            audit.record(con, actor, entry)
        return result

    @staticmethod
    def _upsert_source(con, src) -> None:
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET "
            "name = excluded.name, updated_at = excluded.updated_at, deleted_at = NULL",
            [src.id, src.name, src.created_at, src.updated_at],
        )

    def _source_name(self, source_id: int) -> str:
        df = self.reader.query("SELECT name FROM sources WHERE id = ?", [int(source_id)])
        return str(df["name"].iloc[0]) if not df.empty else str(source_id)

    def create_source(self, name: str, *, actor: Actor) -> SourceChange:
        """``POST /sources`` then store the new source in table ``sources`` at once.

        Editors only (``access.AccessDeniedError`` otherwise); audited as ``source.create``.
        Raises ``errors.RaslError`` subclasses for RASL's answer (e.g. 422 duplicate name).
        """
        entry = AuditEntry("source.create", "source", None, name, before=None, after={"name": name})

        def write(con, src) -> None:
            self._journal("create", src.id, src.name)
            self._upsert_source(con, src)
            entry.object_id, entry.object_name, entry.after = src.id, src.name, {"name": src.name}

        def call():
            with self.client() as client:
                return client.create_source(name)

        src = self._audited_change(actor, entry, call, write)
        return SourceChange(src.id, src.name, _("Source “{name}” created.").format(name=src.name))

    def rename_source(self, source_id: int, new_name: str, *, actor: Actor) -> SourceChange:
        """``PATCH /sources/{id}`` then update its name in ``sources`` (its history keeps the id).

        Editors only; audited as ``source.rename`` with the old and new name.
        """
        old = self._source_name(source_id)
        entry = AuditEntry("source.rename", "source", int(source_id), old,
                           before={"name": old}, after={"name": new_name})

        def write(con, src) -> None:
            self._journal("rename", src.id, src.name)
            self._upsert_source(con, src)
            entry.after = {"name": src.name}
            notes_table.record_dashboard_rename(con, src.id, old, src.name)  # the charts' rename notes

        def call():
            with self.client() as client:
                return client.rename_source(source_id, new_name)

        src = self._audited_change(actor, entry, call, write)
        return SourceChange(src.id, src.name, _("Source renamed to “{name}”.").format(name=src.name))

    def delete_source(self, source_id: int, *, actor: Actor) -> SourceChange:
        """``DELETE /sources/{id}`` then mark it deleted in ``sources`` (``deleted_at``).

        Editors only; audited as ``source.delete`` (409 "in use" is recorded as refused).
        """
        name = self._source_name(source_id)
        entry = AuditEntry("source.delete", "source", int(source_id), name, before={"name": name}, after=None)

        def write(con, _result) -> None:
            self._journal("delete", source_id, "")
            con.execute("UPDATE sources SET deleted_at = now() WHERE id = ?", [source_id])

        def call():
            with self.client() as client:
                return client.delete_source(source_id)

        self._audited_change(actor, entry, call, write)
        return SourceChange(source_id, name, _("Source “{name}” deleted.").format(name=name))

    # -- attribution settings (writer transactions, no API call) ----------------------------
    def save_channel_rules(self, rules_df: pd.DataFrame, *, actor: Actor) -> None:
        """Replace the channel rules (table ``channel_rules``) with ``rules_df`` in one writer transaction.

        ``rules_df`` has columns ``pattern``, ``match``, ``channel`` (and optionally ``position``);
        see ``attribution.save_channel_rules``. Editors only; audited as ``channel_rules.save``
        with the rules before and after. Raises ``ValueError`` naming the bad row (nothing
        written), ``store.CacheBusyError`` while a sync holds the cache.
        """
        from rasl_data.analytics import attribution

        attribution.validate_rules(rules_df)  # fail before taking the writer lock
        cols = ["pattern", "match", "channel"]
        before = self.reader.query("SELECT pattern, match, channel FROM channel_rules ORDER BY position")
        entry = AuditEntry("channel_rules.save", "channel_rules", None, "channel rules",
                           before=before[cols].to_dict("records"),
                           after=rules_df[cols].astype(str).to_dict("records"))
        self._audited_change(actor, entry, None, lambda con, _r: attribution.save_channel_rules(con, rules_df))

    def save_source_label(self, source_id: int, channel: str | None, campaign: str | None, *, actor: Actor) -> None:
        """Set or clear one source's channel/campaign override (table ``source_labels``).

        ``channel`` None → from rules; ``campaign`` None → from the name, ``""`` → no campaign.
        Raises ``store.CacheBusyError`` while a sync holds the cache.
        """
        self.save_source_labels([(source_id, channel, campaign)], actor=actor)

    def save_source_labels(self, labels: list[tuple[int, str | None, str | None]], *, actor: Actor) -> None:
        """Several ``(source_id, channel, campaign)`` overrides in one writer transaction (one file swap).

        Editors only; audited as one ``source_labels.save`` row per source, before and after.
        """
        from rasl_data.analytics import attribution

        rows = [(int(sid), ch, cp) for sid, ch, cp in labels]
        old = self.reader.query("SELECT source_id, channel, campaign FROM source_labels")
        old_by_id = {int(r.source_id): {"channel": r.channel, "campaign": r.campaign} for r in old.itertuples()}
        entries = [AuditEntry("source_labels.save", "source_label", sid, self._source_name(sid),
                              before=old_by_id.get(sid), after={"channel": ch, "campaign": cp})
                   for sid, ch, cp in rows]
        try:
            require_editor(actor, "source_labels.save")
        except AccessDeniedError as err:
            with store.write_transaction(self.cache_path) as con:
                for entry in entries:
                    entry.outcome, entry.message = "refused", err.title
                    audit.record(con, actor, entry)
            raise
        with store.write_transaction(self.cache_path) as con:
            for (sid, ch, cp), entry in zip(rows, entries):
                attribution.save_source_label(con, sid, ch, cp)
                audit.record(con, actor, entry)

    # -- the audit log and the API's scopes -------------------------------------------------
    def audit_log(self, **filters) -> pd.DataFrame:
        """The audit log newest first (see ``audit.read_log`` for the filters and columns)."""
        return audit.read_log(self.reader, **filters)

    def check_scopes(self) -> dict[str, str]:
        """Probe the read scopes the dashboard needs; maps scope → ``ok`` or the error title.

        Reads ``GET /sources``, ``/statuses``, ``/groups``, ``/contacts`` (one item each) and
        ``/account``. Write scope (``sources:write``) cannot be probed without a change.
        """
        probes = {
            "sources:read": lambda c: c.list_sources(),
            "statuses:read": lambda c: c.list_statuses(),
            "groups:read": lambda c: c.list_groups(),
            "contacts:read": lambda c: c.contacts_page(per_page=1, page=1),
            "account:read": lambda c: c.account_info(),
        }
        out: dict[str, str] = {}
        with self.client() as client:
            for scope, probe in probes.items():
                try:
                    probe(client)
                    out[scope] = "ok"
                except RaslError as err:
                    out[scope] = err.title
        return out
