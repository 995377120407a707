"""A handler's answer: a typed view, whether it succeeded, and an optional file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from commands.views import View


@dataclass(frozen=True, slots=True)
class ReplyFile:
    """A file that goes with the reply (Webex allows one per message)."""

    path: Path
    name: str
    content_type: str = "text/csv"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the bot answers: ``ok`` is False when the answer is an error (bad input, refused...)."""

    view: View
    ok: bool = True
    file: ReplyFile | None = None
    command: str | None = None  # the command (or card action) that produced it, for logs
    target: str | None = None  # the user it was about, as people know them, when the view lacks it

    @classmethod
    def error(cls, view: View, command: str | None = None, *, target: str | None = None) -> Reply:
        """A reply saying the request failed."""
        return cls(view, ok=False, command=command, target=target)
