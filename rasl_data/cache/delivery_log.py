"""The delivery log: every weekly review, alert and test sent by e-mail or WhatsApp, and how it ended.

Table ``deliveries`` (public interface; a sync never touches it):

| column | meaning |
|---|---|
| ``id`` | 1, 2, 3… in the order the attempts were recorded |
| ``occurred_at`` | when the attempt ended (``TIMESTAMPTZ``, UTC) |
| ``kind`` | ``weekly_review``, ``alert`` or ``test`` |
| ``item`` | what was sent: the week's first local day (``YYYY-MM-DD``) for ``weekly_review``, the alert's key for ``alert`` (e.g. ``silent_source:12:2026-11-20``), ``test`` |
| ``channel`` | ``email`` or ``whatsapp`` |
| ``recipient`` | the address or phone number as configured |
| ``outcome`` | ``sent`` (the mail server or RASL accepted it) or ``failed`` |
| ``subject`` | the e-mail subject or the message's first line |
| ``message`` | for ``failed``, what went wrong and what to fix; for ``sent``, RASL's message id when known |
| ``actor`` | ``cli`` from the command line, the signed-in e-mail (or ``local``) for a dashboard test |

"Exactly once" reads this table: a ``(kind, item, channel, recipient)`` with a ``sent`` row is not
sent again unless forced. Each attempt is recorded in its own writer swap right after it ended,
so a crash mid-run never resends what went out, and a failure is never recorded as sent.
No secret (SMTP password, API token) is ever written here: messages are scrubbed first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pandas only where a frame is returned: the sync command stays free of it
    import pandas as pd

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id BIGINT PRIMARY KEY, occurred_at TIMESTAMPTZ NOT NULL, kind VARCHAR NOT NULL, item VARCHAR NOT NULL,
    channel VARCHAR NOT NULL, recipient VARCHAR NOT NULL, outcome VARCHAR NOT NULL, subject VARCHAR,
    message VARCHAR, actor VARCHAR);
"""

COLUMNS = ["id", "occurred_at", "kind", "item", "channel", "recipient", "outcome", "subject", "message", "actor"]
KINDS = ("weekly_review", "alert", "test")
CHANNELS = ("email", "whatsapp")
OUTCOMES = ("sent", "failed")


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt to one recipient on one channel (a future ``deliveries`` row)."""

    kind: str
    item: str
    channel: str
    recipient: str
    outcome: str
    subject: str = ""
    message: str = ""
    actor: str = "cli"


def record(con: duckdb.DuckDBPyConnection, attempts: list[Attempt], at: datetime | None = None) -> None:
    """Insert ``attempts`` into ``deliveries`` on writer connection ``con`` (``at`` defaults to now, UTC).

    Raises ``ValueError`` for an unknown kind, channel or outcome (nothing inserted then).
    """
    for a in attempts:
        if a.kind not in KINDS or a.channel not in CHANNELS or a.outcome not in OUTCOMES:
            raise ValueError(f"bad delivery attempt {a.kind}/{a.channel}/{a.outcome}")
    at = at or datetime.now(timezone.utc)
    next_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM deliveries").fetchone()[0])
    for offset, a in enumerate(attempts):
        con.execute("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [next_id + offset, at, a.kind, a.item, a.channel, a.recipient, a.outcome, a.subject or "",
                     a.message or "", a.actor])


def append(cache_path: Path | str, attempts: list[Attempt]) -> None:
    """Record ``attempts`` in their own writer swap (``store.write_transaction``).

    Raises ``store.CacheBusyError`` when another writer holds the cache past the wait,
    ``store.CacheError`` when it cannot be written.
    """
    from rasl_data.cache import store

    if not attempts:
        return
    with store.write_transaction(cache_path) as con:
        record(con, attempts)


def _has_table(reader) -> bool:
    return not reader.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'deliveries'").empty


def sent_keys(reader, kind: str, items: list[str] | None = None) -> set[tuple[str, str, str]]:
    """``(item, channel, recipient)`` already sent for ``kind`` (``items`` limits which; None = all).

    ``reader`` is a ``store.Reader``. An old cache without the table gives an empty set.
    """
    if not _has_table(reader):
        return set()
    sql = "SELECT DISTINCT item, channel, recipient FROM deliveries WHERE outcome = 'sent' AND kind = ?"
    params: list = [kind]
    if items is not None:
        if not items:
            return set()
        sql += f" AND item IN ({', '.join('?' for _ in items)})"
        params += list(items)
    df = reader.query(sql, params)
    return {(str(r.item), str(r.channel), str(r.recipient)) for r in df.itertuples()}


def items_like(reader, kind: str, prefix: str) -> pd.DataFrame:
    """Rows of ``kind`` whose ``item`` starts with ``prefix`` (columns ``item``, ``occurred_at``),
    newest first; empty for an old cache without the table."""
    import pandas as pd

    if not _has_table(reader):
        return pd.DataFrame(columns=["item", "occurred_at"])
    return reader.query("SELECT item, max(occurred_at) AS occurred_at FROM deliveries WHERE kind = ? "
                        "AND starts_with(item, ?) GROUP BY item ORDER BY occurred_at DESC", [kind, prefix])


def read_log(reader, *, limit: int | None = 200, kind: str | None = None) -> pd.DataFrame:
    """Rows of ``deliveries`` newest first (columns ``COLUMNS``), at most ``limit``; ``kind`` filters.

    An old cache without the table gives an empty frame.
    """
    import pandas as pd

    if not _has_table(reader):
        return pd.DataFrame(columns=COLUMNS)
    sql, params = "SELECT * FROM deliveries", []
    if kind:
        sql += " WHERE kind = ?"
        params.append(kind)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return reader.query(sql, params)


def read_messages(reader, *, limit: int | None = 100) -> pd.DataFrame:
    """The log as messages: one row per attempt to one recipient (the rows one message recorded
    for several alerts become one), newest first.

    Columns: ``occurred_at``, ``kind``, ``channel``, ``recipient``, ``outcome``, ``subject``,
    ``items`` (how many weeks or alerts the message covered), ``message``, ``actor``. An old cache
    without the table gives an empty frame.
    """
    cols = ["occurred_at", "kind", "channel", "recipient", "outcome", "subject", "items", "message", "actor"]
    import pandas as pd

    if not _has_table(reader):
        return pd.DataFrame(columns=cols)
    sql = ("SELECT occurred_at, kind, channel, recipient, outcome, subject, count(*) AS items, message, actor, "
           "max(id) AS last_id FROM deliveries GROUP BY occurred_at, kind, channel, recipient, outcome, subject, "
           "message, actor ORDER BY last_id DESC")
    params: list = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return reader.query(sql, params)[cols]
