"""Decide whether an article is about the Korean AI industry.

An article is in scope when it is about AI (AI as a whole word, 인공지능,
LLMs, generative models, AI chips, …) *and* has a Korean connection: Korea or
a Korean place, institution or major company named, an amount in won, or a
Korean-language text that is not about a foreign subject only.

The rules are word lists and patterns, kept general on purpose: they are
measured on ``shared/corpus/news-dev.jsonl`` and the seeds, and judged on
articles outside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.core.text import HANGUL

__all__ = ["RelevanceVerdict", "assess_relevance", "is_about_korean_ai"]

# -- AI ---------------------------------------------------------------------------

# "AI" is matched case-sensitively as a whole word (also inside "GenAI", "AI-powered",
# "AI반도체"), so that "ai" in other words and names never counts.
_AI_ACRONYM_RE = re.compile(r"(?<![A-Za-z])(?:Gen|gen|X)?A\.?I\.?(?![A-Za-z])|\bAGI\b|\bLLMs?\b")
_AI_TERMS_RE = re.compile(
    r"artificial[\s-]+intelligence|machine[\s-]+learning|deep[\s-]+learning|neural[\s-]+net"
    r"|large[\s-]+language[\s-]+models?|language[\s-]+models?|foundation[\s-]+models?"
    r"|generative|chat[\s-]?bots?|chatgpt|\bgpt-?\d|openai|anthropic|deepmind|hyperclova"
    r"|exaone|\bnpus?\b|neural[\s-]+processing|inference[\s-]+chips?|computer[\s-]+vision"
    r"|인공\s*지능|생성형|머신\s*러닝|기계\s*학습|딥\s*러닝|신경망|거대\s*언어|대규모\s*언어|초거대"
    r"|언어\s*모델|파운데이션\s*모델|챗봇|챗gpt|오픈ai|하이퍼클로바|엑사원|온디바이스|지능형",
    re.IGNORECASE,
)
# Korean companies whose business is AI: a mention is both AI and a Korean connection.
# Case-sensitive, since some names are English words ("upstage", "rebellions").
_KOREAN_AI_FIRMS_RE = re.compile(
    r"\b(?:Lunit|VUNO|Vuno|Upstage|Rebellions|Furiosa ?AI|FURIOSA|Sapeon|SAPEON|Twelve ?Labs"
    r"|Wrtn|WRTN|Riiid|Mobilint|DeepX|DEEPX|Makina[Rr]ocks|Scatter ?Lab|Kakao ?Brain"
    r"|LG AI Research|Saltlux|Deepnoid)\b"
    r"|루닛|뷰노|업스테이지|리벨리온|퓨리오사|사피온|트웰브랩스|뤼튼|뤼이드|모빌린트|딥엑스"
    r"|마키나락스|스캐터랩|카카오브레인|LG\s?AI연구원|솔트룩스|딥노이드"
)
# Hardware that is AI-related in this domain but also used elsewhere: half weight.
_AI_WEAK_RE = re.compile(
    r"\b(?:gpus?|hbm\d?e?|data[\s-]+cent(?:er|re)s?|autonomous|robotics?|metaverse)\b"
    r"|gpu|데이터\s*센터|자율\s*주행|로봇|메타버스",
    re.IGNORECASE,
)
#: AI score an article needs (a strong term counts 1, a weak one 0.5; a title hit counts double).
AI_THRESHOLD = 2.0

# -- Korea ------------------------------------------------------------------------

_KOREA_EN_RE = re.compile(
    r"(?<!north )(?<!north-)\b(?:(?:south\s+)?korea(?:n|ns)?|seoul|pangyo|busan|daejeon|daegu"
    r"|gwangju|ulsan|incheon|gyeonggi|jeju|krw|chaebol|kospi|kosdaq|yonhap|msit"
    r"|ministry\s+of\s+science\s+and\s+ict|kaist|postech|unist|dgist|etri|skku|yonsei"
    r"|sungkyunkwan|snu|samsung|sk\s*(?:group|telecom|hynix|square|inc|broadband|on)?|skt"
    r"|lg(?:\s+\w+)?|hyundai|kia|naver|kakao|kt|coupang|krafton|nexon|ncsoft|netmarble|hanwha"
    r"|lotte|posco|doosan|celltrion|moloco|kbank|people\s+power\s+party|yoon\s+suk[\s-]yeol"
    r"|lee\s+jae[\s-]myung|moon\s+jae[\s-]in)\b",
    re.IGNORECASE,
)
# Amounts in won: "909 billion won", "1.02 trillion won", "₩5bn".
# A bare "2023 won" is a year before a verb, so a scale word or thousands separator is needed.
_WON_EN_RE = re.compile(
    r"\d[\d,.]*\s*(?:billion|trillion|million|bn|tn)\s*won\b|\d{1,3}(?:,\d{3})+\s*won\b|₩\s*\d"
)
_KOREA_KO_RE = re.compile(
    r"한국|국내|우리나라|대한민국|韓|서울|판교|부산|대전|대구|광주|울산|인천|경기도|세종시|제주"
    r"|우리 정부|과기정통부|과학기술정보통신부|산업통상자원부|산업부|중기부|중소벤처기업부|국회"
    r"|윤석열|이재명|문재인|尹|삼성|(?<![A-Za-z])(?:SK|LG|KT)(?![a-z])|에스케이|엘지|HD현대"
    r"|현대(?:차|자동차|모비스|오토에버|건설|중공업|로템)|기아|네이버|카카오|쿠팡|크래프톤|넥슨"
    r"|엔씨|넷마블|한화(?!\s*(?:약\s*)?\d)|롯데|포스코|두산|셀트리온|카이스트|KAIST|서울대|연세대"
    r"|고려대|성균관대|포스텍"
    r"|유니스트|코스피|코스닥|토종|K-",
)
# A won amount in Korean text ("2500억 원"), unless it is a conversion in brackets.
_WON_KO_RE = re.compile(r"\d\s*(?:천|백|십)?\s*(?:만|억|조)?\s*원")
_CONVERSION_RE = re.compile(r"\([^()]*원[^()]*\)")
_FOREIGN_KO_RE = re.compile(
    r"中|美|日|중국|미국|일본|대만|유럽|영국|독일|프랑스|인도|싱가포르|실리콘밸리|베트남"
)
# Share of Hangul among letters above which a text counts as Korean.
_KOREAN_SHARE = 0.3


@dataclass(frozen=True)
class RelevanceVerdict:
    """Why an article is (or is not) about Korean AI, for logs and tuning."""

    about_korean_ai: bool
    ai_score: float
    korea_reason: str | None


def _ai_score(title: str, text: str) -> float:
    def score(s: str) -> float:
        strong = sum(
            len(rx.findall(s)) for rx in (_AI_ACRONYM_RE, _AI_TERMS_RE, _KOREAN_AI_FIRMS_RE)
        )
        return strong + 0.5 * len(_AI_WEAK_RE.findall(s))

    return 2 * score(title) + score(text)


def _is_korean(text: str, lang: str | None) -> bool:
    if lang is not None:
        return lang == "ko"
    letters = sum(1 for ch in text if ch.isalpha())
    return bool(letters) and len(HANGUL.findall(text)) >= _KOREAN_SHARE * letters


def _korea_reason(title: str, text: str, lang: str | None) -> str | None:
    """Name the first Korean connection found, or None."""
    both = f"{title}\n{text}"
    if match := _KOREA_EN_RE.search(both) or _KOREAN_AI_FIRMS_RE.search(both):
        return f"names {match.group(0)!r}"
    if match := _WON_EN_RE.search(both):
        return f"amount in won {match.group(0)!r}"
    if not _is_korean(both, lang):
        return None
    both = _CONVERSION_RE.sub(" ", both)
    if match := _KOREA_KO_RE.search(both):
        return f"names {match.group(0)!r}"
    if match := _WON_KO_RE.search(both):
        return f"amount in won {match.group(0)!r}"
    if not _FOREIGN_KO_RE.search(both):
        return "Korean-language text about no foreign subject"
    return None


def assess_relevance(title: str, text: str, lang: str | None = None) -> RelevanceVerdict:
    """Score an article for AI and find its Korean connection.

    :param title: the headline (may be empty).
    :param text: the cleaned article text.
    :param lang: the detected language, if known (``"ko"`` makes Korean rules apply).
    """
    ai = _ai_score(title, text)
    reason = _korea_reason(title, text, lang)
    return RelevanceVerdict(ai >= AI_THRESHOLD and reason is not None, ai, reason)


def is_about_korean_ai(title: str, text: str, lang: str | None = None) -> bool:
    """Tell whether an article is about AI and connected to Korea.

    :param title: the headline (may be empty).
    :param text: the cleaned article text.
    :param lang: the detected language, if known.
    """
    return assess_relevance(title, text, lang).about_korean_ai
