"""Analyse one article without the archive: language, relevance, entities, money, events.

:func:`analyze_article` is what ``kaiwatch analyze`` prints for each input line,
and what the evaluation scripts score. It is pure: the caller builds the
:class:`~flows.analysis.entities.EntityTagger` once and passes it in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flows.analysis.entities import EntityTagger, Mention, count_entities
from flows.analysis.events import EventDetector, default_detector, events_to_json
from flows.analysis.knowledge import KnowledgeBase
from flows.analysis.money import DEFAULT_RATES, Amount, Rates, parse_amounts
from flows.analysis.names import Name
from flows.analysis.relevance import is_about_korean_ai
from flows.core.text import article_document, detect_language

__all__ = ["analyze_article", "article_document", "entity_rows", "money_rows"]


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def entity_rows(
    mentions: list[Mention], kb: KnowledgeBase, unknown: list[Name] | None = None
) -> list[dict[str, Any]]:
    """``{"id", "name", "type", "count", "known"}`` per entity, most mentioned first.

    Known entities come from ``mentions`` (the knowledge base's names); ``unknown`` are
    names it lacks, with their stable ``unk:`` id, the surface first seen and a type guess.
    """
    rows: list[dict[str, Any]] = []
    for entity_id, count in count_entities(mentions).items():
        entity = kb.get(entity_id)
        rows.append(
            {"id": entity.id, "name": entity.name, "type": entity.type, "count": count,
             "known": True}
        )  # fmt: skip
    counts = Counter(n.id for n in unknown or [])
    firsts: dict[str, Name] = {}
    for name in unknown or []:
        firsts.setdefault(name.id, name)
    for entity_id, count in counts.items():
        name = firsts[entity_id]
        rows.append(
            {"id": entity_id, "name": name.surface, "type": name.type, "count": count,
             "known": False}
        )  # fmt: skip
    rows.sort(key=lambda row: (-row["count"], row["name"]))
    return rows


def money_rows(amounts: list[Amount]) -> list[dict[str, Any]]:
    """``{"text", "currency", "value", "krw", "usd"}`` per amount, in text order."""
    return [
        {
            "text": amount.text,
            "currency": amount.currency,
            "value": _number(amount.value),
            "krw": amount.krw,
            "usd": amount.usd,
        }
        for amount in amounts
    ]


def _published(value: object) -> date | None:
    """``published`` as given on an input line (ISO date or date-time), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def analyze_article(
    record: Mapping[str, Any],
    *,
    tagger: EntityTagger,
    kb: KnowledgeBase,
    rates: Rates = DEFAULT_RATES,
    detector: EventDetector | None = None,
) -> dict[str, Any]:
    """Return ``kaiwatch analyze``'s object for one article.

    :param record: ``id``, ``title``, ``text`` and optionally ``lang`` (detected from
        title and text when absent) and ``published`` (the article's date: "last year"
        and 지난달 are read against it); other keys (``url``) are ignored.
    :param tagger: built once from ``kb``.
    :param kb: the knowledge base, for entity names and types.
    :param rates: exchange rates for the ``krw`` and ``usd`` of amounts.
    :param detector: the event detector (the shipped model over ``tagger`` by default).
    :returns: ``{"id", "lang", "about_korean_ai", "entities", "money", "events"}``;
        ``entities`` with ``known`` true or false, ``events`` as
        :func:`flows.analysis.events.events_to_json` gives them (parties with roles).
    """
    title = str(record.get("title") or "")
    text = str(record.get("text") or "")
    lang = record.get("lang") or detect_language(f"{title}\n{text}")
    detector = detector or default_detector(tagger)
    analysis = detector.analyse(
        title, text, lang=lang, published=_published(record.get("published"))
    )
    mentions = [Mention(n.id, n.surface, n.start, n.end) for n in analysis.view.names if n.known]
    return {
        "id": record.get("id"),
        "lang": lang,
        "about_korean_ai": is_about_korean_ai(title, text, lang),
        "entities": entity_rows(mentions, kb, analysis.unknown_names),
        "money": money_rows(parse_amounts(text or title, rates=rates)),
        "events": events_to_json(analysis.events),
    }
