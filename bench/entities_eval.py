"""Measure the entity tagger's quality and the cost of tagging and money parsing.

Usage::

    .venv/bin/python bench/entities_eval.py [--news PATH] [--cases DIR] [--pages DIR]
                                            [--repeats N] [--errors] [--json OUT]

Quality: precision and recall of entity ids per article, micro-averaged over
(article, entity) pairs, on

* ``../shared/corpus/news-dev.jsonl`` (real articles; labels ``entities`` are
  canonical English names, mapped to ids through the knowledge base's names and
  aliases; a label no entity carries counts as missed), and
* ``tests/fixtures/entities/*.jsonl`` (cases written for kaiwatch, same format).

news-dev's labels are not exhaustive: a text often names people and firms its
labels leave out. ``bench/entities_adjudication.jsonl`` records a verdict, by
hand, on each entity the tagger found that the labels lack ("mentioned" in the
story, or "not a mention": furniture, a wrong id); the adjudicated row adds the
"mentioned" ones to the labels. Extras without a verdict count as false.

Two scopes are reported: organisations and people (the labels' scope; products
and models are left out on both sides) and all types (a tagged product the
labels do not list counts as a false positive).

Money: the share of the amounts news-dev's events list (``events[].amounts``,
verbatim strings) that :func:`flows.analysis.money.parse_amounts` finds.

Cost, on the ``extraction-dev`` pages: time of :func:`flows.parse.extract.extract_article`
against time of tagging plus :func:`flows.analysis.money.parse_amounts` on its output
(goal: at most 20 % added), and articles per second of tagging alone on one core
(news-dev texts, repeated).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from flows.analysis.analyze import article_document  # noqa: E402
from flows.analysis.entities import EntityTagger  # noqa: E402
from flows.analysis.knowledge import KnowledgeBase, load_entities  # noqa: E402
from flows.analysis.money import parse_amounts  # noqa: E402
from flows.core.errors import ExtractError  # noqa: E402
from flows.parse.extract import extract_article  # noqa: E402

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
DEFAULT_NEWS = SHARED / "corpus" / "news-dev.jsonl"
DEFAULT_PAGES = SHARED / "corpus" / "extraction-dev"
DEFAULT_CASES = REPO / "tests" / "fixtures" / "entities"
DEFAULT_KB = REPO / "entities.yaml"
DEFAULT_ADJUDICATION = Path(__file__).resolve().parent / "entities_adjudication.jsonl"
UNSCORED_TYPES = frozenset({"product", "model"})


@dataclass
class Score:
    """Micro-averaged precision and recall over (article, entity id) pairs."""

    name: str
    articles: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    unknown_labels: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    def row(self) -> str:
        return (
            f"| {self.name} | {self.articles} | {self.true_positives + self.false_negatives} "
            f"| {self.precision:.3f} | {self.recall:.3f} | {self.false_positives} "
            f"| {self.false_negatives} |"
        )


def load_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Read JSON Lines records (``id``, ``title``, ``text``, ``entities``)."""
    records = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            records += [json.loads(line) for line in handle if line.strip()]
    return records


def gold_ids(record: dict[str, Any], tagger: EntityTagger) -> tuple[set[str], list[str]]:
    """Map a record's labelled names to entity ids; also return the names no entity has."""
    ids, unknown = set(), []
    for name in record.get("entities", []):
        entity_id = tagger.lookup(name)
        if entity_id is None:
            unknown.append(name)
        else:
            ids.add(entity_id)
    return ids, unknown


