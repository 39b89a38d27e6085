"""Start a local Prefect server for ``kaiwatch serve`` and watch its log for errors.

``flow.serve`` schedules runs only against a real Prefect server (the
temporary one a one-off run starts does not schedule), so on a single
machine kaiwatch starts ``prefect server start`` on 127.0.0.1 itself. The
server's output goes to a log file; an ERROR in it (the scheduler failing
every minute, say) is handed to a callback instead of scrolling past unseen.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

import httpx

from flows.core.errors import KaiwatchError

__all__ = [
    "PrefectServer",
    "ServerError",
    "ServerLogWatcher",
    "api_client",
    "local_prefect_server",
    "next_scheduled_run",
]

STARTUP_TIMEOUT = 120.0

# Prefect's console log format: "15:48:50.386 | ERROR   | docket.dependencies - message".
_LOG_LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d+ \| (?P<level>[A-Z]+)\s*\| (?P<logger>\S+) - (?P<message>.*)$"
)
# The last line of a Python traceback: "package.module.SomeError: what went wrong".
_EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Exit|Warning)\b.*"
)
# The service whose job failed, from docket's "↩ [ 205ms] schedule_deployments(){…}".
_JOB_NAME = re.compile(r"(?P<job>[a-z_][a-z0-9_]*)\(")


@dataclass(frozen=True)
class ServerError:
    """One ERROR in the Prefect server's log: where it came from and its last line."""

    logger: str
    job: str
    summary: str

    @property
    def is_scheduler(self) -> bool:
        """Whether scheduled runs depend on the job that failed."""
        return "schedul" in self.job or "schedul" in self.logger

    def describe(self) -> str:
        """One line for a person: which job failed and why."""
        what = f"{self.job} ({self.logger})" if self.job else self.logger
        return f"{what}: {self.summary}"


class ServerLogWatcher:
    """Copy a server's output to a log file and report each ERROR block once it is complete.

    A block starts at an ``ERROR`` (or ``CRITICAL``) log line and ends at the next log
    line; its summary is the traceback's exception line when there is one.
    """

    def __init__(self, log_file: IO[str], on_error: Callable[[ServerError], None]) -> None:
        self._log_file = log_file
        self._on_error = on_error
        self._block: tuple[str, str, str] | None = None  # (logger, job, summary)

    def feed(self, line: str) -> None:
        """Take one line of the server's output."""
        self._log_file.write(line)
        self._log_file.flush()
        text = line.rstrip("\n")
        logged = _LOG_LINE.match(text)
        if logged:
            self.flush()
            if logged["level"] in {"ERROR", "CRITICAL"}:
                job = _JOB_NAME.search(logged["message"])
                self._block = (logged["logger"], job["job"] if job else "", logged["message"])
        elif self._block and text and not text[0].isspace() and _EXCEPTION_LINE.match(text):
            # Chained tracebacks end with the exception that was finally raised.
            self._block = (self._block[0], self._block[1], text.strip())

    def flush(self) -> None:
        """Report the block being read, if any."""
        if self._block:
            logger, job, summary = self._block
            self._block = None
            self._on_error(ServerError(logger=logger, job=job, summary=summary[:300]))

    def follow(self, stream: IO[str]) -> None:
        """Read ``stream`` to its end (run in a thread)."""
        for line in stream:
            self.feed(line)
        self.flush()


@dataclass(frozen=True)
class PrefectServer:
    """The Prefect API ``kaiwatch serve`` talks to."""

    api_url: str
    log_path: Path | None  # None: a server kaiwatch did not start (its log is elsewhere)

    @property
    def ui_url(self) -> str:
        """The address of Prefect's UI."""
        return self.api_url.removesuffix("/").removesuffix("/api")


@contextmanager
def local_prefect_server(
    port: int = 4200,
    host: str = "127.0.0.1",
    *,
    log_path: Path,
    on_error: Callable[[ServerError], None],
) -> Iterator[PrefectServer]:
    """Yield the Prefect server to use: the configured one, or a local one we start.

    The local server's output goes to ``log_path``; each ERROR block in it is passed
    to ``on_error`` (from a reader thread) as soon as it is complete.

    :raises KaiwatchError: the local server did not come up in time.
    """
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield PrefectServer(configured, None)
        return
    api_url = f"http://{host}:{port}/api"
    if _healthy(api_url):  # a server the user started earlier on this port
        os.environ["PREFECT_API_URL"] = api_url
        yield PrefectServer(api_url, None)
        return
    command = [
        sys.executable, "-m", "prefect", "server", "start",
        "--host", host, "--port", str(port), "--analytics-off",
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("a", encoding="utf-8")
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert process.stdout is not None
    watcher = ServerLogWatcher(log_file, on_error)
    reader = threading.Thread(
        target=watcher.follow, args=(process.stdout,), name="prefect-server-log", daemon=True
    )
    reader.start()
    # `kill` or systemd's stop must not orphan the server: turn SIGTERM into SystemExit
    # so that the `finally` below stops it.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(api_url):
            if process.poll() is not None:
                raise KaiwatchError(
                    f"the local Prefect server exited with status {process.returncode} "
                    f"(its log: {log_path}). Fix: check that port {port} is free (--port N), "
                    "or set PREFECT_API_URL."
                )
            if time.monotonic() > deadline:
                raise KaiwatchError(
                    f"the local Prefect server did not answer on {api_url} within "
                    f"{STARTUP_TIMEOUT:.0f} s (its log: {log_path})."
                )
            time.sleep(0.5)
        os.environ["PREFECT_API_URL"] = api_url
        yield PrefectServer(api_url, log_path)
    finally:
        signal.signal(signal.SIGTERM, previous)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
        log_file.close()


def api_client(api_url: str) -> httpx.Client:
    """A client for the Prefect server's REST API (our own server, not a feed's URL)."""
    return httpx.Client(base_url=api_url, timeout=10)


def next_scheduled_run(client: httpx.Client, deployment_id: str) -> datetime | None:
    """The expected start of the deployment's next SCHEDULED run, or None (or unknown)."""
    try:
        answer = client.post(
            "/flow_runs/filter",
            json={
                "deployments": {"id": {"any_": [deployment_id]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 1,
            },
        )
    except httpx.HTTPError:
        return None
    if answer.status_code != 200 or not answer.json():
        return None
    return datetime.fromisoformat(answer.json()[0]["expected_start_time"])


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _healthy(api_url: str) -> bool:
    # Our own loopback server, not a URL from a feed: plain httpx, not flows.fetch.client.
    try:
        return httpx.get(f"{api_url}/health", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False
