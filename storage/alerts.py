"""The alert outbox: one alert per event record, one delivery row per channel.

An alert row is queued in the same transaction as the article whose event it
announces (:func:`queue_record_alert`), so an archived event can never miss its alert.
The sender later routes each new alert to the channels configured at that time
(one ``deliveries`` row per channel), sends, and marks a delivery sent only after
the channel accepted it. ``UNIQUE(record_key)`` (migration 0010) is what makes later
write-ups of one event, in any outlet or language, silent (``UNIQUE(story_key, type)``
did it per story before); ``UNIQUE(alert_id, channel_id)``
what makes a rerun send nothing twice.

Channels are identified by apprise's ``url_id()`` (a hash of the URL's identity)
and a label without credentials: the URLs themselves never reach the database.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.stories import OUTLETS_SQL

__all__ = [
    "SCHEMA",
    "DeliveryRow",
    "EventView",
    "add_alert_deliveries",
    "alert_view",
    "alerted_records",
    "delivery_tries",
    "digest_period",
    "digest_sent",
    "due_deliveries",
    "has_record_alert",
    "list_deliveries",
    "mark_delivery",
    "mark_update",
    "new_alerts",
    "new_updates",
    "open_digest",
    "period_events",
    "queue_record_alert",
    "queue_update",
    "rekey_alerts",
    "retry_deliveries",
    "route_alert",
    "set_alert_status",
    "set_alert_waiting",
    "update_targets",
    "waiting_alerts",
]

SCHEMA = """
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    story_key INTEGER NOT NULL,     -- the story's first article: stable across reindexing
    type TEXT NOT NULL CHECK (type IN ('partnership', 'funding')),
    article_id INTEGER NOT NULL REFERENCES articles(id),  -- the article whose event is shown
    confidence REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'routed', 'below_threshold', 'off_topic', 'expired', 'no_route')),
    created_at TEXT NOT NULL,
    routed_at TEXT,
    UNIQUE (story_key, type)
);
CREATE INDEX alerts_new ON alerts(status) WHERE status = 'new';

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER REFERENCES alerts(id),
    digest_id INTEGER REFERENCES digests(id),
    channel_id TEXT NOT NULL,       -- apprise url_id(): identifies the URL without holding it
    channel_label TEXT NOT NULL,    -- service and tags, never credentials
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    CHECK ((alert_id IS NULL) != (digest_id IS NULL)),
    UNIQUE (alert_id, channel_id),
    UNIQUE (digest_id, channel_id)
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at) WHERE status = 'pending';

