"""The digest: one message per period, grouped by type, largest first, each story once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from flows.app.digest import digest_window, send_digest
from flows.pipeline.config import SourcesFile
from helpers import (
    FUNDING_TEXT,
    FUNDING_TITLE,
    KOREAN_TEXT,
    KOREAN_TITLE,
    NOW,
    PARTNER_TEXT,
    PARTNER_TITLE,
    hook,
    store,
)
from storage.archive import Archive

NEXT_MORNING = NOW + timedelta(days=1)  # 2026-11-25 10:00 in Seoul


def config(**alerts: object) -> SourcesFile:
    return SourcesFile.model_validate({"sources": [], "alerts": alerts})


@pytest.fixture
def three_stories(archive: Archive, tagger) -> Archive:  # type: ignore[no-untyped-def]
    store(archive, tagger, FUNDING_TITLE, FUNDING_TEXT, url="https://a.example/1", source="a")
    store(
        archive, tagger, FUNDING_TITLE, FUNDING_TEXT + "\nReporting by b staff.",
        url="https://b.example/1", source="b",
    )  # fmt: skip
    store(archive, tagger, KOREAN_TITLE, KOREAN_TEXT, url="https://ko.example/1", lang="ko")
    store(archive, tagger, PARTNER_TITLE, PARTNER_TEXT, url="https://a.example/2", source="a")
    return archive


def test_daily_window_is_the_last_day_in_seoul() -> None:
    assert digest_window("daily", NEXT_MORNING, "Asia/Seoul") == (
        "2026-11-23T15:00:00+00:00",
        "2026-11-24T15:00:00+00:00",
    )
    # Wednesday 25 November: the last full week is Monday 16 to Monday 23.
    assert digest_window("weekly", NEXT_MORNING, "Asia/Seoul") == (
        "2026-11-15T15:00:00+00:00",
        "2026-11-22T15:00:00+00:00",
    )


def test_daily_digest_by_email_once(
    three_stories: Archive, smtp_inbox, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KAIWATCH_NOTIFY", smtp_inbox.url())

    counts = send_digest(three_stories, config(), now=NEXT_MORNING)
    assert (counts.sent, counts.failed) == (1, 0)

    [mail] = smtp_inbox.messages
    assert mail["Subject"] == "kaiwatch daily digest, 2026-11-24: 3 events"
    page = mail.get_body(("html",)).get_content()
    funding, partnership = page.index("Funding (2)"), page.index("Partnership (1)")
    korean, english = page.index("800억원"), page.index("70 billion won")
    assert funding < korean < english < partnership  # largest amount first
    assert page.count("<li>") == 3  # three stories: the wire copy is counted, not listed
    assert "(+1 outlets)" in page
    assert '<a href="https://a.example/2">Samsung and Naver sign AI chip MOU</a>' in page

    again = send_digest(three_stories, config(), now=NEXT_MORNING + timedelta(hours=3))
    assert again.sent == 0
    assert len(smtp_inbox.messages) == 1


def test_digest_text_for_chat_and_its_tags(
    three_stories: Archive, feed_server, smtp_inbox, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    feed_server.route("/chat", "ok")
    chat = hook(feed_server, "/chat", format="markdown")
    monkeypatch.setenv("KAIWATCH_NOTIFY", f"team={chat} alerts-only={smtp_inbox.url()}")

    counts = send_digest(three_stories, config(digest={"to": ["team"]}), now=NEXT_MORNING)
    assert counts.sent == 1
    [hit] = feed_server.hits("/chat")
    body = json.loads(hit.body)["message"]
    assert body.splitlines()[0] == "Funding (2)"
    assert "• FuriosaAI raises 800억원 ($55.5 m), Series D" in body
    assert "<html" not in body
    assert smtp_inbox.messages == []  # not tagged for the digest


def test_empty_period_still_says_so(archive: Archive, smtp_inbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KAIWATCH_NOTIFY", smtp_inbox.url())
    assert send_digest(archive, config(), period="weekly", now=NEXT_MORNING).sent == 1
    [mail] = smtp_inbox.messages
    assert mail["Subject"] == "kaiwatch weekly digest, 2026-11-16 to 2026-11-22: 0 events"
    assert "No partnership or funding events" in mail.get_body(("plain",)).get_content()


def test_no_digest_channel_is_reported(archive: Archive) -> None:
    assert send_digest(archive, config(), now=NEXT_MORNING).waiting == 1


def test_digest_settings_validate(tmp_path: Path) -> None:
    from flows.core.errors import ConfigError
    from flows.pipeline.config import load_sources

    path = tmp_path / "sources.yaml"
    path.write_text("alerts:\n  digest:\n    period: hourly\nsources: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="period"):
        load_sources(path)


def test_weekly_digest_embeds_the_funding_chart(
    three_stories: Archive, smtp_inbox, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import re
    import xml.etree.ElementTree as ET

    monkeypatch.setenv("KAIWATCH_NOTIFY", smtp_inbox.url())
    tuesday = NOW + timedelta(days=7)  # the week of Monday 23 November, in Seoul
    assert send_digest(three_stories, config(), period="weekly", now=tuesday).sent == 1

    page = smtp_inbox.messages[0].get_body(("html",)).get_content()
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", page, re.DOTALL).group(0))
    bars = {
        (rect.get("data-month"), rect.get("data-series"), rect.get("data-value"))
        for rect in svg.iter("{http://www.w3.org/2000/svg}rect")
        if "bar" in rect.get("class", "")
    }
    # Two funding stories in November (the wire copy counted once): a Series C bridge, a Series D.
    assert bars == {("2026-11", "Series C bridge", "1"), ("2026-11", "Series D", "1")}
    months = [
        t.text for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "month"
    ]
    assert months == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


def _partnership(*names: str, subtype: str = "agreement"):  # type: ignore[no-untyped-def]
    from storage.alerts import EventView

    return EventView(
        alert_id=None, type="partnership", subtype=subtype, parties=[f"unk:{n}" for n in names],
        party_names=list(names), amounts=[], amount_krw=None, round=None, evidence="",
        confidence=0.9, article_id=1, title="", url="", outlet="", published=None,
        story_id=None, outlets=1, mentioned=[], roles=["signatory"] * len(names),
    )  # fmt: skip


def test_a_headline_with_one_party_reads_in_the_singular() -> None:
    from flows.notify.messages import headline

    # The other signatory was a generic noun (대학병원), which is never a party.
    assert headline(_partnership("Naver Cloud")) == "Naver Cloud signs an agreement"
    assert headline(_partnership("KT", subtype="")) == "KT partners"
    assert headline(_partnership("KT", "Upstage")) == "KT and Upstage sign an agreement"
