"""Records, ids and errors shared by the Webex emulator modules."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], datetime]
JsonDict = dict[str, Any]

MAX_MESSAGE_BYTES = 7439
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def webex_id(kind: str, raw: str | None = None) -> str:
    """Return a Webex-style id: base64url of ``ciscospark://us/<KIND>/<uuid>``, unpadded."""
    uri = f"ciscospark://us/{kind}/{raw or uuid.uuid4()}"
    return base64.urlsafe_b64encode(uri.encode()).decode().rstrip("=")


def iso(moment: datetime) -> str:
    """Format a timestamp the way Webex does (UTC, milliseconds, ``Z``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def tracking_id() -> str:
    """A Webex-looking tracking id for error bodies and the TrackingID header."""
    return f"ROUTER_{str(uuid.uuid4()).upper()}"


class ApiFailure(Exception):
    """An HTTP error the emulator answers with, in Webex's error body shape."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(message: str, tracking: str) -> JsonDict:
    """The JSON body Webex sends with 4xx/5xx answers."""
    return {"message": message, "errors": [{"description": message}], "trackingId": tracking}


def parse_max(raw: str | None, default: int, cap: int) -> int:
    """The ``max`` query parameter: ``default`` when absent, 400 unless 1..cap."""
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise ApiFailure(400, f"Invalid max: {raw}") from None
    if value < 1 or value > cap:
        raise ApiFailure(400, f"max must be between 1 and {cap}")
    return value


@dataclass
class Person:
    """A person or bot known to the emulator."""

    id: str
    email: str
    display_name: str
    org_id: str
    created: str
    kind: str = "person"

    def to_api(self) -> JsonDict:
        """The People API representation."""
        first, _, last = self.display_name.partition(" ")
        body: JsonDict = {
            "id": self.id,
            "emails": [self.email],
            "phoneNumbers": [],
            "displayName": self.display_name,
            "nickName": first,
            "orgId": self.org_id,
            "created": self.created,
            "status": "unknown",
            "type": self.kind,
        }
        if self.kind == "person":
            body["firstName"] = first
            body["lastName"] = last
        return body


@dataclass
class Room:
    """A space (group) or a 1:1 conversation (direct)."""

    id: str
    title: str
    type: str
    creator_id: str
    org_id: str
    created: str
    last_activity: str
    members: list[str] = field(default_factory=list)

    def to_api(self) -> JsonDict:
        """The Rooms API representation."""
        return {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "isLocked": False,
            "lastActivity": self.last_activity,
            "creatorId": self.creator_id,
            "created": self.created,
            "ownerId": self.org_id,
            "isAnnouncementOnly": False,
            "isReadOnly": False,
            "isPublic": False,
        }


@dataclass
class Content:
    """An uploaded file, served by ``GET /v1/contents/{id}``."""

    id: str
    data: bytes
    content_type: str
    filename: str
    source_url: str | None = None


@dataclass
class WebhookRecord:
    """A registered webhook plus the bookkeeping Webex keeps about it."""

    body: JsonDict
    owner_id: str
    consecutive_failures: int = 0

    @property
    def id(self) -> str:
        """The webhook id."""
        return str(self.body["id"])
