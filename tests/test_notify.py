"""Operator messages through apprise to a real webhook receiver on 127.0.0.1; secrets stay out."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from flows.core.secrets import mask, register_secret
from flows.notify.operator import deliver_operator_messages, operator_urls
from storage.archive import Archive

CANARY = "canary-Secret-7f3a91"


@pytest.fixture
def archive(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Archive(tmp_path / "kw.db") as db:
        yield db


def test_message_is_retried_until_the_channel_accepts_it(feed_server, archive: Archive) -> None:
    feed_server.route(
        "/hook", "", sequence=[{"status": 500, "body": "down"}, {"status": 200, "body": "ok"}]
    )
    archive.add_operator_message(
        "feed-paused", "kaiwatch paused the feed x", "Resume it with: kaiwatch sources resume x"
    )
    url = feed_server.url("/hook").replace("http://", "json://")

    first = deliver_operator_messages(archive, [url])
    assert (first.sent, first.failed) == (0, 1)
    assert len(archive.pending_operator_messages()) == 1

    second = deliver_operator_messages(archive, [url])
    assert (second.sent, second.failed) == (1, 0)
    assert archive.pending_operator_messages() == []
    posted = [json.loads(hit.body) for hit in feed_server.hits("/hook")]
    assert len(posted) == 2  # one failed attempt, one delivery
    assert posted[-1]["title"] == "kaiwatch paused the feed x"
    assert "kaiwatch sources resume x" in posted[-1]["message"]

    assert deliver_operator_messages(archive, [url]).sent == 0  # nothing sent twice
    assert feed_server.count("/hook") == 2


def test_no_channel_keeps_messages_queued(archive: Archive) -> None:
    archive.add_operator_message("feed-paused", "s", "b")
    counts = deliver_operator_messages(archive, [])
    assert counts.pending == 1
    assert len(archive.pending_operator_messages()) == 1


def test_channel_down_keeps_message_and_secret_never_leaks(
    feed_server, archive: Archive, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    # The token sits in the path too: apprise masks passwords itself but logs the POST URL.
    feed_server.route(f"/hook/{CANARY}", "no", status=503)
    base = feed_server.url(f"/hook/{CANARY}").replace("http://", "")
    urls = operator_urls(
        {"KAIWATCH_OPERATOR_NOTIFY": f"json://kaiwatch:{CANARY}@{base} not-a-url://x"}
    )
    archive.add_operator_message("feed-paused", "s", "b")
    with caplog.at_level(logging.DEBUG):
        counts = deliver_operator_messages(archive, urls)
    assert counts.failed == 1
    assert len(archive.pending_operator_messages()) == 1
    assert feed_server.count(f"/hook/{CANARY}") == 1
    assert "JSON POST URL" in caplog.text  # the line that would carry the token
    assert CANARY not in caplog.text
    assert CANARY not in archive.path.read_bytes().decode("latin-1")


def test_operator_urls_from_file(tmp_path: Path) -> None:
    path = tmp_path / "urls"
    path.write_text("# operator\njson://127.0.0.1:9/a\n\njson://127.0.0.1:9/b\n", encoding="utf-8")
    assert operator_urls({"KAIWATCH_OPERATOR_NOTIFY_FILE": str(path)}) == [
        "json://127.0.0.1:9/a",
        "json://127.0.0.1:9/b",
    ]


def test_mask_hides_registered_secrets_and_userinfo() -> None:
    register_secret(f"slack://T000/B000/{CANARY}")
    assert CANARY not in mask(f"failed to post to slack://T000/B000/{CANARY}")
    assert mask("mailtos://bob:hunter2hunter2@smtp.example:465") == "mailtos://***@smtp.example:465"


def test_secret_is_masked_in_logged_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    from flows.core.secrets import install_secret_filter

    install_secret_filter()
    register_secret(f"json://hooks.example/{CANARY}")
    logger = logging.getLogger("flows.test")
    try:
        raise RuntimeError(f"delivery to json://hooks.example/{CANARY} failed")
    except RuntimeError:
        logger.exception("could not deliver to json://hooks.example/%s", CANARY)
    assert "could not deliver" in caplog.text
    assert "RuntimeError" in caplog.text
    assert CANARY not in caplog.text
