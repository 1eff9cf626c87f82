"""Offline stand-ins for SAM.gov and USAspending: a committed data bundle and an API emulator.

``transport.demo_transport()`` plugs the emulator into httpx in-process; ``server.EmulatorServer``
serves it on a local socket. Both exercise the real connectors, paging and retries included. Nothing
is imported here: production's one entry, ``spendrecon.demo.transport``, loads only what it needs.
"""
