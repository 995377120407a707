"""``trend`` and the digests' chart: counts per status group per day, drawn as a PNG (issue 14.4).

The chart is decoded with Pillow (size, not blank, drawn on a transparent background so it
reads in dark and light themes); the numbers are in the markdown and the card too, and each
day's counts are today's snapshot less the stored changes since, checked against a plain walk
over the stored changes. A digest that posts queues the chart as a message of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from bot.jobs import fire_digest
from commands.history_views import TrendView
from onboarding.chart import HEIGHT_PX, WIDTH_PX
from onboarding.clock import ManualClock
from onboarding.digest import Content, Source, add_digest
from onboarding.model import ProvisioningStatus, StatusGroup
from storage.models import OutboxRow, StatusTransitionRow, SubscriberRow
from storage.transitions import NewTransition
from tests.support.chat import SPACE, VIEWER, Chat


def _png(path: Path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def _not_blank(image: Image.Image) -> None:
    rgba = image.convert("RGBA")
    raw = rgba.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    opaque = [p for p in pixels if p[3] > 0]
    assert len(opaque) > 0.01 * rgba.width * rgba.height  # lines, text, grid were drawn
    assert len(set(opaque)) > 20  # more than one flat colour
    assert rgba.getpixel((0, 0))[3] == 0  # a transparent background: the theme shows through
    reds = [p for p in opaque if p[0] > 180 and p[1] < 90 and p[2] < 90]
    assert reds, "the error line is drawn"


def test_trend_attaches_a_chart_and_says_the_numbers(chat: Chat) -> None:
    said = chat.say("trend", who=VIEWER)
    assert said.ok and isinstance(said.view, TrendView), said.markdown
    assert said.file is not None and said.file.content_type == "image/png"
    image = _png(said.file.path)
    assert image.format == "PNG" and image.size == (WIDTH_PX, HEIGHT_PX)
    _not_blank(image)
    trend = said.view.trend
    assert len(trend.days) == 14
    md = said.markdown
    assert "Users per status, last 14 days" in md and "The chart follows as a file." in md
    assert f"❌ error {trend.on(StatusGroup.ERROR)[-1]}" in md
    assert said.card is not None and f"error {trend.on(StatusGroup.ERROR)[-1]}" in str(said.card)
    cs = said.markdown_in("cs")
    assert "Uživatelé podle stavu, posledních 14 dní" in cs and "chyba" in cs


def test_each_day_is_today_less_the_changes_since(chat: Chat, clock: ManualClock) -> None:
    bot = chat.bot
    today = clock.now().astimezone(UTC).date()
    with bot.db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(
            SubscriberRow.status == ProvisioningStatus.PROVISIONED.value,
            SubscriberRow.customer_id == "acme-cz",
        )
        sub = next(iter(uow.session.scalars(stmt)))
        # Two days ago this user was resolved: before that they were in error.
        at = datetime.combine(today - timedelta(days=2), time(10), tzinfo=UTC)
        assert uow.history.record(
            NewTransition(
                sub.user_id, sub.id, sub.customer_id, sub.email, "error", "provisioned", at
            )
        )
        uow.commit()
    said = chat.say("trend 5 customer acme-cz", who=VIEWER)
    assert said.ok and isinstance(said.view, TrendView), said.markdown
    trend = said.view.trend
    assert trend.customer == "acme-cz" and len(trend.days) == 5
    summary = bot.service.status_summary(customer="acme-cz")
    with bot.db.uow() as uow:
        rows = list(
            uow.session.scalars(
                sa.select(StatusTransitionRow).where(StatusTransitionRow.customer_id == "acme-cz")
            )
        )
    for i, day in enumerate(trend.days):
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        for group in StatusGroup:
            expected = summary.by_group[group]
            for row in rows:  # undo every change after the day's end, one by one
                if row.at >= end:
                    expected -= ProvisioningStatus(row.to_status).group is group
                    if row.from_status:
                        expected += ProvisioningStatus(row.from_status).group is group
            assert trend.on(group)[i] == expected, (day, group)
    with_change = [r for r in rows if r.user_id == sub.user_id]
    assert len(with_change) == 1  # the recorded resolution is among what was undone
    total = [sum(trend.on(g)[i] for g in StatusGroup) for i in range(5)]
    assert len(set(total)) == 1  # nobody appears or vanishes: users only move between groups


@pytest.mark.parametrize(
    ("words", "answer"),
    [
        ("trend 500", "500 days is out of range: from 2 to 180."),
        ("trend soon", "Not understood: soon."),
        ("trend customer no-such-customer", "no-such-customer"),
    ],
)
def test_bad_trend_input_is_answered_in_words(chat: Chat, words: str, answer: str) -> None:
    said = chat.say(words, who=VIEWER)
    assert not said.ok and answer in said.markdown, said.markdown


def test_a_posted_digest_brings_its_chart_as_the_next_message(
    chat: Chat, clock: ManualClock, tmp_path: Path
) -> None:
    bot = chat.bot
    digest = add_digest(
        bot.db,
        space_id=SPACE,
        cron="0 8 * * *",
        timezone="UTC",
        content=Content.ALL,
        quiet=False,
        source=Source.CHAT,
        created_by="ada.admin@partner.example",
        now=clock.now() - timedelta(days=1),
    )
    when = clock.now()
    result = fire_digest(bot.db, bot.service, bot.clock, digest.id, when, chart_dir=tmp_path)
    assert result.posted
    with bot.db.uow() as uow:
        rows = list(uow.session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)))
    text, chart = rows[-2], rows[-1]
    assert text.markdown and text.file_path is None
    assert chart.dedupe_key.endswith(":chart") and chart.file_path and chart.markdown is None
    image = _png(Path(chart.file_path))
    assert image.size == (WIDTH_PX, HEIGHT_PX)
    _not_blank(image)
    again = fire_digest(bot.db, bot.service, bot.clock, digest.id, when, chart_dir=tmp_path)
    assert not again.posted  # the firing posts once, its chart with it
