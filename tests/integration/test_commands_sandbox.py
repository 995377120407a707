"""A few transcripts over the real sandbox provider and its demo data."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cards import render_markdown
from commands.context import CommandContext
from commands.registry import Role
from commands.runner import run_text
from onboarding.clock import ManualClock
from onboarding.service import Actor, OnboardingService
from storage.uow import Database

sandbox = pytest.importorskip("onboarding.providers.sandbox")
demo_data = pytest.importorskip("onboarding.demo_data")


@pytest.fixture
def ask(database: Database, clock: ManualClock, tmp_path: Path):
    demo_data.ensure_demo_data(database, clock, random_seed=0)
    service = OnboardingService(
        database, sandbox.SandboxProvider(database, clock, random_seed=0), clock
    )

    def ask(text: str, locale: str = "en"):
        ctx = CommandContext(
            service=service,
            actor=Actor("admin@partner.example", via="chat"),
            role=Role.ADMIN,
            clock=clock,
            db=database,
            files_dir=tmp_path,
            locale=locale,
            page_size=100,
        )
        reply = run_text(text, ctx).reply
        return reply, render_markdown(reply.view, locale)

    return ask


def test_status_pending_over_the_sandbox_has_no_provisioned_user(ask):
    reply, md = ask("status pending")
    assert reply.ok and "🔴" in md and "🟡" in md and "🟢" not in md
    _, md = ask("status all")
    assert "🟢" in md


def test_export_all_over_the_sandbox(ask):
    reply, _ = ask("export all")
    assert reply.file is not None
    lines = reply.file.path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("broadworks_id,email,first_name")
    assert len(lines) > 10


@pytest.mark.parametrize("locale", ["en", "cs"])
def test_overviews_over_the_sandbox(ask, locale):
    for text in ("templates", "states", "stuck", "status errors", "help"):
        reply, md = ask(text, locale)
        assert reply.ok and len(md.encode("utf-8")) <= 7439, text
