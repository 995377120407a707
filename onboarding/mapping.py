"""Conversions between storage rows and domain objects, in one place."""

from __future__ import annotations

from typing import Any

from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    ProvisioningError,
    ProvisioningStatus,
    Subscriber,
)
from storage.models import CustomerRow, OrgUserRow, SubscriberRow


def subscriber_from_row(row: SubscriberRow) -> Subscriber:
    """The domain subscriber of a snapshot row."""
    return Subscriber(
        id=row.id,
        user_id=row.user_id,
        customer=row.customer_id,
        first_name=row.first_name,
        last_name=row.last_name,
        package=Package(row.package),
        status=ProvisioningStatus(row.status),
        created=row.created,
        last_status_change=row.last_status_change,
        email=row.email,
        errors=tuple(errors_from_json(row.errors)),
        provisioning_id=row.provisioning_id,
        person_id=row.person_id,
        self_activated=row.self_activated,
    )


def subscriber_to_row(sub: Subscriber) -> SubscriberRow:
    """The snapshot row of a domain subscriber."""
    return SubscriberRow(
        id=sub.id,
        user_id=sub.user_id,
        email=sub.email,
        first_name=sub.first_name,
        last_name=sub.last_name,
        customer_id=sub.customer,
        package=sub.package.value,
        status=sub.status.value,
        errors=errors_to_json(sub.errors),
        created=sub.created,
        last_status_change=sub.last_status_change,
        provisioning_id=sub.provisioning_id,
        person_id=sub.person_id,
        self_activated=sub.self_activated,
    )


def errors_from_json(items: list[dict[str, Any]] | None) -> list[ProvisioningError]:
    """Errors as stored (and as the API sends them: ``errorCode``/``description``)."""
    out: list[ProvisioningError] = []
    for item in items or []:
        code = item.get("code", item.get("errorCode", 0))
        out.append(ProvisioningError(code=int(code or 0), description=str(item["description"])))
    return out


def errors_to_json(errors: tuple[ProvisioningError, ...]) -> list[dict[str, Any]]:
    """Errors as stored."""
    return [{"code": e.code, "description": e.description} for e in errors]


def customer_from_row(row: CustomerRow) -> Customer:
    """The domain customer of a row."""
    return Customer(
        id=row.id,
        name=row.name,
        untrusted_emails=row.untrusted_emails,
        share_link=row.share_link,
    )


def customer_to_row(customer: Customer, template_name: str | None = None) -> CustomerRow:
    """The row of a domain customer."""
    return CustomerRow(
        id=customer.id,
        name=customer.name,
        template_name=template_name,
        untrusted_emails=customer.untrusted_emails,
        share_link=customer.share_link,
    )


def org_user_from_row(row: OrgUserRow) -> OrgUser:
    """The domain Control Hub user of a row."""
    return OrgUser(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        state=ControlHubState(row.state),
        state_since=row.state_since,
        created=row.created,
        how=row.how,
        domain_verified=row.domain_verified,
        claimed_at=row.claimed_at,
        last_reminder=row.last_reminder,
        facts={str(k): str(v) for k, v in (row.facts or {}).items()},
    )


def org_user_to_row(user: OrgUser) -> OrgUserRow:
    """The row of a domain Control Hub user."""
    return OrgUserRow(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        state=user.state.value,
        state_since=user.state_since,
        created=user.created,
        how=user.how,
        domain_verified=user.domain_verified,
        claimed_at=user.claimed_at,
        last_reminder=user.last_reminder,
        facts=dict(user.facts),
    )
