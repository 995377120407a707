"""Before the OAuth refresh token runs out, the admins hear it once at 14 days and once at 3."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.bootstrap import build_bot
from bot.expiry import RefreshTokenWatch
from bot.metrics import Metrics
from bot.settings import AccessSettings, OAuthSettings, Settings, WebexSettings
from onboarding.clock import ManualClock
from onboarding.providers.webex_auth import OAUTH_STATE, _fingerprint
from storage.models import OutboxRow

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
EXPIRES = START + timedelta(days=30)


@pytest.fixture
def watched(sqlite_database, tmp_path):
    settings = Settings(
        provider="webex",
        webex=WebexSettings(api_url="http://127.0.0.1:1/v1/"),
        oauth=OAuthSettings(client_id="c", client_secret="s", refresh_token="refresh-1"),
        access=AccessSettings(admins=("ana@partner.example",), spaces={"room-admins": "admin"}),
        files_dir=tmp_path / "files",
    )
    clock = ManualClock(START)
    bot = build_bot(settings, db=sqlite_database, clock=clock, migrate=False)
    # What OAuthTokenSource stored at its last refresh (no Webex call is needed to read it).
    with sqlite_database.uow() as uow:
        uow.sync_state.put(
            OAUTH_STATE,
            {
                "client_id": "c",
                "origin": _fingerprint("refresh-1"),
                "access_token": "a",
                "expires_at": (START + timedelta(hours=1)).isoformat(),
                "refresh_token": "refresh-1",
                "refresh_token_expires_at": EXPIRES.isoformat(),
            },
            now=START,
        )
        uow.commit()
    metrics = Metrics()
    return bot, clock, RefreshTokenWatch(bot, metrics), metrics


def warnings(bot) -> list[OutboxRow]:
    with bot.db.uow() as uow:
        return list(uow.session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)))


def test_nothing_is_said_a_month_before(watched):
    bot, _, watch, metrics = watched
    expiry = watch.check()
    assert expiry is not None and expiry.threshold is None
    assert warnings(bot) == []
    assert metrics.value("onboard_oauth_refresh_token_remaining_seconds") == 30 * 86400


def test_the_admins_space_is_told_once_at_14_days_and_once_at_3(watched, caplog):
    bot, clock, watch, _ = watched
    clock.set(EXPIRES - timedelta(days=13, hours=2))
    with caplog.at_level(logging.WARNING, logger="bot.expiry"):
        watch.check()
        watch.check()  # an hour later, or another process: nothing new
    [first] = warnings(bot)
    assert first.room_id == "room-admins"
    assert "runs out in 13 days" in (first.markdown or "")
    assert "2026-12-31 09:00 UTC" in (first.markdown or "")
    logged = [r for r in caplog.records if "refresh token expires in 13 days" in r.getMessage()]
    assert len(logged) == 1

    clock.set(EXPIRES - timedelta(days=2))
    watch.check()
    watch.check()
    rows = warnings(bot)
    assert len(rows) == 2
    assert "runs out in 2 days" in (rows[1].markdown or "")


def test_czech_admins_get_it_in_czech(watched):
    bot, clock, _, metrics = watched
    czech = bot.settings.model_copy(update={"locale": "cs"})
    bot.settings = czech
    clock.set(EXPIRES - timedelta(days=10))
    RefreshTokenWatch(bot, metrics).check()
    [row] = warnings(bot)
    assert "vyprší za 10 dní" in (row.markdown or "")
