"""Partnership and funding events found in archived articles.

One row per event, with everything that explains it: type, subtype, parties,
amounts (in KRW and USD), round, the evidence sentence and a confidence (the calibrated
probability that the event is real). Migration 0009 adds each party's role, the rule id
of the trigger and the reasons (feature ids, their meaning and weight) that decided it.
The caller owns the transaction, so an article and its events commit together.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

from flows.core.models import Event

__all__ = ["SCHEMA", "SCHEMA_0009", "clear_events", "save_events"]

SCHEMA = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    story_id INTEGER REFERENCES stories(id),
    type TEXT NOT NULL CHECK (type IN ('partnership', 'funding')),
    subtype TEXT,
    parties TEXT NOT NULL,          -- JSON list of entity ids (or names when unknown)
    party_names TEXT NOT NULL,      -- JSON list of display names
    amounts TEXT NOT NULL,          -- JSON list of {"text", "currency", "value", "krw", "usd"}
    amount_krw INTEGER,             -- the largest amount, for sorting and routing
    amount_usd INTEGER,
    round TEXT,
    evidence TEXT NOT NULL,
    confidence REAL NOT NULL
);
CREATE INDEX events_article ON events(article_id);
CREATE INDEX events_story ON events(story_id, type);
"""

SCHEMA_0009 = """
-- amount_krw and amount_usd hold the lead amount from here on (the largest before).
ALTER TABLE events ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';   -- JSON, one per party
ALTER TABLE events ADD COLUMN trigger_rule TEXT;                  -- rule id of the trigger
ALTER TABLE events ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]'; -- JSON [{"id","reason","weight"}]
"""


#: Where an event was filed (migration 0010): its record's id, the rule, the facts JSON.
Link = tuple[int | None, str | None, str | None]


def save_events(
    conn: sqlite3.Connection,
    article_id: int,
    story_id: int | None,
    events: Iterable[Event],
    links: Sequence[Link] = (),
) -> list[int]:
    """Store an article's events, replacing any it had; their ids.

    :param links: for each event, its record, the rule that filed it and its facts
        (:mod:`storage.event_records`); none when left out.
    """
    conn.execute("DELETE FROM events WHERE article_id = ?", [article_id])
    rows = []
    events = list(events)
    links = list(links) or [(None, None, None)] * len(events)
    for event, link in zip(events, links, strict=True):
        amounts = [
            {"text": a.text, "currency": a.currency, "value": a.value, "krw": a.krw, "usd": a.usd}
            for a in event.amounts
        ]
        # The lead amount (the detector lists it first): what was raised or committed.
        lead = event.amounts[0] if event.amounts else None
        reasons = [{"id": r.id, "reason": r.reason, "weight": r.weight} for r in event.reasons]
        rows.append(
            (article_id, story_id, event.type, event.subtype, json.dumps(list(event.parties)),
             json.dumps(list(event.party_names), ensure_ascii=False),
             json.dumps(amounts, ensure_ascii=False), lead.krw if lead else None,
             lead.usd if lead else None, event.round, event.evidence, event.confidence,
             json.dumps(list(event.roles)), event.trigger,
             json.dumps(reasons, ensure_ascii=False), *link)
        )  # fmt: skip
    ids = []
    for row in rows:
        cursor = conn.execute(
            """INSERT INTO events (article_id, story_id, type, subtype, parties, party_names,
                   amounts, amount_krw, amount_usd, round, evidence, confidence, roles,
                   trigger_rule, reasons, record_id, link_rule, facts)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            row,
        )
        ids.append(int(cursor.lastrowid or 0))
    return ids


def clear_events(conn: sqlite3.Connection) -> None:
    """Delete every event (before a reindex finds them again)."""
    conn.execute("DELETE FROM events")
