"""``export [filters]``: the filtered user list as a CSV file (Partner Hub's *Export*).

Webex carries at most 100 MB in one file (webex-facts.md §2). A CSV over that goes zipped (CSV
compresses about fivefold, and every desktop opens a zip), and the reply says so; an export
still over the limit zipped is refused with advice to narrow the filters, never sent to fail.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from commands._args import FILTERS
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import Role, card_action, command
from commands.replies import Reply, ReplyFile
from commands.views import ExportView
from onboarding import csv_dialect
from onboarding.errors import Refused
from onboarding.export import COLUMNS

#: The largest file Webex accepts in a message: "100 MB each", read as decimal megabytes.
MAX_FILE_BYTES = 100 * 1000 * 1000
_MB = 1000 * 1000


@card_action("export")
@command(
    "export",
    aliases=("csv",),
    args=(FILTERS,),
    role=Role.SUPPORT,
    examples=("export", "export all", "export errors customer novlog-cz"),
)
def export(ctx: CommandContext, args: Args) -> Reply:
    """Write the users matching the filters (``page`` ignored) to a CSV file and send it.

    For people (Excel) by default: a byte-order mark and headers in the asker's language;
    ``--plain`` for scripts: bare UTF-8 and the machine column names.
    """
    filters = args.filters()
    path = _new_path(ctx, ".csv")
    header = csv_dialect.header("users", COLUMNS, None if filters.plain else ctx.locale)
    try:
        with path.open("w", encoding=csv_dialect.encoding(plain=filters.plain), newline="") as out:
            rows = ctx.service.export_csv(filters.query, out, header=header)
    except BaseException:
        path.unlink(missing_ok=True)  # never leave half a file behind for the next reply to send
        raise
    size = path.stat().st_size
    if size <= MAX_FILE_BYTES:
        view = ExportView(path.name, rows, filters.words)
        return Reply(view, file=ReplyFile(path, path.name, "text/csv"))
    zipped = _zip(ctx, path)
    zipped_size = zipped.stat().st_size
    if zipped_size > MAX_FILE_BYTES:
        zipped.unlink(missing_ok=True)
        raise Refused("export.too_big", rows=rows, size=_mb(zipped_size))
    view = ExportView(zipped.name, rows, filters.words, _mb(size), _mb(zipped_size))
    return Reply(view, file=ReplyFile(zipped, zipped.name, "application/zip"))


def _zip(ctx: CommandContext, csv_path: Path) -> Path:
    """``csv_path`` compressed into a zip of the same name; the CSV itself is removed."""
    zipped = _new_path(ctx, ".zip", stem=csv_path.stem)
    try:
        # Level 1: several times faster than the default and within a few per cent of its size.
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.write(csv_path, arcname=csv_path.name)
    except BaseException:
        zipped.unlink(missing_ok=True)
        raise
    finally:
        csv_path.unlink(missing_ok=True)
    return zipped


def _mb(size: int) -> int:
    return max(1, -(-size // _MB))


def _new_path(ctx: CommandContext, suffix: str, *, stem: str | None = None) -> Path:
    ctx.files_dir.mkdir(parents=True, exist_ok=True)
    if stem is None:
        stem = "onboard-export-" + ctx.clock.now().strftime("%Y%m%dT%H%M%SZ")
    path = ctx.files_dir / f"{stem}{suffix}"
    n = 2
    while path.exists():
        path = ctx.files_dir / f"{stem}-{n}{suffix}"
        n += 1
    return path
