"""The write lease on a real archive: one holder at a time, dead holders replaced."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.errors import RunInProgress
from storage.archive import Archive, utc_now
from storage.lease import RunLease


def lease_row(db: Path) -> tuple[str, int, str] | None:
    with Archive(db, migrate=False) as archive:
        return archive.conn.execute("SELECT host, pid, expires_at FROM leases").fetchone()


def test_second_holder_is_refused_and_lease_released(tmp_path: Path) -> None:
    db = tmp_path / "kw.db"
    with RunLease(db):
        with pytest.raises(RunInProgress, match="another kaiwatch run"), RunLease(db):
            pass
        assert lease_row(db) is not None
    assert lease_row(db) is None
    with RunLease(db):  # free again
        pass


def test_lease_of_dead_process_on_this_host_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "kw.db"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lease = RunLease(db)
    with Archive(db) as archive, archive.write() as conn:
        conn.execute(
            "INSERT INTO leases VALUES ('ingest', 'old', ?, ?, ?, ?)",
            [
                lease.host,
                int(dead.stdout),
                utc_now().isoformat(),
                (utc_now() + timedelta(hours=1)).isoformat(),
            ],
        )
    with lease:
        assert lease_row(db)[1] == lease.pid


def test_expired_lease_of_another_host_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "kw.db"
    with Archive(db) as archive, archive.write() as conn:
        conn.execute(
            "INSERT INTO leases VALUES ('ingest', 'old', 'other-host', 1, ?, ?)",
            [utc_now().isoformat(), (utc_now() - timedelta(seconds=1)).isoformat()],
        )
    with RunLease(db) as lease:
        assert lease_row(db)[:2] == (lease.host, lease.pid)


def test_live_lease_of_another_host_is_respected(tmp_path: Path) -> None:
    db = tmp_path / "kw.db"
    with Archive(db) as archive, archive.write() as conn:
        conn.execute(
            "INSERT INTO leases VALUES ('ingest', 'old', 'other-host', 1, ?, ?)",
            [utc_now().isoformat(), (utc_now() + timedelta(minutes=5)).isoformat()],
        )
    with pytest.raises(RunInProgress, match="pid 1 on other-host"), RunLease(db):
        pass


def test_renew_moves_expiry_forward(tmp_path: Path) -> None:
    db = tmp_path / "kw.db"
    with RunLease(db, ttl=timedelta(minutes=1)) as lease:
        before = lease_row(db)[2]
        lease.ttl = timedelta(minutes=30)
        with Archive(db, migrate=False) as archive:
            lease.renew(archive)
        assert lease_row(db)[2] > before
