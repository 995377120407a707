"""``onboard-bot config show|docs``: the effective configuration, and its generated reference."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

DOCS_PATH = Path("docs/configuration.md")


@click.group()
def config() -> None:
    """The effective configuration and its reference."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per key, for scripts.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Every key's effective value (secrets masked) and where it came from."""
    from bot.cli import origins_from, settings_from
    from bot.settings_docs import effective

    rows = effective(settings_from(ctx), origins_from(ctx))
    if as_json:
        click.echo(json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False))
        return
    width = max(len(row.key) for row in rows)
    for row in rows:
        click.echo(f"{row.key:<{width}}  {row.value}  [{row.source}]")


@config.command("docs")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DOCS_PATH,
    show_default=True,
    help="Where to write the reference ('-' prints it).",
)
def docs(output: Path) -> None:
    """Write docs/configuration.md from the settings schema."""
    from bot.settings_docs import reference_markdown

    text = reference_markdown()
    if str(output) == "-":
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")
