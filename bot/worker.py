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
"""

from __future__ import annotations

import base64
import binascii
import html
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.bootstrap import Bot
from bot.delivery import RetryPolicy
from bot.dispatch import Request, dispatch, is_silent
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
from storage.events import WebhookEventRepository
from storage.models import WebhookEventRow
from storage.outbox import OutgoingMessage

log = logging.getLogger(__name__)

Renderer = Callable[[Reply, str], RenderedReply]
#: Fetching an event's message from Webex: retried sooner than a reply, as often.
EVENT_RETRY = RetryPolicy(base_delay=1.0)

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
        renderer: Renderer = render,
        on_enqueued: Callable[[], None] = lambda: None,
        lease: timedelta = timedelta(seconds=120),
        retry: RetryPolicy = EVENT_RETRY,
        batch: int = 5,
    ) -> None:
        self.bot = bot
        self.gateway = gateway
        self.metrics = metrics
        self.renderer = renderer
        self.on_enqueued = on_enqueued
        self.lease = lease
        self.retry = retry
        self.batch = batch
        self._me: Person | None = None

    def identity(self) -> Person:
        """The bot's own person record, read from Webex once and kept."""
        if self._me is None:
            self._me = self.gateway.me()
            log.info("the bot is %s (%s)", self._me.display_name, self._me.email)
        return self._me

    def run_once(self) -> int:
        """Claim and handle a batch of due events; how many were claimed."""
        with self.bot.db.uow() as uow:
            rows = WebhookEventRepository(uow.session).claim(
                now=self.bot.clock.now(), lease=self.lease, limit=self.batch
            )
            uow.commit()
        for row in rows:
            self.process(row)
        return len(rows)

    def process(self, row: WebhookEventRow) -> None:
        """Handle one claimed event and settle it: done, retry later, or failed."""
        cid = row.correlation_id or correlation_id_of(row.event_key)
        extra = {"event_key": row.event_key, "correlation_id": cid}
        try:
            envelope = WebhookEnvelope.parse(row.payload)
            job = self._job(envelope, cid)
            reply = self._reply(job.request, cid)
            messages: list[OutgoingMessage] = []
            if not is_silent(reply):  # e.g. a space already told it may not use the bot
                rendered = self.renderer(reply, self.bot.settings.locale)
                messages = rendered.messages(room_id=job.room_id, parent_id=job.parent_id)
        except _Skip as skip:
            self._settle(row, outcome="done", note=str(skip))
            log.debug("event %s needs no answer: %s", row.event_key, skip, extra=extra)
            return
        except WebexUnavailable as exc:
            delay = self.retry.delay_after(exc, row.attempts)
            self._retry_or_fail(row, str(exc), delay, extra)
            return
        except (WebexRejected, EnvelopeError) as exc:
            log.warning("event %s cannot be handled: %s", row.event_key, exc, extra=extra)
            self._settle(row, outcome="failed", note=str(exc))
            return
        except Exception as exc:
            log.exception("event %s failed", row.event_key, extra=extra)
            self._retry_or_fail(
                row, f"{type(exc).__name__}: {exc}", self.retry.backoff(row.attempts), extra
            )
            return
        self._settle(row, outcome="done", messages=messages, cid=cid)
        log.info(
            "event %s handled: %s, %d message(s) queued",
            row.event_key,
            reply.command or "-",
            len(messages),
            extra=extra,
        )
        if messages:
            self.on_enqueued()

    # -- from an event to a pipeline request --------------------------------------------------

    def _job(self, envelope: WebhookEnvelope, cid: str) -> _Job:
        me = self.identity()
        key = (envelope.resource, envelope.event)
        if key == MESSAGES_CREATED:
            if envelope.person_id == me.id:
                raise _Skip("the bot's own message")
            return self._message_job(envelope, me, cid)
        if key == ACTIONS_CREATED:
            return self._action_job(envelope, me, cid)
        raise _Skip(f"not handled: {envelope.resource}/{envelope.event}")

    def _message_job(self, envelope: WebhookEnvelope, me: Person, cid: str) -> _Job:
        message = self.gateway.message(envelope.data_id)
        if message.person_id == me.id:
            raise _Skip("the bot's own message")
        org_id: str | None = None
        if self.bot.access.checks_orgs:  # a People call only when an org allow-list needs it
            org_id = self.gateway.person(message.person_id).org_id
        request = Request(
            person_email=message.person_email,
            text=command_text(message, me),
            via="chat",
            space_id=message.room_id,
            direct=not message.in_group,
            org_id=org_id,
            bot_names=mention_names(message, me),
            correlation_id=cid,
        )
        parent = (message.parent_id or message.id) if message.in_group else None
        return _Job(request, message.room_id, parent)

    def _action_job(self, envelope: WebhookEnvelope, me: Person, cid: str) -> _Job:
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
        )
        return _Job(request, action.room_id, parent)

    def _reply(self, request: Request, cid: str) -> Reply:
        done = dispatch(self.bot, request)
        self.metrics.commands.labels(done.name, done.result).inc()
        return done.reply

    # -- settling ----------------------------------------------------------------------------

    def _retry_or_fail(
        self, row: WebhookEventRow, error: str, delay: float, extra: Mapping[str, object]
    ) -> None:
        # ``attempts`` counts claims, so it is already this attempt's number.
        if row.attempts >= self.retry.max_attempts:
            log.error(
                "event %s given up after %d attempts: %s",
                row.event_key,
                row.attempts,
                error,
                extra=extra,
            )
            self._settle(row, outcome="failed", note=error)
            return
        log.warning(
            "event %s will be retried in %.1fs: %s", row.event_key, delay, error, extra=extra
        )
        self._settle(row, outcome="retry", note=error, delay=delay)

    def _settle(
        self,
        row: WebhookEventRow,
        *,
        outcome: str,
        note: str | None = None,
        messages: list[OutgoingMessage] | None = None,
        cid: str | None = None,
        delay: float = 0.0,
    ) -> None:
        now = self.bot.clock.now()
        with self.bot.db.uow() as uow:
            events = WebhookEventRepository(uow.session)
            current = events.get(row.id)
            if current is None:
                return
            for index, message in enumerate(messages or []):
                uow.outbox.enqueue(
                    message, dedupe_key=f"{cid}:{index}", now=now, correlation_id=cid
                )
            if outcome == "done":
                events.mark_done(current, now=now, note=note)
            elif outcome == "failed":
                events.mark_failed(current, now=now, error=note or "failed")
                self.metrics.events_failed.inc()
            else:
                events.retry_at(current, at=now + timedelta(seconds=delay), error=note or "")
            uow.commit()
