"""What a sync tells its caller: progress while it runs (:class:`SyncProgress`), the outcome
(:class:`SyncResult`, one row of ``sync_runs``) and the wording of both, in the language in
effect (``rasl_data.i18n``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rasl_data.api.retry import describe_wait as wait_text  # noqa: F401  (the sync's wording of a wait)
from rasl_data.i18n import N_, _, format_number, ngettext

MODE_LABELS = {"full": N_("full"), "incremental": N_("incremental"), "auto": N_("auto")}


@dataclass
class SyncProgress:
    """What a running sync reports to its caller after each page.

    ``phase`` is one of ``sources``, ``statuses``, ``groups``, ``contacts``, ``reconcile``,
    ``saving``, ``done``; ``pages_total`` is ``None`` while unknown; ``rate_limit_waits`` counts
    the pauses RASL's rate limit forced (its budget ran out, or a 429). While such a pause
    runs, ``wait_seconds`` is its length and ``message`` says e.g. "waiting 34 s for RASL's rate
    limit"; both are cleared by the next report.
    """

    phase: str
    pages_done: int = 0
    pages_total: int | None = None
    rows: int = 0
    requests: int = 0
    rate_limit_waits: int = 0
    message: str = ""
    wait_seconds: float = 0.0

    @property
    def fraction(self) -> float:
        """Progress of the contacts phase from 0.0 to 1.0 (0.0 while the total is unknown)."""
        if self.phase == "done":
            return 1.0
        if not self.pages_total:
            return 0.0
        return min(1.0, self.pages_done / self.pages_total)


@dataclass
class SyncResult:
    """Outcome of one sync run, as recorded in table ``sync_runs``.

    Times are aware UTC datetimes; ``duration_s`` in seconds; counts are contacts.
    """

    run_id: int
    mode: str
    outcome: str
    started_at: datetime
    finished_at: datetime
    requests: int = 0
    rate_limit_waits: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    contacts_total: int = 0
    error: str | None = None
    error_title: str | None = None
    notes: list[str] = field(default_factory=list)
    rate_limit_wait_s: float = 0.0

    @property
    def duration_s(self) -> float:
        """Wall time of the run in seconds."""
        return (self.finished_at - self.started_at).total_seconds()

    def summary(self) -> str:
        """One line for the CLI and the dashboard, in the language in effect."""
        if self.outcome != "success":
            return _("Sync failed: {reason}").format(reason=self.error_title or self.error)
        values = dict(
            mode=_(MODE_LABELS.get(self.mode, self.mode)), new=format_number(self.inserted),
            updated=format_number(self.updated), deleted=format_number(self.deleted),
            total=format_number(self.contacts_total), requests=format_number(self.requests),
            seconds=format_number(self.duration_s, 1))
        if not self.rate_limit_waits:
            return _("Sync {mode}: {new} new, {updated} updated, {deleted} deleted contacts ({total} in cache) "
                     "with {requests} requests in {seconds} s").format(**values)
        return ngettext(
            "Sync {mode}: {new} new, {updated} updated, {deleted} deleted contacts ({total} in cache) with "
            "{requests} requests in {seconds} s, waited {wait} for RASL's rate limit ({pauses} pause)",
            "Sync {mode}: {new} new, {updated} updated, {deleted} deleted contacts ({total} in cache) with "
            "{requests} requests in {seconds} s, waited {wait} for RASL's rate limit ({pauses} pauses)",
            self.rate_limit_waits,
        ).format(**values, wait=wait_text(self.rate_limit_wait_s), pauses=format_number(self.rate_limit_waits))
