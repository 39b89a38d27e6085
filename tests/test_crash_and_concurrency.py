"""Overlapping runs and runs killed with SIGKILL, with real `kaiwatch run` processes."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import AI_PARAGRAPHS, article_page, rss
from storage.archive import Archive
from storage.lease import RunLease

pytestmark = pytest.mark.slow


def serve_articles(feed_server, count: int, *, delay: float) -> str:  # type: ignore[no-untyped-def]
    items = []
    for n in range(count):
        paragraphs = [f"Article number {n} of the crash test. " + p for p in AI_PARAGRAPHS]
        feed_server.route(f"/a/{n}", article_page(f"Story {n}", paragraphs), delay=delay)
        items.append((f"Story {n}", feed_server.url(f"/a/{n}")))
    feed_server.route("/feed.xml", rss(items), content_type="application/rss+xml", etag='"1"')
    return feed_server.url("/feed.xml")


def write_sources(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"settings:\n  min_poll_interval_minutes: 0\nsources:\n  - name: t\n    url: {url}\n"
        "    allow_private_network: true\n",
        encoding="utf-8",
    )
    return path


def start_run(
    tmp_path: Path, sources: Path, db: Path, tag: str, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    # Each process its own Prefect home: two temporary Prefect servers must not share one.
    env.update(PREFECT_HOME=str(tmp_path / f"prefect-{tag}"), **(extra_env or {}))
    # A session of its own, so that a kill takes Prefect's temporary server down with it
    # (as a crash of the machine would) instead of leaving it running.
    return subprocess.Popen(
        [sys.executable, "-m", "flows.app.cli", "run", "--sources", str(sources), "--db", str(db)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip


def kill_run(process: subprocess.Popen[str]) -> None:
    """SIGKILL a run and everything it started, then reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def article_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with Archive(db, readonly=True) as archive:
            return archive.count_articles()
    except Exception:
        return 0


