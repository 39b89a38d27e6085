"""Event records: one row per real-world event, however many articles report it (issue 16).

Each archived event belongs to one record (``events.record_id``); ``events.link_rule`` names
the identity rule that put it there (``new`` for the first report). A record's ``key`` is its
first report's event (``<article id>:<type>:<n>``, the n-th event of that type in the
article): article ids survive ``kaiwatch reindex``, so the key does, and the alert outbox is
keyed by it. The record keeps what its reports say together, first report first: recipient,
lead amount, round, every party, how many articles and outlets reported it.

Which record an event joins is decided in :mod:`flows.analysis.records`; this module reads the
candidates (one indexed query) and writes the decision. The caller owns the transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SCHEMA_0010",
    "RecordRow",
    "apart_from",
    "candidate_records",
    "clear_records",
    "create_record",
    "find_record",
    "kin_rows",
    "merge_records",
    "record_key",
    "record_reports",
    "record_story",
    "refresh_record",
    "split_article",
]

SCHEMA_0010 = """
CREATE TABLE event_records (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,       -- first report's event: '<article id>:<type>:<n>'
    type TEXT NOT NULL CHECK (type IN ('partnership', 'funding')),
    first_article_id INTEGER NOT NULL REFERENCES articles(id),
    story_id INTEGER REFERENCES stories(id),   -- the first report's story
    first_seen TEXT NOT NULL,       -- published, else fetched, of the first and last report
    last_seen TEXT NOT NULL,
    first_fetched TEXT NOT NULL,    -- fetched: the window candidates are read in
    last_fetched TEXT NOT NULL,
    recipient TEXT,                 -- entity id of the first recipient named
    recipient_name TEXT,
    amount TEXT,                    -- JSON {"text", "currency", "value", "krw", "usd"}: first given
    amount_krw INTEGER,
    amount_usd INTEGER,
    round TEXT,
    parties TEXT NOT NULL DEFAULT '[]',       -- JSON [{"id", "name", "role"}], first role seen
    party_names TEXT NOT NULL DEFAULT '[]',   -- JSON list of display names (for facets)
    size INTEGER NOT NULL DEFAULT 1,          -- articles reporting it
    outlets INTEGER NOT NULL DEFAULT 1,       -- distinct outlets (publisher, else source)
    confidence REAL NOT NULL DEFAULT 0,       -- its most confident report's
    merged_into INTEGER REFERENCES event_records(id)  -- G6: folded into an older record
);
CREATE INDEX event_records_window ON event_records(type, last_fetched);
CREATE INDEX event_records_story ON event_records(story_id);
-- `kaiwatch reindex` replays the archive in publication order (then fetched, then id)
CREATE INDEX articles_replay ON articles(COALESCE(published, fetched_at), fetched_at, id);

ALTER TABLE events ADD COLUMN record_id INTEGER REFERENCES event_records(id);
ALTER TABLE events ADD COLUMN link_rule TEXT;   -- identity rule id that linked it, or 'new'
ALTER TABLE events ADD COLUMN facts TEXT;       -- JSON: what identity compares
CREATE INDEX events_record ON events(record_id);

ALTER TABLE entities ADD COLUMN aliases TEXT NOT NULL DEFAULT '[]';  -- JSON, both scripts

ALTER TABLE alerts ADD COLUMN record_key TEXT;  -- the record alerted: one alert per record
CREATE UNIQUE INDEX alerts_record ON alerts(record_key);

-- alerts.updates: what a later write-up added to an alerted record, once per alert and field
CREATE TABLE alert_updates (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    field TEXT NOT NULL CHECK (field IN ('amount', 'round')),
    value TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id),   -- the write-up that added it
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'sent', 'off', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (alert_id, field)
);
CREATE INDEX alert_updates_new ON alert_updates(status) WHERE status = 'new';
CREATE TABLE alert_update_deliveries (
    update_id INTEGER NOT NULL REFERENCES alert_updates(id),
    channel_id TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (update_id, channel_id)
);

