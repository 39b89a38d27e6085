"""Open-vocabulary names: organisations and people whether entities.yaml lists them or not."""

from __future__ import annotations

import pytest

from flows.analysis.entities import EntityTagger
from flows.analysis.events import EventDetector
from flows.analysis.knowledge import KnowledgeBase
from flows.analysis.names import NameFinder, normalise, strip_particles, unknown_id


@pytest.fixture(scope="module")
def finder(kb: KnowledgeBase, tagger: EntityTagger) -> NameFinder:
    return NameFinder(kb, tagger)


def _names(finder: NameFinder, text: str, lang: str = "en", title: str = "") -> dict[str, str]:
    """surface -> type of the names the knowledge base lacks."""
    return {n.surface: n.type for n in finder.find(text, title, lang=lang) if not n.known}


def test_unknown_english_organisations_and_people(finder: NameFinder) -> None:
    text = (
        "Taewang DND signed an agreement with Sacheon City on Monday. Skild AI, a Pittsburgh "
        "startup, raised money from Lightspeed Venture Partners, CEO Deepak Pathak said."
    )
    found = _names(finder, text)
    assert found.get("Taewang DND") == "org"
    assert found.get("Skild AI") == "org"
    assert found.get("Deepak Pathak") == "person"


def test_outlets_places_and_common_words_are_not_organisations(finder: NameFinder) -> None:
    text = (
        "SEOUL, Oct. 2 (Yonhap) -- The Seoul-based AI chip start-up said it will build NPUs for AI "
        "data centres in Busan, according to The Korea Herald."
    )
    orgs = {s for s, t in _names(finder, text).items() if t == "org"}
    assert not orgs & {"Seoul-based AI", "Korean AI", "NPUs for AI", "Busan", "Korea Herald"}, orgs


def test_korean_unknown_names_with_particles_stripped(finder: NameFinder) -> None:
    text = "AI 스타트업 모아라로보틱스가 시리즈A 투자를 유치했다. ㈜대왕디앤디는 사천시와 협약을 맺었다."
    found = _names(finder, text, lang="ko")
    assert "모아라로보틱스" in found and "대왕디앤디" in found
    assert not {"스타트업", "대학병원", "공공기관"} & set(found)


def test_korean_generic_nouns_are_never_names(finder: NameFinder) -> None:
    text = "통신사들과 공공기관, 대학병원이 AI 도입에 나섰다."
    assert _names(finder, text, lang="ko") == {}


def test_unknown_ids_are_stable_across_spellings() -> None:
    assert unknown_id("Taewang DND") == unknown_id("Taewang DND Inc.") == "unk:taewang-dnd"
    assert unknown_id("㈜대왕디앤디") == unknown_id("대왕디앤디") == "unk:대왕디앤디"
    assert normalise("The Alan Turing Institute") == "alan turing institute"


def test_strip_particles_keeps_two_characters() -> None:
    assert strip_particles("네이버가") == "네이버"
    assert strip_particles("삼성전자와의") == "삼성전자"
    assert strip_particles("KT는") == "KT"
    assert strip_particles("가은") == "가은"  # would leave one character


def test_kiwipiepy_adds_korean_names_only_when_asked(tagger: EntityTagger) -> None:
    # settings.korean_names: kiwipiepy; names only, so the events and their scores are the same.
    title = "두리안랩, 시드 투자 유치"
    text = "인공지능 스타트업 두리안랩이 시드 투자를 유치했다고 3일 밝혔다. 이번 투자는 가온파트너스가 주도했다."
    plain = EventDetector(tagger).analyse(title, text, lang="ko")
    kiwi = EventDetector(tagger, korean_names=True).analyse(title, text, lang="ko")
    assert [e.confidence for e in kiwi.events] == [e.confidence for e in plain.events]
    assert [e.parties for e in kiwi.events] == [e.parties for e in plain.events]
    assert {u.id for u in plain.unknown} <= {u.id for u in kiwi.unknown}
    assert "unk:두리안랩" in {u.id for u in kiwi.unknown}
