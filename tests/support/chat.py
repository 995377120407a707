"""Talking to the bot in a test, the way a person does: ``chat.say("status pending")``.

One harness over ``bot.dispatch`` for every test that is about what the bot answers (errbot's
``testbot``, smaller): ``say`` types a message, ``click`` presses a card button, each as someone
in some space, through the whole chain (access, rate limit, the command, the audit entry). A
``Said`` is the dispatch result with its markdown and card in the language the bot chose for it
(the person's or the space's, else the bot's ``locale``), or in any other.

The ``chat`` fixture runs over the ``chat_bot`` fixture: the real bot with the sandbox provider,
its demo data and one person per role; a test module overrides ``chat_bot`` for other parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot, build_bot
from bot.dispatch import Dispatched, Request, dispatch
from bot.replies import render
from bot.settings import AccessSettings, SandboxSettings, Settings
from commands.replies import Reply, ReplyFile
from commands.views import View
from onboarding.bulk import Upload
from onboarding.clock import ManualClock
from storage.models import AuditEntryRow
from storage.uow import Database

ADMIN = "ada.admin@partner.example"
ADMIN2 = "adam.admin@partner.example"
SUPPORT = "sam.support@partner.example"
VIEWER = "vera.viewer@partner.example"
STRANGER = "mallory@elsewhere.example"
ORG = "org-partner"
SPACE = "space-ops"

ACCESS = AccessSettings(
    admins=(ADMIN, ADMIN2),
    support=(SUPPORT,),
    viewers=("*@partner.example",),
    orgs=(ORG,),
)


def chat_bot(
    database: Database,
    clock: ManualClock,
    tmp_path: Path,
    *,
    access: AccessSettings | None = ACCESS,
    **overrides: Any,
) -> Bot:
    """The real bot over ``database`` with the sandbox's demo data and ``access``."""
    values: dict[str, Any] = {
        "access": access,
        "files_dir": tmp_path / "files",
        "sandbox": SandboxSettings(step_seconds=3600),
        "commands_per_minute": 1000,
    }
    values.update(overrides)
    return build_bot(Settings(**values), db=database, clock=clock, migrate=False)


@dataclass(frozen=True)
class Said:
    """What the bot answered to one message or click (read like a ``Reply``: view, ok, file)."""

    dispatched: Dispatched
    locale: str

    @property
    def reply(self) -> Reply:
        """The command's reply."""
        return self.dispatched.reply

    @property
    def view(self) -> View:
        """The reply's view."""
        return self.dispatched.reply.view

    @property
    def ok(self) -> bool:
        """True when the bot did what was asked."""
        return self.dispatched.reply.ok

    @property
    def file(self) -> ReplyFile | None:
        """The file that goes with the reply (an export)."""
        return self.dispatched.reply.file

    @property
    def result(self) -> str:
        """The audit result (``ok``, ``refused``, ``invalid``...)."""
        return self.dispatched.result

    @property
    def markdown(self) -> str:
        """The reply's markdown in the language the bot answered in."""
        return self.markdown_in(self.locale)

    @property
    def card(self) -> dict[str, Any] | None:
        """The reply's Adaptive Card in the language the bot answered in (None: markdown only)."""
        return render(self.reply, self.locale).card

    def markdown_in(self, locale: str) -> str:
        """The reply's markdown in ``locale``."""
        return render(self.reply, locale).markdown

    def __contains__(self, text: str) -> bool:
        return text in self.markdown


@dataclass
class Chat:
    """Say things to ``bot`` as ``who`` in ``space``; every answer is kept in ``said``."""

    bot: Bot
    who: str = ADMIN
    space: str | None = SPACE
    org: str | None = ORG
    via: str = "chat"
    direct: bool = False
    said: list[Said] = field(default_factory=list)

    def as_(self, who: str, **changes: Any) -> Chat:
        """The same chat as someone else (or elsewhere: ``space=``, ``org=``, ``via=``)."""
        return replace(self, who=who, **changes)  # ``said`` stays the same list

    def say(
        self,
        text: str,
        *,
        cid: str | None = None,
        file: Upload | None = None,
        thread: str | None = None,
        **changes: Any,
    ) -> Said:
        """Type ``text`` to the bot (with ``file`` attached, as a Webex message carries one)."""
        who = replace(self, **changes) if changes else self
        extra: dict[str, Any] = {"correlation_id": cid} if cid else {}
        if file is not None:
            extra["files"] = (_ATTACHED.add(self.bot, file),)
        if thread is not None:
            extra["thread_id"] = thread
        request = Request(
            person_email=who.who,
            text=text,
            via=who.via,
            space_id=who.space,
            direct=who.direct,
            org_id=who.org,
            bot_names=("Onboard",),
            **extra,
        )
        return self._keep(request)

    def click(
        self,
        action: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        cid: str | None = None,
        thread: str | None = None,
        **changes: Any,
    ) -> Said:
        """Press a card button that sends ``action`` with ``inputs`` (on a card in ``thread``)."""
        who = replace(self, **changes) if changes else self
        extra: dict[str, Any] = {"correlation_id": cid} if cid else {}
        if thread is not None:
            extra["thread_id"] = thread
        request = Request(
            person_email=who.who,
            action=action,
            inputs={"action": action, **(inputs or {})},
            via="card",
            space_id=who.space,
            direct=who.direct,
            org_id=who.org,
            **extra,
        )
        return self._keep(request)

    def send(self, request: Request) -> Said:
        """Dispatch a request made by hand (an odd one a fuzzer built)."""
        return self._keep(request)

    def audit(self, *where: Any) -> list[AuditEntryRow]:
        """The audit entries, oldest first."""
        with self.bot.db.uow() as uow:
            stmt = sa.select(AuditEntryRow).where(*where).order_by(AuditEntryRow.id)
            return list(uow.session.scalars(stmt))

    def _keep(self, request: Request) -> Said:
        done = dispatch(self.bot, request)
        said = Said(done, done.locale)
        self.said.append(said)
        return said


class _Attached:
    """Files attached in tests, by a URL of their own: the bot downloads them as from Webex."""

    def __init__(self) -> None:
        self.files: dict[str, Upload] = {}

    def add(self, bot: Bot, file: Upload) -> str:
        url = f"test-file://{len(self.files) + 1}/{file.name}"
        self.files[url] = file
        if bot.file_fetcher is None:
            bot.file_fetcher = self.files.__getitem__
        return url


_ATTACHED = _Attached()


@pytest.fixture(name="chat_bot")
def _chat_bot(database: Database, clock: ManualClock, tmp_path: Path) -> Bot:
    """The bot the ``chat`` fixture talks to (override it in a module for other parts)."""
    return chat_bot(database, clock, tmp_path)


@pytest.fixture
def chat(chat_bot: Bot) -> Chat:
    """A chat with ``chat_bot``, as an admin in the ops space."""
    return Chat(chat_bot)
