"""Helpers the emulator's tests share: a fixed clock, an app on an empty or seeded workspace, one call."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, empty_tenant

AS_OF = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
T0 = AS_OF.timestamp()


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def app_with(tenant=None, rate=None, clock=None, faults=None) -> EmulatorApp:
    return EmulatorApp(tenant or empty_tenant(AS_OF), rate_limit_per_minute=rate, clock=clock or Clock(),
                       faults=faults, sleep=lambda s: None)


def call(app, method, path, token=DEMO_TOKEN, params=None, json=None, ip=None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = httpx.Request(method, "https://getrasl.io/api/v2" + path, params=params, json=json, headers=headers,
                        extensions={"client_ip": ip} if ip else {})
    resp = app.handle(req)
    return resp, resp.json() if resp.headers.get("content-type", "").startswith("application/json") else None


def seeded(times):
    """An empty workspace plus one source and contacts created at the given UTC datetimes."""
    t = empty_tenant(AS_OF)
    t.add_source("Website Form", at=T0 - 100 * 86400)
    for i, when in enumerate(times):
        t.add_contact({"firstname": f"Lead{i}", "lastname": "Example", "phone": f"+1000000{i:04d}", "type": "lead",
                       "source_id": 1, "status_id": 1}, at=when.timestamp())
    return t
