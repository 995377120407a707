"""This bot's two webhooks: create or repair them, and say whether they are healthy.

A bot token sees every webhook it created, including ones made by other tools or by another
deployment sharing the token. Ours are recognised by name (``onboard-bot: messages/created`` and
``onboard-bot: attachmentActions/created``); anything else is listed but never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.webex import WebexGateway

NAME_PREFIX = "onboard-bot: "
WANTED: tuple[tuple[str, str], ...] = (("messages", "created"), ("attachmentActions", "created"))
WEBHOOK_PATH = "/webhooks/webex"


def webhook_name(resource: str, event: str) -> str:
    """The name our webhook for ``resource``/``event`` carries."""
    return f"{NAME_PREFIX}{resource}/{event}"


def is_ours(hook: Mapping[str, Any]) -> bool:
    """Whether a webhook is one this bot manages."""
    return str(hook.get("name", "")).startswith(NAME_PREFIX)


def target_url_from(public_url: str) -> str:
    """The webhook target for a public base URL (``https://bot.example.com``)."""
    base = public_url.rstrip("/")
    return base if base.endswith(WEBHOOK_PATH) else base + WEBHOOK_PATH


@dataclass(frozen=True, slots=True)
class Change:
    """What ``sync`` did to one webhook: created, updated, reactivated, recreated, unchanged."""

    what: str
    name: str
    webhook_id: str


def sync_webhooks(gateway: WebexGateway, *, target_url: str, secret: str) -> list[Change]:
    """Make sure both webhooks exist, point at ``target_url``, carry ``secret`` and are active."""
    hooks = gateway.webhooks()
    changes: list[Change] = []
    for resource, event in WANTED:
        name = webhook_name(resource, event)
        mine = [h for h in hooks if h.get("name") == name]
        keep = next((h for h in mine if _same_kind(h, resource, event)), None)
        for extra in mine:
            if extra is not keep:
                # Same name, wrong resource/event/filter, or a duplicate: PUT cannot fix those.
                gateway.delete_webhook(str(extra["id"]))
        if keep is None:
            made = gateway.create_webhook(
                name=name, target_url=target_url, resource=resource, event=event, secret=secret
            )
            changes.append(Change("recreated" if mine else "created", name, str(made["id"])))
            continue
        fields: dict[str, Any] = {}
        what = "unchanged"
        if keep.get("status") != "active":
            fields["status"] = "active"
            what = "reactivated"
        if keep.get("targetUrl") != target_url or keep.get("secret") != secret:
            # Webex does not always echo the secret back; setting it again is harmless.
            fields["secret"] = secret
            what = "updated" if what == "unchanged" else what
        if fields:
            gateway.update_webhook(str(keep["id"]), name=name, target_url=target_url, **fields)
        changes.append(Change(what, name, str(keep["id"])))
    return changes


def _same_kind(hook: Mapping[str, Any], resource: str, event: str) -> bool:
    return (
        hook.get("resource") == resource and hook.get("event") == event and not hook.get("filter")
    )


def webhook_problems(
    hooks: Iterable[Mapping[str, Any]], *, target_url: str | None = None
) -> list[str]:
    """What is wrong with our webhooks (missing, inactive, pointing elsewhere); empty when fine."""
    problems: list[str] = []
    by_name = {str(h.get("name")): h for h in hooks if is_ours(h)}
    for resource, event in WANTED:
        name = webhook_name(resource, event)
        hook = by_name.get(name)
        if hook is None:
            problems.append(f"webhook {resource}/{event} is not registered")
        elif hook.get("status") != "active":
            problems.append(f"webhook {resource}/{event} is {hook.get('status')}")
        elif target_url is not None and hook.get("targetUrl") != target_url:
            problems.append(f"webhook {resource}/{event} points at {hook.get('targetUrl')}")
    return problems
