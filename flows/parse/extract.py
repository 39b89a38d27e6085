"""Turn fetched HTML into clean article text and metadata.

The step is pure: bytes in, an :class:`~flows.core.models.ExtractedArticle` out.

* :func:`decode_html` picks the charset (HTTP header, then ``<meta>``, then
  detection) and never raises on bad bytes.
* :func:`extract_article` runs ``trafilatura.bare_extraction`` on the decoded
  page and cleans the result; :func:`extract_fragment` does the same for the
  HTML fragment a feed carries in ``content:encoded``.
* :func:`clean_text` repairs mojibake, normalises whitespace and drops page
  furniture (share bars, comment forms, tickers, bylines, copyright lines,
  reaction widgets, related-headline lists) by the general rules of
  :mod:`flows.core.furniture`, plus any line that recurs across a source's
  articles (see :func:`line_key`).
* :func:`~flows.core.text.detect_language` (shared with the analysis) answers
  ``"ko"`` from the Hangul share and asks py3langid otherwise.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta, timezone
from functools import cache, partial
from typing import Any, Literal

import ftfy
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura import load_html

from flows.core.errors import ExtractError
from flows.core.furniture import furniture_mask, normalise_line
from flows.core.models import ExtractedArticle
from flows.core.text import HANGUL, detect_language
from flows.parse.charsets import browser_codec

__all__ = [
    "DEFAULT_FOCUS",
    "MIN_TEXT_CHARS",
    "Focus",
    "clean_text",
    "decode_html",
    "detect_language",
    "extract_article",
    "extract_fragment",
    "line_key",
]

logger = logging.getLogger(__name__)

#: Fewer characters than this after cleaning means the page had no article.
MIN_TEXT_CHARS = 100

# -- decoding -------------------------------------------------------------------

# How far into the page to look for <meta charset>: pages put a lot of script first.
_SNIFF_BYTES = 8192
# Share of U+FFFD in a decoded page above which the declared charset is taken to be wrong.
_MAX_REPLACEMENT_SHARE = 0.001

_CT_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.IGNORECASE)
_META_CHARSET_RE = re.compile(
    rb"<meta[^>]{0,400}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:\-]+)", re.IGNORECASE
)
_XML_ENCODING_RE = re.compile(rb"<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:\-]+)")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_LETTER_RE = re.compile(r"[^\W\d_]")


def _declared_charset(content: bytes, content_type: str | None) -> str | None:
    """Return the charset named by the HTTP header, else by the page's own head."""
    if content_type and (match := _CT_CHARSET_RE.search(content_type)):
        codec = browser_codec(match.group(1))
        if codec:
            return codec
    head = content[:_SNIFF_BYTES]
    for pattern in (_META_CHARSET_RE, _XML_ENCODING_RE):
        if found := pattern.search(head):
            codec = browser_codec(found.group(1))
            if codec:
                return codec
    return None


