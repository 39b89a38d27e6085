"""Turn what a user types into an FTS5 MATCH expression.

The index tokenizes on spaces and punctuation (``unicode61``). Korean attaches
particles to words (삼성전자와, 네이버가), so a Hangul term becomes a prefix
query (``"삼성전자"*``) that also finds its inflected forms. Latin terms stay
whole words, so that ``AI`` does not match ``said``.
"""

from __future__ import annotations

import re

__all__ = ["build_match_query"]

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_RAW_SYNTAX = re.compile(r"\b(AND|OR|NOT|NEAR)\b|[*^]")
_TOKEN = re.compile(r'"([^"]+)"|(\S+)')
# Characters FTS5 would read as syntax inside a bare term.
_STRIP = re.compile(r"[^\w\-.'\u00b7]+", re.UNICODE)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def build_match_query(query: str) -> str:
    """Build a MATCH expression: every term must match; Hangul terms match as prefixes.

    A query that already uses FTS5 operators (AND, OR, NOT, NEAR, ``*``, ``^``)
    is passed through unchanged, for users who know the syntax.
    """
    query = query.strip()
    if not query:
        return ""
    if _RAW_SYNTAX.search(query):
        return query
    parts: list[str] = []
    for match in _TOKEN.finditer(query):
        phrase, word = match.groups()
        if phrase is not None:
            parts.append(_quote(phrase.strip()))
            continue
        for term in _STRIP.split(word):
            term = term.strip("-.'")
            if not term:
                continue
            parts.append(_quote(term) + ("*" if _HANGUL.search(term) else ""))
    return " ".join(parts)
