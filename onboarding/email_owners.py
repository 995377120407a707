"""Who already has an email address, and the refusal that names them.

Webex uses an email address as a person's identity: "each email address can only be for one
user account" (error-codes.md §4.3). A retry that hands a subscriber an address another
subscriber or a Control Hub user already has would leave two users on one email, so the service
refuses it (``OnboardingService.retry_activation``), and the Webex provider refuses it too when
Webex's precheck knows a holder the snapshot does not.

What the refusal names (the visibility rule): exactly what ``status <holder>`` or
``state <holder>`` would show the asker. Every role may read any subscriber's BroadWorks ID,
email, customer and status (viewers run ``status``) and any Control Hub user's email, name and
state (viewers run ``state``), so the refusal names those and nothing more: never the holder's
error text, which only support and admins may read.
"""

from __future__ import annotations

from onboarding.errors import Refused
from onboarding.mapping import org_user_from_row, subscriber_from_row
from onboarding.model import OrgUser, Subscriber
from storage.uow import UnitOfWork

Holder = Subscriber | OrgUser


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
