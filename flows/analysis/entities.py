"""Tag articles with the entities of the knowledge base (``entities.yaml``).

:class:`EntityTagger` is built once from a :class:`~flows.analysis.knowledge.KnowledgeBase`
and then tags any number of texts: two Aho-Corasick automatons (pyahocorasick)
find every alias in one pass each, and a few checks per hit keep the real
mentions:

* the longest name wins (Naver Cloud, not Naver + Cloud);
* English names need word boundaries; one-word names match as written, in
  capitals or capitalised, longer names in any case;
* ambiguous names (Meta, Arm, KT, 토스) need their exact case, no hyphen join
  ("meta-analysis") and context in the same article;
* a Korean name may be followed by particles (네이버가, 카카오와, 삼성전자는) but
  not by the rest of a longer word (카카오톡 is not Kakao), and is not the tail
  of a longer word;
* a group's shorthand ("LG") counts as the one member an article names, if it
  names exactly one.

Offsets are into the text as given. The module is pure: no I/O, no database.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import ahocorasick

from flows.analysis.knowledge import Entity, KnowledgeBase, alias_key
from flows.core.models import Mention
from flows.core.text import HANGUL

__all__ = ["EntityTagger", "Mention", "count_entities", "find_candidates"]

# One-to-one character folds, so that offsets into the folded text are offsets
# into the original: typographic quotes and dashes, odd spaces.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u3000": " ",
        "\t": " ",
    }
)


# Korean particles and endings that may follow a name (네이버가, 삼성전자와의, KT는).
_PARTICLES = (
    "에서는 에서도 에서의 에게는 으로는 으로도 으로서 으로써 이라는 이라고 이었다 이지만 "
    "과의 와의 과는 와는 과도 와도 에는 에도 에서 에게 으로 로는 로도 로서 로써 까지 부터 "
    "마저 조차 처럼 보다 이나 이며 이고 이다 이라 라는 라고 였다 한테 께서 이랑 측은 측이 측의 "
    "측과 측도 측 은 는 이 가 을 를 의 에 와 과 도 로 만 며 다 랑 등 엔"
).split()
_PARTICLES_RE = re.compile(
    "(?:" + "|".join(sorted(_PARTICLES, key=len, reverse=True)) + ")+(?![\uac00-\ud7a3])"
)
# A group shorthand followed by an acronym is part of a name we do not know ("SK ICT").
_ACRONYM_AFTER_RE = re.compile(r" [A-Z]{2,}(?![a-z])")
# Photo credits and bylines name the outlet or source, not a party to the story:
# "[서울=뉴시스]", "(사진=연합뉴스)", "(지디넷코리아=장유미 기자)", "[이데일리 송영두 기자]".
_CREDIT_BEFORE_RE = re.compile(r"=[ ]?$")
_CREDIT_AFTER_RE = re.compile(
    r"[ ]?=|[ ][\uac00-\ud7a3]{2,4}[ ]?(?:기자|특파원|통신원)(?![\uac00-\ud7a3])"
)
# Prefix of Korean subsidiaries' names: 한국마이크로소프트 is Microsoft.
_KOREA_PREFIX = "한국"
# Types that can be "the one member" a group shorthand stands for.
_ORG_TYPES = frozenset({"company", "investor", "research_institute", "fund", "government"})


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _is_latin_word(ch: str) -> bool:
    return ch.isalnum() and ord(ch) < 0x250


def _has_latin(text: str) -> bool:
    return any(_is_latin_word(ch) and not ch.isdigit() for ch in text)


_FOLD_PAIRS = tuple((chr(code), str(target)) for code, target in _FOLD.items())


def _fold(text: str) -> str:
    # One str.replace per character found is many times faster than str.translate.
    for char, target in _FOLD_PAIRS:
        if char in text:
            text = text.replace(char, target)
    return text


def _lower(text: str) -> str:
    """Lower-case without changing the length (a few characters grow when lowered)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


@dataclass(frozen=True)
class _Pattern:
    """One way an entity is written: an alias or a variant of it."""

    entity_id: str
    alias: str
    forms: frozenset[str] | None  # exact surfaces allowed; None: any case
    contextual: bool  # needs exact case and context
    shorthand: bool


