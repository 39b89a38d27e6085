"""Event identity: do two detected events report the same real-world event? (issue 16)

Pure functions over plain records, no SQL: :class:`EventFacts` is what an archived event
carries (type, parties with roles, lead amount and every amount, round, date, budget stage and
kind), plus what its article names anywhere (``mentions``, ``words``), so that a party the
detector missed in one write-up can still be found there. :func:`judge` returns a
:class:`Verdict` naming the rule that decided; the rules are data (:data:`RULES`: id, kind,
one line), listed in docs/dedup.md.

Organisations are compared by knowledge-base id (an organisation and its ancestor are one
family: Naver Cloud and Naver), names the knowledge base lacks by
:func:`flows.analysis.translit.same_name` (spelling and sound, across Hangul and Latin).
Rule ids and settings come from the issue-16 prototype, where they were measured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from flows.analysis.kin import Kin
from flows.analysis.translit import core_and_kinds, same_name

__all__ = [
    "DEFAULT",
    "RULES",
    "EventFacts",
    "Money",
    "Org",
    "Rule",
    "Settings",
    "Verdict",
    "amounts_agree",
    "is_budget",
    "judge",
    "same_deal_other_type",
    "same_org",
    "strong_parties",
]


@dataclass(frozen=True)
class Rule:
    """One identity rule: its id, what it does (``hard`` vetoes, ``support`` links, ``name``
    compares organisations, ``group`` files records) and the sentence shown to a person."""

    id: str
    kind: str
    text: str


_RULES = (
    Rule("E1.type", "hard", "Different event types (partnership, funding) are different events."),
    Rule("E2.window", "window", "Two dated reports more than `window_days` apart are not the same news (undated: no limit)."),
    Rule("N1.same_id", "name", "Two known organisations are one when they are one id or one is the other's ancestor (Naver Cloud – Naver); a funding recipient only by its own id."),
    Rule("N2.kb_name", "name", "A name the knowledge base lacks is a known organisation when it spells one of its names (by N3–N5)."),
    Rule("N3.same_core", "name", "Two unknown names are one when their cores (without corporate and generic words) are equal, word order free."),
    Rule("N4.same_sound", "name", "… or when their sound skeletons (consonant classes, Hangul read jamo by jamo) are equal and ≥ 3 classes long."),
    Rule("N5.near_sound", "name", "… or when their skeletons are ≥ 6 classes, differ by one class, and neither name has an acronym (Watpad – Wattpad; not SDS – SDI)."),
    Rule("N6.kinds", "name", "Two names whose generic words differ in kind (university, hospital, city …) are never one."),
    Rule("N7.weak", "name", "Unknown names of ≤ 5 capitals/digits or a core of ≤ 2 characters (AI, VC, MWC25) are weak: they corroborate but never count as a party in common."),
    Rule("N8.generic", "name", "The Korean government and its bodies (ministries, agencies, the Assembly, provinces, cities) are generic: never the only party in common."),
    Rule("P1.two_common", "support", "Partnership: same event when ≥ 2 parties are in common and ≥ 1 of them is not generic."),
    Rule("P2.named_in_both", "support", "Partnership: one non-generic party in common, and every other non-generic party of each side is named in the other article."),
    Rule("P3.other_partner", "soft", "Partnership: one party in common and another non-generic party the other article never names: a different deal (two MOUs of one company or ministry)."),
    Rule("F1.round", "hard", "Funding: named rounds that differ (Series A, Series B) are different events."),
    Rule("F2.recipient", "hard", "Funding: recipients that differ, neither named in the other article, are different events."),
    Rule("F3.amount", "hard", "Funding: both give amounts and none agree (after rounding, 'about', currency at that year's rates): different events."),
    Rule("F4.recipient_amount", "support", "Funding: same recipient and an amount that agrees: same event."),
    Rule("F5.recipient_investor", "support", "Funding: same recipient and a non-generic investor in common (or named in the other article), no conflict: same event."),
    Rule("F6.two_parties", "support", "Funding: ≥ 2 non-generic parties in common whatever the roles (a detector may swap them), no conflict: same event."),
    Rule("F7.recipient_round", "support", "Funding: same recipient and the same named round: same event."),
    Rule("F8.kind", "hard", "A budget (a budget trigger, or no non-government party) and the funding of a company are different events."),
    Rule("F9.named_in_both", "support", "Funding: one non-generic party in common and every other non-generic party of each side named in the other article, no conflict: same event."),
    Rule("B1.stage", "hard", "Budget: a proposal (cabinet, 정부안, 편성) and a passed budget (National Assembly, 국회 통과, 확정) are different events."),
    Rule("B2.kind", "hard", "Budget: a supplementary budget (추경) and a main budget (본예산) are different; so are two fiscal years and the 1st and 2nd 추경."),
    Rule("B3.level", "hard", "Budget: a national and a local government's budgets (or two local governments') are different events."),
    Rule("B4.lead_amount", "support", "Budget: same event when the lead amount of one agrees, in the currency stated, with an amount of the other's event, title or evidence (no amount: never linked)."),
    Rule("B5.companies", "hard", "Budget: both sides name companies (beneficiaries, a vendor) and neither side's are named in the other article: different programmes."),
    Rule("G1.any_member", "group", "An event joins the record one of whose reports it matches, unless another report of that record conflicts (a hard rule)."),
    Rule("G2.best", "group", "Of several matching records: most parties in common (+1 for an agreeing amount), then the oldest record."),
    Rule("G3.span", "group", "A record's dated reports stay within `span_days` of its first report."),
    Rule("G6.bridge", "group", "A report that matches several records joins them into the oldest when no report of one conflicts with a report of another (and G3 holds)."),
    Rule("A1.companion", "group", "One alert per deal: a partnership record and a funding record whose parties overlap (≥ 2 in common, ≥ 1 non-generic; one non-generic when one article gives both) within the window alert once."),
    Rule("G7.pin", "group", "An article split off a record by `kaiwatch story split` starts its own record, also after a reindex."),
    Rule("X.none", "none", "No rule found the two events the same."),
)  # fmt: skip

#: Every rule by id: what :attr:`Verdict.rule` and ``events.link_rule`` name.
RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
_HARD = frozenset(rule.id for rule in _RULES if rule.kind == "hard")


@dataclass(frozen=True)
class Settings:
    """How close two reports must be; set on news-dev by the issue-16 prototype."""

    window_days: int = 3  # E2
    span_days: int = 7  # G3
    amount_tolerance: float = 0.02  # one figure written two ways
    about_tolerance: float = 0.08  # "about", 약, 여, nearly
    max_rounding: float = 0.06  # a figure's own rounding (half its last digit), at most this
    fx_margin: float = 0.03  # on top of the year's KRW/USD range
    other_fx_tolerance: float = 0.15  # EUR, JPY, CNY … through the default rates


DEFAULT = Settings()

# KRW per USD, approximate low and high of each year: a comparison band, not a rate source.
KRW_PER_USD = {
    2015: (1068, 1203), 2016: (1090, 1245), 2017: (1060, 1210), 2018: (1054, 1145),
    2019: (1110, 1220), 2020: (1080, 1290), 2021: (1080, 1200), 2022: (1185, 1445),
    2023: (1220, 1365), 2024: (1285, 1480), 2025: (1350, 1490), 2026: (1380, 1500),
}  # fmt: skip
KRW_PER_USD_ANY = (1050, 1500)
DEFAULT_KRW_PER = {"USD": 1440.60, "EUR": 1708.19, "JPY": 9.3415, "CNY": 207.16}


@dataclass(frozen=True)
class Org:
    """A party (with its role) or an organisation the article names."""

    id: str  # knowledge-base id, or unk:<slug>
    name: str  # canonical name, or the surface
    role: str | None = None  # recipient | lead_investor | investor | signatory | government


@dataclass(frozen=True)
class Money:
    """An amount as written, with the figures the text states (a conversion in brackets counts)."""

    text: str
    currency: str
    value: float
    figures: tuple[tuple[str, float], ...]  # (currency, value) stated in the text
    about: bool = False


@dataclass(frozen=True)
class EventFacts:
    """One event as identity reads it (:func:`flows.analysis.event_facts.event_facts`)."""

    article: str
    type: str  # partnership | funding
    parties: tuple[Org, ...]
    amount: Money | None = None  # the lead amount
    amounts: tuple[Money, ...] = ()
    round: str | None = None  # seed, pre-a, a, b, …, bridge, pre-ipo
    date: date | None = None  # publication date; None when the feed and page gave none
    ref_year: int | None = None  # the year for exchange rates (publication, else fetched)
    lang: str = "en"
    probability: float = 1.0
    evidence: str = ""
    stage: str | None = None  # budget: proposed | passed
    budget_kind: str | None = None  # budget: supplementary | main
    fiscal_year: int | None = None
    ordinal: int | None = None  # the 1st / 2nd supplementary budget
    mentions: tuple[Org, ...] = ()  # every organisation the article names
    words: tuple[str, ...] = ()  # title and evidence words (names the finder may have missed)
    context_amounts: tuple[Money, ...] = ()  # amounts of title and evidence: support only
    budget: bool = False  # the detector read a budget: companies named are not recipients

    @property
    def all_amounts(self) -> tuple[Money, ...]:
        lead = (self.amount,) if self.amount and self.amount not in self.amounts else ()
        return lead + self.amounts


@dataclass(frozen=True)
class Verdict:
    """Whether two events are one, the id of the rule that decided, and why in words."""

    same: bool
    rule: str
    score: float = 0.0
    detail: str = ""

    @property
    def hard(self) -> bool:
        """A conflict that keeps the two apart whatever else agrees."""
        return not self.same and self.rule in _HARD


# -- organisations ------------------------------------------------------------------------------


def _unknown(org: Org) -> bool:
    return org.id.startswith("unk:")


def _weak(org: Org) -> bool:
    """N7: an unknown name too short to identify anything (AI, VC, MWC25, 기술지주)."""
    if not _unknown(org):
        return False
    core = core_and_kinds(org.name)[0].replace(" ", "")
    if re.fullmatch(r"[A-Z0-9&+\-]{1,5}", org.name.strip()) or len(core) <= 2:
        return True
    return bool(re.fullmatch(r"[가-힣]{1,2}", core))


def same_org(a: Org, b: Org, kin: Kin) -> str | None:
    """The rule that makes two organisations one (N1–N5), or None."""
    if a.id == b.id:
        return "N1.same_id"
    ka, kb_ = kin.known(a.id), kin.known(b.id)
    if ka and kb_:
        return "N1.same_id" if kin.family(a.id, b.id) else None
    if ka or kb_:
        known, other = (a, b) if ka else (b, a)
        if any(same_name(n, other.name) for n in kin.names(known.id)):
            return "N2.kb_name"
        return None
    return "N3.same_core" if same_name(a.name, b.name) else None


def _strength(org: Org, kin: Kin) -> str:
    if kin.not_a_party(org.id):
        return "none"
    if kin.generic(org.id, org.name):
        return "generic"
    if _weak(org):
        return "weak"
    return "strong"


def strong_parties(e: EventFacts, kin: Kin) -> list[Org]:
    """The parties of ``e`` that identify it: neither generic (N8) nor weak (N7)."""
    return [p for p in e.parties if _strength(p, kin) == "strong"]


def _parties(e: EventFacts, kin: Kin) -> list[tuple[Org, str]]:
    return [(p, s) for p in e.parties if (s := _strength(p, kin)) != "none"]


def _named_in(org: Org, e: EventFacts, kin: Kin) -> bool:
    """``org`` is a party of ``e`` or named in ``e``'s article (any name, any script)."""
    if any(same_org(org, q, kin) for q in (*e.parties, *e.mentions)):
        return True
    if kin.known(org.id):
        names = kin.names(org.id)
        return any(same_name(n, w) for n in names for w in e.words if _script_differs(n, w))
    return any(same_name(org.name, w) for w in e.words)


