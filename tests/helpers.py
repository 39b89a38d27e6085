"""Helpers shared by test modules (test modules import from here, never from each other)."""

from __future__ import annotations

import contextlib
import html
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TypeVar

from flows.analysis.dedup import content_hash
from flows.analysis.enrich import enrich_article
from flows.core.models import ArticleRecord, EntryOutcome
from flows.notify.channels import Channel, parse_channel_text
from flows.pipeline.alert_config import AlertSettings
from flows.pipeline.persist import save_outcomes
from storage.archive import Archive

REPO = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    explain: Callable[[], str] = lambda: "",
    every: float = 0.5,
) -> T:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds.

    ``explain`` adds context to the failure (a log tail, say), so that a test that
    times out says why.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{explain()}")
        time.sleep(every)


def tail(path: Path, lines: int = 60) -> str:
    """The last ``lines`` lines of a log file, headed by its name (or say it is missing)."""
    if not path.exists():
        return f"--- {path}: no such file"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return f"--- last {min(lines, len(text))} lines of {path}:\n" + "\n".join(text[-lines:])


def prefect_env(prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment for a Prefect process of a test: its own home, no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "KAIWATCH_"))}
    env.update(
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    env.update(extra)
    return env


@contextlib.contextmanager
def process_group(
    command: list[str], *, log: Path, env: Mapping[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` in its own session with output to ``log``; kill what is left at exit."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            command, cwd=cwd, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def group_alive(pgid: int) -> bool:
    """Whether any process of the process group ``pgid`` is still running."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies answer signal 0 too: look for a live member in /proc.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            return True
    return False


def kaiwatch_command(*args: str) -> list[str]:
    """The command line of ``kaiwatch ARGS`` with this interpreter."""
    return [sys.executable, "-m", "flows.app.cli", *args]


NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


FUNDING_TITLE = "FuriosaAI raises 70 billion won in Series C bridge round"


FUNDING_TEXT = (
    "FuriosaAI, the Seoul-based AI chip start-up, said on Tuesday it had raised 70 billion won "
    "($48 million) in a Series C bridge round led by Korea Development Bank.\n"
    "The company will use the money to expand production of its RNGD inference chip for data "
    "centres at home and abroad.\n"
    "FuriosaAI turned down an acquisition offer from Meta last year and has since focused on "
    "customers in Korea, where demand for inference hardware keeps growing."
)


KOREAN_TITLE = "퓨리오사AI, 800억원 규모 시리즈D 투자 유치"


KOREAN_TEXT = (
    "인공지능 반도체 스타트업 퓨리오사AI가 800억원 규모의 시리즈D 투자를 유치했다고 24일 밝혔다.\n"
    "이번 투자에는 산업은행과 IBK기업은행이 참여했다.\n"
    "회사는 확보한 자금으로 차세대 칩 양산을 서두를 계획이다."
)


PARTNER_TITLE = "Samsung and Naver sign AI chip MOU"


PARTNER_TEXT = (
    "Samsung Electronics and Naver signed a memorandum of understanding on Tuesday to develop "
    "artificial intelligence chips for data centres, the two Korean companies said in Seoul.\n"
    "The agreement covers joint development of hardware and software for large language models, "
    "with engineers from both firms working together at a new lab."
)


def store(
    archive: Archive,
    tagger,  # type: ignore[no-untyped-def]
    title: str,
    text: str,
    *,
    url: str,
    source: str = "wire",
    lang: str = "en",
    published: datetime = NOW - timedelta(hours=1),
) -> int:
    """Archive one article (fetched at NOW) through the real analysis step; its id."""
    record = ArticleRecord(
        canonical_url=url, url=url, title=title, text=text, content_hash=content_hash(text),
        source=source, fetched_at=NOW, published=published, lang=lang,
    )  # fmt: skip
    outcome = EntryOutcome(
        key=url, status="archived", title=title, article=enrich_article(record, tagger)
    )
    counts = save_outcomes(archive, [outcome], feed_id=None, run_id=None)
    return counts.new_article_ids[0]


def hook(feed_server, path: str = "/hook", **query: str) -> str:  # type: ignore[no-untyped-def]
    """An apprise ``json://`` URL posting to the fixture server."""
    url = feed_server.url(path).replace("http://", "json://")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def posted(feed_server, path: str = "/hook") -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return [json.loads(hit.body) for hit in feed_server.hits(path) if hit.body]


def channels(text: str) -> list[Channel]:
    return parse_channel_text(text, "KAIWATCH_NOTIFY")


FAST = AlertSettings(retry_after_minutes=0)


def sources_file(tmp_path: Path, feeds: dict[str, str], **extra: str) -> Path:
    lines = ["settings:", "  min_poll_interval_minutes: 0", "sources:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}", "    allow_private_network: true"]
        lines += [f"    {key}: {value}" for key, value in extra.items()]
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# (slug, feed, outlet, RFC 822 date, title, paragraphs)
ARTICLES: list[tuple[str, str, str, str, str, list[str]]] = [
    (
        "rebellions-b",
        "en",
        "Korea Tech Daily",
        "Tue, 09 Jul 2024 09:00:00 +0900",
        "Rebellions raises 124 billion won in Series B round",
        [
            "Rebellions said on Tuesday it has raised 124 billion won in a Series B round to "
            "mass-produce its AI inference chips for data centres in Korea.",
            "The chip designer plans to hire more engineers in Seoul and to ship its next chip "
            "to cloud customers, the company said in a statement.",
            "The startup did not disclose its valuation after the round, which drew new "
            "financial investors as well as existing backers of the company.",
        ],
    ),
    (
        "furiosa-c",
        "ko",
        "데모뉴스",
        "Thu, 25 Jul 2024 10:30:00 +0900",
        "퓨리오사AI, 800억원 규모 시리즈C 투자 유치",
        [
            "AI 반도체 스타트업 퓨리오사AI는 800억원 규모의 시리즈C 투자를 유치했다고 25일 밝혔다.",
            "회사는 확보한 자금을 2세대 추론용 칩 양산과 소프트웨어 개발 인력 확충에 쓸 계획이라고 "
            "설명했다. 새 칩은 대규모 언어모델 추론에 맞춰 설계됐다.",
            "업계에서는 국산 AI 반도체가 데이터센터 시장에서 대안이 될 수 있을지 주목하고 있다.",
        ],
    ),
    (
        "upstage-b",
        "en",
        "Korea Tech Daily",
        "Wed, 14 Aug 2024 10:00:00 +0900",
        "Upstage closes 100 billion won Series B round to expand abroad",
        [
            "Upstage said on Wednesday it has closed a Series B round of 100 billion won to "
            "expand sales of its language models in the United States and Japan.",
            "The Korean AI startup will use the money to open offices abroad and to train "
            "larger models on its own data, its chief executive told reporters in Seoul.",
            "Upstage builds document AI and language models for banks, insurers and "
            "manufacturers that want to run them inside their own networks.",
        ],
    ),
    (
        "naver-samsung-en",
        "en",
        "Korea Tech Daily",
        "Tue, 20 Aug 2024 09:00:00 +0900",
        "Naver and Samsung sign AI chip MOU",
        [
            "Naver signed a memorandum of understanding with Samsung Electronics on Tuesday to "
            "develop artificial intelligence chips for data centres, the two companies said.",
            "The agreement covers joint development of hardware and software for large "
            "language models, with engineers from both firms working together at a new lab.",
            "Neither company disclosed the value of the deal, which follows months of talks "
            "about reducing the cost of running AI services in Korea.",
        ],
    ),
    (
        "naver-samsung-ko",
        "ko",
        "데모뉴스",
        "Mon, 09 Sep 2024 10:00:00 +0900",
        "네이버, 삼성전자와 AI 반도체 추가 협약",
        [
            "네이버는 삼성전자와 데이터센터용 AI 반도체 공동 개발 범위를 넓히는 업무협약을 "
            "체결했다고 9일 밝혔다.",
            "두 회사는 경량화 언어모델을 새 칩에서 돌리는 소프트웨어를 함께 만들고, 내년 상반기 "
            "시제품을 공개할 계획이다.",
            "네이버 관계자는 클라우드 서비스 원가를 크게 낮출 수 있을 것이라고 말했다.",
        ],
    ),
    (
        "skt-anthropic",
        "en",
        "Korea Tech Daily",
        "Thu, 19 Sep 2024 09:00:00 +0900",
        "SK Telecom signs AI partnership with Anthropic",
        [
            "SK Telecom signed a memorandum of understanding with Anthropic on Thursday to "
            "build a Korean-language AI assistant for its telecom customers.",
            "The Korean carrier will fine-tune the model on customer service dialogues and "
            "offer it to business clients later, the company said in Seoul.",
            "The deal is part of the carrier's push to turn its network business into an "
            "artificial intelligence company.",
        ],
    ),
]


# The Upstage story, re-run word for word by a second outlet in the Korean feed.
COPIES = {"upstage-b": ("ko", "Partner Wire", "Wed, 14 Aug 2024 15:00:00 +0900")}


def _rss(items: list[tuple[str, str, str]]) -> str:
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{date}</pubDate></item>"
        for title, link, date in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"{body}</channel></rss>"
    )


def serve_site(server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Route the fixture site on the loopback server; return {feed name: feed URL}."""
    feeds: dict[str, list[tuple[str, str, str]]] = {"en": [], "ko": []}
    for slug, feed, outlet, date, title, paragraphs in ARTICLES:
        page = article_page(title, paragraphs).replace(
            "<head>", f'<head><meta property="og:site_name" content="{outlet}">'
        )
        server.route(f"/{feed}/{slug}", page)
        feeds[feed].append((title, server.url(f"/{feed}/{slug}"), date))
        if slug in COPIES:
            copy_feed, copy_outlet, copy_date = COPIES[slug]
            server.route(
                f"/{copy_feed}/{slug}-copy",
                page.replace(outlet, copy_outlet).replace(
                    "</article>", f"<p>Reporting by {copy_outlet} staff in Seoul.</p></article>"
                ),
            )
            feeds[copy_feed].append((title, server.url(f"/{copy_feed}/{slug}-copy"), copy_date))
    for name, items in feeds.items():
        server.route(f"/{name}.xml", _rss(items), content_type="application/rss+xml")
    return {name: server.url(f"/{name}.xml") for name in feeds}


def fill_archive(server, db_path: Path, tagger, kb) -> Path:  # type: ignore[no-untyped-def]
    """Fill an archive from the fixture site with the pipeline (no Prefect)."""
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive
    from storage.entities import sync_entities

    with Archive(db_path) as archive, HttpClient() as client:
        with archive.write() as conn:
            sync_entities(conn, kb)
        for name, url in serve_site(server).items():
            poll_feed(
                Source(name=f"fixture-{name}", url=url, lang=name, allow_private_network=True),
                archive=archive,
                client=client,
                settings=Settings(),
                tagger=tagger,
            )
    return db_path


def fresh(feed: str) -> str:
    """The fixture feed dated an hour ago: alerts are for news, not a 2024 backlog."""
    now = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    return feed.replace("Tue, 15 Oct 2024 09:00:00 +0900", now)


def rss(items: list[tuple[str, str]], *, extra: str = "") -> str:
    """An RSS 2.0 feed; each item is (title, link)."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Tue, 15 Oct 2024 09:00:00 +0900</pubDate></item>"
        for title, link in items
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{body}{extra}</channel></rss>'


def article_page(title: str, paragraphs: list[str], *, charset: str = "utf-8") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html><head><meta charset="{charset}"><title>{title}</title></head><body>'
        '<nav><a href="/">Home</a> <a href="/world">World</a></nav>'
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>Leave a Reply<br>Your email address will not be published.</footer></body></html>"
    )


def labelled_page(title: str, text: str, published: str | None = None) -> str:
    """A plain page for a labelled article: its title, a paragraph per line of its text,
    and its date as ``article:published_time`` when it has one (escaped: corpus text)."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    paragraphs = "".join(
        f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()
    )
    return (
        f'<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>{meta}</head>'
        f"<body><article><h1>{html.escape(title)}</h1>{paragraphs}</article></body></html>"
    )


def dated_rss(items: list[tuple[str, str, datetime | None]], channel: str = "t") -> str:
    """An RSS 2.0 feed; each item is (title, link, date or None: no pubDate)."""
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{link}</link><guid>{link}</guid>"
        + (f"<pubDate>{format_datetime(day)}</pubDate>" if day else "")
        + "</item>"
        for title, link, day in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">'
        f"<channel><title>{channel}</title>{entries}</channel></rss>"
    )


AI_PARAGRAPHS = [
    "Samsung Electronics and Naver signed a memorandum of understanding on Tuesday to develop "
    "artificial intelligence chips for data centres, the two Korean companies said in Seoul.",
    "The agreement covers joint development of hardware and software for large language models, "
    "with engineers from both firms working together at a new lab.",
    "Neither company disclosed the value of the deal, which follows months of talks about "
    "reducing the cost of running AI services in Korea.",
]


OTHER_PARAGRAPHS = [
    "Thousands of visitors walked along the stream in central Seoul on Saturday as the city's "
    "autumn lantern festival opened with hundreds of displays.",
    "Police added officers to manage crowds, and buses ran late until the festival closes.",
    "Organisers said the displays were inspired by folk tales and by the history of the city.",
]
