"""``why <user>``: what an admin would look up in four places, put together, and the one next move.

The four places: the error code's meaning and retry advice (``error_knowledge.lookup``, the table
in ``error_codes.toml``), the customer's template check, the user's history (how often they
failed, what was tried), and for Control Hub users the state rules of ``lifecycle``. The next
move follows Cisco's documented order (error-codes.md §4.1): the template first; then what the
error code says; a user a retry did not help twice is deleted and registers again. Where the
table does not know a code the move says so (``UNKNOWN``) instead of guessing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from onboarding.error_knowledge import CodeAdvice, NextAction, Retry, lookup
from onboarding.errors import NotFound, OnboardingError
from onboarding.history import Timeline
from onboarding.model import ControlHubState, OrgUser, ProvisioningStatus, Subscriber
from onboarding.providers.base import TemplateReport

if TYPE_CHECKING:
    from onboarding.service import OnboardingService

log = logging.getLogger(__name__)

#: A retry that did not help this often is not tried again: delete and register again.
RETRIES_BEFORE_DELETE = 2


class Move(StrEnum):
    """The one next action ``why`` ends with."""

    NOTHING = "nothing"  # provisioned, Active or Verified: nothing to do
    WAIT = "wait"  # the user or Webex has the next step
    RETRY_NOW = "retry_now"  # Retry activation, the suggested email
    RETRY_LATER = "retry_later"  # Retry activation in a few minutes, same email
    RETRY_OTHER_EMAIL = "retry_other_email"  # Retry activation with an address only they have
    RELEASE_DOMAIN = "release_domain"  # the other org releases the domain, or another domain
    CHANGE_PACKAGE = "change_package"  # a package the template allows
    CHECK_TEMPLATE = "check_template"  # Partner Hub, at the template's exact path
    REMOVE_OTHER_MAPPING = "remove_other_mapping"  # the BroadWorks ID is mapped elsewhere
    DELETE_AND_REREGISTER = "delete_and_reregister"  # retries did not help
    RESEND_INVITATION = "resend_invitation"  # Control Hub: Not verified
    REMIND_USER = "remind_user"  # Control Hub: Delayed claim, before the deadline
    REACTIVATE = "reactivate"  # Control Hub: Inactive, if intended
    UNKNOWN = "unknown"  # the bot does not know: copy the error text into a ticket


@dataclass(frozen=True, slots=True)
class Finding:
    """One error code of the user, with what the table knows of it (None: nothing)."""

    code: int
    description: str
    advice: CodeAdvice | None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Everything ``why`` found, and the next move (with the email a retry should use)."""

    subscriber: Subscriber | None
    org_user: OrgUser | None
    findings: tuple[Finding, ...]
    template: TemplateReport | None
    timeline: Timeline | None
    move: Move
    suggested_email: str | None = None

    @property
    def known(self) -> bool:
        """False when the bot has to say it does not know."""
        return self.move is not Move.UNKNOWN


_BY_ACTION: dict[NextAction, Move] = {
    NextAction.RETRY_OTHER_EMAIL: Move.RETRY_OTHER_EMAIL,
    NextAction.RELEASE_DOMAIN: Move.RELEASE_DOMAIN,
    NextAction.REMOVE_OTHER_MAPPING: Move.REMOVE_OTHER_MAPPING,
    NextAction.WAIT: Move.RETRY_LATER,
    NextAction.NONE: Move.NOTHING,
}


def _code_move(advice: CodeAdvice, template: TemplateReport | None) -> Move:
    """What the first known code says to do."""
    if advice.next_action is NextAction.RETRY_SAME_EMAIL:
        return Move.RETRY_LATER if advice.retry is Retry.RETRY_LATER else Move.RETRY_NOW
    if advice.next_action is NextAction.FIX_TEMPLATE:
        # The settings the bot can read are right: what is left in the template is the package.
        return Move.CHANGE_PACKAGE if template is not None and template.ok else Move.CHECK_TEMPLATE
    return _BY_ACTION.get(advice.next_action, Move.UNKNOWN)


