"""The emulator's in-memory Webex: people, rooms, messages, card actions, webhooks, files.

Every public method takes the lock; ``api_*`` methods implement one REST operation each for
the HTTP layer and raise ``ApiFailure`` with the status Webex would answer.
"""

from __future__ import annotations

import copy
import html
import itertools
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from bot.local.emulator_hooks import WebhookMixin
from bot.local.emulator_log import Exchange, FaultInjector
from bot.local.emulator_model import (
    CARD_CONTENT_TYPE,
    MAX_MESSAGE_BYTES,
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

_MENTION = re.compile(r"<@(personEmail|personId):([^>|]+)(?:\|([^>]*))?>")


class EmulatorState(WebhookMixin):
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

    # -- messages ---------------------------------------------------------------------------

    def _can_see(self, caller: Person, message: JsonDict) -> bool:
        room = self._rooms.get(message["roomId"])
        if room is None or caller.id not in room.members:
            return False
        if caller.kind == "bot" and room.type == "group":
            # Bots only see group messages that @mention them (and their own).
            return message["personId"] == caller.id or caller.id in message.get(
                "mentionedPeople", []
            )
        return True

    def _mentions_in_markdown(self, markdown: str) -> tuple[list[str], list[str], str]:
        people: list[str] = []
        groups = ["all"] if "<@all>" in markdown else []

        def plain(match: re.Match[str]) -> str:
            kind, ref, label = match.groups()
            person = self._find_email(ref) if kind == "personEmail" else self._people.get(ref)
            if person is not None and person.id not in people:
                people.append(person.id)
            return label or (person.display_name if person else ref)

        text = _MENTION.sub(plain, markdown).replace("<@all>", "all")
        return people, groups, text

    def post_message(
        self,
        author: Person,
        room: Room,
        *,
        text: str | None = None,
        markdown: str | None = None,
        html_text: str | None = None,
        files: list[str] | None = None,
        attachments: list[JsonDict] | None = None,
        parent_id: str | None = None,
        mentioned: list[str] | None = None,
    ) -> JsonDict:
        """Store a message as Webex would and fire ``messages/created`` webhooks."""
        with self._lock:
            for label, value in (("text", text), ("markdown", markdown)):
                if value is not None and len(value.encode()) > MAX_MESSAGE_BYTES:
                    raise ApiFailure(
                        400, f"The {label} exceeds the maximum message length of 7439 bytes."
                    )
            if not (text or markdown or files or attachments):
                raise ApiFailure(400, "Message must contain text, markdown, a file or a card.")
            if files and len(files) > 1:
                raise ApiFailure(400, "Only one file may be included with a message.")
            if attachments and len(attachments) > 1:
                raise ApiFailure(400, "Only one card may be included with a message.")
            for attachment in attachments or []:
                if not isinstance(attachment, dict) or not isinstance(
                    attachment.get("content"), dict
                ):
                    raise ApiFailure(400, "Each attachment needs a contentType and a content.")
            if parent_id is not None:
                parent = self._messages.get(parent_id)
                if parent is None or parent["roomId"] != room.id:
                    raise ApiFailure(404, "Could not find the parent message.")
                if parent.get("parentId"):
                    # NOT CONFIRMED how Webex treats a reply to a reply; refusing is the
                    # strict choice, so a bot that works here works either way.
                    raise ApiFailure(400, "A reply cannot be the parent of another reply.")
            people = list(mentioned or [])
            groups: list[str] = []
            if markdown:
                md_people, groups, plain = self._mentions_in_markdown(markdown)
                people += [p for p in md_people if p not in people]
                text = text or plain
            message: JsonDict = {"id": webex_id("MESSAGE"), "roomId": room.id}
            optional = {
                "parentId": parent_id,
                "roomType": room.type,
                "text": text,
                "markdown": markdown,
                "html": html_text,
                "files": files,
                "attachments": copy.deepcopy(attachments) if attachments else None,
                "personId": author.id,
                "personEmail": author.email,
                "mentionedPeople": people,
                "mentionedGroups": groups,
                "created": self._now(),
            }
            message.update({k: v for k, v in optional.items() if v})
            self._messages[message["id"]] = message
            room.last_activity = message["created"]
            self._emit_message(message, room)
            self._touch()
            return copy.deepcopy(message)

    def api_create_message(
        self, caller: Person, fields: Mapping[str, Any], upload: Content | None = None
    ) -> JsonDict:
        """POST /messages (JSON, or multipart with one uploaded file)."""
        with self._lock:
            room = self._target_room(caller, fields)
            files = fields.get("files")
            if files is not None and not (
                isinstance(files, list) and all(isinstance(f, str) for f in files)
            ):
                raise ApiFailure(400, "files must be a list of URLs.")
            if files and len(files) > 1:
                raise ApiFailure(400, "Only one file may be included with a message.")
            if upload is not None:
                files = [self._store_content(upload, room.id)]
            elif files:
                remote = Content(webex_id("CONTENT"), b"", "application/octet-stream", "")
                remote.source_url = files[0]
                files = [self._store_content(remote, room.id)]
            attachments = fields.get("attachments")
            if attachments is not None and not isinstance(attachments, list):
                raise ApiFailure(400, "attachments must be a list.")
            for key in ("text", "markdown", "parentId"):
                if fields.get(key) is not None and not isinstance(fields[key], str):
                    raise ApiFailure(400, f"{key} must be a string.")
            return self.post_message(
                caller,
                room,
                text=fields.get("text"),
                markdown=fields.get("markdown"),
                files=files,
                attachments=attachments,
                parent_id=fields.get("parentId"),
            )

    def _target_room(self, caller: Person, fields: Mapping[str, Any]) -> Room:
        targets = [k for k in ("roomId", "toPersonId", "toPersonEmail") if fields.get(k)]
        if len(targets) != 1:
            raise ApiFailure(400, "Exactly one of roomId, toPersonId or toPersonEmail is required.")
        if targets[0] == "roomId":
            return self._visible_room(caller, str(fields["roomId"]))
        if targets[0] == "toPersonId":
            other = self._people.get(str(fields["toPersonId"]))
        else:
            other = self._find_email(str(fields["toPersonEmail"]))
        if other is None:
            raise ApiFailure(404, "Could not find the person to send the message to.")
        if other.id == caller.id:
            raise ApiFailure(400, "Cannot send a direct message to yourself.")
        return self._direct_room(caller, other)

    def _store_content(self, content: Content, room_id: str) -> str:
        self._contents[content.id] = (content, room_id)
        return f"{self.api_url}contents/{content.id}"

    def api_get_message(self, caller: Person, message_id: str) -> JsonDict:
        """GET /messages/{id}."""
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or not self._can_see(caller, message):
                raise ApiFailure(404, "Could not find a message with provided ID.")
            return copy.deepcopy(message)

    def api_delete_message(self, caller: Person, message_id: str) -> None:
        """DELETE /messages/{id}: only the author may delete (moderators aren't emulated)."""
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or not self._can_see(caller, message):
                raise ApiFailure(404, "Could not find a message with provided ID.")
            if message["personId"] != caller.id:
                raise ApiFailure(403, "You can only delete your own messages.")
            del self._messages[message_id]
            self._touch()

    def api_list_messages(
        self, caller: Person, query: Mapping[str, str]
    ) -> tuple[list[JsonDict], dict[str, str] | None]:
        """GET /messages: one page newest first, and the query of the next page, if any."""
        with self._lock:
            if not query.get("roomId"):
                raise ApiFailure(400, "roomId is required.")
            room = self._visible_room(caller, query["roomId"])
            mentioned = query.get("mentionedPeople")
            if mentioned is not None and mentioned not in ("me", caller.id):
                raise ApiFailure(
                    400, "Only me or the person ID of the current user may be specified."
                )
            if caller.kind == "bot" and room.type == "group" and mentioned is None:
                raise ApiFailure(403, "Bots must use mentionedPeople=me to list group messages.")
            limit = parse_max(query.get("max"), 50, 100 if mentioned else 1000)
            newest_first = [
                m
                for m in reversed(self._messages.values())
                if m["roomId"] == room.id and self._can_see(caller, m)
            ]
            if mentioned:
                newest_first = [
                    m for m in newest_first if caller.id in m.get("mentionedPeople", [])
                ]
            if query.get("parentId"):
                newest_first = [m for m in newest_first if m.get("parentId") == query["parentId"]]
            if query.get("before"):
                newest_first = [m for m in newest_first if m["created"] < query["before"]]
            if query.get("beforeMessage"):
                ids = [m["id"] for m in newest_first]
                if query["beforeMessage"] not in self._messages:
                    raise ApiFailure(404, "Could not find the beforeMessage.")
                # Messages deleted from the listing fall back to "older than all listed".
                cut = ids.index(query["beforeMessage"]) + 1 if query["beforeMessage"] in ids else 0
                newest_first = newest_first[cut:]
            page = newest_first[:limit]
            next_query = None
            if len(newest_first) > limit:
                next_query = {k: v for k, v in query.items() if k not in ("beforeMessage",)}
                next_query.update(beforeMessage=page[-1]["id"], max=str(limit))
            return copy.deepcopy(page), next_query

    def api_get_content(self, caller: Person, content_id: str) -> Content:
        """GET /contents/{id}: the bytes of a file posted in a room the caller is in."""
        with self._lock:
            entry = self._contents.get(content_id)
            if entry is None:
                raise ApiFailure(404, "Could not find the file.")
            self._visible_room(caller, entry[1])
            return entry[0]

    # -- attachment actions ------------------------------------------------------------------

    def create_action(self, actor: Person, body: Mapping[str, Any]) -> JsonDict:
        """Record a card submission and fire ``attachmentActions/created`` webhooks."""
        with self._lock:
            if body.get("type") != "submit":
                raise ApiFailure(400, "type must be 'submit'.")
            inputs = body.get("inputs")
            if not isinstance(inputs, dict):
                raise ApiFailure(400, "inputs must be an object.")
            message = self._messages.get(str(body.get("messageId", "")))
            room = self._rooms.get(message["roomId"]) if message else None
            if message is None or room is None or actor.id not in room.members:
                raise ApiFailure(404, "Could not find a message with provided ID.")
            if not any(
                a.get("contentType") == CARD_CONTENT_TYPE for a in message.get("attachments", [])
            ):
                raise ApiFailure(400, "The message has no card to act on.")
            action: JsonDict = {
                "id": webex_id("ATTACHMENT_ACTION"),
                "type": "submit",
                "messageId": message["id"],
                "inputs": copy.deepcopy(inputs),
                "personId": actor.id,
                "roomId": room.id,
                "created": self._now(),
            }
            self._actions[action["id"]] = action
            self._emit_action(action, message)
            self._touch()
            return copy.deepcopy(action)

    def api_get_action(self, caller: Person, action_id: str) -> JsonDict:
        """GET /attachment/actions/{id}: for the person who clicked and the card's author."""
        with self._lock:
            action = self._actions.get(action_id)
            message = self._messages.get(action["messageId"]) if action else None
            allowed = {action["personId"]} if action else set()
            if message is not None:
                allowed.add(message["personId"])
            if action is None or caller.id not in allowed:
                raise ApiFailure(404, "Could not find an attachment action with provided ID.")
            return copy.deepcopy(action)

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
