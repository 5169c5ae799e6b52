"""Sync engine against the emulator: counts, incremental cost, deletions, history, atomicity.

Expected values come from the emulator's own rows (``Tenant.contact_dict``), a different code
path from the client and the sync, or from hand counts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import httpx
import pandas as pd
import pytest

from rasl_data.access import LOCAL_ACTOR
from rasl_data.analytics import acquisition
from rasl_data.api.client import RaslClient
from rasl_data.cache import store
from rasl_data.cache.sync import SyncProgress, pages_needed, sync
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
N = 2_500


def tenant_rows(tenant) -> pd.DataFrame:
    """Every live contact as the emulator would serve it, straight from its columns."""
    rows = [tenant.contact_dict(i) for i in range(tenant.n) if tenant.c["alive"][i]]
    return pd.DataFrame(rows)


def client_for(app: EmulatorApp, **kw) -> RaslClient:
    return RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=app.transport(),
                      sleep=lambda s: None, **kw)


@pytest.fixture
def tenant():
    return make_demo_tenant(as_of=AS_OF, n_contacts=N, seed=11)


@pytest.fixture
def app(tenant):
    return EmulatorApp(tenant, rate_limit_per_minute=None)


def cached(path, sql, params=None) -> pd.DataFrame:
    return store.Reader(path).query(sql, params)


def test_full_sync_counts_equal_the_emulator_data(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF)
    assert result.outcome == "success" and result.mode == "full"
    truth = tenant_rows(tenant)
    assert result.contacts_total == len(truth) == N
    assert result.inserted == N and result.deleted == 0
    # One request each for sources, statuses, groups (each fits a page) + ceil(N/100) contact pages.
    assert result.requests == 3 + math.ceil(N / 100)
    per_source = cached(path, "SELECT source_id, count(*) AS n FROM contacts GROUP BY ALL")
    expected = truth.groupby(truth["source_id"].astype("Int64"), dropna=False).size()
    got = per_source.set_index(per_source["source_id"].astype("Int64"))["n"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    memberships = cached(path, "SELECT count(*) AS n FROM contact_groups")["n"].iloc[0]
    assert memberships == sum(len(g) for g in truth["group_id"])
    assert set(cached(path, "SELECT name FROM sources")["name"]) == {s["name"] for s in tenant.sources}
    runs = cached(path, "SELECT * FROM sync_runs")
    assert runs["outcome"].tolist() == ["success"] and runs["contacts_inserted"].tolist() == [N]


def test_weekly_by_source_after_sync_equals_an_independent_pandas_computation(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    tz = "Asia/Riyadh"
    truth = tenant_rows(tenant)
    local = pd.to_datetime(truth["created_at"], utc=True).dt.tz_convert(tz)
    local_day = local.dt.date
    start, end = pd.Timestamp("2026-08-24").date(), pd.Timestamp("2026-11-15").date()  # 12 Monday weeks
    inside = (local_day >= start) & (local_day <= end)
    week = (local.dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
    live_sources = {s["id"] for s in tenant.sources}
    src = truth["source_id"].where(truth["source_id"].isin(live_sources))
    oracle = (pd.DataFrame({"week": week[inside], "source_id": src[inside].astype("Int64")})
              .groupby(["week", "source_id"], dropna=False).size())
    got = acquisition.acquisition(store.Reader(path), acquisition.Filters(start=start, end=end, tz=tz),
                              by="source", granularity="week")
    got = got[got["new_contacts"] > 0]
    got_map = {(r.period_start, None if pd.isna(r.source_id) else int(r.source_id)): int(r.new_contacts)
               for r in got.itertuples()}
    oracle_map = {(w, None if pd.isna(s) else int(s)): int(n) for (w, s), n in oracle.items()}
    assert got_map == oracle_map
    assert sum(got_map.values()) == int(inside.sum())


def test_incremental_sync_reads_only_changed_contacts_and_records_history(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    leads = [int(i) for i, t in zip(tenant.c["id"][: tenant.n], tenant.c["type"][: tenant.n]) if t == 0][:150]
    later = AS_OF + timedelta(days=2)
    for cid in leads:
        tenant.update_contact(cid, {"type": "customer"}, at=later.timestamp())
    with client_for(app) as client:
        result = sync(client, path, now=later)
    assert result.mode == "incremental" and result.outcome == "success"
    # 150 changed contacts: ceil(150/100) = 2 pages, + 1 page boundary past the watermark at most, + 3 lists.
    assert pages_needed(150) + 3 <= result.requests <= pages_needed(150) + 4
    assert result.updated == 150 and result.inserted == 0 and result.deleted == 0
    changes = cached(path, "SELECT contact_id, old_value, new_value, observed_at FROM contact_changes WHERE field = 'type'")
    assert sorted(changes["contact_id"].tolist()) == sorted(leads)
    assert set(changes["old_value"]) == {"lead"} and set(changes["new_value"]) == {"customer"}
    assert changes["observed_at"].dt.tz_convert("UTC").eq(pd.Timestamp(later)).all()


def test_deleted_contacts_disappear_without_a_full_pull(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    gone = [ids[10], ids[900], ids[901], ids[2400]]
    for cid in gone:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.deleted == 4
    left = set(cached(path, "SELECT id FROM contacts")["id"])
    assert left == set(ids) - set(gone)
    assert result.requests < 3 + math.ceil(N / 100)  # cheaper than a full pull
    assert cached(path, "SELECT count(*) AS n FROM contact_groups WHERE contact_id IN (?, ?, ?, ?)", gone)["n"].iloc[0] == 0


def test_renamed_and_deleted_sources_are_reflected_and_history_keeps_the_id(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    used = int(tenant.c["source"][0])
    tenant.rename_source(used, "Renamed Source", at=(AS_OF + timedelta(hours=1)).timestamp())
    spare = tenant.add_source("Temporary", at=AS_OF.timestamp())
    with client_for(app) as client:
        sync(client, path, now=AS_OF + timedelta(hours=1))
    tenant.delete_source(spare["id"])
    with client_for(app) as client:
        sync(client, path, now=AS_OF + timedelta(hours=2))
    src = cached(path, "SELECT id, name, deleted_at FROM sources").set_index("id")
    assert src.loc[used, "name"] == "Renamed Source" and pd.isna(src.loc[used, "deleted_at"])
    assert not pd.isna(src.loc[spare["id"], "deleted_at"])
    n_used = cached(path, "SELECT count(*) AS n FROM contacts WHERE source_id = ?", [used])["n"].iloc[0]
    assert n_used == int((tenant.c["source"][: tenant.n] == used).sum())


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


def test_progress_reports_pages_done_of_total(tmp_path, app):
    seen: list[SyncProgress] = []
    with client_for(app) as client:
        sync(client, tmp_path / "c.duckdb", now=AS_OF, on_progress=lambda p: seen.append(SyncProgress(**vars(p))))
    contact_steps = [p for p in seen if p.phase == "contacts"]
    assert [p.pages_done for p in contact_steps] == list(range(1, math.ceil(N / 100) + 1))
    assert {p.pages_total for p in contact_steps} == {math.ceil(N / 100)}
    assert contact_steps[-1].rows == N and seen[-1].phase == "done" and seen[-1].fraction == 1.0


def test_demo_source_created_before_a_restart_keeps_its_id_and_name(tmp_path, monkeypatch):
    """Regression: the demo emulator restarted with fresh state reused a created source's id,
    and the next creation overwrote the earlier source's name in the cache."""
    from rasl_data.cache import workspace
    from rasl_data.settings import load_settings

    settings = load_settings({"RASL_CACHE_PATH": str(tmp_path / "demo.duckdb")},
                             secrets_path=tmp_path / "none.toml", environ={})
    ws = workspace.Workspace(settings)
    first = ws.create_source("Snap / Eid Promo", actor=LOCAL_ACTOR)
    monkeypatch.setattr(workspace, "_demo_apps", {})  # a dashboard restart: a new emulator
    second = workspace.Workspace(settings).create_source("TikTok / Eid Promo", actor=LOCAL_ACTOR)
    assert second.source_id != first.source_id
    names = dict(store.Reader(tmp_path / "demo.duckdb").query(
        "SELECT id, name FROM sources WHERE deleted_at IS NULL").itertuples(index=False))
    assert names[first.source_id] == "Snap / Eid Promo" and names[second.source_id] == "TikTok / Eid Promo"
    monkeypatch.setattr(workspace, "_demo_apps", {})
    with workspace.Workspace(settings).client() as client:
        live = {s.name for s in client.list_sources()}
    assert {"Snap / Eid Promo", "TikTok / Eid Promo"} <= live


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


