"""Messages and card actions in the emulated Webex; mixed into ``EmulatorState``.

Each ``api_*`` method implements one REST operation (``/messages``, ``/contents``,
``/attachment/actions``) and raises ``ApiFailure`` with the status Webex would answer. The
people, rooms and webhook delivery they rely on live in ``emulator_state`` and
``emulator_hooks``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.local.emulator_model import (
    CARD_CONTENT_TYPE,
    MAX_FILE_BYTES,
    MAX_MESSAGE_BYTES,
    ApiFailure,
    Content,
    JsonDict,
    Person,
    Room,
    parse_max,
    webex_id,
)

_MENTION = re.compile(r"<@(personEmail|personId):([^>|]+)(?:\|([^>]*))?>")


def _copied(document: Any) -> Any:
    """A copy of a JSON document (a message, a card, an action) that shares nothing with it.

    Through JSON, not ``copy.deepcopy``: these are JSON by construction, and deepcopy of a
    13 KB card was most of a POST's time here (2.6 ms of 5 ms), time the benchmark counted
    against the bot as Webex's.
    """
    return json.loads(json.dumps(document))


def _kept(document: Any, *, shared: bool) -> Any:
    """``document`` itself when ``shared`` (see ``api_create_message``), else a copy."""
    return document if shared else _copied(document)


class MessageMixin:
    """Posting, reading, listing and deleting messages, files, and card submissions."""

    _lock: threading.RLock
    _people: dict[str, Person]
    _rooms: dict[str, Room]
    _messages: dict[str, JsonDict]
    _actions: dict[str, JsonDict]
    _contents: dict[str, tuple[Content, str]]
    api_url: str
    max_file_bytes: int = MAX_FILE_BYTES

    if TYPE_CHECKING:  # provided by EmulatorState and WebhookMixin

        def _now(self) -> str: ...
        def _touch(self) -> None: ...
        def _find_email(self, email: str) -> Person | None: ...
        def _visible_room(self, caller: Person, room_id: str) -> Room: ...
        def _direct_room(self, a: Person, b: Person) -> Room: ...
        def _emit_message(self, message: JsonDict, room: Room) -> None: ...
        def _emit_action(self, action: JsonDict, message: JsonDict) -> None: ...

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
        shared: bool = False,
    ) -> JsonDict:
        """Store a message as Webex would and fire ``messages/created`` webhooks.

        ``shared``: as for ``api_create_message``."""
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
                "attachments": _kept(attachments, shared=shared) if attachments else None,
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
            return _kept(message, shared=shared)

    def api_create_message(
        self,
        caller: Person,
        fields: Mapping[str, Any],
        upload: Content | None = None,
        *,
        shared: bool = False,
    ) -> JsonDict:
        """POST /messages (JSON, or multipart with one uploaded file).

        ``shared``: the HTTP layer hands over ``fields`` (a request body parsed for this call
        alone) and serializes the answer at once, so neither is copied: a stored message is
        never changed in place, only added or deleted. The two copies of a 13 KB card cost
        more of this machine's CPU per reply than anything else the stand-in did, and the
        benchmarks count the stand-in's CPU against the bot, as Webex's running beside it.
        """
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
                if len(upload.data) > self.max_file_bytes:
                    # webex-facts.md §2: 100 MB per file; the spec lists no 413, so 400.
                    raise ApiFailure(400, "The file exceeds the maximum file size of 100 MB.")
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
                shared=shared,
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

    def api_get_message(self, caller: Person, message_id: str, *, shared: bool = False) -> JsonDict:
        """GET /messages/{id}; ``shared``: the answer is serialized at once (no copy)."""
        with self._lock:
            message = self._messages.get(message_id)
            if message is None or not self._can_see(caller, message):
                raise ApiFailure(404, "Could not find a message with provided ID.")
            return _kept(message, shared=shared)

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
            if (
                caller.kind == "bot"
                and room.type == "group"
                and mentioned is None
                and not query.get("parentId")
            ):
                # A thread may be listed (NOT CONFIRMED for bots in Webex's docs; the bot still
                # sees only its own messages and those that mention it, as below).
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
            return _copied(page), next_query

    def api_list_direct(self, caller: Person, query: Mapping[str, str]) -> list[JsonDict]:
        """GET /messages/direct: the 1:1 space with ``personId``/``personEmail``, newest first."""
        with self._lock:
            if query.get("personId"):
                other = self._people.get(query["personId"])
            elif query.get("personEmail"):
                other = self._find_email(query["personEmail"])
            else:
                raise ApiFailure(400, "personId or personEmail is required.")
            if other is None:
                raise ApiFailure(404, "Could not find the person.")
            room = next(
                (
                    r
                    for r in self._rooms.values()
                    if r.type == "direct" and set(r.members) == {caller.id, other.id}
                ),
                None,
            )
            if room is None:
                return []
            newest_first = [
                m
                for m in reversed(self._messages.values())
                if m["roomId"] == room.id
                and (not query.get("parentId") or m.get("parentId") == query["parentId"])
            ]
            return _copied(newest_first)

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
                "inputs": _copied(inputs),
                "personId": actor.id,
                "roomId": room.id,
                "created": self._now(),
            }
            self._actions[action["id"]] = action
            self._emit_action(action, message)
            self._touch()
            return _copied(action)

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
            return _copied(action)
