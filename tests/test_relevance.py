"""Tests for flows.analysis.relevance: is an article about the Korean AI industry?"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flows.analysis.relevance import assess_relevance, is_about_korean_ai

# Hand-written cases: (title, text, expected). The negatives are the two kinds the
# rule must tell apart from Korean AI news: Korean non-AI stories and foreign AI stories.
CASES = [
    pytest.param(
        "현대차, 지난달 전기차 3만대 판매",
        "현대자동차는 지난달 국내외 시장에서 전기차 3만 대를 판매했다고 1일 밝혔다. 국내 판매는"
        " 전년 같은 달보다 12% 늘었고, 해외 판매는 유럽과 북미에서 고르게 증가했다. 회사는 하반기"
        " 신차 두 종을 추가로 출시할 계획이다.",
        False,
        id="ko-korean-non-ai",
    ),
    pytest.param(
        "Korean Air adds weekly flights from Seoul to Lisbon",
        "Korean Air said on Monday it would add three weekly flights between Seoul and Lisbon"
        " from March, citing strong demand from tourists. The carrier, which completed its"
        " merger with Asiana last year, will use Boeing 787 jets on the route.",
        False,
        id="en-korean-non-ai",
    ),
    pytest.param(
        "Mistral AI raises €600 million in new funding round",
        "Paris-based Mistral AI has raised €600 million in a round led by General Catalyst,"
        " valuing the artificial intelligence start-up at about €6 billion. The company, which"
        " builds large language models, plans to expand in Europe and the United States.",
        False,
        id="en-foreign-ai",
    ),
    pytest.param(
        "오픈AI, 美 텍사스에 초대형 AI 데이터센터 착공",
        "오픈AI가 미국 텍사스주 애빌린에서 초대형 인공지능(AI) 데이터센터 공사를 시작했다고"
        " 21일(현지시간) 밝혔다. 오픈AI는 마이크로소프트, 오라클과 함께 5000억 달러(약 700조 원)"
        " 규모의 스타게이트 프로젝트를 추진하고 있다. 샘 올트먼 최고경영자(CEO)는 생성형 AI"
        " 수요가 빠르게 늘고 있다고 말했다.",
        False,
        id="ko-foreign-ai",
    ),
    pytest.param(
        "North Korean hackers use AI to pose as IT workers",
        "North Korean operatives are using generative AI tools to fake résumés and pass job"
        " interviews at Western technology companies, researchers said. The schemes send"
        " salaries back to Pyongyang, according to the report on AI-enabled fraud.",
        False,
        id="en-north-korea-ai",
    ),
    pytest.param(
        "AI 스타트업 A사, 50억 원 규모 시리즈A 투자 유치",
        "생성형 인공지능(AI) 스타트업 A사가 50억 원 규모의 시리즈A 투자를 유치했다고 3일 밝혔다."
        " 이번 투자에는 벤처캐피털 세 곳이 참여했다. 회사는 투자금을 AI 모델 고도화와 인재 채용에"
        " 쓸 계획이다.",
        True,
        id="ko-small-startup",
    ),
    pytest.param(
        "Samsung, Naver team up on on-device AI chips",
        "Samsung Electronics and Naver agreed to jointly develop semiconductors for"
        " artificial intelligence, combining Samsung's memory with Naver's HyperCLOVA X model.",
        True,
        id="en-korean-ai",
    ),
    pytest.param(
        "",
        "Seoul's science ministry will spend 1.02 trillion won on AI chip research over five"
        " years, the ministry said, as it tries to make the country an AI powerhouse.",
        True,
        id="en-no-title",
    ),
]


@pytest.mark.parametrize(("title", "text", "expected"), CASES)
def test_is_about_korean_ai_cases(title: str, text: str, expected: bool) -> None:
    assert is_about_korean_ai(title, text) is expected


def test_assess_relevance_gives_reason() -> None:
    verdict = assess_relevance(
        "", "삼성전자가 인공지능 반도체와 생성형 AI 서비스를 공개했다.", "ko"
    )
    assert verdict.about_korean_ai
    assert verdict.korea_reason == "names '삼성'"
    assert verdict.ai_score >= 3


def test_ai_word_must_be_whole() -> None:
    text = "Korean retailer Emart said its Daiso stores in Seoul were busy. Paid staff said so."
    assert assess_relevance("Shares of Kakao rise", text).ai_score == 0


def test_news_dev_precision_and_recall(shared_dir: Path) -> None:
    path = shared_dir / "corpus" / "news-dev.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    tp = fp = fn = 0
    for record in records:
        predicted = is_about_korean_ai(record["title"], record["text"], record["lang"])
        gold = record["labels"]["about_korean_ai"]
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.97, (precision, recall)
    assert recall >= 0.95, (precision, recall)


def test_seeds_are_about_korean_ai(shared_dir: Path) -> None:
    corpus = shared_dir / "corpus"
    gold = yaml.safe_load((corpus / "seeds-gold.yaml").read_text(encoding="utf-8"))
    for name, labels in gold.items():
        text = (corpus / "seeds" / name).read_text("utf-8")
        assert is_about_korean_ai("", text) is labels["about_korean_ai"], name
