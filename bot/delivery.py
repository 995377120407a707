"""The outbox sender: delivers stored replies to Webex, retrying until they are in or given up.

A claimed row (leased, so no other sender takes it) is posted through the gateway. A 429 is
retried after exactly the ``Retry-After`` Webex asked for; a 5xx, 423, a timeout or an unexpected
error after an exponential backoff with jitter; a 4xx that is not about load (a card Webex
refuses, a room the bot left) fails at once, because sending the same request again cannot
succeed. After ``max_attempts`` a row is kept as ``failed`` with its last error, logged and
counted: nothing is ever dropped silently. Rows left by a process that died are picked up when
their lease ends.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.metrics import Metrics
from bot.webex import WebexGateway, WebexRejected, WebexUnavailable
from onboarding.clock import Clock
from storage.models import OutboxRow
from storage.outbox import message_of
from storage.uow import Database

log = logging.getLogger(__name__)


#: How long to wait after a 429 that names no ``Retry-After`` (Webex always sends one).
DEFAULT_RETRY_AFTER = 15.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a Webex call (a reply, an event's fetch) is retried."""

    max_attempts: int = 8
    base_delay: float = 2.0  # seconds before the first retry after a 5xx or a timeout
    max_delay: float = 300.0
    max_retry_after: float = 3600.0  # never trust a Retry-After beyond an hour

    def backoff(self, attempt: int) -> float:
        """The delay before retry number ``attempt`` (1-based): exponential, with jitter."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** max(attempt - 1, 0))
        return random.uniform(ceiling / 2, ceiling)

    def delay_after(self, exc: WebexUnavailable, attempt: int) -> float:
        """The delay before retrying after ``exc``: a 429's ``Retry-After`` exactly, else backoff.

        A 5xx that names a ``Retry-After`` waits at least that long. Either way the wait is capped
        at ``max_retry_after``.
        """
        if exc.status == 429:
            asked = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
        else:
            asked = max(self.backoff(attempt), exc.retry_after or 0.0)
        return min(asked, self.max_retry_after)


class OutboxSender:
    """Claims due outbox rows and posts them through the gateway."""

    def __init__(
        self,
        db: Database,
        gateway: WebexGateway,
        *,
        clock: Clock,
        metrics: Metrics,
        policy: RetryPolicy = RetryPolicy(),
        lease: timedelta = timedelta(seconds=120),
        batch: int = 10,
    ) -> None:
        self.db = db
        self.gateway = gateway
        self.clock = clock
        self.metrics = metrics
        self.policy = policy
        self.lease = lease
        self.batch = batch

    def run_once(self) -> int:
        """Deliver one batch of due rows; how many were claimed."""
        with self.db.uow() as uow:
            rows = uow.outbox.claim_due(now=self.clock.now(), lease=self.lease, limit=self.batch)
            uow.commit()
        for row in rows:
            self.deliver(row)
        return len(rows)

    def seconds_until_due(self) -> float | None:
        """How long until the next pending row is due (None when the outbox is empty)."""
        with self.db.uow() as uow:
            due = uow.outbox.next_due()
        if due is None:
            return None
        return max(0.0, (due - self.clock.now()).total_seconds())

    def depth(self) -> int:
        """How many rows wait to be delivered."""
        with self.db.uow() as uow:
            return uow.outbox.depth()

    def deliver(self, row: OutboxRow) -> None:
        """Post one claimed row and settle it: delivered, rescheduled or failed."""
        extra = {"correlation_id": row.correlation_id}
        attempt = row.attempts + 1
        try:
            message_id = self.gateway.post(message_of(row))
        except WebexUnavailable as exc:
            reason = "rate_limited" if exc.status == 429 else "unavailable"
            delay = self.policy.delay_after(exc, attempt)
            self._retry_or_fail(row, attempt, str(exc), delay=delay, reason=reason, extra=extra)
            return
        except WebexRejected as exc:
            self._fail(row, f"refused by Webex: {exc}", extra)
            return
        except Exception as exc:  # a bug must not kill the sender; the row stays visible
            log.exception("reply %s could not be sent", row.id, extra=extra)
            error, delay = f"{type(exc).__name__}: {exc}", self.policy.backoff(attempt)
            self._retry_or_fail(row, attempt, error, delay=delay, reason="error", extra=extra)
            return
        self._settle(row, "delivered", message_id=message_id)
        self.metrics.replies_delivered.inc()
        log.info("reply %s delivered as %s", row.id, message_id, extra=extra)

    def _retry_or_fail(
        self,
        row: OutboxRow,
        attempt: int,
        error: str,
        *,
        delay: float,
        reason: str,
        extra: Mapping[str, object],
    ) -> None:
        if attempt >= self.policy.max_attempts:
            self._fail(row, f"gave up after {attempt} attempts: {error}", extra)
            return
        log.warning(
            "reply %s not delivered (attempt %d), retrying in %.2fs: %s",
            row.id,
            attempt,
            delay,
            error,
            extra=extra,
        )
        self._settle(row, "retry", error=error, delay=delay)
        self.metrics.replies_retried.labels(reason).inc()

    def _fail(self, row: OutboxRow, error: str, extra: Mapping[str, object]) -> None:
        log.error("reply %s failed for good: %s", row.id, error, extra=extra)
        self._settle(row, "failed", error=error)
        self.metrics.replies_failed.inc()

    def _settle(
        self,
        row: OutboxRow,
        outcome: str,
        *,
        error: str = "",
        delay: float = 0.0,
        message_id: str | None = None,
    ) -> None:
        now = self.clock.now()
        with self.db.uow() as uow:
            current = uow.session.get(OutboxRow, row.id)
            if current is None:
                return
            if outcome == "delivered":
                uow.outbox.mark_delivered(current, now=now, message_id=message_id)
            elif outcome == "failed":
                uow.outbox.mark_failed(current, error=error)
            else:
                uow.outbox.reschedule(current, at=now + timedelta(seconds=delay), error=error)
            uow.commit()
