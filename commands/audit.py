"""``audit [user|me] [days]``: the audit trail in chat, for admins, newest first.

``audit`` shows everyone's entries, ``audit me`` yours, ``audit <user>`` those by or about a
person or subscriber (an email, a BroadWorks user ID or a subscriber id); the last word, when it
is a small number, is how many days back to look (7 by default). At most ``SHOWN`` entries are
listed, then "and N more". The whole trail is ``onboard-bot audit export``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from commands.context import CommandContext
from commands.parsing import Args, ParseError
from commands.registry import ArgKind, ArgSpec, Role, command
from commands.replies import Reply
from commands.views import AuditLine, AuditView
from onboarding.errors import OnboardingError

DEFAULT_DAYS = 7
MAX_DAYS = 366
SHOWN = 15
_ME = frozenset({"me", "ja", "já", "mne", "mně", "mě"})

FILTER = ArgSpec("audit_filter", ArgKind.TEXT, required=False, variadic=True)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Whose entries and how far back."""

    who: str | None
    days: int


def parse_filter(words: str | None, me: str) -> AuditFilter:
    """``[user|me] [days]`` from the words after ``audit``."""
    tokens = (words or "").split()
    days = DEFAULT_DAYS
    if tokens and tokens[-1].isascii() and tokens[-1].isdigit() and len(tokens[-1]) <= 4:
        value = tokens.pop()
        days = int(value)
        if not 1 <= days <= MAX_DAYS:
            raise ParseError("audit.bad_days", max=MAX_DAYS, value=value)
    if len(tokens) > 1:
        raise ParseError("parse.too_many", extra=" ".join(tokens[1:]))
    who = tokens[0].strip().lower() if tokens else None
    if who in _ME:
        who = me.strip().lower()
    return AuditFilter(who, days)


@command(
    "audit",
    args=(FILTER,),
    role=Role.ADMIN,
    usage_key="cmd.audit.usage",
    examples=("audit", "audit me", "audit lucie.vesela@acme-cz.example 30"),
)
def audit(ctx: CommandContext, args: Args) -> Reply:
    """Who did what, newest first (everyone's, yours or a user's), over the last days."""
    flt = parse_filter(args.opt_text("audit_filter"), ctx.actor.email)
    since = ctx.clock.now() - timedelta(days=flt.days)
    names = _names_of(ctx, flt.who) if flt.who else ()
    entries, total = _entries(ctx, since, names, limit=SHOWN)
    return Reply(AuditView(entries, total, flt.days, flt.who))


def _names_of(ctx: CommandContext, who: str) -> tuple[str, ...]:
    """Every name a subscriber may appear under in the trail (email, user ID, id), lower case."""
    names = {who}
    try:
        sub = ctx.service.find_subscriber(who)
    except OnboardingError:
        return (who,)
    names.update(n.lower() for n in (sub.email, sub.user_id, sub.id) if n)
    return tuple(sorted(names))


def _entries(
    ctx: CommandContext, since: datetime, names: tuple[str, ...], *, limit: int
) -> tuple[tuple[AuditLine, ...], int]:
    uow = ctx.uow
    rows, total = uow.audit.involving(since=since, names=names, limit=limit)
    lines = []
    for row in rows:
        line = AuditLine.of(row)
        # Entries written before targets were recorded as people know them hold a card's
        # subscriber id; show the user by email or BroadWorks ID instead.
        target = line.target
        sub = uow.subscribers.get(target) if target and _maybe_id(target) else None
        if sub is not None:
            line = replace(line, target=sub.email or sub.user_id)
        lines.append(line)
    return tuple(lines), total


def _maybe_id(target: str) -> bool:
    """True when ``target`` may be a subscriber id (no email, no words, not absurdly long)."""
    return len(target) <= 200 and not {" ", "@"} & set(target)
