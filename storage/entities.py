"""Entities, mentions and money amounts in the archive.

The DDL is :data:`SCHEMA`, applied by migration ``m0004_entities``. Every
function takes a :class:`sqlite3.Connection` and runs its statements on it:
the caller owns the transaction (``with archive.write() as conn: ...``), so
that tagging one article is one atomic write together with the article.

* ``entities``: the knowledge base as last synced (id, name, type, parent, country);
* ``mentions``: one row per mention (article, entity, surface, offsets);
* ``article_entities``: mentions counted per article and entity;
* ``amounts``: money amounts per article, in their currency and in KRW and USD.

Names the knowledge base lacks are entities too (migration 0009, :data:`SCHEMA_0009`):
``known = 0``, a ``unk:`` id that is the same in every article, the surface first seen
as ``name``, a type guess (``org`` or ``person``), the language and when first seen.
:func:`save_unknown_entities` adds them; :func:`unknown_entity_candidates` ranks them for
``kaiwatch entities candidates``; :func:`sync_entities` never removes them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flows.core.errors import StorageError
from flows.core.models import Amount, Mention, UnknownEntity

__all__ = [
    "SCHEMA",
    "SCHEMA_0009",
    "EntitySync",
    "UnknownCandidate",
    "article_amounts",
    "article_entity_counts",
    "clear_article_tags",
    "entity_articles",
    "save_amounts",
    "save_mentions",
    "save_unknown_entities",
    "sync_entities",
    "unknown_entity",
    "unknown_entity_candidates",
]

SCHEMA = """
CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    parent TEXT,
    country TEXT
);

