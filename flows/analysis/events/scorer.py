"""Load the model file and score articles: calibrated probabilities and their reasons.

The model is a JSON file shipped with the package (``model.json``, rebuilt by
``make train``): per event type a logistic regression over the named candidate features
(weights by feature name), a Platt calibration of the article score (the best
candidate's logit), and the probability for articles without any candidate. An
article's probability of a type is the calibrated score of its best candidate; that
candidate (the *witness*), its features and their contributions (weight × value) stay
on the event, so an alert can say why. Plain Python over a few KB of JSON: scoring
needs no scikit-learn.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from flows.analysis.events.candidates import ArticleView, Candidate
from flows.analysis.events.features import article_context, candidate_features

__all__ = [
    "MODEL_FILE",
    "TYPES",
    "ArticleScore",
    "CandidateFeatures",
    "Scorer",
    "TypeScore",
    "article_features",
    "default_scorer",
    "sigmoid",
]

TYPES = ("partnership", "funding")
#: The shipped model, next to this module (package data).
MODEL_FILE = "model.json"

#: Per type: every candidate with its named features.
CandidateFeatures = dict[str, list[tuple[Candidate, dict[str, float]]]]


def sigmoid(x: float) -> float:
    """The logistic function, safe for large negative inputs."""
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def article_features(view: ArticleView) -> CandidateFeatures:
    """Per type: every candidate with its features."""
    out: CandidateFeatures = {}
    for kind in TYPES:
        cands = [c for c in view.candidates if c.type == kind]
        context = article_context(view, kind)
        out[kind] = [
            (c, candidate_features(view, c, i == 0, len(cands), context))
            for i, c in enumerate(cands)
        ]
    return out


@dataclass
class TypeScore:
    """One event type's verdict on an article."""

    type: str
    probability: float  # calibrated: the probability that the article announces such an event
    logit: float  # the best candidate's raw score
    witness: Candidate | None
    contributions: list[tuple[str, float]] = field(default_factory=list)  # largest first


@dataclass
class ArticleScore:
    """Both types; ``event_probability`` is the larger of the two."""

    types: dict[str, TypeScore]

    @property
    def event_probability(self) -> float:
        return max(ts.probability for ts in self.types.values())


class Scorer:
    """The learned weights, applied to candidate features."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.model = model
        self.weights: dict[str, dict[str, float]] = {t: model["types"][t]["weights"] for t in TYPES}
        self.intercepts: dict[str, float] = {t: model["types"][t]["intercept"] for t in TYPES}

    @classmethod
    def load(cls, path: str | Path) -> Scorer:
        """A scorer from a model file written by ``make train``."""
        return cls(json.loads(Path(path).read_text("utf-8")))

    def logit(self, kind: str, features: dict[str, float]) -> float:
        """The candidate's raw score for ``kind``."""
        w = self.weights[kind]
        return self.intercepts[kind] + sum(w.get(k, 0.0) * v for k, v in features.items())

    def calibrate(self, kind: str, logit: float | None) -> float:
        """The probability a raw best-candidate score stands for (None: no candidate)."""
        cal = self.model["types"][kind]["calibration"]
        if logit is None:
            return float(cal["no_candidate"])
        return sigmoid(cal["a"] * logit + cal["b"])

    def contributions(self, kind: str, features: dict[str, float]) -> list[tuple[str, float]]:
        """Each feature's weight × value, largest magnitude first."""
        w = self.weights[kind]
        pairs = [(k, w.get(k, 0.0) * v) for k, v in features.items() if w.get(k, 0.0)]
        return sorted(pairs, key=lambda kv: (-abs(kv[1]), kv[0]))

    def score(self, view: ArticleView, features: CandidateFeatures | None = None) -> ArticleScore:
        """Both types' probabilities, witnesses and contributions."""
        features = features or article_features(view)
        scores: dict[str, TypeScore] = {}
        for kind in TYPES:
            best: tuple[float, Candidate, dict[str, float]] | None = None
            for cand, feats in features[kind]:
                z = self.logit(kind, feats)
                if best is None or z > best[0]:
                    best = (z, cand, feats)
            if best is None:
                scores[kind] = TypeScore(kind, self.calibrate(kind, None), float("-inf"), None)
                continue
            z, cand, feats = best
            scores[kind] = TypeScore(
                kind, self.calibrate(kind, z), z, cand, self.contributions(kind, feats)
            )
        return ArticleScore(scores)


@cache
def default_scorer() -> Scorer:
    """The shipped model, read once."""
    text = resources.files("flows.analysis.events").joinpath(MODEL_FILE).read_text("utf-8")
    return Scorer(json.loads(text))
