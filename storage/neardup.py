"""The near-duplicate index in the archive: fingerprints and their LSH bands.

Each fingerprinted article has one ``fingerprints`` row (its MinHash
signature, see :mod:`flows.analysis.neardup`) and :data:`BANDS` rows in
``minhash_bands``, one per band, keyed by ``(band, key)``. Finding the
candidates for a new article is then one look-up per band in that primary
key, whatever the size of the archive, and the index lives in the same file
as the articles: nothing to rebuild at start-up, no second store.

The functions take a :class:`sqlite3.Connection` and run no transaction of
their own: the caller (``Archive.write()``) owns it, so that an article, its
fingerprint and its story are stored together or not at all.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flows.core.models import Fingerprint

__all__ = [
    "BANDS",
    "ROWS",
    "SCHEMA",
    "band_keys",
    "delete_fingerprints",
    "find_candidates",
    "save_fingerprint",
]

log = logging.getLogger(__name__)

# 64 bands of 4 rows (all 256 values): a pair becomes a candidate with
# probability 1 - (1 - J**4)**64: 0.81 at J = 0.4, 0.98 at J = 0.5 and 0.9997
# at J = 0.6 (two equal-length copies at the threshold have J = 0.54). Over
# news-dev's unrelated pairs (one beat: Korean AI) the mean chance is 6.3e-6,
# about 6 spurious candidates per new article in an archive of a million,
# each one rejected by :func:`flows.analysis.neardup.same_story`. 5 rows (51
# bands) would cut those twentyfold but find fewer trimmed copies (97.3 % of
# the fixtures).
BANDS = 64
ROWS = 4
# 64-bit FNV-1a over a band's rows, then the MurmurHash3 finaliser.
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MIX1 = 0xFF51AFD7ED558CCD
_MIX2 = 0xC4CEB9FE1A85EC53
_SHIFT = 33


SCHEMA = """
-- One MinHash fingerprint per fingerprinted article (flows/analysis/neardup.py):
-- NUM_PERM little-endian unsigned 32-bit minima, the number of distinct
-- shingles the text had (for the containment estimate) and the language it
-- was shingled as. Articles too short to fingerprint have no row.
CREATE TABLE fingerprints (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    signature BLOB NOT NULL,
    shingles INTEGER NOT NULL,
    lang TEXT
);

-- Locality-sensitive hashing: one row per band of each fingerprint. Two
-- articles sharing any (band, key) are near-duplicate candidates. No index on
-- article_id (it would double the table): an article's rows are found again
-- from its signature, which gives their keys.
CREATE TABLE minhash_bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    PRIMARY KEY (band, key, article_id)
) WITHOUT ROWID;
"""


def band_keys(fp: Fingerprint) -> list[tuple[int, int]]:
    """The fingerprint's LSH bands: (band number, signed 64-bit key of its rows).

    Two articles that agree on all :data:`ROWS` values of any one band share
    that band's key. Keys depend only on the signature, never on the process
    (no salted ``hash()``), so they can be stored and looked up later.
    """
    import numpy as np  # here: importing the archive does not load numpy

    rows = fp.hashvalues().astype(np.uint64).reshape(BANDS, ROWS)
    keys = np.full(BANDS, np.uint64(_FNV_OFFSET), dtype=np.uint64)
    for column in range(ROWS):
        keys = (keys ^ rows[:, column]) * np.uint64(_FNV_PRIME)
    shift = np.uint64(_SHIFT)
    keys = (keys ^ (keys >> shift)) * np.uint64(_MIX1)
    keys = (keys ^ (keys >> shift)) * np.uint64(_MIX2)
    keys ^= keys >> shift
    return [(band, int(key)) for band, key in enumerate(keys.view(np.int64))]


def save_fingerprint(conn: sqlite3.Connection, article_id: int, fp: Fingerprint) -> None:
    """Store an article's fingerprint and its band keys, replacing any previous ones.

    :param article_id: an ``articles.id``.
    """
    previous = conn.execute(
        "SELECT signature, shingles, lang FROM fingerprints WHERE article_id = ?", [article_id]
    ).fetchone()
    if previous is not None:
        _delete_bands(conn, article_id, previous)
    conn.execute(
        "INSERT OR REPLACE INTO fingerprints (article_id, signature, shingles, lang) "
        "VALUES (?, ?, ?, ?)",
        [article_id, fp.signature, fp.shingles, fp.lang],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
        [(band, key, article_id) for band, key in band_keys(fp)],
    )


def find_candidates(
    conn: sqlite3.Connection, fp: Fingerprint, *, limit: int = 50
) -> list[tuple[int, Fingerprint]]:
    """Archived articles sharing at least one LSH band with ``fp``, most bands first.

    One primary-key look-up per band, then one for the candidates'
    fingerprints. Ties go to the older article (lower id). Candidates are not
    verified: pass each to :func:`flows.analysis.neardup.same_story`. The article
    ``fp`` belongs to, if already stored, is among them.

    :param limit: at most this many candidates.
    """
    keys = band_keys(fp)
    values = ", ".join("(?, ?)" for _ in keys)
    # CROSS JOIN keeps the 64 probes as the outer loop, whatever the statistics
    # say: each is a search in minhash_bands' primary key, never a scan.
    rows = conn.execute(
        f"""WITH probe(band, key) AS (VALUES {values})
            SELECT m.article_id, count(*) AS bands
            FROM probe CROSS JOIN minhash_bands AS m ON m.band = probe.band AND m.key = probe.key
            GROUP BY m.article_id ORDER BY bands DESC, m.article_id LIMIT ?""",
        [value for pair in keys for value in pair] + [limit],
    ).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    marks = ", ".join("?" for _ in ids)
    stored: dict[int, tuple[Any, ...]] = {
        row[0]: tuple(row[1:])
        for row in conn.execute(
            "SELECT article_id, signature, shingles, lang FROM fingerprints "
            f"WHERE article_id IN ({marks})",
            ids,
        )
    }
    candidates: list[tuple[int, Fingerprint]] = []
    for article_id in ids:
        candidate = _fingerprint(stored.get(article_id))
        if candidate is not None:
            candidates.append((article_id, candidate))
    return candidates


def delete_fingerprints(conn: sqlite3.Connection) -> None:
    """Delete every fingerprint and band key, before rebuilding them all (reindex)."""
    conn.execute("DELETE FROM minhash_bands")
    conn.execute("DELETE FROM fingerprints")


def _fingerprint(row: tuple[Any, ...] | None) -> Fingerprint | None:
    """A stored (signature, shingles, lang) row as a Fingerprint.

    None if missing, or if built with other parameters (a stale index).
    """
    if row is None:
        return None
    signature, shingles, lang = row
    try:
        return Fingerprint(bytes(signature), int(shingles), str(lang or ""))
    except ValueError:
        log.warning("stale fingerprint (different NUM_PERM): run `kaiwatch reindex`")
        return None


def _delete_bands(conn: sqlite3.Connection, article_id: int, previous: tuple[Any, ...]) -> None:
    """Remove an article's band rows, found by the keys of its stored signature."""
    old = _fingerprint(previous)
    if old is None:  # built with other parameters: its keys cannot be recomputed
        conn.execute("DELETE FROM minhash_bands WHERE article_id = ?", [article_id])
        return
    conn.executemany(
        "DELETE FROM minhash_bands WHERE band = ? AND key = ? AND article_id = ?",
        [(band, key, article_id) for band, key in band_keys(old)],
    )
