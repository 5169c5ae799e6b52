"""Sync engine against a misbehaving RASL: server errors, repeated and short pages, lists cut
short, contacts deleted while pages are read. Nothing partial is ever saved."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pandas as pd
from sync_support import AS_OF, CutShort, N, cached, client_for, tenant_rows

from rasl_data.api.client import RaslClient
from rasl_data.cache.sync import sync
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant


class FailAfter:
    """Transport that answers like the emulator, then 500s on every request after ``n``."""

    def __init__(self, app: EmulatorApp, n: int) -> None:
        self.app, self.n, self.seen = app, n, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.seen > self.n:
            return httpx.Response(500, json={"success": False, "error": {"code": "INTERNAL_ERROR", "message": "Failed to fetch contacts"},
                                             "meta": {"request_id": "x", "timestamp": "2026-01-01T00:00:00+00:00"}})
        return self.app.handle(request)


def test_a_500_mid_run_leaves_the_previous_cache_and_the_next_run_completes(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    for cid in [int(i) for i in tenant.c["id"][: 300]]:
        tenant.update_contact(cid, {"type": "guest"}, at=(AS_OF + timedelta(days=1)).timestamp())
    before = cached(path, "SELECT * FROM contacts ORDER BY id")
    flaky = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=httpx.MockTransport(FailAfter(app, 5)),
                       sleep=lambda s: None, max_retries=2)
    with flaky:
        result = sync(flaky, path, now=AS_OF + timedelta(days=1))
    assert result.outcome == "failed"
    assert result.error_title == "RASL had a server error (HTTP 500); try again later."
    pd.testing.assert_frame_equal(cached(path, "SELECT * FROM contacts ORDER BY id"), before)
    assert cached(path, "SELECT count(*) AS n FROM contact_changes")["n"].iloc[0] == 0
    runs = cached(path, "SELECT outcome, error FROM sync_runs ORDER BY id")
    assert runs["outcome"].tolist() == ["success", "failed"] and runs["error"].iloc[1]
    with client_for(app) as client:
        again = sync(client, path, now=AS_OF + timedelta(days=1))
    assert again.outcome == "success" and again.updated == 300


def test_full_sync_meeting_a_repeated_page_fails_instead_of_saving_a_partial_list(tmp_path, tenant, app):
    """Regression: a proxy repeating page 2 made a full sync report success with 100 of N contacts.
    A page that keeps repeating (asked for 4 times) still fails and saves nothing."""
    path = tmp_path / "c.duckdb"
    app.set_faults("repeat-page:2,repeat-count:4")
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF, mode="full")
    assert result.outcome == "failed" and "incomplete" in result.error_title
    assert cached(path, "SELECT count(*) AS n FROM contacts")["n"].iloc[0] == 0
    with client_for(app) as client:
        again = sync(client, path, now=AS_OF)
    assert again.outcome == "success" and again.contacts_total == N


def test_repeated_page_is_retried_and_the_sync_finishes_with_the_exact_count(tmp_path):
    """Regression: one repeated page in 3,000 contacts failed the whole sync ("came back incomplete")."""
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=3_000, seed=3)
    app = EmulatorApp(tenant, rate_limit_per_minute=None, faults="repeat-page:17")
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF, mode="full")
        retries = client.page_retries
    assert result.outcome == "success", result.error_title
    assert result.contacts_total == 3_000 == len(tenant_rows(tenant)) and retries == 1
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(tenant_rows(tenant)["id"])
    assert result.requests == 3 + 30 + 1


def test_page_cut_short_is_retried_not_saved_as_deletions(tmp_path, tenant, app):
    """Regression: a /contacts page holding 37 of 100 contacts (total and has_more promising more)
    was accepted: the full sync exited 0, reported 63 deleted and lost them from the cache."""
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    first_seen = cached(path, "SELECT id, first_seen_at FROM contacts ORDER BY id")
    app.set_faults("short-page:1")
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(days=1), mode="full")
    assert result.outcome == "success" and result.deleted == 0 and result.contacts_total == N
    pd.testing.assert_frame_equal(cached(path, "SELECT id, first_seen_at FROM contacts ORDER BY id"), first_seen)


def test_page_that_stays_short_fails_and_keeps_the_previous_cache(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    contacts = cached(path, "SELECT * FROM contacts ORDER BY id")
    state = cached(path, "SELECT * FROM sync_state ORDER BY key")
    app.set_faults("short-page:1000")
    for mode in ("full", "incremental"):
        with client_for(app) as client:
            result = sync(client, path, now=AS_OF + timedelta(days=1), mode=mode)
        assert result.outcome == "failed", mode
        assert "came back incomplete" in result.error_title and "previous data is kept" in result.error_title
    # Only the two failed runs were added: contacts, their first-seen dates and the state are as before.
    assert cached(path, "SELECT outcome FROM sync_runs ORDER BY id")["outcome"].tolist() == ["success", "failed", "failed"]
    pd.testing.assert_frame_equal(cached(path, "SELECT * FROM contacts ORDER BY id"), contacts)
    pd.testing.assert_frame_equal(cached(path, "SELECT * FROM sync_state ORDER BY key"), state)


def test_sources_list_cut_short_does_not_mark_sources_deleted(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    cut = CutShort(app, lambda r: r.url.path.endswith("/sources"))
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=httpx.MockTransport(cut), sleep=lambda s: None)
    with client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "failed" and "sources list came back incomplete" in result.error_title
    assert cut.cut == 4  # the page and its three re-reads
    assert cached(path, "SELECT count(*) AS n FROM sources WHERE deleted_at IS NOT NULL")["n"].iloc[0] == 0


class DeleteBetweenPages:
    """Transport that deletes one contact in the emulator right after page 1 was served: every
    later offset shifts by one, so one live contact is never listed."""

    def __init__(self, app: EmulatorApp, victim: int) -> None:
        self.app, self.victim, self.done = app, victim, False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        resp = self.app.handle(request)
        if request.url.path.endswith("/contacts") and request.url.params.get("page") == "1" and not self.done:
            self.done = self.app.tenant.delete_contact(self.victim)
        return resp


def test_contact_deleted_during_a_full_sync_never_deletes_a_live_neighbour(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    before = cached(path, "SELECT id FROM contacts ORDER BY id")
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN,
                        transport=httpx.MockTransport(DeleteBetweenPages(app, ids[10])), sleep=lambda s: None)
    with client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1), mode="full", concurrency=1)
    # Contact ids[100] slid onto page 1 after it was read and was listed nowhere; it was asked
    # for by id (alive) instead of being deleted. ids[10] was read before it was deleted.
    assert result.outcome == "success" and result.deleted == 0
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(before["id"])
    with client_for(app) as client:
        again = sync(client, path, now=AS_OF + timedelta(hours=2))
    assert again.outcome == "success" and again.deleted == 1
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - {ids[10]}


def test_incremental_sync_meeting_a_repeated_page_keeps_the_watermark(tmp_path, tenant, app):
    """Regression: a partial incremental listing would move the watermark past unread contacts."""
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    watermark = cached(path, "SELECT value FROM sync_state WHERE key = 'contacts_watermark'")["value"].iloc[0]
    ids = [int(i) for i in tenant.c["id"][: 250]]
    for k, cid in enumerate(ids):
        tenant.update_contact(cid, {"type": "guest"}, at=(AS_OF + timedelta(hours=1, seconds=k)).timestamp())
    app.set_faults("repeat-page:2,repeat-count:4")
    with client_for(app) as client:
        failed = sync(client, path, now=AS_OF + timedelta(hours=2))
    assert failed.outcome == "failed"
    assert cached(path, "SELECT value FROM sync_state WHERE key = 'contacts_watermark'")["value"].iloc[0] == watermark
    with client_for(app) as client:
        ok = sync(client, path, now=AS_OF + timedelta(hours=2))
    assert ok.outcome == "success" and ok.updated == 250
