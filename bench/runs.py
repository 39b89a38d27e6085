"""Benchmark whole ingest runs against a feed server on 127.0.0.1.

Two scenarios, each in a fresh child process so that peak memory is its own:

* ``unchanged``: 200 feeds that all answer 304 to the run's conditional GETs.
* ``new``: 1,000 new articles (10 feeds x 100 items, pages of ~25 KB with page furniture).
* ``corpus``: 1,000 new articles made of the labelled real texts of ../shared/corpus
  (news-dev and news-dev-2, English and Korean, cycled, each page made unique), so that
  the event detector meets real triggers and Korean text (``--scenarios corpus``).
  ``--korean-names`` runs it with ``settings.korean_names: kiwipiepy``.

Each child first warms Prefect up (its temporary server starts once), then times a run
over an empty sources list in the same process: that is the baseline, Prefect's own cost
of a flow run. Figures are reported beyond that baseline and as ratios to it, because
machines here are shared and noisy. Peak memory is the child's maximum RSS (the Prefect
server runs in its own process and is not counted).

Usage: .venv/bin/python bench/runs.py [--feeds 200] [--articles 1000] [--json PATH]
       [--scenarios unchanged new corpus] [--korean-names]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the loopback FixtureServer the tests use

# Synthetic English: topic words mixed with the function words real prose is full of
# (language detection tells English by them; see flows.core.text.detect_language).
TOPIC_WORDS = (
    "Korean AI start-up model chip data centre investment round partnership government "
    "ministry Seoul Samsung Naver Kakao LG SK telecom cloud inference training semiconductor "
    "university research agreement memorandum funding series venture market customer "
    "engineer platform service launch deal billion won dollar quarter growth export"
).split()
FUNCTION_WORDS = "the of and to a in is that for it on was with as by said its".split()


def _sentence(rng: random.Random) -> str:
    words = [
        rng.choice(FUNCTION_WORDS) if rng.random() < 0.45 else rng.choice(TOPIC_WORDS)
        for _ in range(rng.randint(15, 30))
    ]
    return " ".join(words).capitalize() + "."


def _article_html(rng: random.Random, index: int) -> str:
    """A ~25 KB page: unique article text inside navigation, related links and a footer."""
    paragraphs = [" ".join(_sentence(rng) for _ in range(3)) for _ in range(8)]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(60))
    related = "".join(
        f'<li><a href="/news/{index}-{n}">Related headline number {n} about markets</a></li>'
        for n in range(40)
    )
    return (
        f"<html><head><meta charset='utf-8'><title>Story {index}</title>"
        f"<script>{'var x = 1;' * 400}</script></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header>"
        f"<article><h1>Story {index}: AI deal</h1>{body}</article>"
        f"<aside><ul>{related}</ul></aside>"
        "<footer>Leave a Reply. Your email address will not be published.</footer></body></html>"
    )


def _rss(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>"
        for title, link in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>{entries}</channel></rss>'


def _corpus_rows() -> list[dict[str, Any]]:
    shared = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared")) / "corpus"
    rows = []
    for name in ("news-dev", "news-dev-2"):
        for line in (shared / f"{name}.jsonl").read_text("utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _corpus_html(row: dict[str, Any], index: int) -> str:
    """A real labelled text as a page (with the same furniture as the synthetic pages)."""
    import html

    body = "".join(f"<p>{html.escape(x)}</p>" for x in row["text"].splitlines() if x.strip())
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(60))
    title = html.escape(row.get("title") or f"Story {index}")
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header>"
        f"<article><h1>{title}</h1>{body}<p>Copy {index}.</p></article>"
        "<footer>Leave a Reply. Your email address will not be published.</footer></body></html>"
    )


KOREAN_NAMES = False  # --korean-names: settings.korean_names: kiwipiepy


def _write_sources(path: Path, urls: list[str]) -> None:
    # Re-polled at once on purpose: the benchmark times the 304 path, not the wait.
    lines = [
        "settings:",
        "  max_entries_per_feed: 500",
        "  min_poll_interval_minutes: 0",
        *(["  korean_names: kiwipiepy"] if KOREAN_NAMES else []),
        "sources:",
    ]
    if not urls:
        lines[-1] = "sources: []"
    for n, url in enumerate(urls):
        lines += [f"  - name: feed-{n}", f"    url: {url}", "    allow_private_network: true"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(ingest: Any, sources: Path, db: Path) -> tuple[float, Any]:
    start = time.perf_counter()
    summary = ingest(sources_path=str(sources), db_path=str(db))
    return time.perf_counter() - start, summary


def _poll_without_prefect(sources: Path, db: Path) -> float:
    """The same poll with the plain pipeline functions, no Prefect: the work itself."""
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import load_sources
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive

    config = load_sources(sources)
    start = time.perf_counter()
    with Archive(db) as archive, HttpClient() as client:
        for source in config.sources:
            report = poll_feed(source, archive=archive, client=client, settings=config.settings)
            assert report.status == "not_modified", report
    return time.perf_counter() - start


def serve(scenario: str, feeds: int, articles: int) -> None:
    """Serve a scenario's feeds and pages until stdin closes (a separate process, so
    that the pages it holds do not count in kaiwatch's memory)."""
    from feedserver import FixtureServer

    server = FixtureServer()
    urls = []
    if scenario == "unchanged":
        for n in range(feeds):
            path = f"/feed/{n}.xml"
            server.route(path, _rss([]), content_type="application/rss+xml", etag=f'"{n}"')
            urls.append(server.url(path))
    else:
        rng = random.Random(7)
        corpus = _corpus_rows() if scenario == "corpus" else []
        per_feed = articles // 10
        for f in range(10):
            items = []
            for i in range(per_feed):
                index = f * per_feed + i
                path = f"/a/{index}"
                if corpus:
                    row = corpus[index % len(corpus)]
                    server.route(path, _corpus_html(row, index))
                    title = (
                        (row.get("title") or f"Story {index}").replace("&", "and").replace("<", " ")
                    )
                    items.append((title, server.url(path)))
                    continue
                server.route(path, _article_html(rng, index))
                items.append((f"Story {index}", server.url(path)))
            feed_path = f"/feed/{f}.xml"
            server.route(feed_path, _rss(items), content_type="application/rss+xml")
            urls.append(server.url(feed_path))
    print(json.dumps(urls), flush=True)
    sys.stdin.read()
    server.close()


