"""The candidate stage: read an article as sentences and propose every trigger as a candidate.

Broad on purpose: every trigger family of :data:`~flows.analysis.events.rules.TRIGGERS` (bare deal nouns
included) in any sentence (the title is sentence 0) proposes a candidate; the checks of
:data:`~flows.analysis.events.rules.CHECKS` are all run and their rejections kept on the candidate, as
features for the scorer, not as gates. Non-restrictive relative clauses, wire datelines
and founding-date phrases are blanked first (background, and the outlet is not a party).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flows.analysis.events.dates import estimate_published
from flows.analysis.events.rules import CHECKS, CUES, TRIGGERS, CheckContext, Rejection, Rule
from flows.analysis.money import parse_amounts
from flows.analysis.names import Name, NameFinder
from flows.core.models import Amount
from flows.core.text import HANGUL, Sentence, article_document, split_sentences

__all__ = ["ArticleView", "Candidate", "read_article"]

_I = re.IGNORECASE
_RELATIVE_RE = re.compile(
    r",\s+(?:which(?! (?:is|was) why| means| meant)|who|whose)\b[^,;]*(?=[,;]|$)", _I
)
_BUDGET_NOUN_END = re.compile(
    r"\b(?:budget|budget (?:proposal|plan|bill)|spending (?:plan|package)|package)\s*$", _I
)
_PAST_CLAUSE_EN = re.compile(
    r"\b(?:last|previous(?:ly)?|earlier|ago|had|was|were|since|in (?:19|20)\d\d)\b", _I
)
_DATELINE_RE = re.compile(
    r"^(?:\((?:ATTN|LEAD|URGENT|EDS?|\d+(?:st|nd|rd|th) LD)\b[^()]{0,80}\)\s*)?"
    r"(?:By (?:[A-Z][\w'-]*(?: |$)){1,4}\s*)?"
    r"[A-Z][A-Za-z/ ,.]{1,40}?(?:\d{1,2})?\s*\([^()]{2,40}\)\s*(?:--|—|–|-)\s*"
)
_FOUNDED_RE = re.compile(
    r"\b(?:founded|established|incorporated|set up|spun off)(?: (?:by|as|from|in)\b[^,.;]{0,50}?)?"
    r" in (?:(?:early|late|mid-?)\s*)?(?:19|20)\d\d\b",
    _I,
)
_CREDIT_KO = re.compile(
    r"[\[(](?:[^\[\]()]{0,20}=)?[^\[\]()]{0,20}(?:기자|뉴스|제공|사진)[^\[\]()]{0,10}[\])]"
)


@dataclass(frozen=True)
class Candidate:
    """One trigger in one sentence, with every check that doubts it."""

    type: str
    sentence: Sentence
    main: str  # the sentence with background clauses blanked
    trigger: Rule
    start: int
    end: int
    rejections: tuple[Rejection, ...]
    content_index: int  # 0 for the title, then 1, 2, … over content sentences

    @property
    def words(self) -> str:
        return self.main[self.start : self.end]


@dataclass
class ArticleView:
    """An article read once: sentences, names, amounts, reference date, title cues, candidates."""

    title: str
    text: str
    lang: str
    doc: str
    sentences: list[Sentence]
    names: list[Name]
    amounts: list[Amount]
    ref_date: date | None
    ref_source: str
    title_cues: frozenset[str]
    candidates: list[Candidate] = field(default_factory=list)

    def names_in(self, sentence: Sentence) -> list[Name]:
        lo, hi = sentence.start, sentence.start + len(sentence.text)
        return [n for n in self.names if lo <= n.start and n.end <= hi]

    def amounts_in(self, sentence: Sentence) -> list[Amount]:
        lo, hi = sentence.start, sentence.start + len(sentence.text)
        return [a for a in self.amounts if lo <= a.start and a.end <= hi]


def _blank(match: re.Match[str]) -> str:
    clause = match.group(0)
    on_budget = _BUDGET_NOUN_END.search(match.string, 0, match.start())
    if on_budget and not _PAST_CLAUSE_EN.search(clause):
        return clause
    return " " * len(clause)


def blank_background(sentence: str) -> str:
    """Blank non-restrictive relative clauses, datelines, founding dates and photo credits."""
    main = _RELATIVE_RE.sub(_blank, sentence)
    main = _DATELINE_RE.sub(lambda m: " " * len(m.group(0)), main)
    main = _FOUNDED_RE.sub(lambda m: " " * len(m.group(0)), main)
    main = _CREDIT_KO.sub(lambda m: " " * len(m.group(0)), main)
    return main


def read_article(
    title: str,
    text: str,
    *,
    lang: str | None,
    published: date | None,
    finder: NameFinder,
) -> ArticleView:
    """Read one article: sentences, names, amounts, the reference date and the candidates."""
    doc = article_document(title, text)
    lang = lang or ("ko" if len(HANGUL.findall(doc[:2000])) > 20 else "en")
    sents = split_sentences(title, doc)
    ref, source = estimate_published(title, text, published)
    title_cues = frozenset(
        c.id for c in CUES if c.scope == "title" and title and c.pattern.search(title)
    )
    view = ArticleView(
        title, text, lang, doc, sents, [], parse_amounts(doc), ref, source, title_cues
    )
    content = 0
    for sentence in sents:
        if not sentence.is_title and len(sentence.text) >= 25:
            content += 1
        if len(sentence.text) < 8 or len(sentence.text) > 1500:
            continue
        main = blank_background(sentence.text)
        index = 0 if sentence.is_title else content
        seen: set[tuple[str, str]] = set()
        for trig in TRIGGERS:
            for match in trig.pattern.finditer(main):
                key = (trig.id, trig.type)
                if key in seen:
                    break
                seen.add(key)
                lang_of = "ko" if HANGUL.search(match.group(0)) else "en"
                ctx = CheckContext(main, trig, match.start(), match.end(), lang_of, trig.type)
                rejections = tuple(
                    r for check in CHECKS[trig.type] if (r := check(ctx)) is not None
                )
                view.candidates.append(
                    Candidate(
                        trig.type,
                        sentence,
                        main,
                        trig,
                        match.start(),
                        match.end(),
                        rejections,
                        index,
                    )
                )
    view.names = finder.find(doc, title, lang=lang)
    return view
