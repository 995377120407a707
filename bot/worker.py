"""The event worker: turns recorded webhook events into replies in the outbox.

For each claimed event (new ones, and unfinished ones left by a process that died), the worker
fetches the message or card action through the SDK, drops the bot's own messages, strips the
@mention in group spaces, runs ``dispatch`` (access check, command or card action, audit)
and puts the rendered replies in the outbox *in the same transaction* that marks the event done.
Replies are threaded under the asking message in group spaces.

Side effects never repeat
-------------------------
Dispatch runs with the event's correlation id (derived from the event key, the same for every
redelivery). The service layer writes a ``service.<action>`` audit entry, in its own committed
transaction, right after each provider action, tagged with that id. Before running an event the
dispatch chain (its *already handled* link) looks for such entries: if a previous attempt got as
far as a provider action but died before its replies and the "done" mark were committed, the
action is *not* run again; the person gets a short notice that the request was already carried
out instead. Read-only commands leave no ``service.*`` entry and are simply answered again. The
outbox rows are keyed by the correlation id and the reply's position, so an event handled twice
(a lease that ran out under a slow provider) still enqueues each reply once. The one window left
is a crash between the provider's answer and the audit commit, a few milliseconds wide.

Retries, by time
----------------
Errors are classified once. 429, 5xx, 423 and timeouts are transient: the event is retried with
the capped, jittered backoff of ``RetryPolicy`` (honouring ``Retry-After``) until its horizon
(default 24 h after it was received); then it is failed, counted, and the space is told to send the
message again. 401/403 is a configuration problem (the token, the bot's membership): retried for
``access_window`` (minutes, in case it was a passing glitch at Webex), reported in ``problems()``
(``/readyz``) and the log, then the person is told, if Webex lets the bot post at all. 404 is final
for that event (logged, counted); other 4xx too. Events of one space are claimed strictly in order
(storage/claims.py), so commands of a space are handled, and answered, in the order they arrived.
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.bootstrap import Bot
from bot.delivery import NOTICE_PREFIX, RetryPolicy, notice_time
from bot.dispatch import Dispatched, Request, dispatch
from bot.events import (
    ACTIONS_CREATED,
    MESSAGES_CREATED,
    EnvelopeError,
    Message,
    Person,
    WebhookEnvelope,
    correlation_id_of,
)
from bot.metrics import Metrics
from bot.replies import RenderedReply, render
from bot.webex import WebexGateway, WebexRejected, WebexUnavailable
from commands.parsing import strip_mention
from commands.replies import Reply
from i18n import t
from storage.claims import Claimant
from storage.journal import IntakeJournal
from storage.models import OutboxRow, WebhookEventRow
from storage.outbox import OutgoingMessage

log = logging.getLogger(__name__)

Renderer = Callable[[Reply, str], RenderedReply]
#: Fetching an event's message from Webex: retried sooner than a reply, as long.
EVENT_RETRY = RetryPolicy(base_delay=1.0)
#: How long a 401/403 on a fetch is retried before the person is told (a glitch may pass).
ACCESS_WINDOW = timedelta(minutes=5)

_SPARK_MENTION = re.compile(
    r"<spark-mention\b([^>]*)>(.*?)</spark-mention>", re.IGNORECASE | re.DOTALL
)
_OBJECT_ID = re.compile(r"data-object-id\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _uuid_of(person_id: str) -> str:
    """The UUID inside a base64 Webex id (``ciscospark://us/PEOPLE/<uuid>``), or the id itself."""
    try:
        padded = person_id + "=" * (-len(person_id) % 4)
        decoded = base64.urlsafe_b64decode(padded).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return person_id
    return decoded.rsplit("/", 1)[-1] if decoded.startswith("ciscospark://") else person_id


def mention_names(message: Message, me: Person) -> tuple[str, ...]:
    """The names the bot may be addressed by at the start of ``message``'s text.

    The name a client inserts varies (full or shortened display name), and so does the ``html``
    (base64 id or raw UUID, with or without ``<p>``); the label of a spark-mention that points at
    the bot is the exact text to strip when there is one.
    """
    names: list[str] = []
    mine = {me.id, _uuid_of(me.id)}
    for attrs, label in _SPARK_MENTION.findall(message.html or ""):
        found = _OBJECT_ID.search(attrs)
        if found and (found.group(1) in mine or _uuid_of(found.group(1)) in mine):
            names.append(html.unescape(_TAG.sub("", label)).strip())
    if me.display_name:
        names.append(me.display_name)
        names.append(me.display_name.split()[0])
    return tuple(dict.fromkeys(n for n in names if n))


def command_text(message: Message, me: Person) -> str:
    """The message text without the bot's @mention (group spaces) and surrounding blanks."""
    if message.in_group and me.id in message.mentioned_people:
        return strip_mention(message.text, mention_names(message, me))
    return message.text.strip()


@dataclass(frozen=True, slots=True)
class _Job:
    """What one event asks for: the pipeline request and where its replies go."""

    request: Request
    room_id: str
    parent_id: str | None

    @property
    def about(self) -> str | None:
        """The command as typed (for a notice if its reply expires); None for a card click."""
        return self.request.text or None if self.request.via == "chat" else None


class _Skip(Exception):
    """The event needs no answer (the bot's own message); carries the note to store."""


class EventWorker:
    """Claims recorded webhook events and turns each into replies in the outbox."""

    def __init__(
        self,
        bot: Bot,
        gateway: WebexGateway,
        *,
        metrics: Metrics,
        claimant: Claimant,
        renderer: Renderer = render,
        on_enqueued: Callable[[], None] = lambda: None,
        retry: RetryPolicy = EVENT_RETRY,
        access_window: timedelta = ACCESS_WINDOW,
        batch: int = 1,
        hand_over: Callable[[OutboxRow], None] | None = None,
        journal: IntakeJournal | None = None,
    ) -> None:
        self.bot = bot
        self.gateway = gateway
        self.metrics = metrics
        self.claimant = claimant
        self.renderer = renderer
        self.on_enqueued = on_enqueued
        self.retry = retry
        self.access_window = access_window
        self.batch = batch
        #: Set by a runtime whose senders run: an event's first reply, claimed in the event's
        #: settling transaction, goes straight to a sender (``OutboxRepository.enqueue_claimed``).
        self.hand_over = hand_over
        #: The intake journal to import from before each claim (``serve`` on SQLite).
        self.journal = journal
        self._me: Person | None = None
        self._problem: str | None = None
        self._lock = threading.Lock()

    def identity(self) -> Person:
        """The bot's own person record, read from Webex once and kept."""
        if self._me is None:
            self._me = self.gateway.me()
            log.info("the bot is %s (%s)", self._me.display_name, self._me.email)
        return self._me

    def problems(self) -> list[str]:
        """What is wrong with the bot's access to Webex, as the last fetch found it."""
        with self._lock:
            return [self._problem] if self._problem else []

    def run_once(self) -> int:
        """Claim and handle a batch of due events; how many were claimed."""
        rows = self._claim_due(self.batch)
        for row in rows:
            with self.claimant.held.holding(WebhookEventRow, row.id):
                self.process(row)
        return len(rows)

    def claim(self, limit: int) -> list[WebhookEventRow]:
        """Claim up to ``limit`` due events in one statement; they stay alive until handled."""
        rows = self._claim_due(limit)
        self.claimant.held.add(WebhookEventRow, [row.id for row in rows])
        return rows

    def _claim_due(self, limit: int) -> list[WebhookEventRow]:
        with self.bot.db.uow() as uow:
            if self.journal is not None:
                # What the intake journaled first (storage/journal.py), in this transaction:
                # the claim below sees it, and a failed claim leaves it to import again.
                uow.events.import_journal(self.journal)
            rows = uow.events.claim(by=self.claimant, now=self.bot.clock.now(), limit=limit)
            uow.commit()
        return rows

    def handle(self, row: WebhookEventRow) -> None:
        """Handle one event from ``claim`` and stop keeping its claim alive."""
        try:
            self.process(row)
        finally:
            self.claimant.held.discard(WebhookEventRow, row.id)

    def process(self, row: WebhookEventRow) -> None:
        """Handle one claimed event and settle it: done, retry later, or failed."""
        cid = row.correlation_id or correlation_id_of(row.event_key)
        extra = {"event_key": row.event_key, "correlation_id": cid}
        envelope: WebhookEnvelope | None = None
        started = time.perf_counter()
        try:
            envelope = WebhookEnvelope.parse(row.payload)
            job = self._job(envelope, cid, first=row.attempts == 1)
            self._access_ok()
            done = self._dispatch(job.request)
            reply = done.reply
            messages: list[OutgoingMessage] = []
            if not done.silent:  # e.g. a space already told it may not use the bot
                rendered = self.renderer(reply, done.locale)  # the space's or person's language
                messages = rendered.messages(room_id=job.room_id, parent_id=job.parent_id)
        except _Skip as skip:
            self._settle(row, outcome="done", note=str(skip))
            log.debug("event %s needs no answer: %s", row.event_key, skip, extra=extra)
            return
        except WebexUnavailable as exc:
            self._transient(row, envelope, str(exc), self.retry.delay_after(exc, row.attempts))
            return
        except WebexRejected as exc:
            self._rejected(row, envelope, exc, extra)
            return
        except EnvelopeError as exc:
            log.warning("event %s cannot be handled: %s", row.event_key, exc, extra=extra)
            self._settle(row, outcome="failed", note=str(exc))
            return
        except Exception as exc:
            log.exception("event %s failed", row.event_key, extra=extra)
            error = f"{type(exc).__name__}: {exc}"
            self._transient(row, envelope, error, self.retry.backoff(row.attempts))
            return
        handed = self._settle(row, outcome="done", messages=messages, cid=cid, about=job.about)
        # The reply first, the log line after: the line is not worth its time in the turnaround.
        if handed is not None and self.hand_over is not None:
            self.hand_over(handed)
        command, outcome, took = (done.name, done.result, time.perf_counter() - started)
        log.info(
            "event %s handled: %s %s in %.3f s, %d message(s) queued",
            row.event_key,
            command,
            outcome,
            took,
            len(messages),
            extra={**extra, "command": command, "outcome": outcome, "duration_seconds": took},
        )
        if len(messages) > (handed is not None):
            self.on_enqueued()

    # -- classifying what went wrong -----------------------------------------------------------

    def _access_ok(self) -> None:
        with self._lock:
            if self._problem is not None:
                log.info("Webex lets the bot read messages again")
            self._problem = None

    def _transient(
        self, row: WebhookEventRow, envelope: WebhookEnvelope | None, error: str, delay: float
    ) -> None:
        extra = {"event_key": row.event_key}
        if self.retry.expired(row.received_at, self.bot.clock.now()):
            log.error("event %s expired without being read: %s", row.event_key, error, extra=extra)
            notice = self._notice(envelope, "web.event_expired", row.received_at)
            self._settle(row, outcome="failed", note=f"expired: {error}", notice=notice)
            self.metrics.events_expired.inc()
            return
        log.warning(
            "event %s will be retried in %.1fs: %s", row.event_key, delay, error, extra=extra
        )
        self._settle(row, outcome="retry", note=error, delay=delay)

    def _rejected(
        self,
        row: WebhookEventRow,
        envelope: WebhookEnvelope | None,
        exc: WebexRejected,
        extra: Mapping[str, object],
    ) -> None:
        if exc.is_configuration:
            what = (
                "the bot token is not valid (WEBEX_BOT_TOKEN)"
                if exc.status == 401
                else "the bot may not read it (is it still a member of the space?)"
            )
            problem = f"Webex refused to let the bot read a message ({exc.status}): {what}"
            with self._lock:
                self._problem = problem
            self.metrics.webex_access_errors.labels(str(exc.status)).inc()
            if self.bot.clock.now() - row.received_at < self.access_window:
                log.error("%s; retrying event %s", problem, row.event_key, extra=extra)
                delay = min(60.0, self.retry.backoff(row.attempts) * 5)
                self._settle(row, outcome="retry", note=str(exc), delay=delay)
                return
            log.error("%s; giving up on event %s", problem, row.event_key, extra=extra)
            notice = self._notice(envelope, "web.access_problem", row.received_at)
            self._settle(row, outcome="failed", note=str(exc), notice=notice)
            return
        if exc.status == 404:
            log.warning("event %s: Webex no longer has it: %s", row.event_key, exc, extra=extra)
            self.metrics.events_not_found.inc()
        else:
            log.warning("event %s cannot be handled: %s", row.event_key, exc, extra=extra)
        self._settle(row, outcome="failed", note=str(exc))

    def _notice(
        self, envelope: WebhookEnvelope | None, key: str, at: datetime
    ) -> OutgoingMessage | None:
        """A notice to the event's space (unthreaded: its message could not be read)."""
        if envelope is None or envelope.space_id is None:
            return None
        locale = self.bot.settings.locale
        text = t(key, locale, time=notice_time(at, locale))
        return OutgoingMessage(room_id=envelope.space_id, markdown=text)

    # -- from an event to a pipeline request --------------------------------------------------

    def _job(self, envelope: WebhookEnvelope, cid: str, *, first: bool = False) -> _Job:
        me = self.identity()
        key = (envelope.resource, envelope.event)
        if key == MESSAGES_CREATED:
            if envelope.person_id == me.id:
                raise _Skip("the bot's own message")
            return self._message_job(envelope, me, cid, first)
        if key == ACTIONS_CREATED:
            return self._action_job(envelope, me, cid, first)
        raise _Skip(f"not handled: {envelope.resource}/{envelope.event}")

    def _message_job(self, envelope: WebhookEnvelope, me: Person, cid: str, first: bool) -> _Job:
        message = self.gateway.message(envelope.data_id)
        if message.person_id == me.id:
            raise _Skip("the bot's own message")
        org_id: str | None = None
        if self.bot.access.checks_orgs:  # a People call only when an org allow-list needs it
            org_id = self.gateway.person(message.person_id).org_id
        parent = (message.parent_id or message.id) if message.in_group else None
        request = Request(
            person_email=message.person_email,
            text=command_text(message, me),
            via="chat",
            space_id=message.room_id,
            direct=not message.in_group,
            org_id=org_id,
            bot_names=mention_names(message, me),
            correlation_id=cid,
            files=message.files,
            thread_id=parent,
            first_attempt=first,
        )
        return _Job(request, message.room_id, parent)

    def _action_job(self, envelope: WebhookEnvelope, me: Person, cid: str, first: bool) -> _Job:
        action = self.gateway.card_action(envelope.data_id)
        if action.person_id == me.id:
            raise _Skip("the bot's own card action")
        # The clicker, not whoever asked for the card: a forwarded card gives no one more rights.
        person = self.gateway.person(action.person_id)
        parent: str | None = None
        try:
            card = self.gateway.message(action.message_id)
        except WebexRejected:
            card = None  # the card was deleted; answer in the room, unthreaded
        if card is not None and card.in_group:
            parent = card.parent_id or card.id
        request = Request(
            person_email=person.email,
            action=action.name or "",
            inputs=dict(action.inputs),
            via="card",
            space_id=action.room_id,
            direct=card is not None and not card.in_group,
            org_id=person.org_id,
            bot_names=(me.display_name,),
            correlation_id=cid,
            thread_id=parent,
            first_attempt=first,
        )
        return _Job(request, action.room_id, parent)

    def _dispatch(self, request: Request) -> Dispatched:
        # The chain's already_handled link keeps a resumed event from repeating its action.
        started = time.perf_counter()
        done = dispatch(self.bot, request)
        self.metrics.commands.labels(done.name, done.result).inc()
        self.metrics.command_seconds.labels(done.name).observe(time.perf_counter() - started)
        return done

    # -- settling ----------------------------------------------------------------------------

    def _settle(
        self,
        row: WebhookEventRow,
        *,
        outcome: str,
        note: str | None = None,
        messages: list[OutgoingMessage] | None = None,
        cid: str | None = None,
        about: str | None = None,
        delay: float = 0.0,
        notice: OutgoingMessage | None = None,
    ) -> OutboxRow | None:
        """Settle the event with its replies; the first reply if it was claimed to hand over."""
        now = self.bot.clock.now()
        handed: OutboxRow | None = None
        with self.bot.db.uow() as uow:
            # The claimed row itself is settled, not a fresh read: its claim is ours (kept alive
            # by the heartbeat), so what the claim returned is what the database holds; settling
            # it is one UPDATE by id (storage/events.py), with no SELECT and no merge.
            for index, message in enumerate(messages or []):
                key = f"{cid}:{index}"
                if index == 0 and self.hand_over is not None:
                    handed = uow.outbox.enqueue_claimed(
                        message,
                        dedupe_key=key,
                        now=now,
                        by=self.claimant,
                        correlation_id=cid,
                        about=about,
                        asked_at=row.received_at,
                    )
                    continue
                uow.outbox.enqueue(
                    message,
                    dedupe_key=key,
                    now=now,
                    correlation_id=cid,
                    about=about,
                    asked_at=row.received_at,
                )
            if notice is not None:
                key = f"{NOTICE_PREFIX}{row.correlation_id or row.id}"
                uow.outbox.enqueue(notice, dedupe_key=key, now=now)
            if outcome == "done":
                uow.events.mark_done(row, now=now, note=note)
            elif outcome == "failed":
                uow.events.mark_failed(row, now=now, error=note or "failed")
                self.metrics.events_failed.inc()
            else:
                uow.events.retry_at(row, at=now + timedelta(seconds=delay), error=note or "")
            uow.commit()
        if handed is not None:
            self.claimant.held.add(OutboxRow, [handed.id])
        if notice is not None:
            self.on_enqueued()
        return handed
