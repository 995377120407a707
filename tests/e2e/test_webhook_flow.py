"""Webhooks in, replies out: the bot over loopback HTTP against the Webex emulator and real SDK."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from bot.local.emulator import sign
from bot.settings import AccessSettings
from storage.models import AuditEntryRow
from tests.e2e.test_webhook_harness import SECRET, SUPPORT_EMAIL, bodies, envelope, serving_bot
from tests.support.emulator import ADMIN_EMAIL, ADMIN_TOKEN, BOT_EMAIL, eventually

ACCESS = AccessSettings(admins=(ADMIN_EMAIL,), support=(SUPPORT_EMAIL,))


def test_a_signed_webhook_gets_a_threaded_reply_without_the_mention(webex, database, tmp_path):
    room = webex.group_room()
    with serving_bot(webex, database, tmp_path) as served:
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
        assert asked["text"].startswith("Onboard Bot ")  # the client put the mention in front
        reply = webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, parent_id=asked["id"]
        )
        assert "pending" in reply["markdown"].lower()
        delivery = webex.emulator.deliveries()[0]
        assert delivery.status == 200
        (entry,) = served.audit(AuditEntryRow.via == "chat")
        assert entry.text == "status pending"
        assert entry.space_id == room["id"]
        assert served.metrics.value("onboard_webhooks_received_total", {"resource": "messages"})
        assert served.metrics.value(
            "onboard_commands_total", {"command": "status", "outcome": "ok"}
        )


def test_direct_messages_are_answered_in_the_room_unthreaded(webex, database, tmp_path):
    room = webex.direct_room()
    with serving_bot(webex, database, tmp_path):
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
        reply = webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL)
        assert "parentId" not in reply
        assert reply["created"] >= asked["created"]


def test_a_bad_signature_gets_401_stores_nothing_and_calls_no_webex(webex, database, tmp_path):
    room = webex.group_room()
    with serving_bot(webex, database, tmp_path) as served:
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
        served.wait_settled()
        body = envelope(webex, asked["id"])
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
        assert served.metrics.value(
            "onboard_webhooks_rejected_total", {"reason": "bad_signature"}
        ) == (3)


def test_five_deliveries_also_concurrent_give_one_reply_and_one_action(webex, database, tmp_path):
    room = webex.group_room()
    with serving_bot(webex, database, tmp_path) as served:
        user = served.provisioned_user()
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], f"package {user.email} premium")
        webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL, parent_id=asked["id"])
        first = webex.emulator.deliveries()[0]
        webex.emulator.deliver_again(first.id, times=4)  # Webex redelivering, one after another
        body = envelope(webex, asked["id"])
        with ThreadPoolExecutor(max_workers=5) as pool:  # and five at once
            answers = list(pool.map(lambda _: served.post_signed(body), range(5)))
        webex.emulator.wait_idle()
        assert {a.status_code for a in answers} == {200}
        assert all(d.status == 200 for d in webex.emulator.deliveries())
        assert len(webex.emulator.replies_to(asked["id"])) == 1
        actions = served.audit(AuditEntryRow.action == "service.package")
        assert [(a.target, a.result) for a in actions] == [(user.email, "ok")]
        assert len(served.events()) == 1
        assert served.metrics.value("onboard_webhooks_deduplicated_total") == 9
        assert len(bodies(webex, "POST", "/v1/messages")) == 1


def test_the_bots_own_messages_get_no_reply(webex, database, tmp_path):
    room = webex.direct_room()
    with serving_bot(webex, database, tmp_path) as served:
        own = webex.sdk().messages.create(roomId=room["id"], markdown="status")  # bot speaking
        webex.emulator.wait_idle()
        (event,) = eventually(lambda: [e for e in served.events() if e.status == "done"])
        assert event.error == "the bot's own message"
        assert webex.emulator.replies_to(own.id) == []
        assert [m["id"] for m in webex.emulator.messages_in(room["id"])] == [own.id]
        fetched = [e for e in webex.emulator.exchanges if e.path == f"/v1/messages/{own.id}"]
        assert fetched == []  # dropped on the envelope's personId, before any fetch


def test_a_card_button_acts_for_an_admin_and_is_refused_for_support(webex, database, tmp_path):
    webex.emulator.add_person(SUPPORT_EMAIL, "Sam Support")
    room = webex.group_room("Ops", SUPPORT_EMAIL)
    with serving_bot(webex, database, tmp_path, access=ACCESS) as served:
        user = served.provisioned_user()
        card = {
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [{"type": "TextBlock", "text": user.email}],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Premium",
                    "data": {"action": "user.package", "user": user.email, "package": "premium"},
                }
            ],
        }
        posted = webex.sdk().messages.create(
            roomId=room["id"],
            markdown="card",
            attachments=[
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        )
        data = card["actions"][0]["data"]
        webex.emulator.click(SUPPORT_EMAIL, posted.id, data)
        refused = webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, parent_id=posted.id
        )
        assert served.audit(AuditEntryRow.action.like("service.%")) == []
        (refusal,) = served.audit(AuditEntryRow.actor == SUPPORT_EMAIL)
        assert (refusal.via, refusal.result) == ("card", "refused")
        webex.emulator.click(ADMIN_EMAIL, posted.id, data)
        done = webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, parent_id=posted.id, after=refused["id"]
        )
        (action,) = served.audit(AuditEntryRow.action == "service.package")
        assert (action.actor, action.via, action.result) == (ADMIN_EMAIL, "card", "ok")
        assert done["markdown"] != refused["markdown"]
        assert served.metrics.value(
            "onboard_commands_total", {"command": "user.package", "outcome": "refused"}
        )


def test_export_uploads_the_csv_as_a_separate_file_message(webex, database, tmp_path):
    room = webex.group_room()
    with serving_bot(webex, database, tmp_path) as served:
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "export errors")
        replies = webex.emulator.wait_for(
            lambda: (r := webex.emulator.replies_to(asked["id"])) and len(r) == 2 and r
        )
        text, file = replies
        served.wait_settled(delivered=2)  # the request log is written just after the reply
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
