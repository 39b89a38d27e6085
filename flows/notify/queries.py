"""Canned queries over the archive, defined once for Datasette and the command line.

Each :class:`CannedQuery` is a name, a title, a description, its SQL and the
named parameters the SQL takes (``:since``, ``:entity``…). ``kaiwatch browse``
turns :data:`QUERIES` into Datasette canned queries (a form per query, with CSV
and JSON links); ``kaiwatch events`` and ``kaiwatch entity`` run the same SQL
through :func:`run_query`.

Conventions shared by every query:

* a parameter left empty means "no filter": Datasette submits empty form fields
  as ``''``, so the SQL tests ``:since = ''`` rather than ``IS NULL``;
* ``since`` is inclusive and ``until`` exclusive (``YYYY-MM-DD`` or ``YYYY-MM``),
  compared with an article's ``published`` date (its fetch time when unknown);
* each deal counts once: the ``deals`` view (:mod:`storage.deals`) keeps one event per
  story and type, the best-evidenced one, however many reports and events carry it; a
  deal more likely false than real (confidence below :data:`LIKELY`) is left out;
* a funded company is the party whose role is ``recipient``; investors are listed in
  their own column, and government budgets are a kind of funding, not a company;
* amounts are shown as text in the article's currency and language (``amount``,
  ``total``: :func:`flows.core.money_text.format_amount`) next to the integers that sort.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flows.core.errors import KaiwatchError
from flows.core.money_text import format_amount
from storage.deals import LIKELY

__all__ = [
    "LIKELY",
    "QUERIES",
    "CannedQuery",
    "check_date",
    "get_query",
    "query_columns",
    "register_functions",
    "resolve_entity",
    "run_query",
]


@dataclass(frozen=True)
class CannedQuery:
    """One named query with its parameters and help for people."""

    name: str
    title: str
    description: str
    sql: str
    params: tuple[str, ...] = ()
    #: Parameters that must be given (the others default to '' = no filter).
    required: tuple[str, ...] = field(default=())


# Each deal once (storage/deals.py: the ``deals`` view), with its lead amount as text.
# ``kw_amount`` is :func:`flows.core.money_text.format_amount`, registered on every
# connection that runs these queries (:func:`register_functions`).
_DEALS = f"""
story_events AS (
    SELECT d.*,
           kw_amount(json_extract(d.amounts, '$[0].value'), json_extract(d.amounts, '$[0].currency'),
                     d.lang) AS amount
    FROM deals d
    WHERE d.confidence >= {LIKELY}
)"""

# The entity a user typed: its id, its English name, or a name it was found under
# in an article (Korean included); spaces do not count, case neither (Latin).
_ENTITY = """
entity AS (
    SELECT id FROM entities
    WHERE id = lower(trim(:entity))
       OR replace(lower(name), ' ', '') = replace(lower(trim(:entity)), ' ', '')
    UNION
    SELECT DISTINCT entity_id FROM mentions
    WHERE replace(lower(surface), ' ', '') = replace(lower(trim(:entity)), ' ', '')
)"""

_PERIOD = "(:since = '' OR date >= :since) AND (:until = '' OR date < :until)"

# The round as a chart legend says it: the named round, or the kind of funding.
_ROUND = """CASE WHEN round IS NOT NULL THEN round
            WHEN subtype = 'round' THEN 'unnamed round'
            WHEN subtype = 'government' THEN 'government budget'
            ELSE COALESCE(subtype, 'other') END"""

_NAMES = "(SELECT group_concat(value, ' + ') FROM json_each({col}))"

# The names of a deal's parties with one of some roles, read from the row's own JSON
# (a correlated subquery on the deal_parties view would recompute the deals view per row):
# ``_ROLE_NAMES.format(row=..., roles=...)``.
_ROLE_NAMES = """(SELECT group_concat(n.value, ', ') FROM json_each({row}.roles) r
                  JOIN json_each({row}.party_names) n ON n.key = r.key
                  WHERE r.value IN ({roles}))"""
_INVESTOR_ROLES = "'lead_investor', 'investor'"

# Who was funded: the party whose role is recipient, in a deal that is not a government
# budget (a budget funds a programme, not a company), and an organisation: never an
# outlet, a person, a place, a product or the state. Materialised: read twice.
_FUNDED_PARTY = """
funded AS MATERIALIZED (
    SELECT se.*, p.value AS entity_id, COALESCE(en.name, n.value, p.value) AS company,
           en.type AS entity_type
    FROM story_events se, json_each(se.roles) r
    JOIN json_each(se.parties) p ON p.key = r.key
    LEFT JOIN json_each(se.party_names) n ON n.key = r.key
    LEFT JOIN entities en ON en.id = p.value
    WHERE se.type = 'funding' AND COALESCE(se.subtype, '') != 'government'
      AND r.value = 'recipient'
      AND COALESCE(en.type, 'org') NOT IN
          ('government', 'person', 'place', 'outlet', 'media', 'product', 'model')
)"""

# The investors of each funded company's deals, one row per investor and deal.
_INVESTED = f"""
invested AS (
    SELECT f.entity_id, f.date, n.value AS name
    FROM funded f, json_each(f.roles) r JOIN json_each(f.party_names) n ON n.key = r.key
    WHERE r.value IN ({_INVESTOR_ROLES})
)"""

LATEST_EVENTS = CannedQuery(
    name="latest_events",
    title="Latest events",
    description=(
        "Partnership and funding events, newest first, each deal once (its best-evidenced "
        "report; reports: how many articles carry it). type: partnership or funding (empty: both)."
    ),
    sql=f"""
