"""The kaiwatch archive: schema, migrations and every SQL statement."""

from storage.archive import Archive, FeedState, SaveCounts, SearchHit

__all__ = ["Archive", "FeedState", "SaveCounts", "SearchHit"]
