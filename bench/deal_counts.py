"""Count deals as a user sees them: every counting surface on an archive of news-dev and news-dev-2.

Usage::

    .venv/bin/python bench/deal_counts.py [--keep PATH] [--verbose]

Both corpora are analysed and stored like the pipeline does (the shipped tagger,
:func:`flows.analysis.enrich.enrich_article`, :func:`flows.pipeline.persist.save_outcomes`),
with the "dated" timing of ``bench/event_link_eval.py`` (an article's date, else its
``dup_group``'s earliest, else one fetch moment). Then every surface that counts deals
is read through the code a user runs: the canned queries, the funding chart, ``kaiwatch
events --json`` and the digest's event list, and for each this prints

* **rows** it shows (events for the aggregates: the sum of their ``events`` column);
* **repeats**: rows beyond the first of one story and type (the same deal shown again);
* **groups repeated**: hand-labelled same-event groups (``dup_group``) shown more than
  once, which also counts write-ups that kaiwatch put in separate stories;
* for ``funding_by_company``, the funded names that are not a recipient: the party was
  an investor in that event, an outlet, or no organisation the labels name at all.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from bench.event_link_eval import SHARED, _load, dates, store  # noqa: E402
from flows.analysis.entities import EntityTagger  # noqa: E402
from flows.analysis.knowledge import load_entities  # noqa: E402
from flows.notify import queries  # noqa: E402
from flows.notify.charts import funding_chart_svg  # noqa: E402
from storage.alerts import period_events  # noqa: E402
from storage.archive import Archive  # noqa: E402

CORPORA = (SHARED / "corpus" / "news-dev.jsonl", SHARED / "corpus" / "news-dev-2.jsonl")


def build(folder: Path) -> Path:
    """The archive of both corpora, in file order; returns its path."""
    rows = [row for path in CORPORA for row in _load(path)]
    tagger = EntityTagger(load_entities(REPO / "entities.yaml"))
    store(rows, tagger, folder, dates(rows))
    return folder / "bench.db"


def _groups(conn: Any) -> dict[int, str | None]:
    """Each stored article's hand-labelled same-event group (its ``source`` is the corpus id)."""
    by_id = {row["id"]: row.get("dup_group") for path in CORPORA for row in _load(path)}
    return {
        aid: by_id.get(source) for aid, source in conn.execute("SELECT id, source FROM articles")
    }


def _gold_parties(conn: Any) -> dict[int, set[str]]:
    """Each article's labelled parties and entities, lower-cased (canonical English names).

    The labels do not say who raised reliably (news-dev lists parties in no fixed order,
    and news-dev-2 puts the investor first in some deals), so they only tell whether a
    funded name is an organisation of the article at all.
    """
    names: dict[str, set[str]] = {}
    for path in CORPORA:
        for row in _load(path):
            found = set(row.get("parties") or []) | set(row.get("entities") or [])
            for event in row.get("events") or []:
                found |= set(event["parties"])
            names[row["id"]] = {name.lower() for name in found}
    return {
        aid: names.get(src, set()) for aid, src in conn.execute("SELECT id, source FROM articles")
    }


def _repeats(keys: list[Any]) -> int:
    counts = Counter(k for k in keys if k is not None)
    return sum(n - 1 for n in counts.values())


def _story_of_event(conn: Any, event_id: int) -> tuple[int, str, int]:
    row = conn.execute(
        "SELECT COALESCE(e.story_id, -e.article_id), e.type, e.article_id FROM events e WHERE id = ?",
        [event_id],
    ).fetchone()
    return row[0], row[1], row[2]


