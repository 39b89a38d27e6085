"""The entity tagger on the shipped knowledge base: boundaries, ambiguity, Korean, seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flows.analysis.entities import EntityTagger, Mention, count_entities, find_candidates
from flows.analysis.knowledge import Entity, KnowledgeBase

REPO = Path(__file__).resolve().parent.parent
CASES = sorted((REPO / "tests" / "fixtures" / "entities").glob("*.jsonl"))


def ids(tagger: EntityTagger, text: str) -> list[str]:
    return [mention.entity_id for mention in tagger.tag(text)]


def test_tag_longest_match_wins(tagger: EntityTagger) -> None:
    assert ids(tagger, "Naver Cloud and Naver") == ["naver-cloud", "naver"]
    assert ids(tagger, "Hyundai Motor Group, Hyundai Motor and Hyundai Mobis") == [
        "hyundai-motor-group",
        "hyundai-motor",
        "hyundai-mobis",
    ]
    assert ids(tagger, "네이버클라우드와 네이버") == ["naver-cloud", "naver"]


def test_tag_offsets_point_into_the_original_text(tagger: EntityTagger) -> None:
    text = "Samsung\u2019s partner \u2014 SK\u00a0hynix \u2014 said 삼성전자는 good"
    mentions = tagger.tag(text)
    assert [(m.entity_id, m.surface) for m in mentions] == [
        ("samsung-electronics", "Samsung"),
        ("sk-hynix", "SK\u00a0hynix"),
        ("samsung-electronics", "삼성전자"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in mentions)
    # "İ" grows when lower-cased; offsets must not shift.
    grown = "İİ Samsung Electronics"
    assert [(m.start, m.end) for m in tagger.tag(grown)] == [(3, 22)]


def test_tag_returns_mentions(tagger: EntityTagger) -> None:
    assert tagger.tag("Upstage raised money") == [Mention("upstage", "Upstage", 0, 7)]
    assert tagger.tag("") == []


@pytest.mark.parametrize(
    "text",
    [
        "A meta-analysis of forty trials found gains; Meta-analysis methods were checked.",
        "The robot arm lifts 20 kg and the arm of the chair broke.",
        "Country codes: SK for Slovakia. The brand SK-II sponsored a fair.",
        "Operators will scale AI spending next year.",
        "Officials want an open AI ecosystem.",
        "The Korean air defense command tested radar.",
        "The referee will toss a coin. Toss rules apply.",
        "naver.com and press@kakao.com carry the statement",
        "유엔은 기아 문제를 줄이는 사업을 시작했다.",
        "세터는 토스 훈련을 반복했다.",
        "바르셀로나에서 가우디 건축 전시가 열렸다.",
        "Mit über 1.000 Ausstellern rechnet die Messe.",
        "Pakistan's National Assembly resumed after its recess.",
    ],
)
def test_tag_ambiguous_names_need_case_and_context(tagger: EntityTagger, text: str) -> None:
    assert ids(tagger, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meta CEO Mark Zuckerberg visited Seoul.", ["meta", "mark-zuckerberg"]),
        ("Arm, the chip designer SoftBank owns, met Samsung.", ["arm", "softbank-group", "samsung-electronics"]),
        ("KT said the telecom unit would grow.", ["kt"]),
        ("KT는 팔란티어와 손잡았다.", ["kt", "palantir"]),
        ("Scale AI signed a deal.", ["scale-ai"]),
        ("Open AI revealed GPT-3.", ["openai", "gpt"]),
        ("핀테크 기업 토스가 AI 상담원을 도입했다.", ["toss"]),
        ("인텔 가우디 가속기", ["intel", "gaudi"]),
        ("Korean Air, the airline, adopts AI.", ["korean-air"]),
    ],
)  # fmt: skip
def test_tag_ambiguous_names_with_context(
    tagger: EntityTagger, text: str, expected: list[str]
) -> None:
    assert ids(tagger, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("네이버가 발표했다", "naver"),
        ("카카오와 협력한다", "kakao"),
        ("삼성전자는 밝혔다", "samsung-electronics"),
        ("삼성전자와의 협력", "samsung-electronics"),
        ("LG유플러스도 참여한다", "lg-uplus"),
        ("루닛이 투자를 받았다", "lunit"),
        ("업스테이지에서는 말했다", "upstage"),
        ("리벨리온으로 합병됐다", "rebellions"),
        ("오픈AI의 모델", "openai"),
        ("과기정통부 측은 밝혔다", "msit"),
    ],
)
def test_tag_korean_name_followed_by_particles(
    tagger: EntityTagger, text: str, expected: str
) -> None:
    assert ids(tagger, text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("카카오톡에 AI 비서가 들어간다", ["kakaotalk"]),  # KakaoTalk, not Kakao
        ("카카오게임즈가 게임을 냈다", []),
        ("서울 삼성동 코엑스에서", []),
        ("모바일 애플리케이션과 메타버스", []),
        ("KT스카이라이프가 요금제를 바꿨다", []),
        ("비네이버 계열", []),  # a name at the end of a longer word
        ("한국마이크로소프트가 행사를 열었다", ["microsoft"]),  # Korean subsidiary prefix
    ],
)
def test_tag_korean_name_inside_a_longer_word(
    tagger: EntityTagger, text: str, expected: list[str]
) -> None:
    assert ids(tagger, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Yoon Suk Yeol",
        "Yoon Suk-yeol",
        "Yoon Seok-yue",
        "Yin Xiyue",
        "Suk-yeol Yoon",
        "윤석열 대통령은",
    ],
)
def test_tag_romanisations_are_one_person(tagger: EntityTagger, text: str) -> None:
    assert ids(tagger, text) == ["yoon-suk-yeol"]


@pytest.mark.parametrize(
    "text", ["Lee Jae-myung", "Lee Jae Myung", "LEE JAE-MYUNG", "Jae-myung Lee", "이재명과"]
)
def test_tag_person_spellings(tagger: EntityTagger, text: str) -> None:
    assert ids(tagger, text) == ["lee-jae-myung"]


def test_tag_group_shorthand_is_the_one_member_named(tagger: EntityTagger) -> None:
    member = "LG Electronics showed a robot. LG said it runs on the device."
    assert ids(tagger, member) == ["lg-electronics", "lg-electronics"]
    group = "LG Uplus and LG CNS will share a platform, LG said."
    assert ids(tagger, group) == ["lg-uplus", "lg-cns", "lg-group"]
    assert ids(tagger, "SK said Chey Tae-won would attend.") == ["sk-group", "chey-tae-won"]
    # "SK ICT" is a name the knowledge base lacks, not SK Group.
    assert ids(tagger, "SK텔레콤 등 SK ICT 패밀리가 투자했다.") == ["sk-telecom"]


def test_tag_skips_credits_and_bylines(tagger: EntityTagger) -> None:
    text = "[서울=뉴시스] 루닛이 AI를 공개했다. (사진=연합뉴스) [이데일리 홍길동 기자] 끝."
    assert ids(tagger, text) == ["lunit"]


def test_count_entities_most_mentioned_first(tagger: EntityTagger) -> None:
    mentions = tagger.tag("Kakao and Naver. Naver again, and 네이버는 too.")
    assert count_entities(mentions) == {"naver": 3, "kakao": 1}
    assert list(count_entities(mentions)) == ["naver", "kakao"]


def test_lookup_finds_every_spelling(tagger: EntityTagger) -> None:
    assert tagger.lookup("Euisun Chung") == "chung-euisun"
    assert tagger.lookup("sk hynix") == "sk-hynix"
    assert tagger.lookup("네이버 클라우드") == "naver-cloud"
    assert tagger.lookup("Nobody Inc") is None


def test_tagger_on_a_small_knowledge_base() -> None:
    kb = KnowledgeBase(
        entities=(
            Entity(id="acme", name="Acme Group", type="company", aliases_en=("Acme",),
                   shorthand=("Acme",), context=("conglomerate",)),
            Entity(id="acme-ai", name="Acme AI", type="company", parent="acme"),
            Entity(id="acme-bank", name="Acme Bank", type="company", parent="acme"),
        )
    )  # fmt: skip
    tagger = EntityTagger(kb)
    assert ids(tagger, "Acme AI grew. Acme said so.") == ["acme-ai", "acme-ai"]
    assert ids(tagger, "Acme AI and Acme Bank. Acme said so.") == [
        "acme-ai",
        "acme-bank",
        "acme",
    ]
    assert ids(tagger, "Acme said so.") == []  # no member, no context
    assert ids(tagger, "The conglomerate Acme said so.") == ["acme"]


@pytest.mark.parametrize("path", CASES, ids=lambda path: path.name)
def test_tag_own_cases(tagger: EntityTagger, path: Path) -> None:
    """Every case written for kaiwatch is tagged exactly as labelled (tests/fixtures/entities)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        gold = {tagger.lookup(name) for name in case["entities"]}
        assert None not in gold, case["id"]
        found = set(ids(tagger, f"{case['title']}\n{case['text']}"))
        assert found == gold, case["id"]


