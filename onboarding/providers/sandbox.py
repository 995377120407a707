"""The sandbox provider: a simulated Webex for BroadWorks kept in the bot's own database.

The snapshot tables *are* the backend. An action changes the subscriber at once (as Partner Hub
shows it: an email entered, a status pending) and schedules the next simulated step in
``sandbox_transitions``; ``refresh`` applies every step that has come due, in order, so a clock
that moved far runs a whole chain (validation, provisioning, outcome) in one call.

What happens is a pure function of (random seed, subscriber id, email), see ``retry_outcome``:

- an email on ``taken.example`` fails with "email already associated" (``EMAIL_TAKEN``);
- an email on ``claimed.example`` fails with "domain claimed elsewhere" (``DOMAIN_CLAIMED``);
- an email on ``consumer.example`` stops in ``pending_user_migration`` (a free Webex account
  exists, the user must consent to the move);
- any other email succeeds, except one in ten (by hash), which fails with ``EMAIL_TAKEN``.

Every stage lasts one to three ``step``s (by hash), so nothing ever succeeds instantly.

A retry of a ``pending_user_migration`` subscriber with the email it already has re-sends the
consent email, as the real provider does (``consentMove``): the status stays until the user
consents one to three steps later, and provisioning then goes through to ``provisioned``.

Resent invitations: each Not verified user who gets one is reminded (``last_reminder``); half of
them (by hash of seed and user id) verify their email three to eight steps later. Their pending
verification is kept in ``sandbox_transitions`` under the key ``orguser:<user id>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from onboarding.clock import Clock
from onboarding.demo_data import (
    DOMAIN_CLAIMED,
    EMAIL_TAKEN,
    SHARE_LINK_ACTIVATION,
    stable_uuid,
    webex_id,
)
from onboarding.errors import InvalidInput, NotFound, Refused
from onboarding.history import note_change
from onboarding.lifecycle import EntryRule
from onboarding.mapping import customer_from_row, errors_to_json, subscriber_from_row
from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    ProvisioningError,
    ProvisioningStatus,
    Subscriber,
)
from onboarding.providers.base import ActionOutcome, Step, SyncReport, TemplateReport, Within
from storage.models import OrgUserRow, SandboxTransitionRow, SubscriberRow
from storage.uow import Database, UnitOfWork

_PS = ProvisioningStatus

#: Prefix of ``sandbox_transitions`` keys that belong to Control Hub users, not subscribers.
ORG_USER_KEY = "orguser:"

TAKEN_DOMAIN = "taken.example"
CLAIMED_DOMAIN = "claimed.example"
CONSUMER_DOMAIN = "consumer.example"

_REFRESH_BATCH = 500


class RetryOutcome(NamedTuple):
    """Where a retry with a given email ends, and the error it ends with (if any)."""

    status: ProvisioningStatus
    error: ProvisioningError | None = None


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def retry_outcome(random_seed: int, subscriber_id: str, email: str) -> RetryOutcome:
    """Where retrying ``subscriber_id`` with ``email`` ends (see the module docstring)."""
    domain = email.rpartition("@")[2].lower()
    if domain == TAKEN_DOMAIN or domain.endswith("." + TAKEN_DOMAIN):
        return RetryOutcome(_PS.ERROR, EMAIL_TAKEN)
    if domain == CLAIMED_DOMAIN or domain.endswith("." + CLAIMED_DOMAIN):
        return RetryOutcome(_PS.ERROR, DOMAIN_CLAIMED)
    if domain == CONSUMER_DOMAIN:
        return RetryOutcome(_PS.PENDING_USER_MIGRATION)
    if _hash(random_seed, subscriber_id, email.lower(), "outcome") % 10 == 0:
        return RetryOutcome(_PS.ERROR, EMAIL_TAKEN)
    return RetryOutcome(_PS.PROVISIONED)


def verifies_after_reminder(random_seed: int, user_id: str) -> bool:
    """True when a Not verified user verifies their email some steps after a resent invitation."""
    return _hash(random_seed, user_id, "verify") % 2 == 0


class SandboxProvider:
    """A simulated onboarding backend in the bot's own database (see the module docstring)."""

    name = "sandbox"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        random_seed: int = 0,
        step: timedelta = timedelta(seconds=20),
    ) -> None:
        if step <= timedelta(0):
            raise ValueError("the sandbox step must be positive")
        self.db = db
        self.clock = clock
        self.random_seed = random_seed
        self.step = step

    # --- reading -------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> SyncReport:
        """Apply every simulated step that has come due (``force`` changes nothing here)."""
        now = self.clock.now()
        changed: set[str] = set()
        with self.db.uow() as uow:
            while True:
                # SKIP LOCKED: two processes refreshing at once never apply one step twice.
                stmt = (
                    sa.select(SandboxTransitionRow)
                    .where(SandboxTransitionRow.due_at <= now)
                    .order_by(SandboxTransitionRow.due_at, SandboxTransitionRow.subscriber_id)
                    .limit(_REFRESH_BATCH)
                    .with_for_update(skip_locked=True)
                )
                due = list(uow.session.scalars(stmt))
                if not due:
                    break
                for transition in due:
                    changed.add(transition.subscriber_id)
                    self._run_chain(uow, transition, now)
                uow.commit()
        return SyncReport(changed=len(changed), removed=0, complete=True, fresh_as_of=now)

    def refresh_org_users(self, *, force: bool = False) -> SyncReport:
        """The simulation moves subscribers and users alike."""
        return self.refresh(force=force)

    def freshness(self) -> datetime | None:
        """Always now: the sandbox is its own backend."""
        return self.clock.now()

    def template(self, customer: Customer) -> TemplateReport:
        """The customer's *User Authentication* settings, as the sandbox keeps them."""
        with self.db.uow() as uow:
            row = uow.customers.get(customer.id)
            current = customer if row is None else customer_from_row(row)
        return TemplateReport(
            customer=current,
            known=True,
            untrusted_emails_ok=bool(current.untrusted_emails),
            share_link_ok=current.share_link == SHARE_LINK_ACTIVATION,
        )

    # --- acting --------------------------------------------------------------------------

    def retry_activation(
        self, subscriber: Subscriber, email: str, *, within: Within | None = None
    ) -> ActionOutcome:
        """Set the email, move to ``pending_email_validation`` and schedule the rest.

        ``within`` runs in the same transaction: the caller's bookkeeping and the move commit
        together (a bulk row is never left ``ready`` after its retry, nor ``done`` before).
        """
        address = email.strip()
        if address.count("@") != 1 or address.startswith("@") or address.endswith("@"):
            raise InvalidInput("sandbox.invalid_email", email=email)
        now = self.clock.now()
        with self.db.uow() as uow:
            row = self._locked_subscriber(uow.session, subscriber)
            if row.status == _PS.PROVISIONED:
                raise Refused("sandbox.refused.provisioned", user=row.user_id)
            if _PS(row.status).in_flight:
                raise Refused("sandbox.refused.in_flight", user=row.user_id)
            if (
                row.status == _PS.PENDING_USER_MIGRATION
                and address.lower() == (row.email or "").lower()
            ):
                return self._resend_consent(uow, row, now, within)
            before = row.status
            row.email = address
            row.status = _PS.PENDING_EMAIL_VALIDATION.value
            row.errors = []
            row.person_id = None
            row.self_activated = False
            row.last_status_change = now
            note_change(uow, row, before)
            uow.transitions.put(
                SandboxTransitionRow(
                    subscriber_id=row.id,
                    due_at=now + self._duration(row.id, address, "validation"),
                    to_status=_PS.PROVISIONING.value,
                    error_code=None,
                    error_text=None,
                )
            )
            if within is not None:
                within(uow)
            uow.commit()
            after = subscriber_from_row(row)
        name = after.display_name or after.user_id
        return ActionOutcome(
            ok=True,
            steps=(
                Step("sandbox.retry.email_set", params={"name": name, "email": address}),
                Step("sandbox.retry.validating", params={"name": name, "email": address}),
            ),
            subscriber=after,
        )

    def _resend_consent(
        self, uow: UnitOfWork, row: SubscriberRow, now: datetime, within: Within | None = None
    ) -> ActionOutcome:
        """The consent email again; the user consents a few steps later (status unchanged)."""
        email = row.email or ""
        if uow.transitions.get(row.id) is None:
            uow.transitions.put(
                SandboxTransitionRow(
                    subscriber_id=row.id,
                    due_at=now + self._duration(row.id, email, "consent"),
                    to_status=_PS.PROVISIONING.value,
                    error_code=None,
                    error_text=None,
                )
            )
        if within is not None:
            within(uow)
        uow.commit()
        params = {"email": email, "user_id": row.user_id}
        return ActionOutcome(
            ok=True,
            steps=(Step("webex.retry.consent_sent", params=params),),
            subscriber=subscriber_from_row(row),
        )

    def change_package(self, subscriber: Subscriber, package: Package) -> ActionOutcome:
        """Change the package; a provisioned user goes through ``updating`` for one step."""
        now = self.clock.now()
        with self.db.uow() as uow:
            row = self._locked_subscriber(uow.session, subscriber)
            if _PS(row.status).in_flight:
                raise Refused("sandbox.refused.in_flight", user=row.user_id)
            if row.package == package.value:
                raise Refused(
                    "sandbox.refused.same_package", user=row.user_id, package=package.value
                )
            old = row.package
            name = f"{row.first_name} {row.last_name}".strip() or row.user_id
            steps = [
                Step(
                    "sandbox.package.changed",
                    params={"name": name, "old": old, "new": package.value},
                )
            ]
            row.package = package.value
            if row.status == _PS.PROVISIONED:
                row.status = _PS.UPDATING.value
                row.last_status_change = now
                note_change(uow, row, _PS.PROVISIONED.value)
                uow.transitions.put(
                    SandboxTransitionRow(
                        subscriber_id=row.id,
                        due_at=now + self.step,
                        to_status=_PS.PROVISIONED.value,
                        error_code=None,
                        error_text=None,
                    )
                )
                steps.append(Step("sandbox.package.updating"))
            else:
                steps.append(Step("sandbox.package.applies_on_activation"))
            uow.commit()
            after = subscriber_from_row(row)
        return ActionOutcome(ok=True, steps=tuple(steps), subscriber=after)

    def delete_subscriber(self, subscriber: Subscriber) -> ActionOutcome:
        """Remove the subscriber and whatever step it was waiting for."""
        with self.db.uow() as uow:
            row = self._locked_subscriber(uow.session, subscriber)
            name = f"{row.first_name} {row.last_name}".strip() or row.user_id
            user_id = row.user_id
            uow.transitions.remove(row.id)
            uow.subscribers.delete(row.id)
            uow.commit()
        return ActionOutcome(
            ok=True,
            steps=(
                Step("sandbox.delete.done", params={"name": name, "user_id": user_id}),
                Step("sandbox.delete.can_onboard_again"),
            ),
            subscriber=None,
        )

    def resend_invitations(self, users: Sequence[OrgUser]) -> ActionOutcome:
        """Remind each Not verified user; some of them verify a few steps later."""
        now = self.clock.now()
        steps: list[Step] = []
        with self.db.uow() as uow:
            for user in users:
                row = uow.session.get(OrgUserRow, user.id, with_for_update=True)
                if row is None or row.state != ControlHubState.NOT_VERIFIED:
                    steps.append(Step("sandbox.invitation.skipped", False, {"email": user.email}))
                    continue
                row.last_reminder = now
                steps.append(Step("sandbox.invitation.sent", params={"email": row.email}))
                key = ORG_USER_KEY + row.id
                if verifies_after_reminder(self.random_seed, row.id) and not uow.transitions.get(
                    key
                ):
                    delay = self.step * (3 + _hash(self.random_seed, row.id, "delay") % 6)
                    uow.transitions.put(
                        SandboxTransitionRow(
                            subscriber_id=key,
                            due_at=now + delay,
                            to_status=ControlHubState.VERIFIED.value,
                            error_code=None,
                            error_text=None,
                        )
                    )
            uow.commit()
        if not steps:
            steps.append(Step("sandbox.invitation.none"))
        return ActionOutcome(ok=all(s.ok for s in steps), steps=tuple(steps))

    # --- the simulation ------------------------------------------------------------------

    def _locked_subscriber(self, session: Session, subscriber: Subscriber) -> SubscriberRow:
        row = session.get(SubscriberRow, subscriber.id, with_for_update=True)
        if row is None:
            raise NotFound(ref=subscriber.email or subscriber.user_id)
        return row

    def _duration(self, subscriber_id: str, email: str, stage: str) -> timedelta:
        return self.step * (1 + _hash(self.random_seed, subscriber_id, email.lower(), stage) % 3)

    def _run_chain(self, uow: UnitOfWork, transition: SandboxTransitionRow, now: datetime) -> None:
        """Apply ``transition`` and every later step of its chain that is also due by ``now``."""
        session = uow.session
        if transition.subscriber_id.startswith(ORG_USER_KEY):
            self._verify_org_user(session, transition)
            session.delete(transition)
            return
        row = session.get(SubscriberRow, transition.subscriber_id)
        while row is not None:
            before = row.status
            nxt = self._apply(row, transition)
            note_change(uow, row, before)  # each step, in the transaction that makes it
            if nxt is None:
                session.delete(transition)
                return
            transition.due_at, transition.to_status = nxt.due_at, nxt.to_status
            transition.error_code, transition.error_text = nxt.error_code, nxt.error_text
            if transition.due_at > now:
                return
        session.delete(transition)  # the subscriber went away; its step goes with it

    def _apply(
        self, row: SubscriberRow, transition: SandboxTransitionRow
    ) -> SandboxTransitionRow | None:
        """Move ``row`` as ``transition`` says; returns the chain's next step, if any."""
        status = _PS(transition.to_status)
        at = transition.due_at
        consented = row.status == _PS.PENDING_USER_MIGRATION
        row.status = status.value
        row.last_status_change = at
        if status is _PS.ERROR:
            error = ProvisioningError(transition.error_code or 0, transition.error_text or "")
            row.errors = errors_to_json((error,))
            row.person_id = None
            return None
        row.errors = []
        if status is _PS.PROVISIONED:
            if row.person_id is None:
                row.person_id = webex_id("PEOPLE", stable_uuid("person", row.id, row.email))
            return None
        if status is not _PS.PROVISIONING:
            return None
        outcome = (
            RetryOutcome(_PS.PROVISIONED)
            if consented
            else retry_outcome(self.random_seed, row.id, row.email or "")
        )
        return SandboxTransitionRow(
            subscriber_id=row.id,
            due_at=at + self._duration(row.id, row.email or "", "provisioning"),
            to_status=outcome.status.value,
            error_code=None if outcome.error is None else outcome.error.code,
            error_text=None if outcome.error is None else outcome.error.description,
        )

    def _verify_org_user(self, session: Session, transition: SandboxTransitionRow) -> None:
        user = session.get(OrgUserRow, transition.subscriber_id[len(ORG_USER_KEY) :])
        if user is None or user.state != ControlHubState.NOT_VERIFIED:
            return
        user.state = ControlHubState.VERIFIED.value
        user.state_since = transition.due_at
        user.how = EntryRule.EMAIL_VERIFIED.value
