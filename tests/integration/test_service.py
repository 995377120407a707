"""The service layer over real storage and the sandbox provider, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from onboarding.clock import ManualClock
from onboarding.demo_data import ensure_demo_data
from onboarding.errors import InvalidInput, NotFound, Refused
from onboarding.export import COLUMNS
from onboarding.model import ControlHubState, Package, ProvisioningStatus, StatusGroup
from onboarding.providers.sandbox import SandboxProvider
from onboarding.queries import SubscriberQuery
from onboarding.service import Actor, OnboardingService
from storage.models import AuditEntryRow, SubscriberRow
from storage.uow import Database

ADMIN = Actor(email="admin@partner.example", via="cli")


@pytest.fixture
def service(database: Database, clock: ManualClock) -> OnboardingService:
    ensure_demo_data(database, clock, random_seed=0)
    return OnboardingService(database, SandboxProvider(database, clock, random_seed=0), clock)


def first(service: OnboardingService, status: ProvisioningStatus) -> str:
    page = service.list_subscribers(SubscriberQuery(statuses=frozenset({status})), page_size=1)
    assert page.page.items, f"demo data has no {status} subscriber"
    sub = page.page.items[0]
    return sub.user_id


def test_default_list_excludes_provisioned(service: OnboardingService) -> None:
    result = service.list_subscribers(SubscriberQuery(), page_size=100)
    statuses = {s.status for s in result.page.items}
    assert ProvisioningStatus.PROVISIONED not in statuses
    assert ProvisioningStatus.ERROR in statuses
    assert statuses & set(ProvisioningStatus.in_group(StatusGroup.PENDING))


def test_include_provisioned_lists_everyone(service: OnboardingService) -> None:
    everyone = service.list_subscribers(SubscriberQuery(include_provisioned=True), page_size=100)
    unprovisioned = service.list_subscribers(SubscriberQuery(), page_size=100)
    provisioned = service.list_subscribers(
        SubscriberQuery(groups=frozenset({StatusGroup.PROVISIONED})), page_size=100
    )
    assert everyone.page.total == unprovisioned.page.total + provisioned.page.total
    assert provisioned.page.total > 0


def test_newest_status_change_first_and_paged(service: OnboardingService) -> None:
    q = SubscriberQuery(include_provisioned=True)
    p1 = service.list_subscribers(q, page=1, page_size=5)
    p2 = service.list_subscribers(q, page=2, page_size=5)
    changes = [s.last_status_change for s in [*p1.page.items, *p2.page.items]]
    assert changes == sorted(changes, reverse=True)
    assert not {s.id for s in p1.page.items} & {s.id for s in p2.page.items}
    assert p1.page.has_next and not p1.page.has_previous and p2.page.has_previous


def test_filters_by_customer_package_and_text(service: OnboardingService) -> None:
    everyone = service.list_subscribers(SubscriberQuery(include_provisioned=True), page_size=100)
    sample = everyone.page.items[0]
    by_customer = service.list_subscribers(
        SubscriberQuery(include_provisioned=True, customer=sample.customer), page_size=100
    )
    assert by_customer.page.items and all(
        s.customer == sample.customer for s in by_customer.page.items
    )
    by_package = service.list_subscribers(
        SubscriberQuery(include_provisioned=True, package=sample.package), page_size=100
    )
    assert all(s.package is sample.package for s in by_package.page.items)
    by_text = service.list_subscribers(
        SubscriberQuery(include_provisioned=True, text=sample.user_id.upper()), page_size=100
    )
    assert sample.id in {s.id for s in by_text.page.items}


def test_text_search_treats_wildcards_literally(service: OnboardingService) -> None:
    result = service.list_subscribers(SubscriberQuery(include_provisioned=True, text="%"))
    assert result.page.total == 0


def test_find_by_email_user_id_and_id(service: OnboardingService) -> None:
    everyone = service.list_subscribers(SubscriberQuery(include_provisioned=True), page_size=100)
    sub = next(s for s in everyone.page.items if s.email)
    assert service.find_subscriber(sub.email.upper()).id == sub.id  # type: ignore[union-attr]
    assert service.find_subscriber(sub.user_id).id == sub.id
    assert service.find_subscriber(sub.id).id == sub.id
    with pytest.raises(NotFound):
        service.find_subscriber("nobody@nowhere.example")
    with pytest.raises(InvalidInput):
        service.find_subscriber("   ")


def test_retry_validates_the_email_naming_the_part(service: OnboardingService) -> None:
    user = first(service, ProvisioningStatus.ERROR)
    with pytest.raises(InvalidInput) as info:
        service.retry_activation(user, "jan.novak@", ADMIN)
    assert info.value.key == "email.no_domain"
    with pytest.raises(InvalidInput) as info:
        service.retry_activation(user, "jan novak@acme.example", ADMIN)
    assert info.value.key == "email.bad_local"


def test_retry_refused_for_provisioned_and_in_flight(service: OnboardingService) -> None:
    with pytest.raises(Refused) as info:
        service.retry_activation(first(service, ProvisioningStatus.PROVISIONED), "a@b.cz", ADMIN)
    assert info.value.key == "retry.already_provisioned"
    with pytest.raises(Refused) as info:
        service.retry_activation(first(service, ProvisioningStatus.PROVISIONING), "a@b.cz", ADMIN)
    assert info.value.key == "user.in_flight"


def test_retry_moves_through_pending_over_time(
    service: OnboardingService, clock: ManualClock
) -> None:
    user = first(service, ProvisioningStatus.ERROR)
    outcome = service.retry_activation(user, "New.Address@Acme.example", ADMIN)
    assert outcome.ok
    assert outcome.subscriber is not None
    assert outcome.subscriber.email == "New.Address@acme.example"
    assert outcome.subscriber.status is not ProvisioningStatus.PROVISIONED
    clock.advance(timedelta(hours=1))
    after = service.find_subscriber(user)
    assert after.status in (ProvisioningStatus.PROVISIONED, ProvisioningStatus.ERROR)
    assert after.last_status_change > outcome.subscriber.last_status_change


def test_every_mutation_is_audited(service: OnboardingService, database: Database) -> None:
    user = first(service, ProvisioningStatus.ERROR)
    service.retry_activation(user, "ok@acme.example", ADMIN)
    with pytest.raises(InvalidInput):
        service.change_package(user, "gold", ADMIN)
    with database.uow() as uow:
        entries = list(uow.session.scalars(sa.select(AuditEntryRow).order_by(AuditEntryRow.id)))
    assert [(e.action, e.result, e.actor) for e in entries] == [
        ("service.retry", "ok", ADMIN.email),
        ("service.package", "invalid", ADMIN.email),
    ]
    assert entries[1].detail is not None and "softphone" in entries[1].detail


def test_change_package_rules(service: OnboardingService, clock: ManualClock) -> None:
    user = first(service, ProvisioningStatus.PENDING_EMAIL_INPUT)
    current = service.find_subscriber(user).package
    with pytest.raises(InvalidInput) as info:
        service.change_package(user, "gold", ADMIN)
    assert "softphone, basic, standard, premium" in info.value.message()
    with pytest.raises(Refused) as info:
        service.change_package(user, current.value.upper(), ADMIN)
    assert info.value.key == "package.same"
    target = next(p for p in Package if p is not current)
    assert service.change_package(user, target.value, ADMIN).ok
    assert service.find_subscriber(user).package is target


def test_package_change_of_provisioned_user_goes_through_updating(
    service: OnboardingService, clock: ManualClock
) -> None:
    user = first(service, ProvisioningStatus.PROVISIONED)
    current = service.find_subscriber(user).package
    target = next(p for p in Package if p is not current)
    outcome = service.change_package(user, target.value, ADMIN)
    assert outcome.ok and outcome.subscriber is not None
    assert outcome.subscriber.status is ProvisioningStatus.UPDATING
    with pytest.raises(Refused) as info:  # an update is in flight
        service.change_package(user, current.value, ADMIN)
    assert info.value.key == "user.in_flight"
    clock.advance(timedelta(hours=1))
    after = service.find_subscriber(user)
    assert after.package is target and after.status is ProvisioningStatus.PROVISIONED


def test_delete_removes_the_user(service: OnboardingService) -> None:
    user = first(service, ProvisioningStatus.ERROR)
    outcome = service.delete_subscriber(user, ADMIN)
    assert outcome.ok and outcome.subscriber is None
    with pytest.raises(NotFound):
        service.find_subscriber(user)


def test_error_report_is_verbatim_with_advice(service: OnboardingService) -> None:
    user = first(service, ProvisioningStatus.ERROR)
    report = service.error_report(user)
    assert report.subscriber.errors
    assert report.subscriber.error_text == "\n".join(
        e.description for e in report.subscriber.errors
    )
    # One tip per code, from the error knowledge (test_error_advice.py has the rules).
    codes = dict.fromkeys(e.code for e in report.subscriber.errors)
    assert [a.key for a in report.advice if a.key.startswith("errcode.")] == [
        f"errcode.{c}.tip" for c in codes
    ]


def test_export_streams_the_filtered_list(service: OnboardingService) -> None:
    out = io.StringIO()
    count = service.export_csv(SubscriberQuery(include_provisioned=True), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == count == service.status_summary().total
    errors = [r for r in rows[1:] if r[6] == "error"]
    assert errors and all(r[7] == "error" and r[8] and r[9] for r in errors)


def test_export_neutralises_formulas(service: OnboardingService, database: Database) -> None:
    with database.uow() as uow:
        row = uow.session.scalars(sa.select(SubscriberRow).limit(1)).one()
        row.first_name = '=HYPERLINK("http://x")'
        row.user_id = "+420123456789@bw.example"
        uow.commit()
    out = io.StringIO()
    service.export_csv(SubscriberQuery(include_provisioned=True), out)
    text = out.getvalue()
    assert "'=HYPERLINK" in text
    assert "+420123456789@bw.example" in text and "'+420" not in text


def test_summary_counts_add_up(service: OnboardingService) -> None:
    summary = service.status_summary()
    assert sum(summary.by_status.values()) == summary.total
    assert all(summary.by_status[s] > 0 for s in ProvisioningStatus)
    assert sum(sum(g.values()) for g in summary.by_customer.values()) == summary.total


def test_template_check_finds_the_misconfigured_customer(service: OnboardingService) -> None:
    reports = [service.template_check(c.customer.id) for c in service.customers()]
    assert any(r.ok is False for r in reports)
    assert any(r.ok is True for r in reports)
    with pytest.raises(NotFound) as info:
        service.template_check("no-such-customer")
    assert "Known customers" in info.value.message()


def test_control_hub_counts_and_stuck_users(service: OnboardingService) -> None:
    counts = service.state_counts()
    assert set(counts) == set(ControlHubState)
    assert all(n > 0 for n in counts.values())
    stuck = service.stuck_users(not_verified_days=7, claim_days=3)
    states = {s.user.state for s in stuck}
    assert states == {ControlHubState.NOT_VERIFIED, ControlHubState.DELAYED_CLAIM}
    with pytest.raises(InvalidInput):
        service.stuck_users(not_verified_days=-1)


def test_find_org_user_by_email_and_blank_reference(service: OnboardingService) -> None:
    user = service.org_users([ControlHubState.ACTIVE])[0]
    assert service.find_org_user(f"  {user.email.upper()} ").id == user.id
    with pytest.raises(InvalidInput) as info:
        service.find_org_user("  ")
    assert info.value.key == "user.ref_missing"
    with pytest.raises(NotFound):
        service.find_org_user("nobody@nowhere.example")


def test_resend_only_to_not_verified(service: OnboardingService) -> None:
    active = service.org_users([ControlHubState.ACTIVE])[0]
    with pytest.raises(Refused):
        service.resend_invitations([active.email], ADMIN)
    outcome = service.resend_invitations(None, ADMIN)
    assert outcome.ok
