"""Webhooks on the emulator: CRUD via the SDK, signed delivery, filters, retries, deactivation."""

from __future__ import annotations

import json

import pytest
from webexpythonsdk import ApiError

from tests.support.emulator import (
    ADMIN_EMAIL,
    ADMIN_TOKEN,
    BOT_EMAIL,
    WebhookReceiver,
    running_emulator,
)
from tests.support.specs import SpecError, check_exchanges

SECRET = "s3cr3t-webhook-key"


@pytest.fixture
def webex():
    with running_emulator(deactivate_after_failures=3) as harness:
        yield harness


@pytest.fixture
def receiver():
    target = WebhookReceiver()
    yield target
    target.close()


def register(webex, receiver, resource="messages", filter=None, secret=SECRET):
    return webex.sdk().webhooks.create(
        name=f"{resource} {filter}",
        targetUrl=receiver.url,
        resource=resource,
        event="created",
        filter=filter,
        secret=secret,
    )


def test_webhook_crud_is_scoped_to_the_token_owner(webex, receiver):
    api = webex.sdk()
    hook = register(webex, receiver, filter="roomType=direct")
    assert (hook.status, hook.filter, hook.ownedBy) == ("active", "roomType=direct", "creator")
    assert [h.id for h in api.webhooks.list()] == [hook.id]
    assert list(webex.sdk(ADMIN_TOKEN).webhooks.list()) == []
    with pytest.raises(ApiError) as caught:
        webex.sdk(ADMIN_TOKEN).webhooks.get(hook.id)
    assert caught.value.status_code == 404
    renamed = api.webhooks.update(hook.id, name="renamed", targetUrl=receiver.url)
    assert api.webhooks.get(hook.id).name == renamed.name == "renamed"
    with pytest.raises(ApiError) as caught:
        api.webhooks.update(hook.id, name="x", targetUrl=receiver.url, status="inactive")
    assert caught.value.status_code == 400
    with pytest.raises(SpecError, match="'inactive' is not one of"):
        check_exchanges(webex.emulator.exchanges[-1:])
    webex.exempt_last()
    api.webhooks.delete(hook.id)
    assert list(api.webhooks.list()) == []


def test_bad_filters_are_rejected(webex, receiver):
    other_room = webex.emulator.create_room("not mine", "group", [ADMIN_EMAIL])
    for bad in ("colour=blue", f"roomId={other_room['id']}"):
        with pytest.raises(ApiError) as caught:
            register(webex, receiver, filter=bad)
        assert caught.value.status_code == 400


def test_delivery_is_signed_over_raw_bytes_and_carries_ids_only(webex, receiver):
    hook = register(webex, receiver)
    room = webex.direct_room()
    sent = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
    [post] = receiver.wait_for(1)
    assert post.signature_ok(SECRET) and not post.signature_ok("wrong")
    envelope = json.loads(post.body)
    assert {k: envelope[k] for k in ("id", "resource", "event", "actorId", "createdBy")} == {
        "id": hook.id,
        "resource": "messages",
        "event": "created",
        "actorId": webex.admin["id"],
        "createdBy": webex.bot["id"],
    }
    assert set(envelope) >= {"name", "targetUrl", "orgId", "appId", "ownedBy", "status", "created"}
    assert envelope["data"]["id"] == sent["id"]
    assert "text" not in envelope["data"] and "html" not in envelope["data"]
    assert webex.sdk().messages.get(envelope["data"]["id"]).text == "status pending"


def test_group_messages_reach_the_bot_only_when_mentioned(webex, receiver):
    register(webex, receiver)
    room = webex.group_room()
    webex.emulator.send_as(ADMIN_EMAIL, room["id"], "lunch?", mention_bot=False)
    mentioned = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
    webex.emulator.wait_idle()
    assert [e["data"]["id"] for e in receiver.envelopes()] == [mentioned["id"]]
    assert receiver.envelopes()[0]["data"]["mentionedPeople"] == [webex.bot["id"]]


