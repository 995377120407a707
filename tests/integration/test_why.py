"""``why <user>``: one answer from four places, ending with the one next action (issue 14.2).

Over the sandbox's demo data, through the chat fixture: a distinct next action, with its button,
for six error codes of error-codes.md, a template problem, a Control Hub Not verified user and a
code the bot does not know, in English and Czech. Against the Webex stand-in: the provider cannot
read templates, so ``why`` says where to look in Partner Hub.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot, build_bot
from bot.local.admin_api import AdminApiServer, AdminApiState
from bot.settings import Settings
from commands.history_views import WhyView
from onboarding.clock import ManualClock
from onboarding.demo_data import SHARE_LINK_ACTIVATION
from onboarding.diagnosis import Move, diagnose
from onboarding.history import Cause, Change, Deed, Timeline
from onboarding.model import ProvisioningStatus
from storage.models import CustomerRow, SubscriberRow
from tests.integration import test_webex_provider as contract
from tests.support.chat import ACCESS, SUPPORT, VIEWER, Chat
from tests.unit.test_cards import check
from tests.unit.test_cards_actions import clicks

admin = contract.admin
server = contract.server
sleeps = contract.sleeps

_PS = ProvisioningStatus
NOT_VERIFIED = "lukas.novak@acme-partners.example"  # a demo Control Hub user, Not verified


def _with_code(bot: Bot, code: int) -> SubscriberRow:
    """A demo subscriber in error whose first code is ``code``, its customer's template right."""
    with bot.db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(SubscriberRow.status == _PS.ERROR.value)
        for row in uow.session.scalars(stmt.order_by(SubscriberRow.id)):
            if row.errors and row.errors[0]["code"] == code:
                customer = uow.session.get(CustomerRow, row.customer_id)
                assert customer is not None
                # Some demo customers have a broken template: that is a test of its own.
                customer.untrusted_emails, customer.share_link = True, SHARE_LINK_ACTIVATION
                uow.commit()
                return row
    raise AssertionError(f"no demo subscriber with code {code}")


def _why(chat: Chat, ref: str, who: str = VIEWER) -> WhyView:
    said = chat.say(f"why {ref}", who=who)
    assert said.ok and isinstance(said.view, WhyView), said.markdown
    return said.view


def _buttons(chat: Chat, ref: str, who: str) -> list[str]:
    said = chat.say(f"why {ref}", who=who)
    card = check(said.card)
    return [action["data"]["action"] for action, _ in clicks(card)]


@pytest.mark.parametrize(
    ("code", "move", "button", "words"),
    [
        (10061, Move.RETRY_NOW, "user.retry", "**Retry activation** now, with"),
        (10102, Move.RETRY_LATER, "user.retry", "in a few minutes, with the same email"),
        (10045, Move.RETRY_OTHER_EMAIL, "user.retry", "with an address only this user has"),
        (10048, Move.RELEASE_DOMAIN, "user.retry", "release the domain (Control Hub → Domains)"),
        (10074, Move.CHANGE_PACKAGE, "user.package", "**Change package type** to one"),
        (10022, Move.REMOVE_OTHER_MAPPING, "user.status", "delete the stale one"),
    ],
)
def test_each_error_code_gets_its_own_next_action(
    chat: Chat, code: int, move: Move, button: str, words: str
) -> None:
    sub = _with_code(chat.bot, code)
    view = _why(chat, sub.user_id)
    assert view.diagnosis.move is move
    [finding] = view.diagnosis.findings[:1]
    assert finding.code == code and finding.advice is not None
    md = chat.say(f"why {sub.user_id}").markdown
    assert words in md, md
    assert f"Code {code}: " in md and "The template of" in md and "Times in error:" in md
    assert button in _buttons(chat, sub.user_id, "ada.admin@partner.example")
    if move is Move.RETRY_NOW:  # the suggested email is the one the user already entered
        assert view.diagnosis.suggested_email == sub.email
        retry = next(c for c in clicks(check(chat.say(f"why {sub.user_id}").card)))
        assert retry[1]["email"] == sub.email
    cs = chat.say(f"why {sub.user_id}").markdown_in("cs")
    assert f"Kód {code}: " in cs and "Další krok:" in cs


def test_the_moves_of_the_six_codes_are_all_different(chat: Chat) -> None:
    codes = (10061, 10102, 10045, 10048, 10074, 10022)
    moves = {_why(chat, _with_code(chat.bot, c).user_id).diagnosis.move for c in codes}
    assert len(moves) == len(codes)


def test_a_template_problem_comes_first_with_its_exact_path(chat: Chat) -> None:
    sub = _with_code(chat.bot, 10061)
    with chat.bot.db.uow() as uow:
        customer = uow.session.get(CustomerRow, sub.customer_id)
        assert customer is not None
        customer.untrusted_emails = False
        uow.commit()
    view = _why(chat, sub.user_id)
    assert view.diagnosis.move is Move.CHECK_TEMPLATE
    md = chat.say(f"why {sub.user_id}").markdown
    assert "*Untrusted emails* is not checked" in md
    assert (
        "Settings → BroadWorks Calling → View Templates → the template of "
        f"{sub.customer_id} → User Authentication" in md
    )
    assert "template.check" in _buttons(chat, sub.user_id, VIEWER)
    cs = chat.say(f"why {sub.user_id}").markdown_in("cs")
    assert "Zobrazit šablony (View Templates)" in cs and "Ověření uživatele" in cs


