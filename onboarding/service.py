"""The use cases, in one place, used by chat, cards, the CLI and digests alike.

Reads come from the snapshot after the provider has refreshed it; mutations go through the
provider; every mutating call leaves an audit entry saying who did what to whom and how it went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from onboarding import lifecycle
from onboarding.clock import Clock
from onboarding.email_owners import giving
from onboarding.emails import normalise_email
from onboarding.error_knowledge import Tip, advice_for
from onboarding.errors import InvalidInput, NotFound, OnboardingError, Refused
from onboarding.export import COLUMNS, SOURCE_COLUMNS, csv_records, write_csv
from onboarding.history import Acting, Timeline, acting, timeline
from onboarding.mapping import customer_from_row, org_user_from_row, subscriber_from_row
from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    ProvisioningStatus,
    StatusGroup,
    Subscriber,
)
from onboarding.providers.base import ActionOutcome, Provider, TemplateReport, Within
from onboarding.queries import Page, SubscriberQuery
from storage.models import AuditEntryRow
from storage.repositories import SubscriberFilter
from storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking, and through which door (chat, card, cli, digest, system)."""

    email: str
    via: str = "cli"
    space_id: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True, slots=True)
class ErrorReport:
    """A subscriber's error text and codes, verbatim, with the tips the error knowledge gives."""

    subscriber: Subscriber
    advice: tuple[Tip, ...]


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    """A customer with how many of its subscribers are in each group."""

    customer: Customer
    counts: dict[StatusGroup, int]


@dataclass(frozen=True, slots=True)
class StatusSummary:
    """Counts per group, per exact status and per customer (for `status` headers and digests)."""

    by_group: dict[StatusGroup, int]
    by_status: dict[ProvisioningStatus, int]
    by_customer: dict[str, dict[StatusGroup, int]]
    fresh_as_of: datetime | None = None

    @property
    def total(self) -> int:
        """Every subscriber counted."""
        return sum(self.by_group.values())


@dataclass(frozen=True, slots=True)
class StuckUser:
    """A Control Hub user who needs an admin, and why."""

    user: OrgUser
    reason: lifecycle.StuckReason


@dataclass(frozen=True, slots=True)
class ListResult:
    """A page of subscribers, the query that produced it and how fresh the data is."""

    page: Page[Subscriber]
    query: SubscriberQuery
    fresh_as_of: datetime | None = None


