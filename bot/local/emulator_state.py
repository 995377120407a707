"""The emulator's in-memory Webex: people, rooms, tokens and the request log.

Messages, files and card actions are in ``emulator_messages``, webhooks in ``emulator_hooks``;
both are mixed into ``EmulatorState``.

Every public method takes the lock; ``api_*`` methods implement one REST operation each for
the HTTP layer and raise ``ApiFailure`` with the status Webex would answer.
"""

from __future__ import annotations

import html
import itertools
import threading
from collections.abc import Iterable, Mapping

from bot.local.emulator_hooks import WebhookMixin
from bot.local.emulator_log import Exchange, FaultInjector
from bot.local.emulator_messages import MessageMixin
from bot.local.emulator_model import (
    ApiFailure,
    Clock,
    Content,
    JsonDict,
    Person,
    Room,
    WebhookRecord,
    iso,
    parse_max,
    utc_now,
    webex_id,
)
from bot.local.emulator_webhooks import (
    Deliverer,
    Delivery,
    Transport,
    urllib_transport,
)


class EmulatorState(MessageMixin, WebhookMixin):
    """Thread-safe state and REST semantics of the emulated Webex."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        transport: Transport | None = None,
        deactivate_after_failures: int = 5,
        delivery_timeout: float = 5.0,
    ) -> None:
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._version = 0
        self._clock = clock or utc_now
        self.org_id = webex_id("ORGANIZATION")
        self.app_id = webex_id("APPLICATION")
        self.api_url = "http://127.0.0.1/v1/"
        self.deactivate_after_failures = deactivate_after_failures
        self.faults = FaultInjector()
        #: Seconds every API call takes (a slow Webex); 0 answers at once.
        self.latency = 0.0
        self._people: dict[str, Person] = {}
        self._tokens: dict[str, str] = {}
        self._rooms: dict[str, Room] = {}
        self._messages: dict[str, JsonDict] = {}
        self._actions: dict[str, JsonDict] = {}
        self._webhooks: dict[str, WebhookRecord] = {}
        self._contents: dict[str, tuple[Content, str]] = {}
        self._deliveries: dict[str, Delivery] = {}
        self._exchanges: list[Exchange] = []
        self._delivery_ids = itertools.count(1)
        self._deliverer = Deliverer(
            transport or urllib_transport,
            self._delivery_done,
            should_send=self._should_send,
            timeout=delivery_timeout,
        )

    # -- people and rooms -------------------------------------------------------------------

    def _now(self) -> str:
        return iso(self._clock())

    def _add(self, email: str, display_name: str, kind: str, org_id: str | None) -> Person:
        if self._find_email(email) is not None:
            raise ValueError(f"{email} already exists")
        person = Person(
            id=webex_id("PEOPLE"),
            email=email,
            display_name=display_name,
            org_id=org_id or self.org_id,
            created=self._now(),
            kind=kind,
        )
        self._people[person.id] = person
        return person

    def add_person(
        self,
        email: str,
        display_name: str,
        *,
        org_id: str | None = None,
        token: str | None = None,
    ) -> JsonDict:
        """Create a person (optionally with an API token) and return their People record."""
        with self._lock:
            person = self._add(email, display_name, "person", org_id)
            if token:
                self._tokens[token] = person.id
            return person.to_api()

    def add_bot(self, display_name: str, email: str, token: str) -> JsonDict:
        """Create a bot account whose API token is ``token``."""
        with self._lock:
            person = self._add(email, display_name, "bot", None)
            self._tokens[token] = person.id
            return person.to_api()

    def _find_email(self, email: str) -> Person | None:
        wanted = email.lower()
        return next((p for p in self._people.values() if p.email.lower() == wanted), None)

    def _by_email(self, email: str) -> Person:
        person = self._find_email(email)
        if person is None:
            raise KeyError(f"no person {email}")
        return person

    def authenticate(self, token: str | None) -> Person:
        """The person a bearer token belongs to, or a 401."""
        with self._lock:
            person_id = self._tokens.get(token or "")
            if person_id is None:
                raise ApiFailure(
                    401,
                    "The request requires a valid access token set in the Authorization "
                    "request header.",
                )
            return self._people[person_id]

    def create_room(self, title: str, kind: str = "group", members: Iterable[str] = ()) -> JsonDict:
        """Create a room with these members (emails); ``kind`` is ``group`` or ``direct``."""
        with self._lock:
            people = [self._by_email(email) for email in members]
            if kind not in ("group", "direct"):
                raise ValueError("kind must be 'group' or 'direct'")
            if kind == "direct" and len(people) != 2:
                raise ValueError("a direct room has exactly two members")
            return self._new_room(title, kind, people).to_api()

    def _new_room(self, title: str, kind: str, people: list[Person]) -> Room:
        now = self._now()
        creator = people[0] if people else None
        room = Room(
            id=webex_id("ROOM"),
            title=title,
            type=kind,
            creator_id=creator.id if creator else "",
            org_id=creator.org_id if creator else self.org_id,
            created=now,
            last_activity=now,
            members=[p.id for p in people],
        )
        self._rooms[room.id] = room
        return room

    def add_member(self, room_id: str, email: str) -> None:
        """Add a person to a group room."""
        with self._lock:
            room = self._rooms[room_id]
            person = self._by_email(email)
            if room.type == "direct":
                raise ValueError("cannot add members to a direct room")
            if person.id not in room.members:
                room.members.append(person.id)

    def _direct_room(self, a: Person, b: Person) -> Room:
        for room in self._rooms.values():
            if room.type == "direct" and set(room.members) == {a.id, b.id}:
                return room
        return self._new_room(b.display_name, "direct", [a, b])

    def _visible_room(self, caller: Person, room_id: str) -> Room:
        room = self._rooms.get(room_id)
        if room is None or caller.id not in room.members:
            raise ApiFailure(404, "Could not find a room with provided ID.")
        return room

    # -- REST: people and rooms -------------------------------------------------------------

    def api_get_person(self, caller: Person, person_id: str) -> JsonDict:
        """GET /people/{id} (``me`` included)."""
        with self._lock:
            person = caller if person_id == "me" else self._people.get(person_id)
            if person is None:
                raise ApiFailure(404, "Person not found.")
            return person.to_api()

    def api_list_people(self, caller: Person, query: Mapping[str, str]) -> JsonDict:
        """GET /people with email, displayName or id (non-admin callers must give one)."""
        with self._lock:
            parse_max(query.get("max"), 100, 1000)
            people = list(self._people.values())
            if "email" in query:
                people = [p for p in people if p.email.lower() == query["email"].lower()]
            elif "displayName" in query:
                prefix = query["displayName"].lower()
                people = [p for p in people if p.display_name.lower().startswith(prefix)]
            elif "id" in query:
                ids = set(query["id"].split(","))
                people = [p for p in people if p.id in ids]
            else:
                raise ApiFailure(400, "Email, displayName, or id list should be specified.")
            if "orgId" in query:
                people = [p for p in people if p.org_id == query["orgId"]]
            return {"items": [p.to_api() for p in people][: int(query.get("max", 100))]}

    def api_get_room(self, caller: Person, room_id: str) -> JsonDict:
        """GET /rooms/{id}."""
        with self._lock:
            room = self._visible_room(caller, room_id).to_api()
            if room["type"] == "direct":
                other = next((m for m in self._rooms[room_id].members if m != caller.id), None)
                if other is not None:
                    room["title"] = self._people[other].display_name
            return room

    def _touch(self) -> None:
        # Callers hold the lock; wait_for() compares versions to avoid missing a change.
        self._version += 1
        self._changed.notify_all()

    # -- request log -------------------------------------------------------------------------

    def record(self, exchange: Exchange) -> None:
        """Append one served request to the log."""
        with self._lock:
            self._exchanges.append(exchange)
            self._touch()


def escape(text: str) -> str:
    """HTML-escape text for a message's ``html`` field."""
    return html.escape(text, quote=False)
