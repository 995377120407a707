"""Webhooks in, replies out: the bot over loopback HTTP against the Webex stand-in and real SDK.

The exchanges go through the ``http_chat`` fixture (tests/support/http_chat.py).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bot.local.emulator import sign
from bot.settings import AccessSettings
from storage.models import AuditEntryRow
from tests.support.emulator import ADMIN_EMAIL, ADMIN_TOKEN, eventually
from tests.support.served_bot import SECRET, SUPPORT_EMAIL, bodies, envelope, serving_bot

ACCESS = AccessSettings(admins=(ADMIN_EMAIL,), support=(SUPPORT_EMAIL,))


@pytest.fixture
def http_chat_access() -> AccessSettings:
    """The admin and one support person (the card test); the rest only needs the admin."""
    return ACCESS


def test_a_signed_webhook_gets_a_threaded_reply_without_the_mention(http_chat, webex):
    said = http_chat.say("status pending")
    assert said.asked["text"].startswith("Onboard Bot ")  # the client put the mention in front
    assert said.reply["parentId"] == said.asked["id"]
    assert "pending" in said.markdown.lower()
    delivery = webex.emulator.deliveries()[0]
    assert delivery.status == 200
    (entry,) = http_chat.audit(AuditEntryRow.via == "chat")
    assert entry.text == "status pending"
    assert entry.space_id == http_chat.space
    metrics = http_chat.served.metrics
    assert metrics.value("onboard_webhooks_received_total", {"resource": "messages"})
    assert metrics.value("onboard_commands_total", {"command": "status", "outcome": "ok"})


def test_direct_messages_are_answered_in_the_room_unthreaded(http_chat):
    said = http_chat.say("help", space=http_chat.direct())
    assert "parentId" not in said.reply
    assert said.reply["created"] >= said.asked["created"]


def test_a_bad_signature_gets_401_stores_nothing_and_calls_no_webex(http_chat, webex):
    served = http_chat.served
    said = http_chat.say("status")
    body = envelope(webex, said.asked["id"])
    forged = json.loads(body)
    forged["data"]["id"] = "forged-message-id"
    forged_body = json.dumps(forged).encode()
    webex.emulator.clear_exchanges()
    events_before = len(served.events())
    wrong = served.post_signed(forged_body, secret="not-the-secret")
    missing = requests.post(served.webhook_url, data=forged_body, timeout=5)
    tampered = requests.post(
        served.webhook_url,
        data=forged_body,
        headers={"X-Spark-Signature": sign(SECRET, body)},  # a real signature, other body
        timeout=5,
    )
    assert (wrong.status_code, missing.status_code, tampered.status_code) == (401, 401, 401)
    served.runtime.wake_worker()
    assert len(served.events()) == events_before
    assert webex.emulator.exchanges == []
    assert served.metrics.value("onboard_webhooks_rejected_total", {"reason": "bad_signature"}) == 3


def test_five_deliveries_also_concurrent_give_one_reply_and_one_action(http_chat, webex):
    served = http_chat.served
    user = served.provisioned_user()
    said = http_chat.say(f"package {user.email} premium")
    first = webex.emulator.deliveries()[0]
    webex.emulator.deliver_again(first.id, times=4)  # Webex redelivering, one after another
    body = envelope(webex, said.asked["id"])
    with ThreadPoolExecutor(max_workers=5) as pool:  # and five at once
        answers = list(pool.map(lambda _: served.post_signed(body), range(5)))
    webex.emulator.wait_idle()
    assert {a.status_code for a in answers} == {200}
    assert all(d.status == 200 for d in webex.emulator.deliveries())
    assert len(webex.emulator.replies_to(said.asked["id"])) == 1
    actions = http_chat.audit(AuditEntryRow.action == "service.package")
    assert [(a.target, a.result) for a in actions] == [(user.email, "ok")]
    assert len(served.events()) == 1
    assert served.metrics.value("onboard_webhooks_deduplicated_total") == 9
    assert len(bodies(webex, "POST", "/v1/messages")) == 1


def test_the_bots_own_messages_get_no_reply(http_chat, webex):
    served = http_chat.served
    room_id = http_chat.direct()
    own = webex.sdk().messages.create(roomId=room_id, markdown="status")  # bot speaking
    webex.emulator.wait_idle()
    (event,) = eventually(lambda: [e for e in served.events() if e.status == "done"])
    assert event.error == "the bot's own message"
    assert webex.emulator.replies_to(own.id) == []
    assert [m["id"] for m in webex.emulator.messages_in(room_id)] == [own.id]
    fetched = [e for e in webex.emulator.exchanges if e.path == f"/v1/messages/{own.id}"]
    assert fetched == []  # dropped on the envelope's personId, before any fetch


def test_a_card_button_acts_for_an_admin_and_is_refused_for_support(http_chat):
    user = http_chat.served.provisioned_user()
    room_id = http_chat.room("Ops", SUPPORT_EMAIL)
    data = {"action": "user.package", "user": user.email, "package": "premium"}
    card = {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [{"type": "TextBlock", "text": user.email}],
        "actions": [{"type": "Action.Submit", "title": "Premium", "data": data}],
    }
    posted = http_chat.post_card(card, space=room_id)
    refused = http_chat.click(posted, data, as_=SUPPORT_EMAIL)
    assert refused.reply["parentId"] == posted["id"]
    assert http_chat.audit(AuditEntryRow.action.like("service.%")) == []
    (refusal,) = http_chat.audit(AuditEntryRow.actor == SUPPORT_EMAIL)
    assert (refusal.via, refusal.result) == ("card", "refused")
    done = http_chat.click(posted, data)
    (action,) = http_chat.audit(AuditEntryRow.action == "service.package")
    assert (action.actor, action.via, action.result) == (ADMIN_EMAIL, "card", "ok")
    assert done.markdown != refused.markdown
    assert http_chat.served.metrics.value(
        "onboard_commands_total", {"command": "user.package", "outcome": "refused"}
    )


def test_export_uploads_the_csv_as_a_separate_file_message(http_chat, webex):
    said = http_chat.say("export errors", replies=2)
    text, file = said.replies
    # Both delivered (the request log is written just after the reply), nothing else queued.
    assert [r.status for r in http_chat.served.outbox()] == ["delivered", "delivered"]
    assert text.get("markdown") and not text.get("files")
    assert len(file["files"]) == 1 and not file.get("attachments")
    uploads = [
        e
        for e in webex.emulator.exchanges
        if e.method == "POST" and (e.content_type or "").startswith("multipart/form-data")
    ]
    assert len(uploads) == 1
    content = requests.get(
        file["files"][0], headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=5
    )
    assert content.status_code == 200
    assert content.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark, for Excel
    header = content.content.decode("utf-8-sig").splitlines()[0]
    assert header.lower().startswith(("broadworks", "user", "email", "id"))


def test_health_readiness_and_metrics(webex, database, tmp_path):
    with serving_bot(webex, database, tmp_path) as served:
        assert requests.get(served.url + "/healthz", timeout=5).json() == {"status": "ok"}
        ready = requests.get(served.url + "/readyz", timeout=5)
        assert ready.status_code == 200, ready.text
        metrics = requests.get(served.url + "/metrics", timeout=5)
        assert "onboard_outbox_depth 0.0" in metrics.text
        assert "text/plain" in metrics.headers["Content-Type"]
    with serving_bot(webex, database, tmp_path, register=False) as served:
        for hook in webex.sdk().webhooks.list():
            webex.sdk().webhooks.delete(hook.id)
        # Webhooks are Webex's side: readiness stays, the full health check says what is wrong.
        assert requests.get(served.url + "/readyz", timeout=5).status_code == 200
        full = requests.get(served.url + "/healthz?full=1", timeout=5).json()
        assert "webhook messages/created is not registered" in full["webex"]["webhooks"]
