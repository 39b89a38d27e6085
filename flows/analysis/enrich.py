"""Analyse an article before it is stored: entities, money, events, near-duplicate fingerprint.

One pure step between extraction and storage, shared by the ingest pipeline
and ``kaiwatch reindex`` so that both store exactly the same analysis.
"""

from __future__ import annotations

from dataclasses import replace

from flows.analysis.entities import EntityTagger
from flows.analysis.events import EventDetector, default_detector
from flows.analysis.money import parse_amounts
from flows.analysis.neardup import fingerprint
from flows.core.models import ArticleRecord, Mention
from flows.core.text import article_document

__all__ = ["enrich_article"]


def enrich_article(
    article: ArticleRecord, tagger: EntityTagger | None, *, detector: EventDetector | None = None
) -> ArticleRecord:
    """Return ``article`` with its mentions, amounts, events and fingerprint filled in.

    Mentions and amounts carry offsets into ``article_document(title, text)``, the
    same document ``kaiwatch analyze`` reads. Mentions include names the knowledge
    base lacks (under their ``unk:`` ids, listed in ``unknown_entities``). The
    article's ``published`` date is what the detector reads time words against.
    Without a tagger (no knowledge base), no mentions and no events.

    :param detector: the event detector; by default the shipped model over ``tagger``.
    """
    fp = fingerprint(article.title, article.text, article.lang)
    if tagger is None:
        document = article_document(article.title, article.text)
        return replace(article, amounts=tuple(parse_amounts(document)), fingerprint=fp)
    detector = detector or default_detector(tagger)
    analysis = detector.analyse(
        article.title, article.text, lang=article.lang, published=article.published
    )
    view = analysis.view
    names = [n for n in view.names if n.known] + analysis.unknown_names
    mentions = sorted(
        (Mention(n.id, n.surface, n.start, n.end) for n in names), key=lambda m: m.start
    )
    return replace(
        article,
        mentions=tuple(mentions),
        amounts=tuple(view.amounts),
        events=tuple(analysis.events),
        unknown_entities=tuple(analysis.unknown),
        fingerprint=fp,
    )
