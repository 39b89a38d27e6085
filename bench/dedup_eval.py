"""Measure near-duplicate decisions: precision and recall of "same story".

Usage::

    .venv/bin/python bench/dedup_eval.py [--corpus PATH] [--fixtures DIR] [--verbose] [--json OUT]

Two sets of labelled pairs:

* ``tests/fixtures/neardup/*.jsonl``: pairs written for kaiwatch, each with
  ``same_story`` true (a syndicated copy: new headline, trimmed or extended
  lead, byline, other furniture, copy edits) or false (hard negatives: same
  company and a different deal, one template column on different weeks,
  one press-release template for different companies, a follow-up).
* ``../shared/corpus/news-dev.jsonl``: real articles with ``dup_group``
  labels. Every pair within a group is positive and every pair across groups
  negative (articles without a group are groups of one). Korean–English pairs
  of one group are counted apart: text similarity cannot link them (a later
  issue links stories by their events).

A pair is grouped "end to end" when the two fingerprints share at least one
LSH band (so that :func:`storage.neardup.find_candidates` would return one for
the other) and :func:`flows.analysis.neardup.same_story` accepts it; "verification
only" skips the band condition. Prints markdown tables; ``--verbose`` lists
every positive pair with its scores; ``--sweep`` adds the measurements behind
the parameters (other shingle sizes on exact sets; other signature sizes and
bands over twenty seeds); ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from flows.analysis import neardup  # noqa: E402
from flows.analysis.neardup import (  # noqa: E402
    CONTAINMENT_THRESHOLD,
    JACCARD_FLOOR,
    Fingerprint,
    estimate_jaccard,
    fingerprint,
    same_story,
    shingle_set,
)
from storage.neardup import band_keys  # noqa: E402

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "news-dev.jsonl"
DEFAULT_FIXTURES = REPO / "tests" / "fixtures" / "neardup"


@dataclass(frozen=True)
class Pair:
    """Two articles, whether they are one story, and what kind of pair they are."""

    name: str
    lang: str
    same: bool
    kind: str
    a: Fingerprint | None
    b: Fingerprint | None


@dataclass(frozen=True)
class Decision:
    """What kaiwatch decides for one pair, and the scores behind it."""

    pair: str
    same: bool
    candidate: bool
    verified: bool
    jaccard: float
    containment: float

    @property
    def grouped(self) -> bool:
        return self.candidate and self.verified


@dataclass
class Tally:
    """Confusion counts of one set of pairs."""

    name: str
    positives: int = 0
    negatives: int = 0
    true_positives: int = 0
    false_positives: int = 0
    verified_positives: int = 0
    verified_false_positives: int = 0
    misses: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)

    def add(self, decision: Decision) -> None:
        if decision.same:
            self.positives += 1
            self.true_positives += decision.grouped
            self.verified_positives += decision.verified
            if not decision.grouped:
                self.misses.append(decision.pair)
        else:
            self.negatives += 1
            self.false_positives += decision.grouped
            self.verified_false_positives += decision.verified
            if decision.grouped:
                self.merged.append(decision.pair)

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else float("nan")

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else float("nan")


def decide(pair: Pair) -> Decision:
    """Run the candidate test (shared band) and the verification on one pair."""
    if pair.a is None or pair.b is None:  # too short to fingerprint: never grouped
        return Decision(pair.name, pair.same, False, False, 0.0, 0.0)
    candidate = bool(set(band_keys(pair.a)) & set(band_keys(pair.b)))
    verified, containment = same_story(pair.a, pair.b)
    return Decision(
        pair.name, pair.same, candidate, verified, estimate_jaccard(pair.a, pair.b), containment
    )


def load_fixture_rows(folder: Path) -> list[dict[str, Any]]:
    """The hand-written pairs in ``folder/*.jsonl``, as stored."""
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def load_fixture_pairs(folder: Path) -> list[Pair]:
    """The hand-written pairs, fingerprinted."""
    return [
        Pair(
            row["id"],
            row["lang"],
            bool(row["same_story"]),
            row["kind"],
            fingerprint(row["a"]["title"], row["a"]["text"], row["lang"]),
            fingerprint(row["b"]["title"], row["b"]["text"], row["lang"]),
        )
        for row in load_fixture_rows(folder)
    ]


def load_corpus_pairs(path: Path) -> tuple[list[Pair], list[Pair]]:
    """news-dev's pairs: (same-language pairs, Korean–English pairs of one group)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    prints = {row["id"]: fingerprint(row["title"], row["text"], row["lang"]) for row in rows}
    same_language: list[Pair] = []
    cross_language: list[Pair] = []
    for a, b in itertools.combinations(rows, 2):
        same = a["dup_group"] is not None and a["dup_group"] == b["dup_group"]
        pair = Pair(
            f"{a['id']} / {b['id']}",
            a["lang"] if a["lang"] == b["lang"] else f"{a['lang']}+{b['lang']}",
            same,
            a["dup_group"] or "",
            prints[a["id"]],
            prints[b["id"]],
        )
        if a["lang"] == b["lang"]:
            same_language.append(pair)
        elif same:
            cross_language.append(pair)
    return same_language, cross_language


def tally(name: str, decisions: list[Decision]) -> Tally:
    result = Tally(name)
    for decision in decisions:
        result.add(decision)
    return result


@contextmanager
def _shingle_sizes(ko: int, en: int) -> Iterator[None]:
    """Shingle with other sizes for a while (the module reads them at each call)."""
    saved = neardup.KO_SHINGLE_CHARS, neardup.EN_SHINGLE_WORDS
    neardup.KO_SHINGLE_CHARS, neardup.EN_SHINGLE_WORDS = ko, en
    try:
        yield
    finally:
        neardup.KO_SHINGLE_CHARS, neardup.EN_SHINGLE_WORDS = saved


def _exact(a: set[str], b: set[str]) -> tuple[float, float]:
    common = len(a & b)
    return common / len(a | b), common / min(len(a), len(b))


def sweep_shingles(rows: list[dict[str, Any]], corpus: list[dict[str, Any]]) -> None:
    """Exact (not estimated) scores for other shingle sizes: the gap the threshold sits in."""
    print("\n### Shingle size (exact shingle sets, no MinHash)\n")
    print(
        "| lang | n | weakest syndicated containment | strongest different-story containment "
        "| gap | news-dev unrelated pairs: Jaccard p99 |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for lang, sizes in (("ko", (3, 4, 5, 6)), ("en", (2, 3, 4))):
        for n in sizes:
            with _shingle_sizes(n if lang == "ko" else 4, n if lang == "en" else 3):
                scores = [
                    (
                        row["same_story"],
                        *_exact(
                            shingle_set(row["a"]["text"], lang), shingle_set(row["b"]["text"], lang)
                        ),
                    )
                    for row in rows
                    if row["lang"] == lang
                ]
                sets = [(r, shingle_set(r["text"], lang)) for r in corpus if r["lang"] == lang]
            background = sorted(
                _exact(a, b)[0]
                for (ra, a), (rb, b) in itertools.combinations(sets, 2)
                if not (ra["dup_group"] and ra["dup_group"] == rb["dup_group"])
            )
            weakest = min(c for same, _, c in scores if same)
            strongest = max(c for same, _, c in scores if not same)
            p99 = background[int(0.99 * len(background))] if background else float("nan")
            print(
                f"| {lang} | {n} | {weakest:.3f} | {strongest:.3f} | {weakest - strongest:.3f} | {p99:.3f} |"
            )


def sweep_minhash(rows: list[dict[str, Any]], seeds: int = 20) -> None:
    """End-to-end results on the fixtures for other signature sizes and bands, over seeds."""
    from datasketch import MinHash

    print(f"\n### Permutations and bands (fixtures, end to end, {seeds} seeds)\n")
    print(
        "| permutations | bands × rows | recall, mean | recall, worst seed | merged, mean "
        "| merged, worst seed | verification alone: merged, mean / worst |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    sides = [(row["lang"], row[side]["text"]) for row in rows for side in ("a", "b")]
    shingles = {key: shingle_set(key[1], key[0]) for key in dict.fromkeys(sides)}
    positives = sum(row["same_story"] for row in rows)
    for num_perm, bands, rows_per_band in ((128, 32, 4), (192, 48, 4), (256, 64, 4), (256, 51, 5)):
        recalls, merges, verified_merges = [], [], []
        for seed in range(1, seeds + 1):
            signature = {}
            for key, values in shingles.items():
                minhash = MinHash(num_perm=num_perm, seed=seed)
                minhash.update_batch([v.encode("utf-8") for v in values])
                signature[key] = minhash.hashvalues
            found = merged = verified_merged = 0
            for row in rows:
                a, b = (row["lang"], row["a"]["text"]), (row["lang"], row["b"]["text"])
                sa, sb = signature[a], signature[b]
                r = rows_per_band
                candidate = any(
                    np.array_equal(sa[i * r : (i + 1) * r], sb[i * r : (i + 1) * r])
                    for i in range(bands)
                )
                jaccard = float(np.mean(sa == sb))
                na, nb = len(shingles[a]), len(shingles[b])
                containment = min(1.0, jaccard * (na + nb) / (1 + jaccard) / min(na, nb))
                verified = containment >= CONTAINMENT_THRESHOLD and jaccard >= JACCARD_FLOOR
                grouped = candidate and verified
                found += grouped and row["same_story"]
                merged += grouped and not row["same_story"]
                verified_merged += verified and not row["same_story"]
            recalls.append(found / positives)
            merges.append(merged)
            verified_merges.append(verified_merged)
        print(
            f"| {num_perm} | {bands} × {rows_per_band} | {_pct(sum(recalls) / seeds)} | "
            f"{_pct(min(recalls))} | {sum(merges) / seeds:.2f} | {max(merges)} | "
            f"{sum(verified_merges) / seeds:.2f} / {max(verified_merges)} |"
        )


def sweep_background(corpus: list[dict[str, Any]]) -> None:
    """Spurious candidates: the band-collision chance of news-dev's unrelated pairs."""
    sets = [(row, shingle_set(row["text"], row["lang"])) for row in corpus]
    jaccards = [
        _exact(a, b)[0]
        for (ra, a), (rb, b) in itertools.combinations(sets, 2)
        if ra["lang"] == rb["lang"] and not (ra["dup_group"] and ra["dup_group"] == rb["dup_group"])
    ]
    if not jaccards:
        return
    print(
        f"\n### Spurious candidates ({len(jaccards):,} unrelated news-dev pairs, exact Jaccard)\n"
    )
    print("| bands × rows | mean chance a pair shares a band | per new article, archive of 1M |")
    print("|---:|---:|---:|")
    for bands, rows_per_band in ((32, 4), (64, 4), (51, 5)):
        chance = float(np.mean([1 - (1 - j**rows_per_band) ** bands for j in jaccards]))
        print(f"| {bands} × {rows_per_band} | {chance:.2e} | {chance * 1e6:.1f} |")


def _pct(value: float) -> str:
    return "-" if value != value else f"{100 * value:.1f} %"


def print_table(tallies: list[Tally]) -> None:
    print(
        "| pairs | positive | grouped (end to end) | recall | negative | merged | precision "
        "| verification only: grouped / merged |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for t in tallies:
        print(
            f"| {t.name} | {t.positives} | {t.true_positives} | {_pct(t.recall)} | "
            f"{t.negatives} | {t.false_positives} | {_pct(t.precision)} | "
            f"{t.verified_positives} / {t.verified_false_positives} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--verbose", action="store_true", help="list every positive pair")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--sweep", action="store_true", help="also compare other shingle sizes, permutations, bands"
    )
    args = parser.parse_args(argv)

    fixture_pairs = load_fixture_pairs(args.fixtures)
    fixture_decisions = [decide(pair) for pair in fixture_pairs]
    by_lang = {
        lang: [d for p, d in zip(fixture_pairs, fixture_decisions, strict=True) if p.lang == lang]
        for lang in sorted({p.lang for p in fixture_pairs})
    }
    tallies = [tally(f"fixtures {lang}", ds) for lang, ds in by_lang.items()]
    tallies.append(tally("fixtures, all", fixture_decisions))

    corpus_decisions: list[Decision] = []
    cross_decisions: list[Decision] = []
    corpus_pairs: list[Pair] = []
    if args.corpus.is_file():
        corpus_pairs, cross_pairs = load_corpus_pairs(args.corpus)
        corpus_decisions = [decide(pair) for pair in corpus_pairs]
        cross_decisions = [decide(pair) for pair in cross_pairs]
        for lang in ("en", "ko"):
            tallies.append(
                tally(
                    f"news-dev {lang}",
                    [
                        d
                        for p, d in zip(corpus_pairs, corpus_decisions, strict=True)
                        if p.lang == lang
                    ],
                )
            )
        tallies.append(tally("news-dev, same language", corpus_decisions))
        tallies.append(tally("news-dev, Korean–English (one group)", cross_decisions))
    else:
        print(f"(news-dev not found at {args.corpus}: fixtures only)\n")

    print_table(tallies)
    fixtures_all = tallies[len(by_lang)]
    print()
    print(
        f"Fixtures: missed {fixtures_all.misses or 'none'}; merged {fixtures_all.merged or 'none'}"
    )
    worst_negative = max(
        (d for d in fixture_decisions if not d.same), key=lambda d: d.containment, default=None
    )
    weakest_positive = min(
        (d for d in fixture_decisions if d.same), key=lambda d: d.containment, default=None
    )
    if worst_negative and weakest_positive:
        print(
            f"Fixtures: weakest positive {weakest_positive.pair} (containment "
            f"{weakest_positive.containment:.2f}, Jaccard {weakest_positive.jaccard:.2f}); "
            f"strongest negative {worst_negative.pair} (containment "
            f"{worst_negative.containment:.2f}, Jaccard {worst_negative.jaccard:.2f})"
        )
    if corpus_decisions:
        merged = [d.pair for d in corpus_decisions if not d.same and d.grouped]
        print(f"news-dev: merged {merged or 'none'}")
    if args.verbose:
        print("\n| positive pair | candidate | Jaccard | containment | grouped |")
        print("|---|---|---:|---:|---|")
        for d in sorted(
            (d for d in fixture_decisions + corpus_decisions + cross_decisions if d.same),
            key=lambda d: -d.containment,
        ):
            print(
                f"| {d.pair} | {'yes' if d.candidate else 'no'} | {d.jaccard:.2f} | "
                f"{d.containment:.2f} | {'yes' if d.grouped else 'no'} |"
            )
    if args.sweep:
        corpus = (
            [json.loads(line) for line in args.corpus.read_text("utf-8").splitlines() if line]
            if args.corpus.is_file()
            else []
        )
        sweep_shingles(load_fixture_rows(args.fixtures), corpus)
        sweep_background(corpus)
        sweep_minhash(load_fixture_rows(args.fixtures))
    if args.json:
        figures: dict[str, Any] = {
            t.name: {**asdict(t), "recall": t.recall, "precision": t.precision} for t in tallies
        }
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
