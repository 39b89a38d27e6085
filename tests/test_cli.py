"""The kaiwatch command line, through typer's CliRunner, on real archives and servers."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.app.cli import app
from helpers import AI_PARAGRAPHS, OTHER_PARAGRAPHS, article_page, rss

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    # A wide terminal, so that tables do not fold titles.
    result = runner.invoke(app, list(args), env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def served_feed(feed_server) -> str:
    feed_server.route("/ai", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    feed_server.route("/other", article_page("Lantern festival in Seoul", OTHER_PARAGRAPHS))
    feed_server.route(
        "/feed.xml",
        rss(
            [
                ("Samsung and Naver sign AI chip MOU", feed_server.url("/ai")),
                ("Lantern festival in Seoul", feed_server.url("/other")),
            ]
        ),
        content_type="application/rss+xml",
        etag='"1"',
    )
    return feed_server.url("/feed.xml")


@pytest.fixture
def filled_db(served_feed: str, tmp_path: Path) -> Path:
    """An archive filled by the real pipeline (no Prefect needed for that)."""
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive

    db_path = tmp_path / "kw.db"
    with Archive(db_path) as archive, HttpClient() as client:
        poll_feed(
            Source(name="test", url=served_feed, allow_private_network=True),
            archive=archive,
            client=client,
            settings=Settings(),
        )
    return db_path


def test_sources_check_ok() -> None:
    code, out, err = invoke("sources", "check", "--sources", str(REPO / "sources.yaml"))
    assert code == 0
    assert "OK, 12 sources" in err
    assert "aitimes" in out


def test_sources_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker finds its sources file through KAIWATCH_SOURCES (deploy/README.md)."""
    path = tmp_path / "worker-sources.yaml"
    path.write_text(
        "sources:\n  - name: only-one\n    url: https://a.example/f\n", encoding="utf-8"
    )
    monkeypatch.setenv("KAIWATCH_SOURCES", str(path))
    code, out, err = invoke("sources", "check")
    assert code == 0
    assert f"{path}: OK, 1 sources" in err
    assert "only-one" in out


def test_sources_check_reports_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "sources:\n  - name: x\n    url: https://a.example/f\n    colour: red\n", encoding="utf-8"
    )
    code, _, err = invoke("sources", "check", "--sources", str(bad))
    assert code == 1
    assert (
        err.strip()
        == f"Error: {bad}: sources[0] (x): colour: unknown key. Fix: remove it or check its spelling (the keys are in the commented sources.yaml shipped with kaiwatch)."
    )


