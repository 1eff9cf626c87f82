"""The emulator behind a real socket, for end-to-end tests that run the CLI as a user would.

Both APIs are served on one base URL (``http://127.0.0.1:PORT``): point the SAM.gov and
USAspending base URLs at it. Each response closes its connection (HTTP/1.0 style), so
shutting down never waits on an idle keep-alive socket.
"""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spendrecon.demo.apis import ApiEmulator, Bundle


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        status, headers, payload = self.server.emulator.handle(
            self.command, url.path, parse_qs(url.query, keep_blank_values=True), body
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: test output should not fill with one access-log line per request."""


class EmulatorServer(ThreadingHTTPServer):
    """``with EmulatorServer() as server: ... server.base_url ...``"""

    daemon_threads = True

    def __init__(self, emulator: ApiEmulator | None = None) -> None:
        # Port 0: the OS picks a free port, so parallel test runs never collide.
        super().__init__(("127.0.0.1", 0), _Handler)
        self.emulator = emulator or ApiEmulator(Bundle.load_demo())
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> EmulatorServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
