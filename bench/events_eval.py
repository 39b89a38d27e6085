"""Score the event detector honestly: grouped cross-validation and leave-one-set-out.

Usage::

    .venv/bin/python bench/events_eval.py [--shared ../shared] [--repeats 3] [--folds 5]
        [--threshold 0.5] [--only cv|loso|all] [--errors] [--model PATH]

Only real articles are scored (news-dev, news-dev-2); the hand-written cases and the
seeds are added to every training fold and never tested. Folds are grouped by
``dup_group`` (else the article id), so copies and write-ups of one story never sit on
both sides. Each fold trains a model exactly as ``make train`` does
(:func:`flows.analysis.events.train.fit`) and scores the held-out articles with the
runtime scorer, so no figure here is a training-set figure. The alert is the runtime
policy (:func:`flows.analysis.events.warrants_alert`: some event type's probability
reaches the threshold) on the gold ``about_korean_ai`` label, so the tables measure
the event detector; one row uses kaiwatch's relevance rules instead.

``--model PATH`` instead scores a fixed model file on both sets (e.g. the shipped one:
those are training-set figures and say so).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from sklearn.model_selection import GroupKFold  # noqa: E402

from flows.analysis.entities import EntityTagger  # noqa: E402
from flows.analysis.events import DEFAULT_MIN_PROBABILITY, EventDetector, warrants_alert  # noqa: E402
from flows.analysis.events.scorer import TYPES, Scorer  # noqa: E402
from flows.analysis.events.train import Labelled, Prepared, fit, load_set, prepare  # noqa: E402
from flows.analysis.knowledge import load_entities  # noqa: E402
from flows.analysis.money import parse_amounts  # noqa: E402
from flows.analysis.names import NameFinder, normalise  # noqa: E402
from flows.analysis.relevance import is_about_korean_ai  # noqa: E402
from flows.core.models import Amount, Event  # noqa: E402

__all__ = ["PR", "alert_table", "main"]

SHARED = Path(os.environ.get("KAIWATCH_SHARED_DIR", REPO.parent / "shared"))


@dataclass
class Prediction:
    """What the detector said about one article: type probabilities and events."""

    types: dict[str, float]
    events: list[Event] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max(self.types.values())


@dataclass
class PR:
    """True positives, false positives and false negatives, with the ids of errors."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, gold: bool, pred: bool, item: str = "") -> None:
        self.tp += gold and pred
        self.fp += pred and not gold
        self.fn += gold and not pred
        if gold != pred and item:
            self.errors.append(("FN " if gold else "FP ") + item)

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def alert_table(
    articles: Sequence[Labelled],
    preds: dict[str, Prediction],
    threshold: float,
    relevance: bool = False,
) -> dict[tuple[str, str], PR]:
    """Counts keyed by (measure, lang): measure is alert, partnership or funding."""
    table: dict[tuple[str, str], PR] = defaultdict(PR)
    for a in articles:
        p = preds[a.id]
        scope = is_about_korean_ai(a.title, a.text, a.lang) if relevance else a.korean
        kept = [e for e in p.events if e.confidence >= threshold]
        pred_alert = warrants_alert(kept, scope, threshold)
        what = f"{a.id} p={p.score:.2f} {[(e.type, e.evidence[:90]) for e in kept]}"
        for lang in (a.lang, "all"):
            table[("alert", lang)].add(a.alert, pred_alert, what)
            for t in TYPES:
                table[(t, lang)].add(t in a.types, p.types[t] >= threshold, f"{t}: {what}")
    return table


def _fmt(rows: list[tuple[str, list[dict[tuple[str, str], PR]]]]) -> str:
    """Markdown: one row per (name, measure, lang): mean P and R over repeats (min–max)."""
    out = [
        "| set | measure | lang | P | R | tp/fp/fn (first repeat) |",
        "|---|---|---|---|---|---|",
    ]
    for name, tables in rows:
        for measure in ("alert", *TYPES):
            for lang in ("en", "ko", "all"):
                prs = [t[(measure, lang)] for t in tables if (measure, lang) in t]
                if not prs:
                    continue

                def cell(values: list[float]) -> str:
                    mean = sum(values) / len(values)
                    spread = max(values) - min(values)
                    extra = f" ({min(values):.2f}–{max(values):.2f})" if spread > 0.005 else ""
                    return f"{mean:.2f}{extra}"

                first = prs[0]
                out.append(
                    f"| {name} | {measure} | {lang} | {cell([x.p for x in prs])} | "
                    f"{cell([x.r for x in prs])} | {first.tp}/{first.fp}/{first.fn} |"
                )
    return "\n".join(out)


def _predict(
    scorer: Scorer, items: Sequence[Prepared], detector: EventDetector
) -> dict[str, Prediction]:
    out = {}
    for p in items:
        score = scorer.score(p.view, p.cands)
        detector.scorer = scorer
        events = detector.events(p.view, score, min_probability=DEFAULT_MIN_PROBABILITY)
        out[p.article.id] = Prediction({t: ts.probability for t, ts in score.types.items()}, events)
    return out


