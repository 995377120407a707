"""The Webex websocket (Mercury) wire format: the frames we send and what the frames we get mean.

Pure functions and value objects, no I/O. Learned from the official JavaScript SDK and webex_bot
(webex-facts.md §9); written here:

- we send ``authorization`` (the bot token), ``ping`` (keepalive) and ``ack`` (one per envelope,
  by the envelope's top-level id, as the JS SDK does);
- the server sends ``pong`` for our pings, a ``mercury.buffer_state`` or
  ``mercury.registration_status`` event once the socket is ready, and ``conversation.activity``
  envelopes carrying a numbered ``sequenceNumber``;
- activities name conversations, people and messages by UUID; the REST API by "hydra" ids, the
  unpadded base64url of ``ciscospark://{cluster}/{KIND}/{uuid}``. The intake turns an activity into
  the same stored event a webhook would give (same resource, event and id, hence the same key).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.events import ACTIONS_CREATED, MESSAGES_CREATED

READY_EVENTS = frozenset({"mercury.buffer_state", "mercury.registration_status"})
ACTIVITY_EVENT = "conversation.activity"
MESSAGE_VERBS = frozenset({"post", "share"})
CARD_VERB = "cardAction"
DEFAULT_CLUSTER = "us"
ONE_ON_ONE_TAG = "ONE_ON_ONE"


class FrameError(ValueError):
    """A frame that is not JSON, or not shaped like anything Mercury sends."""


def hydra_id(kind: str, raw_uuid: str, cluster: str = DEFAULT_CLUSTER) -> str:
    """The REST id of a Mercury UUID (``MESSAGE``, ``ROOM``, ``PEOPLE``, ``ATTACHMENT_ACTION``)."""
    uri = f"ciscospark://{cluster}/{kind}/{raw_uuid}"
    return base64.urlsafe_b64encode(uri.encode()).decode().rstrip("=")


def uuid_of(rest_id: str) -> str | None:
    """The UUID inside a REST id, or None when it is not a ``ciscospark://`` id."""
    try:
        uri = base64.urlsafe_b64decode(rest_id + "=" * (-len(rest_id) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    parts = uri.split("/")
    if not uri.startswith("ciscospark://") or len(parts) < 5:
        return None
    return parts[-1]


def authorization(token: str) -> str:
    """The first frame after connecting: who we are."""
    return json.dumps(
        {"id": str(uuid.uuid4()), "type": "authorization", "data": {"token": f"Bearer {token}"}}
    )


def ping(ping_id: str) -> str:
    """A keepalive; Mercury answers with a ``pong`` of the same id."""
    return json.dumps({"id": ping_id, "type": "ping"})


def ack(envelope_id: str) -> str:
    """Acknowledge one envelope (sent only after its event is in the store)."""
    return json.dumps({"type": "ack", "messageId": envelope_id})


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame from the server."""

    id: str | None
    type: str | None
    sequence: int | None
    event_type: str | None
    data: Mapping[str, Any]

    @classmethod
    def parse(cls, raw: str | bytes) -> Frame:
        """Decode a text frame; raises ``FrameError`` when it is not a JSON object."""
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise FrameError(f"not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise FrameError("a frame must be a JSON object")
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        sequence = body.get("sequenceNumber")
        event_type = data.get("eventType")
        frame_id, frame_type = body.get("id"), body.get("type")
        return cls(
            id=frame_id if isinstance(frame_id, str) else None,
            type=frame_type if isinstance(frame_type, str) else None,
            sequence=sequence
            if isinstance(sequence, int) and not isinstance(sequence, bool)
            else None,
            event_type=event_type if isinstance(event_type, str) else None,
            data=data,
        )

    @property
    def is_pong(self) -> bool:
        """The answer to one of our pings."""
        return self.type == "pong"

    @property
    def is_ready(self) -> bool:
        """The server's sign that the socket is registered and events will flow."""
        return self.event_type in READY_EVENTS

    @property
    def activity(self) -> Mapping[str, Any] | None:
        """The ``conversation.activity`` payload, if this frame carries one."""
        if self.event_type != ACTIVITY_EVENT:
            return None
        activity = self.data.get("activity")
        return activity if isinstance(activity, dict) else None


def _uuid_at(node: Mapping[str, Any], *path: str) -> str | None:
    value: Any = node
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class IntakeEvent:
    """An activity as the event the webhook intake would have stored for it."""

    resource: str
    event: str
    data: Mapping[str, Any]
    actor_uuid: str

    @property
    def event_key(self) -> str:
        """Resource, event and id: the key a webhook for the same message shares."""
        return f"{self.resource}/{self.event}/{self.data['id']}"

    def payload(
        self,
        *,
        via: str = "websocket",
        envelope_id: str | None = None,
        sequence: int | None = None,
    ) -> dict[str, Any]:
        """The body to store: webhook-shaped (the worker reads it so), plus where it came from."""
        return {
            "resource": self.resource,
            "event": self.event,
            "actorId": self.data.get("personId"),
            "data": dict(self.data),
            "source": {"intake": via, "envelopeId": envelope_id, "sequence": sequence},
        }


def event_of(activity: Mapping[str, Any], *, cluster: str = DEFAULT_CLUSTER) -> IntakeEvent | None:
    """The event an activity means, or None for activities the bot does not act on.

    Message ids are derived the way the JS SDK does (``MESSAGE/{activity.id}``); a card action is
    ``ATTACHMENT_ACTION/{activity.id}`` on the card message ``MESSAGE/{parent.id}``.
    """
    verb = activity.get("verb")
    activity_uuid = _uuid_at(activity, "id")
    actor = _uuid_at(activity, "actor", "entryUUID")
    room = _uuid_at(activity, "target", "id")
    if activity_uuid is None or actor is None or room is None:
        return None
    data: dict[str, Any] = {
        "roomId": hydra_id("ROOM", room, cluster),
        "personId": hydra_id("PEOPLE", actor, cluster),
    }
    published = activity.get("published")
    if isinstance(published, str):
        data["created"] = published
    email = _uuid_at(activity, "actor", "emailAddress")
    if email is not None:
        data["personEmail"] = email
    tags = (activity.get("target") or {}).get("tags")
    direct = isinstance(tags, list) and ONE_ON_ONE_TAG in tags
    if verb in MESSAGE_VERBS:
        data["id"] = hydra_id("MESSAGE", activity_uuid, cluster)
        data["roomType"] = "direct" if direct else "group"
        mentions = _mentioned_uuids(activity)
        if mentions is not None:
            data["mentionedPeople"] = [hydra_id("PEOPLE", m, cluster) for m in mentions]
        return IntakeEvent(*MESSAGES_CREATED, data=data, actor_uuid=actor)
    if verb == CARD_VERB:
        card = _uuid_at(activity, "parent", "id")
        if card is None:
            return None
        data["id"] = hydra_id("ATTACHMENT_ACTION", activity_uuid, cluster)
        data["messageId"] = hydra_id("MESSAGE", card, cluster)
        data["type"] = "submit"
        return IntakeEvent(*ACTIONS_CREATED, data=data, actor_uuid=actor)
    return None


def _mentioned_uuids(activity: Mapping[str, Any]) -> list[str] | None:
    """The people @mentioned in a message activity; None when the activity does not say."""
    mentions = (activity.get("object") or {}).get("mentions")
    if not isinstance(mentions, dict) or not isinstance(mentions.get("items"), list):
        return None
    found = []
    for item in mentions["items"]:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            found.append(item["id"])
    return found
