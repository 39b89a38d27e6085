"""Partnership and funding events: rules as data, a learned scorer, and the alert policy.

:mod:`~flows.analysis.events.rules` holds the trigger, blocker and cue records;
:mod:`~flows.analysis.events.candidates` proposes every trigger as a candidate;
:mod:`~flows.analysis.events.features` describes it with named features;
:mod:`~flows.analysis.events.scorer` weighs them with the shipped model into a calibrated
probability; :mod:`~flows.analysis.events.detector` assembles events with parties, roles,
amounts and the reasons that decided them. ``make train`` rebuilds the model
(:mod:`~flows.analysis.events.train`, which needs scikit-learn; nothing else does).
"""

from flows.analysis.events.detector import (
    DEFAULT_MIN_PROBABILITY,
    Analysis,
    EventDetector,
    Explanation,
    Party,
    default_detector,
    detect_events,
    events_to_json,
    warrants_alert,
)
from flows.core.models import Event

__all__ = [
    "DEFAULT_MIN_PROBABILITY",
    "Analysis",
    "Event",
    "EventDetector",
    "Explanation",
    "Party",
    "default_detector",
    "detect_events",
    "events_to_json",
    "warrants_alert",
]
