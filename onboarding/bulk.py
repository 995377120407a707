"""Bulk retry from a file (``retry file``): read the CSV, check every row, run the ready ones.

The checks are single retry's (``OnboardingService._retry``): the email's syntax, naming the part
that is wrong (``normalise_email``; deliverability is not looked up in DNS, as for a single
retry), a user that exists once, is not provisioned and is not being provisioned right now, and an
email nobody else has (``snapshot_holder``), plus what only a file can get wrong: the same user or
the same new email twice. A row refused here is never run; the rows found ready are run after the
person confirms, each exactly once (``run_row``), and checked once more then by the service.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onboarding import csv_dialect
from onboarding.email_owners import email_in_use, snapshot_holder
from onboarding.emails import normalise_email
from onboarding.errors import InvalidInput, OnboardingError, ProviderUnavailable, Refused
from onboarding.mapping import subscriber_from_row
from onboarding.model import ProvisioningStatus
from storage import bulk as states
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

#: The most rows one file may have (issue 14: "a file of 5,000 rows").
MAX_ROWS = 5000
#: The most bytes one file may have: 5,000 rows of two long addresses fit in well under this.
MAX_BYTES = 2 * 1000 * 1000
#: The content types a CSV arrives with (Excel on Windows says vnd.ms-excel); any text/* too.
CSV_TYPES = frozenset({"text/csv", "application/csv", "application/vnd.ms-excel"})


@dataclass(frozen=True, slots=True)
class Upload:
    """A file attached to a message, as downloaded."""

    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Line:
    """One data row of the file: its row number as a spreadsheet shows it, and its two cells."""

    row_no: int
    ref: str
    email: str
    cells: int = 2


@dataclass(frozen=True, slots=True)
class Checked:
    """A row after the checks: ``ready`` with the subscriber found, or ``refused`` and why."""

    row_no: int
    ref: str
    email: str
    state: str
    subscriber_id: str | None = None
    reason: dict[str, Any] | None = None  # {"key": catalog key, "params": {...}}

    def as_row(self) -> dict[str, Any]:
        """The ``bulk_rows`` columns of this row."""
        return {
            "row_no": self.row_no,
            "ref": self.ref[:320],
            "email": self.email[:320],
            "subscriber_id": self.subscriber_id,
            "state": self.state,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Preview:
    """What the file came to: every row checked."""

    rows: tuple[Checked, ...] = field(default_factory=tuple)

    @property
    def ready(self) -> tuple[Checked, ...]:
        """The rows that will be retried on confirm."""
        return tuple(r for r in self.rows if r.state == states.READY)

    @property
    def refused(self) -> tuple[Checked, ...]:
        """The rows that will not, each with its reason."""
        return tuple(r for r in self.rows if r.state == states.REFUSED)


def reason_of(exc: OnboardingError) -> dict[str, Any]:
    """A domain error as stored with a row: its catalog key and parameters (plain values)."""
    return {"key": exc.key, "params": {k: _plain(v) for k, v in exc.params.items()}}


def _plain(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def read_upload(upload: Upload) -> list[Line]:
    """The data rows of an uploaded CSV, or ``InvalidInput`` saying plainly what is wrong."""
    size = len(upload.data)
    if size > MAX_BYTES:
        raise InvalidInput("bulk.too_big", name=upload.name, size=_kb(size), limit=_kb(MAX_BYTES))
    kind = upload.content_type.split(";", 1)[0].strip().lower()
    named_csv = upload.name.lower().endswith((".csv", ".txt"))
    if not (named_csv or kind in CSV_TYPES or kind.startswith("text/")):
        raise InvalidInput("bulk.not_csv", name=upload.name, type=kind or "?")
    try:
        records = csv_dialect.read_rows(upload.data)
    except (UnicodeDecodeError, csv.Error):
        raise InvalidInput("bulk.not_csv", name=upload.name, type=kind or "?") from None
    if records and not any("@" in cell for cell in records[0]):
        records = records[1:]  # a header row: no address in it ("user;new email")
        first = 2
    else:
        first = 1
    if not records:
        raise InvalidInput("bulk.empty", name=upload.name)
    if len(records) > MAX_ROWS:
        raise InvalidInput("bulk.too_many_rows", n=len(records), rows=MAX_ROWS)
    lines = []
    for offset, cells in enumerate(records):
        ref = cells[0] if cells else ""
        email = cells[1] if len(cells) > 1 else ""
        lines.append(Line(first + offset, ref, email, len(cells)))
    return lines


def _kb(size: int) -> int:
    return max(1, -(-size // 1000))


def check(uow: UnitOfWork, lines: Sequence[Line]) -> Preview:
    """Every row checked against the snapshot as single retry checks it, and against the file."""
    users: dict[str, int] = {}  # subscriber id -> the row that has it first
    emails: dict[str, int] = {}  # new email (lower case) -> the row that has it first
    out = []
    for line in lines:
        try:
            out.append(_check(uow, line, users, emails))
        except OnboardingError as exc:
            out.append(
                Checked(line.row_no, line.ref, line.email, states.REFUSED, reason=reason_of(exc))
            )
    return Preview(tuple(out))


def _check(uow: UnitOfWork, line: Line, users: dict[str, int], emails: dict[str, int]) -> Checked:
    if line.cells < 2 or not line.ref:
        raise InvalidInput("bulk.row.columns")
    address = normalise_email(line.email)
    found = uow.subscribers.find(line.ref)
    if not found:
        raise InvalidInput("bulk.row.not_found", ref=line.ref)
    if len(found) > 1:
        ids = ", ".join(r.user_id for r in found[:5])
        raise InvalidInput("user.ambiguous", ref=line.ref, count=len(found), ids=ids)
    sub = subscriber_from_row(found[0])
    if sub.status is ProvisioningStatus.PROVISIONED:
        raise Refused("retry.already_provisioned", user=sub.user_id)
    if sub.status.in_flight:
        raise Refused("user.in_flight", user=sub.user_id, status=sub.status.value)
    if sub.id in users:
        raise InvalidInput("bulk.row.same_user", user=sub.user_id, row=users[sub.id])
    if address.lower() in emails:
        raise InvalidInput("bulk.row.same_email", email=address, row=emails[address.lower()])
    holder = snapshot_holder(uow, address, target=sub)
    if holder is not None:
        raise email_in_use(address, sub, holder)
    users[sub.id] = line.row_no
    emails[address.lower()] = line.row_no
    return Checked(line.row_no, line.ref, address, states.READY, subscriber_id=sub.id)


@dataclass(frozen=True, slots=True)
class RowResult:
    """How one row's run ended (the state it was settled in, and why when not done)."""

    state: str
    reason: dict[str, Any] | None = None


def outcome_reason(exc: BaseException) -> dict[str, Any]:
    """What a run-time failure is stored as: a domain error as it is, anything else in general."""
    if isinstance(exc, OnboardingError):
        return reason_of(exc)
    return {"key": "bulk.row.error", "params": {"error": type(exc).__name__}}


def result_state(exc: BaseException) -> str:
    """The state a row that raised ends in: refused for the checks, failed for the rest."""
    if isinstance(exc, OnboardingError) and not isinstance(exc, ProviderUnavailable):
        return states.REFUSED
    return states.FAILED