def child(scenario: str, feeds: int, articles: int) -> dict[str, Any]:
    """Run one scenario in this process and return its figures."""
    from flows.app.cli import prepare_prefect_environment

    prepare_prefect_environment()
    import logging

    from flows.app.ingest import ingest

    logging.getLogger("prefect").setLevel(logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="kaiwatch-bench-"))
    empty = workdir / "empty.yaml"
    _write_sources(empty, [])
    ingest(sources_path=str(empty), db_path=str(workdir / "warm.db"))  # starts Prefect
    baseline_times = [_timed(ingest, empty, workdir / "warm.db")[0] for _ in range(3)]
    baseline = statistics.median(baseline_times)
    baseline_rss = _peak_rss_mb()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", scenario, "--feeds", str(feeds),
         "--articles", str(articles)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    urls = json.loads(server.stdout.readline())
    db = workdir / "bench.db"
    sources = workdir / "sources.yaml"
    _write_sources(sources, urls)
    result: dict[str, Any] = {"scenario": scenario, "baseline_s": round(baseline, 3)}
    try:
        if scenario == "unchanged":
            _timed(ingest, sources, db)  # first poll stores the ETags
            times = []
            for _ in range(3):
                elapsed, summary = _timed(ingest, sources, db)
                assert summary.counts()["feeds_not_modified"] == feeds, summary.format()
                times.append(elapsed)
            result.update(feeds=feeds, run_s=round(statistics.median(times), 3))
            result["pipeline_only_s"] = round(_poll_without_prefect(sources, db), 3)
        else:
            elapsed, summary = _timed(ingest, sources, db)
            assert summary.counts()["articles_new"] >= articles * 0.95, summary.format()
            result.update(articles=articles, run_s=round(elapsed, 3))
            result["ms_per_article"] = round((elapsed - baseline) / articles * 1000, 1)
        result["beyond_baseline_s"] = round(result["run_s"] - baseline, 3)
        result["ratio_to_baseline"] = round(result["run_s"] / baseline, 2)
        result["peak_rss_mb"] = round(_peak_rss_mb(), 1)
        result["baseline_rss_mb"] = round(baseline_rss, 1)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--scenarios", nargs="+", default=["unchanged", "new"],
                        choices=["unchanged", "new", "corpus"])  # fmt: skip
    parser.add_argument("--korean-names", action="store_true",
                        help="settings.korean_names: kiwipiepy (the corpus scenario has Korean)")  # fmt: skip
    parser.add_argument("--child", choices=["unchanged", "new", "corpus"], help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=["unchanged", "new", "corpus"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    global KOREAN_NAMES
    KOREAN_NAMES = args.korean_names
    if args.serve:
        serve(args.serve, args.feeds, args.articles)
        return 0
    if args.child:
        print(json.dumps(child(args.child, args.feeds, args.articles)))
        return 0
    env = dict(os.environ, PREFECT_HOME=tempfile.mkdtemp(prefix="kaiwatch-bench-prefect-"))
    results = []
    for scenario in args.scenarios:
        completed = subprocess.run(
            [sys.executable, __file__, "--child", scenario, "--feeds", str(args.feeds),
             "--articles", str(args.articles), *(["--korean-names"] if args.korean_names else [])],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            print(completed.stdout, completed.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    print(
        "| scenario | run (s) | Prefect baseline (s) | beyond baseline (s) | ratio | same work without Prefect (s) | ms per article | peak RSS (MB) | RSS after warm-up (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        label = {
            "unchanged": f"{r.get('feeds')} unchanged feeds (304)",
            "new": f"{r.get('articles')} new articles",
            "corpus": f"{r.get('articles')} new articles, real texts"
            + (", kiwipiepy names" if args.korean_names else ""),
        }[r["scenario"]]
        print(
            f"| {label} | {r['run_s']} | {r['baseline_s']} | {r['beyond_baseline_s']} | "
            f"{r['ratio_to_baseline']}x | {r.get('pipeline_only_s', '-')} | "
            f"{r.get('ms_per_article', '-')} | {r['peak_rss_mb']} | "
            f"{r['baseline_rss_mb']} |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
