"""``kaiwatch browse``: Datasette on an archive built by the real ingest flow, in Chromium.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` (``make
install-test`` installs them where apt-get works) and skips with the reason
otherwise. Screenshots are kept in ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flows.app.browse import build_datasette, build_metadata
from flows.core.errors import StorageError
from flows.notify.queries import QUERIES
from helpers import fill_archive, serve_site

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def test_build_metadata_adds_every_canned_query_and_hides_internals() -> None:
    metadata = build_metadata()
    database = metadata["databases"]["kaiwatch"]
    assert list(database["queries"]) == [q.name for q in QUERIES]
    assert database["queries"]["entity_timeline"]["params"] == ["entity", "since", "until"]
    tables = database["tables"]
    for internal in (
        "fingerprints",
        "minhash_bands",
        "source_lines",
        "leases",
        "_sqlite_migrations",
    ):
        assert tables[internal]["hidden"] is True
    assert tables["articles"]["fts_table"] == "articles_fts"
    assert tables["articles"]["sort_desc"] == "published"
    assert tables["events"]["facets"] == ["type", "subtype", "round"]


def test_build_datasette_refuses_writes_and_missing_archive(
    feed_server, tmp_path: Path, tagger, kb
) -> None:  # type: ignore[no-untyped-def]
    path = fill_archive(feed_server, tmp_path / "kw.db", tagger, kb)
    datasette = build_datasette(path)
    database = datasette.get_database("kaiwatch")

    async def scenario() -> tuple[int, str]:
        await datasette.invoke_startup()
        with pytest.raises(StorageError, match="read-only"):
            await database.execute_write("DELETE FROM articles")
        count = (await database.execute("SELECT count(*) FROM articles")).first()[0]
        csv = await datasette.client.get("/kaiwatch/funding_by_month.csv?since=&until=")
        return count, csv.text

    count, csv = asyncio.run(scenario())
    assert count == 7
    assert csv.splitlines()[0] == "month,round,events,total,total_krw,total_usd"
    assert "2024-07,Series B,1,₩124 bn,124000000000," in csv
    with pytest.raises(StorageError, match="no archive here yet"):
        build_datasette(tmp_path / "absent.db")


def test_korean_search_and_charts_through_datasette(
    feed_server, tmp_path: Path, tagger, kb
) -> None:  # type: ignore[no-untyped-def]
    datasette = build_datasette(fill_archive(feed_server, tmp_path / "kw.db", tagger, kb))

    async def scenario() -> tuple[list[str], list[str], str, int]:
        await datasette.invoke_startup()
        hits = await datasette.client.get(
            "/kaiwatch/articles.json", params={"_search": "삼성전자", "_shape": "array"}
        )
        english = await datasette.client.get(
            "/kaiwatch/articles.json", params={"_search": "memorandum", "_shape": "array"}
        )
        svg = await datasette.client.get("/-/charts/funding.svg?since=2024-07-01&until=2024-09-01")
        bad = await datasette.client.get("/-/charts/partners.svg?since=last+week")
        return (
            [r["title"] for r in hits.json()],
            [r["title"] for r in english.json()],
            svg.text,
            bad.status_code,
        )

    korean, english, svg, bad_status = asyncio.run(scenario())
    assert korean == ["네이버, 삼성전자와 AI 반도체 추가 협약"]  # 삼성전자 finds 삼성전자와
    assert sorted(english) == [
        "Naver and Samsung sign AI chip MOU",
        "SK Telecom signs AI partnership with Anthropic",
    ]
    assert svg.count("class='bar'") == 3
    assert bad_status == 400


# --- the browser test ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def ingested_archive(feed_server, tmp_path: Path, prefect_harness) -> Path:  # type: ignore[no-untyped-def]
    """An archive built by the real ingest flow (under Prefect) from the fixture site."""
    from flows.app.ingest import ingest

    feeds = serve_site(feed_server)
    lines = ["settings:", "  min_poll_interval_minutes: 0", "sources:"]
    for name, url in feeds.items():
        lines += [f"  - name: fixture-{name}", f"    url: {url}", f"    lang: {name}"]
        lines += ["    allow_private_network: true"]
    sources = tmp_path / "sources.yaml"
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db_path = tmp_path / "kw.db"
    summary = ingest(
        sources_path=str(sources),
        db_path=str(db_path),
        entities_path=str(REPO / "entities.yaml"),
    )
    assert summary.counts()["articles_new"] == 7
    return db_path


@pytest.fixture
def browse_server(ingested_archive: Path) -> Iterator[str]:
    """``kaiwatch browse`` in a subprocess on a free loopback port; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.app.cli", "browse", "--db", str(ingested_archive),
         "--port", str(port), "--no-open"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/-/versions.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.communicate(timeout=5)[0] if process.poll() is not None else ""
                pytest.fail(f"kaiwatch browse did not start on {base}: {output}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    """Headless Debian chromium through its chromedriver; nothing is downloaded."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "chromium and chromedriver not found: run `make install-test` "
            "(apt-get install chromium chromium-driver) to enable the browser test"
        )
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch drivers
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--disable-gpu", "--no-first-run"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait_for(driver, in_url: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the submitted form's page has loaded."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(
        lambda d: (
            in_url in d.current_url and d.execute_script("return document.readyState") == "complete"
        )
    )


