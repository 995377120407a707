"""Webhook filters, envelopes, signatures and the background delivery queue."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from bot.local.emulator_model import ApiFailure, JsonDict, WebhookRecord

log = logging.getLogger(__name__)

# (url, body, headers, timeout) -> HTTP status; raises OSError when nothing answered.
Transport = Callable[[str, bytes, Mapping[str, str], float], int]

FILTER_KEYS: dict[str, frozenset[str]] = {
    "messages": frozenset(
        {"roomId", "roomType", "personId", "personEmail", "mentionedPeople", "hasFiles"}
    ),
    "attachmentActions": frozenset({"messageId", "personId", "roomId"}),
}


def parse_filter(resource: str, text: str | None) -> dict[str, str]:
    """Parse ``a=b&c=d``; unknown keys for the resources we deliver are a 400, as on Webex."""
    if not text:
        return {}
    pairs = parse_qsl(text, keep_blank_values=True)
    allowed = FILTER_KEYS.get(resource)
    for key, _ in pairs:
        if allowed is not None and key not in allowed:
            raise ApiFailure(400, f"invalid value for filter: {key}")
    return dict(pairs)


def matches_filter(filters: Mapping[str, str], subject: Mapping[str, Any], owner_id: str) -> bool:
    """Whether a message or attachment-action record passes a webhook's filter."""
    for key, wanted in filters.items():
        if key == "mentionedPeople":
            person = owner_id if wanted == "me" else wanted
            if person not in subject.get("mentionedPeople", []):
                return False
        elif key == "hasFiles":
            if (wanted.lower() == "true") != bool(subject.get("files")):
                return False
        elif key == "personEmail":
            if str(subject.get("personEmail", "")).lower() != wanted.lower():
                return False
        elif subject.get(key) != wanted:
            return False
    return True


def sign(secret: str, body: bytes) -> str:
    """``X-Spark-Signature``: lowercase hex HMAC-SHA1 of the raw body bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def build_envelope(
    hook: WebhookRecord, *, org_id: str, app_id: str, actor_id: str, data: JsonDict
) -> bytes:
    """The body Webex POSTs to ``targetUrl`` (ids only in ``data``)."""
    body = hook.body
    envelope: JsonDict = {
        "id": body["id"],
        "name": body["name"],
        "targetUrl": body["targetUrl"],
        "resource": body["resource"],
        "event": body["event"],
        "orgId": org_id,
        "createdBy": hook.owner_id,
        "appId": app_id,
        "ownedBy": body.get("ownedBy", "creator"),
        "status": body["status"],
        "created": body["created"],
        "actorId": actor_id,
        "data": data,
    }
    if body.get("filter"):
        envelope["filter"] = body["filter"]
    return json.dumps(envelope, separators=(",", ":")).encode()


@dataclass
class Delivery:
    """One POST of an envelope to a webhook's target URL, and its outcome."""

    id: str
    webhook_id: str
    target_url: str
    body: bytes
    headers: dict[str, str]
    redelivery_of: str | None = None
    status: int | None = None
    error: str | None = None
    done: bool = False
    skipped: bool = False

    @property
    def envelope(self) -> JsonDict:
        """The parsed envelope."""
        return dict(json.loads(self.body))

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


def urllib_transport(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST with the standard library; an HTTP error status is a result, not an exception."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class Deliverer:
    """A single background thread that posts deliveries in order."""

    def __init__(
        self,
        transport: Transport,
        on_done: Callable[[Delivery], None],
        *,
        should_send: Callable[[Delivery], bool] = lambda _: True,
        timeout: float = 5.0,
    ) -> None:
        self._transport = transport
        self._on_done = on_done
        self._should_send = should_send
        self._timeout = timeout
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._outstanding = 0

    def submit(self, delivery: Delivery) -> None:
        """Queue a delivery; starts the worker thread on first use."""
        with self._lock:
            self._outstanding += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="webex-emulator-webhooks", daemon=True
                )
                self._thread.start()
        self._queue.put(delivery)

    @property
    def idle(self) -> bool:
        """True when nothing is queued or in flight."""
        with self._lock:
            return self._outstanding == 0

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the worker after the deliveries already queued."""
        with self._lock:
            thread = self._thread
            self._thread = None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is None:
                return
            try:
                if self._should_send(delivery):
                    delivery.status = self._transport(
                        delivery.target_url, delivery.body, delivery.headers, self._timeout
                    )
                else:
                    delivery.skipped = True
            except Exception as exc:  # a dead receiver is an outcome to record, not a crash
                delivery.error = f"{type(exc).__name__}: {exc}"
            delivery.done = True
            try:
                self._on_done(delivery)
            except Exception:
                log.exception("webhook delivery bookkeeping failed")
            finally:
                with self._lock:
                    self._outstanding -= 1
