"""How the cost of checking a new article for near-duplicates grows with the archive.

Usage::

    .venv/bin/python bench/neardup_scale.py [--db PATH] [--sizes 10000,100000,1000000]
        [--queries 200] [--repeats 3] [--rounds 3] [--pragma NAME=VALUE] [--keep] [--json OUT]

It grows one synthetic archive (a real kaiwatch SQLite file: created by
:class:`storage.archive.Archive`, so with every migration) through the sizes
given, and at each size checks the same new articles in a fresh process:
:func:`flows.analysis.neardup.fingerprint`, :func:`storage.neardup.find_candidates`
and :func:`flows.analysis.neardup.same_story` on every candidate. It prints the median
time per article, the part of it spent in ``find_candidates``, the candidates
per article, and the checking process's memory, then the ratio of the largest
size to the smallest (the goal: at most 1.5× from 10,000 to 1,000,000).

The new articles are real: news-dev (``../shared/corpus``) and the fixtures'
articles. The archive's articles are synthetic but built from the same
material, so that the index sees realistic collisions:

* **copies**: one syndicated copy of each new article (85 % of its shingles,
  plus 10 % others; Jaccard about 0.77), so every check verifies one real match;
* **same-beat neighbours**: 0.05 % of the archive per new article shares
  shingles with it at Jaccard 0.1 (names, stock phrases). That makes the
  band collisions per article what news-dev's own pairwise similarities
  predict for a one-beat archive of that size (about 6 per article at 1M);
* **the rest**: 150 shingles drawn from all the real articles' shingles,
  weighted by how many articles contain each (common phrases collide as
  often as they do in real text).

Signatures are computed the way :func:`flows.analysis.neardup.fingerprint` computes
them (datasketch's permutation of each shingle's hash, minimum per
permutation), vectorised; band keys come from :func:`storage.neardup.band_keys`
itself. Articles, fingerprints and bands are bulk-inserted (band rows sorted
by key, in large transactions). The archive file is reused from one size to
the next; a copy of it is kept at each smaller size so that, once the largest
is built, every size is measured in interleaved rounds (a noisy machine then
slows all sizes alike). Files are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from flows.analysis.neardup import (  # noqa: E402
    NUM_PERM,
    SEED,
    Fingerprint,
    fingerprint,
    same_story,
    shingle_set,
)
from storage.archive import Archive  # noqa: E402
from storage.neardup import (  # noqa: E402
    BANDS,
    band_keys,
    find_candidates,
)

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "news-dev.jsonl"
FIXTURES = REPO / "tests" / "fixtures" / "neardup"

SHINGLES_PER_ARTICLE = 150  # a synthetic article's shingles (real ones have 100-700)
# Of the archive, per new article. Calibrated so that each new article meets
# about 6 band collisions per million archived articles: what news-dev's own
# unrelated pairs predict (mean collision probability 6.3e-6 per pair with
# 64 bands of 4 rows). Neighbours built for Jaccard 0.1 measure about 0.12
# (common shingles drawn from the pool add to the overlap), hence 0.0005.
NEIGHBOUR_SHARE = 0.0005
NEIGHBOUR_JACCARD = 0.1
COPY_KEEP, COPY_ADD = 0.85, 0.10
CHUNK = 5_000  # synthetic articles per signature batch
BAND_BATCH = 2_000_000  # band rows per transaction


@dataclass(frozen=True)
class Real:
    """A real article: a new article to check, and material for the synthetic ones."""

    title: str
    text: str
    lang: str


@dataclass(frozen=True)
class Row:
    """One size's measurements."""

    articles: int
    band_rows: int
    db_mb: float
    build_s: float
    check_ms: float
    candidates_ms: float
    candidates: float
    copies_found: int
    queries: int
    rss_before_mb: float
    rss_peak_mb: float


