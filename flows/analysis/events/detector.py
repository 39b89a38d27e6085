"""From scores to events: the type, its probability, the parties with roles, the lead amount.

    detector = EventDetector(tagger)
    events = detector.detect(title, text, lang="ko", published=date(2025, 3, 4))

The detector reads the article (:mod:`~flows.analysis.events.candidates`), describes each
candidate with named features (:mod:`~flows.analysis.events.features`), and the learned
model (:mod:`~flows.analysis.events.scorer`) turns them into a calibrated probability per
event type. An event is the best candidate (the *witness*) of a type whose probability
reaches ``min_probability``; its confidence is that probability, and the feature ids with
the largest contributions stay on it as its reasons.

Parties come from the witness sentence: organisations known or not, never outlets, places,
people quoted as sources or generic nouns (:mod:`flows.analysis.names` refuses those);
"양사" / "the two companies" stand for the article's two most-named organisations; "정부" /
"the government" for the Korean government when no foreign one is named. Funding parties
have roles: the recipient first, then the lead investor and the investors (read from
"led by X", "X가 주도", "X로부터", "invest … in X", "X에 투자", "X raised").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flows.analysis.entities import EntityTagger
from flows.analysis.events.candidates import ArticleView, Candidate, read_article
from flows.analysis.events.features import describe_feature, good_amounts, org_names
from flows.analysis.events.scorer import (
    TYPES,
    ArticleScore,
    CandidateFeatures,
    Scorer,
    TypeScore,
    article_features,
    default_scorer,
)
from flows.analysis.names import Name, NameFinder
from flows.core.models import Amount, Event, Reason, Scored, UnknownEntity

__all__ = [
    "DEFAULT_MIN_PROBABILITY",
    "GOV_KR",
    "Analysis",
    "CandidateVerdict",
    "EventDetector",
    "Explanation",
    "Party",
    "TypeVerdict",
    "default_detector",
    "detect_events",
    "events_to_json",
    "warrants_alert",
]

GOV_KR = "government-of-south-korea"
#: Events below this probability are not kept at all (the alert threshold, a user setting
#: defaulting to 0.5, decides which of the kept ones alert; it may be set lower than 0.5).
DEFAULT_MIN_PROBABILITY = 0.3
#: Reasons kept on an event: the features with the largest contributions.
MAX_REASONS = 8


@dataclass(frozen=True)
class Party:
    """One party of an event: an entity id (knowledge base or ``unk:``), its name, its role."""

    id: str
    name: str
    role: str  # recipient | investor | lead_investor | signatory | government
    known: bool = True


@dataclass(frozen=True)
class CandidateVerdict:
    """One candidate of an article as ``kaiwatch explain`` shows it."""

    type: str
    trigger: str
    trigger_reason: str
    sentence: str
    words: str
    probability: float
    rejections: tuple[tuple[str, str, str], ...]  # (rule id, reason, words)
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class TypeVerdict:
    """One event type's verdict on an article."""

    type: str
    probability: float
    event: Event | None  # kept (probability >= the detector's floor)
    candidates: tuple[CandidateVerdict, ...]  # best first


@dataclass(frozen=True)
class Explanation:
    """Why an article did or did not give events: per type, every candidate and its score."""

    lang: str
    reference_date: date | None
    reference_source: str  # published | page | none
    types: tuple[TypeVerdict, ...]
    events: tuple[Event, ...]


@dataclass
class Analysis:
    """One article read by the detector: its view, scores, events and names for the archive."""

    view: ArticleView
    score: ArticleScore
    events: list[Event]
    unknown: list[UnknownEntity]
    unknown_names: list[Name] = field(default_factory=list)


