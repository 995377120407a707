"""Markdown building blocks: safe escaping of provider data, code spans and blocks, size limits.

Anything that came from a provider or a person (names, emails, error texts, typed words) goes
through ``esc`` (inline text), ``code`` (a code span) or ``block`` (a code block), so it can neither
format the reply nor mention anyone nor become a link. Catalog messages are filled by ``msg``,
which escapes each parameter for where it sits in the template (inside backticks or not).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from datetime import datetime

from commands.views import Label, Msg
from i18n import numbers, t, template, with_counts
from onboarding.error_knowledge import Tip
from onboarding.model import ProvisioningStatus, StatusGroup, Subscriber

#: Webex: "The maximum message length is 7439 bytes" (webex-facts.md §2), counted in UTF-8.
MAX_BYTES = 7439

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>~|#])")
_BACKTICKS = re.compile(r"`+")
_ZWSP = "\u200b"

GROUP_ICON = {StatusGroup.PROVISIONED: "🟢", StatusGroup.PENDING: "🟡", StatusGroup.ERROR: "🔴"}


class Raw(str):
    """Markdown already made safe (built by these helpers); ``msg`` inserts it unchanged."""

    __slots__ = ()


def size(text: str) -> int:
    """The UTF-8 length Webex counts."""
    return len(text.encode("utf-8"))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _no_links(text: str) -> str:
    # A zero-width space keeps clients from turning provider data into clickable links.
    return re.sub(r"(?i)(://|www\.)", lambda m: m.group(1)[0] + _ZWSP + m.group(1)[1:], text)


def esc(text: object) -> str:
    """Provider or user text as inline markdown that renders literally, on one line."""
    return _no_links(_INLINE_SPECIAL.sub(r"\\\1", _one_line(str(text))))


def code(text: object) -> str:
    """A code span showing ``text`` verbatim (a fence longer than any backtick run inside)."""
    value = _one_line(str(text))
    if not value:
        return "—"
    longest = max((len(m) for m in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def block(text: str) -> str:
    """A fenced code block showing ``text`` verbatim, line breaks kept (for copying)."""
    value = str(text).replace("\r\n", "\n").replace("\r", "\n")
    longest = max((len(m) for m in _BACKTICKS.findall(value)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{value}\n{fence}"


def _code_safe(text: str) -> str:
    # Inside a template's own backticks: only a backtick could end the span early.
    return _one_line(text).replace("`", "ˋ")


def word(value: object, locale: str) -> str:
    """A parameter worded in ``locale``: a Label from the catalog, a tuple joined, else text."""
    if isinstance(value, Label):
        return t(value.key, locale, **{k: word(v, locale) for k, v in value.params.items()})
    if isinstance(value, tuple):
        return ", ".join(word(v, locale) for v in value)
    return str(value)


def msg(key: str, locale: str, /, **params: object) -> str:
    """Catalog message ``key`` with each parameter escaped for its place in the template."""
    text = template(key, locale, **params)
    params = with_counts(params, locale)
    out: list[str] = []
    ticks = 0
    for literal, field, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        ticks += literal.count("`")
        if field is None:
            continue
        if field not in params:
            out.append("{" + field + "}")
            continue
        value = params[field]
        if isinstance(value, Raw):
            out.append(value)
            continue
        if isinstance(value, Label | tuple):
            out.append(word(value, locale))  # catalog words are ours: no escaping needed
            continue
        if conversion == "r":
            value = repr(value)
        text = format(value, spec) if spec else str(value)
        out.append(_code_safe(text) if ticks % 2 else esc(text))
    return "".join(out)


def render_msg(m: Msg, locale: str) -> str:
    """A view's ``Msg`` as markdown."""
    return msg(m.key, locale, **dict(m.params))


def tip(advice: Tip, locale: str) -> str:
    """One tip of the error knowledge (``onboarding.error_knowledge``) as markdown."""
    return msg(advice.key, locale, **dict(advice.params))


def when(moment: datetime, locale: str) -> str:
    """A moment in the bot's ``timezone``: ``2026-01-15 10:00`` / ``15. 1. 2026 10:00``."""
    return numbers.moment(moment, t("md.datetime", locale), locale)


def ago(moment: datetime, now: datetime, locale: str) -> str:
    """How long ago ``moment`` was, roughly."""
    seconds = max(int((now - moment).total_seconds()), 0)
    if seconds < 60:
        return t("md.ago.now", locale)
    if seconds < 3600:
        return t("md.ago.minutes", locale, n=seconds // 60)
    if seconds < 86400:
        return t("md.ago.hours", locale, n=seconds // 3600)
    days = seconds // 86400
    return t("md.ago.days", locale, n=days)


def freshness(fresh: datetime | None, now: datetime, locale: str) -> str:
    """How fresh the data is, as a short italic line."""
    if fresh is None:
        return "_" + t("md.fresh.never", locale) + "_"
    return "_" + t("md.fresh", locale, time=when(fresh, locale), ago=ago(fresh, now, locale)) + "_"


def group_label(group: StatusGroup, locale: str) -> str:
    """A status group as Partner Hub words it."""
    return t(f"group.{group.value}", locale)


def status_label(status: ProvisioningStatus, locale: str) -> str:
    """The group and, when it says more, the exact status: ``nevyřízený požadavek (…)``."""
    group = group_label(status.group, locale)
    if status in (ProvisioningStatus.PROVISIONED, ProvisioningStatus.ERROR):
        return group
    return f"{group} ({t(f'status.{status.value}', locale)})"


def package_label(sub: Subscriber, locale: str) -> str:
    """The subscriber's package as Partner Hub names it."""
    return t(f"package.{sub.package.value}", locale)


def name_of(sub: Subscriber) -> str:
    """The subscriber's name, escaped, or the BroadWorks ID when nameless."""
    return esc(sub.display_name or sub.user_id)


def fit(
    head: Sequence[str],
    items: Sequence[str],
    tail: Sequence[str],
    more: Callable[[int], str],
    *,
    limit: int = MAX_BYTES,
) -> str:
    """Head, as many items as fit under ``limit`` bytes, a "N more" line if any were cut, tail."""
    fixed = size("\n".join([*head, *tail])) + 2
    reserve = size(more(len(items))) + 1
    kept: list[str] = []
    used = fixed
    for i, item in enumerate(items):
        cost = size(item) + 1
        last = i == len(items) - 1
        if used + cost + (0 if last else reserve) > limit:
            break
        kept.append(item)
        used += cost
    lines = [*head, *kept]
    if len(kept) < len(items):
        lines.append(more(len(items) - len(kept)))
    return "\n".join([*lines, *tail])


def clamp(text: str, locale: str, limit: int = MAX_BYTES) -> str:
    """``text`` cut to ``limit`` bytes at a line end, keeping code fences closed (a last guard)."""
    if size(text) <= limit:
        return text
    note = t("md.cut", locale)
    budget = limit - size(note) - 16
    kept: list[str] = []
    used = 0
    fence: str | None = None
    for line in text.split("\n"):
        cost = size(line) + 1
        if used + cost > budget:
            break
        kept.append(line)
        used += cost
        stripped = line.strip()
        if stripped.startswith("```"):
            run = len(stripped) - len(stripped.lstrip("`"))
            if fence is None:
                fence = "`" * run
            elif stripped == fence:
                fence = None
    if not kept:
        kept = [text.encode("utf-8")[:budget].decode("utf-8", "ignore")]
    if fence is not None:
        kept.append(fence)
    kept.append(note)
    return "\n".join(kept)
