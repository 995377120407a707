"""Card buttons round-trip: each Submit's data (with the card's inputs) runs through run_action.

A click is simulated as Webex delivers it: the action's ``data`` merged with the values of the
inputs on its card and the cards it is shown inside, inputs winning (the Adaptive Cards rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot import cards
from bot.bootstrap import Bot, build_bot
from bot.settings import Settings
from commands import views as v
from commands.registry import Role
from commands.replies import Reply
from commands.runner import run_action
from onboarding.clock import ManualClock
from onboarding.errors import NotFound
from onboarding.model import Package, ProvisioningStatus, StatusGroup
from tests.unit.test_cards import ADMIN, NOW, ask, check, context, first_sub


@pytest.fixture
def bot(sqlite_database, tmp_path) -> Bot:
    settings = Settings(files_dir=tmp_path / "files")
    return build_bot(settings, db=sqlite_database, clock=ManualClock(NOW), migrate=False)


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


def clicks(card: dict[str, Any], outer: dict[str, str] | None = None) -> Iterator[Click]:
    """Every Submit on a card (show-cards included) with the inputs it gathers."""
    values = {**(outer or {}), **_inputs(card.get("body", []))}
    for action in card.get("actions", []):
        if action["type"] == "Action.Submit":
            yield action, values
        elif action["type"] == "Action.ShowCard":
            yield from clicks(action["card"], values)


def find(card: dict[str, Any], action: str) -> Click:
    (found,) = [c for c in clicks(card) if c[0]["data"]["action"] == action]
    return found


def click(bot: Bot, found: Click, role: Role = Role.ADMIN, who: str = ADMIN, **typed: str) -> Reply:
    action, values = found
    inputs = {**action["data"], **values, **typed}
    return run_action(inputs["action"], inputs, context(bot, role, who)).reply


def card_of(reply: Reply, locale: str = "en") -> dict[str, Any]:
    return check(cards.render_card(reply.view, locale))


def test_every_read_only_button_on_every_card_runs(bot):
    err = first_sub(bot)
    stuck = ask(bot, "stuck 0").view
    replies = [
        ask(bot, "status"),
        ask(bot, "status all page 2"),
        ask(bot, f"status {err.id}", role=Role.SUPPORT),
        ask(bot, "help"),
        ask(bot, "help status"),
        ask(bot, "templates"),
        ask(bot, "states"),
        ask(bot, f"state {stuck.users[0].user.email}"),
        ask(bot, "explain neoverno"),
        ask(bot, "stat"),
        ask(bot, "export errors"),
        ask(bot, "digest now"),
        Reply(stuck),
    ]
    customer = replies[5].view.rows[0].summary.customer.id
    replies.append(ask(bot, f"template check {customer}"))
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
            result = click(bot, found)
            assert result.ok, (name, result.view)
            ran.add(name)
    assert ran == safe


def test_page_buttons_carry_the_filters_and_the_page(bot):
    first = ask(bot, "status all")
    page2 = click(bot, _nav(first, "Next page ▶"))
    assert isinstance(page2.view, v.StatusListView)
    assert page2.view.page.page == 2 and page2.view.query.include_provisioned
    back = click(bot, _nav(page2, "◀ Previous page"))
    assert isinstance(back.view, v.StatusListView) and back.view.page.page == 1
    assert back.view.page.items == first.view.page.items


def _nav(reply: Reply, title: str) -> Click:
    (found,) = [c for c in clicks(card_of(reply)) if c[0]["title"] == title]
    return found


def test_apply_runs_the_typed_filters(bot):
    apply = _nav(ask(bot, "status customer novlog-cz"), "Apply")
    assert apply[1]["customer"] == "novlog-cz"  # starts from the current filters
    reply = click(bot, apply, filters="errors page 2")
    view = reply.view
    assert isinstance(view, v.StatusListView)
    assert view.query.groups == frozenset({StatusGroup.ERROR}) and view.page.page == 2


def test_open_shows_the_user_picked(bot):
    listing = ask(bot, "status")
    second = listing.view.page.items[1]
    reply = click(bot, find(card_of(listing), "user.status"), user=second.id)
    assert isinstance(reply.view, v.UserDetailView) and reply.view.subscriber.id == second.id


def test_retry_activation_with_the_email_typed_retries(bot):
    sub = first_sub(bot)
    detail = card_of(ask(bot, f"status {sub.id}"))
    retry = find(detail, "user.retry")
    reply = click(bot, retry, email="jana.new@novlog.example")
    assert reply.ok and isinstance(reply.view, v.ActionResultView)
    assert reply.view.action == "retry"
    after = bot.service.find_subscriber(sub.id)
    assert after.email == "jana.new@novlog.example"
    assert after.status is ProvisioningStatus.PENDING_EMAIL_VALIDATION
    result = card_of(reply)
    assert click(bot, find(result, "user.status")).view.subscriber.id == sub.id


def test_retry_with_a_bad_email_is_refused_by_the_server(bot):
    sub = first_sub(bot)
    retry = find(card_of(ask(bot, f"status {sub.id}")), "user.retry")
    reply = click(bot, retry, email="not-an-email")
    assert not reply.ok and isinstance(reply.view, v.ErrorView)
    assert reply.view.kind is v.ErrorKind.BAD_INPUT
    assert bot.service.find_subscriber(sub.id).status is ProvisioningStatus.ERROR
    check(cards.render_card(reply.view, "cs"))


def test_change_package_type(bot):
    sub = first_sub(bot, "provisioned")
    target = next(p for p in Package if p is not sub.package)
    package = find(card_of(ask(bot, f"status {sub.id}")), "user.package")
    assert package[1]["package"] == sub.package.value  # the current one is preselected
    reply = click(bot, package, package=target.value)
    assert reply.ok and isinstance(reply.view, v.ActionResultView)
    assert bot.service.find_subscriber(sub.id).package is target


def test_copy_error_text_posts_a_plain_message(bot):
    sub = first_sub(bot)
    reply = click(bot, find(card_of(ask(bot, f"status {sub.id}")), "user.error"), Role.SUPPORT)
    assert isinstance(reply.view, v.ErrorTextView)
    assert cards.render_card(reply.view, "en") is None
    assert f"```\n{sub.error_text}\n```" in cards.render_markdown(reply.view, "en")


def test_delete_asks_then_confirm_deletes_and_a_second_click_does_nothing(bot):
    sub = first_sub(bot)
    asked = click(bot, find(card_of(ask(bot, f"status {sub.id}")), "user.delete"))
    assert isinstance(asked.view, v.ConfirmView)
    confirm_card = card_of(asked)
    confirm = find(confirm_card, "confirm")
    assert confirm[0]["style"] == "destructive" and confirm[0]["data"]["code"] == asked.view.code
    done = click(bot, confirm)
    assert done.ok and isinstance(done.view, v.ActionResultView) and done.view.action == "delete"
    with pytest.raises(NotFound):
        bot.service.find_subscriber(sub.id)
    check(cards.render_card(done.view, "cs"))
    again = click(bot, confirm)
    assert not again.ok and again.view.key == "confirm.used"
    assert not click(bot, find(confirm_card, "cancel")).ok


def test_cancel_drops_the_delete(bot):
    sub = first_sub(bot)
    asked = click(bot, find(card_of(ask(bot, f"status {sub.id}")), "user.delete"))
    confirm_card = card_of(asked)
    dropped = click(bot, find(confirm_card, "cancel"))
    assert dropped.ok and isinstance(dropped.view, v.NoticeView)
    late = click(bot, find(confirm_card, "confirm"))
    assert not late.ok and late.view.key == "confirm.used"
    assert bot.service.find_subscriber(sub.id).id == sub.id


def test_a_stale_or_forwarded_confirm_does_nothing(bot):
    sub = first_sub(bot)
    asked = click(bot, find(card_of(ask(bot, f"status {sub.id}")), "user.delete"))
    confirm = find(card_of(asked), "confirm")
    other = click(bot, confirm, who="someone.else@partner.example")
    assert not other.ok and other.view.key == "confirm.not_yours"
    bot.clock.advance(timedelta(hours=1))
    stale = click(bot, confirm)
    assert not stale.ok and stale.view.key == "confirm.expired"
    assert bot.service.find_subscriber(sub.id).id == sub.id


def test_support_staff_cannot_use_an_admins_delete_button(bot):
    sub = first_sub(bot)
    delete = find(card_of(ask(bot, f"status {sub.id}")), "user.delete")
    refused = click(bot, delete, Role.SUPPORT, who="support@partner.example")
    assert refused.view.kind is v.ErrorKind.FORBIDDEN
    assert bot.service.find_subscriber(sub.id).id == sub.id


def test_resend_from_a_not_verified_users_state(bot):
    stuck = ask(bot, "stuck 0").view
    user = next(s.user for s in stuck.users if s.user.state.value == "not_verified")
    resend = find(card_of(ask(bot, f"state {user.email}")), "user.resend")
    reply = click(bot, resend)
    assert reply.ok and isinstance(reply.view, v.ActionResultView)
    assert reply.view.action == "resend"
    check(cards.render_card(reply.view, "en"))
    everyone = click(bot, find(card_of(Reply(stuck)), "user.resend"))
    assert isinstance(everyone.view, v.ConfirmView | v.ActionResultView)


def test_a_suggested_command_runs_only_when_read_only(bot):
    reply = ask(bot, "stat")
    buttons = list(clicks(card_of(reply)))
    assert buttons and {b[0]["data"]["action"] for b in buttons} == {"status.list"}
    assert click(bot, buttons[0]).ok
    explain = ask(bot, "explain neoverno")
    button = next(clicks(card_of(explain)))
    assert isinstance(click(bot, button).view, v.ExplainView)
    # "delete" is close to "delet" but destructive: suggested in words, never as a button
    assert not list(clicks(card_of(ask(bot, "delet x"))))
