"""Shared fixtures: the ../shared corpus, a clean environment, a loopback feed server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