def test_sources_check_probe(served_feed: str, feed_server, tmp_path: Path) -> None:
    feed_server.route("/dead.xml", "no", status=503)
    path = tmp_path / "s.yaml"
    path.write_text(
        f"sources:\n  - name: live\n    url: {served_feed}\n  - name: dead\n    url: {feed_server.url('/dead.xml')}\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("sources", "check", "--sources", str(path), "--probe")
    assert code == 1  # one feed is down
    live = next(line for line in out.splitlines() if "live" in line)
    assert "200" in live
    assert " 2 " in live  # two items
    assert "2024-10-15" in live
    dead = next(line for line in out.splitlines() if "dead" in line)
    assert "503" in dead


def test_run_with_bad_sources_fails_before_prefect(tmp_path: Path) -> None:
    code, _, err = invoke(
        "run", "--sources", str(tmp_path / "missing.yaml"), "--db", str(tmp_path / "kw.db")
    )
    assert code == 1
    assert "file not found" in err
    assert not (tmp_path / "kw.db").exists()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_run_with_feed_prints_summary(served_feed: str, feed_server, tmp_path: Path) -> None:
    db = str(tmp_path / "kw.db")
    code, out, _ = invoke("run", "--feed", served_feed, "--db", db, "--allow-private-network")
    assert code == 0, out
    assert "feeds: 1 polled, 0 not modified, 0 failed" in out
    assert "entries: 2 seen; articles: 2 new, 0 duplicate, 0 irrelevant, 0 failed" in out
    # Run again at once: the feed was polled less than the minimum interval ago.
    code, out, _ = invoke("run", "--feed", served_feed, "--db", db, "--allow-private-network")
    assert code == 0, out
    assert "feeds: 0 polled, 0 not modified, 0 failed, 1 not due yet" in out
    assert "articles: 0 new" in out
    assert feed_server.count("/feed.xml") == 1


def test_search_json_and_filters(filled_db: Path) -> None:
    code, out, _ = invoke("search", "memorandum", "--db", str(filled_db), "--json")
    assert code == 0
    hits = [json.loads(line) for line in out.splitlines()]
    assert [hit["title"] for hit in hits] == ["Samsung and Naver sign AI chip MOU"]
    assert hits[0]["story_id"] is not None
    code, out, _ = invoke("search", "memorandum", "--db", str(filled_db), "--json", "--lang", "ko")
    assert (code, out.strip()) == (0, "")
    code, out, _ = invoke("search", "lantern", "--db", str(filled_db))
    assert "Lantern festival in Seoul" in out


def test_sources_status_and_resume(feed_server, tmp_path: Path) -> None:
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive

    feed_server.route("/dead.xml", "no", status=500)
    db = tmp_path / "kw.db"
    with Archive(db) as archive, HttpClient(max_retries=0) as client:
        poll_feed(
            Source(name="dead", url=feed_server.url("/dead.xml")), archive=archive, client=client,
            settings=Settings(pause_after_failures=1),
        )  # fmt: skip
    code, out, err = invoke("sources", "status", "--db", str(db))
    assert code == 0
    row = next(line for line in out.splitlines() if "dead" in line)
    assert "paused" in row
    assert "1 failed polls in a row" in row
    assert "1 operator message(s) queued" in err

    code, _, err = invoke("sources", "resume", "dead", "--db", str(db))
    assert (code, err.strip()) == (0, "dead: resumed; the next run polls it.")
    code, out, _ = invoke("sources", "status", "--db", str(db))
    assert " ok " in next(line for line in out.splitlines() if "dead" in line)

    code, _, err = invoke("sources", "resume", "nope", "--db", str(db))
    assert code == 1
    assert "no feed named 'nope' in the archive (known: dead)" in err


def test_search_missing_archive(tmp_path: Path) -> None:
    code, _, err = invoke("search", "x", "--db", str(tmp_path / "none.db"))
    assert code == 1
    assert "no archive here yet" in err


def test_export_jsonl_and_csv(filled_db: Path, tmp_path: Path) -> None:
    code, out, _ = invoke("export", "--db", str(filled_db), "--format", "jsonl")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 2
    for key in (
        "url",
        "canonical_url",
        "title",
        "text",
        "lang",
        "published",
        "source",
        "fetched_at",
        "story_id",
    ):
        assert key in records[0]
    assert records[0]["published"].startswith("2024-10-15")

    target = tmp_path / "out.csv"
    code, _, err = invoke(
        "export", "--db", str(filled_db), "--format", "csv", "--output", str(target)
    )
    assert code == 0
    assert "2 articles written" in err
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {row["title"] for row in rows} == {
        "Samsung and Naver sign AI chip MOU",
        "Lantern festival in Seoul",
    }

    code, _, err = invoke("export", "--db", str(filled_db), "--format", "xml")
    assert code == 1
    assert "--format must be jsonl or csv" in err


def test_extract_file_and_url(feed_server, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS), encoding="utf-8"
    )
    feed_server.route("/page", article_page("Lantern festival", OTHER_PARAGRAPHS))
    code, out, _ = invoke("extract", str(page), feed_server.url("/page"))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["source"] == str(page)
    assert "memorandum of understanding" in first["text"]
    assert "Leave a Reply" not in first["text"]
    assert first["lang"] == "en"
    assert second["url"] == feed_server.url("/page")
    assert "lantern festival" in second["text"]


def test_extract_reports_bad_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    code, out, _ = invoke("extract", str(tmp_path / "missing.html"), str(empty))
    assert code == 1
    missing, no_text = (json.loads(line) for line in out.splitlines())
    assert "cannot read" in missing["error"]
    assert no_text["error"]


def _all_commands() -> list[list[str]]:
    """Every command the CLI has, as its words (groups walked), so a new one is covered."""
    import typer

    from flows.app.cli import app

    def walk(command: Any, words: list[str]) -> list[list[str]]:
        subcommands = getattr(command, "commands", None)  # a group
        if subcommands:
            return [w for name, sub in subcommands.items() for w in walk(sub, [*words, name])]
        return [words]

    return walk(typer.main.get_command(app), [])