def test_filters_route_direct_and_mention_events(webex, receiver):
    direct_hook = register(webex, receiver, filter="roomType=direct")
    mention_hook = register(webex, receiver, filter="mentionedPeople=me")
    by_admin = register(webex, receiver, filter=f"personEmail={ADMIN_EMAIL}")
    webex.emulator.add_person("bo@example.com", "Bo Builder")
    group = webex.group_room("ops", "bo@example.com")
    direct = webex.direct_room()
    webex.emulator.send_as(ADMIN_EMAIL, direct["id"], "hi")
    webex.emulator.send_as("bo@example.com", group["id"], "status")
    webex.emulator.wait_idle()
    routed = sorted((e["id"], e["data"]["roomType"]) for e in receiver.envelopes())
    expected = [(direct_hook.id, "direct"), (mention_hook.id, "group"), (by_admin.id, "direct")]
    assert routed == sorted(expected)


def test_own_post_in_direct_room_fires_too(webex, receiver):
    register(webex, receiver)
    webex.sdk().messages.create(toPersonEmail=ADMIN_EMAIL, text="Digest ready")
    [post] = receiver.wait_for(1)
    assert json.loads(post.body)["data"]["personId"] == webex.bot["id"]


def test_card_click_sends_action_ids_but_not_inputs(webex, receiver):
    register(webex, receiver, resource="attachmentActions")
    card = {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": "?"}]}
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    message = webex.sdk().messages.create(
        toPersonEmail=ADMIN_EMAIL, text="card", attachments=[attachment]
    )
    action = webex.emulator.click(ADMIN_EMAIL, message.id, {"secret_input": "hunter2"})
    [post] = receiver.wait_for(1)
    data = json.loads(post.body)["data"]
    assert data == {
        k: action[k] for k in ("id", "type", "messageId", "personId", "roomId", "created")
    }
    assert b"hunter2" not in post.body
    assert webex.sdk().attachment_actions.get(data["id"]).inputs["secret_input"] == "hunter2"


def test_redelivery_repeats_the_exact_envelope(webex, receiver):
    register(webex, receiver)
    webex.emulator.send_as(ADMIN_EMAIL, webex.direct_room()["id"], "retry ana@example.com")
    first = webex.emulator.wait_for(lambda: [d for d in webex.emulator.deliveries() if d.done])[0]
    copies = webex.emulator.deliver_again(first.id, times=2)
    posts = receiver.wait_for(3)
    assert len({(p.body, p.headers["X-Spark-Signature"]) for p in posts}) == 1
    assert [c.redelivery_of for c in copies] == [first.id, first.id]


def test_failing_target_is_deactivated_and_can_be_reactivated(webex, receiver):
    api = webex.sdk()
    hook = register(webex, receiver)
    room = webex.direct_room()
    receiver.status = 500
    for i in range(4):
        webex.emulator.send_as(ADMIN_EMAIL, room["id"], f"message {i}")
    # The predicate calls the emulator over HTTP: wait_for must not hold its lock meanwhile.
    webex.emulator.wait_for(lambda: api.webhooks.get(hook.id).status == "inactive")
    webex.emulator.wait_idle()
    assert len(receiver.received) == 3  # the fourth event was not sent to an inactive hook
    outcomes = [(d.status, d.skipped) for d in webex.emulator.deliveries(webhook_id=hook.id)]
    assert outcomes == [(500, False)] * 3 + [(None, True)]
    receiver.status = 200
    assert api.webhooks.update(hook.id, name=hook.name, targetUrl=receiver.url, status="active")
    webex.emulator.send_as(ADMIN_EMAIL, room["id"], "back again")
    receiver.wait_for(4)
    assert api.webhooks.get(hook.id).status == "active"


def test_a_stub_bot_round_trip_with_wait_for_message(webex):
    api = webex.sdk()

    def reply(post):
        message = api.messages.get(json.loads(post.body)["data"]["id"])
        if message.personEmail != BOT_EMAIL:
            api.messages.create(roomId=message.roomId, parentId=message.id, markdown="**on it**")

    receiver = WebhookReceiver(on_post=reply)
    try:
        register(webex, receiver)
        room = webex.group_room()
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
        answer = webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL)
        assert (answer["parentId"], answer["markdown"]) == (asked["id"], "**on it**")
        assert webex.emulator.replies_to(asked["id"]) == [answer]
    finally:
        receiver.close()


def test_wait_for_times_out_quickly(webex):
    with pytest.raises(TimeoutError):
        webex.emulator.wait_for(lambda: False, timeout=0.1)
