"""Event records end to end (issue 16): one record and one alert per real-world event.

The real pipeline (feed → page → analysis → archive) on a loopback site, the shipped
detector, a real SQLite archive and a real webhook receiver. The write-ups are written for
these tests: one Series B round of Upstage led by SK Telecom, announced in English and in
Korean without an amount, and given an amount by a third write-up a day later.
"""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.app.cli import app
from flows.fetch.client import HttpClient
from flows.pipeline.alert_config import AlertSettings
from flows.pipeline.alerts import deliver_alerts
from flows.pipeline.config import Settings, Source
from flows.pipeline.poll import poll_feed
from flows.pipeline.reindex import reindex_archive
from helpers import FAST, NOW, article_page, channels, hook, posted
from storage.alerts import period_events
from storage.archive import Archive

# (slug, hours before NOW, title, paragraphs)
EN_FIRST = (
    "en-upstage",
    30,
    "Upstage lands Series B funding from SK Telecom",
    [
        "Upstage, the Seoul-based maker of the Solar language models, said on Monday it had "
        "closed a Series B round led by SK Telecom.",
        "The startup will spend the money on research staff and on sales offices in Japan and "
        "the United States.",
        "Its chief executive said the company had more demand from banks than it could serve.",
    ],
)
KO_SECOND = (
    "ko-upstage",
    26,
    "업스테이지, SK텔레콤 주도 시리즈B 투자 유치",
    [
        "인공지능 스타트업 업스테이지가 SK텔레콤이 주도한 시리즈B 투자를 유치했다고 23일 밝혔다.",
        "업스테이지는 투자금으로 연구 인력을 늘리고 일본과 미국에 영업 조직을 꾸릴 계획이다.",
        "회사 측은 금융권의 수요가 빠르게 늘고 있다고 설명했다.",
    ],
)
EN_AMOUNT = (
    "en-upstage-amount",
    4,
    "Upstage's Series B: 100 billion won from SK Telecom",
    [
        "Upstage raised 100 billion won in its Series B round led by SK Telecom, the company "
        "said on Tuesday, putting a figure on the round it announced a day earlier.",
        "The money will pay for researchers and for offices in Tokyo and San Francisco.",
        "Analysts said the round was one of the largest for a Korean AI startup this year.",
    ],
)
OTHER_DEAL = (
    "en-kt-microsoft",
    20,
    "KT teams up with Microsoft on AI cloud",
    [
        "KT signed a partnership agreement with Microsoft on Monday to offer secure "
        "artificial intelligence cloud services to banks and public agencies.",
        "The Korean carrier expects the first joint product before the end of the year.",
        "Neither company disclosed the value of the deal.",
    ],
)

Item = tuple[str, int, str, list[str]]


def _publish(server, items: list[Item]) -> str:  # type: ignore[no-untyped-def]
    """Serve the items' pages and an RSS feed listing them; the feed's URL."""
    entries = ""
    for slug, hours, title, paragraphs in items:
        outlet = f'<head><meta property="og:site_name" content="Outlet {slug}">'
        server.route(f"/news/{slug}", article_page(title, paragraphs).replace("<head>", outlet))
        date = format_datetime(NOW - timedelta(hours=hours))
        link = server.url(f"/news/{slug}")
        entries += (
            f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{date}</pubDate></item>"
        )
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"{entries}</channel></rss>"
    )
    server.route("/feed.xml", feed, content_type="application/rss+xml")
    return str(server.url("/feed.xml"))


def _poll(archive: Archive, url: str, tagger) -> None:  # type: ignore[no-untyped-def]
    with HttpClient() as client:
        poll_feed(
            Source(name="fixture", url=url, lang="en", allow_private_network=True),
            archive=archive,
            client=client,
            settings=Settings(),
            tagger=tagger,
            poll_now=True,
        )


def _records(archive: Archive) -> list[tuple[object, ...]]:
    return archive.conn.execute(
        """SELECT key, type, recipient, amount_krw, round, size, outlets, party_names
           FROM event_records WHERE merged_into IS NULL ORDER BY type, key"""
    ).fetchall()


