"""The background half of ``serve``: a pool of event workers, a pool of senders, a heartbeat.

The web app records an event and calls ``wake_worker()``, which wakes one idle worker; a worker
that found work wakes another, so a burst fans out over the pool without every thread racing for
every event. Workers enqueue replies and wake a sender the same way. Both pools also poll on their
own (``idle`` seconds, one thread per pool), which picks up work recorded by other processes
sharing the database and work whose claim went stale. Taking over after another process died is
bounded by ``stale_after`` (5 s) after its last heartbeat (every ``stale_after / 4``) plus one
poll (1 s): 4-6 s after the kill, then the backlog drains.

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
import secrets
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from bot.bootstrap import Bot
from bot.bulk_jobs import BulkRunner
from bot.delivery import OutboxSender, RetryPolicy
from bot.health import PROBE_SECONDS, WebexProbe, store_figures
from bot.metrics import Metrics
from bot.replies import render
from bot.webex import WebexError, WebexGateway
from bot.worker import EVENT_RETRY, EventWorker, Renderer
from storage import claims
from storage.models import BulkJobRow, OutboxRow, WebhookEventRow

log = logging.getLogger(__name__)

_CLAIMED = (WebhookEventRow, OutboxRow, BulkJobRow)


class Service(Protocol):
    """A background part of the process (the scheduler)."""

    def start(self) -> None:
        """Begin working."""

    def stop(self) -> None:
        """Stop working; return promptly."""


def process_identity(instance: str | None = None) -> str:
    """``<instance>#<token>``: the instance a restart keeps, and a token unique to this run."""
    name = instance or f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}#{secrets.token_hex(4)}"


class _Loop:
    """A thread running ``step`` until stopped; ``step`` returns how long it may sleep."""

    def __init__(
        self,
        name: str,
        step: Callable[[_Loop], float],
        stopping: threading.Event,
    ) -> None:
        self.name = name
        self._step = step
        self._stopping = stopping
        self._wake = threading.Event()
        self.idle = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def join(self, timeout: float) -> None:
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                pause = self._step(self)
            except Exception:  # the loop must outlive any one bad batch (a database hiccup)
                log.exception("%s: unexpected error", self.name)
                pause = 1.0
            if self._stopping.is_set():
                return
            if pause > 0:
                self.idle.set()
                self._wake.wait(pause)
                self.idle.clear()
            self._wake.clear()


class _Pool:
    """Threads running the same step; ``wake_one`` wakes an idle one, if any is idle."""

    def __init__(
        self, name: str, size: int, step: Callable[[_Loop], float], stopping: threading.Event
    ) -> None:
        self.loops = [_Loop(f"{name}-{i}", step, stopping) for i in range(size)]

    def start(self) -> None:
        for loop in self.loops:
            loop.start()

    def wake_one(self, besides: _Loop | None = None) -> None:
        for loop in self.loops:
            if loop is not besides and loop.idle.is_set():
                loop.idle.clear()
                loop.wake()
                return

    def join(self, timeout: float) -> None:
        for loop in self.loops:
            loop.join(timeout)


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
            "onboard-worker", workers or engine.workers, self._work_step, self._stopping
        )
        self._senders = _Pool(
            "onboard-sender", senders or engine.senders, self._send_step, self._stopping
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

    def wake_worker(self) -> None:
        """A new event was recorded."""
        self._workers.wake_one()

    def wake_sender(self) -> None:
        """New replies are in the outbox."""
        self._senders.wake_one()

    def _work_step(self, loop: _Loop) -> float:
        claimed = self.worker.run_once()
        if claimed:
            self._workers.wake_one(besides=loop)  # more may be waiting: fan out
            return 0.0
        return self._idle_for(self._workers, loop)

    def _send_step(self, loop: _Loop) -> float:
        claimed = self.sender.run_once()
        if claimed:
            self._senders.wake_one(besides=loop)
            return 0.0
        due = self.sender.seconds_until_due()
        idle = self._idle_for(self._senders, loop)
        # Due now yet not claimed means held by another sender, or behind an older reply of its
        # space: poll at leisure; the sender that settles it wakes us.
        return idle if due is None or due <= 0 else min(due, idle)

    def _idle_for(self, pool: _Pool, loop: _Loop) -> float:
        # One thread per pool polls (work of other processes, claims gone stale); the others
        # sleep until woken, so an idle process does not query the database 32 times a poll.
        return self.idle if loop is pool.loops[0] else max(self.idle, 30.0)

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
