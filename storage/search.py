"""Turn what a user types into an FTS5 MATCH expression.

The index tokenizes on spaces and punctuation (``unicode61``). Korean attaches
particles to words (삼성전자와, 네이버가), so a Hangul term becomes a prefix
query (``"삼성전자"*``) that also finds its inflected forms. Latin terms stay
whole words, so that ``AI`` does not match ``said``.
"""

from __future__ import annotations

import re
import sqlite3
import threading

from flows.core.text import HANGUL

__all__ = ["build_match_query", "safe_match_query"]

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
            parts.append(_quote(term) + ("*" if HANGUL.search(term) else ""))
    return " ".join(parts)


_checker = threading.local()


def _parses(expression: str) -> bool:
    """Whether FTS5 accepts ``expression`` (checked on an empty in-memory table)."""
    conn = getattr(_checker, "conn", None)
    if conn is None:
        conn = _checker.conn = sqlite3.connect(":memory:")
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    try:
        conn.execute("SELECT 1 FROM t WHERE t MATCH ?", [expression]).fetchall()
    except sqlite3.Error:
        return False
    return True


def safe_match_query(query: str) -> str:
    """:func:`build_match_query`, but FTS5 operators that do not parse are dropped.

    ``AI OR`` or ``NEAR( AI`` typed into a search box is a search for ``AI``, not
    an error. Returns ``""`` when nothing searchable is left.
    """
    expression = build_match_query(query)
    if not expression or _parses(expression):
        return expression
    plain = build_match_query(_RAW_SYNTAX.sub(" ", query).replace("(", " ").replace(")", " "))
    return plain if plain and _parses(plain) else ""