_LEAD_EN = re.compile(
    r"(?:\b(?:co-?)?led by|\bled the\b|\bco-?led\b|\bwith\s+participation\s+from|\bbacked by|\bfrom|\bincluding|\bsuch as|\bjoined by)\s*(?:the\s+)?$",
    re.I,
)
# "X led …", and a headline's present tense: "SoftBank Lead $300M Funding Round For Startup".
_LEAD_AFTER_EN = re.compile(r"^\s*(?:,\s*)?(?:led|co-led|leads?|co-leads?|headed|heads)\b", re.I)
_RECIPIENT_BEFORE_EN = re.compile(
    r"\b(?:in|into|backs?|backed|for|of|to)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.I
)
_RAISE_AFTER_EN = re.compile(
    r"^(?:['’]s)?[^.;]{0,40}?\b(?:rais|secur|clos|land|attract|receiv|got|gets|bag|snag|nab|pull)",
    re.I,
)
_INVEST_AFTER_EN = re.compile(
    r"^[^.;]{0,40}?\b(?:invest|back|led|leads|co-led|pour|inject|particip|join)", re.I
)
_KO_RECIPIENT = re.compile(r"^(?:에게|에|의)\s")
_KO_FROM = re.compile(r"^(?:으로부터|로부터|에서)")
_KO_LEAD = re.compile(r"^(?:이|가|은|는)?\s*(?:[^.]{0,15})?(?:주도|리드|이끌)")
_KO_SUBJECT = re.compile(r"^(?:이|가|은|는)\s")
# A Korean headline names its subject before a comma, and lists subjects with "·":
# "삼성·LG전자·현대차그룹, '…' 회사에 투자", "SKT, GPU 클라우드사에 투자". Only in a
# headline: in a body, "KT, 삼성 등으로부터" lists investors.
_KO_HEADLINE_SUBJECT = re.compile(r"^(?:\s*·\s*[^\s,·]+){0,4}\s*,")
_KO_PARTICIPATE = re.compile(r"^(?:[^.]{0,25})?(?:참여|참여했|투자했|투자한다|투자를\s*단행|출자)")
_PRONOUN = re.compile(
    r"\b(?:the two (?:companies|firms|sides)|both companies|the (?:three|3) (?:companies|firms))\b|양사|양측|두\s*회사|3사",
    re.I,
)
_GOV = re.compile(
    r"정부|국비|\b(?:the |(?:South )?Korea's |Seoul's )?(?:South )?(?:Korean )?(?:government|cabinet|gov't)\b",
    re.I,
)
_FOREIGN_GOV = re.compile(
    r"(?:미국|중국|일본|유럽|영국|프랑스|독일|대만|사우디|인도)\s?(?:정부|의회|행정부)|\b(?:U\.?S\.?|American|Chinese|Japanese|British|French|German|Indian|Saudi|EU)\s+(?:government|administration|cabinet)\b",
    re.I,
)


