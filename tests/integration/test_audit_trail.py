"""The audit trail: what every request leaves, that nothing ever changes it, and how to read it.

Reading it: ``audit [user|me] [days]`` in chat (admins only), its card, and
``onboard-bot audit export`` to CSV.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bot import dispatch
from bot.cards import audit as audit_cards
from bot.cards._md import code
from bot.chain import audit as audit_link
from bot.cli_audit import COLUMNS, write_csv
from bot.cli_audit import audit as audit_group
from commands.audit import SHOWN, AuditView
from commands.registry import REGISTRY
from commands.views import ErrorKind
from storage.models import AuditEntryRow
from storage.repositories import AuditRepository
from tests.integration.test_access_harness import (
    ADMIN,
    ADMIN2,
    SPACE,
    SUPPORT,
    VIEWER,
    access_bot,
    audit_rows,
    deletable,
    last_entry,
    markdown_of,
    watching_audit,
)
from tests.integration.test_roles_table import inputs_for, typed
from tests.support.specs import validate_card

HOSTILE = "<@personEmail:boss@example.com> **bold** [x](http://evil.example) `tick` <b>hi</b>"


@pytest.fixture
def chat_bot(database, clock, tmp_path):
    return access_bot(database, clock, tmp_path)


# --- what is recorded --------------------------------------------------------------------------


def test_a_typed_command_is_recorded_with_every_field(chat, clock):
    sub = deletable(chat.bot.db)
    chat.say(f"error {sub.user_id}", who=SUPPORT, cid="c-typed")
    entry = last_entry(chat.bot.db)
    assert entry.at == clock.now()
    assert (entry.actor, entry.via, entry.space_id) == (SUPPORT, "chat", SPACE)
    assert (entry.action, entry.text) == ("error", f"error {sub.user_id}")
    assert entry.target == sub.email  # resolved by the command: the user's email
    assert (entry.result, entry.detail, entry.correlation_id) == ("ok", None, "c-typed")


def test_a_card_action_is_recorded_with_its_data(chat):
    sub = deletable(chat.bot.db)
    chat.click("user.package", {"user": sub.user_id, "package": "premium"}, who=VIEWER)
    entry = last_entry(chat.bot.db)
    assert (entry.via, entry.action, entry.result) == ("card", "user.package", "refused")
    assert entry.target == sub.user_id
    assert json.loads(entry.text) == {
        "action": "user.package",
        "user": sub.user_id,
        "package": "premium",
    }
    assert entry.detail == "run.forbidden_button (needs admin)"


@pytest.mark.parametrize(
    ("text", "result", "detail"),
    [
        ("pakage x", "invalid", "parse.unknown_command"),
        ("retry 1 not-an-email", "invalid", "parse.bad_email"),
        ("error nobody@nowhere.example", "not_found", "error.not_found"),
        ("export", "ok", None),
    ],
)
def test_results_say_how_it_went(chat, text, result, detail):
    chat.say(text)
    entry = last_entry(chat.bot.db)
    assert entry.result == result
    assert entry.detail is None if detail is None else entry.detail.startswith(detail)


def test_an_unexpected_failure_is_recorded_with_its_log_reference(chat, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("provider exploded")

    monkeypatch.setattr(chat.bot.service, "error_report", boom)
    reply = chat.say("error 420555123456", cid="c-boom")
    assert reply.view.kind is ErrorKind.INTERNAL
    entry = last_entry(chat.bot.db)
    assert (entry.result, entry.detail) == ("error", f"ref {reply.view.ref}")
    assert reply.view.ref in caplog.text


def test_hostile_values_are_cut_to_the_columns_and_nul_is_kept_out(chat):
    action = "x" * 500 + "\x00"
    chat.click(action, {"user": "\x00" * 10 + "u" * 1000, "blob": "y" * 10_000})
    chat.say("status \x00 " + "z" * 5000, who=ADMIN.upper())
    card, typed_entry = audit_rows(chat.bot.db)[-2:]
    assert len(card.action) == 80 and card.result == "invalid"
    assert len(card.target) <= 320 and "\x00" not in card.target
    assert len(card.text) <= audit_link.MAX_TEXT
    assert len(typed_entry.text) == 2000 and "\x00" not in typed_entry.text
    assert typed_entry.actor == ADMIN  # normalised, so rate limits and `audit me` find it


def test_the_reply_survives_a_failing_audit_write(chat, monkeypatch, caplog):
    def broken(self, entry):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditRepository, "record", broken)
    with caplog.at_level(logging.ERROR):
        reply = chat.say("states", cid="c-nodisk")
    assert reply.ok
    (record,) = [r for r in caplog.records if "audit entry" in r.getMessage()]
    assert record.correlation_id == "c-nodisk"


# --- never updated or deleted ------------------------------------------------------------------


def test_a_full_run_never_updates_or_deletes_an_audit_entry(chat, clock, tmp_path):
    sub = deletable(chat.bot.db)
    with watching_audit(chat.bot.db) as watch:
        for spec in REGISTRY.commands():
            for who in (ADMIN, SUPPORT, VIEWER):
                chat.say(typed(spec), who=who)
        for action in REGISTRY.actions():
            chat.click(action.name, inputs_for(action.args), who=VIEWER)
        code = chat.say(f"delete {sub.email}").view.code
        chat.say(f"confirm {code}", who=ADMIN2)
        chat.say(f"confirm {code}")
        chat.say(f"confirm {code}")
        chat.say("audit")
        chat.say("status", who="mallory@elsewhere.example")
        chat.say("status", space="not-allowed", org="other-org")
        clock.advance(timedelta(minutes=30))
        out = io.StringIO()
        write_csv(chat.bot.db, out)
    assert watch.statements == [] and watch.orm == []
    assert len(audit_rows(chat.bot.db)) > 3 * len(REGISTRY.commands())


def test_the_audit_watch_catches_sql_and_orm_writes(chat):
    # The two tests around this one pass only because nothing was caught: prove it would be.
    chat.say("states")
    entry = last_entry(chat.bot.db)
    with watching_audit(chat.bot.db) as watch:
        with chat.bot.db.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE audit_entries SET detail = 'x' WHERE id = :i"), {"i": entry.id}
            )
        with chat.bot.db.uow() as uow:
            row = uow.session.get(AuditEntryRow, entry.id)
            row.detail = "y"
            uow.session.flush()
            uow.session.delete(row)
            uow.session.flush()
            uow.session.rollback()
    assert len(watch.statements) >= 3  # the UPDATE, then the ORM's UPDATE and DELETE
    assert watch.orm == [f"update of audit entry {entry.id}", f"delete of audit entry {entry.id}"]


_WRITES = re.compile(
    r"(sa\.)?(update|delete)\(\s*AuditEntryRow|(UPDATE|DELETE\s+FROM)\s+audit_entries", re.I
)


def test_no_code_of_the_bot_updates_or_deletes_audit_entries():
    root = Path(dispatch.__file__).resolve().parents[1]
    offenders = []
    for package in ("bot", "commands", "onboarding", "storage"):
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if _WRITES.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
    assert not hasattr(AuditRepository, "delete") and not hasattr(AuditRepository, "update")


# --- audit in chat -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", [SUPPORT, VIEWER])
def test_audit_is_for_admins_only(chat, who):
    reply = chat.say("audit", who=who)
    assert reply.view.kind is ErrorKind.FORBIDDEN
    assert "`audit` needs the admin role" in markdown_of(reply)


def test_audit_lists_newest_first_with_and_n_more(chat, clock):
    for n in range(SHOWN + 5):
        chat.say(f"states {n}" if n % 2 else "states", who=SUPPORT)
        clock.advance(timedelta(seconds=1))
    reply = chat.say("audit")
    view = reply.view
    assert isinstance(view, AuditView)
    assert len(view.entries) == SHOWN and view.total == SHOWN + 5
    times = [e.at for e in view.entries]
    assert times == sorted(times, reverse=True)
    md = markdown_of(reply)
    assert "…and 5 more." in md and "onboard-bot audit export" in md
    assert md.count("\n- ") == SHOWN


def test_audit_me_and_a_user_and_days(chat, clock):
    sub = deletable(chat.bot.db)
    chat.say("states", who=ADMIN2)
    chat.say(f"error {sub.user_id}", who=SUPPORT)
    clock.advance(timedelta(days=3))
    chat.say("templates", who=ADMIN)
    mine = chat.say("audit me").view
    assert {e.actor for e in mine.entries} == {ADMIN}
    about = chat.say(f"audit {sub.user_id}").view  # found under the email it was recorded by
    assert [(e.actor, e.action) for e in about.entries] == [(SUPPORT, "error")]
    recent = chat.say("audit 2").view
    assert {e.action for e in recent.entries} == {"templates", "audit"}
    assert chat.say(f"audit {ADMIN2} 5").view.total == 1


@pytest.mark.parametrize(
    ("text", "key"),
    [("audit 0", "audit.bad_days"), ("audit 9999", "audit.bad_days"), ("audit a b", "parse")],
)
def test_audit_says_what_is_wrong(chat, text, key):
    reply = chat.say(text)
    assert not reply.ok and reply.view.key.startswith(key)


@pytest.mark.parametrize("locale", ["en", "cs"])
def test_audit_shows_hostile_text_literally(chat, locale):
    text = f"status {HOSTILE}"
    chat.say(text, who=SUPPORT)
    view = chat.say("audit").view
    md = audit_cards.markdown(view, locale)
    assert code(text) in md  # verbatim, in a code span fenced longer than its backticks
    outside = md.replace(code(text), "")
    for raw in ("<@", "**bold**", "<b>", "](http"):
        assert raw not in outside
    card = audit_cards.card(view, locale)
    validate_card(card)
    blocks = [b["text"] for b in _walk(card) if b.get("type") == "TextBlock"]
    assert not any("personEmail" in b for b in blocks)  # data only ever in TextRuns
    runs = [b["text"] for b in _walk(card) if b.get("type") == "TextRun"]
    assert text in runs


def test_audit_card_in_czech_and_when_empty(chat, clock):
    view = AuditView((), 0, 7, "nikdo@example.cz")
    card = audit_cards.card(view, "cs")
    validate_card(card)
    assert "Auditní záznam" in json.dumps(card, ensure_ascii=False)
    assert "Za tu dobu nebylo nic zaznamenáno." in audit_cards.markdown(view, "cs")


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


# --- export to CSV -----------------------------------------------------------------------------


def test_export_writes_every_entry_oldest_first_and_defuses_formulas(chat, clock, tmp_path):
    chat.say('status =HYPERLINK("http://evil.example")', who=SUPPORT)
    clock.advance(timedelta(days=10))
    chat.say("states", who=ADMIN)
    runner = CliRunner()
    config = tmp_path / "app.yaml"
    config.write_text(f"database_url: '{chat.bot.db.engine.url.render_as_string(False)}'\n")
    out = tmp_path / "audit" / "trail.csv"
    result = runner.invoke(
        audit_group,
        ["export", "--output", str(out)],
        obj={"clock": clock, "config": config},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "wrote 2 audit entries" in result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == COLUMNS
    assert [r[5] for r in rows[1:]] == ["status", "states"]
    assert rows[1][6].startswith("status =HYPERLINK")  # the cell does not start with "="
    recent = runner.invoke(
        audit_group,
        ["export", "--since", "5"],
        obj={"clock": clock, "config": config},
        catch_exceptions=False,
    )
    lines = list(csv.reader(io.StringIO(recent.output)))
    assert [r[5] for r in lines[1:]] == ["states"]


def test_export_of_a_formula_cell_is_text():
    from bot.cli_audit import _cell

    assert _cell("=1+1") == "'=1+1" and _cell("-2") == "'-2" and _cell("ok") == "ok"
