"""WebexGateway: the only place that calls webexpythonsdk.

The SDK is built with ``wait_on_rate_limit=False``: its own handling of 429 sleeps and retries in
an endless loop (webex-facts.md §4), which would pin a worker thread for as long as Webex keeps
saying no. Here every failure becomes one of two exceptions instead: ``WebexUnavailable`` (429
with its ``Retry-After``, 5xx, 423, timeouts, refused connections: try again later) or
``WebexRejected`` (any other 4xx: retrying the same request will not help). The callers (the event
worker and the outbox sender) decide when to retry.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import requests
from webexpythonsdk import ApiError, RateLimitError, WebexAPI

from bot.events import CardAction, Message, Person
from bot.settings import Settings
from onboarding.bulk import MAX_BYTES, Upload
from onboarding.errors import InvalidInput
from storage.json_text import EncodedJSON
from storage.outbox import OutgoingMessage

log = logging.getLogger(__name__)

#: The content type of an Adaptive Card attachment (webex-facts.md §2).
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

T = TypeVar("T")
DEFAULT_REQUEST_TIMEOUT = 20  # seconds; a call held longer is retried (after a check, for a POST)
CONNECTIONS = 64  # kept-alive connections to Webex: enough for the worker and sender pools
_RETRYABLE_STATUS = frozenset({408, 423, 425, 429})


class WebexError(Exception):
    """A Webex call that did not succeed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class WebexUnavailable(WebexError):
    """Try again later: a 429 (``retry_after`` seconds), a 5xx, a timeout or no connection."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        #: No answer within the read timeout: the request was sent and may still be on its way
        #: (held by a proxy or a slow Webex front), so it can land after we gave up on it.
        self.timed_out = timed_out


class WebexRejected(WebexError):
    """Webex refused the request for good (400, 401, 403, 404, ...)."""

    @property
    def is_configuration(self) -> bool:
        """401/403: the token or the bot's membership is wrong, not the request."""
        return self.status in (401, 403)


class Unverifiable(Exception):
    """Webex offers no way to list where this message went (a group space, no thread)."""


#: How far back from a send attempt to look for the message it may have created (clock skew).
SENT_LOOKBACK = timedelta(minutes=2)
#: How many of the newest messages to look through for one we may have sent.
SENT_SCAN = 100


def _retry_after(exc: RateLimitError) -> float:
    # The SDK rounds to whole seconds and clamps at 1; honour the header as Webex sent it.
    raw = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        value = float(raw) if raw is not None else float(exc.retry_after)
    except ValueError:
        value = float(exc.retry_after)
    return max(0.0, value)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _same_content(message: OutgoingMessage, data: dict[str, Any]) -> bool:
    """Whether a listed message is the one ``message`` would have created."""
    if message.file_path:
        return bool(data.get("files")) and not message.markdown
    if message.markdown is not None:
        return data.get("markdown") == message.markdown
    return data.get("text") == message.text


#: A created message's id as the first key of the object Webex answers with (as it does).
_LEADING_ID = re.compile(rb'\A\s*\{\s*"id"\s*:\s*"([^"\\]+)"')


def _created_id(body: bytes) -> str:
    """The ``id`` of the message in a ``POST /messages`` answer.

    The answer echoes the message, card and all (22 KB for ``help``); parsing it all to read one
    id cost more CPU than building the request. Anchored at the start of the body, the pattern
    can only match the outer object's first key; an answer shaped otherwise is parsed.
    """
    found = _LEADING_ID.match(body)
    return found.group(1).decode("utf-8") if found else str(json.loads(body)["id"])


def _describe(exc: ApiError) -> str:
    message = getattr(exc, "message", None) or getattr(exc, "status", None) or ""
    tracking = getattr(exc, "tracking_id", None)
    text = f"{exc.status_code} {message}".strip()
    return f"{text} (trackingId {tracking})" if tracking else text


_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


