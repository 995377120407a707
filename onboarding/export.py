"""CSV export of a subscriber list, streamed in batches of plain tuples so memory stays flat."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO

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


#: The snapshot columns an export reads, in the order ``csv_records`` expects them.
SOURCE_COLUMNS = (
    "user_id",
    "email",
    "first_name",
    "last_name",
    "customer_id",
    "package",
    "status",
    "errors",
    "last_status_change",
)

_GROUP = {s.value: s.group.value for s in ProvisioningStatus}
_NO_ERRORS = ("", "[]", "null")


def _errors(raw: Any) -> tuple[str, str]:
    """The codes and the texts of a row's errors (JSON text, or already a list)."""
    if raw is None or raw in _NO_ERRORS:
        return "", ""
    errors = json.loads(raw) if isinstance(raw, str) else raw
    if not errors:
        return "", ""
    codes = " | ".join(str(e.get("code", "")) for e in errors)
    return codes, _cell(" | ".join(str(e.get("description", "")) for e in errors))


def csv_records(batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[list[list[str]]]:
    """One CSV record per tuple of ``SOURCE_COLUMNS``, a batch at a time; several errors are
    joined with `` | ``. ``last_status_change`` may come naive, meaning UTC."""
    for batch in batches:
        out = []
        for user_id, email, first, last, customer, package, status, errors, changed in batch:
            codes, texts = _errors(errors)
            stamp = changed.isoformat()
            out.append(
                [
                    _cell(user_id),
                    _cell(email or ""),
                    _cell(first),
                    _cell(last),
                    _cell(customer),
                    package,
                    status,
                    _GROUP[status],
                    codes,
                    texts,
                    stamp if changed.tzinfo is not None else stamp + "+00:00",
                ]
            )
        yield out


def csv_rows(rows: Iterable[SubscriberRow]) -> Iterator[list[str]]:
    """One CSV record per snapshot row (the same records as ``csv_records``)."""
    for row in rows:
        for batch in csv_records([[tuple(getattr(row, c) for c in SOURCE_COLUMNS)]]):
            yield from batch


def write_csv(
    batches: Iterable[Sequence[Sequence[str]]], out: TextIO, *, header: Sequence[str] = COLUMNS
) -> int:
    """Write the header and every batch of records to ``out``; returns how many were written.

    A batch at a time through ``writerows`` (the C loop), so the file sees few, large writes, in
    the one CSV dialect (onboarding/csv_dialect.py).
    """
    writer = csv_dialect.writer(out)
    writer.writerow(header)
    count = 0
    for batch in batches:
        writer.writerows(batch)
        count += len(batch)
    return count
