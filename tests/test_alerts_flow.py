"""Alerts through the real ingest flow and the command line, on receivers at 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.app.cli import app
from helpers import FUNDING_TEXT, FUNDING_TITLE, article_page, fresh, rss, sources_file

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

runner = CliRunner()


def serve_three_outlets(feed_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three outlets' feeds, each carrying the same funding story in its own words at the end."""
    feeds = {}
    for outlet in ("alpha", "bravo", "charlie"):
        paragraphs = [*FUNDING_TEXT.split("\n"), f"This report was edited by the {outlet} desk."]
        page = article_page(FUNDING_TITLE, paragraphs).replace(
            "<head>", f'<head><meta property="og:site_name" content="{outlet.title()} News">'
        )
        feed_server.route(f"/{outlet}/story", page)
        feed_server.route(
            f"/{outlet}.xml",
            fresh(rss([(FUNDING_TITLE, feed_server.url(f"/{outlet}/story"))])),
            content_type="application/rss+xml",
        )
        feeds[outlet] = feed_server.url(f"/{outlet}.xml")
    return feeds


def test_three_outlets_give_one_alert_and_a_rerun_sends_nothing(
    feed_server, smtp_inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from flows.app.ingest import ingest

    feed_server.route("/hook", "ok")
    webhook = feed_server.url("/hook").replace("http://", "json://")
    monkeypatch.setenv("KAIWATCH_NOTIFY", f"{webhook} {smtp_inbox.url()}")
    sources = sources_file(tmp_path, serve_three_outlets(feed_server))
    db = tmp_path / "kw.db"

    first = ingest(sources_path=str(sources), db_path=str(db))
    assert first.counts()["articles_new"] == 3
    assert first.alerts is not None and (first.alerts.routed, first.alerts.sent) == (1, 2)
    assert "alerts: 1 routed, 2 sent" in first.format()

    second = ingest(sources_path=str(sources), db_path=str(db))
    assert second.alerts is not None and second.alerts.sent == 0
    [posted] = [json.loads(hit.body) for hit in feed_server.hits("/hook")]
    assert posted["title"].startswith("[Funding] FuriosaAI raises 70 billion won")
    assert "Also carried by 2 other outlets." in posted["message"]
    assert len(smtp_inbox.messages) == 1

    listed = runner.invoke(app, ["alerts", "list", "--db", str(db), "--json"])
    assert listed.exit_code == 0
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [row["status"] for row in rows] == ["sent", "sent"]
    assert {row["what"][:26] for row in rows} == {"[funding] FuriosaAI raises"}
    assert not any("127.0.0.1" in row["channel_label"] for row in rows)  # no URL in the archive
    pending = runner.invoke(app, ["alerts", "list", "--db", str(db), "--pending", "--json"])
    assert pending.exit_code == 0 and pending.stdout == ""


def test_alerts_test_and_retry_commands(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/up", "ok")
    feed_server.route("/down", "no", status=500)
    up = feed_server.url("/up").replace("http://", "json://")
    down = feed_server.url("/down").replace("http://", "json://")
    monkeypatch.setenv("KAIWATCH_NOTIFY", f"{up} {down}")

    result = runner.invoke(app, ["alerts", "test"], env={"COLUMNS": "250"})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["accepted", "did not accept (HTTP 500)"]

    monkeypatch.delenv("KAIWATCH_NOTIFY")
    none = runner.invoke(app, ["alerts", "test"])
    assert none.exit_code == 1 and "KAIWATCH_NOTIFY" in none.stderr

    monkeypatch.setenv("KAIWATCH_NOTIFY", "json://127.0.0.1:9/a not-a-scheme://token")
    bad = runner.invoke(app, ["alerts", "test"])
    assert bad.exit_code == 1 and "channel #2 is not an apprise URL" in bad.stderr
    assert "token" not in bad.stderr


def test_alert_channel_secret_never_reaches_logs_or_archive(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    import logging

    from flows.app.ingest import ingest
    from storage.archive import Archive

    canary = "kw-alert-canary-51f0c3"
    feed_server.route(f"/hook/{canary}", "down", status=503)  # the delivery fails, and is logged
    hook = feed_server.url(f"/hook/{canary}").replace("http://", f"json://bot:{canary}@")
    monkeypatch.setenv("KAIWATCH_NOTIFY", f"funding={hook}")
    feeds = serve_three_outlets(feed_server)
    sources = sources_file(tmp_path, {"alpha": feeds["alpha"]})
    db = tmp_path / "kw.db"
    with caplog.at_level(logging.DEBUG):
        summary = ingest(sources_path=str(sources), db_path=str(db))
    assert summary.alerts is not None and summary.alerts.failed == 1
    assert feed_server.count(f"/hook/{canary}") == 1
    assert "1 failed (will retry: 1 HTTP 503)" in summary.format()  # why, without the URL
    assert canary not in caplog.text and canary not in summary.format()
    with Archive(db, readonly=True) as archive:
        [label] = [r[0] for r in archive.conn.execute("SELECT channel_label FROM deliveries")]
    assert label.startswith("JSON [funding] ")
    for path in tmp_path.glob("kw.db*"):
        assert canary.encode() not in path.read_bytes()


def test_alert_channels_from_a_prefect_secret_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    from flows.app.secret_blocks import read_secret_block
    from flows.core.errors import ConfigError
    from flows.core.secrets import mask
    from flows.notify.channels import load_channels

    token = "alert-block-token-77ab"
    Secret(value=f"email=json://127.0.0.1:9/a/{token}").save("kaiwatch-test-alerts", overwrite=True)
    monkeypatch.setenv("KAIWATCH_NOTIFY_BLOCK", "kaiwatch-test-alerts")
    [channel] = load_channels(read_block=read_secret_block)
    assert channel.tags == {"email"}
    assert token not in mask(f"POST /a/{token} failed")
    monkeypatch.setenv("KAIWATCH_NOTIFY_BLOCK", "no-such-block")
    with pytest.raises(ConfigError, match="cannot load that Prefect Secret block"):
        load_channels(read_block=read_secret_block)


def test_sources_check_reports_channels_and_unreachable_routes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "alerts:\n  routes:\n    - name: big\n      min_amount: 100억원\n      to: [funding]\n"
        "sources: []\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KAIWATCH_NOTIFY", "email=json://127.0.0.1:9/a")
    result = runner.invoke(app, ["sources", "check", "--sources", str(sources)])
    assert result.exit_code == 0
    assert "alerts: 1 channel(s)" in result.stderr and "1 route(s)" in result.stderr
    assert "big: no channel is tagged funding" in result.stderr
    assert "digest" not in result.stderr.split("route(s)")[1]  # 'all' reaches the channel

    sources.write_text(
        "alerts:\n  routes:\n    - name: big\n      min_amount: lots\n      to: [funding]\n"
        "sources: []\n",
        encoding="utf-8",
    )
    bad = runner.invoke(app, ["sources", "check", "--sources", str(sources)])
    assert bad.exit_code == 1 and "cannot read 'lots' as one amount" in bad.stderr


def test_dead_alerts_are_reported_to_the_operator(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from flows.app.ingest import ingest

    feed_server.route("/down", "no", status=500)
    feed_server.route("/ops", "ok")
    monkeypatch.setenv("KAIWATCH_NOTIFY", feed_server.url("/down").replace("http://", "json://"))
    monkeypatch.setenv(
        "KAIWATCH_OPERATOR_NOTIFY", feed_server.url("/ops").replace("http://", "json://")
    )
    feeds = serve_three_outlets(feed_server)
    sources = sources_file(tmp_path, {"alpha": feeds["alpha"]})
    text = sources.read_text(encoding="utf-8")
    sources.write_text("alerts:\n  max_attempts: 1\n" + text, encoding="utf-8")

    summary = ingest(sources_path=str(sources), db_path=str(tmp_path / "kw.db"))
    assert summary.alerts is not None and summary.alerts.dead == 1
    assert "1 dead" in summary.format()
    [message] = [json.loads(hit.body) for hit in feed_server.hits("/ops")]
    assert message["title"] == "kaiwatch gave up on 1 alert delivery(ies)"
    assert "kaiwatch alerts retry" in message["message"]


def test_a_channel_apprise_cannot_load_fails_the_run_and_tells_the_operator(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/good", "ok")
    feed_server.route("/ops", "ok")
    good = feed_server.url("/good").replace("http://", "json://")
    monkeypatch.setenv("KAIWATCH_NOTIFY", f"{good} email=mailtos://")
    monkeypatch.setenv(
        "KAIWATCH_OPERATOR_NOTIFY", feed_server.url("/ops").replace("http://", "json://")
    )
    feeds = serve_three_outlets(feed_server)
    sources = sources_file(tmp_path, {"alpha": feeds["alpha"]})
    db = str(tmp_path / "kw.db")

    result = runner.invoke(app, ["run", "--sources", str(sources), "--db", db])
    assert result.exit_code == 1, result.stdout
    assert (
        "  channel #2 in KAIWATCH_NOTIFY (mailtos://…) cannot be loaded by apprise: "
        "1 alert(s) wait for it." in result.stdout
    )
    assert "alerts: 1 routed, 1 sent" in result.stdout  # the good channel still delivers
    assert len(feed_server.hits("/good")) == 1
    [told] = [json.loads(hit.body) for hit in feed_server.hits("/ops")]
    assert told["title"] == "kaiwatch cannot load alert channel #2 in KAIWATCH_NOTIFY (mailtos://…)"

    again = runner.invoke(app, ["run", "--sources", str(sources), "--db", db])
    assert again.exit_code == 1
    assert len(feed_server.hits("/ops")) == 1  # told once, not on every run


def test_a_digest_sent_again_says_already_sent(
    feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    monkeypatch.setenv("KAIWATCH_NOTIFY", feed_server.url("/hook").replace("http://", "json://"))
    sources = tmp_path / "sources.yaml"
    sources.write_text("settings:\n  timezone: UTC\nsources: []\n", encoding="utf-8")
    db = str(tmp_path / "kw.db")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()

    first = runner.invoke(app, ["digest", "--sources", str(sources), "--db", db])
    assert first.exit_code == 0, first.stdout
    assert first.stdout.strip() == f"digest {yesterday} (daily): 1 sent, 0 failed, 0 dead"
    again = runner.invoke(app, ["digest", "--sources", str(sources), "--db", db])
    assert again.exit_code == 0, again.stdout
    assert again.stdout.strip() == (
        f"digest {yesterday} (daily): already sent to 1 channel(s); nothing sent again"
    )
    assert feed_server.count("/hook") == 1
