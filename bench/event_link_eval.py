"""Measure story linking by events: news-dev's same-event pairs joined, different ones merged.

Usage::

    .venv/bin/python bench/event_link_eval.py [--corpus PATH] [--verbose]

Every news-dev article is analysed like the pipeline does (the shipped tagger,
:func:`flows.analysis.events.detect_events` through :func:`flows.analysis.enrich.enrich_article`)
and stored in a throwaway archive through :func:`flows.pipeline.persist.save_outcomes`,
so stories come from the real :func:`flows.pipeline.persist.save_analysis`: text
near-duplicates first, then event records (issue 16; ``bench/event_records_eval.py``
measures those, on both sets and with alerts, and is the one to use now). It is run twice, in file order and in reverse
order (the first article seen leads, so linking can depend on the order).

news-dev gives a date for 25 of its 100 articles, so two timings are measured:

* **one moment**: every article is stored as fetched at one time and none has a
  published date. The time window never separates two articles: the worst case
  for wrong merges.
* **dated**: an article's ``published`` date when it has one; an undated member of
  a ``dup_group`` takes its group's earliest known date (reports of one event come
  out within days); the rest are fetched at one moment.

A pair is *linked* when both articles end in one story. Positive pairs are pairs
of one ``dup_group``; every other pair is negative.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from flows.analysis.dedup import content_hash  # noqa: E402
from flows.analysis.enrich import enrich_article  # noqa: E402
from flows.analysis.entities import EntityTagger  # noqa: E402
from flows.analysis.knowledge import load_entities  # noqa: E402
from flows.core.models import ArticleRecord, EntryOutcome  # noqa: E402
from flows.pipeline.persist import save_outcomes  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.entities import sync_entities  # noqa: E402

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
DEFAULT_CORPUS = SHARED / "corpus" / "news-dev.jsonl"
FETCHED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Row:
    """Pair counts of one kind of pair."""

    name: str
    positives: int = 0
    linked: int = 0
    negatives: int = 0
    merged: int = 0
    merged_pairs: list[str] = field(default_factory=list)
    missed_pairs: list[str] = field(default_factory=list)


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def dates(rows: list[dict[str, Any]]) -> dict[str, datetime | None]:
    """The "dated" timing: each article's date, its group's earliest, or None."""
    group_dates: dict[str, str] = {}
    for row in rows:
        if row["dup_group"] and row["published"]:
            known = group_dates.get(row["dup_group"], row["published"])
            group_dates[row["dup_group"]] = min(known, row["published"])
    found = {row["id"]: row["published"] or group_dates.get(row["dup_group"]) for row in rows}
    return {
        key: datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None
        for key, value in found.items()
    }


def store(
    rows: list[dict[str, Any]],
    tagger: EntityTagger,
    folder: Path,
    published: dict[str, datetime | None],
) -> dict[str, Any]:
    """Archive ``rows`` in order; return each id's (story id, duplicate_of id, similarity)."""
    with Archive(folder / "bench.db") as archive:
        with archive.write() as conn:
            sync_entities(conn, tagger.kb)
        outcomes = []
        for row in rows:
            text = row["text"]
            url = f"https://bench.example/{row['id']}"
            record = ArticleRecord(
                canonical_url=url, url=url, title=row["title"] or "", text=text,
                content_hash=content_hash(text), source=row["id"], fetched_at=FETCHED_AT,
                lang=row["lang"], published=published.get(row["id"]),
            )  # fmt: skip
            outcomes.append(
                EntryOutcome(
                    key=url, status="archived", title=row["title"] or "",
                    article=enrich_article(record, tagger),
                )
            )  # fmt: skip
        save_outcomes(archive, outcomes, feed_id=None, run_id=None)
        stored = archive.conn.execute(
            "SELECT a.source, a.story_id, d.source, a.similarity FROM articles a "
            "LEFT JOIN articles d ON d.id = a.duplicate_of"
        ).fetchall()
    return {source: (story, copied, similarity) for source, story, copied, similarity in stored}


def score(rows: list[dict[str, Any]], stories: dict[str, Any]) -> list[Row]:
    """Linked positive pairs and merged negative pairs, by language pair."""
    table = {
        name: Row(name) for name in ("English", "Korean", "Korean–English", "all")
    }  # fmt: skip
    for a, b in itertools.combinations(rows, 2):
        langs = {a["lang"], b["lang"]}
        kind = "Korean–English" if len(langs) == 2 else ("Korean" if "ko" in langs else "English")
        same = a["dup_group"] is not None and a["dup_group"] == b["dup_group"]
        together = stories[a["id"]][0] == stories[b["id"]][0]
        for name in (kind, "all"):
            row = table[name]
            if same:
                row.positives += 1
                row.linked += together
                if not together:
                    row.missed_pairs.append(f"{a['id']} / {b['id']}")
            else:
                row.negatives += 1
                row.merged += together
                if together:
                    row.merged_pairs.append(f"{a['id']} / {b['id']}")
    return list(table.values())


def _print(title: str, table: list[Row], stories: dict[str, Any], verbose: bool) -> None:
    print(f"\n### {title}\n")
    print("| pairs | same event | in one story | recall | different events | merged |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in table:
        recall = f"{100 * row.linked / row.positives:.1f} %" if row.positives else "-"
        print(
            f"| {row.name} | {row.positives} | {row.linked} | {recall} | "
            f"{row.negatives:,} | {row.merged} |"
        )
    by_event = sorted(
        (source, copied) for source, (_, copied, sim) in stories.items() if copied and sim is None
    )
    by_text = sum(1 for _, copied, sim in stories.values() if copied and sim is not None)
    print(f"\nJoined by text: {by_text}; joined by events: {len(by_event)}.")
    merged = table[-1].merged_pairs
    print(f"Different events merged: {merged or 'none'}")
    if verbose:
        for source, copied in by_event:
            print(f"- linked by events: {source} → {copied}")
        for pair in table[2].missed_pairs:
            print(f"- Korean–English, missed: {pair}")


def main(argv: list[str] | None = None) -> int:
    """Print the tables for file order and reverse order."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--verbose", action="store_true", help="list every link made by events")
    args = parser.parse_args(argv)
    if not args.corpus.is_file():
        print(f"news-dev not found at {args.corpus}")
        return 1
    rows = _load(args.corpus)
    tagger = EntityTagger(load_entities(REPO / "entities.yaml"))
    timings: dict[str, dict[str, datetime | None]] = {"one moment": {}, "dated": dates(rows)}
    for timing, published in timings.items():
        for order, ordered in (("file order", rows), ("reverse order", rows[::-1])):
            with tempfile.TemporaryDirectory(prefix="kaiwatch-bench-") as folder:
                stories = store(ordered, tagger, Path(folder), published)
            _print(f"news-dev, {timing}, {order}", score(rows, stories), stories, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
