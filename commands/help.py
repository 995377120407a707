"""``help`` and ``help <command>``, generated from the registry and filtered by the asker's role."""

from __future__ import annotations

from commands.context import CommandContext
from commands.language_choice import language_lines, lookup
from commands.parsing import Args, ParseError, command_suggestions, tokenize
from commands.registry import ArgKind, ArgSpec, allowed, command
from commands.replies import Reply
from commands.views import CommandHelpView, HelpView


@command(
    "help",
    aliases=("?",),
    args=(ArgSpec("command", ArgKind.COMMAND, required=False, variadic=True),),
    examples=("help", "help status"),
)
def help_(ctx: CommandContext, args: Args) -> Reply:
    """What you can ask me, or how to use one command."""
    name = args.opt_text("command")
    if name:
        found = ctx.registry.lookup(tokenize(name))
        if found is None:
            raise ParseError(
                "parse.unknown_command",
                suggestions=command_suggestions(name, ctx.registry),
                name=name,
            )
        spec = found[0]
        return Reply(CommandHelpView(spec, allowed(spec, ctx.role)))
    specs = ctx.registry.commands()
    visible = tuple(s for s in specs if allowed(s, ctx.role))
    here = lookup(
        ctx.uow, person=ctx.actor.email, space_id=ctx.actor.space_id, default=ctx.default_locale
    )
    return Reply(HelpView(visible, ctx.role, len(specs) - len(visible), language_lines(here)))
