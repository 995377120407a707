"""Running one command below the dispatch chain: the context a command gets, for one person."""

from __future__ import annotations

from pathlib import Path

from commands.context import CommandContext
from commands.registry import Role
from onboarding.clock import ManualClock
from onboarding.demo_data import ensure_demo_data
from onboarding.providers.sandbox import SandboxProvider
from onboarding.service import Actor, OnboardingService
from storage.uow import Database, UnitOfWork


def command_context(
    uow: UnitOfWork,
    service: OnboardingService,
    database: Database,
    clock: ManualClock,
    files_dir: Path,
    *,
    email: str = "admin@partner.example",
    role: Role = Role.ADMIN,
    locale: str = "en",
) -> CommandContext:
    """What a command typed in chat by ``email`` (in ``role``) runs with, 100 rows a page."""
    return CommandContext(
        uow=uow,
        service=service,
        actor=Actor(email, via="chat"),
        role=role,
        clock=clock,
        db=database,
        files_dir=files_dir,
        locale=locale,
        page_size=100,
    )


def demo_service(database: Database, clock: ManualClock) -> OnboardingService:
    """The service over the sandbox provider and its demo data (the same each run)."""
    ensure_demo_data(database, clock, random_seed=0)
    return OnboardingService(database, SandboxProvider(database, clock, random_seed=0), clock)
