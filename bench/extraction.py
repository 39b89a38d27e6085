"""Benchmark kaiwatch's extraction against bare trafilatura on extraction-dev.

Usage::

    .venv/bin/python bench/extraction.py [--corpus PATH] [--repeats N] [--json OUT]

The corpus defaults to ``../shared/corpus/extraction-dev`` beside the checkout.

For every page in ``<corpus>/html/*.html.gz`` that has an ``articleBody`` in
``<corpus>/ground-truth.json``, it runs, interleaved page by page over several
repeats:

* bare ``trafilatura.extract`` on the decoded page in each of its three modes:
  its defaults (the baseline every time is measured against),
  ``favor_precision=True`` and ``favor_recall=True``;
* :func:`flows.parse.extract.extract_article` on the page's bytes with each of those
  focuses underneath kaiwatch's cleaning; ``kaiwatch`` is the focus it uses by
  default (:data:`flows.parse.extract.DEFAULT_FOCUS`).

It scores every output against the ground truth the way the Scrapinghub
benchmark does:

* texts are split into ``\\w+`` tokens and cut into word 4-gram shingles;
* per page, true positives, false positives and false negatives are the
  shingle-count overlaps, normalised to sum to 1 (so long pages weigh the same);
* precision is averaged over the pages that predicted something, recall over
  the pages whose truth has text, and F1 is taken from the two averages.

Besides F1 on all pages it gives F1 on two fixed halves of them (pages in key
order, alternately to half A and half B): a rule that helps only one half is
fitted to its pages rather than general. It prints a markdown table with each
extractor's time as a ratio to bare trafilatura's defaults and, with
``--json``, writes the figures to a file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from flows.core.errors import ExtractError  # noqa: E402
from flows.parse.extract import DEFAULT_FOCUS, Focus, decode_html, extract_article  # noqa: E402

logger = logging.getLogger("bench.extraction")

# The team's shared corpus sits beside the checkout (tests/conftest.py honours the same variable).
SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "extraction-dev"
SHINGLE = 4
_TOKEN_RE = re.compile(r"\w+")

Scores = tuple[float, float, float]


@dataclass(frozen=True)
class Page:
    """One benchmark page: its raw bytes, the decoded text and the true body."""

    key: str
    content: bytes
    html: str
    truth: str


@dataclass(frozen=True)
class Result:
    """Quality and total time of one extractor over the corpus, and F1 on each half."""

    name: str
    pages: int
    precision: float
    recall: float
    f1: float
    f1_half_a: float
    f1_half_b: float
    seconds: float


def _shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN_RE.findall(text)
    if len(tokens) < SHINGLE:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def score_page(truth: str, predicted: str) -> Scores:
    """Return a page's (TP, FP, FN) over word 4-gram shingles, normalised to sum to 1."""
    true, pred = _shingles(truth), _shingles(predicted)
    tp = sum((true & pred).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def summarise(scores: list[Scores]) -> tuple[float, float, float]:
    """Average precision and recall over pages; return (precision, recall, F1)."""
    precisions = [tp / (tp + fp) for tp, fp, _ in scores if tp + fp > 0]
    recalls = [tp / (tp + fn) for tp, _, fn in scores if tp + fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_pages(corpus: Path) -> list[Page]:
    """Read the pages that have a ground-truth body."""
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((corpus / "html").glob("*.html.gz")):
        key = path.name.removesuffix(".html.gz")
        body = (truth.get(key) or {}).get("articleBody")
        if body is None:
            continue
        content = gzip.decompress(path.read_bytes())
        pages.append(Page(key, content, decode_html(content), body))
    return pages


def _bare(**options: bool) -> Callable[[Page], str]:
    """Bare trafilatura in one of its modes, on the decoded page."""

    def extract(page: Page) -> str:
        return trafilatura.extract(page.html, **options) or ""

    return extract


def _ours(focus: Focus) -> Callable[[Page], str]:
    """kaiwatch's whole extraction (decoding, trafilatura, cleaning) with ``focus`` underneath."""

    def extract(page: Page) -> str:
        try:
            return extract_article(page.content, focus=focus).text
        except ExtractError:
            return ""

    return extract


#: The baseline every time ratio is taken against.
BASELINE = "trafilatura default"
#: kaiwatch as it runs in the pipeline (its default focus).
KAIWATCH = "kaiwatch"
EXTRACTORS: dict[str, Callable[[Page], str]] = {
    BASELINE: _bare(),
    "trafilatura favor_precision": _bare(favor_precision=True),
    "trafilatura favor_recall": _bare(favor_recall=True),
    KAIWATCH: _ours(DEFAULT_FOCUS),
    **{
        f"kaiwatch on {focus}": _ours(focus)
        for focus in ("precision", "balanced", "recall")
        if focus != DEFAULT_FOCUS
    },
}


def run(pages: list[Page], repeats: int) -> list[Result]:
    """Time every extractor on every page, interleaved, and score the outputs."""
    seconds = dict.fromkeys(EXTRACTORS, 0.0)
    outputs: dict[str, list[str]] = {name: [] for name in EXTRACTORS}
    for page in pages[:3]:  # warm-up: imports, the language model, caches
        for extract in EXTRACTORS.values():
            extract(page)
    for round_ in range(repeats):
        for page in pages:
            # Alternate the order so neither extractor always runs on a warm cache.
            names = list(EXTRACTORS) if round_ % 2 == 0 else list(reversed(EXTRACTORS))
            for name in names:
                start = time.perf_counter()
                text = EXTRACTORS[name](page)
                seconds[name] += time.perf_counter() - start
                if round_ == 0:
                    outputs[name].append(text)
    results = []
    for name in EXTRACTORS:
        scores = [score_page(p.truth, text) for p, text in zip(pages, outputs[name], strict=True)]
        precision, recall, f1 = summarise(scores)
        results.append(
            Result(
                name,
                len(pages),
                precision,
                recall,
                f1,
                summarise(scores[0::2])[2],
                summarise(scores[1::2])[2],
                seconds[name] / repeats,
            )
        )
    return results


def time_ratios(results: list[Result]) -> dict[str, float]:
    """Return each extractor's time divided by the baseline's (bare trafilatura defaults)."""
    base = next(r.seconds for r in results if r.name == BASELINE)
    return {r.name: r.seconds / base for r in results}


def render(results: list[Result]) -> str:
    """Format results as a markdown table, with every time as a ratio to the baseline."""
    ratios = time_ratios(results)
    lines = [
        "| extractor | pages | precision | recall | F1 | F1 half A | F1 half B | time (s) "
        f"| × {BASELINE} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.name} | {r.pages} | {r.precision:.4f} | {r.recall:.4f} | {r.f1:.4f} "
        f"| {r.f1_half_a:.4f} | {r.f1_half_b:.4f} | {r.seconds:.3f} | {ratios[r.name]:.2f} |"
        for r in results
    ]
    by_name = {r.name: r for r in results}
    ours = by_name[KAIWATCH]
    best_bare = max((r for r in results if r.name.startswith("trafilatura")), key=lambda r: r.f1)
    lines.append("")
    lines.append(
        f"{KAIWATCH} ({DEFAULT_FOCUS} focus): F1 {ours.f1:.4f} vs best bare mode "
        f"({best_bare.name}) {best_bare.f1:.4f}; time {ratios[KAIWATCH]:.2f}× {BASELINE}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="extraction-dev dir")
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds (default 3)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # favor_precision discards some pages whole, and trafilatura warns for each.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    if not (args.corpus / "ground-truth.json").is_file():
        parser.error(f"no ground-truth.json under {args.corpus}")
    pages = load_pages(args.corpus)
    logger.info("%d pages from %s, %d timing rounds", len(pages), args.corpus, args.repeats)
    results = run(pages, max(1, args.repeats))
    sys.stdout.write(render(results) + "\n")
    if args.json:
        payload = {
            "corpus": str(args.corpus),
            "repeats": args.repeats,
            "default_focus": DEFAULT_FOCUS,
            "results": [asdict(r) for r in results],
            "time_ratios": time_ratios(results),
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
