"""Recording webhooks in groups: the events that arrive together share one transaction.

The intake acknowledges a webhook only once its event is committed (architecture.md "How a message
flows"). Committed one by one, each webhook paid a transaction of its own (a unit of work, a
pooled connection, SQLite's write turn, a COMMIT): about 0.4 ms of CPU against 0.1 ms for the
INSERT itself, and under 8 concurrent clients the intake's threads queued for the write turn one
behind the other. Here the first thread to arrive writes every event waiting at that moment in
one unit of work (group commit); the threads that arrive meanwhile wait for the next group, which
one of them writes as soon as this one has committed. A single webhook is written at once, alone;
nobody waits for a group to fill.

Each event still gets its own answer, and only after the commit that holds it: new (200
``accepted``), still pending (a redelivery, made due now), or a duplicate. When a group's
transaction fails, each of its events is written again alone, so that one event the database
refuses cannot turn its neighbours' acknowledgements into 503s.

With a journal (``serve`` on SQLite, storage/journal.py) a group goes into the journal instead,
the bot's database only read; without one (PostgreSQL, one process, tests) into
``webhook_events``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from onboarding.clock import Clock
from storage.events import EventArrival, Recorded
from storage.journal import IntakeJournal
from storage.uow import Database

log = logging.getLogger(__name__)

#: At most this many events in one transaction (the intake has 8 threads by default).
MAX_GROUP = 64


@dataclass(slots=True)
class _Slot:
    arrival: EventArrival
    outcome: Recorded | None = None
    error: BaseException | None = field(default=None)

    @property
    def settled(self) -> bool:
        return self.outcome is not None or self.error is not None


class GroupRecorder:
    """Records events for the webhook threads, the ones waiting at the same time in one commit."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        journal: IntakeJournal | None = None,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._db = db
        self._clock = clock
        self._journal = journal
        self._max_group = max_group
        self._changed = threading.Condition()
        self._waiting: list[_Slot] = []
        self._writing = False

    def record(self, arrival: EventArrival) -> Recorded:
        """Store the event (with whatever else is waiting); raises what the database raised."""
        slot = _Slot(arrival)
        with self._changed:
            self._waiting.append(slot)
        while True:
            with self._changed:
                while not slot.settled and self._writing:
                    self._changed.wait()
                if slot.settled:
                    return self._answer(slot)
                # Nobody is writing and ours is not written: write what waits, ours among it
                # (or, behind a full group, the group ahead of ours, and then come round again).
                self._writing = True
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
            try:
                self._write_group(group)
            finally:
                for unsettled in (s for s in group if not s.settled):
                    # Only an interruption (KeyboardInterrupt, SystemExit) gets here: its
                    # waiters must not wait for a write that will not come.
                    unsettled.error = RuntimeError("the write of this event was interrupted")
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()

    @staticmethod
    def _answer(slot: _Slot) -> Recorded:
        if slot.error is not None:
            raise slot.error
        assert slot.outcome is not None
        return slot.outcome

    def _write_group(self, group: list[_Slot]) -> None:
        try:
            self._write(group)
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
                return
            for slot in group:  # which one failed? each alone, each with its own answer
                try:
                    self._write([slot])
                except Exception as alone:
                    slot.error = alone

    def _write(self, group: list[_Slot]) -> None:
        if self._journal is not None:
            self._write_journal(self._journal, group)
            return
        now = self._clock.now()
        outcomes: list[Recorded] = []
        with self._db.uow() as uow:
            new = uow.events.record_many([slot.arrival for slot in group], now=now)
            for slot in group:
                key = slot.arrival.event_key
                if key in new:
                    new.discard(key)  # a second arrival of the key in this group is a redelivery
                    outcomes.append(Recorded.NEW)
                elif uow.events.make_due(key, now=now):
                    outcomes.append(Recorded.PENDING)
                else:
                    outcomes.append(Recorded.DUPLICATE)
            uow.commit()
        # Only now, committed: an answer given before the commit could acknowledge a lost event.
        for slot, outcome in zip(group, outcomes, strict=True):
            slot.outcome = outcome

    def _write_journal(self, journal: IntakeJournal, group: list[_Slot]) -> None:
        # Into the journal (storage/journal.py): the bot's database is only read.
        outcomes = journal.record([slot.arrival for slot in group], now=self._clock.now())
        for slot, outcome in zip(group, outcomes, strict=True):
            slot.outcome = outcome
        journal.keep(self._imported_upto)  # trimmed behind the importers, in its own thread

    def _imported_upto(self) -> int:
        with self._db.uow() as uow:
            return uow.events.imported_upto()


def import_waiting(db: Database, journal: IntakeJournal) -> int:
    """Move everything the journal holds into the bot's database now; how many events.

    ``serve`` calls it once its intake has stopped, so that what was acknowledged last is in
    ``webhook_events`` (for ``doctor``, for the next start or another process) even before any
    worker claims it.
    """
    moved = 0
    while True:
        with db.uow() as uow:
            batch = uow.events.import_journal(journal)
            uow.commit()
        if not batch:
            return moved
        moved += batch
