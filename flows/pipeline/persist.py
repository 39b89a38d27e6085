"""Save analysed articles: one sequence, used by ingest and ``kaiwatch reindex`` alike.

Inside one write transaction, an article is put in a story (its best
near-duplicate's, else the story reporting the same events, else a new one),
then its mentions, amounts and events are stored and, for a new article, one
alert per event is queued (the outbox) and its lines are counted for furniture
detection. The archive reads and writes (:mod:`storage`); the decisions are
:mod:`flows.analysis.stories`'.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from flows.analysis.stories import (
    EVENT_WINDOW_DAYS,
    NOT_PARTIES,
    best_text_match,
    event_window,
    match_event_story,
)
from flows.core.models import ArticleRecord, EntryOutcome, Event, Fingerprint
from flows.parse.extract import line_key
from storage import alerts as outbox
from storage.archive import (
    Archive,
    count_source_lines,
    insert_article,
    iso_utc,
    record_entry,
    utc_now,
)
from storage.entities import save_amounts, save_mentions, save_unknown_entities
from storage.events import save_events
from storage.neardup import find_candidates, save_fingerprint
from storage.stories import (
    StoryAssignment,
    events_in_window,
    join_story,
    party_entities,
    story_key,
)

__all__ = [
    "SaveCounts",
    "assign_story",
    "find_event_match",
    "save_analysis",
    "save_outcomes",
]

#: Events less probable than this do not link stories (bench/event_link_eval.py).
LINK_MIN_CONFIDENCE = 0.5
# Lines longer than this are sentences, not furniture; they are not counted.
_MAX_FURNITURE_LINE = 200


@dataclass
class SaveCounts:
    """How a batch of entry outcomes landed in the archive."""

    new: int = 0
    joined_story: int = 0  # new articles that are near-duplicates of an archived story
    duplicate: int = 0
    irrelevant: int = 0
    failed: int = 0
    new_article_ids: list[int] = field(default_factory=list)


def save_outcomes(
    archive: Archive,
    outcomes: Sequence[EntryOutcome],
    *,
    feed_id: int | None,
    run_id: int | None,
) -> SaveCounts:
    """Store a batch of entry outcomes in one transaction.

    An article whose canonical URL or content hash is already archived is
    a duplicate: the entry points at the archived copy.
    """
    counts = SaveCounts()
    now = iso_utc(utc_now())
    with archive.write() as conn:
        for outcome in outcomes:
            article_id: int | None = None
            status = outcome.status
            if outcome.article is not None:
                article = outcome.article
                article_id, new = insert_article(conn, article, feed_id=feed_id, run_id=run_id)
                if new:
                    seen = iso_utc(article.published or article.fetched_at) or ""
                    story = save_analysis(conn, article_id, article, seen, queue_alerts=True)
                    _count_lines(conn, article)
                    counts.new += 1
                    counts.new_article_ids.append(article_id)
                    counts.joined_story += story.duplicate_of is not None
                else:
                    status = "duplicate"
                    counts.duplicate += 1
            elif status == "irrelevant":
                counts.irrelevant += 1
            else:
                counts.failed += 1
            record_entry(
                conn, outcome, status=status, article_id=article_id, feed_id=feed_id, now=now
            )
    return counts


def save_analysis(
    conn: sqlite3.Connection,
    article_id: int,
    article: ArticleRecord,
    seen_at: str,
    *,
    queue_alerts: bool,
) -> StoryAssignment:
    """Store an archived article's analysis: its story, mentions, amounts and events.

    Names the knowledge base lacks are stored as entities of their own first
    (:func:`storage.entities.save_unknown_entities`), so their mentions can point at them.

    :param seen_at: when the article was published, else fetched (archive time form).
    :param queue_alerts: queue one alert per event (a new article; not on a reindex,
        whose events were alerted on when they first came).
    """
    story = assign_story(conn, article_id, article.fingerprint, seen_at, events=article.events)
    save_unknown_entities(conn, article.unknown_entities, seen_at)
    save_mentions(conn, article_id, article.mentions)
    save_amounts(conn, article_id, article.amounts)
    save_events(conn, article_id, story.story_id, article.events)
    if queue_alerts and article.events:
        _queue_alerts(conn, article_id, story, article.events)
    return story


def _queue_alerts(
    conn: sqlite3.Connection, article_id: int, story: StoryAssignment, events: Sequence[Event]
) -> None:
    """Queue the alerts of an article's events, keyed by their story's first article."""
    key = story_key(conn, story.story_id)
    outbox.queue_alerts(conn, article_id, key, events, iso_utc(utc_now()) or "")


def assign_story(
    conn: sqlite3.Connection,
    article_id: int,
    fp: Fingerprint | None,
    seen_at: str,
    *,
    events: Sequence[Event] = (),
    window_days: int = EVENT_WINDOW_DAYS,
) -> StoryAssignment:
    """Put a stored article in a story: its best near-duplicate's, its events' match's, or new.

    ``events`` are the article's own (not stored yet); they are compared with the
    stored events of articles seen within ``window_days`` of ``seen_at``. Runs
    inside the caller's write transaction; stores the fingerprint too.
    """
    match: tuple[int, float | None] | None = None
    if fp is not None:
        match = best_text_match(article_id, fp, find_candidates(conn, fp))
    if match is None and events:
        linked = find_event_match(conn, article_id, events, seen_at, window_days=window_days)
        match = (linked, None) if linked is not None else None
    story = join_story(conn, article_id, seen_at, match)
    if fp is not None:
        save_fingerprint(conn, article_id, fp)
    return story


def find_event_match(
    conn: sqlite3.Connection,
    article_id: int,
    events: Sequence[Event],
    seen_at: str,
    *,
    window_days: int = EVENT_WINDOW_DAYS,
) -> int | None:
    """The archived article whose story reports the same events as ``events``, if any.

    Reads the archived events of the same types within ``window_days`` of
    ``seen_at`` and their parties, and lets
    :func:`flows.analysis.stories.match_event_story` decide.
    """
    bounds = event_window(seen_at, window_days)
    # Only events likely to be real link stories: a doubtful one (stored from 0.3 on, for a
    # lower alerts.threshold) would join a stock analysis to the deal it discusses. The
    # doubtful ones still keep a round-up of several deals out of any one deal's story.
    if bounds is None or not any(e.confidence >= LINK_MIN_CONFIDENCE for e in events):
        return None
    stored = events_in_window(
        conn,
        article_id,
        sorted({e.type for e in events}),
        bounds,
        min_confidence=LINK_MIN_CONFIDENCE,
    )
    if not stored:
        return None
    ids = {p for e in events for p in e.parties} | {p for s in stored for p in s.parties}
    entities = party_entities(conn, ids, excluding=NOT_PARTIES)
    return match_event_story(events, stored, entities, min_confidence=LINK_MIN_CONFIDENCE)


def _count_lines(conn: sqlite3.Connection, article: ArticleRecord) -> None:
    """Count the article's short lines per source: recurring ones are furniture."""
    keys = {
        line_key(line)
        for line in article.text.splitlines()
        if line.strip() and len(line) <= _MAX_FURNITURE_LINE
    }
    count_source_lines(conn, article.source, keys)
