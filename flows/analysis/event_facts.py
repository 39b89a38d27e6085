"""Event facts: what identity reads of one detected event and its article (issue 16).

The detector's :class:`~flows.core.models.Event` gives type, parties with roles, amounts,
round and evidence. Identity also needs what only the article says: the round named in the
title or evidence, a budget's stage, kind, fiscal year and ordinal (from the title, evidence
and lead), figures stated in two currencies ("7억 달러(약 9824억원)"), "about" (약, 여,
nearly …), per-investor amounts ("each invest KRW25 billion"), headline figures without a
currency ("AI에 1조8000억 투입", support only), every organisation the article names, and the
words of the title and evidence (a name the finder missed). :func:`event_facts` reads them;
:func:`facts_to_json` / :func:`facts_from_json` store them with the event (``events.facts``).

Only the feed's or page's publication date separates reports (E2, G3): the issue-16
prototype found page-estimated dates to be page furniture too often.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import date
from typing import Any

from flows.analysis.identity import EventFacts, Money, Org
from flows.analysis.money import parse_amounts
from flows.core.models import Amount, ArticleRecord, Event
from flows.core.text import article_document

__all__ = [
    "bare_korean_amounts",
    "budget_facts",
    "event_facts",
    "facts_from_json",
    "facts_to_json",
    "round_of",
    "words_of",
]

#: A budget's stage is often said in the sentence after the figure: the lead counts (characters).
LEAD = 500

_ROUND_RE = re.compile(
    r"\b(?P<en>pre-?seed|seed|pre-?series\s*[a-h]|pre-?[a-h](?=\s+(?:round|funding|investment))|series\s*[a-h]\d?"
    r"|bridge|pre-?ipo)\b"
    r"|(?P<ko>프리\s*시드|프리\s*시리즈\s*[A-Ha-h]|프리\s*[A-Ha-h](?![A-Za-z])|시리즈\s*[A-Ha-h]\d?|시드|브릿지|브리지|프리\s*IPO)",
    re.I,
)


def round_of(text: str) -> str | None:
    """The named round: seed, pre-seed, pre-a, a, b, …, bridge, pre-ipo."""
    m = _ROUND_RE.search(text)
    if not m:
        return None
    word = re.sub(r"\s+", "", m.group(0).lower())
    word = (
        word.replace("프리", "pre-")
        .replace("시리즈", "series")
        .replace("시드", "seed")
        .replace("브릿지", "bridge")
        .replace("브리지", "bridge")
    )
    word = (
        word.replace("pre-series", "pre-")
        .replace("preseries", "pre-")
        .replace("pre-ipo", "pre-ipo")
    )
    if word.startswith("series"):
        return word[len("series") :]
    if re.fullmatch(r"pre-?[a-h]", word):
        return "pre-" + word[-1]
    if word in ("preseed", "pre-seed"):
        return "pre-seed"
    if word in ("preipo",):
        return "pre-ipo"
    return word


_IF = r"(?!\s*(?:시|되면|될|할|하면|후|를\s*거쳐|전망|예정|여부|절차))"
_PASSED = re.compile(
    rf"(?:국회\s*(?:를\s*)?(?:본회의\s*)?(?:에서\s*)?(?:통과|의결|처리)|본회의(?:를)?\s*통과|본회의에서\s*(?:\S+\s*)?의결|확정){_IF}|\bpassed\b|approved by (?:the )?National Assembly|parliament(?:ary)? (?:approv|pass)|finali[sz]ed",
    re.I,
)
_PROPOSED = re.compile(
    r"국무회의|정부안|편성|제출|\bcabinet\b|\bpropos(?:al|ed|es)\b|\bdraft\b|\bsubmit", re.I
)
_SUPPLEMENTARY = re.compile(r"추경|추가경정|supplementary|extra budget", re.I)
_MAIN_BUDGET = re.compile(
    r"본예산|내년도?\s*예산|(?:annual|next year'?s) budget|\b20\d\d budget\b", re.I
)
_FISCAL = re.compile(
    r"(20\d\d)년도?\s*(?:정부\s*)?(?:예산|본예산)|\b(20\d\d) (?:budget|fiscal)", re.I
)
_ORDINAL = re.compile(
    r"(?:제?\s*([1-3])차|(first|second|third|1st|2nd|3rd))\s*(?:추경|추가경정|supplementary)", re.I
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "1st": 1, "2nd": 2, "3rd": 3}


def budget_facts(text: str, parties: list[Org]) -> dict[str, Any]:
    """A budget's stage, kind, fiscal year and ordinal, from the title, evidence and lead."""
    stage = None
    if any(p.id == "national-assembly" for p in parties) or _PASSED.search(text):
        stage = "passed"
    elif _PROPOSED.search(text):
        stage = "proposed"
    kind = (
        "supplementary"
        if _SUPPLEMENTARY.search(text)
        else ("main" if _MAIN_BUDGET.search(text) else None)
    )
    fy = _FISCAL.search(text)
    om = _ORDINAL.search(text)
    ordinal = None
    if om:
        ordinal = int(om.group(1)) if om.group(1) else _ORDINALS[om.group(2).lower()]
    return {
        "stage": stage,
        "budget_kind": kind,
        "fiscal_year": int(fy.group(1) or fy.group(2)) if fy else None,
        "ordinal": ordinal,
    }


