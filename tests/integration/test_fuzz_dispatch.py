"""Hostile text and card data through the whole dispatch chain, on SQLite and PostgreSQL.

Whatever a person types or a forged card submits: ``handle`` never raises, leaves exactly one
audit entry, and its reply renders in both locales under Webex's size limit.
Budget: ``ONBOARD_FUZZ_EXAMPLES`` examples per property (50 by default).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import Bot
from bot.cards._md import MAX_BYTES, size
from bot.dispatch import Request, dispatch, is_silent
from commands.registry import REGISTRY
from onboarding.clock import ManualClock
from storage.models import AuditEntryRow
from storage.uow import Database
from tests.integration.test_access_harness import (
    ADMIN,
    STRANGER,
    SUPPORT,
    VIEWER,
    access_bot,
    markdown_of,
)

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("ONBOARD_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

_WORDS = sorted({n for s in REGISTRY.commands() for n in s.names} | {"me", "all", "errors"})
_TRICKS = ["\x00", "\u202e", "\u200b", "`", "**", "<@all>", "<@personEmail:a@b.c>", "[x](y)", "%"]
_TOKEN = st.one_of(st.sampled_from(_WORDS), st.sampled_from(_TRICKS), st.text(max_size=30))
_TEXT = st.one_of(st.text(max_size=200), st.lists(_TOKEN, max_size=8).map(" ".join))
_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    _TEXT,
    st.lists(_TEXT, max_size=3),
    st.dictionaries(st.text(max_size=5), _TEXT, max_size=2),
)
_INPUT_NAMES = ["user", "users", "email", "package", "code", "state", "filters", "customer"]
_ACTIONS = st.one_of(st.sampled_from([a.name for a in REGISTRY.actions()]), st.text(max_size=100))
_PEOPLE = st.sampled_from([ADMIN, SUPPORT, VIEWER, STRANGER, "", " ", "ADMIN@X", "\x00@x.cz"])


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fuzz_bot(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bot]:
    if request.param == "sqlite":
        database = Database.from_url(f"sqlite:///{tmp_path_factory.mktemp('db') / 'bot.db'}")
        database.upgrade()
    else:
        database = request.getfixturevalue("_migrated_postgres")
        with database.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE audit_entries, confirmations, sync_state CASCADE"))
    clock = ManualClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
    yield access_bot(database, clock, tmp_path_factory.mktemp("files"))
    if request.param == "sqlite":
        database.dispose()


def _entries(bot: Bot) -> int:
    with bot.db.uow() as uow:
        stmt = sa.select(sa.func.count()).where(AuditEntryRow.action.not_like("service.%"))
        return int(uow.session.scalar(stmt.select_from(AuditEntryRow)) or 0)


def _check(bot: Bot, request: Request) -> None:
    before = _entries(bot)
    reply = dispatch(bot, request).reply
    assert _entries(bot) == before + 1
    if is_silent(reply):
        return
    for locale in ("en", "cs"):
        assert size(markdown_of(reply, locale)) <= MAX_BYTES


@FUZZ
@given(text=_TEXT, who=_PEOPLE, space=st.one_of(st.none(), st.text(max_size=250)))
def test_any_typed_text_is_answered_and_audited(fuzz_bot, text, who, space):
    _check(fuzz_bot, Request(person_email=who, text=text, space_id=space, org_id="org-partner"))


@FUZZ
@given(
    action=_ACTIONS,
    inputs=st.dictionaries(st.one_of(st.sampled_from(_INPUT_NAMES), st.text()), _VALUE),
    who=_PEOPLE,
)
def test_any_card_submission_is_answered_and_audited(fuzz_bot, action, inputs, who):
    data: dict[str, Any] = {**inputs, "action": action}
    request = Request(
        person_email=who, action=action, inputs=data, via="card", org_id="org-partner"
    )
    _check(fuzz_bot, request)
