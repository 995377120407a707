"""The scheduler shell in one process, with APScheduler's clock tied to the test's clock.

APScheduler 3 reads the time with ``datetime.now``; the ``aps_clock`` fixture points that at the
test's ``ManualClock``, and ``ManualScheduler`` runs due jobs only when the test says so, so
downtime, misfires and leader changes play out deterministically.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from apscheduler.executors.debug import DebugExecutor
from apscheduler.schedulers.base import BaseScheduler

from bot.bootstrap import Bot, build_bot
from bot.scheduler import AdvisoryLock, DigestScheduler, LeaseLock, job_id
from bot.settings import Settings
from onboarding.clock import ManualClock
from onboarding.digest import Content, Source, add_digest, stop_digest
from storage.models import DigestRunRow, OutboxRow
from storage.uow import Database

ROOM = "room-scheduler"
# 06:00 UTC = 07:00 in Prague, an hour before a daily 08:00 Prague digest.
START = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
FIRE = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
GRACE = timedelta(hours=1)


class ManualScheduler(BaseScheduler):
    """An APScheduler that processes due jobs only when ``run_due`` is called."""

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)

    def wakeup(self) -> None:
        """Nothing to wake: jobs run only when the test calls ``run_due``."""

    def run_due(self) -> None:
        self._process_jobs()


def manual_scheduler(**config: Any) -> ManualScheduler:
    config["executors"] = {"default": DebugExecutor()}  # jobs run in the caller's thread
    return ManualScheduler(**config)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def aps_clock(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> ManualClock:
    import apscheduler.executors.base
    import apscheduler.schedulers.base

    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            now = clock.now()
            return now.astimezone(tz) if tz is not None else now.replace(tzinfo=None)

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", ClockDatetime)
    monkeypatch.setattr(apscheduler.executors.base, "datetime", ClockDatetime)
    return clock


@pytest.fixture
def bot(database: Database, tmp_path, clock: ManualClock) -> Bot:
    settings = Settings(files_dir=tmp_path / "files")
    return build_bot(settings, db=database, clock=clock, migrate=False)


@pytest.fixture
def jobs_table(database: Database) -> Iterator[str]:
    name = f"aps_jobs_{uuid.uuid4().hex[:8]}"
    yield name
    with database.engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))


def _scheduler(bot: Bot, clock: ManualClock, table: str, holder: str) -> DigestScheduler:
    lease = LeaseLock(bot.db, holder=holder, ttl=timedelta(seconds=30), now=clock.now)
    return DigestScheduler(
        bot,
        name=f"test-{uuid.uuid4().hex[:6]}",
        grace=GRACE,
        leadership=lease,
        scheduler_factory=manual_scheduler,
        tablename=table,
    )


def _digest(bot: Bot, cron: str = "0 8 * * *") -> int:
    return add_digest(
        bot.db,
        space_id=ROOM,
        cron=cron,
        timezone="Europe/Prague",
        content=Content.ERRORS,
        quiet=False,
        source=Source.CHAT,
        created_by="admin@example.com",
        now=START,
    ).id


def _posts(db: Database) -> list[tuple[str, datetime]]:
    with db.uow() as uow:
        every = list(uow.session.scalars(sa.select(OutboxRow.dedupe_key).order_by(OutboxRow.id)))
        runs = list(uow.session.scalars(sa.select(DigestRunRow.fire_time)))
    # Each posted digest is its message and, right after it, its trend chart (issue 14.4).
    keys = [k for k in every if not k.endswith(":chart")]
    assert [k for k in every if k.endswith(":chart")] == [f"{k}:chart" for k in keys]
    assert len(keys) == len(runs)
    return [(k, r) for k, r in zip(keys, sorted(runs), strict=True)]


def _run_due(sched: DigestScheduler) -> None:
    assert isinstance(sched.scheduler, ManualScheduler)
    sched.scheduler.run_due()


def test_the_job_fires_at_0800_prague(bot, aps_clock, jobs_table):
    digest_id = _digest(bot)
    sched = _scheduler(bot, aps_clock, jobs_table, "a")
    assert sched.tick() and sched.is_leader
    job = sched.scheduler.get_job(job_id(digest_id))
    assert job.next_run_time == FIRE
    aps_clock.set(FIRE - timedelta(seconds=1))
    _run_due(sched)
    assert _posts(bot.db) == []
    aps_clock.set(FIRE + timedelta(seconds=2))
    _run_due(sched)
    _run_due(sched)
    assert _posts(bot.db) == [(f"digest:{digest_id}:{FIRE.isoformat()}", FIRE)]
    assert sched.scheduler.get_job(job_id(digest_id)).next_run_time == FIRE + timedelta(days=1)
    sched.stop()


def test_missed_during_downtime_within_grace_is_posted_once(bot, aps_clock, jobs_table):
    digest_id = _digest(bot)
    before = _scheduler(bot, aps_clock, jobs_table, "a")
    before.tick()
    before.stop()  # the bot goes down at 07:00 Prague; the job stays in the job store
    aps_clock.set(FIRE + timedelta(minutes=40))
    after = _scheduler(bot, aps_clock, jobs_table, "b")
    assert after.tick()
    _run_due(after)
    _run_due(after)
    assert _posts(bot.db) == [(f"digest:{digest_id}:{FIRE.isoformat()}", FIRE)]
    after.stop()


def test_missed_beyond_grace_is_skipped_and_the_next_one_posts(bot, aps_clock, jobs_table):
    _digest(bot)
    before = _scheduler(bot, aps_clock, jobs_table, "a")
    before.tick()
    before.stop()
    aps_clock.set(FIRE + timedelta(hours=2, minutes=30))
    after = _scheduler(bot, aps_clock, jobs_table, "b")
    after.tick()
    _run_due(after)
    assert _posts(bot.db) == []
    aps_clock.set(FIRE + timedelta(days=1, seconds=1))
    _run_due(after)
    assert [t for _, t in _posts(bot.db)] == [FIRE + timedelta(days=1)]
    after.stop()


def test_jobs_follow_the_digests_table(bot, aps_clock, jobs_table):
    first = _digest(bot)
    sched = _scheduler(bot, aps_clock, jobs_table, "a")
    sched.tick()
    second = _digest(bot, "30 7 * * 1-5")  # added from chat in any process
    sched.tick()
    assert {j.id for j in sched.scheduler.get_jobs()} == {job_id(first), job_id(second)}
    stop_digest(bot.db, first, space_id=ROOM)
    sched.tick()
    assert [j.id for j in sched.scheduler.get_jobs()] == [job_id(second)]
    sched.stop()


def test_a_restart_keeps_the_stored_next_run_time(bot, aps_clock, jobs_table):
    digest_id = _digest(bot)
    sched = _scheduler(bot, aps_clock, jobs_table, "a")
    sched.tick()
    sched.stop()
    aps_clock.set(FIRE + timedelta(minutes=5))
    again = _scheduler(bot, aps_clock, jobs_table, "b")
    again.tick()
    # Re-adding the job would have moved it to tomorrow and lost the missed firing.
    assert again.scheduler.get_job(job_id(digest_id)).next_run_time == FIRE
    again.stop()


def test_one_leader_and_takeover_when_the_lease_runs_out(bot, aps_clock, jobs_table):
    _digest(bot)
    a = _scheduler(bot, aps_clock, jobs_table, "a")
    b = _scheduler(bot, aps_clock, jobs_table, "b")
    assert a.tick() and not b.tick()
    assert a.is_leader and not b.is_leader
    aps_clock.advance(timedelta(seconds=20))
    assert a.tick() and not b.tick()  # renewed
    # a dies: no more heartbeats. b takes over once the lease has run out.
    aps_clock.advance(timedelta(seconds=29))
    assert not b.tick()
    aps_clock.advance(timedelta(seconds=2))
    assert b.tick() and b.is_leader
    assert not a.tick() and not a.is_leader  # a came back: it follows now
    b.stop()
    assert a.tick()  # a clean stop hands over at once
    a.stop()


def test_advisory_lock_has_one_holder(database: Database):
    if database.is_sqlite:
        pytest.skip("advisory locks are PostgreSQL's")
    key = 424_242
    first = AdvisoryLock(database.engine.url, key)
    second = AdvisoryLock(database.engine.url, key)
    try:
        assert first.acquire() and not second.acquire()
        assert first.acquire()  # still held, session alive
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()
