"""Times shown to people are in the bot's ``timezone`` (default Europe/Prague), CET or CEST.

Prague moved its clocks from 02:00 CET to 03:00 CEST at 01:00 UTC on 2026-03-29 and back from
03:00 CEST to 02:00 CET at 01:00 UTC on 2026-10-25: the fixed clocks here sit on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery import notice_time
from bot.settings import ConfigError, Settings, load_settings
from i18n import numbers, t
from onboarding.clock import ManualClock
from tests.integration.test_commands_chat import chat, chat_bot  # noqa: F401  (the fixtures)
from tests.support.chat import Chat

SPRING = datetime(2026, 3, 29, 0, 50, tzinfo=UTC)  # 01:50 CET, ten minutes before the change


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(SPRING)


@pytest.fixture(autouse=True)
def _prague() -> Iterator[None]:
    # The zone is the process's (bot.bootstrap sets it): leave it as every other test expects.
    yield
    numbers.set_display_zone(numbers.DEFAULT_ZONE)


@pytest.mark.parametrize(
    ("at", "locale", "shown"),
    [
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "en", "01:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "en", "03:00"),
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "cs", "1:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "cs", "3:00"),
        (datetime(2026, 10, 25, 0, 59, tzinfo=UTC), "en", "02:59"),  # CEST
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), "en", "02:00"),  # CET again
        (datetime(2026, 12, 1, 13, 2, tzinfo=UTC), "cs", "14:02"),
    ],
)
def test_the_expired_reply_notice_names_the_local_hour(
    at: datetime, locale: str, shown: str
) -> None:
    text = t("web.reply_expired", locale, command="status pending", time=notice_time(at, locale))
    assert f" {shown} " in text and "UTC" not in text


def test_the_notice_hour_in_another_configured_zone() -> None:
    numbers.set_display_zone("UTC")
    assert notice_time(datetime(2026, 12, 1, 13, 2, tzinfo=UTC), "en") == "13:02"


def test_a_confirmation_deadline_across_the_spring_change(chat: Chat) -> None:  # noqa: F811
    # Asked at 01:50 CET; valid ten minutes, to 01:00 UTC, which is already 03:00 CEST.
    asked = chat.say("delete erik@acme.example")
    assert asked.ok
    assert "`confirm " in asked.markdown and " by 2026-03-29 03:00." in asked.markdown
    assert " 29. 3. 2026 3:00" in asked.markdown_in("cs")
    assert "UTC" not in asked.markdown + asked.markdown_in("cs")


def test_the_zone_is_a_setting_checked_on_load(tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("locale: cs\n", encoding="utf-8")
    assert Settings().timezone == "Europe/Prague"
    new_york = load_settings(config, env={"ONBOARD_TIMEZONE": "America/New_York"})
    assert new_york.timezone == "America/New_York"
    with pytest.raises(ConfigError, match=r"timezone: .*not an IANA time zone"):
        load_settings(config, env={"ONBOARD_TIMEZONE": "Mars/Olympus"})
