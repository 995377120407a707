"""The sandbox provider on both backends: actions, the simulated clockwork, demo seeding."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from i18n.catalog import CATALOG
from i18n.catalog.sandbox import MESSAGES
from onboarding.demo_data import (
    DOMAIN_CLAIMED,
    EMAIL_TAKEN,
    MISCONFIGURED_CUSTOMER,
    ensure_demo_data,
)
from onboarding.errors import NotFound, Refused
from onboarding.mapping import customer_from_row, org_user_from_row, subscriber_from_row
from onboarding.model import ControlHubState, Package, ProvisioningStatus, Subscriber
from onboarding.providers.base import Provider
from onboarding.providers.sandbox import (
    ORG_USER_KEY,
    SandboxProvider,
    retry_outcome,
    verifies_after_reminder,
)
from storage.models import CustomerRow, SubscriberRow

PS = ProvisioningStatus
STEP = timedelta(seconds=20)


@pytest.fixture(autouse=True)
def _sandbox_messages(monkeypatch):
    """Register the sandbox catalog if i18n/catalog/__init__.py does not (yet)."""
    for key, entry in MESSAGES.items():
        if key not in CATALOG:
            monkeypatch.setitem(CATALOG, key, entry)


@pytest.fixture
def seeded(database, clock):
    assert ensure_demo_data(database, clock, random_seed=0)
    return database


@pytest.fixture
def sandbox(seeded, clock):
    return SandboxProvider(seeded, clock, random_seed=0, step=STEP)


def subscribers(db, status=None):
    stmt = sa.select(SubscriberRow).order_by(SubscriberRow.id)
    if status is not None:
        stmt = stmt.where(SubscriberRow.status == status.value)
    with db.uow() as uow:
        return [subscriber_from_row(r) for r in uow.session.scalars(stmt)]


def current(db, sub: Subscriber) -> Subscriber | None:
    with db.uow() as uow:
        row = uow.subscribers.get(sub.id)
        return None if row is None else subscriber_from_row(row)


def good_email(sub: Subscriber) -> str:
    """An address the sandbox will provision (the hash spares nine in ten)."""
    for n in range(50):
        email = f"new.address{n}@acme-cz.example"
        if retry_outcome(0, sub.id, email).status is PS.PROVISIONED:
            return email
    raise AssertionError("no succeeding email found")


def test_is_a_provider(sandbox):
    provider: Provider = sandbox
    assert provider.name == "sandbox"


def test_step_keys_are_in_the_catalog_in_both_languages():
    for key, entry in MESSAGES.items():
        assert key.startswith("sandbox."), key
        assert entry["en"] and entry["cs"] and entry["en"] != entry["cs"], key


def test_demo_data_is_seeded_once(database, clock):
    assert ensure_demo_data(database, clock) is True
    assert ensure_demo_data(database, clock) is False
    with database.uow() as uow:
        assert uow.subscribers.count() == 80
        assert len(uow.customers.all()) == 5
        states = uow.org_users.count_by_state()
    assert set(states) == {s.value for s in ControlHubState}


def test_demo_data_not_seeded_over_existing_data(database, clock):
    with database.uow() as uow:
        uow.customers.add(CustomerRow(id="real-cust", name="Real customer"))
        uow.commit()
    assert ensure_demo_data(database, clock) is False
    with database.uow() as uow:
        assert uow.subscribers.count() == 0


def test_two_processes_seeding_at_once_do_not_crash(database, clock):
    barrier = threading.Barrier(3)
    results: list[object] = []

    def seed() -> None:
        barrier.wait()
        try:
            results.append(ensure_demo_data(database, clock))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=seed) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(map(repr, results)) == ["False", "False", "True"]
    with database.uow() as uow:
        assert uow.subscribers.count() == 80


def test_retry_moves_through_pending_states_over_time(sandbox, seeded, clock):
    sub = subscribers(seeded, PS.ERROR)[0]
    email = good_email(sub)
    outcome = sandbox.retry_activation(sub, email)
    assert outcome.ok
    assert [s.key for s in outcome.steps] == ["sandbox.retry.email_set", "sandbox.retry.validating"]
    assert outcome.subscriber is not None
    assert outcome.subscriber.status is PS.PENDING_EMAIL_VALIDATION
    assert outcome.subscriber.email == email
    assert outcome.subscriber.errors == ()
    assert outcome.subscriber.last_status_change == clock.now()

    seen = [PS.PENDING_EMAIL_VALIDATION]
    sandbox.refresh()  # nothing is instant
    assert current(seeded, sub).status is PS.PENDING_EMAIL_VALIDATION
    for _ in range(12):
        clock.advance(STEP)
        sandbox.refresh()
        status = current(seeded, sub).status
        if status is not seen[-1]:
            seen.append(status)
    assert seen == [PS.PENDING_EMAIL_VALIDATION, PS.PROVISIONING, PS.PROVISIONED]
    done = current(seeded, sub)
    assert done.person_id is not None
    assert done.errors == ()
    assert done.last_status_change <= clock.now()


def test_failing_email_ends_in_an_error(sandbox, seeded, clock):
    sub = subscribers(seeded, PS.PENDING_EMAIL_INPUT)[0]
    sandbox.retry_activation(sub, "someone@taken.example")
    clock.advance(STEP * 10)
    sandbox.refresh()
    after = current(seeded, sub)
    assert after.status is PS.ERROR
    assert after.errors == (EMAIL_TAKEN,)
    assert after.email == "someone@taken.example"


def test_retry_of_a_user_migration_resends_consent_like_webex(sandbox, seeded, clock):
    sub = next(s for s in subscribers(seeded, PS.PENDING_USER_MIGRATION) if s.email)
    outcome = sandbox.retry_activation(sub, sub.email.upper())
    assert [s.key for s in outcome.steps] == ["webex.retry.consent_sent"]
    assert outcome.subscriber is not None
    assert outcome.subscriber.status is PS.PENDING_USER_MIGRATION  # waits for the user
    assert outcome.subscriber.last_status_change == sub.last_status_change
    sandbox.refresh()
    assert current(seeded, sub).status is PS.PENDING_USER_MIGRATION
    clock.advance(STEP * 10)
    sandbox.refresh()
    assert current(seeded, sub).status is PS.PROVISIONED


def test_a_consumer_email_waits_for_consent_then_provisions(sandbox, seeded, clock):
    sub = subscribers(seeded, PS.ERROR)[0]
    sandbox.retry_activation(sub, "free.user@consumer.example")
    clock.advance(STEP * 10)
    sandbox.refresh()
    waiting = current(seeded, sub)
    assert waiting.status is PS.PENDING_USER_MIGRATION
    sandbox.retry_activation(waiting, "free.user@consumer.example")
    clock.advance(STEP * 10)
    sandbox.refresh()
    assert current(seeded, sub).status is PS.PROVISIONED


def test_outcomes_are_deterministic():
    assert retry_outcome(0, "sub-1", "a@claimed.example").error == DOMAIN_CLAIMED
    assert retry_outcome(0, "sub-1", "a@consumer.example").status is PS.PENDING_USER_MIGRATION
    emails = [f"user{n}@acme-cz.example" for n in range(400)]
    first = [retry_outcome(3, "sub-1", e) for e in emails]
    assert first == [retry_outcome(3, "sub-1", e) for e in emails]
    counts = Counter(o.status for o in first)
    assert counts[PS.PROVISIONED] > 300
    assert counts[PS.ERROR] > 0


def test_refresh_applies_a_whole_chain_at_the_time_each_step_happened(sandbox, seeded, clock):
    sub = subscribers(seeded, PS.ERROR)[1]
    started = clock.now()
    sandbox.retry_activation(sub, "whoever@claimed.example")
    clock.advance(timedelta(hours=1))
    report = sandbox.refresh()
    assert report.changed >= 1
    assert report.fresh_as_of == clock.now()
    after = current(seeded, sub)
    assert after.status is PS.ERROR
    assert after.errors == (DOMAIN_CLAIMED,)
    # validation and provisioning took 1-3 steps each: the error happened long before "now"
    assert started + 2 * STEP <= after.last_status_change <= started + 6 * STEP
    with seeded.uow() as uow:
        assert uow.transitions.get(sub.id) is None


def test_refresh_finishes_demo_users_that_were_in_flight(sandbox, seeded, clock):
    in_flight = subscribers(seeded, PS.PROVISIONING) + subscribers(seeded, PS.UPDATING)
    assert in_flight
    clock.advance(timedelta(hours=4))
    report = sandbox.refresh()
    assert report.changed == len(in_flight)
    assert {current(seeded, s).status for s in in_flight} == {PS.PROVISIONED}
    assert sandbox.refresh().changed == 0


def test_retry_refused_while_in_flight_or_provisioned(sandbox, seeded):
    with pytest.raises(Refused):
        sandbox.retry_activation(subscribers(seeded, PS.PROVISIONING)[0], "a@acme-cz.example")
    with pytest.raises(Refused):
        sandbox.retry_activation(subscribers(seeded, PS.PROVISIONED)[0], "a@acme-cz.example")


def test_change_package_goes_through_updating(sandbox, seeded, clock):
    sub = next(s for s in subscribers(seeded, PS.PROVISIONED) if s.package is not Package.PREMIUM)
    outcome = sandbox.change_package(sub, Package.PREMIUM)
    assert [s.key for s in outcome.steps] == ["sandbox.package.changed", "sandbox.package.updating"]
    assert outcome.subscriber.status is PS.UPDATING
    assert outcome.subscriber.package is Package.PREMIUM
    sandbox.refresh()
    assert current(seeded, sub).status is PS.UPDATING
    clock.advance(STEP)
    sandbox.refresh()
    after = current(seeded, sub)
    assert (after.status, after.package) == (PS.PROVISIONED, Package.PREMIUM)
    assert after.last_status_change == clock.now()


def test_change_package_of_a_pending_user_keeps_its_status(sandbox, seeded):
    sub = next(
        s for s in subscribers(seeded, PS.PENDING_EMAIL_INPUT) if s.package is not Package.BASIC
    )
    outcome = sandbox.change_package(sub, Package.BASIC)
    assert outcome.subscriber.status is PS.PENDING_EMAIL_INPUT
    assert outcome.steps[-1].key == "sandbox.package.applies_on_activation"
    with pytest.raises(Refused):
        sandbox.change_package(outcome.subscriber, Package.BASIC)


def test_delete_removes_the_user_and_its_pending_step(sandbox, seeded):
    sub = subscribers(seeded, PS.ERROR)[2]
    sandbox.retry_activation(sub, "x@acme-cz.example")
    outcome = sandbox.delete_subscriber(sub)
    assert outcome.ok and outcome.subscriber is None
    assert [s.key for s in outcome.steps] == [
        "sandbox.delete.done",
        "sandbox.delete.can_onboard_again",
    ]
    assert current(seeded, sub) is None
    with seeded.uow() as uow:
        assert uow.transitions.get(sub.id) is None
    with pytest.raises(NotFound):
        sandbox.delete_subscriber(sub)


def test_template_check(sandbox, seeded):
    with seeded.uow() as uow:
        customers = [customer_from_row(r) for r in uow.customers.all()]
    reports = {c.id: sandbox.template(c) for c in customers}
    assert all(r.known for r in reports.values())
    assert [cid for cid, r in reports.items() if not r.ok] == [MISCONFIGURED_CUSTOMER]
    bad = reports[MISCONFIGURED_CUSTOMER]
    assert bad.untrusted_emails_ok is True and bad.share_link_ok is False


def test_resent_invitations_remind_and_some_users_verify_later(sandbox, seeded, clock):
    with seeded.uow() as uow:
        rows = uow.org_users.in_states([ControlHubState.NOT_VERIFIED.value])
        users = [org_user_from_row(r) for r in rows]
        active = org_user_from_row(uow.org_users.in_states([ControlHubState.ACTIVE.value])[0])
    outcome = sandbox.resend_invitations([*users, active])
    assert not outcome.ok  # the Active user was skipped
    assert Counter(s.key for s in outcome.steps) == {
        "sandbox.invitation.sent": len(users),
        "sandbox.invitation.skipped": 1,
    }
    will_verify = {u.id for u in users if verifies_after_reminder(0, u.id)}
    assert 0 < len(will_verify) < len(users)
    with seeded.uow() as uow:
        assert all(uow.org_users.get(u.id).last_reminder == clock.now() for u in users)
        assert all(uow.transitions.get(ORG_USER_KEY + uid) for uid in will_verify)
    clock.advance(STEP * 9)
    sandbox.refresh()
    with seeded.uow() as uow:
        after = {u.id: org_user_from_row(uow.org_users.get(u.id)) for u in users}
    verified = {uid for uid, u in after.items() if u.state is ControlHubState.VERIFIED}
    assert verified == will_verify
    assert all(after[uid].how == "email_verified" for uid in verified)


def test_resend_to_nobody(sandbox):
    outcome = sandbox.resend_invitations([])
    assert outcome.ok
    assert [s.key for s in outcome.steps] == ["sandbox.invitation.none"]


def test_freshness_is_now(sandbox, clock):
    assert sandbox.freshness() == clock.now()
    clock.advance(timedelta(minutes=5))
    assert sandbox.freshness() == clock.now()