def test_tag_seeds_find_every_must_mention(shared_dir: Path, tagger: EntityTagger) -> None:
    corpus = shared_dir / "corpus"
    gold = yaml.safe_load((corpus / "seeds-gold.yaml").read_text(encoding="utf-8"))
    for name, labels in gold.items():
        text = (corpus / "seeds" / name).read_text(encoding="utf-8")
        found = count_entities(tagger.tag(text))
        for entity_name in labels.get("must_mention", []):
            entity_id = tagger.lookup(entity_name)
            assert entity_id is not None, entity_name
            assert entity_id in found, f"{name}: {entity_name}"


def test_tag_seed_003_president_under_one_id(shared_dir: Path, tagger: EntityTagger) -> None:
    text = (shared_dir / "corpus" / "seeds" / "003_429c415f1a14590d.txt").read_text("utf-8")
    surfaces = {m.surface for m in tagger.tag(text) if m.entity_id == "yoon-suk-yeol"}
    assert surfaces == {"Yoon Seok-yue", "Yin Xiyue"}


def test_find_candidates_lists_unknown_organisations(kb: KnowledgeBase) -> None:
    texts = [
        "Acme Robotics Inc. signed with Samsung Electronics Co. on Monday.",
        "Investors backed Acme Robotics Inc. and Bluebird Ventures.",
        "(주)가나다테크가 투자를 받았다. 라마바벤처스도 참여했다.",
        "주식회사 가나다테크는 라마바벤처스와 협력한다.",
        "Bluebird Ventures closed a fund. Once Only Labs was there.",
    ]
    candidates = dict(find_candidates(texts, kb))
    assert candidates == {
        "Acme Robotics": 2,
        "Bluebird Ventures": 2,
        "가나다테크": 2,
        "라마바벤처스": 2,
    }
    assert find_candidates(texts, kb, min_count=1, limit=1)[0][1] == 2