WITH {_DEALS}
SELECT date(date) AS date, type, {_NAMES.format(col="party_names")} AS parties, round,
       {_ROLE_NAMES.format(row="story_events", roles="'recipient'")} AS recipient,
       {_ROLE_NAMES.format(row="story_events", roles=_INVESTOR_ROLES)} AS investors,
       amount, amount_krw, amount_usd, reports, title, outlet, evidence, subtype,
       round(confidence, 2) AS confidence, story_id, id AS event_id, url
FROM story_events
WHERE (:type = '' OR type = :type) AND {_PERIOD}
ORDER BY date DESC, id DESC""",
    params=("type", "since", "until"),
)

FUNDING_BY_MONTH = CannedQuery(
    name="funding_by_month",
    title="Funding by month",
    description=(
        "Funding deals per month (of their first report) and round, government budgets "
        "apart, with KRW and USD totals (deals that name no amount count but add nothing)."
    ),
    sql=f"""
WITH {_DEALS}
SELECT substr(date, 1, 7) AS month, {_ROUND} AS round, count(*) AS events,
       kw_amount(sum(amount_krw), 'KRW', 'en') AS total, sum(amount_krw) AS total_krw,
       sum(amount_usd) AS total_usd
FROM story_events
WHERE type = 'funding' AND {_PERIOD}
GROUP BY month, {_ROUND}
ORDER BY month DESC, total_krw DESC""",
    params=("since", "until"),
)

FUNDING_BY_COMPANY = CannedQuery(
    name="funding_by_company",
    title="Funding by company",
    description=(
        "Who raised money (the recipient of each funding deal), how much (KRW and USD) "
        "and from whom. Investors, government budgets, outlets and people are not companies "
        "that raised: investors are listed in their own column."
    ),
    sql=f"""
WITH {_DEALS}, {_FUNDED_PARTY}, {_INVESTED},
investors AS (
    SELECT entity_id, group_concat(name, ', ') AS names
    FROM (SELECT DISTINCT entity_id, name FROM invested WHERE {_PERIOD})
    GROUP BY entity_id
)
SELECT company, funded.entity_id, count(*) AS events,
       kw_amount(sum(amount_krw), 'KRW', 'en') AS total, sum(amount_krw) AS total_krw,
       sum(amount_usd) AS total_usd, investors.names AS investors,
       group_concat(DISTINCT round) AS rounds, date(max(date)) AS latest
