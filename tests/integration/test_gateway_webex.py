"""WebexGateway and webhooks sync through the real SDK against the emulator."""

from __future__ import annotations

import json
import socket
import time

import pytest
from click.testing import CliRunner

from bot.settings import Settings, WebexSettings
from bot.webex import WebexGateway, WebexRejected, WebexUnavailable
from bot.webhooks_admin import sync_webhooks, webhook_name, webhook_problems
from storage.json_text import EncodedJSON
from storage.outbox import OutgoingMessage
from tests.support.emulator import (
    ADMIN_EMAIL,
    BOT_EMAIL,
    BOT_TOKEN,
    WebhookReceiver,
    running_emulator,
)

SECRET = "gateway-secret"


def gateway_for(webex) -> WebexGateway:
    return WebexGateway.from_settings(
        Settings(webex=WebexSettings(bot_token=BOT_TOKEN, api_url=webex.api_url))
    )


def test_identity_messages_and_posts(webex, tmp_path):
    gw = gateway_for(webex)
    me = gw.me()
    assert (me.email, me.display_name) == (BOT_EMAIL, "Onboard Bot")
    room = webex.group_room()
    asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
    message = gw.message(asked["id"])
    assert message.in_group and me.id in message.mentioned_people
    card = {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": "x"}]}
    posted = gw.post(
        OutgoingMessage(room_id=room["id"], parent_id=asked["id"], markdown="**hi**", card=card)
    )
    stored = webex.emulator.message(posted)
    assert stored["parentId"] == asked["id"]
    assert stored["attachments"][0]["content"] == card
    csv = tmp_path / "export.csv"
    csv.write_text("a,b\n1,2\n")
    file_id = gw.post(OutgoingMessage(room_id=room["id"], file_path=str(csv)))
    assert len(webex.emulator.message(file_id)["files"]) == 1
    action = webex.emulator.click(ADMIN_EMAIL, posted, {"action": "user.error", "user": "x"})
    fetched = gw.card_action(action["id"])
    assert (fetched.name, fetched.message_id) == ("user.error", posted)
    assert gw.person(fetched.person_id).email == ADMIN_EMAIL


def test_a_card_goes_into_the_request_body_as_the_text_it_was_encoded_as(webex):
    gw = gateway_for(webex)
    sent: list[bytes] = []
    gw.api._session._req_session.hooks["response"].append(
        lambda response, *args, **kwargs: sent.append(response.request.body)
    )
    room = webex.group_room()
    card = {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": "ž"}]}
    # Indented: an encoder on the way would have written it compactly.
    encoded = EncodedJSON(card, json.dumps(card, indent=1))
    posted = gw.post(OutgoingMessage(room_id=room["id"], markdown="**hi**", card=encoded))
    assert encoded.text.encode() in sent[-1]
    assert webex.emulator.message(posted)["attachments"][0]["content"] == card
    # A plain dict is encoded once, there.
    posted = gw.post(OutgoingMessage(room_id=room["id"], markdown="**hi**", card=card))
    assert json.loads(sent[-1])["attachments"][0]["content"] == card
    assert webex.emulator.message(posted)["markdown"] == "**hi**"

    # An answer whose first key is not the id (Webex's and the stand-in's is) is parsed whole.
    def id_last(response, *args, **kwargs):
        if response.request.method == "POST":
            echo = json.loads(response.content)
            reordered = {key: value for key, value in echo.items() if key != "id"}
            reordered["id"] = echo["id"]
            response._content = json.dumps(reordered).encode()
            assert not response.content.startswith(b'{"id"')

    gw.api._session._req_session.hooks["response"].append(id_last)
    posted = gw.post(OutgoingMessage(room_id=room["id"], markdown="**late id**", card=encoded))
    assert webex.emulator.message(posted)["markdown"] == "**late id**"
    gw.api._session._req_session.hooks["response"].remove(id_last)
    # Webex's refusals of a card post are classified as any other call's.
    webex.emulator.fail_next("POST", r"/messages", 503, headers={"Retry-After": "3"})
    with pytest.raises(WebexUnavailable) as down:
        gw.post(OutgoingMessage(room_id=room["id"], markdown="**hi**", card=encoded))
    assert (down.value.status, down.value.retry_after) == (503, 3.0)
    with pytest.raises(WebexRejected) as refused:
        gw.post(OutgoingMessage(room_id="no-such-room", markdown="**hi**", card=encoded))
    assert refused.value.status == 404


def test_errors_become_unavailable_or_rejected(webex):
    gw = gateway_for(webex)
    webex.emulator.fail_next("GET", r"/people/me", 429, headers={"Retry-After": "7"})
    with pytest.raises(WebexUnavailable) as limited:
        gw.me()
    assert (limited.value.status, limited.value.retry_after) == (429, 7.0)
    webex.emulator.fail_next("GET", r"/people/me", 502, headers={})
    with pytest.raises(WebexUnavailable) as down:
        gw.me()
    assert down.value.status == 502
    with pytest.raises(WebexRejected) as gone:
        gw.message("Y2lzY29zcGFyazovL3VzL01FU1NBR0Uvbm9uZQ")
    assert gone.value.status == 404
    webex.exempt_last()
    with pytest.raises(WebexRejected):
        gw.post(OutgoingMessage(room_id="r", file_path="/no/such/file.csv"))


def test_a_429_never_sleeps_in_the_sdk(webex):
    gw = gateway_for(webex)
    webex.emulator.fail_next("GET", r"/people/me", 429, headers={"Retry-After": "30"})
    started = time.monotonic()
    with pytest.raises(WebexUnavailable):
        gw.me()
    assert time.monotonic() - started < 5


def test_no_connection_is_unavailable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gw = WebexGateway.from_settings(
        Settings(webex=WebexSettings(bot_token="t", api_url=f"http://127.0.0.1:{port}/v1/"))
    )
    with pytest.raises(WebexUnavailable):
        gw.me()


def test_sync_creates_repairs_and_leaves_other_webhooks_alone():
    receiver = WebhookReceiver(status=500)
    try:
        with running_emulator(deactivate_after_failures=1) as webex:
            gw = gateway_for(webex)
            foreign = gw.create_webhook(
                name="someone else's",
                target_url=receiver.url,
                resource="messages",
                event="created",
                secret=None,
            )
            first = sync_webhooks(gw, target_url=receiver.url, secret=SECRET)
            assert [c.what for c in first] == ["created", "created"]
            assert sync_webhooks(gw, target_url=receiver.url, secret=SECRET)[0].what == "unchanged"
            room = webex.direct_room()
            webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")  # the target answers 500
            webex.emulator.wait_idle()
            assert any("inactive" in p for p in webhook_problems(gw.webhooks()))
            again = sync_webhooks(gw, target_url=receiver.url + "/v2", secret=SECRET)
            assert [c.what for c in again] == ["reactivated", "updated"]
            hooks = {h["name"]: h for h in gw.webhooks()}
            # Deactivated by the failing target too, and left so: not ours to reactivate.
            assert hooks["someone else's"] == {**foreign, "status": "inactive"}
            mine = hooks[webhook_name("messages", "created")]
            assert (mine["status"], mine["targetUrl"]) == ("active", receiver.url + "/v2")
            assert webhook_problems(hooks.values(), target_url=receiver.url + "/v2") == []
    finally:
        receiver.close()


def test_the_cli_syncs_and_lists(webex, monkeypatch):
    import click

    from bot.cli_webhooks import webhooks

    @click.group()
    def main() -> None:
        """A stand-in for bot.cli.main."""

    main.add_command(webhooks)
    monkeypatch.setenv("WEBEX_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("WEBEX_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WEBEX_API_URL", webex.api_url)
    monkeypatch.setenv("ONBOARD_CONFIG", "/dev/null")
    runner = CliRunner()
    synced = runner.invoke(
        main, ["webhooks", "sync", "--url", "https://bot.example.com/webhooks/webex"]
    )
    assert synced.exit_code == 0, synced.output
    assert [line.split()[0] for line in synced.output.splitlines()] == ["created", "created"]
    listed = runner.invoke(main, ["webhooks", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("* active") == 2
    no_url = runner.invoke(main, ["webhooks", "sync"])
    assert no_url.exit_code == 2


def test_a_message_file_is_downloaded_with_the_bot_token_from_webex_only(webex):
    """``retry file``: the message lists content URLs; the bot GETs them with its token."""
    from bot.local.emulator_model import Content, webex_id
    from onboarding.errors import InvalidInput

    gw = gateway_for(webex)
    room = webex.direct_room()
    data = "\ufeffuživatel;nový e-mail\r\n".encode()
    upload = Content(webex_id("CONTENT"), data, "text/csv", "uživatelé.csv")
    asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "retry file", upload=upload)
    message = gw.message(asked["id"])
    (url,) = message.files
    got = gw.download(url)
    assert (got.data, got.content_type.split(";")[0]) == (data, "text/csv")
    assert got.name.endswith(".csv")
    assert len(gw.download(url, limit=4).data) < len(data) + 64 * 1024  # stops reading past it
    # The token goes to the API's own host only.
    with pytest.raises(InvalidInput):
        gw.download("https://files.example.com/contents/x")
    with pytest.raises(InvalidInput):
        gw.download(url.rsplit("/", 1)[0] + "/nope")  # 404