def measure(db: Path, verbose: bool) -> list[tuple[str, str, str, str, str]]:
    """One table row per surface: (surface, rows, repeats, groups repeated, wrong names)."""
    out: list[tuple[str, str, str, str, str]] = []
    with Archive(db, readonly=True) as archive:
        conn = archive.conn
        groups = _groups(conn)
        gold = _gold_parties(conn)

        latest = queries.run_query(conn, queries.LATEST_EVENTS)
        keys = [_story_of_event(conn, r["event_id"]) for r in latest]
        out.append(
            (
                "latest_events / `kaiwatch events`",
                str(len(latest)),
                str(_repeats([k[:2] for k in keys])),
                str(_repeats([(groups[k[2]], k[1]) if groups[k[2]] else None for k in keys])),
                "",
            )
        )
        funding = [k for k in keys if k[1] == "funding"]
        partnership = [k for k in keys if k[1] == "partnership"]

        by_month = queries.run_query(conn, queries.FUNDING_BY_MONTH)
        month_events = sum(r["events"] for r in by_month)
        top = max(by_month, key=lambda r: r["total_krw"] or 0, default=None)
        top_text = (
            f"{top['month']}: {(top['total_krw'] or 0) / 1e12:.1f} trillion won" if top else ""
        )
        out.append(
            (
                "funding_by_month / funding chart",
                f"{month_events} events ({top_text})",
                str(month_events - len({k[:2] for k in funding})),
                str(_repeats([(groups[k[2]], "f") if groups[k[2]] else None for k in funding])),
                "",
            )
        )
        svg = funding_chart_svg(conn, "", "")
        bars = sum(int(v) for v in re.findall(r"data-value='(\d+)'", svg))
        labels = re.findall(r"class='total'[^>]*>([^<]*)<", svg)
        out.append(
            (
                "funding chart (SVG bars)",
                f"{bars} events; labels {', '.join(x for x in labels if x)}",
                str(bars - len({k[:2] for k in funding})),
                "",
                "",
            )
        )

        by_kind = queries.run_query(conn, queries.FUNDING_BY_KIND)
        out.append(
            (
                "funding_by_kind",
                f"{sum(r['events'] for r in by_kind)} events",
                str(sum(r["events"] for r in by_kind) - len({k[:2] for k in funding})),
                "",
                "",
            )
        )

        companies = queries.run_query(conn, queries.FUNDING_BY_COMPANY)
        wrong = _wrong_recipients(conn, companies, gold)
        out.append(
            (
                "funding_by_company",
                f"{len(companies)} companies, {sum(r['events'] for r in companies)} events",
                "",
                "",
                f"{len(wrong)}: {', '.join(wrong)}" if wrong else "0",
            )
        )
        if verbose:
            for row in companies:
                print(json.dumps(row, ensure_ascii=False))

        pairs = queries.run_query(conn, queries.TOP_PARTNER_PAIRS)
        pair_count = sum(r["partnerships"] for r in pairs)
        out.append(
            (
                "top_partner_pairs / partner graph",
                f"{len(pairs)} pairs, {pair_count} partnerships",
                "",
                f"{len({k[:2] for k in partnership})} partnership deals",
                "",
            )
        )

        # The digest's default threshold (alerts.threshold) over the whole archive.
        views = period_events(conn, "0000", "9999", 0.5)
        out.append(
            (
                "digest (period_events, whole archive, threshold 0.5)",
                str(len(views)),
                str(_repeats([(v.story_id or -v.article_id, v.type) for v in views])),
                str(_repeats([(groups[v.article_id], v.type) if groups[v.article_id] else None for v in views])),
                "",
            )
        )  # fmt: skip
    return out


def _wrong_recipients(
    conn: Any, companies: list[dict[str, Any]], gold: dict[int, set[str]]
) -> list[str]:
    """Funded names that are not who raised: an investor (by the event's roles or the
    knowledge base's type), an outlet, or no labelled party at all; Korean names the
    English labels cannot confirm are listed for a reader to check."""
    wrong = []
    for row in companies:
        entity_id, name = row["entity_id"], row["company"]
        kind = conn.execute("SELECT type FROM entities WHERE id = ?", [entity_id]).fetchone()
        found = conn.execute(
            "SELECT e.article_id, e.parties, e.roles FROM events e, json_each(e.parties) p "
            "WHERE e.type = 'funding' AND p.value = ?",
            [entity_id],
        ).fetchall()
        roles = [
            json.loads(roles)[json.loads(parties).index(entity_id)]
            for _, parties, roles in found
            if len(json.loads(roles)) == len(json.loads(parties))
        ]
        invested = sum(role in ("investor", "lead_investor") for role in roles)
        articles = {aid for aid, _, _ in found}
        labelled = any(name.lower() in gold.get(aid, set()) for aid in articles)
        if kind and kind[0] in ("outlet", "media"):
            wrong.append(f"{name} (outlet)")
        elif kind and kind[0] in ("investor", "fund"):
            wrong.append(f"{name} (investor firm)")
        elif roles and invested >= roles.count("recipient"):
            # mostly an investor: in the events it is party to, it invested as often as it raised
            wrong.append(f"{name} (investor in {invested} of {len(roles)} events)")
        elif not labelled and not re.search(r"[가-힣]", name):
            wrong.append(f"{name} (not a labelled party)")
        elif not labelled:
            # Korean names cannot be checked against the English labels: listed for a reader.
            wrong.append(f"{name} (Korean, check by hand)")
    return wrong


def main(argv: list[str] | None = None) -> int:
    """Build the archive and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="also copy the archive here")
    parser.add_argument("--verbose", action="store_true", help="print funding_by_company rows")
    args = parser.parse_args(argv)
    missing = [str(p) for p in CORPORA if not p.is_file()]
    if missing:
        print(f"Error: corpus not found: {', '.join(missing)}. Fix: set KAIWATCH_SHARED_DIR.")
        return 1
    with tempfile.TemporaryDirectory(prefix="kaiwatch-deals-") as folder:
        db = build(Path(folder))
        table = measure(db, args.verbose)
        if args.keep:
            shutil.copy(db, args.keep)
    print(
        "| surface | rows | repeats of one story | same-event groups repeated | not a recipient |"
    )
    print("|---|---|---:|---:|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
