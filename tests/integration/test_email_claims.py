"""Two retries giving one new address to two subscribers at once: one goes through, the other
is refused naming the first (the email race), on both databases."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from onboarding.clock import ManualClock
from onboarding.email_owners import CLAIM_FOR
from onboarding.errors import Refused
from onboarding.model import ProvisioningStatus, StatusGroup
from onboarding.service import Actor
from storage.models import SubscriberRow
from storage.uow import Database
from tests.support.commands import demo_service

NEW = "shared.new@acme-cz.example"
ADMIN = Actor("admin@partner.example", via="chat")


def retryable(database: Database, n: int) -> list[SubscriberRow]:
    """``n`` subscribers of the demo data a retry may be made for."""
    statuses = [s.value for s in ProvisioningStatus if s.group is not StatusGroup.PROVISIONED]
    statuses = [s for s in statuses if not ProvisioningStatus(s).in_flight]
    with database.uow() as uow:
        query = sa.select(SubscriberRow).where(SubscriberRow.status.in_(statuses))
        rows = list(uow.session.scalars(query.order_by(SubscriberRow.id).limit(n)))
    assert len(rows) == n
    return rows


def test_a_claim_is_one_subscribers_until_dropped_or_expired(
    database: Database, clock: ManualClock
) -> None:
    now = clock.now()
    until = now + CLAIM_FOR
    with database.uow() as uow:
        assert uow.email_claims.take(NEW.upper(), "sub-a", now=now, until=until) is None
        uow.commit()
    with database.uow() as uow:
        assert uow.email_claims.take(NEW, "sub-b", now=now, until=until) == "sub-a"
        assert uow.email_claims.take(NEW, "sub-a", now=now, until=until) is None  # renewed
        uow.email_claims.drop(NEW, "sub-b")  # not b's: stays
        uow.commit()
    with database.uow() as uow:
        assert uow.email_claims.take(NEW, "sub-b", now=now, until=until) == "sub-a"
        uow.email_claims.drop(NEW, "sub-a")
        assert uow.email_claims.take(NEW, "sub-b", now=now, until=until) is None
        uow.commit()
    later = until + timedelta(seconds=1)  # b's process died holding it: it frees itself
    with database.uow() as uow:
        assert uow.email_claims.take(NEW, "sub-c", now=later, until=later + CLAIM_FOR) is None
        uow.commit()


def test_two_retries_of_one_new_address_at_once_give_it_to_one_subscriber(
    database: Database, clock: ManualClock
) -> None:
    service = demo_service(database, clock)
    first, second = retryable(database, 2)
    inside = threading.Event()
    refused = threading.Event()
    entered: list[str] = []
    retry = service.provider.retry_activation

    def slow_retry(sub, email, **kw):  # the first retry is still at Webex when the second comes
        entered.append(sub.id)
        inside.set()
        refused.wait(20)
        return retry(sub, email, **kw)

    service.provider.retry_activation = slow_retry  # type: ignore[method-assign]
    results: dict[str, object] = {}

    def run(row: SubscriberRow) -> None:
        try:
            results[row.id] = service.retry_activation(row.id, NEW, ADMIN)
        except Refused as exc:
            results[row.id] = exc
            refused.set()

    one = threading.Thread(target=run, args=(first,))
    one.start()
    assert inside.wait(20)
    run(second)
    one.join(20)
    assert entered == [first.id]  # the second never reached the provider
    assert results[first.id].ok  # type: ignore[union-attr]
    refusal = results[second.id]
    assert isinstance(refusal, Refused) and refusal.key == "retry.email_in_use.claimed"
    for locale, words in (("en", "Another retry is giving"), ("cs", "Jiné opakování aktivace")):
        text = refusal.message(locale)
        assert words in text and first.user_id in text and NEW in text
    # Once the first is done, the snapshot holds the address: the usual refusal, no claim left.
    with pytest.raises(Refused) as again:
        service.retry_activation(second.id, NEW, ADMIN)
    assert again.value.key == "retry.email_in_use.subscriber"
    with database.uow() as uow:
        assert uow.email_claims.take(NEW, second.id, now=clock.now(), until=clock.now()) is None
