"""Analyse an article before it is stored: entities, money, events, near-duplicate fingerprint.

One pure step between extraction and storage, shared by the ingest pipeline
and ``kaiwatch reindex`` so that both store exactly the same analysis.
"""

from __future__ import annotations

from dataclasses import replace

from flows.analysis.analyze import article_document
from flows.analysis.entities import EntityTagger
from flows.analysis.events import detect_events
from flows.analysis.money import parse_amounts
from flows.analysis.neardup import fingerprint
from flows.core.models import ArticleRecord

__all__ = ["enrich_article"]


def enrich_article(article: ArticleRecord, tagger: EntityTagger | None) -> ArticleRecord:
    """Return ``article`` with its mentions, amounts and fingerprint filled in.

    Mentions and amounts carry offsets into ``article_document(title, text)``,
    the same document ``kaiwatch analyze`` reads. Without a tagger (no knowledge
    base), no mentions and no events: an event needs its parties.
    """
    document = article_document(article.title, article.text)
    mentions = tagger.tag(document) if tagger is not None else []
    amounts = parse_amounts(document)
    events = (
        detect_events(
            article.title,
            article.text,
            mentions=mentions,
            amounts=amounts,
            kb=tagger.kb,
            lang=article.lang,
        )
        if tagger is not None
        else []
    )
    return replace(
        article,
        mentions=tuple(mentions),
        amounts=tuple(amounts),
        events=tuple(events),
        fingerprint=fingerprint(article.title, article.text, article.lang),
    )
