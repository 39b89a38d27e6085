"""Rebuild every article's analysis: fingerprints, stories, entity mentions, amounts, events.

For after a change of the near-duplicate thresholds, of ``entities.yaml`` or of
the detector. Articles are replayed in publication order (else fetched, then id),
so the first report leads its story and its event record, and two reindexes of
one archive build the same records with the same keys; alerts are then pointed
at the records now holding their articles' events (:func:`storage.alerts.rekey_alerts`).
Articles a user split off a record (``kaiwatch story split``) stay split. The work
is done in batches; a reindex that is interrupted leaves some articles without a
story, and running it again completes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flows.analysis.enrich import enrich_article
from flows.analysis.entities import EntityTagger
from flows.analysis.knowledge import KnowledgeBase
from flows.core.models import ArticleRecord
from flows.pipeline.persist import save_analysis
from storage.alerts import rekey_alerts
from storage.archive import Archive
from storage.entities import clear_article_tags, sync_entities
from storage.event_records import clear_records
from storage.events import clear_events
from storage.neardup import delete_fingerprints
from storage.stories import reset_stories

__all__ = ["ReindexCounts", "reindex_archive"]

BATCH_SIZE = 200


@dataclass(frozen=True)
class ReindexCounts:
    articles: int
    stories: int
    near_duplicates: int


def reindex_archive(
    archive: Archive,
    kb: KnowledgeBase | None,
    *,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> ReindexCounts:
    """Re-analyse every archived article; ``progress(done, total)`` after each batch."""
    tagger = EntityTagger(kb) if kb is not None else None
    with archive.write() as conn:
        clear_records(conn)  # first: records point at stories, events at records
        clear_events(conn)  # events point at stories
        reset_stories(conn)
        delete_fingerprints(conn)
        clear_article_tags(conn)
        if kb is not None:
            sync_entities(conn, kb)
    total = archive.count_articles()
    done = near_duplicates = 0
    after: tuple[str, str, int] | None = None
    while True:
        rows = archive.articles_in_order(after, limit=BATCH_SIZE)
        if not rows:
            break
        enriched = [(row["id"], row, enrich_article(_record(row), tagger)) for row in rows]
        with archive.write() as conn:
            for article_id, row, article in enriched:
                story = save_analysis(conn, article_id, article, row["seen"], queue_alerts=False)
                near_duplicates += story.duplicate_of is not None
        done += len(rows)
        last = rows[-1]
        after = (str(last["seen"]), str(last["fetched_at"]), int(last["id"]))
        progress(done, total)
    with archive.write() as conn:
        rekey_alerts(conn)
    stories = int(archive.conn.execute("SELECT count(*) FROM stories").fetchone()[0])
    return ReindexCounts(articles=done, stories=stories, near_duplicates=near_duplicates)


def _record(row: dict[str, object]) -> ArticleRecord:
    """The stored fields the analysis reads, as the record the pipeline builds."""
    return ArticleRecord(
        canonical_url=str(row["canonical_url"]),
        url=str(row["url"]),
        title=str(row["title"]),
        text=str(row["text"]),
        content_hash=str(row["content_hash"]),
        source=str(row["source"]),
        fetched_at=datetime.fromisoformat(str(row["fetched_at"])),
        lang=row["lang"] if isinstance(row["lang"], str) else None,
        # the detector reads time words against it, and event identity separates reports by it
        published=datetime.fromisoformat(str(row["published"])) if row["published"] else None,
    )
