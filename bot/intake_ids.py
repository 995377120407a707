"""REST ids for websocket activities: derived when sure, asked of Webex when not.

Activities carry UUIDs; the REST API wants hydra ids, which embed the cluster of the data
(``ciscospark://us/MESSAGE/<uuid>`` for the usual one). Deriving with ``us`` (as the JS SDK does
by default) is sure only when the activity's conversation lives at the catalog's own
conversation service. Otherwise, as webex_bot does, the id is read from that conversation
service: ``target.url`` with ``conversations/{target.id}`` replaced by ``messages/{activity.id}``
(or ``attachment/actions/{activity.id}``), whose answer's ``id`` is the REST id. Only the id is
kept then; the worker reads room, person and card from the REST API by that id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from bot.mercury import CARD_VERB, IntakeEvent

log = logging.getLogger(__name__)

Fetch = Callable[[str], Any]


def _host(url: object) -> str | None:
    if not isinstance(url, str):
        return None
    return urlsplit(url).netloc.lower() or None


def lookup_url(activity: Mapping[str, Any]) -> str | None:
    """Where the conversation service answers with this activity's REST id (None: no target)."""
    target = activity.get("target") or {}
    url, room, item = target.get("url"), target.get("id"), activity.get("id")
    if not (isinstance(url, str) and isinstance(room, str) and isinstance(item, str)):
        return None
    kind = "attachment/actions" if activity.get("verb") == CARD_VERB else "messages"
    marker = f"conversations/{room}"
    if not room or not item or marker not in url:
        return None
    return url.replace(marker, f"{kind}/{item}")


class ActivityIds:
    """Decides whether a derived id can be trusted, and fetches the real one when not."""

    def __init__(self, sure_base: str | None, fetch: Fetch) -> None:
        self.sure_host = _host(sure_base)
        self._fetch = fetch

    def is_sure(self, activity: Mapping[str, Any]) -> bool:
        """True when the activity's conversation is at the catalog's conversation service."""
        target = activity.get("target") or {}
        host = _host(target.get("url"))
        return host is None or host == self.sure_host

    def resolve(self, activity: Mapping[str, Any], event: IntakeEvent) -> IntakeEvent:
        """The event with its REST id fetched when derivation is unsure (``fetch`` may raise)."""
        if self.is_sure(activity):
            return event
        url = lookup_url(activity)
        if url is None:
            return event
        answer = self._fetch(url)
        rest_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(rest_id, str) or not rest_id:
            log.warning("the conversation service gave no id for an activity; derived id kept")
            return event
        data: dict[str, Any] = {"id": rest_id}
        for key in ("created", "roomType", "mentionedPeople"):
            if key in event.data:
                data[key] = event.data[key]
        return replace(event, data=data)
