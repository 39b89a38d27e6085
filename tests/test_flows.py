"""The ingest flow end to end under Prefect's test harness, against 127.0.0.1 only."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import AI_PARAGRAPHS, OTHER_PARAGRAPHS, article_page, rss, sources_file
from storage.archive import Archive

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_ingest_flow_end_to_end(feed_server, tmp_path: Path) -> None:
    from flows.app.ingest import ingest

    feed_server.route("/a/ai", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route("/a/other", article_page("Lantern festival", OTHER_PARAGRAPHS))
    feed_server.route(
        "/en.xml",
        rss(
            [
                ("Samsung and Naver sign AI chip MOU", feed_server.url("/a/ai")),
                ("Lantern festival", feed_server.url("/a/other")),
            ]
        ),
        content_type="application/rss+xml",
        etag='"en-1"',
    )
    # The same story re-run word for word by a partner site in a second feed: stored once.
    feed_server.route(
        "/partner/ai",
        article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS).replace("Home", "Start"),
    )
    feed_server.route(
        "/copy.xml",
        rss(
            [("Samsung and Naver sign AI chip MOU", feed_server.url("/partner/ai?utm_source=copy"))]
        ),
        content_type="application/rss+xml",
        last_modified="Tue, 15 Oct 2024 00:00:00 GMT",
    )
    feed_server.route("/down.xml", "server error", status=500)
    sources = sources_file(
        tmp_path,
        {
            "en": feed_server.url("/en.xml"),
            "copy": feed_server.url("/copy.xml"),
            "down": feed_server.url("/down.xml"),
        },
        filter="korean-ai",
    )
    db_path = tmp_path / "kw.db"

    first = ingest(sources_path=str(sources), db_path=str(db_path))
    counts = first.counts()
    assert counts["feeds_polled"] == 2
    assert counts["feeds_failed"] == 1
    assert counts["entries_seen"] == 3
    assert counts["articles_new"] == 1
    assert counts["articles_irrelevant"] == 1
    assert counts["articles_duplicate"] == 1
    assert "down" in first.format()

    second = ingest(sources_path=str(sources), db_path=str(db_path))
    assert second.counts()["feeds_not_modified"] == 2
    assert second.counts()["feeds_skipped"] == 1  # the failing feed backs off
    assert second.counts()["articles_new"] == 0
    assert feed_server.count("/en.xml", status=304) == 1
    assert feed_server.count("/copy.xml", status=304) == 1
    assert feed_server.count("/a/ai") == 1

    with Archive(db_path, readonly=True) as archive:
        assert archive.count_articles() == 1
        assert [hit.title for hit in archive.search("memorandum")] == [
            "Samsung and Naver sign AI chip MOU"
        ]
        runs = archive.runs()
        feeds = {row["name"]: row for row in archive.feeds()}
    assert [run["status"] for run in runs] == ["ok", "ok"]
    assert runs[1]["articles_new"] == 1  # the first run, newest first
    assert runs[0]["feeds_not_modified"] == 2
    assert feeds["down"]["failures"] == 1
    assert feeds["down"]["next_poll_at"] > feeds["down"]["last_polled_at"]
    assert "500" in feeds["down"]["last_error"]


def test_ingest_flow_with_adhoc_feed_urls(feed_server, tmp_path: Path) -> None:
    from flows.app.ingest import ingest

    feed_server.route("/p", article_page("AI MOU", AI_PARAGRAPHS))
    feed_server.route(
        "/only.xml", rss([("AI MOU", feed_server.url("/p"))]), content_type="application/rss+xml"
    )
    summary = ingest(
        sources_path=str(tmp_path / "absent.yaml"),
        db_path=str(tmp_path / "kw.db"),
        feed_urls=[feed_server.url("/only.xml")],
        allow_private_network=True,
    )
    assert summary.counts()["articles_new"] == 1


def test_canary_secret_never_reaches_logs_parameters_or_archive(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from prefect.client.orchestration import get_client

    from flows.app.ingest import ingest

    canary = "kw-canary-9d81e6f2a4"
    feed_server.route(f"/hook/{canary}", "down", status=503)  # the delivery fails
    feed_server.route("/dead.xml", "gone", status=500)
    hook = feed_server.url(f"/hook/{canary}").replace("http://", f"json://ops:{canary}@")
    monkeypatch.setenv("KAIWATCH_OPERATOR_NOTIFY", hook)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "settings:\n  pause_after_failures: 1\nsources:\n"
        f"  - name: dead\n    url: {feed_server.url('/dead.xml')}\n",
        encoding="utf-8",
    )
    db_path = tmp_path / "kw.db"
    with caplog.at_level(logging.DEBUG):
        state = ingest(sources_path=str(sources), db_path=str(db_path), return_state=True)
    assert state.is_completed()
    assert feed_server.count(f"/hook/{canary}") == 1  # the operator message was attempted
    with Archive(db_path, readonly=True) as archive:
        assert len(archive.pending_operator_messages()) == 1  # and stays queued
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
    assert canary not in repr(flow_run.parameters)
    assert canary not in caplog.text
    for path in tmp_path.glob("kw.db*"):
        assert canary.encode() not in path.read_bytes()


def test_operator_urls_from_a_prefect_secret_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    from flows.app.secret_blocks import read_secret_block
    from flows.core.errors import ConfigError
    from flows.core.secrets import mask
    from flows.notify.operator import operator_urls

    token = "block-token-5c2e77aa01"
    Secret(value=f"json://127.0.0.1:9/ops/{token}").save("kaiwatch-test-ops", overwrite=True)
    monkeypatch.setenv("KAIWATCH_OPERATOR_NOTIFY_BLOCK", "kaiwatch-test-ops")
    assert operator_urls(read_block=read_secret_block) == [f"json://127.0.0.1:9/ops/{token}"]
    assert token not in mask(f"POST /ops/{token} failed")
    monkeypatch.setenv("KAIWATCH_OPERATOR_NOTIFY_BLOCK", "no-such-block")
    with pytest.raises(ConfigError, match="cannot load that Prefect Secret block"):
        operator_urls(read_block=read_secret_block)


def test_run_says_why_entries_failed_and_retries_them_after_the_fix(
    feed_server, tmp_path: Path
) -> None:
    """The new user's first run of issue 14: links on 127.0.0.1 without the opt-in."""
    from typer.testing import CliRunner

    from flows.app.cli import app

    def kaiwatch(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})
        return result.exit_code, result.stdout

    feed_server.route("/a1", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route("/a2", article_page("Lantern festival", OTHER_PARAGRAPHS))
    feed_server.route(
        "/feed.xml",
        rss([("Samsung and Naver sign AI chip MOU", feed_server.url("/a1")),
             ("Lantern festival", feed_server.url("/a2"))]),
        content_type="application/rss+xml", etag='"1"',
    )  # fmt: skip
    url, db = feed_server.url("/feed.xml"), str(tmp_path / "kw.db")

    code, out = kaiwatch("run", "--feed", url, "--db", db)
    assert code == 0, out
    assert (
        "entries: 2 seen; articles: 0 new, 0 duplicate, 0 irrelevant, 2 failed (2 refused: "
        "private address — use --allow-private-network or allow_private_network: true)"
    ) in out
    code, out = kaiwatch("runs", "--db", db)
    row = next(line for line in out.splitlines() if "│ 1 " in line)
    assert "│ 2 " in row and "2 refused: private address" in row
    code, out = kaiwatch("sources", "status", "--db", db)
    row = next(line for line in out.splitlines() if "127.0.0.1" in line)
    assert "2 failing entries" in row and "refused: private address" in row

    # The fix: the next run retries them, although the feed is not due and would be a 304.
    code, out = kaiwatch("run", "--feed", url, "--db", db, "--allow-private-network")
    assert code == 0, out
    assert "articles: 2 new, 0 duplicate, 0 irrelevant, 0 failed" in out
    code, out = kaiwatch("sources", "status", "--db", db)
    assert "failing entries" not in next(x for x in out.splitlines() if "127.0.0.1" in x)

    code, out = kaiwatch("run", "--feed", url, "--db", db, "--allow-private-network")
    assert "1 not due yet (next poll " in out and "kaiwatch run --now polls it" in out
    code, out = kaiwatch("run", "--feed", url, "--db", db, "--allow-private-network", "--now")
    assert "feeds: 1 polled, 1 not modified (304: nothing new), 0 failed" in out
