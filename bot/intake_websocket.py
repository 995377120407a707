"""The websocket intake: events from Webex over an outbound connection, so no public URL is needed.

One background thread keeps a socket to the bot's WDM device open (bot.wdm, bot.mercury):
authorise with the bot token, ping every ``ping_interval`` seconds and expect a pong within
``pong_timeout``, turn each ``conversation.activity`` into the event the webhook intake would
store (same key, so a webhook, a redelivery or a replay of the same message is handled once), and
ack the envelope only after its event is committed. Another thread backfills over REST after every
(re)connect and after a gap in sequence numbers (bot.intake_backfill).

Staying connected: any lost connection or close code reconnects with jittered exponential
backoff (capped at ``reconnect_max``); a 404/410 on the handshake means the device is gone and a
new one is registered; 4401 re-reads the device (and so checks the token) before reconnecting.
4400, 4403, and a token Webex refuses (401) stop the intake with a log line and /readyz says why.

Several ``serve`` processes on one database: one leads, the others stand by and take over within
a heartbeat or a lease (bot.intake_leader says why).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from bot import mercury
from bot.bootstrap import Bot
from bot.events import correlation_id_of
from bot.intake_backfill import backfill
from bot.intake_ids import ActivityIds
from bot.intake_leader import SoleLeader, leadership_for
from bot.intake_status import IntakeMetrics, IntakeState, readiness
from bot.mercury import Frame, FrameError, IntakeEvent
from bot.metrics import Metrics
from bot.scheduler import Leadership
from bot.wdm import Device, DeviceRegistry, WdmError
from bot.webex import WebexError, WebexGateway

if TYPE_CHECKING:
    from bot.runtime import Background

log = logging.getLogger(__name__)

REREGISTER_STATUS = frozenset({404, 410})
GIVE_UP_CODES = {4400: "bad request (4400)", 4403: "forbidden (4403)"}
REFRESH_CODE = 4401


@dataclass(frozen=True)
class IntakeOptions:
    """Timings of the websocket intake; the defaults are the JS SDK's where it has one."""

    reconnect_base: float = 1.0
    reconnect_max: float = 60.0
    ping_interval: float = 15.0
    pong_timeout: float = 14.0
    open_timeout: float = 10.0
    lead_check: float = 5.0
    # Messages created this long before the last frame seen are looked for again: clock skew
    # between Webex and us, and events in flight when the socket went down.
    backfill_margin: timedelta = timedelta(minutes=2)
    backfill_max_age: timedelta = timedelta(hours=24)
    backfill_retry: float = 5.0
    not_ready_after: float = 180.0


class _Stop(Exception):
    """The intake cannot go on (token refused, 4400/4403); the message says why."""


class _Reregister(Exception):
    """The device's websocket is gone: register a new device."""


class _Refresh(Exception):
    """Re-read the device (and so check the token) before reconnecting."""


