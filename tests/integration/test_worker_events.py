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
from storage.claims import Claimant
from storage.models import AuditEntryRow, OutboxRow
from storage.repositories import AuditRepository
from tests.support.emulator import ADMIN_EMAIL, ADMIN_TOKEN
from tests.support.served_bot import make_settings

WORKER = Claimant("worker-host:1#w1", stale_after=timedelta(seconds=2))
DEAD = Claimant("dead-host:1#d1", stale_after=timedelta(seconds=2))


@pytest.fixture
def parts(webex, database, tmp_path):
    settings = make_settings(webex, tmp_path)
    bot = build_bot(settings, db=database, migrate=False)
    worker = EventWorker(
        bot,
        WebexGateway.from_settings(settings),
        metrics=Metrics(),
        claimant=WORKER,
        retry=RetryPolicy(base_delay=0.01),
    )
    return bot, worker


def record(
    bot,
    data_id: str,
    resource: str = "messages",
    person_id: str | None = None,
    room_id: str | None = None,
) -> str:
    key = f"{resource}/created/{data_id}"
    payload = {"resource": resource, "event": "created", "data": {"id": data_id}}
    if person_id:
        payload["data"]["personId"] = person_id
    if room_id:
        payload["data"]["roomId"] = room_id
    with bot.db.uow() as uow:
        assert uow.events.record(
            event_key=key,
            resource=resource,
            event="created",
            payload=payload,
            now=bot.clock.now(),
            correlation_id=correlation_id_of(key),
            space_id=room_id,
        )
        uow.commit()
    return key


def event(bot, key: str):
    with bot.db.uow() as uow:
        return uow.events.by_key(key)


def outbox(bot) -> list[OutboxRow]:
    with bot.db.uow() as uow:
        return list(uow.session.query(OutboxRow).order_by(OutboxRow.id))


def test_a_recorded_event_left_by_a_dead_process_is_handled(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="help")
    key = record(bot, asked.id)
    with bot.db.uow() as uow:  # a worker claims it, then its process dies
        (claimed,) = uow.events.claim(by=DEAD, now=bot.clock.now() - timedelta(seconds=3))
        uow.commit()
    assert claimed.attempts == 1
    assert worker.run_once() == 1  # its heartbeat stopped 3 s ago: anyone may take it
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
    # The first attempt claimed the event and got as far as the provider action, then the
    # process died; its claim went stale.
    with bot.db.uow() as uow:
        (claimed,) = uow.events.claim(by=DEAD, now=bot.clock.now() - timedelta(seconds=10))
        uow.commit()
    assert claimed.attempts == 1
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
    with bot.db.uow() as uow:  # a first attempt, died after answering
        uow.events.claim(by=DEAD, now=bot.clock.now() - timedelta(seconds=10))
        uow.commit()
    dispatch(
        bot, Request(person_email=ADMIN_EMAIL, text="status", correlation_id=correlation_id_of(key))
    )
    worker.run_once()
    (reply,) = outbox(bot)
    assert "already" not in (reply.markdown or "")


def test_a_first_attempt_does_not_look_for_earlier_ones(webex, parts, monkeypatch):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    record(bot, asked.id)
    looked: list[str] = []
    real = AuditRepository.service_actions
    monkeypatch.setattr(
        AuditRepository, "service_actions", lambda self, cid: looked.append(cid) or real(self, cid)
    )
    worker.run_once()
    assert looked == [] and len(outbox(bot)) == 1


