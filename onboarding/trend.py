"""Counts per status group over the last N days, for ``trend`` and the digests' chart.

Today's counts come from the snapshot; each earlier day's end is rebuilt by undoing the day's
stored status changes (``status_transitions``): a change from A to B moved one user out of A's
group into B's. So the series is exact as far back as the history reaches (its retention), and
flat before the first change it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from onboarding.model import ProvisioningStatus, StatusGroup
from onboarding.service import OnboardingService
from storage.repositories import SubscriberFilter

DEFAULT_DAYS = 14
MAX_DAYS = 180


@dataclass(frozen=True, slots=True)
class Trend:
    """One count per group per day, oldest day first; the last day is today (as of ``now``)."""

    days: tuple[date, ...]
    counts: Mapping[StatusGroup, tuple[int, ...]]
    customer: str | None
    now: datetime

    def on(self, group: StatusGroup) -> tuple[int, ...]:
        """The series of one group."""
        return self.counts[group]


def _group(status: str | None) -> StatusGroup | None:
    if status is None:
        return None
    try:
        return ProvisioningStatus(status).group
    except ValueError:
        return None


def build_trend(
    service: OnboardingService,
    *,
    days: int = DEFAULT_DAYS,
    customer: str | None = None,
) -> Trend:
    """The counts per group at the end of each of the last ``days`` days (today: now)."""
    now = service.clock.now().astimezone(UTC)
    today = now.date()
    first = today - timedelta(days=days - 1)
    service.refresh()
    current = dict.fromkeys(StatusGroup, 0)
    net: dict[date, dict[StatusGroup, int]] = {}
    with service.db.uow() as uow:
        # By status only: the status index answers it without reading the rows.
        flt = SubscriberFilter(customer=customer)
        for status, n in uow.subscribers.count_by("status", flt=flt):
            group = _group(status)
            if group is not None:
                current[group] += n
        # The first day's own changes are before its end: only the later days' are undone.
        for on, before, after, n in uow.history.daily_moves(
            first + timedelta(1), customer=customer
        ):
            moved = net.setdefault(on, dict.fromkeys(StatusGroup, 0))
            into, out_of = _group(after), _group(before)
            if into is not None:
                moved[into] += n
            if out_of is not None:
                moved[out_of] -= n
    series: dict[StatusGroup, list[int]] = {g: [] for g in StatusGroup}
    counts = dict(current)
    labels: list[date] = []
    for offset in range(days):
        day = today - timedelta(days=offset)
        labels.append(day)
        for g in StatusGroup:
            series[g].append(max(counts[g], 0))
        # The end of the day before is today's end less what happened during this day.
        for g, n in net.get(day, {}).items():
            counts[g] -= n
    return Trend(
        days=tuple(reversed(labels)),
        counts={g: tuple(reversed(v)) for g, v in series.items()},
        customer=customer,
        now=now,
    )
