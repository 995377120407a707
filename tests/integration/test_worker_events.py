"""The event worker on a real database with the emulator: resume, never repeat, give up visibly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.bootstrap import build_bot
from bot.delivery import RetryPolicy
from bot.dispatch import Request, dispatch
from bot.events import correlation_id_of
from bot.metrics import Metrics
from bot.webex import WebexGateway
from bot.worker import EventWorker
from storage.events import WebhookEventRepository
from storage.models import AuditEntryRow, OutboxRow
from tests.e2e.test_webhook_harness import make_settings
from tests.support.emulator import ADMIN_EMAIL, ADMIN_TOKEN


@pytest.fixture
def parts(webex, database, tmp_path):
    settings = make_settings(webex, tmp_path)
    bot = build_bot(settings, db=database, migrate=False)
    worker = EventWorker(
        bot,
        WebexGateway.from_settings(settings),
        metrics=Metrics(),
        retry=RetryPolicy(base_delay=0.01),
    )
    return bot, worker


def record(bot, data_id: str, resource: str = "messages", person_id: str | None = None) -> str:
    key = f"{resource}/created/{data_id}"
    payload = {"resource": resource, "event": "created", "data": {"id": data_id}}
    if person_id:
        payload["data"]["personId"] = person_id
    with bot.db.uow() as uow:
        assert WebhookEventRepository(uow.session).record(
            event_key=key,
            resource=resource,
            event="created",
            payload=payload,
            now=bot.clock.now(),
            correlation_id=correlation_id_of(key),
        )
        uow.commit()
    return key


def event(bot, key: str):
    with bot.db.uow() as uow:
        return WebhookEventRepository(uow.session).by_key(key)


def outbox(bot) -> list[OutboxRow]:
    with bot.db.uow() as uow:
        return list(uow.session.query(OutboxRow).order_by(OutboxRow.id))


def test_a_recorded_event_left_by_a_dead_process_is_handled(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="help")
    key = record(bot, asked.id)
    with bot.db.uow() as uow:  # a worker claims it, then its process dies
        (claimed,) = WebhookEventRepository(uow.session).claim(
            now=bot.clock.now(), lease=timedelta(seconds=-1)
        )
        uow.commit()
    assert claimed.attempts == 1
    assert worker.run_once() == 1
    row = event(bot, key)
    assert (row.status, row.attempts) == ("done", 2)
    (reply,) = outbox(bot)
    assert (reply.room_id, reply.parent_id) == (room["id"], None)
    assert reply.dedupe_key == f"{correlation_id_of(key)}:0"


def test_an_action_already_carried_out_is_not_repeated(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    user = _provisioned(bot)
    asked = webex.sdk(ADMIN_TOKEN).messages.create(
        roomId=room["id"], text=f"package {user} premium"
    )
    key = record(bot, asked.id)
    cid = correlation_id_of(key)
    # The first attempt got as far as the provider action, then the process died.
    first = dispatch(
        bot, Request(person_email=ADMIN_EMAIL, text=f"package {user} premium", correlation_id=cid)
    ).reply
    assert first.ok
    worker.run_once()
    actions = _audit(bot, AuditEntryRow.action.like("service.%"))
    assert [a.action for a in actions] == ["service.package"]
    (reply,) = outbox(bot)
    assert "already carried out (package)" in (reply.markdown or "")
    assert event(bot, key).status == "done"


def test_a_read_only_command_is_simply_answered_again(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    key = record(bot, asked.id)
    dispatch(
        bot, Request(person_email=ADMIN_EMAIL, text="status", correlation_id=correlation_id_of(key))
    )
    worker.run_once()
    (reply,) = outbox(bot)
    assert "already" not in (reply.markdown or "")


def test_the_same_event_handled_twice_enqueues_its_replies_once(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    key = record(bot, asked.id)
    with bot.db.uow() as uow:
        row = WebhookEventRepository(uow.session).by_key(key)
    worker.process(row)
    worker.process(row)  # e.g. a lease that ran out under a slow provider
    assert len(outbox(bot)) == 1


def test_a_message_webex_no_longer_has_fails_the_event_visibly(webex, parts):
    bot, worker = parts
    key = record(bot, "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvZ29uZQ")
    worker.run_once()
    row = event(bot, key)
    assert row.status == "failed" and "404" in (row.error or "")
    assert worker.metrics.value("onboard_events_failed_total") == 1
    assert outbox(bot) == []


def test_webex_unavailable_retries_the_event_later_then_gives_up(webex, parts):
    bot, worker = parts
    worker.retry = RetryPolicy(max_attempts=2, base_delay=30.0)
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    key = record(bot, asked.id)
    webex.emulator.fail_next("GET", r"^/v1/messages/", 503, times=5, headers={})
    worker.run_once()
    row = event(bot, key)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.locked_until is not None and row.locked_until > bot.clock.now()
    assert worker.run_once() == 0  # not before its retry time
    with bot.db.uow() as uow:
        WebhookEventRepository(uow.session).get(row.id).locked_until = bot.clock.now()
        uow.commit()
    worker.run_once()
    row = event(bot, key)
    assert (row.status, row.attempts) == ("failed", 2)
    assert "503" in (row.error or "")


def test_claims_are_exclusive(webex, parts):
    bot, _ = parts
    for n in range(4):
        record(bot, f"m{n}")
    with bot.db.uow() as uow:
        repo = WebhookEventRepository(uow.session)
        first = repo.claim(now=bot.clock.now(), lease=timedelta(seconds=60), limit=3)
        uow.commit()
    with bot.db.uow() as uow:
        repo = WebhookEventRepository(uow.session)
        second = repo.claim(now=bot.clock.now(), lease=timedelta(seconds=60), limit=3)
        uow.commit()
        assert repo.pending_count() == 4
    assert len(first) == 3 and len(second) == 1
    assert not {r.id for r in first} & {r.id for r in second}


def _provisioned(bot) -> str:
    from storage.models import SubscriberRow

    with bot.db.uow() as uow:
        rows = uow.session.query(SubscriberRow).filter(
            SubscriberRow.status == "provisioned",
            SubscriberRow.package != "premium",
            SubscriberRow.email.is_not(None),
        )
        return sorted(rows, key=lambda r: r.id)[0].email


def _audit(bot, *where) -> list[AuditEntryRow]:
    with bot.db.uow() as uow:
        return list(uow.session.query(AuditEntryRow).filter(*where).order_by(AuditEntryRow.id))
