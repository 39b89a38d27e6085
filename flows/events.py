"""Detect partnership and funding events in English and Korean news, by explainable rules.

The detector reads an article sentence by sentence (the title counts as the first
sentence). A sentence yields an event when it has:

1. a **trigger**: a lexicon pattern for an agreement made ("signed an MOU",
   "partnered with", "업무협약을 체결") or for money committed ("raised",
   "Series B", "투자 유치", a government budget with an amount);
2. no **blocking context** near the trigger: previews and plans ("will sign",
   "expected to", "예정"), talks and visits ("discussed", "회동"), rumours
   ("reportedly", "검토"), background ("partnerships with firms like ..."),
   and for money: valuations, cumulative totals, market sizes, earnings, capex,
   rights offerings and foreign budgets;
3. **structure**: at least one party (an entity mention, or a name after "with"),
   and for government funding an amount.

Every event keeps the sentence that triggered it as ``evidence``; the reason a
sentence was dropped is available from :func:`explain`. Confidence grows with the
number of signals that agree (strong verb, two parties, amount, round, lead
position, an announcement verb). Offsets of ``mentions`` and ``amounts`` are read
in :func:`flows.analyze.article_document` (title + text); when they do not line up,
surfaces are matched inside each sentence instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flows.entities import Mention
from flows.knowledge import KnowledgeBase
from flows.money import Amount

__all__ = [
    "Event",
    "Rejection",
    "detect_events",
    "events_to_json",
    "explain",
    "warrants_alert",
]

_I = re.IGNORECASE


@dataclass(frozen=True)
class Event:
    """One partnership or funding event, with the sentence that shows it."""

    type: str
    subtype: str | None
    parties: tuple[str, ...]
    party_names: tuple[str, ...]
    amounts: tuple[Amount, ...]
    round: str | None
    evidence: str
    confidence: float


@dataclass(frozen=True)
class Rejection:
    """A sentence that had a trigger but was not an event, and why."""

    type: str
    evidence: str
    reason: str


# -- lexicons: partnership ------------------------------------------------------------

_AGREEMENT_EN = (
    r"(?:memorand(?:um|a) of understanding|MOUs?|MoUs?|MOA|letters? of intent|LOIs?|agreements?"
    r"|partnerships?|deals?"
    r"|pacts?|contracts?|alliances?|joint ventures?|collaborations?|cooperation)"
)
_PARTNER_EN = [
    # (pattern, subtype, strong)
    (
        rf"\b(?:signed|inked|sealed|concluded|struck|clinched|entered into|formalized|formalised)"
        rf"\b[^.;]{{0,80}}?\b{_AGREEMENT_EN}",
        "agreement",
        True,
    ),
    (
        r"\b(?:announc(?:ed|es|ing)|unveil(?:ed|s)|launch(?:ed|es)|forged|formed|form(?:s)?)\b"
        r"[^.;]{0,60}?\b(?:strategic |global |joint |technology |AI )?"
        r"(?:partnership|collaboration|alliance|joint venture|cooperation)\b",
        "partnership",
        True,
    ),
    (r"\b(?:has |have |had )?partner(?:ed|s) with\b", "partnership", False),
    (r"\bjoin(?:s|ed|ing)? forces with\b", "partnership", False),
    (r"\bteam(?:s|ed)? up with\b", "partnership", False),
    (r"\b(?:became|has become|becomes) the first [^.;]{0,40}\bpartner\b", "partnership", False),
    (
        r"\b(?:expand(?:ed|s)?|expansion of|bolster(?:ed|s)?|deepen(?:ed|s)?)\b[^.;]{0,30}?"
        r"\b(?:strategic )?partnership\b",
        "expansion",
        False,
    ),
    (r"\bjoint venture\b[^.;]{0,40}\b(?:established|set up|launched)\b", "joint venture", True),
    (r"\b(?:supply|licensing|license) (?:deal|agreement|contract)\b", "supply", False),
]
_PARTNER_KO = [
    (
        r"(?:업무\s*협약|양해\s*각서|MOU|MOA|협약|계약|파트너십|동맹|제휴|합작\s*법인|협정)"
        r"[^.]{0,12}?(?:체결|맺었|맺고|맺는|맺어|서명|합의)",
        "agreement",
        True,
    ),
    (r"협약식[^.]{0,40}(?:열고|개최|가졌)", "agreement", True),
    (r"손(?:을\s*)?잡(?:고|았|는다|아)|맞손|의기투합", "partnership", False),
    (
        r"협력을\s*(?:공식화|본격화)|산학\s*협력을\s*본격화|협업을\s*(?:시작하기로|본격화)",
        "partnership",
        False,
    ),
    (r"(?:전략적\s*)?파트너십(?:을|를)?\s*(?:공개|발표|확대)", "partnership", False),
    (r"합작\s*법인(?:을|를)?\s*(?:설립|세운)", "joint venture", True),
    (
        r"공동\s*(?:연구|개발)\s*(?:센터|협약)[^.]{0,30}(?:설립한다|설립했|설립하기로|설립하며|설립하고)",
        "joint development",
        False,
    ),
]

# -- lexicons: funding ----------------------------------------------------------------

_ROUND_RE = re.compile(
    r"\b(?:pre-?(?:series )?A|Series [A-F](?:\d| extension| bridge)?|seed(?: round| funding)?"
    r"|bridge (?:round|funding)|pre-?IPO)\b"
    r"|프리\s?(?:시리즈\s?)?A|시리즈\s?[A-F](?:\s?브릿지)?|시드|프리\s?IPO|브릿지|초기\s*투자",
    _I,
)
_FUND_EN = [
    (
        r"\b(?:rais(?:ed|es|ing)|secur(?:ed|es)|clos(?:ed|es)|land(?:ed|s)|attract(?:ed|s)|receiv(?:ed|es)"
        r"|won|bagged|completed)\b[^.;]{0,80}?\b(?:funding|round|investment|financing|capital|Series|seed)",
        "round",
        True,
    ),
    (
        r"\b(?:co-?)?le(?:d|ads?)\b[^.;]{0,40}?\b(?:Series [A-F]|seed|round|funding)",
        "round",
        True,
    ),
    (
        r"\b(?:invest(?:s|ed)?|will invest|to invest|is investing|are investing|pour(?:ed|s)?|inject(?:ed|s)?)"
        r"\b[^.;]{0,60}?\b(?:in|into)\b",
        "strategic investment",
        False,
    ),
    (r"\bstrategic investment\b", "strategic investment", False),
    (
        r"\b(?:allocat(?:es|ed|ing)|earmark(?:s|ed|ing)?|budget(?:ed|s)?|approv(?:ed|es)|passed|deploy"
        r"|commit(?:s|ted)?|set aside|invest(?:s|ed)?|will invest|supplementary (?:budget|AI budget))\b",
        "government",
        False,
    ),
]
_FUND_KO = [
    (
        r"투자(?:를|금을)?\s*(?:유치|받았|받는다|따냈|확보)|펀딩(?:을|를)?\s*(?:유치|마무리|완료)",
        "round",
        True,
    ),
    (
        r"(?:시리즈\s?[A-F]|프리\s?A|시드|브릿지|프리\s?IPO)[^.]{0,20}(?:유치|투자|라운드|마무리|클로징)",
        "round",
        True,
    ),
    (r"첫\s*투자처", "fund investment", True),
    (
        r"투자(?:를|했|한다|하기로|키로)?\s*(?:단행|집행|결정|했다|한다고|하기로|키로|확정)|공동\s*투자"
        r"|출자(?:한다|했다|하기로)|투자한다|투자했다|투자하기로",
        "strategic investment",
        True,
    ),
    (r"투자했|투자에\s*참여|투자에\s*나섰", "strategic investment", False),
    (r"클로징|목표한\s*유치\s*금액", "round", False),
    (
        r"추경|추가\s*경정\s*예산|예산(?:을|이|안)?\s*(?:편성|투입|확정|의결|배정)|투입(?:한다|하기로|키로|된다)"
        r"|의결됐|집중\s*투자된다|기금(?:을|를)?\s*조성",
        "government",
        False,
    ),
]

# -- blockers -------------------------------------------------------------------------

# Previews, plans, talks and hedges: block a trigger within the window around it.
_MODAL_EN = re.compile(
    r"\b(?:will (?:sign|announce|form|unveil|seek|consider)|to sign|set to|expected to|is expected"
    r"|are expected|poised to|plans? to (?:sign|form|announce|raise)|planning to|is seeking|are seeking"
    r"|seeks?|seeking|considering|consider|weighing|explor(?:e|ed|es|ing)|discuss(?:ed|es|ing)?"
    r"|talks?|in talks|negotiat\w*|met with|meetings?|visit(?:ed|s)?|could|might|may|would|likely"
    r"|reportedly|according to (?:sources|insiders|people)|insiders|sources said|rumou?r\w*"
    r"|pursu(?:e|es|ed|ing)|in principle|hopes? to|aims? to raise|looking to|if\b|whether"
    r"|previously|earlier this year|last year|in 20\d\d|since 20\d\d|ago|existing|already|recently"
    r"|in (?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?! \d)|plans? to invest|up to)\b",
    _I,
)
_MODAL_KO = re.compile(
    r"예정|전망|검토|논의|추진\s*중|추진하고|추진한다|방침|방문|회동|면담|만남|만났|할\s*계획|가능성|관측|기대된다"
    r"|타진|물색|협상|설이|알려졌다\s*하|할\s*것으로|것으로\s*보인다|으로\s*보인다|앞두고|제안|요청|촉구|희망"
    r"|지난해\s*\d+월|지난\s*\d+월|\d{4}년\s*\d+월|과거|기존|이미|그간|그동안|앞서|기도\s*했다|바\s*있다|최대"
)
# Money that is not a commitment: blocks the whole funding sentence.
_NOT_FUNDING_EN = re.compile(
    r"\b(?:valuation|valued at|worth of|market (?:size|is|was|will|to reach|could)|forecast\w*|CAGR"
    r"|cumulative|to date|so far|in total,? (?:it|the company) has raised|revenue|sales|operating"
    r"|profit|earnings|quarter|capex|capital expenditure|construction|build(?:ing)?|rights offering"
    r"|share sale|secondary|stake purchase|acquir\w+|acquisition|merger|buy(?:out|s|ing) out"
    r"|tender offer|call for proposals|market cap\w*|stock|shares? (?:rose|fell|jumped)|groundbreaking)\b",
    _I,
)
_NOT_FUNDING_KO = re.compile(
    r"누적|기업\s*가치|밸류|시장\s*규모|시장은|전망|매출|영업\s*이익|순이익|실적|설비\s*투자|시설\s*투자"
    r"|건설|건립|유상\s*증자|구주|인수|합병|공모|주가|시가\s*총액|공고|선정\s*결과|지분\s*매입|통계|조사"
)
_NOT_PARTNER_EN = re.compile(
    r"\b(?:acquir\w+|acquisition|merg(?:e[ds]?|ers?|ing)|buy(?:out|s|ing) out|launch(?:ed|es)? (?:its|a|the) "
    r"(?:new )?(?:model|product|service|phone|app)|groundbreaking|anniversary"
    r"|partner(?:ships|ed) with (?:[^.;]{0,40}\b(?:firms|companies|developers|players)\b|major)"
    r"|(?:firms|companies) (?:like|such as))\b",
    _I,
)
_NOT_PARTNER_KO = re.compile(r"인수|합병|착공|기공식|출시했|출시한다|주년")
_FOREIGN_GOV = re.compile(
    r"\b(?:U\.?S\.?|United States|American|China|Chinese|Japan(?:ese)?|EU|European|India|Indian"
    r"|Britain|British|UK|France|French|Germany|German|Taiwan|Saudi|UAE|NSCAI|Congress|Biden|Trump)\b"
    r"|미국|중국|일본|유럽|인도|영국|프랑스|독일|대만|사우디|바이든|트럼프"
)
_KOREA_RE = re.compile(r"\bKorea|\bSeoul\b|한국|국내|정부|과기정통부|과학기술정보통신부|국회", _I)
_ANNOUNCE_RE = re.compile(
    r"\b(?:announc\w+|said|says|unveil\w*|confirm\w*|today|on (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"
    r"|밝혔|발표|공개|전했|알렸",
    _I,
)
_GOV_WORD_RE = re.compile(
    r"\b(?:government|ministry|cabinet|national assembly|the country|state)\b|정부|부처|국회|과기정통부|국무회의",
    _I,
)
_WITH_NAME_RE = re.compile(r"\bwith (?:the )?((?:[A-Z][\w&.-]*(?: |$)){1,4})")
_SENTENCE_RE = re.compile(r"(?<=[.!?。])\s+(?=[^a-z0-9])|\n+")
_PARTY_TYPES = {
    "company",
    "government",
    "university",
    "organization",
    "organisation",
    "fund",
    "investor",
}
_GOVERNMENT_KO_ID = "government-of-south-korea"
_BLOCK_BEFORE = 60
_BLOCK_AFTER = 25
_LEAD_SENTENCES = 6
# "the two companies", "양사": the parties are the article's most-named organisations.
_PRONOUN_RE = re.compile(
    r"\b(?:the two (?:companies|firms|sides)|both companies|the (?:three|3) (?:companies|firms))\b"
    r"|양사|양측|두\s*회사|3사|세\s*회사",
    _I,
)


# -- sentences, mentions and amounts ---------------------------------------------------


def _document(title: str, text: str) -> str:
    title, text = title.strip(), text.strip()
    if not title or text.startswith(title):
        return text
    return f"{title}\n{text}" if text else title


def _sentences(document: str) -> list[tuple[int, str]]:
    """``(start, sentence)`` pairs: split on sentence ends and line breaks."""
    spans: list[tuple[int, str]] = []
    pos = 0
    for match in _SENTENCE_RE.finditer(document):
        chunk = document[pos : match.start()]
        if chunk.strip():
            spans.append((pos + len(chunk) - len(chunk.lstrip()), chunk.strip()))
        pos = match.end()
    tail = document[pos:]
    if tail.strip():
        spans.append((pos + len(tail) - len(tail.lstrip()), tail.strip()))
    return spans


def _aligned(document: str, items: Iterable[Mention | Amount], attr: str) -> bool:
    return all(document[item.start : item.end] == getattr(item, attr) for item in items)


def _in_sentence(
    item: Mention | Amount, attr: str, start: int, sentence: str, by_offset: bool
) -> bool:
    if by_offset:
        return start <= item.start and item.end <= start + len(sentence)
    return getattr(item, attr) in sentence


# -- blocking ---------------------------------------------------------------------------


def _blocked(sentence: str, match: re.Match[str], lang_ko: bool) -> str | None:
    """The hedge or preview word near the trigger, if any."""
    lo = max(0, match.start() - _BLOCK_BEFORE)
    hi = min(len(sentence), match.end() + _BLOCK_AFTER)
    window = sentence[lo:hi]
    for pattern in (_MODAL_KO, _MODAL_EN) if lang_ko else (_MODAL_EN, _MODAL_KO):
        hit = pattern.search(window)
        if hit:
            return hit.group(0)
    return None


def _first_trigger(
    sentence: str, rules: list[tuple[str, str, bool]]
) -> tuple[re.Match[str], str, bool] | None:
    for pattern, subtype, strong in rules:
        match = re.search(pattern, sentence, _I)
        if match:
            return match, subtype, strong
    return None


# -- parties ----------------------------------------------------------------------------


def _parties(
    sentence: str, mentions: list[Mention], kb: KnowledgeBase, fallback: dict[str, str]
) -> list[tuple[str, str]]:
    """``(id or surface, display name)`` for organisations named in the sentence."""
    seen: dict[str, str] = {}
    for mention in mentions:
        if mention.entity_id in seen or mention.entity_id not in kb:
            continue
        entity = kb.get(mention.entity_id)
        if entity.type in _PARTY_TYPES or entity.type not in {"person", "product", "place"}:
            seen[mention.entity_id] = entity.name
    if not seen and _PRONOUN_RE.search(sentence):
        seen.update(fallback)
    if not seen and "정부" in sentence and _GOVERNMENT_KO_ID in kb:
        seen[_GOVERNMENT_KO_ID] = kb.get(_GOVERNMENT_KO_ID).name
    if len(seen) < 2:
        with_name = _WITH_NAME_RE.search(sentence)
        if with_name:
            name = with_name.group(1).strip(" .")
            if name and not any(name in known or known in name for known in seen.values()):
                seen[name] = name
    return list(seen.items())


def _top_organisations(mentions: list[Mention], kb: KnowledgeBase, n: int = 2) -> dict[str, str]:
    """The ``n`` organisations named most often in the article."""
    counts: dict[str, int] = {}
    for mention in mentions:
        if mention.entity_id in kb and kb.get(mention.entity_id).type not in {
            "person",
            "product",
            "place",
        }:
            counts[mention.entity_id] = counts.get(mention.entity_id, 0) + 1
    top = sorted(counts, key=lambda key: -counts[key])[:n]
    return {key: kb.get(key).name for key in top}


def _is_korean_government(party_ids: Iterable[str], kb: KnowledgeBase) -> bool:
    for party in party_ids:
        if party in kb:
            entity = kb.get(party)
            if entity.type == "government" and entity.country in (None, "KR"):
                return True
    return False


# -- per-sentence rules ---------------------------------------------------------------


def _confidence(*signals: bool) -> float:
    return round(min(0.99, 0.4 + 0.1 * sum(signals)), 2)


def _partnership(
    sentence: str, lang_ko: bool, parties: list[tuple[str, str]], lead: bool
) -> Event | Rejection:
    rules = _PARTNER_KO + _PARTNER_EN if lang_ko else _PARTNER_EN + _PARTNER_KO
    found = _first_trigger(sentence, rules)
    if found is None:
        return Rejection("partnership", sentence, "no trigger")
    match, subtype, strong = found
    blocker = _blocked(sentence, match, lang_ko)
    if blocker:
        return Rejection("partnership", sentence, f"hedged: {blocker!r}")
    negative = (_NOT_PARTNER_KO if lang_ko else _NOT_PARTNER_EN).search(sentence)
    if negative:
        return Rejection("partnership", sentence, f"not a partnership: {negative.group(0)!r}")
    if not parties:
        return Rejection("partnership", sentence, "no party")
    confidence = _confidence(
        strong, len(parties) >= 2, lead, bool(_ANNOUNCE_RE.search(sentence)), True
    )
    return Event(
        type="partnership",
        subtype=subtype,
        parties=tuple(party for party, _ in parties),
        party_names=tuple(name for _, name in parties),
        amounts=(),
        round=None,
        evidence=sentence,
        confidence=confidence,
    )


def _good_amounts(sentence: str, amounts: list[Amount]) -> list[Amount]:
    """Amounts whose own neighbourhood is not a valuation, total or market figure."""
    good = []
    for amount in amounts:
        at = sentence.find(amount.text)
        near = sentence[max(0, at - 30) : at + len(amount.text) + 20] if at >= 0 else sentence
        if _NOT_FUNDING_EN.search(near) or _NOT_FUNDING_KO.search(near):
            continue
        if re.search(r"parameters?|파라미터|매개변수", near, _I):
            continue
        good.append(amount)
    return good


def _round(sentence: str) -> str | None:
    match = _ROUND_RE.search(sentence)
    if not match:
        return None
    text = match.group(0)
    ko = {"시드": "seed", "브릿지": "bridge", "초기 투자": "seed", "초기투자": "seed"}
    if text in ko:
        return ko[text]
    text = re.sub(r"시리즈\s?", "Series ", text)
    text = re.sub(r"프리\s?", "pre-", text).replace("브릿지", "bridge").strip()
    return text[0].upper() + text[1:] if text.lower().startswith("series") else text.lower()


def _funding(
    sentence: str,
    lang_ko: bool,
    parties: list[tuple[str, str]],
    amounts: list[Amount],
    kb: KnowledgeBase,
    lead: bool,
) -> Event | Rejection:
    rules = _FUND_KO + _FUND_EN if lang_ko else _FUND_EN + _FUND_KO
    found = _first_trigger(sentence, rules)
    if found is None:
        return Rejection("funding", sentence, "no trigger")
    match, subtype, strong = found
    blocker = _blocked(sentence, match, lang_ko)
    if blocker and not (subtype == "government" and blocker.lower() in {"will", "may"}):
        return Rejection("funding", sentence, f"hedged: {blocker!r}")
    good = _good_amounts(sentence, amounts)
    government = _is_korean_government((p for p, _ in parties), kb) or bool(
        _GOV_WORD_RE.search(sentence)
    )
    if subtype == "government":
        if not good:
            return Rejection("funding", sentence, "budget without an amount")
        if not government and not strong and not _ROUND_RE.search(sentence):
            return Rejection("funding", sentence, "investment verb without a recipient round")
        foreign = _FOREIGN_GOV.search(sentence)
        if foreign and not _KOREA_RE.search(sentence):
            return Rejection("funding", sentence, f"another country's budget: {foreign.group(0)!r}")
    negative = (_NOT_FUNDING_KO if lang_ko else _NOT_FUNDING_EN).search(sentence)
    if negative and not good:
        return Rejection("funding", sentence, f"not a commitment: {negative.group(0)!r}")
    if amounts and not good:
        return Rejection("funding", sentence, "only excluded amounts")
    if not parties:
        return Rejection("funding", sentence, "no party")
    if subtype == "strategic investment" and not (good or len(parties) >= 2):
        return Rejection("funding", sentence, "investment without amount or counterparty")
    round_name = _round(sentence)
    if subtype == "government" and not government:
        subtype = "strategic investment"
    confidence = _confidence(
        strong,
        bool(good),
        round_name is not None or subtype == "government",
        lead,
        bool(_ANNOUNCE_RE.search(sentence)),
    )
    return Event(
        type="funding",
        subtype=subtype,
        parties=tuple(party for party, _ in parties),
        party_names=tuple(name for _, name in parties),
        amounts=tuple(good),
        round=round_name,
        evidence=sentence,
        confidence=confidence,
    )


# -- article --------------------------------------------------------------------------


def _scan(
    title: str,
    text: str,
    mentions: list[Mention],
    amounts: list[Amount],
    kb: KnowledgeBase,
    lang: str | None,
) -> list[Event | Rejection]:
    document = _document(title, text)
    lang_ko = lang == "ko" if lang else bool(re.search(r"[\uac00-\ud7a3]", document))
    m_aligned = _aligned(document, mentions, "surface")
    a_aligned = _aligned(document, amounts, "text")
    results: list[Event | Rejection] = []
    fallback = _top_organisations(mentions, kb)
    for index, (start, sentence) in enumerate(_sentences(document)):
        if len(sentence) < 12 or len(sentence) > 1200:
            continue
        local_m = [m for m in mentions if _in_sentence(m, "surface", start, sentence, m_aligned)]
        local_a = [a for a in amounts if _in_sentence(a, "text", start, sentence, a_aligned)]
        parties = _parties(sentence, local_m, kb, fallback)
        lead = index < _LEAD_SENTENCES
        results.append(_partnership(sentence, lang_ko, parties, lead))
        results.append(_funding(sentence, lang_ko, parties, local_a, kb, lead))
    return results


def _same(a: Event, b: Event) -> bool:
    if a.type != b.type:
        return False
    if {x.krw for x in a.amounts if x.krw} & {x.krw for x in b.amounts if x.krw}:
        return True
    if a.amounts and b.amounts:
        return False
    return bool(set(a.parties) & set(b.parties))


def _deduplicate(events: list[Event]) -> list[Event]:
    """Merge events of one type that share parties or an amount; keep the best evidence."""
    kept: list[Event] = []
    for event in events:
        for i, other in enumerate(kept):
            if _same(event, other):
                if event.confidence > other.confidence:
                    kept[i] = event
                break
        else:
            kept.append(event)
    return kept


def detect_events(
    title: str,
    text: str,
    *,
    mentions: list[Mention],
    amounts: list[Amount],
    kb: KnowledgeBase,
    lang: str | None = None,
) -> list[Event]:
    """Return the partnership and funding events an article announces.

    :param mentions: the tagger's mentions of ``article_document(title, text)``.
    :param amounts: ``parse_amounts`` of the same document (or of ``text``).
    :param lang: ``"en"`` or ``"ko"``; guessed from Hangul when None.
    """
    found = [r for r in _scan(title, text, mentions, amounts, kb, lang) if isinstance(r, Event)]
    return _deduplicate(found)


def explain(
    title: str,
    text: str,
    *,
    mentions: list[Mention],
    amounts: list[Amount],
    kb: KnowledgeBase,
    lang: str | None = None,
) -> list[Rejection]:
    """Sentences that had a trigger but were dropped, with the reason."""
    results = _scan(title, text, mentions, amounts, kb, lang)
    return [r for r in results if isinstance(r, Rejection) and r.reason != "no trigger"]


def events_to_json(events: list[Event], kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The ``events`` list of ``kaiwatch analyze``."""
    rows = []
    for event in events:
        names = [kb.get(p).name if p in kb else p for p in event.parties]
        rows.append(
            {
                "type": event.type,
                "subtype": event.subtype,
                "parties": names,
                "amounts": [{"text": a.text, "krw": a.krw, "usd": a.usd} for a in event.amounts],
                "round": event.round,
                "evidence": event.evidence,
                "confidence": event.confidence,
            }
        )
    return rows


def warrants_alert(events: list[Event], about_korean_ai: bool, threshold: float) -> bool:
    """Alert = a partnership or funding event at or above ``threshold``, about Korean AI."""
    return about_korean_ai and any(
        e.type in {"partnership", "funding"} and e.confidence >= threshold for e in events
    )
