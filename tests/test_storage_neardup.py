"""The near-duplicate index (storage/neardup.py) in a real SQLite archive."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flows.analysis.dedup import content_hash
from flows.analysis.neardup import Fingerprint, fingerprint, same_story
from flows.core.models import ArticleRecord, EntryOutcome
from flows.pipeline.persist import save_outcomes
from storage.archive import Archive
from storage.neardup import BANDS, band_keys, delete_fingerprints, find_candidates, save_fingerprint

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures" / "neardup"


def _pair(pair_id: str) -> dict[str, Any]:
    for path in FIXTURES.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["id"] == pair_id:
                return row
    raise KeyError(pair_id)


# The Kakao-OpenAI story, a Yonhap re-run of it, and another Kakao story.
SYNDICATED = _pair("en-kakao-openai-v1")
OTHER_DEAL = _pair("en-kakao-openai--kakao-kanana")
ORIGINAL, COPY, UNRELATED = SYNDICATED["a"], SYNDICATED["b"], OTHER_DEAL["b"]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(tmp_path / "x.db") as db:
        yield db


def _archive(archive: Archive, *articles: dict[str, str]) -> list[int]:
    """Store articles through the archive's own path; return their ids."""
    outcomes = []
    for number, article in enumerate(articles):
        url = f"https://news.example/{number}-{content_hash(article['text'])[:8]}"
        record = ArticleRecord(
            canonical_url=url, url=url, title=article["title"], text=article["text"],
            content_hash=content_hash(article["text"]), source="s", fetched_at=NOW, lang="en",
        )  # fmt: skip
        outcomes.append(
            EntryOutcome(key=url, status="archived", title=article["title"], article=record)
        )
    counts = save_outcomes(archive, outcomes, feed_id=None, run_id=None)
    assert counts.new == len(articles)
    return counts.new_article_ids


def _fp(article: dict[str, str]) -> Fingerprint:
    fp = fingerprint(article["title"], article["text"], "en")
    assert fp is not None
    return fp


def _save(archive: Archive, *items: tuple[int, Fingerprint]) -> None:
    with archive.write() as conn:
        for article_id, fp in items:
            save_fingerprint(conn, article_id, fp)


def test_migration_creates_the_index_tables(archive: Archive) -> None:
    names = {row[0] for row in archive.conn.execute("SELECT name FROM sqlite_master")}
    assert {"fingerprints", "minhash_bands"} <= names
    applied = {row[0] for row in archive.conn.execute("SELECT name FROM _sqlite_migrations")}
    assert any(name.endswith("_near_duplicates") for name in applied)


def test_find_candidates_finds_the_near_duplicate_not_the_unrelated_story(
    archive: Archive,
) -> None:
    original_id, unrelated_id, copy_id = _archive(archive, ORIGINAL, UNRELATED, COPY)
    _save(archive, (original_id, _fp(ORIGINAL)), (unrelated_id, _fp(UNRELATED)))

    candidates = find_candidates(archive.conn, _fp(COPY))

    assert [article_id for article_id, _ in candidates] == [original_id]
    assert candidates[0][1] == _fp(ORIGINAL)
    assert same_story(_fp(COPY), candidates[0][1])[0]
    assert copy_id not in {article_id for article_id, _ in candidates}


def test_find_candidates_orders_by_bands_matched_and_honours_limit(archive: Archive) -> None:
    ids = _archive(archive, ORIGINAL, COPY, _pair("en-kakao-openai-v2")["b"])
    _save(
        archive,
        *[
            (i, _fp(a))
            for i, a in zip(ids, (ORIGINAL, COPY, _pair("en-kakao-openai-v2")["b"]), strict=True)
        ],
    )
    query = _fp(ORIGINAL)

    candidates = find_candidates(archive.conn, query)
    shared = [len(set(band_keys(query)) & set(band_keys(fp))) for _, fp in candidates]

    assert candidates[0] == (ids[0], query)  # the article itself: every band
    assert shared == sorted(shared, reverse=True) and shared[0] == BANDS
    assert len(find_candidates(archive.conn, query, limit=1)) == 1


