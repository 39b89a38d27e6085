"""Near-duplicate fingerprints: the same story, however many outlets run it.

A syndicated copy keeps most of its source's sentences but changes the
headline, trims or extends the lead, adds a byline and sits in other page
furniture. :func:`fingerprint` turns an article into a MinHash signature
(datasketch) over shingles that suit its language; the archive cuts the
signature into locality-sensitive-hashing bands (:func:`storage.neardup.band_keys`)
to find candidates with a few indexed look-ups; and
:func:`same_story` verifies a candidate before the two are linked.

Every parameter below was chosen on measured pairs: ``docs/dedup.md`` gives
the figures and ``bench/dedup_eval.py`` reproduces them. Changing any of them
changes every signature or band key: rebuild the index (``kaiwatch reindex``).
This module is pure: no SQL, no Prefect, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from flows.core import models
from flows.core.models import Fingerprint
from flows.core.text import HANGUL

__all__ = [
    "CONTAINMENT_THRESHOLD",
    "EN_SHINGLE_WORDS",
    "JACCARD_FLOOR",
    "KO_SHINGLE_CHARS",
    "MIN_SHINGLES",
    "NUM_PERM",
    "SEED",
    "Fingerprint",
    "estimate_containment",
    "estimate_jaccard",
    "fingerprint",
    "normalize_text",
    "same_story",
    "shingle_set",
]

# The figures in these comments come from ``bench/dedup_eval.py --sweep``: exact
# shingle sets of the fixture pairs (tests/fixtures/neardup) and news-dev.
#
# Korean (and other scripts written without spaces between words): character
# n-grams over the text with whitespace removed. Particles and endings attach
# to words (삼성전자와 / 삼성전자가), so a word shingle breaks on every edited
# particle; a 4-character window still matches on either side of the edit.
# 4 leaves the widest gap between the weakest syndicated pair and the strongest
# different-story pair (containment 0.78 vs 0.58; 3: 0.81 vs 0.65, 5: 0.76 vs
# 0.57, 6: 0.75 vs 0.56).
KO_SHINGLE_CHARS = 4
# English: word 3-grams. 2, 3 and 4 words leave the same gap (0.20), but word
# pairs make unrelated articles of one beat three times as similar (news-dev
# Jaccard p99 0.048 vs 0.016), which multiplies spurious LSH candidates by
# about 80 (the chance grows with J**4).
EN_SHINGLE_WORDS = 3
# Fewer shingles than this and one edited word moves the estimates by 10 % or
# more: such a text (a teaser, a headline-only item) gets no fingerprint.
MIN_SHINGLES = 30

# 256 permutations: the estimate's standard error at the threshold is about
# 0.03. Over 20 seeds on the fixtures, 256 permutations (64 bands of 4)
# grouped 99.6 % of the syndicated pairs (worst seed 97.3 %) and merged no
# different-story pair; 128 (32 bands of 4) grouped 97.0 % (worst 90.7 %)
# and merged 0.25 pairs per seed (template columns, 0.63 exactly, crossing
# 0.7). A signature is 1 KiB.
NUM_PERM = models.NUM_PERM  # the record checks its signature against it
# Same story when the smaller article is mostly contained in the larger one:
# syndicated copies (trimmed, extended, re-bylined, copy-edited) measure 0.78
# and above on the fixtures, template columns and press-release templates 0.63
# and below (English) and 0.58 and below (Korean).
CONTAINMENT_THRESHOLD = 0.7
# ... and they share at least this much of their union, so that a long
# round-up quoting a short brief in full does not join the brief's story. The
# syndicated fixtures measure 0.43 and above.
JACCARD_FLOOR = 0.3
# The permutations' seed: part of every signature, like the parameters above.
SEED = 1

_CHAR_LANGS = frozenset({"ko", "ja", "zh"})
_URL = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
# 2조 4000억, 1.8조, 1천억, 90만: one number written with Korean units.
_KO_NUMBER = re.compile(
    r"(?:\d+(?:\.\d+)?천?[조억만]\s?)+(?:\d+(?:\.\d+)?천?(?![\d.]))?|\d+(?:\.\d+)?천"
)
_KO_PART = re.compile(r"(\d+(?:\.\d+)?)(천)?([조억만])?")
_KO_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4}
_EN_NUMBER = re.compile(
    r"(\d+(?:\.\d+)?)\s?(thousand|million|mln|billion|bln|bn|trillion|tln|tn)\b"
)
_EN_SCALES = {
    "thousand": 10**3, "million": 10**6, "mln": 10**6, "billion": 10**9, "bln": 10**9,
    "bn": 10**9, "trillion": 10**12, "tln": 10**12, "tn": 10**12,
}  # fmt: skip
_NON_WORD = re.compile(r"[\W_]+")
_LATIN = re.compile(r"[a-zA-Z]")


def normalize_text(text: str) -> str:
    """Fold what differs between copies of one text: case, width, punctuation, numbers.

    Full-width forms become ASCII (NFKC), URLs and e-mail addresses go,
    ``1,000`` becomes ``1000``, and an amount written with units becomes
    digits (``2조 4,000억`` and ``2.4조`` → ``2400000000000``; ``100 bln``
    and ``100 billion`` → ``100000000000``). Words are separated by single
    spaces.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(" ", text)
    text = _THOUSANDS.sub("", text)
    text = _KO_NUMBER.sub(_korean_amount, text)
    text = _EN_NUMBER.sub(_english_amount, text)
    return _NON_WORD.sub(" ", text).strip()