def load_real(limit: int | None = None) -> list[Real]:
    """news-dev's articles and the fixtures' (each text once), fingerprintable ones only."""
    seen: set[str] = set()
    real: list[Real] = []
    rows: list[tuple[str, str, str]] = []
    if CORPUS.is_file():
        for line in CORPUS.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((row["title"], row["text"], row["lang"]))
    for path in sorted(FIXTURES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                for side in ("a", "b"):
                    rows.append((row[side]["title"], row[side]["text"], row["lang"]))
    for title, text, lang in rows:
        if text not in seen and fingerprint(title, text, lang) is not None:
            seen.add(text)
            real.append(Real(title, text, lang))
    return real[:limit] if limit else real


class Material:
    """Every real shingle of one language, with its permuted hashes and weight."""

    def __init__(self, articles: list[Real], lang: str) -> None:
        from datasketch import MinHash

        sets = [shingle_set(a.text, a.lang) for a in articles]
        counts = Counter(s for shingles in sets for s in shingles)
        self.shingles = sorted(counts)
        index = {s: i for i, s in enumerate(self.shingles)}
        # Occurrences: drawing uniformly from them weighs a shingle by its document frequency.
        self.pool = np.array([index[s] for shingles in sets for s in shingles], dtype=np.int64)
        self.members = [np.array([index[s] for s in shingles]) for shingles in sets]
        permutations = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
        self.hashes = np.empty((len(self.shingles), NUM_PERM), dtype=np.uint32)
        for i, shingle in enumerate(self.shingles):
            one = MinHash(num_perm=NUM_PERM, permutations=permutations, scheme="affine32")
            one.update(shingle.encode("utf-8"))
            self.hashes[i] = one.hashvalues
        self.lang = lang

    def signatures(self, slots: np.ndarray) -> np.ndarray:
        """The MinHash signature of each row of shingle indices."""
        out = self.hashes[slots[:, 0]].copy()
        for column in range(1, slots.shape[1]):
            np.minimum(out, self.hashes[slots[:, column]], out=out)
        return out


def check_consistency(material: Material, articles: list[Real]) -> None:
    """The vectorised signatures must be exactly what fingerprint() computes."""
    for article, members in list(zip(articles, material.members, strict=True))[:5]:
        fp = fingerprint(article.title, article.text, article.lang)
        assert fp is not None
        assert np.array_equal(material.signatures(members[None, :])[0], fp.hashvalues())


def plan_rows(
    start: int, stop: int, queries: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """For synthetic ids start..stop-1: the query each copies or neighbours (-1: none), and kind."""
    ids = np.arange(start, stop)
    kind = np.zeros(len(ids), dtype=np.int8)  # 0 background, 1 neighbour, 2 copy
    target = np.full(len(ids), -1, dtype=np.int64)
    copies = ids < queries
    kind[copies], target[copies] = 2, ids[copies]
    rest = ~copies
    neighbour = rest & (rng.random(len(ids)) < NEIGHBOUR_SHARE * queries)
    kind[neighbour] = 1
    target[neighbour] = rng.integers(0, queries, int(neighbour.sum()))
    return target, kind


def synthesize(
    start: int,
    stop: int,
    queries: list[Real],
    materials: dict[str, Material],
    query_members: list[np.ndarray],
    rng: np.random.Generator,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Languages, signatures (n × NUM_PERM) and shingle counts of synthetic ids start..stop-1."""
    target, kind = plan_rows(start, stop, len(queries), rng)
    n = stop - start
    langs = [
        queries[t].lang if t >= 0 else ("ko" if r < 0.58 else "en")
        for t, r in zip(target, rng.random(n), strict=True)
    ]
    signatures = np.empty((n, NUM_PERM), dtype=np.uint32)
    counts = np.full(n, SHINGLES_PER_ARTICLE, dtype=np.int64)
    for lang, material in materials.items():
        rows = np.array([i for i in range(n) if langs[i] == lang], dtype=np.int64)
        if not len(rows):
            continue
        slots = rng.choice(material.pool, size=(len(rows), SHINGLES_PER_ARTICLE))
        for j, i in enumerate(rows):
            if kind[i] == 0:
                continue
            members = query_members[target[i]]
            if kind[i] == 1:  # a same-beat neighbour: a few of the query's shingles
                k = round(NEIGHBOUR_JACCARD * (len(members) + SHINGLES_PER_ARTICLE) / 1.1)
                slots[j, : min(k, len(members))] = rng.choice(
                    members, min(k, len(members)), replace=False
                )
            else:  # a syndicated copy: most of the query, a few other shingles
                keep = rng.choice(members, round(COPY_KEEP * len(members)), replace=False)
                extra = rng.choice(material.pool, round(COPY_ADD * len(members)))
                copy = np.concatenate([keep, extra])
                signatures[i] = material.signatures(copy[None, :])[0]
                counts[i] = len(np.unique(copy))
        plain = kind[rows] != 2
        signatures[rows[plain]] = material.signatures(slots[plain])
    return langs, signatures, counts


def prepare(real: list[Real], queries: list[Real]) -> tuple[dict[str, Material], list[np.ndarray]]:
    """The shingle material per language, and each query's shingles as indices into it."""
    materials = {lang: Material([a for a in real if a.lang == lang], lang) for lang in ("en", "ko")}
    for material in materials.values():
        check_consistency(material, [a for a in real if a.lang == material.lang])
    query_members = []
    for q in queries:
        material = materials[q.lang]
        index = {s: i for i, s in enumerate(material.shingles)}
        query_members.append(np.array([index[s] for s in shingle_set(q.text, q.lang)]))
    return materials, query_members


def grow(
    archive: Archive,
    start: int,
    stop: int,
    queries: list[Real],
    materials: dict[str, Material],
    query_members: list[np.ndarray],
) -> None:
    """Insert synthetic articles start+1..stop (ids), their fingerprints and bands."""
    rng = np.random.default_rng([SEED, start])
    conn = archive.conn
    conn.execute("PRAGMA cache_size = -1000000")  # 1 GB while building
    band_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for low in range(start, stop, CHUNK):
        high = min(low + CHUNK, stop)
        langs, signatures, counts = synthesize(low, high, queries, materials, query_members, rng)
        ids = np.arange(low + 1, high + 1)
        keys = np.empty((high - low, BANDS), dtype=np.int64)
        prints = []
        for i in range(high - low):
            fp = Fingerprint(signatures[i].astype("<u4").tobytes(), int(counts[i]), langs[i])
            keys[i] = [key for _, key in band_keys(fp)]
            prints.append((int(ids[i]), fp.signature, fp.shingles, fp.lang))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO articles (id, canonical_url, url, source, title, text, lang, fetched_at, "
            "content_hash) VALUES (?, ?, ?, 'synthetic', ?, ?, ?, '2026-01-01T00:00:00+00:00', ?)",
            (
                (i, f"https://synthetic.example/{i}", f"https://synthetic.example/{i}",
                 f"Synthetic {i}", f"synthetic {i}", lang, f"{i:064x}")
                for i, lang in zip(ids.tolist(), langs, strict=True)
            ),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO fingerprints (article_id, signature, shingles, lang) VALUES (?, ?, ?, ?)",
            prints,
        )
        conn.execute("COMMIT")
        bands = np.broadcast_to(np.arange(keys.shape[1]), keys.shape)
        band_parts.append((bands.ravel().copy(), keys.ravel(), np.repeat(ids, keys.shape[1])))
    band, key, article = (np.concatenate(part) for part in zip(*band_parts, strict=True))
    order = np.lexsort((article, key, band))
    band, key, article = band[order], key[order], article[order]
    for low in range(0, len(band), BAND_BATCH):
        high = low + BAND_BATCH
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
            zip(
                band[low:high].tolist(),
                key[low:high].tolist(),
                article[low:high].tolist(),
                strict=True,
            ),
        )
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check(db: Path, queries: list[Real], repeats: int, pragmas: list[str]) -> dict[str, Any]:
    """In this (fresh) process: check every query article against the archive."""
    archive = Archive(db, migrate=False)  # the builder migrated it; the checker only reads
    conn = archive.conn
    for pragma in pragmas:
        conn.execute(f"PRAGMA {pragma}")
    rss_before = _rss_mb("VmRSS")
    totals: list[float] = []
    lookups: list[float] = []
    candidates: list[int] = []
    found = 0
    for round_ in range(repeats + 1):  # the first round warms up and is not timed
        for number, q in enumerate(queries):
            started = time.perf_counter()
            fp = fingerprint(q.title, q.text, q.lang)
            assert fp is not None
            looked_up = time.perf_counter()
            pairs = find_candidates(conn, fp)
            done_lookup = time.perf_counter()
            verdicts = [(article_id, same_story(fp, other)[0]) for article_id, other in pairs]
            finished = time.perf_counter()
            if round_:
                totals.append(finished - started)
                lookups.append(done_lookup - looked_up)
                candidates.append(len(pairs))
                # The planted copy of query n is synthetic article n + 1.
                found += round_ == 1 and any(i == number + 1 and same for i, same in verdicts)
    archive.close()
    return {
        "check_ms": 1000 * statistics.median(totals),
        "candidates_ms": 1000 * statistics.median(lookups),
        "candidates": statistics.mean(candidates),
        "copies_found": found,
        "rss_before_mb": rss_before,
        "rss_peak_mb": _rss_mb("VmHWM"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="the archive file (default: a temporary one)")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200, help="new articles checked per size")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--rounds", type=int, default=3, help="checking processes per size")
    parser.add_argument("--keep", action="store_true", help="keep the archive file")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--pragma",
        action="append",
        default=[],
        help="run this PRAGMA on the checker's connection (e.g. mmap_size=4294967296)",
    )
    parser.add_argument("--check", type=Path, help=argparse.SUPPRESS)  # child process mode
    args = parser.parse_args(argv)

    real = load_real()
    queries = real[: args.queries]
    if args.check:
        print(json.dumps(check(args.check, queries, args.repeats, args.pragma)))
        return 0

    sizes = sorted(int(size) for size in args.sizes.split(","))
    folder = None if args.db else tempfile.mkdtemp(prefix="kaiwatch-neardup-")
    db = args.db or Path(folder or ".") / "scale.db"
    if db.exists():
        sys.exit(f"{db} exists: pass a new path (the benchmark fills it from scratch)")
    materials, query_members = prepare(real, queries)
    built: dict[int, tuple[Path, int, float]] = {}  # size: (file, band rows, build seconds)
    with Archive(db) as archive:
        size = 0
        for target in sizes:
            started = time.perf_counter()
            grow(archive, size, target, queries, materials, query_members)
            build = time.perf_counter() - started
            size = target
            band_rows = archive.conn.execute("SELECT count(*) FROM minhash_bands").fetchone()[0]
            snapshot = db if target == sizes[-1] else Path(f"{db}.{target}")
            if snapshot != db:
                shutil.copyfile(db, snapshot)
            built[target] = (snapshot, band_rows, build)
            print(f"built {size:,} articles in {build:.0f} s", file=sys.stderr)
    measured: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    for _ in range(args.rounds):
        for size in sizes:
            child = subprocess.run(
                [sys.executable, __file__, "--check", str(built[size][0]), "--queries",
                 str(args.queries), "--repeats", str(args.repeats),
                 *(f"--pragma={p}" for p in args.pragma)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            measured[size].append(json.loads(child.stdout))
            print(f"checked {size:,}: {measured[size][-1]}", file=sys.stderr)
    results = [
        Row(
            articles=size,
            band_rows=built[size][1],
            db_mb=built[size][0].stat().st_size / 2**20,
            build_s=built[size][2],
            queries=len(queries),
            check_ms=statistics.median(m["check_ms"] for m in measured[size]),
            candidates_ms=statistics.median(m["candidates_ms"] for m in measured[size]),
            candidates=statistics.median(m["candidates"] for m in measured[size]),
            copies_found=min(m["copies_found"] for m in measured[size]),
            rss_before_mb=max(m["rss_before_mb"] for m in measured[size]),
            rss_peak_mb=max(m["rss_peak_mb"] for m in measured[size]),
        )
        for size in sizes
    ]
    print(
        "| archive | band rows | file (MB) | check per article, median (ms) "
        "| of which find_candidates (ms) | candidates per article | copies found "
        "| checker RSS before / peak (MB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.articles:,} | {r.band_rows:,} | {r.db_mb:,.0f} | {r.check_ms:.2f} | "
            f"{r.candidates_ms:.2f} | {r.candidates:.2f} | {r.copies_found}/{r.queries} | "
            f"{r.rss_before_mb:.0f} / {r.rss_peak_mb:.0f} |"
        )
    first, last = results[0], results[-1]
    print(
        f"\nratio {last.articles:,} / {first.articles:,}: check {last.check_ms / first.check_ms:.2f}×, "
        f"find_candidates {last.candidates_ms / first.candidates_ms:.2f}×, "
        f"peak RSS {last.rss_peak_mb / first.rss_peak_mb:.2f}×"
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")
    if not args.keep:
        for path, _, _ in built.values():
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if folder:
            os.rmdir(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