def _script_differs(a: str, b: str) -> bool:
    return bool(re.search("[가-힣]", a)) != bool(re.search("[가-힣]", b))


def _common(
    a: Sequence[tuple[Org, str]], b: Sequence[tuple[Org, str]], kin: Kin
) -> tuple[int, int]:
    """(parties in common, of which strong), counted from the side with fewer matches; weak never count."""
    left = [(p, s) for p, s in a if s != "weak"]
    right = [(p, s) for p, s in b if s != "weak"]
    from_left = [(p, s) for p, s in left if any(same_org(p, q, kin) for q, _ in right)]
    from_right = [(q, s) for q, s in right if any(same_org(q, p, kin) for p, _ in left)]
    common = from_left if len(from_left) <= len(from_right) else from_right
    return len(common), sum(s == "strong" for _, s in common)


# -- money --------------------------------------------------------------------------------------


def _rounding(value: float) -> float:
    """Half the last written digit, relative: 1.8 trillion → 0.1/1.8/2 ≈ 2.8 %."""
    if value <= 0:
        return 0.0
    unit = 1.0
    while (
        unit * 10 <= value and abs(round(value / (unit * 10)) * unit * 10 - value) <= value * 1e-9
    ):
        unit *= 10
    return 0.5 * unit / value


def _tolerance(x: Money, y: Money, s: Settings, vx: float, vy: float) -> float:
    tol = max(s.amount_tolerance, min(s.max_rounding, max(_rounding(vx), _rounding(vy))))
    if x.about or y.about:
        tol = max(tol, s.about_tolerance)
    return tol


