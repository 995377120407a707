"""Card buttons round-trip: each Submit's data (with the card's inputs) goes through dispatch.

A click is simulated as Webex delivers it: the action's ``data`` merged with the values of the
inputs on its card and the cards it is shown inside, inputs winning (the Adaptive Cards rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot import cards
from bot.bootstrap import Bot
from commands import views as v
from commands.replies import Reply
from onboarding.clock import ManualClock
from onboarding.errors import NotFound
from onboarding.model import Package, ProvisioningStatus, StatusGroup
from tests.support.chat import ADMIN, ADMIN2, SUPPORT, Chat, Said
from tests.support.chat import chat_bot as build_chat_bot
from tests.unit.test_cards import NOW, check, first_sub


@pytest.fixture
def chat_bot(sqlite_database, tmp_path) -> Bot:
    return build_chat_bot(sqlite_database, ManualClock(NOW), tmp_path)


Click = tuple[dict[str, Any], dict[str, str]]  # an Action.Submit and its card's input values

_INPUTS = ("Input.Text", "Input.ChoiceSet", "Input.Toggle", "Input.Number")


def _inputs(elements: list[Any]) -> dict[str, str]:
    """Input values in a card body (not inside its show-cards)."""
    out: dict[str, str] = {}
    stack: list[Any] = list(elements)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") in _INPUTS and "id" in node:
                out[node["id"]] = str(node.get("value", ""))
            stack += [val for key, val in node.items() if key not in ("actions", "selectAction")]
        elif isinstance(node, list):
            stack += node
    return out


def _body_actions(elements: list[Any]) -> list[dict[str, Any]]:
    """The buttons of the ActionSets in a card body (not inside its show-cards), in order."""
    out: list[dict[str, Any]] = []
    for node in elements:
        if not isinstance(node, dict):
            continue
        if node.get("type") == "ActionSet":
            out += node["actions"]
        for key in ("items", "columns"):
            out += _body_actions(node.get(key, []))
    return out


def clicks(card: dict[str, Any], outer: dict[str, str] | None = None) -> Iterator[Click]:
    """Every Submit on a card (show-cards and body action sets included) with its inputs."""
    values = {**(outer or {}), **_inputs(card.get("body", []))}
    for action in [*_body_actions(card.get("body", [])), *card.get("actions", [])]:
        if action["type"] == "Action.Submit":
            yield action, values
        elif action["type"] == "Action.ShowCard":
            yield from clicks(action["card"], values)


def find(card: dict[str, Any], action: str) -> Click:
    (found,) = [c for c in clicks(card) if c[0]["data"]["action"] == action]
    return found


def click(chat: Chat, found: Click, *, who: str = ADMIN, **typed: str) -> Said:
    """Press the button ``found`` as ``who``, with ``typed`` in the card's inputs."""
    action, values = found
    inputs = {**action["data"], **values, **typed}
    return chat.click(inputs["action"], inputs, who=who)


def card_of(reply: Reply, locale: str = "en") -> dict[str, Any]:
    return check(cards.render_card(reply.view, locale))


def test_every_read_only_button_on_every_card_runs(chat):
    err = first_sub(chat)
    stuck = chat.say("stuck 0").view
    replies = [
        chat.say("status"),
        chat.say("status all page 2"),
        chat.say(f"status {err.id}", who=SUPPORT),
        chat.say("help"),
        chat.say("help status"),
        chat.say("templates"),
        chat.say("states"),
        chat.say(f"state {stuck.users[0].user.email}"),
        chat.say("explain neoverno"),
        chat.say("stat"),
        chat.say("export errors"),
        chat.say("digest now"),
        Reply(stuck),
    ]
    customer = replies[5].view.rows[0].summary.customer.id
    replies.append(chat.say(f"template check {customer}"))
    safe = {
        "status.list",
        "user.status",
        "user.error",
        "template.check",
        "user.state",
        "state.explain",
        "digest.now",
    }
    ran = set()
    for reply in replies:
        for found in clicks(card_of(reply)):
            name = found[0]["data"]["action"]
            if name not in safe:
                continue
            result = click(chat, found)
            assert result.ok, (name, result.view)
            ran.add(name)
    assert ran == safe


def test_page_buttons_carry_the_filters_and_the_page(chat):
    first = chat.say("status all")
    page2 = click(chat, _nav(first, "Next page ▶"))
    assert isinstance(page2.view, v.StatusListView)
    assert page2.view.page.page == 2 and page2.view.query.include_provisioned
    back = click(chat, _nav(page2, "◀ Previous page"))
    assert isinstance(back.view, v.StatusListView) and back.view.page.page == 1
    assert back.view.page.items == first.view.page.items


def _nav(reply: Reply, title: str) -> Click:
    (found,) = [c for c in clicks(card_of(reply)) if c[0]["title"] == title]
    return found


def test_apply_runs_the_typed_filters(chat):
    apply = _nav(chat.say("status customer novlog-cz"), "Apply")
    assert apply[1]["customer"] == "novlog-cz"  # starts from the current filters
    reply = click(chat, apply, filters="errors page 2")
    view = reply.view
    assert isinstance(view, v.StatusListView)
    assert view.query.groups == frozenset({StatusGroup.ERROR}) and view.page.page == 2


def test_open_shows_the_user_picked(chat):
    listing = chat.say("status")
    second = listing.view.page.items[1]
    reply = click(chat, find(card_of(listing), "user.status"), user=second.id)
    assert isinstance(reply.view, v.UserDetailView) and reply.view.subscriber.id == second.id


