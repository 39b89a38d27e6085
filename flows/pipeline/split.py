"""Undo a merge of two write-ups into one event record: ``kaiwatch event split`` (issue 16).

The article's event leaves the record for a record of its own, the article leaves the story
it joined by that event, and a pin (rule G7) keeps the two apart through ``kaiwatch reindex``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.core.errors import KaiwatchError
from storage.archive import Archive, iso_utc, utc_now
from storage.event_records import find_record, split_article
from storage.stories import leave_story

__all__ = ["SplitOutcome", "split_event"]


@dataclass(frozen=True)
class SplitOutcome:
    """The record split, the new record's key, and the article's new story (None: kept)."""

    record_key: str
    new_key: str
    story_id: int | None


def split_event(archive: Archive, record: str, article_id: int) -> SplitOutcome:
    """Take ``article_id``'s event out of the record ``record`` (its key or id).

    :raises KaiwatchError: no such record, or the article is not one of its reports (or its
        only one).
    """
    with archive.write() as conn:
        found = find_record(conn, record)
        if found is None:
            raise KaiwatchError(
                f"no event record {record!r} in the archive. "
                "Fix: give a key or id from the event_records table (kaiwatch event show)"
            )
        record_id, key, _kind = found
        first = conn.execute(
            "SELECT first_article_id FROM event_records WHERE id = ?", [record_id]
        ).fetchone()[0]
        story_id = leave_story(conn, article_id) if first != article_id else None
        split = split_article(conn, record_id, article_id, iso_utc(utc_now()) or "")
        if split is None:
            raise KaiwatchError(
                f"article {article_id} is not a report of event record {key} (or its only one). "
                f"Fix: pick an article that `kaiwatch event show {key}` lists"
            )
    return SplitOutcome(record_key=key, new_key=split[1], story_id=story_id)
