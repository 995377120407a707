"""A local stand-in for the Webex admin APIs the Webex provider uses, as a Flask Blueprint.

Serves, under ``/v1``: the BroadWorks Subscriber API (list/get/provision/update/delete,
precheck, consent move), ``/broadworks/enterprises``, People (``/people``, ``/people/me``,
``/people/{id}``), SCIM Users, the ``sendActivationEmails`` job and ``/access_token``. Every
request and response is recorded (``state.exchanges``, helper-1's ``Exchange``), faults are
injected with ``state.fail_next`` (status, headers, JSON body), ``state.answer_raw_next`` (a body
sent verbatim: malformed JSON, an HTML page) and ``state.delay_next`` (timeouts).

Use it standalone (tests)::

    admin = AdminApiState(clock=clock.now)
    seed_demo(admin)                        # demo customers, subscribers and org users
    admin.add_token("admin-token")
    with AdminApiServer(admin) as server:   # server.api_url -> WebexProvider(api_url=...)
        ...

or on the messaging emulator's app, so one ``WEBEX_API_URL`` serves both:
``mount_on(emulator_app, admin)``. That wraps the app's WSGI callable and routes the admin paths
(and ``/v1/people*`` called with one of the stand-in's tokens) to the admin app, everything else
to the emulator: the emulator's own auth hook and its ``/v1/people`` routes stay untouched.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, g, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bot.local.admin_api_state import (
    SCOPE_BW_READ,
    SCOPE_BW_WRITE,
    SCOPE_IDENTITY_READ,
    SCOPE_PEOPLE_READ,
    SCOPE_PEOPLE_WRITE,
    AdminApiFailure,
    AdminApiState,
)
from bot.local.emulator_log import Exchange
from bot.local.emulator_model import tracking_id
from onboarding.model import ControlHubState

__all__ = [
    "AdminApiServer",
    "AdminApiState",
    "create_app",
    "create_blueprint",
    "mount_on",
    "seed_demo",
]

ADMIN_PREFIXES = ("/v1/broadworks/", "/v1/subscribers/", "/v1/identity/", "/v1/access_token")
_RECORDED_HEADERS = ("Content-Type", "Link", "Retry-After", "TrackingID")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _failure(exc: AdminApiFailure) -> Response:
    tracking = tracking_id()
    return _json(exc.status, exc.body(tracking), {"TrackingID": tracking, **exc.headers})


def _query() -> dict[str, str]:
    return {key: ",".join(request.args.getlist(key)) for key in request.args}


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AdminApiFailure(400, "The request body must be a JSON object.")
    return body


def _bearer() -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def _link(path: str, query: dict[str, str]) -> dict[str, str]:
    return {"Link": f'<{request.url_root}v1/{path}?{urlencode(query)}>; rel="next"'}


def create_blueprint(state: AdminApiState) -> Blueprint:
    """The admin endpoints over ``state``, under ``/v1``."""
    bp = Blueprint("webex_admin_api", __name__, url_prefix="/v1")

    def grant(scope: str) -> Any:
        return state.authorize(_bearer(), scope)

    @bp.before_request
    def _faults() -> Response | None:
        raw = state.take_raw_answer(request.method, request.path)
        if raw is not None:
            g.injected = True
            return Response(raw.text, status=raw.status, content_type=raw.content_type)
        fault = state.faults.take(request.method, request.path)
        if fault is not None:
            g.injected = True
            if fault.body is not None:
                return _json(fault.status, fault.body, fault.headers)
            exc = AdminApiFailure(fault.status, f"Injected {fault.status}", headers=fault.headers)
            return _failure(exc)
        return None

    @bp.errorhandler(AdminApiFailure)
    def _api_failure(exc: AdminApiFailure) -> Response:
        return _failure(exc)

    @bp.after_request
    def _record(response: Response) -> Response:
        response.headers.setdefault("TrackingID", tracking_id())
        if request.mimetype == "application/json":
            body: Any = request.get_json(silent=True)
        elif request.form:
            body = {
                k: ("***" if "secret" in k or "token" in k else v) for k, v in request.form.items()
            }
        else:
            body = request.get_data(as_text=True) or None
        state.record(
            Exchange(
                method=request.method,
                path=request.path,
                query=_query(),
                headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
                content_type=request.mimetype or None,
                body=body,
                status=response.status_code,
                response_body=response.get_json(silent=True) if response.is_json else None,
                response_headers={
                    k: response.headers[k] for k in _RECORDED_HEADERS if k in response.headers
                },
                injected=bool(g.get("injected")),
            )
        )
        delay = state.take_delay(request.method, request.path)
        if delay:
            time.sleep(delay)
        return response

    # -- BroadWorks subscribers ------------------------------------------------------------

    @bp.get("/broadworks/subscribers")
    def subscribers_list() -> Response:
        grant(SCOPE_BW_READ)
        items, next_query = state.list_subscribers(_query())
        headers = _link("broadworks/subscribers", next_query) if next_query else {}
        return _json(200, {"items": items}, headers)

    @bp.post("/broadworks/subscribers")
    def subscribers_create() -> Response:
        grant(SCOPE_BW_WRITE)
        return _json(200, state.provision(_body()))

    @bp.post("/broadworks/subscribers/validate")
    def subscribers_validate() -> Response:
        grant(SCOPE_BW_WRITE)
        return _json(200, state.precheck(_body()))

    @bp.get("/broadworks/subscribers/<sub_id>")
    def subscribers_get(sub_id: str) -> Response:
        grant(SCOPE_BW_READ)
        return _json(200, state.get_subscriber(sub_id))

    @bp.put("/broadworks/subscribers/<sub_id>")
    def subscribers_update(sub_id: str) -> Response:
        grant(SCOPE_BW_WRITE)
        return _json(200, state.update(sub_id, _body()))

    @bp.delete("/broadworks/subscribers/<sub_id>")
    def subscribers_delete(sub_id: str) -> Response:
        grant(SCOPE_BW_WRITE)
        state.delete(sub_id)
        return Response(status=204)

    @bp.post("/subscribers/<sub_id>/emails/consentMove")
    def subscribers_consent(sub_id: str) -> Response:
        grant(SCOPE_BW_WRITE)
        state.consent_move(sub_id)
        return Response(status=204)

    @bp.get("/broadworks/enterprises")
    def enterprises_list() -> Response:
        grant(SCOPE_BW_READ)
        return _json(200, {"items": state.list_enterprises(_query())})

    # -- People, SCIM, activation emails ---------------------------------------------------

    @bp.get("/people")
    def people_list() -> Response:
        who = grant(SCOPE_PEOPLE_READ)
        query = _query()
        items, cursor = state.list_people(who, query)
        headers = _link("people", {**query, "cursor": cursor}) if cursor else {}
        return _json(200, {"items": items}, headers)

    @bp.get("/people/<person_id>")
    def people_get(person_id: str) -> Response:
        who = grant(SCOPE_PEOPLE_READ)
        return _json(200, state.get_person(who, person_id))

    @bp.get("/identity/scim/<org>/v2/Users")
    def scim_users(org: str) -> Response:
        grant(SCOPE_IDENTITY_READ)
        return _json(200, state.list_scim(org, _query()))

    @bp.post("/identity/organizations/<org>/jobs/sendActivationEmails")
    def activation_job(org: str) -> Response:
        who = grant(SCOPE_PEOPLE_WRITE)
        return _json(202, state.start_activation_job(who, org))

    @bp.get("/identity/organizations/<org>/jobs/sendActivationEmails/<job_id>/status")
    def activation_job_status(org: str, job_id: str) -> Response:
        grant(SCOPE_PEOPLE_WRITE)
        return _json(200, state.job_status(org, job_id))

    # -- OAuth -------------------------------------------------------------------------------

    @bp.post("/access_token")
    def access_token() -> Response:
        return _json(200, state.exchange_refresh_token(request.form.to_dict()))

    return bp


def create_app(state: AdminApiState) -> Flask:
    """A Flask app serving only the admin stand-in."""
    app = Flask("webex_admin_api")
    app.register_blueprint(create_blueprint(state))

    @app.errorhandler(404)
    def _unknown(_exc: Exception) -> Response:
        return _failure(AdminApiFailure(404, "The requested resource could not be found."))

    return app


def mount_on(app: Flask, state: AdminApiState) -> Flask:
    """Serve the admin stand-in from ``app``'s server too (see the module docstring)."""
    admin_wsgi = create_app(state).wsgi_app
    fallback: WsgiApp = app.wsgi_app

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        auth = str(environ.get("HTTP_AUTHORIZATION", ""))
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if path.startswith(ADMIN_PREFIXES) or (
            path.startswith("/v1/people") and state.knows(token)
        ):
            return admin_wsgi(environ, start_response)
        return fallback(environ, start_response)

    app.wsgi_app = dispatch  # type: ignore[method-assign]
    return app


