"""The provider protocol: what an onboarding backend (sandbox or the real Webex APIs) must do.

Reads go to the local snapshot (``storage``), which every provider keeps current through
``refresh``; a provider does the mutations against its backend and writes their effect into the
snapshot, so the service layer reads one place whatever the provider is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from onboarding.model import Customer, OrgUser, Package, Subscriber

if TYPE_CHECKING:
    from storage.uow import UnitOfWork

#: Called by a provider inside the transaction that stores a retry's effect in the snapshot,
#: so that the caller's own bookkeeping (a bulk row's state) commits with it or not at all.
Within = Callable[["UnitOfWork"], None]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an action, worded through the catalog (``key`` with ``params``)."""

    key: str
    ok: bool = True
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What an action did: each step, and the subscriber afterwards (None once deleted)."""

    ok: bool
    steps: tuple[Step, ...]
    subscriber: Subscriber | None = None


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a refresh saw."""

    changed: int = 0
    removed: int = 0
    complete: bool = True
    fresh_as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class TemplateReport:
    """The template check of a customer (domain.md §1): is self-activation set up right?

    ``known`` is False when the provider cannot read templates (the public API exposes none);
    then ``untrusted_emails_ok`` and ``share_link_ok`` are None and the bot says where to look.
    """

    customer: Customer
    known: bool
    untrusted_emails_ok: bool | None = None
    share_link_ok: bool | None = None

    @property
    def ok(self) -> bool | None:
        """True when both settings are right, None when unknown."""
        if not self.known:
            return None
        return bool(self.untrusted_emails_ok and self.share_link_ok)


class Provider(Protocol):
    """An onboarding backend. Each method raises an ``OnboardingError`` for a fault a person
    should read (``ProviderUnavailable``, ``ProviderPermission``, ``Refused``)."""

    name: str

    def refresh(self, *, force: bool = False) -> SyncReport:
        """Bring the snapshot up to date (the sandbox advances its simulation; Webex syncs)."""
        ...

    def refresh_org_users(self, *, force: bool = False) -> SyncReport:
        """Bring the Control Hub users up to date; raises what stops that (e.g. a scope)."""
        ...

    def freshness(self) -> datetime | None:
        """When the snapshot was last known to match the backend (None: never synced)."""
        ...

    def retry_activation(
        self, subscriber: Subscriber, email: str, *, within: Within | None = None
    ) -> ActionOutcome:
        """Onboard the subscriber again with a valid ``email`` (Partner Hub *Retry activation*).

        ``within`` (when given) runs in the transaction that records the retry's effect in the
        snapshot, where the provider has one; a provider that stores nothing does not call it.
        """
        ...

    def delete_subscriber(self, subscriber: Subscriber) -> ActionOutcome:
        """Remove the subscriber (Partner Hub *Delete user*)."""
        ...

    def change_package(self, subscriber: Subscriber, package: Package) -> ActionOutcome:
        """Move the subscriber to another package (Partner Hub *Change package type*)."""
        ...

    def template(self, customer: Customer) -> TemplateReport:
        """What is known of the customer's template's *User Authentication* section."""
        ...

    def resend_invitations(self, users: Sequence[OrgUser]) -> ActionOutcome:
        """Send the activation email again to Not verified Control Hub users."""
        ...