def _present(driver, selector: str) -> list:  # type: ignore[no-untyped-def]
    """The elements ``selector`` finds once the page shows one (Datasette's scripts
    rework the table after load)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))
    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def _screenshot(driver, name: str) -> Path:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"browse-{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


@pytest.mark.slow
def test_browse_in_chromium(browse_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    # The events table: description, facets, one row per stored event (copies included).
    browser.get(f"{browse_server}/kaiwatch/events")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Partnership and funding events found in articles" in body
    assert "7 rows" in body
    facets = {e.text for e in browser.find_elements(By.CSS_SELECTOR, ".facet-info li")}
    assert any(f.startswith("partnership") and f.endswith("3") for f in facets), facets
    assert any(f.startswith("funding") and f.endswith("4") for f in facets), facets
    assert _screenshot(browser, "events").stat().st_size > 10_000

    # A canned query with a parameter, filled in and run from its form (Korean name).
    browser.get(f"{browse_server}/kaiwatch/entity_partnerships")
    field = browser.find_element(By.NAME, "entity")
    field.send_keys("네이버")
    field.submit()
    _wait_for(browser, "entity=")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
    partners = [r.find_element(By.CSS_SELECTOR, "td.col-partners").text for r in rows]
    dates = [r.find_element(By.CSS_SELECTOR, "td.col-date").text for r in rows]
    assert partners == ["Samsung Electronics", "Samsung Electronics"]
    assert dates == ["2024-09-09", "2024-08-20"]
    _screenshot(browser, "entity-partnerships")

    # Search in Korean: the bare word finds the article where it carries a particle.
    browser.get(f"{browse_server}/kaiwatch/articles")
    search = browser.find_element(By.ID, "_search")
    search.send_keys("삼성전자")
    search.submit()
    _wait_for(browser, "_search=")
    titles = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert titles == ["네이버, 삼성전자와 AI 반도체 추가 협약"]
    assert 'search matches "삼성전자"' in browser.find_element(By.TAG_NAME, "body").text
    _screenshot(browser, "search-ko")

    # The charts page, reached from Datasette's menu.
    browser.get(f"{browse_server}/-/charts?since=2024-07-01&until=2024-10-01")
    bars = browser.find_elements(By.CSS_SELECTOR, "#funding-chart rect.bar")
    assert sorted(b.get_attribute("data-month") for b in bars) == ["2024-07", "2024-07", "2024-08"]
    nodes = browser.find_elements(By.CSS_SELECTOR, "#partner-graph g.node text")
    assert sorted(n.text for n in nodes) == [
        "Anthropic",
        "Naver",
        "SK Telecom",
        "Samsung Electronics",
    ]
    _screenshot(browser, "charts")


@pytest.mark.slow
def test_browse_pages_read_well_in_chromium(browse_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: snippets with the match marked, events as text, the useful things first."""
    from selenium.webdriver.common.by import By

    # The home page starts with the canned queries and the useful tables, then the rest.
    browser.get(f"{browse_server}/")
    start = [a.text for a in _present(browser, "#start-here a")]
    assert start[:3] == ["Latest events", "Timeline of one entity", "Funding by company"], start
    assert start.index("events") < start.index("articles") < len(start)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert body.index("events") < body.index("article_entities")  # internals come last
    _screenshot(browser, "home")

    # Search: one short row per article, the match marked, links short.
    browser.get(f"{browse_server}/kaiwatch/articles?_search=삼성전자")
    [text] = _present(browser, "td.col-text")
    marks = [m.text for m in text.find_elements(By.TAG_NAME, "mark")]
    assert marks and all(m.startswith("삼성전자") for m in marks), marks
    assert len(text.text) < 400, text.text
    [link] = browser.find_elements(By.CSS_SELECTOR, "td.col-title a")
    assert link.text == "네이버, 삼성전자와 AI 반도체 추가 협약"
    assert (link.get_attribute("href") or "").startswith("http://127.0.0.1")
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "th")]
    assert not {"url", "canonical_url", "guid", "content_hash"} & set(headers), headers
    _screenshot(browser, "search-snippet")

    # Events: parties and amounts read as text, not JSON.
    browser.get(f"{browse_server}/kaiwatch/events?type=funding&_sort_desc=amount_krw")
    parties = [e.text for e in _present(browser, "td.col-party_names")]
    amounts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "td.col-amounts")]
    assert parties and not any("[" in p or '"' in p for p in parties), parties
    assert any("billion won" in a or "억" in a for a in amounts), amounts
    assert not any("{" in a for a in amounts), amounts
    krw = _present(browser, "td.col-amount_krw")[0].text
    assert re.fullmatch(r"₩[\d.]+ (?:m|bn|tn)", krw), krw  # ₩124 bn, not a raw integer
    _screenshot(browser, "events-text")

    # The schema, described inside Datasette (docs/schema.md is not reachable from a browser).
    browser.get(f"{browse_server}/kaiwatch")
    browser.find_element(By.LINK_TEXT, "what each table and column means").click()
    _wait_for(browser, "/-/schema")
    headings = [h.text for h in _present(browser, "h2")]
    assert "articles: one row per archived article" in headings, headings
    assert browser.find_elements(By.CSS_SELECTOR, "table td code")  # the column tables
    _screenshot(browser, "schema")


