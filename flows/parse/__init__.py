"""Bytes to records: feeds, canonical URLs, Google News links, page text (no network).

Feedparser and trafilatura are handed bytes, never URLs. Imports ``flows.core`` only.
"""
