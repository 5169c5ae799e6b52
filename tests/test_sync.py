"""Sync engine against the emulator: counts, incremental cost, history, progress, workspaces.

Expected values come from the emulator's own rows (``Tenant.contact_dict``), a different code
path from the client and the sync, or from hand counts. Faults, the rate limit and the deletion
check have their own files (test_sync_faults.py, test_sync_rate_limit.py, test_sync_deletions.py).
"""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
from sync_support import AS_OF, N, cached, client_for, tenant_rows

from rasl_data.access import LOCAL_ACTOR
from rasl_data.analytics import acquisition
from rasl_data.cache import store
from rasl_data.cache.sync import SyncProgress, pages_needed, sync
from rasl_data.emulator import EmulatorApp, make_demo_tenant


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
