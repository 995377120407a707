"""Every command and every card action, for every role, typed, clicked and through ``ask --as``.

The table is the registry itself (``REGISTRY.commands()`` and ``REGISTRY.actions()``), so a new
command or button is covered the moment it is registered. "Allowed" means the role check let it
through (the command may still say the user does not exist); "refused" means the reply names the
role needed, the provider is not called and the audit entry says ``refused``.
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from commands.registry import REGISTRY, ArgKind, ArgSpec, CommandSpec, ResolvedAction, Role
from commands.views import ErrorKind, ErrorView, HelpView
from storage.models import AuditEntryRow
from tests.integration.test_access_harness import (
    BY_ROLE,
    STRANGER,
    access_bot,
    audit_rows,
    last_entry,
    markdown_of,
)
from tests.support.chat import Chat

SAMPLE: dict[ArgKind, str] = {
    ArgKind.EMAIL: "someone@acme.example",
    ArgKind.USER_REF: "nobody@acme.example",
    ArgKind.STATUS: "pending",
    ArgKind.PACKAGE: "premium",
    ArgKind.CUSTOMER: "acme",
    ArgKind.NUMBER: "3",
    ArgKind.STATE: "not verified",
    ArgKind.TEXT: "08:00",
    ArgKind.COMMAND: "status",
    ArgKind.CODE: "ABCDEF",
    ArgKind.FILTERS: "errors",
}


PIPELINE = AuditEntryRow.action.not_like("service.%")


def typed(spec: CommandSpec) -> str:
    """A real invocation of the command: its first example."""
    return spec.examples[0] if spec.examples else spec.name


def inputs_for(args: tuple[ArgSpec, ...]) -> dict[str, Any]:
    """Card inputs a button of this shape would submit."""
    return {a.name: SAMPLE[a.kind] for a in args}


def _forbidden(view: object) -> bool:
    return isinstance(view, ErrorView) and view.kind is ErrorKind.FORBIDDEN


def _check(
    bot: Any, reply: Any, name: str, needed: Role, role: Role, problems: list[str], cid: str
) -> None:
    if role >= needed:
        if _forbidden(reply.view):
            problems.append(f"{name}: refused to {role.name} though it needs {needed.name}")
        return
    if not _forbidden(reply.view) or reply.view.needed_role is not needed:
        problems.append(f"{name}: {role.name} was not refused ({type(reply.view).__name__})")
        return
    md = markdown_of(reply)
    if f"needs the {needed.name.lower()} role" not in md:
        problems.append(f"{name}: the refusal does not name the role: {md!r}")
    entry = last_entry(bot.db)
    if (entry.result, entry.correlation_id) != ("refused", cid):
        problems.append(f"{name}: audit says {entry.result} for {entry.correlation_id}")
    if audit_rows(
        bot.db, AuditEntryRow.correlation_id == cid, AuditEntryRow.action.like("service.%")
    ):
        problems.append(f"{name}: the provider was called although the role was refused")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.name.lower())
def test_every_typed_command_for_each_role(database, clock, tmp_path, role):
    chat = Chat(access_bot(database, clock, tmp_path))
    problems: list[str] = []
    for n, spec in enumerate(REGISTRY.commands()):
        cid = f"typed-{role.name}-{n}"
        reply = chat.say(typed(spec), who=BY_ROLE[role], cid=cid)
        _check(chat.bot, reply, spec.name, spec.role, role, problems, cid)
    assert problems == []
    assert len(audit_rows(chat.bot.db, AuditEntryRow.via == "chat", PIPELINE)) == len(
        REGISTRY.commands()
    )


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.name.lower())
def test_every_card_action_for_each_role(database, clock, tmp_path, role):
    chat = Chat(access_bot(database, clock, tmp_path))
    problems: list[str] = []
    actions: list[ResolvedAction] = list(REGISTRY.actions())
    for n, action in enumerate(actions):
        cid = f"click-{role.name}-{n}"
        reply = chat.click(action.name, inputs_for(action.args), who=BY_ROLE[role], cid=cid)
        _check(chat.bot, reply, action.name, action.role, role, problems, cid)
    assert problems == []
    assert len(audit_rows(chat.bot.db, AuditEntryRow.via == "card", PIPELINE)) == len(actions)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.name.lower())
def test_every_command_through_ask_as(database, clock, tmp_path, role):
    chat = Chat(access_bot(database, clock, tmp_path))
    problems: list[str] = []
    for n, spec in enumerate(REGISTRY.commands()):
        cid = f"cli-{role.name}-{n}"
        reply = chat.say(typed(spec), who=BY_ROLE[role], space=None, org=None, via="cli", cid=cid)
        _check(chat.bot, reply, spec.name, spec.role, role, problems, cid)
    assert problems == []


def test_a_stranger_gets_nothing_typed_or_clicked(database, clock, tmp_path):
    chat = Chat(access_bot(database, clock, tmp_path))
    for spec in REGISTRY.commands():
        reply = chat.say(typed(spec), who=STRANGER)
        assert _forbidden(reply.view) and reply.view.key == "access.unknown_person", spec.name
    for action in REGISTRY.actions():
        reply = chat.click(action.name, inputs_for(action.args), who=STRANGER)
        assert _forbidden(reply.view) and reply.view.key == "access.unknown_person", action.name
    rows = audit_rows(chat.bot.db)
    assert len(rows) == len(REGISTRY.commands()) + len(list(REGISTRY.actions()))
    assert {r.result for r in rows} == {"refused"}
    assert {r.detail for r in rows} == {"access.unknown_person"}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.name.lower())
def test_help_is_a_dry_run_of_the_same_check(database, clock, tmp_path, role):
    chat = Chat(access_bot(database, clock, tmp_path))
    reply = chat.say("help", who=BY_ROLE[role])
    assert isinstance(reply.view, HelpView)
    shown = {s.name for s in reply.view.commands}
    assert shown == {s.name for s in REGISTRY.commands() if role >= s.role}
    assert reply.view.hidden == len(REGISTRY.commands()) - len(shown)
    md = markdown_of(reply)
    for spec in REGISTRY.commands():
        if role < spec.role:
            assert f"`{spec.name} " not in md and f"`{spec.name}`" not in md, spec.name


def test_ask_as_applies_roles_from_emails_domains_and_the_exit_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    config = tmp_path / "app.yaml"
    config.write_text(
        "access:\n"
        "  admins: [ada@partner.example]\n"
        "  support: ['*@support.partner.example']\n"
        "  viewers: ['*@partner.example']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ONBOARD_CONFIG", str(config))
    runner = CliRunner()

    def run(who: str, text: str) -> tuple[int, str]:
        result = runner.invoke(main, ["ask", "--as", who, text], catch_exceptions=False)
        return result.exit_code, result.output

    code, out = run("vic@partner.example", "export")
    assert code == 1 and "`export` needs the support role; yours is viewer." in out
    code, out = run("sue@support.partner.example", "export")
    assert code == 0
    code, out = run("sue@support.partner.example", "delete nobody@x.example")
    assert code == 1 and "needs the admin role" in out
    code, out = run("ADA@Partner.Example", "package nobody@x.example premium")
    assert code == 1 and "needs the" not in out  # an admin, whatever the case: only not found
