"""Fingerprints that decide when two articles are the same.

Exact duplicates only for now: the same text, whatever the markup, spacing,
case or punctuation around it, has the same :func:`content_hash`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["content_hash", "normalize_for_hash"]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_for_hash(text: str) -> str:
    """Fold case, width and punctuation so that trivially different copies match."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