def reliability(
    articles: Sequence[Labelled], preds: dict[str, Prediction], gold: Callable[[Labelled], bool]
) -> tuple[str, float]:
    """A reliability table (10 bins) and the Brier score."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(10)]
    brier = 0.0
    for a in articles:
        s = preds[a.id].score
        y = gold(a)
        bins[min(9, int(s * 10))].append((s, y))
        brier += (s - y) ** 2
    lines = ["| predicted | articles | mean predicted | observed rate |", "|---|---:|---:|---:|"]
    for i, b in enumerate(bins):
        if b:
            mean = sum(s for s, _ in b) / len(b)
            rate = sum(y for _, y in b) / len(b)
            lines.append(
                f"| {i / 10:.1f}–{(i + 1) / 10:.1f} | {len(b)} | {mean:.2f} | {rate:.2f} |"
            )
    return "\n".join(lines), brier / max(1, len(articles))


def _same_amount(pred: Amount | None, gold_text: str) -> bool:
    if pred is None:
        return False
    if pred.text.replace(" ", "") == gold_text.replace(" ", ""):
        return True
    gold = parse_amounts(gold_text)
    if not gold:
        return False
    g = gold[0]
    for x, y in ((pred.krw, g.krw), (pred.usd, g.usd)):
        if x and y and abs(x - y) <= 0.015 * max(x, y):
            return True
    return False


def amount_scores(
    articles: Sequence[Labelled], preds: dict[str, Prediction], threshold: float
) -> tuple[int, int, int, int, list[str]]:
    """Lead funding amount right: (right, funding found) and (right, all gold funding).

    Right = the event's first amount is the gold list's first amount (or its stated
    conversion), or both are empty (an undisclosed amount).
    """
    found = right_found = every = right_every = 0
    misses = []
    for a in articles:
        if "funding" not in a.types:
            continue
        evs = [e for e in preds[a.id].events if e.type == "funding" and e.confidence >= threshold]
        lead = evs[0].amounts[0] if evs and evs[0].amounts else None
        ok = bool(evs) and (lead is None if not a.amounts else _same_amount(lead, a.amounts[0]))
        every += 1
        right_every += ok
        if evs:
            found += 1
            right_found += ok
            if not ok:
                misses.append(
                    f"{a.id}: predicted {lead.text if lead else None!r}, gold {a.amounts[:2]}"
                )
    return right_found, found, right_every, every, misses


def party_scores(
    articles: Sequence[Labelled],
    preds: dict[str, Prediction],
    tagger: EntityTagger,
    threshold: float,
) -> dict[str, dict[str, Any]]:
    """Party precision and recall against news-dev-2's ``parties`` (articles with a gold
    event and a predicted event of that type), and the recipient-first rate for funding."""
    res: dict[str, dict[str, Any]] = {
        lang: {"tp": 0, "fp": 0, "fn": 0, "recipient": [0, 0], "errors": []}
        for lang in ("en", "ko", "all")
    }
    for a in articles:
        if a.set != "news-dev-2" or not a.types or not a.parties:
            continue
        evs = [e for e in preds[a.id].events if e.type in a.types and e.confidence >= threshold]
        if not evs:
            continue
        gold_ids = [tagger.lookup(g) or normalise(g) for g in a.parties]
        pred: list[str] = []
        for e in evs:
            for pid, name in zip(e.parties, e.party_names, strict=True):
                key = normalise(name) if pid.startswith("unk:") else pid
                if key not in pred:
                    pred.append(key)
        gold_set = set(gold_ids)

        def close(k: str, g: str) -> bool:
            return k == g or (len(g) > 3 and len(k) > 3 and (g in k or k in g))

        tp = sum(any(close(k, g) for g in gold_set) for k in pred)
        fn = sum(not any(close(k, g) for k in pred) for g in gold_set)
        for lang in (a.lang, "all"):
            r = res[lang]
            r["tp"] += tp
            r["fp"] += len(pred) - tp
            r["fn"] += fn
            if len(pred) - tp or fn:
                r["errors"].append(
                    f"{a.id}: predicted {[n for e in evs for n in e.party_names]} gold {a.parties}"
                )
            fevs = [e for e in evs if e.type == "funding"]
            if "funding" in a.types and fevs:
                roles = dict(zip(fevs[0].parties, fevs[0].roles, strict=True))
                names = dict(zip(fevs[0].parties, fevs[0].party_names, strict=True))
                first = next(
                    (pid for pid, role in roles.items() if role in ("recipient", "government")),
                    None,
                )
                key = (
                    (normalise(names[first]) if first.startswith("unk:") else first)
                    if first
                    else None
                )
                r["recipient"][0] += bool(key) and close(key or "", gold_ids[0])
                r["recipient"][1] += 1
    return res


def _party_table(res: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| lang | party P | party R | recipient (or government) first |",
        "|---|---:|---:|---:|",
    ]
    for lang in ("en", "ko", "all"):
        r = res[lang]
        p = r["tp"] / max(1, r["tp"] + r["fp"])
        rc = r["tp"] / max(1, r["tp"] + r["fn"])
        lines.append(f"| {lang} | {p:.2f} | {rc:.2f} | {r['recipient'][0]}/{r['recipient'][1]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--only", choices=["cv", "loso", "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="list every wrong decision")
    parser.add_argument("--model", type=Path, help="score this model file on both sets instead")
    args = parser.parse_args(argv)

    kb = load_entities(REPO / "entities.yaml")
    tagger = EntityTagger(kb)
    finder = NameFinder(kb, tagger)
    detector = EventDetector(tagger)
    t0 = time.perf_counter()
    sets = {
        name: load_set(name, args.shared) for name in ("news-dev", "news-dev-2", "seeds", "cases")
    }
    prepared = {name: prepare(arts, finder) for name, arts in sets.items()}
    print(
        f"read {sum(len(v) for v in prepared.values())} articles in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    real = prepared["news-dev"] + prepared["news-dev-2"]
    extra = prepared["seeds"] + prepared["cases"]
    real_articles = [p.article for p in real]
    th = args.threshold

    def section(title: str, body: str) -> None:
        print(f"\n### {title}\n\n{body}\n", flush=True)

    if args.model:
        preds = _predict(Scorer.load(args.model), real, detector)
        rows = [(name, [alert_table(sets[name], preds, th)]) for name in ("news-dev", "news-dev-2")]
        section(f"{args.model} on news-dev and news-dev-2 (training data: optimistic)", _fmt(rows))
        return 0

    if args.only in ("cv", "all"):
        tables: dict[str, list[dict[tuple[str, str], PR]]] = defaultdict(list)
        first: dict[str, Prediction] = {}
        for repeat in range(args.repeats):
            splitter = GroupKFold(n_splits=args.folds, shuffle=True, random_state=repeat)
            oof: dict[str, Prediction] = {}
            groups = [p.article.group for p in real]
            for train_idx, test_idx in splitter.split(real, groups=groups):
                model = fit([real[i] for i in train_idx] + extra)
                oof.update(_predict(Scorer(model), [real[i] for i in test_idx], detector))
            if repeat == 0:
                first = oof
            for subset, arts in (
                ("news-dev", sets["news-dev"]),
                ("news-dev-2", sets["news-dev-2"]),
                ("both", real_articles),
            ):
                tables[subset].append(alert_table(arts, oof, th))
            tables["both, predicted scope"].append(
                alert_table(real_articles, oof, th, relevance=True)
            )
            print(
                f"repeat {repeat} done ({time.perf_counter() - t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        section(
            f"Grouped {args.folds}-fold cross-validation x{args.repeats} (threshold {th}; mean, min–max over repeats)",
            _fmt([(name, tables[name]) for name in ("news-dev", "news-dev-2", "both")]),
        )
        section(
            "The same, alert with kaiwatch's relevance rules instead of the gold scope",
            _fmt([("both", tables["both, predicted scope"])]).split("\n| both | partnership")[0],
        )
        rel, brier = reliability(real_articles, first, lambda a: bool(a.types))
        base = sum(bool(a.types) for a in real_articles) / len(real_articles)
        section(
            "Calibration (first repeat, out of fold): max type probability vs 'announces a partnership or funding'",
            rel
            + f"\n\nBrier score {brier:.3f}; a constant at the base rate scores {base * (1 - base):.3f}.",
        )
        right_found, found, right_all, every, misses = amount_scores(real_articles, first, th)
        section(
            "Lead funding amount (first repeat, out of fold)",
            f"Right on {right_found} of {found} gold funding articles where funding was detected "
            f"({right_found / max(1, found):.2f}); {right_all} of {every} over all gold funding articles "
            f"({right_all / max(1, every):.2f})."
            + ("\n\n" + "\n".join("- " + m for m in misses) if args.errors else ""),
        )
        res = party_scores(real_articles, first, tagger, th)
        section(
            "Parties vs news-dev-2's `parties` (first repeat, out of fold; articles with the gold type detected)",
            _party_table(res)
            + ("\n\n" + "\n".join("- " + e for e in res["all"]["errors"]) if args.errors else ""),
        )
        if args.errors:
            t = alert_table(real_articles, first, th)
            section(
                "Alert errors (first repeat)",
                "\n".join("- " + e for e in t[("alert", "all")].errors),
            )

    if args.only in ("loso", "all"):
        for train_name, test_name in (("news-dev", "news-dev-2"), ("news-dev-2", "news-dev")):
            model = fit(prepared[train_name] + extra)
            preds = _predict(Scorer(model), prepared[test_name], detector)
            body = _fmt([(test_name, [alert_table(sets[test_name], preds, th)])])
            right_found, found, right_all, every, _ = amount_scores(sets[test_name], preds, th)
            body += f"\n\nLead funding amount right: {right_found}/{found} where funding was detected; {right_all}/{every} over all gold funding articles."
            if test_name == "news-dev-2":
                body += "\n\n" + _party_table(party_scores(sets[test_name], preds, tagger, th))
            if args.errors:
                t = alert_table(sets[test_name], preds, th)
                body += "\n\n" + "\n".join("- " + e for e in t[("alert", "all")].errors)
            section(
                f"Leave one set out: trained on {train_name} + cases + seeds, tested on {test_name}",
                body,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