COMMANDS = _all_commands()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_readme_mention(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "Example:" in out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"kaiwatch {' '.join(command)}" in readme


UPSTAGE = [
    "SEOUL, Oct. 15 (Yonhap) -- Upstage, a Korean developer of large language models, said Tuesday "
    "it has raised 100 billion won in a Series B round to expand in the United States and Japan.",
    "The company said the funds will be used to hire sales staff abroad and to train the next version "
    "of its Solar model, which it sells to banks, insurers and public institutions.",
    "Strategic investors from the United States took part alongside Korean financial groups, the "
    "company said, without disclosing its valuation.",
]


@pytest.fixture
def story_db(feed_server, tmp_path: Path) -> Path:
    """An archive with one story carried by two outlets, and one other story."""
    from flows.analysis.entities import EntityTagger
    from flows.analysis.knowledge import load_entities
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive
    from storage.entities import sync_entities

    copy = ["By Partner Wire staff", UPSTAGE[0].split(" -- ", 1)[1], *UPSTAGE[1:]]

    def outlet(name: str, page: str) -> str:
        return page.replace("<head>", f'<head><meta property="og:site_name" content="{name}">')

    feed_server.route(
        "/first", outlet("Yonhap", article_page("Upstage raises 100 bln won in Series B", UPSTAGE))
    )
    feed_server.route(
        "/copy",
        outlet("Partner Wire", article_page("Korean AI firm Upstage secures new funding", copy)),
    )
    feed_server.route("/other", article_page("Samsung and Naver sign AI chip MOU", AI_PARAGRAPHS))
    titles = {
        "/first": "Upstage raises 100 bln won in Series B",
        "/copy": "Korean AI firm Upstage secures new funding",
        "/other": "Samsung and Naver sign AI chip MOU",
    }
    for name, path in [("wire", "/first"), ("partner", "/copy"), ("tech", "/other")]:
        item = (titles[path], feed_server.url(path))
        feed_server.route(f"/{name}.xml", rss([item]), content_type="application/rss+xml")
    kb = load_entities(REPO / "entities.yaml")
    db = tmp_path / "kw.db"
    with Archive(db) as archive, HttpClient() as client:
        with archive.write() as conn:
            sync_entities(conn, kb)
        for name in ("wire", "partner", "tech"):
            source = Source(
                name=name, url=feed_server.url(f"/{name}.xml"), allow_private_network=True
            )
            poll_feed(
                source, archive=archive, client=client, settings=Settings(), tagger=EntityTagger(kb)
            )
    return db


def test_search_shows_each_story_once_with_its_outlets(story_db: Path) -> None:
    code, out, _ = invoke("search", "Upstage", "--db", str(story_db), "--json")
    hits = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [(hit["title"], hit["outlets"]) for hit in hits] == [
        ("Upstage raises 100 bln won in Series B", 2)
    ]
    code, out, _ = invoke("search", "Upstage", "--db", str(story_db), "--json", "--copies")
    copies = [json.loads(line) for line in out.splitlines()]
    assert len(copies) == 2
    assert {hit["story_id"] for hit in copies} == {hits[0]["story_id"]}


def test_story_lists_its_articles(story_db: Path) -> None:
    code, out, _ = invoke("search", "Upstage", "--db", str(story_db), "--json")
    story_id = json.loads(out.splitlines()[0])["story_id"]
    code, out, _ = invoke("story", str(story_id), "--db", str(story_db))
    assert code == 0
    lines = [line for line in out.splitlines() if "/first" in line or "/copy" in line]
    assert len(lines) == 2
    assert "lead" in lines[0] and "/first" in lines[0]
    code, _, err = invoke("story", "999", "--db", str(story_db))
    assert (code, "no story 999" in err) == (1, True)


def test_export_marks_copies_and_counts_outlets(story_db: Path) -> None:
    _, out, _ = invoke("export", "--db", str(story_db))
    records = {record["title"]: record for record in map(json.loads, out.splitlines())}
    lead = records["Upstage raises 100 bln won in Series B"]
    copy = records["Korean AI firm Upstage secures new funding"]
    assert (lead["outlets"], lead["duplicate_of"]) == (2, None)
    assert (copy["outlets"], copy["duplicate_of"], copy["story_id"]) == (
        None,
        lead["id"],
        lead["story_id"],
    )


def test_reindex_gives_the_same_stories_and_tags(story_db: Path) -> None:
    import sqlite3

    def snapshot() -> tuple[list[tuple], list[tuple]]:
        with sqlite3.connect(story_db) as conn:
            stories = conn.execute("SELECT id, duplicate_of FROM articles ORDER BY id").fetchall()
            groups = conn.execute(
                "SELECT group_concat(id) FROM articles GROUP BY story_id ORDER BY min(id)"
            ).fetchall()
            tags = conn.execute(
                "SELECT article_id, entity_id, count FROM article_entities ORDER BY 1, 2"
            ).fetchall()
            events = conn.execute(
                "SELECT article_id, story_id, type, evidence FROM events ORDER BY 1, 3, 4"
            ).fetchall()
        return [*stories, *groups], [*tags, *events]

    before = snapshot()
    assert before[1], "the fixture archive has entity tags"
    assert any(row[2] == "funding" for row in before[1] if len(row) == 4), "and a funding event"
    code, _, err = invoke("reindex", "--db", str(story_db))
    assert code == 0, err
    assert "3 articles in 2 stories (1 near-duplicates)" in err
    assert snapshot() == before


def test_analyze_reads_json_lines_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "a",
                "title": "네이버, 삼성전자와 AI 반도체 협력",
                "text": "네이버가 삼성전자와 손잡고 AI 반도체를 개발하기로 했다. 투자 규모는 1조 200억원이다.",
            },
            ensure_ascii=False,
        )
        + "\nnot json\n"
        + json.dumps({"id": "c"})
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("analyze", str(path))
    assert code == 1  # two bad lines
    first, bad, missing = (json.loads(line) for line in out.splitlines())
    assert first["id"] == "a" and first["lang"] == "ko" and first["about_korean_ai"] is True
    assert {entity["id"] for entity in first["entities"]} >= {"naver", "samsung-electronics"}
    assert first["money"][0]["krw"] == 1_020_000_000_000
    assert (bad["id"], bad["line"]) == (None, 2)
    assert (missing["line"], "text" in missing["error"]) == (3, True)


