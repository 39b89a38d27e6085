"""Story identity: when a new article is a copy of an archived one, or reports its events.

A near-duplicate joins the story of the most similar verified candidate
(:func:`best_text_match`). An article with no near-duplicate can still join a
story by its events: a Korean and an English report of one deal share no text,
but they report the same type of event, between the same parties, for the same
amount, within a few days (:func:`match_event_story`).

Pure decisions over records: the archive reads the candidates
(:mod:`storage.neardup`, :mod:`storage.stories`) and
:mod:`flows.pipeline.persist` hands them here, inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from flows.analysis.neardup import same_story
from flows.core.models import Event, Fingerprint, StoredEvent

__all__ = [
    "AMOUNT_TOLERANCE",
    "EVENT_WINDOW_DAYS",
    "NOT_PARTIES",
    "Parties",
    "best_text_match",
    "event_window",
    "match_event_story",
]

#: Two reports of one event are at most this many days apart (published, else fetched).
EVENT_WINDOW_DAYS = 3
#: Two amounts are the same when they differ by at most this share: as written when both are
#: in one currency, else in won or in dollars (as stated, else converted by flows.analysis.money).
AMOUNT_TOLERANCE = 0.02
#: Entity types that name no organisation: a model (Gemini) or a person is no party to match on.
NOT_PARTIES = ("model", "product", "person", "place")

# An amount: (currency, value as written, won, dollars).
_Money = tuple[str | None, float | None, int | None, int | None]
#: (type, parent, country) of each organisation; ids not in the knowledge base are left out.
Parties = Mapping[str, tuple[str, str | None, str | None]]


def best_text_match(
    article_id: int, fp: Fingerprint, candidates: Iterable[tuple[int, Fingerprint]]
) -> tuple[int, float] | None:
    """The most similar verified near-duplicate among the LSH candidates, if any."""
    best: tuple[int, float] | None = None
    for candidate_id, candidate in candidates:
        if candidate_id == article_id:
            continue
        same, score = same_story(fp, candidate)
        if same and (best is None or score > best[1]):
            best = (candidate_id, score)
    return best


def event_window(seen_at: str, days: int = EVENT_WINDOW_DAYS) -> tuple[str, str] | None:
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


def match_event_story(
    events: Sequence[Event],
    stored: Sequence[StoredEvent],
    entities: Parties,
    *,
    min_confidence: float = 0.0,
) -> int | None:
    """The archived article whose story reports the same events as ``events``, if any.

    ``stored`` are the archived events of the same types within the time window
    (:func:`event_window`); ``entities`` describe the parties of both sides. Two
    events match (:func:`_event_score`) when they have the same type, and

    * **partnership**: they share at least two parties, one of them not the Korean
      government;
    * **funding**: they name the same amount (``AMOUNT_TOLERANCE``), no different
      rounds, and the same company: at least ``min(2, …)`` parties other than the
      Korean government in common. A budget (no such party on one side) needs a
      government party in common instead.

    The article joins a story when at least one of its events matches one of the
    story's and each of its other events names only companies of that story: a
    round-up of several deals joins none of them. Of several stories, the one
    sharing the most parties wins, then the oldest. An event less probable than
    ``min_confidence`` matches nothing, but still counts for the round-up rule.
    """
    if not events or not stored:
        return None
    by_story: dict[int, list[StoredEvent]] = {}
    for stored_event in stored:
        by_story.setdefault(stored_event.story_id, []).append(stored_event)
    best: tuple[int, int, int] | None = None  # (shared parties, -story id, article id)
    for story_id, candidates in by_story.items():
        companies = [p for c in candidates for p in c.parties if _specific(p, entities)]
        total, article, linked = 0, (0, 0), True
        for event in events:
            hits = [
                (score, -other.article_id)
                for other in candidates
                if event.confidence >= min_confidence
                and (score := _event_score(event, other, entities)) > 0
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


def _generic(party: str, entities: Parties) -> bool:
    """The Korean government or one of its bodies: a party of too many events to link by."""
    kind, _, country = entities[party]
    return kind == "government" and country in (None, "KR")


def _specific(party: str, entities: Parties) -> bool:
    """A known organisation other than the Korean government."""
    return party in entities and not _generic(party, entities)


def _same_party(x: str, y: str, entities: Parties) -> bool:
    """One organisation, or one and its direct parent (Naver Cloud and Naver)."""
    return x == y or entities[x][1] == y or entities[y][1] == x


def _covered(parties: Iterable[str], companies: Sequence[str], entities: Parties) -> bool:
    """``parties`` name at least one company, and only ``companies``."""
    own = [p for p in parties if _specific(p, entities)]
    return bool(own) and all(any(_same_party(p, c, entities) for c in companies) for p in own)


def _shared_parties(
    a: Iterable[str], b: Iterable[str], entities: Parties
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


def _event_score(new: Event, old: StoredEvent, entities: Parties) -> int:
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
