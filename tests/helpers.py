"""Helpers shared by test modules (test modules import from here, never from each other)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    explain: Callable[[], str] = lambda: "",
    every: float = 0.5,
) -> T:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds.

    ``explain`` adds context to the failure (a log tail, say), so that a test that
    times out says why.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{explain()}")
        time.sleep(every)


def tail(path: Path, lines: int = 60) -> str:
    """The last ``lines`` lines of a log file, headed by its name (or say it is missing)."""
    if not path.exists():
        return f"--- {path}: no such file"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return f"--- last {min(lines, len(text))} lines of {path}:\n" + "\n".join(text[-lines:])


def prefect_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment for a Prefect process of a test: its own home, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "KAIWATCH_"))}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def process_group(
    command: list[str], *, log: Path, env: Mapping[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` in its own session with output to ``log``; kill what is left at exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def group_alive(pgid: int) -> bool:
    """Whether any process of the process group ``pgid`` is still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies answer signal 0 too: look for a live member in /proc.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            return True
    return False


def kaiwatch_command(*args: str) -> list[str]:
    """The command line of ``kaiwatch ARGS`` with this interpreter."""
    return [sys.executable, "-m", "flows.app.cli", *args]
