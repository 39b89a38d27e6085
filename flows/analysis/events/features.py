"""Features of a candidate: named, sparse, each traceable to a rule record or a fact.

Feature names are stable strings (``trig:p.en.sign_agreement``, ``blk:b.en.preview``,
``cue:c.en.capex``, ``time:past_year``, ``party:in_title`` …); the scorer learns a
weight per name, and the names with the largest contributions to an event are what
``kaiwatch explain`` shows, with the words :func:`describe_feature` gives them.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache

from flows.analysis.events.candidates import ArticleView, Candidate
from flows.analysis.events.dates import fact_names, time_facts
from flows.analysis.events.rules import BLOCKER_REASONS, CUES, rule
from flows.analysis.names import Name, normalise
from flows.core.models import Amount

__all__ = [
    "FEATURE_REASONS",
    "article_context",
    "candidate_features",
    "describe_feature",
    "good_amounts",
    "org_names",
]

_SENTENCE_CUES = tuple(c for c in CUES if c.scope == "sentence")
_ROUND_RE = re.compile(
    r"\b(?:pre-?(?:series )?A|Series [A-F](?:\d| extension| bridge)?|seed(?: round| funding)?|bridge (?:round|funding)"
    r"|pre-?IPO)\b|프리\s?(?:시리즈\s?)?A|시리즈\s?[A-F](?:\s?브릿지)?|(?<![가-힣])(?:시드(?!니)|브릿지)|프리\s?IPO",
    re.I,
)
_GOV_PARTY = re.compile(
    r"정부|국비|과기정통부|과학기술정보통신부|중기부|중소벤처기업부|산업부|국회|\b(?:the |(?:South )?Korea's |Seoul's )?"
    r"(?:South )?(?:Korean )?(?:government|cabinet|gov't|ministry|National Assembly)\b",
    re.I,
)
_AMOUNT_BAD = [c for c in _SENTENCE_CUES if c.id in ("c.en.not_funding", "c.ko.not_funding")]
_PARAMS = re.compile(r"parameters?|파라미터|매개변수", re.I)
_CONVERSION_GAP = re.compile(r"\s*[(（]\s*(?:약|about|around|roughly|or)?\s*")
_WHOLE_BUDGET_AFTER = re.compile(
    r"\s*(?:\([^()]{0,30}\)\s*)?(?:national |state |government |overall )?budget(?: proposal| plan| bill)?\b"
    r"(?! (?:for|on) (?:AI|artificial))",
    re.I,
)
_VALUATION_BEFORE = re.compile(
    r"\bvalu(?:ed|es|ing|ation)\b[^$₩\d.;]{0,70}\b(?:at|of)\s+(?:about |around |some )?$", re.I
)


@lru_cache(maxsize=4096)
def _cues_in(sentence: str) -> tuple[tuple[str, str], ...]:
    """The sentence cues that fire on a sentence (candidates of one sentence share them)."""
    return tuple((c.id, c.type) for c in _SENTENCE_CUES if c.pattern.search(sentence))


@lru_cache(maxsize=4096)
def _time_names(sentence: str, ref: date | None) -> tuple[str, ...]:
    return tuple(fact_names(time_facts(sentence, ref)))


def org_names(view: ArticleView, names: list[Name]) -> list[Name]:
    """The names that can be parties: organisations (known or not), no outlets, places, people."""
    return [n for n in names if n.is_org]


def good_amounts(view: ArticleView, cand: Candidate) -> list[Amount]:
    """Amounts of the candidate's sentence whose own neighbourhood is not a valuation, total,
    market size, earnings figure or parameter count (30 characters before, 20 after, cut at
    the neighbouring amounts; a bracketed conversion shares its figure's verdict)."""
    sentence = cand.sentence
    amounts = sorted(view.amounts_in(sentence), key=lambda a: a.start)
    text = sentence.text
    good = []
    previous: tuple[int, bool] | None = None
    located = [(a.start - sentence.start, a.end - sentence.start, a) for a in amounts]
    for i, (at, end, amount) in enumerate(located):
        if cand.main[at:end].strip() == "":
            previous = (end, False)
            continue  # inside a blanked clause
        if previous and _CONVERSION_GAP.fullmatch(text[previous[0] : at]):
            ok = previous[1]
        else:
            lo = max([at - 30, 0] + [e for _, e, _ in located[:i] if e <= at])
            hi = min([end + 20, len(text)] + [s for s, _, _ in located[i + 1 :] if s >= end])
            near = text[lo:hi]
            ok = not any(c.pattern.search(near) for c in _AMOUNT_BAD) and not _PARAMS.search(near)
            ok = ok and not _VALUATION_BEFORE.search(text[max(0, at - 80) : at])
            whole = _WHOLE_BUDGET_AFTER.match(text, end)
            ok = ok and not (whole and any(s >= whole.end() for s, _, _ in located[i + 1 :]))
        if ok:
            good.append(amount)
        previous = (end, ok)
    return good


def article_context(view: ArticleView, kind: str) -> dict[str, float]:
    """Article-level facts about the candidates of one type, shared by all of them."""
    cands = [c for c in view.candidates if c.type == kind]
    f: dict[str, float] = {}
    title = [c for c in cands if c.sentence.is_title]
    if title:
        f["art:title_candidate"] = 1.0
        if any(c.trigger.strong for c in title):
            f["art:title_strong"] = 1.0
        if any(not c.rejections for c in title):
            f["art:title_clean"] = 1.0
    clean_strong = [c for c in cands if c.trigger.strong and not c.rejections]
    f["art:n_clean_strong"] = math.log1p(len(clean_strong)) / 2
    lead_clean = [c for c in clean_strong if c.content_index <= 3]
    if lead_clean:
        f["art:lead_clean_strong"] = 1.0
    return f


def candidate_features(
    view: ArticleView,
    cand: Candidate,
    first_of_type: bool,
    n_of_type: int,
    context: dict[str, float] | None = None,
) -> dict[str, float]:
    """The named features of one candidate (sparse: absent means 0)."""
    f: dict[str, float] = {"bias": 1.0}
    if context:
        f.update(context)
    f[f"trig:{cand.trigger.id}"] = 1.0
    if cand.trigger.strong:
        f["trig:strong"] = 1.0
    if cand.trigger.id.endswith(".kw"):
        f["trig:bare_word"] = 1.0
        if cand.sentence.is_title:
            f["trig:bare_word_title"] = 1.0
    blockers = {r.rule for r in cand.rejections}
    for b in blockers:
        f[f"blk:{b}"] = 1.0
    if not blockers:
        f["clean"] = 1.0
        if cand.trigger.strong:
            f["clean_strong"] = 1.0
    f["n_blockers"] = min(len(blockers), 4) / 4
    s = cand.main
    for cue_id, cue_type in _cues_in(s):
        if cue_type in ("any", cand.type):
            f[f"cue:{cue_id}"] = 1.0
    # position
    if cand.sentence.is_title:
        f["pos:title"] = 1.0
    elif cand.content_index <= 3:
        f["pos:lead3"] = 1.0
    elif cand.content_index <= 6:
        f["pos:lead6"] = 1.0
    else:
        f["pos:body"] = 1.0
    if first_of_type:
        f["pos:first_of_type"] = 1.0
    f["art:n_candidates"] = math.log1p(n_of_type) / 4
    # article and genre
    for cue_id in view.title_cues:
        f[f"title:{cue_id}"] = 1.0
    if not view.title:
        f["title:none"] = 1.0
    if view.lang == "ko":
        f["lang:ko"] = 1.0
    # parties
    names = view.names_in(cand.sentence)
    orgs = [
        n
        for n in org_names(view, names)
        if cand.main[n.start - cand.sentence.start : n.end - cand.sentence.start].strip()
    ]
    known = [n for n in orgs if n.known]
    distinct = {n.id for n in orgs}
    f["party:n0" if not distinct else ("party:n1" if len(distinct) == 1 else "party:n2")] = 1.0
    if known:
        f["party:known"] = 1.0
    if orgs and not known:
        f["party:unknown_only"] = 1.0
    title_keys = (
        {normalise(n.surface) for n in view.names if n.end <= len(view.title) + 1}
        if view.title
        else set()
    )
    title_ids = {n.id for n in view.names if view.title and n.end <= len(view.title) + 1}
    title_low = view.title.casefold()
    if any(
        n.id in title_ids
        or normalise(n.surface) in title_keys
        or (len(n.surface) > 2 and n.surface.casefold() in title_low)
        for n in orgs
    ):
        f["party:in_title"] = 1.0
    if _GOV_PARTY.search(s):
        f["party:gov"] = 1.0
    if any(n.type == "outlet" for n in names):
        f["party:outlet_near"] = 1.0
    if any(n.type == "person" for n in names):
        f["party:person_near"] = 1.0
    # headline focus (docs/events.md rule 6) as one conjunction feature
    focused = cand.sentence.is_title or cand.content_index <= 3 or not view.title
    focused = focused or "t.deal_word" in view.title_cues or "party:in_title" in f
    if not focused:
        f["focus:off"] = 1.0
    # amounts and round
    if view.amounts_in(cand.sentence):
        f["amt:any"] = 1.0
        if good_amounts(view, cand):
            f["amt:good"] = 1.0
        else:
            f["amt:only_excluded"] = 1.0
    if _ROUND_RE.search(s):
        f["amt:round"] = 1.0
    # time, resolved against the reference date
    for name in _time_names(s, view.ref_date):
        f[f"time:{name}"] = 1.0
    if view.ref_date is None:
        f["time:no_ref"] = 1.0
    # interactions the rules relied on
    if "clean" in f and "pos:title" in f:
        f["clean_title"] = 1.0
    if "clean" in f and ("pos:lead3" in f or "pos:title" in f) and len(distinct) >= 1:
        f["clean_lead_party"] = 1.0
    if "party:gov" in f and "amt:good" in f:
        f["gov_amount"] = 1.0  # a government's budget is announced as a plan ("will invest")
    return dict(sorted(f.items()))  # a fixed order: sums (and the model file) are reproducible


#: What each feature that is not a rule record means, for people (``kaiwatch explain``).
FEATURE_REASONS: dict[str, str] = {
    "bias": "the base rate",
    "clean": "nothing doubts the trigger",
    "clean_strong": "a strong trigger that nothing doubts",
    "clean_title": "the title announces it, undoubted",
    "clean_lead_party": "undoubted, in the lead, with a party",
    "gov_amount": "a government commits an amount",
    "n_blockers": "how many blockers doubt it",
    "trig:strong": "a trigger that names a deal on its own",
    "trig:bare_word": "only a bare deal word",
    "trig:bare_word_title": "a bare deal word in the title",
    "pos:title": "in the title",
    "pos:lead3": "in the first three sentences",
    "pos:lead6": "in sentences four to six",
    "pos:body": "deep in the body",
    "pos:first_of_type": "the article's first such trigger",
    "art:n_candidates": "how many triggers of this type the article has",
    "art:title_candidate": "the title has such a trigger",
    "art:title_strong": "the title has a strong trigger",
    "art:title_clean": "the title has an undoubted trigger",
    "art:n_clean_strong": "how many undoubted strong triggers the article has",
    "art:lead_clean_strong": "an undoubted strong trigger in the lead",
    "title:none": "no title",
    "lang:ko": "a Korean article",
    "party:n0": "no party named in the sentence",
    "party:n1": "one party in the sentence",
    "party:n2": "two or more parties in the sentence",
    "party:known": "a party the knowledge base knows",
    "party:unknown_only": "only parties the knowledge base lacks",
    "party:in_title": "a party is named in the title",
    "party:gov": "a government party",
    "party:outlet_near": "a news outlet named in the sentence",
    "party:person_near": "a person named in the sentence",
    "focus:off": "past the lead, and the title names neither a party nor a deal",
    "amt:any": "an amount in the sentence",
    "amt:good": "an amount that is a commitment",
    "amt:only_excluded": "only amounts that are totals, valuations or market sizes",
    "amt:round": "a named round",
    "time:past_year": "a year before the article's",
    "time:this_year": "the article's year",
    "time:future_year": "a year after the article's",
    "time:old_date": "a date well before the article's",
    "time:recent_date": "a date close to the article's",
    "time:future_date": "a date after the article's",
    "time:rel_past": "a past time word (last year, 지난해)",
    "time:rel_recent_month": "last month, 지난달",
    "time:fresh": "dated today (on Monday, 이날, 21일 밝혔다)",
    "time:year_noref": "a year, and the article's date unknown",
    "time:no_ref": "the article's date unknown",
}


def describe_feature(feature: str) -> str:
    """What a feature id means, for people: a rule's reason or :data:`FEATURE_REASONS`."""
    if feature in FEATURE_REASONS:
        return FEATURE_REASONS[feature]
    prefix, _, rule_id = feature.partition(":")
    if prefix in {"trig", "cue", "title"}:
        try:
            return rule(rule_id).reason
        except KeyError:
            return feature
    if prefix == "blk":
        return BLOCKER_REASONS.get(rule_id, feature)
    return feature
