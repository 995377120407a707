"""CSV files for people's tools: Excel reads Czech names, scripts get stable columns, and no
cell of either export (users, audit trail) ever runs as a formula — by one rule."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from bot.cli_audit import COLUMNS as AUDIT_COLUMNS
from bot.cli_audit import audit as audit_group
from bot.cli_audit import write_csv as write_audit_csv
from onboarding import csv_dialect
from onboarding.export import COLUMNS, csv_rows, write_csv
from storage.models import SubscriberRow
from tests.support.chat import SUPPORT, Chat

CZECH_SPACE = "space-praha"
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def _rows(path, encoding: str = "utf-8-sig") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def test_an_export_opened_as_excel_does_round_trips_czech_names(chat: Chat) -> None:
    said = chat.say("export all", who=SUPPORT)
    assert said.ok and said.file is not None
    raw = said.file.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    rows = _rows(said.file.path)
    names = {(r[2], r[3]) for r in rows[1:]}
    with chat.bot.db.uow() as uow:
        stored = {(s.first_name, s.last_name) for s in uow.session.query(SubscriberRow)}
    assert names == stored
    assert any(not n.isascii() for pair in names for n in pair)  # "Veselá", "Černá"…
    assert rows[0][:4] == ["BroadWorks ID", "Email", "First name", "Last name"]


def test_headers_follow_the_spaces_language(chat: Chat) -> None:
    assert chat.say("language cs", space=CZECH_SPACE).ok
    said = chat.say("export chyby", who=SUPPORT, space=CZECH_SPACE)
    assert said.ok and said.file is not None
    header = _rows(said.file.path)[0]
    assert header == csv_dialect.header("users", COLUMNS, "cs")
    assert header[:5] == ["ID BroadWorks", "E-mail", "Jméno", "Příjmení", "Zákazník"]


def test_plain_is_bare_utf8_with_the_machine_column_names(chat: Chat) -> None:
    assert chat.say("language cs", space=CZECH_SPACE).ok
    said = chat.say("export vše --plain", who=SUPPORT, space=CZECH_SPACE)
    assert said.ok and said.file is not None
    assert not said.file.path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert tuple(_rows(said.file.path, "utf-8")[0]) == COLUMNS
    wrong = chat.say("export --pleain", who=SUPPORT)
    assert not wrong.ok and "`--pleain` is not an option here" in wrong.markdown


# --- one formula-injection rule for both exports ----------------------------------------------

#: (what was written, what the cell must hold): formulas become text; numbers stay numbers.
CELLS = [
    ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("+1+A1", "'+1+A1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTAB", "'\tTAB"),
    ("\rCR", "'\rCR"),
    ("+420 600 278 947", "+420 600 278 947"),  # a phone-number BroadWorks ID stays as typed
    ("-1", "-1"),
    ("+420123456789@bw.example", "+420123456789@bw.example"),
    ("+420123456789@bw.example|calc", "'+420123456789@bw.example|calc"),
    ("Veselá", "Veselá"),
]


def _subscriber(value: str) -> SubscriberRow:
    return SubscriberRow(
        id="sub-1",
        user_id=value,
        email=None,
        first_name=value,
        last_name="Nováková",
        customer_id="acme-cz",
        package="basic",
        status="error",
        errors=[{"code": "4001", "description": value}],
        created=NOW,
        last_status_change=NOW,
    )


@pytest.mark.parametrize(("value", "cell"), CELLS)
def test_the_users_export_keeps_formulas_as_text(value: str, cell: str) -> None:
    out = io.StringIO()
    write_csv([list(csv_rows([_subscriber(value)]))], out)
    (row,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1:]
    assert (row[0], row[2], row[9]) == (cell, cell, cell)


@pytest.mark.parametrize(("value", "cell"), CELLS)
def test_the_audit_export_keeps_formulas_as_text(chat: Chat, value: str, cell: str) -> None:
    chat.say(f"status {value}")
    out = io.StringIO()
    write_audit_csv(chat.bot.db, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    typed = rows[-1][AUDIT_COLUMNS.index("text")]
    assert typed == csv_dialect.safe_cell(f"status {value}".strip())
    assert csv_dialect.safe_cell(value) == cell  # the same rule as the users export above


def test_the_audit_export_opens_in_excel_with_czech_headers(chat: Chat, tmp_path) -> None:
    chat.say("stav Veselá")
    config = tmp_path / "app.yaml"
    url = chat.bot.db.engine.url.render_as_string(False)
    config.write_text(f"database_url: '{url}'\nlocale: cs\n")
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(
        audit_group,
        ["export", "--output", str(out)],
        obj={"config": config},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(out)
    assert rows[0] == csv_dialect.header("audit", AUDIT_COLUMNS, "cs")
    assert rows[-1][AUDIT_COLUMNS.index("text")] == "stav Veselá"


# --- the streamed export writes exactly what a row-by-row export of the same data writes -------


def _reference_csv(rows: list[SubscriberRow]) -> str:
    """The users export as it was written row by row from ORM objects (before the streamed,
    database-formatted path): the bytes the fast path must keep."""
    from onboarding.model import ProvisioningStatus

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        errors = r.errors or []
        writer.writerow(
            [
                csv_dialect.safe_cell(r.user_id),
                csv_dialect.safe_cell(r.email or ""),
                csv_dialect.safe_cell(r.first_name),
                csv_dialect.safe_cell(r.last_name),
                csv_dialect.safe_cell(r.customer_id),
                r.package,
                r.status,
                ProvisioningStatus(r.status).group.value,
                " | ".join(str(e.get("code", "")) for e in errors),
                csv_dialect.safe_cell(" | ".join(str(e.get("description", "")) for e in errors)),
                r.last_status_change.isoformat(),
            ]
        )
    return out.getvalue()


def test_the_streamed_export_is_byte_identical_to_a_row_by_row_one(database, clock) -> None:
    from datetime import timedelta

    from onboarding.providers.sandbox import SandboxProvider
    from onboarding.queries import SubscriberQuery
    from onboarding.service import OnboardingService

    values = [v for v, _ in CELLS] + ["", 'Černá, "Jana"\r\nřádek', "plain"]
    rows = []
    for i, value in enumerate(values):
        # A whole second, a fraction, a fraction with trailing zeros: isoformat differs.
        at = NOW - timedelta(minutes=i, microseconds=[0, 123456, 500000, 10][i % 4])
        rows.append(
            SubscriberRow(
                id=f"sub-{i}",
                user_id=value or f"u{i}",
                email=None if i % 3 == 0 else f"{value}{i}@acme.example",
                first_name=value,
                last_name="Nováková",
                customer_id="acme-cz" if i % 2 else value or "c",
                package="basic",
                status=["error", "provisioned", "pending_email_validation"][i % 3],
                errors=[]
                if i % 3
                else [{"code": 4001, "description": value}, {"code": "7", "description": "x"}],
                created=at,
                last_status_change=at,
            )
        )
    with database.uow() as uow:
        uow.session.add_all(rows)
        uow.commit()
    with database.uow() as uow:
        stored = list(
            uow.session.query(SubscriberRow).order_by(
                SubscriberRow.last_status_change.desc(), SubscriberRow.id.desc()
            )
        )
        expected = _reference_csv(stored)
    service = OnboardingService(database, SandboxProvider(database, clock), clock)
    out = io.StringIO(newline="")
    assert service.export_csv(SubscriberQuery(include_provisioned=True), out) == len(values)
    assert out.getvalue() == expected
