"""Indexes for browsing a big archive: Datasette's facets and the canned queries.

The DDL is :data:`SCHEMA`, applied by migration ``m0007_browse_indexes``.
``docs/schema.md`` ("Indexes for browsing") says which page or query each one serves;
``bench/browse_scale.py`` measures them.
"""

from __future__ import annotations

__all__ = ["SCHEMA"]

SCHEMA = """
-- Datasette's facets on the articles table (source already has articles_source).
CREATE INDEX articles_lang ON articles(lang);
CREATE INDEX articles_publisher ON articles(publisher);

-- An entity typed as a name it was found under (네이버, "Samsung Electronics"):
-- flows/notify/queries.py compares replace(lower(surface), ' ', '') with the typed name,
-- which without this index reads every mention.
CREATE INDEX mentions_surface_key ON mentions(replace(lower(surface), ' ', ''), entity_id);

-- Outlets per story (widest_stories): read from the index, not from the articles' rows.
CREATE INDEX articles_story_outlet ON articles(story_id, publisher, source);
"""
