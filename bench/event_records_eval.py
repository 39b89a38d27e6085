"""Measure event records (issue 16): same-event write-ups together, different events apart.

Usage::

    .venv/bin/python bench/event_records_eval.py [--corpus PATH ...] [--order ORDER ...]
        [--misses]

Every article of each corpus (default: news-dev and news-dev-2) is analysed as the pipeline
does (the shipped tagger and detector, :func:`flows.analysis.enrich.enrich_article`) and stored
in a throwaway archive through :func:`flows.pipeline.persist.save_outcomes`, so stories and
event records come from the real archive code (:func:`flows.pipeline.persist.plan_records`).
Timing as the corpus gives it: an article's ``published`` date when it has one (news-dev
dates 25 of 100, news-dev-2 17 of 102), none otherwise; every article fetched at one moment,
so the fetch window never separates two articles and only publication dates do (E2, G3).

Pairs: *positive* = two articles of one ``dup_group`` whose group reports a deal (labelled
partnership or funding); *negative* = every other pair. A pair is *together* when both
articles are in one story (what the issue measures) and, separately, when they share a live
event record. Precision over all pairs = together positives / (together positives + merged
negatives). Orders: publication (dated first by date, then the undated in file order), file
order, reverse file order.
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
DEFAULT_CORPORA = [SHARED / "corpus" / "news-dev.jsonl", SHARED / "corpus" / "news-dev-2.jsonl"]
FETCHED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KINDS = ("English", "Korean", "Korean–English")
#: alerts.threshold's default: alerts below it are never sent.
ALERT_THRESHOLD = 0.5


@dataclass
class Pairs:
    """Counts of one kind of pair."""

    positives: int = 0
    story: int = 0  # positives in one story
    record: int = 0  # positives sharing an event record
    negatives: int = 0
    merged_story: int = 0
    merged_record: int = 0
    missed: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def ordered(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """The rows in the order they are archived."""
    if order == "reverse":
        return rows[::-1]
    if order == "publication":
        dated = sorted((r for r in rows if r["published"]), key=lambda r: str(r["published"]))
        return dated + [r for r in rows if not r["published"]]
    return list(rows)


def analyse(rows: list[dict[str, Any]], tagger: EntityTagger) -> dict[str, ArticleRecord]:
    """Each row as the pipeline's analysis step leaves it (done once per corpus)."""
    out = {}
    for row in rows:
        url = f"https://bench.example/{row['id']}"
        published = row["published"]
        record = ArticleRecord(
            canonical_url=url, url=url, title=row["title"] or "", text=row["text"],
            content_hash=content_hash(row["text"]), source=row["id"], fetched_at=FETCHED_AT,
            lang=row["lang"],
            published=datetime.fromisoformat(published).replace(tzinfo=UTC) if published else None,
        )  # fmt: skip
        out[row["id"]] = enrich_article(record, tagger)
    return out


def store(
    rows: list[dict[str, Any]], analysed: dict[str, ArticleRecord], tagger: EntityTagger
) -> tuple[dict[str, int], dict[str, set[int]], list[str]]:
    """Archive the rows in order; each id's story and live event records, and the ids of the
    articles the outbox queued an alert for (at or above the default threshold)."""
    with (
        tempfile.TemporaryDirectory(prefix="kaiwatch-records-") as folder,
        Archive(Path(folder) / "bench.db") as archive,
    ):
        with archive.write() as conn:
            sync_entities(conn, tagger.kb)
        outcomes = [
            EntryOutcome(
                key=analysed[r["id"]].url,
                status="archived",
                title=analysed[r["id"]].title,
                article=analysed[r["id"]],
            )
            for r in rows
        ]
        save_outcomes(archive, outcomes, feed_id=None, run_id=None)
        # an article whose text is archived already is that article (the archive keeps one)
        by_hash = dict(archive.conn.execute("SELECT content_hash, story_id FROM articles"))
        linked: dict[str, set[int]] = {h: set() for h in by_hash}
        tables = {t for (t,) in archive.conn.execute("SELECT name FROM sqlite_master")}
        if "event_records" in tables:  # absent before issue 16: stories only (the baseline)
            for digest, record_id in archive.conn.execute(
                """SELECT a.content_hash, COALESCE(r.merged_into, r.id) FROM events e
                   JOIN articles a ON a.id = e.article_id
                   JOIN event_records r ON r.id = e.record_id"""
            ):
                linked[digest].add(record_id)
        alerts = [
            str(source)
            for (source,) in archive.conn.execute(
                "SELECT a.source FROM alerts al JOIN articles a ON a.id = al.article_id "
                "WHERE al.confidence >= ?",
                [ALERT_THRESHOLD],
            )
        ]
    hashes = {r["id"]: analysed[r["id"]].content_hash for r in rows}
    stories = {key: int(by_hash[digest]) for key, digest in hashes.items()}
    records = {key: linked[digest] for key, digest in hashes.items()}
    return stories, records, alerts