def test_a_not_verified_control_hub_user_gets_the_invitation_again(chat: Chat) -> None:
    view = _why(chat, NOT_VERIFIED)
    assert view.diagnosis.subscriber is None and view.diagnosis.move is Move.RESEND_INVITATION
    md = chat.say(f"why {NOT_VERIFIED}").markdown
    assert "Not verified" in md and "cannot use services" in md
    assert "user.resend" in _buttons(chat, NOT_VERIFIED, "ada.admin@partner.example")
    assert "user.resend" not in _buttons(chat, NOT_VERIFIED, VIEWER)  # only admins re-send
    cs = chat.say(f"why {NOT_VERIFIED}").markdown_in("cs")
    assert "Neověřeno" in cs and "Znovu odešlete pozvánku" in cs


def test_an_unknown_code_is_said_plainly(chat: Chat) -> None:
    sub = _with_code(chat.bot, 10061)
    with chat.bot.db.uow() as uow:
        row = uow.session.get(SubscriberRow, sub.id)
        assert row is not None
        row.errors = [{"code": 420111, "description": "Something Webex never told us about."}]
        uow.commit()
    view = _why(chat, sub.user_id)
    assert view.diagnosis.move is Move.UNKNOWN and not view.diagnosis.known
    md = chat.say(f"why {sub.user_id}").markdown
    assert "the bot does not know this code" in md
    assert "The bot does not know what code 420111 needs" in md
    assert "user.error" in _buttons(chat, sub.user_id, SUPPORT)
    assert "Bot neví, co kód 420111 vyžaduje" in chat.say(f"why {sub.user_id}").markdown_in("cs")


def test_a_provisioned_user_needs_nothing_and_an_unknown_one_is_not_found(chat: Chat) -> None:
    with chat.bot.db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(SubscriberRow.status == _PS.PROVISIONED.value)
        row = next(iter(uow.session.scalars(stmt.order_by(SubscriberRow.id))))
    assert _why(chat, row.user_id).diagnosis.move in (Move.NOTHING, Move.RESEND_INVITATION)
    said = chat.say("why nobody@nowhere.example", who=VIEWER)
    assert not said.ok and "nobody@nowhere.example" in said.markdown


def test_retries_that_failed_twice_lead_to_delete_and_register_again() -> None:
    at = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    from onboarding.model import Package, ProvisioningError, Subscriber

    sub = Subscriber(
        id="sub-1",
        user_id="4205550002@voip.example",
        email="a@acme.example",
        first_name="A",
        last_name="B",
        customer="acme-cz",
        package=Package.BASIC,
        status=_PS.ERROR,
        errors=(ProvisioningError(10102, "cluster did not respond"),),
        created=at,
        last_status_change=at,
    )

    def tried(n: int) -> Timeline:
        events: list[Any] = []
        for i in range(n):
            when = at - timedelta(hours=i)
            events.append(Change(when, _PS.PROVISIONING, _PS.ERROR, Cause.SYNC, error_code=10102))
            events.append(Deed(when - timedelta(minutes=5), "ada@p.example", "retry", "ok"))
        return Timeline(sub, tuple(events))

    assert diagnose(sub, None, None, tried(1)).move is Move.RETRY_LATER
    assert diagnose(sub, None, None, tried(2)).move is Move.DELETE_AND_REREGISTER


# --- the Webex provider ----------------------------------------------------------------------


@pytest.fixture
def webex_bot(
    database: Any,
    clock: ManualClock,
    server: AdminApiServer,
    sleeps: list[float],
    tmp_path: Path,
) -> Bot:
    provider = contract.make_provider(database, clock, server, sleeps)
    settings = Settings(access=ACCESS, files_dir=tmp_path / "files", commands_per_minute=1000)
    return build_bot(settings, db=database, clock=clock, provider=provider, migrate=False)


def test_over_webex_the_template_is_checked_in_partner_hub(
    webex_bot: Bot, admin: AdminApiState
) -> None:
    chat = Chat(webex_bot)
    failed = next(s for s in admin.subscribers.values() if s["status"] == "error")
    said = chat.say(f"why {failed['userId']}", who=VIEWER)
    assert said.ok and isinstance(said.view, WhyView), said.markdown
    assert "The bot cannot read the template of" in said.markdown
    assert "View Templates" in said.markdown
    assert "Další krok:" in said.markdown_in("cs")


def test_the_next_action_button_does_what_it_says(chat: Chat) -> None:
    from tests.unit.test_cards_actions import click

    sub = _with_code(chat.bot, 10061)
    card = check(chat.say(f"why {sub.user_id}").card)
    retry = next(c for c in clicks(card) if c[0]["data"]["action"] == "user.retry")
    done = click(chat, retry)  # the suggested email, as the card holds it
    assert done.ok, done.markdown
    assert sub.email is not None and sub.email in done.markdown
    history = chat.say(f"history {sub.user_id}", who=VIEWER)
    assert "card click of ada.admin@partner.example" in history.markdown
