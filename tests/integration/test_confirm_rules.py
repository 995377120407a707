"""Confirmations through the whole dispatch chain, each rule with the audit entries it leaves.

A confirmation is single-use, expires after ``confirmation_minutes`` (from settings), and is bound
to the person, the action and the target. Someone else's confirm, a second confirm or a late one
does nothing and says why; every attempt is in the audit trail, linked by the code and, for the
provider action itself, by the correlation id of the confirm that caused it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cards import render_markdown
from bot.settings import AccessSettings
from commands.views import ConfirmView, ErrorKind, ErrorView
from storage.models import AuditEntryRow, SubscriberRow
from tests.integration.test_access_harness import (
    ACCESS,
    ADMIN,
    ADMIN2,
    VIEWER,
    access_bot,
    audit_rows,
    deletable,
    exists,
    last_entry,
    subscriber,
    watching_audit,
)
from tests.support.chat import Chat

TTL_MINUTES = 3


@pytest.fixture
def chat_bot(database, clock, tmp_path):
    return access_bot(database, clock, tmp_path, confirmation_minutes=TTL_MINUTES)


def _code(reply) -> str:
    assert isinstance(reply.view, ConfirmView), render_markdown(reply.view, "en")
    return reply.view.code


def _refused(reply, key: str) -> None:
    assert isinstance(reply.view, ErrorView), reply.view
    assert reply.view.kind is ErrorKind.CONFIRMATION
    assert reply.view.key == key
    assert "Nothing was done" in render_markdown(reply.view, "en")


def _service_deletes(bot) -> list[AuditEntryRow]:
    return audit_rows(bot.db, AuditEntryRow.action == "service.delete")


def test_delete_asks_first_and_the_request_is_audited_as_pending(chat):
    sub = deletable(chat.bot.db)
    reply = chat.say(f"delete {sub.email}", cid="ask-1")
    code = _code(reply)
    assert exists(chat.bot.db, sub.id)
    entry = last_entry(chat.bot.db)
    assert (entry.action, entry.result, entry.target) == ("delete", "pending", sub.email)
    assert entry.detail == f"confirmation {code}"
    assert _service_deletes(chat.bot) == []
    md = render_markdown(reply.view, "en")
    assert f"confirm {code}" in md and f"cancel {code}" in md


def test_the_owners_confirm_deletes_once_and_links_both_entries(chat):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}"))
    reply = chat.say(f"confirm {code}", cid="confirm-1")
    assert reply.ok and not exists(chat.bot.db, sub.id)
    confirm = last_entry(chat.bot.db)
    assert (confirm.action, confirm.result, confirm.target) == ("confirm", "ok", sub.email)
    assert confirm.text == f"confirm {code}"
    (service,) = _service_deletes(chat.bot)
    # The dispatch chain's entry and the service's own are one action seen twice, linked by the id.
    assert service.correlation_id == confirm.correlation_id == "confirm-1"
    assert (service.actor, service.result, service.target) == (ADMIN, "ok", sub.email)


def test_someone_elses_confirm_does_nothing(chat):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}", who=ADMIN))
    reply = chat.say(f"confirm {code}", who=ADMIN2, cid="thief")
    _refused(reply, "confirm.not_yours")
    assert exists(chat.bot.db, sub.id) and _service_deletes(chat.bot) == []
    entry = last_entry(chat.bot.db)
    assert (entry.actor, entry.result, entry.detail) == (ADMIN2, "refused", "confirm.not_yours")
    assert entry.target == sub.email  # what they tried to confirm is on record
    # ... and the owner's code still works afterwards
    assert chat.say(f"confirm {code}", who=ADMIN).ok
    assert not exists(chat.bot.db, sub.id)


def test_someone_elses_cancel_does_nothing_either(chat):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}", who=ADMIN))
    _refused(chat.say(f"cancel {code}", who=ADMIN2), "confirm.not_yours")
    assert chat.say(f"confirm {code}", who=ADMIN).ok


def test_a_second_confirm_does_nothing(chat):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}"))
    assert chat.say(f"confirm {code}").ok
    reply = chat.click("confirm", {"code": code}, cid="again")
    _refused(reply, "confirm.used")
    assert len(_service_deletes(chat.bot)) == 1
    entry = last_entry(chat.bot.db)
    assert (entry.via, entry.action, entry.result, entry.detail) == (
        "card",
        "confirm",
        "refused",
        "confirm.used",
    )


def test_a_cancelled_code_cannot_be_confirmed(chat):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}"))
    assert chat.say(f"cancel {code}").ok
    assert last_entry(chat.bot.db).result == "ok"
    _refused(chat.say(f"confirm {code}"), "confirm.used")
    assert exists(chat.bot.db, sub.id)


def test_the_ttl_comes_from_settings_and_a_late_confirm_does_nothing(chat, clock):
    sub = deletable(chat.bot.db)
    reply = chat.say(f"delete {sub.email}")
    code = _code(reply)
    assert reply.view.expires_at == clock.now() + timedelta(minutes=TTL_MINUTES)
    clock.advance(timedelta(minutes=TTL_MINUTES))
    late = chat.say(f"confirm {code}")
    _refused(late, "confirm.expired")
    assert f"delete {sub.id}" in render_markdown(late.view, "en")  # how to ask again
    assert exists(chat.bot.db, sub.id) and _service_deletes(chat.bot) == []
    assert (last_entry(chat.bot.db).result, last_entry(chat.bot.db).detail) == (
        "refused",
        "confirm.expired",
    )


def test_a_confirm_just_inside_the_ttl_works(chat, clock):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}"))
    clock.advance(timedelta(minutes=TTL_MINUTES) - timedelta(seconds=1))
    assert chat.say(f"confirm {code}").ok


def test_the_code_is_bound_to_its_action_and_target(chat):
    sub = deletable(chat.bot.db)
    other = deletable_other(chat.bot, sub.id)
    code = _code(chat.say(f"delete {sub.email}"))
    # A typed confirm cannot name another target ...
    reply = chat.say(f"confirm {code} {other.email}")
    assert not reply.ok and reply.view.kind is ErrorKind.BAD_INPUT
    assert last_entry(chat.bot.db).result == "invalid"
    # ... and a forged card confirm with another user (or action) in its data is ignored.
    forged = {"code": code, "user": other.email, "target": other.id, "action_name": "resend"}
    assert chat.click("confirm", forged).ok
    assert not exists(chat.bot.db, sub.id) and exists(chat.bot.db, other.id)
    (service,) = _service_deletes(chat.bot)
    assert service.target == sub.email


def deletable_other(bot, not_id: str):
    return subscriber(
        bot.db,
        SubscriberRow.id != not_id,
        SubscriberRow.status.in_(("provisioned", "error")),
        SubscriberRow.email.is_not(None),
    )


def test_a_forged_code_does_nothing(chat):
    for code in ("ZZZZZZ", "K7P2QX"):
        _refused(chat.click("confirm", {"code": code}), "confirm.unknown")
    reply = chat.click("confirm", {"code": "'; DROP TABLE audit_entries; --"})
    assert not reply.ok and reply.view.kind is ErrorKind.BAD_INPUT
    assert [e.result for e in audit_rows(chat.bot.db)] == ["refused", "refused", "invalid"]


def test_confirming_needs_the_role_the_person_has_now(chat, database, clock, tmp_path):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}", who=ADMIN2))
    demoted = AccessSettings(admins=(ADMIN,), viewers=ACCESS.viewers, orgs=ACCESS.orgs)
    later = access_bot(database, clock, tmp_path, access=demoted)
    reply = Chat(later).say(f"confirm {code}", who=ADMIN2)
    assert not reply.ok and reply.view.key == "confirm.forbidden"
    assert exists(chat.bot.db, sub.id)
    assert last_entry(chat.bot.db).detail == "confirm.forbidden"


def test_a_viewer_cannot_even_ask(chat):
    sub = deletable(chat.bot.db)
    reply = chat.click("user.delete", {"user": sub.email, "role": "admin"}, who=VIEWER)
    assert reply.view.kind is ErrorKind.FORBIDDEN
    entry = last_entry(chat.bot.db)
    assert (entry.action, entry.result, entry.target) == ("user.delete", "refused", sub.email)
    assert '"role": "admin"' in entry.text  # the forged field is on record, and was ignored


def test_resend_to_several_users_asks_first_and_confirms_once(chat):
    reply = chat.say("resend")
    code = _code(reply)  # the demo data has several Not verified users: resend must ask first
    assert last_entry(chat.bot.db).result == "pending"
    assert chat.say(f"confirm {code}").ok
    _refused(chat.say(f"confirm {code}"), "confirm.used")
    assert len(audit_rows(chat.bot.db, AuditEntryRow.action == "service.resend")) == 1


def test_no_confirmation_rule_touches_an_audit_entry(chat, clock):
    sub = deletable(chat.bot.db)
    with watching_audit(chat.bot.db) as watch:
        code = _code(chat.say(f"delete {sub.email}"))
        chat.say(f"confirm {code}", who=ADMIN2)
        chat.say(f"confirm {code}")
        chat.say(f"confirm {code}")
        other = _code(chat.say(f"delete {deletable_other(chat.bot, sub.id).email}"))
        clock.advance(timedelta(hours=1))
        chat.say(f"confirm {other}")
    assert watch.statements == [] and watch.orm == []


def test_an_expired_code_is_explained_for_a_week_then_dropped(chat, clock):
    sub = deletable(chat.bot.db)
    code = _code(chat.say(f"delete {sub.email}"))
    clock.advance(timedelta(days=6))
    _code(chat.say(f"delete {sub.email}"))  # asking again purges only what is old enough
    _refused(chat.say(f"confirm {code}"), "confirm.expired")
    clock.advance(timedelta(days=2))
    _code(chat.say(f"delete {sub.email}"))
    _refused(chat.say(f"confirm {code}"), "confirm.unknown")
    assert exists(chat.bot.db, sub.id)
