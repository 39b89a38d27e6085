"""Numbered schema migrations, applied on every open (idempotent)."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage import alerts, browse_indexes, deals, entities, event_records, events, neardup
from storage.schema import SCHEMA_0001, SCHEMA_0002, SCHEMA_0003_STORY_MARKS, SCHEMA_0008_REASONS

__all__ = ["MIGRATIONS"]

MIGRATIONS = Migrations("kaiwatch")


@MIGRATIONS()
def m0001_initial(db: Database) -> None:
    """Feeds, runs, stories, articles (with FTS5), entries, source lines."""
    _run_script(db, SCHEMA_0001)


def _run_script(db: Database, script: str) -> None:
    """Run a DDL script inside the migration's transaction.

    ``executescript()`` would COMMIT the surrounding transaction, so the script
    runs statement by statement.
    """
    for statement in _split_sql(script):
        db.execute(statement)


def _split_sql(script: str) -> list[str]:
    """Split a DDL script into statements, keeping trigger bodies whole."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


@MIGRATIONS()
def m0002_feed_health_and_lease(db: Database) -> None:
    """Pausing of failing feeds, the run lease, the operator message outbox."""
    _run_script(db, SCHEMA_0002)


@MIGRATIONS()
def m0003_near_duplicates(db: Database) -> None:
    """Near-duplicate fingerprints, their LSH bands, and the story marks on articles."""
    _run_script(db, neardup.SCHEMA + SCHEMA_0003_STORY_MARKS)


@MIGRATIONS()
def m0004_entities(db: Database) -> None:
    """Entities, their mentions and counts per article, money amounts (``storage/entities.py``)."""
    _run_script(db, entities.SCHEMA)


@MIGRATIONS()
def m0005_events(db: Database) -> None:
    """Partnership and funding events with their evidence (``storage/events.py``)."""
    _run_script(db, events.SCHEMA)


@MIGRATIONS()
def m0006_alerts(db: Database) -> None:
    """The alert outbox: alerts per story and type, deliveries per channel, digests."""
    _run_script(db, alerts.SCHEMA)


@MIGRATIONS()
def m0007_browse_indexes(db: Database) -> None:
    """Indexes for Datasette's facets and the canned queries (``storage/browse_indexes.py``)."""
    _run_script(db, browse_indexes.SCHEMA)


@MIGRATIONS()
def m0008_reasons(db: Database) -> None:
    """Why entries failed, runs' reasons, alerts waiting for a channel, delivery attempts."""
    _run_script(db, SCHEMA_0008_REASONS)


@MIGRATIONS()
def m0009_open_world(db: Database) -> None:
    """Names the knowledge base lacks as entities; event roles, trigger rule and reasons."""
    _run_script(db, entities.SCHEMA_0009 + events.SCHEMA_0009)


@MIGRATIONS()
def m0010_event_records(db: Database) -> None:
    """Event records (one per real-world event), events' record and rule, alerts per record."""
    _run_script(db, event_records.SCHEMA_0010)


@MIGRATIONS()
def m0011_deals(db: Database) -> None:
    """The ``deals`` and ``deal_parties`` views: each event once (``storage/deals.py``)."""
    _run_script(db, deals.SCHEMA_0011)
