"""Start a local Prefect server for ``kaiwatch serve`` when none is configured.

``flow.serve`` schedules runs only against a real Prefect server (the
temporary one a one-off run starts does not schedule), so on a single
machine kaiwatch starts ``prefect server start`` on 127.0.0.1 itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from flows.errors import KaiwatchError

__all__ = ["local_prefect_server"]

STARTUP_TIMEOUT = 120.0


@contextmanager
def local_prefect_server(port: int = 4200, host: str = "127.0.0.1") -> Iterator[str]:
    """Yield the API URL of a Prefect server: the configured one, or a local one we start.

    :raises KaiwatchError: the local server did not come up in time.
    """
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    api_url = f"http://{host}:{port}/api"
    if _healthy(api_url):  # a server the user started earlier on this port
        os.environ["PREFECT_API_URL"] = api_url
        yield api_url
        return
    command = [
        sys.executable, "-m", "prefect", "server", "start",
        "--host", host, "--port", str(port), "--analytics-off",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    # `kill` or systemd's stop must not orphan the server: turn SIGTERM into SystemExit
    # so that the `finally` below stops it.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(api_url):
            if process.poll() is not None:
                raise KaiwatchError(
                    f"the local Prefect server exited with status {process.returncode}. "
                    f"Fix: check that port {port} is free (--port N), or set PREFECT_API_URL."
                )
            if time.monotonic() > deadline:
                raise KaiwatchError(
                    f"the local Prefect server did not answer on {api_url} within "
                    f"{STARTUP_TIMEOUT:.0f} s."
                )
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = api_url
        yield api_url
    finally:
        signal.signal(signal.SIGTERM, previous)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _healthy(api_url: str) -> bool:
    # Our own loopback server, not a URL from a feed: plain httpx, not flows.net.
    try:
        return httpx.get(f"{api_url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
