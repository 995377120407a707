"""The stand-in's websocket side: service catalog, WDM devices, and a Mercury-like socket.

Served next to the REST emulator: ``GET /u2c/api/v1/catalog`` names ``serviceLinks.wdm`` (and
``conversation``, which answers ``GET .../messages/{uuid}`` with the REST id);
``/wdm/api/v1/devices`` lists, creates, reads and deletes the caller's devices; each device's
``webSocketUrl`` points at a ``websockets`` server on a port of its own. A connection must send
an ``authorization`` frame with the device owner's token (else close 4401, or 4403 for someone
else's device), then gets a ``mercury.buffer_state`` event, ``pong`` for each ``ping``, and a
``conversation.activity`` envelope for each message and card submission its owner would hear
(as with webhooks, a bot hears group messages only when @mentioned; every message of its own).

Like Webex (webex-facts.md §9), nothing is replayed: an activity for a device with no open
socket is lost, which is what the bot's backfill is for. Faults for tests: ``drop()`` (no close
frame), ``close(code)``, ``refuse_handshake(status)``, ``skip_next()`` (a sequence number with
no envelope), ``redeliver(id)`` and
``answer_pings = False`` (a socket that looks open but is dead).
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import re
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, g, request
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.http11 import Response as WsResponse
from websockets.sync.server import Server, ServerConnection, serve

from bot.local.console import is_loopback
from bot.local.emulator_model import ApiFailure, JsonDict, Person, Room, webex_id

if TYPE_CHECKING:
    from bot.local.emulator_state import EmulatorState

log = logging.getLogger(__name__)

_SOCKET_PATH = re.compile(r"^/v1/apps/wx2/registrations/([0-9a-f-]+)/messages$")
AUTH_TIMEOUT = 5.0
FAULTS = ("drop", "close", "refuse", "skip", "redeliver")


def raw_uuid(rest_id: str) -> str:
    """The UUID inside an emulator id (``ciscospark://us/KIND/<uuid>``)."""
    uri = base64.urlsafe_b64decode(rest_id + "=" * (-len(rest_id) % 4)).decode()
    return uri.rsplit("/", 1)[-1]


@dataclass
class StandInDevice:
    """A registered device and its socket, if one is open."""

    id: str
    owner_id: str
    body: JsonDict
    connection: ServerConnection | None = None
    sequence: int = 0
    sent: dict[str, str] = field(default_factory=dict)  # activity uuid -> its envelope
    acked: set[str] = field(default_factory=set)


class MercuryStandIn:
    """Catalog, devices and websocket of the local Webex; also an ``ActivityListener``."""

    def __init__(self, state: EmulatorState, *, host: str = "127.0.0.1") -> None:
        self.state = state
        self.host = host
        self.http_base = "http://127.0.0.1"
        # Where activities say their conversation lives; another host than the catalog's
        # conversation service (e.g. http://localhost:PORT) makes the bot look ids up.
        self.conversation_base: str | None = None
        self._lock = threading.RLock()
        self._devices: dict[str, StandInDevice] = {}
        self._refusals: list[int] = []
        self._skips = 0
        self.answer_pings = True
        self.pushed = 0
        self.lost = 0  # activities for a device whose socket was closed (or closing)
        self.lost_activities: list[str] = []  # their UUIDs, in order
        self.handshakes = 0
        self.lookups = 0  # REST ids asked of the conversation service
        self._outgoing: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._server: Server | None = None
        self._threads: list[threading.Thread] = []
        state.activity_listeners.append(self)

    # -- life cycle ----------------------------------------------------------------------------

    def start(self, port: int = 0) -> MercuryStandIn:
        """Serve the websocket; pushes go out from a thread of their own, in order."""
        self._server = serve(
            self._connection,
            self.host,
            port,
            process_request=self._check_handshake,
            ping_interval=None,
            compression=None,
        )
        for target, name in ((self._server.serve_forever, "ws"), (self._send_loop, "ws-push")):
            thread = threading.Thread(target=target, name=f"webex-emulator-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    @property
    def ws_base(self) -> str:
        """``ws://host:port`` of the websocket server."""
        assert self._server is not None
        port = self._server.socket.getsockname()[1]
        return f"ws://{self.host}:{port}"

    def stop(self) -> None:
        """Close every socket and stop serving."""
        self._outgoing.put(None)
        if self._server is not None:
            self._server.shutdown()
        for thread in self._threads:
            thread.join(5)

    # -- REST: catalog and devices ---------------------------------------------------------------

    def mount(self, app: Flask) -> None:
        """Add the catalog and WDM routes to the emulator's Flask app (its auth applies)."""

        def answer(status: int, body: Any = None) -> Response:
            if body is None:
                return Response(status=status)
            return Response(json.dumps(body), status=status, mimetype="application/json")

        @app.get("/u2c/api/v1/catalog")
        def catalog() -> Response:
            return answer(200, self.catalog())

        @app.get("/wdm/api/v1/devices")
        def devices_list() -> Response:
            return answer(200, {"devices": self.devices_of(g.caller)})

        @app.post("/wdm/api/v1/devices")
        def devices_create() -> Response:
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or not isinstance(body.get("name"), str):
                raise ApiFailure(400, "name is required.")
            return answer(200, self.create_device(g.caller, body["name"], body.get("deviceType")))

        @app.get("/wdm/api/v1/devices/<device_id>")
        def devices_get(device_id: str) -> Response:
            return answer(200, self._own(g.caller, device_id).body)

        @app.get("/conversation/api/v1/messages/<item>")
        def conversation_message(item: str) -> Response:
            return answer(200, {"id": self.rest_id(g.caller, "MESSAGE", item)})

        @app.get("/conversation/api/v1/attachment/actions/<item>")
        def conversation_action(item: str) -> Response:
            return answer(200, {"id": self.rest_id(g.caller, "ATTACHMENT_ACTION", item)})

        @app.delete("/wdm/api/v1/devices/<device_id>")
        def devices_delete(device_id: str) -> Response:
            self.delete_device(g.caller, device_id)
            return answer(204)

        if is_loopback(self.host):
            # Next to the console (loopback only, no token): break the socket by hand.
            @app.get("/console/api/websocket")
            def websocket_state() -> Response:
                return answer(200, self.summary())

            @app.post("/console/api/websocket/faults")
            def websocket_fault() -> Response:
                body = request.get_json(silent=True)
                if not isinstance(body, dict):
                    return answer(400, {"error": "send a JSON object with a fault"})
                done = self.inject(body)
                if done is None:
                    return answer(400, {"error": f"faults: {', '.join(FAULTS)}"})
                return answer(200, {"fault": body.get("fault"), "sockets": done})

    def catalog(self) -> JsonDict:
        """The hostmap catalog: where WDM is."""
        return {
            "serviceLinks": {
                "wdm": f"{self.http_base}/wdm/api/v1",
                "conversation": f"{self.http_base}/conversation/api/v1",
            },
            "format": "hostmap",
        }

    def rest_id(self, caller: Person, kind: str, item: str) -> str:
        """The REST id of a message or card action the caller may read, by its UUID (else 404)."""
        rest = webex_id(kind, item)
        if kind == "MESSAGE":
            self.state.api_get_message(caller, rest)
        else:
            self.state.api_get_action(caller, rest)
        self.lookups += 1
        return rest

    def devices_of(self, caller: Person) -> list[JsonDict]:
        """The caller's devices."""
        with self._lock:
            return [dict(d.body) for d in self._devices.values() if d.owner_id == caller.id]

    def create_device(self, caller: Person, name: str, device_type: str | None = None) -> JsonDict:
        """Register a device named ``name`` for the caller."""
        device_id = str(uuid.uuid4())
        record = {
            "url": f"{self.http_base}/wdm/api/v1/devices/{device_id}",
            "webSocketUrl": f"{self.ws_base}/v1/apps/wx2/registrations/{device_id}/messages",
            "name": name,
            "deviceType": device_type or "DESKTOP",
        }
        with self._lock:
            self._devices[device_id] = StandInDevice(device_id, caller.id, record)
        return dict(record)

    def _own(self, caller: Person, device_id: str) -> StandInDevice:
        with self._lock:
            device = self._devices.get(device_id)
            if device is None or device.owner_id != caller.id:
                raise ApiFailure(404, "Device not found.")
            return device

    def delete_device(self, caller: Person, device_id: str) -> None:
        """Remove a device; its socket, if open, is closed."""
        device = self._own(caller, device_id)
        with self._lock:
            del self._devices[device_id]
        if device.connection is not None:
            device.connection.close(1000, "device deleted")

    # -- faults --------------------------------------------------------------------------------

    def summary(self) -> JsonDict:
        """Devices, open sockets and push counts, for the console."""
        with self._lock:
            return {
                "devices": len(self._devices),
                "connected": sum(1 for d in self._devices.values() if d.connection is not None),
                "pushed": self.pushed,
                "lost": self.lost,
                "handshakes": self.handshakes,
            }

    def inject(self, body: JsonDict) -> int | None:
        """Apply one fault by name (``FAULTS``); how many sockets it touched, None if unknown."""
        fault = body.get("fault")
        if fault == "drop":
            return self.drop()
        if fault == "close":
            code = body.get("code", 1011)
            return self.close(code) if isinstance(code, int) else None
        if fault == "refuse":
            status = body.get("status", 404)
            if not isinstance(status, int):
                return None
            self.refuse_handshake(status)
            return self.drop()
        if fault == "skip":
            self.skip_next()
            return self.connected()
        if fault == "redeliver" and isinstance(body.get("id"), str):
            return self.redeliver(body["id"])
        return None

    def _open(self) -> list[StandInDevice]:
        with self._lock:
            return [d for d in self._devices.values() if d.connection is not None]

    def drop(self) -> int:
        """Cut every open socket without a close frame (the client sees 1006); how many."""
        devices = self._open()
        for device in devices:
            conn = device.connection
            if conn is not None:
                try:
                    conn.socket.shutdown(socket.SHUT_RDWR)
                except OSError:
                    log.debug("socket already gone", exc_info=True)
        return len(devices)

    def close(self, code: int, reason: str = "") -> int:
        """Close every open socket with ``code`` (1011, 4401, 4400, 4403 ...); how many."""
        devices = self._open()
        for device in devices:
            if device.connection is not None:
                device.connection.close(code, reason)
        return len(devices)

    def refuse_handshake(self, status: int = 404, times: int = 1) -> None:
        """Answer the next ``times`` websocket handshakes with ``status``."""
        with self._lock:
            self._refusals.extend([status] * times)

    def skip_next(self, times: int = 1) -> None:
        """The next ``times`` activities use up a sequence number but are never sent."""
        with self._lock:
            self._skips += times

    def redeliver(self, rest_id: str) -> int:
        """Send the envelope of a message or card action again, unchanged; to how many sockets."""
        sent = 0
        activity = raw_uuid(rest_id)
        for device in self._open():
            envelope = device.sent.get(activity)
            if envelope is not None and device.connection is not None:
                self._outgoing.put(_sender(device.connection, envelope))
                sent += 1
        return sent

    def revoke(self, token: str) -> None:
        """Revoke a token: REST answers 401 from now on, and its sockets close with 4401."""
        owner = self.state.revoke_token(token)
        for device in self._open():
            if device.owner_id == owner and device.connection is not None:
                device.connection.close(4401, "token revoked")

    def connected(self, owner_id: str | None = None) -> int:
        """How many sockets are open and authorised (of ``owner_id``'s devices)."""
        return sum(1 for d in self._open() if owner_id is None or d.owner_id == owner_id)

    # -- the socket ----------------------------------------------------------------------------

    def _check_handshake(self, conn: ServerConnection, request: Request) -> WsResponse | None:
        with self._lock:
            self.handshakes += 1
            if self._refusals:
                status = self._refusals.pop(0)
                return conn.respond(status, "refused by fault injection\n")
            found = _SOCKET_PATH.match(request.path.split("?", 1)[0])
            if found is None or found.group(1) not in self._devices:
                return conn.respond(404, "no such registration\n")
        return None

    def _connection(self, conn: ServerConnection) -> None:
        assert conn.request is not None
        device_id = _SOCKET_PATH.match(conn.request.path.split("?", 1)[0])
        assert device_id is not None
        try:
            first = json.loads(conn.recv(timeout=AUTH_TIMEOUT))
            token = str(first["data"]["token"]).removeprefix("Bearer ").strip()
            person = self.state.authenticate(token)
        except (ApiFailure, ValueError, KeyError, TypeError, TimeoutError):
            conn.close(4401, "authorization failed")
            return
        except ConnectionClosed:
            return
        with self._lock:
            device = self._devices.get(device_id.group(1))
            if device is None or device.owner_id != person.id:
                conn.close(4403, "not your device")
                return
            previous, device.connection = device.connection, conn
        if previous is not None:
            previous.close(1000, "replaced by a new connection")
        self._push_to(device, {"eventType": "mercury.buffer_state", "bufferState": {}})
        try:
            for raw in conn:
                frame = json.loads(raw)
                if frame.get("type") == "ping" and self.answer_pings:
                    reply = json.dumps({"id": frame.get("id"), "type": "pong"})
                    self._outgoing.put(_sender(conn, reply))
                elif frame.get("type") == "ack":
                    with self._lock:
                        device.acked.add(str(frame.get("messageId")))
        except (ConnectionClosed, ValueError):
            log.debug("stand-in websocket closed", exc_info=True)
        finally:
            with self._lock:
                if device.connection is conn:
                    device.connection = None

    def _push_to(self, device: StandInDevice, data: JsonDict) -> None:
        with self._lock:
            device.sequence += 1
            if data.get("eventType") != "mercury.buffer_state" and self._skips > 0:
                self._skips -= 1
                return
            envelope = json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "sequenceNumber": device.sequence,
                    "data": data,
                    "filterMessage": False,
                    "headers": {},
                }
            )
            conn = device.connection
            activity_id = str((data.get("activity") or {}).get("id"))
            if conn is None:
                self.lost += 1
                self.lost_activities.append(activity_id)
                return
            activity = data.get("activity")
            if isinstance(activity, dict):
                device.sent[str(activity.get("id"))] = envelope
            self.pushed += 1
        self._outgoing.put(_sender(conn, envelope, lambda: self._count_lost(activity_id)))

    def _count_lost(self, activity_id: str) -> None:
        with self._lock:
            self.pushed -= 1
            self.lost += 1
            self.lost_activities.append(activity_id)

    def _send_loop(self) -> None:
        while True:
            job = self._outgoing.get()
            if job is None:
                return
            job()

    # -- activities (ActivityListener) ---------------------------------------------------------

    def _person(self, person_id: str) -> Person | None:
        return self.state.people_by_id().get(person_id)

    def _activity(self, verb: str, item_id: str, actor_id: str, room: Room) -> JsonDict:
        actor = self._person(actor_id)
        room_uuid = raw_uuid(room.id)
        target: JsonDict = {
            "id": room_uuid,
            "objectType": "conversation",
            "url": f"{self.conversation_base or self.http_base}"
            f"/conversation/api/v1/conversations/{room_uuid}",
            "tags": ["ONE_ON_ONE"] if room.type == "direct" else [],
        }
        return {
            "id": raw_uuid(item_id),
            "objectType": "activity",
            "verb": verb,
            "actor": {
                "id": raw_uuid(actor_id),
                "objectType": "person",
                "entryUUID": raw_uuid(actor_id),
                "emailAddress": actor.email if actor else "",
            },
            "target": target,
        }

    def message_posted(self, message: JsonDict, room: Room) -> None:
        """Push a ``post`` (``share`` with files) to each member's devices that would hear it."""
        verb = "share" if message.get("files") else "post"
        activity = self._activity(verb, message["id"], message["personId"], room)
        mentioned = list(message.get("mentionedPeople", []))
        activity["published"] = message["created"]
        activity["object"] = {
            "id": raw_uuid(message["id"]),
            "objectType": "comment",
            "mentions": {"items": [{"id": raw_uuid(p), "objectType": "person"} for p in mentioned]},
        }
        if message.get("parentId"):
            activity["parent"] = {"id": raw_uuid(message["parentId"]), "type": "reply"}
        people = self.state.people_by_id()

        def hears(member: str) -> bool:
            person = people.get(member)
            if person is None or person.kind != "bot" or room.type == "direct":
                return True
            return member == message["personId"] or member in mentioned

        self._fan_out([m for m in room.members if hears(m)], activity)

    def card_submitted(self, action: JsonDict, message: JsonDict) -> None:
        """Push a ``cardAction`` to the devices of the card's author."""
        room = self.state.room_record(action["roomId"])
        activity = self._activity("cardAction", action["id"], action["personId"], room)
        activity["published"] = action["created"]
        activity["object"] = {"objectType": "submit", "inputs": action["inputs"]}
        activity["parent"] = {"id": raw_uuid(message["id"]), "type": "cardAction"}
        self._fan_out([message["personId"]], activity)

    def _fan_out(self, owners: list[str], activity: JsonDict) -> None:
        data = {"eventType": "conversation.activity", "activity": activity}
        with self._lock:
            devices = [d for d in self._devices.values() if d.owner_id in owners]
        for device in devices:
            self._push_to(device, data)


def _sender(
    conn: ServerConnection, text: str, on_lost: Callable[[], None] = lambda: None
) -> Callable[[], None]:
    def send() -> None:
        try:
            conn.send(text)
        except (ConnectionClosed, OSError):
            log.debug("stand-in push to a closed socket dropped")
            on_lost()

    return send
