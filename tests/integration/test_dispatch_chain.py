"""The dispatch chain link by link, through the shared ``chat`` fixture and a fake unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.cards import render_markdown
from bot.chain.access import access
from bot.chain.audit import audit
from bot.chain.guards import already_handled, ignore_self
from bot.chain.rate_limit import rate_limit
from bot.chain.turn import Next, Turn
from bot.dispatch import Request, dispatch, is_silent
from commands.registry import Role
from commands.replies import Reply
from commands.runner import Handled
from commands.views import ErrorKind, Msg, NoticeView
from onboarding.service import OnboardingService
from storage.models import AuditEntryRow, ConfirmationRow
from tests.support.chat import ADMIN, ORG, STRANGER, VIEWER, Chat


def test_an_unexpected_failure_is_one_apology_with_a_reference_and_one_entry(
    chat: Chat, monkeypatch, caplog
):
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(OnboardingService, "list_subscribers", boom)
    said = chat.say("status all")
    assert not said.ok and said.view.kind is ErrorKind.INTERNAL
    assert f"Sorry, something went wrong on my side (reference `{said.view.ref}`" in said.markdown
    assert "secret internals" not in said.markdown and "Traceback" not in said.markdown
    assert "secret internals" in caplog.text and said.view.ref in caplog.text
    # One catch-all: one reference minted, one audit entry naming the command that ran.
    assert caplog.text.count("Traceback") == 1
    [entry] = chat.audit()
    assert (entry.action, entry.result, entry.detail) == ("status", "error", f"ref {said.view.ref}")


def test_the_bots_own_message_gets_no_answer_and_no_entry(chat: Chat):
    done = dispatch(chat.bot, Request(person_email=ADMIN, text="status", from_bot=True))
    assert done.silent and done.result == "ignored"
    assert chat.audit() == []


def test_an_event_already_carried_out_is_not_run_again(chat: Chat):
    with chat.bot.db.uow() as uow:
        uow.audit.record(
            AuditEntryRow(
                at=chat.bot.clock.now(),
                actor=ADMIN,
                via="chat",
                action="service.delete",
                result="ok",
                correlation_id="cid-1",
            )
        )
        uow.commit()
    said = chat.say("delete 420555000001", cid="cid-1")
    assert "already carried out (delete)" in said.markdown and said.result == "repeated"
    assert [e.action for e in chat.audit()] == ["service.delete"]  # no second entry


def test_a_confirmation_and_its_audit_entry_are_one_unit_of_work(chat: Chat, monkeypatch):
    def no_entry(self: object, entry: AuditEntryRow) -> None:
        raise RuntimeError("the audit table is full")

    monkeypatch.setattr("storage.repositories.AuditRepository.record", no_entry)
    before = _codes(chat)
    said = chat.say("delete 420580183919@voip.novlog.example")
    # No code is issued without its entry, and none is offered that was not kept.
    assert not said.ok and said.result == "unavailable"
    assert "I could not record this request, so I set nothing up." in said.markdown
    assert _codes(chat) == before


def _codes(chat: Chat) -> list[str]:
    with chat.bot.db.uow() as uow:
        return list(uow.session.scalars(sa.select(ConfirmationRow.code)))


def test_the_audit_reads_what_ran_not_the_text(chat: Chat):
    said = chat.say("  STATUS   errors  ")
    assert said.ok and said.dispatched.name == "status"
    [entry] = chat.audit()
    assert (entry.action, entry.text, entry.result) == ("status", "  STATUS   errors  ", "ok")


# --- a fake unit of work: the links need nothing but its repositories -----------------------


@dataclass
class FakeAudit:
    entries: list[AuditEntryRow] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    def record(self, entry: AuditEntryRow) -> None:
        self.entries.append(entry)

    def service_actions(self, correlation_id: str) -> list[str]:
        return list(self.done)


@dataclass
class FakeSubscribers:
    def get(self, subscriber_id: str) -> None:
        return None


@dataclass
class FakeUnitOfWork:
    audit: FakeAudit = field(default_factory=FakeAudit)
    subscribers: FakeSubscribers = field(default_factory=FakeSubscribers)
    committed: int = 0

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        self.committed += 1

    def rollback(self) -> None:
        raise AssertionError("nothing failed, so nothing is rolled back")


def _answer(turn: Turn, next_: Next) -> Handled:
    return Handled(Reply(NoticeView((Msg("confirm.cancelled", {"code": "X"}),))), target="u1")


def test_the_guard_and_audit_links_over_a_fake_unit_of_work(chat: Chat):
    uow = FakeUnitOfWork()
    chain = (ignore_self, already_handled, audit, _answer)
    fake: Any = uow
    done = dispatch(chat.bot, Request(person_email=" Ada@X.example "), uow=fake, chain=chain)
    assert done.result == "ok" and uow.committed == 1
    [entry] = uow.audit.entries
    assert (entry.actor, entry.action, entry.target) == ("ada@x.example", "unknown", "u1")
    assert entry.at == chat.bot.clock.now() and entry.at.tzinfo is not None
    uow.audit.done.append("service.retry")
    again = dispatch(chat.bot, Request(person_email="ada@x.example"), uow=fake, chain=chain)
    assert again.result == "repeated" and len(uow.audit.entries) == 1


# --- the access and rate-limit links alone, with a stub for the rest of the chain -------------


def test_the_access_link_hands_on_the_role_or_answers_itself(chat: Chat):
    ran: list[Role | None] = []
    viewer = Turn(
        chat.bot, Request(person_email=VIEWER, text="status", org_id=ORG), FakeUnitOfWork()
    )
    access(viewer, lambda: (ran.append(viewer.role), Handled(Reply(NoticeView(()))))[1])
    assert ran == [Role.VIEWER]
    stranger = Turn(
        chat.bot, Request(person_email=STRANGER, text="status", org_id=ORG), FakeUnitOfWork()
    )
    refused = access(stranger, lambda: pytest.fail("a stranger must not get further"))
    assert refused.reply.view.kind is ErrorKind.FORBIDDEN and refused.spec is not None
    assert refused.spec.name == "status" and stranger.role is None


@dataclass
class BusyAudit(FakeAudit):
    nth: datetime | None = None
    told: bool = False

    def nth_request_at(self, actor: str, n: int, **kw: object) -> datetime | None:
        return self.nth

    def has_result(self, actor: str, **kw: object) -> bool:
        return self.told


def test_the_rate_limit_link_says_slow_down_once_then_nothing(chat: Chat):
    now = chat.bot.clock.now()
    uow = FakeUnitOfWork(audit=BusyAudit(nth=now - timedelta(seconds=50)))
    turn = Turn(chat.bot, Request(person_email=ADMIN, text="states"), uow)
    slow = rate_limit(turn, lambda: pytest.fail("over the limit: the command must not run"))
    assert slow.reply.view.kind is ErrorKind.UNAVAILABLE and turn.result == "throttled"
    assert "Try again in 10 s." in render_markdown(slow.reply.view, "en")
    uow.audit.told = True
    again = Turn(chat.bot, Request(person_email=ADMIN, text="states"), uow)
    assert is_silent(rate_limit(again, lambda: pytest.fail("still over")).reply)
    calm = Turn(
        chat.bot, Request(person_email=ADMIN, text="states"), FakeUnitOfWork(audit=BusyAudit())
    )
    assert rate_limit(calm, lambda: Handled(Reply(NoticeView(())))).reply.ok
