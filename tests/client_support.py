"""Helpers the client's tests share: a fake clock, a counting transport, a client on the emulator,
and hand-made answers (list pages, error envelopes)."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import httpx

from rasl_data.api.client import RaslClient
from rasl_data.emulator import DEMO_TOKEN, EmulatorApp, make_demo_tenant

AS_OF = datetime(2026, 1, 15, 10, 0, tzinfo=timezone.utc)
BASE = "https://getrasl.io/api/v2"


class FakeClock:
    """Shared by client and emulator: the client's sleeps advance the emulator's time."""

    def __init__(self, t: float = AS_OF.timestamp()) -> None:
        self.t = t
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.t += seconds


class Counting(httpx.BaseTransport):
    """Wraps a transport and records (method, path) of each request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return self.inner.handle_request(request)


def make(tenant=None, *, rate=None, faults=None, clock=None, token=DEMO_TOKEN, **kw):
    clock = clock or FakeClock()
    app = EmulatorApp(tenant or make_demo_tenant(AS_OF, n_contacts=1_000), rate_limit_per_minute=rate, clock=clock,
                      faults=faults, sleep=lambda s: None)
    transport = Counting(app.transport())
    client = RaslClient(BASE, token, transport=transport, sleep=clock.sleep, clock=clock, **kw)
    return app, client, transport, clock


def envelope_page(items, page, total_pages, has_more, total=None):
    return {"success": True, "data": items,
            "meta": {"pagination": {"total": total or 0, "count": len(items), "per_page": 100, "current_page": page,
                                    "total_pages": total_pages, "has_more": has_more},
                     "request_id": "r", "timestamp": "2026-01-15T10:00:00+00:00"}}


def src(i):
    return {"id": i, "name": f"S{i}", "created_at": "2026-01-10T09:00:00+00:00", "updated_at": "2026-01-10T09:00:00+00:00"}


def answer(status, body=None, *, content=None, headers=None):
    def handler(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers or {})
        return httpx.Response(status, json=body, headers=headers or {})
    return httpx.MockTransport(handler)


def err_body(code, message, details=None):
    e = {"code": code, "message": message}
    if details is not None:
        e["details"] = details
    return {"success": False, "error": e, "meta": {"request_id": "req-1", "timestamp": "2026-01-15T10:00:00+00:00"}}
