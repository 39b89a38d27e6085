"""Near-duplicate fingerprints (flows/analysis/neardup.py) on hand-written and real pairs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datasketch import MinHash

from flows.analysis.neardup import (
    CONTAINMENT_THRESHOLD,
    JACCARD_FLOOR,
    MIN_SHINGLES,
    NUM_PERM,
    SEED,
    Fingerprint,
    estimate_containment,
    estimate_jaccard,
    fingerprint,
    normalize_text,
    same_story,
    shingle_set,
)
from storage.neardup import BANDS, ROWS, band_keys

FIXTURES = Path(__file__).parent / "fixtures" / "neardup"
REPO = Path(__file__).resolve().parent.parent


@cache
def _pairs() -> dict[str, dict[str, Any]]:
    pairs: dict[str, dict[str, Any]] = {}
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                pairs[row["id"]] = row
    return pairs


def _prints(pair_id: str) -> tuple[Fingerprint, Fingerprint]:
    row = _pairs()[pair_id]
    a = fingerprint(row["a"]["title"], row["a"]["text"], row["lang"])
    b = fingerprint(row["b"]["title"], row["b"]["text"], row["lang"])
    assert a is not None and b is not None
    return a, b


def _grouped(a: Fingerprint, b: Fingerprint) -> bool:
    """End to end: a shared LSH band (the archive finds it) and verification."""
    return bool(set(band_keys(a)) & set(band_keys(b))) and same_story(a, b)[0]


SYNDICATED = sorted(k for k, row in _pairs().items() if row["same_story"])
DIFFERENT = sorted(k for k, row in _pairs().items() if not row["same_story"])

BRIEF = (
    "Kakao said on Tuesday it has signed a partnership with OpenAI to put ChatGPT "
    "features into KakaoTalk, the messenger most Koreans use every day. The two "
    "companies will also build AI products for the Korean market together, and Kakao "
    "will roll out ChatGPT Enterprise to its own staff this year, it said."
)


# -- the fixtures as a whole ----------------------------------------------------


def test_fixtures_have_enough_pairs() -> None:
    assert len(SYNDICATED) >= 40
    assert len(DIFFERENT) >= 40
    assert {row["lang"] for row in _pairs().values()} == {"en", "ko"}


def test_same_story_groups_at_least_95_percent_of_syndicated_pairs() -> None:
    missed = [pair_id for pair_id in SYNDICATED if not _grouped(*_prints(pair_id))]
    assert len(missed) <= 0.05 * len(SYNDICATED), missed


@pytest.mark.parametrize("pair_id", DIFFERENT)
def test_same_story_never_merges_different_stories(pair_id: str) -> None:
    a, b = _prints(pair_id)
    assert not same_story(a, b)[0]


# -- named cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    "pair_id",
    [
        "en-upstage-series-b-v1",  # Yonhap dateline, new headline, copy edits
        "en-exaone-3-open-v1",  # "By ..." byline, new headline
        "en-exaone-3-open-v2",  # extended lead, portal furniture
        "en-samsung-gauss-v1",  # wire byline, breadcrumbs and related links
    ],
)
def test_same_story_english_syndicated_copy(pair_id: str) -> None:
    a, b = _prints(pair_id)
    assert _grouped(a, b)


@pytest.mark.parametrize(
    "pair_id",
    [
        "ko-upstage-series-b-v1",  # (서울=연합뉴스) byline, 1,000억 원, 밝혔다 → 전했다
        "ko-ai-basic-act-v1",  # endings changed: 통과했다 → 통과했습니다, 됐다 → 되었다
        "ko-rebellions-sapeon-v2",  # 체결했다고 → 맺었다고, trimmed end
        "ko-kakao-openai-v1",  # particles and endings edited
    ],
)
def test_same_story_korean_rerun_with_particle_edits(pair_id: str) -> None:
    a, b = _prints(pair_id)
    assert _grouped(a, b)


def test_same_story_trimmed_copy_by_containment() -> None:
    # The copy keeps the first three of six paragraphs: Jaccard is about the
    # length ratio, containment sees that the copy is all in the original.
    a, b = _prints("en-kt-microsoft-v2")
    assert estimate_jaccard(a, b) < CONTAINMENT_THRESHOLD
    assert estimate_containment(a, b) >= CONTAINMENT_THRESHOLD
    same, score = same_story(a, b)
    assert same and score == estimate_containment(a, b)


@pytest.mark.parametrize(
    "pair_id",
    [
        "en-upstage-series-b--upstage-solar-pro",
        "en-rebellions-sapeon--rebellions-series-b",
        "ko-skt-anthropic--skt-perplexity",
        "ko-furiosa-meta--furiosa-lg",
    ],
)
def test_same_story_same_company_different_deal_is_not_same(pair_id: str) -> None:
    a, b = _prints(pair_id)
    assert not same_story(a, b)[0]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_same_story_weekly_column_with_fixed_template_is_not_same(lang: str) -> None:
    columns = [k for k in DIFFERENT if k.startswith(f"{lang}-weekly-column-")]
    assert len(columns) == 6
    for pair_id in columns:
        a, b = _prints(pair_id)
        assert not same_story(a, b)[0], pair_id


def test_same_story_round_up_quoting_a_brief_is_not_same() -> None:
    items = [
        "Naver opened a new data center in Sejong that it says will host most of its AI training.",
        "Samsung showed a smaller version of its Gauss model that runs on laptops without a network.",
        "LG Uplus said its call assistant now blocks suspected scam calls before they ring.",
        "Upstage signed three Japanese insurers as customers for its document reading tools.",
        "The science ministry picked five teams to build Korean foundation models with state GPUs.",
        "Rebellions began shipping its second chip to a cloud provider in the Middle East.",
        "KT opened a training center in Seoul for the AI specialists it plans to hire this year.",
    ]
    roundup = "\n".join(
        [
            "Here is what happened in Korean AI this week, in short items for busy readers.",
            *items[:3],
            BRIEF,
            *items[3:],
            "See you next week, and send us your tips.",
        ]
    )
    brief, digest = fingerprint("", BRIEF, "en"), fingerprint("", roundup, "en")
    assert brief is not None and digest is not None
    assert estimate_containment(brief, digest) >= CONTAINMENT_THRESHOLD
    assert estimate_jaccard(brief, digest) < JACCARD_FLOOR
    assert not same_story(brief, digest)[0]


def test_same_story_rerun_adding_nothing_scores_one() -> None:
    row = _pairs()["en-kakao-openai-v1"]
    a = fingerprint(row["a"]["title"], row["a"]["text"], "en")
    b = fingerprint("A new headline for the same text", row["a"]["text"], "en")
    assert a is not None and a == b
    assert same_story(a, b) == (True, 1.0)


def test_same_story_korean_and_english_versions_are_not_linked() -> None:
    ko = _pairs()["ko-kakao-openai-v1"]["a"]
    en = _pairs()["en-kakao-openai-v1"]["a"]
    a, b = fingerprint(ko["title"], ko["text"], "ko"), fingerprint(en["title"], en["text"], "en")
    assert a is not None and b is not None
    assert same_story(a, b) == (False, 0.0)


# -- normalisation and shingles -------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("KT will invest 2.4 trillion won", "KT will invest 2,400,000,000,000 won"),
        ("a 100 bln won round", "a 100 billion won round"),
        ("Samsung, LG & SK: “AI” (2025)!", "samsung lg sk ai 2025"),
        ("ＡＩ　ＳＴＡＲＴＵＰ　１２３", "AI startup 123"),
        ("2조 4,000억 원", "2.4조원"),
        ("1천억원", "1,000억 원"),
        ("월 90만장", "월 900,000장"),
        ("contact kim@example.co.kr or https://example.com/a?b=1 now", "contact or now"),
    ],
)
def test_normalize_text_folds_what_copies_change(one: str, other: str) -> None:
    assert normalize_text(one).replace(" ", "") == normalize_text(other).replace(" ", "")


def test_shingle_set_korean_is_characters_without_spaces() -> None:
    assert shingle_set("삼성전자와 네이버가", "ko") == {
        "삼성전자",
        "성전자와",
        "전자와네",
        "자와네이",
        "와네이버",
        "네이버가",
    }


def test_shingle_set_english_is_word_trigrams() -> None:
    assert shingle_set("Naver, Samsung and LG sign.", "en") == {
        "naver samsung and",
        "samsung and lg",
        "and lg sign",
    }


def test_fingerprint_ignores_how_numbers_and_particles_are_spaced() -> None:
    text = "업스테이지가 1000억원 규모의 투자를 유치했다. " * 5
    other = "업스테이지가 1,000억 원 규모의 투자를 유치했다. " * 5
    assert fingerprint("", text, "ko") == fingerprint("", other, "ko")


def test_fingerprint_of_a_short_text_is_none() -> None:
    assert fingerprint("Samsung unveils Gauss", "Samsung unveiled Gauss today.", "en") is None
    assert len(shingle_set("Samsung unveiled Gauss today.", "en")) < MIN_SHINGLES


def test_fingerprint_detects_korean_when_lang_is_none() -> None:
    row = _pairs()["ko-kakao-openai-v1"]["a"]
    fp = fingerprint(row["title"], row["text"], None)
    assert fp is not None and fp.lang == "ko"
    assert fp == fingerprint(row["title"], row["text"], "ko")


# -- signatures and band keys -----------------------------------------------------


def test_fingerprint_is_datasketch_minhash_and_round_trips() -> None:
    row = _pairs()["en-hyperclova-x-v1"]["a"]
    fp = fingerprint(row["title"], row["text"], "en")
    assert fp is not None
    assert len(fp.signature) == NUM_PERM * 4
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch([s.encode("utf-8") for s in shingle_set(row["text"], "en")])
    assert np.array_equal(fp.hashvalues(), minhash.hashvalues)
    copy = Fingerprint(bytes(bytearray(fp.signature)), fp.shingles, fp.lang)
    assert copy == fp and band_keys(copy) == band_keys(fp)
    assert fingerprint(row["title"], row["text"], "en") == fp


def test_fingerprint_rejects_a_signature_of_another_size() -> None:
    with pytest.raises(ValueError, match="kaiwatch reindex"):
        Fingerprint(b"\0" * 512, 100, "en")


def test_band_keys_are_signed_64_bit_one_per_band() -> None:
    a, _ = _prints("en-skt-anthropic-v1")
    keys = band_keys(a)
    assert [band for band, _ in keys] == list(range(BANDS))
    assert all(-(2**63) <= key < 2**63 for _, key in keys)
    assert len({key for _, key in keys}) == BANDS
    assert BANDS * ROWS <= NUM_PERM


def test_band_keys_match_when_one_band_matches() -> None:
    a, _ = _prints("en-skt-anthropic-v1")
    values = a.hashvalues().copy()
    values[ROWS:] += 1  # every band but the first changes
    b = Fingerprint(values.astype("<u4").tobytes(), a.shingles, a.lang)
    shared = set(band_keys(a)) & set(band_keys(b))
    assert [band for band, _ in shared] == [0]


def test_band_keys_are_stable_across_processes() -> None:
    row = _pairs()["ko-hyperclova-x-v1"]["a"]
    script = (
        "import json, sys; from flows.analysis.neardup import fingerprint; from storage.neardup import band_keys; "
        "row = json.load(sys.stdin); fp = fingerprint(row['title'], row['text'], 'ko'); "
        "print(json.dumps([fp.signature.hex(), band_keys(fp)]))"
    )
    here = fingerprint(row["title"], row["text"], "ko")
    assert here is not None
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(row),
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env=env,
        ).stdout
        signature, keys = json.loads(out)
        assert bytes.fromhex(signature) == here.signature
        assert [tuple(k) for k in keys] == band_keys(here)


# -- the shared corpus ----------------------------------------------------------------


def test_same_story_merges_no_different_stories_in_news_dev(shared_dir: Path) -> None:
    rows = [
        json.loads(line)
        for line in (shared_dir / "corpus" / "news-dev.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    prints = [(row, fingerprint(row["title"], row["text"], row["lang"])) for row in rows]
    merged = []
    for i, (row_a, a) in enumerate(prints):
        for row_b, b in prints[i + 1 :]:
            if (
                a is None
                or b is None
                or (row_a["dup_group"] and row_a["dup_group"] == row_b["dup_group"])
            ):
                continue
            if _grouped(a, b):
                merged.append((row_a["id"], row_b["id"]))
    assert merged == []
