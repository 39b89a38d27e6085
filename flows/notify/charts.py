"""Static SVG charts of the archive: funding per month, and who partners with whom.

Plain SVG strings, no plotting library: they embed in an e-mail, a README or
Datasette page as they are. Both read the archive through the canned queries
in :mod:`flows.notify.queries`, so a chart and its table agree. Every mark carries its
numbers as ``data-*`` attributes and a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from html import escape

from flows.core.money_text import format_amount
from flows.notify.queries import FUNDING_BY_MONTH, TOP_PARTNER_PAIRS, check_date, run_query

__all__ = ["funding_chart_svg", "partner_graph_svg"]

# Colour-blind-safe palette (Okabe–Ito), one colour per series in order of size.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_FONT = "font-family='system-ui, sans-serif' font-size='12'"
# Rounds beyond the palette's first colours are drawn as one grey series.
_MAX_SERIES = len(_PALETTE) - 1
# Longer entity names are cut (with "…") on the partner graph; the tooltip has them whole.
_MAX_LABEL = 24


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' {_FONT}>"
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


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


def _tick_step(peak: int) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about five ticks up to ``peak``."""
    rough = peak / 5
    power = 10 ** math.floor(math.log10(rough))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= rough))


def funding_chart_svg(conn: sqlite3.Connection, since: str, until: str) -> str:
    """Draw funding deals per month as bars stacked by round, with each month's KRW total.

    Bar height is the number of funding deals (each once: the ``deals`` view), so rounds
    that name no amount still show; government budgets are a series of their own. The
    label above a bar is the month's total in won (``₩1.8 tn``).

    :param conn: a connection to the archive (read-only is enough).
    :param since: first day included (``YYYY-MM-DD``), or ``''`` for no bound.
    :param until: first day excluded (``YYYY-MM-DD``), or ``''`` for no bound.
    :raises KaiwatchError: ``since`` or ``until`` is not a date.

    The seven largest rounds keep their colour; smaller ones are stacked as one grey
    ``N other rounds`` series, whose tooltip names them.
    """
    since, until = check_date("since", since), check_date("until", until)
    rows = run_query(conn, FUNDING_BY_MONTH, {"since": since, "until": until})
    series_size: dict[str, int] = defaultdict(int)
    for row in rows:
        series_size[row["round"]] += row["events"]
    series = sorted(series_size, key=lambda name: (-series_size[name], name))
    merged: dict[str, str] = {}
    if len(series) > _MAX_SERIES + 1:
        rest = series[_MAX_SERIES:]
        other = f"{len(rest)} other rounds"
        merged = dict.fromkeys(rest, other)
        series = [*series[:_MAX_SERIES], other]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    parts: dict[tuple[str, str], list[str]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        name = merged.get(row["round"], row["round"])
        counts[row["month"]][name] += row["events"]
        parts[(row["month"], name)].append(f"{row['round']} {row['events']}")
        totals[row["month"]] += row["total_krw"] or 0
    months = _months(since, until, set(counts))
    colours = {name: _PALETTE[i] for i, name in enumerate(series)}
    colours.update(dict.fromkeys(merged.values(), _PALETTE[-1]))
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
    for tick in range(peak + 1) if peak <= 10 else range(0, peak + 1, _tick_step(peak)):
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
            tip = f"{month} {name}: {value}"
            if name in merged.values():
                tip += f" ({', '.join(parts[(month, name)])})"
            body.append(
                f"<rect class='bar' x='{x:.1f}' y='{y:.1f}' width='{bar_w}' height='{h:.1f}' "
                f"fill='{colours[name]}' data-month='{month}' data-series='{escape(name)}' "
                f"data-value='{value}'><title>{escape(tip)}</title></rect>"
            )
        label = format_amount(totals[month], "KRW") if totals.get(month) else ""
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
    conn: sqlite3.Connection,
    since: str,
    until: str,
    *,
    max_nodes: int = 24,
    max_edges: int = 60,
) -> str:
    """Draw who partners with whom: entities on a circle, one edge per pair.

    An edge's width grows with the number of partnerships of the pair, a node's
    radius with the entity's partnerships in all (both scaled down when the
    busiest pair or entity would not fit). The ``max_nodes`` busiest entities are
    kept, and of the pairs between them the ``max_edges`` with the most
    partnerships; a note under the title says what was left out.

    :param conn: a connection to the archive (read-only is enough).
    :param since: first day included (``YYYY-MM-DD``), or ``''`` for no bound.
    :param until: first day excluded (``YYYY-MM-DD``), or ``''`` for no bound.
    :raises KaiwatchError: ``since`` or ``until`` is not a date.
    """
    since, until = check_date("since", since), check_date("until", until)
    pairs = run_query(conn, TOP_PARTNER_PAIRS, {"since": since, "until": until})
    degree: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for pair in pairs:
        for side in ("left", "right"):
            degree[pair[f"{side}_id"]] += pair["partnerships"]
            names[pair[f"{side}_id"]] = pair[f"{side}_name"]
    nodes = sorted(degree, key=lambda n: (-degree[n], names[n]))[:max_nodes]
    kept = set(nodes)
    between = [p for p in pairs if p["left_id"] in kept and p["right_id"] in kept]
    edges = between[:max_edges]  # pairs come busiest first
    # Widths 1 + 2 × count while the busiest pair is at most 4; beyond, scaled to 9 px.
    edge_scale = min(2.0, 8 / max((e["partnerships"] for e in edges), default=1))
    # Radii 5 + 3 √degree while the busiest entity has at most 16; beyond, scaled to 17 px.
    node_scale = min(3.0, 12 / math.sqrt(max((degree[n] for n in nodes), default=1)))
    title = f"Partnerships ({since or 'start'} to {until or 'now'})"
    notes = []
    if len(degree) > len(nodes):
        notes.append(f"the {len(nodes)} busiest of {len(degree)} entities")
    if len(between) > len(edges):
        notes.append(f"their {len(edges)} busiest of {len(between)} pairs")
    # Labels run outwards along their node's radius, so that neighbours never overlap;
    # the margin around the circle holds a label of _MAX_LABEL characters.
    radius, margin, header = 190, 180, 40
    size = 2 * (radius + margin)
    cx, cy = size / 2, header + size / 2
    angles = {node: 2 * math.pi * i / len(nodes) - math.pi / 2 for i, node in enumerate(nodes)}
    places = {
        node: (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        for node, angle in angles.items()
    }
    body = [f"<text x='10' y='18' font-weight='bold'>{escape(title)}</text>"]
    if notes:
        body.append(
            f"<text x='10' y='34' class='note' font-size='11' fill='#555'>"
            f"Showing {escape(', '.join(notes))} (all in top_partner_pairs)</text>"
        )
    if not nodes:
        body.append("<text x='10' y='50' class='empty'>No partnerships</text>")
    for edge in edges:
        (x1, y1), (x2, y2) = places[edge["left_id"]], places[edge["right_id"]]
        count = edge["partnerships"]
        label = f"{edge['left_name']} – {edge['right_name']}: {count}"
        body.append(
            f"<line class='edge' x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
            f"stroke='#0072B2' stroke-opacity='0.6' stroke-width='{1 + edge_scale * count:g}' "
            f"data-left='{escape(edge['left_id'])}' data-right='{escape(edge['right_id'])}' "
            f"data-count='{count}'><title>{escape(label)}</title></line>"
        )
    for node in nodes:
        x, y = places[node]
        r = 5 + node_scale * math.sqrt(degree[node])
        angle = angles[node]
        lx, ly = x + (r + 4) * math.cos(angle), y + (r + 4) * math.sin(angle)
        right = math.cos(angle) >= -1e-9
        turn = math.degrees(angle) + (0 if right else 180)
        name = names[node]
        short = name if len(name) <= _MAX_LABEL else name[: _MAX_LABEL - 1] + "…"
        body.append(
            f"<g class='node' data-entity='{escape(node)}' data-degree='{degree[node]}'>"
            f"<title>{escape(name)}: {degree[node]} partnerships</title>"
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' fill='#E69F00' stroke='#333'/>"
            f"<text x='{lx:.1f}' y='{ly:.1f}' dy='0.35em' text-anchor='{'start' if right else 'end'}' "
            f"transform='rotate({turn:.1f} {lx:.1f} {ly:.1f})'>{escape(short)}</text></g>"
        )
    return _svg(size, header + size + 10, title, body)
