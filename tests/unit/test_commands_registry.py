"""The registry: roles, the dry-run check, card actions inheriting their command's arguments."""

from __future__ import annotations

import pytest

import commands  # noqa: F401  (registers every command)
from bot.cards.help import usage
from commands.registry import REGISTRY, ArgKind, ArgSpec, Registry, Role, allowed


def handler(ctx, args):
    raise AssertionError("not called")


def test_roles_are_ordered():
    assert Role.VIEWER < Role.SUPPORT < Role.ADMIN


def test_allowed_is_the_dry_run():
    delete = REGISTRY.find("delete")
    assert delete is not None
    assert allowed(delete, Role.ADMIN) and not allowed(delete, Role.SUPPORT)
    error = REGISTRY.find("error")
    assert error is not None and allowed(error, Role.SUPPORT) and not allowed(error, Role.VIEWER)


def test_every_command_has_help_and_examples_that_parse():
    from commands.parsing import find_command

    for spec in REGISTRY.commands():
        assert spec.help_key.startswith("cmd.")
        for example in spec.examples:
            assert find_command(example, REGISTRY).spec is spec


def test_names_and_aliases_are_unique():
    reg = Registry()
    reg.command("x", aliases=("y",))(handler)
    with pytest.raises(ValueError):
        reg.command("y")(handler)


def test_argument_order_is_checked():
    reg = Registry()
    with pytest.raises(ValueError):
        reg.command(
            "bad", args=(ArgSpec("a", ArgKind.TEXT, variadic=True), ArgSpec("b", ArgKind.TEXT))
        )
    with pytest.raises(ValueError):
        reg.command(
            "bad2", args=(ArgSpec("a", ArgKind.TEXT, required=False), ArgSpec("b", ArgKind.TEXT))
        )


def test_card_action_takes_its_commands_arguments_and_role():
    reg = Registry()
    args = (ArgSpec("user", ArgKind.USER_REF),)
    reg.card_action("user.zap")(reg.command("zap", args=args, role=Role.SUPPORT)(handler))
    action = reg.action("user.zap")
    assert action is not None and action.args == args and action.role is Role.SUPPORT
    assert action.command is not None and action.command.name == "zap"


def test_card_action_without_a_command_defaults_to_admin():
    reg = Registry()
    reg.card_action("lonely")(handler)
    action = reg.action("lonely")
    assert action is not None and action.role is Role.ADMIN and action.args == ()


def test_two_word_commands_win_over_one_word_aliases():
    found = REGISTRY.lookup(["template", "check", "acme"])
    assert found is not None and found[0].name == "template check" and found[1] == 2
    found = REGISTRY.lookup(["template", "acme"])
    assert found is not None and found[0].name == "template check" and found[1] == 1


def test_usage_is_generated_from_the_arguments():
    retry, stuck, resend = (REGISTRY.find(n) for n in ("retry", "stuck", "resend"))
    assert retry and stuck and resend
    assert usage(retry, "en") == "retry <user> <email>"
    assert usage(retry, "cs") == "opakovat <uživatel> <e-mail>"  # Czech help: Czech names
    assert usage(stuck, "en") == "stuck [days]"
    assert usage(resend, "en") == "resend [users…]"
