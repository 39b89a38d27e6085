"""Detect partnership and funding events in English and Korean news, by explainable rules.

The detector reads an article sentence by sentence (the title counts as the first
sentence). A sentence yields an event when it has:

1. a **trigger**: a lexicon pattern for an agreement made ("signed an MOU",
   "partnered with", "업무협약을 체결") or for money committed ("raised",
   "Series B", "투자 유치", a government budget with an amount);
2. no **blocking context**: previews and plans ("will sign", "expected to", "예정"),
   talks and visits ("discussed", "회동"), rumours ("reportedly", "검토") next to the
   trigger; a preview, rumour or past-time anchor anywhere before it in the sentence
   ("is expected to announce ...", "since 2023, when ...", "then signed", "At CES 2025,",
   "지난해") unless a reporting verb or "이번" restarts the clause; a Korean past ending
   after it ("~한 바 있다", "~해 왔다"); a deal called off or postponed ("terminated",
   "체결식이 연기됐다"); non-restrictive relative clauses (", which ...,") are background
   and blanked out;
3. **not a recap**: no list of deals (two bare months, or three clauses with triggers),
   in an opinion, analysis or explainer piece only the title and lead count, and a
   stock-market report ("[특징주]", "X shares soar") counts nothing;
4. for money, **a commitment**: no valuation, cumulative total, market size, earnings,
   capex (an investment whose object is the company's own GPUs, plants or cluster),
   investment without an investee, programme selection, rights offering or foreign
   budget;
5. **structure**: at least one party (an entity mention, a name after "with", or the
   subject of the sentence when the knowledge base lacks it), and for government
   funding an amount.

Every event keeps the sentence that triggered it as ``evidence``; the reason a
sentence was dropped is available from :func:`explain`. Confidence grows with the
number of signals that agree (strong verb, two parties, amount, round, lead
position, an announcement verb). Offsets of ``mentions`` and ``amounts`` are read
in :func:`flows.analysis.analyze.article_document` (title + text); when they do not line up,
surfaces are matched inside each sentence instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flows.analysis.knowledge import KnowledgeBase
from flows.core.models import Amount, Event, Mention, Scored
from flows.core.text import HANGUL

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
class Rejection:
    """A sentence that had a trigger but was not an event, and why."""

    type: str
    evidence: str
    reason: str


# -- lexicons: partnership ------------------------------------------------------------
# Gaps inside a trigger stop at a sentence end, but not at a decimal point ("$69.4 million"):
# "(?:[^.;]|(?<=\d)\.(?=\d)){0,N}".

_Rule = tuple[re.Pattern[str], str, bool]


def _compile(rules: list[tuple[str, str, bool]]) -> list[_Rule]:
    return [(re.compile(pattern, _I), subtype, strong) for pattern, subtype, strong in rules]


_AGREEMENT_EN = (
    r"(?:memorand(?:um|a) of understanding|MOUs?|MoUs?|MOA|letters? of intent|LOIs?|agreements?"
    r"|partnerships?|deals?"
    r"|pacts?|contracts?|alliances?|joint ventures?|collaborations?|cooperation)"
)
_PARTNER_EN = _compile(
    [
        # (pattern, subtype, strong)
        (
            rf"\b(?:signed|inked|sealed|concluded|struck|clinched|entered into|formalized|formalised)"
            rf"\b(?:[^.;]|(?<=\d)\.(?=\d)){{0,80}}?\b{_AGREEMENT_EN}",
            "agreement",
            True,
        ),
        # a participle clause on a main clause: "X became the latest to ..., signing a partnership"
        (
            rf",\s*(?:signing|inking|sealing|striking)\b(?! off\b)(?:[^.;]|(?<=\d)\.(?=\d)){{0,60}}?\b{_AGREEMENT_EN}",
            "agreement",
            True,
        ),
        (
            r"\b(?:announc(?:ed|es|ing)|unveil(?:ed|s)|launch(?:ed|es)|forged|formed|form(?:s)?)\b"
            r"(?:[^.;]|(?<=\d)\.(?=\d)){0,60}?\b(?:strategic |global |joint |technology |AI )?"
            r"(?:partnership|collaboration|alliance|joint venture|cooperation)\b",
            "partnership",
            True,
        ),
        # passive: "a partnership ... was signed between KT and Microsoft", headline "MOU signed by"
        (
            rf"(?<!\bno )(?<!\bany )\b{_AGREEMENT_EN}\b(?:[^.;]|(?<=\d)\.(?=\d)){{0,60}}?"
            r"(?:\b(?:was|were|has been|have been|got) (?:formally |officially |also )?"
            r"(?:signed|inked|sealed|concluded|struck|clinched)\b"
            r"|\b(?:signed|inked|sealed)(?= (?:between|by)\b))"
            # the agents after the verb belong to the trigger, so a date after them is in reach
            r"(?: (?:between|by|with)\b[^.;,]{0,50})?",
            "agreement",
            True,
        ),
        (r"\b(?:has |have |had )?partner(?:ed|s) with\b", "partnership", False),
        # a reduced relative with a recent date: "under a multiyear contract signed Monday"
        (
            rf"(?<!\bno )(?<!\bany )\b{_AGREEMENT_EN} (?:signed|inked|sealed|concluded|struck)"
            r" (?:on )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|today|yesterday"
            r"|this week|earlier this week)\b",
            "agreement",
            True,
        ),
        (r"\bjoin(?:s|ed|ing)? forces with\b", "partnership", False),
        # a partner chosen: "has tapped X as its AI inference partner", "picked X as partner"
        (
            r"\b(?:tapped|taps|picked|picks|chose|chooses|selected|selects|named|names)\b"
            r"(?:[^.;]|(?<=\d)\.(?=\d)){1,50}?\bas (?:its|their|the|a|an) (?:[\w-]+ ){0,4}?partner\b",
            "partnership",
            False,
        ),
        (r"\bteam(?:s|ed)? up with\b", "partnership", False),
        (
            r"\b(?:became|has become|becomes) the first (?:[^.;]|(?<=\d)\.(?=\d)){0,40}\bpartner\b",
            "partnership",
            False,
        ),
        (
            r"\b(?:expand(?:ed|s)?|expansion of|bolster(?:ed|s)?|deepen(?:ed|s)?)\b(?:[^.;]|(?<=\d)\.(?=\d)){0,30}?"
            r"\b(?:strategic )?partnership\b",
            "expansion",
            False,
        ),
        (
            r"\bagree(?:d|s)\b(?: with\b(?:[^.;]|(?<=\d)\.(?=\d)){0,40}?)? to"
            r" (?:extend|expand|deepen|broaden|widen)\b(?:[^.;]|(?<=\d)\.(?=\d)){0,30}?"
            r"\b(?:collaboration|partnership|alliance|cooperation)\b",
            "expansion",
            False,
        ),
        (
            r"(?<!\bwill )(?<!\bto )\b(?:widen|broaden)(?:s|ed)?\s+(?:(?:its|their|the)\s+)?(?:[\w-]+\s+)?(?:alliance|partnership)\b",
            "expansion",
            False,
        ),
        (
            r"\bjoint venture\b(?:[^.;]|(?<=\d)\.(?=\d)){0,40}\b(?:established|set up|launched)\b",
            "joint venture",
            True,
        ),
        (r"\b(?:supply|licensing|license) (?:deal|agreement|contract)\b", "supply", False),
    ]
)
_PARTNER_KO = _compile(
    [
        (
            r"(?:업무\s*협약|양해\s*각서|MOU|MOA|협약|계약|파트너십|동맹|제휴|합작\s*법인|협정)"
            r"(?:[^.]|(?<=\d)\.(?=\d)){0,12}?(?:체결|맺었|맺고|맺는|맺어|서명|합의)",
            "agreement",
            True,
        ),
        (r"협약식(?:[^.]|(?<=\d)\.(?=\d)){0,40}(?:열고|개최|가졌)", "agreement", True),
        (r"손(?:을\s*)?잡(?:고|았|는다|아)|맞손|의기투합", "partnership", False),
        (
            r"협력을\s*(?:공식화|본격화)|산학\s*협력을\s*본격화|협업을\s*(?:시작하기로|본격화)",
            "partnership",
            False,
        ),
        (r"(?:전략적\s*)?파트너십(?:을|를)?\s*(?:공개|발표|확대)", "partnership", False),
        (r"합작\s*법인(?:을|를)?\s*(?:설립|세운)", "joint venture", True),
        (
            r"공동\s*(?:연구|개발)\s*(?:센터|협약)(?:[^.]|(?<=\d)\.(?=\d)){0,30}(?:설립한다|설립했|설립하기로|설립하며|설립하고)",
            "joint development",
            False,
        ),
    ]
)

# -- lexicons: funding ----------------------------------------------------------------

_ROUND_RE = re.compile(
    r"\b(?:pre-?(?:series )?A|Series [A-F](?:\d| extension| bridge)?|seed(?: round| funding)?"
    r"|bridge (?:round|funding)|pre-?IPO)\b"
    r"|프리\s?(?:시리즈\s?)?A|시리즈\s?[A-F](?:\s?브릿지)?|(?<![가-힣])(?:시드(?!니)|브릿지)"
    r"|프리\s?IPO|초기\s*투자",
    _I,
)
_FUND_EN = _compile(
    [
        (
            r"\b(?:rais(?:ed|es|ing)|secur(?:ed|es)|clos(?:ed|es)|land(?:ed|s)|attract(?:ed|s)|receiv(?:ed|es)"
            r"|(?<!illion )(?<![\d,.] )won|bagged|completed)\b(?:[^.;]|(?<=\d)\.(?=\d)){0,80}?"
            r"\b(?:funding|round|investment(?! bank)|financing|capital|Series|seed)",
            "round",
            True,
        ),
        (
            r"\b(?:co-?)?le(?:d|ads?)\b(?:[^.;]|(?<=\d)\.(?=\d)){0,40}?\b(?:Series [A-F]|seed|round|funding)",
            "round",
            True,
        ),
        (
            r"\b(?:invest(?:s|ed)?|will invest|to invest|is investing|are investing|pour(?:ed|s)?|inject(?:ed|s)?)"
            r"\b(?:[^.;]|(?<=\d)\.(?=\d)){0,60}?\b(?:in|into)\b",
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
        # a fund closed: "held the final close of a 200 billion won fund" (amount required)
        (
            r"\b(?:held (?:the|a|its) (?:first|final|second) close|closed|completed)\b"
            r"(?:[^.;]|(?<=\d)\.(?=\d)){0,50}?\bfund\b(?!ing|s? of funds| manager)",
            "fund",
            True,
        ),
        # a round topped up: "added 15 billion won to its Series B round", "tops up Series B"
        (
            r"\badd(?:s|ed)\b(?:[^.;]|(?<=\d)\.(?=\d)){0,40}? to (?:its|their|the) (?:[\w-]+ ){0,3}?"
            r"(?:round|Series [A-F]|seed round)\b"
            r"|\btop(?:s|ped)? up\b(?:[^.;]|(?<=\d)\.(?=\d)){0,30}?\b(?:round|Series [A-F]|seed round)\b",
            "round",
            True,
        ),
    ]
)
_FUND_KO = _compile(
    [
        (
            r"투자(?:를|금을)?\s*(?:유치|받았|받는다|따냈|확보)|펀딩(?:을|를)?\s*(?:유치|마무리|완료)"
            # money "transfused": "유한양행으로부터 100억원을 수혈받았다"
            r"|수혈\s*(?:받았|받는다|받아|받게\s*됐|받기로)",
            "round",
            True,
        ),
        (
            r"(?:시리즈\s?[A-F]|프리\s?A|(?<![가-힣])(?:시드(?!니)|브릿지)|프리\s?IPO)"
            r"(?:[^.]|(?<=\d)\.(?=\d)){0,20}(?:유치|투자|라운드|마무리|클로징)",
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
            r"추경|추가\s*경정\s*예산|예산(?:안)?(?:을|이|은)?[^.,]{0,30}?(?:편성|투입|확정|의결|배정|통과)"
            r"|투입(?:한다|하기로|키로|된다)"
            r"|의결됐|집중\s*투자된다|기금(?:을|를)?\s*조성"
            # a government grant received: "국비 150억원을 지원받아" (amount required)
            r"|(?:국비|정부\s*(?:출연금|지원금))(?:[^.]|(?<=\d)\.(?=\d)){0,20}?(?:지원\s*받|확보(?:했|한다|하게|해))",
            "government",
            False,
        ),
        # a fund formed or committed: "1800억원을 출자하고", "펀드를 조성한다" (amount required)
        (
            r"출자(?:하고|했으며|를\s*확정)"
            r"|(?:펀드|기금)(?:를|을)?\s*(?:조성|결성)(?:한다|했다|했으며|하고|하기로)"
            r"|(?:펀드|기금)\s*(?:조성|결성)을\s*(?:완료|마쳤|마무리)",
            "fund",
            True,
        ),
    ]
)

# Triggers that name a deal on their own (not bare budget or "strategic investment" words):
# three clauses with one of them make a sentence a list of deals.
_DEAL_RULES = _PARTNER_EN + _FUND_EN[:3] + _FUND_EN[6:] + _PARTNER_KO + _FUND_KO[:4]

# -- blockers -------------------------------------------------------------------------

# Previews, plans, talks and hedges: block a trigger within the window around it.
_MODAL_EN = re.compile(
    r"\b(?:will (?:sign|announce|form|unveil|seek|consider)|to sign|set to|expected to|is expected"
    r"|are expected|poised to|plans? to (?:sign|form|announce|raise)|planning to|is seeking|are seeking"
    r"|seeks?|seeking|considering|consider|weighing|explor(?:e|ed|es|ing)|discuss(?:ed|es|ing)?"
    r"|talks?|in talks|negotiat\w*|met with|meetings?|visit(?:ed|s)?|could|might|(?-i:may)|would|likely"
    r"|reportedly|according to (?:sources|insiders|people)|insiders|sources said|rumou?r\w*"
    r"|pursu(?:e|es|ed|ing)|in principle|hopes? to|aims? to raise|looking to|if\b|whether"
    r"|previously|earlier this year|last year|in 20\d\d|since 20\d\d|ago|existing|already|recently"
    r"|(?:had )?planned to (?:sign|form|announce|raise|invest|set up|establish|create|launch)"
    r"|had (?:intended|hoped|wanted) to|(?:was|were) (?:supposed|scheduled|due) to"
    r"|(?:has|have|had|was|were|is|are|did|does|do) not (?:yet )?(?:been )?(?:sign(?:ed)?|ink(?:ed)?"
    r"|agree(?:d)?|finali[sz]ed?|close(?:d)?|raise(?:d)?|secure(?:d)?|reach(?:ed)?)|yet to"
    r"|no (?:[\w-]+ ){0,2}(?:agreements?|deals?|MOUs?|contracts?|pacts?|term sheets?)"
    r"|in (?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"(?! \d)|plans? to invest|up to)\b",
    _I,
)
_MODAL_KO = re.compile(
    r"예정|전망|검토|논의|추진\s*중|추진하고|추진한다|방침|방문|회동|면담|만남|만났|[할는]\s*계획|가능성|관측|기대된다"
    r"|타진|물색|협상|설이|알려졌다\s*하|할\s*것으로|것으로\s*보인다|으로\s*보인다|앞두고|제안|요청|촉구|희망"
    r"|수\s*있다|수\s*있을\s*것|[지되하]면[\s,]"
    r"|지난해\s*\d+월|지난\s*\d+월|\d{4}년\s*\d+월|과거|기존|이미|그간|그동안|앞서|기도\s*했다|바\s*있다|최대"
    r"|(?:조율|협의)\s*중|(?:조율|협의)하고\s*있|막바지\s*(?:조율|협의|단계)"
    r"|(?:결성|유치|체결|설립|조성)(?:을|를)?\s*추진(?!해\s*(?:왔|온))"
    r"|(?:클로징|결성|조성|유치)(?:을|를)?\s*목표|목표를\s*세웠|목표다"
    # seeking money ("투자 유치에 나섰다"), and nothing confirmed ("확정된 사항은 없다")
    r"|(?:유치|펀딩|모집)(?:에|를)?\s*나(?:섰|선다|설\s)"
    r"|(?:확정|결정|정해)[된진]\s*(?:사항|바|것|건|내용)(?:은|는|이)?\s*(?:없|아직)"
)
# A deal called off, postponed or terminated is not one made (the reason "called off").
_CALLED_OFF_EN = re.compile(
    r"\b(?:postponed|put off|called off|scrapped|terminated|cancell?ed|fell through|shelved"
    r"|suspended|abandoned|(?:pulled|backed) out of|walked away from|annulled|rescinded)\b",
    _I,
)
# Korean: after the trigger only ("협약식이 잠정 연기됐다"); "연기됐던 협약식이 열렸다" is held.
_CALLED_OFF_KO = re.compile(
    r"연기(?:됐|되었|된다|했|한다|하기로|키로)|무산|취소(?:됐|되|했|하)|해지(?:됐|되|했|하)|철회"
    r"|백지화|보류(?:됐|되|했|하)|파기|결렬|불발|좌초|중단(?:됐|되었|했|하기로)"
)
# Money that is not a commitment: blocks the whole funding sentence.
_NOT_FUNDING_EN = re.compile(
    r"\b(?:valuation|valu(?:ed|es|ing)(?: [\w'-]+){0,3} at|worth of|market (?:size|is|was|will|to reach|could)|forecast\w*|CAGR"
    r"|cumulative|to date|so far|in total,? (?:it|the company) has raised|revenue|sales|operating"
    r"|total (?:funding|raised|investment)|bring(?:s|ing)? (?:its|the company's) total"
    r"|up from|down from|compared (?:with|to)|(?:times|double|triple|twice) (?:the|this year's|last year's|that of)"
    r"|profit|earnings|quarter|capex|capital expenditure|construction|build(?:ing)?|rights offering"
    r"|share sale|secondary|stake purchase|acquir\w+|acquisition|merger|buy(?:out|s|ing) out"
    r"|tender offer|call for proposals|market cap\w*|stock|shares? (?:rose|fell|jumped)|groundbreaking"
    r"|total (?:budget|spending|expenditure)|overall budget|of the total"
    r"|account(?:s|ed|ing)? for (?:more than |less than |about |nearly |almost |over |roughly )?"
    r"(?:half|a third|a quarter|most|the bulk))\b",
    _I,
)
_NOT_FUNDING_KO = re.compile(
    r"누적|기업\s*가치|밸류|시장\s*규모|시장은|전망|매출|영업\s*이익|순이익|실적|설비\s*투자|시설\s*투자"
    r"|건설|건립|유상\s*증자|구주|인수|합병|공모|주가|시가\s*총액|공고|선정\s*결과|지분\s*매입|통계|조사"
    r"|전년\s*(?:대비|보다)|감소(?:했|율|세)|증가(?:했|율|세)|늘었|줄었|총\s*지출|총\s*예산|전체\s*예산"
)
_NOT_PARTNER_EN = re.compile(
    r"\b(?:acquir\w+|acquisition|merg(?:e[ds]?|ers?|ing)|buy(?:out|s|ing) out|launch(?:ed|es)? (?:its|a|the) "
    r"(?:new )?(?:model|product|service|phone|app)|groundbreaking|anniversary"
    r"|partner(?:ships|ed) with (?:[^.;]{0,40}\b(?:firms|companies|developers|players)\b|major)"
    r"|(?:firms|companies) (?:like|such as)|(?:its|their) own (?:deals|partnerships|alliances|pacts)"
    r"|(?:MOUs|agreements|partnerships|deals|contracts|pacts) with (?:dozens|hundreds|(?:more than"
    r"|over|nearly|some|about|around|at least) (?:\d+|a dozen|a hundred))"
    r"|(?:buy|purchase|take|acquire)s? (?:a |an |the )?(?:\d+(?:\.\d+)? ?%|majority|controlling) stake)\b",
    _I,
)
_NOT_PARTNER_KO = re.compile(
    r"인수|합병|착공|기공식|출시했|출시한다|주년|사들이|매입|취득|경영권|지분\s*100\s*%"
)
# Sentence scope: a preview, rumour or past-time anchor anywhere before the trigger governs
# it, unless a reporting verb or a "this time" word restarts the clause in between
# ("Upstage, which plans to list next year, said it raised ...").
_PREVIEW_SCOPE = re.compile(
    r"\b(?:(?:is|are|was|were) (?:(?:widely|also) )?(?:expected|set|poised|slated|due|likely|said)"
    r" to|(?<!unveiled )(?<!announced )(?<!revealed )plans? to|planning to|intends? to"
    r"|(?:is|are) seeking|seeks? to|considering|in talks|reportedly"
    r"|according to (?:[\w-]+ ){0,3}(?:sources|insiders|people))\b",
    _I,
)
_PAST_SCOPE_EN = re.compile(
    r"\bsince (?:early |late |mid-?)?(?:19|20)\d\d\b|,\s*when\b|\bat the time\b|\bback in\b"
    r"|\b(?:over|in|during|for|throughout) the (?:past|last|previous) (?:(?:few|several|two|three"
    r"|\d+) )?(?:years?|months?|decades?|quarters?)\b|\bin recent (?:years|months)\b"
    r"|\b(?:a|one|two|three|four|several|a few|\d+) (?:days?|weeks?|months?|years?) after\b"
    r"|\b(?:then|subsequently)\b|\bhad (?:\w+ )?(?:signed|inked|partnered|raised|invested|secured"
    r"|struck|formed|announced|closed|agreed)\b"
    r"|^(?:At|During|Back in|Earlier in|Earlier this|Last)\b[^,]{0,40}\b(?:(?:19|20)\d\d|year|month)\b[^,]{0,15},"
    r"|^In (?:(?:early|late|mid-?)\s*)?(?:[A-Z][a-z]+ )?(?:19|20)\d\d,",
    _I,
)
# 지난해/작년/N년 전/당시 before the trigger: a past deal; not when it dates a fiscal period
# ("지난해 4분기 실적 발표") or sits in a relative clause on the subject ("지난해 설립된
# 스타트업 X가", "지난해 매출 100억원을 기록한 X는"). Matched on the text before the trigger.
_PAST_SCOPE_KO = re.compile(
    r"(?:지난해|작년|\d+\s*년\s*전|당시|(?:지난|최근)\s*(?:\d+|한|몇|수)\s*(?:년|개월|해)\s*(?:간|동안|사이))"
    r"(?!\s*\d\s*분기|\s*(?:연간\s*)?실적)"
    r"(?![^,.]{0,30}?[가-힣](?:[한된던]|했던|됐던)\s(?:[^\s,.]+\s){0,3}[^\s,.]+[은는이가]\s)"
)
_REPORT_RE = re.compile(r"\b(?:said|says|announced|confirmed|disclosed)\b", _I)
_NOW_RE = re.compile(
    r"\b(?:said|says|announced|confirmed|disclosed|now|this time|will)\b|이번|올해|최근|이날|오늘|현재",
    _I,
)
_SCOPE_BEFORE = (
    (_PREVIEW_SCOPE, _REPORT_RE, "preview or rumour"),
    (_PAST_SCOPE_EN, _NOW_RE, "background"),
    (_PAST_SCOPE_KO, _NOW_RE, "background"),
)
# Korean endings after the trigger that put it in the past: "~한 바 있다", "~기도 했다", "~해 왔다".
_PAST_AFTER_KO = re.compile(
    r"바\s*있|기도\s*했|[가-힣]\s?왔(?:다|으며|고|던)|[해어아여와워써봐줘돼]\s?온\s"
)
# "had signed": a pluperfect right before the trigger is background in any clause.
_PLUPERFECT_RE = re.compile(
    r"\bhad\s+(?:(?:already|previously|also|earlier|once|jointly|first|long)\s+)?$", _I
)
# ... but not the backshift of reported speech ("announced it had secured $50 million").
_BACKSHIFT_RE = re.compile(
    r"\b(?:said|says|announced|confirmed|disclosed|reported|told [\w ]{1,30}?)\s+(?:that\s+)?"
    r"(?:it|they|the [\w-]+(?: [\w-]+)?|[A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,2})\s+had\s+(?:\w+\s+)?$",
    _I,
)
# "signed a letter of intent with OpenAI earlier this month to ...": a relative past time in
# the trigger's own clause (up to a comma or a "to"/"that"/"which" clause), however far.
_PAST_AFTER_EN = re.compile(
    r"\b(?:earlier this (?:month|year)|last (?:month|year)|(?:a|one|two|three|several|a few|\d+)"
    r" (?:years?|months?) ago|previously)\b",
    _I,
)
_CLAUSE_END_EN = re.compile(
    r"[,;:]|\b(?:to|that|which|who|after|before|since|following|while)\b", _I
)
# "'전략적 파트너십 체결'이라는 보도자료", "the so-called 'strategic partnership'": a trigger
# quoted as a phrase is named, not reported.
_QUOTE_OPEN_RE = re.compile(r"['\"‘“「『][^'\"‘’“”「」『』]*$")
_QUOTE_NAMED_RE = re.compile(
    r"[^'\"‘’“”「」『』]*['\"’”」』]\s*(?:(?:이)?라는|(?:이)?란\s|같은|식의|(?:이)?라고\s*(?:쓴|적힌|된))"
)
_SO_CALLED_RE = re.compile(r"\b(?:so-called|the (?:words?|phrases?|label))\s*$", _I)
# A founding-date phrase ("the startup founded by Korean engineers in 2021, said ...") dates
# the company, not the deal: blanked before matching, like a relative clause.
_FOUNDED_RE = re.compile(
    r"\b(?:founded|established|incorporated|set up|spun off)(?: (?:by|as|from|in)\b[^,.;]{0,50}?)?"
    r" in (?:(?:early|late|mid-?)\s*)?(?:19|20)\d\d\b",
    _I,
)
# Two or more bare months (no day) in one sentence: a roundup of past rounds.
_MONTH_RE = re.compile(
    r"(?<!\d)\d{1,2}월(?!\s*\d{1,2}일)|\b(?:January|February|March|April|May|June|July|August"
    r"|September|October|November|December)\b(?!\s+\d)"
)
_RELATIVE_RE = re.compile(
    r",\s+(?:which(?! (?:is|was) why| means| meant)|who|whose)\b[^,;]*(?=[,;]|$)", _I
)
# ", which more than triples AI spending to 10.1 trillion won": a clause on a budget noun
# states the budget's own content, not background, unless it is itself in the past.
_BUDGET_NOUN_END = re.compile(
    r"\b(?:budget|budget (?:proposal|plan|bill)|spending (?:plan|package)|package)\s*$", _I
)
_PAST_CLAUSE_EN = re.compile(
    r"\b(?:last|previous(?:ly)?|earlier|ago|had|was|were|since|in (?:19|20)\d\d)\b", _I
)
# A wire dateline ("SEOUL, Sept. 30 (Yonhap) --") names the outlet, not a party.
_DATELINE_RE = re.compile(
    r"^(?:\((?:ATTN|LEAD|URGENT|EDS?|\d+(?:st|nd|rd|th) LD)\b[^()]{0,80}\)\s*)?"
    r"(?:By (?:[A-Z][\w'-]*(?: |$)){1,4}\s*)?"  # "(ATTN: …) By Kang Yoon-seung SEOUL, …"
    r"[A-Z][A-Za-z/ ,.]{1,40}?(?:\d{1,2})?\s*\([^()]{2,40}\)\s*(?:--|—|–|-)\s*"
)
_PARAMS_RE = re.compile(r"parameters?|파라미터|매개변수", _I)
_CONVERSION_GAP = re.compile(r"\s*[(（]\s*(?:약|about|around|roughly|or)?\s*")
_CLAUSE_RE = re.compile(r",\s*(?:and\s+)?|;\s*")
# Opinion and analysis: only the title and the lead can carry an event (labelling rule 4).
_OPINION_TITLE_RE = re.compile(
    r"^\s*(?:\[[^\]]*(?:칼럼|사설|시론|기고|논단|오피니언|기자수첩|데스크|Column|Opinion|Editorial"
    r"|Op-?ed|Viewpoint|Commentary|Analysis|Perspective|Voice|Explainer|Explained|Q&A|FAQ"
    r"|해설|분석|팩트\s*체크)[^\]]*\]"
    r"|\((?:News Focus|News Analysis|Explainer|Yonhap Feature)\)"
    r"|(?:Opinion|Op-?ed|Column|Editorial|Commentary|Analysis|Viewpoint|Guest column|Explainer"
    r"|Explained|Q&A|FAQ)\s*[:|\-–])"
    r"|(?:[었았였겼했]나|[는인]가|[을할일될]까)\s*[?？]?\s*$|[?？]\s*$|(?:^|\s)왜\s",
    _I,
)
_OPINION_LEAD = 3
# Headline focus (rule 3: the article must announce the event). An event outside the title and
# the lead (first _OPINION_LEAD content sentences) counts only when the title names one of its
# parties or has a deal or funding word; otherwise it is background to another subject.
_HEADLINE_DEAL_RE = re.compile(
    r"\b(?:invest\w*|funds?|funding|rais\w*|rounds?|series\s?[a-f]|seed|mous?|agreements?"
    r"|partner\w*|alliances?|deals?|pacts?|teams?\s+up|join\w*\s+forces|budgets?|tie-?ups?"
    r"|sign\w*|backs?|backed|inks?|jvs?|joint\s+ventures?)\b"
    r"|투자|유치|협약|MOU|양해각서|파트너십|제휴|손잡|맞손|협력|동맹|예산|추경|펀드|출자|계약|시리즈|합작",
    _I,
)
# A stock-market report: the share price is the subject and a deal only its cause (rule 4).
# ... unless the title names no organisation (a feature or trend headline) and the sentence
# itself dates a fresh announcement: "Upstage on Wednesday ...", "said Monday", "21일
# 밝혔다" (background says "earlier this month", "last year", "지난해").
_FRESH_RE = re.compile(
    r"\b(?:on|said|says|announced) (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b"
    r"|\b(?:(?:said|announced) today|today (?:said|announced))\b"
    r"|\d{1,2}일\s*(?:밝혔|발표했|전했|알렸)",
    _I,
)
_STOCK_LABEL_RE = re.compile(
    r"^\s*\[(?:특징주|급등주|관련주|테마주|시황|마감\s*시황|장중\s*시황|증시|Stocks?|Market movers)[^\]]*\]",
    _I,
)
_STOCK_TITLE_RE = re.compile(
    r"\b(?:shares?|stocks?)\b[^.;:]{0,40}?\b(?:soar\w*|jump\w*|surg(?:e|es|ed|ing)|rall(?:y|ies|ied)"
    r"|spik(?:e|es|ed)|skyrocket\w*|climb\w*|ris(?:e|es|ing)|rose|tumbl\w+|plung\w+|slump\w*"
    r"|sink\w*|sank|fall\w*|fell|drop\w*|hit (?:upper|lower) limit)\b"
    r"|주가\s*(?:가\s*)?(?:급등|급락|상승|하락|강세|약세|들썩|껑충|폭등|폭락)|상한가|하한가",
    _I,
)
_TITLE_CLAUSE_RE = re.compile(r"[;…|]|\.\.\.|,\s(?=[A-Za-z])")
# A company's spending on its own assets is capex, not an investment in a company.
_ASSET_EN = re.compile(
    r"\b(?:GPUs?|graphics processors|data ?cent(?:er|re)s?|infrastructure|facilit(?:y|ies)"
    r"|plants?|factor(?:y|ies)|fabs?|clusters?|production|lines?|R&D|research and development"
    r"|capacity|equipment|servers?|campus(?:es)?|buildings?|sites?)\b",
    _I,
)
_INVESTEE_EN = re.compile(
    r"\b(?:startups?|compan(?:y|ies)|firms?|developers?|makers?|designers?|providers?|ventures?"
    r"|funds?)\b",
    _I,
)
# "will invest 2.4 trillion won in AI and cloud": a field, not an investee (unless the
# investor is the government, whose budget for a field is an event).
_SECTOR_EN = re.compile(
    r"^\s*(?:the |its |their |new )?(?:AI|artificial intelligence|cloud|semiconductors?|chips?"
    r"|robotics|software|digital transformation|technolog(?:y|ies)|(?:new )?businesses)\b(?!-)",
    _I,
)
_SECTOR_KO = re.compile(
    r"(?<![가-힣A-Za-z])(?:AI|인공지능|클라우드|반도체|로봇)(?:\s*(?:분야|사업|인프라))?\s*(?:등)?에\s"
)
_OBJECT_END_RE = re.compile(r"[,;(]|\b(?:for|to|by|over|through|from|as|which|that|this|next)\b")
_ASSET_KO = re.compile(
    r"(?:클러스터|공장|팹|라인|데이터\s*센터|설비|시설|인프라|연구\s*개발|R&D|GPU|서버|생산"
    r"|캠퍼스|부지|단지|사옥)(?:\s*(?:구축|건설|확충|증설))?\s*(?:등)?에\s"
)
# "X에 투자", "X에게", "투자에 참여": the investee of a Korean investment verb.
_RECIPIENT_KO = re.compile(r"[가-힣A-Za-z0-9)’'\"」]에(?:게)?\s|투자에\s*참여|투자에\s*나섰")
# "스타트업 메디웨일에 전략적 투자를 단행했다": the investee named right before the verb is
# the counterparty when the knowledge base lacks it.
_INVESTEE_KO = re.compile(
    r"(?:^|[\s‘'\"“])([가-힣A-Za-z][가-힣A-Za-z0-9&·]{1,19})[’'\"”]?에\s+"
    r"(?:(?:전략적|지분|신규|추가|후속|직접)\s*)?$"
)
# Grants from a programme the recipient was selected for are selection results, not new money.
_SELECTION_RE = re.compile(
    r"(?:사업|과제|프로젝트|프로그램)[’'」\"]?\s*(?:에|으로|의\s*\S+로)\s*선정"
    r"|\bselected (?:for|under) (?:the |a )?(?:[\w-]+ ){0,5}(?:program|programme|project|scheme)",
    _I,
)
_FOREIGN_GOV = re.compile(
    r"\b(?:U\.?S\.?|United States|American|China|Chinese|Japan(?:ese)?|EU|European|India|Indian"
    r"|Britain|British|UK|France|French|Germany|German|Taiwan|Saudi|UAE|NSCAI|Congress|Biden|Trump)\b"
    r"|미국|중국|일본|유럽|인도|영국|프랑스|독일|대만|사우디|바이든|트럼프"
)
_KOREA_RE = re.compile(r"\bKorea|\bSeoul\b|한국|국내|과기정통부|과학기술정보통신부|국회", _I)
# "미국 정부", "the US government", "Japan's cabinet": the budget or the party is foreign.
_FOREIGN_OWNER_RE = re.compile(
    r"(?:미국|미|중국|일본|유럽연합|유럽|영국|프랑스|독일|대만|사우디|인도)\s?(?:정부|의회|행정부|당국)"
    r"|\b(?:U\.?S\.?|American|Chinese|Japanese|British|French|German|Indian|Taiwanese|Saudi|EU"
    r"|European)\s+(?:federal\s+)?(?:government|administration|Congress|lawmakers|cabinet|Commission)\b"
    r"|\b(?:US|U\.S\.|China|Japan|India|Britain|France|Germany|Taiwan)'s (?:government|cabinet)\b",
    _I,
)
_ANNOUNCE_RE = re.compile(
    r"\b(?:announc\w+|said|says|unveil\w*|confirm\w*|today|on (?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)\b"
    r"|밝혔|발표|공개|전했|알렸",
    _I,
)
_GOV_WORD_RE = re.compile(
    r"\b(?:government|ministry|cabinet|national assembly|the country|state)\b|정부|국비|부처|국회|과기정통부|국무회의",
    _I,
)
# "정부", "국비", "the government", "the Cabinet": the Korean government unless another country is named.
_GOV_PARTY_RE = re.compile(
    r"정부|국비|\b(?:the |(?:South )?Korea's |Seoul's )?(?:South )?(?:Korean )?(?:government|cabinet|gov't)\b",
    _I,
)
_WITH_NAME_RE = re.compile(r"\bwith (?:the )?((?:[A-Z][\w&.-]*(?: |$)){1,4})")
# Names the knowledge base lacks: "startup Foo", the Korean subject ("메이사는") and partner ("메이사와").
_APPOSITIVE_EN = re.compile(
    r"\b(?:startup|start-up|company|firm|developer|chipmaker|maker|designer|provider)\s+"
    r"((?:[A-Z][\w&.-]*(?: |$)){1,3})"
)
# The investee of a round the knowledge base lacks: "the seed round of Foo", "Foo's Series A".
_ROUND_OF_EN = re.compile(
    r"\b(?:round|funding|financing) of ([A-Z][\w&-]*(?: [A-Z][\w&-]*){0,2})"
    r"|\b([A-Z][\w&-]*(?: [A-Z][\w&-]*){0,2})['’]s (?:\$?[\d.,]+ (?:[mb]illion |[MB] )?)?"
    r"(?:seed|pre-seed|pre-Series [A-F]|Series [A-F])\b"
)
_SUBJECT_KO = re.compile(
    r"(?:^|[\s‘'\"“])([가-힣A-Za-z][가-힣A-Za-z0-9&·]{0,18}[가-힣A-Za-z0-9](?<![하되있없했였겠않])(?<!에서)(?<!에게))"
    r"[’'\"”]?(?:은|는|이|가)\s"
)  # not a verb before an adnominal "-는" ("유치하는")
_PARTNER_NAME_KO = re.compile(
    r"(?:^|[\s‘'\"“])([가-힣A-Za-z][가-힣A-Za-z0-9&·]{1,19})[’'\"”]?(?:와|과)\s"
)
_GENERIC_KO = frozenset(
    "회사 기업 스타트업 업체 정부 양사 양측 업계 이번 투자 투자자 투자사 대표 최고경영자 관계자 연구소"
    " 연구원 대학 학교 센터 기관 이들 모델 기술 서비스 사업 시장 라운드 자금 예산 협약 계약 이 그 이는"
    " 이와 함께 이를 올해 지난해 내년 한편 특히 또한 최근 현재 당시 국내 해외 글로벌 제품 플랫폼 솔루션"
    " 파트너십 협력 업무협약 전략 목표 계획 분야 규모 금액 자금은 결과 지원 정책 소식 주간"
    " 사항 유치 관련 내용 부분 방안 문제 상황 일정 조건 논의 확정 결정 측 회사측".split()
)
_SENTENCE_RE = re.compile(r"(?<=[.!?。])\s+(?=[^a-z0-9])|\n+")
# Named, but never a party to a deal: an AI model or a product is what a deal is about.
_NOT_PARTIES = frozenset({"person", "product", "model", "place"})
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
        inside = start <= item.start and item.end <= start + len(sentence)
        return inside and bool(sentence[item.start - start : item.end - start].strip())
    return getattr(item, attr) in sentence


# -- blocking ---------------------------------------------------------------------------


def _blocked(sentence: str, match: re.Match[str], lang_ko: bool) -> str | None:
    """Why the trigger at ``match`` is not a new agreement or commitment, if it is not.

    Three scopes: a hedge or preview word next to the trigger (the window); a preview,
    rumour or past-time anchor anywhere before it in the sentence, unless a reporting verb
    or a "this time" marker restarts the clause in between; and a Korean ending after it
    that puts the trigger in the past ("체결한 바 있다", "협력해 왔다"). Then a pluperfect
    right before it ("had signed", not after "announced it"), a relative past in its own
    English clause ("… earlier this month to …"), and quotes that name it as a phrase.
    """
    lo = max(0, match.start() - _BLOCK_BEFORE)
    hi = min(len(sentence), match.end() + _BLOCK_AFTER)
    window = sentence[lo:hi]
    for pattern in (_MODAL_KO, _MODAL_EN) if lang_ko else (_MODAL_EN, _MODAL_KO):
        hit = pattern.search(window)
        if hit:
            return f"hedged: {hit.group(0)!r}"
    if _trigger_is_korean(match):
        hit = _CALLED_OFF_KO.search(sentence[match.start() : hi])
    else:
        hit = _CALLED_OFF_EN.search(window)
    if hit:
        return f"called off: {hit.group(0)!r}"
    before = sentence[: match.start()]
    for pattern, restart, label in _SCOPE_BEFORE:
        for hit in pattern.finditer(before):
            if not restart.search(before[hit.end() :]):
                return f"{label}: {hit.group(0).strip()!r}"
    hit = _PAST_AFTER_KO.search(sentence, match.end())
    if hit:
        return f"background: {hit.group(0)!r}"
    # checked last, so that the reasons of the scopes above are as before
    hit = _PLUPERFECT_RE.search(before)
    if hit and not _BACKSHIFT_RE.search(before):
        return f"background: {hit.group(0).strip()!r}"
    if not _trigger_is_korean(match):
        tail = sentence[match.end() : match.end() + 80]
        end = _CLAUSE_END_EN.search(tail)
        hit = _PAST_AFTER_EN.search(tail[: end.start()] if end else tail)
        if hit:
            return f"background: {hit.group(0)!r}"
    return _quoted_phrase(sentence, match)


def _quoted_phrase(sentence: str, match: re.Match[str]) -> str | None:
    """A trigger inside quotes that name a phrase ("'파트너십 체결'이라는 보도자료")."""
    before = sentence[max(0, match.start() - 30) : match.start()]
    opening = _QUOTE_OPEN_RE.search(before)
    if not opening:
        return None
    after = sentence[match.end() : match.end() + 15]
    if _QUOTE_NAMED_RE.match(after) or _SO_CALLED_RE.search(before[: opening.start()]):
        return f"a quoted phrase, not a report: {match.group(0)!r}"
    return None


def _triggers(sentence: str, rules: list[_Rule]) -> list[tuple[re.Match[str], str, bool]]:
    """Every trigger in the sentence, in rule order."""
    return [
        (m, subtype, strong)
        for pattern, subtype, strong in rules
        for m in pattern.finditer(sentence)
    ]


def _trigger(
    sentence: str, rules: list[_Rule], lang_ko: bool
) -> tuple[re.Match[str], str, bool, str | None] | None:
    """The first trigger that is not blocked, or the first trigger with its blocker."""
    found = _triggers(sentence, rules)
    for match, subtype, strong in found:
        if _blocked(sentence, match, lang_ko) is None:
            return match, subtype, strong, None
    if found:
        match, subtype, strong = found[0]
        return match, subtype, strong, _blocked(sentence, match, lang_ko)
    return None


def _listing(sentence: str) -> str | None:
    """A sentence that lists several dated or separate deals is a recap, not an announcement."""
    months = _MONTH_RE.findall(sentence)
    if len(months) >= 2:
        return f"a list of dated deals: {', '.join(months[:3])}"
    clauses = [c for c in _CLAUSE_RE.split(sentence) if any(p.search(c) for p, _, _ in _DEAL_RULES)]
    if len(clauses) >= 3:
        return f"a list of {len(clauses)} deals"
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
        if entity.type in _PARTY_TYPES or entity.type not in _NOT_PARTIES:
            seen[mention.entity_id] = entity.name
    if not seen and _PRONOUN_RE.search(sentence):
        seen.update(fallback)
    korean_gov = _GOV_PARTY_RE.search(sentence) and not _foreign_government(sentence)
    if not seen and _GOVERNMENT_KO_ID in kb and korean_gov:
        seen[_GOVERNMENT_KO_ID] = kb.get(_GOVERNMENT_KO_ID).name
    names = []
    if not seen:  # a company the knowledge base lacks: the sentence's subject
        names += [m.group(1) for m in _APPOSITIVE_EN.finditer(sentence)][:1]
        if not names:
            names += [m.group(1) or m.group(2) for m in _ROUND_OF_EN.finditer(sentence)][:1]
        names += [
            m.group(1) for m in _SUBJECT_KO.finditer(sentence) if m.group(1) not in _GENERIC_KO
        ][:1]
    if len(seen) + len(names) < 2:  # and its counterparty: "with Foo", "Foo와"
        names += [m.group(1) for m in _WITH_NAME_RE.finditer(sentence)][:1]
    if len(seen) + len(names) == 1:  # a Korean counterparty only next to a known subject
        names += [
            m.group(1) for m in _PARTNER_NAME_KO.finditer(sentence) if m.group(1) not in _GENERIC_KO
        ][:1]
    for raw in names:
        name = raw.strip(" .")
        if name and not any(name in known or known in name for known in seen.values()):
            seen[name] = name
    return list(seen.items())


def _top_organisations(mentions: list[Mention], kb: KnowledgeBase, n: int = 2) -> dict[str, str]:
    """The ``n`` organisations named most often in the article."""
    counts: dict[str, int] = {}
    for mention in mentions:
        if mention.entity_id in kb and kb.get(mention.entity_id).type not in _NOT_PARTIES:
            counts[mention.entity_id] = counts.get(mention.entity_id, 0) + 1
    top = sorted(counts, key=lambda key: -counts[key])[:n]
    return {key: kb.get(key).name for key in top}


def _foreign_government(sentence: str) -> str | None:
    """The foreign government a sentence is about, when it names no Korean one."""
    owner = _FOREIGN_OWNER_RE.search(sentence)
    if owner:
        return owner.group(0)
    country = _FOREIGN_GOV.search(sentence)
    if country and not _KOREA_RE.search(sentence) and "정부" not in sentence:
        return country.group(0)
    return None


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


def _triggered(
    kind: str,
    sentence: str,
    rules: list[_Rule],
    lang_ko: bool,
    outside_lead: str,
    evidence: str,
) -> tuple[re.Match[str], str, bool] | Rejection:
    """The checks both event types share: a trigger, no blocker, in the lead, not a list."""
    found = _trigger(sentence, rules, lang_ko)
    if found is None:
        return Rejection(kind, evidence, "no trigger")
    match, subtype, strong, blocker = found
    reason = blocker or outside_lead or _listing(sentence)
    if reason:
        return Rejection(kind, evidence, reason)
    return match, subtype, strong


def _partnership(
    sentence: str,
    lang_ko: bool,
    parties: list[tuple[str, str]],
    lead: bool,
    outside_lead: str,
    evidence: str,
) -> Event | Rejection:
    rules = _PARTNER_KO + _PARTNER_EN if lang_ko else _PARTNER_EN + _PARTNER_KO
    found = _triggered("partnership", sentence, rules, lang_ko, outside_lead, evidence)
    if isinstance(found, Rejection):
        return found
    _match, subtype, strong = found
    negative = (_NOT_PARTNER_KO if lang_ko else _NOT_PARTNER_EN).search(sentence)
    if negative:
        return Rejection("partnership", evidence, f"not a partnership: {negative.group(0)!r}")
    if not parties:
        return Rejection("partnership", evidence, "no party")
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
        evidence=evidence,
        confidence=confidence,
    )


def _good_amounts(sentence: str, amounts: list[Amount]) -> list[Amount]:
    """Amounts whose own neighbourhood is not a valuation, total or market figure.

    The neighbourhood is 30 characters before and 20 after, cut at the neighbouring
    amounts, so that "매출 100억원을 기록한 X가 500억원을 유치" keeps the second figure;
    a conversion in brackets ("7 trillion won ($5.1 billion)") shares its figure's fate.
    """
    located = sorted(
        ((at, at + len(a.text), a) for a in amounts if (at := sentence.find(a.text)) >= 0),
        key=lambda item: item[0],
    )
    good = [a for a in amounts if sentence.find(a.text) < 0 and not _bad_context(sentence)]
    previous: tuple[int, bool] | None = None
    for i, (at, end, amount) in enumerate(located):
        if previous and _CONVERSION_GAP.fullmatch(sentence[previous[0] : at]):
            ok = previous[1]
        else:
            lo = max([at - 30, 0] + [e for _, e, _ in located[:i] if e <= at])
            hi = min([end + 20, len(sentence)] + [s for s, _, _ in located[i + 1 :] if s >= end])
            ok = not _bad_context(sentence[lo:hi])
            ok = ok and not _VALUATION_BEFORE.search(sentence[max(0, at - 80) : at])
            whole = _WHOLE_BUDGET_AFTER.match(sentence, end)
            ok = ok and not (whole and any(s >= whole.end() for s, _, _ in located[i + 1 :]))
        if ok:
            good.append(amount)
        previous = (end, ok)
    return good


# "valuing the San Francisco AI developer at $183 billion": the figure a valuation ends on,
# however long the name between the verb and "at" (the 30-character window misses it).
_VALUATION_BEFORE = re.compile(
    r"\bvalu(?:ed|es|ing|ation)\b[^$₩\d.;]{0,70}\b(?:at|of)\s+(?:about |around |some )?$", _I
)


# "a 728 trillion won ($524 billion) budget proposal for next year that earmarks 10.1 trillion
# won for AI": the figure that names the whole budget is not the AI line (when one follows).
_WHOLE_BUDGET_AFTER = re.compile(
    r"\s*(?:\([^()]{0,30}\)\s*)?(?:national |state |government |overall )?budget"
    r"(?: proposal| plan| bill)?\b(?! (?:for|on) (?:AI|artificial))",
    _I,
)


def _bad_context(text: str) -> bool:
    return bool(
        _NOT_FUNDING_EN.search(text) or _NOT_FUNDING_KO.search(text) or _PARAMS_RE.search(text)
    )


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


def _own_spending(
    sentence: str, match: re.Match[str], lang_ko: bool, government: bool = False
) -> str | None:
    """An investment verb whose object is the company's own assets, or that has no investee."""
    if _trigger_is_korean(match):
        before = sentence[max(0, match.start() - 40) : match.start()]
        asset = _ASSET_KO.search(before) or (None if government else _SECTOR_KO.search(before))
        if asset:
            return f"own spending (capex): {asset.group(0).strip()!r}"
        if not _RECIPIENT_KO.search(sentence[: match.end() + 6]):
            return "investment without a recipient"
        return None
    if not re.search(r"\b(?:in|into)$", match.group(0)):
        return None
    tail = sentence[match.end() : match.end() + 60]
    end = _OBJECT_END_RE.search(tail)
    obj = tail[: end.start()] if end else tail
    asset = _ASSET_EN.search(obj) or (None if government else _SECTOR_EN.match(obj))
    if asset and not _INVESTEE_EN.search(obj):
        return f"own spending (capex): {asset.group(0)!r}"
    return None


