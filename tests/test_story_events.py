"""Stories linked by events: one deal reported in Korean and in English is one story.

Real SQLite archives, the shipped tagger and the real event detector. The
article texts are written for these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.analysis.dedup import content_hash
from flows.analysis.enrich import enrich_article
from flows.analysis.entities import EntityTagger
from flows.core.models import ArticleRecord, EntryOutcome
from flows.pipeline.persist import plan_records, save_outcomes
from flows.pipeline.reindex import reindex_archive
from storage.archive import Archive
from storage.entities import sync_entities
from storage.stories import StoryAssignment

DAY = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)

KO_ROUND = (
    "업스테이지, 1000억원 규모 시리즈B 투자 유치",
    "인공지능(AI) 스타트업 업스테이지가 1000억원 규모의 시리즈B 투자를 유치했다고 2일 밝혔다. "
    "이번 투자금은 거대언어모델 솔라의 고도화와 해외 영업 조직 확대에 쓰일 예정이다. "
    "회사는 올해 일본과 미국 시장에서 기업 고객을 늘리는 데 집중할 계획이다.",
    "ko",
)
EN_ROUND = (  # the same round: 100 billion won is $69.4 million
    "Upstage gets new backers",
    "Upstage raised $69.4 million in a Series B round, the company said on Tuesday. "
    "The Seoul startup builds the Solar family of language models for companies. "
    "Its chief executive said the money would pay for research staff and sales offices abroad.",
    "en",
)
EN_OTHER_ROUND = (
    "Upstage gets a smaller cheque",
    "Upstage said on Wednesday it had secured $20 million in funding. "
    "The company plans to spend the money on graphics processors for training. "
    "It did not say who the investors were or what the company is now worth.",
    "en",
)
KO_BUDGET = (
    "정부, AI 반도체에 1조원",
    "정부가 인공지능(AI) 반도체 연구개발 예산으로 1조원을 편성했다. "
    "과학기술정보통신부는 내년부터 5년 동안 국산 신경망처리장치 개발을 지원한다고 설명했다. "
    "업계는 예산이 실제 수요로 이어질지 지켜보고 있다.",
    "ko",
)
EN_OTHER_BUDGET = (
    "Seoul sets aside money for AI computing centres",
    "The South Korean government allocated 500 billion won for public AI computing centres. "
    "Officials said the centres would open to universities and startups from next year. "
    "Critics asked whether the power grid near the planned sites could cope.",
    "en",
)
EN_SAME_BUDGET = (
    "Korea bets on home-grown AI chips",
    "The South Korean government allocated 1 trillion won for research on AI semiconductors. "
    "The science ministry said the money would support domestic neural processing units. "
    "Chip designers welcomed the plan but asked for public buyers as well.",
    "en",
)
KO_MOU = (
    "KT·마이크로소프트, AI 클라우드 협력",
    "KT가 마이크로소프트와 인공지능(AI) 클라우드 사업 협력을 위한 업무협약을 체결했다고 3일 밝혔다. "
    "두 회사는 공공기관과 금융사를 위한 보안 클라우드 서비스를 함께 개발한다. "
    "KT는 연내 첫 공동 상품을 출시할 계획이다.",
    "ko",
)
EN_MOU = (
    "KT teams up with Microsoft",
    "KT signed a partnership agreement with Microsoft on Monday to offer secure cloud "
    "services to banks and public agencies. "
    "The Korean carrier expects the first joint product before the end of the year. "
    "Neither company disclosed the value of the deal.",
    "en",
)
EN_ROUNDUP = (  # the Upstage round and a deal of another company
    "Week in Korean AI money",
    "Upstage raised $69.4 million in a Series B round this week. "
    "Rebellions raised $250 million in a Series C round led by a Saudi fund. "
    "Both companies said they would hire engineers in Seoul.",
    "en",
)

Article = tuple[str, str, str]


@pytest.fixture
def archive(tmp_path: Path, tagger: EntityTagger) -> Iterator[Archive]:
    with Archive(tmp_path / "stories.db") as db:
        with db.write() as conn:
            sync_entities(conn, tagger.kb)
        yield db


def _record(article: Article, published: datetime, tagger: EntityTagger) -> ArticleRecord:
    title, text, lang = article
    url = f"https://news.example/{content_hash(text)[:12]}"
    record = ArticleRecord(
        canonical_url=url, url=url, title=title, text=text, content_hash=content_hash(text),
        source=f"outlet-{lang}", fetched_at=published, lang=lang, published=published,
    )  # fmt: skip
    return enrich_article(record, tagger)


def _save(
    archive: Archive, tagger: EntityTagger, *articles: tuple[Article, datetime]
) -> list[tuple[int, int | None, float | None]]:
    """Archive the articles in order; each one's (story id, duplicate_of, similarity)."""
    outcomes = []
    for article, published in articles:
        record = _record(article, published, tagger)
        assert record.events, f"the detector finds no event in {article[0]!r}"
        outcomes.append(
            EntryOutcome(key=record.url, status="archived", title=record.title, article=record)
        )
    counts = save_outcomes(archive, outcomes, feed_id=None, run_id=None)
    assert counts.new == len(articles)
    return [
        archive.conn.execute(
            "SELECT story_id, duplicate_of, similarity FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        for article_id in counts.new_article_ids
    ]


def test_a_korean_and_an_english_report_of_one_round_are_one_story(
    archive: Archive, tagger: EntityTagger
) -> None:
    (ko_story, _, _), (en_story, en_copy_of, en_similarity) = _save(
        archive, tagger, (KO_ROUND, DAY), (EN_ROUND, DAY + timedelta(hours=20))
    )

    ko_id = archive.conn.execute("SELECT first_article_id FROM stories").fetchone()[0]
    assert en_story == ko_story
    assert (en_copy_of, en_similarity) == (ko_id, None)  # linked by events, not by text
    size, first_seen, last_seen = archive.conn.execute(
        "SELECT size, first_seen, last_seen FROM stories WHERE id = ?", [ko_story]
    ).fetchone()
    assert size == 2 and first_seen < last_seen
    assert archive.conn.execute("SELECT count(*) FROM stories").fetchone()[0] == 1


def test_the_same_company_with_another_amount_is_another_story(
    archive: Archive, tagger: EntityTagger
) -> None:
    (first, _, _), (second, copy_of, _) = _save(
        archive, tagger, (KO_ROUND, DAY), (EN_OTHER_ROUND, DAY + timedelta(days=1))
    )
    assert first != second and copy_of is None


def test_the_same_deal_ten_days_apart_is_another_story(
    archive: Archive, tagger: EntityTagger
) -> None:
    (first, _, _), (second, copy_of, _) = _save(
        archive, tagger, (KO_ROUND, DAY), (EN_ROUND, DAY + timedelta(days=10))
    )
    assert first != second and copy_of is None


def test_two_government_budgets_with_different_amounts_are_two_stories(
    archive: Archive, tagger: EntityTagger
) -> None:
    (first, _, _), (second, copy_of, _) = _save(
        archive, tagger, (KO_BUDGET, DAY), (EN_OTHER_BUDGET, DAY + timedelta(hours=3))
    )
    assert first != second and copy_of is None


def test_one_government_budget_in_two_languages_is_one_story(
    archive: Archive, tagger: EntityTagger
) -> None:
    (first, _, _), (second, copy_of, similarity) = _save(
        archive, tagger, (KO_BUDGET, DAY), (EN_SAME_BUDGET, DAY + timedelta(hours=3))
    )
    assert first == second and copy_of is not None and similarity is None


def test_a_partnership_in_korean_and_english_is_one_story(
    archive: Archive, tagger: EntityTagger
) -> None:
    (ko_story, _, _), (en_story, copy_of, similarity) = _save(
        archive, tagger, (EN_MOU, DAY), (KO_MOU, DAY - timedelta(days=2))
    )
    assert en_story == ko_story  # the window looks back and forward
    assert copy_of is not None and similarity is None


def test_a_roundup_of_two_deals_joins_neither(archive: Archive, tagger: EntityTagger) -> None:
    roundup = _record(EN_ROUNDUP, DAY, tagger)
    assert len({event.parties for event in roundup.events}) == 2
    (upstage, _, _), (story, copy_of, _) = _save(
        archive, tagger, (KO_ROUND, DAY), (EN_ROUNDUP, DAY + timedelta(hours=2))
    )
    assert story != upstage and copy_of is None


def test_the_assignment_says_how_it_was_linked() -> None:
    assert StoryAssignment(3, duplicate_of=7, similarity=None).by_event
    assert not StoryAssignment(3, duplicate_of=7, similarity=0.82).by_event
    assert not StoryAssignment(3).by_event


def test_the_lookup_reads_indexes_only(archive: Archive, tagger: EntityTagger) -> None:
    _save(archive, tagger, (KO_ROUND, DAY))
    statements: list[str] = []
    archive.conn.set_trace_callback(statements.append)
    try:
        plan = plan_records(
            archive.conn, 0, _record(EN_ROUND, DAY, tagger), DAY.isoformat(timespec="seconds")
        )
    finally:
        archive.conn.set_trace_callback(None)
    assert [filing.rule for _, filing in plan.filings] == ["F4.recipient_amount"]
    lookup = next(s for s in statements if "JOIN events" in s)
    plan_text = " | ".join(
        row[-1] for row in archive.conn.execute(f"EXPLAIN QUERY PLAN {lookup}").fetchall()
    )
    assert "event_records_window" in plan_text and "events_record" in plan_text
    assert "SCAN r" not in plan_text and "SCAN e" not in plan_text


def test_reindex_links_the_same_articles(archive: Archive, tagger: EntityTagger) -> None:
    _save(
        archive,
        tagger,
        (KO_ROUND, DAY),
        (KO_MOU, DAY),
        (EN_ROUND, DAY + timedelta(hours=5)),
        (EN_MOU, DAY + timedelta(days=1)),
    )
    query = "SELECT id, story_id, duplicate_of, similarity FROM articles ORDER BY id"
    before = archive.conn.execute(query).fetchall()
    assert len({row[1] for row in before}) == 2

    reindex_archive(archive, tagger.kb)

    assert archive.conn.execute(query).fetchall() == before
