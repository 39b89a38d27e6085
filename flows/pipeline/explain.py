"""Why an article did or did not alert: ``kaiwatch explain``.

Runs the detector on one article (from the archive, or given as a JSON line) and
follows the alert's path as the pipeline would: every type's probability, its best
candidates with the rules and features that decided them, and, for each type, whether
it would alert and why not (below the threshold, off topic, no channel, no route).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flows.analysis.events import EventDetector, Explanation
from flows.analysis.relevance import is_about_korean_ai
from flows.core.models import Event
from flows.notify.channels import Channel
from flows.pipeline.alert_config import AlertSettings
from storage.alerts import EventView

__all__ = ["AlertVerdict", "ExplainReport", "explain_record"]


@dataclass(frozen=True)
class AlertVerdict:
    """Whether one event type would alert, and why (not)."""

    type: str
    probability: float
    alert: bool
    why: str
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExplainReport:
    """An article, the detector's explanation, and the alert verdict per type."""

    id: Any
    title: str
    lang: str
    published: date | None
    about_korean_ai: bool
    threshold: float
    explanation: Explanation
    verdicts: tuple[AlertVerdict, ...]


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            return None
    return None


def _view(event: Event, record: Mapping[str, Any]) -> EventView:
    """The event as the router reads it (routes match on type, amount and parties)."""
    lead = event.amounts[0] if event.amounts else None
    return EventView(
        alert_id=None, type=event.type, subtype=event.subtype, parties=list(event.parties),
        party_names=list(event.party_names),
        amounts=[{"text": a.text, "currency": a.currency, "krw": a.krw, "usd": a.usd}
                 for a in event.amounts],
        amount_krw=lead.krw if lead else None, round=event.round, evidence=event.evidence,
        confidence=event.confidence, article_id=int(record.get("id") or 0),
        title=str(record.get("title") or ""), url=str(record.get("url") or ""),
        outlet=str(record.get("source") or ""), published=None, story_id=None, outlets=1,
        mentioned=[], roles=list(event.roles),
    )  # fmt: skip


def explain_record(
    record: Mapping[str, Any],
    *,
    detector: EventDetector,
    settings: AlertSettings,
    channels: Sequence[Channel],
) -> ExplainReport:
    """Explain one article: ``record`` has ``title``, ``text``, optionally ``id``, ``lang``,
    ``published`` (an archived article's row, or a JSON line of ``kaiwatch analyze``'s input).
    """
    from flows.pipeline.alerts import select_channels  # the router's own route matching

    title = str(record.get("title") or "")
    text = str(record.get("text") or "")
    lang = record.get("lang") or None
    published = _day(record.get("published"))
    explanation = detector.explain(title, text, lang=lang, published=published)
    about = is_about_korean_ai(title, text, explanation.lang)
    verdicts = []
    for verdict in explanation.types:
        event, p = verdict.event, verdict.probability
        if event is None or event.confidence < settings.threshold:
            why = f"below the threshold: {p:.2f} < {settings.threshold:.2f}"
            verdicts.append(AlertVerdict(verdict.type, p, False, why))
            continue
        if not about:
            why = "off topic: not about AI with a Korean connection (relevance rules)"
            verdicts.append(AlertVerdict(verdict.type, p, False, why))
            continue
        if not channels:
            why = "no channel configured: it would wait in the outbox ($KAIWATCH_NOTIFY)"
            verdicts.append(AlertVerdict(verdict.type, p, False, why))
            continue
        targets = select_channels(_view(event, record), settings.routes, channels)
        if not targets:
            why = f"no route matches (routes: {', '.join(r.name for r in settings.routes)})"
            verdicts.append(AlertVerdict(verdict.type, p, False, why))
            continue
        labels = tuple(c.label for c in targets)
        verdicts.append(AlertVerdict(verdict.type, p, True, "would alert", labels))
    return ExplainReport(
        id=record.get("id"), title=title, lang=explanation.lang, published=published,
        about_korean_ai=about, threshold=settings.threshold, explanation=explanation,
        verdicts=tuple(verdicts),
    )  # fmt: skip
