"""Datasette plugin for ``kaiwatch browse``: Korean-aware search and the charts page.

Loaded from this folder by :func:`flows.browse.build_datasette` (``plugins_dir``).

* Search: Datasette escapes what a user types with its ``escape_fts`` SQL
  function. This plugin replaces that function on the archive's connections with
  :func:`storage.search.build_match_query`, so that 삼성전자 also finds
  삼성전자와 and 삼성전자가, exactly as ``kaiwatch search`` does.
* Charts: ``/-/charts`` shows the funding chart and the partner graph of
  :mod:`flows.charts` for a period; ``/-/charts/funding.svg`` and
  ``/-/charts/partners.svg`` serve the images alone.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from datasette import Response, hookimpl

from flows.browse import DATABASE_NAME
from flows.charts import funding_chart_svg, partner_graph_svg
from storage.search import build_match_query

_DATE = re.compile(r"^(\d{4}-\d{2}(-\d{2})?)?$")


# trylast: runs after Datasette's own prepare_connection, which defines escape_fts.
@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    """Make table search build kaiwatch's MATCH expressions (Hangul terms as prefixes)."""
    if database == DATABASE_NAME:
        conn.create_function("escape_fts", 1, build_match_query, deterministic=True)


def _period(request: Any) -> tuple[str, str] | Response:
    since = request.args.get("since", "").strip()
    until = request.args.get("until", "").strip()
    for name, value in (("since", since), ("until", until)):
        if not _DATE.match(value):
            return Response.text(f"{name} must be YYYY-MM-DD or YYYY-MM, got {value!r}", status=400)
    return since, until


async def _chart(datasette: Any, request: Any, draw: Any) -> Response:
    period = _period(request)
    if isinstance(period, Response):
        return period
    since, until = period
    database = datasette.get_database(DATABASE_NAME)
    svg = await database.execute_fn(lambda conn: draw(conn, since, until))
    return Response(svg, content_type="image/svg+xml; charset=utf-8")


async def funding_svg(datasette: Any, request: Any) -> Response:
    """The funding chart as an SVG image."""
    return await _chart(datasette, request, funding_chart_svg)


async def partners_svg(datasette: Any, request: Any) -> Response:
    """The partner graph as an SVG image."""
    return await _chart(datasette, request, partner_graph_svg)


async def charts_page(datasette: Any, request: Any) -> Response:
    """Both charts inline, with a form for the period."""
    period = _period(request)
    if isinstance(period, Response):
        return period
    since, until = period
    database = datasette.get_database(DATABASE_NAME)
    funding = await database.execute_fn(lambda conn: funding_chart_svg(conn, since, until))
    partners = await database.execute_fn(lambda conn: partner_graph_svg(conn, since, until))
    html = await datasette.render_template(
        "kaiwatch_charts.html",
        {"since": since, "until": until, "funding_svg": funding, "partners_svg": partners},
        request=request,
    )
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The charts page and its two images."""
    return [
        (r"^/-/charts$", charts_page),
        (r"^/-/charts/funding\.svg$", funding_svg),
        (r"^/-/charts/partners\.svg$", partners_svg),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    """A "Charts" entry in Datasette's menu."""
    return [{"href": datasette.urls.path("/-/charts"), "label": "Charts"}]