def test_every_archive_table_is_described_or_hidden(tmp_path: Path) -> None:
    from storage.archive import Archive

    with Archive(tmp_path / "kw.db") as archive:  # every migration applied
        names = [
            row[0]
            for row in archive.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("articles_fts_")  # FTS5's own shadow tables
        ]
    tables = build_metadata()["databases"]["kaiwatch"]["tables"]
    for name in names:
        assert name in tables, f"{name}: add a description or hidden: true to metadata.yaml"
        assert tables[name].get("hidden") or tables[name].get("description"), name


# --- odd archives and periods --------------------------------------------------------------


def test_browse_refuses_what_is_not_an_archive_and_notes_pending_migrations(
    tmp_path: Path,
) -> None:
    import sqlite3

    from sqlite_utils import Database

    from flows.app.browse import check_archive
    from storage.archive import Archive
    from storage.migrations import MIGRATIONS

    text = tmp_path / "notes.txt"
    text.write_text("not a database, but long enough to be read as one " * 40, encoding="utf-8")
    with pytest.raises(StorageError, match=r"notes\.txt: not a kaiwatch archive"):
        build_datasette(text)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(StorageError, match=r"not a kaiwatch archive \(no articles table\)"):
        build_datasette(other)
    with Archive(tmp_path / "kw.db") as archive:
        assert check_archive(archive.path) == []
    old = tmp_path / "old.db"
    with Archive(old, migrate=False) as archive, archive.write():
        MIGRATIONS.apply(Database(archive.conn), stop_before="m0007_browse_indexes")
    assert check_archive(old) == [
        "m0007_browse_indexes",
        "m0008_reasons",
        "m0009_open_world",
        "m0010_event_records",
        "m0011_deals",
    ]
    build_datasette(old)  # served as it is: browsing never writes


