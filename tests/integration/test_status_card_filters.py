"""The status card's filter form, ``status --refresh``, and role-aware state cards (sandbox).

The filter form sends structured inputs (``status``, ``customer``, ``search``,
``exclude_provisioned``) besides the free ``filters`` text; the server checks them like typed
filters. ``status --refresh`` makes the provider sync now. A user's state card offers *Resend*
only to someone who may resend.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot import cards
from bot.bootstrap import Bot
from bot.cards import _ac as ac
from commands import views as v
from commands.replies import Reply
from onboarding.clock import ManualClock
from onboarding.model import ControlHubState, ProvisioningStatus, StatusGroup
from tests.support.chat import ADMIN, SUPPORT, VIEWER, Chat, Said
from tests.support.chat import chat_bot as build_chat_bot
from tests.unit.test_cards import NOW, card_text, check, walk
from tests.unit.test_cards_actions import Click, card_of, click, clicks

ERRORS = frozenset({StatusGroup.ERROR})
CUSTOMER = "novlog-cz"


@pytest.fixture
def chat_bot(sqlite_database: Any, tmp_path: Any) -> Bot:
    """The bot on the sandbox provider, its clock standing still."""
    return build_chat_bot(sqlite_database, ManualClock(NOW), tmp_path)


def listing(reply: Reply | Said) -> v.StatusListView:
    """The list a reply shows (fails on anything else, with the reply)."""
    assert isinstance(reply.view, v.StatusListView), reply
    return reply.view


def list_action(chat: Chat, *, who: str = VIEWER, **inputs: object) -> Said:
    """Click ``status.list`` with these inputs."""
    return chat.click("status.list", inputs, who=who)


def apply_button(reply: Reply | Said) -> Click:
    """The filter form's *Apply* with the inputs its card holds."""
    (found,) = [c for c in clicks(card_of(reply)) if c[0]["title"] == "Apply"]
    return found


def form_inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The filter form's inputs by id."""
    ids = ("status", "customer", "search", "exclude_provisioned", "filters")
    return {n["id"]: n for n in walk(card) if n.get("id") in ids}


# --- (a) structured filter inputs ---------------------------------------------------------------


def test_structured_inputs_filter_like_typed_words(chat: Chat) -> None:
    clicked = listing(list_action(chat, status="errors", customer=CUSTOMER))
    typed = listing(chat.say(f"status errors customer {CUSTOMER}"))
    assert clicked.query == typed.query
    assert clicked.query.groups == ERRORS and clicked.query.customer == CUSTOMER
    assert [s.id for s in clicked.page.items] == [s.id for s in typed.page.items]
    assert clicked.words == typed.words  # so the page buttons carry them on


def test_an_exact_status_and_search_text(chat: Chat) -> None:
    sub = listing(chat.say("status pending")).page.items[0]
    view = listing(list_action(chat, status=sub.status.value, search=sub.last_name))
    assert view.query.statuses == frozenset({sub.status})
    assert view.query.text == sub.last_name
    assert sub.id in [s.id for s in view.page.items]


def test_a_single_search_word_is_never_taken_for_a_user(chat: Chat) -> None:
    sub = listing(chat.say("status errors")).page.items[0]
    assert sub.email is not None
    typed = chat.say(f"status {sub.email}")
    assert isinstance(typed.view, v.UserDetailView)  # typed: the lone word is the user
    searched = listing(list_action(chat, search=sub.email))
    assert searched.query.text == sub.email


def test_exclude_provisioned_toggle(chat: Chat) -> None:
    shown = listing(list_action(chat, exclude_provisioned="false"))
    assert shown.query.include_provisioned
    assert shown.page.total > listing(chat.say("status")).page.total
    hidden = listing(list_action(chat, filters="all", exclude_provisioned="TRUE"))
    assert not hidden.query.include_provisioned
    # An explicit status wins over the toggle.
    provisioned = listing(list_action(chat, status="provisioned", exclude_provisioned="true"))
    assert provisioned.query.groups == frozenset({StatusGroup.PROVISIONED})
    assert {s.status for s in provisioned.page.items} == {ProvisioningStatus.PROVISIONED}


