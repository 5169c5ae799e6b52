"""Serve an :class:`EmulatorApp` over real HTTP on the loopback interface.

``serve(app, host, port)`` starts a ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, one thread per
connection) in a daemon thread for tests and benches; ``main(argv)`` is
``python -m rasl_data emulator``, which prints the base URL and the token it accepts.
"""

from __future__ import annotations

import argparse
import math
import socket
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Sequence

import httpx

from rasl_data.cli.common import OneLineParser

from .app import DEMO_TOKEN, EmulatorApp, SimulatedTimeout
from .demo_tenant import make_demo_tenant
from .faults import Faults


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "EmulatorServer"

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm meets the client's delayed ACK and adds ~40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host, port = self.server.server_address[:2]
        request = httpx.Request(self.command, f"http://{host}:{port}{self.path}",
                                headers=list(self.headers.items()), content=body,
                                extensions={"client_ip": self.client_address[0]})
        app = self.server.app
        try:
            response = app.handle(request)
        except SimulatedTimeout:
            # Hold the connection without answering, as a stuck upstream would, then drop it.
            time.sleep(app.faults.hang_seconds)
            self.close_connection = True
            return
        content = response.content
        truncated = response.headers.get("X-Emulator-Truncated")
        self.send_response(response.status_code)
        for key, value in response.headers.items():
            if key.lower() in ("content-length", "x-emulator-truncated", "transfer-encoding", "connection"):
                continue
            self.send_header(key, value)
        self.send_header("Content-Length", truncated or str(len(content)))
        if truncated:
            self.send_header("Connection", "close")
        # Headers and body in one write: one TCP segment for small answers.
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(content)
        self.flush_headers()
        if truncated:
            self.close_connection = True

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve


class EmulatorServer(ThreadingHTTPServer):
    """HTTP server bound to one app; ``base_url`` is ``http://HOST:PORT/api/v2``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, app: EmulatorApp, host: str, port: int, verbose: bool = False) -> None:
        super().__init__((host, port), _Handler)
        self.app = app
        self.verbose = verbose

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/api/v2`` of this server."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api/v2"


def serve(app: EmulatorApp, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> tuple[EmulatorServer, threading.Thread]:
    """Start serving ``app`` in a daemon thread; port 0 picks a free one. Stop with
    ``server.shutdown(); server.server_close()``."""
    server = EmulatorServer(app, host, port, verbose)
    thread = threading.Thread(target=server.serve_forever, name="rasl-emulator", daemon=True)
    thread.start()
    return server, thread


# ``--as-of`` bounds: the demo tenant spreads contacts over the 548 days before it, which must stay
# inside the dashboard's supported dates (``periods.MIN_DATE..MAX_DATE``) and after 1970.
MIN_AS_OF = datetime(1972, 1, 1, tzinfo=timezone.utc)
MAX_AS_OF = datetime(2190, 1, 1, tzinfo=timezone.utc)
MAX_CONTACTS = 5_000_000


def _count(name: str, low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high`` (one-line error otherwise)."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range: {name} must be from {low:,} to {high:,}")
        return value
    parse.__name__ = name  # argparse names the type in some messages
    return parse


def _milliseconds(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of milliseconds") from None
    if not math.isfinite(value) or not 0 <= value <= 600_000:
        raise argparse.ArgumentTypeError(f"{text.strip()} is out of range: from 0 to 600000 ms")
    return value


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date or time, e.g. 2026-11-29 or 2026-11-29T09:00:00+03:00") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    if not MIN_AS_OF <= value.astimezone(timezone.utc) <= MAX_AS_OF:
        raise argparse.ArgumentTypeError(f"{text.strip()} is out of range: from {MIN_AS_OF.year} to {MAX_AS_OF.year - 1}")
    return value



def build_parser() -> argparse.ArgumentParser:
    """Arguments of ``python -m rasl_data emulator``; every bad value is one line and exit 2."""
    p = OneLineParser(prog="python -m rasl_data emulator",
                       description="Serve the demo workspace as the RASL API v2 on 127.0.0.1.")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_count("--port", 0, 65535), default=8765,
                   help="TCP port (0 = any free port; default 8765)")
    p.add_argument("--contacts", type=_count("--contacts", 0, MAX_CONTACTS), default=20_000,
                   help="number of demo contacts (default 20000)")
    p.add_argument("--rate-limit", type=_count("--rate-limit", 0, 1_000_000), default=60,
                   help="requests per minute per token; 0 = unlimited (default 60)")
    p.add_argument("--latency-ms", type=_milliseconds, default=0.0, help="delay added to every answer, in ms")
    p.add_argument("--faults", default="", help='fault spec, e.g. "429:3,500:2,timeout:1,repeat-page:2,malformed:1,html:1"')
    p.add_argument("--seed", type=_count("--seed", 0, 2**63 - 1), default=7, help="data seed (default 7)")
    p.add_argument("--as-of", type=_instant, help="workspace date, ISO-8601 (default now, UTC)")
    p.add_argument("--token", default=DEMO_TOKEN, help="the token the emulator accepts (default: the demo token)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted; prints the base URL and token. Returns an exit code:
    0 after an interrupt, 1 when the port cannot be opened, 2 for a bad argument (one line on
    stderr, never a traceback)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as err:  # a usage error (one line already on stderr) or --help
        return int(err.code or 0)
    try:
        faults = Faults.parse(args.faults)
    except ValueError as err:
        print(f"error: --faults: {err}", file=sys.stderr)
        return 2
    if args.latency_ms:
        faults.latency_ms = args.latency_ms
    as_of = args.as_of or datetime.now(timezone.utc)
    from .app import TokenSpec

    tenant = make_demo_tenant(as_of=as_of, n_contacts=args.contacts, seed=args.seed)
    app = EmulatorApp(tenant, tokens=[TokenSpec(args.token)], rate_limit_per_minute=args.rate_limit or None,
                      faults=faults)
    try:
        server = EmulatorServer(app, args.host, args.port, args.verbose)
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 1
    print(f"RASL emulator: {tenant.n_contacts:,} contacts, rate limit "
          f"{str(args.rate_limit) + '/minute' if args.rate_limit else 'off'}", flush=True)
    print(f"RASL_BASE_URL={server.base_url}", flush=True)
    print(f"RASL_API_TOKEN={args.token}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
