"""Webhooks in the emulated Webex: the REST operations and turning events into deliveries."""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

from bot.local.emulator_model import (
    ApiFailure,
    JsonDict,
    Person,
    Room,
    WebhookRecord,
    parse_max,
    webex_id,
)
from bot.local.emulator_webhooks import (
    Deliverer,
    Delivery,
    build_envelope,
    matches_filter,
    parse_filter,
    sign,
)

RESOURCES = frozenset(
    [
        "attachmentActions",
        "dataSources",
        "memberships",
        "messages",
        "rooms",
        "meetings",
        "recordings",
        "convergedRecordings",
        "meetingParticipants",
        "meetingTranscripts",
        "telephony_calls",
        "telephony_conference",
        "telephony_mwi",
        "uc_counters",
        "serviceApp",
        "adminBatchJobs",
    ]
)
EVENTS = frozenset(
    [
        "created",
        "updated",
        "deleted",
        "started",
        "ended",
        "joined",
        "left",
        "migrated",
        "authorized",
        "deauthorized",
        "statusChanged",
    ]
)


class ActivityListener(Protocol):
    """Told of each new message and card submission (the websocket stand-in pushes them)."""

    def message_posted(self, message: JsonDict, room: Room) -> None:
        """A message was stored."""

    def card_submitted(self, action: JsonDict, message: JsonDict) -> None:
        """A card on ``message`` was submitted."""


