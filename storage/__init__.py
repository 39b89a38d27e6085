"""The kaiwatch archive: schema, migrations and every SQL statement."""

from storage.archive import Archive, FeedState, SearchHit

__all__ = ["Archive", "FeedState", "SearchHit"]