CREATE TABLE digests (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL CHECK (period IN ('daily', 'weekly')),
    start TEXT NOT NULL,            -- the period covered, [start, end), UTC
    "end" TEXT NOT NULL,
    label TEXT NOT NULL,            -- the local days covered, as the digest's title says them
    created_at TEXT NOT NULL,
    UNIQUE (period, start)
);
"""


@dataclass(frozen=True)
class EventView:
    """What a message needs about one event: the event, its article and story."""

    alert_id: int | None
    type: str
    subtype: str | None
    parties: list[str]
    party_names: list[str]
    amounts: list[dict[str, Any]]
    amount_krw: int | None
    round: str | None
    evidence: str
    confidence: float
    article_id: int
    title: str
    url: str
    outlet: str
    published: str | None
    story_id: int | None
    outlets: int
    mentioned: list[str]  # ids and names of the entities the article mentions
    roles: list[str] = field(default_factory=list)  # one per party (empty before 0009)
    reasons: list[dict[str, Any]] = field(default_factory=list)  # {"id", "reason", "weight"}


@dataclass(frozen=True)
class DeliveryRow:
    """One message for one channel: an alert's or a digest's."""

    id: int
    alert_id: int | None
    digest_id: int | None
    channel_id: str
    channel_label: str
    status: str
    attempts: int
    next_attempt_at: str
    last_error: str | None
    sent_at: str | None
    retries: int = 0  # times `kaiwatch alerts retry` made it due again


def queue_record_alert(
    conn: sqlite3.Connection,
    article_id: int,
    story_key: int,
    record_key: str,
    event_type: str,
    confidence: float,
    now: str,
) -> None:
    """Queue the alert of an event record (migration 0010), in the caller's transaction.

    A record already queued or alerted stays silent, whatever outlet or language reports it
    next (issue 16); an alert not yet routed takes the more confident report. A record whose
    story already has an alert of its type (a story holding two records of one type: a copy
    whose event its original's doubtful one did not link) shares that alert, and revives it
    when more confident, as copies of a story did before records.
    """
    row = conn.execute("SELECT id FROM alerts WHERE record_key = ?", [record_key]).fetchone()
    if row is not None:
        conn.execute(
            """UPDATE alerts SET article_id = ?, confidence = ?, status = 'new'
               WHERE id = ? AND status IN ('new', 'below_threshold') AND confidence < ?""",
            [article_id, confidence, row[0], confidence],
        )
        return
    conn.execute(
        """INSERT INTO alerts (story_key, type, article_id, confidence, created_at, record_key)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(story_key, type) DO UPDATE SET
               article_id = excluded.article_id, confidence = excluded.confidence,
               status = 'new'
           WHERE alerts.status IN ('new', 'below_threshold')
               AND excluded.confidence > alerts.confidence""",
        [story_key, event_type, article_id, confidence, now, record_key],
    )


def has_record_alert(conn: sqlite3.Connection, record_key: str) -> bool:
    """Whether an event record has its alert already."""
    row = conn.execute("SELECT 1 FROM alerts WHERE record_key = ?", [record_key]).fetchone()
    return row is not None


def alerted_records(
    conn: sqlite3.Connection, record_ids: Iterable[int], *, min_confidence: float
) -> set[int]:
    """The records among ``record_ids`` whose alert, at least ``min_confidence``, was queued
    or sent (not closed unsent)."""
    wanted = sorted(record_ids)
    if not wanted:
        return set()
    marks = ", ".join("?" for _ in wanted)
    rows = conn.execute(
        f"""SELECT r.id FROM event_records r JOIN alerts al ON al.record_key = r.key
            WHERE r.id IN ({marks}) AND al.confidence >= ?
              AND al.status NOT IN ('below_threshold', 'off_topic', 'expired', 'no_route')""",
        [*wanted, min_confidence],
    )
    return {int(row[0]) for row in rows}


def queue_update(
    conn: sqlite3.Connection, record_key: str, field: str, value: str, article_id: int, now: str
) -> bool:
    """Note what a write-up added to a record whose alert went out (``alerts.updates``).

    Once per alert and field; nothing when the record's alert was not routed (a message not
    sent yet shows the record as it is then). True when an update was queued.
    """
    cursor = conn.execute(
        """INSERT OR IGNORE INTO alert_updates (alert_id, field, value, article_id, created_at)
           SELECT id, ?, ?, ?, ? FROM alerts WHERE record_key = ? AND status = 'routed'""",
        [field, value, article_id, now, record_key],
    )
    return cursor.rowcount > 0


def new_updates(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Updates not sent yet, oldest first, with their alert's record and the adding article."""
    cursor = conn.execute(
        """SELECT u.id, u.alert_id, u.field, u.value, u.attempts, al.type, r.recipient_name,
                  r.party_names, a.title, a.canonical_url, COALESCE(a.publisher, a.source) AS outlet
           FROM alert_updates u JOIN alerts al ON al.id = u.alert_id
           JOIN articles a ON a.id = u.article_id
           LEFT JOIN event_records r ON r.key = al.record_key
           WHERE u.status = 'new' ORDER BY u.id"""
    )
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def update_targets(conn: sqlite3.Connection, update_id: int, alert_id: int) -> set[str]:
    """Channels that got the alert and have not got this update yet."""
    rows = conn.execute(
        """SELECT channel_id FROM deliveries WHERE alert_id = ? AND status = 'sent'
           EXCEPT SELECT channel_id FROM alert_update_deliveries WHERE update_id = ?""",
        [alert_id, update_id],
    )
    return {str(row[0]) for row in rows}


