"""`onboard-bot doctor`: each check passing and failing, against the Webex stand-in over HTTP.

The stand-in serves the messaging API (bot token, webhooks) and the admin APIs (BroadWorks,
People, SCIM, /access_token) on one loopback port; the database is a real, migrated SQLite file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from bot.cli import main
from bot.doctor import Check, Report, run_doctor
from bot.doctor_webex import check_websocket_catalog
from bot.jobs import sync_configured_digests
from bot.local.admin_api_state import SCOPE_BW_READ, SCOPE_BW_WRITE, AdminApiState
from bot.local.emulator import EmulatorServer, WebexEmulator
from bot.scheduler import LeaseLock
from bot.settings import DigestSettings, load_settings
from bot.webex import WebexGateway
from bot.webhooks_admin import sync_webhooks, target_url_from
from onboarding.clock import ManualClock
from storage import migrations
from storage.claims import Claimant
from storage.outbox import OutgoingMessage
from storage.uow import Database

BOT_TOKEN = "doctor-bot-token"
ADMIN_TOKEN = "doctor-admin-token"
PUBLIC_URL = "https://onboard.example.com"
SECRET = "doctor-webhook-secret-0123456789"
NOW = datetime.now(UTC)


def _head() -> str:
    """The latest migration (the integrator re-chains the branches' numbers)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


@dataclass
class World:
    emulator: WebexEmulator
    admin: AdminApiState
    server: EmulatorServer
    env: dict[str, str]
    database_url: str

    def settings(self):  # type: ignore[no-untyped-def]
        return load_settings(env=self.env)

    def register_webhooks(self, target: str = target_url_from(PUBLIC_URL)) -> None:
        gateway = WebexGateway.from_settings(self.settings())
        sync_webhooks(gateway, target_url=target, secret=SECRET)

    def database(self) -> Database:
        return Database.from_url(self.database_url)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    emulator = WebexEmulator(deactivate_after_failures=1)
    emulator.add_bot("Onboard Bot", "onboard@webex.bot", token=BOT_TOKEN)
    emulator.add_person("ana.admin@example.com", "Ana Admin")
    admin = AdminApiState()
    admin.add_token(ADMIN_TOKEN)
    server = emulator.start(admin=admin)
    config = tmp_path / "app.yaml"
    config.write_text("", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    Database.from_url(url).upgrade()
    env = {
        "ONBOARD_CONFIG": str(config),
        "ONBOARD_PROVIDER": "webex",
        "ONBOARD_ACCESS__ADMINS": '["ana.admin@example.com"]',
        "ONBOARD_WEBEX__PUBLIC_URL": PUBLIC_URL,
        "ONBOARD_FILES_DIR": str(tmp_path / "files"),
        "WEBEX_BOT_TOKEN": BOT_TOKEN,
        "WEBEX_API_URL": server.api_url,
        "WEBEX_WEBHOOK_SECRET": SECRET,
        "WEBEX_ADMIN_TOKEN": ADMIN_TOKEN,
        "DATABASE_URL": url,
    }
    try:
        yield World(emulator, admin, server, env, url)
    finally:
        server.stop()


def by_name(report: Report) -> dict[str, Check]:
    return {c.name: c for c in report.checks}


def failed(report: Report) -> dict[str, Check]:
    return {c.name: c for c in report.checks if not c.ok}


def test_a_healthy_deployment_passes_every_check_and_exits_0(world: World) -> None:
    world.register_webhooks()
    report = run_doctor(env=world.env)
    assert failed(report) == {}, [c.line() for c in report.checks]
    checks = by_name(report)
    assert checks["bot token"].detail == "valid: the bot is Onboard Bot <onboard@webex.bot>"
    assert "ONBOARD_WEBEX__PUBLIC_URL" in checks["configuration"].detail
    assert "WEBEX_BOT_TOKEN" in checks["configuration"].detail
    for label in ("BroadWorks read", "BroadWorks write", "People read", "People write", "SCIM"):
        assert checks[f"scope {label}"].detail.startswith("granted")
    assert checks["webhooks"].detail.endswith(f"{PUBLIC_URL}/webhooks/webex")
    assert checks["database"].detail.endswith(f"at the latest migration ({_head()})")
    result = CliRunner(env=world.env).invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    assert all(line.startswith("✔ ") for line in result.output.splitlines())
    as_json = CliRunner(env=world.env).invoke(main, ["doctor", "--json"])
    assert json.loads(as_json.output)["ok"] is True


def test_an_invalid_setting_is_named_with_its_variable_and_exits_1(world: World) -> None:
    world.env["ONBOARD_SYNC__INTERVAL_SECONDS"] = "5"
    report = run_doctor(env=world.env)
    [check] = report.checks
    assert not check.ok
    assert "ONBOARD_SYNC__INTERVAL_SECONDS: sync.interval_seconds" in check.detail
    result = CliRunner(env=world.env).invoke(main, ["doctor", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["checks"][0]["name"] == "configuration"


def test_the_webex_provider_without_access_is_a_configuration_problem(world: World) -> None:
    del world.env["ONBOARD_ACCESS__ADMINS"]
    [check] = run_doctor(env=world.env).checks
    assert (check.ok, check.detail) == (False, check.detail)
    assert "access: required with provider webex" in check.detail


def test_an_unreachable_database_is_reported_with_the_fix(world: World) -> None:
    world.env["DATABASE_URL"] = "postgresql+psycopg://nobody:pw@127.0.0.1:1/none"
    problems = failed(run_doctor(env=world.env))
    assert problems["database"].detail.startswith("unreachable: OperationalError")
    assert "DATABASE_URL" in (problems["database"].fix or "")
    assert "pw@" not in problems["database"].detail
    assert problems["backlog"].detail == "not checked"


def test_a_database_not_migrated_says_run_db_upgrade(world: World, tmp_path: Path) -> None:
    world.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"
    check = failed(run_doctor(env=world.env))["database"]
    assert f"is empty, latest is {_head()}" in check.detail
    assert check.fix == "run `onboard-bot db upgrade` (serve also migrates at start)"


def test_a_wrong_bot_token_is_refused_by_webex(world: World) -> None:
    world.env["WEBEX_BOT_TOKEN"] = "not-the-bot-token"
    problems = failed(run_doctor(env=world.env))
    assert problems["bot token"].detail.startswith("Webex refused it: people/me: 401")
    assert "WEBEX_BOT_TOKEN" in (problems["bot token"].fix or "")
    assert problems["webhooks"].detail.startswith("cannot list them")


def test_webex_unreachable_is_not_mistaken_for_a_bad_token(world: World) -> None:
    world.env["WEBEX_API_URL"] = "http://127.0.0.1:1/v1/"
    problems = failed(run_doctor(env=world.env))
    assert problems["bot token"].detail.startswith("Webex unreachable")
    assert "Webex unreachable" in problems["scope BroadWorks read"].detail


def test_missing_scopes_name_the_commands_that_will_be_refused(world: World) -> None:
    world.register_webhooks()
    world.admin.add_token("bw-only", scopes={SCOPE_BW_READ, SCOPE_BW_WRITE})
    world.env["WEBEX_ADMIN_TOKEN"] = "bw-only"
    report = run_doctor(env=world.env)
    checks = by_name(report)
    assert checks["scope BroadWorks read"].ok and checks["scope BroadWorks write"].ok
    people = checks["scope People read"]
    assert not people.ok
    assert people.detail == "missing spark-admin:people_read: state, states, stuck will be refused"
    assert people.fix == "add spark-admin:people_read to the integration and authorize it again"
    # Without People read the org id is unknown: the Control Hub scopes cannot be probed.
    assert checks["scope People write"].detail == "not checked: the org id is unknown"
    assert not report.ok


def test_a_read_only_token_lacks_the_write_scopes(world: World) -> None:
    world.register_webhooks()
    world.admin.add_token("read-only", scopes={SCOPE_BW_READ, "spark-admin:people_read"})
    world.env["WEBEX_ADMIN_TOKEN"] = "read-only"
    problems = failed(run_doctor(env=world.env))
    assert set(problems) == {"scope BroadWorks write", "scope People write", "scope SCIM"}
    assert "retry, delete, package" in problems["scope BroadWorks write"].detail
    assert "identity:people_read" in problems["scope SCIM"].detail


def test_an_unknown_admin_token_is_one_line_with_the_fix(world: World) -> None:
    world.env["WEBEX_ADMIN_TOKEN"] = "expired-or-wrong"
    problems = failed(run_doctor(env=world.env))
    check = problems["admin credential"]
    assert check.detail.startswith("the credential is refused (HTTP 401")
    assert "WEBEX_ADMIN_TOKEN" in (check.fix or "")
    assert not any(name.startswith("scope ") for name in problems)


def test_the_refresh_token_is_fine_far_from_expiry_and_flagged_14_days_before(
    world: World,
) -> None:
    world.register_webhooks()
    # Access tokens that outlive the clock jump below, so no refresh resets the expiry.
    world.admin.add_client("doctor-client", "doctor-secret", "refresh-1", expires_in=200 * 86400)
    del world.env["WEBEX_ADMIN_TOKEN"]
    world.env["ONBOARD_OAUTH"] = json.dumps(
        {
            "client_id": "doctor-client",
            "client_secret": "doctor-secret",
            "refresh_token": "refresh-1",
        }
    )
    now = datetime.now(UTC)
    fine = by_name(run_doctor(env=world.env, clock=ManualClock(now)))["refresh token"]
    assert fine.ok and fine.detail.startswith("expires in 90 days")
    later = run_doctor(env=world.env, clock=ManualClock(now + timedelta(days=80)))
    soon = by_name(later)["refresh token"]
    assert not soon.ok
    assert soon.detail.startswith("expires in 10 days")
    assert "authorize the integration again" in (soon.fix or "")


def test_a_refused_refresh_token_says_authorize_again(world: World) -> None:
    world.admin.add_client("doctor-client", "doctor-secret", "refresh-1")
    del world.env["WEBEX_ADMIN_TOKEN"]
    world.env["ONBOARD_OAUTH"] = json.dumps(
        {"client_id": "doctor-client", "client_secret": "doctor-secret", "refresh_token": "old"}
    )
    check = failed(run_doctor(env=world.env))["refresh token"]
    assert check.detail.startswith("Webex refused the refresh")


def test_webhooks_missing_inactive_misdirected_or_without_a_secret(world: World) -> None:
    missing = failed(run_doctor(env=world.env))["webhooks"]
    assert "webhook messages/created is not registered" in missing.detail
    assert missing.fix == "run `onboard-bot webhooks sync` (creates, repairs and reactivates them)"

    world.register_webhooks("https://elsewhere.example/webhooks/webex")
    elsewhere = failed(run_doctor(env=world.env))["webhooks"]
    assert "points at https://elsewhere.example/webhooks/webex" in elsewhere.detail

    # Webex deactivates a webhook whose deliveries fail; nothing listens on port 1.
    world.env["ONBOARD_WEBEX__PUBLIC_URL"] = "http://127.0.0.1:1"
    world.register_webhooks("http://127.0.0.1:1/webhooks/webex")
    room = world.emulator.create_room(
        "ops", "group", ["ana.admin@example.com", "onboard@webex.bot"]
    )
    world.emulator.send_as("ana.admin@example.com", room["id"], "status")
    world.emulator.wait_idle()
    inactive = failed(run_doctor(env=world.env))["webhooks"]
    assert inactive.detail == "webhook messages/created is inactive"

    del world.env["WEBEX_WEBHOOK_SECRET"]
    no_secret = failed(run_doctor(env=world.env))
    assert no_secret["webhook secret"].detail == "not set: every webhook is refused"

    # Without a public URL the intake would default to the websocket: ask for webhooks by name.
    del world.env["ONBOARD_WEBEX__PUBLIC_URL"]
    world.env["WEBEX_INTAKE"] = "webhook"
    assert failed(run_doctor(env=world.env))["webhooks"].detail == "webex.public_url is not set"


@pytest.fixture
def catalog() -> Iterator[str]:
    """A loopback service catalog that answers the bot's token only (the websocket's first step)."""
    app = Flask("catalog")

    @app.get("/u2c/api/v1/catalog")
    def hostmap():  # type: ignore[no-untyped-def]
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return jsonify(message="unauthorized"), 401
        return jsonify(serviceLinks={"wdm": "https://wdm.example/wdm/api/v1"})

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/u2c/api/v1/catalog?format=hostmap"
    finally:
        server.shutdown()


def test_the_websocket_intake_needs_the_catalog_to_answer(world: World, catalog: str) -> None:
    ok = check_websocket_catalog(world.settings(), catalog)
    assert (ok.ok, ok.detail) == (
        True,
        "the catalog answers; devices at https://wdm.example/wdm/api/v1",
    )
    world.env["WEBEX_BOT_TOKEN"] = "someone-else"
    refused = check_websocket_catalog(world.settings(), catalog)
    assert not refused.ok and "HTTP 401" in refused.detail
    gone = check_websocket_catalog(world.settings(), "http://127.0.0.1:1/u2c/api/v1/catalog")
    assert not gone.ok and gone.detail.startswith("the catalog is unreachable")


def test_digests_without_a_scheduler_leader_and_with_one(world: World) -> None:
    world.register_webhooks()
    database = world.database()
    now = datetime.now(UTC)
    sync_configured_digests(
        database, [DigestSettings(space="room-ops", schedule="daily 08:00")], now
    )
    leaderless = failed(run_doctor(env=world.env))["scheduler"]
    assert leaderless.detail == "no leader; 1 digest(s) waiting"
    assert "onboard-bot serve" in (leaderless.fix or "")

    lease = LeaseLock(database, holder="host-a:4242:abcd")
    assert lease.acquire()
    led = by_name(run_doctor(env=world.env))["scheduler"]
    assert led.ok
    assert led.detail.startswith("led by host-a:4242:abcd; next: digest 1 at ")
    assert "08:00 UTC" in led.detail
    lease.release()
    database.dispose()


def test_a_reply_waiting_for_long_is_a_stuck_backlog(world: World) -> None:
    world.register_webhooks()
    database = world.database()
    now = datetime.now(UTC)
    with database.uow() as uow:
        message = OutgoingMessage(room_id="room-ops", markdown="hello")
        uow.outbox.enqueue(message, dedupe_key="stuck-1", now=now - timedelta(minutes=25))
        uow.commit()
    check = failed(run_doctor(env=world.env))["backlog"]
    assert check.detail.startswith("1 reply waiting (0 given up), 0 event(s) waiting")
    assert "the oldest reply has waited 25 min" in check.detail
    # Delivered at last; a reply enqueued just now is a busy outbox, not a stuck one.
    with database.uow() as uow:
        [row] = uow.outbox.claim_due(by=Claimant("doctor-test#1"), now=now)
        uow.outbox.mark_delivered(row, now=now, message_id="m-1")
        fresh = OutgoingMessage(room_id="room-ops", markdown="fresh")
        uow.outbox.enqueue(fresh, dedupe_key="fresh", now=now)
        uow.commit()
    busy = by_name(run_doctor(env=world.env))["backlog"]
    assert (busy.ok, busy.detail) == (
        True,
        "1 reply waiting (0 given up), 0 event(s) waiting (0 given up)",
    )
    database.dispose()


@pytest.mark.postgres
def test_on_postgresql_the_leader_is_the_backend_holding_the_advisory_lock(
    world: World, postgres_server_url: str, _migrated_postgres: Database
) -> None:
    import sqlalchemy as sa

    from bot.scheduler import AdvisoryLock

    world.register_webhooks()
    world.env["DATABASE_URL"] = postgres_server_url
    sync_configured_digests(
        _migrated_postgres, [DigestSettings(space="room-pg", schedule="weekdays 07:30")], NOW
    )
    leaderless = by_name(run_doctor(env=world.env))["scheduler"]
    assert leaderless.detail.startswith("no leader; "), leaderless.line()
    lock = AdvisoryLock(sa.make_url(postgres_server_url))
    assert lock.acquire()
    try:
        led = by_name(run_doctor(env=world.env))["scheduler"]
        assert led.ok, led.line()
        assert led.detail.startswith("led by PostgreSQL backend ")
        assert "07:30 UTC" in led.detail
    finally:
        lock.release()


def test_the_background_probe_reports_the_admin_token(world: World, tmp_path: Path) -> None:
    from bot.bootstrap import build_bot
    from bot.runtime import Runtime

    world.register_webhooks()
    bot = build_bot(world.settings(), db=world.database(), migrate=False)
    runtime = Runtime(bot, WebexGateway.from_settings(bot.settings))
    probe, metrics = runtime.probe, runtime.metrics
    status = probe.check()
    assert (status.reachable, status.bot_token, status.admin_token) == (True, "ok", "ok")
    assert status.webhooks == []
    assert metrics.value("onboard_webex_admin_token_valid") == 1.0
    # Both credentials' requests are timed, by endpoint.
    timed = "onboard_webex_call_duration_seconds_count"
    assert metrics.value(timed, {"endpoint": "people/me"}) == 1.0
    assert metrics.value(timed, {"endpoint": "broadworks/subscribers"}) == 1.0

    world.admin.tokens.pop(ADMIN_TOKEN)  # revoked in Control Hub
    refused = probe.check()
    assert refused.admin_token.startswith("refused: HTTP 401")
    assert metrics.value("onboard_webex_admin_token_valid") == 0.0
    assert metrics.value("onboard_webex_bot_token_valid") == 1.0
    bot.db.dispose()


def _head() -> str:
    (head,) = ScriptDirectory(str(Path(migrations.__file__).parent)).get_heads()
    return head


def test_events_left_in_the_intake_journal_are_backlog_too(world: World) -> None:
    """serve killed between the journal's commit and the import: doctor counts what waits
    there (the next start imports it), and reads the journal without touching it."""
    from bot.events import correlation_id_of
    from bot.intake_recorder import GroupRecorder
    from storage.events import EventArrival
    from storage.journal import IntakeJournal

    world.register_webhooks()
    database = world.database()
    journal = IntakeJournal.beside(database.engine)
    assert journal is not None
    # Now, not the module's NOW: the suite may run this test many minutes after the import.
    arrived = datetime.now(UTC) - timedelta(minutes=25, seconds=30)
    recorder = GroupRecorder(database, ManualClock(arrived), journal=journal)
    for n in range(2):
        key = f"messages/created/left-{n}"
        payload = {"resource": "messages", "event": "created", "data": {"id": f"left-{n}"}}
        recorder.record(EventArrival(key, "messages", "created", payload, correlation_id_of(key)))
    journal.dispose()
    before = journal.path.stat().st_mtime_ns

    check = failed(run_doctor(env=world.env))["backlog"]
    assert check.detail.startswith("0 replies waiting (0 given up), 2 event(s) waiting")
    assert "the oldest event has waited 25 min" in check.detail
    assert journal.path.stat().st_mtime_ns == before  # not written, not set aside
    assert not list(journal.path.parent.glob("*.other-*"))
    database.dispose()