class CutShort:
    """Transport answering like the emulator, but dropping the last contacts of the pages that
    ``hit(request)`` selects while their pagination still promises them."""

    def __init__(self, app: EmulatorApp, hit) -> None:
        self.app, self.hit, self.cut = app, hit, 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        resp = self.app.handle(request)
        if not self.hit(request):
            return resp
        body = resp.json()
        if len(body.get("data") or []) > 1:
            body["data"] = body["data"][:-1]
            self.cut += 1
        return httpx.Response(resp.status_code, headers={k: v for k, v in resp.headers.items()
                                                         if k.lower() != "content-length"}, json=body)


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


def test_deletion_check_reading_a_window_cut_short_deletes_nothing(tmp_path, tenant, app):
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    tenant.delete_contact(ids[1200])
    before = cached(path, "SELECT id FROM contacts ORDER BY id")
    cut = CutShort(app, lambda r: "filter[created_at][gte]" in r.url.params and r.url.params.get("per_page") != "1")
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=httpx.MockTransport(cut), sleep=lambda s: None)
    with client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "failed" and "came back incomplete" in result.error_title and cut.cut >= 1
    pd.testing.assert_frame_equal(cached(path, "SELECT id FROM contacts ORDER BY id"), before)


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


def test_one_cache_file_refuses_a_second_workspace(tmp_path, tenant, app):
    """Regression: demo and real syncs into one RASL_CACHE_PATH mixed, deleting and 'converting'
    contacts that belonged to the other workspace."""
    path = tmp_path / "shared.duckdb"
    with client_for(app) as client:
        assert sync(client, path, now=AS_OF, workspace_id="demo").outcome == "success"
    before = cached(path, "SELECT * FROM contacts ORDER BY id")
    other = EmulatorApp(make_demo_tenant(as_of=AS_OF, n_contacts=300, seed=99), rate_limit_per_minute=None)
    with client_for(other) as client:
        result = sync(client, path, now=AS_OF, workspace_id="ws-0123456789ab")
    assert result.outcome == "failed" and "demo workspace" in result.error_title
    assert "RASL_CACHE_PATH" in result.error_title
    pd.testing.assert_frame_equal(cached(path, "SELECT * FROM contacts ORDER BY id"), before)
    assert cached(path, "SELECT count(*) AS n FROM contact_changes")["n"].iloc[0] == 0


