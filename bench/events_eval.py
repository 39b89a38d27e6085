"""Score the event detector: the alert decision and event types, per language.

Usage::

    .venv/bin/python bench/events_eval.py [--shared ../shared] [--threshold 0.5] [--errors]

Alert decision (news-dev.md): alert = (partnership or funding) and about_korean_ai.
The gold ``about_korean_ai`` label is used, so the table measures the event
detector alone; ``--relevance`` uses :func:`flows.analysis.relevance.is_about_korean_ai` instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from flows.analysis.analyze import article_document  # noqa: E402
from flows.analysis.entities import EntityTagger  # noqa: E402
from flows.analysis.events import Event, detect_events, warrants_alert  # noqa: E402
from flows.analysis.knowledge import KnowledgeBase, load_entities  # noqa: E402
from flows.analysis.money import parse_amounts  # noqa: E402
from flows.analysis.relevance import is_about_korean_ai  # noqa: E402

__all__ = ["Counts", "evaluate", "main"]

TYPES = ("partnership", "funding")
CASES = REPO / "tests" / "fixtures" / "events"


@dataclass
class Counts:
    """True positives, false positives and false negatives, with the ids of errors."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, gold: bool, pred: bool, item: str) -> None:
        """Count one decision."""
        self.tp += gold and pred
        self.fp += pred and not gold
        self.fn += gold and not pred
        if gold != pred:
            self.errors.append(("FN " if gold else "FP ") + item)

    def row(self) -> str:
        """``| P | R | tp | fp | fn |`` cells."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return f"{p:.2f} | {r:.2f} | {self.tp} | {self.fp} | {self.fn}"


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _gold_news_dev(record: dict[str, Any]) -> tuple[bool, set[str]]:
    labels = record["labels"]
    types = {t for t in TYPES if labels[t]}
    return bool(types) and labels["about_korean_ai"], types


def _gold_case(record: dict[str, Any]) -> tuple[bool, set[str]]:
    return bool(record["alert"]), {event["type"] for event in record["events"]}


def _detect(record: dict[str, Any], tagger: EntityTagger, kb: KnowledgeBase) -> list[Event]:
    title, text = record.get("title") or "", record.get("text") or ""
    document = article_document(title, text)
    return detect_events(
        title,
        text,
        mentions=tagger.tag(document),
        amounts=parse_amounts(document),
        kb=kb,
        lang=record.get("lang"),
    )


def evaluate(
    records: Iterable[dict[str, Any]],
    gold_of: Any,
    *,
    tagger: EntityTagger,
    kb: KnowledgeBase,
    threshold: float,
    relevance: bool,
) -> dict[tuple[str, str], Counts]:
    """Counts keyed by ``(measure, lang)``; measure is ``alert`` or an event type."""
    table: dict[tuple[str, str], Counts] = {}
    for record in records:
        gold_alert, gold_types = gold_of(record)
        events = [e for e in _detect(record, tagger, kb) if e.confidence >= threshold]
        if relevance:
            korean = is_about_korean_ai(record["title"], record["text"], record.get("lang"))
        else:
            korean = record.get("labels", {}).get("about_korean_ai", record.get("alert", True))
            if "labels" not in record:
                korean = record["alert"] or not gold_types
        pred_alert = warrants_alert(events, korean, threshold)
        pred_types = {e.type for e in events}
        for lang in (record["lang"], "all"):
            what = f"{record['id']} {[(e.type, e.evidence[:90]) for e in events]}"
            table.setdefault(("alert", lang), Counts()).add(gold_alert, pred_alert, what)
            for kind in TYPES:
                table.setdefault((kind, lang), Counts()).add(
                    kind in gold_types, kind in pred_types, f"{kind}: {what}"
                )
    return table


def _print(name: str, table: dict[tuple[str, str], Counts], errors: bool) -> None:
    print(f"\n### {name}\n")
    print("| measure | lang | precision | recall | tp | fp | fn |")
    print("|---|---|---|---|---|---|---|")
    for measure in ("alert", *TYPES):
        for lang in ("en", "ko", "all"):
            if (measure, lang) in table:
                print(f"| {measure} | {lang} | {table[(measure, lang)].row()} |")
    if errors:
        for (measure, lang), counts in table.items():
            if lang == "all":
                for error in counts.errors:
                    print(f"- {measure}: {error}")


def main(argv: list[str] | None = None) -> int:
    """Print the markdown tables for news-dev and the hand-written cases."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--errors", action="store_true", help="list every wrong decision")
    parser.add_argument("--relevance", action="store_true", help="predict about_korean_ai")
    args = parser.parse_args(argv)
    kb = load_entities(REPO / "entities.yaml")
    tagger = EntityTagger(kb)
    options = {"tagger": tagger, "kb": kb, "threshold": args.threshold, "relevance": args.relevance}
    dev = args.shared / "corpus" / "news-dev.jsonl"
    if dev.is_file():
        _print("news-dev", evaluate(_load(dev), _gold_news_dev, **options), args.errors)
    paths = sorted(CASES.glob("cases-*.jsonl"))
    cases = [r for p in paths for r in _load(p)]
    if cases:
        _print("hand-written cases", evaluate(cases, _gold_case, **options), args.errors)
    # Later batches (``cases-*-2.jsonl`` to ``-6``) are shown apart as well (docs/events.md).
    for batch in ("2", "3", "4", "5", "6", "7", "8"):
        rows = [r for p in paths if p.stem.endswith(f"-{batch}") for r in _load(p)]
        if rows:
            title = f"hand-written cases, batch {batch}"
            _print(title, evaluate(rows, _gold_case, **options), args.errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
