"""The demo data set: complete, realistic enough, consistent with the lifecycle, deterministic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from onboarding.demo_data import (
    DEMO_CUSTOMERS,
    MISCONFIGURED_CUSTOMER,
    SHARE_LINK_ACTIVATION,
    USER_ID_TAKEN,
    build_demo_data,
)
from onboarding.lifecycle import CLAIM_WINDOW, EntryRule, Facts
from onboarding.model import ControlHubState, Package, ProvisioningStatus

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo():
    return build_demo_data(NOW, random_seed=0)


def test_covers_every_status_and_package(demo):
    assert {s.status for s in demo.subscribers} == set(ProvisioningStatus)
    assert {s.package for s in demo.subscribers} == set(Package)
    assert 60 <= len(demo.subscribers) <= 100


def test_at_least_four_customers_and_exactly_one_misconfigured_template(demo):
    assert len(demo.customers) >= 4
    bad = [
        c.customer
        for c in demo.customers
        if not (c.customer.untrusted_emails and c.customer.share_link == SHARE_LINK_ACTIVATION)
    ]
    assert [c.id for c in bad] == [MISCONFIGURED_CUSTOMER]
    assert {s.customer for s in demo.subscribers} <= {c.id for c in DEMO_CUSTOMERS}


def test_errors_carry_texts_and_only_error_subscribers_have_them(demo):
    errored = [s for s in demo.subscribers if s.status is ProvisioningStatus.ERROR]
    assert all(s.errors and all(e.description for e in s.errors) for s in errored)
    assert all(not s.errors for s in demo.subscribers if s.status is not ProvisioningStatus.ERROR)
    assert any(USER_ID_TAKEN in s.errors for s in errored)
    assert USER_ID_TAKEN.description == (
        "The BroadWorks UserID is already associated with an existing user"
    )
    assert len({e.code for s in errored for e in s.errors}) >= 4


def test_emails_only_missing_while_waiting_for_one(demo):
    for sub in demo.subscribers:
        assert (sub.email is None) == (sub.status is ProvisioningStatus.PENDING_EMAIL_INPUT)
    emails = [s.email for s in demo.subscribers if s.email]
    assert len(emails) == len(set(emails))


def test_ids_unique_and_shaped_like_webex(demo):
    ids = [s.id for s in demo.subscribers]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("Y2lzY29zcGFyazovL3VzL1NVQlNDUklCRVIv") for i in ids)
    assert all("@" in s.user_id for s in demo.subscribers)
    assert len({s.user_id for s in demo.subscribers}) == len(ids)


def test_person_id_only_once_provisioned(demo):
    for sub in demo.subscribers:
        has_person = sub.status in (ProvisioningStatus.PROVISIONED, ProvisioningStatus.UPDATING)
        assert (sub.person_id is not None) == has_person


def test_czech_and_english_names(demo):
    names = " ".join(s.display_name for s in demo.subscribers)
    assert any(c in names for c in "ěščřžýáíéůú")
    assert any(n in names for n in ("Smith", "Jones", "Taylor", "Brown", "Williams", "Evans"))


def test_timestamps_spread_over_weeks_and_never_in_the_future(demo):
    changes = [s.last_status_change for s in demo.subscribers]
    assert max(changes) <= NOW
    assert max(changes) - min(changes) > timedelta(weeks=3)
    assert all(s.created <= s.last_status_change for s in demo.subscribers)


def test_in_flight_users_finish_later(demo):
    in_flight = {s.id for s in demo.subscribers if s.status.in_flight}
    assert {t.subscriber_id for t in demo.transitions} == in_flight
    assert all(t.due_at > NOW for t in demo.transitions)


def test_org_users_in_every_state_entered_by_a_matching_rule(demo):
    assert {u.state for u in demo.org_users} == set(ControlHubState)
    for user in demo.org_users:
        rule = EntryRule(user.how)
        assert rule.target is user.state, user
        assert rule.spec.matches(Facts.of(user)), user
    assert len({u.email for u in demo.org_users}) == len(demo.org_users)


def test_not_verified_users_stuck_for_weeks(demo):
    waiting = [
        NOW - u.state_since for u in demo.org_users if u.state is ControlHubState.NOT_VERIFIED
    ]
    assert sum(w >= timedelta(weeks=2) for w in waiting) >= 3
    assert any(w < timedelta(days=3) for w in waiting)


def test_delayed_claim_deadlines(demo):
    claims = [u for u in demo.org_users if u.state is ControlHubState.DELAYED_CLAIM]
    left = [u.claimed_at + CLAIM_WINDOW - NOW for u in claims if u.claimed_at is not None]
    assert len(left) == len(claims)
    soon = [d for d in left if timedelta(days=1) <= d <= timedelta(days=3)]
    assert len(soon) >= 2
    assert sum(d < timedelta(0) for d in left) == 1


def test_same_seed_same_data_other_seed_other_data():
    assert build_demo_data(NOW, random_seed=7) == build_demo_data(NOW, random_seed=7)
    assert build_demo_data(NOW, random_seed=7) != build_demo_data(NOW, random_seed=8)


def test_timestamps_follow_now():
    later = NOW + timedelta(days=10)
    a, b = build_demo_data(NOW), build_demo_data(later)
    assert [s.id for s in a.subscribers] == [s.id for s in b.subscribers]
    shifts = {
        sb.last_status_change - sa.last_status_change
        for sa, sb in zip(a.subscribers, b.subscribers, strict=True)
    }
    assert shifts == {timedelta(days=10)}