class WebsocketIntake:
    """The websocket intake of one ``serve`` process: a service with ``start``/``stop``."""

    def __init__(
        self,
        bot: Bot,
        gateway: WebexGateway,
        registry: DeviceRegistry,
        *,
        metrics: Metrics,
        on_event: Callable[[], None] = lambda: None,
        options: IntakeOptions | None = None,
        leadership: Leadership | None = None,
    ) -> None:
        self.bot = bot
        self.gateway = gateway
        self.registry = registry
        self.options = options or IntakeOptions(
            reconnect_max=bot.settings.webex.reconnect_max_seconds
        )
        self.on_event = on_event
        self.leadership: Leadership = leadership or SoleLeader()
        self.status = IntakeState()
        self._metrics = IntakeMetrics(metrics)
        self._stopping = threading.Event()
        self._socket: ClientConnection | None = None
        self._device: Device | None = None
        self._me_id: str | None = None
        self._me_uuid: str | None = None
        self._ids: ActivityIds | None = None
        self._started_at = bot.clock.now()
        self._last_alive: datetime | None = None
        self._ready = False
        self._backfill_since: datetime | None = None
        self._backfilling = False
        self._backfill_wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="onboard-websocket", daemon=True)
        self._backfiller = threading.Thread(
            target=self._backfill_loop, name="onboard-backfill", daemon=True
        )

    # -- service -------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background."""
        self._thread.start()
        self._backfiller.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the socket and stop both threads."""
        self._stopping.set()
        with self._backfill_wake:
            self._backfill_wake.notify_all()
        sock = self._socket
        if sock is not None:
            try:
                sock.close()
            except Exception:
                log.debug("closing the websocket failed", exc_info=True)
        for thread in (self._thread, self._backfiller):
            if thread.is_alive():
                thread.join(timeout)
        try:
            self.leadership.release()
        except Exception:
            log.warning("could not release the websocket leadership", exc_info=True)

    def readiness(self) -> tuple[dict[str, Any], list[str]]:
        """The intake's part of /readyz: its state, and what is wrong (empty when fine)."""
        return readiness(self.status, not_ready_after=self.options.not_ready_after)

    # -- the connection loop -------------------------------------------------------------------

    def _set(self, state: str, **changes: Any) -> None:
        with self.status.lock:
            self.status.state = state
            for name, value in changes.items():
                setattr(self.status, name, value)

    def _run(self) -> None:
        attempt = 0
        first = True
        self._set("connecting", disconnected_at=time.monotonic())
        while not self._stopping.is_set():
            if not self._lead():
                self._set("standby")
                self._stopping.wait(self.options.lead_check)
                continue
            if not first:
                self._metrics.reconnects.inc()
                with self.status.lock:
                    self.status.reconnects += 1
            first = False
            self._ready = False
            try:
                self._identify()
                if self._device is None:
                    self._device = self.registry.register()
                self._session(self._device)
            except _Stop as stop:
                self._give_up(str(stop))
                return
            except _Reregister as exc:
                log.warning("websocket handshake refused (%s): registering a new device", exc)
                try:
                    self._device = self.registry.replace(self._device) if self._device else None
                except WdmError as wdm:
                    if self._fatal(wdm):
                        return
                    self._device = None
            except _Refresh:
                try:
                    self._device = self.registry.register()
                except WdmError as wdm:
                    if self._fatal(wdm):
                        return
                    self._device = None
            except WdmError as exc:
                if self._fatal(exc):  # logs it otherwise
                    return
            except WebexError as exc:
                if exc.status == 401:
                    self._give_up(f"Webex refused the bot token: {exc}")
                    return
                log.warning("websocket intake: %s", exc)
            except (OSError, WebSocketException, TimeoutError) as exc:
                log.warning("websocket connection failed: %s", _describe(exc))
            except Exception:  # the intake must outlive any one bad frame or database hiccup
                log.exception("websocket intake: unexpected error")
            if self._stopping.is_set():
                break
            if self._ready:
                attempt = 0  # it was up: start the backoff from the bottom again
            self._metrics.connected.set(0)
            with self.status.lock:
                if self.status.disconnected_at is None:
                    self.status.disconnected_at = time.monotonic()
            self._set("reconnecting", connected_since=None)
            delay = backoff_delay(attempt, self.options.reconnect_base, self.options.reconnect_max)
            attempt += 1
            log.info("websocket reconnecting in %.1fs", delay)
            self._stopping.wait(delay)
        self._metrics.connected.set(0)

    def _lead(self) -> bool:
        try:
            return bool(self.leadership.acquire())
        except Exception:
            log.warning("could not check the websocket leadership", exc_info=True)
            return False

    def _fatal(self, exc: WdmError) -> bool:
        if exc.token_refused:
            self._give_up(f"Webex refused the bot token ({exc.status}) at the device service")
            return True
        log.warning("websocket device: %s", exc)
        return False

    def _give_up(self, reason: str) -> None:
        log.error("websocket intake stopped: %s; fix it and restart onboard-bot serve", reason)
        self._stopping.set()  # the backfill too: with this token it can only fail
        with self._backfill_wake:
            self._backfill_wake.notify_all()
        self._metrics.connected.set(0)
        self._set("stopped", stopped_reason=reason, connected_since=None)

    def _identify(self) -> None:
        if self._me_id is None:
            me = self.gateway.me()
            self._me_id, self._me_uuid = me.id, mercury.uuid_of(me.id)

    def _session(self, device: Device) -> bool:
        """One connection, until it closes; True when it got as far as ready."""
        token = self.bot.settings.webex.bot_token
        assert token is not None
        self._ready = False
        try:
            with connect(
                device.connect_url,
                open_timeout=self.options.open_timeout,
                close_timeout=2,
                ping_interval=None,  # Mercury's keepalive is its own ping/pong messages
                user_agent_header="onboard-bot",
            ) as sock:
                self._socket = sock
                sock.send(mercury.authorization(token.get_secret_value()))
                self._receive(sock)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in REREGISTER_STATUS:
                raise _Reregister(str(status)) from exc
            if status == 401:
                raise _Refresh() from exc
            raise
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            if code in GIVE_UP_CODES:
                raise _Stop(f"Webex closed the websocket: {GIVE_UP_CODES[code]}") from exc
            if self._stopping.is_set():
                log.info("websocket closed on shutdown")
            else:
                log.warning("websocket closed: %s", _describe(exc))
            if code == REFRESH_CODE:
                raise _Refresh() from exc
        finally:
            self._socket = None
        return self._ready

    def _receive(self, sock: ClientConnection) -> None:
        o = self.options
        # The last frame of the previous connection: what came after it may be missing.
        anchor = self._last_alive
        last_seq: int | None = None
        next_ping = time.monotonic() + o.ping_interval
        next_lead = time.monotonic() + o.lead_check
        pending_ping: str | None = None
        pong_due = float("inf")
        while not self._stopping.is_set():
            ping_at = next_ping if pending_ping is None else pong_due
            wait = max(0.0, min(ping_at, pong_due, next_lead) - time.monotonic())
            try:
                raw = sock.recv(timeout=wait)
            except TimeoutError:
                raw = None
            now = time.monotonic()
            if raw is not None:
                self._last_alive = self.bot.clock.now()
                try:
                    frame = Frame.parse(raw)
                except FrameError as exc:
                    log.warning("unreadable websocket frame ignored: %s", exc)
                    continue
                if frame.sequence is not None:
                    if last_seq is not None and frame.sequence > last_seq + 1:
                        self._gap(last_seq, frame.sequence)
                    last_seq = frame.sequence if last_seq is None else max(last_seq, frame.sequence)
                if frame.is_pong:
                    if frame.id == pending_ping:
                        pending_ping, pong_due = None, float("inf")
                else:
                    if frame.is_ready and not self._ready:
                        self._ready = True
                        self._connected(anchor)
                    self._handle(sock, frame)
            if now >= pong_due:
                log.warning("no pong within %.0fs: the websocket is dead", o.pong_timeout)
                return
            if now >= next_ping and pending_ping is None:
                # One ping at a time: a new one must not push the pong deadline back.
                pending_ping = str(uuid.uuid4())
                sock.send(mercury.ping(pending_ping))
                pong_due = now + o.pong_timeout
                next_ping = now + o.ping_interval
            if now >= next_lead:
                next_lead = now + o.lead_check
                if not self._lead():
                    log.info("another process leads the websocket intake now; standing by")
                    return

    def _connected(self, anchor: datetime | None) -> None:
        now = self.bot.clock.now()
        if anchor is None:
            # The first connection of this process: since the newest stored event.
            with self.bot.db.uow() as uow:
                anchor = uow.events.last_received_at() or self._started_at
        # Asked for before the state says connected, so "connected and the backfill idle" means
        # the backfill of this connection is done.
        self.request_backfill(anchor)
        with self.status.lock:
            self.status.state = "connected"
            self.status.connected_once = True
            self.status.connected_since = now
            self.status.disconnected_at = None
        self._metrics.connected.set(1)
        log.info("websocket connected")

    def _gap(self, last: int, got: int) -> None:
        log.warning("websocket sequence jumped from %d to %d: backfilling", last, got)
        self._metrics.gaps.inc()
        self.request_backfill(self._last_alive or self.bot.clock.now())

    def _handle(self, sock: ClientConnection, frame: Frame) -> None:
        activity = frame.activity
        if activity is not None:
            event = mercury.event_of(activity)
            if event is not None and self._wanted(event):
                event = self._resolve(activity, event)
            if event is None or not self._wanted(event):
                self._metrics.events.labels("ignored").inc()
            else:
                payload = event.payload(envelope_id=frame.id, sequence=frame.sequence)
                fresh = self.record(event, payload)
                self._metrics.events.labels("recorded" if fresh else "duplicate").inc()
        if frame.id is not None and frame.data:
            # After the commit: an envelope we could not store is not acked (and is backfilled).
            sock.send(mercury.ack(frame.id))

    def _wanted(self, event: IntakeEvent) -> bool:
        if event.actor_uuid == self._me_uuid:
            return False  # the bot's own messages and clicks
        mentioned = event.data.get("mentionedPeople")
        if event.data.get("roomType") == "group" and isinstance(mentioned, list):
            # A bot hears group messages only when @mentioned, as with webhooks. By UUID:
            # the cluster part of an id may differ from the one /people/me gave.
            return self._me_uuid in {mercury.uuid_of(p) for p in mentioned}
        return True

    def _resolve(self, activity: Mapping[str, Any], event: IntakeEvent) -> IntakeEvent | None:
        """The event with a REST id Webex confirmed when ours is unsure; None to skip it."""
        if self._ids is None:
            self._ids = ActivityIds(self.registry.conversation_url(), self.registry.get)
        try:
            return self._ids.resolve(activity, event)
        except WdmError as exc:
            if exc.status is None or exc.status >= 500 or exc.token_refused:
                raise  # not acked: reconnect, and the backfill finds it
            log.warning("activity %s skipped: its id lookup failed: %s", event.event_key, exc)
            return None

    # -- recording -----------------------------------------------------------------------------

    def record(self, event: IntakeEvent, payload: dict[str, Any] | None = None) -> bool:
        """Store the event under its key (the webhook intake's path); True when it is new.

        Without ``payload`` the event came from the backfill and is stored as such.
        """
        key = event.event_key
        body = payload or event.payload(via="backfill")
        now = self.bot.clock.now()
        with self.bot.db.uow() as uow:
            fresh = uow.events.record(
                event_key=key,
                resource=event.resource,
                event=event.event,
                payload=body,
                now=now,
                correlation_id=correlation_id_of(key),
            )
            uow.commit()
        if fresh:
            with self.status.lock:
                self.status.last_event_at = now
            log.info("websocket event %s recorded", key, extra={"event_key": key})
            try:
                self.on_event()
            except Exception:  # stored: the worker's own polling finds it
                log.exception("could not wake the worker")
        return fresh

    # -- backfill ------------------------------------------------------------------------------

    @property
    def backfill_idle(self) -> bool:
        """No backfill asked for and none running (what was missed is recorded by now)."""
        with self._backfill_wake:
            return self._backfill_since is None and not self._backfilling

    def request_backfill(self, since: datetime) -> None:
        """Ask the backfill thread to look for messages since ``since`` (earliest request wins)."""
        floor = self.bot.clock.now() - self.options.backfill_max_age
        since = max(since - self.options.backfill_margin, floor)
        with self._backfill_wake:
            if self._backfill_since is None or since < self._backfill_since:
                self._backfill_since = since
            self._backfill_wake.notify_all()

    def _backfill_loop(self) -> None:
        while not self._stopping.is_set():
            with self._backfill_wake:
                while self._backfill_since is None and not self._stopping.is_set():
                    self._backfill_wake.wait(1.0)
                since, self._backfill_since = self._backfill_since, None
                self._backfilling = since is not None
            if since is None:
                continue
            try:
                self._identify()
                assert self._me_id is not None
                found = backfill(self.gateway, since=since, me_id=self._me_id, record=self.record)
                self._metrics.backfilled.inc(found)
            except Exception as exc:
                # Retried until it succeeds (or a newer request covers it): nothing is dropped.
                log.warning("backfill since %s failed, will retry: %s", since.isoformat(), exc)
                with self._backfill_wake:
                    if self._backfill_since is None or since < self._backfill_since:
                        self._backfill_since = since
                self._stopping.wait(self.options.backfill_retry)
            finally:
                self._backfilling = False


def backoff_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before reconnect ``attempt`` (0-based): doubling from ``base`` to ``cap``.

    Equal jitter (half fixed, half random): never a hot loop, and many bots dropped at once by
    the same outage do not come back in step.
    """
    ceiling = min(cap, base * 2 ** min(attempt, 30))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        code = exc.rcvd.code if exc.rcvd is not None else None
        return f"close code {code}" if code is not None else "connection lost (no close frame)"
    return f"{type(exc).__name__}: {exc}"


def websocket_intake(bot: Bot, gateway: WebexGateway, runtime: Background) -> WebsocketIntake:
    """The websocket intake of a ``serve`` process, waking its worker on each new event."""
    token = bot.settings.webex.bot_token
    if token is None:
        raise ValueError("webex.bot_token is not set (WEBEX_BOT_TOKEN)")
    registry = DeviceRegistry(token.get_secret_value(), u2c_url=bot.settings.webex.u2c_url)
    return WebsocketIntake(
        bot,
        gateway,
        registry,
        metrics=runtime.metrics,
        on_event=runtime.wake_worker,
        leadership=leadership_for(bot),
    )
