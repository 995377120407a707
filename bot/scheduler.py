"""The scheduler shell: APScheduler 3 over the plain digest jobs of ``bot.jobs``, one leader.

Every ``onboard-bot serve`` process (or gunicorn worker) starts a ``DigestScheduler``; a heartbeat
thread in each competes for leadership, and only the leader runs APScheduler:

- on PostgreSQL leadership is a session advisory lock held on a dedicated connection: when the
  leader dies its connection closes, the lock is released and another process takes it at its
  next heartbeat;
- on SQLite it is a lease in the ``locks`` table, renewed every heartbeat; a leader that dies
  stops renewing and another takes over once the lease expires.

The leader keeps its jobs in APScheduler's SQLAlchemy job store in the bot's own database, one
cron job per enabled digest (in the digest's time zone), re-read from the ``digests`` table every
heartbeat so digests added or stopped from chat in any process are picked up. Jobs coalesce and
have a misfire grace period: after downtime a missed firing runs once if the grace has not passed,
and not at all if it has. Leadership only saves work: the job itself posts each firing at most
once (``bot.jobs.fire_digest``), so a brief overlap of two leaders cannot double a digest.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import NullPool

from bot.jobs import DEFAULT_GRACE, DigestResult, digest_options, digest_timer, fire_due_digest
from bot.periodic import default_chores, run_due
from onboarding.digest import DigestSpec, cron_trigger
from storage.models import LockRow
from storage.uow import Database

if TYPE_CHECKING:
    from bot.bootstrap import Bot

log = logging.getLogger(__name__)

LOCK_NAME = "scheduler"
#: Any fixed 64-bit number, distinct from the migration lock's.
ADVISORY_LOCK_ID = 7_416_032_812
JOB_FUNC = "bot.scheduler:run_job"
JOB_PREFIX = "digest:"
JOB_TABLE = "apscheduler_jobs"
DEFAULT_HEARTBEAT = 5.0
DEFAULT_LEASE = 30.0

# The schedulers running in this process, by name: APScheduler stores a job's function as a
# textual reference, so the job finds its bot through here rather than through pickled state.
_RUNNING: dict[str, DigestScheduler] = {}
_RUNNING_LOCK = threading.Lock()


def run_job(scheduler: str, digest_id: int) -> DigestResult | None:
    """What an APScheduler job calls: fire the digest through the named scheduler."""
    with _RUNNING_LOCK:
        owner = _RUNNING.get(scheduler)
    if owner is None or not owner.is_leader:
        log.info("digest %s: scheduler %r is not leading here; skipped", digest_id, scheduler)
        return None
    return owner.fire(digest_id)


def holder_id() -> str:
    """Who holds a lock: host, process id and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Leadership(Protocol):
    """One leader across processes."""

    def acquire(self) -> bool:
        """Become or stay the leader; True while this process leads."""
        ...

    def release(self) -> None:
        """Stop leading (another process may take over at once)."""
        ...


class AdvisoryLock:
    """PostgreSQL: a session advisory lock held on a connection of its own."""

    def __init__(self, url: sa.URL, key: int = ADVISORY_LOCK_ID) -> None:
        # NullPool: the connection is ours alone, and closing it really ends the session.
        # Keepalives: if the leader's host vanishes, the server notices and frees the lock.
        self._engine = sa.create_engine(
            url,
            poolclass=NullPool,
            connect_args={
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
        )
        self._key = key
        self._conn: sa.Connection | None = None

    def acquire(self) -> bool:
        """Take the lock if free; while held, check that its session is still alive."""
        try:
            if self._conn is not None:
                self._conn.execute(sa.text("SELECT 1"))
                self._conn.commit()
                return True
            conn = self._engine.connect()
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key})
            held = bool(got.scalar())
            conn.commit()
            if held:
                self._conn = conn
            else:
                conn.close()
            return held
        except sa.exc.DBAPIError:
            log.warning("scheduler lock connection lost", exc_info=True)
            self._drop()
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                log.debug("closing a dead lock connection failed", exc_info=True)
        self._conn = None

    def release(self) -> None:
        """Unlock by ending the lock's session."""
        self._drop()
        self._engine.dispose()


