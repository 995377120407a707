"""A local, in-memory Webex REST API that webexpythonsdk talks to over loopback HTTP.

Used by tests and by ``make run`` in local mode. Typical use::

    emulator = WebexEmulator()
    emulator.add_bot("Onboard", "onboard@webex.bot", token="bot-token")
    emulator.add_person("ana@example.com", "Ana Admin")
    server = emulator.start()                      # server.api_url -> SDK base_url
    room = emulator.create_room("Ops", members=["ana@example.com", "onboard@webex.bot"])
    emulator.send_as("ana@example.com", room["id"], "status pending")
"""

from __future__ import annotations

import copy
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bot.local.console import is_loopback, mount_console
from bot.local.emulator_http import create_app
from bot.local.emulator_log import Exchange, Fault
from bot.local.emulator_model import ApiFailure, Content, JsonDict, Person
from bot.local.emulator_state import EmulatorState, escape
from bot.local.emulator_webhooks import Delivery, sign
from bot.local.emulator_websocket import MercuryStandIn

if TYPE_CHECKING:
    from bot.local.admin_api_state import AdminApiState

__all__ = ["ApiFailure", "Delivery", "EmulatorServer", "Exchange", "WebexEmulator", "sign"]

T = TypeVar("T")


class WebexEmulator(EmulatorState):
    """The emulated Webex plus the Python API tests and the console use to act as people."""

    def create_app(self) -> Flask:
        """The Flask app serving this emulator's REST API."""
        return create_app(self)

    def start(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        admin: AdminApiState | None = None,
        sock: socket.socket | None = None,
    ) -> EmulatorServer:
        """Serve the REST API from a background thread; see ``EmulatorServer``."""
        return EmulatorServer(self, host=host, port=port, admin=admin, sock=sock).start()

    def close(self) -> None:
        """Stop the webhook delivery thread (it restarts on the next delivery)."""
        self._deliverer.stop()

    # -- acting as people --------------------------------------------------------------------

    def _bot_in(self, room_id: str) -> Person | None:
        room = self._rooms[room_id]
        return next((self._people[m] for m in room.members if self._people[m].kind == "bot"), None)

    def send_as(
        self,
        person_email: str,
        room_id: str,
        text: str,
        *,
        mention_bot: bool = True,
        parent_id: str | None = None,
        upload: Content | None = None,
    ) -> JsonDict:
        """Post ``text`` as a person, as a Webex client would, and fire webhooks.

        In a group room with ``mention_bot``, the room's bot is @mentioned in front of the text
        (``text``, ``html`` with a spark-mention, ``mentionedPeople``). ``upload`` attaches one
        file, which the message's ``files`` then lists as a content URL (``GET /v1/contents``).
        """
        with self._lock:
            author = self._by_email(person_email)
            room = self._rooms[room_id]
            if author.id not in room.members:
                raise ValueError(f"{person_email} is not a member of {room.title}")
            bot = self._bot_in(room_id)
            files = None
            if upload is not None:
                if len(upload.data) > self.max_file_bytes:
                    raise ApiFailure(400, "The file exceeds the maximum file size of 100 MB.")
                files = [self._store_content(upload, room.id)]
            mentioned: list[str] = []
            html_text = f"<p>{escape(text)}</p>"
            if room.type == "group" and mention_bot and bot is not None:
                mentioned = [bot.id]
                html_text = (
                    f'<p><spark-mention data-object-type="person" data-object-id="{bot.id}">'
                    f"{escape(bot.display_name)}</spark-mention> {escape(text)}</p>"
                )
                text = f"{bot.display_name} {text}"
            return self.post_message(
                author,
                room,
                text=text,
                html_text=html_text,
                parent_id=parent_id,
                mentioned=mentioned,
                files=files,
            )

    def click(
        self, person_email: str, message_id: str, inputs: Mapping[str, Any] | None = None
    ) -> JsonDict:
        """Submit a card as a person: creates an attachment action and fires webhooks."""
        with self._lock:
            actor = self._by_email(person_email)
            return self.create_action(
                actor, {"type": "submit", "messageId": message_id, "inputs": dict(inputs or {})}
            )

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: JsonDict | None = None,
        *,
        delay: float = 0.0,
        after_landing: bool = False,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status``.

        ``path_regex`` is ``re.search``-ed against the path (``/v1/...``); ``method`` may be
        ``*``. ``headers`` defaults to ``{"Retry-After": "1"}``; ``body`` to a Webex error body.
        ``delay`` holds the answer for that many seconds; ``after_landing`` carries the request
        out first (a POST lands) and then answers ``status`` (200: the real answer, late).
        """
        return self.faults.add(
            method,
            path_regex,
            status,
            times=times,
            headers=headers,
            body=body,
            delay=delay,
            after_landing=after_landing,
        )

    # -- reading state -----------------------------------------------------------------------

    def person(self, email: str) -> JsonDict:
        """The People record of this email."""
        with self._lock:
            return self._by_email(email).to_api()

    def people(self) -> list[JsonDict]:
        """Every person and bot, as People records, in the order they were added."""
        with self._lock:
            return [p.to_api() for p in self._people.values()]

    def rooms(self, *, member_email: str | None = None) -> list[JsonDict]:
        """Every room (or ``member_email``'s), oldest first, with ``members`` (person ids)."""
        with self._lock:
            member = self._by_email(member_email).id if member_email else None
            return [
                {**r.to_api(), "members": list(r.members)}
                for r in self._rooms.values()
                if member is None or member in r.members
            ]

    def content(self, content_id: str, *, person_email: str) -> Content:
        """A posted file as ``person_email`` may download it (ApiFailure 404 otherwise)."""
        with self._lock:
            return self.api_get_content(self._by_email(person_email), content_id)

    def room(self, room_id: str) -> JsonDict:
        """The Rooms record of this room, with ``members`` (person ids) added."""
        with self._lock:
            room = self._rooms[room_id]
            return {**room.to_api(), "members": list(room.members)}

    def messages_in(self, room_id: str, *, person_email: str | None = None) -> list[JsonDict]:
        """Messages in a room, oldest first; only ``person_email``'s when given."""
        with self._lock:
            author = self._by_email(person_email).id if person_email else None
            return [
                copy.deepcopy(m)
                for m in self._messages.values()
                if m["roomId"] == room_id and (author is None or m["personId"] == author)
            ]

    def replies_to(self, parent_id: str) -> list[JsonDict]:
        """Thread replies to a message, oldest first."""
        with self._lock:
            return [
                copy.deepcopy(m) for m in self._messages.values() if m.get("parentId") == parent_id
            ]

    def message(self, message_id: str) -> JsonDict | None:
        """A message by id, or None when it doesn't exist (or was deleted)."""
        with self._lock:
            found = self._messages.get(message_id)
            return copy.deepcopy(found) if found else None

    def action(self, action_id: str) -> JsonDict | None:
        """An attachment action by id."""
        with self._lock:
            found = self._actions.get(action_id)
            return copy.deepcopy(found) if found else None

    def webhooks(self, *, owner_email: str | None = None) -> list[JsonDict]:
        """Registered webhooks (all, or one owner's)."""
        with self._lock:
            owner = self._by_email(owner_email).id if owner_email else None
            return [
                copy.deepcopy(h.body)
                for h in self._webhooks.values()
                if owner is None or h.owner_id == owner
            ]

    @property
    def exchanges(self) -> list[Exchange]:
        """Every request served so far, oldest first."""
        with self._lock:
            return list(self._exchanges)

    def requests_by(self, email: str) -> list[Exchange]:
        """Requests made with the token of this person or bot."""
        return [e for e in self.exchanges if e.caller_email == email]

    def clear_exchanges(self) -> None:
        """Forget the request log (e.g. after test setup)."""
        with self._lock:
            self._exchanges.clear()

    def deliveries(self, *, webhook_id: str | None = None) -> list[Delivery]:
        """Webhook deliveries, oldest first (finished ones have ``done`` set)."""
        with self._lock:
            return [
                d
                for d in self._deliveries.values()
                if webhook_id is None or d.webhook_id == webhook_id
            ]

    def deliver_again(self, delivery_id: str, times: int = 1) -> list[Delivery]:
        """Re-POST the exact same envelope (same bytes, same signature) ``times`` times."""
        with self._lock:
            original = self._deliveries[delivery_id]
            hook = self._webhooks.get(original.webhook_id)
            copies = []
            for _ in range(times):
                if hook is not None:
                    copies.append(self._enqueue(hook, original.body, delivery_id))
                else:
                    copies.append(self._resend_orphan(original))
            return copies

    def _resend_orphan(self, original: Delivery) -> Delivery:
        delivery = Delivery(
            id=f"delivery-{next(self._delivery_ids)}",
            webhook_id=original.webhook_id,
            target_url=original.target_url,
            body=original.body,
            headers=dict(original.headers),
            redelivery_of=original.id,
        )
        self._deliveries[delivery.id] = delivery
        self._deliverer.submit(delivery)
        return delivery

    # -- waiting -----------------------------------------------------------------------------

    def wait_for(
        self, predicate: Callable[[], T | None], timeout: float = 5.0, message: str = "condition"
    ) -> T:
        """Return the first truthy value of ``predicate()``, re-checked on every state change.

        Raises ``TimeoutError`` after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                version = self._version
            # Evaluated without the lock: a predicate may call the emulator over HTTP.
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {message}")
            with self._changed:
                if self._version == version:
                    # Also wake periodically: the predicate may depend on things outside it.
                    self._changed.wait(min(remaining, 0.05))

    def wait_for_message(
        self,
        room_id: str,
        *,
        from_email: str | None = None,
        parent_id: str | None = None,
        after: str | None = None,
        timeout: float = 5.0,
    ) -> JsonDict:
        """Wait for a message in a room (by someone, in a thread, newer than message ``after``)."""

        def find() -> JsonDict | None:
            messages = self.messages_in(room_id, person_email=from_email)
            if after is not None:
                ids = [m["id"] for m in self.messages_in(room_id)]
                seen = set(ids[: ids.index(after) + 1]) if after in ids else set()
                messages = [m for m in messages if m["id"] not in seen]
            if parent_id is not None:
                messages = [m for m in messages if m.get("parentId") == parent_id]
            return messages[0] if messages else None

        return self.wait_for(find, timeout, f"a message in room {room_id}")

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until every queued webhook delivery has been attempted."""
        self.wait_for(lambda: self._deliverer.idle, timeout, "webhook deliveries")


class _QuietHandler(WSGIRequestHandler):
    """Keeps werkzeug's per-request access log off stderr (the emulator records requests)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class EmulatorServer:
    """Runs an emulator's Flask app with werkzeug's threaded server on a background thread.

    With ``admin``, the admin-API stand-in is served from the same address too (``mount_on``).
    """

    def __init__(
        self,
        emulator: WebexEmulator,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        admin: AdminApiState | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        self.emulator = emulator
        self.admin = admin
        app = emulator.create_app()
        if is_loopback(host):
            # The console acts as anyone without a token, so it is never served beyond loopback.
            mount_console(emulator, app, host=host)
        if admin is not None:
            from bot.local.admin_api import mount_on

            mount_on(app, admin)
        # The websocket intake's side: catalog, WDM devices and the Mercury-like socket.
        self.mercury = MercuryStandIn(emulator, host=host)
        self.mercury.mount(app)
        # ``sock``: already bound and listening (the console's chosen port); the server uses a
        # duplicate of it, so ours is closed here.
        self._server: BaseWSGIServer = make_server(
            host,
            port,
            app,
            threaded=True,
            request_handler=_QuietHandler,
            fd=None if sock is None else sock.fileno(),
        )
        if sock is not None:
            sock.close()
        self._thread = threading.Thread(
            # A short poll keeps stop() fast: shutdown() waits for the next poll.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="webex-emulator-http",
            daemon=True,
        )
        self.api_url = f"http://{host}:{self._server.server_address[1]}/v1/"
        self.mercury.http_base = f"http://{host}:{self._server.server_address[1]}"
        self.u2c_url = f"{self.mercury.http_base}/u2c/api/v1"
        self.host = host
        emulator.api_url = self.api_url

    @property
    def port(self) -> int:
        """The TCP port actually bound."""
        return int(self._server.server_address[1])

    def start(self) -> EmulatorServer:
        """Start serving; returns self."""
        self.mercury.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and stop webhook deliveries."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self.mercury.stop()
        self.emulator.close()

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