def test_charts_page_rejects_impossible_dates_and_facets_are_not_suggested(
    tmp_path: Path,
) -> None:
    from storage.archive import Archive

    Archive(tmp_path / "kw.db").close()
    datasette = build_datasette(tmp_path / "kw.db")

    async def scenario() -> list[tuple[int, str]]:
        await datasette.invoke_startup()
        out = []
        for path in (
            "/-/charts?since=2024-13&until=2025-01",  # used to loop forever
            "/-/charts/funding.svg?since=2024-02-30",
            "/-/charts/partners.svg?until=2025-01",
            "/-/charts?since=2025-01&until=2025-03",
        ):
            response = await datasette.client.get(path)
            out.append((response.status_code, response.text))
        return out

    (bad, bad_text), (bad_day, _), (partners, svg), (page, html) = asyncio.run(scenario())
    assert (bad, bad_text) == (400, "since must be a date as YYYY-MM-DD or YYYY-MM, got '2024-13'")
    assert bad_day == 400
    assert partners == 200 and "No partnerships" in svg
    assert page == 200 and "No funding events" in html
    # Suggesting facets tries every column: seconds on a big archive (docs/browse.md).
    assert datasette.setting("suggest_facets") is False


def test_search_drops_operators_that_do_not_parse(tmp_path: Path) -> None:
    from storage.archive import Archive

    with Archive(tmp_path / "kw.db") as archive, archive.write() as write:
        for number, title in enumerate(
            [
                "Upstage and FuriosaAI sign a chip deal",
                "삼성전자가 AI 반도체를 공개",
                "R&D or bust",
            ],
            start=1,
        ):
            write.execute(
                "INSERT INTO articles (id, canonical_url, url, source, title, text, published, "
                "fetched_at, content_hash) VALUES (?, ?, ?, 's', ?, ?, ?, ?, ?)",
                [number, f"https://x.test/{number}", f"https://x.test/{number}", title, title,
                 f"2025-01-0{number}", f"2025-01-0{number}", f"{number:064x}"],
            )  # fmt: skip
    datasette = build_datasette(tmp_path / "kw.db")

    async def scenario() -> dict[str, tuple[int, list[int]]]:
        await datasette.invoke_startup()
        out = {}
        for query in ("AND", "AI OR", "*", "NEAR(", '""', "Upstage OR 삼성전자가", "삼성전자"):
            response = await datasette.client.get(
                "/kaiwatch/articles.json", params={"_search": query, "_shape": "array"}
            )
            rows = response.json() if response.status_code == 200 else []
            out[query] = (response.status_code, sorted(row["id"] for row in rows))
        return out

    found = asyncio.run(scenario())
    assert found["AND"] == (200, [])  # nothing left to search, not an "Invalid SQL" page
    assert found["AI OR"] == (200, [2])  # a dangling OR is dropped: a search for "AI"
    assert found["*"] == (200, [])
    assert found["NEAR("] == (200, [])
    assert found['""'] == (200, [])
    assert found["Upstage OR 삼성전자가"] == (200, [1, 2])  # operators that parse: as written
    assert found["삼성전자"] == (200, [2])  # 삼성전자 finds 삼성전자가


def test_canned_queries_say_they_stop_at_max_returned_rows(tmp_path: Path) -> None:
    from storage.archive import Archive

    queries = build_metadata()["databases"]["kaiwatch"]["queries"]
    for name, query in queries.items():
        assert "Shows at most 1,000 rows, here and in CSV or JSON" in query["description"], name
    assert "kaiwatch export --events" in queries["latest_events"]["description"]
    Archive(tmp_path / "kw.db").close()
    assert build_datasette(tmp_path / "kw.db").setting("max_returned_rows") == 1000
