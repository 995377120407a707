"""Who already has an email address, and the refusal that names them.

Webex uses an email address as a person's identity: "each email address can only be for one
user account" (error-codes.md §4.3). A retry that hands a subscriber an address another
subscriber or a Control Hub user already has would leave two users on one email, so the service
refuses it (``OnboardingService.retry_activation``), and the Webex provider refuses it too when
Webex's precheck knows a holder the snapshot does not.

Two retries giving one new address to two subscribers at once would both pass a check of the
snapshot, which learns of the first only when it is done; so a retry holds the address
(``giving``, storage/email_claims.py) from before its check until the provider has answered,
and a second retry of the same address meanwhile is refused.

What the refusal names (the visibility rule): exactly what ``status <holder>`` or
``state <holder>`` would show the asker. Every role may read any subscriber's BroadWorks ID,
email, customer and status (viewers run ``status``) and any Control Hub user's email, name and
state (viewers run ``state``), so the refusal names those and nothing more: never the holder's
error text, which only support and admins may read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from onboarding.errors import Refused
from onboarding.mapping import org_user_from_row, subscriber_from_row
from onboarding.model import OrgUser, Subscriber
from storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

Holder = Subscriber | OrgUser

#: How long a retry holds an address at most: longer than a re-provision takes with Webex's
#: retries, short enough that the claim of a process that died frees itself soon.
CLAIM_FOR = timedelta(minutes=10)


@contextmanager
def giving(db: Database, email: str, target: Subscriber, *, now: datetime) -> Iterator[None]:
    """Hold ``email`` for ``target`` while the block (the provider's retry) runs.

    Refused before the block when another retry holds the address right now, or when someone
    in the snapshot has it (``snapshot_holder``). The claim is taken and the snapshot read in
    one committed transaction, in that order: a retry that got the address first has either
    its claim or its stored subscriber there to be seen.
    """
    with db.uow() as uow:
        other = uow.email_claims.take(email, target.id, now=now, until=now + CLAIM_FOR)
        holder = snapshot_holder(uow, email, target=target) if other is None else None
        busy = uow.subscribers.get(other) if other is not None else None
        uow.commit()
    if other is not None:
        raise _being_given(email, target, subscriber_from_row(busy) if busy else None, other)
    try:
        if holder is not None:
            raise email_in_use(email, target, holder)
        yield
    finally:
        try:
            with db.uow() as uow:
                uow.email_claims.drop(email, target.id)
                uow.commit()
        except Exception as exc:  # the claim expires on its own (CLAIM_FOR)
            log.warning("could not drop the claim on %s: %s", email, exc)


def snapshot_holder(uow: UnitOfWork, email: str, *, target: Subscriber) -> Holder | None:
    """Another subscriber, else a Control Hub user, who has ``email`` in the snapshot.

    ``target`` itself does not count, nor does the Control Hub user that is ``target``'s own
    Webex person (a provisioned subscriber appears in Control Hub under its ``personId``).
    """
    wanted = email.lower()
    for row in uow.subscribers.find(email):
        if row.id != target.id and (row.email or "").lower() == wanted:
            return subscriber_from_row(row)
    user = uow.org_users.find(email)
    if user is not None and user.email.lower() == wanted and user.id != target.person_id:
        return org_user_from_row(user)
    return None


def _being_given(
    email: str, target: Subscriber, other: Subscriber | None, other_id: str
) -> Refused:
    """The refusal of retrying ``target`` with an address another retry is giving away now."""
    return Refused(
        "retry.email_in_use.claimed",
        email=email,
        target=target.display_name or target.user_id,
        holder=(other.display_name or other.user_id) if other else other_id,
        holder_id=other.user_id if other else other_id,
    )


def email_in_use(email: str, target: Subscriber, holder: Holder) -> Refused:
    """The refusal of retrying ``target`` with ``email``, naming ``holder`` as far as allowed."""
    name = target.display_name or target.user_id
    if isinstance(holder, Subscriber):
        return Refused(
            "retry.email_in_use.subscriber",
            email=email,
            target=name,
            holder=holder.display_name or holder.user_id,
            holder_id=holder.user_id,
            customer=holder.customer,
            status=holder.status.value,
        )
    return Refused(
        "retry.email_in_use.org_user",
        email=email,
        target=name,
        holder=holder.display_name or holder.email,
        state=holder.state.value,
    )