_ABOUT_BEFORE = re.compile(
    r"(?:about|approximately|approx\.|around|nearly|some|roughly|almost|over|more than|up to|약|대략|무려|최대)\s*$",
    re.I,
)
_ABOUT_AFTER = re.compile(r"^\s*(?:여|가량|안팎|남짓|이상|넘|정도|plus|odd)")
_EACH = re.compile(r"\beach\b|각각|각\s", re.I)
_RATES = {"USD": 1440.60, "EUR": 1708.19, "JPY": 9.3415, "CNY": 207.16}


def money(amount: Amount, doc: str) -> Money:
    """A ``flows.money.Amount`` as identity reads it: stated figures and "about"."""
    figures = {amount.currency: float(amount.value)}
    if amount.currency != "KRW" and amount.krw and amount.currency in _RATES:
        default = amount.value * _RATES[amount.currency]
        if abs(amount.krw - default) > 0.005 * default:
            figures["KRW"] = float(amount.krw)
    if amount.currency == "KRW" and amount.usd:
        default = amount.value / _RATES["USD"]
        if abs(amount.usd - default) > 0.005 * default:
            figures["USD"] = float(amount.usd)
    before = doc[max(0, amount.start - 16) : amount.start]
    after = doc[amount.end : amount.end + 6]
    about = bool(
        _ABOUT_BEFORE.search(before)
        or _ABOUT_AFTER.search(after)
        or _ABOUT_BEFORE.search(amount.text[:8])
        or amount.text.lstrip().startswith(("약", "about"))
    )
    return Money(
        amount.text, amount.currency, float(amount.value), tuple(sorted(figures.items())), about
    )


def per_investor(amounts: list[Money], evidence: str, parties: list[Org]) -> list[Money]:
    """ "SKT and SK Square each invest KRW25 billion": the round is the sum."""
    investors = [p for p in parties if p.role in ("investor", "lead_investor")]
    if not amounts or not _EACH.search(evidence):
        return []
    n = max(2, len(investors))  # "each" says two at least
    return [
        Money(
            f"{m.text} ×{n}",
            m.currency,
            m.value * n,
            tuple((c, v * n) for c, v in m.figures),
            m.about,
        )
        for m in amounts[:1]
    ]


_BARE_KO = re.compile(
    r"(?<![\d.,])(\d+(?:,\d{3})*(?:\.\d+)?)\s*(조|억)(?:\s*(\d+(?:,\d{3})*)\s*(억|만))?(?!\s*(?:[\d,]|원|달러|유로|엔|위안|명|개|건|장|대|주|회|곳|가구|톤|배|분))"
)
_UNIT = {"조": 1e12, "억": 1e8, "만": 1e4}


def bare_korean_amounts(text: str) -> list[Money]:
    """Headline figures without a currency ("AI에 1조8000억 투입"): won, for support only."""
    out = []
    for m in _BARE_KO.finditer(text):
        value = float(m.group(1).replace(",", "")) * _UNIT[m.group(2)]
        if m.group(3):
            value += float(m.group(3).replace(",", "")) * _UNIT[m.group(4)]
        out.append(Money(m.group(0).strip(), "KRW", value, (("KRW", value),), False))
    return out


