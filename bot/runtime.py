"""The background half of ``serve``: event worker and outbox sender threads, plus services.

The web app records an event and calls ``wake_worker()``; the worker enqueues replies and wakes
the sender. Both also poll on their own (``idle`` seconds), which picks up work left by a process
that died and work recorded by other processes sharing the database.

Other background services (the digest scheduler) plug in with ``add_service``: anything with
``start()`` and ``stop()``; they start after the worker threads and stop before them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from bot.bootstrap import Bot
from bot.delivery import OutboxSender, RetryPolicy
from bot.health import PROBE_SECONDS, WebexProbe, store_figures
from bot.metrics import Metrics
from bot.replies import render
from bot.webex import WebexError, WebexGateway
from bot.worker import EVENT_RETRY, EventWorker, Renderer

log = logging.getLogger(__name__)


class Service(Protocol):
    """A background part of the process (the scheduler)."""

    def start(self) -> None:
        """Begin working."""

    def stop(self) -> None:
        """Stop working; return promptly."""


class _Loop:
    """A thread running ``step`` until stopped; ``step`` returns how long it may sleep."""

    def __init__(self, name: str, step: Callable[[], float], stopping: threading.Event) -> None:
        self.name = name
        self._step = step
        self._stopping = stopping
        self._wake = threading.Event()
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
                pause = self._step()
            except Exception:  # the loop must outlive any one bad batch (a database hiccup)
                log.exception("%s: unexpected error", self.name)
                pause = 1.0
            if self._stopping.is_set():
                return
            self._wake.wait(pause)
            self._wake.clear()


class Runtime:
    """Starts and stops the background threads of one ``serve`` process."""

    def __init__(
        self,
        bot: Bot,
        gateway: WebexGateway,
        *,
        metrics: Metrics | None = None,
        renderer: Renderer = render,
        worker_threads: int = 2,
        idle: float = 2.0,
        event_lease: timedelta = timedelta(seconds=120),
        outbox_lease: timedelta = timedelta(seconds=120),
        retry: RetryPolicy = RetryPolicy(),
        event_retry: RetryPolicy = EVENT_RETRY,
        probe_interval: float | None = None,
    ) -> None:
        self.bot = bot
        self.gateway = gateway
        self.metrics = metrics or Metrics()
        self.idle = idle
        self._stopping = threading.Event()
        self.sender = OutboxSender(
            bot.db,
            gateway,
            clock=bot.clock,
            metrics=self.metrics,
            policy=retry,
            lease=outbox_lease,
        )
        self.worker = EventWorker(
            bot,
            gateway,
            metrics=self.metrics,
            renderer=renderer,
            on_enqueued=self.wake_sender,
            lease=event_lease,
            retry=event_retry,
        )
        self.metrics.watch_store(lambda: store_figures(bot))
        # Webex calls are timed by endpoint; digests find the metrics through the bot.
        gateway.on_call = self.metrics.observe_webex_call
        bot.extras["metrics"] = self.metrics
        admin = getattr(bot.provider, "http", None)  # the Webex provider's admin-API client
        if admin is not None:
            admin.on_call = self.metrics.observe_webex_call
        # serve probes Webex in the background (probe_interval); without it, on demand only.
        self.probe = WebexProbe(
            bot, gateway, self.metrics, interval=probe_interval or PROBE_SECONDS, admin=admin
        )
        self._probing = probe_interval is not None
        self._workers = [
            _Loop(f"onboard-worker-{i}", self._work_step, self._stopping)
            for i in range(worker_threads)
        ]
        self._sender_loop = _Loop("onboard-sender", self._send_step, self._stopping)
        self._services: list[Service] = []
        self.started = False

    @property
    def services(self) -> list[Service]:
        """The background services, the Webex probe included (readiness asks the intake's)."""
        return [self.probe, *self._services] if self._probing else list(self._services)

    def add_service(self, service: Service) -> None:
        """Run ``service`` alongside the worker and sender (the scheduler goes here)."""
        self._services.append(service)

    def start(self, *, worker: bool = True, sender: bool = True) -> Runtime:
        """Read the bot's identity, then start the threads; returns self."""
        try:
            self.worker.identity()
        except WebexError as exc:
            # Not fatal: the worker asks again before its first event; readyz reports it.
            log.warning("could not read the bot's identity yet: %s", exc)
        if worker:
            for loop in self._workers:
                loop.start()
        if sender:
            self._sender_loop.start()
        for service in self.services:
            service.start()
        self.started = True
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop services and threads; work in flight finishes, the rest waits in the database."""
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("stopping %r failed", service)
        self._stopping.set()
        for loop in [*self._workers, self._sender_loop]:
            loop.join(timeout)
        self.started = False

    def wake_worker(self) -> None:
        """A new event was recorded."""
        for loop in self._workers:
            loop.wake()

    def wake_sender(self) -> None:
        """New replies are in the outbox."""
        self._sender_loop.wake()

    def _work_step(self) -> float:
        claimed = self.worker.run_once()
        # A full batch may mean more is waiting: go again at once.
        return 0.0 if claimed >= self.worker.batch else self.idle

    def _send_step(self) -> float:
        claimed = self.sender.run_once()
        if claimed >= self.sender.batch:
            return 0.0
        due = self.sender.seconds_until_due()
        # Due now yet not claimed means leased by another sender (or a dead one): poll at leisure.
        return self.idle if due is None or due <= 0 else min(due, self.idle)
