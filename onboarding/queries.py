"""How admins narrow a subscriber list, and a page of results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from onboarding.model import Package, ProvisioningStatus, StatusGroup
from storage.repositories import SubscriberFilter

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SubscriberQuery:
    """Filters for a subscriber list.

    Exact ``statuses`` win over ``groups``; with neither, every status is listed except
    ``provisioned``, unless ``include_provisioned`` is set (Partner Hub's *Exclude provisioned
    users* toggle, on by default).
    """

    statuses: frozenset[ProvisioningStatus] = frozenset()
    groups: frozenset[StatusGroup] = frozenset()
    customer: str | None = None
    package: Package | None = None
    text: str | None = None
    include_provisioned: bool = False

    def effective_statuses(self) -> frozenset[ProvisioningStatus] | None:
        """The statuses to list, or None for all of them."""
        if self.statuses:
            return self.statuses
        if self.groups:
            return frozenset(s for s in ProvisioningStatus if s.group in self.groups)
        if self.include_provisioned:
            return None
        return frozenset(s for s in ProvisioningStatus if s is not ProvisioningStatus.PROVISIONED)

    def to_filter(self) -> SubscriberFilter:
        """The storage filter for this query."""
        statuses = self.effective_statuses()
        return SubscriberFilter(
            statuses=None if statuses is None else {s.value for s in statuses},
            customer=self.customer,
            package=None if self.package is None else self.package.value,
            text=self.text or None,
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list.

    ``capped`` means the list was counted only up to ``total`` and has more: counting every
    match of a big partner's list would read every row, so the count stops early and says so.
    """

    items: Sequence[T]
    total: int
    page: int
    page_size: int
    capped: bool = False

    @property
    def pages(self) -> int:
        """How many pages the whole list has (at least one; at least this many when capped)."""
        return max(1, -(-self.total // self.page_size))

    @property
    def total_label(self) -> str:
        """The total as shown: ``10000+`` when capped."""
        return f"{self.total}+" if self.capped else str(self.total)

    @property
    def pages_label(self) -> str:
        """The page count as shown: ``1000+`` when capped."""
        return f"{self.pages}+" if self.capped else str(self.pages)

    @property
    def has_next(self) -> bool:
        """True when a later page exists (past the counted ones, when this page is full)."""
        if self.capped and self.page >= self.pages:
            return len(self.items) == self.page_size
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        """True when an earlier page exists."""
        return self.page > 1
