"""The archive on real SQLite files: schema, exact duplicates, entries, search."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.analysis.dedup import content_hash
from flows.core.errors import StorageError
from flows.core.models import ArticleRecord, EntryOutcome
from flows.parse.extract import line_key
from flows.pipeline.persist import save_outcomes
from storage.archive import Archive
from storage.migrations import MIGRATIONS
from storage.search import build_match_query

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def article(
    url: str, text: str, *, title: str = "A title", source: str = "s", lang: str = "en"
) -> ArticleRecord:
    return ArticleRecord(
        canonical_url=url, url=url, title=title, text=text, content_hash=content_hash(text),
        source=source, fetched_at=NOW, lang=lang,
    )  # fmt: skip


def archived(key: str, text: str, **kwargs: str) -> EntryOutcome:
    return EntryOutcome(
        key=key,
        status="archived",
        title=kwargs.get("title", "t"),
        article=article(key, text, **kwargs),
    )


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    with Archive(tmp_path / "kw.db") as db:
        yield db


def test_open_sets_wal_foreign_keys_and_busy_timeout(archive: Archive) -> None:
    assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert archive.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "kw.db"
    Archive(path).close()
    with Archive(path) as again:
        applied = [row[0] for row in again.conn.execute("SELECT name FROM _sqlite_migrations")]
    registered = [migration.name for migration in MIGRATIONS._migrations]
    assert applied == registered
    assert applied[0] == "m0001_initial"


def test_save_outcomes_same_url_twice_is_stored_once(archive: Archive) -> None:
    first = save_outcomes(
        archive,
        [archived("https://a.example/1", "Samsung signs an AI deal.")],
        feed_id=None,
        run_id=None,
    )
    second = save_outcomes(
        archive,
        [archived("https://a.example/1", "Samsung signs an AI deal, updated text.")],
        feed_id=None,
        run_id=None,
    )
    assert (first.new, second.new, second.duplicate) == (1, 0, 1)
    assert archive.count_articles() == 1


def test_save_outcomes_same_text_under_two_urls_is_stored_once(archive: Archive) -> None:
    text = "Naver and a hospital sign an MOU on medical AI.\nThe deal covers three years."
    counts = save_outcomes(
        archive,
        [
            archived("https://a.example/x", text),
            archived("https://b.example/y", "  " + text.upper() + "!"),
        ],
        feed_id=None,
        run_id=None,
    )
    assert (counts.new, counts.duplicate) == (1, 1)
    rows = archive.conn.execute(
        "SELECT key, status, article_id FROM entries ORDER BY key"
    ).fetchall()
    assert rows == [("https://a.example/x", "archived", 1), ("https://b.example/y", "duplicate", 1)]


def test_every_article_starts_its_own_story(archive: Archive) -> None:
    save_outcomes(
        archive,
        [archived("https://a.example/1", "one text"), archived("https://a.example/2", "two text")],
        feed_id=None,
        run_id=None,
    )
    stories = archive.conn.execute(
        "SELECT a.id, s.first_article_id, s.size FROM articles a JOIN stories s ON s.id = a.story_id"
    ).fetchall()
    assert stories == [(1, 1, 1), (2, 2, 1)]


def test_unseen_keys_retries_failures_until_attempts_run_out(archive: Archive) -> None:
    failed = EntryOutcome(key="https://a.example/f", status="failed", error="HTTP 500")
    save_outcomes(
        archive,
        [failed, EntryOutcome(key="https://a.example/i", status="irrelevant")],
        feed_id=None,
        run_id=None,
    )
    keys = ["https://a.example/f", "https://a.example/i", "https://a.example/new"]
    assert archive.unseen_keys(keys, max_attempts=2) == {
        "https://a.example/f",
        "https://a.example/new",
    }
    save_outcomes(archive, [failed], feed_id=None, run_id=None)
    assert archive.unseen_keys(keys, max_attempts=2) == {"https://a.example/new"}


def test_aliases_are_remembered(archive: Archive) -> None:
    outcome = EntryOutcome(
        key="https://news.google.com/rss/articles/abc", status="archived", title="t",
        article=article("https://pub.example/a", "text body"), aliases=("https://pub.example/a",),
    )  # fmt: skip
    save_outcomes(archive, [outcome], feed_id=None, run_id=None)
    assert (
        archive.unseen_keys(["https://pub.example/a", "https://news.google.com/rss/articles/abc"])
        == set()
    )


def test_feed_state_round_trip(archive: Archive) -> None:
    state = archive.ensure_feed("https://a.example/rss", "a")
    assert (state.etag, state.failures) == (None, 0)
    later = NOW + timedelta(hours=1)
    assert (
        archive.record_feed_failure(state.id, error="HTTP 429", status=429, next_poll_at=later) == 1
    )
    assert archive.feed_state("https://a.example/rss").next_poll_at == later
    archive.record_feed_polled(
        state.id, status=200, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT"
    )
    state = archive.feed_state("https://a.example/rss")
    assert (state.etag, state.last_modified, state.failures, state.next_poll_at) == (
        '"v1"', "Mon, 01 Jan 2024 00:00:00 GMT", 0, None,
    )  # fmt: skip
    # A 304 carries no new validators: the stored ones stay.
    archive.record_feed_polled(state.id, status=304, etag=None, last_modified=None)
    assert archive.feed_state("https://a.example/rss").etag == '"v1"'


def test_runs_record_counts(archive: Archive) -> None:
    run_id = archive.start_run()
    archive.finish_run(run_id, {"feeds_polled": 3, "articles_new": 2, "not_a_column": 9})
    row = archive.runs()[0]
    assert (row["status"], row["feeds_polled"], row["articles_new"]) == ("ok", 3, 2)
    assert row["finished_at"] is not None


def test_search_finds_korean_word_with_particle(archive: Archive) -> None:
    save_outcomes(
        archive,
        [
            archived(
                "https://k.example/1",
                "삼성전자와 네이버가 AI 반도체 협력을 발표했다.",
                title="삼성 네이버 협력",
                lang="ko",
            ),
            archived(
                "https://e.example/2",
                "Upstage said the round would fund sales abroad.",
                title="Upstage raises money",
            ),
        ],
        feed_id=None,
        run_id=None,
    )
    assert [hit.id for hit in archive.search("삼성전자")] == [1]
    assert [hit.id for hit in archive.search("네이버")] == [1]
    assert [hit.id for hit in archive.search("Upstage")] == [2]
    # Whole words for Latin terms: "AI" must not match "said".
    assert [hit.id for hit in archive.search("AI")] == [1]
    assert archive.search("Upstage", lang="ko") == []
    assert archive.search("Upstage", since="2099-01-01") == []
    assert "[" in archive.search("Upstage")[0].snippet


def test_fts_follows_deletes(archive: Archive) -> None:
    save_outcomes(
        archive,
        [archived("https://e.example/1", "Rebellions merges with Sapeon.")],
        feed_id=None,
        run_id=None,
    )
    with archive.write() as conn:
        conn.execute("DELETE FROM entries")
        conn.execute("UPDATE stories SET first_article_id = NULL")
        conn.execute("UPDATE articles SET story_id = NULL")
        conn.execute("DELETE FROM articles")
    assert archive.search("Rebellions") == []
    assert archive.conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_write_rolls_back_on_error(archive: Archive) -> None:
    with pytest.raises(RuntimeError), archive.write() as conn:
        conn.execute("INSERT INTO feeds (url, name) VALUES ('https://x.example', 'x')")
        raise RuntimeError("boom")
    assert archive.feeds() == []


def test_recurring_lines_counted_per_source(archive: Archive) -> None:
    furniture = "Subscribe to our newsletter"
    bodies = ["Naver opens a lab.", "Kakao hires a chief.", "LG ships a model."]
    outcomes = [
        archived(f"https://a.example/{n}", f"{body}\n{furniture}") for n, body in enumerate(bodies)
    ]
    save_outcomes(archive, outcomes, feed_id=None, run_id=None)
    assert line_key(furniture) in archive.recurring_lines("s", min_articles=3)
    assert line_key("Naver opens a lab.") not in archive.recurring_lines("s", min_articles=2)
    assert archive.recurring_lines("other-source") == frozenset()


def test_readonly_missing_archive_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"no archive here yet\. Fix: run `kaiwatch run` first"):
        Archive(tmp_path / "missing.db", readonly=True)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match=r"junk\.db"):
        Archive(path)


def test_readonly_archive_refuses_writes(tmp_path: Path) -> None:
    Archive(tmp_path / "kw.db").close()
    with (
        Archive(tmp_path / "kw.db", readonly=True) as readonly,
        pytest.raises(sqlite3.OperationalError),
    ):
        readonly.conn.execute("INSERT INTO feeds (url, name) VALUES ('u', 'n')")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("삼성전자 AI", '"삼성전자"* "AI"'),
        ('"Naver Cloud" partnership', '"Naver Cloud" "partnership"'),
        ("Samsung OR LG", "Samsung OR LG"),
        ("it's (weird)", '"it\'s" "weird"'),
        ("   ", ""),
    ],
)
def test_build_match_query(query: str, expected: str) -> None:
    assert build_match_query(query) == expected


def test_pause_and_resume_feed(archive: Archive) -> None:
    state = archive.ensure_feed("https://a.example/rss", "a")
    archive.record_feed_failure(state.id, error="HTTP 500", status=500, next_poll_at=NOW)
    archive.pause_feed(state.id, reason="5 failures in a row")
    paused = archive.feed_state("https://a.example/rss")
    assert paused.paused_at is not None
    assert archive.resume_feed("a") is True
    resumed = archive.feed_state("https://a.example/rss")
    assert (resumed.paused_at, resumed.failures, resumed.next_poll_at) == (None, 0, None)
    assert archive.resume_feed("no-such-feed") is False


def test_operator_messages_are_marked_sent_only_on_success(archive: Archive) -> None:
    first = archive.add_operator_message("feed-paused", "Feed a paused", "body")
    archive.mark_operator_message(first, error="HTTP 500 from channel")
    pending = archive.pending_operator_messages()
    assert [(m["id"], m["attempts"], m["last_error"]) for m in pending] == [
        (first, 1, "HTTP 500 from channel")
    ]
    archive.mark_operator_message(first)
    assert archive.pending_operator_messages() == []


def test_full_database_is_a_clear_error_and_writes_nothing(archive: Archive) -> None:
    archive.conn.execute("PRAGMA max_page_count = 1")  # no room for one more page: a full disk
    big = "AI " * 20000
    with pytest.raises(StorageError, match="full"):
        save_outcomes(archive, [archived("https://a.example/big", big)], feed_id=None, run_id=None)
    archive.conn.execute("PRAGMA max_page_count = 1073741823")
    assert archive.count_articles() == 0
    assert archive.conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 0


def test_read_only_database_is_a_clear_error(archive: Archive) -> None:
    # SQLite's own read-only switch: the same SQLITE_READONLY a read-only file gives
    # (file permissions cannot show it when the tests run as root).
    archive.conn.execute("PRAGMA query_only = ON")
    with pytest.raises(
        StorageError, match=r"readonly database\. Fix: make the archive and its folder writable"
    ):
        archive.start_run()
    archive.conn.execute("PRAGMA query_only = OFF")
    assert archive.runs() == []
