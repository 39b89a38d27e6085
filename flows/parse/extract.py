"""Turn fetched HTML into clean article text and metadata.

The step is pure: bytes in, an :class:`~flows.core.models.ExtractedArticle` out.

* :func:`decode_html` picks the charset (HTTP header, then ``<meta>``, then
  detection) and never raises on bad bytes.
* :func:`extract_article` runs ``trafilatura.bare_extraction`` on the decoded
  page and cleans the result; :func:`extract_fragment` does the same for the
  HTML fragment a feed carries in ``content:encoded``.
* :func:`clean_text` repairs mojibake, normalises whitespace and drops page
  furniture (share bars, comment forms, tickers, bylines, copyright lines,
  related-headline lists) using general line patterns, plus any line that
  recurs across a source's articles (see :func:`line_key`).
* :func:`~flows.core.text.detect_language` (shared with the analysis) answers
  ``"ko"`` from the Hangul share and asks py3langid otherwise.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import unicodedata
from collections.abc import Collection
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import ftfy
import trafilatura
from lxml import etree
from lxml import html as lxml_html

from flows.core.errors import ExtractError
from flows.core.models import ExtractedArticle
from flows.core.text import HANGUL, detect_language
from flows.parse.charsets import browser_codec

__all__ = [
    "MIN_TEXT_CHARS",
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


def _words(*chunks: str) -> frozenset[str]:
    """Build a word set from space-separated chunks (keeps long vocabularies compact)."""
    return frozenset(" ".join(chunks).split())


_SPACE_RE = re.compile(r"[^\S\n]+")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_BULLET_RE = re.compile(r"^[\s•·∙●○◦▪▫■□◆◇▶►▷▸▹☞→»>*\-–—|]+")
_BRACKETS = {"[": "]", "(": ")", "<": ">", "【": "】", "〔": "〕", "「": "」", "〈": "〉"}
_LETTER_RE = re.compile(r"[^\W\d_]")
_EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# Furniture lines are short; longer lines are article text and are not tested.
_MAX_FURNITURE_CHARS = 250

_NUMBER_WORDS = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|\d+"
)
# Whole-line patterns, matched against the casefolded line without bullets or
# enclosing brackets. Each names a kind of furniture, not a particular site.
_FURNITURE_PATTERNS = (
    # navigation and accessibility links
    r"(?:skip|jump) to (?:the )?(?:main )?(?:content|navigation|menu|search|footer|article)",
    r"(?:toggle|open|close) (?:the )?(?:navigation|menu|search)|main menu|menu|search|close",
    r"(?:back|return|scroll) to top|top|맨 ?위로|위로 ?가기",
    # share prompts and social buttons
    r"spread the love|sharing is caring|share(?: this(?: article| story| post| page)?"
    r"| (?:on|via) .{1,30}| the (?:article|story|post|love)| article| story| now)?"
    r"|(?:click|tap) to (?:share|print|email)\b.{0,60}",
    # comments and comment forms
    r"(?:leave|post|add|write|submit|view|show|load|read|see)(?: a| your| all| the)?"
    r" (?:reply|comments?|responses?)(?: \(?\d+\)?)?|cancel reply|reply",
    r"\d* ?(?:comments?|replies|responses)(?: ?[:(]? ?\d+\)?)?",
    r"your email address will not be published.*|required fields are marked.*",
    r"save my name,? email,? and website.*|notify me of (?:new|follow-up).*",
    r"(?:name|email|e-mail|website|comment|message)\s*\*|post comment|submit",
    rf"(?:{_NUMBER_WORDS})\s*[×x*+−–\-]\s*(?:{_NUMBER_WORDS})\s*=\s*(?:{_NUMBER_WORDS})?",
    # reading time, tickers' and snapshot links
    r"\d+\s*(?:min|mins|minutes?)\.?(?: ?(?:read|reading|to read))?(?: time)?"
    r"|(?:estimated )?(?:reading|read) time\s*:?\s*\d+\s*(?:min|mins|minutes?)\.?|\d+분 ?읽기",
    r"(?:view|see) (?:the )?(?:market snapshot|all|more|full (?:story|article|coverage)"
    r"|comments?|gallery|photos|slideshow)\b.{0,20}",
    # teasers and list headers
    r"more to read|read more|read next|continue reading|read (?:the )?full (?:story|article)"
    r"|related(?: (?:articles?|stories|posts|news|content|coverage|links|topics))?"
    r"|recommended(?: for you| stories| articles| reading)?|you (?:may|might) (?:also )?like"
    r"|(?:most|top) (?:read|popular|viewed|shared)(?: stories| articles| news)?"
    r"|trending(?: now| stories)?|latest (?:news|stories|articles)|also read|read also"
    r"|see also|editor'?s picks?|more (?:stories|news|articles)(?: from .{1,40})?"
    r"|(?:also read|read also|related|see also|read more)\s*[:：|].{0,200}",
    r"advertisement|advertising|sponsored(?: content)?|ad|ads|promoted( content)?",
    r"(?:subscribe|sign up|sign in|log in|login|register)(?: (?:now|today|for|to|here)\b.{0,60})?",
    r"(?:source|sources|image source|photo credit|credits?|image|photo|via)\s*[:：].{1,80}",
    r"(?:tags?|tagged(?: with)?|filed under|categories|category|topics)\s*[:：].{0,150}",
    r"the post .{1,200} appeared first on .{1,100}",
    r"by|text size|font size|(?:order|purchase) (?:reprints?|licensing)"
    r"|print(?: this)? (?:article|page|story)|e-?mail this (?:article|page|story)"
    r"|this (?:article|story) has been sent to.{0,80}|an error has occurred.{0,60}"
    r"|this copy is for your personal,? non-commercial use only.*|categor(?:y|ies)",
    r"(?:print|email|e-mail|facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest"
    r"|copy (?:link|url)|kakao(?: ?talk| ?story)?|band|naver(?: blog)?|line|flipboard)"
    r"(?:[\s,|/·]+(?:print|email|e-mail|facebook|twitter|x|linkedin|whatsapp|telegram|reddit"
    r"|pinterest|copy (?:link|url)|kakao(?: ?talk| ?story)?|band|naver(?: blog)?|line"
    r"|flipboard))*",
    # Korean page furniture
    r"관련 ?(?:기사|뉴스)(?: ?(?:더 ?보기|목록|[:：|▶►>].{0,200}))?"
    r"|[\[【<(]관련 ?(?:기사|뉴스)[\]】>)].{0,200}"
    r"|(?:많이 ?본|인기|주요|추천|최신|실시간|포토|오늘의|이 시각(?: 주요)?|함께 (?:보면 좋은|볼만한)"
    r"|다른|핫|랭킹) ?(?:뉴스|기사|기사들)(?: ?더 ?보기)?.{0,4}",
    r"(?:(?:기사|뉴스) ?)?(?:공유(?:하기)?|스크랩|인쇄|프린트|글자 ?크기|글씨 ?크기|url ?복사"
    r"|링크 ?복사|닫기|목록|이전 ?기사|다음 ?기사|댓글(?: ?쓰기| ?\d+)?|좋아요 ?\d*|싫어요 ?\d*"
    r"|구독(?:하기)?|기자 ?구독|(?:기사 ?)?제보(?:하기)?|페이스북|트위터|카카오톡|카카오스토리"
    r"|네이버 ?블로그|밴드|이메일|메일)(?:[\s,|/·]+(?:공유(?:하기)?|스크랩|인쇄|페이스북|트위터"
    r"|카카오톡|카카오스토리|네이버 ?블로그|밴드|url ?복사|링크 ?복사|이메일|메일))*",
    r"(?:[\[(][^\])]{1,20}[\])] ?)?(?:[가-힣a-z0-9&]+ ){0,3}[가-힣]{2,4} ?"
    r"(?:기자|특파원|통신원|선임기자|전문기자|객원기자|인턴기자|편집위원|논설위원|에디터|칼럼니스트)"
    r"(?: ?[=/|,(]? ?[\w.+\-]+@[\w.\-]+\)?)?"
    r"(?:의)?(?: ?다른 ?기사 ?(?:보기|더보기)?)?\s*=?",
    r"(?:사진|그래픽|자료|영상|제공|출처|글|정리|편집|디자인)\s*[=:：]\s*.{1,40}",
    r"끝|\(끝\)|<끝>|-끝-",
)
_FURNITURE_RE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE_PATTERNS))

# Short lines that carry one of these are copyright notices wherever the marker sits.
_COPYRIGHT_RE = re.compile(
    r"저작권자|무단 ?전재|재배포 ?금지|재배포금지|all rights reserved"
    r"|copyright\s*(?:©|ⓒ|\(c\)|\d{4})|^(?:©|ⓒ)|(?:©|ⓒ)\s*\d{4}|ai ?학습.{0,6}(?:이용|활용)? ?금지",
)
_BYLINE_CUE_RE = re.compile(
    r"^(?:write to|contact|reach|email|e-mail|by|reporter|written by|reported by|send)\b"
    r"|기자|특파원|통신원"
)

_REACTIONS = _words(
    "happy sad excited angry surprise surprised sleepy love like wow haha funny scared bored",
    "inspired dislike 좋아요 슬퍼요 화나요 놀랐어요 추천해요 훈훈해요 싫어요 기뻐요 응원해요",
    "감동이에요 흥미진진해요 후속기사원해요",
)
_REACTION_RE = re.compile(r"(\D+?)\s*\d*\s*%?")

# Lines made only of a date, a time and a label such as "Published" or "입력".
_STAMP_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")
_STAMP_WORDS = _words(
    "published updated posted modified last date time on at by am pm a p m ago hour hours",
    "minute minutes min mins day days second seconds week weeks kst gmt utc est edt et pst pdt",
    "pt bst cet jst jan january feb february mar march apr april may jun june jul july aug",
    "august sep sept september oct october nov november dec december mon monday tue tues",
    "tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday st nd",
    "rd th 입력 수정 등록 승인 송고 게재 발행 업데이트 최종수정 최종 기사입력 기사승인 기사수정",
    "발행일 등록일 수정일 입력일 년 월 일 시 분 초 오전 오후 전 시간 분전 시간전 일전",
)
_STAMP_MAX_CHARS = 80

# A market quote line: a short name, then two to four numbers and a percentage.
_TICKER_RE = re.compile(
    r"[^\W\d][\w/&.\- ]{0,24}?\s+(?:[+\-▲▼△▽↑↓]\s*)?[\d,]+(?:\.\d+)?"
    r"(?:\s+(?:[+\-▲▼△▽↑↓]\s*)?[\d,]+(?:\.\d+)?\s*%?){1,3}"
)


# An English byline line: "By Jane Doe and John Roe, Staff Writers".
_EN_BYLINE_RE = re.compile(
    r"By (?:[A-Z][\w.'’\-]*\s?){1,4}(?:(?:,| and| &)\s*(?:[A-Z][\w.'’\-]*\s?){1,4}){0,3}"
    r"(?:[,|/]\s*[\w .'’\-]{0,40})?"
)


# Sentence end: terminal punctuation, optionally followed by closing quotes or brackets.
_SENTENCE_END_RE = re.compile(r"[.!?。！？][\"'”’)\]」』】>]*$")
# Headlines are a few words long; shorter trailing lines are list items or labels, kept.
_TITLE_MIN_WORDS = 4
_TITLE_MIN_HANGUL_CHARS = 12
_TITLE_MAX_WORDS = 20
_TITLE_MAX_CHARS = 150


def _fix_mojibake(text: str) -> str:
    """Repair mojibake with ftfy, then the lossy leftovers ftfy cannot undo."""
    if not text.isascii():
        text = ftfy.fix_text(text, _FTFY_CONFIG)
        if "â" in text and _LOSSY_APOSTROPHE_RE.search(text):
            text = _LOSSY_APOSTROPHE_RE.sub("’", text)
            text = _LOSSY_DASH_RE.sub("—", text)
    return text


def _probe(line: str) -> str:
    """Return the form of a line that furniture patterns match against."""
    probe = _BULLET_RE.sub("", line).strip()
    while len(probe) > 2 and _BRACKETS.get(probe[0]) == probe[-1]:
        probe = probe[1:-1].strip()
    probe = probe.strip(" :|·,")
    return probe.casefold()


def _is_stamp(probe: str) -> bool:
    """Tell whether a line is only a date/time stamp with its label."""
    if len(probe) > _STAMP_MAX_CHARS or not any(ch.isdigit() for ch in probe):
        return False
    tokens = _STAMP_TOKEN_RE.findall(probe)
    return bool(tokens) and all(t.isdigit() or t in _STAMP_WORDS for t in tokens)


def _is_ticker(probe: str) -> bool:
    """Tell whether a line is a market quote such as ``KOSPI 2745.82 -9.29 -0.34%``."""
    return "%" in probe and bool(_TICKER_RE.fullmatch(probe))


def _is_email_byline(line: str, probe: str) -> bool:
    """Tell whether a short line with an e-mail address is a byline or contact note."""
    if not _EMAIL_RE.search(line):
        return False
    words = len(line.split())
    return words <= 12 or (words <= 30 and bool(_BYLINE_CUE_RE.search(probe)))


def _is_furniture(line: str) -> bool:
    """Tell whether one line is page furniture by the general patterns."""
    if len(line) > _MAX_FURNITURE_CHARS:
        return False
    if not _LETTER_RE.search(line):
        return True  # counters, percentages, separators: never a sentence
    probe = _probe(line)
    if not probe:
        return True
    return bool(
        _FURNITURE_RE.fullmatch(probe)
        or (len(line) <= 200 and _COPYRIGHT_RE.search(probe))
        or _is_stamp(probe)
        or _is_ticker(probe)
        or _is_email_byline(line, probe)
        or _is_english_byline(line)
    )


def _is_english_byline(line: str) -> bool:
    """Tell whether a line is an English byline such as ``By Jane Doe, Staff Writer``."""
    stripped = _BULLET_RE.sub("", line).strip()
    return len(stripped) <= 80 and bool(_EN_BYLINE_RE.fullmatch(stripped))


def _is_reaction(probe: str) -> bool:
    match = _REACTION_RE.fullmatch(probe)
    return match is not None and match.group(1).replace(" ", "") in _REACTIONS


def _drop_reaction_widgets(lines: list[str], drop: list[bool]) -> None:
    """Mark reaction-widget words ("Happy", "좋아요 3") that sit among other widget lines."""
    flags = [_is_reaction(_probe(line)) for line in lines]
    for i, flag in enumerate(flags):
        if not flag:
            continue
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(lines)]
        if any(flags[j] or (drop[j] and not _LETTER_RE.search(lines[j])) for j in neighbours):
            drop[i] = True


def _is_title_like(line: str) -> bool:
    """Tell whether a line reads like a headline: short, no sentence punctuation."""
    stripped = _BULLET_RE.sub("", line).strip()
    words = len(stripped.split())
    long_enough = words >= _TITLE_MIN_WORDS or (
        bool(HANGUL.search(stripped)) and len(stripped) >= _TITLE_MIN_HANGUL_CHARS
    )
    return (
        long_enough
        and len(stripped) <= _TITLE_MAX_CHARS
        and words <= _TITLE_MAX_WORDS
        and not _SENTENCE_END_RE.search(stripped)
        and not stripped.endswith((":", "：", ","))
    )


def _trailing_headlines(lines: list[str], near_furniture: list[bool]) -> int:
    """Return how many final lines form a related-headlines list (0 if none).

    A list is two or more headline-like lines after the last sentence of the
    body, when that sentence does not introduce them (no colon), the body is
    longer than they are, and furniture was dropped next to them (a "Related"
    header, a share bar, a comment form): sub-headings and lists that end an
    article without furniture around them are kept.

    :param lines: the kept lines.
    :param near_furniture: per kept line, whether furniture was dropped right
        before it; one more item tells whether furniture followed the last line.
    """
    n = len(lines)
    start = n
    while start > 0 and _is_title_like(lines[start - 1]):
        start -= 1
    block = n - start
    if block < 2 or start == 0 or not any(near_furniture[start:]):
        return 0
    if not _SENTENCE_END_RE.search(lines[start - 1].rstrip()):
        return 0
    body_chars = sum(len(line) for line in lines[:start])
    block_chars = sum(len(line) for line in lines[start:])
    return block if body_chars > 2 * block_chars else 0


def _normalise_lines(text: str) -> list[str]:
    """Split text into stripped, non-empty lines with single spaces."""
    text = _INVISIBLE_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACE_RE.sub(" ", line).strip() for line in text.split("\n"))
    return [line for line in lines if line]


def clean_text(text: str, *, recurring_lines: Collection[str] = ()) -> tuple[str, tuple[str, ...]]:
    """Repair and de-furnish article text; return ``(text, removed_lines)``.

    Fixes mojibake, normalises whitespace (one paragraph per line, joined by
    ``"\\n"``), and drops page furniture by general patterns, repeated lines,
    a trailing related-headlines list, and any line whose :func:`line_key` (or
    exact text) is in ``recurring_lines``.

    :param text: text as extracted, paragraphs on separate lines.
    :param recurring_lines: keys of lines that recur across a source's articles.
    """
    lines = _normalise_lines(_fix_mojibake(text))
    drop = [_is_furniture(line) for line in lines]
    _drop_reaction_widgets(lines, drop)
    if recurring_lines:
        for i, line in enumerate(lines):
            if not drop[i] and (line in recurring_lines or line_key(line) in recurring_lines):
                drop[i] = True
    kept: list[int] = []  # indexes into lines
    near_furniture: list[bool] = []
    after_furniture = False
    for i, line in enumerate(lines):
        if drop[i] or (kept and line == lines[kept[-1]]):
            drop[i] = True
            after_furniture = after_furniture or not (kept and line == lines[kept[-1]])
        else:
            kept.append(i)
            near_furniture.append(after_furniture)
            after_furniture = False
    near_furniture.append(after_furniture)
    cut = _trailing_headlines([lines[i] for i in kept], near_furniture)
    for i in kept[len(kept) - cut :]:
        drop[i] = True
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

# Trafilatura options, measured on extraction-dev (bench/extraction.py): the fast
# path without fallback extractors scores better there and leaves time for cleaning.
_EXTRACT_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_recall": True,
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
        name = _SPACE_RE.sub(" ", _AUTHOR_NOISE_RE.sub(" ", part)).strip(" .:-")
        if _KOREAN_BYLINE_RE.search(part):
            # Korean bylines carry an e-mail that trafilatura mangles into "Hong Co Kr".
            name = " ".join(w for w in name.split() if HANGUL.search(w))
        if name and _LETTER_RE.search(name) and len(name) <= 60 and name not in names:
            names.append(name)
    return "; ".join(names[:5]) or None


def _clean_title(value: str | None) -> str | None:
    if not value:
        return None
    title = _SPACE_RE.sub(" ", _fix_mojibake(value)).strip()
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
) -> ExtractedArticle:
    """Clean extracted text and build the record, or raise ExtractError if too little is left."""
    cleaned, removed = clean_text(text, recurring_lines=recurring_lines)
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


def _run_trafilatura(html: str, url: str | None, *, fast: bool) -> Any:
    """Call trafilatura; its internal errors become None like an empty page."""
    try:
        return trafilatura.bare_extraction(html, url=url, fast=fast, **_EXTRACT_OPTIONS)
    except (ValueError, TypeError, AttributeError, etree.LxmlError) as exc:
        logger.debug("trafilatura failed on %s: %r", url or "page", exc)
        return None


def extract_article(
    content: bytes,
    *,
    url: str | None = None,
    content_type: str | None = None,
    recurring_lines: Collection[str] = (),
) -> ExtractedArticle:
    """Extract the article from a fetched page.

    :param content: the response body (bytes, any charset).
    :param url: the page's URL, used by trafilatura for metadata only.
    :param content_type: the HTTP ``Content-Type`` header, for the charset.
    :param recurring_lines: keys (see :func:`line_key`) of the source's recurring lines.
    :raises ExtractError: if the page has no usable article text.
    """
    what = f"page {url}" if url else "page"
    html = decode_html(content, content_type)
    if not html.strip():
        raise ExtractError(f"{what} is empty")
    doc = _run_trafilatura(html, url, fast=True)
    if doc is None or len(doc.text or "") < MIN_TEXT_CHARS:
        # The fallback extractors (readability, jusText) are slower; use them only when needed.
        doc = _run_trafilatura(html, url, fast=False) or doc
    if doc is None or not doc.text:
        raise ExtractError(f"{what} gave no article text (trafilatura found no main content)")
    return _finish(
        doc.text,
        title=doc.title,
        recurring_lines=recurring_lines,
        what=what,
        published=doc.date,
        author=doc.author,
        sitename=doc.sitename,
    )


# -- feed fragments -------------------------------------------------------------

_BLOCK_TAGS = _words(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre tr table section article header footer",
    "figure figcaption dd dt dl hr address aside main nav",
)
_SKIP_TAGS = _words("script style noscript iframe form button select svg template")


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
