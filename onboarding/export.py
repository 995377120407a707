"""CSV export of a subscriber list, streamed row by row so memory stays flat at any size."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import TextIO

from onboarding.model import ProvisioningStatus
from storage.models import SubscriberRow

COLUMNS = (
    "broadworks_id",
    "email",
    "first_name",
    "last_name",
    "customer",
    "package",
    "status",
    "status_group",
    "error_code",
    "error_text",
    "last_status_change",
)

# A spreadsheet runs cells starting with these as formulas; provider data must stay data.
_FORMULA_START = ("=", "@", "\t", "\r")


def _cell(value: str) -> str:
    if value.startswith(_FORMULA_START):
        return "'" + value
    # "+420 ..." and "-1" are numbers, not formulas: BroadWorks IDs are often phone numbers.
    if value[:1] in "+-" and value[1:2] and not value[1:2].isdigit():
        return "'" + value
    return value


def csv_rows(rows: Iterable[SubscriberRow]) -> Iterator[list[str]]:
    """One CSV record per subscriber; several errors are joined with `` | ``."""
    for row in rows:
        errors = row.errors or []
        yield [
            _cell(row.user_id),
            _cell(row.email or ""),
            _cell(row.first_name),
            _cell(row.last_name),
            _cell(row.customer_id),
            row.package,
            row.status,
            ProvisioningStatus(row.status).group.value,
            " | ".join(str(e.get("code", "")) for e in errors),
            _cell(" | ".join(str(e.get("description", "")) for e in errors)),
            row.last_status_change.isoformat(),
        ]


def write_csv(rows: Iterable[SubscriberRow], out: TextIO) -> int:
    """Write the header and every row to ``out``; returns how many subscribers were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in csv_rows(rows):
        writer.writerow(record)
        count += 1
    return count