def amounts_agree(x: Money, y: Money, year: int | None = None, s: Settings = DEFAULT) -> bool:
    """One figure, however written: as stated in a common currency, else won against dollars
    through the year's range of rates (any year's when the date is unknown)."""
    fx, fy = dict(x.figures), dict(y.figures)
    for currency in fx.keys() & fy.keys():
        vx, vy = fx[currency], fy[currency]
        if vx > 0 and vy > 0 and abs(vx - vy) <= _tolerance(x, y, s, vx, vy) * max(vx, vy):
            return True
    if fx.keys() & fy.keys() or s.fx_margin < 0:
        return False
    lo, hi = KRW_PER_USD.get(year or 0, KRW_PER_USD_ANY)
    for krw_side, usd_side in ((fx, fy), (fy, fx)):
        if "KRW" in krw_side and "USD" in usd_side and usd_side["USD"] > 0:
            tol = _tolerance(x, y, s, krw_side["KRW"], usd_side["USD"]) + s.fx_margin
            rate = krw_side["KRW"] / usd_side["USD"]
            return lo * (1 - tol) <= rate <= hi * (1 + tol)
    # other currencies: through the default rates, loosely
    kx = [
        v * DEFAULT_KRW_PER.get(c, 1.0) for c, v in fx.items() if c == "KRW" or c in DEFAULT_KRW_PER
    ]
    ky = [
        v * DEFAULT_KRW_PER.get(c, 1.0) for c, v in fy.items() if c == "KRW" or c in DEFAULT_KRW_PER
    ]
    return any(
        a > 0 and b > 0 and abs(a - b) <= s.other_fx_tolerance * max(a, b) for a in kx for b in ky
    )


