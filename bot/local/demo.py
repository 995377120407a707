"""The local world of ``make run`` without a Webex token: the bot, three people, their spaces.

Typical use (the bot's ``serve`` in local mode)::

    emulator = WebexEmulator()
    world = setup_local_world(emulator)
    server = emulator.start()                 # loopback: the console is mounted
    # run the bot with token=world.bot_token, base_url=server.api_url,
    # access=world.access_settings()
    print("Console:", console_url(server))
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Literal

from bot.local.console import is_loopback
from bot.local.emulator import EmulatorServer, WebexEmulator
from bot.settings import AccessSettings

Role = Literal["admin", "support", "viewer"]

BOT_NAME = "Onboard Bot"
BOT_EMAIL = "onboard-bot@webex.bot"
GROUP_TITLE = "Onboarding ops"


@dataclass(frozen=True)
class LocalPerson:
    """Someone the console can act as, with the role the bot should give them."""

    email: str
    display_name: str
    role: Role
    direct_room_id: str


@dataclass(frozen=True)
class LocalWorld:
    """What ``setup_local_world`` created: the bot's token, the people, the room ids."""

    bot_token: str
    bot_email: str
    bot_name: str
    bot_id: str
    group_room_id: str
    people: tuple[LocalPerson, ...] = field(default_factory=tuple)

    def person(self, role: Role) -> LocalPerson:
        """The (first) person with this role."""
        return next(p for p in self.people if p.role == role)

    @property
    def direct_room_ids(self) -> dict[str, str]:
        """Each person's 1:1 space with the bot, by email."""
        return {p.email: p.direct_room_id for p in self.people}

    def access_settings(self) -> AccessSettings:
        """An ``access`` section giving each local person their role."""
        by_role = {
            role: tuple(p.email for p in self.people if p.role == role)
            for role in ("admin", "support", "viewer")
        }
        return AccessSettings(
            admins=by_role["admin"], support=by_role["support"], viewers=by_role["viewer"]
        )


LOCAL_PEOPLE: tuple[tuple[str, str, Role], ...] = (
    ("admin@partner.example", "Alice Admin", "admin"),
    ("support@partner.example", "Sam Support", "support"),
    ("viewer@partner.example", "Vera Viewer", "viewer"),
)


def setup_local_world(emulator: WebexEmulator, *, bot_token: str | None = None) -> LocalWorld:
    """Add the bot, three people, a group space with everyone and a 1:1 space per person."""
    token = bot_token or f"local-{secrets.token_urlsafe(24)}"
    bot = emulator.add_bot(BOT_NAME, BOT_EMAIL, token=token)
    for email, name, _ in LOCAL_PEOPLE:
        emulator.add_person(email, name)
    group = emulator.create_room(
        GROUP_TITLE, "group", [LOCAL_PEOPLE[0][0], BOT_EMAIL, *(p[0] for p in LOCAL_PEOPLE[1:])]
    )
    people = tuple(
        LocalPerson(
            email=email,
            display_name=name,
            role=role,
            # A direct room's title is the other side's name, as Webex shows it to the person.
            direct_room_id=emulator.create_room(BOT_NAME, "direct", [email, BOT_EMAIL])["id"],
        )
        for email, name, role in LOCAL_PEOPLE
    )
    return LocalWorld(
        bot_token=token,
        bot_email=BOT_EMAIL,
        bot_name=BOT_NAME,
        bot_id=bot["id"],
        group_room_id=group["id"],
        people=people,
    )


def console_url(server: EmulatorServer) -> str:
    """The console page of a running emulator (``http://127.0.0.1:PORT/console/``).

    Raises ``ValueError`` when the server isn't on loopback (the console isn't mounted there).
    """
    if not is_loopback(server.host):
        raise ValueError(f"the console is only served on loopback, not on {server.host}")
    host = f"[{server.host}]" if ":" in server.host else server.host
    return f"http://{host}:{server.port}/console/"
