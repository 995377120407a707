"""Value objects for what Webex sends: a webhook envelope, a message, a card action.

Webhooks carry ids only (webex-facts.md §1); the message or the card's inputs are fetched by the
worker. Parsing here is strict about types, because the envelope is untrusted input even when its
signature is good.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MESSAGES_CREATED = ("messages", "created")
ACTIONS_CREATED = ("attachmentActions", "created")
HANDLED = frozenset({MESSAGES_CREATED, ACTIONS_CREATED})
MAX_ID_LENGTH = 200  # Webex ids are about 80 characters; the event key column holds 300


class EnvelopeError(ValueError):
    """The webhook body is not an envelope we can read (wrong shape or types)."""


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise EnvelopeError(f"{key} is missing")
        return None
    if not isinstance(value, str) or (required and not value):
        raise EnvelopeError(f"{key} must be a non-empty string")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EnvelopeError(f"{key} must be a list of strings")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class WebhookEnvelope:
    """The body Webex POSTs to our webhook URL: which resource and event, and the ids."""

    resource: str
    event: str
    data_id: str
    data: Mapping[str, Any]
    webhook_id: str | None = None
    actor_id: str | None = None
    org_id: str | None = None

    @classmethod
    def parse(cls, body: object) -> WebhookEnvelope:
        """Read a decoded JSON body; raises ``EnvelopeError`` when it is not an envelope."""
        if not isinstance(body, dict):
            raise EnvelopeError("the body must be a JSON object")
        resource = _text(body, "resource", required=True)
        event = _text(body, "event", required=True)
        data = body.get("data")
        if not isinstance(data, dict):
            raise EnvelopeError("data must be an object")
        data_id = _text(data, "id", required=True)
        assert resource is not None and event is not None and data_id is not None
        if len(data_id) > MAX_ID_LENGTH or len(resource) > 50 or len(event) > 50:
            raise EnvelopeError("an id, resource or event is implausibly long")
        return cls(
            resource=resource,
            event=event,
            data_id=data_id,
            data=data,
            webhook_id=_text(body, "id"),
            actor_id=_text(body, "actorId"),
            org_id=_text(body, "orgId"),
        )

    @property
    def handled(self) -> bool:
        """Whether the bot acts on this kind of event (new messages, card submissions)."""
        return (self.resource, self.event) in HANDLED

    @property
    def event_key(self) -> str:
        """The unique key a redelivery of the same event shares."""
        return f"{self.resource}/{self.event}/{self.data_id}"

    @property
    def space_id(self) -> str | None:
        """The space the event happened in (``data.roomId``): events of one space run in order."""
        value = self.data.get("roomId")
        return value if isinstance(value, str) and len(value) <= MAX_ID_LENGTH else None

    @property
    def person_id(self) -> str | None:
        """Who caused the event (``data.personId``), when the envelope says."""
        value = self.data.get("personId")
        return value if isinstance(value, str) else None


def correlation_id_of(event_key: str) -> str:
    """A short, stable id for an event key (audit and outbox columns hold 64 characters)."""
    return "wh-" + hashlib.sha256(event_key.encode()).hexdigest()[:29]


@dataclass(frozen=True, slots=True)
class Message:
    """A Webex message as fetched with ``GET /messages/{id}``."""

    id: str
    room_id: str
    person_id: str
    person_email: str
    room_type: str | None = None
    text: str = ""
    html: str | None = None
    parent_id: str | None = None
    mentioned_people: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    has_card: bool = False

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Message:
        """From the API's JSON object."""
        return cls(
            id=str(data["id"]),
            room_id=str(data["roomId"]),
            person_id=str(data.get("personId") or ""),
            person_email=str(data.get("personEmail") or ""),
            room_type=data.get("roomType"),
            text=str(data.get("text") or ""),
            html=data.get("html"),
            parent_id=data.get("parentId"),
            mentioned_people=_strings(data, "mentionedPeople"),
            files=_strings(data, "files"),
            has_card=bool(data.get("attachments")),
        )

    @property
    def in_group(self) -> bool:
        """True in a group space (where the bot must be @mentioned and replies are threaded)."""
        return self.room_type == "group"


@dataclass(frozen=True, slots=True)
class CardAction:
    """An Adaptive Card submission as fetched with ``GET /attachment/actions/{id}``."""

    id: str
    message_id: str
    person_id: str
    room_id: str
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CardAction:
        """From the API's JSON object."""
        inputs = data.get("inputs") or {}
        return cls(
            id=str(data["id"]),
            message_id=str(data.get("messageId") or ""),
            person_id=str(data.get("personId") or ""),
            room_id=str(data.get("roomId") or ""),
            inputs=dict(inputs) if isinstance(inputs, dict) else {},
        )

    @property
    def name(self) -> str | None:
        """The action name the card put in its submit data (``{"action": "user.delete"}``)."""
        value = self.inputs.get("action")
        return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class Person:
    """Who someone is on Webex (the bot itself, or the person who clicked a card)."""

    id: str
    email: str
    display_name: str = ""
    org_id: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Person:
        """From a People API object."""
        emails = data.get("emails") or []
        return cls(
            id=str(data["id"]),
            email=str(emails[0]) if emails else "",
            display_name=str(data.get("displayName") or ""),
            org_id=data.get("orgId"),
        )