def mark_update(
    conn: sqlite3.Connection, update_id: int, *, sent_to: Sequence[str], status: str, now: str
) -> None:
    """Record one pass over an update: the channels that accepted it, its status."""
    conn.executemany(
        "INSERT OR IGNORE INTO alert_update_deliveries (update_id, channel_id, sent_at) "
        "VALUES (?, ?, ?)",
        [(update_id, channel, now) for channel in sent_to],
    )
    conn.execute(
        "UPDATE alert_updates SET status = ?, attempts = attempts + 1 WHERE id = ?",
        [status, update_id],
    )


def rekey_alerts(conn: sqlite3.Connection) -> int:
    """Point every alert at the record that now holds its article's event (after a reindex).

    Records are rebuilt in publication order, so a record's first report (its key) may change;
    the alert follows its article. When two alerts now fall on one record, the older keeps it
    and the younger's key is cleared. Returns how many alerts changed key.
    """
    rows = conn.execute(
        """SELECT al.id, al.record_key,
                  (SELECT COALESCE(m.key, r.key) FROM events e
                   JOIN event_records r ON r.id = e.record_id
                   LEFT JOIN event_records m ON m.id = r.merged_into
                   WHERE e.article_id = al.article_id AND e.type = al.type
                   ORDER BY e.confidence DESC, e.id LIMIT 1)
           FROM alerts al ORDER BY al.id"""
    ).fetchall()
    taken: set[str] = set()
    wanted: dict[int, str | None] = {}
    for alert_id, _old, new in rows:
        wanted[alert_id] = new if new is not None and new not in taken else None
        if new is not None:
            taken.add(new)
    changed = [(alert_id, key) for alert_id, old, _ in rows if (key := wanted[alert_id]) != old]
    # two passes: clear first, so that no intermediate state repeats a key
    conn.executemany("UPDATE alerts SET record_key = NULL WHERE id = ?", [(a,) for a, _ in changed])
    conn.executemany("UPDATE alerts SET record_key = ? WHERE id = ?", [(k, a) for a, k in changed])
    return len(changed)