def _any_agree(xs: Iterable[Money], ys: Iterable[Money], year: int | None, s: Settings) -> bool:
    ys = list(ys)
    return any(amounts_agree(x, y, year, s) for x in xs for y in ys)


def _year(a: EventFacts, b: EventFacts) -> int | None:
    years = {
        y
        for y in (a.date.year if a.date else a.ref_year, b.date.year if b.date else b.ref_year)
        if y
    }
    return years.pop() if len(years) == 1 else None


# -- the verdict --------------------------------------------------------------------------------


def judge(a: EventFacts, b: EventFacts, kin: Kin, s: Settings = DEFAULT) -> Verdict:
    """Whether ``a`` and ``b`` report one event, and the rule that decided."""
    if a.type != b.type:
        return Verdict(False, "E1.type")
    if a.date and b.date and abs((a.date - b.date).days) > s.window_days:
        return Verdict(False, "E2.window", detail=f"{abs((a.date - b.date).days)} days")
    if a.type == "partnership":
        return _partnership(a, b, kin)
    budget_a, budget_b = is_budget(a, kin), is_budget(b, kin)
    if budget_a != budget_b:
        return Verdict(False, "F8.kind")
    if budget_a:
        return _budget(a, b, kin, s)
    return _funding(a, b, kin, s)


