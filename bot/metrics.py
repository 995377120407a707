"""Prometheus metrics of the Webex face, in a registry of their own (no global state).

Each ``create_app``/``Runtime`` pair shares one ``Metrics``; tests make a fresh one per test, so
counters never leak between them. Names follow Prometheus' conventions (``promtool check
metrics``): counters end in ``_total``, durations are histograms in ``_seconds``, ages are gauges
in ``_seconds``. The figures read from the database at scrape time (outbox depth, event backlog,
oldest undelivered reply, snapshot age) are left out of a scrape whose read failed, and
``onboard_store_read_errors_total`` counts those failures: a gauge never reports a made-up value.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "INTAKE_FAMILIES", "Metrics", "StoreFigures", "merge_expositions"]

log = logging.getLogger(__name__)

#: Webex calls and commands: from a fast GET to a slow provider sync.
DURATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True, slots=True)
class StoreFigures:
    """What the database says at scrape time."""

    outbox_depth: int
    event_backlog: int
    oldest_undelivered_seconds: float | None  # None: nothing waiting
    snapshot_age_seconds: float | None  # None: no snapshot kept (sandbox) or none yet


#: The families the webhook intake writes. With the workers in a child process
#: (bot/worker_process.py) the intake's process reports these and the child everything else.
INTAKE_FAMILIES = frozenset(
    {
        "onboard_webhooks_received",
        "onboard_webhooks_rejected",
        "onboard_webhooks_deduplicated",
        "onboard_webhooks_ignored",
    }
)


class _Collected(Collector):
    """Families already collected, to render a chosen few of them."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


_STORE_GAUGES = (
    ("onboard_outbox_depth", "Messages waiting in the outbox"),
    ("onboard_event_backlog", "Recorded webhook events not yet handled"),
    (
        "onboard_oldest_undelivered_reply_seconds",
        "Age of the oldest reply still waiting in the outbox (0 when none)",
    ),
    ("onboard_snapshot_age_seconds", "Age of the provider snapshot (last complete sync)"),
)


_ERRORS = "onboard_store_read_errors"
_ERRORS_HELP = "Scrapes whose read of the outbox and event figures failed"


class _StoreCollector(Collector):
    """The database figures, read once per scrape; nothing at all when the read fails."""

    def __init__(self, read: Callable[[], StoreFigures]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self.errors = 0

    def describe(self) -> Iterable[Metric]:
        return [
            CounterMetricFamily(_ERRORS, _ERRORS_HELP),
            *(GaugeMetricFamily(name, text) for name, text in _STORE_GAUGES),
        ]

    def collect(self) -> Iterator[Metric]:
        try:
            figures = self._read()
        except Exception:
            log.exception("could not read the outbox and event figures for /metrics")
            with self._lock:
                self.errors += 1
            # This scrape's failure is counted in this scrape.
            yield CounterMetricFamily(_ERRORS, _ERRORS_HELP, value=self.errors)
            return
        yield CounterMetricFamily(_ERRORS, _ERRORS_HELP, value=self.errors)
        values = (
            figures.outbox_depth,
            figures.event_backlog,
            figures.oldest_undelivered_seconds or 0.0,
            figures.snapshot_age_seconds,
        )
        for (name, text), value in zip(_STORE_GAUGES, values, strict=True):
            if value is not None:
                yield GaugeMetricFamily(name, text, value=max(0.0, float(value)))


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
        self.webex_call_seconds = Histogram(
            "onboard_webex_call_duration_seconds",
            "Webex API requests (bot token and admin credential), by endpoint",
            ["endpoint"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.command_seconds = Histogram(
            "onboard_command_duration_seconds",
            "Commands and card actions, from the pipeline's start to its reply, by command",
            ["command"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.digest_build_seconds = Histogram(
            "onboard_digest_build_duration_seconds",
            "Building one digest (reading the snapshot and rendering it)",
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.webex_reachable = Gauge(
            "onboard_webex_reachable",
            "1 when the last probe of the Webex API got an answer, 0 when it did not",
            registry=r,
        )
        self.bot_token_valid = Gauge(
            "onboard_webex_bot_token_valid",
            "1 when Webex accepted the bot token at the last probe",
            registry=r,
        )
        self.admin_token_valid = Gauge(
            "onboard_webex_admin_token_valid",
            "1 when the admin credential could read subscribers at the last probe",
            registry=r,
        )
        self.webex_probe_timestamp = Gauge(
            "onboard_webex_probe_timestamp_seconds",
            "When Webex was last probed (Unix time)",
            registry=r,
        )
        self.refresh_token_remaining = Gauge(
            "onboard_oauth_refresh_token_remaining_seconds",
            "Time until the OAuth refresh token expires (absent without an integration)",
            registry=r,
        )
        ProcessCollector(registry=r)
        r.register(PLATFORM_COLLECTOR)
        r.register(GC_COLLECTOR)

    def observe_webex_call(self, endpoint: str, seconds: float) -> None:
        """One Webex call took ``seconds`` (``endpoint`` as ``messages/create``)."""
        self.webex_call_seconds.labels(endpoint).observe(seconds)

    def watch_store(self, read: Callable[[], StoreFigures]) -> None:
        """Read the outbox depth, event backlog and snapshot age with ``read()`` at every scrape."""
        self.registry.register(_StoreCollector(read))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)

    def render_part(self, without: Iterable[str] = ()) -> tuple[bytes, list[str]]:
        """The families but those named in ``without`` (another process reports them), and
        the names of those rendered (``_total`` left off counters); the store read once."""
        left_out = frozenset(without)
        families = [m for m in self.registry.collect() if m.name not in left_out]
        selected = CollectorRegistry(auto_describe=False)
        selected.register(_Collected(families))
        return generate_latest(selected), [m.name for m in families]

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """One sample's current value (0 when absent), for tests and health output."""
        found = self.registry.get_sample_value(name, labels or {})
        return 0.0 if found is None else found


#: Sample kinds that add up across processes (counts and sums); a gauge does not.
_ADDED = ("counter", "histogram", "summary")


def merge_expositions(texts: list[str]) -> tuple[bytes, list[str]]:
    """The families of several processes' expositions as one, and their names.

    Counters, histograms and summaries are added up sample by sample (the same name and
    labels); a gauge, or a ``_created`` timestamp, is taken from the first text that has it:
    the database figures are the same in every process, and the Webex probe runs in the first.
    """
    merged: dict[str, Metric] = {}
    values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            known = merged.get(family.name)
            if known is None:
                known = merged[family.name] = Metric(
                    family.name, family.documentation, family.type, family.unit
                )
                values[family.name] = {}
            adds = family.type in _ADDED
            seen = values[family.name]
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                if key not in seen:
                    seen[key] = sample.value
                elif adds and not sample.name.endswith("_created"):
                    seen[key] += sample.value
    for name, family in merged.items():
        for (sample_name, labels), value in values[name].items():
            family.add_sample(sample_name, dict(labels), value)
    selected = CollectorRegistry(auto_describe=False)
    selected.register(_Collected(list(merged.values())))
    return generate_latest(selected), list(merged)
