"""Group commit at the intake, on both databases: webhooks that arrive together share a
transaction, and each still gets its own answer only after the commit that holds it."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from bot.events import correlation_id_of
from bot.intake_recorder import GroupRecorder
from storage.events import EventArrival, Recorded, WebhookEventRepository
from storage.models import WebhookEventRow


def arrival(n: int | str, room: str = "room-1") -> EventArrival:
    key = f"messages/created/m-{n}"
    payload = {"resource": "messages", "event": "created", "data": {"id": f"m-{n}"}}
    return EventArrival(key, "messages", "created", payload, correlation_id_of(key), room)


class Groups:
    """Records what each ``record_many`` call was given; the first call can be held back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str]] = []
        self.release_first = threading.Event()
        self.poison: str | None = None
        original = WebhookEventRepository.record_many

        def record_many(repo, arrivals, *, now):  # type: ignore[no-untyped-def]
            keys = [a.event_key for a in arrivals]
            self.calls.append(keys)
            if len(self.calls) == 1:
                assert self.release_first.wait(10)
            if self.poison in keys:
                raise RuntimeError("refused")
            return original(repo, arrivals, now=now)

        monkeypatch.setattr(WebhookEventRepository, "record_many", record_many)


class Answers(dict):
    """Each key's answer; ``by_arrival``: every answer in the order the arrivals were given."""

    by_arrival: list[Recorded | BaseException | None]


def record_concurrently(
    recorder: GroupRecorder, groups: Groups, arrivals: list[EventArrival]
) -> Answers:
    """The first arrival's write is held until every other one waits behind it."""
    answers = Answers()
    answers.by_arrival = [None] * len(arrivals)

    def one(a: EventArrival) -> None:
        i = next(n for n, other in enumerate(arrivals) if other is a)
        try:
            answers[a.event_key] = answers.by_arrival[i] = recorder.record(a)
        except Exception as exc:
            answers[a.event_key] = answers.by_arrival[i] = exc

    first = threading.Thread(target=one, args=(arrivals[0],))
    first.start()
    while not groups.calls:
        time.sleep(0.001)
    rest = [threading.Thread(target=one, args=(a,)) for a in arrivals[1:]]
    for thread in rest:
        thread.start()
    deadline = time.monotonic() + 10
    while len(recorder._waiting) < len(rest) and time.monotonic() < deadline:
        time.sleep(0.001)
    groups.release_first.set()
    for thread in [first, *rest]:
        thread.join(10)
    return answers


def keys_in(database) -> list[str]:
    with database.uow() as uow:
        return list(
            uow.session.scalars(sa.select(WebhookEventRow.event_key).order_by(WebhookEventRow.id))
        )


def test_webhooks_waiting_together_are_written_in_one_transaction(database, clock, monkeypatch):
    groups = Groups(monkeypatch)
    recorder = GroupRecorder(database, clock)
    arrivals = [arrival(n) for n in range(6)]

    answers = record_concurrently(recorder, groups, arrivals)

    assert answers == {a.event_key: Recorded.NEW for a in arrivals}
    # The first alone (nobody waited), then the five that queued behind it, together.
    assert [len(keys) for keys in groups.calls] == [1, 5]
    assert sorted(keys_in(database)) == sorted(a.event_key for a in arrivals)


def test_a_group_keeps_the_order_the_webhooks_arrived_in(database, clock, monkeypatch):
    groups = Groups(monkeypatch)
    recorder = GroupRecorder(database, clock)
    arrivals = [arrival(n) for n in range(5)]
    answers = record_concurrently(recorder, groups, arrivals)
    assert set(answers.values()) == {Recorded.NEW}
    # Events are claimed oldest id first: the ids follow the order the threads queued in.
    assert len(groups.calls) == 2
    assert keys_in(database) == [key for keys in groups.calls for key in keys]


def test_one_key_twice_in_a_group_is_stored_once_and_answered_pending(database, clock, monkeypatch):
    groups = Groups(monkeypatch)
    recorder = GroupRecorder(database, clock)
    first, again = arrival(1), arrival(2)
    twice = EventArrival(**{**_fields(again), "event_key": first.event_key})

    answers = record_concurrently(recorder, groups, [arrival(0), first, twice])

    assert groups.calls[1] == [first.event_key, first.event_key]
    assert keys_in(database).count(first.event_key) == 1
    assert answers.by_arrival == [Recorded.NEW, Recorded.NEW, Recorded.PENDING]


def test_a_redelivery_is_pending_while_waiting_and_a_duplicate_once_handled(database, clock):
    recorder = GroupRecorder(database, clock)
    a = arrival(7)
    assert recorder.record(a) is Recorded.NEW
    assert recorder.record(a) is Recorded.PENDING
    with database.uow() as uow:
        row = uow.events.by_key(a.event_key)
        assert row is not None
        uow.events.mark_done(row, now=clock.now())
        uow.commit()
    assert recorder.record(a) is Recorded.DUPLICATE
    assert keys_in(database) == [a.event_key]


def test_an_event_the_database_refuses_fails_alone_not_its_group(database, clock, monkeypatch):
    groups = Groups(monkeypatch)
    recorder = GroupRecorder(database, clock)
    arrivals = [arrival(n) for n in range(4)]
    groups.poison = arrivals[2].event_key

    answers = record_concurrently(recorder, groups, arrivals)

    assert isinstance(answers.pop(arrivals[2].event_key), RuntimeError)
    assert answers == {a.event_key: Recorded.NEW for a in arrivals if a is not arrivals[2]}
    # The group of three failed as a whole, then each was written alone.
    assert [len(keys) for keys in groups.calls] == [1, 3, 1, 1, 1]
    assert sorted(keys_in(database)) == sorted(
        a.event_key for a in arrivals if a is not arrivals[2]
    )


def test_a_full_group_leaves_the_rest_for_the_next(database, clock, monkeypatch):
    groups = Groups(monkeypatch)
    recorder = GroupRecorder(database, clock, max_group=2)
    arrivals = [arrival(n) for n in range(6)]

    answers = record_concurrently(recorder, groups, arrivals)

    assert answers == {a.event_key: Recorded.NEW for a in arrivals}
    assert len(groups.calls[0]) == 1
    assert max(len(keys) for keys in groups.calls) == 2
    assert sum(len(keys) for keys in groups.calls) == 6
    assert sorted(keys_in(database)) == sorted(a.event_key for a in arrivals)


def test_a_commit_that_fails_answers_with_the_error_and_stores_nothing(
    database, clock, monkeypatch
):
    """The intake turns the error into a 503, so that Webex delivers the webhook again."""
    from storage.uow import UnitOfWork

    def commit(uow):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(UnitOfWork, "commit", commit)
    recorder = GroupRecorder(database, clock)
    with pytest.raises(RuntimeError, match="disk full"):
        recorder.record(arrival(9))
    monkeypatch.undo()
    assert keys_in(database) == []
    assert recorder.record(arrival(9)) is Recorded.NEW  # the recorder is not stuck


def _fields(a: EventArrival) -> dict:
    return {name: getattr(a, name) for name in EventArrival.__slots__}