class OnboardingService:
    """Every use case of the bot, over a database, a provider and a clock."""

    def __init__(self, db: Database, provider: Provider, clock: Clock) -> None:
        self.db = db
        self.provider = provider
        self.clock = clock

    # --- reading --------------------------------------------------------------------------

    def refresh(self, *, force: bool = False) -> datetime | None:
        """Let the provider bring the snapshot up to date; returns how fresh it now is."""
        self.provider.refresh(force=force)
        return self.provider.freshness()

    def list_subscribers(
        self, query: SubscriberQuery, *, page: int = 1, page_size: int = 10, refresh: bool = True
    ) -> ListResult:
        """One page of subscribers matching ``query``, newest status change first."""
        if page < 1:
            raise InvalidInput(detail=f"page {page}")
        page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        fresh = self.refresh() if refresh else self.provider.freshness()
        with self.db.uow() as uow:
            found = uow.subscribers.search(
                query.to_filter(), offset=(page - 1) * page_size, limit=page_size
            )
            items = [subscriber_from_row(r) for r in found.rows]
        return ListResult(Page(items, found.total, page, page_size, found.capped), query, fresh)

    def find_subscriber(self, ref: str, *, refresh: bool = True) -> Subscriber:
        """One subscriber by email, BroadWorks user ID or subscriber id."""
        ref = ref.strip()
        if not ref:
            raise InvalidInput("user.ref_missing")
        if refresh:
            self.refresh()
        with self.db.uow() as uow:
            rows = uow.subscribers.find(ref)
            if not rows:
                raise NotFound(ref=ref)
            if len(rows) > 1:
                ids = ", ".join(r.user_id for r in rows[:5])
                raise InvalidInput("user.ambiguous", ref=ref, count=len(rows), ids=ids)
            return subscriber_from_row(rows[0])

    def history(self, ref: str, *, limit: int = 50) -> Timeline:
        """A subscriber's status changes and what people did to them, newest first."""
        sub = self.find_subscriber(ref)
        with self.db.uow() as uow:
            return timeline(uow, sub, limit=limit)

    def error_report(self, ref: str) -> ErrorReport:
        """The exact error text and codes of a subscriber (what *Copy error text* copies)."""
        sub = self.find_subscriber(ref)
        return ErrorReport(sub, advice_for(sub))

    def status_summary(self, *, customer: str | None = None) -> StatusSummary:
        """Counts per group, status and customer."""
        fresh = self.refresh()
        flt = SubscriberFilter(customer=customer)
        by_status: dict[ProvisioningStatus, int] = dict.fromkeys(ProvisioningStatus, 0)
        by_customer: dict[str, dict[StatusGroup, int]] = {}
        with self.db.uow() as uow:
            for cust, status, n in uow.subscribers.count_by("customer_id", "status", flt=flt):
                st = ProvisioningStatus(status)
                by_status[st] += n
                groups = by_customer.setdefault(cust, dict.fromkeys(StatusGroup, 0))
                groups[st.group] += n
        by_group = dict.fromkeys(StatusGroup, 0)
        for st, n in by_status.items():
            by_group[st.group] += n
        return StatusSummary(by_group, by_status, by_customer, fresh)

    def export_csv(
        self, query: SubscriberQuery, out: TextIO, *, header: Sequence[str] = COLUMNS
    ) -> int:
        """Write the filtered list as CSV to ``out``, streamed; returns the number of rows."""
        self.refresh()
        with self.db.uow() as uow:
            batches = uow.subscribers.stream_columns(query.to_filter(), SOURCE_COLUMNS)
            return write_csv(csv_records(batches), out, header=header)

    def iter_subscribers(self, query: SubscriberQuery) -> Iterator[Subscriber]:
        """Every matching subscriber, streamed in list order."""
        with self.db.uow() as uow:
            for row in uow.subscribers.stream(query.to_filter()):
                yield subscriber_from_row(row)

    def customers(self) -> list[CustomerSummary]:
        """Every customer with its counts per group."""
        summary = self.status_summary()
        with self.db.uow() as uow:
            rows = uow.customers.all()
            out = [
                CustomerSummary(
                    customer_from_row(r),
                    summary.by_customer.get(r.id, dict.fromkeys(StatusGroup, 0)),
                )
                for r in rows
            ]
        return out

    def find_customer(self, ref: str) -> Customer:
        """A customer by id or name."""
        with self.db.uow() as uow:
            row = uow.customers.find(ref.strip())
            if row is None:
                known = ", ".join(r.id for r in uow.customers.all()[:10])
                raise NotFound("customer.not_found", ref=ref, known=known or "-")
            return customer_from_row(row)

    def template_check(self, customer_ref: str) -> TemplateReport:
        """Is the customer's template set up for untrusted-email self-activation?"""
        return self.provider.template(self.find_customer(customer_ref))

    # --- acting ---------------------------------------------------------------------------

    def retry_activation(
        self,
        ref: str,
        email: str,
        actor: Actor,
        *,
        within: Within | None = None,
        refresh: bool = True,
    ) -> ActionOutcome:
        """Onboard a pending or failed subscriber again with a valid email.

        ``within`` runs in the provider's transaction that records the retry, and so does the
        audit entry then: a bulk row's state, the status change and its audit entry commit
        together or not at all. ``refresh=False`` skips the snapshot refresh of the lookup (a
        bulk run refreshes once for the whole file).
        """
        return self._act(
            "retry",
            ref,
            actor,
            lambda sub, inside: self._retry(sub, email, inside),
            text=email,
            refresh=refresh,
            within=within,
        )

    def _retry(self, sub: Subscriber, email: str, within: Within | None = None) -> ActionOutcome:
        address = normalise_email(email)
        if sub.status is ProvisioningStatus.PROVISIONED:
            raise Refused("retry.already_provisioned", user=sub.user_id)
        self.refuse_in_flight(sub)
        # The one check for typed, clicked and bulk retries alike: an email is one person's
        # identity in Webex, so an address someone else has, or another retry is giving away
        # right now, is never handed over. The Webex provider also refuses when its precheck
        # knows a holder the snapshot does not.
        with giving(self.db, address, sub, now=self.clock.now()):
            if within is None:
                return self.provider.retry_activation(sub, address)
            return self.provider.retry_activation(sub, address, within=within)

    def delete_subscriber(self, ref: str, actor: Actor) -> ActionOutcome:
        """Remove a subscriber (they can then onboard again)."""
        return self._act("delete", ref, actor, lambda sub, _: self._delete(sub))

    def refuse_in_flight(self, sub: Subscriber) -> None:
        """The one in-flight rule: nothing is done to a user Webex is provisioning right now."""
        if sub.status.in_flight:
            raise Refused("user.in_flight", user=sub.user_id, status=sub.status.value)

    def _delete(self, sub: Subscriber) -> ActionOutcome:
        self.refuse_in_flight(sub)
        return self.provider.delete_subscriber(sub)

    def change_package(self, ref: str, package: str, actor: Actor) -> ActionOutcome:
        """Move a subscriber to another package."""
        return self._act(
            "package",
            ref,
            actor,
            lambda sub, _: self._change_package(sub, package),
            text=package,
        )

    def _change_package(self, sub: Subscriber, package: str) -> ActionOutcome:
        target = parse_package(package)
        if target is sub.package:
            raise Refused("package.same", user=sub.user_id, package=target.value)
        self.refuse_in_flight(sub)
        return self.provider.change_package(sub, target)

    def _act(
        self,
        action: str,
        ref: str,
        actor: Actor,
        run: Callable[[Subscriber, Within | None], ActionOutcome],
        *,
        text: str | None = None,
        refresh: bool = True,
        within: Within | None = None,
    ) -> ActionOutcome:
        target = ref
        # Only the provider's action is the person's doing: the refresh of the lookup before it
        # applies moves the provider made on its own.
        deed = acting(actor.email, actor.via)
        audited: list[bool] = []

        def inside(uow: UnitOfWork) -> None:
            # In the provider's transaction: the caller's bookkeeping and the "ok" entry.
            if within is not None:
                within(uow)
            self._record(uow, actor, action, target, "ok", None, text, deed)
            audited.append(True)

        try:
            sub = self.find_subscriber(ref, refresh=refresh)
            target = sub.email or sub.user_id
            with deed:
                outcome = run(sub, inside if within is not None else None)
        except OnboardingError as exc:
            self._audit(actor, action, target, _result_of(exc), exc.message(), text, deed)
            raise
        except Exception as exc:
            self._audit(actor, action, target, "error", type(exc).__name__, text, deed)
            raise
        if not audited:  # the provider stored nothing of it (or no ``within`` was asked for)
            self._audit(actor, action, target, "ok" if outcome.ok else "failed", None, text, deed)
        return outcome

    def _audit(
        self,
        actor: Actor,
        action: str,
        target: str | None,
        result: str,
        detail: str | None,
        text: str | None,
        deed: Acting | None = None,
    ) -> None:
        with self.db.uow() as uow:
            self._record(uow, actor, action, target, result, detail, text, deed)
            uow.commit()

    def _record(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        target: str | None,
        result: str,
        detail: str | None,
        text: str | None,
        deed: Acting | None = None,
    ) -> None:
        """Write the ``service.<action>`` entry in ``uow`` (committed by the caller)."""
        entry = AuditEntryRow(
            at=self.clock.now(),
            actor=actor.email,
            via=actor.via,
            space_id=actor.space_id,
            action=f"service.{action}",
            text=text,
            target=target,
            result=result,
            detail=detail,
            correlation_id=actor.correlation_id,
        )
        uow.audit.record(entry)
        if deed is not None:  # the status changes this action made point at its entry
            uow.session.flush()
            uow.history.link_audit(deed.ref, entry.id)

    # --- Control Hub ----------------------------------------------------------------------

    def find_org_user(self, ref: str, *, refresh: bool = True) -> OrgUser:
        """A Control Hub user by email or id."""
        ref = ref.strip()
        if not ref:
            raise InvalidInput("user.ref_missing")
        if refresh:
            self.provider.refresh_org_users()
        with self.db.uow() as uow:
            row = uow.org_users.find(ref)
            if row is None:
                raise NotFound(ref=ref)
            return org_user_from_row(row)

    def state_counts(self) -> dict[ControlHubState, int]:
        """How many users are in each Control Hub state (every state listed)."""
        self.provider.refresh_org_users()
        with self.db.uow() as uow:
            counts = uow.org_users.count_by_state()
        return {s: counts.get(s.value, 0) for s in ControlHubState}

    def org_users(
        self, states: Sequence[ControlHubState] | None = None, *, refresh: bool = True
    ) -> list[OrgUser]:
        """Users in the given states, longest in their state first."""
        if refresh:
            self.provider.refresh_org_users()
        with self.db.uow() as uow:
            rows = uow.org_users.in_states(None if states is None else [s.value for s in states])
            return [org_user_from_row(r) for r in rows]

    def stuck_users(
        self, *, not_verified_days: int = 7, claim_days: int = 2, refresh: bool = True
    ) -> list[StuckUser]:
        """Users who need an admin: Not verified too long, Delayed claims about to run out.

        With ``refresh`` (the ``stuck`` command) a failed Control Hub sync is raised; without
        it the snapshot is read as it is (a digest that must not fail on Control Hub).
        """
        if not_verified_days < 0 or claim_days < 0:
            raise InvalidInput(detail="days must be zero or more")
        now = self.clock.now()
        users = self.org_users(
            [ControlHubState.NOT_VERIFIED, ControlHubState.DELAYED_CLAIM], refresh=refresh
        )
        stuck = []
        for user in users:
            reason = lifecycle.is_stuck(
                user, now, not_verified_days=not_verified_days, claim_warning_days=claim_days
            )
            if reason is not None:
                stuck.append(StuckUser(user, reason))
        return stuck

    def resend_invitations(self, refs: Sequence[str] | None, actor: Actor) -> ActionOutcome:
        """Send the activation email again to Not verified users (all of them when no refs)."""
        if refs:
            users = [self.find_org_user(r) for r in refs]
        else:
            users = self.org_users([ControlHubState.NOT_VERIFIED])
        wrong = [u.email for u in users if u.state is not ControlHubState.NOT_VERIFIED]
        if wrong:
            raise Refused("resend.not_unverified", users=", ".join(wrong))
        target = ", ".join(u.email for u in users[:5]) + (" …" if len(users) > 5 else "")
        try:
            outcome = self.provider.resend_invitations(users)
        except OnboardingError as exc:
            self._audit(actor, "resend", target, _result_of(exc), exc.message(), None)
            raise
        self._audit(actor, "resend", target, "ok" if outcome.ok else "failed", None, None)
        return outcome


def parse_package(text: str) -> Package:
    """A package by name (case-insensitive), or ``InvalidInput`` listing the valid ones."""
    try:
        return Package(text.strip().lower())
    except ValueError:
        valid = ", ".join(p.value for p in Package)
        raise InvalidInput("package.unknown", package=text, valid=valid) from None


def _result_of(exc: OnboardingError) -> str:
    if isinstance(exc, InvalidInput):
        return "invalid"
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, Refused):
        return "refused"
    return "error"
