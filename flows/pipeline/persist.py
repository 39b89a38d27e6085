"""Save analysed articles: one sequence, used by ingest and ``kaiwatch reindex`` alike.

Inside one write transaction, each of an article's events is filed in an event
record (the record of the same real-world event, else a new one: issue 16), the
article is put in a story (its best near-duplicate's, else its record's first
report's, else a new one), then its mentions, amounts and events are stored and,
for a new article, one alert per event record is queued (the outbox) and its lines
are counted for furniture detection. The archive reads and writes
(:mod:`storage`); the decisions are :mod:`flows.analysis.stories`' and
:mod:`flows.analysis.records`'.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from flows.analysis.event_facts import event_facts, facts_from_json, facts_to_json
from flows.analysis.identity import DEFAULT, EventFacts, Settings, same_deal_other_type
from flows.analysis.kin import Kin
from flows.analysis.records import (
    LINK_MIN_CONFIDENCE,
    Candidate,
    Filing,
    file_event,
    one_deal,
)
from flows.analysis.stories import best_text_match, event_window
from flows.core.models import ArticleRecord, EntryOutcome, Event
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
from storage.event_records import (
    apart_from,
    candidate_records,
    create_record,
    kin_rows,
    merge_records,
    record_key,
    record_story,
    refresh_record,
)
from storage.events import save_events
from storage.neardup import find_candidates, save_fingerprint
from storage.stories import StoryAssignment, join_story, story_key

__all__ = [
    "LINK_MIN_CONFIDENCE",
    "RecordPlan",
    "SaveCounts",
    "plan_records",
    "save_analysis",
    "save_outcomes",
]
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
    """Store an archived article's analysis: its story, mentions, amounts, events and records.

    Each event is filed in an event record (:func:`plan_records`): the record of the same
    real-world event, else a new one. The article's story is its best near-duplicate's, else
    (an article that reports one deal) its record's first report's story, else a new one.
    Names the knowledge base lacks are stored as entities of their own first
    (:func:`storage.entities.save_unknown_entities`), so their mentions can point at them.

    :param seen_at: when the article was published, else fetched (archive time form).
    :param queue_alerts: queue one alert per event record (a new article; not on a reindex,
        whose events were alerted on when they first came).
    """
    fetched_at = iso_utc(article.fetched_at) or seen_at
    match: tuple[int, float | None] | None = None
    if article.fingerprint is not None:
        match = best_text_match(
            article_id, article.fingerprint, find_candidates(conn, article.fingerprint)
        )
    plan = plan_records(conn, article_id, article, fetched_at)
    if match is None and plan.story_article is not None:
        match = (plan.story_article, None)
    story = join_story(conn, article_id, seen_at, match)
    if article.fingerprint is not None:
        save_fingerprint(conn, article_id, article.fingerprint)
    save_unknown_entities(conn, article.unknown_entities, seen_at)
    save_mentions(conn, article_id, article.mentions)
    save_amounts(conn, article_id, article.amounts)
    record_ids = _write_records(conn, article_id, story.story_id, plan, seen_at, fetched_at)
    links = [
        (record_id, filing.rule, facts_to_json(facts))
        for record_id, (facts, filing) in zip(record_ids, plan.filings, strict=True)
    ]
    save_events(conn, article_id, story.story_id, article.events, links)
    gained = {record_id: refresh_record(conn, record_id) for record_id in dict.fromkeys(record_ids)}
    if queue_alerts and article.events:
        _queue_alerts(conn, article_id, plan, article.events, record_ids, fetched_at)
        now = iso_utc(utc_now()) or ""
        for record_id, fields in gained.items():
            for field_name, value in fields.items():  # alerts.updates decides when sending
                outbox.queue_update(
                    conn, record_key(conn, record_id), field_name, value, article_id, now
                )
    return story


@dataclass(frozen=True)
class RecordPlan:
    """Where an article's events go (one filing per event, in order), decided before writing.

    ``story_article`` is the first report of the record whose story the article takes (None:
    no record, or a round-up of several deals).
    """

    filings: list[tuple[EventFacts, Filing]]
    story_article: int | None


def plan_records(
    conn: sqlite3.Connection,
    article_id: int,
    article: ArticleRecord,
    fetched_at: str,
    *,
    settings: Settings = DEFAULT,
) -> RecordPlan:
    """File each of the article's events: read the candidate records, let identity decide."""
    facts = [event_facts(event, article, str(article_id)) for event in article.events]
    if not facts:
        return RecordPlan([], None)
    bounds = event_window(fetched_at, settings.span_days)
    candidates: dict[str, list[Candidate]] = {}
    for kind in sorted({f.type for f in facts}):
        rows = (
            candidate_records(
                conn,
                kind,
                bounds,
                min_confidence=LINK_MIN_CONFIDENCE,
                excluding_article=article_id,
            )
            if bounds is not None
            else []
        )
        reports: dict[int, list[EventFacts]] = {}
        for row in rows:
            reports.setdefault(row.record_id, []).append(facts_from_json(row.facts))
        candidates[kind] = [Candidate(rid, tuple(r)) for rid, r in reports.items()]
    ids = {p.id for f in facts for p in (*f.parties, *f.mentions)}
    ids |= {p.id for cs in candidates.values() for c in cs for r in c.reports for p in r.parties}
    ids |= {p.id for cs in candidates.values() for c in cs for r in c.reports for p in r.mentions}
    kin = Kin.from_rows(kin_rows(conn, ids))
    apart = apart_from(conn, article_id)
    filings: list[tuple[EventFacts, Filing]] = []
    taken: set[int] = set()
    for f in facts:
        filing = file_event(
            f,
            candidates[f.type],
            kin,
            taken=taken,
            apart=apart.get(f.type, frozenset()),
            settings=settings,
        )
        if filing.record_id is not None:
            taken.add(filing.record_id)
        filings.append((f, filing))
    story_article = None
    joined = [(f, filing.record_id) for f, filing in filings if filing.record_id is not None]
    if joined:
        # the article takes the story of the record its first linked event joined
        kind, record_id = joined[0][0].type, joined[0][1]
        record = next(c for c in candidates[kind] if c.record_id == record_id)
        others = [f for f, filing in filings if filing.record_id is None]
        if one_deal(record, others, kin):
            story_article = record_story(conn, record_id)[1]
    return RecordPlan(filings, story_article)


