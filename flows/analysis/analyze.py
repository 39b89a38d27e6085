"""Analyse one article without the archive: language, relevance, entities, money.

:func:`analyze_article` is what ``kaiwatch analyze`` prints for each input line,
and what the evaluation scripts score. It is pure: the caller builds the
:class:`~flows.analysis.entities.EntityTagger` once and passes it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.analysis.entities import EntityTagger, Mention, count_entities
from flows.analysis.events import detect_events, events_to_json
from flows.analysis.knowledge import KnowledgeBase
from flows.analysis.money import DEFAULT_RATES, Amount, Rates, parse_amounts
from flows.analysis.relevance import is_about_korean_ai
from flows.core.text import detect_language

__all__ = ["analyze_article", "article_document", "entity_rows", "money_rows"]


def article_document(title: str, text: str) -> str:
    """Join title and text into the document the tagger reads.

    The title is left out when the text already starts with it (many pages repeat
    the headline as their first line), so that it is not counted twice.
    """
    title, text = title.strip(), text.strip()
    if not title or text.startswith(title):
        return text
    return f"{title}\n{text}" if text else title


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def entity_rows(mentions: list[Mention], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """``{"id", "name", "type", "count"}`` per entity, most mentioned first, then by name."""
    rows: list[dict[str, Any]] = []
    for entity_id, count in count_entities(mentions).items():
        entity = kb.get(entity_id)
        rows.append({"id": entity.id, "name": entity.name, "type": entity.type, "count": count})
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


def analyze_article(
    record: Mapping[str, Any],
    *,
    tagger: EntityTagger,
    kb: KnowledgeBase,
    rates: Rates = DEFAULT_RATES,
) -> dict[str, Any]:
    """Return ``kaiwatch analyze``'s object for one article.

    :param record: ``id``, ``title``, ``text`` and optionally ``lang`` (detected
        from title and text when absent); other keys (``url``, ``published``) are ignored.
    :param tagger: built once from ``kb``.
    :param kb: the knowledge base, for entity names and types.
    :param rates: exchange rates for the ``krw`` and ``usd`` of amounts.
    :returns: ``{"id", "lang", "about_korean_ai", "entities", "money", "events"}``;
        ``events`` as :func:`flows.analysis.events.events_to_json` gives them.
    """
    title = str(record.get("title") or "")
    text = str(record.get("text") or "")
    lang = record.get("lang") or detect_language(f"{title}\n{text}")
    document = article_document(title, text)
    mentions = tagger.tag(document)
    events = detect_events(
        title,
        text,
        mentions=mentions,
        amounts=parse_amounts(document, rates=rates),  # offsets into the same document
        kb=kb,
        lang=lang,
    )
    return {
        "id": record.get("id"),
        "lang": lang,
        "about_korean_ai": is_about_korean_ai(title, text, lang),
        "entities": entity_rows(mentions, kb),
        "money": money_rows(parse_amounts(text or title, rates=rates)),
        "events": events_to_json(events, kb),
    }