def test_the_same_event_handled_twice_enqueues_its_replies_once(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    key = record(bot, asked.id)
    with bot.db.uow() as uow:
        row = uow.events.by_key(key)
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
    assert worker.metrics.value("onboard_events_not_found_total") == 1
    assert outbox(bot) == []


def test_webex_unavailable_retries_the_event_by_time_then_tells_the_space(webex, parts):
    bot, worker = parts
    worker.retry = RetryPolicy(horizon=60.0, base_delay=30.0)
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    key = record(bot, asked.id, room_id=room["id"])
    webex.emulator.fail_next("GET", r"^/v1/messages/", 503, times=50, headers={})
    for _ in range(12):  # many more attempts than the old limit of 8: still pending
        worker.run_once()
        _due_now(bot, key)
    row = event(bot, key)
    assert (row.status, row.attempts) == ("pending", 12)
    assert "503" in (row.error or "")
    with bot.db.uow() as uow:  # the whole horizon has passed
        stored = uow.events.get(row.id)
        stored.received_at = bot.clock.now() - timedelta(seconds=61)
        uow.commit()
    worker.run_once()
    row = event(bot, key)
    assert row.status == "failed" and (row.error or "").startswith("expired")
    assert worker.metrics.value("onboard_events_expired_total") == 1
    (notice,) = outbox(bot)
    assert notice.room_id == room["id"]
    assert "could not read the message sent here at" in (notice.markdown or "")


def test_a_rejected_fetch_is_an_access_problem_retried_then_told(webex, parts):
    bot, worker = parts
    room = webex.direct_room()
    asked = webex.sdk(ADMIN_TOKEN).messages.create(roomId=room["id"], text="status")
    key = record(bot, asked.id, room_id=room["id"])
    webex.emulator.fail_next("GET", r"^/v1/messages/", 403, times=3, headers={})
    worker.run_once()
    row = event(bot, key)
    assert row.status == "pending"  # a few minutes of retries first
    assert "may not read it" in worker.problems()[0]
    assert worker.metrics.value("onboard_webex_access_errors_total", {"status": "403"}) == 1
    with bot.db.uow() as uow:
        stored = uow.events.get(row.id)
        stored.received_at = bot.clock.now() - worker.access_window
        uow.commit()
    _due_now(bot, key)
    worker.run_once()
    assert event(bot, key).status == "failed"
    (notice,) = outbox(bot)
    assert "Webex refused me access" in (notice.markdown or "")


def test_a_redelivery_of_a_waiting_event_makes_it_due_now(webex, parts):
    bot, _ = parts
    key = record(bot, "m-waiting")
    with bot.db.uow() as uow:
        row = uow.events.by_key(key)
        uow.events.retry_at(row, at=bot.clock.now() + timedelta(hours=1), error="503")
        uow.commit()
    with bot.db.uow() as uow:
        assert uow.events.make_due(key, now=bot.clock.now())
        uow.commit()
    with bot.db.uow() as uow:
        assert [r.event_key for r in uow.events.claim(by=WORKER, now=bot.clock.now())] == [key]


def _due_now(bot, key: str) -> None:
    with bot.db.uow() as uow:
        uow.events.by_key(key).locked_until = bot.clock.now()
        uow.commit()


def test_claims_are_exclusive(webex, parts):
    bot, _ = parts
    for n in range(4):
        record(bot, f"m{n}")
    with bot.db.uow() as uow:
        first = uow.events.claim(by=WORKER, now=bot.clock.now(), limit=3)
        uow.commit()
    with bot.db.uow() as uow:
        second = uow.events.claim(by=DEAD, now=bot.clock.now(), limit=3)
        uow.commit()
        assert uow.events.pending_count() == 4
    assert len(first) == 3 and len(second) == 1
    assert not {r.id for r in first} & {r.id for r in second}
    assert second[0].payload["data"]["id"] == "m3"


def test_one_space_is_handled_in_order_others_in_parallel(webex, parts):
    bot, _ = parts
    for n in range(3):
        for room in ("room-a", "room-b"):
            record(bot, f"{room}-{n}", room_id=room)
    with bot.db.uow() as uow:
        heads = uow.events.claim(by=WORKER, now=bot.clock.now(), limit=10)
        uow.commit()
    assert [r.payload["data"]["id"] for r in heads] == ["room-a-0", "room-b-0"]
    with bot.db.uow() as uow:  # while room-a-0 is worked on, room-a-1 waits
        assert uow.events.claim(by=DEAD, now=bot.clock.now(), limit=10) == []
        uow.events.mark_done(uow.events.get(heads[0].id), now=bot.clock.now())
        uow.commit()
    with bot.db.uow() as uow:
        nxt = uow.events.claim(by=DEAD, now=bot.clock.now(), limit=10)
    assert [r.payload["data"]["id"] for r in nxt] == ["room-a-1"]


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


def test_the_worker_posts_in_the_spaces_language(webex, parts):
    bot, worker = parts
    czech, english = webex.direct_room(), webex.direct_room()
    sdk = webex.sdk(ADMIN_TOKEN)
    for room, text in ((czech, "language cs"), (czech, "help"), (english, "help")):
        record(bot, sdk.messages.create(roomId=room["id"], text=text).id)
        assert worker.run_once() == 1
    rows = outbox(bot)  # in the order of the questions
    assert "V tomto prostoru teď odpovídám v jazyce: čeština." in (rows[0].markdown or "")
    assert rows[1].room_id == czech["id"] and "**Co pro vás mohu" in (rows[1].markdown or "")
    assert rows[2].room_id == english["id"] and "**What I can do" in (rows[2].markdown or "")
