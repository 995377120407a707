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
from bot.bootstrap import Bot, build_bot
from bot.cards import _ac as ac
from bot.settings import Settings
from commands import views as v
from commands.registry import Role
from commands.replies import Reply
from commands.runner import run_action
from onboarding.clock import ManualClock
from onboarding.model import ControlHubState, ProvisioningStatus, StatusGroup
from tests.unit.test_cards import NOW, ask, card_text, check, context, walk
from tests.unit.test_cards_actions import Click, card_of, click, clicks

ERRORS = frozenset({StatusGroup.ERROR})
CUSTOMER = "novlog-cz"


@pytest.fixture
def bot(sqlite_database: Any, tmp_path: Any) -> Bot:
    """The bot on the sandbox provider, its clock standing still."""
    settings = Settings(files_dir=tmp_path / "files")
    return build_bot(settings, db=sqlite_database, clock=ManualClock(NOW), migrate=False)


def listing(reply: Reply) -> v.StatusListView:
    """The list a reply shows (fails on anything else, with the reply)."""
    assert isinstance(reply.view, v.StatusListView), reply
    return reply.view


def list_action(bot: Bot, *, role: Role = Role.VIEWER, **inputs: object) -> Reply:
    """Click ``status.list`` with these inputs."""
    return run_action("status.list", {"action": "status.list", **inputs}, context(bot, role))


def apply_button(reply: Reply) -> Click:
    """The filter form's *Apply* with the inputs its card holds."""
    (found,) = [c for c in clicks(card_of(reply)) if c[0]["title"] == "Apply"]
    return found


def form_inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The filter form's inputs by id."""
    ids = ("status", "customer", "search", "exclude_provisioned", "filters")
    return {n["id"]: n for n in walk(card) if n.get("id") in ids}


# --- (a) structured filter inputs ---------------------------------------------------------------


def test_structured_inputs_filter_like_typed_words(bot: Bot) -> None:
    clicked = listing(list_action(bot, status="errors", customer=CUSTOMER))
    typed = listing(ask(bot, f"status errors customer {CUSTOMER}"))
    assert clicked.query == typed.query
    assert clicked.query.groups == ERRORS and clicked.query.customer == CUSTOMER
    assert [s.id for s in clicked.page.items] == [s.id for s in typed.page.items]
    assert clicked.words == typed.words  # so the page buttons carry them on


def test_an_exact_status_and_search_text(bot: Bot) -> None:
    sub = listing(ask(bot, "status pending")).page.items[0]
    view = listing(list_action(bot, status=sub.status.value, search=sub.last_name))
    assert view.query.statuses == frozenset({sub.status})
    assert view.query.text == sub.last_name
    assert sub.id in [s.id for s in view.page.items]


def test_a_single_search_word_is_never_taken_for_a_user(bot: Bot) -> None:
    sub = listing(ask(bot, "status errors")).page.items[0]
    assert sub.email is not None
    typed = ask(bot, f"status {sub.email}")
    assert isinstance(typed.view, v.UserDetailView)  # typed: the lone word is the user
    searched = listing(list_action(bot, search=sub.email))
    assert searched.query.text == sub.email


def test_exclude_provisioned_toggle(bot: Bot) -> None:
    shown = listing(list_action(bot, exclude_provisioned="false"))
    assert shown.query.include_provisioned
    assert shown.page.total > listing(ask(bot, "status")).page.total
    hidden = listing(list_action(bot, filters="all", exclude_provisioned="TRUE"))
    assert not hidden.query.include_provisioned
    # An explicit status wins over the toggle.
    provisioned = listing(list_action(bot, status="provisioned", exclude_provisioned="true"))
    assert provisioned.query.groups == frozenset({StatusGroup.PROVISIONED})
    assert {s.status for s in provisioned.page.items} == {ProvisioningStatus.PROVISIONED}


def test_structured_inputs_win_over_the_free_text_and_keep_the_page(bot: Bot) -> None:
    view = listing(list_action(bot, filters="customer acme-cz page 2", customer=CUSTOMER))
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
    bot: Bot, inputs: dict[str, object], bad: str | None
) -> None:
    reply = run_action("status.list", {"action": "status.list", **inputs}, context(bot))
    assert not reply.ok
    assert isinstance(reply.view, v.ErrorView)
    assert reply.view.kind is v.ErrorKind.BAD_INPUT
    if bad is not None:
        assert reply.view.messages[0].params["value"] == bad


def test_the_card_offers_the_filter_controls_and_applies_them(bot: Bot) -> None:
    reply = ask(bot, f"status errors customer {CUSTOMER} package standard")
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
    same = listing(click(bot, apply_button(reply), Role.VIEWER))
    assert same.query == listing(reply).query
    # Changing the controls changes the list; the new words feed the page buttons.
    changed = listing(
        click(bot, apply_button(reply), Role.VIEWER, status="pending", exclude_provisioned="true")
    )
    assert changed.query.groups == frozenset({StatusGroup.PENDING, StatusGroup.ERROR})
    assert changed.query.customer == CUSTOMER and changed.query.package is not None
    new_card = check(cards.render_card(changed, "en"))
    assert form_inputs(new_card)["status"]["value"] == "pending"


