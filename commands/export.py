"""``export [filters]``: the filtered user list as a CSV file (Partner Hub's *Export*)."""

from __future__ import annotations

from pathlib import Path

from commands._args import FILTERS
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import Role, card_action, command
from commands.replies import Reply, ReplyFile
from commands.views import ExportView
from onboarding import csv_dialect
from onboarding.export import COLUMNS


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
    path = _new_path(ctx)
    header = csv_dialect.header("users", COLUMNS, None if filters.plain else ctx.locale)
    try:
        with path.open("w", encoding=csv_dialect.encoding(plain=filters.plain), newline="") as out:
            rows = ctx.service.export_csv(filters.query, out, header=header)
    except BaseException:
        path.unlink(missing_ok=True)  # never leave half a file behind for the next reply to send
        raise
    view = ExportView(path.name, rows, filters.words)
    return Reply(view, file=ReplyFile(path, path.name, "text/csv"))


def _new_path(ctx: CommandContext) -> Path:
    ctx.files_dir.mkdir(parents=True, exist_ok=True)
    stamp = ctx.clock.now().strftime("%Y%m%dT%H%M%SZ")
    path = ctx.files_dir / f"onboard-export-{stamp}.csv"
    n = 2
    while path.exists():
        path = ctx.files_dir / f"onboard-export-{stamp}-{n}.csv"
        n += 1
    return path