class EventDetector:
    """Names, candidates, scorer and event assembly, built once per knowledge base.

    :param tagger: the knowledge base's tagger (known names are canonicalised by it).
    :param scorer: the learned model; the shipped one by default.
    :param korean_names: also find Korean names with kiwipiepy in candidate sentences (for
        the archive's unknown entities only, never for parties or the score); the model
        loads on the first Korean article (docs/benchmarks.md: about 0.5 GB).
    """

    def __init__(
        self,
        tagger: EntityTagger,
        *,
        scorer: Scorer | None = None,
        korean_names: bool = False,
    ) -> None:
        self.tagger = tagger
        self.kb = tagger.kb
        self.scorer = scorer or default_scorer()
        self.finder = NameFinder(self.kb, tagger, use_kiwi=korean_names)
        self.korean_names = korean_names

    # -- reading and scoring --------------------------------------------------------------

    def read(
        self, title: str, text: str, *, lang: str | None = None, published: date | None = None
    ) -> ArticleView:
        """The article as sentences, names, amounts and candidates."""
        return read_article(title, text, lang=lang, published=published, finder=self.finder)

    def analyse(
        self,
        title: str,
        text: str,
        *,
        lang: str | None = None,
        published: date | datetime | None = None,
        min_probability: float = DEFAULT_MIN_PROBABILITY,
    ) -> Analysis:
        """Read, score and assemble one article's events; also its unknown names."""
        view, features, score = self._scored(title, text, lang=lang, published=published)
        events = self.events(view, score, min_probability=min_probability, features=features)
        names = list(view.names)
        if self.korean_names and view.lang == "ko":
            wanted = {c.sentence.index for c in view.candidates}
            parse = [(s.start, s.text) for s in view.sentences if s.index in wanted]
            names = self.finder.with_kiwi(view.doc, names, parse)
        unknown_names = [n for n in names if not n.known and n.type in ("org", "person")]
        unknown = _unknown_entities(unknown_names, view.lang)
        return Analysis(view, score, events, unknown, unknown_names)

    def detect(
        self,
        title: str,
        text: str,
        *,
        lang: str | None = None,
        published: date | datetime | None = None,
        min_probability: float = DEFAULT_MIN_PROBABILITY,
    ) -> list[Event]:
        """The partnership and funding events the article announces, most probable first."""
        view, features, score = self._scored(title, text, lang=lang, published=published)
        return self.events(view, score, min_probability=min_probability, features=features)

    def _scored(
        self, title: str, text: str, *, lang: str | None, published: date | datetime | None
    ) -> tuple[ArticleView, CandidateFeatures, ArticleScore]:
        """The article read, its candidates' features, and their scores."""
        view = self.read(title, text, lang=lang, published=_day(published))
        features = article_features(view)
        return view, features, self.scorer.score(view, features)

    def events(
        self,
        view: ArticleView,
        score: ArticleScore,
        *,
        min_probability: float,
        features: CandidateFeatures | None = None,
    ) -> list[Event]:
        """One event per type whose probability reaches ``min_probability``, and more
        funding events for other commitments the article announces.

        A funding candidate other than the witness gives an event of its own when its
        own probability reaches ``min_probability`` and it names an amount no event has
        yet ("909 billion won for everyday AI … 1.02 trillion won for AI chips").
        """
        kept = [
            ts
            for ts in score.types.values()
            if ts.witness is not None and ts.probability >= min_probability
        ]
        if not kept:
            return []
        features = features or article_features(view)
        out = [self.assemble(view, ts, features) for ts in kept]
        if any(e.type == "funding" for e in out):
            out += self._more_funding(view, out, features["funding"], min_probability)
        return sorted(out, key=lambda e: -e.confidence)

    def _more_funding(
        self,
        view: ArticleView,
        found: list[Event],
        candidates: list[tuple[Candidate, dict[str, float]]],
        min_probability: float,
    ) -> list[Event]:
        extra: list[Event] = []
        seen = [a for e in found for a in e.amounts]
        sentences = {e.evidence for e in found}
        for cand, feats in candidates:
            if cand.sentence.text in sentences:
                continue
            probability = self.scorer.calibrate("funding", self.scorer.logit("funding", feats))
            amounts = good_amounts(view, cand)
            if probability < min_probability or not amounts:
                continue
            if any(_same_money(a, b) for a in amounts for b in seen):
                continue
            ts = TypeScore(
                "funding", probability, 0.0, cand, self.scorer.contributions("funding", feats)
            )
            event = self.assemble(view, ts)
            extra.append(event)  # its own sentence: never the title (that is the witness's)
            seen += amounts
            sentences.add(cand.sentence.text)
        return extra

    def explain(
        self,
        title: str,
        text: str,
        *,
        lang: str | None = None,
        published: date | datetime | None = None,
        min_probability: float = DEFAULT_MIN_PROBABILITY,
        max_candidates: int = 5,
    ) -> Explanation:
        """Every type's probability, its best candidates and the features that decided."""
        view = self.read(title, text, lang=lang, published=_day(published))
        features = article_features(view)
        score = self.scorer.score(view, features)
        events = self.events(view, score, min_probability=min_probability, features=features)
        verdicts = []
        for kind in TYPES:
            ranked = sorted(
                ((self.scorer.logit(kind, f), c, f) for c, f in features[kind]),
                key=lambda item: -item[0],
            )
            candidates = tuple(
                CandidateVerdict(
                    type=kind,
                    trigger=c.trigger.id,
                    trigger_reason=c.trigger.reason,
                    sentence=c.sentence.text,
                    words=c.words,
                    probability=round(self.scorer.calibrate(kind, z), 4),
                    rejections=tuple((r.rule, r.reason, r.words) for r in c.rejections),
                    reasons=_reasons(self.scorer.contributions(kind, f)),
                )
                for z, c, f in ranked[:max_candidates]
            )
            event = next((e for e in events if e.type == kind), None)
            verdicts.append(
                TypeVerdict(kind, round(score.types[kind].probability, 4), event, candidates)
            )
        return Explanation(
            view.lang, view.ref_date, view.ref_source, tuple(verdicts), tuple(events)
        )

    # -- assembly -----------------------------------------------------------------------------

    def assemble(
        self, view: ArticleView, ts: TypeScore, features: CandidateFeatures | None = None
    ) -> Event:
        """The event a type's witness candidate stands for.

        When the witness is the title, the evidence shown is the lead's best undoubted
        candidate of the type, if there is one, and an amount the body states with its
        conversion ("70 billion won ($48 million)") replaces the title's bare one.
        Parties come from the witness (measured: the body's cost party precision).
        """
        cand = ts.witness
        assert cand is not None
        body = self._body_witness(view, ts, features)
        parties = self.parties(view, cand)
        if ts.type == "funding" and body is not None:
            parties = self._recipient_from_body(view, parties, body)
        amounts: list[Amount] = []
        if ts.type == "funding":
            amounts = good_amounts(view, cand)
            if not amounts:
                for other in view.candidates:
                    if other.type == "funding" and (
                        other.sentence.is_title or other.content_index <= 3
                    ):
                        amounts = good_amounts(view, other)
                        if amounts:
                            break
            if body is not None and amounts:
                fuller = good_amounts(view, body)
                amounts = [
                    next((b for b in fuller if _same_money(a, b) and len(b.text) > len(a.text)), a)
                    for a in amounts
                ]
        round_name = _round(cand.main) if ts.type == "funding" else None
        shown = body or cand
        return Event(
            type=ts.type,
            subtype=_subtype(cand, parties, round_name),
            parties=tuple(p.id for p in parties),
            party_names=tuple(p.name for p in parties),
            amounts=tuple(amounts),
            round=round_name,
            evidence=shown.sentence.text,
            confidence=round(ts.probability, 4),
            roles=tuple(p.role for p in parties),
            trigger=cand.trigger.id,
            reasons=_reasons(ts.contributions),
        )

    def _recipient_from_body(
        self, view: ArticleView, parties: list[Party], body: Candidate
    ) -> list[Party]:
        """Add the recipient the lead names when the headline names only investors.

        "SoftBank Lead $300M Funding Round For Startup" names the investors; the lead's
        "Skild AI has secured $300 million" names who raised.
        """
        if any(p.role in ("recipient", "government") for p in parties):
            return parties
        known = {p.id for p in parties}
        found = [
            p
            for p in self.parties(view, body)
            if p.role == "recipient" and p.id not in known and not self._is_gov(p.id)
        ]
        return found[:1] + parties

    def _body_witness(
        self, view: ArticleView, ts: TypeScore, features: CandidateFeatures | None
    ) -> Candidate | None:
        if ts.witness is None or not ts.witness.sentence.is_title:
            return None
        if view.text.strip().startswith(view.title.strip()):
            return None  # the headline is the text's own first sentence: it is the evidence
        features = features or article_features(view)
        best: tuple[float, Candidate] | None = None
        for cand, feats in features[ts.type]:
            if cand.sentence.is_title or cand.content_index > 3 or cand.rejections:
                continue
            z = self.scorer.logit(ts.type, feats)
            if best is None or z > best[0]:
                best = (z, cand)
        return best[1] if best else None

    def parties(self, view: ArticleView, cand: Candidate) -> list[Party]:
        sentence = cand.sentence
        names = [
            n
            for n in org_names(view, view.names_in(sentence))
            if cand.main[n.start - sentence.start : n.end - sentence.start].strip()
            and not _not_a_party(view.doc, n)
        ]
        gov_sentence = bool(_GOV.search(cand.main)) and not _FOREIGN_GOV.search(cand.main)
        if not names and _PRONOUN.search(cand.main):
            names = self._top_orgs(view)
        if not names and not gov_sentence and not sentence.is_title and view.title:
            title_sentence = (
                view.sentences[0] if view.sentences and view.sentences[0].is_title else None
            )
            if title_sentence:
                names = org_names(view, view.names_in(title_sentence))
        if cand.type == "funding":  # investors are often named in the next sentence
            for nxt in view.sentences[sentence.index + 1 : sentence.index + 3]:
                if _INVESTORS_NEXT.search(nxt.text):
                    names += [
                        n
                        for n in org_names(view, view.names_in(nxt))
                        if not _not_a_party(view.doc, n)
                    ]
        names = _dedupe(names)
        if cand.type == "partnership":
            parties = [Party(n.id, self._display(n), "signatory", n.known) for n in names]
        else:
            parties = self._funding_roles(view, cand, names)
        if (
            (
                gov_sentence
                and not any(p.role == "government" or p.id == GOV_KR for p in parties)
                and not any(self._is_gov(p.id) for p in parties)
            )
            and cand.type == "funding"
            and not parties
        ):
            parties.append(Party(GOV_KR, "Government of South Korea", "government"))
        return parties

    def _is_gov(self, entity_id: str) -> bool:
        return entity_id in self.kb and self.kb.get(entity_id).type == "government"

    def _is_investor(self, name: Name) -> bool:
        """A firm that invests: typed so in the knowledge base, or named as a fund."""
        if name.known and name.id in self.kb:
            return self.kb.get(name.id).type in _INVESTOR_TYPES
        return bool(_FUND_NAME.search(name.surface))

    def _display(self, name: Name) -> str:
        return self.kb.get(name.id).name if name.known and name.id in self.kb else name.surface

    def _top_orgs(self, view: ArticleView, n: int = 2) -> list[Name]:
        counts = Counter(x.id for x in view.names if x.is_org)
        firsts: dict[str, Name] = {}
        for x in view.names:
            if x.is_org:
                firsts.setdefault(x.id, x)
        return [firsts[i] for i, _ in counts.most_common(n)]

    def _funding_roles(self, view: ArticleView, cand: Candidate, names: list[Name]) -> list[Party]:
        text = view.doc
        raise_family = cand.trigger.id in (
            "f.en.raise_round",
            "f.ko.round",
            "f.ko.round_name",
            "f.en.top_up",
        )
        headline = view.lang == "ko" and cand.sentence.is_title
        recipients: list[Name] = []
        leads: list[Name] = []
        investors: list[Name] = []
        unassigned: list[Name] = []
        for n in names:
            before = text[max(0, n.start - 40) : n.start]
            after = text[n.end : n.end + 60]
            if (
                re.search("[\uac00-\ud7a3]", n.surface)
                or re.match(r"^(?:에게|에|의|으로부터|로부터|이|가|은|는)", after)
                or (headline and _KO_HEADLINE_SUBJECT.match(after))
            ):
                if _KO_RECIPIENT.match(after) or (
                    re.match(r"^에\s*", after) and "투자" in after[:30]
                ):
                    recipients.append(n)
                elif _KO_LEAD.match(after):
                    leads.append(n)
                elif _KO_FROM.match(after) or _KO_PARTICIPATE.match(after):
                    investors.append(n)
                elif _KO_SUBJECT.match(after) or (headline and _KO_HEADLINE_SUBJECT.match(after)):
                    (recipients if raise_family else investors).append(n)
                else:
                    unassigned.append(n)
                continue
            if _LEAD_EN.search(before):
                (leads if re.search(r"led", before[-20:], re.I) else investors).append(n)
            elif _LEAD_AFTER_EN.match(after):
                leads.append(n)
            elif _RAISE_AFTER_EN.match(after) or (
                _RECIPIENT_BEFORE_EN.search(before[-25:]) and not raise_family
            ):
                recipients.append(n)
            elif _INVEST_AFTER_EN.match(after):
                investors.append(n)
            else:
                unassigned.append(n)
        if not recipients and unassigned:
            # "X raised …": the subject is the recipient; "X invests … in Y": the last name is
            recipients.append(unassigned.pop(0) if raise_family else unassigned.pop())
        investors += unassigned
        if not recipients and (leads or investors) and raise_family and view.title:
            # the round's recipient is often named only in the headline
            title_orgs = [
                x
                for x in org_names(view, view.names)
                if x.end <= len(view.title) + 1 and x.id not in {y.id for y in leads + investors}
            ]
            recipients = title_orgs[:1]
        if cand.trigger.id not in _FUND_TRIGGERS:
            # A firm the knowledge base knows as an investor raises money only for a fund of
            # its own; in any other deal it invested ("LG테크놀로지벤처스는 … 투자자로 참여").
            investors = [n for n in recipients if self._is_investor(n)] + investors
            recipients = [n for n in recipients if not self._is_investor(n)]
        gov = [n for n in recipients + leads + investors if self._is_gov(n.id)]
        recipients, leads, investors = (
            [n for n in group if n not in gov] for group in (recipients, leads, investors)
        )
        parties = [Party(n.id, self._display(n), "government", n.known) for n in gov]
        parties += [Party(n.id, self._display(n), "recipient", n.known) for n in recipients[:1]]
        parties += [Party(n.id, self._display(n), "investor", n.known) for n in recipients[1:]]
        parties += [Party(n.id, self._display(n), "lead_investor", n.known) for n in leads]
        parties += [Party(n.id, self._display(n), "investor", n.known) for n in investors]
        unique: dict[str, Party] = {}
        for party in parties:
            unique.setdefault(party.id, party)
        return list(unique.values())