-- `kaiwatch event split`: two articles whose events of this type are different events,
-- whatever identity says; kept through `kaiwatch reindex` (rule G7)
CREATE TABLE event_record_pins (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    type TEXT NOT NULL CHECK (type IN ('partnership', 'funding')),
    apart_from INTEGER NOT NULL REFERENCES articles(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (article_id, type, apart_from)
);
CREATE INDEX event_record_pins_apart ON event_record_pins(apart_from);
"""


@dataclass(frozen=True)
class RecordRow:
    """A candidate record's report: the record id and the stored facts of one of its events."""

    record_id: int
    facts: str


def candidate_records(
    conn: sqlite3.Connection,
    event_type: str,
    bounds: tuple[str, str],
    *,
    min_confidence: float,
    excluding_article: int,
) -> list[RecordRow]:
    """The reports of every live record of ``event_type`` fetched within ``bounds``.

    One query through ``event_records_window`` and ``events_record``; oldest record first,
    each record's reports in filing order.
    """
    rows = conn.execute(
        """SELECT r.id, e.facts FROM event_records r JOIN events e ON e.record_id = r.id
           WHERE r.type = ? AND r.merged_into IS NULL AND r.last_fetched >= ?
             AND r.first_fetched <= ? AND e.confidence >= ? AND e.facts IS NOT NULL
             AND e.article_id != ?
           ORDER BY r.id, e.id""",
        [event_type, bounds[0], bounds[1], min_confidence, excluding_article],
    )
    return [RecordRow(int(record_id), str(facts)) for record_id, facts in rows]


def kin_rows(
    conn: sqlite3.Connection, ids: Iterable[str]
) -> list[tuple[str, str, str, str | None, str | None, tuple[str, ...]]]:
    """``(id, name, type, parent, country, aliases)`` of the known entities among ``ids``
    and of all their ancestors."""
    wanted = {i for i in ids if not i.startswith("unk:")}
    found: dict[str, tuple[str, str, str, str | None, str | None, tuple[str, ...]]] = {}
    while wanted:
        chunk = sorted(wanted)[:500]
        wanted -= set(chunk)
        marks = ", ".join("?" for _ in chunk)
        for entity_id, name, kind, parent, country, aliases in conn.execute(
            "SELECT id, name, type, parent, country, aliases FROM entities "
            f"WHERE known = 1 AND id IN ({marks})",
            chunk,
        ):
            found[entity_id] = (entity_id, name, kind, parent, country, tuple(json.loads(aliases)))
            if parent and parent not in found:
                wanted.add(parent)
    return sorted(found.values())


def create_record(
    conn: sqlite3.Connection,
    key: str,
    event_type: str,
    article_id: int,
    story_id: int,
    seen_at: str,
    fetched_at: str,
) -> int:
    """A new record whose first report is ``article_id``'s event; its id."""
    cursor = conn.execute(
        """INSERT INTO event_records (key, type, first_article_id, story_id, first_seen,
               last_seen, first_fetched, last_fetched)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        [key, event_type, article_id, story_id, seen_at, seen_at, fetched_at, fetched_at],
    )
    return int(cursor.lastrowid or 0)


def record_story(conn: sqlite3.Connection, record_id: int) -> tuple[int | None, int]:
    """``(story id, first article id)`` of a record."""
    row = conn.execute(
        "SELECT story_id, first_article_id FROM event_records WHERE id = ?", [record_id]
    ).fetchone()
    return row[0], int(row[1])


def record_key(conn: sqlite3.Connection, record_id: int) -> str:
    """A record's stable key."""
    return str(
        conn.execute("SELECT key FROM event_records WHERE id = ?", [record_id]).fetchone()[0]
    )


def merge_records(conn: sqlite3.Connection, keep: int, others: Iterable[int]) -> None:
    """G6: fold ``others`` into ``keep`` (their events move; they point at ``keep``)."""
    for other in others:
        conn.execute("UPDATE events SET record_id = ? WHERE record_id = ?", [keep, other])
        conn.execute("UPDATE event_records SET merged_into = ? WHERE id = ?", [keep, other])
        conn.execute(
            "UPDATE event_records SET merged_into = ? WHERE merged_into = ?", [keep, other]
        )


def refresh_record(conn: sqlite3.Connection, record_id: int) -> dict[str, str]:
    """Recompute what a record's reports say together, first report first.

    Returns what it gained that it lacked: ``{"amount": text, "round": name}`` (either).
    """
    before = conn.execute(
        "SELECT amount IS NOT NULL, round IS NOT NULL FROM event_records WHERE id = ?",
        [record_id],
    ).fetchone()
    rows = conn.execute(
        """SELECT e.parties, e.party_names, e.roles, e.amounts, e.round, e.confidence,
                  COALESCE(a.published, a.fetched_at), a.fetched_at,
                  COALESCE(a.publisher, a.source), a.id
           FROM events e JOIN articles a ON a.id = e.article_id
           WHERE e.record_id = ? ORDER BY e.id""",
        [record_id],
    ).fetchall()
    if not rows:
        return {}
    parties: dict[str, dict[str, Any]] = {}
    recipient: tuple[str, str] | None = None
    amount: dict[str, Any] | None = None
    round_name: str | None = None
    for ids, names, roles, amounts, round_, *_ in rows:
        ids, names, roles = json.loads(ids), json.loads(names), json.loads(roles or "[]")
        roles = roles + [None] * (len(ids) - len(roles))
        for pid, name, role in zip(ids, names, roles, strict=False):
            parties.setdefault(pid, {"id": pid, "name": name, "role": role})
            if role == "recipient" and recipient is None:
                recipient = (pid, name)
        listed = json.loads(amounts)
        amount = amount or (listed[0] if listed else None)
        round_name = round_name or round_
    seen = [row[6] for row in rows]
    fetched = [row[7] for row in rows]
    conn.execute(
        """UPDATE event_records SET first_seen = ?, last_seen = ?, first_fetched = ?,
               last_fetched = ?, recipient = ?, recipient_name = ?, amount = ?, amount_krw = ?,
               amount_usd = ?, round = ?, parties = ?, party_names = ?, size = ?, outlets = ?,
               confidence = ?
           WHERE id = ?""",
        [
            min(seen), max(seen), min(fetched), max(fetched),
            recipient[0] if recipient else None, recipient[1] if recipient else None,
            json.dumps(amount, ensure_ascii=False) if amount else None,
            amount.get("krw") if amount else None, amount.get("usd") if amount else None,
            round_name, json.dumps(list(parties.values()), ensure_ascii=False),
            json.dumps([p["name"] for p in parties.values()], ensure_ascii=False),
            len({row[9] for row in rows}), len({row[8] for row in rows}),
            max(row[5] for row in rows), record_id,
        ],
    )  # fmt: skip
    gained: dict[str, str] = {}
    if before is not None and not before[0] and amount:
        gained["amount"] = str(amount.get("text"))
    if before is not None and not before[1] and round_name:
        gained["round"] = round_name
    return gained


def record_reports(conn: sqlite3.Connection, record_key: str) -> list[dict[str, Any]]:
    """A record's reports, first seen first: article, outlet, time, title, URL, rule."""
    cursor = conn.execute(
        """SELECT a.id AS article_id, COALESCE(a.publisher, a.source) AS outlet, a.lang,
                  COALESCE(a.published, a.fetched_at) AS time, a.title, a.url, e.link_rule
           FROM event_records r JOIN events e ON e.record_id = r.id
           JOIN articles a ON a.id = e.article_id
           WHERE r.key = ? ORDER BY COALESCE(a.published, a.fetched_at), a.id""",
        [record_key],
    )
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def apart_from(conn: sqlite3.Connection, article_id: int) -> dict[str, frozenset[str]]:
    """The articles (ids as text) an article's events were split from, by event type (G7)."""
    rows = conn.execute(
        """SELECT type, apart_from FROM event_record_pins WHERE article_id = ?
           UNION SELECT type, article_id FROM event_record_pins WHERE apart_from = ?""",
        [article_id, article_id],
    )
    out: dict[str, set[str]] = {}
    for kind, other in rows:
        out.setdefault(kind, set()).add(str(other))
    return {kind: frozenset(others) for kind, others in out.items()}


def find_record(conn: sqlite3.Connection, ref: str) -> tuple[int, str, str] | None:
    """``(id, key, type)`` of the record ``ref`` names (its key or its id), followed through
    merges to the live record."""
    row = conn.execute(
        "SELECT id, key, type, merged_into FROM event_records WHERE key = ? OR CAST(id AS TEXT) = ?",
        [ref, ref],
    ).fetchone()
    if row is not None and row[3] is not None:
        row = conn.execute(
            "SELECT id, key, type, merged_into FROM event_records WHERE id = ?", [row[3]]
        ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]))


