"""Analyse an article before it is stored: entities, money, near-duplicate fingerprint.

One pure step between extraction and storage, shared by the ingest pipeline
and ``kaiwatch reindex`` so that both store exactly the same analysis.
"""

from __future__ import annotations

from dataclasses import replace

from flows.analyze import article_document
from flows.entities import EntityTagger
from flows.models import ArticleRecord
from flows.money import parse_amounts
from flows.neardup import fingerprint

__all__ = ["enrich_article"]


def enrich_article(article: ArticleRecord, tagger: EntityTagger | None) -> ArticleRecord:
    """Return ``article`` with its mentions, amounts and fingerprint filled in.

    Mentions and amounts carry offsets into ``article_document(title, text)``,
    the same document ``kaiwatch analyze`` reads. Without a tagger, no mentions.
    """
    document = article_document(article.title, article.text)
    return replace(
        article,
        mentions=tuple(tagger.tag(document)) if tagger is not None else (),
        amounts=tuple(parse_amounts(document)),
        fingerprint=fingerprint(article.title, article.text, article.lang),
    )