class FakeClock:
    """One clock for the emulator and the client: the client's sleeps move the emulator's time."""

    def __init__(self, t: float) -> None:
        self.t = t
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def limited(n: int, faults: str | None = None):
    clock = FakeClock(AS_OF.timestamp())
    app = EmulatorApp(make_demo_tenant(as_of=AS_OF, n_contacts=n, seed=4), rate_limit_per_minute=60, clock=clock,
                      faults=faults, sleep=lambda s: None)
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=app.transport(), sleep=clock.sleep,
                        clock=clock, max_wait=120)
    return app, client, clock


def test_rate_limit_waits_count_only_pauses_the_limit_forced(tmp_path):
    """Regression: rate_limit_waits counted the even spacing of every request, even when the
    whole sync fitted in the window's budget and no limit was near."""
    app, client, clock = limited(2_500)
    with client:
        result = sync(client, tmp_path / "c.duckdb", now=AS_OF)
    assert result.outcome == "success" and result.requests == 3 + 25  # fits in 60
    assert result.rate_limit_waits == 0 and clock.slept == [] and app.rate_limited == 0
    assert "rate limit" not in result.summary()


def test_sync_beyond_one_window_spends_the_budget_then_waits_once_and_says_so(tmp_path):
    app, client, clock = limited(7_000)
    seen: list[SyncProgress] = []
    t0 = clock.t
    with client:
        result = sync(client, tmp_path / "c.duckdb", now=AS_OF, on_progress=lambda p: seen.append(SyncProgress(**vars(p))))
    assert result.outcome == "success" and result.contacts_total == 7_000
    assert result.requests == 3 + 70 and app.rate_limited == 0
    # 73 requests at 60 a window: the first 60 at once, one pause to the window's end, 13 more.
    assert result.rate_limit_waits == 1 and 60 <= clock.t - t0 <= 61.5
    waiting = [p.message for p in seen if p.wait_seconds]
    assert len(waiting) == 1 and waiting[0].startswith("waiting ") and waiting[0].endswith(" for RASL's rate limit")
    assert "for RASL's rate limit (1 pause)" in result.summary()
    assert seen[-2].wait_seconds == 0  # the message goes once pages flow again