def _write_records(
    conn: sqlite3.Connection,
    article_id: int,
    story_id: int,
    plan: RecordPlan,
    seen_at: str,
    fetched_at: str,
) -> list[int]:
    """Create the new records, fold bridged ones (G6); each event's record id, in order."""
    record_ids: list[int] = []
    per_type: dict[str, int] = {}
    for facts, filing in plan.filings:
        n = per_type.get(facts.type, 0)
        per_type[facts.type] = n + 1
        if filing.record_id is None:
            key = f"{article_id}:{facts.type}:{n}"
            record_id = create_record(
                conn, key, facts.type, article_id, story_id, seen_at, fetched_at
            )
        else:
            record_id = filing.record_id
            if filing.merge:
                merge_records(conn, record_id, filing.merge)
        record_ids.append(record_id)
    return record_ids


def _queue_alerts(
    conn: sqlite3.Connection,
    article_id: int,
    plan: RecordPlan,
    events: Sequence[Event],
    record_ids: Sequence[int],
    fetched_at: str,
) -> None:
    """Queue one alert per event record: a record already alerted stays silent.

    A1: a record whose deal already alerted under the other type (an investment announced with
    a partnership, or a write-up the detector typed differently) is announced by that alert.
    """
    now = iso_utc(utc_now()) or ""
    best: dict[int, tuple[Event, EventFacts]] = {}
    for event, (facts, _), record_id in zip(events, plan.filings, record_ids, strict=True):
        if record_id not in best or event.confidence > best[record_id][0].confidence:
            best[record_id] = (event, facts)
    queued: list[EventFacts] = []
    for record_id, (event, facts) in sorted(best.items(), key=lambda item: -item[1][0].confidence):
        key = record_key(conn, record_id)
        if not outbox.has_record_alert(conn, key) and _announced(
            conn, article_id, facts, queued, fetched_at
        ):
            continue
        story_id, _ = record_story(conn, record_id)
        story = story_key(conn, story_id) if story_id is not None else article_id
        outbox.queue_record_alert(conn, article_id, story, key, event.type, event.confidence, now)
        queued.append(facts)


def _announced(
    conn: sqlite3.Connection,
    article_id: int,
    facts: EventFacts,
    queued: Sequence[EventFacts],
    fetched_at: str,
) -> bool:
    """A1: an alerted record of the other type reports the same deal (or this article's own
    event of the other type, just queued)."""
    other = "partnership" if facts.type == "funding" else "funding"
    bounds = event_window(fetched_at, DEFAULT.span_days)
    rows = (
        candidate_records(
            conn, other, bounds, min_confidence=LINK_MIN_CONFIDENCE, excluding_article=article_id
        )
        if bounds is not None
        else []
    )
    # only a likely alert announces the deal: a doubtful one may never be sent
    alerted = outbox.alerted_records(
        conn, {row.record_id for row in rows}, min_confidence=LINK_MIN_CONFIDENCE
    )
    reports = [facts_from_json(row.facts) for row in rows if row.record_id in alerted]
    reports += [q for q in queued if q.type == other and q.probability >= LINK_MIN_CONFIDENCE]
    if not reports:
        return False
    ids = {p.id for f in (facts, *reports) for p in f.parties}
    kin = Kin.from_rows(kin_rows(conn, ids))
    return any(same_deal_other_type(facts, report, kin) for report in reports)


def _count_lines(conn: sqlite3.Connection, article: ArticleRecord) -> None:
    """Count the article's short lines per source: recurring ones are furniture."""
    keys = {
        line_key(line)
        for line in article.text.splitlines()
        if line.strip() and len(line) <= _MAX_FURNITURE_LINE
    }
    count_source_lines(conn, article.source, keys)