def test_one_deal_in_two_languages_alerts_once_and_a_later_amount_updates_it(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    targets = channels(hook(feed_server))
    _poll(archive, _publish(feed_server, [EN_FIRST, KO_SECOND, OTHER_DEAL]), tagger)

    counts = deliver_alerts(archive, FAST, targets, NOW)
    assert counts.sent == 2  # the Upstage round once, the KT–Microsoft deal once
    titles = sorted(message["title"] for message in posted(feed_server))
    assert titles[0].startswith("[Funding] Upstage") and titles[1].startswith("[Partnership]")
    [upstage] = [r for r in _records(archive) if r[1] == "funding"]
    assert upstage[2:7] == ("upstage", None, "Series B", 2, 2)
    rules = archive.conn.execute(
        "SELECT a.lang, e.link_rule FROM events e JOIN articles a ON a.id = e.article_id "
        "WHERE e.type = 'funding' ORDER BY a.id"
    ).fetchall()
    assert [lang for lang, _ in rules] == ["en", "ko"]
    assert rules[0][1] == "new" and rules[1][1] in {"F5.recipient_investor", "F6.two_parties"}
    # the Korean write-up is no copy of the English one, yet it is in the same story
    stories = archive.conn.execute(
        "SELECT count(DISTINCT a.story_id) FROM events e JOIN articles a ON a.id = e.article_id "
        "WHERE e.type = 'funding'"
    ).fetchone()
    assert stories == (1,)

    # a day later, a third outlet gives the amount: the record shows it, nobody is alerted
    _poll(archive, _publish(feed_server, [EN_FIRST, KO_SECOND, OTHER_DEAL, EN_AMOUNT]), tagger)
    again = deliver_alerts(archive, FAST, targets, NOW + timedelta(minutes=10))
    assert (again.routed, again.sent, again.updates) == (0, 0, 0)
    assert feed_server.count("/hook") == 2
    # the update was noted, and closed unsent: alerts.updates is off by default
    notes = archive.conn.execute("SELECT field, value, status FROM alert_updates").fetchall()
    assert notes == [("amount", "100 billion won", "off")]
    [upstage] = [r for r in _records(archive) if r[1] == "funding"]
    assert upstage[2:7] == ("upstage", 100_000_000_000, "Series B", 3, 3)
    amount = archive.conn.execute(
        "SELECT json_extract(amount, '$.text') FROM event_records WHERE type = 'funding'"
    ).fetchone()
    assert amount == ("100 billion won",)
    assert {"Upstage", "SK Telecom"} <= set(json.loads(str(upstage[7])))
    # the digest lists the deal once, with the amount the later write-up gave
    start, end = (NOW - timedelta(days=3)).isoformat(), NOW.isoformat()
    funding = [v for v in period_events(archive.conn, start, end, 0.5) if v.type == "funding"]
    assert [(v.amounts[0]["text"], v.round, v.outlets) for v in funding] == [
        ("100 billion won", "Series B", 3)
    ]


def _filled(tmp_path: Path, server, tagger, kb) -> Archive:  # type: ignore[no-untyped-def]
    from storage.entities import sync_entities

    archive = Archive(tmp_path / "replay.db")
    with archive.write() as conn:
        sync_entities(conn, kb)
    # newest first, as many feeds list them: ingest meets the write-ups in reverse order
    _poll(archive, _publish(server, [EN_AMOUNT, OTHER_DEAL, KO_SECOND, EN_FIRST]), tagger)
    return archive


def test_reindex_rebuilds_the_same_records_and_alerts_still_match(
    tmp_path: Path, tagger, kb, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    with _filled(tmp_path, feed_server, tagger, kb) as archive:
        deliver_alerts(archive, FAST, channels(hook(feed_server)), NOW)
        before = _records(archive)
        assert len(before) == 2
        reindex_archive(archive, kb)
        first = _records(archive)
        reindex_archive(archive, kb)
        assert _records(archive) == first
        # reindex replays in publication order, so the first report (the key) may change;
        # what the record says does not, and its alert follows it
        assert [r[1:] for r in first] == [r[1:] for r in before]
        keys = archive.conn.execute(
            "SELECT first_article_id, a.published FROM event_records r "
            "JOIN articles a ON a.id = r.first_article_id WHERE r.type = 'funding'"
        ).fetchone()
        oldest = archive.conn.execute(
            "SELECT min(published) FROM articles a JOIN events e ON e.article_id = a.id "
            "WHERE e.type = 'funding'"
        ).fetchone()
        assert keys[1] == oldest[0]
        alert_keys = archive.conn.execute(
            "SELECT al.record_key, r.key FROM alerts al JOIN events e "
            "ON e.article_id = al.article_id AND e.type = al.type "
            "JOIN event_records r ON r.id = e.record_id ORDER BY al.id"
        ).fetchall()
        assert len(alert_keys) == 2 and all(a == b for a, b in alert_keys)
        assert deliver_alerts(archive, FAST, channels(hook(feed_server)), NOW).sent == 0


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_records_do_not_depend_on_the_feed_order(
    tmp_path: Path, tagger, kb, feed_server, order: str
) -> None:  # type: ignore[no-untyped-def]
    from storage.entities import sync_entities

    items = [EN_FIRST, KO_SECOND, OTHER_DEAL, EN_AMOUNT]
    with Archive(tmp_path / "order.db") as archive:
        with archive.write() as conn:
            sync_entities(conn, kb)
        listed = items if order == "as listed" else items[::-1]
        _poll(archive, _publish(feed_server, listed), tagger)
        sizes = [(r[1], r[5]) for r in _records(archive)]
        assert sorted(sizes) == [("funding", 3), ("partnership", 1)]


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def test_event_split_undoes_a_merge_and_survives_reindex(
    tmp_path: Path, tagger, kb, feed_server
) -> None:  # type: ignore[no-untyped-def]
    with _filled(tmp_path, feed_server, tagger, kb) as archive:
        path = str(archive.path)
        (key,) = archive.conn.execute(
            "SELECT key FROM event_records WHERE type = 'funding'"
        ).fetchone()
        ko_id, ko_story = archive.conn.execute(
            "SELECT id, story_id FROM articles WHERE lang = 'ko'"
        ).fetchone()
        shown = _cli("event", "show", key, "--db", path)
        assert shown.exit_code == 0, shown.output
        assert "3 article(s), 3 outlet(s)" in shown.output and "업스테이지" in shown.output

        split = _cli("event", "split", key, str(ko_id), "--db", path)
        assert split.exit_code == 0, split.output
        assert f"article {ko_id} split off {key}: record {ko_id}:funding:0" in split.output

        def funding() -> list[tuple[object, ...]]:
            return archive.conn.execute(
                "SELECT r.size, group_concat(a.lang) FROM event_records r JOIN events e "
                "ON e.record_id = r.id JOIN articles a ON a.id = e.article_id "
                "WHERE r.type = 'funding' GROUP BY r.id ORDER BY r.size DESC"
            ).fetchall()

        assert funding() == [(2, "en,en"), (1, "ko")]
        story = archive.conn.execute(
            "SELECT story_id FROM articles WHERE id = ?", [ko_id]
        ).fetchone()
        assert story != (ko_story,)
        reindex_archive(archive, kb)
        assert funding() == [(2, "en,en"), (1, "ko")]
        rule = archive.conn.execute(
            "SELECT link_rule FROM events WHERE article_id = ? AND type = 'funding'", [ko_id]
        ).fetchone()
        assert rule == ("G7.pin",)

        missing = _cli("event", "split", "no-such-key", str(ko_id), "--db", path)
        assert missing.exit_code == 1
        assert "Error: no event record 'no-such-key' in the archive. Fix:" in missing.output


def test_alerts_updates_sends_one_short_update_per_field(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    targets = channels(hook(feed_server))
    settings = AlertSettings(updates=True, retry_after_minutes=0)
    _poll(archive, _publish(feed_server, [EN_FIRST, KO_SECOND]), tagger)
    assert deliver_alerts(archive, settings, targets, NOW).sent == 1

    _poll(archive, _publish(feed_server, [EN_FIRST, KO_SECOND, EN_AMOUNT]), tagger)
    counts = deliver_alerts(archive, settings, targets, NOW + timedelta(minutes=10))
    assert (counts.sent, counts.updates) == (0, 1)
    assert "1 update(s) sent" in counts.format()
    first, update = posted(feed_server)
    assert first["title"].startswith("[Funding] Upstage")
    assert update["title"] == "[Update] Funding: Upstage — Amount: 100 billion won"
    assert "Upstage's Series B: 100 billion won from SK Telecom" in update["message"]
    # once: a later pass, or another write-up with the amount, sends nothing more
    assert deliver_alerts(archive, settings, targets, NOW + timedelta(minutes=20)).updates == 0
    assert feed_server.count("/hook") == 2
