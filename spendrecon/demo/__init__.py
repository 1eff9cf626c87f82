"""Offline stand-ins for SAM.gov and USAspending: a committed data bundle and an API emulator.

``demo_transport()`` plugs the emulator into httpx in-process; ``EmulatorServer`` serves it on a
local socket. Both exercise the real connectors, paging and retries included.
"""
from spendrecon.demo.apis import ApiEmulator, Bundle, FaultPlan
from spendrecon.demo.wire import dumps_exact, loads_exact
from spendrecon.demo.server import EmulatorServer
from spendrecon.demo.transport import EmulatorTransport, demo_transport

__all__ = [
    "ApiEmulator",
    "Bundle",
    "EmulatorServer",
    "EmulatorTransport",
    "FaultPlan",
    "demo_transport",
    "dumps_exact",
    "loads_exact",
]