FROM funded LEFT JOIN investors ON investors.entity_id = funded.entity_id
WHERE {_PERIOD}
GROUP BY funded.entity_id
ORDER BY total_krw DESC NULLS LAST, events DESC, company""",
    params=("since", "until"),
)

FUNDING_BY_KIND = CannedQuery(
    name="funding_by_kind",
    title="Funding by kind and sector",
    description=(
        "Funding deals by kind (venture round, strategic investment, government "
        "budget) and by the recipient's type and country; each deal once."
    ),
    sql=f"""
WITH {_DEALS},
recipients AS (
    SELECT se.*,
           (SELECT p.value FROM json_each(se.roles) r JOIN json_each(se.parties) p
            ON p.key = r.key WHERE r.value = 'recipient' ORDER BY r.key LIMIT 1) AS entity_id
    FROM story_events se
    WHERE se.type = 'funding'
)
SELECT COALESCE(r.subtype, 'other') AS kind,
       CASE WHEN r.subtype = 'government' THEN 'government'
            ELSE COALESCE(en.type, 'unknown') END AS party_type,
       COALESCE(en.country, '?') AS country, count(*) AS events,
       kw_amount(sum(r.amount_krw), 'KRW', 'en') AS total, sum(r.amount_krw) AS total_krw,
       sum(r.amount_usd) AS total_usd
FROM recipients r LEFT JOIN entities en ON en.id = r.entity_id
WHERE {_PERIOD}
GROUP BY kind, party_type, country
ORDER BY total_krw DESC NULLS LAST, events DESC""",
    params=("since", "until"),
)

ENTITY_PARTNERSHIPS = CannedQuery(
    name="entity_partnerships",
    title="Partnerships of one entity",
    description=(
        "Every partnership an entity signed, newest first, with its partners. "
        "entity: an id, a name or a Korean name (Naver, naver, 네이버)."
    ),
    sql=f"""
WITH {_DEALS}, {_ENTITY}
SELECT date(se.date) AS date,
       (SELECT group_concat(COALESCE(en.name, p.value), ' + ') FROM json_each(se.parties) p
        LEFT JOIN entities en ON en.id = p.value
        WHERE p.value NOT IN (SELECT id FROM entity)) AS partners,
       se.subtype, se.title, se.outlet, se.url, se.evidence, se.story_id
FROM story_events se
WHERE se.type = 'partnership'
  AND EXISTS (SELECT 1 FROM json_each(se.parties) p WHERE p.value IN (SELECT id FROM entity))
  AND (:since = '' OR se.date >= :since) AND (:until = '' OR se.date < :until)
ORDER BY se.date DESC""",
    params=("entity", "since", "until"),
    required=("entity",),
)

ENTITY_TIMELINE = CannedQuery(
    name="entity_timeline",
    title="Timeline of one entity",
    description=(
        "Every story that mentions an entity and every event it is party to, "
        "newest first. entity: an id, a name or a Korean name."
    ),
    sql=f"""
WITH {_DEALS}, {_ENTITY},
items AS (
    SELECT COALESCE(a.published, a.fetched_at) AS date, 'article' AS kind, a.title AS what,
           COALESCE(a.publisher, a.source) AS outlet, a.canonical_url AS url, a.story_id, a.id AS article_id,
           ae.count AS mentions
    FROM article_entities ae JOIN articles a ON a.id = ae.article_id
    WHERE ae.entity_id IN (SELECT id FROM entity) AND a.duplicate_of IS NULL
    UNION ALL
    SELECT se.date, se.type, {_NAMES.format(col="se.party_names")}
           || COALESCE(' · ' || se.round, '') || COALESCE(' · ' || NULLIF(se.amount, ''), ''),
           se.outlet, se.url, se.story_id, se.article_id, NULL
    FROM story_events se
    WHERE EXISTS (SELECT 1 FROM json_each(se.parties) p WHERE p.value IN (SELECT id FROM entity))
)
SELECT date(date) AS date, kind, what, outlet, url, story_id, article_id, mentions
FROM items
WHERE {_PERIOD}
ORDER BY date DESC, kind = 'article', article_id DESC""",
    params=("entity", "since", "until"),
    required=("entity",),
)

TOP_PARTNER_PAIRS = CannedQuery(
    name="top_partner_pairs",
    title="Top partner pairs",
    description="The pairs of entities that signed the most partnerships together.",
    sql=f"""
