"""Stories: every article belongs to one; a near-duplicate joins the story it matches.

The first article seen leads its story. A later copy (a syndicated re-run with
a new headline, a trimmed lead, another outlet's furniture) is kept in the
archive, marked with ``duplicate_of`` (the article it matched) and counted in
its story's ``size``, so that search, digests and alerts show each story once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flows.neardup import Fingerprint, same_story
from storage.neardup import find_candidates, save_fingerprint

__all__ = ["OUTLETS_SQL", "StoryAssignment", "assign_story", "reset_stories", "story_articles"]

# How many outlets carried article ``a``'s story (the publisher, else the source).
OUTLETS_SQL = (
    "SELECT count(DISTINCT COALESCE(o.publisher, o.source)) FROM articles o "
    "WHERE o.story_id = a.story_id"
)


@dataclass(frozen=True)
class StoryAssignment:
    """The story an article joined, and the article it matched (None: a new story)."""

    story_id: int
    duplicate_of: int | None = None
    similarity: float | None = None


def assign_story(
    conn: sqlite3.Connection, article_id: int, fp: Fingerprint | None, seen_at: str
) -> StoryAssignment:
    """Put a stored article in a story: the story of its best near-duplicate, or a new one.

    Runs inside the caller's write transaction; stores the fingerprint too.
    """
    match = _best_match(conn, article_id, fp) if fp is not None else None
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
    if fp is not None:
        save_fingerprint(conn, article_id, fp)
    return assignment


def _best_match(
    conn: sqlite3.Connection, article_id: int, fp: Fingerprint
) -> tuple[int, float] | None:
    """The most similar verified near-duplicate among the LSH candidates, if any."""
    best: tuple[int, float] | None = None
    for candidate_id, candidate in find_candidates(conn, fp):
        if candidate_id == article_id:
            continue
        same, score = same_story(fp, candidate)
        if same and (best is None or score > best[1]):
            best = (candidate_id, score)
    return best


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