def _file_name(disposition: str) -> str | None:
    """The file name in a ``Content-Disposition`` header (plain or RFC 5987 ``filename*``)."""
    found = _FILENAME.findall(disposition or "")
    if not found:
        return None
    name = unquote(found[-1]).strip().replace("/", "_").replace("\\", "_")
    return name[:200] or None


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Turn SDK and transport exceptions into ``WebexUnavailable`` / ``WebexRejected``."""
    try:
        yield
    except RateLimitError as exc:
        raise WebexUnavailable(
            f"{what}: rate limited", status=429, retry_after=_retry_after(exc)
        ) from exc
    except ApiError as exc:
        status = int(exc.status_code)
        if status >= 500 or status in _RETRYABLE_STATUS:
            retry = exc.response.headers.get("Retry-After") if exc.response is not None else None
            try:
                after = float(retry) if retry is not None else None
            except ValueError:
                after = None
            raise WebexUnavailable(
                f"{what}: {_describe(exc)}", status=status, retry_after=after
            ) from exc
        raise WebexRejected(f"{what}: {_describe(exc)}", status=status) from exc
    except (requests.Timeout, requests.ConnectionError) as exc:
        timed_out = isinstance(exc, requests.ReadTimeout)
        raise WebexUnavailable(f"{what}: {type(exc).__name__}", timed_out=timed_out) from exc


def _environment_once(session: requests.Session, api_url: str) -> None:
    """Read the proxy and CA settings from the environment now, not on every call.

    With ``trust_env`` requests scans the whole environment for ``*_proxy`` variables (twice) and
    looks for a ``.netrc`` on every request: about a third of the CPU of a Webex call in the
    engine bench. The environment of a running server does not change, so the same settings are
    resolved once here (``HTTPS_PROXY``/``NO_PROXY`` for the API's host, ``REQUESTS_CA_BUNDLE``/
    ``CURL_CA_BUNDLE``) and set on the session. A ``.netrc`` is not consulted: the SDK sends the
    bot token itself, and a netrc entry would have replaced it.
    """
    proxies = requests.utils.get_environ_proxies(api_url)
    session.proxies.update(proxies)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


class WebexGateway:
    """Fetch messages and card actions, post replies and files, manage webhooks."""

    def __init__(self, api: WebexAPI, *, request_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> None:
        self.api = api
        #: The client's read timeout: how long a call may take before we stop waiting for it.
        self.request_timeout = float(request_timeout)
        #: Told how long each call took, by endpoint (the runtime points it at the metrics).
        self.on_call: Callable[[str, float], None] | None = None
        self._cached_me: Person | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, timeout: int | None = None) -> WebexGateway:
        """A gateway with the bot token, against ``settings.webex.api_url``.

        ``timeout`` per call; default ``webex.request_timeout_seconds``.
        """
        if timeout is None:
            timeout = settings.webex.request_timeout_seconds
        token = settings.webex.bot_token
        if token is None:
            raise ValueError("webex.bot_token is not set (WEBEX_BOT_TOKEN)")
        api = WebexAPI(
            access_token=token.get_secret_value(),
            base_url=settings.webex.api_url,
            single_request_timeout=timeout,
            wait_on_rate_limit=False,
        )
        # One pooled connection per worker and sender thread (requests keeps 10 by default).
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=CONNECTIONS)
        session = api._session._req_session
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        _environment_once(session, settings.webex.api_url)
        return cls(api, request_timeout=timeout)

    def _call(self, what: str, call: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            with translated_errors(what):
                return call()
        finally:
            if self.on_call is not None:
                self.on_call(what, time.perf_counter() - started)

    # -- people and messages -------------------------------------------------------------------

    def me(self) -> Person:
        """The bot itself (``GET /people/me``)."""
        return Person.from_api(self._call("people/me", self.api.people.me).to_dict())

    def person(self, person_id: str) -> Person:
        """Someone by person id."""
        data = self._call("people/get", lambda: self.api.people.get(person_id))
        return Person.from_api(data.to_dict())

    def message(self, message_id: str) -> Message:
        """A message by id."""
        data = self._call("messages/get", lambda: self.api.messages.get(message_id))
        return Message.from_api(data.to_dict())

    def card_action(self, action_id: str) -> CardAction:
        """A card submission by id (its inputs are not in the webhook)."""
        data = self._call(
            "attachment/actions/get", lambda: self.api.attachment_actions.get(action_id)
        )
        return CardAction.from_api(data.to_dict())

    def post(self, message: OutgoingMessage) -> str:
        """Post one outbox message (markdown with an optional card, or one file); its id."""
        fields: dict[str, Any] = {}
        if message.room_id:
            fields["roomId"] = message.room_id
        else:
            fields["toPersonEmail"] = message.to_person_email
        if message.parent_id:
            fields["parentId"] = message.parent_id
        if message.markdown:
            fields["markdown"] = message.markdown
        if message.text:
            fields["text"] = message.text
        if message.file_path:
            fields["files"] = [message.file_path]
        elif message.card is not None:
            return self._post_json(fields, EncodedJSON.of(message.card))
        try:
            created = self._call("messages/create", lambda: self.api.messages.create(**fields))
        except (ValueError, OSError) as exc:
            # The SDK raises ValueError for a file that is not there; no retry will fix it.
            raise WebexRejected(f"messages/create: {exc}") from exc
        return str(created.id)

    def _post_json(self, fields: dict[str, Any], card: EncodedJSON) -> str:
        """``POST /messages`` with a card, its JSON text put into the body as it is.

        Through the SDK's own session (its token, timeouts and error classes), not through
        ``messages.create``: that would encode the card again, and parse the message Webex
        echoes back, card and all, into OrderedDicts (a hook per object), to read one id.
        """
        # ``fields`` always holds the room or the person, so its object is never empty.
        attachment = f'{{"contentType": "{CARD_CONTENT_TYPE}", "content": {card.text}}}'
        body = f'{json.dumps(fields)[:-1]}, "attachments": [{attachment}]}}'

        def create() -> str:
            response = self.api._session.request(
                "POST", "messages", erc=200, data=body.encode("utf-8")
            )
            return _created_id(response.content)

        return self._call("messages/create", create)

    def find_sent(
        self, message: OutgoingMessage, *, since: datetime, exclude: set[str]
    ) -> str | None:
        """The id of a message the bot already posted with this content, if Webex has it.

        Webex has no idempotency key, so "already sent?" is answered by listing where the message
        would be and matching the bot's own messages by content, newer than ``since`` (minus a
        clock-skew margin) and not among ``exclude`` (the ids the outbox already holds for that
        space, so an identical earlier reply is not mistaken for this one). Where it can list:
        a thread (``GET /messages?roomId&parentId``), a 1:1 space by room (``GET /messages?roomId``)
        or by person (``GET /messages/direct?personEmail``). A group space outside a thread cannot
        be listed by a bot (only messages that mention it): ``Unverifiable``.
        """
        me = self._cached_me or self.me()
        self._cached_me = me
        floor = since - SENT_LOOKBACK

        def scan() -> str | None:
            for seen, item in enumerate(self._listing(message)):
                data = item.to_dict()
                created = _when(data.get("created"))
                if seen >= SENT_SCAN or (created is not None and created < floor):
                    return None
                mine = data.get("personId") == me.id and data.get("id") not in exclude
                if mine and _same_content(message, data):
                    return str(data["id"])
            return None

        return self._call("messages/list", scan)

    def _listing(self, message: OutgoingMessage) -> Iterable[Any]:
        if message.room_id and message.parent_id:
            return self.api.messages.list(
                roomId=message.room_id, parentId=message.parent_id, max=SENT_SCAN
            )
        if message.room_id:
            if self.api.rooms.get(message.room_id).type != "direct":
                raise Unverifiable("a bot cannot list the messages of a group space")
            return self.api.messages.list(roomId=message.room_id, max=SENT_SCAN)
        return self.api.messages.list_direct(
            personEmail=message.to_person_email, parentId=message.parent_id
        )

    # -- files -------------------------------------------------------------------------------

    def download(self, url: str, *, limit: int = MAX_BYTES) -> Upload:
        """A message's file: ``GET`` its content URL with the bot token (webex-facts.md §2).

        Only URLs on the API's own host get the token: a file URL pointing anywhere else is
        refused, so the token never leaves for another server. The body is read up to
        ``limit`` + 1 bytes, enough to tell that a file is too big without holding all of it.
        """
        base = urlsplit(str(self.api.base_url))
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise InvalidInput("bulk.download_failed", status="not a Webex file URL")
        session = self.api._session._req_session
        headers = {"Authorization": f"Bearer {self.api.access_token}"}
        started = time.perf_counter()
        try:
            with session.get(url, headers=headers, stream=True, timeout=20) as response:
                if response.status_code in (423, 428) or response.status_code >= 500:
                    # 423/428: quarantined or not yet scanned for malware; later it may pass.
                    raise InvalidInput("bulk.download_failed", status=response.status_code)
                if response.status_code >= 400:
                    raise InvalidInput("bulk.download_failed", status=response.status_code)
                data = b""
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > limit:
                        break
                disposition = response.headers.get("Content-Disposition", "")
                kind = response.headers.get("Content-Type", "application/octet-stream")
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise InvalidInput("bulk.download_failed", status=type(exc).__name__) from exc
        finally:
            if self.on_call is not None:
                self.on_call("contents/get", time.perf_counter() - started)
        return Upload(_file_name(disposition) or "file.csv", kind, data)

    # -- webhooks ------------------------------------------------------------------------------

    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook this token owns."""
        return self._call(
            "webhooks/list", lambda: [h.to_dict() for h in self.api.webhooks.list(max=100)]
        )

    def create_webhook(
        self,
        *,
        name: str,
        target_url: str,
        resource: str,
        event: str,
        secret: str | None,
    ) -> dict[str, Any]:
        """Register a webhook."""
        hook = self._call(
            "webhooks/create",
            lambda: self.api.webhooks.create(
                name=name, targetUrl=target_url, resource=resource, event=event, secret=secret
            ),
        )
        return dict(hook.to_dict())

    def update_webhook(
        self, webhook_id: str, *, name: str, target_url: str, **fields: Any
    ) -> dict[str, Any]:
        """Change a webhook (``secret``, ``status="active"`` to reactivate)."""
        hook = self._call(
            "webhooks/update",
            lambda: self.api.webhooks.update(webhook_id, name=name, targetUrl=target_url, **fields),
        )
        return dict(hook.to_dict())

    def delete_webhook(self, webhook_id: str) -> None:
        """Remove a webhook."""
        self._call("webhooks/delete", lambda: self.api.webhooks.delete(webhook_id))
