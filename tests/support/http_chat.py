"""Talking to the bot over real HTTP, the way Webex does: ``http_chat.say("status pending")``.

The twin of ``tests.support.chat`` for end-to-end tests, with the same reading: ``say`` types a
message and ``click`` presses a card button, each as someone (``as_=``) in some space
(``space=``), and the answer is what the Webex stand-in (``bot.local``) received from the bot.
Everything in between is real: the stand-in posts a signed webhook to ``create_app`` served on a
loopback port (``serving_bot``), the bot's worker and sender threads answer through the real
webexpythonsdk over HTTP to the stand-in. Nothing sleeps: ``say`` waits on the stand-in's state
for the replies, then for the bot's outbox to settle, so a test reads a finished exchange.

The ``http_chat`` fixture serves the bot with the sandbox provider and ``http_chat_access``
(everyone may do everything unless a module overrides that fixture); its default space is a
group room with the bot and the stand-in's admin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.settings import AccessSettings
from storage.models import AuditEntryRow
from storage.uow import Database
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, EmulatorHarness
from tests.support.served_bot import ServedBot, serving_bot

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class HttpSaid:
    """What the stand-in received from the bot for one message or click."""

    asked: dict[str, Any]  # the person's message, or the card message that was clicked
    replies: list[dict[str, Any]]  # the bot's messages in answer, oldest first

    @property
    def reply(self) -> dict[str, Any]:
        """The one reply (fails when there were none or several)."""
        assert len(self.replies) == 1, f"expected one reply, got {len(self.replies)}"
        return self.replies[0]

    @property
    def markdown(self) -> str:
        """The markdown of the one reply."""
        return str(self.reply.get("markdown", ""))

    @property
    def card(self) -> dict[str, Any] | None:
        """The Adaptive Card of the one reply (None: markdown only)."""
        for attachment in self.reply.get("attachments") or []:
            if attachment.get("contentType") == CARD:
                content: dict[str, Any] = attachment["content"]
                return content
        return None

    def __contains__(self, text: str) -> bool:
        return text in self.markdown


@dataclass
class HttpChat:
    """Say things to a served bot through the Webex stand-in; every answer is kept in ``said``."""

    webex: EmulatorHarness
    served: ServedBot
    space: str  # the default room's id
    who: str = ADMIN_EMAIL
    said: list[HttpSaid] = field(default_factory=list)
    timeout: float = 10.0

    def room(self, title: str, *emails: str) -> str:
        """A new group room with the bot, the admin and ``emails`` (added when unknown); its id."""
        for email in emails:
            self.person(email)
        return str(self.webex.group_room(title, *emails)["id"])

    def direct(self, email: str = ADMIN_EMAIL) -> str:
        """The 1:1 room between ``email`` and the bot; its id."""
        self.person(email)
        return str(self.webex.direct_room(email)["id"])

    def person(self, email: str, *, org_id: str | None = None) -> dict[str, Any]:
        """The stand-in's People record of ``email``, made first when the stand-in lacks it."""
        try:
            return self.webex.emulator.person(email)
        except KeyError:
            name = email.split("@")[0].replace(".", " ").title()
            return self.webex.emulator.add_person(email, name, org_id=org_id)

    def say(
        self, text: str, *, as_: str | None = None, space: str | None = None, replies: int = 1
    ) -> HttpSaid:
        """Type ``text`` in ``space`` as ``as_``; wait for ``replies`` answers and a settled bot."""
        room_id = space or self.space
        asked = self.webex.emulator.send_as(as_ or self.who, room_id, text)
        return self._answer(asked, room_id, replies)

    def click(
        self,
        card: dict[str, Any],
        inputs: Mapping[str, Any],
        *,
        as_: str | None = None,
        replies: int = 1,
    ) -> HttpSaid:
        """Press a button of the stand-in message ``card`` that sends ``inputs``."""
        seen = {m["id"] for m in self.webex.emulator.messages_in(card["roomId"])}
        self.webex.emulator.click(as_ or self.who, card["id"], inputs)
        return self._answer(card, card["roomId"], replies, seen=seen)

    def post_card(self, content: dict[str, Any], *, space: str | None = None) -> dict[str, Any]:
        """Post an Adaptive Card with the bot's token (an old or forwarded card); the message."""
        message = self.webex.sdk().messages.create(
            roomId=space or self.space,
            markdown="card",
            attachments=[{"contentType": CARD, "content": content}],
        )
        return self.webex.emulator.message(message.id) or {}

    def audit(self, *where: Any) -> list[AuditEntryRow]:
        """The audit entries, oldest first."""
        return self.served.audit(*where)

    def _answer(
        self, asked: dict[str, Any], room_id: str, count: int, *, seen: set[str] | None = None
    ) -> HttpSaid:
        after_clicks = seen is not None
        emulator = self.webex.emulator
        # A group message is answered in its thread; a direct one in the room, unthreaded.
        direct = emulator.room(room_id)["type"] == "direct"

        def answers() -> list[dict[str, Any]]:
            if direct and not after_clicks:
                ids = [m["id"] for m in emulator.messages_in(room_id)]
                newer = set(ids[ids.index(asked["id"]) + 1 :])
                from_bot = emulator.messages_in(room_id, person_email=BOT_EMAIL)
                return [m for m in from_bot if m["id"] in newer]
            if after_clicks:  # wherever the answer to a click lands: the bot's newer messages
                from_bot = emulator.messages_in(room_id, person_email=BOT_EMAIL)
                return [m for m in from_bot if m["id"] not in (seen or set())]
            return emulator.replies_to(asked["id"])

        if count:
            emulator.wait_for(
                lambda: len(answers()) >= count,
                self.timeout,
                f"{count} answer(s) to {asked.get('text', asked['id'])!r}",
            )
        self._settle()
        said = HttpSaid(asked, answers())
        self.said.append(said)
        return said

    def _settle(self) -> None:
        """Wait until the stand-in delivered every webhook and the bot's outbox has nothing left."""
        emulator = self.webex.emulator
        emulator.wait_idle(self.timeout)

        def settled() -> bool:
            rows = self.served.outbox()
            return not any(r.status in ("pending", "sending") for r in rows) and all(
                e.status != "pending" for e in self.served.events()
            )

        emulator.wait_for(settled, self.timeout, "the bot's outbox to settle")


@pytest.fixture
def http_chat_access() -> AccessSettings | None:
    """The access the ``http_chat`` bot is served with (override it in a module)."""
    return None


@pytest.fixture
def http_chat(
    webex: EmulatorHarness,
    database: Database,
    tmp_path: Path,
    http_chat_access: AccessSettings | None,
) -> Iterator[HttpChat]:
    """A chat with the bot served over HTTP, as the stand-in's admin in a group room."""
    room = webex.group_room()
    with serving_bot(webex, database, tmp_path, access=http_chat_access) as served:
        yield HttpChat(webex, served, str(room["id"]))
