"""Tell page furniture from article text, line by line.

Furniture is what a page puts around an article: share bars, comment forms,
tickers, bylines, date stamps, copyright notices, reaction widgets and lists of
other stories' headlines. The rules describe kinds of furniture, never one
site's text:

* :func:`furniture_mask` judges every line of a text: each line alone by
  general line patterns, then in context, for the blocks a single line cannot
  show (a reaction widget spread over several lines, a list of headlines at
  the end of the text);
* :func:`furniture_spans` gives the character spans of those lines in a raw
  text, so that later steps (the money parser) can skip them.

The module is pure and imports no extraction library: :mod:`flows.parse.extract`
cleans with it, and :mod:`flows.analysis.money` reads it without loading trafilatura.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

__all__ = ["MAX_FURNITURE_CHARS", "furniture_mask", "furniture_spans", "normalise_line"]


def _words(*chunks: str) -> frozenset[str]:
    """Build a word set from space-separated chunks (keeps long vocabularies compact)."""
    return frozenset(" ".join(chunks).split())


_SPACE_RE = re.compile(r"[^\S\n]+")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_BULLET_RE = re.compile(r"^[\s•·∙●○◦▪▫■□◆◇▶►▷▸▹☞→»>*\-–—|]+")
_BRACKETS = {"[": "]", "(": ")", "<": ">", "【": "】", "〔": "〕", "「": "」", "〈": "〉"}
_LETTER_RE = re.compile(r"[^\W\d_]")
_EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
#: Furniture lines are short; longer lines are article text and are not tested.
MAX_FURNITURE_CHARS = 250

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
    r"tell us what you think.{0,40}",
    r"(?:#[^\s#]+\s*){2,}|(?:이 )?기사를 공유합니다",  # hashtag lines; a share prompt
    # rating widgets
    r"(?:click to )?rate this (?:article|story|post|page)\W{0,3}.{0,60}"
    r"|\[?total: ?\d+ ?average: ?[\d.]+\]?|\(?\d+ votes?\)?|vote count: ?\d+"
    r"|(?:average )?rating: ?[\d.]+ ?(?:/|out of) ?\d+.{0,30}"
    r"|(?:was|is|did you find) this (?:article|story|post|page|information) (?:helpful|useful)"
    r"\??(?: ?yes ?no)?|이 기사를 추천합니다|기사 ?추천(?: ?\d+)?",
    r"save my name,? email,? and website.*|notify me of (?:new|follow-up).*",
    r"(?:name|email|e-mail|website|comment|message)\s*\*|post comment|submit",
    rf"(?:{_NUMBER_WORDS})\s*[×x*+−–\-]\s*(?:{_NUMBER_WORDS})\s*=\s*(?:{_NUMBER_WORDS})?",
    # reading time, tickers' and snapshot links
    r"\d+\s*(?:min|mins|minutes?)\.?(?: ?(?:read|reading|to read))?(?: time)?"
    r"|(?:estimated )?(?:reading|read) time\s*:?\s*\d+\s*(?:min|mins|minutes?)\.?|\d+분 ?읽기",
    r"(?:view|see) (?:the )?(?:market snapshot|all|more|full (?:story|article|coverage)"
    r"|comments?|gallery|photos|slideshow)\b.{0,20}",
    # teasers: a label and another story's headline on one line
    r"continue reading|read (?:the )?full (?:story|article)"
    r"|(?:also read|read also|related|see also|read more|see more|more|don'?t miss|must read"
    r"|read next|recommended|watch|listen)\s*[:：|].{0,200}",
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
    r"관련 ?(?:기사|뉴스) ?[:：|▶►>].{0,200}|[\[【<(]관련 ?(?:기사|뉴스)[\]】>)].{0,200}",
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
# Headers of a list of other stories' headlines; the lines after one are dropped
# while they read like headlines (see _drop_headline_lists).
_LIST_HEADER_PATTERNS = (
    r"more to read|read more|read next|read these next|what to read next"
    r"|related(?: (?:articles?|stories|posts|news|content|coverage|links|topics|reading))?"
    r"|recommended(?: for you| stories| articles| reading| videos)?"
    r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)"
    r"|(?:most|top) (?:read|popular|viewed|shared|watched)(?: stories| articles| news| posts)?"
    r"(?: (?:in|on|from) .{1,30})?|top stories|popular (?:now|stories|articles|news)"
    r"|trending(?: now| stories| news)?|latest (?:news|stories|articles)|also read|read also"
    r"|see also|don'?t miss|must read|editor'?s picks?|in other news"
    r"|more (?:stories|news|articles|from .{1,40}|on this (?:story|topic))(?: from .{1,40})?",
    r"관련 ?(?:기사|뉴스)(?: ?(?:더 ?보기|목록))?"
    r"|(?:많이 ?본|인기|주요|추천|최신|실시간|포토|오늘의|이 시각(?: 주요)?|함께 (?:보면 좋은|볼만한)"
    r"|다른|핫|랭킹) ?(?:뉴스|기사|기사들)(?: ?더 ?보기)?.{0,4}",
)
_LIST_HEADER_RE = re.compile("|".join(f"(?:{p})" for p in _LIST_HEADER_PATTERNS))
_FURNITURE_RE = re.compile(
    "|".join(f"(?:{p})" for p in (*_FURNITURE_PATTERNS, *_LIST_HEADER_PATTERNS))
)

# Short lines that carry one of these are copyright notices wherever the marker sits.
_COPYRIGHT_RE = re.compile(
    r"저작권자|무단 ?전재|재배포 ?금지|재배포금지|all rights reserved"
    r"|copyright\s*(?:©|ⓒ|\(c\)|\d{4})|^(?:©|ⓒ)|(?:©|ⓒ)\s*\d{4}|ai ?학습.{0,6}(?:이용|활용)? ?금지",
)
_BYLINE_CUE_RE = re.compile(
    r"^(?:write to|contact|reach|email|e-mail|by|reporter|written by|reported by|send|have a tip)\b"
    r"|\b(?:may|can) be reached\b|\bfollow (?:him|her|them|us|the \w+) on\b|기자|특파원|통신원"
)
# Where else a contact note points: a social handle or profile address.
_HANDLE_RE = re.compile(r"(?<![\w.])@\w{2,}|\b(?:twitter|x|instagram|facebook)\.com/\w+")
# Calls to action: a sentence that asks the reader to subscribe, sign up, follow or
# download, and names the channel (a newsletter, an app, a social network).
_PROMO_RE = re.compile(
    r"(?:^|[.!?]\s+)(?:(?:click|tap) here\b|(?:subscribe|sign up|sign-up|register|get|download"
    r"|join|listen|follow)\b[^.!?]{0,120}\b(?:newsletters?|inbox|podcasts?|youtube channel"
    r"|(?:our|the) (?:\w+ )?app|app store|google play|(?:on|at) (?:twitter|facebook|instagram"
    r"|linkedin|youtube|tiktok|threads)\b))"
    r"|^if you (?:enjoyed|liked|value|appreciate)d? (?:this|our) (?:article|story|post|journalism"
    r"|reporting|work)\b|^(?:please )?(?:consider )?support(?:ing)? (?:our|independent) journalism"
    r"|(?:if|when) you (?:buy|purchase|shop|click)[^.!?]{0,80}(?:may|might|could) (?:earn|get"
    r"|receive)|\baffiliate (?:links?|commissions?)\b|파트너스 활동의 일환|수수료를 제공받"
    r"|^(?:구독|채널 ?추가|앱 ?다운로드|기사 ?제보|제보하기)|(?:구독|채널 ?추가)(?:하기|하세요|클릭)"
)
# Wire credits: "(Reporting by A; Editing by B)", "A contributed to this report."
_CREDIT_RE = re.compile(
    r"\((?:additional )?(?:reporting|writing|editing|compiled|research) by [^()]{1,200}\)\.?"
    r"|[\w .,'’&\-]{1,120} contributed (?:reporting(?: to this (?:report|story|article))?"
    r"|to this (?:report|story|article))(?: from [\w .,'’\-]{1,60})?\.?"
)

# Words of reaction and rating widgets ("Happy 0%", "좋아요 3"), also without their
# spaces ("후속기사원해요"); the parts of a two-word reaction count alone too, for
# widgets whose buttons carry no counts ("좋아요 후속기사 원해요 슬퍼요").
_REACTIONS = _words(
    "happy sad excited angry surprise surprised sleepy love like wow haha funny scared bored",
    "inspired dislike amazed amazing interesting informative useful insightful confused upset",
    "disappointed lol omg cute geeky upvote downvote",
    "좋아요 슬퍼요 화나요 놀랐어요 추천해요 훈훈해요 싫어요 기뻐요 응원해요 감동이에요 흥미진진해요",
    "후속기사원해요 후속기사 원해요 최고예요 놀라워요 궁금해요 재밌어요 쏠쏠정보 흥미진진 공감백배",
    "분석탁월 후속강추 추천 비추천 공감 비공감 감동 분노 슬픔 기쁨 놀람 응원",
)
_REACTION_RE = re.compile(r"(\D+?)\s*\d*\s*%?")
_REACTION_MAX_CHARS = 30  # the longest reaction word and its count
# One reaction on a widget that puts them all on one line: a word, then a count or share.
_REACTION_ITEM_RE = re.compile(
    r"\s*([^\W\d_][^\d%]{0,20}?)\s*[:(]?\s*\d[\d,.]*\s*%?\s*\)?[\s|·,/]*"
)
# A widget's own header, dropped only beside the widget.
_WIDGET_HEADER_RE = re.compile(
    r"what'?s your reaction\??|what do you think\??|how (?:do|did) you feel(?: about this"
    r" (?:article|story|post))?\??|your reaction\??|이 기사(?:[가를]|에 대해)? ?.{0,12}"
    r"(?:어떠셨나요|어떻게 생각하세요|어떻게 생각하십니까)\??|기사가 마음에 드셨나요\??"
)

# Lines made only of a date, a time and a label such as "Published" or "입력".
_STAMP_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")
_STAMP_WORDS = _words(
    "published updated posted modified first last date time on at by am pm a p m ago hour hours",
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


def _is_contact_note(line: str, probe: str) -> bool:
    """Tell whether a short line is a byline or contact note: an e-mail, a handle, a cue."""
    words = len(line.split())
    if _EMAIL_RE.search(line):
        return words <= 12 or (words <= 30 and bool(_BYLINE_CUE_RE.search(probe)))
    return words <= 30 and bool(_HANDLE_RE.search(line)) and bool(_BYLINE_CUE_RE.search(probe))


def _is_meta_bar(line: str, probe: str) -> bool:
    """Tell whether a line is a bar of labels around a date: ``Seoul bureau | Updated 5 May``.

    Table rows (``| 3 | Kim | 2275 |``) are not: they start with the bar, and a
    date in a meta bar has a word with it ("Updated", "입력", a month).
    """
    if line.startswith("|"):
        return False
    parts = [part.strip() for part in probe.split("|") if part.strip()]
    return (
        2 <= len(parts) <= 4
        and any(_is_stamp(part) and _LETTER_RE.search(part) for part in parts)
        and all(
            _is_stamp(part) or (len(part.split()) <= 6 and not _SENTENCE_END_RE.search(part))
            for part in parts
        )
    )


def _is_reaction_line(probe: str) -> bool:
    """Tell whether a line is a whole reaction widget: ``Happy 0% Sad 0%``, ``좋아요 12 슬퍼요 1``.

    Two or more reaction words each followed by a count or share, or three or
    more reaction words alone (buttons without counts), and nothing else.
    """
    words = probe.split()
    if len(words) >= 3 and all(word in _REACTIONS for word in words):
        return True
    items, pos = 0, 0
    while pos < len(probe):
        match = _REACTION_ITEM_RE.match(probe, pos)
        if match is None or match.group(1).replace(" ", "") not in _REACTIONS:
            return False
        items, pos = items + 1, match.end()
    return items >= 2


def _is_furniture(line: str) -> bool:
    """Tell whether one line is page furniture by the general patterns."""
    if len(line) > MAX_FURNITURE_CHARS:
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
        or _is_contact_note(line, probe)
        or _is_english_byline(line)
        or _PROMO_RE.search(probe)
        or _CREDIT_RE.fullmatch(_BULLET_RE.sub("", line).strip().casefold())
        or _is_meta_bar(line, probe)
        or _is_reaction_line(probe)
    )


def _is_english_byline(line: str) -> bool:
    """Tell whether a line is an English byline such as ``By Jane Doe, Staff Writer``."""
    stripped = _BULLET_RE.sub("", line).strip()
    return len(stripped) <= 80 and bool(_EN_BYLINE_RE.fullmatch(stripped))


def _is_reaction(probe: str) -> bool:
    """Tell whether a line is one reaction of a widget: ``happy``, ``좋아요 3``, ``sad 0%``."""
    if len(probe) > _REACTION_MAX_CHARS:
        return False
    match = _REACTION_RE.fullmatch(probe)
    return match is not None and match.group(1).replace(" ", "") in _REACTIONS


def _drop_reaction_widgets(lines: Sequence[str], drop: list[bool]) -> None:
    """Mark reaction-widget lines ("Happy", "좋아요 3") that sit among other widget lines.

    A widget spread over lines is a run of reaction words, counts and shares; its
    header ("What's your reaction?") goes with it.
    """
    flags = [_is_reaction(_probe(line)) for line in lines]
    for i, flag in enumerate(flags):
        if not flag:
            continue
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(lines)]
        if any(flags[j] or (drop[j] and not _LETTER_RE.search(lines[j])) for j in neighbours):
            drop[i] = True
    for i in range(len(lines) - 1):
        if drop[i + 1] and (flags[i + 1] or _is_reaction_line(_probe(lines[i + 1]))):
            drop[i] = drop[i] or bool(_WIDGET_HEADER_RE.fullmatch(_probe(lines[i])))


def _is_headline_item(line: str) -> bool:
    """Tell whether a line could be an item of a headline list: short, not a sentence."""
    stripped = _BULLET_RE.sub("", line).strip()
    words = len(stripped.split())
    return (
        (words >= 2 or len(_HANGUL_RE.findall(stripped)) >= 6)
        and len(stripped) <= _TITLE_MAX_CHARS
        and words <= _TITLE_MAX_WORDS
        # a headline may ask or exclaim, but does not end with a full stop
        and not stripped.rstrip("\"'”’)]」』】>").endswith((".", "。", ":", "：", ","))
    )


def _drop_headline_lists(lines: Sequence[str], drop: list[bool]) -> None:
    """Mark the headlines listed after a header such as "Related" or "많이 본 뉴스".

    The list runs while lines read like headlines; the first sentence ends it, so
    a header that happens to precede article text takes nothing with it.
    """
    for i, line in enumerate(lines):
        if not (drop[i] and _LIST_HEADER_RE.fullmatch(_probe(line))):
            continue
        for j in range(i + 1, len(lines)):
            if drop[j]:
                continue
            if not _is_headline_item(lines[j]):
                break
            drop[j] = True


def _is_title_like(line: str) -> bool:
    """Tell whether a line reads like a headline: short, no sentence punctuation."""
    stripped = _BULLET_RE.sub("", line).strip()
    words = len(stripped.split())
    long_enough = words >= _TITLE_MIN_WORDS or (
        bool(_HANGUL_RE.search(stripped)) and len(stripped) >= _TITLE_MIN_HANGUL_CHARS
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


def normalise_line(line: str) -> str:
    """Return ``line`` without invisible characters, with single spaces, stripped."""
    return _SPACE_RE.sub(" ", _INVISIBLE_RE.sub("", line)).strip()


def _drop_link_runs(
    lines: Sequence[str], drop: list[bool], links: Callable[[], Collection[str]]
) -> None:
    """Mark runs of headline-like lines that were each a whole link on the page.

    Two or more in a row are a list of other stories (a "more to read" box inside
    the article, promo cards) even without a header: article text is not made of
    links. After the last sentence, one is enough: it is what is left of such a
    list when trafilatura dropped the rest. Lines already dropped do not break a
    run. ``links`` is called only when the text has such a run of candidates.
    """
    kept = [i for i, dropped in enumerate(drop) if not dropped]
    headline = [_is_headline_item(lines[i]) for i in kept]
    runs: list[list[int]] = []
    for position, is_headline in enumerate(headline):
        if not is_headline:
            continue
        if position and headline[position - 1]:
            runs[-1].append(kept[position])
        else:
            runs.append([kept[position]])
    runs = [run for run in runs if len(run) >= 2 or run[-1] == kept[-1]]
    if not runs:
        return
    texts = links()
    for run in runs:
        # the run is the longest stretch of link lines in it, judged afresh
        stretch: list[int] = []
        for i in [*run, -1]:
            if i >= 0 and _BULLET_RE.sub("", lines[i]) in texts:
                stretch.append(i)
                continue
            if len(stretch) >= 2 or (stretch and stretch[-1] == kept[-1]):
                for j in stretch:
                    drop[j] = True
            stretch = []


def furniture_mask(
    lines: Sequence[str],
    *,
    dropped: Sequence[bool] = (),
    links: Callable[[], Collection[str]] | None = None,
) -> list[bool]:
    """Return, per line, whether it is furniture; a repeat of the line before counts too.

    :param lines: normalised, non-empty lines (see :func:`normalise_line`).
    :param dropped: per line, whether the caller drops it anyway (a source's
        recurring lines); such lines count as furniture beside a list.
    :param links: returns the normalised texts of the page's blocks that are one
        link each (list items, paragraphs, headings), whose runs are headline
        lists; called only when the text has headline-like lines to check.
    """
    drop = [_is_furniture(line) for line in lines]
    for i, known in enumerate(dropped):
        drop[i] = drop[i] or known
    _drop_reaction_widgets(lines, drop)
    _drop_headline_lists(lines, drop)
    if links is not None:
        _drop_link_runs(lines, drop, links)
    kept: list[int] = []  # indexes into lines
    near_furniture: list[bool] = []
    after_furniture = False
    for i, line in enumerate(lines):
        repeat = bool(kept) and line == lines[kept[-1]]
        if drop[i] or repeat:
            drop[i] = True
            after_furniture = after_furniture or not repeat
        else:
            kept.append(i)
            near_furniture.append(after_furniture)
            after_furniture = False
    near_furniture.append(after_furniture)
    cut = _trailing_headlines([lines[i] for i in kept], near_furniture)
    for i in kept[len(kept) - cut :]:
        drop[i] = True
    return drop


def furniture_spans(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` offsets in ``text`` of the lines :func:`furniture_mask` drops."""
    starts: list[int] = []
    lines: list[str] = []
    offset = 0
    for raw in text.split("\n"):
        line = normalise_line(raw)
        if line:
            starts.append(offset)
            lines.append(line)
        offset += len(raw) + 1
    return [
        (start, start + len(text[start:].split("\n", 1)[0]))
        for start, dropped in zip(starts, furniture_mask(lines), strict=True)
        if dropped
    ]
