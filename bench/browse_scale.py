"""How `kaiwatch browse`, the canned queries and the charts hold up on a big archive.

Usage::

    .venv/bin/python bench/browse_scale.py [--articles 200000] [--small 20000] [--db PATH]
        [--repeats 3] [--keep] [--reuse] [--json OUT]

It builds a synthetic archive (a real kaiwatch SQLite file, created by
:class:`storage.archive.Archive`, so with every migration) by bulk inserts into
the real tables, not through the pipeline, then times on it, in this process:

* every canned query of :mod:`flows.notify.queries` through :func:`run_query`, with
  typical parameters (no filter; a one-year period; an entity with many mentions
  and one with few);
* ``kaiwatch entity NAME`` as a subprocess (Python's start-up included), and
  :func:`resolve_entity` in process;
* the two charts of :mod:`flows.notify.charts`;
* Datasette's pages through its ASGI client (``datasette.client``, the app
  ``kaiwatch browse`` serves): the articles and events tables (default sort,
  newest first, with their facets), full-text search in English and in Korean
  (``삼성전자``, which must find ``삼성전자가``), canned query pages and ``/-/charts``.

Each figure is the median of ``--repeats`` timed runs after one untimed run (the
``kaiwatch entity`` process: one timed run). The baseline, measured in the same
run, is an archive of ``--small`` articles (default 20,000) built the same way,
with the big archive's busiest and rarest entities: the table gives the ratio of
the big archive's time to it (``SELECT count(*) FROM articles`` is timed too).
``--keep --db PATH`` keeps both files; ``--reuse`` measures them again (after
applying any new migration).

The synthetic archive, over three years (ids in date order, as a real
archive grows):

* stories of 1 to 5 articles (55 / 20 / 12 / 8 / 5 %), copies from other outlets
  within two days (``duplicate_of`` the lead); 20 outlets in 8 sources; 58 % Korean;
* entities from ``entities.yaml`` (synced as a run does), drawn with a Zipf law
  (the busiest in about half the articles, a long tail); about 8 mentions per article
  over 1 to 6 entities, surfaces in the article's language;
* 20 % of stories carry an event (60 % partnerships of two or three parties,
  40 % funding of one company, most with an amount and a round), on every copy of
  the story, as the pipeline stores them;
* title and text (about 600 characters): function words, a 3,000-word vocabulary
  drawn with a Zipf law (topic words first), and the entities' names, Korean
  names with particles attached (삼성전자가, 네이버와).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from flows.analysis.knowledge import load_entities  # noqa: E402
from flows.notify.charts import funding_chart_svg, partner_graph_svg  # noqa: E402
from flows.notify.queries import QUERIES, get_query, resolve_entity, run_query  # noqa: E402
from storage.archive import Archive  # noqa: E402
from storage.entities import sync_entities  # noqa: E402

SEED = 20261124
START = np.datetime64("2023-11-25T00:00:00")
DAYS = 3 * 365
OUTLETS = [(f"source-{i % 8}", f"Outlet {i}") for i in range(20)]
STORY_SIZES, STORY_SIZE_P = [1, 2, 3, 4, 5], [0.55, 0.20, 0.12, 0.08, 0.05]
EVENT_SHARE = 0.20
ROUNDS = ["Seed", "Pre-A", "Series A", "Series B", "Series C", "Series D", None]
SUBTYPES_FUNDING = ["round", "round", "round", "strategic", "government"]
SUBTYPES_PARTNERSHIP = ["agreement", "mou", "joint_development", "supply"]
FUNCTION_EN = "the a of to and in for with on its said that is by as at from has".split()
TOPIC_EN = (
    "AI model chip data centre cloud startup investment partnership agreement company "
    "Tuesday new market service customers Korea Seoul government plan semiconductor language "
    "robot platform launch year billion won"
).split()
FUNCTION_KO = "밝혔다 있다 했다 위해 이번 통해 대한 관련 지난 함께".split()
TOPIC_KO = (
    "인공지능 반도체 데이터센터 클라우드 스타트업 투자 협약 업무협약 체결 계획 서비스 "
    "고객 시장 정부 정책 모델 개발 공동 출시 올해 억원 규모 기술 협력"
).split()
VOCABULARY = 3000  # topic words first, then made-up words; drawn with a Zipf law
SYLLABLES = "가나다라마바사아자차카타파하강남동서울산업기술연구"
PARTICLES = ["가", "이", "는", "은", "와", "과", "의", "를", "에", ""]


def _plan(n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Stories, dates, outlets and languages of articles 1..n."""
    sizes = rng.choice(STORY_SIZES, size=n, p=STORY_SIZE_P)
    story_of = np.repeat(np.arange(1, len(sizes) + 1), sizes)[:n]
    first = np.r_[True, story_of[1:] != story_of[:-1]]
    lead_index = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    stories = int(story_of[-1])
    # Story dates in order over three years; copies within two days of the lead.
    story_minutes = np.sort(rng.uniform(0, DAYS * 24 * 60, stories)).astype(np.int64)
    minutes = story_minutes[story_of - 1] + np.where(first, 0, rng.integers(0, 2880, n))
    outlet = rng.integers(0, len(OUTLETS), n)
    lang = np.where(rng.random(stories) < 0.58, "ko", "en")[story_of - 1]
    return {
        "story_of": story_of,
        "first": first,
        "lead_index": lead_index,
        "minutes": minutes,
        "outlet": outlet,
        "lang": lang,
        "stories": stories,
    }


