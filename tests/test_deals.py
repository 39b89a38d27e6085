"""Every surface that counts deals counts each once (issue 16), on archives the pipeline fills.

A site of four funding deals: a Korean round that three outlets carry (copies of one
story), an English round in dollars, an English investment in won and a government
budget. The archive is filled through ``poll_feed`` from a loopback server, so the
events, stories and roles are the pipeline's own.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.app.cli import app
from flows.notify.charts import funding_chart_svg
from flows.notify.messages import digest_message
from flows.notify.queries import (
    FUNDING_BY_COMPANY,
    FUNDING_BY_KIND,
    FUNDING_BY_MONTH,
    LATEST_EVENTS,
    run_query,
)
from helpers import article_page, rss
from storage.alerts import period_events

ROUND_TITLE = "퓨리오사AI, 500억원 규모 시리즈C 투자 유치"
ROUND_TEXT = [
    "인공지능 반도체 스타트업 퓨리오사AI가 500억원 규모의 시리즈C 투자를 유치했다고 3일 밝혔다.",
    "이번 투자는 카카오벤처스가 주도했고 산업은행이 참여했다.",
    "회사는 투자금으로 데이터센터용 추론 칩 양산을 앞당길 계획이다.",
    "퓨리오사AI는 올해 안에 미국 법인 인력을 두 배로 늘린다.",
]
DOLLARS_TITLE = "Moara Robotics raises $35 million in Series B led by Kakao Ventures"
DOLLARS_TEXT = [
    "Moara Robotics, a Seoul-based startup that builds AI-powered warehouse robots, said on "
    "Monday it raised $35 million in a Series B round led by Kakao Ventures.",
    "The company will use the money to open a factory near Incheon and hire engineers.",
    "Moara Robotics was founded in 2021 by former Samsung Electronics researchers.",
]
WON_TITLE = "Upstage secures 50 billion won from KT"
WON_TEXT = [
    "Upstage, the Korean AI model developer, has secured 50 billion won in new funding from KT, "
    "the companies said on Tuesday.",
    "KT invested the money as part of a wider AI partnership between the telecom operator and "
    "the startup.",
    "Upstage plans to spend the money on training its next Solar language model.",
]
BUDGET_TITLE = "과기정통부, AI 반도체에 추경 1조8000억원 투입"
BUDGET_TEXT = [
    "과학기술정보통신부는 올해 추가경정예산으로 인공지능 분야에 1조8000억원을 투입한다고 5일 밝혔다.",
    "이 가운데 1조4600억원은 GPU 1만장 확보에 쓰이고, 1723억원은 AI 반도체 실증에 배정된다.",
    "과기정통부는 국회 심사를 거쳐 예산을 신속히 집행할 계획이다.",
]
# Each outlet ends its copy its own way: near-duplicates, one story.
ENDINGS = (
    "업계에서는 이번 투자가 국내 AI 반도체 생태계에 힘이 될 것으로 본다.",
    "퓨리오사AI의 누적 투자 유치 금액은 공개되지 않았다.",
    "회사 관계자는 연내 상장 계획은 없다고 말했다.",
)


def _serve(server) -> str:  # type: ignore[no-untyped-def]
    items = []
    for number, ending in enumerate(ENDINGS, start=1):
        path = f"/round-{number}"
        server.route(path, article_page(ROUND_TITLE, [*ROUND_TEXT, ending]))
        items.append((ROUND_TITLE, server.url(path)))
    for path, title, text in (
        ("/dollars", DOLLARS_TITLE, DOLLARS_TEXT),
        ("/won", WON_TITLE, WON_TEXT),
        ("/budget", BUDGET_TITLE, BUDGET_TEXT),
    ):
        server.route(path, article_page(title, text))
        items.append((title, server.url(path)))
    server.route("/feed.xml", rss(items), content_type="application/rss+xml")
    return str(server.url("/feed.xml"))


@pytest.fixture
def db_path(feed_server, tmp_path: Path, tagger, kb) -> Path:  # type: ignore[no-untyped-def]
    from flows.fetch.client import HttpClient
    from flows.pipeline.config import Settings, Source
    from flows.pipeline.poll import poll_feed
    from storage.archive import Archive
    from storage.entities import sync_entities

    path = tmp_path / "kw.db"
    with Archive(path) as archive, HttpClient() as client:
        with archive.write() as conn:
            sync_entities(conn, kb)
        poll_feed(
            Source(name="deals", url=_serve(feed_server), allow_private_network=True),
            archive=archive, client=client, settings=Settings(), tagger=tagger,
        )  # fmt: skip
    return path


@pytest.fixture
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    yield connection
    connection.close()


def test_the_pipeline_stored_the_round_three_times_in_one_story(conn: sqlite3.Connection) -> None:
    # The premise of the tests below: three events rows, one story.
    rows = conn.execute(
        "SELECT e.story_id FROM events e JOIN articles a ON a.id = e.article_id "
        "WHERE e.type = 'funding' AND a.title = ?",
        [ROUND_TITLE],
    ).fetchall()
    assert len(rows) == 3 and len(set(rows)) == 1


def test_a_deal_three_outlets_carry_counts_once_everywhere(
    conn: sqlite3.Connection, db_path: Path
) -> None:
    latest = run_query(conn, LATEST_EVENTS, {"type": "funding"})
    assert sorted(r["title"] for r in latest) == sorted(
        [ROUND_TITLE, DOLLARS_TITLE, WON_TITLE, BUDGET_TITLE]
    )
    [furiosa] = [r for r in latest if r["title"] == ROUND_TITLE]
    assert furiosa["reports"] == 3
    stories = [r["story_id"] for r in latest]
    assert len(stories) == len(set(stories))  # latest_events lists a story once

    months = run_query(conn, FUNDING_BY_MONTH)
    assert sum(r["events"] for r in months) == 4
    assert sum(r["total_krw"] or 0 for r in months) == sum(r["amount_krw"] or 0 for r in latest)
    assert sum(r["events"] for r in run_query(conn, FUNDING_BY_KIND)) == 4
    companies = {r["entity_id"]: r for r in run_query(conn, FUNDING_BY_COMPANY)}
    assert companies["furiosaai"]["events"] == 1
    assert companies["furiosaai"]["total_krw"] == 50_000_000_000

    svg = funding_chart_svg(conn, "", "")
    assert sum(int(v) for v in re.findall(r"data-value='(\d+)'", svg)) == 4

    views = period_events(conn, "2024-01-01", "2025-01-01", 0.5)
    assert sorted(v.title for v in views if v.type == "funding") == sorted(
        [ROUND_TITLE, DOLLARS_TITLE, WON_TITLE, BUDGET_TITLE]
    )

    result = CliRunner().invoke(
        app, ["events", "--db", str(db_path), "--type", "funding", "--json"]
    )
    assert result.exit_code == 0
    titles = [json.loads(line)["title"] for line in result.stdout.splitlines()]
    assert titles.count(ROUND_TITLE) == 1 and len(titles) == 4


def test_investors_and_budgets_are_never_funded_companies(conn: sqlite3.Connection) -> None:
    companies = {r["entity_id"]: r for r in run_query(conn, FUNDING_BY_COMPANY)}
    assert set(companies) == {"furiosaai", "unk:moara-robotics", "upstage"}
    # Investors are in their own column, by role.
    assert companies["furiosaai"]["investors"] == "Kakao Ventures, Korea Development Bank"
    assert companies["unk:moara-robotics"]["investors"] == "Kakao Ventures"
    assert companies["upstage"]["investors"] == "KT"
    # The budget is a kind of funding, not a company.
    kinds = {r["kind"]: r for r in run_query(conn, FUNDING_BY_KIND)}
    assert kinds["government"]["party_type"] == "government"
    assert kinds["government"]["events"] == 1


def test_amounts_show_their_unit_in_the_article_currency_and_language(
    conn: sqlite3.Connection, db_path: Path
) -> None:
    amounts = {r["title"]: r["amount"] for r in run_query(conn, LATEST_EVENTS)}
    assert amounts[ROUND_TITLE] == "500억원"
    assert amounts[DOLLARS_TITLE] == "$35 m"
    assert amounts[WON_TITLE] == "₩50 bn"
    assert amounts[BUDGET_TITLE] == "1조8000억원"
    companies = {r["entity_id"]: r["total"] for r in run_query(conn, FUNDING_BY_COMPANY)}
    assert companies["upstage"] == "₩50 bn"
    [month] = {r["month"] for r in run_query(conn, FUNDING_BY_MONTH)}
    svg = funding_chart_svg(conn, "", "")
    [label] = re.findall(rf"class='total'[^>]*data-month='{month}'[^>]*>([^<]*)<", svg)
    assert re.fullmatch(r"₩[\d.]+ (?:bn|tn)", label)

    result = CliRunner().invoke(
        app, ["events", "--db", str(db_path), "--type", "funding"], env={"COLUMNS": "250"}
    )
    assert "500억원" in result.stdout and "$35 m" in result.stdout
    assert "50000000000" not in result.stdout


def test_the_digest_names_who_raised_and_who_invested(conn: sqlite3.Connection) -> None:
    views = period_events(conn, "2024-01-01", "2025-01-01", 0.5)
    message = digest_message(views, period="weekly", label="2024", channel_format="text")
    assert "• KT invests 50 billion won ($34.7 m) in Upstage" in message.text
    assert "• FuriosaAI raises 500억원 ($34.7 m), Series C" in message.text
    assert message.text.count(ROUND_TITLE) == 1


def test_a_later_write_up_does_not_bring_a_deal_back_in_the_next_digest(
    tmp_path: Path, tagger, kb
) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from flows.analysis.dedup import content_hash
    from flows.analysis.enrich import enrich_article
    from flows.core.models import ArticleRecord, EntryOutcome
    from flows.pipeline.persist import save_outcomes
    from storage.archive import Archive
    from storage.entities import sync_entities

    with Archive(tmp_path / "kw.db") as archive:
        with archive.write() as write:
            sync_entities(write, kb)
        for number, day in ((1, 3), (2, 4)):  # the second outlet's copy, a day later
            url = f"https://outlet{number}.example/round"
            text = "\n".join([*ROUND_TEXT, ENDINGS[number]])
            moment = datetime(2024, 10, day, 9, tzinfo=UTC)
            record = ArticleRecord(
                canonical_url=url, url=url, title=ROUND_TITLE, text=text,
                content_hash=content_hash(text), source=f"outlet{number}", fetched_at=moment,
                published=moment, lang="ko",
            )  # fmt: skip
            outcome = EntryOutcome(
                key=url, status="archived", title=ROUND_TITLE,
                article=enrich_article(record, tagger),
            )  # fmt: skip
            save_outcomes(archive, [outcome], feed_id=None, run_id=None)
        conn = archive.conn
        assert conn.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone() == (1,)
        first_day = period_events(conn, "2024-10-03", "2024-10-04", 0.5)
        assert [v.title for v in first_day] == [ROUND_TITLE]
        assert period_events(conn, "2024-10-04", "2024-10-05", 0.5) == []


def _insert(path: Path, events: list[tuple[int, float, str, str]]) -> None:
    """Articles and their funding events as the pipeline stores them (storage/events.py
    columns): (article id, confidence, party_names JSON, roles JSON), parties by name."""
    from storage.archive import Archive

    with Archive(path) as archive, archive.write() as write:
        for number in sorted({number for number, _, _, _ in events}):
            write.execute(
                "INSERT INTO articles (id, canonical_url, url, source, title, text, published, "
                "fetched_at, content_hash) VALUES (?, ?, ?, 's', ?, 't', '2024-10-03', "
                "'2024-10-03', ?)",
                [number, f"https://x.test/{number}", f"https://x.test/{number}",
                 f"article {number}", f"{number:064x}"],
            )  # fmt: skip
        for number, confidence, names, roles in events:
            write.execute(
                "INSERT INTO events (article_id, type, subtype, parties, party_names, amounts, "
                "amount_krw, evidence, confidence, roles) VALUES (?, 'funding', 'round', ?, ?, "
                "'[]', 10, 'e', ?, ?)",
                [number, names.lower(), names, confidence, roles],
            )


def test_a_deal_more_likely_false_than_real_is_not_counted(tmp_path: Path) -> None:
    from flows.notify.queries import LIKELY
    from storage.archive import Archive

    _insert(
        tmp_path / "kw.db",
        [(1, 0.9, '["Upstage"]', '["recipient"]'), (2, LIKELY - 0.1, '["Wrtn"]', '["recipient"]')],
    )
    with Archive(tmp_path / "kw.db", readonly=True) as archive:
        conn = archive.conn
        assert conn.execute("SELECT count(*) FROM deals").fetchone() == (2,)
        assert [r["event_id"] for r in run_query(conn, LATEST_EVENTS)] == [1]
        assert [r["events"] for r in run_query(conn, FUNDING_BY_MONTH)] == [1]


def test_a_deal_is_shown_by_the_event_that_names_who_raised(tmp_path: Path) -> None:
    from storage.archive import Archive

    # One article, two events of one round: the more confident one misreads the roles.
    _insert(
        tmp_path / "kw.db",
        [
            (1, 0.98, '["SK Telecom", "Lambda"]', '["investor", "investor"]'),
            (1, 0.87, '["Lambda", "SK Telecom"]', '["recipient", "investor"]'),
        ],
    )
    with Archive(tmp_path / "kw.db", readonly=True) as archive:
        [deal] = run_query(archive.conn, LATEST_EVENTS)
        assert (deal["recipient"], deal["investors"]) == ("Lambda", "SK Telecom")
        [company] = run_query(archive.conn, FUNDING_BY_COMPANY)
        assert (company["company"], company["investors"]) == ("Lambda", "SK Telecom")
