"""The local console: a web page, served by the Webex stand-in, to talk to the bot as anyone.

The console acts as any person without a token, so it is a loopback-only developer tool:
``mount_console`` refuses a non-loopback host, and every request must come from loopback with
a loopback ``Host`` header (which also defeats DNS rebinding). Its JSON API::

    GET  /console/api/people                          people (not bots) to act as
    GET  /console/api/rooms?as=EMAIL                  that person's spaces
    GET  /console/api/rooms/<id>/messages?after=ID    messages, oldest first, rendered safely
    POST /console/api/rooms/<id>/messages             {as, text, mentionBot?, parentId?, file?}
                                                      (file: {name, type, data in base64})
    POST /console/api/actions                         {as, messageId, inputs}: a card submit
    GET  /console/api/files/<content id>?as=EMAIL     a posted file, as that person
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, abort, jsonify, request, send_from_directory

from bot.local.console_markdown import render_markdown, render_plain
from bot.local.emulator_model import ApiFailure, Content, JsonDict, webex_id

if TYPE_CHECKING:
    from bot.local.emulator import WebexEmulator

__all__ = ["ConsoleRefused", "create_blueprint", "is_loopback", "mount_console"]

CONSOLE_PREFIX = "/console"
STATIC_DIR = Path(__file__).parent / "static"
_MAX_TEXT = 7439


class ConsoleRefused(RuntimeError):
    """Raised when the console would be reachable from beyond this machine."""


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name, an address, or either with a ``:port``) is this machine only."""
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def mount_console(emulator: WebexEmulator, app: Flask, *, host: str) -> None:
    """Register the console blueprint on the emulator's app, which will be served on ``host``.

    Raises ``ConsoleRefused`` unless ``host`` is a loopback address.
    """
    if not is_loopback(host):
        raise ConsoleRefused(
            f"the console needs no token, so it is only served on loopback, not on {host!r}"
        )
    app.register_blueprint(create_blueprint(emulator))


def create_blueprint(emulator: WebexEmulator) -> Blueprint:
    """The console page and its JSON API for ``emulator``, under ``/console``."""
    bp = Blueprint("console", __name__, url_prefix=CONSOLE_PREFIX)

    @bp.before_request
    def _loopback_only() -> None:
        if not is_loopback(request.remote_addr) or not is_loopback(request.host):
            abort(403, "The console is only served to loopback clients.")
        if request.method == "POST" and not request.is_json:
            # A JSON content type can't be sent cross-site without a CORS preflight.
            abort(415, "Send JSON.")

    @bp.errorhandler(ApiFailure)
    def _api_failure(exc: ApiFailure) -> tuple[Response, int]:
        return jsonify(message=exc.message), exc.status

    @bp.errorhandler(KeyError)
    def _unknown(exc: KeyError) -> tuple[Response, int]:
        return jsonify(message=f"Not found: {exc.args[0] if exc.args else exc}"), 404

    @bp.errorhandler(ValueError)
    def _invalid(exc: ValueError) -> tuple[Response, int]:
        return jsonify(message=str(exc)), 400

    @bp.get("/")
    def page() -> Response:
        response = send_from_directory(STATIC_DIR, "console.html", max_age=0)
        # Messages are rendered by the page; this keeps any escape mistake from running script.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: http: https:; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @bp.get("/static/<path:name>")
    def asset(name: str) -> Response:
        # The page's own files and the vendored card renderer (adaptivecards.min.js, with its
        # license beside it): nothing is fetched from elsewhere at run time.
        response = send_from_directory(STATIC_DIR, name, max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @bp.get("/api/people")
    def people() -> Response:
        found = [_person(p) for p in emulator.people() if p["type"] == "person"]
        bots = [_person(p) for p in emulator.people() if p["type"] == "bot"]
        return jsonify(items=found, bots=bots)

    @bp.get("/api/rooms")
    def rooms() -> Response:
        as_email = request.args.get("as") or None
        names = _names(emulator)
        items = []
        for room in emulator.rooms(member_email=as_email):
            members = [names.get(m, {"id": m}) for m in room["members"]]
            title = room["title"]
            if room["type"] == "direct" and as_email:
                other = [m for m in members if m.get("email", "").lower() != as_email.lower()]
                title = other[0].get("displayName", title) if other else title
            items.append(
                {
                    "id": room["id"],
                    "title": title,
                    "type": room["type"],
                    "members": members,
                    "hasBot": any(m.get("isBot") for m in members),
                    "lastActivity": room["lastActivity"],
                }
            )
        return jsonify(items=items)

    @bp.get("/api/rooms/<room_id>/messages")
    def messages(room_id: str) -> Response:
        emulator.room(room_id)  # KeyError -> 404 for an unknown room
        everything = emulator.messages_in(room_id)
        ids = [m["id"] for m in everything]
        after = request.args.get("after")
        newer = everything[ids.index(after) + 1 :] if after in ids else everything
        names = _names(emulator)
        return jsonify(items=[_message(m, names, emulator) for m in newer], ids=ids)

    @bp.post("/api/rooms/<room_id>/messages")
    def send(room_id: str) -> Response:
        body = _body()
        text = str(body.get("text") or "").strip()
        upload = _upload(body.get("file"))
        if not text and upload is None:
            raise ValueError("Type a message first.")
        if len(text.encode()) > _MAX_TEXT:
            raise ValueError(f"A message is at most {_MAX_TEXT} bytes.")
        parent = body.get("parentId") or None
        sent = emulator.send_as(
            _string(body, "as"),
            room_id,
            text,
            mention_bot=bool(body.get("mentionBot", True)),
            parent_id=str(parent) if parent else None,
            upload=upload,
        )
        return jsonify(_message(sent, _names(emulator), emulator))

    @bp.post("/api/actions")
    def act() -> Response:
        body = _body()
        inputs = body.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise ValueError("inputs must be an object.")
        action = emulator.click(_string(body, "as"), _string(body, "messageId"), inputs)
        return jsonify(action)

    @bp.get("/api/files/<content_id>")
    def file(content_id: str) -> Response:
        content = emulator.content(content_id, person_email=request.args.get("as", ""))
        response = Response(content.data, mimetype=content.content_type)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_header_safe(content.filename or "file")}"'
        )
        return response

    return bp