class LeaseLock:
    """A lease in the ``locks`` table (SQLite has no advisory locks), renewed by its holder."""

    def __init__(
        self,
        db: Database,
        *,
        name: str = LOCK_NAME,
        holder: str | None = None,
        ttl: timedelta = timedelta(seconds=DEFAULT_LEASE),
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.name = name
        self.holder = holder or holder_id()
        self.ttl = ttl
        self._now = now

    def acquire(self) -> bool:
        """Renew the lease if ours, take it if free or expired; True when ours afterwards."""
        now = self._now()
        expires = now + self.ttl
        with self.db.engine.begin() as conn:
            renewed = conn.execute(
                sa.update(LockRow)
                .where(
                    LockRow.name == self.name,
                    sa.or_(LockRow.holder == self.holder, LockRow.expires_at < now),
                )
                .values(holder=self.holder, expires_at=expires)
            )
            if renewed.rowcount == 1:
                return True
            insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            taken = conn.execute(
                insert(LockRow)
                .values(name=self.name, holder=self.holder, expires_at=expires)
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(LockRow.name)
            )
            return taken.first() is not None

    def release(self) -> None:
        """Give the lease up, so another process need not wait for it to expire."""
        with self.db.engine.begin() as conn:
            conn.execute(
                sa.delete(LockRow).where(LockRow.name == self.name, LockRow.holder == self.holder)
            )


def default_leadership(db: Database, lease: timedelta) -> Leadership:
    """An advisory lock on PostgreSQL, a lease everywhere else."""
    if db.engine.dialect.name == "postgresql":
        return AdvisoryLock(db.engine.url)
    return LeaseLock(db, ttl=lease)


def background_scheduler(**config: Any) -> BaseScheduler:
    """The production APScheduler: jobs on a background thread."""
    return BackgroundScheduler(**config)


def job_id(digest_id: int) -> str:
    """The APScheduler job id of a digest."""
    return f"{JOB_PREFIX}{digest_id}"


def _signature(spec: DigestSpec) -> str:
    # Kept as the job's name: a changed cron line or zone means the trigger must be replaced.
    return f"{spec.cron}|{spec.timezone}"


class DigestScheduler:
    """APScheduler for digests, run by whichever process holds the leadership."""

    def __init__(
        self,
        bot: Bot,
        *,
        name: str = "onboard-bot",
        grace: timedelta = DEFAULT_GRACE,
        heartbeat: float = DEFAULT_HEARTBEAT,
        lease: timedelta = timedelta(seconds=DEFAULT_LEASE),
        leadership: Leadership | None = None,
        scheduler_factory: Callable[..., BaseScheduler] = background_scheduler,
        tablename: str = JOB_TABLE,
    ) -> None:
        self.bot = bot
        self.name = name
        self.grace = grace
        self.heartbeat = heartbeat
        self.leadership = leadership or default_leadership(bot.db, lease)
        self._factory = scheduler_factory
        self._tablename = tablename
        self._scheduler: BaseScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self.on_leadership: Callable[[bool], None] | None = None  # for logs and tests
        self.chores = default_chores(bot)

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        """True while this process runs the digests."""
        return self._scheduler is not None

    @property
    def scheduler(self) -> BaseScheduler | None:
        """The running APScheduler (only while leading)."""
        return self._scheduler

    def start(self) -> None:
        """Start the heartbeat thread (it becomes the leader when it can)."""
        with _RUNNING_LOCK:
            _RUNNING[self.name] = self
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="digest-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop leading and the heartbeat; another process takes over at its next heartbeat."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self.heartbeat * 2, 5.0))
            self._thread = None
        with self._lock:
            self._step_down()
            try:
                self.leadership.release()
            except Exception:
                log.warning("could not release the scheduler lock", exc_info=True)
        with _RUNNING_LOCK:
            if _RUNNING.get(self.name) is self:
                del _RUNNING[self.name]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler heartbeat failed")
            self._stop.wait(self.heartbeat)

    def tick(self) -> bool:
        """One heartbeat: take or keep the leadership, start or stop APScheduler, sync the jobs."""
        with self._lock:
            with _RUNNING_LOCK:
                _RUNNING.setdefault(self.name, self)
            try:
                leading = self.leadership.acquire()
            except Exception:
                log.exception("scheduler leadership check failed")
                leading = False
            if not leading:
                self._step_down()
                return False
            if self._scheduler is None:
                self._step_up()
            else:
                self.reconcile()
            run_due(self.bot, self.chores)  # history retention, alerts (bot/periodic.py)
            return True

    def _step_up(self) -> None:
        scheduler = self._factory(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.bot.db.engine, tablename=self._tablename)
            },
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": max(int(self.grace.total_seconds()), 1),
                "max_instances": 1,
            },
            timezone=UTC,
        )
        # Paused until the jobs match the digests table: a digest stopped while no one led must
        # not fire from its stale job first.
        scheduler.start(paused=True)
        self._scheduler = scheduler
        try:
            self.reconcile()
        except Exception:
            self._step_down()
            raise
        scheduler.resume()
        log.info("digest scheduler %s: leading (%s)", self.name, _holder(self.leadership))
        if self.on_leadership is not None:
            self.on_leadership(True)

    def _step_down(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        try:
            if scheduler.state != STATE_STOPPED:
                scheduler.shutdown(wait=False)
        except Exception:
            log.warning("APScheduler shutdown failed", exc_info=True)
        log.info("digest scheduler %s: no longer leading", self.name)
        if self.on_leadership is not None:
            self.on_leadership(False)

    # --- jobs --------------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Make the job store hold one job per enabled digest, with its current trigger.

        Jobs whose trigger did not change are left alone, so their stored next run time (and
        with it the misfire handling after downtime) survives restarts and leader changes.
        """
        scheduler = self._scheduler
        if scheduler is None:
            return
        with self.bot.db.uow() as uow:
            specs = [DigestSpec.of(r) for r in uow.digests.enabled()]
        jobs = {job.id: job for job in scheduler.get_jobs() if job.id.startswith(JOB_PREFIX)}
        for spec in specs:
            jid = job_id(spec.id)
            kwargs = {"scheduler": self.name, "digest_id": spec.id}
            job = jobs.pop(jid, None)
            try:
                trigger = cron_trigger(spec.cron, spec.timezone)
            except ValueError:
                log.error("digest %s has an invalid schedule %r; not scheduled", spec.id, spec.cron)
                continue
            if job is None:
                scheduler.add_job(
                    JOB_FUNC,
                    trigger=trigger,
                    id=jid,
                    name=_signature(spec),
                    kwargs=kwargs,
                    replace_existing=True,
                )
            elif job.name != _signature(spec):
                scheduler.modify_job(jid, name=_signature(spec), kwargs=kwargs)
                scheduler.reschedule_job(jid, trigger=trigger)
            elif job.kwargs != kwargs:
                scheduler.modify_job(jid, kwargs=kwargs)
        for stale in jobs:
            scheduler.remove_job(stale)

    def fire(self, digest_id: int) -> DigestResult | None:
        """Run a digest's due firing (what the job calls)."""
        bot = self.bot
        return fire_due_digest(
            bot.db,
            bot.service,
            bot.clock,
            digest_id,
            grace=self.grace,
            locale=bot.settings.locale,
            options=digest_options(bot.settings),
            on_built=digest_timer(bot),
            chart_dir=bot.files_dir,
            access=bot.access,
        )


def _holder(leadership: Leadership) -> str:
    return getattr(leadership, "holder", "advisory lock")
