"""Customer templates: is self-activation with untrusted emails set up right?"""

from __future__ import annotations

from commands._args import CUSTOMER
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import card_action, command
from commands.replies import Reply
from commands.views import TemplateRow, TemplatesView, TemplateView


@card_action("template.check")
@command(
    "template check",
    aliases=("template",),
    args=(CUSTOMER,),
    examples=("template check novlog-cz",),
)
def template_check(ctx: CommandContext, args: Args) -> Reply:
    """Check a customer's template: *Untrusted emails* on, *Share link* to the *Activation link*."""
    report = ctx.service.template_check(args.text("customer"))
    return Reply(TemplateView(report))


@command("templates", aliases=("customers",), examples=("templates",))
def templates(ctx: CommandContext, args: Args) -> Reply:
    """Every customer with its user counts and template state."""
    rows = tuple(
        TemplateRow(summary, ctx.service.template_check(summary.customer.id))
        for summary in ctx.service.customers()
    )
    return Reply(TemplatesView(rows))
