"""Alerts through the real ingest flow and the command line, on receivers at 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_alerts import FUNDING_TEXT, FUNDING_TITLE
from test_flows import sources_file
from typer.testing import CliRunner

from flows.cli import app
from test_pipeline import article_page, rss

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
            rss([(FUNDING_TITLE, feed_server.url(f"/{outlet}/story"))]),
            content_type="application/rss+xml",
        )
        feeds[outlet] = feed_server.url(f"/{outlet}.xml")
    return feeds


def test_three_outlets_give_one_alert_and_a_rerun_sends_nothing(
    feed_server, smtp_inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from flows.ingest import ingest

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
    assert [line.split(": ")[1] for line in lines] == ["accepted", "did not accept"]

    monkeypatch.delenv("KAIWATCH_NOTIFY")
    none = runner.invoke(app, ["alerts", "test"])
    assert none.exit_code == 1 and "KAIWATCH_NOTIFY" in none.stderr

    monkeypatch.setenv("KAIWATCH_NOTIFY", "json://127.0.0.1:9/a not-a-scheme://token")
    bad = runner.invoke(app, ["alerts", "test"])
    assert bad.exit_code == 1 and "channel #2 is not an apprise URL" in bad.stderr
    assert "token" not in bad.stderr
