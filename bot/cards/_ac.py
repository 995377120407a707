"""Adaptive Card 1.3 building blocks as plain dicts: text, layout, inputs, actions, limits.

Text that came from a provider or a person (names, emails, error texts, typed words) is only ever
put in a ``TextRun`` of a ``RichTextBlock``: the Adaptive Cards spec renders TextRun text as is,
without markdown, whereas TextBlock markdown and its backslash escapes differ between renderers
(AdaptiveCards issues #5758 and #7474). So ``*boss*`` or ``[x](http://evil)`` shows literally,
and nothing can become a link or a mention. ``FactSet`` values and ``TextBlock`` text are
markdown in some renderers, so they only ever hold our own catalog words and numbers.

Catalog messages keep their little markdown (``**bold**``, ``*italic*``, `` `code` ``): ``msg``
turns it into styled runs and puts each parameter in a run of its own.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.cards._md import word
from i18n import template, with_counts

Element = dict[str, Any]

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.3"
#: Webex: "Cards may include up to five buttons (actions)" (webex-facts.md §8).
MAX_ACTIONS = 5
#: Webex publishes no card size limit; we keep cards small so they render fast everywhere.
MAX_CARD_BYTES = 20_000
#: A basic email shape for the client-side check; the server validates properly.
EMAIL_REGEX = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

_MARKS = re.compile(r"(\*\*|`|\*)")


# --- text --------------------------------------------------------------------------------------


def run(text: object, **style: Any) -> Element:
    """A ``TextRun``: ``text`` shown exactly as given (no markdown), with optional styling."""
    return {"type": "TextRun", "text": str(text), **style}


_RUN_STYLE = ("color", "fontType", "isSubtle", "italic", "size", "weight")


def rich(*inlines: Element | str, **extra: Any) -> Element:
    """A ``RichTextBlock`` of runs (plain strings become unstyled runs).

    Text styles given for the block (``isSubtle``, ``color``...) go to each run that has none of
    its own: a RichTextBlock itself has no text style.
    """
    style = {k: extra.pop(k) for k in _RUN_STYLE if k in extra}
    runs = [run(i) if isinstance(i, str) else i for i in inlines]
    styled = [{**style, **r} for r in runs if r["text"]]
    return {"type": "RichTextBlock", "inlines": styled, **extra}


def literal(text: object, **style: Any) -> Element:
    """Provider or user text in a block of its own, shown literally."""
    return rich(run(text), **style)


def text(value: str, **extra: Any) -> Element:
    """A wrapping ``TextBlock`` of our own words (never provider data: TextBlocks are markdown)."""
    return {"type": "TextBlock", "text": value, "wrap": True, **extra}


def md_runs(value: str, style: Mapping[str, Any] | None = None) -> list[Element]:
    """Our own catalog markdown (``**``, ``*``, backticks) as styled runs."""
    state = {"bold": False, "italic": False, "mono": False}
    return _md_runs(value, state, style or {})


def _md_runs(value: str, state: dict[str, bool], base: Mapping[str, Any]) -> list[Element]:
    out: list[Element] = []
    for part in _MARKS.split(value):
        if part == "`":
            state["mono"] = not state["mono"]
        elif part in ("**", "*") and not state["mono"]:
            key = "bold" if part == "**" else "italic"
            state[key] = not state[key]
        elif part:
            piece = run(part, **_style(state, base))
            if out and {**out[-1], "text": ""} == {**piece, "text": ""}:
                # One run per styled stretch: an asterisk inside a code span stays in its run.
                out[-1] = {**piece, "text": out[-1]["text"] + part}
            else:
                out.append(piece)
    return out


def _style(state: Mapping[str, bool], base: Mapping[str, Any]) -> dict[str, Any]:
    style = dict(base)
    if state["bold"]:
        style["weight"] = "bolder"
    if state["italic"]:
        style["italic"] = True
    if state["mono"]:
        style["fontType"] = "monospace"
    return style


def msg_runs(key: str, locale: str, /, **params: object) -> list[Element]:
    """Catalog message ``key`` as runs: its markdown styled, each parameter a literal run."""
    text = template(key, locale, **params)
    params = with_counts(params, locale)
    state = {"bold": False, "italic": False, "mono": False}
    out: list[Element] = []
    for literal_text, field, spec, _conversion in string.Formatter().parse(text):
        out += _md_runs(literal_text, state, {})
        if field is None:
            continue
        if field not in params:
            out.append(run("{" + field + "}", **_style(state, {})))
            continue
        value = params[field]
        shown = word(value, locale) if not spec else format(value, spec)
        out.append(run(shown, **_style(state, {})))
    return out


def msg(
    key: str, locale: str, /, *, block: Mapping[str, Any] | None = None, **params: object
) -> Element:
    """Catalog message ``key`` as a ``RichTextBlock`` (``block``: extra block properties)."""
    return rich(*msg_runs(key, locale, **params), **dict(block or {}))


def md(value: str, **extra: Any) -> Element:
    """Our own catalog markdown text (already worded) as a ``RichTextBlock``."""
    return rich(*md_runs(value), **extra)


def clip(value: str, limit: int) -> tuple[str, int]:
    """``value`` cut to ``limit`` characters, and how many were cut."""
    if len(value) <= limit:
        return value, 0
    return value[: limit - 1] + "…", len(value) - (limit - 1)


def one_line(value: object) -> str:
    """``value`` on one line (for row summaries and choice titles)."""
    return " ".join(str(value).split())


# --- layout ------------------------------------------------------------------------------------


def container(items: Sequence[Element], **extra: Any) -> Element:
    """A ``Container`` of elements."""
    return {"type": "Container", "items": list(items), **extra}


def column(items: Sequence[Element], width: str | int = "stretch", **extra: Any) -> Element:
    """A ``Column`` (``auto``, ``stretch`` or a relative weight)."""
    return {"type": "Column", "width": width, "items": list(items), **extra}


def columns(*cols: Element, **extra: Any) -> Element:
    """A ``ColumnSet``."""
    return {"type": "ColumnSet", "columns": list(cols), **extra}


def facts(pairs: Iterable[tuple[str, str]], **extra: Any) -> Element:
    """A ``FactSet`` of our own words and numbers (values are markdown in some renderers)."""
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs], **extra}


def field(label: str, value: Element | str, **extra: Any) -> Element:
    """One "label: value" row: the label ours, the value literal (or runs already built)."""
    shown = value if isinstance(value, dict) else literal(value)
    return columns(
        column([text(label, isSubtle=True)], 2),
        column([shown], 3),
        spacing="None",
        **extra,
    )


# --- inputs ------------------------------------------------------------------------------------


def input_text(
    id_: str,
    label: str,
    *,
    value: str | None = None,
    placeholder: str | None = None,
    required: bool = False,
    regex: str | None = None,
    error: str | None = None,
    style: str | None = None,
    max_length: int | None = None,
) -> Element:
    """An ``Input.Text`` with 1.3 validation (``isRequired``, ``regex``, ``errorMessage``)."""
    out: Element = {"type": "Input.Text", "id": id_, "label": label}
    optional = {
        "value": value,
        "placeholder": placeholder,
        "regex": regex,
        "errorMessage": error,
        "style": style,
        "maxLength": max_length,
    }
    out.update({k: v for k, v in optional.items() if v is not None})
    if required:
        out["isRequired"] = True
    return out


def choice_set(
    id_: str,
    label: str,
    choices: Iterable[tuple[str, str]],
    *,
    value: str | None = None,
    required: bool = False,
    error: str | None = None,
    expanded: bool = False,
) -> Element:
    """An ``Input.ChoiceSet`` of ``(title, value)`` pairs (titles are plain text, not markdown).

    A required choice needs its ``error``: the renderer shows it when nothing is chosen (and the
    official renderer's validator flags a required input without one).
    """
    if required and error is None:
        raise ValueError(f"required choice {id_!r} needs an error message")
    out: Element = {
        "type": "Input.ChoiceSet",
        "id": id_,
        "label": label,
        "style": "expanded" if expanded else "compact",
        "choices": [{"title": title, "value": val} for title, val in choices],
    }
    if value is not None:
        out["value"] = value
    if required:
        out["isRequired"] = True
    if error is not None:
        out["errorMessage"] = error
    return out


# --- actions -----------------------------------------------------------------------------------


def submit(
    title: str, action: str, data: Mapping[str, object] | None = None, *, style: str | None = None
) -> Element:
    """An ``Action.Submit`` to card action ``action``; ``data`` holds what the server needs."""
    out: Element = {
        "type": "Action.Submit",
        "title": title,
        "data": {"action": action, **dict(data or {})},
    }
    if style is not None:
        out["style"] = style
    return out


def show_card(title: str, body: Sequence[Element], actions: Sequence[Element]) -> Element:
    """An ``Action.ShowCard``: a sub-card (its buttons count towards the five)."""
    sub: Element = {"type": "AdaptiveCard", "body": list(body)}
    if actions:
        sub["actions"] = list(actions)
    return {"type": "Action.ShowCard", "title": title, "card": sub}


def action_set(*actions: Element, **extra: Any) -> Element:
    """An ``ActionSet``: buttons in the card's body, in a row of their own.

    A row of four buttons leaves a phone (360 px) about 50 px a title; a card's primary action
    stands alone in its row, next to the input it acts on, and the others get rows of one or two.
    """
    return {"type": "ActionSet", "actions": list(actions), **extra}


# --- the card ----------------------------------------------------------------------------------


def card(body: Sequence[Element], actions: Sequence[Element] = ()) -> Element:
    """An Adaptive Card 1.3; more than five buttons is a bug in the caller."""
    out: Element = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": VERSION,
        "body": list(body),
    }
    if actions:
        out["actions"] = list(actions)
    n = count_actions(out)
    if n > MAX_ACTIONS:
        raise ValueError(f"card has {n} actions; Webex allows {MAX_ACTIONS}")
    return out


def count_actions(node: object) -> int:
    """Buttons on a card: its actions, every ShowCard sub-card's and every ActionSet's."""
    # A loop over containers only: a list card has hundreds of text leaves, and a recursive
    # call (and an ABC isinstance check) per leaf was a tenth of a status reply's CPU.
    total = 0
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            own = item.get("actions")
            if own and item.get("type") in ("AdaptiveCard", "ActionSet"):
                total += len(own)
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, dict | list))
    return total


def size(element: object) -> int:
    """The card's JSON size in bytes, as it goes over the wire."""
    return len(json.dumps(element, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def fit_rows(rows: Sequence[Element], budget: int) -> tuple[list[Element], int]:
    """As many rows as fit in ``budget`` JSON bytes, and how many were left out."""
    kept: list[Element] = []
    used = 0
    for row in rows:
        cost = size(row) + 1
        if used + cost > budget:
            break
        kept.append(row)
        used += cost
    return kept, len(rows) - len(kept)
