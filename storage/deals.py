"""Deals: each real-world event once, the one definition every counting surface reads.

An article may hold several events of one type, and every report of a story carries the
story's event again, so counting ``events`` rows counts one deal many times (issue 16: one
supplementary budget summed eight times in a month). The view ``deals`` keeps one event
per *deal key* and type. The deal key is the story (or the article, for an event not in a
story): change :data:`DEAL_KEY` alone, in a new migration, to count by another identity
(an event record, say) and every query, chart and digest follows.

Of a deal's events the best-evidenced one stands for it (highest confidence; on a tie
the first archived report). ``date`` is the deal's first report, ``reports`` how many
articles of it carry an event of that type.

``deal_parties`` lists each deal's parties with their role, one row per party (roles
came with migration 0009; an older event has none until ``kaiwatch reindex``).
"""

from __future__ import annotations

__all__ = ["DEAL_KEY", "SCHEMA_0011"]

#: What makes two events one deal (with their type): the story, else the article.
DEAL_KEY = "COALESCE(e.story_id, -e.article_id)"
# The other events of deal ``k`` (a chosen event's row) as an indexed condition on events
# ``x`` (events_story): it must say the same as DEAL_KEY, for a deal that has a story; a
# deal without one is its article's alone.
_SAME_DEAL = "x.story_id = k.story_id AND x.type = k.type"

SCHEMA_0011 = f"""
CREATE VIEW deals AS
SELECT e.id, e.article_id, e.story_id, k.deal_key, e.type, e.subtype, e.parties,
       e.party_names, e.roles, e.amounts, e.amount_krw, e.amount_usd, e.round, e.evidence,
       e.confidence, e.trigger_rule,
       CASE WHEN k.story_id IS NULL THEN COALESCE(a.published, a.fetched_at) ELSE (
           SELECT min(COALESCE(xa.published, xa.fetched_at))
           FROM events x JOIN articles xa ON xa.id = x.article_id WHERE {_SAME_DEAL}
       ) END AS date,
       CASE WHEN k.story_id IS NULL THEN 1 ELSE (
           SELECT count(DISTINCT x.article_id) FROM events x WHERE {_SAME_DEAL}
       ) END AS reports,
       a.title, a.source, COALESCE(a.publisher, a.source) AS outlet, a.canonical_url AS url,
       a.lang
FROM (
    -- Only narrow columns go through the window's sort; the chosen events' wide columns
    -- and their articles are read afterwards (a tenth of the time on a big archive).
    SELECT id, story_id, type, deal_key
    FROM (
        SELECT e.id, e.story_id, e.type, {DEAL_KEY} AS deal_key,
               row_number() OVER (
                   PARTITION BY {DEAL_KEY}, e.type ORDER BY e.confidence DESC, e.article_id, e.id
               ) AS rank
        FROM events e
    )
    WHERE rank = 1
) k
JOIN events e ON e.id = k.id
JOIN articles a ON a.id = e.article_id;

CREATE VIEW deal_parties AS
SELECT d.id AS deal_id, d.type, d.subtype, p.key AS position, p.value AS entity_id,
       COALESCE(en.name, n.value, p.value) AS name, r.value AS role, en.type AS entity_type
FROM deals d
JOIN json_each(d.parties) p
LEFT JOIN json_each(d.party_names) n ON n.key = p.key
LEFT JOIN json_each(d.roles) r ON r.key = p.key
LEFT JOIN entities en ON en.id = p.value;
"""