def new_alerts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Alerts not routed yet, oldest first."""
    cursor = conn.execute(
        "SELECT id, story_key, type, article_id, confidence, created_at "
        "FROM alerts WHERE status = 'new' ORDER BY id"
    )
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def set_alert_status(conn: sqlite3.Connection, alert_id: int, status: str, now: str) -> None:
    """Close an alert without routing it (below the threshold, too old, no route)."""
    conn.execute(
        "UPDATE alerts SET status = ?, routed_at = ? WHERE id = ?", [status, now, alert_id]
    )


def route_alert(
    conn: sqlite3.Connection,
    alert_id: int,
    channels: Sequence[tuple[str, str]],
    now: str,
) -> None:
    """Create one pending delivery per ``(channel_id, label)`` and mark the alert routed."""
    _add_deliveries(conn, "alert_id", alert_id, channels, now)
    set_alert_status(conn, alert_id, "routed", now)


def _add_deliveries(
    conn: sqlite3.Connection,
    owner: str,
    owner_id: int,
    channels: Sequence[tuple[str, str]],
    now: str,
) -> None:
    """A pending delivery per ``(channel_id, label)`` of an alert or a digest, due now."""
    assert owner in {"alert_id", "digest_id"}  # a column name, never user input
    conn.executemany(
        f"INSERT OR IGNORE INTO deliveries ({owner}, channel_id, channel_label, next_attempt_at, "
        "created_at) VALUES (?, ?, ?, ?, ?)",
        [(owner_id, channel_id, label, now, now) for channel_id, label in channels],
    )


def due_deliveries(conn: sqlite3.Connection, now: str) -> list[DeliveryRow]:
    """Pending deliveries whose next attempt is due, oldest first."""
    return _deliveries(conn, "WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id", [now])


def list_deliveries(
    conn: sqlite3.Connection, status: str | None = None, limit: int = 50
) -> list[DeliveryRow]:
    """The latest deliveries, optionally of one status."""
    where = "WHERE status = ?" if status else ""
    params: list[Any] = [status] if status else []
    return _deliveries(conn, f"{where} ORDER BY id DESC LIMIT ?", [*params, limit])


def _deliveries(conn: sqlite3.Connection, clause: str, params: list[Any]) -> list[DeliveryRow]:
    cursor = conn.execute(
        "SELECT id, alert_id, digest_id, channel_id, channel_label, status, attempts, "
        f"next_attempt_at, last_error, sent_at, retries FROM deliveries {clause}",
        params,
    )
    return [DeliveryRow(*row) for row in cursor]


def delivery_tries(conn: sqlite3.Connection, delivery_id: int) -> list[dict[str, Any]]:
    """Every attempt of one delivery, oldest first: ``at``, ``accepted``, ``reason``."""
    cursor = conn.execute(
        "SELECT at, accepted, reason FROM delivery_attempts WHERE delivery_id = ? ORDER BY id",
        [delivery_id],
    )
    return [{"at": at, "accepted": bool(ok), "reason": reason} for at, ok, reason in cursor]


def mark_delivery(
    conn: sqlite3.Connection,
    delivery_id: int,
    *,
    now: str,
    error: str | None,
    retry_at: str | None = None,
) -> None:
    """Record one attempt: sent (``error`` None), pending until ``retry_at``, or dead.

    The attempt is also kept with its reason (``error``) in ``delivery_attempts``.
    """
    conn.execute(
        "INSERT INTO delivery_attempts (delivery_id, at, accepted, reason) VALUES (?, ?, ?, ?)",
        [delivery_id, now, error is None, error],
    )
    if error is None:
        conn.execute(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
            "last_error = NULL WHERE id = ?",
            [now, delivery_id],
        )
    else:
        conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
            "status = CASE WHEN ? IS NULL THEN 'dead' ELSE 'pending' END, "
            "next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?",
            [error, retry_at, retry_at, delivery_id],
        )


def retry_deliveries(conn: sqlite3.Connection, now: str) -> int:
    """Make every pending and dead delivery due now; count the retry.

    The attempts are kept, not reset, so that `alerts list` counts every try: a
    dead delivery revived this way gets one more attempt before it is dead again.
    """
    cursor = conn.execute(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, retries = retries + 1 "
        "WHERE status IN ('pending', 'dead')",
        [now],
    )
    return cursor.rowcount


def set_alert_waiting(conn: sqlite3.Connection, alert_id: int, channels: str | None) -> None:
    """Note the channels (labels) a routed alert still waits for; None when it waits no more."""
    conn.execute("UPDATE alerts SET waiting_for = ? WHERE id = ?", [channels, alert_id])


def waiting_alerts(conn: sqlite3.Connection) -> list[int]:
    """Routed alerts that wait for a channel that could not be loaded when they were routed."""
    return [row[0] for row in conn.execute("SELECT id FROM alerts WHERE waiting_for IS NOT NULL")]


def add_alert_deliveries(
    conn: sqlite3.Connection, alert_id: int, channels: Sequence[tuple[str, str]], now: str
) -> None:
    """Add a pending delivery for each channel that an alert has none for yet."""
    _add_deliveries(conn, "alert_id", alert_id, channels, now)


_EVENT_VIEW_SQL = f"""
    SELECT e.type, e.subtype, e.parties, e.party_names, e.amounts, e.amount_krw, e.round,
           e.evidence, e.confidence, a.id, a.title, a.canonical_url, COALESCE(a.publisher, a.source),
           COALESCE(a.published, a.fetched_at), a.story_id, ({OUTLETS_SQL}), e.roles, e.reasons,
           r.amount, r.amount_krw, r.round, r.outlets, r.id
    FROM events e JOIN articles a ON a.id = e.article_id
    LEFT JOIN event_records r ON r.id = e.record_id