def test_retry_activation_with_the_email_typed_retries(chat):
    sub = first_sub(chat)
    detail = card_of(chat.say(f"status {sub.id}"))
    retry = find(detail, "user.retry")
    reply = click(chat, retry, email="jana.new@novlog.example")
    assert reply.ok and isinstance(reply.view, v.ActionResultView)
    assert reply.view.action == "retry"
    after = chat.bot.service.find_subscriber(sub.id)
    assert after.email == "jana.new@novlog.example"
    assert after.status is ProvisioningStatus.PENDING_EMAIL_VALIDATION
    result = card_of(reply)
    assert click(chat, find(result, "user.status")).view.subscriber.id == sub.id


def test_retry_with_a_bad_email_is_refused_by_the_server(chat):
    sub = first_sub(chat)
    retry = find(card_of(chat.say(f"status {sub.id}")), "user.retry")
    reply = click(chat, retry, email="not-an-email")
    assert not reply.ok and isinstance(reply.view, v.ErrorView)
    assert reply.view.kind is v.ErrorKind.BAD_INPUT
    assert chat.bot.service.find_subscriber(sub.id).status is ProvisioningStatus.ERROR
    check(cards.render_card(reply.view, "cs"))


def test_change_package_type(chat):
    sub = first_sub(chat, "provisioned")
    target = next(p for p in Package if p is not sub.package)
    package = find(card_of(chat.say(f"status {sub.id}")), "user.package")
    assert package[1]["package"] == sub.package.value  # the current one is preselected
    reply = click(chat, package, package=target.value)
    assert reply.ok and isinstance(reply.view, v.ActionResultView)
    assert chat.bot.service.find_subscriber(sub.id).package is target


def test_copy_error_text_posts_a_plain_message(chat):
    sub = first_sub(chat)
    reply = click(chat, find(card_of(chat.say(f"status {sub.id}")), "user.error"), who=SUPPORT)
    assert isinstance(reply.view, v.ErrorTextView)
    assert cards.render_card(reply.view, "en") is None
    assert f"```\n{sub.error_text}\n```" in cards.render_markdown(reply.view, "en")


def test_delete_asks_then_confirm_deletes_and_a_second_click_does_nothing(chat):
    sub = first_sub(chat)
    asked = click(chat, find(card_of(chat.say(f"status {sub.id}")), "user.delete"))
    assert isinstance(asked.view, v.ConfirmView)
    confirm_card = card_of(asked)
    confirm = find(confirm_card, "confirm")
    assert confirm[0]["style"] == "destructive" and confirm[0]["data"]["code"] == asked.view.code
    done = click(chat, confirm)
    assert done.ok and isinstance(done.view, v.ActionResultView) and done.view.action == "delete"
    with pytest.raises(NotFound):
        chat.bot.service.find_subscriber(sub.id)
    check(cards.render_card(done.view, "cs"))
    again = click(chat, confirm)
    assert not again.ok and again.view.key == "confirm.used"
    assert not click(chat, find(confirm_card, "cancel")).ok


def test_cancel_drops_the_delete(chat):
    sub = first_sub(chat)
    asked = click(chat, find(card_of(chat.say(f"status {sub.id}")), "user.delete"))
    confirm_card = card_of(asked)
    dropped = click(chat, find(confirm_card, "cancel"))
    assert dropped.ok and isinstance(dropped.view, v.NoticeView)
    late = click(chat, find(confirm_card, "confirm"))
    assert not late.ok and late.view.key == "confirm.used"
    assert chat.bot.service.find_subscriber(sub.id).id == sub.id


def test_a_stale_or_forwarded_confirm_does_nothing(chat):
    sub = first_sub(chat)
    asked = click(chat, find(card_of(chat.say(f"status {sub.id}")), "user.delete"))
    confirm = find(card_of(asked), "confirm")
    other = click(chat, confirm, who=ADMIN2)
    assert not other.ok and other.view.key == "confirm.not_yours"
    chat.bot.clock.advance(timedelta(hours=1))
    stale = click(chat, confirm)
    assert not stale.ok and stale.view.key == "confirm.expired"
    assert chat.bot.service.find_subscriber(sub.id).id == sub.id


def test_support_staff_cannot_use_an_admins_delete_button(chat):
    sub = first_sub(chat)
    delete = find(card_of(chat.say(f"status {sub.id}")), "user.delete")
    refused = click(chat, delete, who=SUPPORT)
    assert refused.view.kind is v.ErrorKind.FORBIDDEN
    assert chat.bot.service.find_subscriber(sub.id).id == sub.id


def test_resend_from_a_not_verified_users_state(chat):
    stuck = chat.say("stuck 0").view
    user = next(s.user for s in stuck.users if s.user.state.value == "not_verified")
    resend = find(card_of(chat.say(f"state {user.email}")), "user.resend")
    reply = click(chat, resend)
    assert reply.ok and isinstance(reply.view, v.ActionResultView)
    assert reply.view.action == "resend"
    check(cards.render_card(reply.view, "en"))
    everyone = click(chat, find(card_of(Reply(stuck)), "user.resend"))
    assert isinstance(everyone.view, v.ConfirmView | v.ActionResultView)


def test_a_suggested_command_runs_only_when_read_only(chat):
    reply = chat.say("stat")
    buttons = list(clicks(card_of(reply)))
    assert buttons and {b[0]["data"]["action"] for b in buttons} == {"status.list"}
    assert click(chat, buttons[0]).ok
    explain = chat.say("explain neoverno")
    button = next(clicks(card_of(explain)))
    assert isinstance(click(chat, button).view, v.ExplainView)
    # "delete" is close to "delet" but destructive: suggested in words, never as a button
    assert not list(clicks(card_of(chat.say("delet x"))))
