"""Shared fixtures: the ../shared corpus, a clean environment, a loopback feed server."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Prefect reads these when it is imported: no telemetry on a closed network, and
# Prefect's files in a throwaway folder instead of the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="kaiwatch-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")

REPO = Path(__file__).resolve().parent.parent
# The team's shared corpus lives beside the checkout; a user's clone may not have it.
SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder; tests that need it skip cleanly where it is absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"shared corpus not found at {SHARED}")
    return SHARED


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep the user's kaiwatch settings and proxies out of every test."""
    for name in list(os.environ):
        if name.startswith("KAIWATCH_") and name != "KAIWATCH_SHARED_DIR":
            monkeypatch.delenv(name)
        if name.lower() in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}:
            monkeypatch.delenv(name)
    yield


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the whole session (it takes ~10 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


# --- loopback feed server (tests/feedserver.py) ---------------------------------

from feedserver import FixtureServer  # noqa: E402  (tests/ is on sys.path: rootdir conftest)


@pytest.fixture(scope="session")
def _feed_server_session() -> Iterator[FixtureServer]:
    """One loopback server for the whole session; use ``feed_server`` in tests."""
    server = FixtureServer()
    yield server
    server.close()


@pytest.fixture
def feed_server(_feed_server_session: FixtureServer) -> Iterator[FixtureServer]:
    """The loopback server with no routes and no recorded hits."""
    _feed_server_session.reset()
    yield _feed_server_session
    _feed_server_session.reset()


@pytest.fixture(scope="session")
def kb():  # type: ignore[no-untyped-def]
    """The shipped knowledge base (entities.yaml), loaded once for the session."""
    from flows.analysis.knowledge import load_entities

    return load_entities(REPO / "entities.yaml")


@pytest.fixture(scope="session")
def tagger(kb):  # type: ignore[no-untyped-def]
    """An entity tagger over the shipped knowledge base, built once for the session."""
    from flows.analysis.entities import EntityTagger

    return EntityTagger(kb)


# --- a real SMTP server on 127.0.0.1 (aiosmtpd) for e-mail alerts and digests ---------


class SmtpInbox:
    """Messages an aiosmtpd server on 127.0.0.1 received, parsed with the stdlib."""

    def __init__(self) -> None:
        import email.message

        self.messages: list[email.message.Message] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        import email
        import email.policy

        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def url(self, to: str = "analyst@example.com") -> str:
        """An apprise ``mailto://`` URL that delivers here, in plain SMTP."""
        return f"mailto://127.0.0.1:{self.port}?from=kaiwatch@example.com&to={to}"


@pytest.fixture
def smtp_inbox() -> Iterator[SmtpInbox]:
    """A running SMTP server on 127.0.0.1 and the messages it received."""
    import socket

    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    with socket.socket() as probe:  # aiosmtpd needs a fixed port to check it is up
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def archive(tmp_path: Path, kb):  # type: ignore[no-untyped-def]
    """A fresh archive with the shipped knowledge base synced (modules may override it)."""
    from storage.archive import Archive
    from storage.entities import sync_entities

    with Archive(tmp_path / "kw.db") as db:
        with db.write() as conn:
            sync_entities(conn, kb)
        yield db