def evaluate(
    name: str,
    records: list[dict[str, Any]],
    kb: KnowledgeBase,
    tagger: EntityTagger,
    *,
    all_types: bool,
    errors: list[str] | None = None,
    adjudicated: dict[str, set[str]] | None = None,
) -> Score:
    """Score the tagger on labelled records.

    :param adjudicated: per article id, entity ids judged mentioned though unlabelled.
    """
    score = Score(name)
    for record in records:
        document = article_document(record.get("title", ""), record["text"])
        mentions = tagger.tag(document)
        predicted = {m.entity_id for m in mentions}
        gold, unknown = gold_ids(record, tagger)
        if adjudicated:
            gold |= adjudicated.get(record["id"], set())
        if not all_types:
            predicted = {i for i in predicted if kb.get(i).type not in UNSCORED_TYPES}
            gold = {i for i in gold if kb.get(i).type not in UNSCORED_TYPES}
        score.articles += 1
        score.true_positives += len(predicted & gold)
        score.false_positives += len(predicted - gold)
        score.false_negatives += len(gold - predicted) + len(unknown)
        score.unknown_labels += unknown
        if errors is not None and (predicted ^ gold or unknown):
            surfaces = {m.entity_id: m.surface for m in mentions}
            extra = [f"{i} ({surfaces[i]!r})" for i in sorted(predicted - gold)]
            errors.append(
                f"{record['id']}: missed {sorted(gold - predicted) + unknown}; extra {extra}"
            )
    return score


@dataclass(frozen=True)
class Timing:
    """Extraction against tagging and money parsing on the same pages, and tagging rates."""

    pages: int
    repeats: int
    extract_seconds: float
    tag_money_seconds: float
    news_articles_per_second: float
    news_kb_per_second: float
    pages_articles_per_second: float
    pages_kb_per_second: float

    @property
    def added(self) -> float:
        return self.tag_money_seconds / self.extract_seconds


def time_pages(
    pages_dir: Path, tagger: EntityTagger, repeats: int
) -> tuple[int, float, float, list[str]]:
    """Return pages, extraction and tagging + money seconds per round, and the texts."""
    contents = [gzip.decompress(p.read_bytes()) for p in sorted(pages_dir.glob("html/*.html.gz"))]
    texts: list[str] = []
    for content in contents[:3]:  # warm-up: imports, caches
        with contextlib.suppress(ExtractError):
            extract_article(content)
    extract_seconds = tag_seconds = 0.0
    for round_ in range(repeats):
        for content in contents:
            start = time.perf_counter()
            try:
                article = extract_article(content)
            except ExtractError:
                extract_seconds += time.perf_counter() - start
                continue
            middle = time.perf_counter()
            document = article_document(article.title or "", article.text)
            tagger.tag(document)
            parse_amounts(article.text)
            tag_seconds += time.perf_counter() - middle
            extract_seconds += middle - start
            if round_ == 0:
                texts.append(document)
    return len(contents), extract_seconds / repeats, tag_seconds / repeats, texts


def tagging_rate(
    texts: list[str], tagger: EntityTagger, seconds: float = 2.0
) -> tuple[float, float]:
    """Articles and kilobytes (UTF-8) tagged per second, on this one thread."""
    size = sum(len(text.encode("utf-8")) for text in texts) / 1000
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            tagger.tag(text)
        done += 1
    elapsed = time.perf_counter() - start
    return done * len(texts) / elapsed, done * size / elapsed


