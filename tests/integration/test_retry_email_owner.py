"""Retry never hands one person's email to another (issue 9, point 1).

Seen as: ``retry lucie.vesela@acme-cz.example james.smith@novlog.example`` answered "done" on the
demo data, and ``status james.smith@novlog.example`` then matched two users. Driven here as it
was seen: typed and clicked over the sandbox's demo data, through the service call a bulk retry
makes, and through ``onboard-bot ask`` with the Webex provider against the stand-in over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cards import render_markdown
from commands.context import CommandContext
from commands.runner import run_action, run_text
from onboarding.clock import ManualClock
from onboarding.errors import Refused
from onboarding.service import Actor, OnboardingService
from storage.uow import Database, UnitOfWork
from tests.integration import test_ask_webex as webex_cli
from tests.support.commands import command_context, demo_service

LUCIE = "lucie.vesela@acme-cz.example"
JAMES = "james.smith@novlog.example"
JAMES_ID = "420580397732@voip.novlog.example"
CONTROL_HUB_ONLY = "lukas.novak@acme-partners.example"  # a Control Hub user, no subscriber

Said = tuple[bool, str]


@pytest.fixture
def service(database: Database, clock: ManualClock) -> OnboardingService:
    return demo_service(database, clock)


@pytest.fixture
def chat(service: OnboardingService, database: Database, clock: ManualClock, tmp_path: Path):
    """Type a command (or click a card action) as the admin; returns (ok, markdown)."""

    def context(uow: UnitOfWork) -> CommandContext:
        return command_context(uow, service, database, clock, tmp_path)

    def say(text: str) -> Said:
        with database.uow() as uow:
            reply = run_text(text, context(uow)).reply
            uow.commit()
        return reply.ok, render_markdown(reply.view, "en")

    def click(action: str, inputs: dict[str, object]) -> Said:
        with database.uow() as uow:
            reply = run_action(action, inputs, context(uow)).reply
            uow.commit()
        return reply.ok, render_markdown(reply.view, "en")

    say.click = click  # type: ignore[attr-defined]
    return say


def test_typed_retry_with_another_customers_email_is_refused_naming_the_holder(chat):
    ok, md = chat(f"retry {LUCIE} {JAMES}")
    assert not ok
    assert "⛔" in md and "James Smith" in md and JAMES_ID in md and "novlog-cz" in md
    assert "done" not in md
    # Nothing changed: both users are as they were, each found by their own email.
    ok, md = chat(f"status {JAMES}")
    assert ok and "matches 2 users" not in md and JAMES_ID in md
    ok, md = chat(f"status {LUCIE}")
    assert ok and "Lucie" in md


def test_the_check_ignores_case_and_the_subscribers_own_address(chat):
    ok, md = chat(f"retry {LUCIE} {JAMES.upper()}")
    assert not ok and JAMES_ID in md
    ok, md = chat(f"retry {LUCIE} lucie.new@acme-cz.example")
    assert ok and "done" in md


def test_clicked_retry_is_refused_the_same_way(chat, service: OnboardingService):
    lucie = service.find_subscriber(LUCIE)
    ok, md = chat.click("user.retry", {"user": lucie.id, "email": JAMES})
    assert not ok and "James Smith" in md and JAMES_ID in md
    assert service.find_subscriber(LUCIE).email == LUCIE


def test_retry_with_a_control_hub_users_email_is_refused_naming_them(chat):
    ok, md = chat(f"retry {LUCIE} {CONTROL_HUB_ONLY}")
    assert not ok and "Control Hub user" in md and "Lukáš Novák" in md
    assert "not_verified" in md


def test_the_service_call_a_bulk_retry_makes_is_refused_and_audited(
    service: OnboardingService, database: Database
):
    actor = Actor("admin@partner.example", via="card")
    with pytest.raises(Refused) as refused:
        service.retry_activation(LUCIE, JAMES, actor)
    assert refused.value.key == "retry.email_in_use.subscriber"
    assert refused.value.params["holder_id"] == JAMES_ID
    with database.uow() as uow:
        (entry,) = uow.audit.recent(limit=1)
    assert entry.action == "service.retry" and entry.result == "refused"


def test_czech_refusal_names_the_holder_too(service: OnboardingService):
    with pytest.raises(Refused) as refused:
        service.retry_activation(LUCIE, JAMES, Actor("admin@partner.example"))
    text = refused.value.message("cs")
    assert "už patří" in text and JAMES_ID in text and "zákazník" in text


# --- the Webex provider, through `onboard-bot ask` against the stand-in ----------------------

standin = webex_cli.standin
ask = webex_cli.ask
Ask = Callable[..., tuple[int, str]]


def test_webex_retry_with_an_email_in_the_snapshot_is_refused_before_any_write(
    ask: Ask, standin: webex_cli.StandIn
):
    target = standin.sub("error")
    other = next(
        s
        for s in standin.admin.subscribers.values()
        if s.get("email") and s["userId"] != target["userId"]
    )
    code, out = ask("status errors")  # the first sync fills the snapshot
    assert code == 0
    standin.mark()
    code, out = ask(f"retry {target['userId']} {other['email']}")
    assert code == 1, out
    assert other["userId"] in out and other["spEnterpriseId"] in out
    assert standin.writes() == []  # not even a precheck
    assert target["id"] in standin.admin.subscribers


def test_webex_precheck_refusal_names_a_holder_the_snapshot_did_not_know(
    ask: Ask, standin: webex_cli.StandIn
):
    target = standin.sub("error")
    code, _ = ask("status errors")
    assert code == 0
    # Provisioned in Partner Hub after the bot's last sync: only Webex knows.
    fresh = standin.admin.add_subscriber(
        userId="420999000111@voip.acme-cz.example",
        spEnterpriseId="acme-cz",
        firstName="Nová",
        lastName="Osoba",
        package="basic",
        provisioningId="prov-acme-cz",
        email="nova.osoba@acme-cz.example",
    )
    standin.mark()
    code, out = ask(f"retry {target['userId']} nova.osoba@acme-cz.example")
    assert code == 1, out
    assert "Nová Osoba" in out and fresh["userId"] in out and "acme-cz" in out
    # The precheck was asked, then who has the address; nothing was deleted or provisioned.
    assert standin.writes() == [("POST", "/v1/broadworks/subscribers/validate")]
    lookups = [e.query for e in standin.calls("GET") if e.path == "/v1/broadworks/subscribers"]
    assert {"email": "nova.osoba@acme-cz.example"} in lookups
    assert target["id"] in standin.admin.subscribers
    # The snapshot now knows the holder too.
    code, out = ask("status nova.osoba@acme-cz.example")
    assert code == 0 and fresh["userId"] in out and "matches" not in out