WITH {_DEALS},
pairs AS (
    SELECT DISTINCT a.value AS left_id, b.value AS right_id, se.id, se.date
    FROM story_events se, json_each(se.parties) a, json_each(se.parties) b
    WHERE se.type = 'partnership' AND a.value < b.value
)
SELECT COALESCE(l.name, left_id) AS left_name, COALESCE(r.name, right_id) AS right_name,
       count(*) AS partnerships, date(max(date)) AS latest, left_id, right_id
FROM pairs LEFT JOIN entities l ON l.id = left_id LEFT JOIN entities r ON r.id = right_id
WHERE {_PERIOD}
GROUP BY left_id, right_id
ORDER BY partnerships DESC, latest DESC, left_name, right_name""",
    params=("since", "until"),
)

WIDEST_STORIES = CannedQuery(
    name="widest_stories",
    title="Stories carried by the most outlets",
    description="Stories ranked by how many outlets ran them (each outlet once).",
    sql="""
WITH story_outlets AS (
    SELECT s.id AS story_id, lead.title AS title, s.first_seen AS date, s.size AS articles,
           count(DISTINCT COALESCE(a.publisher, a.source)) AS outlets,
           group_concat(DISTINCT COALESCE(a.publisher, a.source)) AS outlet_names,
           lead.canonical_url AS url
    FROM stories s JOIN articles a ON a.story_id = s.id
    LEFT JOIN articles lead ON lead.id = s.first_article_id
    WHERE (:since = '' OR s.first_seen >= :since) AND (:until = '' OR s.first_seen < :until)
    GROUP BY s.id
)
SELECT story_id, title, date(date) AS first_seen, outlets, articles, outlet_names, url
FROM story_outlets
ORDER BY outlets DESC, articles DESC, date DESC""",
    params=("since", "until"),
)

NEW_NAMES = CannedQuery(
    name="new_names",
    title="Names entities.yaml lacks",
    description=(
        "Organisations and people the articles name that the knowledge base does not list, "
        "by how many stories name them (`kaiwatch entities promote ID` adds one)."
    ),
    sql="""
SELECT e.id, e.name, e.type, e.lang, count(DISTINCT COALESCE(a.story_id, -a.id)) AS stories,
       count(DISTINCT ae.article_id) AS articles, date(min(COALESCE(a.published, a.fetched_at)))
       AS first_seen
FROM entities e JOIN article_entities ae ON ae.entity_id = e.id
JOIN articles a ON a.id = ae.article_id
WHERE e.id LIKE 'unk:%' AND (:since = '' OR COALESCE(a.published, a.fetched_at) >= :since)
  AND (:until = '' OR COALESCE(a.published, a.fetched_at) < :until)
