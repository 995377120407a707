"""The `onboard-bot` command: serve, ask, db, seed, webhooks, digest, audit.

Exit codes: 0 done; 1 the bot answered with an error (bad input, not allowed, not found);
2 a configuration or usage problem of the CLI itself.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from bot.bootstrap import Bot, build_bot
from bot.settings import ConfigError, Origins, Settings, load_settings_with_origins

log = logging.getLogger(__name__)

USAGE_ERROR = 2


def fail(message: str) -> NoReturn:
    """Stop with a configuration or usage error (exit 2)."""
    click.echo(f"onboard-bot: {message}", err=True)
    sys.exit(USAGE_ERROR)


def settings_from(ctx: click.Context) -> Settings:
    """The settings, loaded once per invocation; a bad file stops with exit 2."""
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        try:
            obj["settings"], obj["origins"] = load_settings_with_origins(obj.get("config"))
        except ConfigError as exc:
            fail(f"configuration error:\n{exc}")
    settings: Settings = obj["settings"]
    return settings


def origins_from(ctx: click.Context) -> Origins:
    """Where each key of ``settings_from(ctx)`` came from."""
    settings_from(ctx)
    origins: Origins = ctx.ensure_object(dict)["origins"]
    return origins


def bot_from(ctx: click.Context, **overrides: Any) -> Bot:
    """The wired bot (database migrated, provider ready)."""
    settings = settings_from(ctx)
    if overrides:
        settings = settings.model_copy(update=overrides)
    try:
        return build_bot(settings)
    except ConfigError as exc:
        fail(f"configuration error:\n{exc}")


@click.group()
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="app.yaml to read (default: $ONBOARD_CONFIG or ./app.yaml).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.option("-q", "--quiet", count=True, help="Less logging (serve: -q warnings only).")
@click.version_option(package_name="onboard-bot", prog_name="onboard-bot")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: int, quiet: int) -> None:
    """onboard-bot: Webex onboarding chat-ops."""
    from bot.logs import configure_logging, level_for

    # serve logs a line per handled event by default; one-shot commands only warnings.
    routine = ctx.invoked_subcommand == "serve"
    configure_logging(level_for(verbose=verbose, quiet=quiet, routine=routine))
    ctx.ensure_object(dict)["config"] = config


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Bring the database to the latest migration."""
    from storage.uow import Database

    settings = settings_from(ctx)
    database = Database.from_url(settings.database_url)
    database.upgrade()
    click.echo("database is at the latest migration")


@main.command()
@click.argument("text")
@click.option("--as", "as_email", default=None, help="Who is asking (an email).")
@click.option("--json", "as_json", is_flag=True, help="Print the full message bodies as JSON.")
@click.option(
    "--files-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where a reply's file (an export) is written.",
)
@click.pass_context
def ask(
    ctx: click.Context, text: str, as_email: str | None, as_json: bool, files_dir: Path | None
) -> None:
    """Run one chat command through the bot's dispatch chain and print the reply."""
    from bot.dispatch import Request, dispatch
    from bot.replies import render

    settings = settings_from(ctx)
    if as_email is None:
        if settings.access is not None:
            fail("the access section is configured: say who is asking with --as EMAIL")
        as_email = "cli@localhost"
    overrides: dict[str, Any] = {}
    if files_dir is not None:
        overrides["files_dir"] = files_dir
    bot = bot_from(ctx, **overrides)
    done = dispatch(bot, Request(person_email=as_email, text=text, via="cli"))
    reply = done.reply
    rendered = render(reply, done.locale)
    if as_json:
        click.echo(json.dumps(rendered.bodies(), indent=2, ensure_ascii=False))
    else:
        click.echo(rendered.markdown)
        if rendered.file_path is not None:
            click.echo(str(rendered.file_path))
    sys.exit(0 if reply.ok else 1)


@main.command()
@click.option("--subscribers", type=click.IntRange(min=1), required=True)
@click.option("--random-seed", type=int, default=0, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.pass_context
def seed(ctx: click.Context, subscribers: int, random_seed: int, progress: bool) -> None:
    """Add N generated subscribers to the database (for benchmarks and load tests)."""
    from onboarding.seeding import seed_subscribers
    from storage.uow import Database

    settings = settings_from(ctx)
    database = Database.from_url(settings.database_url)
    database.upgrade()
    report = seed_subscribers(
        database, count=subscribers, random_seed=random_seed, progress=progress
    )
    click.echo(
        f"seeded {report.inserted} of {report.requested} subscribers in {report.seconds:.1f} s "
        f"({report.rows_per_second:,.0f} rows/s); rows already there were kept"
    )


@main.group()
def digest() -> None:
    """Scheduled digests."""


@digest.command("run")
@click.argument("digest_id", type=int)
@click.option("--no-post", is_flag=True, help="Print only; record and post nothing.")
@click.pass_context
def digest_run(ctx: click.Context, digest_id: int, no_post: bool) -> None:
    """Build a digest now, print it, and post it to its space (unless --no-post)."""
    from bot.jobs import Outcome, run_digest

    bot = bot_from(ctx)
    result = run_digest(bot, digest_id, post=not no_post)
    click.echo(result.markdown or f"digest {digest_id}: {result.outcome.value}")
    sys.exit(1 if result.outcome in (Outcome.DISABLED, Outcome.MISSED) else 0)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="The checks as JSON, for scripts.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check the deployment: one line per check with the fix. Exit 1 when a check failed."""
    import os

    from bot.doctor import run_doctor

    config = ctx.ensure_object(dict).get("config")
    report = run_doctor(str(config) if config else None, env=os.environ)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
    else:
        for check in report.checks:
            click.echo(check.line())
    sys.exit(0 if report.ok else 1)


# Subcommands that live in their own modules, registered here so `main` stays the one entry.
from bot.cli_audit import audit  # noqa: E402
from bot.cli_config import config  # noqa: E402
from bot.cli_serve import serve  # noqa: E402
from bot.cli_webhooks import webhooks  # noqa: E402

main.add_command(serve)
main.add_command(webhooks)
main.add_command(audit)
main.add_command(config)