def _person_variants(name: str, korean: bool) -> list[str]:
    """Spellings of a person's name as the press writes it (Lee Jae Myung, Jae-myung Lee)."""
    variants: list[str] = []
    if "-" in name:
        spaced = " ".join(part[:1].upper() + part[1:] for part in name.replace("-", " ").split())
        variants += [spaced, re.sub(r"-(\w)", lambda m: m.group(1).lower(), name)]
    tokens = name.split()
    if korean and len(tokens) in (2, 3) and all(t[:1].isupper() for t in tokens):
        family = tokens[0]
        given = "-".join(tokens[1:]) if len(tokens) == 3 else tokens[1]
        parts = given.split("-")
        joined = parts[0] + "".join(part.lower() for part in parts[1:])
        spaced = " ".join(part[:1].upper() + part[1:] for part in parts)
        variants += [f"{form} {family}" for form in (given, spaced, joined)]
        if len(tokens) == 3:
            variants += [f"{family} {given}", f"{family} {joined}"]
    return variants


def _forms(alias: str, contextual: bool) -> frozenset[str] | None:
    """The exact surfaces an alias may take, or None when any case will do."""
    if not _has_latin(alias):
        return None  # Hangul has no case
    if contextual:
        return frozenset({alias})  # person names get their spellings as separate variants
    if " " not in alias:
        if alias == alias.upper():
            return frozenset({alias})  # an acronym: "Mit" is German, not MIT
        return frozenset({alias, alias.upper(), alias[:1].upper() + alias[1:].lower()})
    return None


