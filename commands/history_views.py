"""The views of the issue-14 commands: a user's history, and what ``why`` found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onboarding.diagnosis import Diagnosis
from onboarding.history import Timeline


@dataclass(frozen=True, slots=True)
class HistoryView:
    """A user's timeline for ``history <user>``: status changes and deeds, newest first."""

    timeline: Timeline
    now: datetime


@dataclass(frozen=True, slots=True)
class WhyView:
    """``why <user>``: the diagnosis, and the card actions the asker may press for its move."""

    diagnosis: Diagnosis
    now: datetime
    actions: tuple[str, ...] = ()
