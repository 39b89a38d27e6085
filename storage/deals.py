"""Deals: each real-world event once, the one definition every counting surface reads.

An article may hold several events of one type, every report of a story carries the
story's event again, and other outlets write their own reports of it, so counting
``events`` rows counts one deal many times (issue 16: one supplementary budget summed
eight times in a month). The view ``deals`` keeps one event per *deal key*: its event
record (:mod:`storage.event_records`, migration 0010), or, for an event archived before
records and not re-indexed, its story and type (else its article and type). Change
:data:`DEAL_KEY` and the matching conditions below together, in a new migration, and every
query, chart and digest follows.

Of a deal's events the best-evidenced one stands for it (highest confidence; on a tie the
first archived report). ``date`` is the deal's first report and ``reports`` how many
articles report it; what a later write-up added to the record (the amount, the round)
fills what the chosen event lacks.

``deal_parties`` lists each deal's parties with their role (roles came with migration
0009; an older event has none until ``kaiwatch reindex``).
"""

from __future__ import annotations

__all__ = ["DEAL_KEY", "SCHEMA_0011"]

#: What makes two events one deal: their event record; before records, story and type.
DEAL_KEY = """CASE WHEN e.record_id IS NOT NULL THEN 'r' || e.record_id
                   WHEN e.story_id IS NOT NULL THEN 's' || e.story_id || e.type
                   ELSE 'a' || e.article_id || e.type END"""
# The other events of a deal ``k`` without a record, as an indexed condition on events ``x``
# (events_story): what DEAL_KEY says for them. A record's events are its reports.
_SAME_STORY_DEAL = "x.story_id = k.story_id AND x.type = k.type AND x.record_id IS NULL"

SCHEMA_0011 = f"""
CREATE VIEW deals AS
SELECT e.id, e.article_id, e.story_id, e.record_id, k.deal_key, e.type, e.subtype,
       e.parties, e.party_names, e.roles,
       CASE WHEN e.amounts = '[]' AND r.amount IS NOT NULL THEN json_array(json(r.amount))
            ELSE e.amounts END AS amounts,
       COALESCE(e.amount_krw, r.amount_krw) AS amount_krw,
       COALESCE(e.amount_usd, r.amount_usd) AS amount_usd,
       COALESCE(e.round, r.round) AS round, e.evidence, e.confidence, e.trigger_rule,
       CASE WHEN r.id IS NOT NULL THEN r.first_seen
            WHEN k.story_id IS NULL THEN COALESCE(a.published, a.fetched_at)
            ELSE (SELECT min(COALESCE(xa.published, xa.fetched_at))
                  FROM events x JOIN articles xa ON xa.id = x.article_id
                  WHERE {_SAME_STORY_DEAL}) END AS date,
       CASE WHEN r.id IS NOT NULL THEN r.size
            WHEN k.story_id IS NULL THEN 1
            ELSE (SELECT count(DISTINCT x.article_id) FROM events x
                  WHERE {_SAME_STORY_DEAL}) END AS reports,
       a.title, a.source, COALESCE(a.publisher, a.source) AS outlet, a.canonical_url AS url,
       a.lang
FROM (
    -- Only narrow columns go through the window's sort; the chosen events' wide columns
    -- and their articles are read afterwards (a tenth of the time on a big archive).
    SELECT id, story_id, type, deal_key
    FROM (
        SELECT e.id, e.story_id, e.type, {DEAL_KEY} AS deal_key,
               row_number() OVER (
                   PARTITION BY {DEAL_KEY} ORDER BY e.confidence DESC, e.article_id, e.id
               ) AS rank
        FROM events e
    )
    WHERE rank = 1
) k
JOIN events e ON e.id = k.id
JOIN articles a ON a.id = e.article_id
LEFT JOIN event_records r ON r.id = e.record_id;

CREATE VIEW deal_parties AS
SELECT d.id AS deal_id, d.type, d.subtype, p.key AS position, p.value AS entity_id,
       COALESCE(en.name, n.value, p.value) AS name, r.value AS role, en.type AS entity_type
FROM deals d
JOIN json_each(d.parties) p
LEFT JOIN json_each(d.party_names) n ON n.key = p.key
LEFT JOIN json_each(d.roles) r ON r.key = p.key
LEFT JOIN entities en ON en.id = p.value;
"""
