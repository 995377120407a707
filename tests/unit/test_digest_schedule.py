"""Digest schedules: crontab lines, shorthands and fire times through APScheduler's cron trigger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commands.digest import parse_options
from onboarding.digest import (
    Content,
    ScheduleKind,
    check_cron,
    cron_trigger,
    describe_cron,
    latest_fire_time,
    next_fire_times,
    parse_schedule,
    schedule_cron,
)
from onboarding.errors import InvalidInput

PRAGUE = "Europe/Prague"
DAILY_8 = parse_schedule("daily 08:00")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_0800_prague_is_0700_utc_in_winter():
    assert next_fire_times(DAILY_8, PRAGUE, utc(2026, 1, 15, 9, 0), 2) == [
        utc(2026, 1, 16, 7, 0),
        utc(2026, 1, 17, 7, 0),
    ]


def test_daily_0800_prague_is_0600_utc_in_summer():
    assert next_fire_times(DAILY_8, PRAGUE, utc(2026, 7, 15, 9, 0), 2) == [
        utc(2026, 7, 16, 6, 0),
        utc(2026, 7, 17, 6, 0),
    ]


def test_daily_0800_prague_across_the_spring_switch():
    # Clocks go forward at 02:00 on Sunday 29 March 2026.
    assert next_fire_times(DAILY_8, PRAGUE, utc(2026, 3, 27, 12, 0), 3) == [
        utc(2026, 3, 28, 7, 0),
        utc(2026, 3, 29, 6, 0),
        utc(2026, 3, 30, 6, 0),
    ]


def test_daily_0800_prague_across_the_autumn_switch():
    # Clocks go back at 03:00 on Sunday 25 October 2026.
    assert next_fire_times(DAILY_8, PRAGUE, utc(2026, 10, 23, 12, 0), 3) == [
        utc(2026, 10, 24, 6, 0),
        utc(2026, 10, 25, 7, 0),
        utc(2026, 10, 26, 7, 0),
    ]


def test_a_time_in_the_skipped_hour_never_fires_twice():
    cron = parse_schedule("daily 02:30")
    times = next_fire_times(cron, PRAGUE, utc(2026, 3, 28, 12, 0), 2)
    assert times[1] == utc(2026, 3, 30, 0, 30)
    assert len({t.date() for t in times}) == 2


def test_weekdays_means_monday_to_friday():
    cron = parse_schedule("weekdays 07:30")
    assert cron == "30 7 * * 1-5"
    times = next_fire_times(cron, PRAGUE, utc(2026, 1, 16, 12, 0), 5)  # a Friday
    assert [t.weekday() for t in times] == [0, 1, 2, 3, 4]
    assert times[0] == utc(2026, 1, 19, 6, 30)


@pytest.mark.parametrize(
    ("weekday_field", "expected"),
    [
        ("0", [6]),
        ("7", [6]),
        ("1", [0]),
        ("1-5", [0, 1, 2, 3, 4]),
        ("5-7", [4, 5, 6]),
        ("sat,sun", [5, 6]),
        ("*/2", [6, 1, 3, 5]),
    ],
)
def test_crontab_weekday_numbers_count_from_sunday(weekday_field, expected):
    # APScheduler 3 counts weekdays from Monday; a crontab line must keep its meaning.
    times = next_fire_times(f"0 8 * * {weekday_field}", "UTC", utc(2026, 1, 17, 12, 0), 7)
    assert sorted({t.weekday() for t in times}) == sorted(expected)


def test_cron_with_seconds_fires_every_few_seconds():
    times = next_fire_times("*/3 * * * * *", "UTC", utc(2026, 1, 1, 0, 0, 0), 3)
    assert times == [utc(2026, 1, 1, 0, 0, 3), utc(2026, 1, 1, 0, 0, 6), utc(2026, 1, 1, 0, 0, 9)]


def test_latest_fire_time_looks_back_only_within_the_window():
    now = utc(2026, 1, 15, 7, 30)
    assert latest_fire_time(DAILY_8, PRAGUE, now, within=timedelta(hours=1)) == utc(
        2026, 1, 15, 7, 0
    )
    assert latest_fire_time(DAILY_8, PRAGUE, now, within=timedelta(minutes=20)) is None
    exact = utc(2026, 1, 15, 7, 0)
    assert latest_fire_time(DAILY_8, PRAGUE, exact, within=timedelta(seconds=1)) == exact


def test_shorthands_and_description():
    assert schedule_cron(ScheduleKind.DAILY, "8:05") == "5 8 * * *"
    assert describe_cron("5 8 * * *") == (ScheduleKind.DAILY, "08:05")
    assert describe_cron("30 7 * * 1-5") == (ScheduleKind.WEEKDAYS, "07:30")
    assert describe_cron("0 8 1 * *") == (ScheduleKind.CRON, "0 8 1 * *")
    assert parse_schedule("0  8 * * 1-5") == "0 8 * * 1-5"


@pytest.mark.parametrize("text", ["25:00", "8", "08:60", "eight"])
def test_bad_times_are_refused(text):
    with pytest.raises(InvalidInput) as err:
        schedule_cron(ScheduleKind.DAILY, text)
    assert err.value.key == "digest.bad_time"


@pytest.mark.parametrize("cron", ["0 8 * *", "0 8 * * 1-9", "61 8 * * *", "0 8 1 * 1"])
def test_bad_cron_lines_are_refused(cron):
    with pytest.raises(InvalidInput) as err:
        check_cron(cron)
    assert err.value.key == "digest.bad_cron"


def test_both_day_fields_restricted_is_refused_not_misread():
    with pytest.raises(ValueError, match="both"):
        cron_trigger("0 8 1 * 1", "UTC")


def test_chat_options():
    assert parse_options(None) == ("UTC", Content.ALL, False)
    assert parse_options("Europe/Prague errors") == (PRAGUE, Content.ERRORS, False)
    assert parse_options("pending quiet utc") == ("UTC", Content.PENDING, True)
    with pytest.raises(InvalidInput) as err:
        parse_options("Mars/Olympus")
    assert err.value.key == "digest.bad_timezone"
    with pytest.raises(InvalidInput) as err:
        parse_options("tomorrow")
    assert err.value.key == "digest.bad_option"
