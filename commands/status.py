"""``status [filters]`` and ``status <user>``: Partner Hub's *User Status* view in chat.

A single word after ``status`` is a user when it contains ``@`` (then it must match) or when it
is exactly a subscriber id, BroadWorks user ID or email of one subscriber; otherwise it is search
text. ``search <text>`` always searches. ``--refresh`` (or ``refresh`` first) makes the provider
sync now, even when its data is still fresh.

The card's filter form sends structured inputs besides the free ``filters`` text: ``status`` (a
group or an exact status), ``customer``, ``search`` and ``exclude_provisioned`` (``true`` or
``false``). They become filter words and go through the same parser as typed filters.
"""

from __future__ import annotations

from commands._args import FILTERS, LIST_INPUTS, USER
from commands.context import CommandContext
from commands.parsing import (
    ALL,
    VALUED_FILTERS,
    Args,
    ListFilters,
    ParseError,
    convert_status,
    parse_filters,
    tokenize,
)
from commands.registry import REGISTRY, Registry, Role, allowed, card_action, command
from commands.replies import Reply
from commands.views import Label, StatusListView, UserDetailView
from onboarding.errors import InvalidInput, NotFound
from onboarding.model import ProvisioningStatus, StatusGroup, Subscriber
from onboarding.service import ErrorReport

REFRESH_FLAG = "--refresh"
REFRESH_WORD = "refresh"
_TRUE, _FALSE = "true", "false"


@card_action("status.list", args=LIST_INPUTS)
@command(
    "status",
    aliases=("list", "ls"),
    args=(FILTERS,),
    examples=(
        "status",
        "status errors",
        "status all customer acme-cz",
        "status pending package basic page 2",
        "status lucie.vesela@acme-cz.example",
        "status --refresh errors",
    ),
)
def status(ctx: CommandContext, args: Args) -> Reply:
    """List subscribers by status (provisioned ones only with ``all``), or show one user."""
    filters, forced = _take_refresh(_with_inputs(args.filters(), args))
    if forced:
        ctx.service.refresh(force=True)
    ref = filters.single_ref
    if ref is not None:
        sub = _maybe_user(ctx, ref)
        if sub is not None:
            return Reply(_detail(ctx, ctx.service.error_report(sub.id)))
    result = ctx.service.list_subscribers(
        filters.query, page=filters.page, page_size=ctx.page_size, refresh=not forced
    )
    view = StatusListView(
        result.page,
        result.query,
        filters.words,
        result.fresh_as_of,
        ctx.clock.now(),
        error_text=may_read_error_text(ctx),
        actions=ctx.allowed_actions(["export"]),
    )
    return Reply(view)


@card_action("user.status", role=Role.VIEWER, args=(USER,))
def user_status(ctx: CommandContext, args: Args) -> Reply:
    """One subscriber in detail (a card's *details* button)."""
    return Reply(_detail(ctx, ctx.service.error_report(args.text("user"))))


def _with_inputs(filters: ListFilters, args: Args) -> ListFilters:
    """The free filters plus the card's structured inputs (an input customer wins)."""
    status_word = args.opt_text("status")
    customer = args.opt_text("customer")
    search = args.opt_text("search")
    exclude = args.opt_text("exclude_provisioned")
    if status_word is None and customer is None and search is None and exclude is None:
        return filters
    words = _standalone(filters.words, drop={ALL} if _flag(exclude) else set())
    if status_word is not None:
        convert_status(status_word)  # a bad status is an error, never search text
        words.append(status_word)
    elif _flag(exclude) is False:
        words.append(ALL)
    if customer is not None:
        words += ["customer", customer]
    if search is not None:
        words += ["search", search]
    return _reparse(words, filters.page)


def _take_refresh(filters: ListFilters) -> tuple[ListFilters, bool]:
    """The filters without ``--refresh`` (anywhere) or a leading ``refresh``, and whether given."""
    words = list(filters.words)
    leading = bool(words) and words[0] == REFRESH_WORD
    kept = _standalone(words[1:] if leading else words, drop={REFRESH_FLAG})
    if not leading and len(kept) == len(words):
        return filters, False
    return _reparse(kept, filters.page), True


def _standalone(words: tuple[str, ...] | list[str], drop: set[str]) -> list[str]:
    """Canonical filter words as tokens, less the ``drop`` words that are not a keyword's value."""
    tokens = tokenize(" ".join(words))
    out: list[str] = []
    is_value = False
    for token in tokens:
        if is_value or token not in drop:
            out.append(token)
        is_value = not is_value and token in VALUED_FILTERS
    return out


def _reparse(tokens: list[str], page: int) -> ListFilters:
    if page > 1:
        tokens = [*tokens, "page", str(page)]
    return parse_filters(tokens)


def _flag(value: str | None) -> bool | None:
    """A card toggle's value: ``true``/``false`` (any case), None when not sent."""
    if value is None:
        return None
    word = value.strip().lower()
    if word not in (_TRUE, _FALSE):
        raise ParseError(
            "parse.bad_choice",
            arg=Label("action.exclude_provisioned"),
            value=value,
            valid=f"{_TRUE}, {_FALSE}",
        )
    return word == _TRUE


def _maybe_user(ctx: CommandContext, ref: str) -> Subscriber | None:
    if "@" in ref:
        return ctx.service.find_subscriber(ref)
    try:
        return ctx.service.find_subscriber(ref)
    except NotFound:
        return None
    except InvalidInput as exc:
        if exc.key == "user.ambiguous":
            return None  # the list shows every match
        raise


def _detail(ctx: CommandContext, report: ErrorReport) -> UserDetailView:
    sub = report.subscriber
    return UserDetailView(
        sub,
        report.advice,
        ctx.service.provider.freshness(),
        ctx.clock.now(),
        actions=user_actions(ctx, sub),
        error_text=may_read_error_text(ctx),
    )


def may_read_error_text(ctx: CommandContext) -> bool:
    """Whether the asker may read error text: exactly when they may run ``error <user>``.

    One rule for every view, so ``status <user>`` never shows a viewer what ``error`` refuses.
    """
    return bool(ctx.allowed_actions(["user.error"]))


def audience_may_read_error_text(role: Role | None, registry: Registry = REGISTRY) -> bool:
    """Whether error text may go to a space whose readers all hold at least ``role``.

    The same rule as ``may_read_error_text`` with the space as the asker: a digest posted into a
    space shows error text only when everyone who can read it may run ``error <user>``. ``None``
    (the readers' roles are not known) shows none.
    """
    action = registry.action("user.error")
    return role is not None and action is not None and allowed(action, role)


def user_actions(ctx: CommandContext, sub: Subscriber) -> tuple[str, ...]:
    """The card actions that make sense for ``sub`` and that the asker's role allows."""
    names: list[str] = []
    if not sub.status.in_flight:
        if sub.status is not ProvisioningStatus.PROVISIONED:
            names.append("user.retry")
        names += ["user.delete", "user.package"]
    if sub.status.group is StatusGroup.ERROR or sub.errors:
        names.append("user.error")
    return ctx.allowed_actions(names)
