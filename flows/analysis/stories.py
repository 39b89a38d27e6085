"""Story identity: when a new article is a copy of an archived one.

A near-duplicate joins the story of the most similar verified candidate
(:func:`best_text_match`). An article with no near-duplicate can still join a
story by its events: it takes the story of its event record's first report
(:mod:`flows.analysis.records`, issue 16; this module's event matching retired).

Pure decisions over records: the archive reads the candidates
(:mod:`storage.neardup`) and :mod:`flows.pipeline.persist` hands them here,
inside the write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from flows.analysis.neardup import same_story
from flows.core.models import Fingerprint

__all__ = ["best_text_match", "event_window"]


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


def event_window(seen_at: str, days: int) -> tuple[str, str] | None:
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