_KO_PARTICLE = re.compile(
    r"(?:으로부터|로부터|에서는|에서|과의|와의|와|과|는|은|이|가|를|을|의|에|로|으로|도)$"
)


def words_of(text: str) -> list[str]:
    """Hangul words without particles and Latin capitalised words: names the finder may have missed."""
    out = []
    for w in re.findall(r"[가-힣]{2,}", text):
        w = _KO_PARTICLE.sub("", w) if len(w) > 2 else w
        if len(w) >= 2:
            out.append(w)
    out += re.findall(r"\b[A-Z][A-Za-z0-9&+-]{2,}\b", text)
    return list(dict.fromkeys(out))


def event_facts(event: Event, article: ArticleRecord, key: str) -> EventFacts:
    """The facts identity compares of ``event``, found in ``article`` (archived as ``key``)."""
    document = article_document(article.title, article.text)
    parties = [
        Org(pid, name, role or None)
        for pid, name, role in zip(
            event.parties,
            event.party_names,
            event.roles or ("",) * len(event.parties),
            strict=False,
        )
    ]
    amounts = [money(a, document) for a in event.amounts]
    lead = amounts[0] if amounts else None
    text = f"{article.title}\n{event.evidence}"
    funding = event.type == "funding"
    extra = per_investor(amounts, event.evidence, parties) if funding else []
    context: list[Money] = []
    if funding:
        context = [money(a, text) for a in parse_amounts(text)] + bare_korean_amounts(text)
        # the amounts of the article's other funding events: a budget's write-up may lead with
        # another figure and give the one other outlets lead with in its next deal sentence
        context += [
            money(a, document)
            for other in article.events
            if other is not event and other.type == "funding"
            for a in other.amounts
        ]
    published = article.published.date() if article.published else None
    moment = article.published or article.fetched_at
    budget = funding and (event.trigger or "").endswith(".budget")
    stage: dict[str, Any] = {}
    if funding:
        stage = budget_facts(f"{text}\n{article.text[:LEAD]}", parties)
    return EventFacts(
        article=key,
        type=event.type,
        parties=tuple(parties),
        amount=lead,
        amounts=tuple(amounts + extra),
        round=(round_of(text) or round_of(event.round or "")) if funding else None,
        date=published,
        ref_year=moment.year,
        lang=article.lang or "en",
        probability=event.confidence,
        evidence=event.evidence,
        mentions=_mentions(article),
        words=tuple(words_of(text)),
        context_amounts=tuple(context),
        budget=budget,
        **stage,
    )


def _mentions(article: ArticleRecord) -> tuple[Org, ...]:
    """Every entity the article names, once (persons and products are sorted out by Kin)."""
    people = {u.id for u in article.unknown_entities if u.type == "person"}
    names = {u.id: u.name for u in article.unknown_entities}
    seen: dict[str, Org] = {}
    for m in article.mentions:
        if m.entity_id not in seen and m.entity_id not in people:
            seen[m.entity_id] = Org(m.entity_id, names.get(m.entity_id, m.surface))
    return tuple(seen.values())


def facts_to_json(facts: EventFacts) -> str:
    """The facts as stored in ``events.facts``."""
    return json.dumps(asdict(facts), ensure_ascii=False, default=str)


def facts_from_json(text: str) -> EventFacts:
    """Facts stored by :func:`facts_to_json`."""
    d = json.loads(text)

    def orgs(items: list[dict[str, Any]]) -> tuple[Org, ...]:
        return tuple(Org(**item) for item in items)

    def moneys(items: list[dict[str, Any]]) -> tuple[Money, ...]:
        return tuple(_money(item) for item in items)

    return EventFacts(
        **{
            **d,
            "parties": orgs(d["parties"]),
            "mentions": orgs(d["mentions"]),
            "amount": _money(d["amount"]) if d["amount"] else None,
            "amounts": moneys(d["amounts"]),
            "context_amounts": moneys(d["context_amounts"]),
            "words": tuple(d["words"]),
            "date": date.fromisoformat(d["date"]) if d["date"] else None,
        }
    )


def _money(m: dict[str, Any]) -> Money:
    figures = tuple((str(c), float(v)) for c, v in m["figures"])
    return Money(m["text"], m["currency"], float(m["value"]), figures, bool(m["about"]))