def amount_recall(records: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    """Count the labelled event amounts that parse_amounts finds (overlapping offsets)."""
    found = wanted = 0
    missed: list[str] = []
    for record in records:
        text = f"{record.get('title', '')}\n{record['text']}"
        spans = [(a.start, a.end) for a in parse_amounts(text)]
        for event in record.get("events", []):
            for amount in event.get("amounts", []):
                wanted += 1
                at = text.find(amount)
                if at >= 0 and any(s < at + len(amount) and at < e for s, e in spans):
                    found += 1
                else:
                    missed.append(f"{record['id']}: {amount!r}")
    return found, wanted, missed


def load_adjudication(path: Path) -> dict[str, set[str]]:
    """Read the hand verdicts: article id -> entity ids judged "mentioned"."""
    table: dict[str, set[str]] = {}
    if path.is_file():
        for row in load_records([path]):
            if row["verdict"] == "mentioned":
                table.setdefault(row["article"], set()).add(row["entity"])
    return table


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB, help="entities.yaml")
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="news-dev.jsonl")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="own cases dir")
    parser.add_argument(
        "--adjudication", type=Path, default=DEFAULT_ADJUDICATION, help="hand verdicts"
    )
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES, help="extraction-dev dir")
    parser.add_argument("--repeats", type=int, default=3, help="timing rounds (default 3)")
    parser.add_argument("--no-timing", action="store_true", help="quality only")
    parser.add_argument("--errors", action="store_true", help="list every miss and extra")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    kb = load_entities(args.kb)
    start = time.perf_counter()
    tagger = EntityTagger(kb)
    build_seconds = time.perf_counter() - start
    sets = []
    if args.news.is_file():
        sets.append(("news-dev", load_records([args.news])))
    case_files = sorted(args.cases.glob("*.jsonl")) if args.cases.is_dir() else []
    if case_files:
        sets.append(("own cases", load_records(case_files)))
    if not sets:
        parser.error("no labelled records found (see --news and --cases)")

    errors: list[str] = []
    scores = []
    adjudicated = load_adjudication(args.adjudication)
    for name, records in sets:
        for all_types in (False, True):
            label = f"{name}, {'all types' if all_types else 'organisations and people'}"
            scores.append(
                evaluate(
                    label,
                    records,
                    kb,
                    tagger,
                    all_types=all_types,
                    errors=errors if args.errors and not all_types else None,
                )
            )
        if name == "news-dev" and adjudicated:
            scores.append(
                evaluate(
                    f"{name}, organisations and people, adjudicated",
                    records,
                    kb,
                    tagger,
                    all_types=False,
                    adjudicated=adjudicated,
                )
            )
    out = [
        f"knowledge base: {len(kb)} entities, tagger built in {build_seconds * 1000:.0f} ms",
        "",
        "| set | articles | labelled pairs | precision | recall | false pos. | missed |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(score.row() for score in scores),
    ]
    news = dict(sets).get("news-dev")
    if news is not None:
        found, wanted, missed = amount_recall(news)
        out += ["", f"money: {found} of {wanted} event amounts in news-dev found"]
        if args.errors:
            out += [f"  missed {item}" for item in missed]
    timing = None
    if not args.no_timing and args.pages.is_dir():
        pages, extract_seconds, tag_seconds, page_texts = time_pages(
            args.pages, tagger, max(1, args.repeats)
        )
        texts = [
            article_document(r.get("title", ""), r["text"]) for _, records in sets for r in records
        ]
        rate, kb_rate = tagging_rate(texts, tagger)
        page_rate, page_kb_rate = tagging_rate(page_texts, tagger)
        timing = Timing(
            pages,
            args.repeats,
            extract_seconds,
            tag_seconds,
            rate,
            kb_rate,
            page_rate,
            page_kb_rate,
        )
        out += [
            "",
            f"extraction-dev, {pages} pages, mean of {args.repeats} rounds: extraction "
            f"{extract_seconds:.3f} s, tagging + money {tag_seconds:.3f} s "
            f"(+{timing.added:.1%} of extraction)",
            f"tagging alone, one thread: {rate:,.0f} articles/s ({kb_rate:,.0f} KB/s) "
            f"on the {len(texts)} labelled articles; {page_rate:,.0f} articles/s "
            f"({page_kb_rate:,.0f} KB/s) on the {len(page_texts)} extracted pages",
        ]
    if errors:
        out += ["", "errors (organisations and people):", *errors]
    sys.stdout.write("\n".join(out) + "\n")
    if args.json:
        payload = {
            "entities": len(kb),
            "scores": [{**asdict(s), "precision": s.precision, "recall": s.recall} for s in scores],
            "timing": {**asdict(timing), "added": timing.added} if timing else None,
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
