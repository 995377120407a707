"""A digest compares with the previous one whatever summary version that one was stored in."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from onboarding.clock import ManualClock
from onboarding.demo_data import ensure_demo_data
from onboarding.digest import (
    SUMMARY_VERSION,
    Content,
    build_report,
    id_key,
    state_key,
    summary_of,
)
from onboarding.model import StatusGroup
from onboarding.providers.sandbox import SandboxProvider
from onboarding.queries import SubscriberQuery
from onboarding.service import OnboardingService
from storage.uow import Database


def _service(database: Database, clock: ManualClock) -> OnboardingService:
    ensure_demo_data(database, clock, random_seed=0)
    return OnboardingService(database, SandboxProvider(database, clock, random_seed=0), clock)


def test_identity_keys_survive_a_new_subscriber_id(
    sqlite_database: Database, clock: ManualClock
) -> None:
    service = _service(sqlite_database, clock)
    sub = next(iter(service.iter_subscribers(SubscriberQuery(include_provisioned=True))))
    reprovisioned = replace(sub, id="a-brand-new-subscriber-id")
    assert id_key(reprovisioned) == id_key(sub)
    assert id_key(reprovisioned, version=1) != id_key(sub, version=1)


def test_a_version_1_previous_digest_shows_no_old_error_as_new(
    sqlite_database: Database, clock: ManualClock
) -> None:
    service = _service(sqlite_database, clock)
    clock.advance(timedelta(days=1))  # every demo transition has settled
    first = build_report(service, content=Content.ALL, previous=None)
    assert first.new_errors.items
    groups = frozenset({StatusGroup.ERROR, StatusGroup.PENDING})
    v1 = summary_of(first, posted=True) | {
        "v": 1,
        "open": {
            id_key(s, version=1): state_key(s)
            for s in service.iter_subscribers(SubscriberQuery(groups=groups))
        },
    }
    assert SUMMARY_VERSION == 2
    clock.advance(timedelta(hours=1))
    second = build_report(service, content=Content.ALL, previous=v1, previous_at=first.now)
    assert not second.new_errors.items