_INVESTORS_NEXT = re.compile(
    r"\b(?:led by|co-led|participat\w+|joined by|investors? (?:includ|such as)|backed by)\b|참여|주도|리드|공동\s*투자|투자자로",
    re.I,
)
_VENUE_AFTER_KO = re.compile(r"^(?:에서|에서는|에서의|서)(?!\s*투자)")
_VENUE_BEFORE_EN = re.compile(r"\b(?:at|in)\s+(?:the\s+)?$")


# The host of a contest or event is no party to the deal announced at it:
# "마이크로소프트(MS)가 주최한 경연 대회에서 우승해 … 투자를 따냈다", "a contest hosted by X".
_HOST_AFTER_KO = re.compile(
    r"^\)?(?:\s*\([^()]{0,15}\))?\s*(?:이|가)?\s*(?:주최|주관|개최)(?:한|하는|했)"
)
_HOST_BEFORE_EN = re.compile(r"\b(?:hosted|organi[sz]ed|run) by\s+(?:the\s+)?$", re.I)


# A name that the text calls a project is what money is for, not who gets it:
# 'to push forward the "AI Infra Super Highway" project', "'K-클라우드' 사업에".
_PROJECT_AFTER = re.compile(
    r"^(?:[\"'”’]?\s*(?:project|programme|program|initiative)\b|[\"'”’]\s*(?:사업|프로젝트))",
    re.I,
)


