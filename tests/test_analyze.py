"""analyze_article: the exact object `kaiwatch analyze` prints for one article."""

from __future__ import annotations

import json
from pathlib import Path

from flows.analysis.analyze import analyze_article, article_document
from flows.analysis.entities import EntityTagger
from flows.analysis.knowledge import KnowledgeBase

REPO = Path(__file__).resolve().parent.parent


def test_analyze_article_output_object(kb: KnowledgeBase, tagger: EntityTagger) -> None:
    record = {
        "id": "a1",
        "title": "Rebellions raises money",
        "text": "South Korean AI chip start-up Rebellions raised 5.2 billion won ($3.6 million) "
        "from KT. Rebellions will build NPUs for AI data centres with KT.",
        "url": "https://example.com/a1",
        "published": "2026-01-02",
    }
    result = analyze_article(record, tagger=tagger, kb=kb)
    assert list(result) == ["id", "lang", "about_korean_ai", "entities", "money", "events"]
    assert result["id"] == "a1"
    assert result["lang"] == "en"
    assert result["about_korean_ai"] is True
    assert result["entities"] == [
        {"id": "rebellions", "name": "Rebellions", "type": "company", "count": 3, "known": True},
        {"id": "kt", "name": "KT", "type": "company", "count": 2, "known": True},
    ]
    assert result["money"] == [
        {
            "text": "5.2 billion won ($3.6 million)",
            "currency": "KRW",
            "value": 5_200_000_000,
            "krw": 5_200_000_000,
            "usd": 3_600_000,
        }
    ]
    json.dumps(result)  # one JSON object per input line


def test_analyze_article_korean_and_given_lang(kb: KnowledgeBase, tagger: EntityTagger) -> None:
    record = {"id": 7, "title": "", "text": "네이버가 업스테이지와 AI 협력을 한다. 300억원 규모다."}
    result = analyze_article(record, tagger=tagger, kb=kb)
    assert result["lang"] == "ko"
    assert [row["id"] for row in result["entities"]] == ["naver", "upstage"]
    assert [row["text"] for row in result["money"]] == ["300억원"]
    forced = analyze_article({**record, "lang": "en"}, tagger=tagger, kb=kb)
    assert forced["lang"] == "en"


def test_analyze_article_not_about_korean_ai(kb: KnowledgeBase, tagger: EntityTagger) -> None:
    record = {"id": "x", "title": "Weather", "text": "Rain is expected across Europe this week."}
    result = analyze_article(record, tagger=tagger, kb=kb)
    assert result == {
        "id": "x",
        "lang": "en",
        "about_korean_ai": False,
        "entities": [],
        "money": [],
        "events": [],
    }


def test_article_document_does_not_repeat_the_headline() -> None:
    assert article_document("Kakao news", "Kakao news\nKakao said.") == "Kakao news\nKakao said."
    assert article_document("Kakao news", "Kakao said.") == "Kakao news\nKakao said."
    assert article_document("", "text") == "text"
    assert article_document("title", "") == "title"


def test_analyze_article_reports_events_with_their_evidence(
    kb: KnowledgeBase, tagger: EntityTagger
) -> None:
    record = {
        "id": "e1",
        "title": "네이버클라우드, 서울대병원과 의료 AI 업무협약 체결",
        "text": "네이버클라우드가 서울대병원과 의료 인공지능 공동개발을 위한 업무협약을 체결했다고 2일 밝혔다.",
    }
    events = analyze_article(record, tagger=tagger, kb=kb)["events"]
    assert [event["type"] for event in events] == ["partnership"]
    # parties gain their roles; a party the knowledge base lacks keeps its stable id
    assert events[0]["parties"] == [
        {"id": "naver-cloud", "name": "Naver Cloud", "role": "signatory"},
        {"id": "unk:서울대병원", "name": "서울대병원", "role": "signatory"},
    ]
    assert "업무협약" in events[0]["evidence"]
    assert set(events[0]) == {
        "type",
        "subtype",
        "parties",
        "amounts",
        "round",
        "evidence",
        "confidence",
        "trigger",
        "reasons",
    }


def test_analyze_lists_names_the_knowledge_base_lacks(
    kb: KnowledgeBase, tagger: EntityTagger
) -> None:
    record = {
        "id": "u1",
        "title": "Moara Robotics raises $12 million",
        "text": "Moara Robotics, a Seoul-based startup, said on Monday it raised $12 million in a "
        "Series A round led by Kakao Ventures, according to Reuters.",
        "published": "2026-03-02",
    }
    result = analyze_article(record, tagger=tagger, kb=kb)
    unknown = [row for row in result["entities"] if not row["known"]]
    assert {"id": "unk:moara-robotics", "name": "Moara Robotics", "type": "org", "count": 2,
            "known": False} in unknown  # fmt: skip
    [event] = result["events"]
    assert "Reuters" not in {p["name"] for p in event["parties"]}  # the source is no party
    assert event["parties"][0] == {
        "id": "unk:moara-robotics", "name": "Moara Robotics", "role": "recipient"
    }  # fmt: skip
