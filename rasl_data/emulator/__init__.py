"""Emulator of the RASL v2 API: deterministic demo data, request handler, loopback server.

``EmulatorApp(make_demo_tenant()).transport()`` serves the demo workspace in-process to
``RaslClient``; ``python -m rasl_data emulator`` serves it over HTTP on 127.0.0.1.
"""

from .app import DEMO_TOKEN, EmulatorApp, SimulatedTimeout, TokenSpec
from .data import Tenant
from .demo_tenant import empty_tenant, make_demo_tenant
from .faults import Faults

__all__ = ["DEMO_TOKEN", "EmulatorApp", "Faults", "SimulatedTimeout", "Tenant", "TokenSpec", "empty_tenant",
           "make_demo_tenant"]
