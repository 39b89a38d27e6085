"""Stories: every article belongs to one; a near-duplicate joins the story it matches.

The first article seen leads its story. A later copy (a syndicated re-run with
a new headline, a trimmed lead, another outlet's furniture) is kept in the
archive, marked with ``duplicate_of`` (the article it matched) and counted in
its story's ``size``, so that search, digests and alerts show each story once.

An article with no near-duplicate can still join a story by its events: a
Korean and an English report of one deal share no text, but they report the
same type of event, between the same parties, for the same amount, within a few
days (:func:`find_event_match`). Such a link has ``duplicate_of`` set and
``similarity`` NULL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flows.events import Event
from flows.neardup import Fingerprint, same_story
from storage.neardup import find_candidates, save_fingerprint

__all__ = [
    "AMOUNT_TOLERANCE",
    "EVENT_WINDOW_DAYS",
    "OUTLETS_SQL",
    "StoryAssignment",
    "assign_story",
    "find_event_match",
    "reset_stories",
    "story_articles",
]

# How many outlets carried article ``a``'s story (the publisher, else the source).
OUTLETS_SQL = (
    "SELECT count(DISTINCT COALESCE(o.publisher, o.source)) FROM articles o "
    "WHERE o.story_id = a.story_id"
)

#: Two reports of one event are at most this many days apart (published, else fetched).
EVENT_WINDOW_DAYS = 3
#: Two amounts are the same when they differ by at most this share: as written when both are
#: in one currency, else in won or in dollars (as stated, else converted by flows.money).
AMOUNT_TOLERANCE = 0.02


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
    match = _best_match(conn, article_id, fp) if fp is not None else None
    if match is None and events:
        linked = find_event_match(conn, article_id, events, seen_at, window_days=window_days)
        match = (linked, None) if linked is not None else None
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


# An amount: (currency, value as written, won, dollars).
_Money = tuple[str | None, float | None, int | None, int | None]
# Entity types that name no organisation: a model (Gemini) or a person is no party to match on.
_NOT_PARTIES = "'model', 'product', 'person', 'place'"
# (type, parent, country) of each organisation; ids not in the knowledge base are left out.
_Entities = dict[str, tuple[str, str | None, str | None]]


@dataclass(frozen=True)
class _StoredEvent:
    """An archived article's event, as much of it as matching reads."""

    article_id: int
    story_id: int
    type: str
    parties: tuple[str, ...]
    amounts: tuple[_Money, ...]
    round: str | None


def find_event_match(
    conn: sqlite3.Connection,
    article_id: int,
    events: Sequence[Event],
    seen_at: str,
    *,
    window_days: int = EVENT_WINDOW_DAYS,
) -> int | None:
    """The archived article whose story reports the same events as ``events``, if any.

    Two events match (:func:`_event_score`) when they have the same type, their
    articles are within ``window_days`` of each other, and

    * **partnership**: they share at least two parties, one of them not the Korean
      government;
    * **funding**: they name the same amount (``AMOUNT_TOLERANCE``), no different
      rounds, and the same company: at least ``min(2, …)`` parties other than the
      Korean government in common. A budget (no such party on one side) needs a
      government party in common instead.

    The article joins a story when at least one of its events matches one of the
    story's and each of its other events names only companies of that story: a
    round-up of several deals joins none of them. Of several stories, the one
    sharing the most parties wins, then the oldest.
    """
    bounds = _window(seen_at, window_days)
    if bounds is None or not events:
        return None
    stored = _events_in_window(conn, article_id, sorted({e.type for e in events}), bounds)
    if not stored:
        return None
    ids = {p for e in events for p in e.parties} | {p for s in stored for p in s.parties}
    entities = _entities(conn, ids)
    by_story: dict[int, list[_StoredEvent]] = {}
    for event in stored:
        by_story.setdefault(event.story_id, []).append(event)
    best: tuple[int, int, int] | None = None  # (shared parties, -story id, article id)
    for story_id, candidates in by_story.items():
        companies = [p for c in candidates for p in c.parties if _specific(p, entities)]
        total, article, linked = 0, (0, 0), True
        for event in events:
            hits = [
                (score, -other.article_id)
                for other in candidates
                if (score := _event_score(event, other, entities)) > 0
            ]
            if hits:
                total += max(hits)[0]
                article = max(article, max(hits))
            elif not _covered(event.parties, companies, entities):
                linked = False
                break
        if linked and total > 0 and (best is None or (total, -story_id) > best[:2]):
            best = (total, -story_id, -article[1])
    return best[2] if best is not None else None