def split_article(
    conn: sqlite3.Connection, record_id: int, article_id: int, now: str
) -> tuple[int, str] | None:
    """Take an article's event out of a record into a record of its own; pin them apart.

    The pins (the article against every other article of the record) keep them apart when the
    archive is reindexed. When the article was the record's first report, it keeps the record
    and the other reports move to a new one, keyed by the earliest of them. Returns the new
    record's ``(id, key)``, or None when the article has no event in the record.
    """
    rows = conn.execute(
        """SELECT e.id, e.article_id, e.type FROM events e JOIN articles a ON a.id = e.article_id
           WHERE e.record_id = ? ORDER BY COALESCE(a.published, a.fetched_at), a.id, e.id""",
        [record_id],
    ).fetchall()
    mine = [row for row in rows if row[1] == article_id]
    others = [row for row in rows if row[1] != article_id]
    if not mine or not others:
        return None
    kind = str(mine[0][2])
    conn.executemany(
        "INSERT OR IGNORE INTO event_record_pins (article_id, type, apart_from, created_at) "
        "VALUES (?, ?, ?, ?)",
        [(article_id, kind, other, now) for other in sorted({row[1] for row in others})],
    )
    first_article = conn.execute(
        "SELECT first_article_id FROM event_records WHERE id = ?", [record_id]
    ).fetchone()[0]
    moving = mine if first_article != article_id else others
    lead_event, lead_article = int(moving[0][0]), int(moving[0][1])
    n = conn.execute(
        "SELECT count(*) FROM events WHERE article_id = ? AND type = ? AND id < ?",
        [lead_article, kind, lead_event],
    ).fetchone()[0]
    key = f"{lead_article}:{kind}:{n}"
    story_id, seen, fetched = conn.execute(
        "SELECT story_id, COALESCE(published, fetched_at), fetched_at FROM articles WHERE id = ?",
        [lead_article],
    ).fetchone()
    new_id = create_record(conn, key, kind, lead_article, story_id, seen, fetched)
    conn.executemany(
        "UPDATE events SET record_id = ?, link_rule = ? WHERE id = ?",
        [(new_id, "G7.pin", int(row[0])) for row in moving],
    )
    refresh_record(conn, record_id)
    refresh_record(conn, new_id)
    return new_id, key


def clear_records(conn: sqlite3.Connection) -> None:
    """Delete every record (events first: before a reindex files them again). Pins stay."""
    conn.execute("UPDATE events SET record_id = NULL")
    conn.execute("DELETE FROM event_records")
