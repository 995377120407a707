"""The outbox sender: delivers stored replies to Webex, retrying by time until they are in.

Retries are bounded by time, not by count: a row is retried through any outage (429 after its
``Retry-After``, 5xx/423/timeouts after a capped, jittered exponential backoff, at least any
``Retry-After`` given) until ``RetryPolicy.horizon`` (default 24 h) after it was queued. A row that
expires is kept as ``failed``, counted, and reported to its space by a notice that goes out when
Webex is back ("I could not answer your `status pending` at 14:02 ..."). A 4xx that is not about
load (a card Webex refuses, a room the bot left) fails at once: the same request cannot succeed.

No double after a crash, where Webex lets us check
---------------------------------------------------
Before a POST the row is committed as ``sending``. If the process dies before the "delivered"
commit (kill -9), the database fails at that commit (a blip), or the POST times out or gets a 5xx
after Webex may have created the message, the row stays ``sending``. Whoever sends it next asks
Webex first (``WebexGateway.find_sent``) and only posts when the message is not there:

* a thread reply (group spaces: every command reply): ``GET /messages?roomId&parentId``;
* a 1:1 space: ``GET /messages?roomId`` (or ``GET /messages/direct?personEmail``);
* a row whose message id was already returned is delivered, never re-sent; a failed
  "delivered" commit is retried in the process with the id it holds.

A POST that timed out (no answer within the client's read timeout) may still be on its way and
land later; the check for it waits one more timeout (``landing_wait``), so a request held past the
timeout (the latency-spike chaos case) is found instead of doubled. A reset or a 5xx needs no
wait: an answer came, or the request never left.

What can still double (Webex has no idempotency key):

* a message to a group space outside a thread (digests, a reply to a click on a card whose
  message is gone): a bot may only list group messages that mention it, so such a row is re-sent
  unchecked (counted as ``unverifiable``);
* a message that lands *after* the check found nothing: a POST held for longer than two client
  timeouts in all (``landing_wait``); a POST still in flight when its sender was killed (the
  restarted process checks at once, it cannot know a request is on its way); or the POST of a
  sender that stalled (no heartbeat) for longer than ``claim_stale_seconds``, so that another
  process took its row while the POST was still on its way;
* a thread with more than ``SENT_SCAN`` (100) newer messages than ours, or a clock skew of more
  than ``SENT_LOOKBACK`` between us and Webex: the listing stops before reaching it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.metrics import Metrics
from bot.webex import (
    SENT_LOOKBACK,
    Unverifiable,
    WebexGateway,
    WebexRejected,
    WebexUnavailable,
)
from i18n import numbers, t
from onboarding.clock import Clock
from storage.claims import Claimant
from storage.models import OutboxRow
from storage.outbox import DELIVERED, SENDING, OutgoingMessage, message_of
from storage.uow import Database

log = logging.getLogger(__name__)


#: How long to wait after a 429 that names no ``Retry-After`` (Webex always sends one).
DEFAULT_RETRY_AFTER = 15.0
#: Notices about undeliverable replies use this dedupe prefix (and are never noticed in turn).
NOTICE_PREFIX = "notice:"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long and how patiently a Webex call (a reply, an event's fetch) is retried."""

    horizon: float = 24 * 3600.0  # seconds after the work was queued: then it expires
    base_delay: float = 2.0  # seconds before the first retry after a 5xx or a timeout
    max_delay: float = 60.0  # the backoff's cap: an outage ends at most this long before we see it
    max_retry_after: float = 3600.0  # never trust a Retry-After beyond an hour

    def backoff(self, attempt: int) -> float:
        """The delay before retry number ``attempt`` (1-based): exponential, capped, jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(max(attempt - 1, 0), 32))
        return random.uniform(ceiling / 2, ceiling)

    def delay_after(self, exc: WebexUnavailable, attempt: int) -> float:
        """The delay before retrying after ``exc``: a 429's ``Retry-After`` exactly, else backoff.

        Any other answer that names a ``Retry-After`` (503, 423) waits at least that long. Either
        way the wait is capped at ``max_retry_after``.
        """
        if exc.status == 429:
            asked = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
        else:
            asked = max(self.backoff(attempt), exc.retry_after or 0.0)
        return min(asked, self.max_retry_after)

    def expired(self, since: datetime, now: datetime) -> bool:
        """Whether work queued at ``since`` has been retried for the whole horizon."""
        return now >= since + timedelta(seconds=self.horizon)


#: After a POST that got no answer in time, how many further client timeouts to wait before
#: checking Webex for it (see ``landing_wait``).
LANDING_WINDOWS = 1.0


def landing_wait(exc: WebexUnavailable, gateway: WebexGateway) -> float:
    """How long to wait before checking for (and re-sending) a POST that timed out.

    A read timeout means the request left us and nothing came back: it may still be held on its
    way (a proxy, a slow Webex front) and create the message after we stopped waiting. Checking
    at once finds nothing and the re-send doubles the reply (the latency-spike chaos case did
    so for every held post). So the check waits one more client timeout: a request still in
    flight that long after the client gave up is past what proxies and Webex's front hold a
    request (they give up on their upstream too), and lands before the check or never. Other
    failures (reset, refused, 5xx) come back with an answer or no request at all: no wait.
    """
    if not exc.timed_out:
        return 0.0
    return gateway.request_timeout * LANDING_WINDOWS


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds:g} s"


def notice_time(at: datetime, locale: str) -> str:
    """How a notice names the time of the command it is about, in the bot's ``timezone``.

    ``14:02`` (en and cs alike, the catalog's 24-hour style): the person asked minutes or hours
    ago in their own day, so the hour needs no zone beside it.
    """
    return numbers.moment(at, t("md.time", locale), locale)


class OutboxSender:
    """Claims due outbox rows (one space's oldest at a time) and posts them through the gateway."""

    def __init__(
        self,
        db: Database,
        gateway: WebexGateway,
        *,
        clock: Clock,
        metrics: Metrics,
        claimant: Claimant,
        policy: RetryPolicy = RetryPolicy(),
        locale: str = "en",
        batch: int = 1,
    ) -> None:
        self.db = db
        self.gateway = gateway
        self.clock = clock
        self.metrics = metrics
        self.claimant = claimant
        self.policy = policy
        self.locale = locale
        self.batch = batch

    def run_once(self) -> int:
        """Deliver one batch of due rows; how many were claimed."""
        with self.db.uow() as uow:
            rows = uow.outbox.claim_due(by=self.claimant, now=self.clock.now(), limit=self.batch)
            uow.commit()
        for row in rows:
            with self.claimant.held.holding(OutboxRow, row.id):
                self.deliver(row)
        return len(rows)

    def claim(self, limit: int) -> list[OutboxRow]:
        """Claim up to ``limit`` due rows in one statement; they stay alive until delivered."""
        with self.db.uow() as uow:
            rows = uow.outbox.claim_due(by=self.claimant, now=self.clock.now(), limit=limit)
            uow.commit()
        self.claimant.held.add(OutboxRow, [row.id for row in rows])
        return rows

    def handle(self, row: OutboxRow) -> None:
        """Deliver one row from ``claim`` and stop keeping its claim alive."""
        try:
            self.deliver(row)
        finally:
            self.claimant.held.discard(OutboxRow, row.id)

    def handle_new(self, row: OutboxRow) -> None:
        """Deliver a row a worker claimed as it enqueued it (``enqueue_claimed``): already
        ``sending`` and never posted, so it is posted without a check or a mark."""
        try:
            self.deliver(row, new=True)
        finally:
            self.claimant.held.discard(OutboxRow, row.id)

    def seconds_until_due(self) -> float | None:
        """How long until the next waiting row is due (None when the outbox is empty)."""
        with self.db.uow() as uow:
            due = uow.outbox.next_due()
        if due is None:
            return None
        return max(0.0, (due - self.clock.now()).total_seconds())

    def depth(self) -> int:
        """How many rows wait to be delivered."""
        with self.db.uow() as uow:
            return uow.outbox.depth()

    def deliver(self, row: OutboxRow, *, new: bool = False) -> None:
        """Post one claimed row (after checking Webex if it may be there already) and settle it.

        ``new``: claimed by the worker that enqueued it, in that very transaction, so nothing
        can have posted it yet: neither the check nor the "sending" commit is needed.
        """
        extra = {"correlation_id": row.correlation_id, "outbox_id": row.id}
        attempt = row.attempts + 1
        message = message_of(row)
        if not new and not self._ready_to_post(row, message, attempt, extra):
            return
        try:
            message_id = self.gateway.post(message)
        except WebexUnavailable as exc:
            # A 429 or 423 means Webex made nothing. No answer (a timeout, a reset connection)
            # or a 5xx (a gateway may fail after the message was made) means it may have
            # landed: check before sending it again.
            uncertain = exc.status is None or exc.status >= 500
            self._retry(
                row,
                attempt,
                str(exc),
                exc,
                uncertain=uncertain,
                extra=extra,
                at_least=landing_wait(exc, self.gateway),
            )
            return
        except WebexRejected as exc:
            self._fail(row, f"refused by Webex: {exc}", extra)
            return
        except Exception as exc:  # a bug must not kill the sender; the row stays visible
            log.exception("reply %s could not be sent", row.id, extra=extra)
            error = f"{type(exc).__name__}: {exc}"
            self._reschedule(row, error, self.policy.backoff(attempt), "error", True, extra)
            return
        self._delivered(row, message_id, extra)

    def _ready_to_post(
        self, row: OutboxRow, message: OutgoingMessage, attempt: int, extra: Mapping[str, object]
    ) -> bool:
        """Settle what needs no POST (there already, expired, taken over); True: post it now."""
        if row.message_id:  # Webex answered with an id before: it is there
            self._delivered(row, row.message_id, extra)
            return False
        if row.status == SENDING:
            try:
                found = self._already_sent(row, message, extra)
            except WebexUnavailable as exc:
                self._retry(row, attempt, f"checking: {exc}", exc, uncertain=True, extra=extra)
                return False
            if found is not None:
                log.warning("reply %s was already in Webex as %s", row.id, found, extra=extra)
                self._delivered(row, found, extra)
                return False
        if self.policy.expired(row.created_at, self.clock.now()):
            self._expire(row, row.last_error or "not sent", extra)
            return False
        if not self._settle(row, "sending"):
            log.warning("reply %s was taken over by another sender meanwhile", row.id, extra=extra)
            return False
        return True

    # -- checking Webex before sending again --------------------------------------------------

    def _already_sent(
        self, row: OutboxRow, message: OutgoingMessage, extra: Mapping[str, object]
    ) -> str | None:
        since = row.sending_at or row.created_at
        with self.db.uow() as uow:
            known = uow.outbox.delivered_ids(row.space_key, since=since - SENT_LOOKBACK)
        try:
            found = self.gateway.find_sent(message, since=since, exclude=known)
        except (Unverifiable, WebexRejected) as exc:
            log.warning(
                "reply %s may have been sent already and cannot be checked (%s): sending it "
                "again, which may double it",
                row.id,
                exc,
                extra=extra,
            )
            self.metrics.replies_checked.labels("unverifiable").inc()
            return None
        self.metrics.replies_checked.labels("found" if found else "absent").inc()
        return found

    # -- settling ----------------------------------------------------------------------------

    def _retry(
        self,
        row: OutboxRow,
        attempt: int,
        error: str,
        exc: WebexUnavailable,
        *,
        uncertain: bool,
        extra: Mapping[str, object],
        at_least: float = 0.0,
    ) -> None:
        if self.policy.expired(row.created_at, self.clock.now()):
            self._expire(row, error, extra)
            return
        reason = "rate_limited" if exc.status == 429 else "unavailable"
        delay = max(self.policy.delay_after(exc, attempt), at_least)
        self._reschedule(row, error, delay, reason, uncertain, extra)

    def _reschedule(
        self,
        row: OutboxRow,
        error: str,
        delay: float,
        reason: str,
        uncertain: bool,
        extra: Mapping[str, object],
    ) -> None:
        log.warning(
            "reply %s not delivered (attempt %d), retrying in %.2fs: %s",
            row.id,
            row.attempts + 1,
            delay,
            error,
            extra=extra,
        )
        self._settle(row, "retry", error=error, delay=delay, uncertain=uncertain)
        self.metrics.replies_retried.labels(reason).inc()

    def _delivered(self, row: OutboxRow, message_id: str, extra: Mapping[str, object]) -> None:
        # The message is in Webex: its "delivered" commit must not be lost to a database blip,
        # or the row would be sent again. Retried here with the id in hand; if the process dies
        # meanwhile, the next sender finds the message by listing (see the module docstring).
        pause = 0.1
        deadline = time.monotonic() + 60.0
        while True:
            try:
                first = self._settle(row, "delivered", message_id=message_id)
                break
            except SQLAlchemyError as exc:
                if time.monotonic() > deadline:
                    log.error(
                        "reply %s is in Webex as %s but could not be marked delivered: %s",
                        row.id,
                        message_id,
                        exc,
                        extra=extra,
                    )
                    raise
                log.warning("marking reply %s delivered failed, retrying: %s", row.id, exc)
                time.sleep(pause)
                pause = min(pause * 2, 5.0)
        if first:  # counted once, even when a sender that stalled settles it too
            self.metrics.replies_delivered.inc()
        log.info("reply %s delivered as %s", row.id, message_id, extra=extra)

    def _fail(self, row: OutboxRow, error: str, extra: Mapping[str, object]) -> None:
        log.error("reply %s failed for good: %s", row.id, error, extra=extra)
        self._settle(row, "failed", error=error)
        self.metrics.replies_failed.inc()

    def _expire(self, row: OutboxRow, error: str, extra: Mapping[str, object]) -> None:
        horizon = _duration(self.policy.horizon)
        log.error(
            "reply %s expired after %s without reaching Webex: %s",
            row.id,
            horizon,
            error,
            extra=extra,
        )
        self._settle(row, "expired", error=f"expired after {horizon}: {error}")
        self.metrics.replies_expired.inc()
        self.metrics.replies_failed.inc()

    def _notice_for(self, row: OutboxRow) -> OutgoingMessage | None:
        """What the space is told when ``row`` expires (None for a notice itself)."""
        if row.dedupe_key.startswith(NOTICE_PREFIX):
            return None
        when = notice_time(row.asked_at or row.created_at, self.locale)
        if row.about:
            command = row.about.replace("`", "'")[:80]
            text = t("web.reply_expired", self.locale, command=command, time=when)
        else:
            text = t("web.message_expired", self.locale, time=when)
        return OutgoingMessage(
            room_id=row.room_id,
            to_person_email=row.to_person_email,
            parent_id=row.parent_id,
            markdown=text,
        )

    def _settle(
        self,
        row: OutboxRow,
        outcome: str,
        *,
        error: str = "",
        delay: float = 0.0,
        message_id: str | None = None,
        uncertain: bool = False,
    ) -> bool:
        """Record ``outcome``; False when the row was already delivered (nothing changed)."""
        now = self.clock.now()
        if outcome in ("sending", "delivered"):  # every reply's two: one UPDATE each
            with self.db.uow() as uow:
                if outcome == "sending":
                    changed = uow.outbox.mark_sending(row, now=now, by=self.claimant.identity)
                else:
                    changed = uow.outbox.mark_delivered(row, now=now, message_id=message_id)
                uow.commit()
            return changed
        with self.db.uow() as uow:
            current = uow.session.get(OutboxRow, row.id)
            if current is None or current.status == DELIVERED:
                return False
            if outcome in ("failed", "expired"):
                uow.outbox.mark_failed(current, error=error)
                notice = self._notice_for(current) if outcome == "expired" else None
                if notice is not None:
                    key = f"{NOTICE_PREFIX}{current.correlation_id or current.id}"
                    uow.outbox.enqueue(
                        notice, dedupe_key=key, now=now, correlation_id=current.correlation_id
                    )
            else:
                at = now + timedelta(seconds=delay)
                uow.outbox.reschedule(current, at=at, error=error, uncertain=uncertain)
            uow.commit()
        row.status = current.status
        row.sending_at = current.sending_at
        return True