# A span right after a person's title is a person, whatever it runs on to:
# "President Ryu Young-sang of SK Telecom".
_PERSON_TITLE_BEFORE_EN = re.compile(
    r"\b(?:President|Chairman|Chairwoman|CEO|Minister|Professor|Chief Executive)\s+$"
)


def _not_a_party(doc: str, name: Name) -> bool:
    """A name used as a place, a host, a project or a person: "대강당에서", "held at the
    Convention Center", "X가 주최한 대회", "a contest hosted by X", "the "X" project",
    "President X of Y"."""
    if _PROJECT_AFTER.match(doc[name.end : name.end + 16]):
        return True
    if name.source != "kb" and _PERSON_TITLE_BEFORE_EN.search(
        doc[max(0, name.start - 20) : name.start]
    ):
        return True
    if _VENUE_AFTER_KO.match(doc[name.end : name.end + 4]):
        return True
    if _HOST_AFTER_KO.match(doc[name.end : name.end + 24]) or _HOST_BEFORE_EN.search(
        doc[max(0, name.start - 20) : name.start]
    ):
        return True
    return bool(
        _VENUE_BEFORE_EN.search(doc[max(0, name.start - 8) : name.start])
    ) and name.source not in ("kb",)


def _dedupe(names: list[Name]) -> list[Name]:
    seen: set[str] = set()
    out = []
    for n in names:
        if n.id in seen:
            continue
        seen.add(n.id)
        out.append(n)
    return out


