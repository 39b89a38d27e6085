"""Edge cases of the alert outbox (found in review): real SQLite files and receivers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.app.digest import send_digest
from flows.notify.channels import load_channels
from flows.pipeline.alert_config import AlertSettings, Route
from flows.pipeline.alerts import deliver_alerts, deliver_due, route_new_alerts
from flows.pipeline.config import SourcesFile
from flows.pipeline.reindex import reindex_archive
from helpers import (
    FAST,
    FUNDING_TEXT,
    FUNDING_TITLE,
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

# -- channels ------------------------------------------------------------------------


def test_two_mail_recipients_on_one_server_are_two_channels(
    archive: Archive, tagger, smtp_inbox
) -> None:  # type: ignore[no-untyped-def]
    """apprise's url_id() leaves targets out: two mailto URLs (or two Telegram chats of one
    bot) that differ only by recipient get one id, so load_channels() keeps only the first
    and the second recipient, with its own tags, never gets anything."""
    env = {
        "KAIWATCH_NOTIFY": f"funding={smtp_inbox.url('deals@example.com')} "
        f"email={smtp_inbox.url('boss@example.com')}"
    }
    loaded = load_channels(env)
    assert sorted(tag for c in loaded for tag in c.tags) == ["email", "funding"]

    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    assert deliver_alerts(archive, FAST, loaded, NOW).sent == 2
    assert sorted(m["To"] for m in smtp_inbox.messages) == [
        "boss@example.com",
        "deals@example.com",
    ]


# -- delivery accounting ---------------------------------------------------------------


def test_backoff_does_not_overflow_after_many_failures(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    """max_attempts may be 100; the wait is computed as retry × 2^(n−1) before the cap, and
    timedelta overflows from the 40th failure on: every later pass raises, for every channel."""
    feed_server.route("/hook", "down", status=500)
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(hook(feed_server))
    settings = AlertSettings(max_attempts=100, retry_after_minutes=5)
    assert deliver_alerts(archive, settings, targets, NOW).failed == 1
    with archive.write() as conn:  # as after 39 failed passes
        conn.execute("UPDATE deliveries SET attempts = 39")

    counts = deliver_alerts(archive, settings, targets, NOW + timedelta(days=2))
    assert counts.failed == 1
    [row] = outbox.list_deliveries(archive.conn)
    assert row.attempts == 40
    assert row.next_attempt_at == (NOW + timedelta(days=3)).isoformat()  # capped at a day


def test_dead_exactly_at_max_attempts_with_backoff(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "down", status=500)
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(hook(feed_server))
    settings = AlertSettings(max_attempts=3, retry_after_minutes=10)
    waits = []
    moment = NOW
    for _ in range(3):
        counts = deliver_alerts(archive, settings, targets, moment)
        [row] = outbox.list_deliveries(archive.conn)
        waits.append((row.status, row.attempts, row.next_attempt_at))
        moment = moment + timedelta(days=1)
    assert counts.dead == 1
    assert waits == [
        ("pending", 1, (NOW + timedelta(minutes=10)).isoformat()),
        ("pending", 2, (NOW + timedelta(days=1, minutes=20)).isoformat()),
        ("dead", 3, (NOW + timedelta(days=1, minutes=20)).isoformat()),
    ]
    assert feed_server.count("/hook") == 3


def test_two_delivery_passes_at_once_send_once(
    archive: Archive, tagger, feed_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The ingest's deliver-alerts task runs outside the run lease, and `kaiwatch digest` and
    `kaiwatch alerts retry` deliver every due row too: two passes read the same due list
    and both send it (nothing claims a delivery before sending)."""
    feed_server.route("/hook", "ok", delay=1.0)
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/furiosa")
    targets = channels(hook(feed_server))
    route_new_alerts(archive, FAST, targets, NOW)

    def one_pass() -> None:
        with Archive(tmp_path / "kw.db", migrate=False) as other:
            deliver_due(other, FAST, targets, NOW)

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert feed_server.count("/hook") == 1


# -- routing ---------------------------------------------------------------------------


