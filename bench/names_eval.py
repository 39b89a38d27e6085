"""Measure the name finder on the labelled ``entities`` of news-dev and news-dev-2.

Usage::

    .venv/bin/python bench/names_eval.py [--sets news-dev news-dev-2] [--kiwi] [--misses]


Scores (organisations and people; products and models left out like bench/entities_eval.py):

* ``known``: names entities.yaml lists, found (by id, or by a surface equal to one of the
  entity's names), with the knowledge base on; the tagger alone is the baseline.
* ``unknown, as written``: names entities.yaml lacks, in English articles, whose label
  occurs verbatim in the text; found when an unknown name has the same normalised form
  (strict) or overlaps it (lenient: one contains the other).
* ``open vocabulary alone``: the finder with the knowledge base switched off, on names the
  knowledge base lists whose name or an alias occurs verbatim (Korean aliases in Korean
  articles): how well the unknown-name cues find names without help, on a set that was
  not used to write them.
* ``precision proxy``: unknown org/person names found that match no label; labels are not
  exhaustive, so this is a lower bound on precision.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from flows.analysis.entities import EntityTagger  # noqa: E402
from flows.analysis.events.train import Labelled as Article  # noqa: E402
from flows.analysis.events.train import load_set  # noqa: E402
from flows.analysis.knowledge import load_entities  # noqa: E402
from flows.analysis.names import NameFinder, normalise  # noqa: E402
from flows.core.text import article_document as document  # noqa: E402
from flows.core.text import split_sentences as sentences  # noqa: E402

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
_KB = load_entities(REPO / "entities.yaml")
_TAGGER = EntityTagger(_KB)


UNSCORED = {"product", "model"}


@dataclass
class Tally:
    found: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, item: str) -> None:
        self.found += ok
        self.total += 1
        if not ok:
            self.misses.append(item)

    @property
    def rate(self) -> float:
        return self.found / self.total if self.total else float("nan")


def _occurs(name: str, doc: str) -> bool:
    if re.search("[A-Za-z]", name):
        return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", doc) is not None
    return name in doc


def evaluate(
    articles: list[Article], finder: NameFinder, bare: NameFinder, use_kiwi: bool = False
) -> dict[str, Tally]:
    kb, tagger = _KB, _TAGGER
    t: dict[str, Tally] = {
        k: Tally()
        for k in (
            "known",
            "known_tagger",
            "unknown_strict",
            "unknown_lenient",
            "open_en",
            "open_ko",
            "type_person_ok",
            "extra_unknown",
        )
    }
    for a in articles:
        doc = document(a.title, a.text)
        parse = [(s.start, s.text) for s in sentences(a.title, doc)] if use_kiwi else None
        names = finder.find(doc, a.title, lang=a.lang, parse=parse)
        tagged = {m.entity_id for m in tagger.tag(doc)}
        ids = {n.id for n in names}
        keys = {normalise(n.surface) for n in names}
        unknown_keys = {normalise(n.surface): n for n in names if not n.known}
        labels_keys = set()
        for label in a.entities:
            eid = tagger.lookup(label)
            if eid:
                entity = kb.get(eid)
                labels_keys |= {normalise(x) for x in entity.names}
                if entity.type in UNSCORED:
                    continue
                ok = eid in ids or any(normalise(x) in keys for x in entity.names)
                t["known"].add(ok, f"{a.id}: {label}")
                t["known_tagger"].add(eid in tagged, f"{a.id}: {label}")
            else:
                labels_keys.add(normalise(label))
                if a.lang == "en" and _occurs(label, doc):
                    key = normalise(label)
                    t["unknown_strict"].add(key in unknown_keys, f"{a.id}: {label}")
                    lenient = any(key in k or k in key for k in unknown_keys if len(k) >= 3)
                    t["unknown_lenient"].add(lenient, f"{a.id}: {label}")
        # open vocabulary alone, on known names written as such
        bare_names = bare.find(doc, a.title, lang=a.lang, parse=parse)
        bare_keys = {normalise(n.surface): n for n in bare_names}
        for label in a.entities:
            eid = tagger.lookup(label)
            if not eid or kb.get(eid).type in UNSCORED:
                continue
            entity = kb.get(eid)
            forms = [
                x
                for x in entity.names
                if _occurs(x, doc)
                and (bool(re.search("[\uac00-\ud7a3]", x)) == (a.lang == "ko") or a.lang == "en")
            ]
            if not forms:
                continue
            hit = next((bare_keys[normalise(x)] for x in forms if normalise(x) in bare_keys), None)
            t["open_" + a.lang].add(hit is not None, f"{a.id}: {label} {forms[:2]}")
            if hit is not None:
                t["type_person_ok"].add(
                    (hit.type == "person") == (entity.type == "person"),
                    f"{a.id}: {label} as {hit.type}",
                )
        for key, n in unknown_keys.items():
            if n.type in ("org", "person") and a.lang == "en":
                matched = any(
                    key == k or (len(k) > 3 and (key in k or k in key)) for k in labels_keys
                )
                t["extra_unknown"].add(matched, f"{a.id}: {n.surface} ({n.type}, {n.source})")
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["news-dev", "news-dev-2"])
    parser.add_argument("--kiwi", action="store_true")
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args(argv)
    kb, tagger = _KB, _TAGGER
    finder = NameFinder(kb, tagger, use_kiwi=args.kiwi)
    bare = NameFinder(kb, tagger, use_kiwi=args.kiwi, use_kb=False)
    print("| set | measure | found | total | rate |")
    print("|---|---|---:|---:|---:|")
    for name in args.sets:
        t = evaluate(load_set(name, SHARED), finder, bare, args.kiwi)
        for key, tally in t.items():
            print(f"| {name} | {key} | {tally.found} | {tally.total} | {tally.rate:.2f} |")
        if args.misses:
            for key in (
                "unknown_strict",
                "open_en",
                "open_ko",
                "extra_unknown",
                "known",
                "type_person_ok",
            ):
                print(f"\n{name} {key} misses ({len(t[key].misses)}):")
                for m in t[key].misses[:400]:
                    print("  ", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
