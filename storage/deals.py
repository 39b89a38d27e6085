"""Deals: each real-world event once, the one definition every counting surface reads.

An article may hold several events of one type, and every report of a story carries the
story's event again, so counting ``events`` rows counts one deal many times (issue 16: one
supplementary budget summed eight times in a month). The view ``deals`` keeps one event
per *deal key* and type. The deal key is the story (or the article, for an event not in a
story): change :data:`DEAL_KEY` alone, in a new migration, to count by another identity
(an event record, say) and every query, chart and digest follows.

Of a deal's events the best-evidenced one stands for it (highest confidence; on a tie
the first report). ``date`` is the deal's first report, ``reports`` how many articles
of it carry an event of that type.

``deal_parties`` lists each deal's parties with their role, one row per party (roles
came with migration 0009; an older event has none until ``kaiwatch reindex``).
"""

from __future__ import annotations

__all__ = ["DEAL_KEY", "SCHEMA_0011"]

#: What makes two events one deal (with their type): the story, else the article.
DEAL_KEY = "COALESCE(e.story_id, -e.article_id)"

SCHEMA_0011 = f"""
CREATE VIEW deals AS
SELECT id, article_id, story_id, deal_key, type, subtype, parties, party_names, roles,
       amounts, amount_krw, amount_usd, round, evidence, confidence, trigger_rule,
       first_date AS date, reports, title, source, outlet, url, lang
FROM (
    SELECT *,
           row_number() OVER (same_deal ORDER BY confidence DESC, article_date, id) AS rank,
           min(article_date) OVER same_deal AS first_date,
           sum(nth_in_article = 1) OVER same_deal AS reports
    FROM (
        SELECT e.*, {DEAL_KEY} AS deal_key,
               row_number() OVER (PARTITION BY {DEAL_KEY}, e.type, e.article_id) AS nth_in_article,
               COALESCE(a.published, a.fetched_at) AS article_date,
               a.title, a.source, COALESCE(a.publisher, a.source) AS outlet,
               a.canonical_url AS url, a.lang
        FROM events e JOIN articles a ON a.id = e.article_id
    )
    WINDOW same_deal AS (PARTITION BY deal_key, type)
)
WHERE rank = 1;

CREATE VIEW deal_parties AS
SELECT d.id AS deal_id, d.type, d.subtype, p.key AS position, p.value AS entity_id,
       COALESCE(en.name, n.value, p.value) AS name, r.value AS role, en.type AS entity_type
FROM deals d
JOIN json_each(d.parties) p
LEFT JOIN json_each(d.party_names) n ON n.key = p.key
LEFT JOIN json_each(d.roles) r ON r.key = p.key
LEFT JOIN entities en ON en.id = p.value;
"""
