"""Event records: which record a newly archived event joins (issue 16).

An event record gathers the reports of one real-world event, first report first. The archive
reads the records of the event's type near it in time (:mod:`storage.event_records`); here the
decision is made, by the identity rules (:func:`flows.analysis.identity.judge`) and the
grouping rules G1–G3, G6 and G7 (:data:`flows.analysis.identity.RULES`). Deterministic: the same
events in the same order give the same records, which is what ``kaiwatch reindex`` relies on.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from flows.analysis.identity import (
    DEFAULT,
    EventFacts,
    Settings,
    Verdict,
    judge,
    same_org,
    strong_parties,
)
from flows.analysis.kin import Kin

__all__ = ["LINK_MIN_CONFIDENCE", "Candidate", "Filing", "file_event", "one_deal"]

#: Events less probable than this neither join a record nor are joined (measured with bench/event_link_eval.py:
#: a doubtful event would join a stock analysis to the deal it discusses).
LINK_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Candidate:
    """An archived record as filing reads it: its id (older records have lower ids) and reports."""

    record_id: int
    reports: tuple[EventFacts, ...]

    @property
    def first_date(self) -> date | None:
        """The earliest publication date of its reports (G3)."""
        dates = [r.date for r in self.reports if r.date]
        return min(dates) if dates else None

    @property
    def last_date(self) -> date | None:
        dates = [r.date for r in self.reports if r.date]
        return max(dates) if dates else None


@dataclass(frozen=True)
class Filing:
    """Where an event goes: ``record_id`` None starts a new record.

    ``rule`` is the rule that linked it (``new`` for a new record, ``G7.pin`` for an article a
    user split off), ``detail`` the verdict's words, ``merge`` the records it bridges into
    ``record_id`` (G6), oldest first.
    """

    record_id: int | None
    rule: str
    detail: str = ""
    merge: tuple[int, ...] = ()


def _match(facts: EventFacts, record: Candidate, kin: Kin, settings: Settings) -> Verdict | None:
    """G1: the best supporting verdict among the record's reports, unless one of them vetoes."""
    verdicts = [judge(facts, report, kin, settings) for report in record.reports]
    if any(v.hard for v in verdicts):
        return None
    support = [v for v in verdicts if v.same]
    return max(support, key=lambda v: v.score) if support else None


def _within_span(facts: EventFacts, record: Candidate, settings: Settings) -> bool:
    """G3: a record's dated reports stay within ``span_days`` of its first."""
    first, last = record.first_date, record.last_date
    if facts.date is None or first is None or last is None:
        return True
    return (max(last, facts.date) - min(first, facts.date)).days <= settings.span_days


def file_event(
    facts: EventFacts,
    candidates: Sequence[Candidate],
    kin: Kin,
    *,
    taken: Collection[int] = (),
    apart: Collection[str] = (),
    settings: Settings = DEFAULT,
) -> Filing:
    """The record ``facts`` joins among ``candidates`` (same type, near in time), or a new one.

    :param taken: records another event of the same article already joined (one article's two
        events are two events).
    :param apart: articles a user split this article's event off (G7): never in one record.
    """
    if facts.probability < LINK_MIN_CONFIDENCE:
        return Filing(None, "new")
    matching: list[tuple[float, int, Candidate, Verdict]] = []
    pinned = False
    for record in candidates:
        if record.record_id in taken:
            continue
        if any(report.article in apart for report in record.reports):
            pinned = True
            continue
        if not _within_span(facts, record, settings):
            continue
        verdict = _match(facts, record, kin, settings)
        if verdict is not None:
            matching.append((verdict.score, -record.record_id, record, verdict))
    if not matching:
        return Filing(None, "G7.pin" if pinned else "new")
    best = max(matching, key=lambda m: (m[0], m[1]))  # G2: most in common, then the oldest
    others = [m[2] for m in matching if m[2] is not best[2]]
    group = _bridge(best[2], others, kin, settings) if others else [best[2]]
    keep = min(group, key=lambda r: r.record_id)
    merge = tuple(sorted(r.record_id for r in group if r is not keep))
    rule = best[3].rule if not merge else "G6.bridge"
    return Filing(keep.record_id, rule, best[3].detail, merge)


def _bridge(
    best: Candidate, others: Sequence[Candidate], kin: Kin, settings: Settings
) -> list[Candidate]:
    """G6: records a report matches that have no conflict between them, and fit one span."""
    group = [best]
    for record in sorted(others, key=lambda r: r.record_id):
        dates = [d for g in (*group, record) for d in (g.first_date, g.last_date) if d]
        if dates and (max(dates) - min(dates)).days > settings.span_days:
            continue
        if all(
            not judge(x, y, kin, settings).hard
            for g in group
            for x in g.reports
            for y in record.reports
        ):
            group.append(record)
    return group


def one_deal(record: Candidate, others: Sequence[EventFacts], kin: Kin) -> bool:
    """Whether an article one of whose events joined ``record`` reports that deal only.

    Its ``others`` (events that started records, or too doubtful to link) must name only
    organisations the record's reports name: a round-up of several deals takes no deal's
    story, though each of its events still joins its record.
    """
    theirs = [p for report in record.reports for p in (*report.parties, *report.mentions)]
    return all(
        any(same_org(p, q, kin) for q in theirs) for e in others for p in strong_parties(e, kin)
    )
