"""The intake journal (SQLite): serve's webhook intake records into a file of its own and the
workers import it before they claim. Nothing lost between the files, nothing imported twice,
order kept, redeliveries answered as the direct intake answers them."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.events import correlation_id_of
from bot.intake_recorder import GroupRecorder, import_waiting
from storage.events import PENDING, EventArrival, Recorded
from storage.journal import JOURNAL, IntakeJournal, path_beside
from storage.models import WebhookEventRow


def arrival(n: int | str, room: str = "room-1") -> EventArrival:
    key = f"messages/created/j-{n}"
    payload = {"resource": "messages", "event": "created", "data": {"id": f"j-{n}"}}
    return EventArrival(key, "messages", "created", payload, correlation_id_of(key), room)


def events(database) -> list[WebhookEventRow]:
    with database.uow() as uow:
        return list(uow.session.scalars(sa.select(WebhookEventRow).order_by(WebhookEventRow.id)))


def journal_seqs(journal: IntakeJournal) -> list[int]:
    with journal.engine.connect() as conn:
        return list(conn.execute(sa.select(JOURNAL.c.seq).order_by(JOURNAL.c.seq)).scalars())


def import_all(database, journal: IntakeJournal) -> int:
    with database.uow() as uow:
        moved = uow.events.import_journal(journal)
        uow.commit()
    return moved


_OPENED: list[IntakeJournal] = []


@pytest.fixture(autouse=True)
def _dispose_journals():
    """Every journal a test opened is disposed, its keeper thread stopped with it."""
    yield
    while _OPENED:
        _OPENED.pop().dispose()


def setup(sqlite_database, clock) -> tuple[GroupRecorder, IntakeJournal]:
    journal = IntakeJournal.beside(sqlite_database.engine)
    assert journal is not None
    _OPENED.append(journal)
    return GroupRecorder(sqlite_database, clock, journal=journal), journal


def test_the_journal_sits_beside_a_sqlite_file_and_nowhere_else(sqlite_database, database):
    path = path_beside(sqlite_database.engine)
    assert path is not None and path.name.endswith(".db.journal")
    if database.engine.dialect.name == "postgresql":
        assert path_beside(database.engine) is None
        assert IntakeJournal.beside(database.engine) is None


def test_a_journaled_event_is_in_the_bot_database_only_once_imported(sqlite_database, clock):
    recorder, journal = setup(sqlite_database, clock)

    assert recorder.record(arrival(1)) is Recorded.NEW

    assert events(sqlite_database) == []  # the intake wrote nothing to the bot's database
    assert import_all(sqlite_database, journal) == 1
    (row,) = events(sqlite_database)
    assert (row.event_key, row.status, row.space_id) == (arrival(1).event_key, PENDING, "room-1")
    assert row.payload == dict(arrival(1).payload)
    assert row.received_at == clock.now()
    assert import_all(sqlite_database, journal) == 0  # the mark moved: nothing twice


def test_the_import_keeps_the_order_the_intake_recorded_in(sqlite_database, clock):
    recorder, journal = setup(sqlite_database, clock)
    order = [5, 3, 9, 1, 7]
    for n in order:
        recorder.record(arrival(n))
    import_all(sqlite_database, journal)
    # Events are claimed oldest id first, so within a space they run in this order.
    assert [row.event_key for row in events(sqlite_database)] == [
        arrival(n).event_key for n in order
    ]


def test_redeliveries_are_pending_while_waiting_and_duplicates_once_handled(sqlite_database, clock):
    recorder, journal = setup(sqlite_database, clock)
    a = arrival(2)
    assert recorder.record(a) is Recorded.NEW
    assert recorder.record(a) is Recorded.PENDING  # still in the journal: not journaled again
    assert len(journal_seqs(journal)) == 1

    import_all(sqlite_database, journal)
    with sqlite_database.uow() as uow:
        row = uow.events.by_key(a.event_key)
        assert row is not None
        # Waiting for a retry an hour away: a redelivery makes it due again.
        uow.events.retry_at(row, at=clock.now() + timedelta(hours=1), error="Webex down")
        uow.commit()
    clock.advance(timedelta(minutes=1))
    assert recorder.record(a) is Recorded.PENDING
    assert import_all(sqlite_database, journal) == 1
    (row,) = events(sqlite_database)
    assert row.locked_until == clock.now()  # due at the redelivery, not in an hour

    with sqlite_database.uow() as uow:
        row = uow.events.by_key(a.event_key)
        assert row is not None
        uow.events.mark_done(row, now=clock.now())
        uow.commit()
    assert recorder.record(a) is Recorded.DUPLICATE
    assert import_all(sqlite_database, journal) == 0
    assert len(events(sqlite_database)) == 1


def test_two_importers_never_both_move_the_same_rows(sqlite_database, clock, monkeypatch):
    """Two worker processes import at once: the compare-and-set lets one of them move the
    rows; the other, having read the same rows, moves nothing."""
    recorder, journal = setup(sqlite_database, clock)
    for n in range(3):
        recorder.record(arrival(n))
    original = IntakeJournal.after
    raced: list[int] = []

    def after(self, seq, limit):  # type: ignore[no-untyped-def]
        rows = original(self, seq, limit)
        if not raced:  # the other importer runs between this one's read and its write
            raced.append(-1)
            raced[0] = import_all(sqlite_database, journal)
        return rows

    monkeypatch.setattr(IntakeJournal, "after", after)
    assert import_all(sqlite_database, journal) == 0
    assert raced == [3]
    assert [row.event_key for row in events(sqlite_database)] == [
        arrival(n).event_key for n in range(3)
    ]


def test_a_failed_import_leaves_its_rows_to_import_again(sqlite_database, clock):
    recorder, journal = setup(sqlite_database, clock)
    recorder.record(arrival(1))
    with sqlite_database.uow() as uow:
        assert uow.events.import_journal(journal) == 1
        uow.rollback()  # e.g. the claim in the same transaction failed
    assert events(sqlite_database) == []
    assert import_all(sqlite_database, journal) == 1
    assert len(events(sqlite_database)) == 1


def test_imports_are_batched_and_trimming_keeps_what_is_not_imported(sqlite_database, clock):
    recorder, journal = setup(sqlite_database, clock)
    for n in range(5):
        recorder.record(arrival(n))
    with sqlite_database.uow() as uow:
        assert uow.events.import_journal(journal, limit=3) == 3
        uow.commit()
        upto = uow.events.imported_upto()
    assert journal.trim(upto) == 3
    assert len(journal_seqs(journal)) == 2
    assert import_all(sqlite_database, journal) == 2
    assert len(events(sqlite_database)) == 5


def test_the_intake_trims_the_journal_as_it_goes(sqlite_database, clock, monkeypatch):
    """Behind the importers, in the keeper's thread: the rows imported go, the others stay."""
    monkeypatch.setattr("storage.journal.KEEP_SECONDS", 0.02)
    recorder, journal = setup(sqlite_database, clock)
    for n in range(3):
        recorder.record(arrival(n))
    import_all(sqlite_database, journal)
    recorder.record(arrival(3))  # after the import: it stays until it is imported too
    deadline = time.monotonic() + 10
    while len(journal_seqs(journal)) > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(journal_seqs(journal)) == 1
    import_all(sqlite_database, journal)
    while journal_seqs(journal) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert journal_seqs(journal) == []
    assert len(events(sqlite_database)) == 4


