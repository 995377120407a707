"""Prometheus metrics of the Webex face, in a registry of their own (no global state).

Each ``create_app``/``Runtime`` pair shares one ``Metrics``; tests make a fresh one per test, so
counters never leak between them.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    """Counters for webhooks, commands and replies, and the outbox depth."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.webhooks_received = Counter(
            "onboard_webhooks_received",
            "Signed webhook events accepted and recorded",
            ["resource"],
            registry=r,
        )
        self.webhooks_rejected = Counter(
            "onboard_webhooks_rejected",
            "Webhook requests refused (bad signature, too large, malformed)",
            ["reason"],
            registry=r,
        )
        self.webhooks_deduplicated = Counter(
            "onboard_webhooks_deduplicated",
            "Webhook events delivered again and ignored",
            registry=r,
        )
        self.webhooks_ignored = Counter(
            "onboard_webhooks_ignored",
            "Signed webhook events the bot does not act on",
            ["reason"],
            registry=r,
        )
        self.events_failed = Counter(
            "onboard_events_failed",
            "Recorded webhook events given up on",
            registry=r,
        )
        self.commands = Counter(
            "onboard_commands",
            "Commands and card actions run, by name and outcome",
            ["command", "outcome"],
            registry=r,
        )
        self.replies_delivered = Counter(
            "onboard_replies_delivered", "Outbox messages delivered to Webex", registry=r
        )
        self.replies_retried = Counter(
            "onboard_replies_retried",
            "Outbox deliveries rescheduled, by reason (rate_limited, unavailable, error)",
            ["reason"],
            registry=r,
        )
        self.replies_failed = Counter(
            "onboard_replies_failed", "Outbox messages given up on", registry=r
        )
        self.replies_expired = Counter(
            "onboard_replies_expired",
            "Replies not delivered before the retry horizon (their space is told)",
            registry=r,
        )
        self.replies_checked = Counter(
            "onboard_replies_checked",
            "Replies whose send outcome was unknown, checked on Webex before sending again, by "
            "outcome (found, absent, unverifiable)",
            ["outcome"],
            registry=r,
        )
        self.events_expired = Counter(
            "onboard_events_expired",
            "Events whose message could not be fetched before the retry horizon",
            registry=r,
        )
        self.events_not_found = Counter(
            "onboard_events_not_found",
            "Events whose message or card action Webex no longer has (404)",
            registry=r,
        )
        self.webex_access_errors = Counter(
            "onboard_webex_access_errors",
            "Fetches Webex refused with 401 or 403 (token or membership wrong)",
            ["status"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "onboard_outbox_depth", "Messages waiting in the outbox", registry=r
        )

    def watch_outbox(self, depth: Callable[[], int]) -> None:
        """Read the outbox depth from ``depth()`` at every scrape."""
        self.outbox_depth.set_function(lambda: float(depth()))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """One sample's current value (0 when absent), for tests and health output."""
        found = self.registry.get_sample_value(name, labels or {})
        return 0.0 if found is None else found
