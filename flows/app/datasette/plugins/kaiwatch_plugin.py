"""Datasette plugin for ``kaiwatch browse``: Korean-aware search and the charts page.

Loaded from this folder by :func:`flows.app.browse.build_datasette` (``plugins_dir``).

* Search: Datasette escapes what a user types with its ``escape_fts`` SQL
  function. This plugin replaces that function on the archive's connections with
  :func:`storage.search.build_match_query`, so that 삼성전자 also finds
  삼성전자와 and 삼성전자가, exactly as ``kaiwatch search`` does; FTS5 operators
  that do not parse (``AND`` alone, ``AI OR``) are dropped.
* Charts: ``/-/charts`` shows the funding chart and the partner graph of
  :mod:`flows.notify.charts` for a period; ``/-/charts/funding.svg`` and
  ``/-/charts/partners.svg`` serve the images alone.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import Response, hookimpl

from flows.app.browse import DATABASE_NAME
from flows.core.errors import KaiwatchError
from flows.notify.charts import funding_chart_svg, partner_graph_svg
from flows.notify.queries import check_date
from storage.search import safe_match_query


def search_match(query: str) -> str:
    """The MATCH expression for what a user typed in Datasette's search box.

    :func:`storage.search.safe_match_query`, as ``kaiwatch search`` uses it:
    operators that do not parse (``AND`` alone, ``AI OR``, ``*``, ``NEAR(``) are
    dropped instead of showing an "Invalid SQL" error page.
    """
    return safe_match_query(query) or '""'  # '""' matches nothing


# trylast: runs after Datasette's own prepare_connection, which defines escape_fts.
@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    """Make table search build kaiwatch's MATCH expressions (Hangul terms as prefixes)."""
    if database == DATABASE_NAME:
        conn.create_function("escape_fts", 1, search_match, deterministic=True)


def _period(request: Any) -> tuple[str, str] | Response:
    """The page's ``since`` and ``until``, or a 400 response saying which is not a date."""
    try:
        return (
            check_date("since", request.args.get("since", "")),
            check_date("until", request.args.get("until", "")),
        )
    except KaiwatchError as exc:
        return Response.text(str(exc), status=400)


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