def test_find_candidates_uses_the_primary_key_only(archive: Archive) -> None:
    (original_id,) = _archive(archive, ORIGINAL)
    _save(archive, (original_id, _fp(ORIGINAL)))
    statements: list[str] = []
    archive.conn.set_trace_callback(statements.append)
    try:
        find_candidates(archive.conn, _fp(COPY))
    finally:
        archive.conn.set_trace_callback(None)
    plans = [
        detail
        for sql in statements
        for *_, detail in archive.conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    ]
    assert any("USING PRIMARY KEY (band=? AND key=?)" in detail for detail in plans), plans
    # The only scans are over the band keys being probed, never over a table.
    scans = {detail for detail in plans if detail.startswith("SCAN")}
    assert scans <= {"SCAN probe", f"SCAN {BANDS} CONSTANT ROWS"}, plans


def test_save_fingerprint_round_trips_and_replaces_old_bands(archive: Archive) -> None:
    (article_id,) = _archive(archive, ORIGINAL)
    _save(archive, (article_id, _fp(ORIGINAL)))
    _save(archive, (article_id, _fp(UNRELATED)))  # the text changed: re-fingerprinted

    rows = archive.conn.execute("SELECT count(*) FROM minhash_bands").fetchone()[0]
    assert rows == BANDS
    assert find_candidates(archive.conn, _fp(ORIGINAL)) == []
    assert find_candidates(archive.conn, _fp(UNRELATED)) == [(article_id, _fp(UNRELATED))]


def test_index_survives_reopening_the_archive(tmp_path: Path) -> None:
    with Archive(tmp_path / "x.db") as archive:
        (original_id,) = _archive(archive, ORIGINAL)
        _save(archive, (original_id, _fp(ORIGINAL)))
    with Archive(tmp_path / "x.db") as again:
        assert [i for i, _ in find_candidates(again.conn, _fp(COPY))] == [original_id]


def test_save_fingerprint_rolls_back_with_the_callers_transaction(archive: Archive) -> None:
    (article_id,) = _archive(archive, ORIGINAL)
    with pytest.raises(RuntimeError), archive.write() as conn:
        save_fingerprint(conn, article_id, _fp(ORIGINAL))
        raise RuntimeError("the rest of the batch failed")
    assert archive.conn.execute("SELECT count(*) FROM fingerprints").fetchone()[0] == 0
    assert find_candidates(archive.conn, _fp(ORIGINAL)) == []


def test_save_fingerprint_needs_an_archived_article(archive: Archive) -> None:
    archive.conn.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            save_fingerprint(archive.conn, 999, _fp(ORIGINAL))
    finally:
        archive.conn.execute("ROLLBACK")


def test_delete_fingerprints_empties_the_index(archive: Archive) -> None:
    ids = _archive(archive, ORIGINAL, COPY)
    _save(archive, *[(i, _fp(a)) for i, a in zip(ids, (ORIGINAL, COPY), strict=True)])
    with archive.write() as conn:
        delete_fingerprints(conn)
    for table in ("fingerprints", "minhash_bands"):
        assert archive.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert archive.count_articles() == 2


def test_find_candidates_skips_a_fingerprint_of_other_parameters(archive: Archive) -> None:
    (article_id,) = _archive(archive, ORIGINAL)
    fp = _fp(ORIGINAL)
    with archive.write() as conn:
        conn.execute(
            "INSERT INTO fingerprints (article_id, signature, shingles, lang) VALUES (?, ?, ?, ?)",
            [article_id, fp.signature[:512], fp.shingles, "en"],
        )
        conn.executemany(
            "INSERT INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
            [(band, key, article_id) for band, key in band_keys(fp)],
        )
    assert find_candidates(archive.conn, fp) == []


def test_reindex_gives_the_same_candidates(archive: Archive) -> None:
    articles = (ORIGINAL, UNRELATED, COPY, _pair("en-kakao-openai-v2")["b"])
    ids = _archive(archive, *articles)
    _save(archive, *[(i, _fp(a)) for i, a in zip(ids, articles, strict=True)])
    before = [find_candidates(archive.conn, _fp(a)) for a in articles]

    with archive.write() as conn:  # what a reindex does: drop everything, fingerprint again
        delete_fingerprints(conn)
        for article_id in ids:
            row = archive.get_article(article_id)
            assert row is not None
            fp = fingerprint(row["title"], row["text"], row["lang"])
            assert fp is not None
            save_fingerprint(conn, article_id, fp)

    assert [find_candidates(archive.conn, _fp(a)) for a in articles] == before
