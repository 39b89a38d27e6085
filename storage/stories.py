"""Stories: every article belongs to one; a near-duplicate joins the story it matches.

The first article seen leads its story. A later copy (a syndicated re-run with
a new headline, a trimmed lead, another outlet's furniture) is kept in the
archive, marked with ``duplicate_of`` (the article it matched) and counted in
its story's ``size``, so that search, digests and alerts show each story once.

An article with no near-duplicate can still join a story by its events (a
Korean and an English report of one deal share no text): it takes its event
record's first report's story (:mod:`storage.event_records`). Such a link has
``duplicate_of`` set (that first report) and ``similarity`` NULL. Which story an
article joins is decided in :mod:`flows.analysis.stories` and
:mod:`flows.analysis.records`; this module writes the decision.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = [
    "OUTLETS_SQL",
    "StoryAssignment",
    "join_story",
    "leave_story",
    "reset_stories",
    "story_articles",
    "story_key",
]

# How many outlets carried article ``a``'s story (the publisher, else the source).
OUTLETS_SQL = (
    "SELECT count(DISTINCT COALESCE(o.publisher, o.source)) FROM articles o "
    "WHERE o.story_id = a.story_id"
)


@dataclass(frozen=True)
class StoryAssignment:
    """The story an article joined, and the article it matched (None: a new story).

    ``similarity`` is the text containment for a near-duplicate, None for a new
    story or for an article linked by its events (:attr:`by_event`).
    """

    story_id: int
    duplicate_of: int | None = None
    similarity: float | None = None

    @property
    def by_event(self) -> bool:
        """True when the article joined its story by its events, not by its text."""
        return self.duplicate_of is not None and self.similarity is None


def join_story(
    conn: sqlite3.Connection,
    article_id: int,
    seen_at: str,
    match: tuple[int, float | None] | None,
) -> StoryAssignment:
    """Put a stored article in the story of ``match`` (article id, similarity), or a new one.

    Runs inside the caller's write transaction.
    """
    if match is None:
        cursor = conn.execute(
            "INSERT INTO stories (first_article_id, first_seen, last_seen, size) VALUES (?, ?, ?, 1)",
            [article_id, seen_at, seen_at],
        )
        assignment = StoryAssignment(story_id=int(cursor.lastrowid or 0))
    else:
        matched_id, score = match
        story_id = conn.execute(
            "SELECT story_id FROM articles WHERE id = ?", [matched_id]
        ).fetchone()[0]
        conn.execute(
            "UPDATE stories SET size = size + 1, last_seen = max(last_seen, ?), "
            "first_seen = min(first_seen, ?) WHERE id = ?",
            [seen_at, seen_at, story_id],
        )
        assignment = StoryAssignment(story_id=story_id, duplicate_of=matched_id, similarity=score)
    conn.execute(
        "UPDATE articles SET story_id = ?, duplicate_of = ?, similarity = ? WHERE id = ?",
        [assignment.story_id, assignment.duplicate_of, assignment.similarity, article_id],
    )
    return assignment


def leave_story(conn: sqlite3.Connection, article_id: int) -> int | None:
    """Move an article that joined its story by its events into a story of its own.

    Undoes an event link (``kaiwatch event split``); a copy by text stays. Returns the new
    story's id, or None when the article is a story's lead or a near-duplicate.
    """
    row = conn.execute(
        "SELECT story_id, duplicate_of, similarity, COALESCE(published, fetched_at) "
        "FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None or row[1] is None or row[2] is not None:
        return None
    old_story, seen = row[0], row[3]
    conn.execute("UPDATE stories SET size = size - 1 WHERE id = ?", [old_story])
    story = join_story(conn, article_id, seen, None)
    conn.execute(
        "UPDATE events SET story_id = ? WHERE article_id = ?", [story.story_id, article_id]
    )
    return story.story_id


def story_key(conn: sqlite3.Connection, story_id: int) -> int:
    """A story's first article: the alert key that survives a reindex (story ids do not)."""
    return int(
        conn.execute("SELECT first_article_id FROM stories WHERE id = ?", [story_id]).fetchone()[0]
    )


def story_articles(conn: sqlite3.Connection, story_id: int) -> list[dict[str, object]]:
    """A story's articles, first seen first: outlet, time, URL, title, what each copies."""
    cursor = conn.execute(
        """SELECT a.id, COALESCE(a.publisher, a.source) AS outlet, a.source,
                  COALESCE(a.published, a.fetched_at) AS time, a.url, a.title,
                  a.duplicate_of, a.similarity
           FROM articles a WHERE a.story_id = ?
           ORDER BY a.duplicate_of IS NOT NULL, COALESCE(a.published, a.fetched_at), a.id""",
        [story_id],
    )
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def reset_stories(conn: sqlite3.Connection) -> None:
    """Take every article out of its story and delete the stories (before a reindex)."""
    conn.execute("UPDATE articles SET story_id = NULL, duplicate_of = NULL, similarity = NULL")
    conn.execute("DELETE FROM stories")
