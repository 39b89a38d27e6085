"""Alerts end to end on real receivers: an SMTP server and a JSON webhook on 127.0.0.1."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from flows.core.errors import ConfigError
from flows.notify.channels import load_channels
from flows.pipeline.alert_config import AlertSettings, Route
from flows.pipeline.alerts import deliver_alerts, send_test
from helpers import (
    FAST,
    FUNDING_TEXT,
    FUNDING_TITLE,
    KOREAN_TEXT,
    KOREAN_TITLE,
    NOW,
    PARTNER_TEXT,
    PARTNER_TITLE,
    channels,
    hook,
    posted,
    store,
)
from storage import alerts as outbox
from storage.archive import Archive


def test_funding_alert_reaches_email_and_webhook_once(
    archive: Archive, tagger, feed_server, smtp_inbox
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(f"{smtp_inbox.url()} {hook(feed_server)}")

    counts = deliver_alerts(archive, FAST, targets, NOW)
    assert (counts.routed, counts.sent, counts.failed) == (1, 2, 0)

    [mail] = smtp_inbox.messages
    assert mail["Subject"] == (
        "[Funding] FuriosaAI raises 70 billion won ($48 million), Series C bridge"
    )
    plain = mail.get_body(("plain",)).get_content()
    assert "Parties: FuriosaAI (raised), Korea Development Bank (lead investor)" in plain
    assert "Amount: 70 billion won ($48 million) · Round: Series C bridge" in plain
    assert 'Evidence: "FuriosaAI, the Seoul-based AI chip start-up, said on Tuesday' in plain
    assert "https://news.example/furiosa" in plain
    [message] = posted(feed_server)
    assert message["title"] == mail["Subject"]
    assert "wire, 2026-11-24" in message["message"]
    # the confidence line says why: the features that raised the probability most
    assert re.search(r"Confidence 0\.\d\d: [^·]+; [^·]+ · kaiwatch alert #1", plain), plain

    again = deliver_alerts(archive, FAST, targets, NOW + timedelta(minutes=15))
    assert (again.routed, again.sent) == (0, 0)
    assert len(smtp_inbox.messages) == 1 and len(posted(feed_server)) == 1


def test_channel_failing_twice_then_recovering_gets_exactly_one(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route(
        "/hook",
        "",
        sequence=[{"status": 500, "body": "down"}, {"status": 503}, {"status": 200, "body": "ok"}],
    )
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(hook(feed_server))
    settings = AlertSettings(retry_after_minutes=10)

    first = deliver_alerts(archive, settings, targets, NOW)
    assert (first.sent, first.failed) == (0, 1)
    early = deliver_alerts(archive, settings, targets, NOW + timedelta(minutes=5))
    assert (early.sent, early.failed) == (0, 0)  # backing off: not due yet
    second = deliver_alerts(archive, settings, targets, NOW + timedelta(minutes=11))
    assert (second.sent, second.failed) == (0, 1)
    third = deliver_alerts(archive, settings, targets, NOW + timedelta(minutes=40))
    assert third.sent == 1
    deliver_alerts(archive, settings, targets, NOW + timedelta(days=1))

    assert feed_server.count("/hook") == 3
    assert feed_server.count("/hook", status=200) == 1
    [row] = outbox.list_deliveries(archive.conn)
    assert (row.status, row.attempts) == ("sent", 3)


def test_dead_after_max_attempts_then_retry_delivers(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "down", status=500)
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(hook(feed_server))
    settings = AlertSettings(retry_after_minutes=0, max_attempts=2)

    assert deliver_alerts(archive, settings, targets, NOW).failed == 1
    assert deliver_alerts(archive, settings, targets, NOW).dead == 1
    assert deliver_alerts(archive, settings, targets, NOW).sent == 0  # dead is not retried
    assert [d.status for d in outbox.list_deliveries(archive.conn, "dead")] == ["dead"]

    feed_server.route("/hook", "ok")
    with archive.write() as conn:
        assert outbox.retry_deliveries(conn, NOW.isoformat()) == 1
    assert deliver_alerts(archive, settings, targets, NOW).sent == 1
    assert feed_server.count("/hook", status=200) == 1


def test_one_alert_per_story_across_outlets_and_languages(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://a.example/1", source="a")
    # Two other outlets run the wire copy with their own last line: near-duplicates.
    for outlet in ("b", "c"):
        store(
            archive, tagger, FUNDING_TITLE, FUNDING_TEXT + f"\nReporting by {outlet} staff.",
            url=f"https://{outlet}.example/1", source=outlet,
        )  # fmt: skip
    targets = channels(hook(feed_server))

    assert deliver_alerts(archive, FAST, targets, NOW).sent == 1
    [message] = posted(feed_server)
    assert "Also carried by 2 other outlets." in message["message"]
    assert archive.conn.execute("SELECT count(*) FROM alerts").fetchone()[0] == 1


def test_feed_text_cannot_ping_or_inject(archive: Archive, tagger, feed_server, smtp_inbox) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/md", "ok")
    title = "<!channel> FuriosaAI raises 70 billion won <script>alert(1)</script> @everyone"
    store(archive, tagger, title, FUNDING_TEXT, url="https://news.example/x")
    targets = channels(f"{hook(feed_server, '/md', format='markdown')} {smtp_inbox.url()}")

    assert deliver_alerts(archive, FAST, targets, NOW).sent == 2
    [markdown] = posted(feed_server, "/md")
    assert "<!channel>" not in markdown["message"] and "<script>" not in markdown["message"]
    assert "\u2039!channel\u203a" in markdown["message"]
    assert "@everyone" not in markdown["message"]
    html_part = smtp_inbox.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html_part
    assert "&lt;script&gt;" in html_part


def test_routes_send_by_type_amount_and_watch_list(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    for path in ("/funding", "/email", "/everything"):
        feed_server.route(path, "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    store(archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://news.example/mou")
    targets = channels(
        f"funding={hook(feed_server, '/funding')} email={hook(feed_server, '/email')} "
        f"misc={hook(feed_server, '/everything')}"
    )
    settings = AlertSettings(
        routes=[
            Route(name="big", types=["funding"], min_amount="10 billion won", to=["funding"]),
            Route(name="huge", types=["funding"], min_amount="1조원", to=["misc"]),
            Route(name="watch", entities=["naver"], to=["email"]),
        ]
    )
    assert deliver_alerts(archive, settings, targets, NOW).sent == 2
    assert [m["title"][:10] for m in posted(feed_server, "/funding")] == ["[Funding] "]
    assert [m["title"] for m in posted(feed_server, "/email")] == [
        "[Partnership] Samsung Electronics and Naver sign an agreement"
    ]
    assert posted(feed_server, "/everything") == []  # 70 billion won is below 1 trillion


def test_below_threshold_and_old_alerts_are_not_sent(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(hook(feed_server))

    strict = deliver_alerts(archive, AlertSettings(threshold=0.99), targets, NOW)
    assert (strict.skipped, strict.sent) == (1, 0)
    store(archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://news.example/mou")
    late = deliver_alerts(archive, AlertSettings(max_age_hours=1), targets, NOW + timedelta(days=2))
    assert (late.skipped, late.sent) == (1, 0)
    statuses = [r[0] for r in archive.conn.execute("SELECT status FROM alerts ORDER BY id")]
    assert statuses == ["below_threshold", "expired"]
    assert feed_server.count("/hook") == 0


def test_alerts_wait_for_a_channel_then_go_out(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, KOREAN_TITLE, KOREAN_TEXT, url="https://ko.example/1", lang="ko")

    assert deliver_alerts(archive, FAST, [], NOW).waiting == 1
    assert deliver_alerts(archive, FAST, channels(hook(feed_server)), NOW).sent == 1
    [message] = posted(feed_server)
    assert message["title"] == "[Funding] FuriosaAI raises 800억원 ($55.5 m), Series D"
    assert "이번 투자에는" not in message["message"]  # the evidence is the triggering sentence
    assert "800억원 규모의 시리즈D 투자를 유치했다고" in message["message"]


def test_a_removed_channel_keeps_its_deliveries(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/a", "ok")
    feed_server.route("/b", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    both = channels(f"{hook(feed_server, '/a')} {hook(feed_server, '/b')}")
    assert deliver_alerts(archive, AlertSettings(), both[:1], NOW).sent == 1
    # The second channel was never routed this alert: a channel added later gets new alerts only.
    assert deliver_alerts(archive, AlertSettings(), both, NOW).sent == 0
    assert feed_server.count("/b") == 0


def test_alerts_test_reports_each_channel(feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/good", "ok")
    feed_server.route("/bad", "no", status=404)
    results = send_test(channels(f"{hook(feed_server, '/good')} {hook(feed_server, '/bad')}"))
    assert [reason for _, reason in results] == [None, "HTTP 404"]
    assert posted(feed_server, "/good")[0]["title"] == "[kaiwatch] test message"


def test_channels_from_environment_file_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text(
        "urls:\n  - json://127.0.0.1:9/funding:\n      tag: funding\n", encoding="utf-8"
    )
    loaded = load_channels(
        {
            "KAIWATCH_NOTIFY": "email=json://127.0.0.1:9/mail\njson://127.0.0.1:9/mail",
            "KAIWATCH_NOTIFY_FILE": str(config),
        }
    )
    assert sorted(tuple(sorted(c.tags)) for c in loaded) == [("email",), ("funding",)]
    with pytest.raises(ConfigError, match="channel #2 is not an apprise URL"):
        load_channels({"KAIWATCH_NOTIFY": "json://127.0.0.1:9/a nope://secret-token"})
    with pytest.raises(ConfigError, match="no such file"):
        load_channels({"KAIWATCH_NOTIFY_FILE": str(tmp_path / "absent.yml")})


def test_channel_ids_are_stable_and_hold_no_secret() -> None:
    url = "json://user:hunter2-canary@127.0.0.1:9/hook?token=t0k3n-canary"
    first, second = channels(url)[0], channels(url)[0]
    assert first.id == second.id
    assert "canary" not in first.label and "canary" not in first.id


def test_routes_reject_unreadable_amounts() -> None:
    with pytest.raises(ValueError, match="cannot read 'lots' as one amount"):
        Route(name="x", min_amount="lots", to=["funding"])


def test_the_same_deal_in_korean_does_not_alert_again(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://en.example/furiosa")
    korean = (
        "AI 반도체 기업 퓨리오사AI가 700억원 규모의 시리즈C 브릿지 투자를 유치했다고 24일 밝혔다.\n"
        "이번 투자는 한국산업은행이 주도했으며, 회사는 자금을 RNGD 칩 양산에 쓸 계획이다."
    )
    store(
        archive,
        tagger,
        "퓨리오사AI, 700억원 투자 유치",
        korean,
        url="https://ko.example/f",
        lang="ko",
        source="ko-wire",
    )

    assert deliver_alerts(archive, FAST, channels(hook(feed_server)), NOW).sent == 1
    [message] = posted(feed_server)
    assert "Also carried by 1 other outlet." in message["message"]


def test_a_foreign_deal_in_an_unfiltered_feed_does_not_alert(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    title = "Anthropic raises $13 billion in Series F round"
    text = (
        "Anthropic said on Tuesday it had raised $13 billion in a Series F round led by Iconiq "
        "Capital.\nThe San Francisco company will use the money to expand its computing "
        "capacity in the United States."
    )
    article_id = store(archive, tagger, title, text, url="https://us.example/anthropic")
    assert archive.conn.execute(
        "SELECT count(*) FROM events WHERE article_id = ?", [article_id]
    ).fetchone() == (1,)  # an event, but not Korean AI news

    counts = deliver_alerts(archive, FAST, channels(hook(feed_server)), NOW)
    assert (counts.skipped, counts.sent) == (1, 0)
    assert archive.conn.execute("SELECT status FROM alerts").fetchone() == ("off_topic",)


# --- issue 14: every count says why ---------------------------------------------------


def test_notify_splits_urls_on_spaces_and_commas_as_apprise_does() -> None:
    loaded = load_channels(
        {
            "KAIWATCH_NOTIFY": "json://127.0.0.1:9/a,json://127.0.0.1:9/b "
            "funding,email=json://127.0.0.1:9/c, "
            "mailto://user:pw@127.0.0.1:9?from=k@example.com&to=a@example.com,b@example.com"
        }
    )
    assert [(c.plugin.service_name, sorted(c.tags)) for c in loaded] == [
        ("JSON", []),
        ("JSON", []),
        ("JSON", ["email", "funding"]),
        ("E-Mail", []),
    ]
    assert [c.plugin.url(privacy=True).split("?")[0] for c in loaded[:3]] == [
        "json://127.0.0.1:9/a",
        "json://127.0.0.1:9/b",
        "json://127.0.0.1:9/c",
    ]
    assert sorted(target[1] for target in loaded[3].plugin.targets) == [
        "a@example.com",
        "b@example.com",
    ]


def test_skipped_alerts_are_counted_by_reason(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/old",
          published=NOW - timedelta(days=5))  # fmt: skip
    store(
        archive, tagger, "Anthropic raises $13 billion in Series F round",
        "Anthropic said on Tuesday it had raised $13 billion in a Series F round led by Iconiq "
        "Capital.\nThe San Francisco company will use the money to expand its computing "
        "capacity in the United States.", url="https://us.example/anthropic",
    )  # fmt: skip
    store(archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://news.example/mou")

    counts = deliver_alerts(archive, FAST, channels(hook(feed_server)), NOW)
    assert (counts.routed, counts.sent, counts.skipped) == (1, 1, 2)
    assert "2 skipped (1 older than 72 h: alerts.max_age_hours; 1 not Korean AI)" in (
        counts.format()
    )
    strict = deliver_alerts(
        archive, AlertSettings(threshold=0.99), channels(hook(feed_server)), NOW
    ).format()
    assert "0 skipped," in strict  # nothing new: no reasons to give


def test_a_channel_apprise_cannot_load_is_named_and_its_alerts_wait_for_it(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    from flows.notify.channels import read_channels

    feed_server.route("/good", "ok")
    feed_server.route("/fixed", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")

    found = read_channels({"KAIWATCH_NOTIFY": f"{hook(feed_server, '/good')} mailtos://"})
    assert len(found.channels) == 1
    counts = deliver_alerts(archive, FAST, found.channels, NOW, broken=found.broken)
    assert (counts.routed, counts.sent, counts.held) == (1, 1, 1)
    text = counts.format()
    assert "channel #2 in KAIWATCH_NOTIFY (mailtos://…) cannot be loaded by apprise" in text
    assert "1 alert(s) wait for it" in text
    assert "mailtos://\n" not in text and "@" not in text

    again = deliver_alerts(archive, FAST, found.channels, NOW, broken=found.broken)
    assert (again.sent, again.held) == (0, 1)
    assert posted(feed_server, "/fixed") == []

    fixed = read_channels(
        {"KAIWATCH_NOTIFY": f"{hook(feed_server, '/good')} {hook(feed_server, '/fixed')}"}
    )
    assert fixed.broken == []
    released = deliver_alerts(archive, FAST, fixed.channels, NOW + timedelta(minutes=5))
    assert (released.sent, released.held) == (1, 0)
    assert len(posted(feed_server, "/fixed")) == 1
    assert len(posted(feed_server, "/good")) == 1  # never twice


def test_delivery_reasons_are_kept_per_attempt_and_manual_retries_count(
    archive: Archive, tagger, feed_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from flows.app.cli import app
    from helpers import free_port

    feed_server.route("/down", "no", status=500)
    refused = f"json://127.0.0.1:{free_port()}/hook"  # nothing listens there
    monkeypatch.setenv("KAIWATCH_NOTIFY", f"{hook(feed_server, '/down')} {refused}")
    for n in range(3):
        store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT + f"\nUpdate {n}.",
              url=f"https://news.example/f{n}", source=f"outlet{n}")  # fmt: skip
    assert deliver_alerts(archive, FAST, load_channels(), NOW).failed == 2  # one story, 2 channels
    sources = tmp_path / "s.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    runner = CliRunner()
    db = str(archive.path)

    listed = runner.invoke(app, ["alerts", "list", "--db", db], env={"COLUMNS": "250"})
    assert listed.exit_code == 0
    rows = [line for line in listed.stdout.splitlines() if "pending" in line]
    assert len(rows) == 2
    assert any("HTTP 500" in row for row in rows) and any(
        "connection refused" in row for row in rows
    )
    assert "did not accept" not in listed.stdout

    retried = runner.invoke(app, ["alerts", "retry", "--db", db, "--sources", str(sources)])
    assert retried.exit_code == 1  # still failing
    assert retried.stdout.strip() == (
        "2 deliveries retried: 0 sent, 2 failed (will retry: 1 HTTP 500, 1 connection refused), "
        "0 dead"
    )
    assert retried.stderr == ""  # one summary, not a line per delivery

    rows = [
        json.loads(line)
        for line in runner.invoke(app, ["alerts", "list", "--db", db, "--json"]).stdout.splitlines()
    ]
    assert [(row["attempts"], row["retries"]) for row in rows] == [(2, 1), (2, 1)]
    assert sorted(row["last_error"] for row in rows) == ["HTTP 500", "connection refused"]
    assert [len(row["tries"]) for row in rows] == [2, 2]
