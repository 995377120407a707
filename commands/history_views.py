"""The views of the issue-14 commands: a user's history (and, beside it, what ``why`` answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onboarding.history import Timeline


@dataclass(frozen=True, slots=True)
class HistoryView:
    """A user's timeline for ``history <user>``: status changes and deeds, newest first."""

    timeline: Timeline
    now: datetime
