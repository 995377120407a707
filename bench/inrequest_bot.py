"""The in-request bot: the way the webexpythonsdk Flask example answers, written here.

The SDK's example handles a ``messages/created`` webhook inside the request: it reads the room,
the message and its author, asks who the bot is (to ignore its own messages), and only then
posts its answer and returns. Four API calls before the answer, all while Webex waits for the
200. This bot makes the same four calls (``rooms.get``, ``messages.get``, ``people.get``,
``people.me``), then posts a short answer threaded under the command (the example does not
thread; the benchmark needs the parent to tell which command an answer belongs to). It checks
the webhook signature first, as any bot should, which costs microseconds.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, request
from webexpythonsdk import WebexAPI


def create_app(api_url: str, token: str, secret: str) -> Flask:
    """A Flask app answering every command on ``POST /webhooks/webex`` before it returns."""
    app = Flask("inrequest_bot")
    # One client per thread would be fairer to requests' connection pool, but the example
    # shares one module-level client; so does this bot.
    api = WebexAPI(access_token=token, base_url=api_url, wait_on_rate_limit=False)

    @app.post("/webhooks/webex")
    def webhook() -> Response:
        raw = request.get_data()
        expected = hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Spark-Signature", "")):
            return Response("bad signature", status=401)
        data = (request.get_json(silent=True) or {}).get("data") or {}
        room = api.rooms.get(data["roomId"])
        message = api.messages.get(data["id"])
        author = api.people.get(message.personId)
        me = api.people.me()
        if author.id != me.id:
            api.messages.create(
                roomId=room.id, parentId=message.id, markdown=f"Hello {author.displayName}"
            )
        return Response("OK", status=200)

    return app
