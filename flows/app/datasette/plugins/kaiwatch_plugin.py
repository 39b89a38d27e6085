"""Datasette plugin for ``kaiwatch browse``: Korean-aware search, readable pages, charts.

Loaded from this folder by :func:`flows.app.browse.build_datasette` (``plugins_dir``).

* Readable cells (issue 14): an article's text shows as a short snippet with the
  searched words marked (``<mark>``), its URLs as short links; an event's parties
  and amounts as text, not JSON; won and dollar figures as ``₩50 bn`` and ``$35 m`` (flows/core/money_text.py).
  CSV and JSON keep the stored values.
* The home page starts with the canned queries and the useful tables; the schema
  (``docs/schema.md``) is served at ``/-/schema``.

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

import contextvars
import json
import re
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from datasette import Response, hookimpl
from markupsafe import Markup, escape

from flows.app.browse import DATABASE_NAME
from flows.core.errors import KaiwatchError
from flows.core.money_text import format_amount
from flows.notify.charts import funding_chart_svg, partner_graph_svg
from flows.notify.queries import check_date, register_functions
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
        register_functions(conn)  # kw_amount, for the canned queries' amounts as text


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
    """The charts page and its two images, and the schema page."""
    return [
        (r"^/-/charts$", charts_page),
        (r"^/-/charts/funding\.svg$", funding_svg),
        (r"^/-/charts/partners\.svg$", partners_svg),
        (r"^/-/schema$", schema_page),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    """ "Charts" and "Schema" entries in Datasette's menu."""
    return [
        {"href": datasette.urls.path("/-/charts"), "label": "Charts"},
        {"href": datasette.urls.path("/-/schema"), "label": "Schema"},
    ]


# --- readable pages (issue 14) -----------------------------------------------------------

# The checkout's root is four folders up: plugins, datasette, app, flows.
SCHEMA_DOC = Path(__file__).resolve().parents[4] / "docs" / "schema.md"

# What a reader wants first: the canned queries, then the tables they come from.
START_QUERIES = (
    "latest_events", "entity_timeline", "funding_by_company", "entity_partnerships",
    "top_partner_pairs", "funding_by_month", "funding_by_kind", "widest_stories",
)  # fmt: skip
TABLE_GROUPS = (
    ("The archive", ("events", "articles", "stories", "entities")),
    ("Runs, feeds and alerts", (
        "runs", "feeds", "entries", "alerts", "deliveries", "delivery_attempts", "digests",
        "operator_messages",
    )),
    ("Analysis details", ("mentions", "article_entities", "amounts")),
)  # fmt: skip
SNIPPET_CHARS = 240

# The query string of the request being answered: render_cell (Datasette 0.65) gets no
# request, and the snippet needs the searched words.
_search = contextvars.ContextVar("kaiwatch_search", default="")


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    """Keep each request's ``_search`` where :func:`render_cell` can read it."""

    def wrap(app: Any) -> Any:
        async def with_search(scope: dict[str, Any], receive: Any, send: Any) -> None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            token = _search.set(query.get("_search", [""])[0] if scope["type"] == "http" else "")
            try:
                await app(scope, receive, send)
            finally:
                _search.reset(token)

        return with_search

    return wrap


_OPERATOR = re.compile(r"^(AND|OR|NOT|NEAR)$")


def search_terms(query: str) -> list[str]:
    """The words a search looks for (operators, quotes and ``*`` left out)."""
    words = re.findall(r"[\w\-.'\u00b7]+", query.replace("*", " "))
    return [word for word in words if not _OPERATOR.match(word) and word.strip("-.'")]


def snippet(text: str, query: str = "", width: int = SNIPPET_CHARS) -> Markup:
    """A short piece of ``text``: around the first searched word, which is marked.

    Korean words match with their particles (삼성전자 marks the 삼성전자 of 삼성전자와).
    """
    terms = search_terms(query)
    pattern = (
        re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)),
                   re.IGNORECASE)
        if terms
        else None
    )  # fmt: skip
    found = pattern.search(text) if pattern else None
    start = max(0, found.start() - width // 3) if found else 0
    end = min(len(text), start + width)
    piece = " ".join(text[start:end].split())
    html = str(escape(piece))
    if pattern is not None:
        html = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", html)
    return Markup(("… " if start else "") + html + (" …" if end < len(text) else ""))


def _short_link(url: str) -> Markup:
    parts = urlsplit(url)
    text = (parts.netloc + parts.path) or url
    text = text if len(text) <= 60 else text[:57] + "…"
    return Markup(f'<a href="{escape(url)}" title="{escape(url)}">{escape(text)}</a>')


def _json_list(value: Any) -> list[Any] | None:
    try:
        items = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return items if isinstance(items, list) else None


_KRW = {"amount_krw", "total_krw"}
_USD = {"amount_usd", "total_usd"}


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | str | None:
    """Show the archive's cells as a reader wants them (the stored values stay in CSV/JSON)."""
    if database != DATABASE_NAME or value is None:
        return None
    if table == "articles" and column == "text" and isinstance(value, str):
        return snippet(value, _search.get())
    if table == "articles" and column in {"url", "canonical_url"} and isinstance(value, str):
        return _short_link(value)
    if table == "events" and column in {"parties", "party_names"}:
        names = _json_list(value)
        return None if names is None else " + ".join(str(name) for name in names)
    if table == "events" and column == "amounts":
        amounts = _json_list(value)
        if amounts is None:
            return None
        return ", ".join(str(a.get("text", "")) for a in amounts if isinstance(a, dict)) or "—"
    if column in _KRW and isinstance(value, int):
        return format_amount(value, "KRW")
    if column in _USD and isinstance(value, int | float):
        return format_amount(value, "USD")
    return None


@hookimpl
def extra_template_vars(template: str, datasette: Any) -> dict[str, Any] | None:
    """The home and database pages' order: queries and useful tables first."""
    if template not in {"index.html", "database-kaiwatch.html"}:
        return None
    database = datasette.metadata().get("databases", {}).get(DATABASE_NAME, {})
    queries = database.get("queries", {})
    tables = database.get("tables", {})
    return {
        "start_queries": [
            (name, queries[name].get("title", name), queries[name].get("description", ""))
            for name in START_QUERIES
            if name in queries
        ],
        "table_groups": [
            (heading, [(name, tables.get(name, {}).get("description", "")) for name in names])
            for heading, names in TABLE_GROUPS
        ],
        "grouped_tables": [name for _, names in TABLE_GROUPS for name in names],
    }


async def schema_page(datasette: Any, request: Any) -> Response:
    """``docs/schema.md``, rendered: what each table and column means."""
    import markdown

    try:
        text = SCHEMA_DOC.read_text(encoding="utf-8")
    except OSError:
        text = f"# The archive's schema\n\n{SCHEMA_DOC} is not here (an installed copy)."
    body = markdown.markdown(text, extensions=["tables", "fenced_code"])
    html = await datasette.render_template(
        "kaiwatch_schema.html", {"schema_html": Markup(body)}, request=request
    )
    return Response.html(html)