def test_entities_candidates_lists_unknown_organisations(feed_server, tmp_path: Path) -> None:
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive

    items = []
    for n in range(3):
        body = [
            f"Zorblat Robotics Inc. said on day {n} that it would open a Seoul AI lab with Naver.",
            *AI_PARAGRAPHS,
        ]
        feed_server.route(f"/z{n}", article_page(f"Zorblat story {n}", body))
        items.append((f"Zorblat story {n}", feed_server.url(f"/z{n}")))
    feed_server.route("/z.xml", rss(items), content_type="application/rss+xml")
    from flows.analysis.entities import EntityTagger
    from flows.analysis.knowledge import load_entities
    from storage.entities import sync_entities

    db = tmp_path / "kw.db"
    kb = load_entities(REPO / "entities.yaml")
    with Archive(db) as archive, HttpClient() as client:
        with archive.write() as conn:
            sync_entities(conn, kb)
        poll_feed(
            Source(name="z", url=feed_server.url("/z.xml"), allow_private_network=True),
            archive=archive,
            client=client,
            settings=Settings(),
            tagger=EntityTagger(kb),  # a run analyses what it archives (ingest passes it)
        )
    code, out, _ = invoke("entities", "candidates", "--db", str(db), "--min-count", "2")
    assert code == 0
    assert "Zorblat Robotics" in out
    assert "Naver" not in out.split("┃", 3)[-1]  # known to the knowledge base


def test_bracketed_headlines_print_as_written(feed_server, tmp_path: Path) -> None:
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive

    title = "[update] Samsung and Naver sign AI chip MOU [bold]"
    feed_server.route("/b", article_page(title, AI_PARAGRAPHS))
    feed_server.route("/b.xml", rss([(title, feed_server.url("/b"))]))
    db = tmp_path / "kw.db"
    with Archive(db) as archive, HttpClient() as client:
        poll_feed(
            Source(name="b", url=feed_server.url("/b.xml"), allow_private_network=True),
            archive=archive, client=client, settings=Settings(),
        )  # fmt: skip
    code, out, _ = invoke("search", "memorandum", "--db", str(db), "--json")
    assert code == 0 and json.loads(out)["title"] == title
    code, out, _ = invoke("search", "memorandum", "--db", str(db))
    assert code == 0 and "[update] Samsung" in out


@pytest.mark.parametrize("query", ["memorandum AND", "memorandum OR", "NEAR( memorandum"])
def test_search_with_unparsable_operators_searches_words(filled_db: Path, query: str) -> None:
    code, out, err = invoke("search", query, "--db", str(filled_db), "--json")
    assert code == 0, err
    assert [json.loads(line)["title"] for line in out.splitlines()] == [
        "Samsung and Naver sign AI chip MOU"
    ]


