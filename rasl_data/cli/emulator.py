"""``python -m rasl_data emulator``: serve the demo workspace as the RASL API v2 on the loopback interface.

Builds the command's arguments with the shared scaffolding (:mod:`rasl_data.cli.common`: the
one-line parser, ``whole_number``, ``fail``) and hands plain values to
:mod:`rasl_data.emulator` (``make_demo_tenant``, ``EmulatorApp``, ``EmulatorServer``).
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime, timezone
from typing import Sequence

from rasl_data.cli.common import OneLineParser, fail, whole_number
from rasl_data.emulator.app import DEMO_TOKEN, EmulatorApp, TokenSpec
from rasl_data.emulator.demo_tenant import make_demo_tenant
from rasl_data.emulator.faults import Faults
from rasl_data.emulator.server import EmulatorServer

# ``--as-of`` bounds: the demo tenant spreads contacts over the 548 days before it, which must stay
# inside the dashboard's supported dates (``periods.MIN_DATE..MAX_DATE``) and after 1970.
MIN_AS_OF = datetime(1972, 1, 1, tzinfo=timezone.utc)
MAX_AS_OF = datetime(2190, 1, 1, tzinfo=timezone.utc)
MAX_CONTACTS = 5_000_000


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
    p.add_argument("--port", type=whole_number("--port", 0, 65535), default=8765,
                   help="TCP port (0 = any free port; default 8765)")
    p.add_argument("--contacts", type=whole_number("--contacts", 0, MAX_CONTACTS), default=20_000,
                   help="number of demo contacts (default 20000)")
    p.add_argument("--rate-limit", type=whole_number("--rate-limit", 0, 1_000_000), default=60,
                   help="requests per minute per token; 0 = unlimited (default 60)")
    p.add_argument("--latency-ms", type=_milliseconds, default=0.0, help="delay added to every answer, in ms")
    p.add_argument("--faults", default="", help='fault spec, e.g. "429:3,500:2,timeout:1,repeat-page:2,malformed:1,html:1"')
    p.add_argument("--seed", type=whole_number("--seed", 0, 2**63 - 1), default=7, help="data seed (default 7)")
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
        return fail(f"--faults: {err}", 2)
    if args.latency_ms:
        faults.latency_ms = args.latency_ms
    as_of = args.as_of or datetime.now(timezone.utc)
    tenant = make_demo_tenant(as_of=as_of, n_contacts=args.contacts, seed=args.seed)
    app = EmulatorApp(tenant, tokens=[TokenSpec(args.token)], rate_limit_per_minute=args.rate_limit or None,
                      faults=faults)
    try:
        server = EmulatorServer(app, args.host, args.port, args.verbose)
    except OSError as err:
        return fail(f"cannot listen on {args.host}:{args.port}: {err.strerror or err}", 1)
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