def score(
    rows: list[dict[str, Any]], stories: dict[str, int], records: dict[str, set[int]]
) -> dict[str, Pairs]:
    """Pairs by kind (English, Korean, Korean–English) and over all."""
    table = {kind: Pairs() for kind in (*KINDS, "all")}
    deal_groups = {
        r["dup_group"]
        for r in rows
        if r["dup_group"] and (r["labels"]["partnership"] or r["labels"]["funding"])
    }
    for a, b in itertools.combinations(rows, 2):
        langs = {a["lang"], b["lang"]}
        kind = KINDS[2] if len(langs) == 2 else (KINDS[1] if "ko" in langs else KINDS[0])
        same = a["dup_group"] is not None and a["dup_group"] == b["dup_group"]
        in_story = stories[a["id"]] == stories[b["id"]]
        in_record = bool(records[a["id"]] & records[b["id"]])
        pair = f"{a['id']} / {b['id']}"
        for name in (kind, "all"):
            row = table[name]
            if same and a["dup_group"] in deal_groups:
                row.positives += 1
                row.story += in_story
                row.record += in_record
                if not in_story:
                    row.missed.append(pair)
            elif not same:
                row.negatives += 1
                row.merged_story += in_story
                row.merged_record += in_record
                if in_story or in_record:
                    row.merged.append(pair)
    return table


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "-"


def _precision(together: int, merged: int) -> str:
    return f"{together / (together + merged):.3f}" if together + merged else "-"


def report(name: str, order: str, table: dict[str, Pairs], misses: bool) -> None:
    """One markdown table per corpus and order."""
    print(f"\n### {name}, {order} order\n")
    print(
        "| pairs | same deal | in one story | sharing a record | different events | merged (story / record) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for kind, row in table.items():
        print(
            f"| {kind} | {row.positives} | {_share(row.story, row.positives)} | "
            f"{_share(row.record, row.positives)} | {row.negatives:,} | "
            f"{row.merged_story} / {row.merged_record} |"
        )
    total = table["all"]
    print(
        f"\nPrecision over all pairs: stories {_precision(total.story, total.merged_story)}, "
        f"records {_precision(total.record, total.merged_record)}."
    )
    if misses:
        for pair in total.merged:
            print(f"- merged: {pair}")
        for pair in total.missed:
            print(f"- missed: {pair}")


def alert_report(rows: list[dict[str, Any]], alerts: list[str], misses: bool) -> None:
    """Alerts per real event: queued alerts of Korean-AI deal articles, by their dup_group."""
    by_id = {r["id"]: r for r in rows}
    events: dict[str, int] = {}
    unreal = 0
    for article in alerts:
        row = by_id[article]
        labels = row["labels"]
        if not (labels["about_korean_ai"] and (labels["partnership"] or labels["funding"])):
            unreal += 1
            continue
        key = row["dup_group"] or row["id"]
        events[key] = events.get(key, 0) + 1
    messages = sum(events.values())
    twice = sum(1 for n in events.values() if n > 1)
    per = f"{messages / len(events):.2f}" if events else "-"
    print(
        f"\nAlerts (outbox rows at or above {ALERT_THRESHOLD}): {len(events)} real events alerted "
        f"with {messages} alerts ({per} per event), {twice} alerted twice or more; "
        f"{unreal} alerts on articles that report no Korean-AI deal."
    )
    if misses:
        for key, count in sorted(events.items()):
            if count > 1:
                print(f"- alerted {count} times: {key}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument(
        "--order", action="append", choices=["publication", "file", "reverse"], default=None
    )
    parser.add_argument("--misses", action="store_true", help="list every missed and merged pair")
    args = parser.parse_args(argv)
    corpora = args.corpus or DEFAULT_CORPORA
    orders = args.order or ["publication", "file", "reverse"]
    tagger = EntityTagger(load_entities(REPO / "entities.yaml"))
    for path in corpora:
        if not path.is_file():
            print(f"Error: corpus not found at {path}. Fix: set KAIWATCH_SHARED_DIR")
            return 1
        rows = _load(path)
        analysed = analyse(rows, tagger)
        for order in orders:
            stories, records, alerts = store(ordered(rows, order), analysed, tagger)
            report(path.stem, order, score(rows, stories, records), args.misses)
            alert_report(rows, alerts, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
