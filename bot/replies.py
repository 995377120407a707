"""From a command's Reply to Webex messages: markdown (the fallback), a card, and a file apart."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import cards
from commands.replies import Reply
from storage.outbox import OutgoingMessage

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True, slots=True)
class RenderedReply:
    """A reply worded in one locale: the markdown, an optional card, an optional file."""

    markdown: str
    card: dict[str, Any] | None
    file_path: Path | None
    ok: bool

    def bodies(self) -> list[dict[str, Any]]:
        """The Webex message bodies this reply becomes (the file goes in a message of its own)."""
        first: dict[str, Any] = {"markdown": self.markdown}
        if self.card is not None:
            first["attachments"] = [{"contentType": CARD_CONTENT_TYPE, "content": self.card}]
        out = [first]
        if self.file_path is not None:
            out.append({"files": [str(self.file_path)]})
        return out

    def messages(self, *, room_id: str, parent_id: str | None = None) -> list[OutgoingMessage]:
        """The outbox messages for a room, threaded under ``parent_id`` when given."""
        out = [
            OutgoingMessage(
                room_id=room_id, parent_id=parent_id, markdown=self.markdown, card=self.card
            )
        ]
        if self.file_path is not None:
            out.append(
                OutgoingMessage(room_id=room_id, parent_id=parent_id, file_path=str(self.file_path))
            )
        return out


def render(reply: Reply, locale: str) -> RenderedReply:
    """Word ``reply`` in ``locale``."""
    markdown = cards.render_markdown(reply.view, locale)
    card = cards.render_card(reply.view, locale)
    path = reply.file.path if reply.file is not None else None
    return RenderedReply(markdown=markdown, card=card, file_path=path, ok=reply.ok)
