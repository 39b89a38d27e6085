"""End to end: labelled articles served as feeds and pages on 127.0.0.1, `kaiwatch run`
with a webhook channel, the alerts received compared with the labels.

Usage::

    .venv/bin/python bench/events_e2e.py [--sets news-dev-2 news-dev] [--threshold 0.5]
        [--errors] [--keep DIR]

Each set is one RSS feed on a loopback fixture server (tests/feedserver.py): an item per
article with its title, link and (when labelled) publication date; each page carries
the article's title and text. ``kaiwatch run`` (the real command, in its own process,
with Prefect's temporary server) polls them into a fresh archive with ``filter: none``,
and its alerts go to a json:// webhook on the same server. An article counts as alerted
when an alert for its story arrived (alerts are one per story and type, so copies of a
story share one). Compared with ``alert = (partnership or funding) and about_korean_ai``.

Caveat: news-dev and news-dev-2 are the model's training data, so these figures are
optimistic; the grouped cross-validation of bench/events_eval.py is the honest estimate.
This bench measures the whole path: extraction, relevance, detector, stories, routing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the loopback FixtureServer the tests use

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--sets", nargs="+", default=["news-dev-2", "news-dev"])
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the archive and sources here")
    args = parser.parse_args(argv)
    from feedserver import FixtureServer
    from helpers import dated_rss, labelled_page

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="kaiwatch-e2e-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = FixtureServer()
    server.route("/hook", "ok")  # apprise's json:// POSTs land here (recorded as hits)
    rows: dict[str, dict[str, Any]] = {}
    feeds = []
    for name in args.sets:
        items = []
        for line in (args.shared / "corpus" / f"{name}.jsonl").read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            row["set"] = name
            path = f"/{name}/{row['id']}"
            rows[server.url(path)] = row
            day = row.get("published")
            stamp = None
            if day:
                y, m, d = (int(x) for x in day.split("-"))
                stamp = datetime(y, m, d, 9, tzinfo=UTC)
            page = labelled_page(row.get("title") or "", row.get("text") or "", day)
            server.route(path, page)
            items.append((row.get("title") or "", server.url(path), stamp))
        server.route(f"/{name}.xml", dated_rss(items, "bench"), content_type="application/rss+xml")
        feeds.append((name, server.url(f"/{name}.xml")))
    sources = workdir / "sources.yaml"
    lines = [
        "settings:",
        "  min_poll_interval_minutes: 0",
        "  max_entries_per_feed: 500",
        "alerts:",
        f"  threshold: {args.threshold}",
        "  max_age_hours: 876000   # the articles are old (a century)",
        "sources:",
    ]
    for name, url in feeds:
        lines += [f"  - name: {name}", f"    url: {url}", "    allow_private_network: true"]
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = workdir / "bench.db"
    env = dict(
        os.environ,
        KAIWATCH_NOTIFY=server.url("/hook").replace("http://", "json://"),
        PREFECT_HOME=str(workdir / "prefect"),
    )
    completed = subprocess.run(
        [sys.executable, "-m", "flows.app.cli", "run", "--sources", str(sources), "--db", str(db)],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    print(
        completed.stdout.strip().splitlines()[-1]
        if completed.stdout.strip()
        else completed.stderr[-2000:],
        file=sys.stderr,
    )
    posted = [json.loads(hit.body) for hit in server.hits("/hook") if hit.body]
    server.close()
    from storage.archive import Archive

    with Archive(db, readonly=True) as archive:
        url_story = dict(archive.conn.execute("SELECT canonical_url, story_id FROM articles"))
        url_lead = {}
        for url, story in url_story.items():
            url_lead[url] = story
    alerted_stories: dict[int, set[str]] = defaultdict(set)
    for message in posted:
        kind = message["title"].split("]")[0].strip("[").lower()
        for url, story in url_story.items():
            if url in message["message"]:
                alerted_stories[story].add(kind)
    print(f"\n{len(posted)} alerts received; {len(url_story)} articles archived\n")
    print("| set | lang | alert P | alert R | tp | fp | fn |")
    print("|---|---|---|---|---|---|---|")
    errors = []
    for name in [*args.sets, "all"]:
        for lang in ("en", "ko", "all"):
            tp = fp = fn = 0
            for url, row in rows.items():
                if (name != "all" and row["set"] != name) or (
                    lang != "all" and row["lang"] != lang
                ):
                    continue
                labels = row["labels"]
                gold = (labels["partnership"] or labels["funding"]) and labels["about_korean_ai"]
                story = url_story.get(url)
                pred = story is not None and bool(alerted_stories.get(story))
                tp += gold and pred
                fp += pred and not gold
                fn += gold and not pred
                if gold != pred and name == "all" and lang == "all":
                    errors.append(f"{'FN' if gold else 'FP'} {row['set']} {row['id']}")
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            print(f"| {name} | {lang} | {p:.2f} | {r:.2f} | {tp} | {fp} | {fn} |")
    if args.errors:
        print("\n" + "\n".join(f"- {e}" for e in errors))
    return 0 if completed.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
