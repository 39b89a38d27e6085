"""Names across spellings and scripts: Hangul romanisation, a sound skeleton, and name matching.

Pure functions, no data files. Used by :mod:`flows.analysis.identity` only for names the knowledge base
does not know (``unk:`` ids); known names are compared by id.

How two names are compared (:func:`same_name`):

1. **Normalise** (case, NFKC, corporate suffixes, 'the', Korean particles and ㈜ marks).
2. **Generic words** (university/대학교, hospital/병원, institute/연구소, electronics/전자, city/시, …,
   a small bilingual glossary) are taken out of the name and kept as its *kinds*. Two names
   whose kinds are both given and share none are different (a university is not a hospital).
3. The rest, the **core**, is turned into a sound skeleton: consonant classes only (K T P S J L M
   N), vowels dropped, doubled consonants merged. Hangul is read jamo by jamo (final ㅅ is T,
   final ㅇ is N, ㄴ before ㄹ is L); Latin by English spelling rules (ph→P, c before e/i→S, z→J,
   r not before a vowel dropped, as Korean loanwords drop it). Korean loanwords insert 으 after
   consonants and end English -r with 어: both are vowels, so the skeleton does not see them.
   크래프톤 and Krafton are both K L P T N; 팔란티어 and Palantir P L N T; 안두릴 and Anduril
   N T L L.
4. **Same name** when the cores are equal as written, or the skeletons are equal and long
   enough (≥ 3 classes, ≥ 4 across scripts), or they differ by one class and are long (≥ 6).

The romanisation itself (:func:`romanise`, Revised Romanisation without the pronunciation
rules) is for display. The issue-16 prototype measured ``korean-romanizer`` and ``anyascii``
against this skeleton on entities.yaml (docs/dedup.md): neither found more names, so
kaiwatch needs no romanisation dependency.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["core_and_kinds", "name_key", "romanise", "same_name", "skeleton", "skeletons"]

# Precomposed syllables only: the jamo arithmetic below reads nothing else.
HANGUL = re.compile("[\uac00-\ud7a3]")

# -- Hangul -----------------------------------------------------------------------------------

_INITIALS_RR = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_MEDIALS_RR = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_FINALS_RR = [
    "",
    "k",
    "k",
    "k",
    "n",
    "n",
    "n",
    "t",
    "l",
    "k",
    "m",
    "l",
    "l",
    "l",
    "p",
    "l",
    "m",
    "p",
    "p",
    "t",
    "t",
    "ng",
    "t",
    "t",
    "k",
    "t",
    "p",
    "t",
]

# consonant classes of the jamo (initial and final position)
_INITIAL_CLS = [
    "K",
    "K",
    "N",
    "T",
    "T",
    "L",
    "M",
    "P",
    "P",
    "S",
    "S",
    "",
    "J",
    "J",
    "J",
    "K",
    "T",
    "P",
    "",
]
_FINAL_CLS = [
    "",
    "K",
    "K",
    "K",
    "N",
    "N",
    "N",
    "T",
    "L",
    "K",
    "M",
    "L",
    "L",
    "L",
    "P",
    "L",
    "M",
    "P",
    "P",
    "T",
    "T",
    "N",
    "T",
    "T",
    "K",
    "T",
    "P",
    "T",
]


def _jamo(ch: str) -> tuple[int, int, int]:
    code = ord(ch) - 0xAC00
    return code // 588, (code % 588) // 28, code % 28


def romanise(text: str) -> str:
    """Revised Romanisation, letter by letter (no sound changes): 크래프톤 → keuraepeuton."""
    out = []
    for ch in text:
        if HANGUL.match(ch):
            i, m, f = _jamo(ch)
            out.append(_INITIALS_RR[i].strip("-") + _MEDIALS_RR[m] + _FINALS_RR[f])
        else:
            out.append(ch)
    return "".join(out)


def _hangul_classes(word: str) -> list[str]:
    """Consonant classes with '.' for vowels; ㄴ+ㄹ and ㄹ+ㄴ read as ㄹㄹ."""
    syllables = [_jamo(ch) for ch in word]
    out: list[str] = []
    for k, (i, _m, f) in enumerate(syllables):
        initial = _INITIAL_CLS[i]
        if k > 0 and initial == "N" and syllables[k - 1][2] == 8:  # ㄹ + ㄴ
            initial = "L"
        out += [initial, "."] if initial else ["."]
        final = _FINAL_CLS[f]
        if (
            final == "N" and f == 4 and k + 1 < len(syllables) and syllables[k + 1][0] == 5
        ):  # ㄴ + ㄹ
            final = "L"
        if final:
            out.append(final)
    return out


# -- Latin ------------------------------------------------------------------------------------

_LATIN_RULES = [  # (pattern, class); tried in order at each position
    ("tch", "J"),
    ("sch", "S"),
    ("ph", "P"),
    ("th", "T"),
    ("sh", "S"),
    ("ch", "J"),
    ("ck", "K"),
    ("gh", ""),
    ("qu", "K"),
    ("ng", "N"),
    ("x", "KS"),
]
_LATIN_SINGLE = {
    "b": "P", "p": "P", "f": "P", "v": "P",
    "d": "T", "t": "T",
    "g": "K", "k": "K", "q": "K",
    "s": "S", "z": "J", "j": "J",
    "l": "L", "r": "L", "m": "M", "n": "N",
    "h": "", "w": ".",
}  # fmt: skip
_VOWELS = set("aeiouy")


_LETTER_NAMES = {  # how Korean reads a capital letter of an acronym (KT = 케이티, LG = 엘지)
    "a": ".", "b": "P.", "c": "S.", "d": "T.", "e": ".", "f": ".PP", "g": "J.", "h": ".J", "i": ".",
    "j": "J.", "k": "K.", "l": ".L", "m": ".M", "n": ".N", "o": ".", "p": "P.", "q": "K.", "r": ".L",
    "s": ".S", "t": "T.", "u": ".", "v": "P.", "w": "T.P.L.", "x": ".KS", "y": ".", "z": "J.T.",
}  # fmt: skip


def _latin_classes(word: str, choice: int = 0) -> list[str]:
    """English spelling read as Korean loanwords read it; ``choice`` picks the other reading of
    the ambiguous letters (ch as K, g before e/i as J, z as S, th as S) bit by bit, and bit 7
    drops a plural s (Rebellions → 리벨리온; not in acronyms: SDS is not SD)."""
    if word.isupper():
        choice &= ~128
    word = word.lower()
    out: list[str] = []
    i = 0
    ambiguous = 0

    def pick(first: str, second: str) -> str:
        nonlocal ambiguous
        bit = (choice >> ambiguous) & 1
        ambiguous += 1
        return second if bit else first

    while i < len(word):
        ch = word[i]
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if ch in _VOWELS:
            out.append(".")
            i += 1
            continue
        if ch.isdigit():
            out.append(ch)
            i += 1
            continue
        if word.startswith("ch", i) and not word.startswith("tch", i):
            out.append(pick("J", "K"))
            i += 2
            continue
        if word.startswith("th", i):
            out.append(pick("T", "S"))
            i += 2
            continue
        for pat, cls in _LATIN_RULES:
            if word.startswith(pat, i):
                out += list(cls)
                i += len(pat)
                break
        else:
            if ch == "c":
                out.append("S" if nxt and nxt in "eiy" else "K")
            elif ch == "g" and nxt and nxt in "eiy":
                out.append(pick("K", "J"))
            elif ch == "z":
                out.append(pick("J", "S"))
            elif (
                ch == "r"
                and i > 0
                and word[i - 1] in _VOWELS
                and (
                    not nxt
                    or nxt not in _VOWELS
                    or (nxt == "e" and (i + 2 >= len(word) or word[i + 2] not in _VOWELS))
                )
            ):
                pass  # Korean loanwords drop an r no vowel follows (Palantir → 팔란티어, core → 코어)
            elif _LATIN_SINGLE.get(ch):
                out.append(_LATIN_SINGLE[ch])
            i += 1
    if (
        len(word) >= 5
        and out[-1:] == ["S"]
        and word.endswith("s")
        and not word.endswith("ss")
        and choice >> 7 & 1
    ):
        out.pop()  # the English plural: Rebellions → 리벨리온
    return out


def _acronym_classes(word: str) -> list[str]:
    return [c for letter in word.lower() for c in _LETTER_NAMES.get(letter, ".")]


def _collapse(classes: list[str]) -> str:
    """Merge a class repeated with no vowel between (tt, ㄹㄹ), then drop the vowels."""
    merged: list[str] = []
    for c in classes:
        if c != "." and merged and merged[-1] == c:
            continue
        merged.append(c)
    return "".join(c for c in merged if c != ".")


def skeletons(text: str, limit: int = 16) -> frozenset[str]:
    """Every reading of a name's sound skeleton: 크래프톤 and Krafton → {KLPTN}.

    Latin words have their ambiguous letters read both ways (a few at most), a plural s with
    and without, and an acronym of capitals (2–5 letters: KT, LG, CNS) also as its letter names.
    """
    runs = re.findall(r"[\uac00-\ud7a3]+|[A-Za-z]+|\d+", text)
    options: list[list[list[str]]] = []
    for run in runs:
        if HANGUL.match(run):
            options.append([_hangul_classes(run)])
        elif run.isdigit():
            options.append([list(run)])
        else:
            readings = {tuple(_latin_classes(run, c)) for c in (0, 1, 2, 3, 128, 129)}
            if (run.isupper() and 2 <= len(run) <= 5) or (
                len(run) <= 3 and not re.search("[aeiouy]", run, re.I)
            ):
                readings.add(tuple(_acronym_classes(run)))
            options.append([list(r) for r in sorted(readings)])
    out: set[str] = set()

    def walk(k: int, acc: list[str]) -> None:
        if len(out) >= limit:
            return
        if k == len(options):
            out.add(_collapse(acc))
            return
        for reading in options[k]:
            walk(k + 1, acc + reading + ["."])

    walk(0, [])
    return frozenset(out)


def skeleton(text: str) -> str:
    """The first reading of :func:`skeletons` (for display)."""
    return min(skeletons(text), key=lambda s: (len(s), s), default="")


# -- generic words ----------------------------------------------------------------------------

# kind → (English words, Korean endings). Korean names run words together, so Korean words are
# taken off the end of the name (repeatedly); English words anywhere.
GLOSSARY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "university": (("university", "univ", "college"), ("대학교", "대학", "대")),
    "hospital": (("hospital", "medical center", "medical centre"), ("병원", "의료원")),
    "institute": (
        (
            "institute",
            "research institute",
            "research center",
            "research centre",
            "laboratory",
            "laboratories",
        ),
        ("연구소", "연구원", "연구센터", "연구실"),
    ),
    "group": (("group", "holdings"), ("그룹", "홀딩스", "지주")),
    "electronics": (("electronics",), ("전자",)),
    "bank": (("bank",), ("은행",)),
    "securities": (("securities",), ("증권",)),
    "foundation": (("foundation",), ("재단",)),
    "association": (("association", "federation", "society"), ("협회", "연합회", "학회")),
    "city": (("city", "metropolitan city", "city hall"), ("광역시", "특별시", "시청", "시")),
    "province": (("province", "provincial government"), ("도청", "도")),
    "industries": (("industries", "industry", "heavy industries"), ("산업", "중공업")),
    "fund": (("fund",), ("펀드",)),
    "ventures": (
        ("ventures", "venture capital", "capital", "investment", "investments", "partners"),
        ("벤처스", "캐피탈", "인베스트먼트", "투자", "파트너스"),
    ),
    "agency": (("agency", "administration", "authority"), ("청",)),
    "technology": (("technologies", "technology"), ("테크놀로지스", "테크놀로지", "테크놀러지")),
}
_CORP_WORDS = (
    "inc",
    "corp",
    "corporation",
    "co",
    "ltd",
    "llc",
    "plc",
    "gmbh",
    "ag",
    "company",
    "the",
    "of",
    "and",
    "&",
    "for",
)
_EN_KIND = sorted(((w, k) for k, (en, _) in GLOSSARY.items() for w in en), key=lambda x: -len(x[0]))
_KO_KIND = sorted(((w, k) for k, (_, ko) in GLOSSARY.items() for w in ko), key=lambda x: -len(x[0]))
_KO_PARTICLES = (
    "으로부터",
    "로부터",
    "에서는",
    "에서",
    "과의",
    "와의",
    "와",
    "과",
    "는",
    "은",
    "이",
    "가",
    "를",
    "을",
    "의",
    "에",
    "도",
    "로",
    "으로",
)
_KO_MARKS = re.compile(r"\(주\)|㈜|주식회사")


def _normalise(name: str) -> str:
    key = unicodedata.normalize("NFKC", name).replace("’", "'")
    key = _KO_MARKS.sub(" ", key)
    key = re.sub(r"'s\b", "", key)
    key = re.sub(r"[^\w&+ ]+", " ", key)
    return re.sub(r"\s+", " ", key).strip()  # case kept: an acronym (SDS) reads as its letters


@lru_cache(maxsize=20000)
def core_and_kinds(name: str) -> tuple[str, frozenset[str]]:
    """The distinctive part of a name and the kinds of its generic words.

    "University of Toronto" → ("toronto", {university}); "한림대학교" → ("한림", {university}).
    A name that is nothing but a generic word keeps it as its core.
    """
    key = _normalise(name)
    kinds: set[str] = set()
    words = key.split(" ")
    # English generic words, longest phrases first (compared in lower case, the rest keeps its case)
    lower = [w.casefold() for w in words]
    for phrase, kind in _EN_KIND:
        parts = phrase.split(" ")
        for i in range(len(lower) - len(parts) + 1):
            if lower[i : i + len(parts)] == parts:
                del lower[i : i + len(parts)], words[i : i + len(parts)]
                kinds.add(kind)
                break
    words = [w for w in words if w.casefold() not in _CORP_WORDS]
    # Korean endings, off the end of the last Hangul word (and particles first)
    if words and HANGUL.search(words[-1]):
        last = words[-1]
        for _ in range(3):
            for particle in _KO_PARTICLES:
                if (
                    last.endswith(particle)
                    and len(last) - len(particle) >= 2
                    and not any(last.endswith(w) for w, _ in _KO_KIND if len(w) > 1)
                ):
                    last = last[: -len(particle)]
                    break
            for word, kind in _KO_KIND:
                if last.endswith(word) and len(last) - len(word) >= 2:
                    last = last[: -len(word)]
                    kinds.add(kind)
                    break
            else:
                break
        words[-1] = last
    core = "".join(words) if any(HANGUL.search(w) for w in words) else " ".join(words)
    if not core.strip():
        core = key
    return core, frozenset(kinds)


def name_key(name: str) -> str:
    """A comparison key for exact lookups: the core without spaces, case-folded."""
    return core_and_kinds(name)[0].replace(" ", "").casefold()


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (short strings)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _sorted_words(core: str) -> str:
    return " ".join(sorted(core.split()))


@lru_cache(maxsize=50000)
def same_name(a: str, b: str) -> bool:
    """Whether two surface names (either script) name one organisation, by spelling and sound.

    Rules (each one line in the README, ``N*``):
    N3 equal cores (word order free); N4 equal skeletons (≥ 3 classes, ≥ 4 across scripts);
    N5 skeletons one class apart when both are ≥ 6 classes and neither name has an acronym;
    never when both names give kinds and the kinds differ (N6).
    """
    core_a, kinds_a = core_and_kinds(a)
    core_b, kinds_b = core_and_kinds(b)
    if kinds_a and kinds_b and not kinds_a & kinds_b:
        return False
    if (
        _sorted_words(core_a.casefold()) == _sorted_words(core_b.casefold())
        or core_a.replace(" ", "").casefold() == core_b.replace(" ", "").casefold()
    ):
        return True
    cross = bool(HANGUL.search(core_a)) != bool(HANGUL.search(core_b))
    ska, skb = skeletons(core_a), skeletons(core_b)
    acronym = bool(
        re.search(r"\b[A-Z0-9&]{2,5}\b", f"{core_a} {core_b}")
    )  # N5 never: SDS is not SDI
    for x in ska:
        for y in skb:
            if not x or not y or re.sub(r"\D", "", x) != re.sub(r"\D", "", y):
                continue
            if x == y and len(x) >= MIN_EQUAL[cross]:
                return True
            if min(len(x), len(y)) >= MIN_FUZZY and not acronym and _distance(x, y) <= 1:
                return True
    return False


#: The shortest skeleton two names may share to be one (same script, across scripts), and the
#: shortest that may differ by one class. Measured by the issue-16 prototype on entities.yaml.
MIN_EQUAL = {False: 3, True: 3}
MIN_FUZZY = 6