def _strict(content: bytes, codec: str) -> str | None:
    """Decode without errors, or return None."""
    try:
        return content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect_and_decode(content: bytes) -> str:
    """Decode bytes that declare no usable charset."""
    if (text := _strict(content, "utf-8")) is not None:
        return text
    # Undeclared Korean pages are overwhelmingly CP949; detectors often call them
    # something else on short pages, so try it first and check the result is Hangul.
    text = _strict(content, "cp949")
    if text is not None:
        non_ascii = sum(1 for ch in text if ord(ch) > 127)
        if non_ascii and len(HANGUL.findall(text)) >= 0.6 * non_ascii:
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    codec = browser_codec(best.encoding) if best is not None else None
    return content.decode(codec or "cp1252", errors="replace")


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Decode an HTML page to text; never raises on bad bytes.

    The charset comes from the HTTP ``content_type``, else ``<meta charset>`` (or
    ``http-equiv``) in the first few KB, else detection. Legacy labels are read
    as their supersets (EUC-KR as CP949, ISO-8859-1 as Windows-1252). A page
    that is valid UTF-8 with non-ASCII bytes is read as UTF-8 whatever it
    declares, since legacy text almost never validates as UTF-8 by chance.

    :param content: the response body.
    :param content_type: the HTTP ``Content-Type`` header, if any.
    """
    if not content:
        return ""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content.decode(codec, errors="replace")
    declared = _declared_charset(content, content_type)
    if declared is None:
        return _detect_and_decode(content)
    if declared != "utf-8" and not content.isascii():
        as_utf8 = _strict(content, "utf-8")
        if as_utf8 is not None:
            logger.debug("page declares %s but is valid UTF-8; reading UTF-8", declared)
            return as_utf8
    if (text := _strict(content, declared)) is not None:
        return text
    text = content.decode(declared, errors="replace")
    if text.count("\ufffd") <= _MAX_REPLACEMENT_SHARE * len(text):
        return text
    logger.debug("page declared %s but does not decode as it; detecting", declared)
    detected = _detect_and_decode(content)
    return detected if detected.count("\ufffd") < text.count("\ufffd") else text


# -- cleaning -------------------------------------------------------------------

_FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)
# Mojibake whose continuation bytes were lost ("modelsâ ability", "Koreaâs"): ftfy
# cannot undo these, so repair the common apostrophe and dash cases by hand.
_LOSSY_APOSTROPHE_RE = re.compile(r"(?<=[A-Za-z])â(?=s\b|\s|$)")
_LOSSY_DASH_RE = re.compile(r"(?<=[a-z]{2})â(?=[a-z]{2})")


def _fix_mojibake(text: str) -> str:
    """Repair mojibake with ftfy, then the lossy leftovers ftfy cannot undo."""
    if not text.isascii():
        text = ftfy.fix_text(text, _FTFY_CONFIG)
        if "â" in text and _LOSSY_APOSTROPHE_RE.search(text):
            text = _LOSSY_APOSTROPHE_RE.sub("’", text)
            text = _LOSSY_DASH_RE.sub("—", text)
    return text


def _normalise_lines(text: str) -> list[str]:
    """Split text into stripped, non-empty lines with single spaces."""
    lines = (
        normalise_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return [line for line in lines if line]


def clean_text(
    text: str,
    *,
    recurring_lines: Collection[str] = (),
    links: Callable[[], Collection[str]] | None = None,
) -> tuple[str, tuple[str, ...]]:
    """Repair and de-furnish article text; return ``(text, removed_lines)``.

    Fixes mojibake, normalises whitespace (one paragraph per line, joined by
    ``"\\n"``), and drops page furniture by general patterns, repeated lines,
    a trailing related-headlines list, and any line whose :func:`line_key` (or
    exact text) is in ``recurring_lines``.

    :param text: text as extracted, paragraphs on separate lines.
    :param recurring_lines: keys of lines that recur across a source's articles.
    :param links: returns the texts of the page's blocks that are one link each
        (see :func:`flows.core.furniture.furniture_mask`); called only when needed.
    """
    lines = _normalise_lines(_fix_mojibake(text))
    recurring = [
        bool(recurring_lines) and (line in recurring_lines or line_key(line) in recurring_lines)
        for line in lines
    ]
    drop = furniture_mask(lines, dropped=recurring, links=links)
    text = "\n".join(line for line, dropped in zip(lines, drop, strict=True) if not dropped)
    return text, tuple(line for line, dropped in zip(lines, drop, strict=True) if dropped)


_KEY_SPACE_RE = re.compile(r"\s+")
_KEY_DIGIT_RE = re.compile(r"\d+")


def line_key(line: str) -> str:
    """Return a short key for a line that ignores case, numbers and spacing.

    "Comment 3" and "comment  12" share a key, so storage can count a line that
    recurs across a source's articles with a changing counter or date in it.
    """
    norm = unicodedata.normalize("NFKC", line).casefold()
    norm = _KEY_SPACE_RE.sub(" ", _KEY_DIGIT_RE.sub("0", norm)).strip()
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


# -- extraction -----------------------------------------------------------------

#: What trafilatura favours when it tells the article from the rest of the page.
Focus = Literal["precision", "balanced", "recall"]
#: The focus :func:`extract_article` uses unless told otherwise. Precision, with recall
#: as the fallback, scored best of the three on extraction-dev (docs/benchmarks.md).
DEFAULT_FOCUS: Focus = "precision"

# Trafilatura options besides the focus. The fast path (no readability or jusText)
# scored as well on extraction-dev and leaves time for cleaning.
_EXTRACT_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "with_metadata": True,
    "date_extraction_params": {
        "extensive_search": True,
        "original_date": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    },
}
_KST = timezone(timedelta(hours=9), "KST")

_AUTHOR_NOISE_RE = re.compile(
    r"[\w.+\-]+@[\w.\-]+|\b(?:by|reporter|staff writer|기자|특파원|통신원|입력|수정|등록)\b"
    r"|[()\[\]=]",
    re.IGNORECASE,
)


def _parse_date(value: str | None, lang: str | None) -> datetime | None:
    """Turn trafilatura's date string into an aware UTC datetime.

    A stamp without offset is read in KST for Korean pages and UTC otherwise;
    a bare date becomes midnight UTC so its calendar day survives.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        is_date_only = parsed.hour == parsed.minute == parsed.second == 0
        zone = _KST if lang == "ko" and not is_date_only else UTC
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