def test_search_of_operators_alone_finds_nothing_without_error(filled_db: Path) -> None:
    code, out, err = invoke("search", "*", "--db", str(filled_db), "--json")
    assert (code, out) == (0, "") and "syntax" not in err


def test_search_operators_that_parse_still_work(filled_db: Path) -> None:
    code, out, _ = invoke("search", "memorandum OR lantern", "--db", str(filled_db), "--json")
    assert code == 0 and "Samsung and Naver" in out


def test_browse_a_missing_archive_is_one_error_line(tmp_path: Path) -> None:
    code, _, err = invoke("browse", "--db", str(tmp_path / "absent.db"), "--no-open")
    assert code == 1
    assert "no archive here yet" in err and "Serving" not in err


def test_entity_limit_shows_the_newest_items(story_db: Path) -> None:
    code, out, err = invoke("entity", "upstage", "--db", str(story_db), "--limit", "1", "--json")
    assert code == 0, err
    assert len(out.splitlines()) == 1
    code, out, err = invoke("entity", "upstage", "--db", str(story_db), "--limit", "0", "--json")
    assert code == 0 and len(out.splitlines()) >= 2


# --- issue 14: say why ---------------------------------------------------------------


def test_sources_check_names_an_unknown_entity_in_a_watch_list(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "alerts:\n  routes:\n    - name: watch\n      entities: [naver, 삼성전자, naverr]\n"
        "      to: [all]\nsources: []\n",
        encoding="utf-8",
    )
    code, _, err = invoke("sources", "check", "--sources", str(path))
    assert code == 1
    assert err.strip() == (
        f"Error: {path}: alerts.routes[0] (watch): entities: 'naverr' is not an entity in "
        "entities.yaml (did you mean 'naver'?). Fix: use an id, name or alias from "
        "entities.yaml, or add the entity there."
    )
    path.write_text(
        "alerts:\n  routes:\n    - name: watch\n      entities: [naver, 삼성전자, Kakao Brain]\n"
        "      to: [all]\nsources: []\n",
        encoding="utf-8",
    )
    code, _, err = invoke("sources", "check", "--sources", str(path))
    assert code == 0, err


@pytest.mark.slow
def test_run_and_digest_are_quiet_unless_verbose_and_log_to_a_file(
    served_feed: str, tmp_path: Path, feed_server
) -> None:  # type: ignore[no-untyped-def]
    """Real `kaiwatch` processes: their own summary on the console, Prefect's lines elsewhere."""
    import subprocess

    from helpers import kaiwatch_command, prefect_env

    feed_server.route("/hook", "ok")
    hook = feed_server.url("/hook").replace("http://", "json://")
    env = prefect_env(tmp_path / "prefect", KAIWATCH_NOTIFY=hook, COLUMNS="200")
    db, log = str(tmp_path / "kw.db"), tmp_path / "kaiwatch.log"

    def kaiwatch(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            kaiwatch_command(*args), cwd=REPO, env=env, capture_output=True, text=True,
            timeout=240, check=False,
        )  # fmt: skip

    quiet = kaiwatch("run", "--feed", served_feed, "--db", db, "--allow-private-network",
                     "--log-file", str(log))  # fmt: skip
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("feeds: 1 polled, 0 not modified, 0 failed\n")
    for noise in ("| INFO", "Flow run", "Task run", "docs.prefect.io", "Starting temporary server"):
        assert noise not in quiet.stderr, quiet.stderr
    logged = log.read_text(encoding="utf-8")
    assert "Beginning flow run" in logged and "feeds: 1 polled" in logged

    verbose = kaiwatch("run", "--feed", served_feed, "--db", db, "--allow-private-network",
                       "--now", "--verbose")  # fmt: skip
    assert verbose.returncode == 0, verbose.stderr
    assert "Beginning flow run" in verbose.stderr and "feeds: 1 polled" in verbose.stdout

    sources = tmp_path / "sources.yaml"
    sources.write_text("sources: []\n", encoding="utf-8")
    digest = kaiwatch("digest", "--sources", str(sources), "--db", db)
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.startswith("digest ")
    assert "| INFO" not in digest.stderr and "Flow run" not in digest.stderr, digest.stderr