def _subscriber_move(
    sub: Subscriber,
    findings: tuple[Finding, ...],
    template: TemplateReport | None,
    timeline: Timeline | None,
) -> Move:
    if sub.status is ProvisioningStatus.PROVISIONED:
        return Move.NOTHING
    if sub.status is ProvisioningStatus.PENDING_EMAIL_INPUT:
        return Move.RETRY_NOW
    if sub.status is not ProvisioningStatus.ERROR:
        return Move.WAIT
    if template is not None and template.ok is False:
        return Move.CHECK_TEMPLATE
    if not findings:
        return Move.RETRY_NOW
    first = findings[0]
    if first.advice is None:
        return Move.UNKNOWN
    move = _code_move(first.advice, template)
    if move is Move.UNKNOWN:
        return move
    # Cisco's order: when a retry fails again, delete the user, fix, let them register again.
    retried = timeline is not None and len(timeline.retries) >= RETRIES_BEFORE_DELETE
    failed = timeline is not None and timeline.failures >= RETRIES_BEFORE_DELETE
    if move in (Move.RETRY_NOW, Move.RETRY_LATER) and retried and failed:
        return Move.DELETE_AND_REREGISTER
    return move


_BY_STATE: dict[ControlHubState, Move] = {
    ControlHubState.ACTIVE: Move.NOTHING,
    ControlHubState.VERIFIED: Move.NOTHING,
    ControlHubState.NOT_VERIFIED: Move.RESEND_INVITATION,
    ControlHubState.DELAYED_CLAIM: Move.REMIND_USER,
    ControlHubState.INACTIVE: Move.REACTIVATE,
}


def diagnose(
    subscriber: Subscriber | None,
    org_user: OrgUser | None,
    template: TemplateReport | None,
    timeline: Timeline | None,
) -> Diagnosis:
    """Put the four answers together and choose the next move (see the module docstring)."""
    if subscriber is None and org_user is None:
        raise NotFound(ref="?")
    findings: tuple[Finding, ...] = ()
    if subscriber is not None and subscriber.status is ProvisioningStatus.ERROR:
        codes = dict.fromkeys((e.code, e.description) for e in subscriber.errors)
        findings = tuple(Finding(c, d, lookup(c)) for c, d in codes)
    move = Move.NOTHING
    if subscriber is not None:
        move = _subscriber_move(subscriber, findings, template, timeline)
    if org_user is not None and move in (Move.NOTHING, Move.WAIT):
        # A subscriber with nothing to do may still be stuck in Control Hub.
        state_move = _BY_STATE[org_user.state]
        if state_move is not Move.NOTHING or subscriber is None:
            move = state_move
    email = None
    if move in (Move.RETRY_NOW, Move.RETRY_LATER) and subscriber is not None:
        email = subscriber.email
    return Diagnosis(subscriber, org_user, findings, template, timeline, move, email)


def why(service: OnboardingService, ref: str) -> Diagnosis:
    """Diagnose the subscriber or Control Hub user ``ref`` (email, BroadWorks ID or id)."""
    sub: Subscriber | None = None
    try:
        sub = service.find_subscriber(ref)
    except NotFound:
        sub = None
    user: OrgUser | None = None
    try:
        user = service.find_org_user(sub.email if sub is not None and sub.email else ref)
    except NotFound:
        user = None
    except OnboardingError:
        if sub is None:
            raise  # a Control Hub user only: the Control Hub failure is the answer
        log.warning("why %s: Control Hub unreadable, answering from the subscriber", ref)
    if sub is None and user is None:
        raise NotFound(ref=ref)
    template = None
    timeline = None
    if sub is not None:
        try:
            template = service.template_check(sub.customer)
        except NotFound:
            template = None  # a customer the snapshot does not know: nothing to check
        timeline = service.history(sub.user_id)
    return diagnose(sub, user, template, timeline)