"""


def _event_view(conn: sqlite3.Connection, row: Sequence[Any], alert_id: int | None) -> EventView:
    """One event's view; what its event record gathered from later write-ups fills what the
    event lacks (the amount, the round) and counts the outlets (issue 16)."""
    amounts = json.loads(row[4]) or ([json.loads(row[18])] if row[18] else [])
    mentioned = [
        value
        for pair in conn.execute(
            "SELECT ae.entity_id, e.name FROM article_entities ae "
            "JOIN entities e ON e.id = ae.entity_id WHERE ae.article_id = ?",
            [row[9]],
        )
        for value in pair
    ]
    return EventView(
        alert_id=alert_id, type=row[0], subtype=row[1], parties=json.loads(row[2]),
        party_names=json.loads(row[3]), amounts=amounts,
        amount_krw=row[5] if row[5] is not None else row[19], round=row[6] or row[20],
        evidence=row[7], confidence=row[8], article_id=row[9], title=row[10],
        url=row[11], outlet=row[12], published=row[13], story_id=row[14],
        outlets=max(row[15] or 1, row[21] or 1),
        mentioned=mentioned, roles=json.loads(row[16] or "[]"), reasons=json.loads(row[17] or "[]"),
    )  # fmt: skip


def alert_view(conn: sqlite3.Connection, alert_id: int) -> EventView | None:
    """The alert with its most confident event of that type, article and story."""
    row = conn.execute(
        _EVENT_VIEW_SQL
        + """JOIN alerts al ON al.article_id = a.id AND al.type = e.type
             WHERE al.id = ? ORDER BY e.confidence DESC, e.id LIMIT 1""",
        [alert_id],
    ).fetchone()
    return None if row is None else _event_view(conn, row, alert_id)


def period_events(
    conn: sqlite3.Connection, start: str, end: str, threshold: float
) -> list[EventView]:
    """The deals first reported in the period, at or above ``threshold``: each once.

    A deal is the ``deals`` view's (:mod:`storage.deals`): one event per event record (per
    story and type for events archived before records), its best-evidenced one. Its first
    report's date places it in one period, so a later write-up does not bring it back in
    the next digest.
    """
    rows = conn.execute(
        _EVENT_VIEW_SQL
        + """JOIN deals d ON d.id = e.id
             WHERE d.date >= ? AND d.date < ? AND e.confidence >= ?
             ORDER BY e.confidence DESC, a.id, e.id""",
        [start, end, threshold],
    ).fetchall()
    return [_event_view(conn, row, None) for row in rows]


def open_digest(
    conn: sqlite3.Connection,
    period: str,
    start: str,
    end: str,
    label: str,
    channels: Sequence[tuple[str, str]],
    now: str,
) -> int:
    """The digest of one period (created once), with a pending delivery per new channel."""
    conn.execute(
        'INSERT OR IGNORE INTO digests (period, start, "end", label, created_at) '
        "VALUES (?, ?, ?, ?, ?)",
        [period, start, end, label, now],
    )
    digest_id = int(
        conn.execute(
            "SELECT id FROM digests WHERE period = ? AND start = ?", [period, start]
        ).fetchone()[0]
    )
    _add_deliveries(conn, "digest_id", digest_id, channels, now)
    return digest_id


def digest_sent(conn: sqlite3.Connection, digest_id: int) -> int:
    """How many channels a digest was already delivered to."""
    row = conn.execute(
        "SELECT count(*) FROM deliveries WHERE digest_id = ? AND status = 'sent'", [digest_id]
    ).fetchone()
    return int(row[0])


def digest_period(conn: sqlite3.Connection, digest_id: int) -> tuple[str, str, str, str]:
    """``(period, start, end, label)`` of a digest."""
    row = conn.execute(
        'SELECT period, start, "end", label FROM digests WHERE id = ?', [digest_id]
    ).fetchone()
    return str(row[0]), str(row[1]), str(row[2]), str(row[3])
