"""SVG charts (flows/notify/charts.py): the bars and nodes the fixture archive implies."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.notify.charts import funding_chart_svg, partner_graph_svg
from helpers import fill_archive

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def conn(feed_server, tmp_path: Path, tagger, kb) -> Iterator[sqlite3.Connection]:  # type: ignore[no-untyped-def]
    path = fill_archive(feed_server, tmp_path / "kw.db", tagger, kb)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    yield connection
    connection.close()


def _bars(svg: str) -> list[dict[str, str]]:
    return [
        rect.attrib
        for rect in ET.fromstring(svg).iter(f"{SVG}rect")
        if "bar" in rect.get("class", "")
    ]


def test_funding_chart_stacks_rounds_per_month(conn: sqlite3.Connection) -> None:
    svg = funding_chart_svg(conn, "2024-06-01", "2024-10-01")
    root = ET.fromstring(svg)
    months = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "month"]
    assert months == ["2024-06", "2024-07", "2024-08", "2024-09"]
    bars = _bars(svg)
    assert sorted((b["data-month"], b["data-series"], b["data-value"]) for b in bars) == [
        ("2024-07", "Series B", "1"),
        ("2024-07", "Series C", "1"),
        ("2024-08", "Series B", "1"),
    ]
    # July holds two events, August one: the peak fills the plot, one event is half of it.
    heights = {(b["data-month"], b["data-series"]): float(b["height"]) for b in bars}
    assert heights[("2024-07", "Series B")] == pytest.approx(100.0)
    assert heights[("2024-07", "Series C")] == pytest.approx(100.0)
    assert heights[("2024-08", "Series B")] == pytest.approx(100.0)
    july = sorted((float(b["y"]), b["data-series"]) for b in bars if b["data-month"] == "2024-07")
    assert july[0][0] + 100 == pytest.approx(july[1][0])  # stacked, not overlapping
    totals = {
        t.get("data-month"): t.text for t in root.iter(f"{SVG}text") if t.get("class") == "total"
    }
    assert totals == {"2024-06": None, "2024-07": "₩204 bn", "2024-08": "₩100 bn", "2024-09": None}


def test_funding_chart_period_and_empty(conn: sqlite3.Connection) -> None:
    bars = _bars(funding_chart_svg(conn, "2024-08-01", "2024-09-01"))
    assert [(b["data-month"], b["data-series"]) for b in bars] == [("2024-08", "Series B")]
    assert float(bars[0]["height"]) == pytest.approx(200.0)
    empty = funding_chart_svg(conn, "2025-01-01", "2025-03-01")
    assert _bars(empty) == []
    assert "No funding events" in empty


def test_partner_graph_nodes_and_edges(conn: sqlite3.Connection) -> None:
    root = ET.fromstring(partner_graph_svg(conn, "", ""))
    nodes = {
        g.get("data-entity"): (g.get("data-degree"), g.find(f"{SVG}text").text)  # type: ignore[union-attr]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node"
    }
    assert nodes == {
        "naver": ("2", "Naver"),
        "samsung-electronics": ("2", "Samsung Electronics"),
        "sk-telecom": ("1", "SK Telecom"),
        "anthropic": ("1", "Anthropic"),
    }
    edges = {
        (e.get("data-left"), e.get("data-right")): (e.get("data-count"), e.get("stroke-width"))
        for e in root.iter(f"{SVG}line")
        if e.get("class") == "edge"
    }
    assert edges == {
        ("naver", "samsung-electronics"): ("2", "5"),
        ("anthropic", "sk-telecom"): ("1", "3"),
    }


def test_partner_graph_for_a_period(conn: sqlite3.Connection) -> None:
    root = ET.fromstring(partner_graph_svg(conn, "2024-09-01", "2024-09-15"))
    edges = [e.get("data-count") for e in root.iter(f"{SVG}line") if e.get("class") == "edge"]
    assert edges == ["1"]
    assert "Partnerships (2024-09-01 to 2024-09-15)" in ET.tostring(root, encoding="unicode")


# --- big and odd archives (bench/browse_scale.py found these) ------------------------------


def _synthetic(tmp_path: Path, events: list[tuple[str, str, str | None, list[str]]]) -> Path:
    """An archive (every migration) holding one article per event: (type, date, round, parties)."""
    import json

    from storage.archive import Archive

    path = tmp_path / "synthetic.db"
    with Archive(path) as archive, archive.write() as write:
        for number, (kind, date, round_, parties) in enumerate(events, start=1):
            write.execute(
                "INSERT INTO articles (id, canonical_url, url, source, title, text, published, "
                "fetched_at, content_hash) VALUES (?, ?, ?, 's', ?, 't', ?, ?, ?)",
                [number, f"https://x.test/{number}", f"https://x.test/{number}",
                 f"article {number}", date, date, f"{number:064x}"],
            )  # fmt: skip
            write.execute(
                "INSERT INTO events (article_id, type, subtype, parties, party_names, amounts, "
                "amount_krw, round, evidence, confidence) VALUES (?, ?, ?, ?, ?, '[]', ?, ?, "
                "'e', 0.9)",
                [number, kind, "round" if kind == "funding" else "mou", json.dumps(parties),
                 json.dumps(parties), 10**9 if kind == "funding" else None, round_],
            )  # fmt: skip
    return path


def _open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_partner_graph_with_hundreds_of_partners_stays_readable(tmp_path: Path) -> None:
    # A hub with 40 partners, the busiest pair 100 times: widths and radii must stay bounded.
    events = [("partnership", "2025-03-01T00:00:00+00:00", None, ["hub", "p00"])] * 100
    events += [
        ("partnership", "2025-03-02T00:00:00+00:00", None, ["hub", f"p{i:02d}"])
        for i in range(1, 40)
        for _ in range(1 + i % 3)
    ]
    conn = _open(_synthetic(tmp_path, events))
    root = ET.fromstring(partner_graph_svg(conn, "", ""))
    nodes = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    edges = [e for e in root.iter(f"{SVG}line") if e.get("class") == "edge"]
    assert len(nodes) == 24
    assert len(edges) == 23  # the hub and its 23 busiest partners
    assert max(float(e.get("stroke-width", "0")) for e in edges) == pytest.approx(9.0)
    assert max(float(c.get("r", "0")) for c in root.iter(f"{SVG}circle")) == pytest.approx(17.0)
    hub = next(g for g in nodes if g.get("data-entity") == "hub")
    assert hub.get("data-degree") == str(100 + sum(1 + i % 3 for i in range(1, 40)))
    note = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "note"]
    assert note == ["Showing the 24 busiest of 41 entities (all in top_partner_pairs)"]
    # Few edges between many kept nodes: only the busiest pairs are drawn.
    few = ET.fromstring(partner_graph_svg(conn, "", "", max_edges=5))
    counts = [e.get("data-count") for e in few.iter(f"{SVG}line") if e.get("class") == "edge"]
    assert counts == ["100", "3", "3", "3", "3"]
    assert "their 5 busiest of 23 pairs" in ET.tostring(few, encoding="unicode")
    conn.close()


def test_funding_chart_groups_rounds_beyond_the_palette(tmp_path: Path) -> None:
    rounds = ["Seed", "Pre-A", "Series A", "Series B", "Series C", "Series D", "Series E"]
    rounds += ["Series F", "Series G", "Pre-IPO"]
    events = [
        ("funding", "2025-05-10T00:00:00+00:00", name, ["company"])
        for rank, name in enumerate(rounds)
        for _ in range(len(rounds) - rank)  # Seed 10 events ... Pre-IPO 1
    ]
    conn = _open(_synthetic(tmp_path, events))
    svg = funding_chart_svg(conn, "2025-05-01", "2025-06-01")
    bars = {b["data-series"]: int(b["data-value"]) for b in _bars(svg)}
    assert list(bars)[:7] == rounds[:7]
    assert bars["3 other rounds"] == 3 + 2 + 1
    assert sum(bars.values()) == len(events)
    other = next(b for b in _bars(svg) if b["data-series"] == "3 other rounds")
    assert other["fill"] == "#999999"
    assert "Series F 3, Series G 2, Pre-IPO 1" in svg  # the tooltip names them
    colours = [b["fill"] for b in _bars(svg)]
    assert len(set(colours)) == len(colours)
    conn.close()


def test_charts_of_an_empty_archive_and_impossible_dates(tmp_path: Path) -> None:
    from flows.core.errors import KaiwatchError

    conn = _open(_synthetic(tmp_path, []))
    assert "No funding events" in funding_chart_svg(conn, "", "")
    assert "No partnerships" in partner_graph_svg(conn, "", "")
    ET.fromstring(funding_chart_svg(conn, "2025-01", "2025-03"))  # well-formed
    # Month 13 used to loop forever building the month axis (2024-13, 2024-14, ...).
    for since, until in (("2024-13", "2025-01"), ("2024-02-30", ""), ("last week", "")):
        with pytest.raises(KaiwatchError, match="since must be a date"):
            funding_chart_svg(conn, since, until)
    with pytest.raises(KaiwatchError, match="until must be a date"):
        partner_graph_svg(conn, "", "2025/01/01")
    conn.close()
