"""The SQLite archive: every statement kaiwatch runs against it.

One :class:`Archive` per thread (SQLite connections are not shared). Every
write runs in a ``BEGIN IMMEDIATE`` transaction, so that a second writer
waits on the busy timeout instead of failing at once on a lock upgrade, and
uniqueness is enforced by the schema (insert-or-ignore), never by a
check-then-insert.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from flows.core.errors import MigrationError, StorageError
from flows.core.models import ArticleRecord, EntryOutcome
from storage.migrations import MIGRATIONS
from storage.stories import OUTLETS_SQL, story_articles

__all__ = [
    "Archive",
    "FeedState",
    "SearchHit",
    "count_source_lines",
    "insert_article",
    "iso_utc",
    "read_only_uri",
    "record_entry",
    "utc_now",
]

BUSY_TIMEOUT_MS = 30_000


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(value: datetime | None) -> str | None:
    """The archive's timestamp form: UTC ISO 8601 to the second (naive times are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class FeedState:
    """What the archive remembers of a feed between polls."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    failures: int
    next_poll_at: datetime | None
    paused_at: datetime | None = None


# The names an article mentions, most mentioned first; a name entities.yaml lacks (an
# ``unk:`` id, migration 0009) is marked "(new)".
ENTITY_NAMES_SQL = """
    SELECT group_concat(name, '; ') FROM (
        SELECT e.name || CASE WHEN e.id LIKE 'unk:%' THEN ' (new)' ELSE '' END AS name
        FROM article_entities ae JOIN entities e ON e.id = ae.entity_id
        WHERE ae.article_id = a.id ORDER BY ae.count DESC, e.name
    )"""


@dataclass(frozen=True)
class SearchHit:
    """One search result."""

    id: int
    title: str
    url: str
    source: str
    lang: str | None
    published: str | None
    story_id: int | None
    snippet: str
    outlets: int | None = None  # for a story's lead: how many outlets carried the story
    duplicate_of: int | None = None  # for a near-duplicate: the article it copies
    entities: str | None = None  # names found, "; "-joined; "(new)": not in entities.yaml


def read_only_uri(path: Path) -> str:
    """The SQLite URI that reads ``path`` without writing anything beside it.

    A WAL archive is read through its ``-shm`` file, created on first read; in a
    read-only folder without one, SQLite cannot open it ("unable to open database
    file"). Nothing can be writing there, so the archive is opened as immutable.
    """
    folder = path.resolve().parent
    shm = path.with_name(path.name + "-shm")
    if not os.access(folder, os.W_OK) and not shm.exists():
        return f"file:{path}?immutable=1"
    return f"file:{path}?mode=ro"


def _check_writable_folder(path: Path) -> None:
    """Refuse a read-only folder at once, in words, before SQLite fails in its own.

    :raises StorageError: the folder (or an existing archive file) cannot be written.
    """
    folder = path.resolve().parent
    if not os.access(folder, os.W_OK):
        raise StorageError(
            f"{path.parent}: the archive's folder is read-only: kaiwatch writes the archive "
            "and its -wal and -shm files there. Fix: make the folder writable, or pass --db "
            "PATH (or set KAIWATCH_DB) to a writable place."
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise StorageError(
            f"{path}: the archive is read-only. Fix: make it writable, or pass --db PATH "
            "(or set KAIWATCH_DB) to a writable copy."
        )


def _explain(path: Path, exc: sqlite3.Error) -> str:
    """A write error as one line that says what to do; the transaction was rolled back."""
    text = str(exc)
    if "full" in text:
        hint = "free disk space (nothing of this write was kept)"
    elif "readonly" in text or "read-only" in text:
        hint = "make the archive and its folder writable, or pass --db PATH"
    elif "locked" in text or "busy" in text:
        hint = "another process held the archive too long; try again"
    else:
        hint = "nothing of this write was kept"
    return f"{path}: cannot write to the archive: {text}. Fix: {hint}."


class Archive:
    """A connection to the archive with named queries.

    :param path: the SQLite file; its folder is created if missing.
    :param migrate: apply pending migrations on open.
    :param readonly: open read-only (no migrations, no writes).
    :raises StorageError: the file cannot be opened or is not a kaiwatch archive.
    """

    def __init__(self, path: str | Path, *, migrate: bool = True, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if readonly:
                if not self.path.exists():
                    raise StorageError(
                        f"{self.path}: no archive here yet. Fix: run `kaiwatch run` first, "
                        "or pass --db PATH."
                    )
                conn = sqlite3.connect(
                    read_only_uri(self.path),
                    uri=True,
                    isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    check_same_thread=False,
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _check_writable_folder(self.path)
                conn = sqlite3.connect(
                    self.path,
                    isolation_level=None,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    check_same_thread=False,
                )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path}: cannot open the archive: {exc}") from exc
        except OSError as exc:
            raise StorageError(f"{self.path}: cannot create the archive: {exc}") from exc
        self.db = Database(conn)
        self.conn = conn
        if migrate and not readonly:
            self.migrate()

    # -- plumbing ---------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: commit on success, roll back on error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(_explain(self.path, exc)) from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StorageError(_explain(self.path, exc)) from exc
            raise

    def migrate(self) -> None:
        """Apply pending migrations in one write transaction.

        :raises MigrationError: a migration failed; nothing of it was kept.
        """
        try:
            with self.write():
                MIGRATIONS.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise MigrationError(f"{self.path}: migration failed: {exc}") from exc

    def _one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- runs -------------------------------------------------------------------

    def start_run(self) -> int:
        """Record the start of a run and return its id."""
        with self.write() as conn:
            cursor = conn.execute("INSERT INTO runs (started_at) VALUES (?)", [iso_utc(utc_now())])
            return int(cursor.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        counts: dict[str, int],
        *,
        status: str = "ok",
        error: str | None = None,
        reasons: str | None = None,
    ) -> None:
        """Store a run's final counts (keys are the ``runs`` count columns).

        :param reasons: why entries failed and feeds were skipped, as the summary said it.
        """
        allowed = {
            "feeds_polled", "feeds_not_modified", "feeds_failed", "feeds_skipped", "feeds_paused",
            "entries_seen", "articles_new", "articles_duplicate", "articles_irrelevant",
            "articles_failed",
        }  # fmt: skip
        columns = [name for name in counts if name in allowed]
        assignments = ", ".join(f"{name} = :{name}" for name in columns)
        params: dict[str, Any] = {name: counts[name] for name in columns}
        params.update(
            id=run_id, finished_at=iso_utc(utc_now()), status=status, error=error, reasons=reasons
        )
        with self.write() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = :finished_at, status = :status, error = :error, "
                "reasons = :reasons"
                + (", " + assignments if assignments else "")
                + " WHERE id = :id",
                params,
            )

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM runs ORDER BY id DESC LIMIT ?", [limit]))

    # -- feeds ------------------------------------------------------------------

    def ensure_feed(self, url: str, name: str) -> FeedState:
        """Register a feed (or rename it) and return its stored state."""
        with self.write() as conn:
            conn.execute(
                "INSERT INTO feeds (url, name) VALUES (?, ?) "
                "ON CONFLICT(url) DO UPDATE SET name = excluded.name",
                [url, name],
            )
        state = self.feed_state(url)
        assert state is not None
        return state

    def feed_state(self, url: str) -> FeedState | None:
        row = self.conn.execute(
            "SELECT id, url, etag, last_modified, failures, next_poll_at, paused_at "
            "FROM feeds WHERE url = ?",
            [url],
        ).fetchone()
        if row is None:
            return None
        next_poll = datetime.fromisoformat(row[5]) if row[5] else None
        paused = datetime.fromisoformat(row[6]) if row[6] else None
        return FeedState(row[0], row[1], row[2], row[3], row[4], next_poll, paused)

    def record_feed_polled(
        self,
        feed_id: int,
        *,
        status: int,
        etag: str | None,
        last_modified: str | None,
        problem: str | None = None,
        next_poll_at: datetime | None = None,
    ) -> None:
        """A poll succeeded (200 or 304): keep the validators, clear the failures."""
        now = iso_utc(utc_now())
        with self.write() as conn:
            conn.execute(
                """UPDATE feeds SET last_polled_at = ?, last_success_at = ?, last_status = ?,
                   etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                   failures = 0, last_error = NULL, last_problem = ?, next_poll_at = ?
                   WHERE id = ?""",
                [now, now, status, etag, last_modified, problem, iso_utc(next_poll_at), feed_id],
            )

    def record_feed_failure(
        self,
        feed_id: int,
        *,
        error: str,
        status: int | None = None,
        next_poll_at: datetime | None = None,
    ) -> int:
        """A poll failed: count it and remember why. Returns the failure count."""
        with self.write() as conn:
            conn.execute(
                """UPDATE feeds SET last_polled_at = ?, last_status = ?, failures = failures + 1,
                   last_error = ?, next_poll_at = ? WHERE id = ?""",
                [iso_utc(utc_now()), status, error[:1000], iso_utc(next_poll_at), feed_id],
            )
        return int(self._one("SELECT failures FROM feeds WHERE id = ?", [feed_id]) or 0)

    def pause_feed(self, feed_id: int, *, reason: str) -> None:
        """Stop polling a feed until :meth:`resume_feed` or a manual edit."""
        with self.write() as conn:
            conn.execute(
                "UPDATE feeds SET paused_at = ?, paused_reason = ? WHERE id = ?",
                [iso_utc(utc_now()), reason[:1000], feed_id],
            )

    def resume_feed(self, name: str) -> bool:
        """Clear a feed's pause, failure count and wait. Returns False if no feed has that name."""
        with self.write() as conn:
            cursor = conn.execute(
                "UPDATE feeds SET paused_at = NULL, paused_reason = NULL, failures = 0, "
                "next_poll_at = NULL WHERE name = ?",
                [name],
            )
        return cursor.rowcount > 0

    def feeds(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM feeds ORDER BY name"))

    # -- operator messages --------------------------------------------------------

    def add_operator_message(
        self, kind: str, subject: str, body: str, *, once_a_day: bool = False
    ) -> int:
        """Queue a message for the operator channel (sent after the run).

        :param once_a_day: skip it when one with the same subject is still queued or
            was queued in the last 24 hours (a problem every run would repeat). Returns 0.
        """
        now = utc_now()
        with self.write() as conn:
            if (
                once_a_day
                and conn.execute(
                    "SELECT 1 FROM operator_messages WHERE subject = ? "
                    "AND (sent_at IS NULL OR created_at > ?)",
                    [subject, iso_utc(now - timedelta(days=1))],
                ).fetchone()
            ):
                return 0
            cursor = conn.execute(
                "INSERT INTO operator_messages (created_at, kind, subject, body) VALUES (?, ?, ?, ?)",
                [iso_utc(now), kind, subject, body],
            )
        return int(cursor.lastrowid or 0)

    def pending_operator_messages(self) -> list[dict[str, Any]]:
        return list(
            self.db.query("SELECT * FROM operator_messages WHERE sent_at IS NULL ORDER BY id")
        )

    def mark_operator_message(self, message_id: int, *, error: str | None = None) -> None:
        """Record one delivery attempt: sent when ``error`` is None."""
        with self.write() as conn:
            conn.execute(
                "UPDATE operator_messages SET attempts = attempts + 1, last_error = ?, "
                "sent_at = CASE WHEN ? IS NULL THEN ? ELSE sent_at END WHERE id = ?",
                [error, error, iso_utc(utc_now()), message_id],
            )

    # -- entries ----------------------------------------------------------------

    def unseen_keys(
        self,
        keys: Iterable[str],
        *,
        max_attempts: int = 3,
        retry_reasons: Iterable[str] = (),
        retry_failed: bool = False,
    ) -> set[str]:
        """The keys not handled yet, or failed fewer than ``max_attempts`` times.

        :param retry_reasons: failures with these reason codes count as unseen whatever
            their attempts (the setting that caused them was fixed).
        :param retry_failed: every failed key counts as unseen.
        """
        keys = list(dict.fromkeys(keys))
        reasons = sorted(set(retry_reasons))
        # A failed entry is done once out of attempts, unless it is to be retried.
        spent = "attempts >= ?" + (
            f" AND COALESCE(reason, '') NOT IN ({', '.join('?' for _ in reasons)})"
            if reasons
            else ""
        )
        done: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            failed_done = "0" if retry_failed else f"({spent})"
            rows = self.conn.execute(
                f"SELECT key FROM entries WHERE key IN ({marks}) "
                f"AND (status != 'failed' OR {failed_done})",
                [*chunk, *([] if retry_failed else [max_attempts, *reasons])],
            )
            done.update(row[0] for row in rows)
        return {key for key in keys if key not in done}

    def failed_entries(
        self, feed_id: int | None = None, *, reasons: Iterable[str] | None = None
    ) -> dict[int, dict[str | None, int]]:
        """Failed entries per feed and reason code: ``{feed_id: {"private": 100}}``.

        :param feed_id: only this feed's.
        :param reasons: only these reason codes.
        """
        where: list[str] = ["status = 'failed'"]
        params: list[int | str] = []
        if feed_id is not None:
            where.append("feed_id = ?")
            params.append(feed_id)
        if reasons is not None:
            codes = sorted(set(reasons))
            where.append(f"reason IN ({', '.join('?' for _ in codes) or 'NULL'})")
            params.extend(codes)
        found: dict[int, dict[str | None, int]] = {}
        for feed, reason, count in self.conn.execute(
            f"SELECT feed_id, reason, count(*) FROM entries WHERE {' AND '.join(where)} "
            "GROUP BY feed_id, reason",
            params,
        ):
            found.setdefault(feed, {})[reason] = count
        return found

    def recurring_lines(self, source: str, *, min_articles: int = 3) -> frozenset[str]:
        """Keys of lines that appeared in at least ``min_articles`` articles of a source."""
        rows = self.conn.execute(
            "SELECT line_key FROM source_lines WHERE source = ? AND articles >= ?",
            [source, min_articles],
        )
        return frozenset(row[0] for row in rows)

    # -- reading ----------------------------------------------------------------

    def count_articles(self) -> int:
        return int(self._one("SELECT count(*) FROM articles") or 0)

    def get_article(self, article_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return rows[0] if rows else None

    def find_article(self, url: str) -> dict[str, Any] | None:
        """The archived article at ``url`` (its canonical URL, or the URL it was fetched at)."""
        found = self._one(
            "SELECT id FROM articles WHERE canonical_url = ? OR url = ? ORDER BY id LIMIT 1",
            [url, url],
        )
        return self.get_article(int(found)) if found is not None else None

    def search(
        self,
        query: str,
        *,
        source: str | None = None,
        lang: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 20,
        copies: bool = False,
    ) -> list[SearchHit]:
        """Full-text search over title and text, best match first.

        :param query: words (all must match), "quoted phrases", or raw FTS5 syntax
            when it contains AND/OR/NOT or ``*``.
        :param since: / until: ISO dates bounding ``published`` (fetch time when unknown).
        :param copies: include near-duplicates; by default each story shows once, by its lead.
        """
        from storage.search import safe_match_query

        match = safe_match_query(query)
        if not match:
            return []
        where = ["articles_fts MATCH :match"]
        if not copies:
            where.append("a.duplicate_of IS NULL")
        params: dict[str, Any] = {"match": match, "limit": limit}
        if source:
            where.append("a.source = :source")
            params["source"] = source
        if lang:
            where.append("a.lang = :lang")
            params["lang"] = lang
        if since:
            where.append("COALESCE(a.published, a.fetched_at) >= :since")
            params["since"] = since
        if until:
            where.append("COALESCE(a.published, a.fetched_at) < :until")
            params["until"] = until
        sql = f"""
            SELECT a.id, a.title, a.url, a.source, a.lang, a.published, a.story_id,
                   snippet(articles_fts, 1, '[', ']', ' … ', 12),
                   CASE WHEN a.duplicate_of IS NULL THEN ({OUTLETS_SQL}) END, a.duplicate_of,
                   ({ENTITY_NAMES_SQL})
            FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
            WHERE {" AND ".join(where)}
            ORDER BY bm25(articles_fts, 5.0, 1.0)
            LIMIT :limit
        """
        try:
            rows = self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise StorageError(f"search {query!r} failed: {exc}") from exc
        return [SearchHit(*row) for row in rows]

    def articles_after(self, last_id: int, *, limit: int) -> list[dict[str, Any]]:
        """The next ``limit`` articles after ``last_id``, in id order (batch reading)."""
        return list(
            self.db.query(
                "SELECT id, canonical_url, url, title, text, content_hash, source, lang, "
                "published, fetched_at FROM articles WHERE id > ? ORDER BY id LIMIT ?",
                [last_id, limit],
            )
        )

    def articles_in_order(
        self, after: tuple[str, str, int] | None, *, limit: int
    ) -> list[dict[str, Any]]:
        """The next ``limit`` articles in replay order: published (else fetched), fetched, id.

        ``after`` is the last article's ``(seen, fetched_at, id)`` (None: from the start);
        read through the ``articles_replay`` index (migration 0010).
        """
        where = "WHERE (COALESCE(published, fetched_at), fetched_at, id) > (?, ?, ?)"
        return list(
            self.db.query(
                "SELECT id, canonical_url, url, title, text, content_hash, source, lang, "
                "published, fetched_at, COALESCE(published, fetched_at) AS seen FROM articles "
                f"{where if after else ''} "
                "ORDER BY COALESCE(published, fetched_at), fetched_at, id LIMIT ?",
                [*after, limit] if after else [limit],
            )
        )

    def story(self, story_id: int) -> list[dict[str, Any]]:
        """A story's articles (see :func:`storage.stories.story_articles`)."""
        return story_articles(self.conn, story_id)

    def iter_articles(self) -> Iterator[dict[str, Any]]:
        """Every archived article, oldest first, for export."""
        yield from self.db.query(
            f"""SELECT a.id, a.url, a.canonical_url, a.title, a.text, a.lang, a.published,
                      a.source, a.publisher, a.author, a.fetched_at, a.story_id,
                      a.duplicate_of,
                      CASE WHEN a.duplicate_of IS NULL THEN ({OUTLETS_SQL}) END AS outlets,
                      a.content_hash, ({ENTITY_NAMES_SQL}) AS entities
               FROM articles a ORDER BY a.id"""
        )


# -- writing an article (flows.pipeline.persist runs these in one transaction) ---------


def insert_article(
    conn: sqlite3.Connection, article: ArticleRecord, *, feed_id: int | None, run_id: int | None
) -> tuple[int, bool]:
    """Insert an article unless its URL or text is archived: (its id, whether it is new)."""
    cursor = conn.execute(
        """INSERT OR IGNORE INTO articles (canonical_url, url, guid, feed_id, source,
               publisher, title, text, lang, author, published, fetched_at, content_hash, run_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [article.canonical_url, article.url, article.guid, feed_id, article.source,
         article.publisher, article.title, article.text, article.lang, article.author,
         iso_utc(article.published), iso_utc(article.fetched_at), article.content_hash, run_id],
    )  # fmt: skip
    if cursor.rowcount == 1:
        return int(cursor.lastrowid or 0), True
    existing = conn.execute(
        "SELECT id FROM articles WHERE canonical_url = ? OR content_hash = ? LIMIT 1",
        [article.canonical_url, article.content_hash],
    ).fetchone()
    return int(existing[0]), False


def record_entry(
    conn: sqlite3.Connection,
    outcome: EntryOutcome,
    *,
    status: str,
    article_id: int | None,
    feed_id: int | None,
    now: str | None,
) -> None:
    """Remember a feed entry (under its key and its aliases) and what became of it."""
    for key in (outcome.key, *outcome.aliases):
        conn.execute(
            """INSERT INTO entries (key, feed_id, status, article_id, title, attempts,
                   last_error, reason, first_seen_at, updated_at)
               VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET status = excluded.status,
                   article_id = COALESCE(excluded.article_id, entries.article_id),
                   attempts = entries.attempts + 1, last_error = excluded.last_error,
                   reason = excluded.reason, updated_at = excluded.updated_at""",
            [key, feed_id, status, article_id, outcome.title[:500],
             outcome.error, outcome.reason if status == "failed" else None, now, now],
        )  # fmt: skip


def count_source_lines(conn: sqlite3.Connection, source: str, keys: Iterable[str]) -> None:
    """Count one more article of ``source`` for each line key (see ``recurring_lines``)."""
    conn.executemany(
        "INSERT INTO source_lines (source, line_key, articles) VALUES (?, ?, 1) "
        "ON CONFLICT(source, line_key) DO UPDATE SET articles = articles + 1",
        [(source, key) for key in keys],
    )