_KOREAN_BYLINE_RE = re.compile(r"기자|특파원|통신원")


def _clean_author(value: str | None) -> str | None:
    """Normalise a byline to "Name; Name", dropping e-mails and words like 기자/입력."""
    if not value:
        return None
    names: list[str] = []
    for part in re.split(r"[;,/|·]| and ", value):
        name = normalise_line(_AUTHOR_NOISE_RE.sub(" ", part)).strip(" .:-")
        if _KOREAN_BYLINE_RE.search(part):
            # Korean bylines carry an e-mail that trafilatura mangles into "Hong Co Kr".
            name = " ".join(w for w in name.split() if HANGUL.search(w))
        if name and _LETTER_RE.search(name) and len(name) <= 60 and name not in names:
            names.append(name)
    return "; ".join(names[:5]) or None


def _clean_title(value: str | None) -> str | None:
    if not value:
        return None
    title = normalise_line(_fix_mojibake(value))
    return title or None


def _finish(
    text: str,
    *,
    title: str | None,
    recurring_lines: Collection[str],
    what: str,
    published: str | None = None,
    author: str | None = None,
    sitename: str | None = None,
    links: Callable[[], Collection[str]] | None = None,
) -> ExtractedArticle:
    """Clean extracted text and build the record, or raise ExtractError if too little is left."""
    cleaned, removed = clean_text(text, recurring_lines=recurring_lines, links=links)
    title = _clean_title(title)
    if title and cleaned.startswith(title):
        first, _, rest = cleaned.partition("\n")
        if first == title:
            cleaned = rest  # the headline is metadata, not body
    if len(cleaned) < MIN_TEXT_CHARS:
        raise ExtractError(
            f"{what} gave no usable article text ({len(cleaned)} characters after cleaning, "
            f"need {MIN_TEXT_CHARS})"
        )
    lang = detect_language(cleaned)
    return ExtractedArticle(
        text=cleaned,
        title=title,
        published=_parse_date(published, lang),
        author=_clean_author(author),
        sitename=_clean_title(sitename),
        lang=lang,
        removed_lines=removed,
    )


# Blocks whose whole text is one link. In a run they are a list of other stories
# that trafilatura may keep (issue 15); the text alone cannot tell them from headings.
# Found from the links up, which is three times faster than testing every element.
_LINK_TEXT_CHARS = (10, 200)  # shorter is a menu word, longer is not a headline
_LINK_BLOCK_CANDIDATES = etree.XPath(
    f"//a[string-length(normalize-space()) >= {_LINK_TEXT_CHARS[0]}]"
    f"[string-length(normalize-space()) <= {_LINK_TEXT_CHARS[1]}]"
    "/ancestor::*[self::li or self::p or self::h2 or self::h3 or self::h4 or self::h5"
    " or self::article or self::dt or self::dd][1]"
)


def _link_texts(tree: Any) -> frozenset[str]:
    """Return the normalised texts of a page's blocks that are one link of headline length."""
    low, high = _LINK_TEXT_CHARS
    texts: set[str] = set()
    for block in set(_LINK_BLOCK_CANDIDATES(tree)):
        raw = block.text_content()
        if len(raw) > 5 * high:  # a whole section around a link: no need to normalise it
            continue
        text = normalise_line(raw)
        if low <= len(text) <= high and any(
            normalise_line(link.text_content()) == text for link in block.iter("a")
        ):
            texts.add(text)
    return frozenset(texts)