def _trigger_is_korean(match: re.Match[str]) -> bool:
    return bool(HANGUL.search(match.group(0)))


def _funding(
    sentence: str,
    lang_ko: bool,
    parties: list[tuple[str, str]],
    amounts: list[Amount],
    kb: KnowledgeBase,
    lead: bool,
    outside_lead: str,
    evidence: str,
) -> Event | Rejection:
    rules = _FUND_KO + _FUND_EN if lang_ko else _FUND_EN + _FUND_KO
    found = _triggered("funding", sentence, rules, lang_ko, outside_lead, evidence)
    if isinstance(found, Rejection):
        return found
    match, subtype, strong = found
    selection = _SELECTION_RE.search(sentence)
    if selection:
        return Rejection("funding", evidence, f"programme selection: {selection.group(0)!r}")
    good = _good_amounts(sentence, amounts)
    government = _is_korean_government((p for p, _ in parties), kb) or bool(
        _GOV_WORD_RE.search(sentence)
    )
    if subtype == "fund":  # a fund formed or closed: its size is the event
        if not good:
            return Rejection("funding", evidence, "budget without an amount")
        foreign = _foreign_government(sentence)
        if foreign:
            return Rejection("funding", evidence, f"another country's budget: {foreign!r}")
        subtype = "fund investment"
    if subtype == "government":
        if not good:
            return Rejection("funding", evidence, "budget without an amount")
        if not government and not strong and not _ROUND_RE.search(sentence):
            return Rejection("funding", evidence, "investment verb without a recipient round")
        foreign = _foreign_government(sentence)
        if foreign:
            return Rejection("funding", evidence, f"another country's budget: {foreign!r}")
    negative = (_NOT_FUNDING_KO if lang_ko else _NOT_FUNDING_EN).search(sentence)
    if negative and not good:
        return Rejection("funding", evidence, f"not a commitment: {negative.group(0)!r}")
    if amounts and not good:
        return Rejection("funding", evidence, "only excluded amounts")
    if not parties:
        return Rejection("funding", evidence, "no party")
    if subtype == "government" and not government:
        subtype = "strategic investment"
    if subtype == "strategic investment":
        if not good and len(parties) == 1 and _trigger_is_korean(match):
            investee = _INVESTEE_KO.search(sentence[max(0, match.start() - 40) : match.start()])
            name = investee.group(1) if investee else ""
            if name and name not in _GENERIC_KO and not any(name in n for _, n in parties):
                parties = [*parties, (name, name)]
        if not (good or len(parties) >= 2):
            return Rejection("funding", evidence, "investment without amount or counterparty")
        own = _own_spending(sentence, match, lang_ko, government)
        if own:
            return Rejection("funding", evidence, own)
    round_name = _round(sentence)
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
        evidence=evidence,
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
    lang_ko = lang == "ko" if lang else bool(HANGUL.search(document))
    m_aligned = _aligned(document, mentions, "surface")
    a_aligned = _aligned(document, amounts, "text")
    results: list[Event | Rejection] = []
    fallback = _top_organisations(mentions, kb)
    opinion = bool(title and _OPINION_TITLE_RE.search(title.strip()))
    stock = bool(title) and _stock_report(title.strip())
    content = 0
    in_title = _title_entities(title, document, mentions, m_aligned)
    headline_deal = bool(_HEADLINE_DEAL_RE.search(title))
    # a title naming an organisation is about it: a dated deal of another is a side note
    title_orgs = {e for e in in_title if e in kb and kb.get(e).type not in _NOT_PARTIES}
    for index, (start, sentence) in enumerate(_sentences(document)):
        if len(sentence) < 12 or len(sentence) > 1200:
            continue
        is_title = bool(title.strip()) and sentence.startswith(title.strip())
        content += len(sentence) >= 25 and not is_title
        outside_lead = ""
        if opinion and content > _OPINION_LEAD and not is_title:
            outside_lead = "opinion or analysis piece: not in its title or lead"
        if stock:
            outside_lead = "stock-market report: the deal is background to the share price"
        # Non-restrictive relative clauses (", which raised ... last year,") are background:
        # blanked out, so neither their triggers nor their hedges and names count.
        main = _RELATIVE_RE.sub(_blank_relative, sentence)
        main = _DATELINE_RE.sub(lambda m: " " * len(m.group(0)), main)
        main = _FOUNDED_RE.sub(lambda m: " " * len(m.group(0)), main)
        local_m = [m for m in mentions if _in_sentence(m, "surface", start, main, m_aligned)]
        local_a = [a for a in amounts if _in_sentence(a, "text", start, main, a_aligned)]
        parties = _parties(main, local_m, kb, fallback)
        lead = index < _LEAD_SENTENCES
        focused = is_title or content <= _OPINION_LEAD or not title.strip() or headline_deal
        focused = focused or (not title_orgs and bool(_FRESH_RE.search(main)))
        for result in (
            _partnership(main, lang_ko, parties, lead, outside_lead, sentence),
            _funding(main, lang_ko, parties, local_a, kb, lead, outside_lead, sentence),
        ):
            if (
                isinstance(result, Event)
                and not focused
                and not _named_in(result, title, in_title, kb)
            ):
                reason = "not the article's subject: no party in the title, past the lead"
                result = Rejection(result.type, sentence, reason)
            results.append(result)
    return results


