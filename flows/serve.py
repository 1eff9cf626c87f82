"""`spendrecon serve`: run the reconcile flow on the configured cron schedule.

Schedules never fire on Prefect's temporary (ephemeral) server, so when no PREFECT_API_URL is set
we start a real local Prefect server for the lifetime of `serve`, with its state in the project's
data folder, and stop it on exit. With PREFECT_API_URL set, that server is used as it is.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from spendrecon.config import Settings

DEPLOYMENT_NAME = "spendrecon-scheduled"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_prefect_server(data_dir: Path, say: Callable[[str], None], startup_timeout: float = 120.0) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1 and yield its API URL; stop it afterwards."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = data_dir / "prefect-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
           "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
    try:
        _wait_healthy(api_url, proc, startup_timeout, log_path)
        say(f"started a local Prefect server at {api_url} (state in {os.environ.get('PREFECT_HOME')}, "
            f"log {log_path}); it stops when serve stops. Set PREFECT_API_URL to use your own server.")
        yield api_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_healthy(api_url: str, proc: subprocess.Popen[bytes], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the local Prefect server exited with code {proc.returncode}; see {log_path}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the local Prefect server did not become healthy within {timeout:.0f}s; see {log_path}")


def serve_schedule(settings: Settings, *, config_path: str | None, demo: bool = False,
                   say: Callable[[str], None] = print) -> None:
    if os.environ.get("PREFECT_API_URL"):
        say(f"using the Prefect server at {os.environ['PREFECT_API_URL']}")
        _serve(settings, config_path, demo, say)
        return
    with local_prefect_server(settings.data_path, say) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        _serve(settings, config_path, demo, say)


def _serve(settings: Settings, config_path: str | None, demo: bool, say: Callable[[str], None]) -> None:
    # Imported only now: Prefect must see PREFECT_API_URL when its client is first built.
    from prefect.schedules import Cron

    from flows.reconcile import reconcile_flow

    say(f"serving {DEPLOYMENT_NAME} on cron '{settings.schedule.cron}' ({settings.schedule.timezone}); Ctrl-C stops")
    reconcile_flow.serve(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(settings.schedule.cron, timezone=settings.schedule.timezone)],
        parameters={"config_path": config_path, "demo": demo},
        print_starting_message=False,
    )
