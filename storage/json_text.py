"""JSON objects that keep their encoded text, so a card is encoded once on its way to Webex.

A reply's card travels from the renderer to the outbox row (a JSON column) and on to the body
of ``POST /messages``. Encoded at each step, the 13 KB ``help`` card was turned into text or back
five times per reply, 15 % of a worker's CPU per command (py-spy). An ``EncodedJSON`` is the
card itself (a ``dict``: whoever reads it reads a card) that also holds its JSON text: the
outbox column stores that text (``dumps`` is the engines' JSON serializer, storage/db.py) and
the gateway puts it into the request body as it is (bot/webex.py).

The text is only right while nobody changes the object, so it is made from a finished card,
after rendering, and nothing changes a card after that (it is posted as it was rendered).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class EncodedJSON(dict[str, Any]):
    """A JSON object and the text it was encoded as (``text``)."""

    __slots__ = ("text",)

    def __init__(self, value: Mapping[str, Any], text: str) -> None:
        super().__init__(value)
        self.text = text

    @classmethod
    def of(cls, value: Mapping[str, Any]) -> EncodedJSON:
        """``value`` with its text: encoded now, unless it is an ``EncodedJSON`` already."""
        if isinstance(value, EncodedJSON):
            return value
        return cls(value, json.dumps(value))

    @classmethod
    def parse(cls, text: str) -> EncodedJSON:
        """The object ``text`` encodes, keeping ``text``."""
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return cls(value, text)


def dumps(value: Any) -> str:
    """The JSON text of ``value``: an ``EncodedJSON``'s own text, else ``json.dumps``."""
    if type(value) is EncodedJSON:
        return value.text
    return json.dumps(value)
