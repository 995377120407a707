"""Decoding a signed webhook body into JSON that every database can store.

Python's ``json`` accepts things neither database can keep: a lone surrogate escape (``"\\ud800"``)
decodes to a ``str`` that cannot be encoded as UTF-8 (SQLite and PostgreSQL both refuse it), a
``\\u0000`` is refused by PostgreSQL's ``jsonb`` and ``text``, and ``NaN``, ``Infinity`` and
``1e999999`` (which overflows to ``inf``) are not JSON at all for PostgreSQL. Such a body can never
be stored, so asking Webex to deliver it again (503) would loop forever: it is refused here with
``UnstorableBody`` (a ``ValueError``), which the intake answers with 400.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

#: The escapes that can decode to a NUL or to a surrogate (``\\u0000``, ``\\ud800``-``\\udfff``).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class UnstorableBody(ValueError):
    """The body decodes, but to something no database here can store."""


def _no_constant(name: str) -> Any:
    raise UnstorableBody(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnstorableBody(f"{text[:20]} is not a finite number")
    return value


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise UnstorableBody("a string holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UnstorableBody("a string holds a lone surrogate") from None


def _check(value: Any) -> None:
    # Iterative, so a deeply nested (already parsed) body cannot exhaust the stack here.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def loads_storable(raw: bytes) -> Any:
    """Decode ``raw`` as strict UTF-8 JSON that SQLite and PostgreSQL can both store.

    Raises ``ValueError`` (``UnstorableBody`` for storable-looking JSON with bad content).
    """
    value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite)
    # Strict UTF-8 refuses encoded surrogates and JSON refuses raw control characters in a
    # string, so a NUL or a lone surrogate can only come from an escape: without one of those
    # in the bytes (nearly every webhook), the walk over every string is not needed.
    if _SUSPECT_ESCAPE.search(raw):
        _check(value)
    return value
