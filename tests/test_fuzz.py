"""Hostile input at scale: mutated real feeds and pages, and a run over hundreds of odd feeds.

Seeds are the demo's own feed and pages (always there) plus, where the shared corpus
is present, feedparser's test feeds and the extraction-dev pages.
"""

from __future__ import annotations

import gzip
import logging
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.core.errors import ExtractError, ParseError
from flows.parse.extract import extract_article
from flows.parse.feeds import parse_feed
from storage.archive import Archive

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def _feed_seeds() -> list[bytes]:
    seeds = [path.read_bytes() for path in sorted((REPO / "demo" / "site").glob("*.xml"))]
    corpus = SHARED / "feedparser-tests" / "tests"
    if corpus.is_dir():
        files = sorted(path for path in corpus.rglob("*") if path.is_file())
        seeds += [
            path.read_bytes() for path in random.Random(1).sample(files, min(200, len(files)))
        ]
    return seeds


def _page_seeds() -> list[bytes]:
    seeds = [
        path.read_bytes() for path in sorted((REPO / "demo" / "site" / "pages").rglob("*.html"))
    ]
    corpus = SHARED / "extraction-dev" / "html"
    if corpus.is_dir():
        seeds += [
            gzip.decompress(path.read_bytes()) for path in sorted(corpus.glob("*.html.gz"))[:40]
        ]
    return seeds


FEEDS = _feed_seeds()
PAGES = _page_seeds()


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A real document with a few random edits: flips, cuts, splices, re-encodings."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "euc-kr"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(max_size=64)) or b"<![CDATA[&#x0;]]>"
        elif kind == "truncate":
            del data[at:]
        elif kind == "euc-kr":
            text = bytes(data).decode("utf-8", "replace") + "인공지능 투자 유치"
            data = bytearray(text.encode("cp949", "replace"))
    return bytes(data)


FUZZ = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ
@given(
    content=mutated(FEEDS),
    content_type=st.sampled_from([None, "application/rss+xml", "text/xml; charset=euc-kr"]),
)
def test_parse_feed_never_raises_anything_but_parse_error(
    content: bytes, content_type: str | None
) -> None:
    try:
        parsed = parse_feed(content, url="http://127.0.0.1/feed.xml", content_type=content_type)
    except ParseError:
        return
    for entry in parsed.entries:
        assert entry.key


@FUZZ
@given(
    content=mutated(PAGES),
    content_type=st.sampled_from([None, "text/html", "text/html; charset=euc-kr"]),
)
def test_extract_article_never_raises_anything_but_extract_error(
    content: bytes, content_type: str | None
) -> None:
    try:
        article = extract_article(content, url="http://127.0.0.1/a", content_type=content_type)
    except ExtractError:
        return
    assert article.text.strip()


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_run_over_hundreds_of_odd_feeds_records_every_problem(
    feed_server, shared_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from feedserver import loopback_only
    from flows.app.ingest import ingest

    corpus = sorted(
        path for path in (shared_dir / "corpus" / "feedparser-tests" / "tests").rglob("*.xml")
    )
    chosen = random.Random(3).sample(corpus, min(300, len(corpus)))
    lines = ["settings:", "  min_poll_interval_minutes: 0", "sources:"]
    for n, path in enumerate(chosen):
        feed_server.route(f"/odd/{n}.xml", path.read_bytes(), content_type="application/xml")
        # Their links point at public hosts: fetch nothing but the feeds themselves.
        lines += [
            f"  - name: odd-{n}",
            f"    url: {feed_server.url(f'/odd/{n}.xml')}",
            "    fetch_pages: false",
        ]
    sources = tmp_path / "sources.yaml"
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "kw.db"

    with loopback_only() as dials, caplog.at_level(logging.INFO):
        summary = ingest(sources_path=str(sources), db_path=str(db))
    counts = summary.counts()
    assert counts["feeds_polled"] + counts["feeds_failed"] == len(chosen)
    assert counts["feeds_failed"] > 0  # the ill-formed ones
    assert all(host in {"127.0.0.1", "::1"} for host, _ in dials)
    assert "Traceback" not in caplog.text
    with Archive(db, readonly=True) as archive:
        feeds = archive.feeds()
    assert len(feeds) == len(chosen)
    for feed in feeds:
        assert feed["last_success_at"] or feed["last_error"], feed["name"]
    failed = [feed for feed in feeds if feed["last_error"]]
    assert all("ParseError" not in feed["last_error"] for feed in failed)  # messages, not reprs