def test_structured_inputs_win_over_the_free_text_and_keep_the_page(chat: Chat) -> None:
    view = listing(list_action(chat, filters="customer acme-cz page 2", customer=CUSTOMER))
    assert view.query.customer == CUSTOMER
    assert view.page.page == 2


@pytest.mark.parametrize(
    ("inputs", "bad"),
    [
        ({"status": "bogus"}, "bogus"),
        ({"status": "pending; drop"}, "pending; drop"),
        ({"exclude_provisioned": "yes"}, "yes"),
        ({"status": ["errors", "pending"]}, None),
    ],
    ids=["unknown-status", "status-with-junk", "toggle-not-boolean", "status-list"],
)
def test_bad_structured_inputs_are_refused_not_searched(
    chat: Chat, inputs: dict[str, object], bad: str | None
) -> None:
    reply = list_action(chat, who=ADMIN, **inputs)
    assert not reply.ok
    assert isinstance(reply.view, v.ErrorView)
    assert reply.view.kind is v.ErrorKind.BAD_INPUT
    if bad is not None:
        assert reply.view.messages[0].params["value"] == bad


def test_the_card_offers_the_filter_controls_and_applies_them(chat: Chat) -> None:
    reply = chat.say(f"status errors customer {CUSTOMER} package standard")
    card = check(cards.render_card(reply.view, "en"))
    inputs = form_inputs(card)
    assert inputs["status"]["type"] == "Input.ChoiceSet" and inputs["status"]["value"] == "errors"
    values = {c["value"] for c in inputs["status"]["choices"]}
    assert {"pending", "requests", "errors", "provisioned", "pending_email_input"} <= values
    assert inputs["customer"]["value"] == CUSTOMER
    assert inputs["exclude_provisioned"]["type"] == "Input.Toggle"
    assert inputs["exclude_provisioned"]["value"] == "true"
    assert inputs["filters"]["value"] == "package standard"  # what the controls don't hold
    assert "search" in inputs
    # Apply with the card as it is gives the same list back.
    same = listing(click(chat, apply_button(reply), who=VIEWER))
    assert same.query == listing(reply).query
    # Changing the controls changes the list; the new words feed the page buttons.
    changed = listing(
        click(chat, apply_button(reply), who=VIEWER, status="pending", exclude_provisioned="true")
    )
    assert changed.query.groups == frozenset({StatusGroup.PENDING, StatusGroup.ERROR})
    assert changed.query.customer == CUSTOMER and changed.query.package is not None
    new_card = check(cards.render_card(changed, "en"))
    assert form_inputs(new_card)["status"]["value"] == "pending"


def test_the_cards_in_czech_and_with_every_status_still_validate(chat: Chat) -> None:
    for words in ("", "all", "provisioned", "requests", "pending_email_input errors", "search x"):
        reply = chat.say(f"status {words}".strip())
        for locale in ("en", "cs"):
            check(cards.render_card(reply.view, locale))


# --- (b) status --refresh -----------------------------------------------------------------------


