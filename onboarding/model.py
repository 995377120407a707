"""The onboarding domain: BroadWorks subscribers, their statuses and packages, Control Hub users.

Values follow the Webex APIs (webex-facts.md §5, §6): the seven subscriber statuses and the four
packages are the API's own enum strings, so the real provider can pass them through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StatusGroup(StrEnum):
    """The three groups Partner Hub's *User Status* view shows."""

    PROVISIONED = "provisioned"
    PENDING = "pending"
    ERROR = "error"


class ProvisioningStatus(StrEnum):
    """A BroadWorks subscriber's status, exactly as the Subscriber API names it."""

    PENDING_EMAIL_INPUT = "pending_email_input"
    PENDING_EMAIL_VALIDATION = "pending_email_validation"
    PENDING_USER_MIGRATION = "pending_user_migration"
    PROVISIONING = "provisioning"
    PROVISIONED = "provisioned"
    UPDATING = "updating"
    ERROR = "error"

    @property
    def group(self) -> StatusGroup:
        """The Partner Hub group this status is shown under."""
        if self is ProvisioningStatus.PROVISIONED:
            return StatusGroup.PROVISIONED
        if self is ProvisioningStatus.ERROR:
            return StatusGroup.ERROR
        return StatusGroup.PENDING

    @property
    def in_flight(self) -> bool:
        """True while Webex is working on the subscriber (no change should be started)."""
        return self in (ProvisioningStatus.PROVISIONING, ProvisioningStatus.UPDATING)

    @classmethod
    def in_group(cls, group: StatusGroup) -> tuple[ProvisioningStatus, ...]:
        """Every status that belongs to ``group``."""
        return tuple(s for s in cls if s.group is group)


class Package(StrEnum):
    """The four Webex for BroadWorks package types."""

    SOFTPHONE = "softphone"
    BASIC = "basic"
    STANDARD = "standard"
    PREMIUM = "premium"


class ControlHubState(StrEnum):
    """A user's state in Control Hub (domain.md §2)."""

    ACTIVE = "active"
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    INACTIVE = "inactive"
    DELAYED_CLAIM = "delayed_claim"


#: A delayed claim must be decided within this many days (domain.md §2, HELP-CLAIM).
DELAYED_CLAIM_DAYS = 14


@dataclass(frozen=True, slots=True)
class ProvisioningError:
    """One asynchronous provisioning error: the code and Cisco's description, verbatim."""

    code: int
    description: str


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A BroadWorks subscriber as the Subscriber API describes it (webex-facts.md §5)."""

    id: str
    user_id: str
    customer: str
    first_name: str
    last_name: str
    package: Package
    status: ProvisioningStatus
    created: datetime
    last_status_change: datetime
    email: str | None = None
    errors: tuple[ProvisioningError, ...] = ()
    provisioning_id: str | None = None
    person_id: str | None = None
    self_activated: bool = False

    @property
    def status_group(self) -> StatusGroup:
        """The Partner Hub group of the current status."""
        return self.status.group

    @property
    def display_name(self) -> str:
        """First and last name, as Partner Hub shows them."""
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def error_text(self) -> str:
        """Every error description, verbatim, one per line (what *Copy error text* copies)."""
        return "\n".join(e.description for e in self.errors)


@dataclass(frozen=True, slots=True)
class Customer:
    """A partner's customer (the BroadWorks enterprise, ``spEnterpriseId``) and its template."""

    id: str
    name: str
    untrusted_emails: bool | None = None
    share_link: str | None = None  # "activation" when it points at the Activation link


@dataclass(frozen=True, slots=True)
class OrgUser:
    """A user in a Control Hub org, with the facts the state machine explains them by."""

    id: str
    email: str
    display_name: str
    state: ControlHubState
    state_since: datetime
    created: datetime
    how: str = ""  # the entry rule that put the user in this state (lifecycle.EntryRule value)
    domain_verified: bool | None = None
    claimed_at: datetime | None = None
    last_reminder: datetime | None = None
    facts: dict[str, str] = field(default_factory=dict)
