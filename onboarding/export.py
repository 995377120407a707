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


#: The snapshot columns an export reads, in the order ``csv_records`` expects them; the
#: timestamp comes as its ISO text, made by the database (storage/repositories.py).
SOURCE_COLUMNS = (
    "user_id",
    "email",
    "first_name",
    "last_name",
    "customer_id",
    "package",
    "status",
    "errors",
    "last_status_change@iso",
)

_GROUP = {s.value: s.group.value for s in ProvisioningStatus}
_NO_ERRORS = frozenset(("", "[]", "null"))
_RISKY = csv_dialect.RISKY_FIRST


def _errors(raw: Any) -> tuple[str, str]:
    """The codes and the texts of a row's errors (JSON text, or already a list)."""
    if raw is None or (isinstance(raw, str) and raw in _NO_ERRORS):
        return "", ""
    errors = json.loads(raw) if isinstance(raw, str) else raw
    if not errors:
        return "", ""
    codes = " | ".join(str(e.get("code", "")) for e in errors)
    return codes, _cell(" | ".join(str(e.get("description", "")) for e in errors))


def _stamp(changed: Any) -> str:
    """A timestamp cell: ISO text as given, or a datetime's ``isoformat`` (naive means UTC)."""
    if isinstance(changed, str):
        return changed
    stamp: str = changed.isoformat()
    return stamp if changed.tzinfo is not None else stamp + "+00:00"


def csv_records(batches: Iterable[Sequence[Sequence[Any]]]) -> Iterator[list[list[str]]]:
    """One CSV record per tuple of ``SOURCE_COLUMNS``, a batch at a time; several errors are
    joined with `` | ``. ``last_status_change`` is ISO text, or a datetime (naive means UTC).

    This loop runs once per exported row (1,000,000 for a big partner), so the usual case is
    decided inline: a cell goes through ``safe_cell`` only when it is empty, None or starts
    with a character a spreadsheet could run (the same rule, not a second one), and a row's
    errors are parsed only when there are some.
    """
    group = _GROUP
    risky = _RISKY
    no_errors = _NO_ERRORS
    cell = _cell
    for batch in batches:
        out: list[list[str]] = []
        append = out.append
        for user_id, email, first, last, customer, package, status, errors, changed in batch:
            if errors is None or (errors.__class__ is str and errors in no_errors):
                codes = texts = ""
            else:
                codes, texts = _errors(errors)
            append(
                [
                    user_id if user_id and user_id[0] not in risky else cell(user_id),
                    email if email and email[0] not in risky else cell(email),
                    first if first and first[0] not in risky else cell(first),
                    last if last and last[0] not in risky else cell(last),
                    customer if customer and customer[0] not in risky else cell(customer),
                    package,
                    status,
                    group[status],
                    codes,
                    texts,
                    changed if changed.__class__ is str else _stamp(changed),
                ]
            )
        yield out


def csv_rows(rows: Iterable[SubscriberRow]) -> Iterator[list[str]]:
    """One CSV record per snapshot row (the same records as ``csv_records``)."""
    names = [c.removesuffix("@iso") for c in SOURCE_COLUMNS]
    for row in rows:
        for batch in csv_records([[tuple(getattr(row, c) for c in names)]]):
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
