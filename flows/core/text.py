"""Text helpers every room shares: the Hangul pattern, language detection, the document
an article is read as, and its sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

__all__ = [
    "HANGUL",
    "HANGUL_CHARS",
    "Sentence",
    "article_document",
    "detect_language",
    "split_sentences",
]

#: Hangul in a character class: syllables, jamo and compatibility jamo.
HANGUL_CHARS = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
#: One Hangul character; ``HANGUL.search(text)`` says whether a text has any Korean.
HANGUL = re.compile(f"[{HANGUL_CHARS}]")
# Everything that is not a letter (digits and underscores included), whatever the script.
_NON_LETTERS_RE = re.compile(r"[\W\d_]+")

# Hangul share of letters above which a text is Korean (Korean news is full of Latin names).
_KOREAN_SHARE = 0.3
_LANGID_CHARS = 3000


@cache
def _identifier() -> LanguageIdentifier:
    """Load the py3langid model once, on first use (it takes a moment)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE)


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of ``text``'s language, or None if it has no letters.

    Hangul decides "ko", and English function words decide "en"; only other text
    goes to py3langid. Its model adds about 100 MB to the process, so it is
    loaded only when an article is in neither of kaiwatch's two main languages.
    """
    sample = text[:_LANGID_CHARS]
    letters = len(_NON_LETTERS_RE.sub("", sample))  # twice as fast as counting matches
    if not letters:
        return None
    if len(HANGUL.findall(sample)) >= _KOREAN_SHARE * letters:
        return "ko"
    words = _WORD_RE.findall(sample.casefold())
    if len(words) >= _MIN_WORDS_FOR_ENGLISH and (
        sum(word in _ENGLISH_FUNCTION_WORDS for word in words) >= _ENGLISH_SHARE * len(words)
    ):
        return "en"
    lang, _score = _identifier().classify(sample)
    return str(lang)


# Running English prose is about 40 % function words. On the extraction-dev bodies all
# but two English pages score >= 0.25 and every other language <= 0.16 (Japanese with a
# few Latin words); anything under 0.2 is left to py3langid.
_ENGLISH_FUNCTION_WORDS = frozenset(
    "the of and to a in is that for it on was with as by at be are from this have has "
    "an not or but which its were will said their they he she his her had been would "
    "who more than also about after over into".split()
)
_ENGLISH_SHARE = 0.2
_MIN_WORDS_FOR_ENGLISH = 8
_WORD_RE = re.compile(r"[a-z]+")


def article_document(title: str, text: str) -> str:
    """Join title and text into the document the analysis reads.

    The title is left out when the text already starts with it (many pages repeat
    the headline as their first line), so that it is not counted twice.
    """
    title, text = title.strip(), text.strip()
    if not title or text.startswith(title):
        return text
    return f"{title}\n{text}" if text else title


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: its index, offset, text and whether it is the title."""

    index: int
    start: int
    text: str
    is_title: bool


# Split after a sentence end followed by a non-lower-case start, at line breaks, and after
# a Korean declarative ending ("…나선다. 20일 …": a number may open the next sentence).
_SENTENCE_RE = re.compile(r"(?<=[.!?。])\s+(?=[^a-z0-9])|(?<=[다요]\.)\s+|\n+")


def split_sentences(title: str, document: str) -> list[Sentence]:
    """The document's sentences; the title (when it opens the document) is sentence 0.

    :param document: :func:`article_document` of ``title`` and the text; offsets are into it.
    """
    spans: list[Sentence] = []
    title = title.strip()
    pos = 0
    if title and document.startswith(title):  # the headline is one sentence ("S. Korea to …")
        spans.append(Sentence(0, 0, title, True))
        pos = len(title)
    for match in _SENTENCE_RE.finditer(document, pos):
        _add_sentence(spans, document, pos, match.start(), title)
        pos = match.end()
    _add_sentence(spans, document, pos, len(document), title)
    return spans


def _add_sentence(spans: list[Sentence], document: str, lo: int, hi: int, title: str) -> None:
    chunk = document[lo:hi]
    if not chunk.strip():
        return
    start = lo + len(chunk) - len(chunk.lstrip())
    text = chunk.strip()
    is_title = bool(title) and not spans and text.startswith(title[: max(10, len(title) // 2)])
    spans.append(Sentence(len(spans), start, text, is_title))
