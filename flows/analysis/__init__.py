"""Read an article: knowledge base, entities, money, relevance, near-duplicates, events.

Pure functions over text and records: no SQL, no network. Imports ``flows.core`` only.
"""