GROUP BY e.id
ORDER BY stories DESC, articles DESC, e.name""",
    params=("since", "until"),
)

QUERIES: tuple[CannedQuery, ...] = (
    LATEST_EVENTS,
    FUNDING_BY_MONTH,
    FUNDING_BY_COMPANY,
    FUNDING_BY_KIND,
    ENTITY_PARTNERSHIPS,
    ENTITY_TIMELINE,
    TOP_PARTNER_PAIRS,
    WIDEST_STORIES,
    NEW_NAMES,
)


def get_query(name: str) -> CannedQuery:
    """Return the canned query called ``name``.

    :raises KaiwatchError: there is none (the message lists the known names).
    """
    for query in QUERIES:
        if query.name == name:
            return query
    known = ", ".join(q.name for q in QUERIES)
    raise KaiwatchError(f"no canned query named {name!r} (known: {known})")


_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def check_date(name: str, value: str | None) -> str:
    """Check a ``since``/``until`` bound: ``''`` (no bound), ``YYYY-MM`` or ``YYYY-MM-DD``.

    Bounds are compared with ISO dates as text, so a typo (``2024-13``, ``last week``)
    would silently select nothing, or everything.

    :returns: the value, stripped.
    :raises KaiwatchError: it is not a date of the calendar in one of those forms.
    """
    value = (value or "").strip()
    if not value:
        return ""
    match = _DATE.fullmatch(value)
    try:
        if not match:
            raise ValueError
        date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        raise KaiwatchError(
            f"{name} must be a date as YYYY-MM-DD or YYYY-MM, got {value!r}"
        ) from None
    return value


def register_functions(conn: sqlite3.Connection) -> None:
    """Define the SQL functions the canned queries use on ``conn`` (Datasette's included).

    ``kw_amount(value, currency, lang)``: an amount as text, ``₩50 bn`` or ``500억원``.
    """
    conn.create_function("kw_amount", 3, format_amount, deterministic=True)


def run_query(
    conn: sqlite3.Connection,
    query: CannedQuery,
    params: Mapping[str, Any] | None = None,
    *,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Run a canned query and return its rows as dicts.

    :param params: values by parameter name; missing or ``None`` ones are ``''``
        (no filter), as in Datasette's form.
    :param limit: at most this many rows.
    :raises KaiwatchError: a required parameter is missing, an unknown one is given,
        or ``since``/``until`` is not a date (:func:`check_date`).
    """
    params = dict(params or {})
    unknown = sorted(set(params) - set(query.params))
    if unknown:
        raise KaiwatchError(f"{query.name}: unknown parameter(s) {', '.join(unknown)}")
    for name in query.required:
        if not params.get(name):
            raise KaiwatchError(f"{query.name}: parameter {name!r} is required")
    values = {name: "" if params.get(name) is None else str(params[name]) for name in query.params}
    for name in ("since", "until"):
        if name in values:
            values[name] = check_date(name, values[name])
    register_functions(conn)
    sql = query.sql
    if limit is not None:
        sql = f"SELECT * FROM ({sql}) LIMIT {int(limit)}"
    cursor = conn.execute(sql, values)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def query_columns(conn: sqlite3.Connection, query: CannedQuery) -> list[str]:
    """The names of the columns a canned query returns (a CSV header, even with no rows)."""
    register_functions(conn)
    cursor = conn.execute(f"SELECT * FROM ({query.sql}) LIMIT 0", dict.fromkeys(query.params, ""))
    return [column[0] for column in cursor.description]


def resolve_entity(conn: sqlite3.Connection, name: str) -> list[tuple[str, str]]:
    """Find the entities a typed name stands for: ``[(id, name)]``, best first.

    Matches an id, an English name, an alias in ``entities.yaml`` (when it loads)
    or a name the entity was found under in an article, ignoring case and, for
    Korean, spaces.
    """
    from flows.analysis.knowledge import DEFAULT_ENTITIES_PATH, alias_key, load_entities

    found: dict[str, str] = {}
    rows = conn.execute(
        f"WITH {_ENTITY} SELECT e.id, e.name FROM entities e JOIN entity USING (id)",
        {"entity": name},
    )
    found.update((entity_id, entity_name) for entity_id, entity_name in rows)
    if not found and DEFAULT_ENTITIES_PATH.exists():
        try:
            kb = load_entities(DEFAULT_ENTITIES_PATH)
        except KaiwatchError:
            kb = None
        key = alias_key(name)
        for entity in kb.entities if kb else ():
            names = (entity.id, entity.name, *entity.aliases_en, *entity.aliases_ko)
            if any(alias_key(alias) == key for alias in names):
                found[entity.id] = entity.name
    return sorted(found.items(), key=lambda item: (item[0] != name.lower(), item[0]))