def _title_entities(title: str, document: str, mentions: list[Mention], aligned: bool) -> set[str]:
    """Entity ids tagged inside the title (when the title opens the document)."""
    title = title.strip()
    if not title or not aligned or not document.startswith(title):
        return set()
    return {m.entity_id for m in mentions if m.end <= len(title)}


def _named_in(event: Event, title: str, in_title: set[str], kb: KnowledgeBase) -> bool:
    """Whether the title names one of the event's parties: tagged, or by a name or alias."""
    if set(event.parties) & in_title:
        return True
    names = list(event.party_names)
    for party in event.parties:
        if party in kb:
            entity = kb.get(party)
            names += [entity.name, *entity.aliases_en, *entity.aliases_ko]
    for name in names:
        if len(name) < 2:
            continue
        if HANGUL.search(name):
            found = name in title  # Korean particles attach to the name
        else:
            found = bool(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", title, _I))
        if found:
            return True
    return False


def _stock_report(title: str) -> bool:
    """A title about a share price: a market label, or a price move with no deal of its own."""
    if _STOCK_LABEL_RE.search(title):
        return True
    lead = _TITLE_CLAUSE_RE.split(title, maxsplit=1)[0]  # the price move leads the title
    return bool(_STOCK_TITLE_RE.search(lead)) and not any(
        pattern.search(title) for pattern, _, _ in _DEAL_RULES
    )


def _blank_relative(match: re.Match[str]) -> str:
    """Blank a non-restrictive relative clause, unless it states a budget's own content."""
    clause = match.group(0)
    on_budget = _BUDGET_NOUN_END.search(match.string, 0, match.start())
    if on_budget and not _PAST_CLAUSE_EN.search(clause):
        return clause
    return " " * len(clause)


def _same(a: Event, b: Event) -> bool:
    if a.type != b.type:
        return False
    if {x.krw for x in a.amounts if x.krw} & {x.krw for x in b.amounts if x.krw}:
        return True
    if {x.usd for x in a.amounts if x.usd} & {x.usd for x in b.amounts if x.usd}:
        return True  # "$125 million" in the title, "170 billion won ($125 million)" in the body
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


def warrants_alert(events: Iterable[Scored], about_korean_ai: bool, threshold: float) -> bool:
    """Alert = a partnership or funding event at or above ``threshold``, about Korean AI."""
    return about_korean_ai and any(
        e.type in {"partnership", "funding"} and e.confidence >= threshold for e in events
    )
