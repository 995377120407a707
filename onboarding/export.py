"""CSV export of a subscriber list, streamed row by row so memory stays flat at any size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from onboarding import csv_dialect
from onboarding.csv_dialect import safe_cell as _cell
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


def write_csv(
    rows: Iterable[SubscriberRow], out: TextIO, *, header: Sequence[str] = COLUMNS
) -> int:
    """Write the header and every row to ``out``; returns how many subscribers were written."""
    writer = csv_dialect.writer(out)  # the one CSV dialect (onboarding/csv_dialect.py)
    writer.writerow(header)
    count = 0
    for record in csv_rows(rows):
        writer.writerow(record)
        count += 1
    return count
