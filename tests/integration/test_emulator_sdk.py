"""The emulator through the real webexpythonsdk: people, rooms, messages, card actions, errors."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from webexpythonsdk import ApiError, RateLimitError
from webexpythonsdk.models.cards import AdaptiveCard, TextBlock
from webexpythonsdk.models.cards.actions import Submit

from tests.support.emulator import (
    ADMIN_EMAIL,
    ADMIN_TOKEN,
    BOT_EMAIL,
    BOT_NAME,
    running_emulator,
)
from tests.support.specs import SpecError, assert_webex_card_attachment, check_exchanges


@pytest.fixture
def webex():
    with running_emulator() as harness:
        yield harness


def test_people_me_get_and_list(webex):
    api = webex.sdk()
    me = api.people.me()
    assert (me.displayName, me.emails, me.type) == (BOT_NAME, [BOT_EMAIL], "bot")
    assert api.people.get(webex.admin["id"]).emails == [ADMIN_EMAIL]
    assert [p.id for p in api.people.list(email=ADMIN_EMAIL)] == [webex.admin["id"]]


def test_bad_token_is_401_with_webex_error_body(webex):
    with pytest.raises(ApiError) as caught:
        webex.sdk("nope").people.me()
    error = caught.value
    assert error.status_code == 401
    assert error.details["errors"][0]["description"] == error.message
    assert error.tracking_id


def test_markdown_with_card_round_trip(webex):
    api = webex.sdk()
    room = webex.group_room()
    card = AdaptiveCard(body=[TextBlock("Pending users")], actions=[Submit(title="Retry")])
    sent = api.messages.create(
        roomId=room["id"], text="fallback", markdown="**Pending**", attachments=[card]
    )
    fetched = api.messages.get(sent.id)
    assert (fetched.markdown, fetched.text, fetched.personEmail) == (
        "**Pending**",
        "fallback",
        BOT_EMAIL,
    )
    assert_webex_card_attachment(fetched.attachments[0])
    assert api.rooms.get(room["id"]).type == "group"


def test_text_over_7439_bytes_is_rejected(webex):
    api = webex.sdk()
    room = webex.direct_room()
    api.messages.create(roomId=room["id"], markdown="é" * 3719)  # 7438 bytes: fine
    with pytest.raises(ApiError) as caught:
        api.messages.create(roomId=room["id"], markdown="é" * 3720)
    assert caught.value.status_code == 400


def test_only_one_card_per_message(webex):
    api = webex.sdk()
    card = AdaptiveCard(body=[TextBlock("x")])
    with pytest.raises(ApiError) as caught:
        api.messages.create(toPersonEmail=ADMIN_EMAIL, text="two", attachments=[card, card])
    assert caught.value.status_code == 400


def test_local_file_is_uploaded_multipart_and_served(webex, tmp_path):
    api = webex.sdk()
    report = tmp_path / "pending.csv"
    report.write_text("email,status\nx@example.com,error\n")
    sent = api.messages.create(toPersonEmail=ADMIN_EMAIL, text="export", files=[str(report)])
    upload = webex.emulator.exchanges[-1]
    assert upload.content_type == "multipart/form-data"
    assert upload.body["files"]["filename"] == "pending.csv"
    response = api._session.request("GET", sent.files[0], 200)
    assert response.content == report.read_bytes()


def test_threads_pagination_and_delete(webex):
    api = webex.sdk()
    room = webex.group_room()
    root = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
    replies = [
        api.messages.create(roomId=room["id"], parentId=root["id"], text=f"page {i}")
        for i in range(5)
    ]
    listed = list(api.messages.list(roomId=room["id"], parentId=root["id"], mentionedPeople="me"))
    assert listed == []  # the bot's replies don't mention the bot
    admin = webex.sdk(ADMIN_TOKEN)
    listed = list(admin.messages.list(roomId=room["id"], parentId=root["id"], max=2))
    assert [m.id for m in listed] == [r.id for r in reversed(replies)]
    pages = [e for e in webex.emulator.exchanges if e.method == "GET" and e.query.get("max") == "2"]
    assert len(pages) == 3 and "Link" not in pages[-1].response_headers
    api.messages.delete(replies[0].id)
    with pytest.raises(ApiError) as caught:
        api.messages.get(replies[0].id)
    assert caught.value.status_code == 404
    assert [m["id"] for m in webex.emulator.replies_to(root["id"])] == [r.id for r in replies[1:]]


def test_bot_must_use_mentioned_people_in_group_rooms(webex):
    api = webex.sdk()
    room = webex.group_room()
    mentioned = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
    webex.emulator.send_as(ADMIN_EMAIL, room["id"], "chatter", mention_bot=False)
    with pytest.raises(ApiError) as caught:
        list(api.messages.list(roomId=room["id"]))
    assert caught.value.status_code == 403
    assert [m.id for m in api.messages.list(roomId=room["id"], mentionedPeople="me")] == [
        mentioned["id"]
    ]
    assert mentioned["text"] == f"{BOT_NAME} help"
    assert f'data-object-id="{webex.bot["id"]}"' in mentioned["html"]


def test_attachment_actions_create_and_get(webex):
    api = webex.sdk()
    room = webex.direct_room()
    card = AdaptiveCard(body=[TextBlock("Retry?")], actions=[Submit(title="Retry")])
    message = api.messages.create(roomId=room["id"], text="card", attachments=[card])
    created = webex.sdk(ADMIN_TOKEN).attachment_actions.create(
        type="submit", messageId=message.id, inputs={"email": "x@example.com"}
    )
    fetched = api.attachment_actions.get(created.id)
    assert (fetched.inputs["email"], fetched.personId, fetched.type) == (
        "x@example.com",
        webex.admin["id"],
        "submit",
    )
    clicked = webex.emulator.click(ADMIN_EMAIL, message.id, {"choice": "yes"})
    assert api.attachment_actions.get(clicked["id"]).messageId == message.id


def test_rate_limit_injection_gives_retry_after(webex):
    api = webex.sdk()
    webex.emulator.fail_next("POST", r"/messages$", 429, headers={"Retry-After": "3"})
    with pytest.raises(RateLimitError) as caught:
        api.messages.create(toPersonEmail=ADMIN_EMAIL, text="digest")
    assert caught.value.retry_after == 3
    api.messages.create(toPersonEmail=ADMIN_EMAIL, text="digest")  # the fault was used up
    statuses = [(e.status, e.injected) for e in webex.emulator.requests_by(BOT_EMAIL)]
    assert statuses == [(429, True), (200, False)]


def test_concurrent_api_calls_and_simulated_people(webex):
    api = webex.sdk()
    room = webex.direct_room()

    def bot_posts(i):
        return api.messages.create(roomId=room["id"], text=f"bot {i}").id

    def person_posts(i):
        return webex.emulator.send_as(ADMIN_EMAIL, room["id"], f"ana {i}")["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(bot_posts, range(40))) + list(pool.map(person_posts, range(40)))
    assert len(set(ids)) == 80
    assert len(webex.emulator.messages_in(room["id"])) == 80
    assert len(list(api.messages.list(roomId=room["id"], max=7))) == 80


def test_unknown_endpoint_is_404_and_flagged_by_the_spec_check(webex):
    with pytest.raises(ApiError) as caught:
        webex.sdk()._session.get("messages/abc/reactions")
    assert caught.value.status_code == 404
    with pytest.raises(SpecError, match="no such operation"):
        check_exchanges(webex.emulator.exchanges[-1:])
    webex.exempt_last()


def test_sdk_pagination_repeats_pages_when_before_message_is_passed(webex):
    # webexpythonsdk 2.0.6 _fix_next_url() overwrites the next link's beforeMessage with the
    # caller's original one, so list(beforeMessage=..) never ends: bot code must not do that.
    room = webex.direct_room()
    ids = [webex.emulator.send_as(ADMIN_EMAIL, room["id"], f"m{i}")["id"] for i in range(5)]
    listing = webex.sdk(ADMIN_TOKEN).messages.list(roomId=room["id"], beforeMessage=ids[-1], max=2)
    assert [m.text for m in itertools.islice(listing, 6)] == ["m3", "m2"] * 3