class EntityTagger:
    """Find the knowledge base's entities in texts; build once, tag many.

    :param kb: the knowledge base (see :func:`flows.analysis.knowledge.load_entities`).
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        # Three automatons: names matched as written that start with a Hangul syllable
        # (searched only in texts with Hangul), other names matched as written, and
        # names matched in any case (searched in the lower-cased text). Keeping Hangul
        # apart keeps the automatons' first step cheap on English text.
        self._hangul = ahocorasick.Automaton()
        self._exact = ahocorasick.Automaton()
        self._caseless = ahocorasick.Automaton()
        hangul: dict[str, list[_Pattern]] = {}
        exact: dict[str, list[_Pattern]] = {}
        caseless: dict[str, list[_Pattern]] = {}
        owners = {alias_key(alias): entity.id for entity in kb.entities for alias in entity.names}
        self._names: dict[str, str] = dict(owners)
        for entity in kb.entities:
            for pattern in self._patterns(entity, owners):
                self._names.setdefault(alias_key(pattern.alias), entity.id)
                if pattern.forms is None and _has_latin(pattern.alias):
                    caseless.setdefault(_lower(_fold(pattern.alias)), []).append(pattern)
                    continue
                # Hangul has no case: a name without Latin letters matches as written.
                for form in pattern.forms or (pattern.alias,):
                    key = _fold(form)
                    table = hangul if _is_hangul(key[0]) else exact
                    table.setdefault(key, []).append(pattern)
        for automaton, table in (
            (self._hangul, hangul),
            (self._exact, exact),
            (self._caseless, caseless),
        ):
            for key, patterns in table.items():
                automaton.add_word(key, (len(key), tuple(patterns)))
            if table:
                automaton.make_automaton()
        self._context_res: dict[str, re.Pattern[str] | None] = {}

    def lookup(self, name: str) -> str | None:
        """Return the id of the entity called ``name`` (any alias or spelling, any case)."""
        return self._names.get(alias_key(_fold(name)))

    # -- building -------------------------------------------------------------------

    @staticmethod
    def _patterns(entity: Entity, owners: dict[str, str]) -> list[_Pattern]:
        contextual = entity.needs_context
        patterns: list[_Pattern] = []
        seen: set[str] = set()
        for alias in entity.names:
            variants = [alias]
            if _is_korean_spaced(alias):
                variants.append(alias.replace(" ", ""))
            if entity.type == "person" and _has_latin(alias):
                variants += _person_variants(alias, entity.country == "KR")
            for variant in variants:
                # Generated spellings never take a name another entity has.
                if variant in seen or owners.get(alias_key(variant), entity.id) != entity.id:
                    continue
                seen.add(variant)
                flagged = alias in contextual
                patterns.append(
                    _Pattern(
                        entity.id,
                        variant,
                        _forms(variant, flagged),
                        flagged,
                        alias in entity.shorthand,
                    )
                )
        return patterns

    @cached_property
    def _relatives(self) -> dict[str, frozenset[str]]:
        """For each entity: itself, its owners and what it owns (context for ambiguity)."""
        table: dict[str, frozenset[str]] = {}
        for entity in self.kb.entities:
            family = {entity.id, *self.kb.descendants(entity.id)}
            parent = entity.parent
            while parent is not None:
                family.add(parent)
                parent = self.kb.get(parent).parent
            table[entity.id] = frozenset(family)
        return table

    def _context_re(self, entity_id: str) -> re.Pattern[str] | None:
        if entity_id not in self._context_res:
            words = self.kb.get(entity_id).context
            parts = [
                rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])"
                if _has_latin(word)
                else re.escape(word)
                for word in words
            ]
            self._context_res[entity_id] = (
                re.compile("|".join(parts), re.IGNORECASE) if parts else None
            )
        return self._context_res[entity_id]

    # -- tagging --------------------------------------------------------------------

    def tag(self, text: str) -> list[Mention]:
        """Return the mentions in ``text``, in order of their offsets."""
        if not text:
            return []
        folded = _fold(text)
        hits: list[tuple[int, int, _Pattern]] = []
        searches = [(self._exact, folded), (self._caseless, _lower(folded))]
        if HANGUL.search(folded):
            searches.append((self._hangul, folded))
        for automaton, haystack in searches:
            if not len(automaton):
                continue
            for last, (length, patterns) in automaton.iter(haystack):
                start, end = last - length + 1, last + 1
                for pattern in patterns:
                    if self._fits(folded, start, end, pattern):
                        hits.append((start, end, pattern))
        chosen = [
            (start, end, pattern)
            for start, end, pattern in _longest_first(hits)
            if not _CREDIT_BEFORE_RE.search(folded, max(0, start - 2), start)
            and not _CREDIT_AFTER_RE.match(folded, end)
        ]
        firm = {pattern.entity_id for _, _, pattern in chosen if not pattern.contextual}
        # One mention with context vouches for the same name elsewhere in the article.
        backed = {
            pattern.entity_id
            for _, end, pattern in chosen
            if pattern.contextual and self._has_context(folded, end, pattern, firm)
        }
        mentions: list[Mention] = []
        for start, end, pattern in chosen:
            entity_id = pattern.entity_id
            if pattern.contextual and entity_id not in backed:
                continue
            if pattern.shorthand:
                entity_id = self._member(entity_id, firm)
            mentions.append(Mention(entity_id, text[start:end], start, end))
        return mentions

    def _fits(self, text: str, start: int, end: int, pattern: _Pattern) -> bool:
        """Check case, word boundaries and Korean particles around one hit."""
        surface = text[start:end]
        if pattern.forms is not None:
            if surface not in pattern.forms:
                return False
        elif pattern.alias[:1].isupper() and not surface[:1].isupper():
            return False  # "to scale AI" is not Scale AI
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        first, last = surface[0], surface[-1]
        if _is_hangul(first):
            if before and _is_hangul(before) and not _after_korea_prefix(text, start):
                return False
        elif _is_latin_word(first):
            if before and _is_latin_word(before):
                return False
            if before in "&." and start > 1 and _is_latin_word(text[start - 2]):
                return False  # AT&T, www.naver
            if before == "@":
                return False
        if after:
            if _is_hangul(after):
                if not (_is_hangul(last) or _is_latin_word(last)):
                    return False
                if not _PARTICLES_RE.match(text, end):
                    return False
            elif _is_latin_word(last) and _is_latin_word(after):
                return False
            elif (
                after in "&."
                and end + 1 < len(text)
                and _is_latin_word(text[end + 1])
                and (after == "&" or text[end + 1].islower())
            ):
                return False  # KT&G, naver.com
        if pattern.contextual and ((before == "-") or (after == "-")):
            return False  # meta-analysis, SK-II
        return not (pattern.shorthand and _ACRONYM_AFTER_RE.match(text, end))

    def _has_context(self, text: str, end: int, pattern: _Pattern, firm: set[str]) -> bool:
        """Tell whether an ambiguous hit is backed by the article."""
        if _is_latin_word(pattern.alias[-1]) and end < len(text) and _is_hangul(text[end]):
            return True  # "KT는": a Korean sentence uses the name as a noun
        if self._relatives[pattern.entity_id] & firm:
            return True
        context = self._context_re(pattern.entity_id)
        return bool(context and context.search(text))

    def _member(self, group_id: str, firm: set[str]) -> str:
        """The one member of a group an article names, or the group itself."""
        members = [
            entity_id
            for entity_id in self.kb.descendants(group_id) & firm
            if self.kb.get(entity_id).type in _ORG_TYPES
        ]
        return members[0] if len(members) == 1 else group_id


def _is_korean_spaced(alias: str) -> bool:
    return " " in alias and any(_is_hangul(ch) for ch in alias)


def _after_korea_prefix(text: str, start: int) -> bool:
    """Tell whether a Korean name follows "한국" as a company prefix (한국마이크로소프트)."""
    cut = start - len(_KOREA_PREFIX)
    return (
        cut >= 0
        and text[cut:start] == _KOREA_PREFIX
        and (cut == 0 or not _is_hangul(text[cut - 1]))
    )


def _longest_first(hits: list[tuple[int, int, _Pattern]]) -> list[tuple[int, int, _Pattern]]:
    """Keep non-overlapping hits, longest first, then leftmost; return them in text order."""
    hits.sort(key=lambda hit: (hit[0] - hit[1], hit[0]))
    starts: list[int] = []
    spans: dict[int, int] = {}
    chosen: list[tuple[int, int, _Pattern]] = []
    for start, end, pattern in hits:
        index = bisect_left(starts, start)
        if index > 0 and spans[starts[index - 1]] > start:
            continue  # overlaps the span to its left
        if index < len(starts) and starts[index] < end:
            continue  # overlaps the span to its right
        if start in spans:
            continue
        insort(starts, start)
        spans[start] = end
        chosen.append((start, end, pattern))
    chosen.sort(key=lambda hit: hit[0])
    return chosen


def count_entities(mentions: Iterable[Mention]) -> dict[str, int]:
    """Count mentions per entity id, most mentioned first."""
    return dict(Counter(mention.entity_id for mention in mentions).most_common())


# -- candidates for the knowledge base ---------------------------------------------

_CAP = r"[A-Z][A-Za-z0-9&'.-]*[A-Za-z0-9]|[A-Z]"
_EN_SUFFIX_RE = re.compile(
    rf"((?:{_CAP})(?:[ ](?:{_CAP}|of|and|&))*?),?[ ]"
    r"(?:Inc|Co|Corp|Ltd|LLC|Corporation|Limited|PLC|GmbH|AG)\b\.?"
)
_ORG_WORDS = (
    "Bank Group Lab Labs Ventures Partners Capital Technologies Technology Systems "
    "Electronics Motor Motors University Institute Agency Ministry Foundation Fund "
    "Investment Investments Securities Holdings Robotics Semiconductor Semiconductors "
    "Networks Telecom Software Solutions Therapeutics Industries Association Council "
    "Committee Commission Cloud Research Analytics Dynamics Energy Chemical Chemicals "
    "Pharmaceuticals Bio Games Entertainment Studio Studios Academy Center Centre"
)
_EN_ORG_RE = re.compile(
    rf"((?:{_CAP})(?:[ ](?:{_CAP}|of|and|&)){{0,4}}[ ](?:{'|'.join(_ORG_WORDS.split())}))\b"
)
_KO_MARK_RE = re.compile(
    r"(?:\(주\)|㈜|주식회사)[ ]?([\uac00-\ud7a3A-Za-z0-9&]{2,})"
    r"|([\uac00-\ud7a3A-Za-z0-9&]{2,})[ ]?(?:\(주\)|㈜)"
)
# Endings of Korean organisation names. Generic nouns with the same endings (투자은행,
# 벤처캐피털, 시스템반도체, 생성AI) are why 은행, 캐피털, 반도체 and AI are not among them.
_KO_ORG_SUFFIXES = (
    "테크놀로지스 테크놀로지 벤처스 파트너스 인베스트먼트 랩스 로보틱스 홀딩스 "
    "그룹 전자 증권 대학교 연구소 재단 협회 에이아이"
).split()
_ACRONYM_RE = re.compile(r"[A-Z0-9&]{1,4}")
_KO_TOKEN_RE = re.compile(r"[\uac00-\ud7a3A-Za-z0-9&]{3,}")
# Capitalised words that start a sentence or a title, not a name.
_LEADING_WORDS = frozenset(
    "The A An And But Or In On At By For With From As Its His Her Their This That Then "
    "While Meanwhile According Also Last Next Both When If Why How What These Those Other "
    "Such Some Many Most Every Each After Before During Since Under Over Through Via "
    "President Chairman Chairwoman CEO Chief Minister Professor Dr Mr Ms Mrs Logo".split()
)


def _strip_particles(token: str) -> str:
    for particle in sorted(_PARTICLES, key=len, reverse=True):
        if token.endswith(particle) and len(token) - len(particle) >= 2:
            return token[: -len(particle)]
    return token


def _candidate_names(text: str) -> set[str]:
    """Organisation-like names in one text (known or not)."""
    names: set[str] = set()
    for regex in (_EN_SUFFIX_RE, _EN_ORG_RE):
        for match in regex.finditer(text):
            words = match.group(1).split()
            while words and words[0] in _LEADING_WORDS:
                words.pop(0)
            if all(_ACRONYM_RE.fullmatch(word) for word in words):
                continue  # "SK AI", "SKT AI": a known name and a word, not a new name
            if words and (len(words) > 1 or regex is _EN_SUFFIX_RE):
                names.add(" ".join(words))
    for match in _KO_MARK_RE.finditer(text):
        names.add(_strip_particles(match.group(1) or match.group(2)))
    for match in _KO_TOKEN_RE.finditer(text):
        token = match.group(0)
        if not any(_is_hangul(ch) for ch in token):
            continue
        for candidate in (token, _strip_particles(token)):
            suffix = next((s for s in _KO_ORG_SUFFIXES if candidate.endswith(s)), None)
            if suffix and len(candidate) > len(suffix) + 1:
                names.add(candidate)
                break
    return names


def _joins_known(key: str, known: set[str]) -> bool:
    """Tell whether a candidate only wraps a known name ("KAIST and Naver Cloud",
    "Logo of SK Telecom"): a known name follows its first word, or stands beside "and"."""
    words = key.split(" ")
    tails = (" ".join(words[i:]) for i in range(1, len(words)))
    if any(tail in known for tail in tails):
        return True
    return any(part.strip() in known for part in key.split(" and ")) and " and " in key


def find_candidates(
    texts: Iterable[str], kb: KnowledgeBase, *, min_count: int = 2, limit: int | None = None
) -> list[tuple[str, int]]:
    """List organisation-like names that many texts use and the knowledge base lacks.

    Names are found by company suffixes (Inc., Co., Corp., Ltd., 주식회사, (주))
    and by capitalised sequences or Korean words that end like an organisation
    (… Labs, … Ventures, …벤처스, …테크놀로지스).

    :param texts: article texts, e.g. every archived article.
    :param min_count: least number of texts a name must appear in.
    :param limit: return at most this many names.
    :returns: ``(name, number of texts)`` pairs, most frequent first.
    """
    known = {alias_key(alias) for entity in kb.entities for alias in entity.names}
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for text in texts:
        for name in _candidate_names(text):
            key = alias_key(name)
            if key in known or key.removeprefix("the ") in known or _joins_known(key, known):
                continue
            spelling.setdefault(key, name)
            counts[key] += 1
    ranked = sorted(
        ((spelling[key], count) for key, count in counts.items() if count >= min_count),
        key=lambda item: (-item[1], item[0]),
    )
    return ranked[:limit] if limit is not None else ranked
