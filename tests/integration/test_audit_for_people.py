"""The audit trail is for people (issue 9.5): who, what as typed or labelled, which user, the
outcome in words, when; plurals right in English and Czech; the machine form stays stored."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.cli_audit import write_csv
from storage.models import AuditEntryRow, SubscriberRow
from tests.support.chat import SUPPORT, Chat

_KEYISH = re.compile(r"\b(parse|run|service|resend|access|confirm|user)\.[a-z_]+")


def _subscriber(chat: Chat) -> SubscriberRow:
    with chat.bot.db.uow() as uow:
        stmt = (
            sa.select(SubscriberRow)
            .where(SubscriberRow.email.is_not(None), SubscriberRow.status == "error")
            .order_by(SubscriberRow.id)
            .limit(1)
        )
        row = uow.session.scalars(stmt).first()
    assert row is not None and row.email
    return row


def test_a_refused_click_reads_as_the_button_the_user_and_the_reason(chat: Chat):
    sub = _subscriber(chat)
    chat.as_(SUPPORT).click("user.delete", {"user": sub.id})
    chat.say(f"package {sub.user_id} gold")
    md = chat.say("audit").markdown
    assert "button **Delete user**" in md
    assert f"user `{sub.email}`" in md and sub.id not in md
    assert "refused: needs the admin role" in md
    assert "`package " in md and "bad input" in md
    assert '{"action"' not in md and not _KEYISH.search(md), md
    cs = chat.say("audit").markdown_in("cs")
    assert "tlačítko **Odstranit uživatele**" in cs and "vyžaduje roli správce" in cs
    # The machine form is kept for `onboard-bot audit export`.
    [click] = chat.audit(AuditEntryRow.via == "card")
    assert click.action == "user.delete" and click.detail == "run.forbidden_button (needs admin)"
    assert json.loads(click.text or "") == {"action": "user.delete", "user": sub.id}
    out = io.StringIO()
    write_csv(chat.bot.db, out)
    exported = list(csv.DictReader(io.StringIO(out.getvalue())))
    row = next(r for r in exported if r["via"] == "card")
    assert (row["action"], row["detail"]) == ("user.delete", "run.forbidden_button (needs admin)")
    assert json.loads(row["text"]) == {"action": "user.delete", "user": sub.id}


def test_a_provider_action_reads_as_what_was_done(chat: Chat):
    sub = _subscriber(chat)
    said = chat.click("user.retry", {"user": sub.id, "email": "new.person@acme.example"})
    assert said.ok, said.markdown
    md = chat.say("audit").markdown
    assert "button **Retry activation**" in md
    assert "↳ Retry activation, carried out by the provider" in md
    assert "service." not in md and sub.id not in md


@pytest.mark.parametrize(
    ("days", "commands", "en", "cs"),
    [
        (1, 0, "of the last day: 1 entry,", "za poslední den: 1 záznam,"),
        (3, 1, "of the last 3 days: 2 entries,", "za poslední 3 dny: 2 záznamy,"),
        (7, 4, "of the last 7 days: 5 entries,", "za posledních 7 dní: 5 záznamů,"),
    ],
)
def test_counts_are_worded_with_the_right_plural(chat: Chat, days, commands, en, cs):
    chat.say("states")
    for _ in range(commands):
        chat.bot.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        chat.say("templates")
    said = chat.say(f"audit {days}")
    assert en in said.markdown
    assert cs in said.markdown_in("cs")
    card = json.dumps(said.card, ensure_ascii=False)
    assert "1 entries" not in card and "1 days" not in card
