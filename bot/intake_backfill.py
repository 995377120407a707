"""What the websocket missed: messages posted while it was down, read back over REST.

Mercury does not replay what was sent while no socket was open (webex-facts.md §9, item 8), so
after every (re)connect and after a gap in sequence numbers the intake asks the REST API: every
group space whose ``lastActivity`` is at or after ``since`` (``GET /rooms?sortBy=lastactivity``,
newest first, so the walk stops at the first older one) and every 1:1 space, then
``GET /messages`` newest first until a message older than ``since`` (``mentionedPeople=me`` in
group spaces, as a bot must). Each message found is handed to ``record``, which writes the same
event a webhook or the socket would, so anything already seen is a duplicate and runs once.

Paging stops by the ``created`` time, never with ``before``/``beforeMessage``: webexpythonsdk
2.0.6 pages forever with those (webex-facts.md §10).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.events import MESSAGES_CREATED
from bot.mercury import IntakeEvent, uuid_of
from bot.webex import WebexGateway, translated_errors

log = logging.getLogger(__name__)

ROOMS_PAGE = 1000  # the Rooms API's largest page
MESSAGES_PAGE = 100  # the largest page with mentionedPeople
_MESSAGE_FIELDS = ("id", "roomId", "roomType", "personId", "personEmail", "mentionedPeople")

Record = Callable[[IntakeEvent], bool]


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _dicts(items: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        yield item.to_dict() if hasattr(item, "to_dict") else item


def spaces_to_check(gateway: WebexGateway, since: datetime) -> list[Mapping[str, Any]]:
    """Group spaces active since ``since``, then every 1:1 space."""
    found: list[Mapping[str, Any]] = []
    with translated_errors("rooms/list"):
        groups = gateway.api.rooms.list(type="group", sortBy="lastactivity", max=ROOMS_PAGE)
        for room in _dicts(groups):
            last = _when(room.get("lastActivity"))
            if last is not None and last < since:
                break
            found.append(room)
        found.extend(_dicts(gateway.api.rooms.list(type="direct", max=ROOMS_PAGE)))
    return found


def messages_since(
    gateway: WebexGateway, room: Mapping[str, Any], since: datetime
) -> list[Mapping[str, Any]]:
    """The messages in ``room`` the bot can read, created at or after ``since``, oldest first."""
    room_id = str(room["id"])
    group = room.get("type") != "direct"
    query: dict[str, Any] = {"roomId": room_id, "max": MESSAGES_PAGE}
    if group:
        query["mentionedPeople"] = "me"
    found: list[Mapping[str, Any]] = []
    with translated_errors("messages/list"):
        for message in _dicts(gateway.api.messages.list(**query)):
            created = _when(message.get("created"))
            if created is not None and created < since:
                break
            found.append(message)
    found.reverse()
    return found


def event_for(message: Mapping[str, Any], room_type: str | None) -> IntakeEvent:
    """The event a webhook would have stored for this message."""
    data: dict[str, Any] = {k: message[k] for k in _MESSAGE_FIELDS if k in message}
    data.setdefault("roomType", room_type)
    if "created" in message:
        data["created"] = message["created"]
    person = str(message.get("personId") or "")
    return IntakeEvent(*MESSAGES_CREATED, data=data, actor_uuid=uuid_of(person) or person)


def backfill(gateway: WebexGateway, *, since: datetime, me_id: str, record: Record) -> int:
    """Record every readable message since ``since``; how many were new to the event store."""
    fresh = 0
    for room in spaces_to_check(gateway, since):
        for message in messages_since(gateway, room, since):
            if message.get("personId") == me_id:
                continue  # the bot's own replies
            if record(event_for(message, room.get("type"))):
                fresh += 1
    if fresh:
        log.info(
            "backfill since %s found %d message(s) the socket missed", since.isoformat(), fresh
        )
    return fresh
