"""What an operator alerts on: readiness, full health and /metrics, through a Webex outage.

The bot runs against the Webex stand-in over real HTTP with a real database; the stand-in's HTTP
server is stopped mid-run and started again on the same port.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.serving import make_server

from bot.bootstrap import build_bot
from bot.delivery import RetryPolicy
from bot.local.emulator import EmulatorServer
from bot.runtime import Runtime
from bot.web import create_app
from bot.webex import WebexGateway
from bot.webhooks_admin import sync_webhooks
from storage.uow import Database
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, EmulatorHarness, eventually
from tests.support.http_chat import HttpChat
from tests.support.served_bot import SECRET, ServedBot, _Quiet, make_settings

# Patient enough to outlast the outage below: retries are bounded by time, not by a low count.
OUTAGE_RETRY = RetryPolicy(base_delay=0.05, max_delay=0.2)


@contextmanager
def probed_bot(webex: EmulatorHarness, database: Database, tmp_path: Path) -> Iterator[ServedBot]:
    """The bot as ``serve`` runs it, probing Webex every 0.1 s instead of every 30 s."""
    settings = make_settings(webex, tmp_path)
    bot = build_bot(settings, db=database, migrate=False)
    gateway = WebexGateway.from_settings(settings, timeout=2)
    runtime = Runtime(
        bot, gateway, idle=0.1, retry=OUTAGE_RETRY, event_retry=OUTAGE_RETRY, probe_interval=0.1
    ).start()
    app = create_app(bot, runtime=runtime, ready_cache_seconds=0.1)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    served = ServedBot(bot, runtime, f"http://127.0.0.1:{server.server_port}", runtime.metrics)
    try:
        sync_webhooks(gateway, target_url=served.webhook_url, secret=SECRET)
        yield served
    finally:
        server.shutdown()
        server.server_close()
        runtime.stop()


def scrape(served: ServedBot) -> str:
    response = requests.get(served.url + "/metrics", timeout=5)
    assert response.status_code == 200
    return response.text


def sample(text: str, name: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and not s.labels:
                return float(s.value)
    return None


def test_a_webex_outage_keeps_the_bot_ready_and_loses_no_reply(webex, database, tmp_path):
    room = webex.direct_room()
    with probed_bot(webex, database, tmp_path) as served:
        HttpChat(webex, served, room["id"]).say("help")
        assert eventually(lambda: sample(scrape(served), "onboard_webex_reachable") == 1.0)

        port = webex.server.port
        webex.server.stop()
        full = eventually(
            lambda: (
                (b := requests.get(served.url + "/healthz?full=1", timeout=5).json())["webex"][
                    "reachable"
                ]
                is False
                and b
            )
        )
        assert full["status"] == "ok"
        ready = requests.get(served.url + "/readyz", timeout=5)
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")
        assert eventually(lambda: sample(scrape(served), "onboard_webex_reachable") == 0.0)
        assert sample(scrape(served), "onboard_webex_bot_token_valid") == 0.0

        # Webex still delivers webhooks it queued; the bot takes them though it cannot answer yet.
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
        delivery = eventually(
            lambda: next(
                (d for d in webex.emulator.deliveries() if d.envelope["data"]["id"] == asked["id"]),
                None,
            )
        )
        assert eventually(lambda: delivery.status == 200), delivery
        assert eventually(lambda: sample(scrape(served), "onboard_event_backlog") == 1.0)
        assert requests.get(served.url + "/readyz", timeout=5).status_code == 200

        webex.server = EmulatorServer(webex.emulator, port=port).start()
        reply = webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, after=asked["id"], timeout=15
        )
        assert "pending" in (reply.get("markdown") or reply.get("text") or "").lower()
        assert eventually(lambda: sample(scrape(served), "onboard_webex_reachable") == 1.0)
        assert eventually(lambda: sample(scrape(served), "onboard_outbox_depth") == 0.0)
        # The bot's own reply comes back as an event too (skipped): the backlog drains to 0.
        assert eventually(lambda: sample(scrape(served), "onboard_event_backlog") == 0.0)


# -- promtool-style linting of the exposition -----------------------------------------------------

_NAME = re.compile(r"^[a-z_:][a-z0-9_:]*$")
_UNITS = ("_seconds", "_bytes", "_ratio", "_info")


def test_the_metrics_follow_prometheus_naming(webex, database, tmp_path, caplog):
    room = webex.direct_room()
    caplog.set_level(logging.INFO, logger="bot.worker")
    with probed_bot(webex, database, tmp_path) as served:
        HttpChat(webex, served, room["id"]).say("status pending")
        text = scrape(served)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name, family in families.items():
        assert _NAME.match(name), name
        assert family.documentation, f"{name} has no HELP"
        assert name.startswith(("onboard_", "process_", "python_")), name
        samples = [s.name for s in family.samples]
        if family.type == "counter":
            assert all(s.endswith(("_total", "_created")) for s in samples), samples
        else:
            assert not name.endswith("_total"), f"{name} is a {family.type} named like a counter"
        if family.type == "histogram":
            assert name.endswith("_seconds"), f"histogram {name} has no unit"
            assert all(s.endswith(("_bucket", "_count", "_sum", "_created")) for s in samples)
        if family.type == "gauge" and name.startswith("onboard_"):
            assert all(s.value >= 0 for s in family.samples), name
            if "age" in name or "oldest" in name or "remaining" in name:
                assert name.endswith(_UNITS), f"{name} has no unit"
    for wanted in (
        "onboard_webex_call_duration_seconds",
        "onboard_command_duration_seconds",
        "onboard_digest_build_duration_seconds",
        "onboard_outbox_depth",
        "onboard_event_backlog",
        "onboard_oldest_undelivered_reply_seconds",
        "onboard_webex_reachable",
        "onboard_store_read_errors",
        "process_cpu_seconds",
        "process_resident_memory_bytes",
    ):
        assert wanted in families, f"{wanted} missing"
    calls = {
        s.labels["endpoint"]: s.value
        for s in families["onboard_webex_call_duration_seconds"].samples
        if s.name.endswith("_count")
    }
    assert calls["messages/get"] >= 1 and calls["messages/create"] >= 1
    commands = {
        s.labels["command"]: s.value
        for s in families["onboard_command_duration_seconds"].samples
        if s.name.endswith("_count")
    }
    assert commands.get("status") == 1.0, commands
    # One INFO line per handled event: its command, outcome and duration.
    handled = [r for r in caplog.records if " handled: " in r.getMessage()]
    assert len(handled) == 1
    assert re.search(
        r"handled: status ok in \d+\.\d{3} s, 1 message\(s\) queued", handled[0].getMessage()
    )
    assert getattr(handled[0], "command", None) == "status"


@pytest.fixture
def served_alone(sqlite_database, tmp_path, webex):
    with probed_bot(webex, sqlite_database, tmp_path) as served:
        yield served


def test_a_failed_database_read_is_counted_never_a_negative_depth(served_alone, monkeypatch):
    served = served_alone
    assert sample(scrape(served), "onboard_outbox_depth") == 0.0

    def gone() -> None:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(served.bot.db, "uow", gone)
    text = scrape(served)
    assert sample(text, "onboard_outbox_depth") is None
    assert sample(text, "onboard_event_backlog") is None
    assert sample(text, "onboard_store_read_errors_total") == 1.0


def test_snapshot_age_is_the_time_since_the_last_complete_sync(served_alone):
    served = served_alone
    now = served.bot.clock.now()
    with served.bot.db.uow() as uow:
        started = now - timedelta(seconds=120)
        uow.sync_state.put(
            "webex.subscribers.sync", {"last_complete_at": started.isoformat()}, now=now
        )
        uow.commit()
    age = sample(scrape(served), "onboard_snapshot_age_seconds")
    assert age is not None and 120 <= age < 180


def test_building_a_digest_is_timed(served_alone):
    from bot.jobs import run_digest, sync_configured_digests
    from bot.settings import DigestSettings

    served = served_alone
    bot = served.bot
    sync_configured_digests(bot.db, [DigestSettings(space="room-ops")], bot.clock.now())
    result = run_digest(bot, 1, post=False)
    assert result.markdown
    text = scrape(served)
    assert sample(text, "onboard_digest_build_duration_seconds_count") == 1.0
    assert (sample(text, "onboard_digest_build_duration_seconds_sum") or 0) > 0