def _lead_amount(amounts: list[Amount]) -> Amount | None:
    """The event's headline figure: the first good amount of the witness sentence."""
    return amounts[0] if amounts else None


# -- helpers for the event record --------------------------------------------------------------

_ROUND_RE = re.compile(
    r"\b(?:pre-?(?:series )?A|Series [A-F](?:\d| extension| bridge)?|seed(?: round| funding)?"
    r"|bridge (?:round|funding)|pre-?IPO)\b"
    r"|프리\s?(?:시리즈\s?)?A|시리즈\s?[A-F](?:\s?브릿지)?|(?<![가-힣])(?:시드(?!니)|브릿지)"
    r"|프리\s?IPO|초기\s*투자",
    re.I,
)


def _round(sentence: str) -> str | None:
    """The round named in a sentence, normalised ("Series B", "seed", "pre-IPO")."""
    match = _ROUND_RE.search(sentence)
    if not match:
        return None
    text = match.group(0)
    ko = {"시드": "seed", "브릿지": "bridge", "초기 투자": "seed", "초기투자": "seed"}
    if text in ko:
        return ko[text]
    text = re.sub(r"시리즈\s?", "Series ", text)
    text = re.sub(r"프리\s?", "pre-", text).replace("브릿지", "bridge").strip()
    if text.lower().startswith("series"):
        return "Series " + text[6:].strip()
    return text.lower().replace("pre-ipo", "pre-IPO")


