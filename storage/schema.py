"""The archive's schema, one numbered migration at a time.

Each constant is the DDL of one migration in :mod:`storage.migrations`.
``docs/schema.md`` explains the tables for people who query them.
"""

from __future__ import annotations

__all__ = ["SCHEMA_0001", "SCHEMA_0002", "SCHEMA_0003_STORY_MARKS", "SCHEMA_0008_REASONS"]

SCHEMA_0001 = """
CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_polled_at TEXT,
    last_success_at TEXT,
    last_status INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_problem TEXT,
    next_poll_at TEXT
);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'ok', 'failed')),
    feeds_polled INTEGER NOT NULL DEFAULT 0,
    feeds_not_modified INTEGER NOT NULL DEFAULT 0,
    feeds_failed INTEGER NOT NULL DEFAULT 0,
    feeds_skipped INTEGER NOT NULL DEFAULT 0,
    entries_seen INTEGER NOT NULL DEFAULT 0,
    articles_new INTEGER NOT NULL DEFAULT 0,
    articles_duplicate INTEGER NOT NULL DEFAULT 0,
    articles_irrelevant INTEGER NOT NULL DEFAULT 0,
    articles_failed INTEGER NOT NULL DEFAULT 0,
    error TEXT
);

CREATE TABLE stories (
    id INTEGER PRIMARY KEY,
    first_article_id INTEGER,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    guid TEXT,
    feed_id INTEGER REFERENCES feeds(id),
    source TEXT NOT NULL,
    publisher TEXT,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    lang TEXT,
    author TEXT,
    published TEXT,
    fetched_at TEXT NOT NULL,
    content_hash TEXT NOT NULL UNIQUE,
    story_id INTEGER REFERENCES stories(id),
    run_id INTEGER REFERENCES runs(id)
);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_story ON articles(story_id);

-- Every feed entry ever handled, so that nothing is fetched twice:
-- archived, a duplicate of an archived article, off-topic, or failed (retried
-- until the attempts run out).
CREATE TABLE entries (
    key TEXT PRIMARY KEY,
    feed_id INTEGER REFERENCES feeds(id),
    status TEXT NOT NULL
        CHECK (status IN ('archived', 'duplicate', 'irrelevant', 'failed')),
    article_id INTEGER REFERENCES articles(id),
    title TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    last_error TEXT,
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX entries_status ON entries(status);

-- How many archived articles of a source carried each (normalised) short
-- line: lines that recur across many articles are page furniture.
CREATE TABLE source_lines (
    source TEXT NOT NULL,
    line_key TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, line_key)
) WITHOUT ROWID;

-- Full-text search over title and text, kept in sync by triggers. unicode61
-- splits on spaces, so Korean words keep their particles (삼성전자와); the
-- search layer turns Hangul terms into prefix queries (삼성전자*), which the
-- prefix indexes make fast.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text,
    content='articles', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2',
    prefix='2 3'
);
CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER articles_au AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
"""

# Feed health (pausing after repeated failures), the write lease that keeps two
# runs from writing at once, and the outbox of messages for the operator.
SCHEMA_0002 = """
ALTER TABLE feeds ADD COLUMN paused_at TEXT;
ALTER TABLE feeds ADD COLUMN paused_reason TEXT;
ALTER TABLE runs ADD COLUMN feeds_paused INTEGER NOT NULL DEFAULT 0;

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE operator_messages (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TEXT
);
CREATE INDEX operator_messages_pending ON operator_messages(sent_at) WHERE sent_at IS NULL;
"""

# A near-duplicate keeps its row (which outlets ran a story, and when, is worth
# keeping) but points at the article it matched; story leads have NULL here.
SCHEMA_0003_STORY_MARKS = """
ALTER TABLE articles ADD COLUMN duplicate_of INTEGER REFERENCES articles(id);
ALTER TABLE articles ADD COLUMN similarity REAL;
CREATE INDEX articles_leads ON articles(story_id) WHERE duplicate_of IS NULL;
"""

# Why things failed or waited, kept where a user can see them (issue 14): the reason
# an entry failed (a code from flows/pipeline/reasons.py, so that a fixable one is retried once
# fixed), each run's reasons as its summary said them, the channels an alert still
# waits for, and every delivery attempt with what the channel answered.
SCHEMA_0008_REASONS = """
ALTER TABLE entries ADD COLUMN reason TEXT;
CREATE INDEX entries_failed ON entries(feed_id, reason) WHERE status = 'failed';
ALTER TABLE runs ADD COLUMN reasons TEXT;
ALTER TABLE alerts ADD COLUMN waiting_for TEXT;
CREATE INDEX alerts_waiting ON alerts(id) WHERE waiting_for IS NOT NULL;
ALTER TABLE deliveries ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;

CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
    at TEXT NOT NULL,
    accepted INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    reason TEXT                     -- why not: 'HTTP 500', 'connection refused', 'timed out', …
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id);
"""
