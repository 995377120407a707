"""The HTTP face: Webex webhooks in, health and metrics out. Work happens in ``bot.runtime``.

``POST /webhooks/webex`` follows architecture.md "How a message flows": the ``X-Spark-Signature``
(HMAC-SHA1 of the raw body, constant-time compare) is checked before anything else, so a forged
request stores nothing and causes no Webex call; the envelope is recorded once under its event
key and 200 is returned at once. Nothing here calls Webex or the provider.

Status codes: 401 bad or missing signature; 413 body over ``MAX_BODY``; 400 malformed JSON, wrong
types, or bytes no database can store (lone surrogates, NUL, NaN/Infinity/overflowing numbers:
``bot.webhook_json``); 200 ``{"status": "ignored"}`` for events the bot does not act on; 200
``pending`` for a redelivery of an event still waiting (it is made due at once, never dropped),
``duplicate`` for one already handled; 503 when the event could not be stored for a reason that
may pass (so that Webex may deliver it again rather than have it acknowledged and lost). A
well-signed request never gets a 500. The intake only verifies, records and wakes: one short
INSERT, never a lock a worker holds across a Webex call; webhooks that arrive together share
one transaction (bot/intake_recorder.py), and each is answered once its event is committed. In
``serve`` on SQLite the INSERT goes to the intake journal (storage/journal.py), a file only the
intake writes, so an acknowledgement never waits for a worker's write turn either.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from bot.bootstrap import Bot
from bot.events import WebhookEnvelope, correlation_id_of
from bot.intake_recorder import GroupRecorder
from bot.metrics import CONTENT_TYPE_LATEST
from bot.webhook_json import loads_storable
from storage.events import EventArrival, Recorded

if TYPE_CHECKING:
    from bot.intake_websocket import WebsocketIntake
    from bot.runtime import Background
    from storage.journal import IntakeJournal

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # envelopes are ids only, well under 2 KiB
SIGNATURE_HEADER = "X-Spark-Signature"
READY_CACHE_SECONDS = 30.0


def signature_ok(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is the hex HMAC-SHA1 of the raw ``body`` keyed with ``secret``."""
    if not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest().encode()
    # Bytes, not str: compare_digest raises on non-ASCII str, and a header is attacker input.
    given = signature.strip().lower().encode("utf-8", "surrogateescape")
    return hmac.compare_digest(expected, given)


def create_app(
    bot: Bot,
    *,
    runtime: Background,
    ready_cache_seconds: float = READY_CACHE_SECONDS,
    intake: WebsocketIntake | None = None,
    journal: IntakeJournal | None = None,
) -> Flask:
    """The Flask app of one ``serve`` process (``intake``: the websocket one, if in use;
    ``journal``: where webhooks are recorded for the worker processes to import, on SQLite)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    metrics = runtime.metrics
    secret_value = bot.settings.webex.webhook_secret
    secret = secret_value.get_secret_value() if secret_value is not None else None
    if secret is None and intake is None:
        log.error("WEBEX_WEBHOOK_SECRET is not set: every webhook will be refused")
    from bot.health import WebexProbe, readiness

    probe = getattr(runtime, "probe", None) or WebexProbe(bot, runtime.gateway, metrics)
    recorder = GroupRecorder(bot.db, bot.clock, journal=journal)

    def refuse(status: int, reason: str, message: str) -> tuple[Response, int]:
        metrics.webhooks_rejected.labels(reason).inc()
        return jsonify(error=message), status

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc: RequestEntityTooLarge) -> tuple[Response, int]:
        log.warning("webhook body over %d bytes refused", MAX_BODY)
        return refuse(413, "too_large", "body too large")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[Response, int]:
        return jsonify(error=exc.name), exc.code or 500

    @app.post("/webhooks/webex")
    def webhook() -> tuple[Response, int]:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise RequestEntityTooLarge()
        raw = request.get_data(cache=False)
        if secret is None or not signature_ok(secret, raw, request.headers.get(SIGNATURE_HEADER)):
            log.warning("webhook with a bad or missing signature refused")
            return refuse(401, "bad_signature", "invalid signature")
        try:
            body = loads_storable(raw)
            envelope = WebhookEnvelope.parse(body)
        except (ValueError, RecursionError) as exc:  # EnvelopeError, UnstorableBody too
            # RecursionError: a signed body of deeply nested arrays is still not worth a 500.
            # UnstorableBody: no database could keep it, so a 503 would be redelivered forever.
            log.warning("malformed webhook refused: %s", exc)
            return refuse(400, "malformed", "malformed webhook body")
        if not envelope.handled:
            metrics.webhooks_ignored.labels("resource").inc()
            return _acknowledged("ignored"), 200
        try:
            recorded = recorder.record(_arrival(envelope, body))
        except Exception:
            log.exception("could not store webhook event %s", envelope.event_key)
            return jsonify(error="could not store the event, deliver it again"), 503
        if recorded is Recorded.DUPLICATE:
            metrics.webhooks_deduplicated.inc()
            return _acknowledged("duplicate"), 200
        if recorded is Recorded.PENDING:
            # A redelivery of an event still waiting (e.g. for Webex to come back): not a
            # duplicate to drop but a hint that Webex answers again, so it is due at once.
            metrics.webhooks_deduplicated.inc()
            _wake(runtime)
            return _acknowledged("pending"), 200
        _wake(runtime)  # first: the worker starts while this request is still answered
        metrics.webhooks_received.labels(envelope.resource).inc()
        # DEBUG: the worker logs every event it handles, at INFO, with the same key.
        log.debug(
            "webhook %s accepted",
            envelope.event_key,
            extra={"event_key": envelope.event_key, "cid": correlation_id_of(envelope.event_key)},
        )
        return _acknowledged("accepted"), 200

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        # Alive is all /healthz says; ?full=1 adds what Webex says, which never makes it fail.
        if request.args.get("full") not in ("1", "true", "yes"):
            return jsonify(status="ok"), 200
        webex = probe.latest(ready_cache_seconds).as_json()
        return jsonify(status="ok", webex=webex), 200

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        checks, problems = readiness(bot, list(runtime.services))
        problems += runtime.problems()
        if intake is not None:
            checks["intake"], intake_problems = intake.readiness()
            problems += intake_problems
        if problems:
            return jsonify(status="not ready", checks=checks, problems=problems), 503
        return jsonify(status="ready", checks=checks), 200

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(runtime.render_metrics(), content_type=CONTENT_TYPE_LATEST)

    return app


#: The bodies of the webhook's 200s, encoded once: jsonify's JSON provider cost about a tenth of
#: an acknowledgement's CPU for these four constant bodies.
_ACKNOWLEDGEMENTS = {
    status: json.dumps({"status": status}).encode() + b"\n"
    for status in ("accepted", "pending", "duplicate", "ignored")
}


def _acknowledged(status: str) -> Response:
    return Response(_ACKNOWLEDGEMENTS[status], mimetype="application/json")


def _wake(runtime: Background) -> None:
    try:
        runtime.wake_worker()
    except Exception:  # the event is stored; the worker's own polling will find it
        log.exception("could not wake the worker")


def _arrival(envelope: WebhookEnvelope, body: dict[str, Any]) -> EventArrival:
    key = envelope.event_key
    return EventArrival(
        event_key=key,
        resource=envelope.resource,
        event=envelope.event,
        payload=body,
        correlation_id=correlation_id_of(key),
        space_id=envelope.space_id,
    )