# Knowledge-base types of firms that invest, and the triggers of a fund raising money.
_INVESTOR_TYPES = frozenset({"investor", "fund"})
_FUND_TRIGGERS = frozenset({"f.en.fund_close", "f.ko.fund"})
# A name the knowledge base lacks that ends like an investment vehicle: "… Private Equity Fund".
_FUND_NAME = re.compile(r"(?:\bFund|펀드)$")
_SUBTYPES = {
    "p.en.sign_agreement": "agreement",
    "p.en.agreement_signed": "agreement",
    "p.ko.sign_agreement": "agreement",
    "p.ko.ceremony": "agreement",
    "p.en.jointly_develop": "joint development",
    "p.ko.joint": "joint development",
    "p.en.expand_ties": "expansion",
    "f.en.raise_round": "round",
    "f.en.lead_round": "round",
    "f.en.top_up": "round",
    "f.ko.round": "round",
    "f.ko.round_name": "round",
    "f.en.fund_close": "fund investment",
    "f.ko.fund": "fund investment",
    "f.en.budget": "government",
    "f.ko.budget": "government",
}
_JV_RE = re.compile(r"joint venture|합작", re.I)
_SUPPLY_RE = re.compile(r"\b(?:supply|licensing|license) (?:deal|agreement|contract)\b", re.I)


