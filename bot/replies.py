"""From a command's Reply to Webex messages: markdown (the fallback), a card, and a file apart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import cards
from bot.webex import CARD_CONTENT_TYPE
from commands.replies import Reply
from commands.views import CommandHelpView, HelpView
from storage.json_text import EncodedJSON
from storage.outbox import OutgoingMessage


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


#: Views whose wording depends on nothing but the view and the locale, rendered once each.
_SAME_EVERY_TIME = (HelpView, CommandHelpView)


_WORDED: dict[tuple[str, str], tuple[str, str | None]] = {}
_WORDED_MAX = 256


def _worded(view: object, locale: str) -> tuple[str, dict[str, Any] | None]:
    """The markdown and card of ``view``; the same-every-time views are worded once each.

    ``help`` is the most common command and its card was about a third of its CPU (pyinstrument);
    its words change only with the role, the commands and the locale. The view holds dicts (no
    hash), so it is keyed by its repr. The card is kept as JSON so each caller gets its own copy,
    which keeps that text (``EncodedJSON``): it is stored and posted without being encoded again.
    """
    if not isinstance(view, _SAME_EVERY_TIME):
        return cards.render_markdown(view, locale), cards.render_card(view, locale)
    key = (repr(view), locale)
    found = _WORDED.get(key)
    if found is None:
        card = cards.render_card(view, locale)
        found = (cards.render_markdown(view, locale), None if card is None else json.dumps(card))
        if len(_WORDED) >= _WORDED_MAX:
            _WORDED.clear()  # a bound, not an LRU: a handful of roles x locales in practice
        _WORDED[key] = found
    markdown, card_json = found
    return markdown, None if card_json is None else EncodedJSON.parse(card_json)


def render(reply: Reply, locale: str) -> RenderedReply:
    """Word ``reply`` in ``locale``."""
    markdown, card = _worded(reply.view, locale)
    path = reply.file.path if reply.file is not None else None
    return RenderedReply(markdown=markdown, card=card, file_path=path, ok=reply.ok)