def test_export_csv_with_a_bom_for_excel(filled_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, _, err = invoke("export", "--db", str(filled_db), "--format", "csv", "--bom", "-o",
                          str(target))  # fmt: skip
    assert code == 0, err
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,url,")  # Excel reads UTF-8 only after a BOM
    plain = tmp_path / "plain.csv"
    invoke("export", "--db", str(filled_db), "--format", "csv", "-o", str(plain))
    assert plain.read_bytes().startswith(b"id,url,")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_names_values_not_python_types(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "<bool>" not in out and "<list[str]>" not in out, out


@pytest.mark.parametrize("group", [[], ["sources"], ["event"], ["entities"], ["alerts"]], ids=str)
def test_group_help_names_no_python_type(group: list[str]) -> None:
    code, out, _ = invoke(*group, "--help")
    assert code == 0 and "Commands" in out
    assert "<bool>" not in out, out


def test_run_help_names_its_feed_values_and_analyze_help_its_events() -> None:
    _, out, _ = invoke("run", "--help")
    assert re.search(r"--feed\s+URL\s", out), out
    _, out, _ = invoke("analyze", "--help")
    assert "events" in out


def test_digest_preview_of_today_or_a_chosen_day(tmp_path: Path, tagger, kb) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from flows.analysis.dedup import content_hash
    from flows.analysis.enrich import enrich_article
    from flows.core.models import ArticleRecord, EntryOutcome
    from flows.pipeline.persist import save_outcomes
    from storage.archive import Archive
    from storage.entities import sync_entities

    db = tmp_path / "kw.db"
    sources = tmp_path / "s.yaml"
    sources.write_text("settings:\n  timezone: UTC\nsources: []\n", encoding="utf-8")
    # Two deals: a digest places a deal on the day of its first report (storage/deals.py).
    with Archive(db) as archive:
        with archive.write() as conn:
            sync_entities(conn, kb)
        for url, published, title, paragraphs in (
            (
                "https://a.example/today",
                datetime.now(UTC),
                "Upstage raises 100 billion won in Series B",
                UPSTAGE,
            ),
            (
                "https://a.example/old",
                datetime(2024, 10, 15, 3, tzinfo=UTC),
                "Moara Robotics raises $12 million",
                MOARA,
            ),
        ):
            text = "\n".join(paragraphs)
            record = ArticleRecord(
                canonical_url=url, url=url, title=title,
                text=text + f"\n{url}", content_hash=content_hash(text + url), source="wire",
                fetched_at=published, published=published, lang="en",
            )  # fmt: skip
            outcome = EntryOutcome(key=url, status="archived", title=record.title,
                                   article=enrich_article(record, tagger))  # fmt: skip
            save_outcomes(archive, [outcome], feed_id=None, run_id=None)

    code, out, err = invoke("digest", "--preview", "--day", "today", "--sources", str(sources),
                            "--db", str(db))  # fmt: skip
    assert code == 0, err
    today = datetime.now(UTC).date().isoformat()
    assert out.startswith(f"kaiwatch daily digest, {today}: 1 event")
    assert "Upstage" in out
    code, out, err = invoke("digest", "--preview", "--day", "2024-10-15", "--sources",
                            str(sources), "--db", str(db))  # fmt: skip
    assert code == 0, err
    assert "2024-10-15" in out.splitlines()[0] and "Moara Robotics" in out
    assert "Upstage" not in out
    code, _, err = invoke("digest", "--preview", "--day", "last week", "--sources", str(sources),
                          "--db", str(db))  # fmt: skip
    assert code == 1 and "--day must be a date as YYYY-MM-DD or 'today'" in err


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """``path`` made read-only for this process: chmod, or (as root) the immutable flag."""
    import os
    import shutil
    import stat
    import subprocess

    if os.geteuid() != 0:
        path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    elif (
        not shutil.which("chattr")
        or subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode
    ):
        pytest.skip("running as root where chattr +i does not work: cannot make a folder read-only")
    try:
        yield path
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=False)
        path.chmod(stat.S_IRWXU)


def _kaiwatch_process(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    from helpers import kaiwatch_command, prefect_env

    return subprocess.run(
        kaiwatch_command(*args), cwd=REPO, env=prefect_env(tmp_path / "prefect", COLUMNS="200"),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_read_only_archive_folder_is_one_line_and_can_still_be_read(
    filled_db: Path, served_feed: str, tmp_path: Path
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    db = folder / "kw.db"
    db.write_bytes(filled_db.read_bytes())  # a WAL-mode archive, as kaiwatch leaves it
    with read_only_folder(folder):
        run = _kaiwatch_process("run", "--feed", served_feed, "--db", str(db), tmp_path=tmp_path)
        assert run.returncode == 1
        assert run.stderr.strip() == (
            f"Error: {folder}: the archive's folder is read-only: kaiwatch writes the archive "
            "and its -wal and -shm files there. Fix: make the folder writable, or pass --db "
            "PATH (or set KAIWATCH_DB) to a writable place."
        )
        listed = _kaiwatch_process("runs", "--db", str(db), tmp_path=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert "Traceback" not in listed.stderr
        from flows.app.browse import build_datasette, check_archive

        check_archive(db)  # "not a kaiwatch archive" was false
        datasette = build_datasette(db)

        async def count() -> int:
            await datasette.invoke_startup()
            rows = await datasette.get_database("kaiwatch").execute("SELECT count(*) FROM articles")
            return int(rows.first()[0])

        import asyncio

        assert asyncio.run(count()) == 2


def test_browse_on_a_busy_port_says_so_before_serving(filled_db: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _kaiwatch_process("browse", "--db", str(filled_db), "--port", str(port),
                                   "--no-open", tmp_path=tmp_path)  # fmt: skip
    assert result.returncode == 1
    assert "Serving" not in result.stderr
    assert result.stderr.strip() == (
        f"Error: port {port} on 127.0.0.1 is in use (another kaiwatch browse?). "
        "Fix: pass --port N, or --port 0 for any free port."
    )


def test_readme_and_sources_yaml_say_what_settings_flags_and_counts_mean() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shipped = (REPO / "sources.yaml").read_text(encoding="utf-8")
    comments = "\n".join(line for line in shipped.splitlines() if "#" in line)
    for setting in ("max_age_hours", "min_poll_interval_minutes", "pause_after_failures"):
        assert setting in readme, setting
        assert setting in comments, setting
    for flag in ("--now", "--retry-failed", "--verbose", "--log-file", "--bom", "--day"):
        assert flag in readme, flag
    section = readme.split("## What a run summary says", 1)[1].split("\n## ", 1)[0]
    for count in ("not modified", "not due yet", "paused", "duplicate", "irrelevant", "failed",
                  "routed", "sent", "dead", "skipped", "waiting for a channel",
                  "cannot be loaded"):  # fmt: skip
        assert f"`{count}`" in section or count in section, count


MOARA = [
    "Moara Robotics, a Seoul-based startup that builds AI-powered warehouse robots, said on Monday "
    "it raised $12 million in a Series A round led by Kakao Ventures.",
    "The company will use the money to hire engineers and open an office in Busan.",
]
MOARA_2 = [
    "Kakao Ventures said it led the Series A of Moara Robotics, whose warehouse robots run on AI "
    "models trained in Korea.",
    "Moara Robotics was founded by former Samsung engineers.",
]


@pytest.fixture
def open_db(feed_server, tmp_path: Path) -> Path:
    """An archive (filled by the real pipeline) with a startup entities.yaml does not list."""
    from flows.analysis.entities import EntityTagger
    from flows.analysis.knowledge import load_entities
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive
    from storage.entities import sync_entities

    feed_server.route("/moara", article_page("Moara Robotics raises $12 million", MOARA))
    feed_server.route("/moara-2", article_page("Kakao Ventures backs Moara Robotics", MOARA_2))
    items = [
        ("Moara Robotics raises $12 million", feed_server.url("/moara")),
        ("Kakao Ventures backs Moara Robotics", feed_server.url("/moara-2")),
    ]
    feed_server.route("/open.xml", rss(items), content_type="application/rss+xml")
    kb = load_entities(REPO / "entities.yaml")
    db = tmp_path / "kw.db"
    with Archive(db) as archive, HttpClient() as client:
        with archive.write() as conn:
            sync_entities(conn, kb)
        source = Source(name="open", url=feed_server.url("/open.xml"), allow_private_network=True)
        poll_feed(
            source, archive=archive, client=client, settings=Settings(), tagger=EntityTagger(kb)
        )
    return db


def test_entities_candidates_ranks_names_the_knowledge_base_lacks(open_db: Path) -> None:
    code, out, _ = invoke("entities", "candidates", "--db", str(open_db), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows[0]["id"] == "unk:moara-robotics"
    assert (rows[0]["name"], rows[0]["type"], rows[0]["articles"]) == ("Moara Robotics", "org", 2)
    assert rows[0]["events"] >= 1


def test_entities_promote_prints_and_appends_a_valid_entry(open_db: Path, tmp_path: Path) -> None:
    kb_path = tmp_path / "entities.yaml"
    kb_path.write_text((REPO / "entities.yaml").read_text("utf-8"), "utf-8")
    code, out, _ = invoke("entities", "promote", "unk:moara-robotics", "--db", str(open_db))
    assert code == 0
    assert out.splitlines()[:3] == [
        "  - id: moara-robotics",
        '    name: "Moara Robotics"',
        "    type: company",
    ]
    assert "moara" not in kb_path.read_text("utf-8")  # printing writes nothing
    args = ["--db", str(open_db), "--entities", str(kb_path), "--country", "KR", "--write"]
    code, _, err = invoke("entities", "promote", "unk:moara-robotics", *args)
    assert code == 0 and "kaiwatch reindex" in err
    from flows.analysis.knowledge import load_entities

    assert load_entities(kb_path).get("moara-robotics").country == "KR"
    code, out, _ = invoke(
        "entities", "candidates", "--db", str(open_db), "--entities", str(kb_path)
    )
    assert "Moara Robotics" not in out  # known now
    code, _, err = invoke("entities", "promote", "unk:moara-robotics", *args)
    assert code == 1 and "moara-robotics" in err  # the id is taken: nothing appended twice


def test_entities_promote_unknown_id_says_where_to_look(open_db: Path) -> None:
    code, _, err = invoke("entities", "promote", "unk:nobody", "--db", str(open_db))
    assert code == 1 and "kaiwatch entities candidates" in err


def test_explain_an_archived_article_by_id_and_url(open_db: Path, feed_server) -> None:
    code, out, _ = invoke("explain", "1", "--db", str(open_db), "--sources", "none.yaml")
    assert code == 0, out
    assert "funding: probability 0.9" in out
    assert "no channel configured" in out
    assert "Moara Robotics (recipient), Kakao Ventures (lead_investor)" in out
    code, by_url, _ = invoke(
        "explain", feed_server.url("/moara"), "--db", str(open_db), "--sources", "none.yaml"
    )
    assert code == 0 and by_url == out


def test_explain_a_json_line_says_why_not(tmp_path: Path) -> None:
    line = json.dumps(
        {"id": "x", "title": "KT and Palantir discuss AI", "lang": "ko", "published": "2026-03-02",
         "text": "KT 대표가 팔란티어 CEO와 만나 AI 협력 방안을 논의했다."},
        ensure_ascii=False,
    )  # fmt: skip
    code, out, _ = invoke(
        "explain", line, "--json", "--sources", "none.yaml", "--db", str(tmp_path / "none.db")
    )
    assert code == 0
    report = json.loads(out)
    partnership = next(t for t in report["types"] if t["type"] == "partnership")
    assert partnership["probability"] < 0.5
    doubts = {r[0] for c in partnership["candidates"] for r in c["rejections"]}
    assert "b.ko.talks" in doubts
    [verdict] = [v for v in report["alerts"] if v["type"] == "partnership"]
    assert verdict["alert"] is False and verdict["why"].startswith("below the threshold")
    assert report["reference_date"] == "2026-03-02" and report["reference_source"] == "published"


def test_explain_routes_through_the_configured_channels(
    open_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "alerts:\n  routes:\n    - name: big\n      types: [funding]\n      min_amount: 100 billion won\n"
        "      to: [funding]\nsources: []\n",
        "utf-8",
    )
    monkeypatch.setenv("KAIWATCH_NOTIFY", "json://127.0.0.1:9/hook?tag=funding")
    code, out, _ = invoke("explain", "1", "--db", str(open_db), "--sources", str(sources))
    assert code == 0
    assert "no route matches (routes: big)" in out  # $12 million is below the route's minimum


def test_new_names_canned_query_lists_unknown_entities(open_db: Path) -> None:
    # The same rows Datasette's new_names query shows.
    from flows.notify.queries import NEW_NAMES, run_query
    from storage.archive import Archive

    with Archive(open_db, readonly=True) as archive:
        rows = run_query(archive.conn, NEW_NAMES)
    assert rows[0]["id"] == "unk:moara-robotics" and rows[0]["articles"] == 2


def test_search_and_export_show_names_found_new_ones_marked(open_db: Path) -> None:
    code, out, _ = invoke("search", "Moara", "--db", str(open_db), "--json")
    assert code == 0
    hits = [json.loads(line) for line in out.splitlines()]
    assert "Moara Robotics (new)" in hits[0]["entities"]
    code, out, _ = invoke("export", "--db", str(open_db))
    assert "Kakao Ventures" in json.loads(out.splitlines()[0])["entities"]