class WebhookMixin:
    """Webhook CRUD, filters and delivery bookkeeping; mixed into ``EmulatorState``."""

    _lock: threading.RLock
    _people: dict[str, Person]
    _rooms: dict[str, Room]
    _webhooks: dict[str, WebhookRecord]
    _deliveries: dict[str, Delivery]
    _delivery_ids: itertools.count[int]
    _deliverer: Deliverer
    app_id: str
    deactivate_after_failures: int
    activity_listeners: list[ActivityListener]

    if TYPE_CHECKING:  # provided by EmulatorState; declared so the mixin type-checks alone

        def _now(self) -> str: ...
        def _touch(self) -> None: ...

    # -- REST ----------------------------------------------------------------------

    def _own_hook(self, caller: Person, webhook_id: str) -> WebhookRecord:
        hook = self._webhooks.get(webhook_id)
        if hook is None or hook.owner_id != caller.id:
            raise ApiFailure(404, "Could not find a webhook with provided ID.")
        return hook

    def api_list_webhooks(self, caller: Person, query: Mapping[str, str]) -> JsonDict:
        """GET /webhooks: the caller's own webhooks."""
        with self._lock:
            limit = parse_max(query.get("max"), 100, 1000)
            if query.get("ownedBy") not in (None, "org"):
                raise ApiFailure(400, "ownedBy may only be 'org'.")
            hooks = [h for h in self._webhooks.values() if h.owner_id == caller.id]
            if query.get("ownedBy") == "org":
                hooks = [h for h in hooks if h.body.get("ownedBy") == "org"]
            return {"items": [copy.deepcopy(h.body) for h in hooks[:limit]]}

    def api_create_webhook(self, caller: Person, body: Mapping[str, Any]) -> JsonDict:
        """POST /webhooks."""
        with self._lock:
            missing = [k for k in ("name", "targetUrl", "resource", "event") if not body.get(k)]
            if missing:
                raise ApiFailure(400, f"Missing required field(s): {', '.join(missing)}.")
            if body["resource"] not in RESOURCES:
                raise ApiFailure(400, f"Invalid resource: {body['resource']}")
            if body["event"] not in EVENTS:
                raise ApiFailure(400, f"Invalid event: {body['event']}")
            self._check_target(body["targetUrl"])
            filters = parse_filter(body["resource"], body.get("filter"))
            if "roomId" in filters:
                room = self._rooms.get(filters["roomId"])
                if room is None or caller.id not in room.members:
                    raise ApiFailure(400, "invalid value for filter: roomId")
            record: JsonDict = {
                "id": webex_id("WEBHOOK"),
                "name": body["name"],
                "targetUrl": body["targetUrl"],
                "resource": body["resource"],
                "event": body["event"],
                "orgId": caller.org_id,
                "createdBy": caller.id,
                "appId": self.app_id,
                "ownedBy": "org" if body.get("ownedBy") == "org" else "creator",
                "status": "active",
                "created": self._now(),
            }
            for key in ("filter", "secret"):
                if body.get(key):
                    record[key] = body[key]
            self._webhooks[record["id"]] = WebhookRecord(record, caller.id)
            return copy.deepcopy(record)

    @staticmethod
    def _check_target(url: Any) -> None:
        parsed = urlparse(url) if isinstance(url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ApiFailure(400, "targetUrl must be an http(s) URL.")

    def api_get_webhook(self, caller: Person, webhook_id: str) -> JsonDict:
        """GET /webhooks/{id}."""
        with self._lock:
            return copy.deepcopy(self._own_hook(caller, webhook_id).body)

    def api_update_webhook(
        self, caller: Person, webhook_id: str, body: Mapping[str, Any]
    ) -> JsonDict:
        """PUT /webhooks/{id}: name and targetUrl required; status may only become active."""
        with self._lock:
            hook = self._own_hook(caller, webhook_id)
            if not body.get("name") or not body.get("targetUrl"):
                raise ApiFailure(400, "name and targetUrl are required.")
            self._check_target(body["targetUrl"])
            if "status" in body and body["status"] != "active":
                raise ApiFailure(
                    400, "You cannot deactivate a webhook, only activate an inactive one."
                )
            hook.body["name"] = body["name"]
            hook.body["targetUrl"] = body["targetUrl"]
            if body.get("secret"):
                hook.body["secret"] = body["secret"]
            if body.get("status") == "active":
                hook.body["status"] = "active"
                hook.consecutive_failures = 0
            self._touch()
            return copy.deepcopy(hook.body)

    def api_delete_webhook(self, caller: Person, webhook_id: str) -> None:
        """DELETE /webhooks/{id}."""
        with self._lock:
            self._own_hook(caller, webhook_id)
            del self._webhooks[webhook_id]

    # -- webhooks: delivery ------------------------------------------------------------------

    def _emit_message(self, message: JsonDict, room: Room) -> None:
        data: JsonDict = {
            k: message[k]
            for k in ("id", "roomId", "roomType", "personId", "personEmail", "mentionedPeople")
            if k in message
        }
        data["created"] = message["created"]

        def audience(owner: Person) -> bool:
            if owner.id not in room.members:
                return False
            # Bots hear group messages only when @mentioned (facts §1 "Bots, mentions").
            return (
                owner.kind != "bot"
                or room.type == "direct"
                or owner.id in data.get("mentionedPeople", [])
            )

        self._emit("messages", message, data, message["personId"], audience)
        for listener in self.activity_listeners:
            listener.message_posted(message, room)

    def _emit_action(self, action: JsonDict, message: JsonDict) -> None:
        data: JsonDict = {
            k: action[k] for k in ("id", "type", "messageId", "personId", "roomId", "created")
        }
        self._emit(
            "attachmentActions",
            action,
            data,
            action["personId"],
            lambda owner: owner.id == message["personId"],
        )
        for listener in self.activity_listeners:
            listener.card_submitted(action, message)

    def _emit(
        self,
        resource: str,
        subject: JsonDict,
        data: JsonDict,
        actor_id: str,
        audience: Callable[[Person], bool],
    ) -> None:
        for hook in list(self._webhooks.values()):
            body = hook.body
            if body["resource"] != resource or body["event"] != "created":
                continue
            owner = self._people.get(hook.owner_id)
            if body["status"] != "active" or owner is None or not audience(owner):
                continue
            if not matches_filter(parse_filter(resource, body.get("filter")), subject, owner.id):
                continue
            envelope = build_envelope(
                hook, org_id=owner.org_id, app_id=self.app_id, actor_id=actor_id, data=data
            )
            self._enqueue(hook, envelope, None)

    def _enqueue(self, hook: WebhookRecord, envelope: bytes, redelivery_of: str | None) -> Delivery:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Webex-Emulator",
        }
        if hook.body.get("secret"):
            headers["X-Spark-Signature"] = sign(hook.body["secret"], envelope)
        delivery = Delivery(
            id=f"delivery-{next(self._delivery_ids)}",
            webhook_id=hook.id,
            target_url=hook.body["targetUrl"],
            body=envelope,
            headers=headers,
            redelivery_of=redelivery_of,
        )
        self._deliveries[delivery.id] = delivery
        self._deliverer.submit(delivery)
        return delivery

    def _should_send(self, delivery: Delivery) -> bool:
        # Events queued before a webhook went inactive are dropped, as Webex stops sending;
        # explicit redeliveries always go out.
        with self._lock:
            hook = self._webhooks.get(delivery.webhook_id)
            active = hook is not None and hook.body["status"] == "active"
            return active or delivery.redelivery_of is not None

    def _delivery_done(self, delivery: Delivery) -> None:
        with self._lock:
            hook = self._webhooks.get(delivery.webhook_id)
            if hook is not None and not delivery.skipped:
                if delivery.ok:
                    hook.consecutive_failures = 0
                else:
                    hook.consecutive_failures += 1
                    # Webex's threshold is NOT FOUND in its docs; ours is a constructor knob.
                    if hook.consecutive_failures >= self.deactivate_after_failures:
                        hook.body["status"] = "inactive"
            self._touch()