@pytest.fixture
def refreshes(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The ``force`` of every provider refresh."""
    calls: list[bool] = []
    provider = chat.bot.provider
    real = provider.refresh

    def spy(*, force: bool = False) -> Any:
        calls.append(force)
        return real(force=force)

    monkeypatch.setattr(provider, "refresh", spy)
    return calls


@pytest.mark.parametrize(
    "text", ["status --refresh", "status refresh errors", "status errors --refresh page 2"]
)
def test_refresh_forces_a_provider_sync_before_listing(
    chat: Chat, refreshes: list[bool], text: str
) -> None:
    view = listing(chat.say(text, who=VIEWER))
    assert refreshes[0] is True
    assert refreshes.count(True) == 1
    assert "--refresh" not in view.words and "refresh" not in view.words  # not on page buttons
    assert view.query.text is None


def test_refresh_then_a_user(chat: Chat, refreshes: list[bool]) -> None:
    sub = listing(chat.say("status errors")).page.items[0]
    refreshes.clear()
    reply = chat.say(f"status --refresh {sub.id}", who=VIEWER)
    assert isinstance(reply.view, v.UserDetailView) and reply.view.subscriber.id == sub.id
    assert refreshes[0] is True


def test_without_refresh_the_provider_is_not_forced(chat: Chat, refreshes: list[bool]) -> None:
    listing(chat.say("status errors"))
    assert refreshes and not any(refreshes)
    searched = listing(chat.say("status search refresh"))  # searching the word still works
    assert searched.query.text == "refresh"
    assert not any(refreshes)


# --- (c) state cards know the asker's role ------------------------------------------------------


def _not_verified_email(chat: Chat) -> str:
    stuck = chat.say("stuck 0").view
    assert isinstance(stuck, v.StuckView)
    return next(s.user.email for s in stuck.users if s.user.state is ControlHubState.NOT_VERIFIED)


@pytest.mark.parametrize(
    ("who", "offered"),
    [(ADMIN, True), (SUPPORT, False), (VIEWER, False)],
    ids=["admin", "support", "viewer"],
)
def test_resend_is_offered_only_to_those_who_may_resend(
    chat: Chat, who: str, offered: bool
) -> None:
    reply = chat.say(f"state {_not_verified_email(chat)}", who=who)
    assert isinstance(reply.view, v.UserStateView)
    assert ("user.resend" in reply.view.actions) is offered
    for locale in ("en", "cs"):
        card = check(cards.render_card(reply.view, locale))
        actions = {n["data"]["action"] for n in walk(card) if n.get("type") == "Action.Submit"}
        assert ("user.resend" in actions) is offered
        assert "state.explain" in actions


def test_no_resend_for_a_user_who_is_not_waiting_for_verification(chat: Chat) -> None:
    states = chat.say("stuck 0").view
    assert isinstance(states, v.StuckView)
    others = [s.user for s in states.users if s.user.state is not ControlHubState.NOT_VERIFIED]
    assert others, "the sandbox seeds stuck users in other states (delayed claim)"
    reply = chat.say(f"state {others[0].email}")
    assert isinstance(reply.view, v.UserStateView) and reply.view.actions == ()


# --- Partner Hub's *Export* of the list ---------------------------------------------------------


def _button(reply: Reply | Said, action: str) -> list[Click]:
    return [c for c in clicks(card_of(reply)) if c[0]["data"]["action"] == action]


@pytest.mark.parametrize("words", ["errors", f"all customer {CUSTOMER}", "errors page 2"])
def test_the_list_card_exports_what_it_lists(chat: Chat, words: str) -> None:
    shown = chat.say(f"status {words}", who=SUPPORT)
    (export,) = _button(shown, "export")
    assert export[0]["title"] == "Export"
    reply = click(chat, export, who=SUPPORT)
    assert reply.ok and reply.file is not None, reply
    rows = reply.file.path.read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == listing(shown).page.total  # every page of the list, no other user


def test_a_middle_page_keeps_its_page_buttons_and_types_the_export(chat: Chat) -> None:
    shown = chat.say("status all page 2", who=ADMIN)
    card = card_of(shown)
    assert ac.count_actions(card) == ac.MAX_ACTIONS
    assert {c[0]["title"] for c in clicks(card)} >= {"◀ Previous page", "Next page ▶"}
    assert _button(shown, "export") == []
    assert "Export this list: export all" in card_text(card)


def test_viewers_get_no_export_button(chat: Chat) -> None:
    shown = chat.say("status errors", who=VIEWER)
    assert _button(shown, "export") == []
    assert [c for c in clicks(card_of(shown)) if c[0]["title"] == "Export"] == []