def test_a_new_journal_after_a_crash_finds_the_rows_left_in_the_file(sqlite_database, clock):
    """kill -9 of serve between the journal's commit and the import: the next start imports."""
    recorder, journal = setup(sqlite_database, clock)
    recorder.record(arrival(1))
    journal.dispose()
    again = IntakeJournal.existing_beside(sqlite_database.engine)
    assert again is not None
    assert import_all(sqlite_database, again) == 1


def test_at_stop_everything_journaled_is_moved_in_batches(sqlite_database, clock, monkeypatch):
    monkeypatch.setattr("storage.events.IMPORT_BATCH", 2)
    recorder, journal = setup(sqlite_database, clock)
    for n in range(5):
        recorder.record(arrival(n))
    assert import_waiting(sqlite_database, journal) == 5
    assert len(events(sqlite_database)) == 5
    assert import_waiting(sqlite_database, journal) == 0


def test_a_journal_of_another_database_is_set_aside_not_imported(sqlite_database, clock, caplog):
    """Deleting the database to start over leaves its journal: the new database must not get
    the old one's events (they were answered already)."""
    recorder, journal = setup(sqlite_database, clock)
    recorder.record(arrival(1))
    import_all(sqlite_database, journal)
    recorder.record(arrival(2))
    journal.dispose()
    with sqlite_database.uow() as uow:  # what a new database looks like: its own token, seq 0
        uow.session.execute(sa.text("DELETE FROM webhook_events"))
        uow.session.execute(sa.text("UPDATE journal_imports SET seq = 0, token = 'new'"))
        uow.commit()

    again = IntakeJournal.existing_beside(sqlite_database.engine)

    assert again is not None and again.owner == "new"
    assert import_all(sqlite_database, again) == 0
    assert events(sqlite_database) == []
    assert [p.name for p in again.path.parent.glob(again.path.name + ".other-*")]
    assert "belongs to another database" in caplog.text
    # The new journal works for the new database.
    GroupRecorder(sqlite_database, clock, journal=again).record(arrival(3))
    assert import_all(sqlite_database, again) == 1


def test_a_journal_deleted_by_hand_does_not_make_new_events_look_imported(sqlite_database, clock):
    """The file is gone (deleted as "just a journal", or lost) but the database imported from
    it: the new file numbers its rows on from there, so they are imported and answered."""
    recorder, journal = setup(sqlite_database, clock)
    for n in range(3):
        recorder.record(arrival(n))
    assert import_all(sqlite_database, journal) == 3
    journal.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{journal.path}{suffix}").unlink(missing_ok=True)

    recorder, journal = setup(sqlite_database, clock)
    assert recorder.record(arrival(3)) is Recorded.NEW
    assert journal_seqs(journal) == [4]
    assert import_all(sqlite_database, journal) == 1
    assert [e.event_key for e in events(sqlite_database)][-1] == arrival(3).event_key


def test_the_journal_is_checkpointed_by_its_keeper_not_inside_a_commit(
    sqlite_database, clock, monkeypatch
):
    """A checkpoint inside a commit cost one webhook in ~240 a copy and an fsync: the journal's
    connections never checkpoint on their own, the keeper copies the WAL into the file after
    records came."""
    monkeypatch.setattr("storage.journal.KEEP_SECONDS", 0.02)
    recorder, journal = setup(sqlite_database, clock)
    with journal.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    before = journal.path.stat().st_size  # the tables are still in the WAL
    for n in range(20):
        recorder.record(arrival(n))
    deadline = time.monotonic() + 10
    while journal.path.stat().st_size <= before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert journal.path.stat().st_size > before