def _window(seen_at: str, days: int) -> tuple[str, str] | None:
    """``seen_at`` ± ``days`` as the archive writes times (UTC, seconds), or None."""
    try:
        moment = datetime.fromisoformat(seen_at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment, span = moment.astimezone(UTC), timedelta(days=days)
    return (
        (moment - span).isoformat(timespec="seconds"),
        (moment + span).isoformat(timespec="seconds"),
    )


def _events_in_window(
    conn: sqlite3.Connection, article_id: int, types: list[str], bounds: tuple[str, str]
) -> list[_StoredEvent]:
    """Stored events of these types, of other articles seen within ``bounds``.

    Articles are found by time through ``articles_published``: dated ones by
    range, undated ones (``published`` NULL) by their ``fetched_at``; then their
    events through ``events_article``.
    """
    marks = ", ".join("?" for _ in types)
    select = (
        "SELECT e.article_id, a.story_id, e.type, e.parties, e.amounts, e.round "
        "FROM articles a JOIN events e ON e.article_id = a.id "
        f"WHERE a.id != ? AND a.story_id IS NOT NULL AND e.type IN ({marks}) AND "
    )
    rows = conn.execute(
        f"{select} a.published BETWEEN ? AND ? "
        f"UNION ALL {select} a.published IS NULL AND a.fetched_at BETWEEN ? AND ?",
        [article_id, *types, *bounds, article_id, *types, *bounds],
    ).fetchall()
    stored = []
    for other_id, story_id, kind, parties, amounts, round_name in rows:
        money = tuple(
            (a.get("currency"), a.get("value"), a.get("krw"), a.get("usd"))
            for a in json.loads(amounts)
        )
        stored.append(
            _StoredEvent(other_id, story_id, kind, tuple(json.loads(parties)), money, round_name)
        )
    return stored


def _entities(conn: sqlite3.Connection, ids: Iterable[str]) -> _Entities:
    """Type, parent and country of the organisations among ``ids`` (not models, people)."""
    wanted = sorted(ids)
    found: _Entities = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = conn.execute(
            "SELECT id, type, parent, country FROM entities "
            f"WHERE id IN ({', '.join('?' for _ in chunk)}) AND type NOT IN ({_NOT_PARTIES})",
            chunk,
        )
        for entity_id, kind, parent, country in rows:
            found[entity_id] = (kind, parent, country)
    return found


def _generic(party: str, entities: _Entities) -> bool:
    """The Korean government or one of its bodies: a party of too many events to link by."""
    kind, _, country = entities[party]
    return kind == "government" and country in (None, "KR")


def _specific(party: str, entities: _Entities) -> bool:
    """A known organisation other than the Korean government."""
    return party in entities and not _generic(party, entities)


def _same_party(x: str, y: str, entities: _Entities) -> bool:
    """One organisation, or one and its direct parent (Naver Cloud and Naver)."""
    return x == y or entities[x][1] == y or entities[y][1] == x


def _covered(parties: Iterable[str], companies: Sequence[str], entities: _Entities) -> bool:
    """``parties`` name at least one company, and only ``companies``."""
    own = [p for p in parties if _specific(p, entities)]
    return bool(own) and all(any(_same_party(p, c, entities) for c in companies) for p in own)


def _shared_parties(
    a: Iterable[str], b: Iterable[str], entities: _Entities
) -> tuple[int, int, int, int]:
    """(parties in common, of which not generic, non-generic in a, non-generic in b).

    Only known organisations count (a name the tagger did not know is not
    compared). Counted from the side with fewer matches.
    """
    left = [p for p in dict.fromkeys(a) if p in entities]
    right = [p for p in dict.fromkeys(b) if p in entities]

    def matched(xs: list[str], ys: list[str]) -> list[str]:
        return [x for x in xs if any(_same_party(x, y, entities) for y in ys)]

    from_left, from_right = matched(left, right), matched(right, left)
    common = from_left if len(from_left) <= len(from_right) else from_right
    return (
        len(common),
        sum(_specific(p, entities) for p in common),
        sum(_specific(p, entities) for p in left),
        sum(_specific(p, entities) for p in right),
    )


def _amounts_match(a: Sequence[_Money], b: Sequence[_Money]) -> bool:
    """Some amount of ``a`` is some amount of ``b``.

    In one currency the written values are compared (1 trillion won is not 1.9
    trillion won, whatever their conversions say); across currencies, won or dollars.
    """

    def close(x: float | None, y: float | None) -> bool:
        if x is None or y is None or x <= 0 or y <= 0:
            return False
        return abs(x - y) <= AMOUNT_TOLERANCE * max(x, y)

    for currency, value, krw, usd in a:
        for other_currency, other_value, other_krw, other_usd in b:
            if currency == other_currency:
                if close(value, other_value):
                    return True
            elif close(krw, other_krw) or close(usd, other_usd):
                return True
    return False


def _event_score(new: Event, old: _StoredEvent, entities: _Entities) -> int:
    """How many parties two events share if they report one event, else 0."""
    if new.type != old.type:
        return 0
    common, specific, new_specific, old_specific = _shared_parties(
        new.parties, old.parties, entities
    )
    if new.type == "partnership":
        return common if common >= 2 and specific >= 1 else 0
    if new.round and old.round and new.round != old.round:
        return 0
    if not _amounts_match([(a.currency, a.value, a.krw, a.usd) for a in new.amounts], old.amounts):
        return 0
    needed = min(2, new_specific, old_specific)
    if needed == 0:  # a budget: one amount, one government
        return common
    return common if specific >= needed else 0


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