def test_retry_after_of_a_day_fails_the_sync_at_once_and_keeps_the_cache(tmp_path, tenant, app):
    """Regression: a 429 asking for 86,400 s made "Sync now" hang for about 4.5 minutes."""
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    before = cached(path, "SELECT * FROM contacts ORDER BY id")
    app.set_faults("429:1,retry-after:86400")
    slept: list[float] = []
    client = RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=app.transport(), sleep=slept.append,
                        max_wait=120)
    with client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "failed" and slept == [] and result.requests == 1
    assert result.error_title.startswith("RASL asks to wait 24 h before the next request")
    pd.testing.assert_frame_equal(cached(path, "SELECT * FROM contacts ORDER BY id"), before)


def test_deletion_check_costs_nothing_when_nothing_was_deleted_and_finds_scattered_and_contiguous_ones(tmp_path):
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=6_000, seed=21)
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    with client_for(app) as client:
        quiet = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert quiet.requests == 3 + 1 and quiet.deleted == 0  # the first page's total is the whole check
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    scattered = [i for i in ids[7::613] if i not in ids[3_000:3_250]][:9]  # 9 contacts far apart
    contiguous = ids[3_000:3_250]  # one batch of 250 neighbours
    for cid in scattered + contiguous:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=2))
    assert result.outcome == "success" and result.deleted == 9 + 250
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - set(scattered) - set(contiguous)
    assert result.requests < 3 + 6_000 // 100 / 2  # far from a full pull


def test_deletions_among_hundreds_of_contacts_imported_in_the_same_second_are_found_exactly(tmp_path):
    # A bulk import gives hundreds of contacts one created_at second: no time boundary falls
    # inside it, so the deletion check must page through that second instead.
    tenant = make_demo_tenant(as_of=AS_OF, n_contacts=4_000, seed=8)
    block = slice(1_500, 1_850)
    tenant.c["created"][block] = tenant.c["created"][1_500]  # stays sorted ascending
    app = EmulatorApp(tenant, rate_limit_per_minute=None)
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        assert sync(client, path, now=AS_OF).contacts_total == 4_000
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    gone = [ids[1_520], ids[1_700], ids[1_849], ids[300], ids[3_900]]
    for cid in gone:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "success" and result.deleted == 5
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - set(gone)


def test_scattered_deletions_cost_no_more_requests_than_the_documented_worst_case(tmp_path, tenant, app):
    # 2,500 contacts: a three-way probe leaves segments of about a third (2,500 -> ~830 ->
    # ~280), one below 300 is split in two around a page of 100 (-> under 100), and that is read
    # in one request: at most 4 requests on the way to each deleted contact, nothing shared.
    path = tmp_path / "c.duckdb"
    with client_for(app) as client:
        sync(client, path, now=AS_OF)
    ids = [int(i) for i in tenant.c["id"][: tenant.n]]
    gone = ids[37::N // 5][:5]  # 5 contacts far apart
    for cid in gone:
        assert tenant.delete_contact(cid)
    with client_for(app) as client:
        result = sync(client, path, now=AS_OF + timedelta(hours=1))
    assert result.outcome == "success" and result.deleted == 5
    assert set(cached(path, "SELECT id FROM contacts")["id"]) == set(ids) - set(gone)
    extra = result.requests - (3 + 1)  # beyond the three lists and the first contacts page
    assert extra <= 5 * 4 < math.ceil(N / 100)
