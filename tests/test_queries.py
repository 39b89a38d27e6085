"""Canned queries (flows/notify/queries.py) on an archive filled by the real pipeline.

The fixture site below is shared with test_charts.py and test_browse.py: two feeds
(English and Korean) whose pages give funding rounds in July and August 2024 and
partnerships in August and September, plus one story re-run by a second outlet.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.core.errors import KaiwatchError
from flows.notify.queries import (
    ENTITY_PARTNERSHIPS,
    ENTITY_TIMELINE,
    FUNDING_BY_COMPANY,
    FUNDING_BY_KIND,
    FUNDING_BY_MONTH,
    LATEST_EVENTS,
    QUERIES,
    TOP_PARTNER_PAIRS,
    WIDEST_STORIES,
    get_query,
    resolve_entity,
    run_query,
)
from helpers import fill_archive


@pytest.fixture
def conn(feed_server, tmp_path: Path, tagger, kb) -> Iterator[sqlite3.Connection]:  # type: ignore[no-untyped-def]
    path = fill_archive(feed_server, tmp_path / "kw.db", tagger, kb)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_fixture_site_gives_the_expected_events(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT type, party_names FROM events ORDER BY id").fetchall()
    assert ("funding", '["Rebellions"]') in rows
    assert sum(kind == "partnership" for kind, _ in rows) == 3


def test_latest_events_once_per_story_newest_first(conn: sqlite3.Connection) -> None:
    rows = run_query(conn, LATEST_EVENTS)
    assert [(r["date"], r["type"], r["parties"]) for r in rows] == [
        ("2024-09-19", "partnership", "SK Telecom + Anthropic"),
        ("2024-09-09", "partnership", "Naver + Samsung Electronics"),
        ("2024-08-20", "partnership", "Naver + Samsung Electronics"),
        ("2024-08-14", "funding", "Upstage"),  # the copy in the second feed is not repeated
        ("2024-07-25", "funding", "FuriosaAI"),
        ("2024-07-09", "funding", "Rebellions"),
    ]


def test_latest_events_filters_type_and_period(conn: sqlite3.Connection) -> None:
    rows = run_query(conn, LATEST_EVENTS, {"type": "funding", "since": "2024-07-10"}, limit=5)
    assert [r["parties"] for r in rows] == ["Upstage", "FuriosaAI"]
    assert rows[1]["amount_krw"] == 80_000_000_000
    assert rows[1]["round"] == "Series C"
    rows = run_query(conn, LATEST_EVENTS, {"until": "2024-07-10"})
    assert [r["parties"] for r in rows] == ["Rebellions"]


def test_funding_by_month_totals(conn: sqlite3.Connection) -> None:
    rows = run_query(conn, FUNDING_BY_MONTH)
    assert [(r["month"], r["round"], r["events"], r["total_krw"]) for r in rows] == [
        ("2024-08", "Series B", 1, 100_000_000_000),
        ("2024-07", "Series B", 1, 124_000_000_000),
        ("2024-07", "Series C", 1, 80_000_000_000),
    ]
    assert all(r["total_usd"] and r["total_usd"] > 50_000_000 for r in rows)


def test_funding_by_company_and_kind(conn: sqlite3.Connection) -> None:
    rows = run_query(conn, FUNDING_BY_COMPANY, {"since": "2024-07"})
    assert [(r["company"], r["total_krw"]) for r in rows] == [
        ("Rebellions", 124_000_000_000),
        ("Upstage", 100_000_000_000),
        ("FuriosaAI", 80_000_000_000),
    ]
    kinds = run_query(conn, FUNDING_BY_KIND)
    assert sum(r["events"] for r in kinds) == 3
    assert sum(r["total_krw"] for r in kinds) == 304_000_000_000


@pytest.mark.parametrize("name", ["naver", "NAVER", "Naver", "네이버"])
def test_entity_partnerships_by_any_name(conn: sqlite3.Connection, name: str) -> None:
    rows = run_query(conn, ENTITY_PARTNERSHIPS, {"entity": name})
    assert [(r["date"], r["partners"]) for r in rows] == [
        ("2024-09-09", "Samsung Electronics"),
        ("2024-08-20", "Samsung Electronics"),
    ]


def test_entity_timeline_lists_articles_and_events(conn: sqlite3.Connection) -> None:
    rows = run_query(conn, ENTITY_TIMELINE, {"entity": "upstage"})
    assert [(r["date"], r["kind"]) for r in rows] == [
        ("2024-08-14", "funding"),
        ("2024-08-14", "article"),
    ]
    assert rows[0]["what"] == "Upstage · Series B · ₩100 bn"  # the unit, not a raw integer
    assert rows[1]["what"] == "Upstage closes 100 billion won Series B round to expand abroad"


def test_top_partner_pairs_and_widest_stories(conn: sqlite3.Connection) -> None:
    pairs = run_query(conn, TOP_PARTNER_PAIRS)
    assert [(p["left_name"], p["right_name"], p["partnerships"]) for p in pairs] == [
        ("Naver", "Samsung Electronics", 2),
        ("Anthropic", "SK Telecom", 1),
    ]
    assert run_query(conn, TOP_PARTNER_PAIRS, {"since": "2024-09-01"})[0]["partnerships"] == 1
    stories = run_query(conn, WIDEST_STORIES, limit=1)
    assert stories[0]["title"].startswith("Upstage closes")
    assert stories[0]["outlets"] == 2


def test_resolve_entity_by_id_name_and_korean(conn: sqlite3.Connection) -> None:
    assert resolve_entity(conn, "SAMSUNG ELECTRONICS") == [
        ("samsung-electronics", "Samsung Electronics")
    ]
    assert resolve_entity(conn, "삼성전자") == [("samsung-electronics", "Samsung Electronics")]
    assert resolve_entity(conn, "no such company") == []


def test_run_query_rejects_missing_and_unknown_parameters(conn: sqlite3.Connection) -> None:
    with pytest.raises(KaiwatchError, match="parameter 'entity' is required"):
        run_query(conn, ENTITY_TIMELINE)
    with pytest.raises(KaiwatchError, match="unknown parameter"):
        run_query(conn, LATEST_EVENTS, {"colour": "red"})
    with pytest.raises(KaiwatchError, match="known: latest_events"):
        get_query("nope")


def test_every_query_declares_exactly_its_sql_parameters() -> None:
    import re

    for query in QUERIES:
        used = set(re.findall(r":(\w+)", query.sql))
        assert used == set(query.params), query.name


# --- the same queries from the command line ----------------------------------------------


@pytest.fixture
def db_path(feed_server, tmp_path: Path, tagger, kb) -> Path:  # type: ignore[no-untyped-def]
    return fill_archive(feed_server, tmp_path / "kw.db", tagger, kb)


def _invoke(*args: str) -> tuple[int, str, str]:
    from typer.testing import CliRunner

    from flows.app.cli import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


def test_cli_events_json_and_table(db_path: Path) -> None:
    import json

    code, out, _ = _invoke("events", "--db", str(db_path), "--type", "funding", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["date"], r["parties"], r["amount_krw"]) for r in rows] == [
        ("2024-08-14", "Upstage", 100_000_000_000),
        ("2024-07-25", "FuriosaAI", 80_000_000_000),
        ("2024-07-09", "Rebellions", 124_000_000_000),
    ]
    code, out, _ = _invoke("events", "--db", str(db_path), "--since", "2024-09", "--limit", "1")
    assert code == 0
    assert "SK Telecom + Anthropic" in out
    assert "Naver" not in out
    code, _, err = _invoke("events", "--db", str(db_path), "--type", "merger")
    assert (code, err.strip()) == (1, "Error: --type must be partnership or funding, got 'merger'")


def test_cli_entity_timeline_by_korean_name(db_path: Path) -> None:
    import json

    code, out, err = _invoke("entity", "삼성전자", "--db", str(db_path))
    assert code == 0
    assert err.strip() == "Samsung Electronics (samsung-electronics): 4 item(s)"
    assert "네이버, 삼성전자와 AI 반도체 추가 협약" in out
    code, out, _ = _invoke("entity", "SAMSUNG ELECTRONICS", "--db", str(db_path), "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["date"], r["kind"]) for r in rows] == [
        ("2024-09-09", "partnership"),
        ("2024-09-09", "article"),
        ("2024-08-20", "partnership"),
        ("2024-08-20", "article"),
    ]
    assert {r["entity_id"] for r in rows} == {"samsung-electronics"}
    code, _, err = _invoke("entity", "Nobody Inc", "--db", str(db_path))
    assert code == 1
    assert err.strip() == (
        "Error: no entity named 'Nobody Inc' in the archive or entities.yaml. "
        'Hint: try `kaiwatch search "Nobody Inc"`.'
    )


def test_cli_export_events_csv(db_path: Path, tmp_path: Path) -> None:
    import csv

    out_path = tmp_path / "events.csv"
    code, _, err = _invoke(
        "export", "--events", "--format", "csv", "-o", str(out_path), "--db", str(db_path)
    )
    assert code == 0
    assert err.strip() == f"6 events written to {out_path}"
    with out_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:4] == ["date", "type", "parties", "round"]
    assert [(r["date"], r["type"]) for r in rows][-1] == ("2024-07-09", "funding")
    assert rows[-1]["amount_krw"] == "124000000000"


def test_cli_chart_writes_svg(db_path: Path, tmp_path: Path) -> None:
    out_path = tmp_path / "partners.svg"
    code, _, err = _invoke("chart", "partners", "--db", str(db_path), "--out", str(out_path))
    assert code == 0
    assert err.strip() == f"partners chart written to {out_path}"
    assert out_path.read_text(encoding="utf-8").count("class='edge'") == 2
    code, out, _ = _invoke("chart", "funding", "--db", str(db_path), "--since", "2024-08-01")
    assert out.count("class='bar'") == 1
    code, _, err = _invoke("chart", "pie", "--db", str(db_path))
    assert (code, err.strip()) == (1, "Error: chart must be funding or partners, got 'pie'")


@pytest.mark.parametrize("command", ["browse", "events", "entity", "chart"])
def test_new_commands_have_help_and_readme_mention(command: str) -> None:
    code, out, _ = _invoke(command, "--help")
    assert code == 0
    assert "Example:" in out
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"kaiwatch {command}" in readme


# --- big archives: indexes, dates, an empty archive (bench/browse_scale.py) ---------------


def _plan(conn: sqlite3.Connection, sql: str, params: dict[str, str]) -> str:
    from flows.notify.queries import register_functions

    register_functions(conn)
    return "\n".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def test_key_queries_use_the_browse_indexes(tmp_path: Path) -> None:
    from storage.archive import Archive

    with Archive(tmp_path / "kw.db") as archive:  # every migration, m0007 included
        conn = archive.conn
        # An entity typed as a name found in articles: an index search, not a scan of mentions.
        timeline = _plan(conn, ENTITY_TIMELINE.sql, dict.fromkeys(ENTITY_TIMELINE.params, "x"))
        assert "SEARCH mentions USING INDEX mentions_surface_key" in timeline
        assert "SCAN mentions" not in timeline
        assert "mentions_surface_key" in _plan(
            conn, ENTITY_PARTNERSHIPS.sql, dict.fromkeys(ENTITY_PARTNERSHIPS.params, "x")
        )
        # Outlets per story come from the index, not from the articles' rows.
        widest = _plan(conn, WIDEST_STORIES.sql, dict.fromkeys(WIDEST_STORIES.params, ""))
        assert "USING COVERING INDEX articles_story_outlet" in widest
        # Datasette's facets on articles.
        facet = "SELECT {0}, count(*) FROM articles GROUP BY {0}"
        assert "COVERING INDEX articles_lang" in _plan(conn, facet.format("lang"), {})
        assert "COVERING INDEX articles_publisher" in _plan(conn, facet.format("publisher"), {})


def test_every_query_runs_on_an_empty_archive(tmp_path: Path) -> None:
    from flows.notify.queries import query_columns
    from storage.archive import Archive

    with Archive(tmp_path / "kw.db") as archive:
        for query in QUERIES:
            params = {name: "naver" for name in query.required}
            assert run_query(archive.conn, query, params) == [], query.name
            assert query_columns(archive.conn, query), query.name
        assert resolve_entity(archive.conn, "no such company") == []


@pytest.mark.parametrize("bad", ["2024-13", "2024-02-30", "last week", "24-07", "2024/07/01"])
def test_run_query_rejects_dates_that_are_not_dates(tmp_path: Path, bad: str) -> None:
    from storage.archive import Archive

    with Archive(tmp_path / "kw.db") as archive:
        with pytest.raises(KaiwatchError, match="since must be a date as YYYY-MM-DD or YYYY-MM"):
            run_query(archive.conn, LATEST_EVENTS, {"since": bad})
        with pytest.raises(KaiwatchError, match="until must be a date"):
            run_query(archive.conn, WIDEST_STORIES, {"until": bad})
        # Good dates pass, stripped; an empty bound is no bound.
        assert run_query(archive.conn, LATEST_EVENTS, {"since": " 2024-07 ", "until": ""}) == []


def test_widest_stories_period_matches_filtering_every_story(conn: sqlite3.Connection) -> None:
    every = run_query(conn, WIDEST_STORIES)
    for since, until in (("2024-08", ""), ("", "2024-08-15"), ("2024-08-14", "2024-09-10")):
        rows = run_query(conn, WIDEST_STORIES, {"since": since, "until": until})
        expected = [
            r
            for r in every
            if (not since or r["first_seen"] >= since[:10])
            and (not until or r["first_seen"] < until[:10])
        ]
        assert rows == expected, (since, until)
        assert rows


def test_cli_events_rejects_a_bad_date(db_path: Path) -> None:
    code, _, err = _invoke("events", "--db", str(db_path), "--since", "2024-13")
    assert (code, err.strip()) == (
        1,
        "Error: since must be a date as YYYY-MM-DD or YYYY-MM, got '2024-13'",
    )
