"""Entities, mentions and amounts in a real SQLite archive (storage/entities.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.analysis.dedup import content_hash
from flows.analysis.entities import EntityTagger, Mention
from flows.analysis.knowledge import Entity, KnowledgeBase
from flows.analysis.money import parse_amounts
from flows.core.errors import StorageError
from flows.core.models import ArticleRecord, EntryOutcome
from flows.pipeline.persist import save_outcomes
from storage.archive import Archive
from storage.entities import (
    article_amounts,
    article_entity_counts,
    clear_article_tags,
    entity_articles,
    save_amounts,
    save_mentions,
    sync_entities,
)

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TEXT = "Rebellions raised 5.2 billion won ($3.6 million) from KT. 리벨리온은 KT와 협력한다."


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "x.db") as db:
        yield db


def add_article(archive: Archive, key: str, text: str = TEXT) -> int:
    record = ArticleRecord(
        canonical_url=key, url=key, title="t", text=text, content_hash=content_hash(text),
        source="s", fetched_at=NOW,
    )  # fmt: skip
    counts = save_outcomes(
        archive,
        [EntryOutcome(key=key, status="archived", article=record)],
        feed_id=None,
        run_id=None,
    )
    return counts.new_article_ids[0]


def test_migration_creates_the_tables(archive: Archive) -> None:
    tables = {row[0] for row in archive.conn.execute("SELECT name FROM sqlite_master")}
    assert {"entities", "mentions", "article_entities", "amounts"} <= tables
    assert {"mentions_entity", "mentions_article"} <= tables
    applied = {row[0] for row in archive.conn.execute("SELECT name FROM _sqlite_migrations")}
    assert "m0004_entities" in applied


def test_sync_entities_writes_the_knowledge_base(archive: Archive, kb: KnowledgeBase) -> None:
    with archive.write() as conn:
        result = sync_entities(conn, kb)
    assert (result.upserted, result.removed, result.stale) == (len(kb), 0, 0)
    row = archive.conn.execute(
        "SELECT name, type, parent, country FROM entities WHERE id = 'naver-cloud'"
    ).fetchone()
    assert row == ("Naver Cloud", "company", "naver", "KR")


def test_save_mentions_and_amounts(archive: Archive, kb: KnowledgeBase) -> None:
    article_id = add_article(archive, "https://a.example/1")
    mentions = EntityTagger(kb).tag(TEXT)
    with archive.write() as conn:
        sync_entities(conn, kb)
        assert save_mentions(conn, article_id, mentions) == 4
        assert save_amounts(conn, article_id, parse_amounts(TEXT)) == 1
    assert article_entity_counts(archive.conn, article_id) == {"kt": 2, "rebellions": 2}
    assert entity_articles(archive.conn, "kt") == [article_id]
    stored = archive.conn.execute(
        'SELECT entity_id, surface, "start", "end" FROM mentions WHERE article_id = ? '
        'ORDER BY "start"',
        [article_id],
    ).fetchall()
    assert stored[0] == ("rebellions", "Rebellions", 0, 10)
    assert article_amounts(archive.conn, article_id) == [
        {
            "text": "5.2 billion won ($3.6 million)",
            "currency": "KRW",
            "value": 5.2e9,
            "krw": 5_200_000_000,
            "usd": 3_600_000,
            "sentence": "Rebellions raised 5.2 billion won ($3.6 million) from KT.",
        }
    ]


def test_save_mentions_replaces_previous_tags(archive: Archive, kb: KnowledgeBase) -> None:
    article_id = add_article(archive, "https://a.example/2")
    with archive.write() as conn:
        sync_entities(conn, kb)
        save_mentions(conn, article_id, [Mention("kt", "KT", 0, 2)] * 3)
        save_mentions(conn, article_id, [Mention("naver", "Naver", 0, 5)])
    assert article_entity_counts(archive.conn, article_id) == {"naver": 1}


def test_save_mentions_unknown_entity_is_a_storage_error(archive: Archive) -> None:
    article_id = add_article(archive, "https://a.example/3")
    with pytest.raises(StorageError, match="Fix: sync the knowledge base"), archive.write() as conn:
        save_mentions(conn, article_id, [Mention("nobody", "Nobody", 0, 6)])
    assert archive.conn.execute("SELECT count(*) FROM mentions").fetchone()[0] == 0


def test_clear_article_tags_one_or_all(archive: Archive, kb: KnowledgeBase) -> None:
    first = add_article(archive, "https://a.example/4")
    second = add_article(archive, "https://a.example/5", text=TEXT + " 끝.")
    tagger = EntityTagger(kb)
    with archive.write() as conn:
        sync_entities(conn, kb)
        for article_id in (first, second):
            save_mentions(conn, article_id, tagger.tag(TEXT))
            save_amounts(conn, article_id, parse_amounts(TEXT))
    with archive.write() as conn:
        clear_article_tags(conn, first)
    assert article_entity_counts(archive.conn, first) == {}
    assert article_amounts(archive.conn, first) == []
    assert article_entity_counts(archive.conn, second) != {}
    with archive.write() as conn:
        clear_article_tags(conn)
    for table in ("mentions", "article_entities", "amounts"):
        assert archive.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_sync_entities_keeps_dropped_entities_until_reindex(archive: Archive) -> None:
    old = KnowledgeBase(
        entities=(
            Entity(id="acme", name="Acme", type="company"),
            Entity(id="zeta", name="Zeta", type="company"),
            Entity(id="omega", name="Omega", type="company"),
        )
    )
    new = KnowledgeBase(entities=(Entity(id="acme", name="Acme Corp", type="company"),))
    article_id = add_article(archive, "https://a.example/6")
    with archive.write() as conn:
        sync_entities(conn, old)
        save_mentions(conn, article_id, [Mention("zeta", "Zeta", 0, 4)])
        result = sync_entities(conn, new)
    assert (result.upserted, result.removed, result.stale) == (1, 1, 1)
    names = dict(archive.conn.execute("SELECT id, name FROM entities").fetchall())
    assert names == {"acme": "Acme Corp", "zeta": "Zeta"}
    with archive.write() as conn:
        clear_article_tags(conn)
        assert sync_entities(conn, new).removed == 1