def seed_demo(state: AdminApiState, random_seed: int = 0) -> None:
    """Fill the stand-in from the sandbox's demo data set (``onboarding.demo_data``)."""
    from onboarding.demo_data import build_demo_data

    data = build_demo_data(state.now(), random_seed)
    for index, sub in enumerate(data.subscribers):
        digits = "".join(ch for ch in sub.user_id.split("@")[0] if ch.isdigit())
        fields: dict[str, Any] = {
            "id": sub.id,
            "userId": sub.user_id,
            "spEnterpriseId": sub.customer,
            "firstName": sub.first_name,
            "lastName": sub.last_name,
            "package": sub.package.value,
            "status": sub.status.value,
            "created": sub.created + timedelta(milliseconds=index),  # distinct, for paging
            "lastStatusChange": sub.last_status_change,
            "provisioningId": sub.provisioning_id,
            "primaryPhoneNumber": f"+{digits}",
            "extension": digits[-4:],
            "selfActivated": sub.self_activated,
        }
        if sub.email:
            fields["email"] = sub.email
        if sub.person_id:
            fields["personId"] = sub.person_id
        if sub.errors:
            fields["errors"] = [
                {"errorCode": e.code, "description": e.description} for e in sub.errors
            ]
        state.add_subscriber(**fields)
        if sub.status.in_flight:
            state.schedule(sub.id, "provisioned")
    for index, user in enumerate(data.org_users):
        hidden = user.state is ControlHubState.ACTIVE and index % 5 == 0
        state.add_person(
            user.email,
            user.display_name,
            state=user.state,
            presence_hidden=hidden,
            created=user.created,
        )
    state.add_admin()


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log on stderr (the stand-in records requests itself)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class AdminApiServer:
    """Serves the stand-in with werkzeug's threaded server on a background thread."""

    def __init__(self, state: AdminApiState, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self._server: BaseWSGIServer = make_server(
            host, port, create_app(state), threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="webex-admin-api", daemon=True
        )
        self.api_url = f"http://{host}:{self._server.server_port}/v1/"

    def start(self) -> AdminApiServer:
        """Start serving; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> AdminApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