def shingle_set(text: str, lang: str | None) -> set[str]:
    """The shingles :func:`fingerprint` hashes: n-grams of the normalised text.

    Korean (and Japanese, Chinese): :data:`KO_SHINGLE_CHARS`-character
    n-grams with whitespace removed; other languages:
    :data:`EN_SHINGLE_WORDS`-word n-grams.
    """
    normalized = normalize_text(text)
    if _char_shingled(_language(lang, text)):
        chars = normalized.replace(" ", "")
        n = KO_SHINGLE_CHARS
        return {chars[i : i + n] for i in range(len(chars) - n + 1)}
    words = normalized.split()
    n = EN_SHINGLE_WORDS
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def fingerprint(title: str, text: str, lang: str | None) -> Fingerprint | None:
    """Build the near-duplicate fingerprint of an article, or None if it is too short.

    Only the text is shingled: copies rewrite headlines and template columns
    reuse them. The title helps detect the language when ``lang`` is None.

    :param lang: the article's language (``en``, ``ko``, …); None to detect
        Korean by its script.
    """
    lang = _language(lang, f"{title}\n{text}")
    shingles = shingle_set(text, lang)
    if len(shingles) < MIN_SHINGLES:
        return None
    return Fingerprint(_signature(shingles), len(shingles), lang)


def estimate_jaccard(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated Jaccard similarity |A∩B|/|A∪B| of the two shingle sets.

    The share of permutations whose minima agree, as datasketch's
    ``MinHash.jaccard`` computes it.
    """
    return float(np.count_nonzero(a.hashvalues() == b.hashvalues())) / NUM_PERM


def estimate_containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller shingle set found in the larger one.

    |A∩B| = J·(|A|+|B|)/(1+J), divided by min(|A|, |B|): close to 1 for a
    trimmed copy of a longer article, whose Jaccard is only its length ratio.
    """
    return _containment(a, b, estimate_jaccard(a, b))


def same_story(a: Fingerprint, b: Fingerprint) -> tuple[bool, float]:
    """Decide whether two articles are copies of one story; also return the score.

    Same story when the estimated containment reaches
    :data:`CONTAINMENT_THRESHOLD` and the estimated Jaccard
    :data:`JACCARD_FLOOR`. The score is the estimated containment. Articles
    shingled in different ways (Korean and English) are never the same here:
    text similarity cannot link a story across languages.
    """
    if _char_shingled(a.lang) != _char_shingled(b.lang):
        return False, 0.0
    jaccard = estimate_jaccard(a, b)
    containment = _containment(a, b, jaccard)
    return containment >= CONTAINMENT_THRESHOLD and jaccard >= JACCARD_FLOOR, containment


def _containment(a: Fingerprint, b: Fingerprint, jaccard: float) -> float:
    common = jaccard * (a.shingles + b.shingles) / (1 + jaccard)
    return min(1.0, common / min(a.shingles, b.shingles))


def _language(lang: str | None, text: str) -> str:
    if lang:
        return lang.strip().lower().split("-")[0].split("_")[0]
    hangul = len(HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return "ko" if hangul and hangul >= 0.3 * (hangul + latin) else "en"


def _char_shingled(lang: str) -> bool:
    return lang in _CHAR_LANGS


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The fixed permutations (seeded), generated once per process."""
    permutations: tuple[np.ndarray, np.ndarray] = MinHash(
        num_perm=NUM_PERM, seed=SEED, scheme="affine32"
    ).permutations
    return permutations


def _signature(shingles: set[str]) -> bytes:
    minhash = MinHash(num_perm=NUM_PERM, permutations=_permutations(), scheme="affine32")
    minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
    signature: bytes = minhash.hashvalues.astype("<u4").tobytes()
    return signature


def _korean_amount(match: re.Match[str]) -> str:
    total = Decimal(0)
    for part in _KO_PART.finditer(match.group(0)):
        value = Decimal(part.group(1))
        if part.group(2):
            value *= 1000
        if part.group(3):
            value *= _KO_UNITS[part.group(3)]
        total += value
    return str(int(total))


def _english_amount(match: re.Match[str]) -> str:
    return str(int(Decimal(match.group(1)) * _EN_SCALES[match.group(2)]))
