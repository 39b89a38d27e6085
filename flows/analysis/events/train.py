"""Build the model file from the labelled sets: one command, fixed seeds, same file every time.

    make train        # .venv/bin/python -m flows.analysis.events.train

Reads ``../shared/corpus`` (news-dev, news-dev-2, the seeds with their gold) and the
hand-written cases in ``tests/fixtures/events``, and writes
``flows/analysis/events/model.json``. Needs scikit-learn (``pip install -e .[train]``);
kaiwatch itself only reads the JSON.

Per event type, a multiple-instance logistic regression: an article is a bag of candidates
(one per trigger in a sentence); a negative article makes every candidate negative, a
positive one its best candidate positive (the witness; first chosen by a prior that
prefers clean, strong, early candidates and news-dev's evidence sentence, then re-chosen
by the model, three rounds). The article score is the best candidate's logit; a Platt
calibration of it is fitted on out-of-fold scores of a grouped 3-fold inner split
(groups: ``dup_group``, so copies of one story never sit on both sides), so that the
probability a user sees is what held-out articles showed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from flows.analysis.events.candidates import ArticleView, Candidate, read_article
from flows.analysis.events.scorer import TYPES, CandidateFeatures, article_features
from flows.analysis.names import NameFinder
from flows.core.text import HANGUL

__all__ = [
    "SETS",
    "Labelled",
    "Prepared",
    "fit",
    "load_set",
    "main",
    "model_text",
    "prepare",
    "seed_titles",
]

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))
CASES_DIR = REPO / "tests" / "fixtures" / "events"
MODEL_PATH = Path(__file__).resolve().parent / "model.json"
SETS = ("news-dev", "news-dev-2", "seeds", "cases")

SEED = 13
C = 0.1
ROUNDS = 3
NEG_BAG_WEIGHT = 3.0  # a negative article's candidates share this much weight in total
#: Per-set weight of an article: the seeds are the project's gold fixtures, checked end to
#: end by the tests, and count for more than one article each.
SET_WEIGHT = {"seeds": 3.0}


@dataclass
class Labelled:
    """One labelled article in the shape training and evaluation read."""

    id: str
    set: str
    lang: str
    title: str
    text: str
    published: date | None
    types: frozenset[str]  # gold event types (whatever the scope)
    korean: bool  # gold about_korean_ai
    group: str  # dup_group, else the id: copies of one story share a fold
    parties: list[str] = field(default_factory=list)  # recipient first (news-dev-2)
    amounts: list[str] = field(default_factory=list)  # funding amounts as written
    entities: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str]] = field(default_factory=list)  # (type, sentence)

    @property
    def alert(self) -> bool:
        """alert = (partnership or funding) and about_korean_ai."""
        return bool(self.types) and self.korean


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if value else None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def seed_titles(cases_dir: Path = CASES_DIR) -> dict[str, str]:
    """The seeds' headlines (``seed-titles.json``): a run always has a title."""
    data = json.loads((cases_dir / "seed-titles.json").read_text("utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def load_set(name: str, shared: Path = SHARED, cases_dir: Path = CASES_DIR) -> list[Labelled]:
    """``news-dev``, ``news-dev-2``, ``seeds`` or ``cases``."""
    if name == "cases":
        return _cases(cases_dir)
    if name == "seeds":
        return _seeds(shared, cases_dir)
    articles = []
    for row in _read_jsonl(shared / "corpus" / f"{name}.jsonl"):
        labels = row["labels"]
        events = row.get("events") or []
        parties = row.get("parties") or []
        amounts = row.get("amounts") or []
        if events:  # news-dev: parties and amounts per event
            amounts = [a for e in events if e["type"] == "funding" for a in e.get("amounts", [])]
            parties = [p for e in events for p in e.get("parties", [])]
        articles.append(
            Labelled(
                id=row["id"],
                set=name,
                lang=row["lang"],
                title=row.get("title") or "",
                text=row.get("text") or "",
                published=_date(row.get("published")),
                types=frozenset(t for t in TYPES if labels[t]),
                korean=bool(labels["about_korean_ai"]),
                group=row.get("dup_group") or row["id"],
                parties=list(dict.fromkeys(parties)),
                amounts=amounts,
                entities=row.get("entities") or [],
                evidence=[(e["type"], e.get("evidence", "")) for e in events],
            )
        )
    return articles


def _cases(cases_dir: Path) -> list[Labelled]:
    articles = []
    for path in sorted(cases_dir.glob("cases-*.jsonl")):
        for row in _read_jsonl(path):
            types = frozenset(e["type"] for e in row["events"])
            articles.append(
                Labelled(
                    id=row["id"],
                    set="cases",
                    lang=row["lang"],
                    title=row.get("title") or "",
                    text=row.get("text") or "",
                    published=None,
                    types=types,
                    # a case with gold events and no alert is out of Korean scope (bench rule)
                    korean=bool(row["alert"]) or not types,
                    group=row["id"],
                    parties=[p for e in row["events"] for p in e.get("parties", [])],
                    amounts=[
                        a
                        for e in row["events"]
                        if e["type"] == "funding"
                        for a in e.get("amounts", [])
                    ],
                )
            )
    return articles


def _seeds(shared: Path, cases_dir: Path) -> list[Labelled]:
    gold = yaml.safe_load((shared / "corpus" / "seeds-gold.yaml").read_text("utf-8"))
    titles = seed_titles(cases_dir)
    articles = []
    for name, labels in gold.items():
        text = (shared / "corpus" / "seeds" / name).read_text("utf-8")
        events = labels.get("events") or []
        articles.append(
            Labelled(
                id=f"seed-{name[:3]}",
                set="seeds",
                lang="ko" if len(HANGUL.findall(text)) > 50 else "en",
                title=titles.get(name, ""),
                text=text,
                published=_date(labels.get("published")),
                types=frozenset(e["type"] for e in events),
                korean=bool(labels.get("about_korean_ai", True)),
                group=f"seed-{name[:3]}",
                parties=[p for e in events for p in e.get("parties", [])],
                amounts=[a for e in events if e["type"] == "funding" for a in e.get("amounts", [])],
                entities=labels.get("must_mention") or [],
            )
        )
    return articles


@dataclass
class Prepared:
    """An article read and featurised once (features do not depend on the model)."""

    article: Labelled
    cands: CandidateFeatures
    view: ArticleView


def prepare(articles: Sequence[Labelled], finder: NameFinder) -> list[Prepared]:
    """Read every article as the detector does, with its features."""
    out = []
    for a in articles:
        view = read_article(a.title, a.text, lang=a.lang, published=a.published, finder=finder)
        out.append(Prepared(a, article_features(view), view))
    return out


def _prior(cand: Candidate, feats: dict[str, float], evidence: list[str]) -> float:
    score = 3 * feats.get("clean", 0) + 2 * feats.get("trig:strong", 0)
    score += 2 * (feats.get("pos:title", 0) + feats.get("pos:lead3", 0))
    score += -feats.get("trig:bare_word", 0) + 1 - feats.get("party:n0", 0)
    text = cand.sentence.text
    if any(e and (e[:60] in text or text[:60] in e) for e in evidence):
        score += 10
    return score


def _fit_type(items: list[Prepared], kind: str, seed: int) -> tuple[Any, Any]:
    """Multiple-instance logistic regression for one type."""
    bags = [
        (p.cands[kind], kind in p.article.types, [e for t, e in p.article.evidence if t == kind])
        for p in items
    ]
    weights = [SET_WEIGHT.get(p.article.set, 1.0) for p in items]
    vec = DictVectorizer(sparse=True)
    vec.fit([f for cands, _, _ in bags for _, f in cands] or [{"bias": 1.0}])
    witness = [
        int(np.argmax([_prior(c, f, ev) for c, f in cands])) if (label and cands) else -1
        for cands, label, ev in bags
    ]
    model = LogisticRegression(C=C, max_iter=5000, random_state=seed)
    for _round in range(ROUNDS):
        rows, ys, ws = [], [], []
        for (cands, label, _), wi, weight in zip(bags, witness, weights, strict=True):
            if not cands:
                continue
            if label:
                rows.append(cands[wi][1])
                ys.append(1)
                ws.append(weight)
            else:
                share = weight * min(NEG_BAG_WEIGHT, len(cands)) / len(cands)
                for _, f in cands:
                    rows.append(f)
                    ys.append(0)
                    ws.append(share)
        model.fit(vec.transform(rows), np.array(ys), sample_weight=np.array(ws))
        new = []
        for (cands, label, _), wi in zip(bags, witness, strict=True):
            if label and cands:
                z = model.decision_function(vec.transform([f for _, f in cands]))
                new.append(int(np.argmax(z)))
            else:
                new.append(wi)
        if new == witness:
            break
        witness = new
    return vec, model


def _platt(scores: list[float], labels: list[bool]) -> dict[str, float]:
    if len(set(labels)) < 2:
        return {"a": 1.0, "b": 0.0}
    lr = LogisticRegression(C=100.0, max_iter=1000)
    lr.fit(np.array(scores).reshape(-1, 1), np.array(labels, dtype=int))
    return {"a": round(float(lr.coef_[0][0]), 6), "b": round(float(lr.intercept_[0]), 6)}


def _fit_raw(items: list[Prepared], seed: int) -> dict[str, Any]:
    types = {}
    for kind in TYPES:
        vec, model = _fit_type(items, kind, seed)
        names = vec.get_feature_names_out()
        weights = {
            str(name): round(float(w), 6)
            for name, w in zip(names, model.coef_[0], strict=True)
            if abs(w) > 1e-6
        }
        types[kind] = {
            "weights": dict(sorted(weights.items())),
            "intercept": round(float(model.intercept_[0]), 6),
        }
    return types


def _raw_logit(types: dict[str, Any], kind: str, feats: dict[str, float]) -> float:
    w = types[kind]["weights"]
    return float(types[kind]["intercept"] + sum(w.get(k, 0.0) * v for k, v in feats.items()))


def fit(items: list[Prepared], seed: int = SEED, inner_folds: int = 3) -> dict[str, Any]:
    """The model (the JSON-able dict the scorer loads), calibrated on inner out-of-fold scores."""
    types = _fit_raw(items, seed)
    groups = [p.article.group for p in items]
    oof: dict[str, list[float | None]] = {k: [None] * len(items) for k in TYPES}
    splitter = GroupKFold(n_splits=inner_folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(items, groups=groups):
        inner = _fit_raw([items[i] for i in train_idx], seed)
        for kind in TYPES:
            for i in test_idx:
                cands = items[i].cands[kind]
                oof[kind][i] = max(_raw_logit(inner, kind, f) for _, f in cands) if cands else None
    for kind in TYPES:
        labels = [kind in p.article.types for p in items]
        pairs = [(s, y) for s, y in zip(oof[kind], labels, strict=True) if s is not None]
        cal: dict[str, float] = _platt([s for s, _ in pairs], [y for _, y in pairs])
        empty = [y for s, y in zip(oof[kind], labels, strict=True) if s is None]
        cal["no_candidate"] = round((sum(empty) + 0.5) / (len(empty) + 1), 6) if empty else 0.01
        types[kind]["calibration"] = cal
    return {"version": 2, "types": types}


def model_text(model: dict[str, Any]) -> str:
    """The model file's exact text (sorted keys: the same model gives the same bytes)."""
    return json.dumps(model, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def build(
    sets: Sequence[str] = SETS, shared: Path = SHARED, cases_dir: Path = CASES_DIR
) -> dict[str, Any]:
    """Train on ``sets`` with the shipped knowledge base; the model with its provenance."""
    from flows.analysis.entities import EntityTagger
    from flows.analysis.knowledge import load_entities

    kb = load_entities(REPO / "entities.yaml")
    finder = NameFinder(kb, EntityTagger(kb))
    articles = [a for name in sets for a in load_set(name, shared, cases_dir)]
    model = fit(prepare(articles, finder))
    digest = hashlib.sha256("".join(a.id + a.title + a.text for a in articles).encode())
    model["built_from"] = {
        "sets": list(sets),
        "articles": len(articles),
        "sha256_16": digest.hexdigest()[:16],
        "seed": SEED,
        "C": C,
    }
    return model


def main(argv: list[str] | None = None) -> int:
    """``make train``: write the model file."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    args = parser.parse_args(argv)
    if not (args.shared / "corpus").is_dir():
        print(f"{args.shared}/corpus not found: pass --shared DIR", file=sys.stderr)
        return 1
    model = build(args.sets, args.shared)
    args.out.write_text(model_text(model), "utf-8")
    n = sum(len(model["types"][k]["weights"]) for k in TYPES)
    size = args.out.stat().st_size / 1024
    print(
        f"wrote {args.out} ({size:.0f} KB, {n} weights, {model['built_from']['articles']} articles)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
