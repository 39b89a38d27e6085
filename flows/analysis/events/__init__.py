"""Partnership and funding events: the detector, and what makes an event worth an alert.

The rules live in :mod:`flows.analysis.events.detector` (being rebuilt as named rule
records and a learned scorer, issue 13); callers import from here.
"""

from flows.analysis.events.detector import (
    Event,
    Rejection,
    detect_events,
    events_to_json,
    explain,
    warrants_alert,
)

__all__ = [
    "Event",
    "Rejection",
    "detect_events",
    "events_to_json",
    "explain",
    "warrants_alert",
]
