"""The background half of ``serve``: a pool of event workers, a pool of senders, a heartbeat.

The web app records an event and calls ``wake_worker()``, which wakes the worker pool's feeder:
one thread that claims, in one statement, as many due events as there are idle workers and queues
them; the workers block on that queue, so idle ones cost nothing and only one thread per pool ever
asks the database for work. Workers enqueue replies and wake the sender pool's feeder the same
way. Each feeder also polls on its own (``idle`` seconds), which picks up work recorded by other
processes sharing the database and work whose claim went stale. Taking over after another process
died is bounded by ``stale_after`` (5 s) after its last heartbeat (every ``stale_after / 4``) plus
one poll (1 s): 4-6 s after the kill, then the backlog drains.

Per-space order with parallel spaces: a worker (or sender) may only claim the oldest waiting
event (reply) of a space (storage/claims.py), so a pool of 16 serves 16 spaces at once while each
space is handled and answered strictly in order.

Claims carry this process's identity and a heartbeat refreshed every ``heartbeat`` seconds. At
start the process releases the claims an earlier run under the same instance name left (it was
killed), so its work resumes at once; claims of another process whose heartbeat stopped for
``stale_after`` are taken by anyone. ``stop()`` lets in-flight work finish, then releases what it
still holds.

Other background services (the digest scheduler) plug in with ``add_service``: anything with
``start()`` and ``stop()``; they start after the worker threads and stop before them.
"""

from __future__ import annotations

import logging
import os
import queue
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from bot.bootstrap import Bot
from bot.bulk_jobs import BulkRunner
from bot.delivery import OutboxSender, RetryPolicy
from bot.health import PROBE_SECONDS, WebexProbe, store_figures
from bot.metrics import Metrics
from bot.replies import render
from bot.webex import WebexError, WebexGateway
from bot.worker import EVENT_RETRY, EventWorker, Renderer
from storage import claims
from storage.journal import IntakeJournal
from storage.models import BulkJobRow, OutboxRow, WebhookEventRow

log = logging.getLogger(__name__)

_CLAIMED = (WebhookEventRow, OutboxRow, BulkJobRow)


class Service(Protocol):
    """A background part of the process (the scheduler)."""

    def start(self) -> None:
        """Begin working."""

    def stop(self) -> None:
        """Stop working; return promptly."""


class Background(Protocol):
    """What the intake needs of the background half, in this process (``Runtime``) or in a
    child process (``bot.worker_process.WorkerProcess``)."""

    metrics: Metrics
    gateway: WebexGateway

    @property
    def services(self) -> list[Any]:
        """Services whose ``problems()`` readiness asks."""

    def problems(self) -> list[str]:
        """What the background work found wrong (for ``/readyz``)."""

    def wake_worker(self) -> None:
        """A new event was recorded."""

    def render_metrics(self) -> bytes:
        """Every metric, in the text exposition format."""


def process_identity(instance: str | None = None) -> str:
    """``<instance>#<token>``: the instance a restart keeps, and a token unique to this run."""
    name = instance or f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}#{secrets.token_hex(4)}"


class _Handed:
    """A row handed to a pool by another part of the process (not claimed by its feeder)."""

    __slots__ = ("row",)

    def __init__(self, row: Any) -> None:
        self.row = row


