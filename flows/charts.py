"""Static SVG charts of the archive: funding per month, and who partners with whom.

Plain SVG strings, no plotting library: they embed in an e-mail, a README or
Datasette page as they are. Both read the archive through the canned queries
in :mod:`flows.queries`, so a chart and its table agree. Every mark carries its
numbers as ``data-*`` attributes and a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from html import escape

from flows.queries import FUNDING_BY_MONTH, TOP_PARTNER_PAIRS, run_query

__all__ = ["funding_chart_svg", "partner_graph_svg"]

# Colour-blind-safe palette (Okabe–Ito), one colour per series in order of size.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_FONT = "font-family='system-ui, sans-serif' font-size='12'"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' {_FONT}>"
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _won(value: int) -> str:
    """Format won compactly: ₩124.0B, ₩3.5T, ₩800M."""
    for limit, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M")):
        if value >= limit:
            return f"₩{value / limit:.1f}{suffix}"
    return f"₩{value:,}"


def _months(since: str, until: str, seen: set[str]) -> list[str]:
    """Every month of the period: from ``since`` (or the first month with data) up to
    ``until`` excluded (or the last month with data), gaps included."""
    if not (since or seen):
        return []
    first = since[:7] if since else min(seen)
    if until:
        # until is excluded: a period ending on the 1st (or given as YYYY-MM) stops before it.
        last_excluded = until[:7] if until[8:10] in ("", "01") else _next_month(until[:7])
    else:
        last_excluded = _next_month(max(seen | {first}))
    months: list[str] = []
    month = first
    while month < last_excluded:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def funding_chart_svg(conn: sqlite3.Connection, since: str, until: str) -> str:
    """Draw funding events per month as bars stacked by round, with each month's KRW total.

    Bar height is the number of funding events (once per story), so rounds that
    name no amount still show; the label above a bar is the month's total in won.

    :param conn: a connection to the archive (read-only is enough).
    :param since: first day included (``YYYY-MM-DD``), or ``''`` for no bound.
    :param until: first day excluded (``YYYY-MM-DD``), or ``''`` for no bound.
    """
    rows = run_query(conn, FUNDING_BY_MONTH, {"since": since, "until": until})
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    series_size: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["month"]][row["round"]] = row["events"]
        totals[row["month"]] += row["total_krw"] or 0
        series_size[row["round"]] += row["events"]
    months = _months(since, until, set(counts))
    series = sorted(series_size, key=lambda name: (-series_size[name], name))
    colours = {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(series)}
    period = f"{since or 'start'} to {until or 'now'}"
    title = f"Funding events per month, by round ({period})"

    left, top, plot_h, bar_w, gap = 40, 50, 200, 44, 26
    width = max(560, left + len(months) * (bar_w + gap) + 20)
    legend_y = top + plot_h + 40
    height = legend_y + 20 * max(1, math.ceil(len(series) / 3)) + 10
    peak = max((sum(m.values()) for m in counts.values()), default=0)
    scale = plot_h / peak if peak else 0.0
    body = [f"<text x='{left}' y='18' font-weight='bold'>{escape(title)}</text>"]
    base = top + plot_h
    body.append(
        f"<line x1='{left}' y1='{base}' x2='{width - 10}' y2='{base}' stroke='#333' class='axis'/>"
    )
    for tick in range(peak + 1) if peak <= 10 else range(0, peak + 1, math.ceil(peak / 5)):
        y = base - tick * scale
        body.append(f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end'>{tick}</text>")
    if not months or not peak:
        body.append(f"<text x='{left + 10}' y='{top + 40}' class='empty'>No funding events</text>")
    for i, month in enumerate(months):
        x = left + gap / 2 + i * (bar_w + gap)
        y = float(base)
        for name in series:
            value = counts.get(month, {}).get(name, 0)
            if not value:
                continue
            h = value * scale
            y -= h
            body.append(
                f"<rect class='bar' x='{x:.1f}' y='{y:.1f}' width='{bar_w}' height='{h:.1f}' "
                f"fill='{colours[name]}' data-month='{month}' data-series='{escape(name)}' "
                f"data-value='{value}'><title>{month} {escape(name)}: {value}</title></rect>"
            )
        label = _won(totals[month]) if totals.get(month) else ""
        body.append(
            f"<text class='total' x='{x + bar_w / 2:.1f}' y='{y - 4:.1f}' text-anchor='middle' "
            f"data-month='{month}' font-size='10'>{label}</text>"
        )
        body.append(
            f"<text class='month' x='{x + bar_w / 2:.1f}' y='{base + 16}' "
            f"text-anchor='middle'>{month}</text>"
        )
    for i, name in enumerate(series):
        x, y = left + (i % 3) * 160, legend_y + (i // 3) * 20
        body.append(
            f"<rect class='legend' x='{x}' y='{y - 10}' width='12' height='12' "
            f"fill='{colours[name]}'/><text x='{x + 18}' y='{y}'>{escape(name)}</text>"
        )
    return _svg(width, height, title, body)


def partner_graph_svg(
    conn: sqlite3.Connection, since: str, until: str, *, max_nodes: int = 24
) -> str:
    """Draw who partners with whom: entities on a circle, one edge per pair.

    An edge's width grows with the number of partnerships of the pair, a node's
    radius with the entity's partnerships in all. The ``max_nodes`` busiest
    entities are kept.

    :param conn: a connection to the archive (read-only is enough).
    :param since: first day included (``YYYY-MM-DD``), or ``''`` for no bound.
    :param until: first day excluded (``YYYY-MM-DD``), or ``''`` for no bound.
    """
    pairs = run_query(conn, TOP_PARTNER_PAIRS, {"since": since, "until": until})
    degree: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for pair in pairs:
        for side in ("left", "right"):
            degree[pair[f"{side}_id"]] += pair["partnerships"]
            names[pair[f"{side}_id"]] = pair[f"{side}_name"]
    nodes = sorted(degree, key=lambda n: (-degree[n], names[n]))[:max_nodes]
    kept = set(nodes)
    edges = [p for p in pairs if p["left_id"] in kept and p["right_id"] in kept]
    title = f"Partnerships ({since or 'start'} to {until or 'now'})"
    size, radius = 560, 190
    centre = size / 2
    places = {
        node: (
            centre + radius * math.cos(2 * math.pi * i / len(nodes) - math.pi / 2),
            centre + 10 + radius * math.sin(2 * math.pi * i / len(nodes) - math.pi / 2),
        )
        for i, node in enumerate(nodes)
    }
    body = [f"<text x='10' y='18' font-weight='bold'>{escape(title)}</text>"]
    if not nodes:
        body.append("<text x='10' y='50' class='empty'>No partnerships</text>")
    for edge in edges:
        (x1, y1), (x2, y2) = places[edge["left_id"]], places[edge["right_id"]]
        count = edge["partnerships"]
        label = f"{edge['left_name']} – {edge['right_name']}: {count}"
        body.append(
            f"<line class='edge' x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
            f"stroke='#0072B2' stroke-opacity='0.6' stroke-width='{1 + 2 * count}' "
            f"data-left='{escape(edge['left_id'])}' data-right='{escape(edge['right_id'])}' "
            f"data-count='{count}'><title>{escape(label)}</title></line>"
        )
    for node in nodes:
        x, y = places[node]
        r = 5 + 3 * math.sqrt(degree[node])
        anchor = "start" if x >= centre else "end"
        dx = r + 4 if x >= centre else -(r + 4)
        body.append(
            f"<g class='node' data-entity='{escape(node)}' data-degree='{degree[node]}'>"
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='#E69F00' stroke='#333'/>"
            f"<text x='{x + dx:.1f}' y='{y + 4:.1f}' text-anchor='{anchor}'>"
            f"{escape(names[node])}</text></g>"
        )
    return _svg(size, size + 20, title, body)
