"""The emulator's Flask app: the Webex REST endpoints the bot uses, under ``/v1``."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from bot.local.emulator_log import Exchange
from bot.local.emulator_model import (
    ApiFailure,
    Content,
    JsonDict,
    error_body,
    tracking_id,
    webex_id,
)
from bot.local.emulator_state import EmulatorState

_RECORDED_RESPONSE_HEADERS = ("Content-Type", "Link", "Retry-After", "TrackingID")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    tracking = tracking_id()
    return _json(status, error_body(message, tracking), {"TrackingID": tracking, **(headers or {})})


def _json_body() -> JsonDict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiFailure(400, "The request body must be a JSON object.")
    return body


def _query() -> dict[str, str]:
    return {key: ",".join(request.args.getlist(key)) for key in request.args}


def _request_body() -> Any:
    if request.mimetype == "application/json":
        return request.get_json(silent=True)
    if request.mimetype == "multipart/form-data":
        fields: dict[str, Any] = request.form.to_dict()
        for name, part in request.files.items(multi=True):
            fields[name] = {"filename": part.filename, "content_type": part.mimetype}
        return fields
    data = request.get_data(as_text=True)
    return data or None


def _is_local_page() -> bool:
    # The console (bot/local/console.py) shares this app but is not Webex: no token, no faults,
    # and it stays out of the request log the spec checks read.
    return request.path == "/console" or request.path.startswith("/console/")


def create_app(state: EmulatorState) -> Flask:
    """Build the Flask app serving ``state`` over HTTP."""
    app = Flask("webex_emulator")

    @app.before_request
    def _fault_and_auth() -> Response | None:
        if _is_local_page():
            return None
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        auth_failure: ApiFailure | None = None
        try:
            g.caller = state.authenticate(token)
        except ApiFailure as exc:
            g.caller, auth_failure = None, exc
        if state.latency > 0:
            time.sleep(state.latency)  # every API call takes this long (a slow Webex)
        fault = state.faults.take(request.method, request.path)
        if fault is not None and fault.after_landing:
            g.injected, g.after_landing = True, fault
        elif fault is not None:
            g.injected = True
            if fault.delay > 0:
                time.sleep(fault.delay)
            if fault.body is not None:
                return _json(fault.status, fault.body, fault.headers)
            return _error(fault.status, f"Injected {fault.status}", fault.headers)
        if auth_failure is not None:
            raise auth_failure
        return None

    @app.errorhandler(ApiFailure)
    def _api_failure(exc: ApiFailure) -> Response:
        return _error(exc.status, exc.message, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return _error(exc.code or 500, exc.description or "Error")

    @app.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:
        app.logger.exception("emulator error")
        return _error(500, f"Emulator error: {type(exc).__name__}: {exc}")

    @app.after_request
    def _record(response: Response) -> Response:
        if _is_local_page():
            return response
        landed = g.get("after_landing")
        if landed is not None:  # the work is done; the answer is late, or lost
            if landed.delay > 0:
                time.sleep(landed.delay)
            if landed.status != 200:
                response = _error(landed.status, f"Injected {landed.status}", landed.headers)
        response.headers.setdefault("TrackingID", tracking_id())
        caller = g.get("caller")
        state.record(
            Exchange(
                method=request.method,
                path=request.path,
                query=_query(),
                headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
                content_type=request.mimetype or None,
                body=_request_body(),
                status=response.status_code,
                response_body=response.get_json(silent=True) if response.is_json else None,
                response_headers={
                    k: response.headers[k]
                    for k in _RECORDED_RESPONSE_HEADERS
                    if k in response.headers
                },
                caller_email=caller.email if caller else None,
                injected=bool(g.get("injected")),
            )
        )
        return response

    @app.get("/v1/people/me")
    def people_me() -> Response:
        return _json(200, state.api_get_person(g.caller, "me"))

    @app.get("/v1/people/<person_id>")
    def people_get(person_id: str) -> Response:
        return _json(200, state.api_get_person(g.caller, person_id))

    @app.get("/v1/people")
    def people_list() -> Response:
        return _json(200, state.api_list_people(g.caller, _query()))

    @app.get("/v1/rooms")
    def rooms_list() -> Response:
        return _json(200, state.api_list_rooms(g.caller, _query()))

    @app.get("/v1/rooms/<room_id>")
    def rooms_get(room_id: str) -> Response:
        return _json(200, state.api_get_room(g.caller, room_id))

    @app.post("/v1/messages")
    def messages_create() -> Response:
        if request.mimetype == "multipart/form-data":
            uploads = request.files.getlist("files")
            if len(uploads) > 1 or len(request.files) > len(uploads):
                raise ApiFailure(400, "Only one file, in the 'files' part, may be uploaded.")
            if "attachments" in request.form:
                # Multipart fields are plain strings; cards go in a JSON request instead.
                raise ApiFailure(400, "attachments cannot be sent in a multipart request.")
            upload = None
            if uploads:
                part = uploads[0]
                upload = Content(
                    id=webex_id("CONTENT"),
                    data=part.read(),
                    content_type=part.mimetype or "application/octet-stream",
                    filename=part.filename or "file",
                )
            form = request.form.to_dict()
            g.posted = state.api_create_message(g.caller, form, upload, shared=True)
        else:
            g.posted = state.api_create_message(g.caller, _json_body(), shared=True)
        return _json(200, g.posted)

    @app.get("/v1/messages")
    def messages_list() -> Response:
        items, next_query = state.api_list_messages(g.caller, _query())
        headers = {}
        if next_query is not None:
            url = f"{request.url_root}v1/messages?{urlencode(next_query)}"
            headers["Link"] = f'<{url}>; rel="next"'
        return _json(200, {"items": items}, headers)

    @app.get("/v1/messages/direct")
    def messages_direct() -> Response:
        return _json(200, {"items": state.api_list_direct(g.caller, _query())})

    @app.get("/v1/messages/<message_id>")
    def messages_get(message_id: str) -> Response:
        return _json(200, state.api_get_message(g.caller, message_id, shared=True))

    @app.delete("/v1/messages/<message_id>")
    def messages_delete(message_id: str) -> Response:
        state.api_delete_message(g.caller, message_id)
        return Response(status=204)

    @app.get("/v1/contents/<content_id>")
    def contents_get(content_id: str) -> Response:
        content = state.api_get_content(g.caller, content_id)
        response = Response(content.data, status=200, mimetype=content.content_type)
        response.headers["Content-Disposition"] = _disposition(content.filename)
        return response

    @app.post("/v1/attachment/actions")
    def actions_create() -> Response:
        # The spec documents 202; the SDK expects 200 for every POST and fails on 202.
        return _json(200, state.create_action(g.caller, _json_body()))

    @app.get("/v1/attachment/actions/<action_id>")
    def actions_get(action_id: str) -> Response:
        return _json(200, state.api_get_action(g.caller, action_id))

    @app.get("/v1/webhooks")
    def webhooks_list() -> Response:
        return _json(200, state.api_list_webhooks(g.caller, _query()))

    @app.post("/v1/webhooks")
    def webhooks_create() -> Response:
        return _json(200, state.api_create_webhook(g.caller, _json_body()))

    @app.get("/v1/webhooks/<webhook_id>")
    def webhooks_get(webhook_id: str) -> Response:
        return _json(200, state.api_get_webhook(g.caller, webhook_id))

    @app.put("/v1/webhooks/<webhook_id>")
    def webhooks_update(webhook_id: str) -> Response:
        return _json(200, state.api_update_webhook(g.caller, webhook_id, _json_body()))

    @app.delete("/v1/webhooks/<webhook_id>")
    def webhooks_delete(webhook_id: str) -> Response:
        state.api_delete_webhook(g.caller, webhook_id)
        return Response(status=204)

    return app


def _disposition(name: str) -> str:
    """``attachment`` with the file name: ASCII in ``filename``, the exact name in RFC 5987's
    ``filename*`` (an HTTP header is Latin-1: "uživatelé.csv" cannot go there as it is)."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    if plain == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"
