"""``onboard-bot audit export``: the audit trail as CSV, oldest first, for auditors and tickets.

Registered in ``bot/cli.py`` with ``main.add_command(audit)``. Reads only: the bot never updates
or deletes an audit entry, and neither does this command.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import click

from storage.models import AuditEntryRow
from storage.uow import Database

COLUMNS = (
    "id",
    "time",
    "person",
    "via",
    "space",
    "action",
    "text",
    "target",
    "result",
    "detail",
    "correlation_id",
)
_BATCH = 1000
# Spreadsheets run cells that start with these as formulas; a typed "=HYPERLINK(...)" must stay
# text when an auditor opens the file (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entries(db: Database, *, since: datetime | None = None) -> Iterator[AuditEntryRow]:
    """Every audit entry (since ``since``), oldest first, fetched in batches by id."""
    last = 0
    while True:
        with db.uow() as uow:
            rows = uow.audit.after(last, since=since, limit=_BATCH)
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def write_csv(db: Database, out: TextIO, *, since: datetime | None = None) -> int:
    """Write the trail as CSV to ``out``; returns how many entries were written."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in entries(db, since=since):
        writer.writerow(
            [
                _cell(v)
                for v in (
                    row.id,
                    row.at,
                    row.actor,
                    row.via,
                    row.space_id,
                    row.action,
                    row.text,
                    row.target,
                    row.result,
                    row.detail,
                    row.correlation_id,
                )
            ]
        )
        count += 1
    return count


@click.group()
def audit() -> None:
    """The audit trail: who did what, when, and how it went."""


@audit.command("export")
@click.option(
    "--since",
    "since_days",
    type=click.IntRange(min=1),
    default=None,
    metavar="DAYS",
    help="Only the last DAYS days (default: everything).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="CSV file to write (default: standard output).",
)
@click.pass_context
def export(ctx: click.Context, since_days: int | None, output: Path | None) -> None:
    """Write the audit trail as CSV (oldest first)."""
    from bot.cli import settings_from
    from onboarding.clock import SystemClock

    settings = settings_from(ctx)
    db = Database.from_url(settings.database_url)
    db.upgrade()
    clock = ctx.obj.get("clock") if isinstance(ctx.obj, dict) else None  # tests set one
    now = (clock or SystemClock()).now()
    since = now - timedelta(days=since_days) if since_days is not None else None
    try:
        if output is None:
            count = write_csv(db, sys.stdout, since=since)
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            with output.open("w", encoding="utf-8", newline="") as out:
                count = write_csv(db, out, since=since)
    finally:
        db.dispose()
    if output is not None:
        click.echo(f"wrote {count} audit entries to {output}")
