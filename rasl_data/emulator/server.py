"""Serve an :class:`EmulatorApp` over real HTTP on the loopback interface.

``serve(app, host, port)`` starts a ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, one thread per
connection) in a daemon thread for tests and benches. The command ``python -m rasl_data emulator``
(arguments, exit codes) is built in :mod:`rasl_data.cli.emulator`; ``main`` here forwards to it.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Sequence

import httpx

from .app import EmulatorApp, SimulatedTimeout


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


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rasl_data emulator`` (also ``python -m rasl_data.emulator.server``): see
    :func:`rasl_data.cli.emulator.main`, where the command is built."""
    from rasl_data.cli.emulator import main as emulator_main

    return emulator_main(argv)


if __name__ == "__main__":
    sys.exit(main())