def test_watch_list_by_korean_name(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    """A watch list may name entities; 네이버 is Naver's name in entities.yaml."""
    feed_server.route("/email", "ok")
    store(archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://news.example/mou")
    settings = AlertSettings(routes=[Route(name="watch", entities=["네이버"], to=["email"])])
    targets = channels(f"email={hook(feed_server, '/email')}")
    assert deliver_alerts(archive, settings, targets, NOW).sent == 1


# -- freshness -------------------------------------------------------------------------


def test_a_new_feeds_old_backlog_does_not_alert(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    """max_age_hours is checked on the alert's queue time, not on the article's date: the
    first poll of a feed (or of kaiwatch) alerts on every deal in its backlog, weeks old."""
    feed_server.route("/hook", "ok")
    now = datetime.now(UTC)
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://news.example/old",
        published=now - timedelta(days=30),
    )  # fmt: skip
    counts = deliver_alerts(archive, FAST, channels(hook(feed_server)), now)
    assert (counts.sent, counts.skipped) == (0, 1)
    assert archive.conn.execute("SELECT status FROM alerts").fetchone() == ("expired",)


# -- messages --------------------------------------------------------------------------


def test_markdown_links_and_mentions_are_inert(archive: Archive, tagger, feed_server) -> None:  # type: ignore[no-untyped-def]
    """inert() promises text 'no markdown channel can turn into a mention, a link or markup',
    but leaves [text](url) links (Discord, Teams, Mattermost render them), @all (Mattermost,
    Rocket.Chat) and Slack's entity form &lt;!channel&gt;, which apprise's Slack plugin turns
    back into a live <!channel> (apprise/plugins/slack.py, _re_channel_support)."""
    feed_server.route("/md", "ok")
    title = "[Verify your account](http://evil.example) @all &lt;!channel&gt; FuriosaAI funding"
    store(archive, tagger, title, FUNDING_TEXT, url="https://news.example/x")
    targets = channels(hook(feed_server, "/md", format="markdown"))
    assert deliver_alerts(archive, FAST, targets, NOW).sent == 1
    [message] = posted(feed_server, "/md")
    live = [
        s for s in ("](http://evil.example)", "@all", "&lt;!channel&gt;") if s in message["message"]
    ]
    assert live == []


def test_mattermost_channel_gets_mentions_neutralised(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    """apprise's Mattermost plugin says 'text', so kaiwatch does not make feed text inert for
    it; Mattermost renders markdown and @channel/@all/@here in every incoming webhook."""
    feed_server.route("/hooks/kaiwatchtoken", "ok")
    title = "@channel FuriosaAI raises 70 billion won [click](http://evil.example)"
    store(archive, tagger, title, FUNDING_TEXT, url="https://news.example/x")
    url = feed_server.url("/").replace("http://", "mmost://").rstrip("/") + "/kaiwatchtoken"
    assert deliver_alerts(archive, FAST, channels(url), NOW).sent == 1
    [hit] = feed_server.hits("/hooks/kaiwatchtoken")
    text = json.loads(hit.body)["text"]
    assert "@channel" not in text
    assert "](http://evil.example)" not in text


# -- digest ----------------------------------------------------------------------------


def digest_config(**alerts: object) -> SourcesFile:
    return SourcesFile.model_validate({"sources": [], "alerts": alerts})


def test_digest_title_names_the_local_days_it_covers(
    archive: Archive, tagger, feed_server, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The title prints the UTC date of the window's bounds: in Seoul the daily digest of
    24 November is titled 23 November, and the week of Monday 16 reads '2026-11-15 to …'."""
    feed_server.route("/chat", "ok")
    monkeypatch.setenv("KAIWATCH_NOTIFY", hook(feed_server, "/chat"))
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://a.example/1")  # 24 Nov, KST
    wednesday = NOW + timedelta(days=1)  # 2026-11-25 10:00 in Seoul
    assert send_digest(archive, digest_config(), period="daily", now=wednesday).sent == 1
    assert send_digest(archive, digest_config(), period="weekly", now=wednesday).sent == 1
    titles = [m["title"] for m in posted(feed_server, "/chat")]
    assert titles == [
        "kaiwatch daily digest, 2026-11-24: 1 event",
        "kaiwatch weekly digest, 2026-11-16 to 2026-11-22: 0 events",
    ]


def test_digest_boundaries_and_undated_articles(
    archive: Archive, tagger, feed_server, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """[start, end): an article published exactly at local midnight belongs to the new day;
    an undated one (published None) counts at its fetched_at."""
    feed_server.route("/chat", "ok")
    monkeypatch.setenv("KAIWATCH_NOTIFY", hook(feed_server, "/chat"))
    midnight = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 24 Nov 00:00 in Seoul
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://a.example/1", published=midnight
    )
    store(
        archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://a.example/2",
        published=midnight - timedelta(seconds=1),
    )  # fmt: skip
    with archive.write() as conn:  # an undated copy fetched during the 24th (Seoul)
        conn.execute("UPDATE articles SET published = NULL, fetched_at = ? WHERE id = 2",
                     [(midnight + timedelta(hours=3)).isoformat()])  # fmt: skip
    config = digest_config(threshold=0.0)
    assert send_digest(archive, config, now=NOW + timedelta(days=1)).sent == 1
    [message] = posted(feed_server, "/chat")
    assert message["title"].endswith(": 2 events")


# -- reindex ---------------------------------------------------------------------------


def test_reindex_queues_nothing_and_a_rerun_sends_nothing(
    archive: Archive, tagger, kb, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://a.example/1", source="a")
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT + "\nReporting by b staff.",
        url="https://b.example/1", source="b",
    )  # fmt: skip
    targets = channels(hook(feed_server))
    assert deliver_alerts(archive, FAST, targets, NOW).sent == 1
    before = archive.conn.execute("SELECT * FROM alerts").fetchall()

    reindex_archive(archive, kb)
    assert archive.conn.execute("SELECT * FROM alerts").fetchall() == before
    assert deliver_alerts(archive, FAST, targets, NOW + timedelta(hours=1)).sent == 0
    # A third copy after the reindex still finds the story's alert.
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT + "\nReporting by c staff.",
        url="https://c.example/1", source="c",
    )  # fmt: skip
    assert deliver_alerts(archive, FAST, targets, NOW + timedelta(hours=2)).sent == 0
    assert archive.conn.execute("SELECT count(*) FROM alerts").fetchone() == (1,)
    assert feed_server.count("/hook") == 1


def test_a_more_confident_copy_revives_a_below_threshold_alert_once(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/hook", "ok")
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://a.example/1", source="a")
    targets = channels(hook(feed_server))
    with archive.write() as conn:  # as if the first copy's event had been weak
        conn.execute("UPDATE alerts SET confidence = 0.1")
        conn.execute("UPDATE events SET confidence = 0.1")
    threshold = AlertSettings(threshold=0.5, retry_after_minutes=0)
    assert deliver_alerts(archive, threshold, targets, NOW).skipped == 1
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT + "\nReporting by b staff.",
        url="https://b.example/1", source="b",
    )  # fmt: skip
    assert deliver_alerts(archive, threshold, targets, NOW).sent == 1
    [message] = posted(feed_server)
    assert "https://b.example/1" in message["message"]
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT + "\nReporting by c staff.",
        url="https://c.example/1", source="c",
    )  # fmt: skip
    assert deliver_alerts(archive, threshold, targets, NOW).sent == 0
    assert feed_server.count("/hook") == 1


def test_tags_match_alike_from_the_environment_and_a_file(
    archive: Archive, tagger, feed_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """apprise lower-cases the tags of a configuration file ('Email' → 'email'), kaiwatch keeps
    KAIWATCH_NOTIFY's as written and compares case-sensitively: the same `to: [Email]` route
    reaches the channel of the environment and silently misses the file's."""
    feed_server.route("/env", "ok")
    feed_server.route("/file", "ok")
    config = tmp_path / "apprise.yml"
    config.write_text(
        f"urls:\n  - {hook(feed_server, '/file')}:\n      tag: Email\n", encoding="utf-8"
    )
    loaded = load_channels(
        {
            "KAIWATCH_NOTIFY": f"Email={hook(feed_server, '/env')}",
            "KAIWATCH_NOTIFY_FILE": str(config),
        }
    )
    store(archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://news.example/mou")
    settings = AlertSettings(routes=[Route(name="watch", entities=["naver"], to=["Email"])])
    deliver_alerts(archive, settings, loaded, NOW)
    assert (feed_server.count("/env"), feed_server.count("/file")) == (1, 1)


def test_an_investment_and_partnership_of_one_deal_alert_once(
    archive: Archive, tagger, feed_server
) -> None:  # type: ignore[no-untyped-def]
    """Issue 16, rule A1: one deal read as a funding and a partnership event is two event
    records (both in the archive and the digest) but one alert, the more confident one's."""
    feed_server.route("/hook", "ok")
    title = "Naver invests 50 billion won in FuriosaAI and signs AI chip partnership"
    text = (
        "Naver said on Tuesday it had invested 50 billion won in FuriosaAI, the Seoul-based AI "
        "chip start-up, in a Series C round.\n"
        "The two Korean companies also signed a partnership agreement to develop AI "
        "chips for Naver's data centres together."
    )
    store(archive, tagger, title, text, url="https://a.example/both", source="a")
    records = sorted(r[0] for r in archive.conn.execute("SELECT type FROM event_records"))
    assert records == ["funding", "partnership"]
    [(kind, confidence)] = archive.conn.execute("SELECT type, confidence FROM alerts").fetchall()
    best = archive.conn.execute("SELECT type, max(confidence) FROM events").fetchone()
    assert (kind, confidence) == best
    store(
        archive, tagger, title, text + "\nReporting by b staff.", url="https://b.example/both",
        source="b",
    )  # fmt: skip
    targets = channels(hook(feed_server))
    assert deliver_alerts(archive, FAST, targets, NOW).sent == 1
    assert deliver_alerts(archive, FAST, targets, NOW + timedelta(hours=1)).sent == 0
    [message] = posted(feed_server)
    assert message["title"].startswith(f"[{kind.capitalize()}]")