def _partnership(a: EventFacts, b: EventFacts, kin: Kin) -> Verdict:
    pa, pb = _parties(a, kin), _parties(b, kin)
    common, strong = _common(pa, pb, kin)
    if common >= 2 and strong >= 1:
        return Verdict(True, "P1.two_common", score=common)
    if strong < 1:
        return Verdict(False, "X.none", detail="no non-generic party in common")
    others_a = [p for p, st in pa if st == "strong" and not any(same_org(p, q, kin) for q, _ in pb)]
    others_b = [q for q, st in pb if st == "strong" and not any(same_org(q, p, kin) for p, _ in pa)]
    missing_a = [p for p in others_a if not _named_in(p, b, kin)]
    missing_b = [q for q in others_b if not _named_in(q, a, kin)]
    if missing_a or missing_b:
        names = ", ".join(p.name for p in missing_a + missing_b)
        return Verdict(False, "P3.other_partner", detail=f"not named in the other article: {names}")
    if others_a or others_b:
        return Verdict(True, "P2.named_in_both", score=1 + 0.5 * len(others_a + others_b))
    return Verdict(False, "X.none", detail="one party in common and nothing else")


def is_budget(e: EventFacts, kin: Kin) -> bool:
    """Government funding with no company recipient: a budget trigger, or no party but generic ones."""
    return e.budget or all(_strength(p, kin) in ("generic", "none") for p in e.parties)


def _recipient(e: EventFacts, kin: Kin) -> Org | None:
    for p in e.parties:
        if p.role == "recipient" and _strength(p, kin) == "strong":
            return p
    return None


def _funding(a: EventFacts, b: EventFacts, kin: Kin, s: Settings) -> Verdict:
    if a.round and b.round and a.round != b.round:
        return Verdict(False, "F1.round", detail=f"{a.round} / {b.round}")
    ra, rb = _recipient(a, kin), _recipient(b, kin)
    if (
        ra
        and rb
        and not same_org(ra, rb, kin)
        and not _named_in(ra, b, kin)
        and not _named_in(rb, a, kin)
    ):
        return Verdict(False, "F2.recipient", detail=f"{ra.name} / {rb.name}")
    year = _year(a, b)
    money_a, money_b = a.all_amounts, b.all_amounts
    agree = _any_agree(money_a, money_b, year, s) if money_a and money_b else None
    if agree is False:
        return Verdict(
            False, "F3.amount", detail=f"{[m.text for m in money_a]} / {[m.text for m in money_b]}"
        )
    if agree is None:  # one side gave no event amount: the other's figure in its title or evidence
        agree = (
            bool(
                (money_a and _any_agree(money_a, b.context_amounts, year, s))
                or (money_b and _any_agree(money_b, a.context_amounts, year, s))
            )
            or None
        )
    pa, pb = _parties(a, kin), _parties(b, kin)
    common, strong = _common(pa, pb, kin)
    same_recipient = _same_recipient(ra, rb, a, b, kin)
    if same_recipient and agree:
        return Verdict(True, "F4.recipient_amount", score=common + 1)
    if same_recipient:
        investors_a = [
            p for p, st in pa if st == "strong" and p.role in ("investor", "lead_investor")
        ]
        investors_b = [
            q for q, st in pb if st == "strong" and q.role in ("investor", "lead_investor")
        ]
        if any(same_org(p, q, kin) for p in investors_a for q in investors_b) or (
            any(_named_in(p, b, kin) for p in investors_a)
            and any(_named_in(q, a, kin) for q in investors_b)
        ):
            return Verdict(True, "F5.recipient_investor", score=common)
    if strong >= 2:
        return Verdict(True, "F6.two_parties", score=common + (1 if agree else 0))
    if same_recipient and a.round and a.round == b.round:
        return Verdict(True, "F7.recipient_round", score=common + 1)
    if strong >= 1:
        others_a = [
            p for p, st in pa if st == "strong" and not any(same_org(p, q, kin) for q, _ in pb)
        ]
        others_b = [
            q for q, st in pb if st == "strong" and not any(same_org(q, p, kin) for p, _ in pa)
        ]
        if (
            (others_a or others_b)
            and all(_named_in(p, b, kin) for p in others_a)
            and all(_named_in(q, a, kin) for q in others_b)
        ):
            return Verdict(True, "F9.named_in_both", score=1 + 0.5 * len(others_a + others_b))
    return Verdict(
        False,
        "X.none",
        detail=f"{strong} non-generic parties in common, amounts {'agree' if agree else 'missing'}",
    )