def _iso(minutes: int) -> str:
    return str(START + np.timedelta64(int(minutes), "m")) + "+00:00"


def build(db: Path, n: int, seed: int = SEED) -> dict[str, Any]:
    """Fill a new archive at ``db`` with ``n`` synthetic articles; return what was planted."""
    rng = np.random.default_rng(seed)
    kb = load_entities(REPO / "entities.yaml")
    entities = list(kb.entities)
    # Zipf weights over a shuffled knowledge base: a few busy entities, a long tail.
    order = rng.permutation(len(entities))
    weights = 1.0 / np.arange(1, len(entities) + 1) ** 1.1
    weights /= weights.sum()
    plan = _plan(n, rng)
    surfaces = {
        e.id: ([*e.aliases_ko] or [e.name], [e.name, *e.aliases_en]) for e in entities
    }  # (ko, en)
    vocab_en = TOPIC_EN + [f"w{j}" for j in range(VOCABULARY - len(TOPIC_EN))]
    vocab_ko = TOPIC_KO + [
        "".join(SYLLABLES[(j // 7**k) % len(SYLLABLES)] for k in range(3))
        for j in range(VOCABULARY - len(TOPIC_KO))
    ]
    word_weights = 1.0 / np.arange(1, VOCABULARY + 1)
    word_weights /= word_weights.sum()
    orgs = [i for i, e in enumerate(entities) if e.type in ("company", "research_institute")]
    org_set = set(orgs)
    started = time.perf_counter()
    with Archive(db) as archive:
        conn = archive.conn
        conn.execute("PRAGMA cache_size = -1000000")
        with archive.write() as write:
            sync_entities(write, kb)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO stories (id, first_article_id, first_seen, last_seen, size) "
            "VALUES (?, ?, ?, ?, 0)",
            (
                (int(s), int(i) + 1, _iso(plan["minutes"][i]), _iso(plan["minutes"][i]))
                for s, i in zip(
                    plan["story_of"][plan["first"]], np.flatnonzero(plan["first"]), strict=True
                )
            ),
        )
        articles, mentions, counts, events = [], [], [], []
        story_entities: dict[int, list[int]] = {}
        story_event: dict[int, tuple[Any, ...] | None] = {}
        for i in range(n):
            article_id = i + 1
            story = int(plan["story_of"][i])
            lead = int(plan["lead_index"][i]) + 1
            ko = plan["lang"][i] == "ko"
            if story not in story_entities:
                k = int(rng.integers(1, 7))
                picked = rng.choice(len(entities), size=k, replace=False, p=weights)
                story_entities[story] = [int(order[p]) for p in picked]
            ents = story_entities[story]
            # About 8 mentions over the article's entities, half of them the first entity.
            share = [1.0] if len(ents) == 1 else [0.5] + [0.5 / (len(ents) - 1)] * (len(ents) - 1)
            per = np.maximum(rng.multinomial(max(len(ents), int(rng.poisson(8))), share), 1)
            words = vocab_ko if ko else vocab_en
            body = list(rng.choice(FUNCTION_KO if ko else FUNCTION_EN, 30))
            body += [words[j] for j in rng.choice(VOCABULARY, 40, p=word_weights)]
            rng.shuffle(body)
            offset = 0
            for e_index, count in zip(ents, per.tolist(), strict=True):
                entity = entities[e_index]
                names = surfaces[entity.id][0 if ko else 1]
                counts.append((article_id, entity.id, count))
                for _ in range(count):
                    surface = names[int(rng.integers(0, len(names)))]
                    word = surface + (PARTICLES[int(rng.integers(0, len(PARTICLES)))] if ko else "")
                    mentions.append((article_id, entity.id, surface, offset, offset + len(surface)))
                    offset += len(word) + 1
                    body.insert(int(rng.integers(0, len(body))), word)
            title_entity = surfaces[entities[ents[0]].id][0 if ko else 1][0]
            title = (
                f"{title_entity}{'가' if ko else ''} "
                + " ".join(words[j] for j in rng.choice(VOCABULARY, 6, p=word_weights))
                + f" {article_id}"
            )  # fmt: skip
            text = " ".join(body)
            source, publisher = OUTLETS[int(plan["outlet"][i])]
            date = _iso(plan["minutes"][i])
            articles.append(
                (article_id, f"https://synthetic.example/{article_id}",
                 f"https://synthetic.example/{article_id}", source, publisher, title, text,
                 "ko" if ko else "en", date, date, f"{article_id:064x}", story,
                 None if article_id == lead else lead, None if article_id == lead else 0.8)
            )  # fmt: skip
            if story not in story_event:
                story_event[story] = None
                if rng.random() < EVENT_SHARE:
                    parties_pool = [e for e in ents if e in org_set] or [
                        int(orgs[int(rng.integers(0, len(orgs)))])
                    ]
                    if rng.random() < 0.6:
                        partner = int(order[rng.choice(len(entities), p=weights)])
                        parties = list(dict.fromkeys([parties_pool[0], partner]))
                        if len(parties) < 2:
                            parties.append(int(orgs[int(rng.integers(0, len(orgs)))]))
                        if rng.random() < 0.15:
                            parties.append(int(orgs[int(rng.integers(0, len(orgs)))]))
                        parties = list(dict.fromkeys(parties))
                        subtype = SUBTYPES_PARTNERSHIP[int(rng.integers(0, 4))]
                        story_event[story] = ("partnership", subtype, parties, None, None, None)
                    else:
                        krw = int(rng.integers(1, 3000)) * 10**8 if rng.random() < 0.8 else None
                        usd = krw // 1380 if krw else None
                        subtype = SUBTYPES_FUNDING[int(rng.integers(0, 5))]
                        round_ = ROUNDS[int(rng.integers(0, len(ROUNDS)))]
                        round_ = round_ if subtype == "round" else None
                        story_event[story] = (
                            "funding", subtype, parties_pool[:1], krw, usd, round_
                        )  # fmt: skip
            event = story_event[story]
            if event is not None:
                kind, subtype, parties, krw, usd, round_ = event
                ids = [entities[p].id for p in parties]
                names = [entities[p].name for p in parties]
                # Roles as the detector gives them (migration 0009): who raised, then investors.
                roles = (
                    ["recipient"] + ["investor"] * (len(ids) - 1)
                    if kind == "funding"
                    else ["signatory"] * len(ids)
                )
                events.append(
                    (article_id, story, kind, subtype, json.dumps(ids),
                     json.dumps(names, ensure_ascii=False), "[]", krw, usd, round_,
                     f"{' and '.join(names)} {kind} evidence {article_id}.",
                     round(0.6 + 0.4 * float(rng.random()), 2), json.dumps(roles))
                )  # fmt: skip
            if len(articles) >= 20_000 or i == n - 1:
                _flush(conn, articles, mentions, counts, events)
                articles, mentions, counts, events = [], [], [], []
        conn.execute(
            "UPDATE stories SET size = (SELECT count(*) FROM articles a WHERE a.story_id = "
            "stories.id), last_seen = (SELECT max(published) FROM articles a WHERE a.story_id = "
            "stories.id)"
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rare = conn.execute(
            "SELECT entity_id FROM article_entities GROUP BY entity_id "
            "ORDER BY count(*), entity_id LIMIT 1"
        ).fetchone()[0]
        busiest = conn.execute(
            "SELECT entity_id FROM article_entities GROUP BY entity_id "
            "ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    return {
        "articles": n,
        "build_s": time.perf_counter() - started,
        "busiest": busiest,
        "rare": rare,
    }


def _flush(
    conn: sqlite3.Connection,
    articles: list[tuple[Any, ...]],
    mentions: list[tuple[Any, ...]],
    counts: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
) -> None:
    conn.executemany(
        "INSERT INTO articles (id, canonical_url, url, source, publisher, title, text, lang, "
        "published, fetched_at, content_hash, story_id, duplicate_of, similarity) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        articles,
    )
    conn.executemany(
        'INSERT INTO mentions (article_id, entity_id, surface, "start", "end") '
        "VALUES (?, ?, ?, ?, ?)",
        mentions,
    )
    conn.executemany(
        "INSERT INTO article_entities (article_id, entity_id, count) VALUES (?, ?, ?)", counts
    )
    conn.executemany(
        "INSERT INTO events (article_id, story_id, type, subtype, parties, party_names, amounts, "
        "amount_krw, amount_usd, round, evidence, confidence, roles) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )


def _time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median milliseconds of ``repeats`` runs after one untimed run, and the last result."""
    result = fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), result


def _cases(planted: dict[str, Any], year: tuple[str, str]) -> list[tuple[str, str, dict[str, str]]]:
    """(label, query, params) for every canned query with typical parameters."""
    since, until = year
    cases: list[tuple[str, str, dict[str, str]]] = []
    for query in QUERIES:
        if "entity" in query.params:
            for label, entity in (
                ("busy entity", planted["busiest"]),
                ("rare entity", planted["rare"]),
            ):
                cases.append((f"{query.name} ({label})", query.name, {"entity": entity}))
            cases.append(
                (f"{query.name} (busy entity, 1 year)", query.name,
                 {"entity": planted["busiest"], "since": since, "until": until})
            )  # fmt: skip
        else:
            cases.append((f"{query.name} (no filter)", query.name, {}))
            cases.append((f"{query.name} (1 year)", query.name, {"since": since, "until": until}))
    return cases


def measure(db: Path, planted: dict[str, Any], repeats: int) -> dict[str, tuple[float, str]]:
    """Every measure on the archive at ``db``: {label: (ms, note)}."""
    out: dict[str, tuple[float, str]] = {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    year = ("2025-06-01", "2026-06-01")
    ms, _ = _time(lambda: conn.execute("SELECT count(*) FROM articles").fetchone(), repeats)
    out["baseline: SELECT count(*) FROM articles"] = (ms, "")
    for label, name, params in _cases(planted, year):
        query = get_query(name)
        ms, rows = _time(lambda q=query, p=params: run_query(conn, q, p), repeats)
        out[label] = (ms, f"{len(rows)} rows")
    ms, found = _time(lambda: resolve_entity(conn, planted["busiest"]), repeats)
    out["resolve_entity (id)"] = (ms, f"{len(found)} found")
    ms, found = _time(lambda: resolve_entity(conn, "삼성전자"), repeats)
    out["resolve_entity (삼성전자)"] = (ms, f"{len(found)} found")
    for kind, draw in (("funding", funding_chart_svg), ("partners", partner_graph_svg)):
        for period_label, (since, until) in (("all", ("", "")), ("1 year", year)):
            ms, svg = _time(lambda d=draw, s=since, u=until: d(conn, s, u), repeats)
            out[f"chart {kind} ({period_label})"] = (ms, f"{len(svg) // 1024} KB")
    conn.close()

    env = {**os.environ, "COLUMNS": "200"}
    for label, name in (("busy", planted["busiest"]), ("rare", planted["rare"])):
        cmd = [str(Path(sys.executable).parent / "kaiwatch"), "entity", name, "--db", str(db)]
        if not Path(cmd[0]).exists():
            cmd = [sys.executable, "-m", "flows.app.cli", *cmd[1:]]

        def run(cmd: list[str] = cmd) -> subprocess.CompletedProcess[str]:
            return subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)

        ms, done = _time(run, 1)  # a whole process: one timed run after a warm-up
        out[f"`kaiwatch entity` subprocess ({label})"] = (ms, done.stderr.strip()[:60])
    out.update(asyncio.run(_datasette(db, planted, repeats, year)))
    return out


async def _datasette(
    db: Path, planted: dict[str, Any], repeats: int, year: tuple[str, str]
) -> dict[str, tuple[float, str]]:
    from flows.app.browse import build_datasette

    datasette = build_datasette(db)
    await datasette.invoke_startup()
    since, until = year
    pages = [
        ("/kaiwatch/articles", "articles table (sort desc, facets)"),
        ("/kaiwatch/events", "events table (sort desc, facets)"),
        ("/kaiwatch/articles?_search=semiconductor", "search English (semiconductor)"),
        ("/kaiwatch/articles?_search=삼성전자", "search Korean (삼성전자 → 삼성전자가)"),
        ("/kaiwatch/articles?_search=Naver+chip", "search English, two words"),
        ("/kaiwatch/articles?_search=인공지능", "search Korean, common word (인공지능)"),
        (f"/kaiwatch/latest_events?type=&since={since}&until={until}", "latest_events page"),
        (
            f"/kaiwatch/entity_timeline?entity={planted['busiest']}&since=&until=",
            "entity_timeline page (busy)",
        ),
        ("/kaiwatch/funding_by_company?since=&until=", "funding_by_company page"),
        ("/kaiwatch/top_partner_pairs?since=&until=", "top_partner_pairs page"),
        ("/kaiwatch/widest_stories?since=&until=", "widest_stories page"),
        (f"/-/charts?since={since}&until={until}", "/-/charts (1 year)"),
        ("/-/charts", "/-/charts (all)"),
    ]
    out: dict[str, tuple[float, str]] = {}
    for path, label in pages:
        times = []
        response = None
        for round_ in range(repeats + 1):
            started = time.perf_counter()
            response = await datasette.client.get(path)
            if round_:
                times.append(1000 * (time.perf_counter() - started))
        assert response is not None
        note = f"HTTP {response.status_code}"
        text = response.text
        if "timed out" in text or "Timed out" in text:
            note += ", something timed out"
        out[f"datasette {label}"] = (statistics.median(times), note)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument(
        "--small", type=int, default=20_000, help="also measure this size (0: skip)"
    )
    parser.add_argument("--db", type=Path, help="the big archive (default: a temporary file)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the archive files")
    parser.add_argument("--reuse", action="store_true", help="measure an existing --db as is")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="kaiwatch-browse-")
    db = args.db or Path(folder) / "browse.db"
    sizes = [s for s in (args.small, args.articles) if s]
    results: dict[int, dict[str, tuple[float, str]]] = {}
    planted: dict[int, dict[str, Any]] = {}
    paths = {size: db if size == args.articles else Path(f"{db}.{size}") for size in sizes}
    for size, path in paths.items():
        meta = Path(f"{path}.planted.json")
        if args.reuse and path.exists() and meta.exists():
            planted[size] = json.loads(meta.read_text(encoding="utf-8"))
            Archive(path).close()  # applies any migration added since it was built
        else:
            if path.exists():
                sys.exit(f"{path} exists: pass a new path, or --reuse")
            planted[size] = build(path, size)
            meta.write_text(json.dumps(planted[size]), encoding="utf-8")
            print(f"built {size:,} articles in {planted[size]['build_s']:.0f} s", file=sys.stderr)
    # The same entities at every size: the big archive's busy and rare ones.
    entities = {k: planted[args.articles][k] for k in ("busiest", "rare")}
    for size, path in paths.items():
        results[size] = measure(path, {**planted[size], **entities}, args.repeats)
        print(f"measured {size:,}", file=sys.stderr)
    big = results[args.articles]
    small = results.get(args.small) if args.small else None
    head = f"| measure | {args.articles:,} articles (ms) |"
    rule = "|---|---:|"
    if small:
        head += f" {args.small:,} articles (ms) | big / small |"
        rule += "---:|---:|"
    print(head + " result |")
    print(rule + "---|")
    for label, (ms, note) in big.items():
        line = f"| {label} | {ms:,.1f} |"
        if small:
            small_ms = small.get(label, (float("nan"), ""))[0]
            line += f" {small_ms:,.1f} | {ms / small_ms:.1f}× |"
        flag = " **over 1 s**" if ms > 1000 and not label.startswith("`kaiwatch") else ""
        print(f"{line} {note}{flag} |")
    print(
        f"\nbusy entity: {planted[args.articles]['busiest']}, rare: "
        f"{planted[args.articles]['rare']}; file "
        f"{db.stat().st_size / 2**20:,.0f} MB"
    )
    if args.json:
        args.json.write_text(
            json.dumps({str(k): v for k, v in results.items()}, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
    if not args.keep:
        for path in paths.values():
            for suffix in ("", "-wal", "-shm", ".planted.json"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
    elif not args.db:
        print(f"kept in {folder}", file=sys.stderr)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
