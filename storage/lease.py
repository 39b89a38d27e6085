"""The write lease: at most one run writes to an archive at a time.

Prefect's deployment concurrency keeps scheduled runs apart, but a user can
start ``kaiwatch run`` by hand while ``serve`` is running. The lease is a row
in the archive itself, taken in a ``BEGIN IMMEDIATE`` transaction, so it holds
across processes. A holder that died (SIGKILL, power loss) is recognised and
replaced at once when it ran on this host and its process is gone, and on any
host once its lease expired; a live holder renews its lease as it works.
"""

from __future__ import annotations

import os
import platform
import threading
import uuid
from datetime import timedelta
from pathlib import Path

from flows.core.errors import RunInProgress
from storage.archive import Archive, utc_now

__all__ = ["DEFAULT_TTL", "RunLease"]

DEFAULT_TTL = timedelta(minutes=10)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


class RunLease:
    """Hold the archive's ``ingest`` lease for the length of a ``with`` block.

    A background thread renews the lease every third of its time to live, with
    its own connection (SQLite connections are not shared between threads).

    :raises RunInProgress: another live run holds the lease.
    """

    def __init__(
        self, db_path: str | Path, *, name: str = "ingest", ttl: timedelta = DEFAULT_TTL
    ) -> None:
        self.db_path = Path(db_path)
        self.name = name
        self.ttl = ttl
        self.holder = uuid.uuid4().hex
        self.host = platform.node()
        self.pid = os.getpid()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def __enter__(self) -> RunLease:
        with Archive(self.db_path) as archive:
            self.acquire(archive)
        self._heartbeat = threading.Thread(target=self._renew_until_stopped, daemon=True)
        self._heartbeat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        with Archive(self.db_path, migrate=False) as archive:
            self.release(archive)

    def _renew_until_stopped(self) -> None:
        interval = self.ttl.total_seconds() / 3
        with Archive(self.db_path, migrate=False) as archive:
            while not self._stop.wait(interval):
                self.renew(archive)

    def acquire(self, archive: Archive) -> None:
        """Take the lease, or raise :class:`RunInProgress` if a live run holds it."""
        now = utc_now()
        with archive.write() as conn:
            row = conn.execute(
                "SELECT host, pid, expires_at FROM leases WHERE name = ?", [self.name]
            ).fetchone()
            if row is not None:
                host, pid, expires_at = row
                stale = expires_at < now.isoformat() or (
                    host == self.host and not _process_alive(pid)
                )
                if not stale:
                    raise RunInProgress(
                        f"{archive.path}: another kaiwatch run (pid {pid} on {host}) is "
                        "writing to this archive; this run exits without polling. "
                        "It will be polled by the next run."
                    )
            conn.execute(
                "INSERT OR REPLACE INTO leases (name, holder, host, pid, acquired_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    self.name,
                    self.holder,
                    self.host,
                    self.pid,
                    now.isoformat(),
                    (now + self.ttl).isoformat(),
                ],
            )

    def renew(self, archive: Archive) -> None:
        """Push the expiry forward."""
        with archive.write() as conn:
            conn.execute(
                "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?",
                [(utc_now() + self.ttl).isoformat(), self.name, self.holder],
            )

    def release(self, archive: Archive) -> None:
        with archive.write() as conn:
            conn.execute(
                "DELETE FROM leases WHERE name = ? AND holder = ?", [self.name, self.holder]
            )