class _Pool:
    """A feeder thread that claims work for ``size`` handler threads, which wait on a queue.

    Only the feeder queries the database for work: when it is woken (a new event, a settled
    one, a new reply) or its poll interval (``pause()``) passes, it claims in one statement as
    many rows as there are free handlers, and queues them. Idle handlers block on the queue and
    cost nothing; a burst is claimed in batches, not by every thread racing for every row (with
    SQLite, each failed race was a write transaction the webhook intake had to wait behind).
    A handler that finishes wakes the feeder, since the next row of its space may now be due.
    """

    def __init__(
        self,
        name: str,
        size: int,
        claim: Callable[[int], list[Any]],
        handle: Callable[[Any], None],
        pause: Callable[[], float],
        stopping: threading.Event,
        handed: Callable[[Any], None] | None = None,
    ) -> None:
        self.name = name
        self.size = size
        self._claim = claim
        self._handle = handle
        self._pause = pause
        self._stopping = stopping
        self._wake = threading.Event()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._handed = handed
        self._lock = threading.Lock()
        self._busy = 0  # claimed and not yet handled (queued or being handled)
        self._feeder = threading.Thread(target=self._feed, name=f"{name}-feeder", daemon=True)
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(size)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        self._feeder.start()

    def wake(self) -> None:
        """There may be work: the feeder claims it (a no-op while it is claiming anyway)."""
        self._wake.set()

    def hand(self, row: Any) -> None:
        """A row claimed elsewhere (a worker's new reply), for the next free handler."""
        with self._lock:
            self._busy += 1
        self._queue.put(row)

    def join(self, timeout: float) -> None:
        """Stop claiming; rows already claimed are handled; then the handlers exit."""
        self._wake.set()
        if self._feeder.is_alive():
            self._feeder.join(timeout)
        for _ in self._threads:
            self._queue.put(None)  # after every claimed row: those are handled first
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout)

    @property
    def busy(self) -> int:
        """How many claimed rows are queued or being handled."""
        with self._lock:
            return self._busy

    def _feed(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before claiming: a wake during the claim is not lost
            with self._lock:
                free = self.size - self._busy
            claimed = 0
            if free > 0:
                try:
                    rows = self._claim(free)
                except Exception:  # the feeder must outlive a database hiccup
                    log.exception("%s: claiming failed", self.name)
                    self._stopping.wait(1.0)
                    continue
                claimed = len(rows)
                with self._lock:
                    self._busy += claimed
                for row in rows:
                    self._queue.put(row)
            if claimed and claimed == free:
                continue  # a full batch: there may be more, once a handler is free
            if self._stopping.is_set():
                return
            try:
                # Fewer rows than free handlers: the rest are not due, or wait behind a row of
                # their space being handled (whose handler wakes us when it is settled).
                pause = self._pause()
            except Exception:
                log.exception("%s: unexpected error", self.name)
                pause = 1.0
            self._wake.wait(pause)

    def _work(self) -> None:
        while True:
            row = self._queue.get()
            if row is None:
                return
            try:
                if isinstance(row, _Handed):
                    assert self._handed is not None
                    self._handed(row.row)
                else:
                    self._handle(row)
            except Exception:  # a handler must outlive any one bad row
                log.exception("%s: unexpected error", self.name)
            finally:
                with self._lock:
                    self._busy -= 1
                self._wake.set()


class Runtime:
    """Starts and stops the background threads of one ``serve`` process."""

    def __init__(
        self,
        bot: Bot,
        gateway: WebexGateway,
        *,
        metrics: Metrics | None = None,
        renderer: Renderer = render,
        workers: int | None = None,
        senders: int | None = None,
        idle: float = 1.0,
        retry: RetryPolicy | None = None,
        event_retry: RetryPolicy | None = None,
        identity: str | None = None,
        stale_after: timedelta | None = None,
        heartbeat: float | None = None,
        probe_interval: float | None = None,
    ) -> None:
        engine = bot.settings.engine
        self.bot = bot
        self.gateway = gateway
        self.metrics = metrics or Metrics()
        self.idle = idle
        stale = stale_after or timedelta(seconds=engine.claim_stale_seconds)
        self.claimant = claims.Claimant(identity or process_identity(engine.instance), stale)
        self.heartbeat = heartbeat or max(0.2, stale.total_seconds() / 4)
        horizon = engine.retry_hours * 3600
        if retry is None:
            retry = RetryPolicy(horizon=horizon, max_delay=engine.max_backoff_seconds)
        if event_retry is None:
            event_retry = RetryPolicy(
                horizon=horizon,
                base_delay=EVENT_RETRY.base_delay,
                max_delay=engine.max_backoff_seconds,
            )
        self._stopping = threading.Event()
        self.sender = OutboxSender(
            bot.db,
            gateway,
            clock=bot.clock,
            metrics=self.metrics,
            claimant=self.claimant,
            policy=retry,
            locale=bot.settings.locale,
        )
        self.worker = EventWorker(
            bot,
            gateway,
            metrics=self.metrics,
            claimant=self.claimant,
            renderer=renderer,
            on_enqueued=self.wake_sender,
            retry=event_retry,
            # serve's intake on SQLite journals events (storage/journal.py); any process that
            # works them off imports what waits there, a killed serve's leftovers included.
            journal=IntakeJournal.existing_beside(bot.db.engine),
        )
        self.metrics.watch_store(lambda: store_figures(bot))
        # Webex calls are timed by endpoint; digests find the metrics through the bot.
        gateway.on_call = self.metrics.observe_webex_call
        bot.digest_built = self.metrics.digest_build_seconds.observe
        admin = getattr(bot.provider, "http", None)  # the Webex provider's admin-API client
        if admin is not None:
            admin.on_call = self.metrics.observe_webex_call
        # serve probes Webex in the background (probe_interval); without it, on demand only.
        self.probe = WebexProbe(
            bot, gateway, self.metrics, interval=probe_interval or PROBE_SECONDS, admin=admin
        )
        self._probing = probe_interval is not None
        self._workers = _Pool(
            "onboard-worker",
            workers or engine.workers,
            self.worker.claim,
            self.worker.handle,
            lambda: self.idle,
            self._stopping,
        )
        self._senders = _Pool(
            "onboard-sender",
            senders or engine.senders,
            self.sender.claim,
            self.sender.handle,
            self._send_pause,
            self._stopping,
            handed=self.sender.handle_new,
        )
        self._beat = threading.Thread(target=self._beat_loop, name="onboard-heartbeat", daemon=True)
        self._beat_stop = threading.Event()
        self._services: list[Service] = []
        # ``retry file``: the message's CSV is downloaded with the bot token; confirmed jobs run
        # in a thread of their own, claimed like events (a job of a dead process is taken over).
        bot.file_fetcher = gateway.download
        self.add_service(BulkRunner(bot, self.claimant, every=idle))
        self.started = False

    @property
    def services(self) -> list[Service]:
        """The background services, the Webex probe included (readiness asks the intake's)."""
        return [self.probe, *self._services] if self._probing else list(self._services)

    def add_service(self, service: Service) -> None:
        """Run ``service`` alongside the worker and sender (the scheduler goes here)."""
        self._services.append(service)

    def start(self, *, worker: bool = True, sender: bool = True) -> Runtime:
        """Release this instance's stale claims, read the bot's identity, start the threads."""
        with self.bot.db.uow() as uow:
            released = claims.release_previous(uow.session, _CLAIMED, self.claimant)
            uow.commit()
        if released:
            log.warning(
                "took back %d claim(s) left by an earlier run of %s",
                released,
                self.claimant.instance,
            )
        try:
            self.worker.identity()
        except WebexError as exc:
            # Not fatal: the worker asks again before its first event; readyz reports it.
            log.warning("could not read the bot's identity yet: %s", exc)
        self._beat.start()
        if worker:
            self._workers.start()
        if sender:
            self._senders.start()
            # An event's first reply goes from its worker straight to a sender.
            self.worker.hand_over = lambda row: self._senders.hand(_Handed(row))
        for service in self.services:
            service.start()
        self.started = True
        log.info("working as %s", self.claimant.identity)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop services and threads; work in flight finishes, the rest waits in the database."""
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("stopping %r failed", service)
        self._stopping.set()
        self._workers.join(timeout)
        self._senders.join(timeout)
        self._beat_stop.set()
        if self._beat.is_alive():
            self._beat.join(timeout)
        try:
            with self.bot.db.uow() as uow:
                claims.release_mine(uow.session, _CLAIMED, self.claimant.identity)
                uow.commit()
        except Exception:  # they go stale within seconds anyway
            log.exception("could not release this process's claims")
        self.started = False

    def problems(self) -> list[str]:
        """What the background work found wrong with Webex access (for ``/readyz``)."""
        return self.worker.problems()

    def render_metrics(self) -> bytes:
        """Every metric, in the text exposition format."""
        return self.metrics.render()

    def wake_worker(self) -> None:
        """A new event was recorded (or one was settled: the next of its space may be due)."""
        self._workers.wake()

    def wake_sender(self) -> None:
        """New replies are in the outbox (or one was settled)."""
        self._senders.wake()

    def _send_pause(self) -> float:
        if self._senders.busy:
            # A sender is delivering: it wakes the feeder when done, and a reply waiting for a
            # retry is due seconds from now; no need to ask the database when after every reply.
            return self.idle
        due = self.sender.seconds_until_due()
        # Due now yet not claimed means held by another process, or behind an older reply of
        # its space (whose sender wakes us when it is settled): poll at leisure.
        return self.idle if due is None or due <= 0 else min(due, self.idle)

    def _beat_loop(self) -> None:
        while not self._beat_stop.wait(self.heartbeat):
            try:
                with self.bot.db.uow() as uow:
                    claims.heartbeat(
                        uow.session,
                        self.claimant.held,
                        self.claimant.identity,
                        self.bot.clock.now(),
                    )
                    uow.commit()
            except Exception as exc:  # a database blip: the claims may go stale, nothing worse
                log.warning("heartbeat failed: %s", exc)