def _subtype(cand: Candidate, parties: Sequence[Party], round_name: str | None) -> str:
    """The kind of deal, as alert headlines say it (flows/notify/messages.py)."""
    if cand.type == "partnership":
        if _JV_RE.search(cand.main):
            return "joint venture"
        if _SUPPLY_RE.search(cand.main):
            return "supply"
        return _SUBTYPES.get(cand.trigger.id, "partnership")
    subtype = _SUBTYPES.get(cand.trigger.id)
    government = any(p.role == "government" for p in parties)
    if subtype == "government" and not government:
        subtype = None
    if subtype is None:
        subtype = "round" if round_name else "government" if government else "investment"
    return subtype


def _same_money(a: Amount, b: Amount) -> bool:
    """Two amounts for one sum: equal in won or in dollars (within 2 %)."""
    for x, y in ((a.krw, b.krw), (a.usd, b.usd)):
        if x and y and abs(x - y) <= 0.02 * max(x, y):
            return True
    return a.text == b.text


def _reasons(contributions: Iterable[tuple[str, float]]) -> tuple[Reason, ...]:
    return tuple(
        Reason(feature, describe_feature(feature), round(weight, 3))
        for feature, weight in list(contributions)[:MAX_REASONS]
    )


def _day(moment: date | datetime | None) -> date | None:
    if isinstance(moment, datetime):
        return moment.date()
    return moment


def _unknown_entities(names: Sequence[Name], lang: str) -> list[UnknownEntity]:
    """Each unknown name once (by id), with its first surface and type guess."""
    seen: dict[str, UnknownEntity] = {}
    for name in names:
        if name.id not in seen:
            seen[name.id] = UnknownEntity(name.id, name.surface, name.type, lang)
    return list(seen.values())


@lru_cache(maxsize=4)
def default_detector(tagger: EntityTagger, korean_names: bool = False) -> EventDetector:
    """A detector over this tagger's knowledge base and the shipped model, built once."""
    return EventDetector(tagger, korean_names=korean_names)


def detect_events(
    title: str,
    text: str,
    *,
    tagger: EntityTagger,
    lang: str | None = None,
    published: date | datetime | None = None,
    min_probability: float = DEFAULT_MIN_PROBABILITY,
) -> list[Event]:
    """The partnership and funding events an article announces (the shipped model).

    :param published: the article's date: time words are read against it.
    :param min_probability: events less probable than this are left out.
    """
    return default_detector(tagger).detect(
        title, text, lang=lang, published=published, min_probability=min_probability
    )


def events_to_json(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The ``events`` list of ``kaiwatch analyze``."""
    rows = []
    for event in events:
        roles = event.roles or ("",) * len(event.parties)
        rows.append(
            {
                "type": event.type,
                "subtype": event.subtype,
                "parties": [
                    {"id": pid, "name": name, "role": role or None}
                    for pid, name, role in zip(
                        event.parties, event.party_names, roles, strict=False
                    )
                ],
                "amounts": [{"text": a.text, "krw": a.krw, "usd": a.usd} for a in event.amounts],
                "round": event.round,
                "evidence": event.evidence,
                "confidence": event.confidence,
                "trigger": event.trigger,
                "reasons": [
                    {"id": r.id, "reason": r.reason, "weight": r.weight} for r in event.reasons
                ],
            }
        )
    return rows


def warrants_alert(events: Iterable[Scored], about_korean_ai: bool, threshold: float) -> bool:
    """Alert = a partnership or funding event whose probability reaches ``threshold``, about
    Korean AI."""
    return about_korean_ai and any(
        e.type in {"partnership", "funding"} and e.confidence >= threshold for e in events
    )
