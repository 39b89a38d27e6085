"""The kaiwatch command line, through typer's CliRunner, on real archives and servers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from test_pipeline import AI_PARAGRAPHS, OTHER_PARAGRAPHS, article_page, rss

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
    from flows.config import Settings, Source
    from flows.net import HttpClient
    from flows.pipeline import poll_feed
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


def test_sources_check_reports_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text(
        "sources:\n  - name: x\n    url: https://a.example/f\n    colour: red\n", encoding="utf-8"
    )
    code, _, err = invoke("sources", "check", "--sources", str(bad))
    assert code == 1
    assert (
        err.strip()
        == f"Error: {bad}: sources[0] (x): colour: unknown key. Fix: remove it or check its spelling (see the comments in sources.yaml)."
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
    from flows.config import Settings, Source
    from flows.net import HttpClient
    from flows.pipeline import poll_feed
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


COMMANDS = [
    ["run"], ["serve"], ["sources", "check"], ["sources", "status"], ["sources", "resume"],
    ["search"], ["export"], ["extract"], ["runs"],
]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_readme_mention(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "Example:" in out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"kaiwatch {' '.join(command)}" in readme
