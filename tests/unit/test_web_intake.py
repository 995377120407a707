"""The webhook endpoint's rules, through Flask's test client with a stub runtime (no Webex)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from bot.bootstrap import build_bot
from bot.events import EnvelopeError, Message, Person, WebhookEnvelope, correlation_id_of
from bot.metrics import Metrics
from bot.settings import Settings, WebexSettings
from bot.web import MAX_BODY, create_app, signature_ok
from bot.webex import WebexUnavailable
from bot.webhooks_admin import webhook_name, webhook_problems
from bot.worker import command_text, mention_names
from storage.models import WebhookEventRow

SECRET = "unit-secret"
BOT_ID = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS8xMjM0NTY3OC1hYmNkLTEyMzQtYWJjZC0xMjM0NTY3ODkwYWI"
BOT_UUID = "12345678-abcd-1234-abcd-1234567890ab"
ME = Person(id=BOT_ID, email="onboard@webex.bot", display_name="Onboard Bot")


@dataclass
class StubGateway:
    """Answers readiness questions; counts calls so tests can assert none were made."""

    hooks: list[dict[str, Any]] = field(default_factory=list)
    fail: bool = False
    calls: int = 0

    def me(self) -> Person:
        self.calls += 1
        if self.fail:
            raise WebexUnavailable("people/me: 503", status=503)
        return ME

    def webhooks(self) -> list[dict[str, Any]]:
        self.calls += 1
        return self.hooks


@dataclass
class StubRuntime:
    gateway: StubGateway = field(default_factory=StubGateway)
    metrics: Metrics = field(default_factory=Metrics)
    wakes: int = 0
    services: list[Any] = field(default_factory=list)

    def wake_worker(self) -> None:
        self.wakes += 1

    def render_metrics(self) -> bytes:
        return self.metrics.render()

    def problems(self) -> list[str]:
        return []


def body_of(data_id: str = "m1", resource: str = "messages", **extra: Any) -> bytes:
    payload = {"id": "wh1", "resource": resource, "event": "created", "data": {"id": data_id}}
    payload.update(extra)
    return json.dumps(payload).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Spark-Signature": hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


@pytest.fixture
def parts(sqlite_database, tmp_path):
    settings = Settings(
        webex=WebexSettings(bot_token="t", webhook_secret=SECRET, intake="webhook"),
        files_dir=tmp_path / "f",
    )
    bot = build_bot(settings, db=sqlite_database, migrate=False, provider=object())  # type: ignore[arg-type]
    runtime = StubRuntime()
    app = create_app(bot, runtime=runtime)  # type: ignore[arg-type]
    return bot, runtime, app.test_client()


def stored(bot) -> list[WebhookEventRow]:
    with bot.db.uow() as uow:
        return list(uow.session.scalars(sa.select(WebhookEventRow)))


def test_a_signed_event_is_stored_once_and_wakes_the_worker(parts):
    bot, runtime, client = parts
    body = body_of()
    first = client.post("/webhooks/webex", data=body, headers=signed(body))
    again = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert (first.status_code, first.json) == (200, {"status": "accepted"})
    # Still waiting to be handled: the redelivery is not dropped, it makes the event due now.
    assert (again.status_code, again.json) == (200, {"status": "pending"})
    (row,) = stored(bot)
    assert (row.event_key, row.status, row.attempts) == ("messages/created/m1", "pending", 0)
    assert row.correlation_id == correlation_id_of("messages/created/m1")
    assert runtime.wakes == 2
    with bot.db.uow() as uow:
        uow.events.mark_done(uow.events.get(row.id), now=bot.clock.now())
        uow.commit()
    late = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert (late.status_code, late.json) == (200, {"status": "duplicate"})
    assert runtime.wakes == 2
    assert runtime.metrics.value("onboard_webhooks_deduplicated_total") == 2


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Spark-Signature": ""},
        {"X-Spark-Signature": "0" * 40},
        signed(body_of(), "wrong-secret"),
        signed(body_of("other")),
    ],
    ids=["missing", "empty", "zeros", "other-secret", "other-body"],
)
def test_a_bad_signature_is_401_and_leaves_no_trace(parts, headers):
    bot, runtime, client = parts
    response = client.post("/webhooks/webex", data=body_of(), headers=headers)
    assert response.status_code == 401
    assert stored(bot) == [] and runtime.wakes == 0 and runtime.gateway.calls == 0
    assert runtime.metrics.value("onboard_webhooks_rejected_total", {"reason": "bad_signature"})


def test_the_signature_covers_the_raw_bytes_not_reserialised_json(parts):
    _, _, client = parts
    body = b'{ "resource":"messages",  "event":"created", "data":{"id":"m2"} }'
    assert client.post("/webhooks/webex", data=body, headers=signed(body)).status_code == 200
    canonical = json.dumps(json.loads(body)).encode()
    assert client.post("/webhooks/webex", data=canonical, headers=signed(body)).status_code == 401


def test_uppercase_hex_signatures_are_accepted():
    body = b"{}"
    digest = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    assert signature_ok(SECRET, body, digest.upper())
    assert not signature_ok(SECRET, body, None)


def test_a_body_over_the_limit_is_413(parts):
    bot, runtime, client = parts
    body = body_of(padding="x" * MAX_BODY)
    response = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert response.status_code == 413
    assert stored(bot) == []
    assert runtime.metrics.value("onboard_webhooks_rejected_total", {"reason": "too_large"})


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"resource": "messages", "event": "created"}',
        b'{"resource": "messages", "event": "created", "data": []}',
        b'{"resource": "messages", "event": "created", "data": {"id": 7}}',
        b'{"resource": 1, "event": "created", "data": {"id": "m"}}',
        b'{"resource": "messages", "event": "created", "data": {"id": ""}}',
        b"\xff\xfe",
        b"[" * 20_000 + b"]" * 20_000,
        b'{"resource": "messages", "event": "created", "data": {"id": "m", "x": '
        + b"[" * 20_000
        + b"]" * 20_000
        + b"}}",
    ],
)
def test_malformed_signed_bodies_are_400_never_500(parts, body):
    bot, _, client = parts
    response = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert response.status_code == 400
    assert stored(bot) == []


def test_events_the_bot_does_not_act_on_are_acknowledged_and_ignored(parts):
    bot, runtime, client = parts
    body = body_of(resource="memberships")
    response = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert (response.status_code, response.json) == (200, {"status": "ignored"})
    assert stored(bot) == [] and runtime.wakes == 0


def test_a_storage_failure_asks_webex_to_deliver_again(parts, monkeypatch):
    bot, _, client = parts

    def broken() -> None:
        raise RuntimeError("database is gone")

    monkeypatch.setattr(bot.db, "uow", broken)
    body = body_of()
    response = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert response.status_code == 503


def test_without_a_secret_every_webhook_is_refused(sqlite_database, tmp_path):
    settings = Settings(
        webex=WebexSettings(bot_token="t", intake="webhook"), files_dir=tmp_path / "f"
    )
    bot = build_bot(settings, db=sqlite_database, migrate=False, provider=object())  # type: ignore[arg-type]
    client = create_app(bot, runtime=StubRuntime()).test_client()  # type: ignore[arg-type]
    body = body_of()
    assert client.post("/webhooks/webex", data=body, headers=signed(body)).status_code == 401
    assert client.get("/readyz").status_code == 503


def test_readiness_asks_no_webex_but_full_health_reports_it_cached(parts):
    _, runtime, client = parts
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json["checks"]) == (200, {"database": "ok", "intake": "ok"})
    assert runtime.gateway.calls == 0  # readiness is this process's own state only
    full = client.get("/healthz?full=1")
    assert full.status_code == 200
    assert "webhook messages/created is not registered" in full.json["webex"]["webhooks"]
    calls = runtime.gateway.calls
    client.get("/healthz?full=1")
    assert runtime.gateway.calls == calls  # cached for 30 s


def test_a_webex_outage_leaves_readiness_alone_and_shows_in_full_health(sqlite_database, tmp_path):
    settings = Settings(
        webex=WebexSettings(bot_token="t", webhook_secret=SECRET, intake="webhook"),
        files_dir=tmp_path / "f",
    )
    bot = build_bot(settings, db=sqlite_database, migrate=False, provider=object())  # type: ignore[arg-type]
    hooks = [
        {"name": webhook_name("messages", "created"), "status": "active"},
        {"name": webhook_name("attachmentActions", "created"), "status": "active"},
    ]
    runtime = StubRuntime(gateway=StubGateway(hooks=hooks))
    client = create_app(bot, runtime=runtime, ready_cache_seconds=0).test_client()  # type: ignore[arg-type]
    up = client.get("/healthz?full=1").json["webex"]
    assert (up["reachable"], up["bot_token"], up["webhooks"]) == (True, "ok", "ok")
    runtime.gateway.fail = True
    assert client.get("/readyz").status_code == 200
    down = client.get("/healthz?full=1")
    assert down.status_code == 200
    assert down.json["webex"]["reachable"] is False
    assert runtime.metrics.value("onboard_webex_reachable") == 0.0


def test_webhook_problems_name_inactive_and_misdirected_hooks():
    hooks = [
        {"name": webhook_name("messages", "created"), "status": "inactive"},
        {
            "name": webhook_name("attachmentActions", "created"),
            "status": "active",
            "targetUrl": "x",
        },
        {"name": "someone else's", "status": "inactive"},
    ]
    assert webhook_problems(hooks, target_url="https://bot/webhooks/webex") == [
        "webhook messages/created is inactive",
        "webhook attachmentActions/created points at x",
    ]


def test_metrics_count_what_the_endpoint_did(parts):
    _, _, client = parts
    body = body_of("metric-1")
    for _ in range(2):  # the second is a redelivery
        assert client.post("/webhooks/webex", data=body, headers=signed(body)).status_code == 200
    bad = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": "0" * 40})
    assert bad.status_code == 401
    text = client.get("/metrics").get_data(as_text=True)
    assert 'onboard_webhooks_received_total{resource="messages"} 1.0' in text
    assert "onboard_webhooks_deduplicated_total 1.0" in text
    assert "onboard_webhooks_rejected_total{" in text
    rejected = [
        line for line in text.splitlines() if line.startswith("onboard_webhooks_rejected_total{")
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in rejected) == 1.0
    assert client.get("/healthz").json == {"status": "ok"}


# -- envelopes and mentions ----------------------------------------------------------------------


def test_envelope_keys_and_refusals():
    env = WebhookEnvelope.parse(json.loads(body_of("abc", actorId="p1", orgId="o1")))
    assert (env.event_key, env.actor_id, env.org_id, env.handled) == (
        "messages/created/abc",
        "p1",
        "o1",
        True,
    )
    with pytest.raises(EnvelopeError):
        WebhookEnvelope.parse(json.loads(body_of("x" * 500)))
    assert len(correlation_id_of("k" * 300)) <= 64


def message(text: str, html: str | None, *, mentioned: bool = True, room: str = "group") -> Message:
    return Message(
        id="m",
        room_id="r",
        person_id="p",
        person_email="a@example.com",
        room_type=room,
        text=text,
        html=html,
        mentioned_people=(BOT_ID,) if mentioned else (),
    )


@pytest.mark.parametrize(
    ("text", "html"),
    [
        # web client: base64 id, wrapped in <p>
        (
            "Onboard Bot status pending",
            f'<p><spark-mention data-object-type="person" data-object-id="{BOT_ID}">Onboard Bot'
            "</spark-mention> status pending</p>",
        ),
        # desktop client: raw UUID, attributes the other way round, no <p>, shortened name
        (
            "Onboard status pending",
            f'<spark-mention data-object-id="{BOT_UUID}" data-object-type="person">Onboard'
            "</spark-mention> status pending",
        ),
        # a nickname only the html knows
        (
            "OB: status pending",
            f"<spark-mention data-object-type='person' data-object-id='{BOT_ID}'>OB"
            "</spark-mention>: status pending",
        ),
        # a client that sends no html at all
        ("Onboard Bot, status pending", None),
    ],
    ids=["web", "desktop-uuid", "nickname", "no-html"],
)
def test_the_mention_is_stripped_however_the_client_wrote_it(text, html):
    assert command_text(message(text, html), ME) == "status pending"


def test_only_a_mention_of_the_bot_is_stripped():
    html = (
        '<p><spark-mention data-object-type="person" data-object-id="someone">Ana</spark-mention>'
        " status</p>"
    )
    assert "Ana" not in mention_names(message("Ana status", html), ME)
    assert command_text(message("Onboard Bot help", None, room="direct"), ME) == (
        "Onboard Bot help"
    )  # 1:1: no mention to strip here; the parser still knows the bot's names
