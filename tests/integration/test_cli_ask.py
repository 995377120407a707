"""`onboard-bot ask` transcripts: the reply printed, the file written, the exit code."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from onboarding.export import COLUMNS
from tests.support.cli import Cli, cli_in


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return cli_in(tmp_path, monkeypatch)


def test_status_pending_shows_pending_and_errors_only(run) -> None:
    code, out = run("ask", "status pending")
    assert code == 0
    assert "error" in out and "pending request" in out
    assert "· provisioned" not in out


def test_status_all_includes_provisioned(run) -> None:
    code, out = run("ask", "status all provisioned")
    assert code == 0
    assert "provisioned" in out


def test_export_writes_the_csv(run, tmp_path: Path) -> None:
    files = tmp_path / "exports"
    code, out = run("ask", "export all --plain", "--files-dir", str(files))
    assert code == 0
    (path,) = files.glob("*.csv")
    assert str(path) in out
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS  # --plain: bare UTF-8, the machine names
    assert len(rows) > 50
    assert {r[7] for r in rows[1:]} == {"provisioned", "pending", "error"}


def test_bad_email_exits_1_saying_what_is_wrong(run) -> None:
    code, out = run("ask", "status errors")
    user = next(line for line in out.splitlines() if "🔴" in line).split("`")[1]
    code, out = run("ask", f"retry {user} not-an-email")
    assert code == 1
    assert "no @ sign" in out


def test_typo_suggests_the_command(run) -> None:
    code, out = run("ask", "pakage x")
    assert code == 1
    assert "`package`" in out


def test_json_prints_message_bodies(run) -> None:
    code, out = run("ask", "--json", "help")
    assert code == 0
    bodies = json.loads(out)
    assert isinstance(bodies, list) and "markdown" in bodies[0]


def test_bad_configuration_exits_2_naming_the_key(run) -> None:
    run.config.write_text("provider: magic\n", encoding="utf-8")
    code, out = run("ask", "help")
    assert code == 2
    assert "provider" in out


def test_access_section_requires_as(run) -> None:
    run.config.write_text(
        "access:\n  admins: [alice@partner.example]\n  viewers: ['*@viewers.example']\n",
        encoding="utf-8",
    )
    code, out = run("ask", "help")
    assert code == 2 and "--as" in out
    code, out = run("ask", "--as", "stranger@else.example", "help")
    assert code == 1
    code, out = run("ask", "--as", "bob@viewers.example", "delete someone@x.example")
    assert code == 1 and "admin" in out.lower()
    code, out = run("ask", "--as", "alice@partner.example", "status pending")
    assert code == 0


def test_seed_reports_what_it_wrote(run) -> None:
    code, out = run("seed", "--subscribers", "500", "--random-seed", "3", "--no-progress")
    assert code == 0
    assert "seeded 500 of 500 subscribers" in out
    code, out = run("seed", "--subscribers", "500", "--random-seed", "3", "--no-progress")
    assert "seeded 0 of 500 subscribers" in out
    code, out = run("ask", "status all")
    assert code == 0 and "found" in out


ROLES_CONFIG = (
    "access:\n"
    "  admins: [alice@partner.example]\n"
    "  support: ['*@support.partner.example']\n"
    "  viewers: ['*@viewers.example']\n"
)
LUCIE = "lucie.vesela@acme-cz.example"  # a demo user in error 10048


def _card_text(body: dict) -> str:
    """The words a person reads on the reply's card: each block's runs joined, one a line."""
    lines: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "RichTextBlock":
                lines.append("".join(r["text"] for r in node["inlines"]))
            elif node.get("type") == "TextBlock":
                lines.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(body["attachments"][0]["content"])
    return "\n".join(lines)


def _error_text(run, user: str) -> str:
    code, out = run("ask", "--as", "alice@partner.example", f"error {user}")
    assert code == 0
    return out.split("```")[1].strip()


@pytest.mark.parametrize(
    ("asker", "sees_text"),
    [
        ("bob@viewers.example", False),
        ("sam@support.partner.example", True),
        ("alice@partner.example", True),
    ],
)
def test_status_of_a_user_shows_the_error_text_only_to_whom_error_would(
    run, asker: str, sees_text: bool
) -> None:
    run.config.write_text(ROLES_CONFIG, encoding="utf-8")
    text = _error_text(run, LUCIE)
    code, out = run("ask", "--as", asker, "--json", f"status {LUCIE}")
    assert code == 0
    (body,) = json.loads(out)
    card = _card_text(body)
    assert "10048" in body["markdown"] and "10048" in card  # the code is for everyone
    assert (text in body["markdown"] or text in card) is sees_text
    assert (text in card) is sees_text
    shown_to_support = "the error text is shown to the support role"
    assert (shown_to_support in body["markdown"]) is not sees_text
    assert (shown_to_support in card) is not sees_text
    code, out = run("ask", "--as", asker, f"error {LUCIE}")
    assert (code == 0) is sees_text


def test_a_viewer_list_card_shows_error_codes_without_their_text(run) -> None:
    run.config.write_text(ROLES_CONFIG, encoding="utf-8")
    text = _error_text(run, LUCIE)
    for asker, sees_text in (("bob@viewers.example", False), ("alice@partner.example", True)):
        code, out = run("ask", "--as", asker, "--json", f"status errors search {LUCIE}")
        assert code == 0
        (body,) = json.loads(out)
        card = _card_text(body)
        assert "10048" in card
        assert (text in card) is sees_text
