"""Rules as data: trigger families, blockers and cues, each a frozen record with an id.

Every record has an ``id`` (stable, used as a feature name and by ``kaiwatch explain``),
a language (``en``, ``ko`` or ``any``), an event type (``partnership``, ``funding`` or
``any``), a ``scope`` saying where around a trigger it is looked for, a compiled pattern
and the ``reason`` a human reads. Patterns are composed from shared fragments (``_GAP``,
``_AGREEMENT_EN``, ``_MONTHS_EN`` ...). Nothing here decides alone: a blocker that
fires becomes a feature, and the scorer (``scorer.py``) weighs it. The ideas come from
kaiwatch's hand-written detector (the rules detector before issue 13, documented in
``docs/events.md``); the wording of many patterns is carried over from it.

Checks are small functions ``check(ctx) -> Rejection | None`` in an ordered list per
event type (:data:`CHECKS`); each returns the rule that fired, so the reason of a
rejection, or of a low score, can be shown.

Scopes:

* ``match``: the trigger itself.
* ``window``: 60 characters before the trigger to 25 after (hedges, previews, talks).
* ``before``: anywhere before the trigger in its sentence, unless a restart word (a
  reporting verb, "this time", 이번) comes between (tense of the governing clause).
* ``after``: after the trigger to the end of the sentence (Korean past endings) or of its
  own clause (English relative past: "… earlier this month to …").
* ``sentence``: anywhere in the sentence (not-an-event contexts: M&A, valuation, capex).
* ``title``: the article's title (genre: opinion, stock report; deal words).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "BLOCKERS",
    "BLOCKER_IDS",
    "BLOCKER_REASONS",
    "CHECKS",
    "CUES",
    "TRIGGERS",
    "CheckContext",
    "Rejection",
    "Rule",
    "rule",
]

_I = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    """One named pattern: a trigger family, a blocker or a cue."""

    id: str
    lang: str  # "en" | "ko" | "any"
    type: str  # "partnership" | "funding" | "any"
    kind: str  # "trigger" | "blocker" | "cue"
    scope: str  # "match" | "window" | "before" | "after" | "sentence" | "title"
    pattern: re.Pattern[str]
    reason: str
    strong: bool = False  # triggers: names a deal on its own (not a bare noun)
    restart: re.Pattern[str] | None = field(default=None, compare=False)  # scope "before"


@dataclass(frozen=True)
class Rejection:
    """Why a candidate is doubtful: the rule that fired and the words it matched."""

    rule: str
    reason: str
    words: str


# -- shared fragments -------------------------------------------------------------------

# A gap inside a trigger stops at a sentence end but not at a decimal point ("$69.4 million").
_GAP = r"(?:[^.;]|(?<=\d)\.(?=\d))"
_GAP_KO = r"(?:[^.]|(?<=\d)\.(?=\d))"
_AGREEMENT_EN = (
    r"(?:memorand(?:um|a) of (?:understanding|agreement)|MOUs?|MoUs?|MOAs?|letters? of intent"
    r"|LOIs?|agreements?|partnerships?|deals?|pacts?|contracts?|alliances?|joint ventures?"
    r"|collaborations?|cooperation|tie-?ups?)"
)
_AGREEMENT_KO = (
    r"(?:업무\s*협약|양해\s*각서|합의\s*각서|MOU|MOA|협약|계약|파트너십|동맹|제휴|합작\s*법인|협정)"
)
_MONTHS_EN = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_ROUND_EN = r"(?:Series [A-F]|seed|pre-?seed|pre-?Series [A-F]|bridge|pre-?IPO)"


def _re(pattern: str, flags: int = _I) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _trigger(id: str, lang: str, type: str, pattern: str, reason: str, strong: bool) -> Rule:
    return Rule(id, lang, type, "trigger", "match", _re(pattern), reason, strong)


# -- triggers -----------------------------------------------------------------------------
# Broad on purpose (the candidate stage is for recall); each family is a feature whose
# weight is learned. ``strong`` families name a deal; the bare-noun families (``kw``) only
# make a sentence a candidate.

TRIGGERS: tuple[Rule, ...] = (
    # partnership, English
    _trigger(
        "p.en.sign_agreement",
        "en",
        "partnership",
        r"\b(?:sign(?:s|ed|ing)?|ink(?:s|ed|ing)?|seal(?:s|ed|ing)?|conclud(?:e|es|ed|ing)|str(?:uck|ikes?|iking)"
        r"|clinch(?:es|ed)?|enter(?:s|ed)? into|formali[sz](?:e|es|ed|ing))\b"
        rf"(?! off\b){_GAP}{{0,80}}?\b{_AGREEMENT_EN}",
        "signed an agreement, MOU or partnership",
        True,
    ),
    _trigger(
        "p.en.agreement_signed",
        "en",
        "partnership",
        rf"(?<!\bno )(?<!\bany )\b{_AGREEMENT_EN}\b{_GAP}{{0,60}}?"
        r"(?:\b(?:was|were|has been|have been|got|is|are) (?:formally |officially |also )?"
        r"(?:signed|inked|sealed|concluded|struck|clinched)\b|\b(?:signed|inked|sealed)(?= (?:between|by|on|with)\b))",
        "an agreement that was signed (passive)",
        True,
    ),
    _trigger(
        "p.en.announce_partnership",
        "en",
        "partnership",
        r"\b(?:announc(?:e|ed|es|ing)|unveil(?:s|ed)?|launch(?:ed|es)?|forg(?:e|ed|es)|form(?:s|ed)?"
        r"|establish(?:es|ed)?|kick(?:s|ed)? off)\b"
        rf"{_GAP}{{0,60}}?\b(?:strategic |global |joint |technology |AI |research )?"
        r"(?:partnership|collaboration|alliance|joint venture|cooperation|consortium)\b",
        "announced or formed a partnership",
        True,
    ),
    _trigger(
        "p.en.partner_with",
        "en",
        "partnership",
        r"\b(?:partner(?:s|ed|ing)? (?:with|on|to)|in (?:a )?partnership with|(?:new|strategic) partner(?:ship)? with)\b",
        "partners with",
        False,
    ),
    _trigger(
        "p.en.team_up",
        "en",
        "partnership",
        r"\b(?:team(?:s|ed|ing)? (?:up|with)|join(?:s|ed|ing)? (?:forces|hands)|tie(?:s|d)? up with|link(?:s|ed)? up with)\b",
        "teams up or joins forces",
        False,
    ),
    _trigger(
        "p.en.collaborate",
        "en",
        "partnership",
        r"\b(?:collaborat(?:e|es|ed|ing) (?:with|on)|in collaboration with|cooperat(?:e|es|ed|ing) with"
        r"|work(?:s|ed|ing)? (?:together|with)\b(?= [^.;]{0,60}\b(?:develop|build|create|AI)))",
        "collaborates with",
        False,
    ),
    _trigger(
        "p.en.jointly_develop",
        "en",
        "partnership",
        r"\b(?:jointly (?:develop|build|creat|research|launch|operat)\w*|co-?develop\w*|co-?creat\w*"
        r"|joint (?:[\w-]+ )?(?:development|research|R&D)|(?:to|will) (?:jointly )?develop\b[^.;]{0,40}\btogether)\b",
        "develops jointly",
        False,
    ),
    _trigger(
        "p.en.agree_to",
        "en",
        "partnership",
        r"\bagree(?:d|s)?\b(?: with\b[^.;]{0,40}?)? to (?:jointly |co-?)?"
        r"(?:develop|collaborate|cooperate|work together|partner|form|set up|establish|extend|expand|deepen"
        r"|broaden|widen|build|supply|provide|share)\b",
        "agreed to work together",
        False,
    ),
    _trigger(
        "p.en.expand_ties",
        "en",
        "partnership",
        r"\b(?:expand(?:s|ed|ing)?|expansion of|bolster(?:s|ed)?|deepen(?:s|ed)?|broaden(?:s|ed)?"
        r"|widen(?:s|ed)?|strengthen(?:s|ed)?|extend(?:s|ed)?|renew(?:s|ed)?)\b"
        rf"{_GAP}{{0,30}}?\b(?:strategic )?(?:partnership|alliance|ties|collaboration|cooperation)\b",
        "expanded an existing partnership",
        False,
    ),
    _trigger(
        "p.en.pick_partner",
        "en",
        "partnership",
        r"\b(?:tap(?:s|ped)|pick(?:s|ed)|cho(?:se|oses)|select(?:s|ed)|nam(?:es|ed)|enlist(?:s|ed))\b"
        rf"{_GAP}{{1,50}}?\b(?:as (?:its|their|the|a|an) (?:[\w-]+ ){{0,4}}?partner|to help)\b",
        "chose a partner",
        False,
    ),
    _trigger(
        "p.en.deal_noun",
        "en",
        "partnership",
        r"\b(?:joint venture|supply (?:deal|agreement|contract)|licensing (?:deal|agreement)"
        r"|strategic (?:partnership|alliance|collaboration|agreement)|memorand(?:um|a) of (?:understanding|agreement)"
        r"|MOUs?|MoUs?|MOAs?|letters? of intent|tie-?ups?)\b",
        "a deal noun (joint venture, MOU, strategic partnership)",
        False,
    ),
    _trigger(
        "p.en.kw",
        "en",
        "partnership",
        r"\b(?:partnerships?|partners?|alliances?|collaborations?|agreements?|pacts?|deals?|cooperation)\b",
        "a partnership word",
        False,
    ),
    # partnership, Korean
    _trigger(
        "p.ko.sign_agreement",
        "ko",
        "partnership",
        rf"{_AGREEMENT_KO}{_GAP_KO}{{0,12}}?(?:체결|맺었|맺고|맺는|맺어|맺은|맺기로|서명|합의|교환(?:했|하고|하며|식))",
        "협약·MOU·계약 체결",
        True,
    ),
    _trigger(
        "p.ko.ceremony",
        "ko",
        "partnership",
        rf"협약식{_GAP_KO}{{0,40}}?(?:열고|열었|개최|가졌|진행)",
        "협약식 개최",
        True,
    ),
    _trigger(
        "p.ko.hands",
        "ko",
        "partnership",
        r"손(?:을\s*)?잡(?:고|았|는다|아|기로|은)|맞손|의기투합|힘(?:을)?\s*(?:합치|모으|합쳤|모았)",
        "손잡았다·맞손",
        False,
    ),
    _trigger(
        "p.ko.cooperate",
        "ko",
        "partnership",
        r"협력(?:을|를)?\s*(?:공식화|본격화|강화하기로|하기로|키로|한다고|했다고|한다|했다|체계를\s*구축)"
        r"|협업(?:을|를)?\s*(?:시작|본격화|하기로|한다|했다|진행)|협력\s*관계를\s*(?:구축|맺)",
        "협력을 공식화·협업한다",
        False,
    ),
    _trigger(
        "p.ko.partnership",
        "ko",
        "partnership",
        r"(?:전략적\s*)?파트너십(?:을|를)?\s*(?:공개|발표|확대|강화|구축|맺|체결)|파트너(?:로|사로)\s*(?:선정|낙점)",
        "파트너십 발표·확대",
        False,
    ),
    _trigger(
        "p.ko.joint",
        "ko",
        "partnership",
        r"합작\s*(?:법인|사)?(?:을|를)?\s*(?:설립|세운|세우)|공동\s*(?:연구|개발|사업|투자)"
        r"(?:을|를|에)?\s*(?:추진|진행|착수|나선|나섰|한다|하기로|했|센터|협약)|공동\s*개발(?:한|했|하는|하기로|키로)",
        "합작·공동 개발",
        False,
    ),
    _trigger(
        "p.ko.kw",
        "ko",
        "partnership",
        r"협약|MOU|파트너십|제휴|협력|협업|동맹|맞손",
        "협약·협력 (낱말)",
        False,
    ),
    # funding, English
    _trigger(
        "f.en.raise_round",
        "en",
        "funding",
        r"\b(?:rais(?:e|ed|es|ing)|secur(?:e|ed|es|ing)|clos(?:e|ed|es|ing)|land(?:ed|s)?|attract(?:ed|s)?"
        r"|receiv(?:e|ed|es)|(?<!illion )(?<![\d,.] )won|bag(?:s|ged)?|complet(?:e|ed|es)|nab(?:s|bed)?"
        r"|snag(?:s|ged)?|gets?|got|pull(?:s|ed)? in|ha(?:s|ve) drawn)\b"
        rf"{_GAP}{{0,80}}?\b(?:funding|round|investment(?! bank)|financing|capital|Series|seed|backing)",
        "raised a round",
        True,
    ),
    _trigger(
        "f.en.lead_round",
        "en",
        "funding",
        rf"\b(?:co-?)?le(?:d|ads?|ading)\b{_GAP}{{0,40}}?\b(?:{_ROUND_EN}|round|funding|investment|financing)"
        r"|\b(?:round|funding|financing)\b[^.;]{0,30}\b(?:was |is )?(?:co-?)?led by\b"
        r"|\bwith participation (?:from|of|by)\b|\bparticipat(?:ed|es|ing) in (?:the|its|a)\b[^.;]{0,30}\b(?:round|funding)",
        "led or joined a round",
        True,
    ),
    _trigger(
        "f.en.raise_amount",
        "en",
        "funding",
        r"\b(?:rais(?:e|ed|es|ing)|secur(?:e|ed|es|ing)|land(?:ed|s)?|bag(?:s|ged)?|nab(?:s|bed)?"
        r"|snag(?:s|ged)?|pull(?:s|ed)? in|receiv(?:e|ed|es))\s+(?:an? )?(?:additional |another |fresh |new )?"
        r"(?:about |around |nearly |over |more than |some |roughly )?"
        r"(?:US\$|\$|₩|KRW ?|USD ?|€|£|¥)?\s?\d[\d,.]*\s?(?:billion|million|trillion|bn|mn|m|b)?\b"
        r"(?:\s?(?:won|dollars|euros|yen))?",
        "raised an amount",
        True,
    ),
    _trigger(
        "f.en.invest_in",
        "en",
        "funding",
        r"\b(?:invest(?:s|ed|ing)?|pour(?:s|ed|ing)?|inject(?:s|ed|ing)?|back(?:s|ed|ing)?|fund(?:s|ed|ing)?)"
        rf"\b{_GAP}{{0,60}}?\b(?:in|into)\b",
        "invested in",
        False,
    ),
    _trigger(
        "f.en.stake",
        "en",
        "funding",
        r"\b(?:strategic investment|equity investment|minority stake|stake in|investment in|backed by|funded by"
        r"|(?:seed|Series [A-F]) (?:round|funding|investment))\b",
        "a strategic investment, a stake, a named round",
        False,
    ),
    _trigger(
        "f.en.budget",
        "en",
        "funding",
        r"\b(?:allocat(?:e|es|ed|ing)|earmark(?:s|ed|ing)?|budget(?:ed|s)?|approv(?:e|ed|es)|passed|deploy"
        r"|commit(?:s|ted)?|set(?:s)? aside|supplementary (?:budget|AI budget)|grants?|subsid(?:y|ies|ize[sd]?)"
        r"|to invest|will invest|spend(?:s|ing)?|to spend)\b",
        "a budget, grant or public spending",
        False,
    ),
    _trigger(
        "f.en.commit_amount",
        "en",
        "funding",
        r"\b(?:allocat(?:e|es|ed|ing)|earmark(?:s|ed|ing)?|commit(?:s|ted|ting)?|invest(?:s|ed|ing)?"
        r"|inject(?:s|ed|ing)?|deploy(?:s|ed|ing)?|set(?:s|ting)? aside)\s+(?:an? )?"
        r"(?:additional |another |fresh |extra )?"
        r"(?:about |around |nearly |over |more than |some |roughly |up to )?"
        r"(?:US\$|\$|₩|KRW ?|USD ?|€|£|¥)?\s?\d[\d,.]*\s?(?:billion|million|trillion|bn|mn|m|b)?\b"
        r"(?:\s?(?:won|dollars|euros|yen))?",
        "committed an amount (invest, allocate, inject $X)",
        True,
    ),
    _trigger(
        "f.en.fund_close",
        "en",
        "funding",
        r"\b(?:held (?:the|a|its) (?:first|final|second) close|clos(?:ed|es)|complet(?:ed|es)|launch(?:ed|es)"
        r"|form(?:ed|s)|creat(?:ed|es)|set(?:s)? up)\b"
        rf"{_GAP}{{0,50}}?\bfund\b(?!ing|s? of funds| manager)",
        "a fund formed or closed",
        True,
    ),
    _trigger(
        "f.en.top_up",
        "en",
        "funding",
        rf"\badd(?:s|ed)\b{_GAP}{{0,40}}? to (?:its|their|the) (?:[\w-]+ ){{0,3}}?(?:round|Series [A-F]|seed round)\b"
        rf"|\btop(?:s|ped)? up\b{_GAP}{{0,30}}?\b(?:round|Series [A-F]|seed round)\b",
        "a round topped up",
        True,
    ),
    _trigger(
        "f.en.kw",
        "en",
        "funding",
        r"\b(?:invest\w*|funding|funds?|rais(?:e|ed|es)|budgets?|financing|capital)\b",
        "a funding word",
        False,
    ),
    # funding, Korean
    _trigger(
        "f.ko.round",
        "ko",
        "funding",
        r"투자(?:를|금을|금)?\s*(?:유치|받았|받는다|받아|받고|따냈|확보)|펀딩(?:을|를)?\s*(?:유치|마무리|완료)"
        r"|수혈\s*(?:받았|받는다|받아|받게\s*됐|받기로)|자금(?:을|를)?\s*(?:조달|확보)(?:했|한다|하는\s*데\s*성공)",
        "투자 유치",
        True,
    ),
    _trigger(
        "f.ko.round_name",
        "ko",
        "funding",
        r"(?:시리즈\s?[A-F]|프리\s?(?:시리즈\s?)?A|(?<![가-힣])(?:시드(?!니)|브릿지)|프리\s?IPO)"
        rf"{_GAP_KO}{{0,20}}?(?:유치|투자|라운드|마무리|클로징)",
        "시리즈 투자",
        True,
    ),
    _trigger(
        "f.ko.invest",
        "ko",
        "funding",
        r"투자(?:를|했|한다|하기로|키로)?\s*(?:단행|집행|결정|했다|한다고|하기로|키로|확정)|공동\s*투자"
        r"|출자(?:한다|했다|하기로|하고|했으며|를\s*확정)|투자한다|투자했|투자하기로|투자에\s*(?:참여|나섰)|첫\s*투자처"
        r"|(?:후속|추가|전략적|지분)\s*투자",
        "투자했다·출자",
        True,
    ),
    _trigger(
        "f.ko.invest_in",
        "ko",
        "funding",
        r"[가-힣A-Za-z0-9)’'\"」]에(?:게)?\s*(?:총\s*)?(?:약\s*)?(?:[\d,.]+\s*(?:조|억|만)\s*(?:[\d,.]+\s*(?:억|만)\s*)?원?\s*(?:규모(?:의|로)?\s*)?(?:을|를)?\s*)?"
        r"(?:전략적\s*|지분\s*|신규\s*|추가\s*|후속\s*|직접\s*)?투자(?!자|사|처|금|\s*유치|유치|받|를\s*받|\s*검토|\s*계획)",
        "X에 투자 (the investee before the verb)",
        True,
    ),
    _trigger(
        "f.ko.budget",
        "ko",
        "funding",
        r"추경|추가\s*경정\s*예산|예산(?:안)?(?:을|이|은)?[^.,]{0,30}?(?:편성|투입|확정|의결|배정|통과)"
        r"|투입(?:한다|하기로|키로|된다|했다|할)|의결됐|집중\s*투자된다"
        r"|(?:국비|정부\s*(?:출연금|지원금)|사업비)(?:[^.]|(?<=\d)\.(?=\d)){0,20}?(?:지원|확보|투입)"
        r"|(?:억\s*원|만\s*원|억원|만원)(?:을|를)?\s*(?:지원|투입|배정)",
        "예산 편성·국비 지원",
        False,
    ),
    _trigger(
        "f.ko.commit_amount",
        "ko",
        "funding",
        r"\d[\d,.]*\s*(?:조|억|만)\s*(?:[\d,.]+\s*(?:억|만)\s*)?(?:원|달러)(?:을|를)?\s*(?:추가로\s*|새로\s*)?"
        r"(?:편성|투입|배정|출자|투자|지원|집행)(?:했|한다|하기로|키로|된다|됐|해|하고|하며)",
        "금액을 편성·투입·투자했다 (an amount committed)",
        True,
    ),
    _trigger(
        "f.ko.fund",
        "ko",
        "funding",
        r"(?:펀드|기금)(?:를|을)?\s*(?:조성|결성|출범)(?:한다|했다|했으며|하고|하기로|을)?"
        r"|(?:펀드|기금)\s*(?:조성|결성)을\s*(?:완료|마쳤|마무리)|클로징|목표한\s*유치\s*금액",
        "펀드 조성·결성",
        False,
    ),
    _trigger(
        "f.ko.kw",
        "ko",
        "funding",
        r"투자|유치|예산|펀드|출자|펀딩",
        "투자·예산 (낱말)",
        False,
    ),
)

# -- blockers (scope: window, before, after) --------------------------------------------


def _blocker(
    id: str,
    lang: str,
    scope: str,
    pattern: str,
    reason: str,
    type: str = "any",
    restart: re.Pattern[str] | None = None,
    flags: int = _I,
) -> Rule:
    return Rule(
        id, lang, type, "blocker", scope, re.compile(pattern, flags), reason, False, restart
    )


_REPORT_RESTART = _re(r"\b(?:said|says|announced|confirmed|disclosed)\b")
_NOW_RESTART = _re(
    r"\b(?:said|says|announced|confirmed|disclosed|now|this time|will)\b|이번|올해|최근|이날|오늘|현재"
)

BLOCKERS: tuple[Rule, ...] = (
    # English, next to the trigger
    _blocker(
        "b.en.preview",
        "en",
        "window",
        r"\b(?:will (?:sign|announce|form|unveil|seek|consider|launch|invest|raise|partner)|to sign|set to"
        r"|expected to|is expected|are expected|poised to|plans? to|planning to|scheduled to|slated to|due to sign"
        r"|(?:had )?planned to|had (?:intended|hoped|wanted) to|(?:was|were) (?:supposed|scheduled|due) to)\b",
        "a preview or plan (will sign, expected to)",
    ),
    _blocker(
        "b.en.talks",
        "en",
        "window",
        r"\b(?:discuss(?:ed|es|ing)?|talks?|in talks|negotiat\w*|met with|meetings?|visit(?:ed|s)?|summit)\b",
        "talks, a meeting or a visit",
    ),
    _blocker(
        "b.en.seeking",
        "en",
        "window",
        r"\b(?:seeks?|seeking|considering|consider|weighing|mulls?|mulling|explor(?:e|ed|es|ing)|pursu(?:e|es|ed|ing)"
        r"|in principle|hopes? to|aims? to|looking to|eyes|eyeing|moves? to|in a bid to|push(?:es)? to)\b",
        "sought or considered, not made",
    ),
    _blocker(
        "b.en.hedge",
        "en",
        "window",
        r"\b(?:could|might|would|likely|if|whether|up to|possibl[ey]|potential(?:ly)?)\b|\b(?-i:may)\b",
        "hedged (could, might, if)",
    ),
    _blocker(
        "b.en.rumour",
        "en",
        "window",
        r"\b(?:reportedly|according to (?:sources|insiders|people)|insiders|sources said|rumou?r\w*|speculat\w*)\b",
        "a rumour",
    ),
    _blocker(
        "b.en.negation",
        "en",
        "window",
        r"\b(?:(?:has|have|had|was|were|is|are|did|does|do) not (?:yet )?(?:been )?(?:sign(?:ed)?|ink(?:ed)?"
        r"|agree(?:d)?|finali[sz]ed?|close(?:d)?|raise(?:d)?|secure(?:d)?|reach(?:ed)?)|yet to|n't"
        r"|no (?:[\w-]+ ){0,2}(?:agreements?|deals?|MOUs?|contracts?|pacts?|term sheets?))\b",
        "negated",
    ),
    _blocker(
        "b.en.background_word",
        "en",
        "window",
        rf"\b(?:previously|earlier this year|last year|in (?:19|20)\d\d|since (?:19|20)\d\d|ago|existing|already"
        rf"|long-?standing|recently|in {_MONTHS_EN}(?! \d))\b",
        "background (previously, existing, in 2023)",
    ),
    _blocker(
        "b.en.called_off",
        "en",
        "window",
        r"\b(?:postponed|put off|called off|scrapped|terminated|cancell?ed|fell through|shelved|suspended"
        r"|abandoned|(?:pulled|backed) out of|walked away from|annulled|rescinded|ended|dispute|conflict|lawsuit|sued)\b",
        "called off or disputed",
    ),
    # English, anywhere before the trigger in its sentence
    _blocker(
        "b.en.preview_before",
        "en",
        "before",
        r"\b(?:(?:is|are|was|were) (?:(?:widely|also) )?(?:expected|set|poised|slated|due|likely|said) to"
        r"|(?<!unveiled )(?<!announced )(?<!revealed )plans? to|planning to|intends? to|(?:is|are) seeking|seeks? to"
        r"|considering|in talks|reportedly|according to (?:[\w-]+ ){0,3}(?:sources|insiders|people))\b",
        "a preview or rumour governs the clause",
        restart=_REPORT_RESTART,
    ),
    _blocker(
        "b.en.past_before",
        "en",
        "before",
        r"\bsince (?:early |late |mid-?)?(?:19|20)\d\d\b|,\s*when\b|\bat the time\b|\bback in\b"
        r"|\b(?:over|in|during|for|throughout) the (?:past|last|previous) (?:(?:few|several|two|three|\d+) )?"
        r"(?:years?|months?|decades?|quarters?)\b|\bin recent (?:years|months)\b"
        r"|\b(?:a|one|two|three|four|several|a few|\d+) (?:days?|weeks?|months?|years?) after\b"
        r"|\b(?:then|subsequently)\b|\bhad (?:\w+ )?(?:signed|inked|partnered|raised|invested|secured|struck"
        r"|formed|announced|closed|agreed)\b"
        r"|^(?:At|During|Back in|Earlier in|Earlier this|Last)\b[^,]{0,40}\b(?:(?:19|20)\d\d|year|month)\b[^,]{0,15},"
        r"|^In (?:(?:early|late|mid-?)\s*)?(?:[A-Z][a-z]+ )?(?:19|20)\d\d,",
        "a past-time anchor governs the clause (since 2023, then, at the time)",
        restart=_NOW_RESTART,
    ),
    _blocker(
        "b.en.pluperfect",
        "en",
        "before",
        r"\bhad\s+(?:(?:already|previously|also|earlier|once|jointly|first|long)\s+)?$",
        "a pluperfect (had signed)",
    ),
    # English, after the trigger in its own clause
    _blocker(
        "b.en.past_after",
        "en",
        "after",
        r"\b(?:earlier this (?:month|year)|last (?:month|year)|(?:a|one|two|three|several|a few|\d+)"
        r" (?:years?|months?) ago|previously|in (?:19|20)\d\d)\b",
        "a relative past in the trigger's clause (… earlier this month)",
    ),
    # Korean, next to the trigger
    _blocker(
        "b.ko.preview",
        "ko",
        "window",
        r"예정|[할는]\s*계획|방침|앞두고|할\s*것으로|전망|것으로\s*보인다|으로\s*보인다|기대된다|관측|[할일]\s*방침",
        "예정·계획·전망",
    ),
    _blocker(
        "b.ko.talks",
        "ko",
        "window",
        r"논의|방문|회동|면담|만남|만났|협상|(?:조율|협의)\s*중|(?:조율|협의)하고\s*있|막바지\s*(?:조율|협의|단계)|간담회|회의",
        "논의·회동·방문",
    ),
    _blocker(
        "b.ko.seeking",
        "ko",
        "window",
        r"검토|추진\s*중|추진하고|추진한다|타진|물색|(?:결성|유치|체결|설립|조성)(?:을|를)?\s*추진(?!해\s*(?:왔|온))"
        r"|(?:클로징|결성|조성|유치)(?:을|를)?\s*목표|목표를\s*세웠|목표다|(?:유치|펀딩|모집)(?:에|를)?\s*나(?:섰|선다|설\s)"
        r"|제안|요청|촉구|희망|공모|모집",
        "검토·추진 중·유치에 나섰다",
    ),
    _blocker(
        "b.ko.hedge",
        "ko",
        "window",
        r"가능성|수\s*있다|수\s*있을\s*것|[지되하]면[\s,]|최대|설이|알려졌다\s*하"
        r"|(?:확정|결정|정해)[된진]\s*(?:사항|바|것|건|내용)(?:은|는|이)?\s*(?:없|아직)",
        "가능성·~면·확정된 바 없다",
    ),
    _blocker(
        "b.ko.background_word",
        "ko",
        "window",
        r"지난해\s*\d+월|지난\s*\d+월|\d{4}년\s*\d+월|과거|기존|이미|그간|그동안|앞서|지난달",
        "과거·기존·지난달",
    ),
    _blocker(
        "b.ko.called_off",
        "ko",
        "after",
        r"연기(?:됐|되었|된다|했|한다|하기로|키로)|무산|취소(?:됐|되|했|하)|해지(?:됐|되|했|하)|철회|백지화"
        r"|보류(?:됐|되|했|하)|파기|결렬|불발|좌초|중단(?:됐|되었|했|하기로)|갈등|기싸움|논란",
        "연기·무산·해지",
    ),
    # Korean, before and after the trigger
    _blocker(
        "b.ko.past_before",
        "ko",
        "before",
        r"(?:지난해|작년|\d+\s*년\s*전|당시|(?:지난|최근)\s*(?:\d+|한|몇|수)\s*(?:년|개월|해)\s*(?:간|동안|사이))"
        r"(?!\s*\d\s*분기|\s*(?:연간\s*)?실적)"
        r"(?![^,.]{0,30}?[가-힣](?:[한된던]|했던|됐던)\s(?:[^\s,.]+\s){0,3}[^\s,.]+[은는이가]\s)",
        "지난해·당시가 절을 지배",
        restart=_NOW_RESTART,
    ),
    _blocker(
        "b.ko.past_after",
        "ko",
        "after",
        r"바\s*있|기도\s*했|[가-힣]\s?왔(?:다|으며|고|던)|[해어아여와워써봐줘돼]\s?온\s|했었",
        "~한 바 있다·~해 왔다",
    ),
    # either language, next to the trigger: buying a company is not a partnership
    _blocker(
        "b.any.merger",
        "any",
        "window",
        r"\b(?:to merge|merg(?:er|ers|ing)|acquir(?:e|es|ed|ing)|acquisitions?|buy(?:s|ing)? out|take ?over"
        r"|(?:stock|share) purchase agreement|controlling stake|majority stake)\b"
        r"|인수(?:하|한|해|했|를|합병|\s*계약)|합병|경영권|지분\s*100\s*%",
        "a merger or an acquisition, not a partnership",
        type="partnership",
    ),
)

# -- sentence and title cues ---------------------------------------------------------------


def _cue(
    id: str, lang: str, type: str, scope: str, pattern: str, reason: str, flags: int = _I
) -> Rule:
    return Rule(id, lang, type, "cue", scope, re.compile(pattern, flags), reason)


CUES: tuple[Rule, ...] = (
    # not a partnership
    _cue(
        "c.en.not_partner",
        "en",
        "partnership",
        "sentence",
        r"\b(?:acquir\w+|acquisition|merg(?:e[ds]?|ers?|ing)|buy(?:out|s|ing) out|launch(?:ed|es)? (?:its|a|the) "
        r"(?:new )?(?:model|product|service|phone|app)|groundbreaking|anniversary"
        r"|(?:buy|purchase|take|acquire)s? (?:a |an |the )?(?:\d+(?:\.\d+)? ?%|majority|controlling) stake)\b",
        "an acquisition, launch or ceremony, not an agreement",
    ),
    _cue(
        "c.en.tally",
        "en",
        "partnership",
        "sentence",
        r"\b(?:partner(?:ships|ed) with (?:[^.;]{0,40}\b(?:firms|companies|developers|players)\b|major)"
        r"|(?:firms|companies) (?:like|such as)|(?:its|their) own (?:deals|partnerships|alliances|pacts)"
        r"|(?:MOUs|agreements|partnerships|deals|contracts|pacts) with (?:dozens|hundreds|(?:more than"
        r"|over|nearly|some|about|around|at least) (?:\d+|a dozen|a hundred)))\b",
        "a tally of deals or rivals' deals",
    ),
    _cue(
        "c.ko.not_partner",
        "ko",
        "partnership",
        "sentence",
        r"인수|합병|착공|기공식|출시했|출시한다|주년|사들이|매입|취득|경영권|지분\s*100\s*%|매각|시상식|수상",
        "인수·출시·착공",
    ),
    # not funding
    _cue(
        "c.en.not_funding",
        "en",
        "funding",
        "sentence",
        r"\b(?:valuation|valu(?:ed|es|ing)(?: [\w'-]+){0,3} at|worth of|market (?:size|is|was|will|to reach|could)"
        r"|forecast\w*|CAGR|cumulative|to date|so far|in total,? (?:it|the company) has raised|revenue|sales|operating"
        r"|total (?:funding|raised|investment)|bring(?:s|ing)? (?:its|the company's) total"
        r"|up from|down from|compared (?:with|to)|(?:times|double|triple|twice) (?:the|this year's|last year's|that of)"
        r"|profit|earnings|quarter|rights offering|share sale|secondary|stake purchase|tender offer"
        r"|call for proposals|market cap\w*|stock|shares? (?:rose|fell|jumped)|total (?:budget|spending|expenditure)"
        r"|overall budget|of the total|account(?:s|ed|ing)? for (?:more than |less than |about |nearly |almost "
        r"|over |roughly )?(?:half|a third|a quarter|most|the bulk))\b",
        "a valuation, total, market size or earnings figure",
    ),
    _cue(
        "c.en.capex",
        "en",
        "funding",
        "sentence",
        r"\b(?:capex|capital expenditure|construction|build(?:ing)?|(?:invest|spend)\w*[^.;]{0,40}\b(?:in|on) "
        r"(?:(?:the |its |their |new )?(?:GPUs?|data ?cent(?:er|re)s?|infrastructure|facilit(?:y|ies)|plants?"
        r"|factor(?:y|ies)|fabs?|clusters?|production|lines?|R&D|research and development|capacity|equipment"
        r"|servers?|campus(?:es)?)))\b",
        "own spending (capex, R&D, data centres)",
    ),
    _cue(
        "c.ko.not_funding",
        "ko",
        "funding",
        "sentence",
        r"누적|기업\s*가치|밸류|시장\s*규모|시장은|매출|영업\s*이익|순이익|실적|유상\s*증자|구주|인수|합병|공모"
        r"|주가|시가\s*총액|공고|선정\s*결과|지분\s*매입|통계|조사|전년\s*(?:대비|보다)|감소(?:했|율|세)"
        r"|증가(?:했|율|세)|늘었|줄었|총\s*지출|총\s*예산|전체\s*예산|매각|경진\s*대회",
        "누적·기업가치·매출·공고",
    ),
    _cue(
        "c.ko.capex",
        "ko",
        "funding",
        "sentence",
        r"(?:클러스터|공장|팹|라인|데이터\s*센터|설비|시설|인프라|연구\s*개발|R&D|GPU|서버|생산|캠퍼스|부지|단지|사옥|인재)"
        r"(?:\s*(?:구축|건설|확충|증설|확보))?\s*(?:등)?에\s|설비\s*투자|시설\s*투자|건설|건립",
        "설비·데이터센터에 투자 (자체 지출)",
    ),
    _cue(
        "c.any.selection",
        "any",
        "funding",
        "sentence",
        r"(?:사업|과제|프로젝트|프로그램)[’'」\"]?\s*(?:에|으로|의\s*\S+로)\s*선정|선정(?:됐|되었|했|하고|해)"
        r"|\bselected (?:for|under|as) (?:the |a )?(?:[\w-]+ ){0,5}(?:program|programme|project|scheme|contractor)",
        "a programme selection",
    ),
    _cue(
        "c.any.foreign_gov",
        "any",
        "funding",
        "sentence",
        r"(?:미국|미|중국|일본|유럽연합|유럽|영국|프랑스|독일|대만|사우디|인도)\s?(?:정부|의회|행정부|당국)"
        r"|\b(?:U\.?S\.?|American|Chinese|Japanese|British|French|German|Indian|Taiwanese|Saudi|EU|European)\s+"
        r"(?:federal\s+)?(?:government|administration|Congress|lawmakers|cabinet|Commission)\b",
        "another country's government",
    ),
    _cue(
        "c.any.gov",
        "any",
        "funding",
        "sentence",
        r"\b(?:government|ministry|cabinet|national assembly|state|public)\b|정부|국비|부처|국회|과기정통부|국무회의|지자체|[도시군]청|공공",
        "a government actor",
    ),
    _cue(
        "c.any.listing",
        "any",
        "any",
        "sentence",
        rf"(?:(?<!\d)\d{{1,2}}월(?!\s*\d{{1,2}}일)|\b{_MONTHS_EN}\b(?!\s+\d))[^.]*"
        rf"(?:(?<!\d)\d{{1,2}}월(?!\s*\d{{1,2}}일)|\b{_MONTHS_EN}\b(?!\s+\d))",
        "a list of dated deals (two bare months)",
        flags=0,
    ),
    _cue(
        "c.any.pronoun_parties",
        "any",
        "any",
        "sentence",
        r"\b(?:the two (?:companies|firms|sides)|both companies|the (?:three|3) (?:companies|firms))\b|양사|양측|두\s*회사|3사",
        "the two companies / 양사",
    ),
    _cue(
        "c.any.announce",
        "any",
        "any",
        "sentence",
        rf"\b(?:announc\w+|said|says|unveil\w*|confirm\w*|today|on {_WEEKDAYS})\b|밝혔|발표|공개|전했|알렸",
        "an announcement verb",
    ),
    _cue(
        "c.any.quote_named",
        "any",
        "any",
        "sentence",
        r"['\"‘“「『][^'\"‘’“”「」『』]{0,30}['\"’”」』]\s*(?:(?:이)?라는|(?:이)?란\s|같은|식의)|\bso-called\b",
        "a deal word quoted as a phrase",
    ),
    _cue(
        "c.any.contest",
        "any",
        "any",
        "sentence",
        r"\b(?:contests?|competitions?|hackathons?|pitch(?:ing)? (?:event|day|competition)|demo days?|IR days?"
        r"|awards?|prizes?)\b|경진\s*대회|공모전|해커톤|IR\s*데이|데모\s*데이|시상|수상",
        "a contest, an award or a pitch event",
    ),
    _cue(
        "c.any.review",
        "any",
        "any",
        "sentence",
        r"\b(?:review(?:s|ed|ing)?|deliberat\w+|hearings?|screening)\b|심사|심의|청문",
        "a review or deliberation",
    ),
    _cue(
        "c.any.dispute",
        "any",
        "any",
        "sentence",
        r"\b(?:disputes?|conflicts?|frictions?|rifts?|lawsuits?|sued|sues|suing|clash(?:es|ed)?|tensions?)\b"
        r"|갈등|분쟁|소송|마찰|이견|잡음",
        "a dispute about a deal",
    ),
    _cue(
        "c.any.first_person",
        "any",
        "any",
        "sentence",
        r"[\"“]|\b(?:we|our|I)\b",
        "a quotation",
        flags=0,
    ),
    # genre and title
    _cue(
        "t.opinion",
        "any",
        "any",
        "title",
        r"^\s*(?:\[[^\]]*(?:칼럼|사설|시론|기고|논단|오피니언|기자수첩|데스크|Column|Opinion|Editorial|Op-?ed"
        r"|Viewpoint|Commentary|Analysis|Perspective|Voice|Explainer|Explained|Q&A|FAQ|해설|분석|팩트\s*체크|인터뷰"
        r"|Interview)[^\]]*\]|\((?:News Focus|News Analysis|Explainer|Yonhap Feature)\)"
        r"|(?:Opinion|Op-?ed|Column|Editorial|Commentary|Analysis|Viewpoint|Guest column|Explainer|Explained|Q&A"
        r"|FAQ)\s*[:|\-–])",
        "an opinion, analysis or explainer label",
    ),
    _cue(
        "t.question",
        "any",
        "any",
        "title",
        r"(?:[었았였겼했]나|[는인]가|[을할일될]까)\s*[?？]?\s*$|[?？]\s*$|(?:^|\s)왜\s",
        "a question headline",
    ),
    _cue(
        "t.stock",
        "any",
        "any",
        "title",
        r"^\s*\[(?:특징주|급등주|관련주|테마주|시황|마감\s*시황|장중\s*시황|증시|Stocks?|Market movers)[^\]]*\]"
        r"|\b(?:shares?|stocks?)\b[^.;:]{0,40}?\b(?:soar\w*|jump\w*|surg(?:e|es|ed|ing)|rall(?:y|ies|ied)"
        r"|spik(?:e|es|ed)|skyrocket\w*|climb\w*|tumbl\w+|plung\w+|slump\w*|sink\w*|sank|fell|drop\w*)\b"
        r"|주가|상한가|하한가|株|증시|코스닥|코스피",
        "a stock-market report",
    ),
    _cue(
        "t.deal_word",
        "any",
        "any",
        "title",
        r"\b(?:invest\w*|funds?|funding|rais\w*|rounds?|series\s?[a-f]|seed|mous?|moas?|agreements?|partner\w*"
        r"|alliances?|deals?|pacts?|teams?\s+(?:up|with)|join\w*\s+(?:forces|hands)|budgets?|tie-?ups?|sign\w*"
        r"|backs?|backed|inks?|jvs?|joint\s+ventures?|collaborat\w*)\b"
        r"|투자|유치|협약|MOU|양해각서|파트너십|제휴|손잡|맞손|협력|동맹|예산|추경|펀드|출자|계약|시리즈|합작|공동\s*개발",
        "a deal or funding word in the title",
    ),
    _cue(
        "t.event_type_p",
        "any",
        "partnership",
        "title",
        r"\b(?:mous?|moas?|agreements?|partner\w*|alliances?|pacts?|teams?\s+(?:up|with)|join\w*\s+(?:forces|hands)"
        r"|tie-?ups?|inks?|signs?|jvs?|joint\s+ventures?|collaborat\w*)\b"
        r"|협약|MOU|양해각서|파트너십|제휴|손잡|맞손|협력|동맹|합작|공동\s*개발",
        "a partnership word in the title",
    ),
    _cue(
        "t.event_type_f",
        "any",
        "funding",
        "title",
        r"\b(?:invest\w*|funds?|funding|rais\w*|rounds?|series\s?[a-f]|seed|budgets?|backs?|backed|bets?)\b"
        r"|투자|유치|예산|추경|펀드|출자|시리즈|국비",
        "a funding word in the title",
    ),
    _cue(
        "t.plan",
        "any",
        "any",
        "title",
        r"\b(?:will|plans?|planning|mulls?|considers?|considering|eyes|seeks?|in talks|may|could|would|set to|expected to|aims? to)\b|예정|추진|검토|계획|나선다|전망|\?",
        "a plan, talks or question in the title",
    ),
    _cue(
        "t.contest_review_dispute",
        "any",
        "any",
        "title",
        r"\b(?:contests?|competitions?|hackathons?|awards?|reviews?|disputes?|conflicts?|rifts?|lawsuits?|sues|clash\w*"
        r"|tensions?|issues)\b|경진\s*대회|공모전|해커톤|시상|심사|심의|갈등|분쟁|소송|마찰",
        "a contest, a review or a dispute in the title",
    ),
    _cue(
        "t.meeting",
        "any",
        "any",
        "title",
        r"\b(?:meet\w*|met|talks?|discuss\w*|visit\w*|summit|conference|forum|CEO)\b|회동|만나|만남|논의|방문|면담|간담회|회의|시상식|대회|행사",
        "a meeting or event in the title",
    ),
)

_BY_ID = {r.id: r for r in (*TRIGGERS, *BLOCKERS, *CUES)}


def rule(rule_id: str) -> Rule:
    """The record with this id."""
    return _BY_ID[rule_id]


# -- checks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckContext:
    """What a check reads: the sentence (relative clauses blanked), the trigger and its span."""

    sentence: str
    trigger: Rule
    start: int
    end: int
    lang: str  # of the trigger's words: "en" or "ko"
    type: str


Check = Callable[[CheckContext], Rejection | None]
_WINDOW_BEFORE = 60
_WINDOW_AFTER = 25
_CLAUSE_END_EN = re.compile(
    r"[,;:]|\b(?:to|that|which|who|after|before|since|following|while)\b", _I
)
_BACKSHIFT_RE = re.compile(
    r"\b(?:said|says|announced|confirmed|disclosed|reported|told [\w ]{1,30}?)\s+(?:that\s+)?"
    r"(?:it|they|the [\w-]+(?: [\w-]+)?|[A-Z][\w.&-]*(?: [A-Z][\w.&-]*){0,2})\s+had\s+(?:\w+\s+)?$",
    _I,
)


def _scoped(blocker: Rule) -> Check:
    """A check that looks for ``blocker`` in its scope around the trigger."""

    def check(ctx: CheckContext) -> Rejection | None:
        s = ctx.sentence
        if blocker.lang not in ("any", ctx.lang) or blocker.type not in ("any", ctx.type):
            return None
        if blocker.scope == "window":
            text = s[max(0, ctx.start - _WINDOW_BEFORE) : min(len(s), ctx.end + _WINDOW_AFTER)]
            if blocker.id == "b.ko.called_off":
                text = s[ctx.start : ctx.end + _WINDOW_AFTER]
            hit = blocker.pattern.search(text)
        elif blocker.scope == "before":
            before = s[: ctx.start]
            if blocker.id == "b.en.pluperfect":
                hit = blocker.pattern.search(before)
                if hit and _BACKSHIFT_RE.search(before):
                    hit = None
            else:
                hit = next(
                    (
                        h
                        for h in blocker.pattern.finditer(before)
                        if not (blocker.restart and blocker.restart.search(before[h.end() :]))
                    ),
                    None,
                )
        elif blocker.scope == "after":
            tail = s[ctx.end :]
            if blocker.lang == "en":
                tail = tail[:80]
                clause_end = _CLAUSE_END_EN.search(tail)
                tail = tail[: clause_end.start()] if clause_end else tail
            elif blocker.id == "b.ko.called_off":
                tail = s[ctx.start : ctx.end + 40]
            hit = blocker.pattern.search(tail)
        else:
            hit = blocker.pattern.search(s)
        return Rejection(blocker.id, blocker.reason, hit.group(0).strip()) if hit else None

    check.__name__ = f"check_{blocker.id.replace('.', '_')}"
    return check


def _quoted(ctx: CheckContext) -> Rejection | None:
    """A trigger inside quotes that name a phrase ("'파트너십 체결'이라는 보도자료")."""
    before = ctx.sentence[max(0, ctx.start - 30) : ctx.start]
    opening = re.search(r"['\"‘“「『][^'\"‘’“”「」『』]*$", before)
    if not opening:
        return None
    after = ctx.sentence[ctx.end : ctx.end + 15]
    named = re.match(
        r"[^'\"‘’“”「」『』]*['\"’”」』]\s*(?:(?:이)?라는|(?:이)?란\s|같은|식의|(?:이)?라고\s*(?:쓴|적힌|된))",
        after,
    )
    if named or re.search(r"\bso-called\s*$", before[: opening.start()], _I):
        return Rejection(
            "b.any.quoted", "a quoted phrase, not a report", ctx.sentence[ctx.start : ctx.end]
        )
    return None


_SHARED_CHECKS: list[Check] = [_scoped(b) for b in BLOCKERS] + [_quoted]
CHECKS: dict[str, list[Check]] = {
    "partnership": list(_SHARED_CHECKS),
    "funding": list(_SHARED_CHECKS),
}
BLOCKER_IDS: tuple[str, ...] = (*(b.id for b in BLOCKERS), "b.any.quoted")
#: Each blocker id with the reason it gives (the quoted-phrase check is a function).
BLOCKER_REASONS: dict[str, str] = {
    **{b.id: b.reason for b in BLOCKERS},
    "b.any.quoted": "a quoted phrase, not a report",
}
