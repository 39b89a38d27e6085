"""Deals: each real-world event once, the one definition every counting surface reads.

An article may hold several events of one type, every report of a story carries the
story's event again, and other outlets write their own reports of it, so counting
``events`` rows counts one deal many times (issue 16: one supplementary budget summed
eight times in a month). The view ``deals`` keeps one event per *deal key*
(:data:`DEAL_KEY`: the event record's story and type, :mod:`storage.event_records`,
migration 0010). Change it, in a new migration, and every query, chart and digest follows.

Of a deal's events the best-evidenced one stands for it: a likely one (:data:`LIKELY`),
one that names who raised (or the government, for a budget), the highest confidence, and on
a tie the first archived report. ``date`` is the deal's first report and ``reports`` how many
articles report it; what a later write-up added to the record (the amount, the round)
fills what the chosen event lacks.

``deal_parties`` lists each deal's parties with their role (roles came with migration
0009; an older event has none until ``kaiwatch reindex``).
"""

from __future__ import annotations

__all__ = ["DEAL_KEY", "LIKELY", "SCHEMA_0011"]

#: The confidence is a calibrated probability: an event below this is more likely not real.
#: A deal is shown by a likely event when it has one; the canned queries count only deals
#: whose event is likely (the archive keeps the others, and ``kaiwatch explain`` says why).
LIKELY = 0.5

#: What makes two events one deal: their event record's story (the story of its first report)
#: and type; an event archived before records, its own story and type (else its article and
#: type). An event record gathers every write-up of one event, whichever story they sit in;
#: the story gathers what one article (or its copies) says twice, which records keep apart
#: ("SK Telecom and Lambda" and "Lambda raised 430 billion won" in one article).
DEAL_KEY = """CASE WHEN r.story_id IS NOT NULL THEN 's' || r.story_id || e.type
                   WHEN r.id IS NOT NULL THEN 'r' || r.id
                   WHEN e.story_id IS NOT NULL THEN 's' || e.story_id || e.type
                   ELSE 'a' || e.article_id || e.type END"""

SCHEMA_0011 = f"""
CREATE VIEW deals AS
SELECT e.id, e.article_id, e.story_id, e.record_id, k.deal_key, e.type, e.subtype,
       e.parties, e.party_names, e.roles,
       CASE WHEN e.amounts = '[]' AND r.amount IS NOT NULL THEN json_array(json(r.amount))
            ELSE e.amounts END AS amounts,
       COALESCE(e.amount_krw, r.amount_krw) AS amount_krw,
       COALESCE(e.amount_usd, r.amount_usd) AS amount_usd,
       COALESCE(e.round, r.round) AS round, e.evidence, e.confidence, e.trigger_rule,
       k.first_seen AS date, k.reports,
       a.title, a.source, COALESCE(a.publisher, a.source) AS outlet, a.canonical_url AS url,
       a.lang
FROM (
    -- Only narrow columns go through the window's sorts; the chosen events' wide columns
    -- and their articles are read afterwards (a tenth of the time on a big archive).
    SELECT id, deal_key, first_seen, reports
    FROM (
        SELECT id, deal_key,
               row_number() OVER (
                   same_deal ORDER BY likely DESC, names_who DESC, confidence DESC, article_id, id
               ) AS rank,
               min(seen) OVER same_deal AS first_seen,
               sum(first_in_article) OVER same_deal AS reports
        FROM (
            SELECT e.id, e.confidence, e.article_id, {DEAL_KEY} AS deal_key,
                   e.confidence >= {LIKELY} AS likely,
                   (e.type = 'partnership' OR e.roles LIKE '%"recipient"%'
                    OR e.roles LIKE '%"government"%') AS names_who,
                   (SELECT COALESCE(xa.published, xa.fetched_at) FROM articles xa
                    WHERE xa.id = e.article_id) AS seen,
                   row_number() OVER (PARTITION BY {DEAL_KEY}, e.article_id) = 1
                       AS first_in_article
            FROM events e LEFT JOIN event_records r ON r.id = e.record_id
        )
        WINDOW same_deal AS (PARTITION BY deal_key)
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