def _exact(a: Org, b: Org, kin: Kin) -> bool:
    """One organisation, not one of its family: a parent invests in its subsidiary (SKT → SK Broadband)."""
    rule = same_org(a, b, kin)
    return rule is not None and (rule != "N1.same_id" or a.id == b.id)


def _same_recipient(ra: Org | None, rb: Org | None, a: EventFacts, b: EventFacts, kin: Kin) -> bool:
    """F4/F5/F7: one recipient, compared exactly (family does not count for a recipient)."""
    if ra and rb:
        return _exact(ra, rb, kin)
    if ra:  # the other side's detector found no recipient: one of its parties, then
        return any(_exact(ra, q, kin) for q in b.parties)
    if rb:
        return any(_exact(rb, p, kin) for p in a.parties)
    return False


def _budget(a: EventFacts, b: EventFacts, kin: Kin, s: Settings) -> Verdict:
    if a.stage and b.stage and a.stage != b.stage:
        return Verdict(False, "B1.stage", detail=f"{a.stage} / {b.stage}")
    if a.budget_kind and b.budget_kind and a.budget_kind != b.budget_kind:
        return Verdict(False, "B2.kind", detail=f"{a.budget_kind} / {b.budget_kind}")
    if a.fiscal_year and b.fiscal_year and a.fiscal_year != b.fiscal_year:
        return Verdict(False, "B2.kind", detail=f"fiscal {a.fiscal_year} / {b.fiscal_year}")
    if a.ordinal and b.ordinal and a.ordinal != b.ordinal:
        return Verdict(False, "B2.kind", detail=f"추경 {a.ordinal} / {b.ordinal}")
    la, lb = _levels(a, kin), _levels(b, kin)
    if la and lb and not _levels_compatible(la, lb, kin):
        return Verdict(False, "B3.level", detail=f"{sorted(la)} / {sorted(lb)}")
    companies_a = [p for p, st in _parties(a, kin) if st == "strong"]
    companies_b = [q for q, st in _parties(b, kin) if st == "strong"]
    missing_a = [p.name for p in companies_a if not _named_in(p, b, kin)]
    missing_b = [q.name for q in companies_b if not _named_in(q, a, kin)]
    missing = missing_a + missing_b
    if missing_a and missing_b:
        return Verdict(
            False, "B5.companies", detail=f"not named in the other article: {', '.join(missing)}"
        )
    year = _year(a, b)
    same_ccy = replace(
        s, fx_margin=-1.0
    )  # B4: a budget's figure is compared in the currency it is stated in
    if (a.amount and _any_agree([a.amount], b.all_amounts + b.context_amounts, year, same_ccy)) or (
        b.amount and _any_agree([b.amount], a.all_amounts + a.context_amounts, year, same_ccy)
    ):
        common, _ = _common(_parties(a, kin), _parties(b, kin), kin)
        return Verdict(True, "B4.lead_amount", score=1 + common)
    return Verdict(
        False,
        "X.none",
        detail="budget: no lead amount in common"
        if a.amount and b.amount
        else "budget without an amount",
    )


def _levels(e: EventFacts, kin: Kin) -> set[tuple[str, str]]:
    """(level, id) of the Korean government parties: ('central', …) or ('local', <the body>)."""
    out = set()
    for p in e.parties:
        level = kin.level(p.id, p.name)
        if level:
            out.add((level, p.id if level == "local" else "kr"))
    return out


def _levels_compatible(la: set[tuple[str, str]], lb: set[tuple[str, str]], kin: Kin) -> bool:
    locals_a = {i for lv, i in la if lv == "local"}
    locals_b = {i for lv, i in lb if lv == "local"}
    if locals_a or locals_b:
        return bool(locals_a & locals_b)
    return True


def same_deal_other_type(a: EventFacts, b: EventFacts, kin: Kin, s: Settings = DEFAULT) -> bool:
    """A1: a partnership and a funding event of one deal (≥ 2 parties in common, ≥ 1 non-generic,
    within the window). Not an identity: the two stay two records; only their alert is shared."""
    if a.type == b.type:
        return False
    if a.date and b.date and abs((a.date - b.date).days) > s.window_days:
        return False
    common, strong = _common(_parties(a, kin), _parties(b, kin), kin)
    if a.article == b.article:  # one article's two readings of one announcement
        return strong >= 1
    return common >= 2 and strong >= 1
