"""The renderer table, filled by decorators beside the builders: one markdown and one card
renderer per view type.

A view family's module marks its ``markdown`` and ``card`` functions with ``@markdown_renderer``
and ``@card_renderer``; the view types they render are read from the annotation of the first
parameter (``view: StatusListView | UserDetailView``), so the types are written once, where the
function is, and a new view needs no second list to be kept in step.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

MarkdownRenderer = Callable[[Any, str], str]
CardRenderer = Callable[[Any, str], dict[str, Any] | None]
F = TypeVar("F", bound=Callable[..., Any])

_MARKDOWN: dict[type, MarkdownRenderer] = {}
_CARD: dict[type, CardRenderer] = {}


def _view_types(fn: Callable[..., Any]) -> tuple[type, ...]:
    first = next(iter(typing.get_type_hints(fn)))  # the view parameter comes first
    hint = typing.get_type_hints(fn)[first]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(typing.get_args(hint))
    return (hint,)


def _register(table: dict[type, Any], fn: F) -> F:
    for view_type in _view_types(fn):
        if view_type in table:
            raise ValueError(f"{view_type.__name__} has two renderers: {fn.__module__}")
        table[view_type] = fn
    return fn


def markdown_renderer(fn: F) -> F:
    """Register ``fn(view, locale) -> str`` for the view types its ``view`` parameter names."""
    return _register(_MARKDOWN, fn)


def card_renderer(fn: F) -> F:
    """Register ``fn(view, locale) -> card | None`` for the view types it names."""
    return _register(_CARD, fn)


def markdown_renderers() -> Mapping[type, MarkdownRenderer]:
    """Every registered markdown renderer by view type."""
    return dict(_MARKDOWN)


def card_renderers() -> Mapping[type, CardRenderer]:
    """Every registered card renderer by view type."""
    return dict(_CARD)