def _body() -> JsonDict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("The request body must be a JSON object.")
    return body


def _string(body: JsonDict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} is required.")
    return value


def _upload(value: object) -> Content | None:
    """A file the page attached (``{name, type, data}``, data in base64), as Webex stores it."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("data"), str):
        raise ValueError("file must be an object with name, type and base64 data.")
    try:
        data = base64.b64decode(value["data"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("file data must be base64.") from None
    name = _header_safe(str(value.get("name") or "file"))
    kind = str(value.get("type") or "") or "application/octet-stream"
    return Content(webex_id("CONTENT"), data, kind, name)


def _header_safe(name: str) -> str:
    return "".join(c for c in name if c.isprintable() and c not in '"\\') or "file"


def _person(record: JsonDict) -> JsonDict:
    return {
        "id": record["id"],
        "email": record["emails"][0],
        "displayName": record["displayName"],
        "isBot": record["type"] == "bot",
    }


def _names(emulator: WebexEmulator) -> dict[str, JsonDict]:
    return {p["id"]: _person(p) for p in emulator.people()}


def _files(message: JsonDict, emulator: WebexEmulator) -> list[dict[str, Any]]:
    described = []
    for url in message.get("files", []):
        content_id = url.rstrip("/").rsplit("/", 1)[-1]
        entry: dict[str, Any] = {"url": url, "contentId": content_id, "name": content_id}
        try:
            # Any member can read it; the console only needs the name and size.
            content = emulator.content(content_id, person_email=message["personEmail"])
        except (ApiFailure, KeyError):
            content = None
        if content is not None:
            entry.update(
                name=content.filename or content_id,
                contentType=content.content_type,
                size=len(content.data),
                sourceUrl=content.source_url,
            )
        described.append(entry)
    return described


def _message(message: JsonDict, names: dict[str, JsonDict], emulator: WebexEmulator) -> JsonDict:
    """A message as the page needs it: the Webex fields plus author and safe rendered HTML."""

    def mention_name(ref: str) -> str | None:
        by_id = names.get(ref)
        if by_id is not None:
            return str(by_id["displayName"])
        return next((p["displayName"] for p in names.values() if p["email"] == ref), None)

    if message.get("markdown"):
        rendered = render_markdown(message["markdown"], mention_names=mention_name)
    else:
        rendered = _plain_with_mentions(message, names)
    author = names.get(message["personId"], {"id": message["personId"], "displayName": "?"})
    return {
        "id": message["id"],
        "roomId": message["roomId"],
        "roomType": message.get("roomType"),
        "parentId": message.get("parentId"),
        "personId": message["personId"],
        "personEmail": message.get("personEmail"),
        "person": author,
        "created": message.get("created"),
        "text": message.get("text"),
        "markdown": message.get("markdown"),
        "html": message.get("html"),
        "rendered": rendered,
        "files": _files(message, emulator),
        "attachments": message.get("attachments", []),
        "mentionedPeople": message.get("mentionedPeople", []),
    }


def _plain_with_mentions(message: JsonDict, names: dict[str, JsonDict]) -> str:
    """Plain text, escaped, with a leading @mention of a mentioned person highlighted."""
    text = message.get("text") or ""
    for person_id in message.get("mentionedPeople", []):
        name = names.get(person_id, {}).get("displayName")
        if name and text.startswith(name):
            # send_as() puts the mention in front of what the person typed.
            mention = f'<span class="mention">@{render_plain(name)}</span>'
            return f"<p>{mention}{render_plain(text[len(name) :])}</p>"
    return f"<p>{render_plain(text)}</p>"
