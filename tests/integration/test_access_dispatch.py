"""Access through the dispatch chain: other orgs, spaces not allowed (told once), forged cards."""

from __future__ import annotations

import logging

import pytest

from bot.acl import AccessPolicy
from bot.cards import render_markdown
from bot.dispatch import is_silent
from bot.settings import AccessSettings
from commands.views import ConfirmView, ErrorKind
from tests.integration.test_access_harness import (
    ACCESS,
    ADMIN,
    ORG,
    VIEWER,
    access_bot,
    audit_rows,
    deletable,
    exists,
    last_entry,
)
from tests.support.chat import Chat

ALLOWED = AccessSettings(
    admins=(ADMIN,),
    viewers=ACCESS.viewers,
    orgs=(ORG,),
    allowed_spaces=("space-ok",),
    spaces={"space-team": "support"},
)


def test_people_of_another_org_are_refused_and_logged(database, clock, tmp_path, caplog):
    chat = Chat(access_bot(database, clock, tmp_path))
    with caplog.at_level(logging.WARNING):
        reply = chat.say("status", org="org-other", cid="c-org")
    assert reply.view.kind is ErrorKind.FORBIDDEN and reply.view.key == "access.other_org"
    assert "only people of its own Webex organization" in render_markdown(reply.view, "en")
    entry = last_entry(chat.bot.db)
    assert (entry.result, entry.detail, entry.correlation_id) == (
        "refused",
        "access.other_org",
        "c-org",
    )
    (record,) = [r for r in caplog.records if "access.other_org" in r.getMessage()]
    assert record.correlation_id == "c-org"


def test_an_unknown_org_is_refused_for_webex_events_but_not_for_the_cli(database, clock, tmp_path):
    chat = Chat(access_bot(database, clock, tmp_path))
    assert chat.say("status", org=None).view.key == "access.other_org"
    assert chat.click("status.list", {}, org=None).view.key == "access.other_org"
    assert chat.say("status", org=None, space=None, via="cli").ok


def test_a_space_not_allowed_is_told_once_durably(database, clock, tmp_path):
    chat = Chat(access_bot(database, clock, tmp_path, access=ALLOWED))
    first = chat.say("status", space="space-random")
    md = render_markdown(first.view, "en")
    assert "not enabled for this space" in md and "won't answer here again" in md
    assert is_silent(chat.say("help", space="space-random"))
    assert is_silent(chat.click("status.list", {}, space="space-random", who=VIEWER))
    restarted = access_bot(database, clock, tmp_path, access=ALLOWED)  # another process
    assert is_silent(Chat(restarted).say("status", space="space-random"))
    assert not is_silent(Chat(restarted).say("status", space="space-other"))  # its own refusal
    entries = audit_rows(chat.bot.db)
    assert [e.result for e in entries] == ["refused"] * 5
    assert [e.detail for e in entries] == [
        "access.space_not_allowed, access.space_quiet",
        "access.space_not_allowed, already told",
        "access.space_not_allowed, already told",
        "access.space_not_allowed, already told",
        "access.space_not_allowed, access.space_quiet",
    ]


def test_allowed_spaces_and_spaces_with_a_role_are_served(database, clock, tmp_path):
    chat = Chat(access_bot(database, clock, tmp_path, access=ALLOWED))
    assert chat.say("status", space="space-ok").ok
    reply = chat.say("export", who=VIEWER, space="space-team")  # the space lifts viewer to support
    assert reply.ok
    assert chat.say("export", who=VIEWER, space="space-ok").view.kind is ErrorKind.FORBIDDEN


def test_the_cli_is_never_told_to_go_quiet(database, clock, tmp_path):
    chat = Chat(access_bot(database, clock, tmp_path, access=ALLOWED))
    for _ in range(2):
        reply = chat.say("status", space="space-random", via="cli")
        assert reply.view.key == "access.space_not_allowed" and not is_silent(reply)


# --- card buttons: the clicker's role, inputs re-validated, hidden fields trusted for nothing ---


def test_a_forged_role_or_person_in_card_data_changes_nothing(database, clock, tmp_path):
    chat = Chat(access_bot(database, clock, tmp_path))
    sub = deletable(chat.bot.db)
    data = {"user": sub.email, "role": "admin", "person_email": ADMIN, "actor": ADMIN}
    reply = chat.click("user.delete", data, who=VIEWER)
    assert reply.view.kind is ErrorKind.FORBIDDEN and reply.view.needed_role.name == "ADMIN"
    assert exists(chat.bot.db, sub.id)
    assert last_entry(chat.bot.db).actor == VIEWER


def test_a_forged_delete_of_another_target_only_asks_the_clicker_to_confirm(
    database, clock, tmp_path
):
    chat = Chat(access_bot(database, clock, tmp_path))
    sub = deletable(chat.bot.db)
    reply = chat.click("user.delete", {"user": sub.user_id, "confirmed": True, "code": "ABCDEF"})
    assert isinstance(reply.view, ConfirmView)  # never deleted straight from a button
    assert exists(chat.bot.db, sub.id)
    assert last_entry(chat.bot.db).result == "pending"


@pytest.mark.parametrize(
    ("action", "inputs", "key", "result"),
    [
        (
            "user.package",
            {"user": "x@acme.example", "package": "platinum"},
            "parse.bad_choice",
            "invalid",
        ),
        ("user.retry", {"user": "420111", "email": "not an email"}, "parse.bad_email", "invalid"),
        ("user.retry", {"user": ["a", "b"], "email": "a@b.example"}, "parse.too_many", "invalid"),
        # A query-shaped value is refused: a card only ever sends text.
        ("user.error", {"user": {"$ne": None}}, "parse.bad_input", "invalid"),
        ("user.error", {"user": [["nested"]]}, "parse.bad_input", "invalid"),
        ("confirm", {"code": ["ABC", "DEF"]}, "parse.too_many", "invalid"),
        ("no.such.button", {}, "run.unknown_action", "invalid"),
        ("", {}, "run.unknown_action", "invalid"),
    ],
)
def test_card_inputs_are_validated_like_typed_ones(
    database, clock, tmp_path, action, inputs, key, result
):
    chat = Chat(access_bot(database, clock, tmp_path))
    reply = chat.click(action, inputs)
    assert not reply.ok
    assert reply.view.kind is not ErrorKind.INTERNAL  # refused, never a crash
    assert reply.view.key == key
    assert last_entry(chat.bot.db).result == result


def test_the_policy_on_its_own():
    policy = AccessPolicy(ALLOWED)
    assert policy.decide(ADMIN, space_id="space-team", org_id=ORG).role.name == "ADMIN"
    assert policy.decide("", org_id=ORG).refusal == "access.unknown_person"
    assert policy.decide("no-at-sign", org_id=ORG).refusal == "access.unknown_person"
    assert policy.decide("x@evil@partner.example", org_id=ORG).refusal == "access.unknown_person"
    assert policy.decide(VIEWER, org_id=None, require_org=True).refusal == "access.other_org"
    assert policy.decide(VIEWER, org_id=None).role is not None
