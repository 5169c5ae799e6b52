"""Helpers the sync tests share: the emulator's own rows (the oracle), a client on its transport,
a reader of the cache, transports that misbehave, and a clock shared by emulator and client."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pandas as pd

from rasl_data.api.client import RaslClient
from rasl_data.cache import store
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
N = 2_500


def demo_tenant():
    """The 2,500-contact tenant most sync tests start from."""
    return make_demo_tenant(as_of=AS_OF, n_contacts=N, seed=11)


def tenant_rows(tenant) -> pd.DataFrame:
    """Every live contact as the emulator would serve it, straight from its columns."""
    rows = [tenant.contact_dict(i) for i in range(tenant.n) if tenant.c["alive"][i]]
    return pd.DataFrame(rows)


def client_for(app: EmulatorApp, **kw) -> RaslClient:
    return RaslClient("https://rasl.test/api/v2", DEMO_TOKEN, transport=app.transport(),
                      sleep=lambda s: None, **kw)


def cached(path, sql, params=None) -> pd.DataFrame:
    return store.Reader(path).query(sql, params)


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
