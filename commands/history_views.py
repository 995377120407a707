"""The views of the issue-14 commands: a user's history, what ``why`` found, watches, trends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onboarding.diagnosis import Diagnosis
from onboarding.history import Timeline
from onboarding.service import StuckUser
from onboarding.trend import Trend
from onboarding.watch import ErrorAlert, Watch


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


@dataclass(frozen=True, slots=True)
class WatchListView:
    """``watch``: the watches on in this space (``saved``: the one just added)."""

    watches: tuple[Watch, ...]
    saved: Watch | None = None
    stopped: int | None = None  # ``watch off``: how many were turned off


@dataclass(frozen=True, slots=True)
class WatchAlertView:
    """An alert a watch posts: users newly in error, or users over a stuck line."""

    watch: Watch
    errors: tuple[ErrorAlert, ...] = ()
    stuck: tuple[StuckUser, ...] = ()
    now: datetime | None = None
    #: Whether everyone reading the watch's space may read error text (the digests' rule,
    #: ``commands.status.audience_may_read_error_text``); off: the codes only.
    error_text: bool = False


@dataclass(frozen=True, slots=True)
class TrendView:
    """``trend [days] [customer C]``: counts per group per day (the chart is the reply's file)."""

    trend: Trend