def test_the_cards_in_czech_and_with_every_status_still_validate(bot: Bot) -> None:
    for words in ("", "all", "provisioned", "requests", "pending_email_input errors", "search x"):
        reply = ask(bot, f"status {words}".strip())
        for locale in ("en", "cs"):
            check(cards.render_card(reply.view, locale))


# --- (b) status --refresh -----------------------------------------------------------------------


@pytest.fixture
def refreshes(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The ``force`` of every provider refresh."""
    calls: list[bool] = []
    provider = bot.provider
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
    bot: Bot, refreshes: list[bool], text: str
) -> None:
    view = listing(ask(bot, text, role=Role.VIEWER))
    assert refreshes[0] is True
    assert refreshes.count(True) == 1
    assert "--refresh" not in view.words and "refresh" not in view.words  # not on page buttons
    assert view.query.text is None


def test_refresh_then_a_user(bot: Bot, refreshes: list[bool]) -> None:
    sub = listing(ask(bot, "status errors")).page.items[0]
    refreshes.clear()
    reply = ask(bot, f"status --refresh {sub.id}", role=Role.VIEWER)
    assert isinstance(reply.view, v.UserDetailView) and reply.view.subscriber.id == sub.id
    assert refreshes[0] is True


def test_without_refresh_the_provider_is_not_forced(bot: Bot, refreshes: list[bool]) -> None:
    listing(ask(bot, "status errors"))
    assert refreshes and not any(refreshes)
    searched = listing(ask(bot, "status search refresh"))  # searching the word still works
    assert searched.query.text == "refresh"
    assert not any(refreshes)


# --- (c) state cards know the asker's role ------------------------------------------------------


def _not_verified_email(bot: Bot) -> str:
    stuck = ask(bot, "stuck 0").view
    assert isinstance(stuck, v.StuckView)
    return next(s.user.email for s in stuck.users if s.user.state is ControlHubState.NOT_VERIFIED)


@pytest.mark.parametrize(
    ("role", "offered"),
    [(Role.ADMIN, True), (Role.SUPPORT, False), (Role.VIEWER, False)],
    ids=["admin", "support", "viewer"],
)
def test_resend_is_offered_only_to_those_who_may_resend(
    bot: Bot, role: Role, offered: bool
) -> None:
    reply = ask(bot, f"state {_not_verified_email(bot)}", role=role)
    assert isinstance(reply.view, v.UserStateView)
    assert ("user.resend" in reply.view.actions) is offered
    for locale in ("en", "cs"):
        card = check(cards.render_card(reply.view, locale))
        actions = {n["data"]["action"] for n in walk(card) if n.get("type") == "Action.Submit"}
        assert ("user.resend" in actions) is offered
        assert "state.explain" in actions


def test_no_resend_for_a_user_who_is_not_waiting_for_verification(bot: Bot) -> None:
    states = ask(bot, "stuck 0").view
    assert isinstance(states, v.StuckView)
    others = [s.user for s in states.users if s.user.state is not ControlHubState.NOT_VERIFIED]
    assert others, "the sandbox seeds stuck users in other states (delayed claim)"
    reply = ask(bot, f"state {others[0].email}")
    assert isinstance(reply.view, v.UserStateView) and reply.view.actions == ()


# --- Partner Hub's *Export* of the list ---------------------------------------------------------


def _button(reply: Reply, action: str) -> list[Click]:
    return [c for c in clicks(card_of(reply)) if c[0]["data"]["action"] == action]


@pytest.mark.parametrize("words", ["errors", f"all customer {CUSTOMER}", "errors page 2"])
def test_the_list_card_exports_what_it_lists(bot: Bot, words: str) -> None:
    shown = ask(bot, f"status {words}", role=Role.SUPPORT)
    (export,) = _button(shown, "export")
    assert export[0]["title"] == "Export"
    reply = click(bot, export, role=Role.SUPPORT, who="sam@support.partner.example")
    assert reply.ok and reply.file is not None, reply
    rows = reply.file.path.read_text(encoding="utf-8").splitlines()[1:]
    assert len(rows) == listing(shown).page.total  # every page of the list, no other user


def test_a_middle_page_keeps_its_page_buttons_and_types_the_export(bot: Bot) -> None:
    shown = ask(bot, "status all page 2", role=Role.ADMIN)
    card = card_of(shown)
    assert ac.count_actions(card) == ac.MAX_ACTIONS
    assert {c[0]["title"] for c in clicks(card)} >= {"◀ Previous page", "Next page ▶"}
    assert _button(shown, "export") == []
    assert "Export this list: export all" in card_text(card)


def test_viewers_get_no_export_button(bot: Bot) -> None:
    shown = ask(bot, "status errors", role=Role.VIEWER)
    assert _button(shown, "export") == []
    assert [c for c in clicks(card_of(shown)) if c[0]["title"] == "Export"] == []