-- One row per mention; "start" and "end" are character offsets into the tagged text.
CREATE TABLE mentions (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    entity_id TEXT NOT NULL REFERENCES entities(id),
    surface TEXT NOT NULL,
    "start" INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
CREATE INDEX mentions_entity ON mentions(entity_id);
CREATE INDEX mentions_article ON mentions(article_id);

CREATE TABLE article_entities (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    entity_id TEXT NOT NULL REFERENCES entities(id),
    count INTEGER NOT NULL,
    PRIMARY KEY (article_id, entity_id)
) WITHOUT ROWID;
CREATE INDEX article_entities_entity ON article_entities(entity_id);

-- krw and usd are whole won and dollars, NULL when no rate converts the currency.
CREATE TABLE amounts (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    text TEXT NOT NULL,
    currency TEXT NOT NULL,
    value REAL NOT NULL,
    krw INTEGER,
    usd INTEGER,
    sentence TEXT NOT NULL
);
CREATE INDEX amounts_article ON amounts(article_id);
"""


SCHEMA_0009 = """
ALTER TABLE entities ADD COLUMN known INTEGER NOT NULL DEFAULT 1;
ALTER TABLE entities ADD COLUMN lang TEXT;
ALTER TABLE entities ADD COLUMN first_seen TEXT;
CREATE INDEX entities_unknown ON entities(known) WHERE known = 0;
"""


@dataclass(frozen=True)
class EntitySync:
    """What :func:`sync_entities` changed.

    ``stale`` entities are no longer in the knowledge base but are still
    mentioned by stored articles; they go once a reindex clears those mentions.
    """

    upserted: int
    removed: int
    stale: int


class _Entity(Protocol):
    """What the archive keeps of a knowledge-base entity."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def names(self) -> tuple[str, ...]: ...


class _KnowledgeBase(Protocol):
    """A knowledge base as the archive reads it (``flows.analysis.knowledge.KnowledgeBase``)."""

    @property
    def entities(self) -> Sequence[_Entity]: ...


def sync_entities(conn: sqlite3.Connection, kb: _KnowledgeBase) -> EntitySync:
    """Make the ``entities`` table match the knowledge base.

    Every entity is inserted or updated; rows for entities the knowledge base
    dropped are deleted unless mentions still point at them.
    """
    # Aliases (both scripts) let event identity read a name the tagger did not know as a
    # known organisation (issue 16).
    rows = [
        (e.id, e.name, e.type, e.parent, e.country, json.dumps(list(e.names), ensure_ascii=False))
        for e in kb.entities
    ]
    conn.executemany(
        """INSERT INTO entities (id, name, type, parent, country, aliases, known)
           VALUES (?, ?, ?, ?, ?, ?, 1)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type,
               parent = excluded.parent, country = excluded.country,
               aliases = excluded.aliases, known = 1""",
        rows,
    )
    known = {row[0] for row in rows}
    stored = {row[0] for row in conn.execute("SELECT id FROM entities WHERE known = 1")}
    gone = sorted(stored - known)
    referenced = {
        row[0]
        for row in conn.execute(
            "SELECT entity_id FROM mentions UNION SELECT entity_id FROM article_entities"
        )
    }
    removable = [entity_id for entity_id in gone if entity_id not in referenced]
    conn.executemany("DELETE FROM entities WHERE id = ?", [(i,) for i in removable])
    return EntitySync(len(rows), len(removable), len(gone) - len(removable))


def save_mentions(conn: sqlite3.Connection, article_id: int, mentions: Iterable[Mention]) -> int:
    """Replace an article's mentions and entity counts; return the number of mentions.

    :raises StorageError: a mention names an entity the ``entities`` table lacks
        (call :func:`sync_entities` first).
    """
    mentions = list(mentions)
    conn.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
    conn.execute("DELETE FROM article_entities WHERE article_id = ?", [article_id])
    try:
        conn.executemany(
            'INSERT INTO mentions (article_id, entity_id, surface, "start", "end") '
            "VALUES (?, ?, ?, ?, ?)",
            [(article_id, m.entity_id, m.surface, m.start, m.end) for m in mentions],
        )
        counts = Counter(m.entity_id for m in mentions)
        conn.executemany(
            "INSERT INTO article_entities (article_id, entity_id, count) VALUES (?, ?, ?)",
            [(article_id, entity_id, count) for entity_id, count in counts.items()],
        )
    except sqlite3.IntegrityError as exc:
        raise StorageError(
            f"article {article_id}: cannot store its mentions: {exc}. "
            "Fix: sync the knowledge base (sync_entities) before tagging."
        ) from exc
    return len(mentions)


def save_unknown_entities(
    conn: sqlite3.Connection, entities: Iterable[UnknownEntity], seen_at: str
) -> int:
    """Add the names the knowledge base lacks as entities (``known = 0``); keep existing rows.

    :param seen_at: when the article was seen (archive time form): the ``first_seen`` of new rows.
    :returns: how many rows were new.
    """
    before = conn.total_changes
    conn.executemany(
        "INSERT INTO entities (id, name, type, known, lang, first_seen) VALUES (?, ?, ?, 0, ?, ?) "
        "ON CONFLICT(id) DO NOTHING",
        [(e.id, e.name, e.type, e.lang, seen_at) for e in entities],
    )
    return conn.total_changes - before


@dataclass(frozen=True)
class UnknownCandidate:
    """A name the knowledge base lacks, as ``kaiwatch entities candidates`` ranks it."""

    id: str
    name: str
    type: str
    lang: str | None
    articles: int
    events: int
    first_seen: str | None
    surfaces: tuple[str, ...]


def unknown_entity_candidates(
    conn: sqlite3.Connection, *, min_articles: int = 2, limit: int = 50, only: str | None = None
) -> list[UnknownCandidate]:
    """Unknown entities by how many articles mention them, then how many events name them.

    :param only: just this entity id.
    """
    try:
        rows = conn.execute(
            """WITH counts AS (
               SELECT e.id, e.name, e.type, e.lang, e.first_seen,
                      COUNT(DISTINCT ae.article_id) AS articles
               FROM entities e JOIN article_entities ae ON ae.entity_id = e.id
               WHERE e.known = 0 AND (? IS NULL OR e.id = ?)
               GROUP BY e.id HAVING articles >= ?
           )
           SELECT c.id, c.name, c.type, c.lang, c.articles,
                  (SELECT COUNT(*) FROM events ev, json_each(ev.parties) p
                   WHERE p.value = c.id) AS events,
                  c.first_seen,
                  (SELECT group_concat(surface, char(31)) FROM
                      (SELECT DISTINCT surface FROM mentions m WHERE m.entity_id = c.id LIMIT 5))
           FROM counts c ORDER BY c.articles DESC, events DESC, c.name LIMIT ?""",
            [only, only, min_articles, limit],
        ).fetchall()
    except sqlite3.OperationalError as exc:  # an archive from before migration 0009
        raise StorageError(
            f"cannot list unknown names: {exc}. Fix: run `kaiwatch run` or `kaiwatch reindex` "
            "once to bring the archive up to date."
        ) from exc
    return [
        UnknownCandidate(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple((r[7] or "").split("\x1f"))
        )
        for r in rows
    ]


def unknown_entity(conn: sqlite3.Connection, entity_id: str) -> UnknownCandidate | None:
    """One unknown entity with its counts and surfaces, or None."""
    for candidate in unknown_entity_candidates(conn, min_articles=0, limit=1, only=entity_id):
        return candidate
    row = conn.execute(
        "SELECT id, name, type, lang, first_seen FROM entities WHERE id = ? AND known = 0",
        [entity_id],
    ).fetchone()
    if row is None:
        return None
    return UnknownCandidate(row[0], row[1], row[2], row[3], 0, 0, row[4], (row[1],))


def save_amounts(conn: sqlite3.Connection, article_id: int, amounts: Iterable[Amount]) -> int:
    """Replace an article's money amounts; return how many were stored."""
    rows = [(article_id, a.text, a.currency, a.value, a.krw, a.usd, a.sentence) for a in amounts]
    conn.execute("DELETE FROM amounts WHERE article_id = ?", [article_id])
    conn.executemany(
        "INSERT INTO amounts (article_id, text, currency, value, krw, usd, sentence) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def clear_article_tags(conn: sqlite3.Connection, article_id: int | None = None) -> None:
    """Delete the mentions, entity counts and amounts of one article, or of all (reindex)."""
    for table in ("mentions", "article_entities", "amounts"):
        if article_id is None:
            conn.execute(f"DELETE FROM {table}")
        else:
            conn.execute(f"DELETE FROM {table} WHERE article_id = ?", [article_id])


def article_entity_counts(conn: sqlite3.Connection, article_id: int) -> dict[str, int]:
    """Entity id -> mention count for one article, most mentioned first."""
    rows = conn.execute(
        "SELECT entity_id, count FROM article_entities WHERE article_id = ? "
        "ORDER BY count DESC, entity_id",
        [article_id],
    )
    return {entity_id: count for entity_id, count in rows}


def entity_articles(conn: sqlite3.Connection, entity_id: str) -> list[int]:
    """Ids of the articles that mention an entity, newest first."""
    rows = conn.execute(
        "SELECT article_id FROM article_entities WHERE entity_id = ? ORDER BY article_id DESC",
        [entity_id],
    )
    return [row[0] for row in rows]


def article_amounts(conn: sqlite3.Connection, article_id: int) -> list[dict[str, object]]:
    """The stored amounts of one article, in the order they were saved."""
    cursor = conn.execute(
        "SELECT text, currency, value, krw, usd, sentence FROM amounts "
        "WHERE article_id = ? ORDER BY rowid",
        [article_id],
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]