def test_two_runs_at_once_exactly_one_writes(feed_server, tmp_path: Path) -> None:
    # 10 pages x 2 s keeps the first run busy long enough for the second to start
    # (each process starts its own temporary Prefect server first, 6-13 s).
    sources = write_sources(tmp_path, serve_articles(feed_server, 10, delay=2.0))
    db = tmp_path / "kw.db"
    first = start_run(tmp_path, sources, db, "a")
    second = start_run(tmp_path, sources, db, "b")
    outputs = [process.communicate(timeout=240)[0] for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    blocked = [out for out in outputs if "not run: " in out and "another kaiwatch run" in out]
    assert len(blocked) == 1, outputs
    assert not any("database is locked" in out for out in outputs)
    assert article_count(db) == 10
    assert all(feed_server.count(f"/a/{n}") == 1 for n in range(10))


def test_run_while_lease_is_held_polls_nothing(feed_server, tmp_path: Path) -> None:
    sources = write_sources(tmp_path, serve_articles(feed_server, 1, delay=0))
    db = tmp_path / "kw.db"
    with RunLease(db):
        out = start_run(tmp_path, sources, db, "a").communicate(timeout=240)[0]
    assert "not run: " in out
    assert feed_server.count("/feed.xml") == 0


@pytest.mark.parametrize("kill_after_articles", [0, 3])
def test_run_killed_with_sigkill_loses_nothing(
    feed_server, tmp_path: Path, kill_after_articles: int
) -> None:
    total = 12
    sources = write_sources(tmp_path, serve_articles(feed_server, total, delay=0.3))
    db = tmp_path / "kw.db"
    process = start_run(tmp_path, sources, db, "killed")
    deadline = time.monotonic() + 180
    # 0: kill while the first batch is being fetched (nothing saved yet); 3: mid-feed.
    while time.monotonic() < deadline:
        fetched = sum(feed_server.count(f"/a/{n}") for n in range(total))
        if fetched > kill_after_articles and article_count(db) >= kill_after_articles:
            break
        time.sleep(0.05)
    kill_run(process)

    out = start_run(tmp_path, sources, db, "rerun").communicate(timeout=240)[0]
    assert "not run" not in out, out
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        titles = [row[0] for row in conn.execute("SELECT title FROM articles ORDER BY title")]
        statuses = conn.execute("SELECT status, count(*) FROM entries GROUP BY status").fetchall()
    assert sorted(titles) == sorted(f"Story {n}" for n in range(total))  # each exactly once
    assert statuses == [("archived", total)]


def test_repeated_random_kills_keep_the_archive_consistent(feed_server, tmp_path: Path) -> None:
    total = 30
    sources = write_sources(tmp_path, serve_articles(feed_server, total, delay=0.2))
    db = tmp_path / "kw.db"
    rng = random.Random(20261123)  # fixed: a failure can be replayed
    for attempt in range(6):
        process = start_run(tmp_path, sources, db, f"kill-{attempt}")
        # Prefect starts in ~6 s, then ~6 s of page fetches: kill anywhere in there.
        time.sleep(rng.uniform(1.0, 14.0))
        kill_run(process)
        if db.exists():
            with sqlite3.connect(db) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                # Nothing stored twice, and every archived entry points at a stored article.
                assert (
                    conn.execute(
                        "SELECT count(*) FROM articles GROUP BY title HAVING count(*) > 1"
                    ).fetchall()
                    == []
                )
                assert (
                    conn.execute(
                        "SELECT count(*) FROM entries e LEFT JOIN articles a ON a.id = e.article_id "
                        "WHERE e.status = 'archived' AND a.id IS NULL"
                    ).fetchone()[0]
                    == 0
                )
    out = start_run(tmp_path, sources, db, "final").communicate(timeout=240)[0]
    assert "not run" not in out, out
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        titles = sorted(row[0] for row in conn.execute("SELECT title FROM articles"))
    assert titles == sorted(f"Story {n}" for n in range(total))


class _KillingReceiver(BaseHTTPRequestHandler):
    """A webhook receiver that can kill the sender the moment a message arrives."""

    victim: subprocess.Popen[str] | None = None
    received: list[bytes] = []  # noqa: RUF012 (class-level by design: one per test)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        type(self).received.append(body)
        if type(self).victim is not None:  # delivered, but the sender dies before marking it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(type(self).victim.pid, signal.SIGKILL)
            type(self).victim = None
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_kill_between_delivery_and_marking_resends_the_message_once(
    feed_server, tmp_path: Path
) -> None:
    feed_server.route("/dead.xml", "gone", status=500)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "settings:\n  min_poll_interval_minutes: 0\n  pause_after_failures: 1\n"
        f"sources:\n  - name: dead\n    url: {feed_server.url('/dead.xml')}\n",
        encoding="utf-8",
    )
    db = tmp_path / "kw.db"
    _KillingReceiver.received = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _KillingReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"json://127.0.0.1:{receiver.server_address[1]}/hook"
    try:
        first = start_run(
            tmp_path, sources, db, "first", extra_env={"KAIWATCH_OPERATOR_NOTIFY": hook}
        )
        _KillingReceiver.victim = first
        first.wait(timeout=240)
        kill_run(first)  # reap what is left of its session
        assert first.returncode == -signal.SIGKILL
        assert len(_KillingReceiver.received) == 1
        with Archive(db, readonly=True) as archive:
            assert len(archive.pending_operator_messages()) == 1  # delivered, not marked

        for tag in ("second", "third"):
            start_run(
                tmp_path, sources, db, tag, extra_env={"KAIWATCH_OPERATOR_NOTIFY": hook}
            ).communicate(timeout=240)
        assert len(_KillingReceiver.received) == 2  # resent exactly once, then never again
        assert _KillingReceiver.received[0] == _KillingReceiver.received[1]
        with Archive(db, readonly=True) as archive:
            assert archive.pending_operator_messages() == []
    finally:
        receiver.shutdown()


def test_kill_between_alert_delivery_and_marking_resends_it_once(
    feed_server, tmp_path: Path
) -> None:
    from helpers import FUNDING_TEXT, FUNDING_TITLE, fresh

    feed_server.route("/f", article_page(FUNDING_TITLE, FUNDING_TEXT.split("\n")))
    feed_server.route(
        "/feed.xml",
        fresh(rss([(FUNDING_TITLE, feed_server.url("/f"))])),
        content_type="application/rss+xml",
    )
    sources = write_sources(tmp_path, feed_server.url("/feed.xml"))
    db = tmp_path / "kw.db"
    _KillingReceiver.received = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _KillingReceiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = {"KAIWATCH_NOTIFY": f"json://127.0.0.1:{receiver.server_address[1]}/alerts"}
    try:
        first = start_run(tmp_path, sources, db, "first", extra_env=env)
        _KillingReceiver.victim = first
        first.wait(timeout=240)
        kill_run(first)
        assert first.returncode == -signal.SIGKILL
        assert len(_KillingReceiver.received) == 1
        with sqlite3.connect(db) as conn:  # the article and its alert were committed first
            assert conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1
            assert conn.execute("SELECT status FROM deliveries").fetchall() == [("pending",)]

        for tag in ("second", "third"):
            start_run(tmp_path, sources, db, tag, extra_env=env).communicate(timeout=240)
        assert len(_KillingReceiver.received) == 2  # resent once, then never again
        assert _KillingReceiver.received[0] == _KillingReceiver.received[1]
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT status FROM deliveries").fetchall() == [("sent",)]
    finally:
        receiver.shutdown()
