"""SVG charts (flows/charts.py): the bars and nodes the fixture archive implies."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_queries import fill_archive

from flows.charts import funding_chart_svg, partner_graph_svg

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
    assert totals == {"2024-06": None, "2024-07": "₩204.0B", "2024-08": "₩100.0B", "2024-09": None}


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