def _run_trafilatura(html: Any, url: str | None, *, focus: Focus, fast: bool) -> Any:
    """Call trafilatura; its internal errors become None like an empty page."""
    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            fast=fast,
            favor_precision=focus == "precision",
            favor_recall=focus == "recall",
            **_EXTRACT_OPTIONS,
        )
    except (ValueError, TypeError, AttributeError, etree.LxmlError) as exc:
        logger.debug("trafilatura failed on %s: %r", url or "page", exc)
        return None


def extract_article(
    content: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    recurring_lines: Collection[str] = (),
    focus: Focus = DEFAULT_FOCUS,
) -> ExtractedArticle:
    """Extract the article from a fetched page.

    trafilatura runs on its fast path first. Only when that leaves too little
    text after cleaning does it run again with its fallback extractors, and,
    after precision mode, in recall mode.

    :param content: the response body (bytes, any charset).
    :param url: the page's URL, used by trafilatura for metadata only.
    :param content_type: the HTTP ``Content-Type`` header, for the charset.
    :param recurring_lines: keys (see :func:`line_key`) of the source's recurring lines.
    :param focus: what trafilatura favours; the benchmark compares all three.
    :raises ExtractError: if the page has no usable article text.
    """
    what = f"page {url}" if url else "page"
    html = decode_html(content, content_type)
    if not html.strip():
        raise ExtractError(f"{what} is empty")
    # The fallback extractors (readability, jusText) are slower: each focus tries its
    # fast path first. Precision mode now and then prunes a whole article away (a body
    # set among many links), leaving furniture: recall mode then finds it.
    focuses: list[Focus] = [focus, "recall"] if focus == "precision" else [focus]
    attempts = [(each, fast) for each in focuses for fast in (True, False)]
    error = ExtractError(f"{what} gave no article text (trafilatura found no main content)")
    # Parse once: trafilatura works on a copy of the tree it is given, and the link
    # texts are read from it only for the few texts that have a list to check.
    tree = load_html(html)
    links = cache(partial(_link_texts, tree)) if tree is not None else None
    for attempt_focus, fast in attempts:
        doc = _run_trafilatura(html if tree is None else tree, url, focus=attempt_focus, fast=fast)
        if doc is None or not doc.text:
            continue
        try:
            return _finish(
                doc.text,
                title=doc.title,
                recurring_lines=recurring_lines,
                what=what,
                published=doc.date,
                author=doc.author,
                sitename=doc.sitename,
                links=links,
            )
        except ExtractError as exc:
            error = exc
    raise error


# -- feed fragments -------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre tr table section article header footer"
    " figure figcaption dd dt dl hr address aside main nav".split()
)
_SKIP_TAGS = frozenset("script style noscript iframe form button select svg template".split())


def _fragment_lines(node: Any, out: list[str]) -> None:
    """Append the text of ``node`` to ``out``, starting a new line at block elements."""
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in _SKIP_TAGS or not tag:
        if node.tail:
            out.append(node.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        out.append("\n")
    if tag == "li":
        out.append("- ")
    if node.text:
        out.append(node.text)
    for child in node:
        _fragment_lines(child, out)
    if block:
        out.append("\n")
    if node.tail:
        out.append(node.tail)


def _fragment_to_text(fragment: str) -> str:
    """Convert an HTML fragment to text with one paragraph per line."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    parts: list[str] = []
    _fragment_lines(root, parts)
    return "".join(parts)


def extract_fragment(
    html: str,
    *,
    url: str | None = None,
    title: str | None = None,
    recurring_lines: Collection[str] = (),
) -> ExtractedArticle:
    """Turn a feed's full-text HTML fragment (``content:encoded``) into a clean article.

    The fragment is converted directly, block by block, rather than through
    trafilatura, which is built for whole pages and may drop a short fragment.

    :param html: the fragment, already decoded (feedparser gives text).
    :param url: the entry's link, for messages only.
    :param title: the entry's title.
    :param recurring_lines: keys of the source's recurring lines.
    :raises ExtractError: if the fragment has no usable text.
    """
    what = f"feed text of {url}" if url else "feed text"
    text = _fragment_to_text(html) if html and html.strip() else ""
    return _finish(
        text,
        title=title,
        recurring_lines=recurring_lines,
        what=what,
    )
