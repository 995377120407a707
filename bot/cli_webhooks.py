"""``onboard-bot webhooks sync|list``: register and inspect this bot's Webex webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.webex import WebexGateway


def _gateway(settings: Settings) -> WebexGateway:
    from bot.cli import fail
    from bot.webex import WebexGateway

    if settings.webex.bot_token is None:
        fail("WEBEX_BOT_TOKEN is not set (webhooks belong to the bot's token)")
    return WebexGateway.from_settings(settings)


@click.group()
def webhooks() -> None:
    """This bot's Webex webhooks."""


@webhooks.command("sync")
@click.option(
    "--url",
    default=None,
    help="The public URL Webex posts to (default: webex.public_url + /webhooks/webex).",
)
@click.pass_context
def sync(ctx: click.Context, url: str | None) -> None:
    """Create or repair the messages and attachmentActions webhooks (others are left alone)."""
    from bot.cli import fail, settings_from
    from bot.webex import WebexError
    from bot.webhooks_admin import sync_webhooks, target_url_from

    settings = settings_from(ctx)
    target = url or (
        target_url_from(settings.webex.public_url) if settings.webex.public_url else None
    )
    if target is None:
        fail("give --url (or set webex.public_url in app.yaml)")
    if not target.startswith(("https://", "http://")):
        fail(f"--url must be an http(s) URL, not {target!r}")
    secret = settings.webex.webhook_secret
    if secret is None:
        fail("WEBEX_WEBHOOK_SECRET is not set: webhooks without a secret cannot be verified")
    try:
        changes = sync_webhooks(
            _gateway(settings), target_url=target, secret=secret.get_secret_value()
        )
    except WebexError as exc:
        click.echo(f"onboard-bot: Webex refused: {exc}", err=True)
        ctx.exit(1)
    for change in changes:
        click.echo(f"{change.what:<12} {change.name}  {change.webhook_id}")


@webhooks.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Every webhook of the bot's token; ours are marked with *."""
    from bot.cli import settings_from
    from bot.webex import WebexError
    from bot.webhooks_admin import is_ours

    settings = settings_from(ctx)
    try:
        hooks = _gateway(settings).webhooks()
    except WebexError as exc:
        click.echo(f"onboard-bot: Webex refused: {exc}", err=True)
        ctx.exit(1)
    if not hooks:
        click.echo("no webhooks")
    for hook in hooks:
        mark = "*" if is_ours(hook) else " "
        click.echo(
            f"{mark} {hook.get('status', '?'):<8} {hook.get('resource')}/{hook.get('event')}  "
            f"{hook.get('name')}  {hook.get('targetUrl')}  {hook.get('id')}"
        )
