"""``digest`` commands: list, add (daily, weekdays, cron), stop, and post a space's digest now.

A digest belongs to the space it was created in; only admins add or stop digests, anyone allowed
in the space lists them and asks for ``digest now``. ``digest now`` counts as the space's previous
digest for the next one, so nothing it showed is reported as new again.
"""

from __future__ import annotations

from datetime import UTC

from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import ArgKind, ArgSpec, Role, card_action, command
from commands.replies import Reply
from commands.status import audience_may_read_error_text
from commands.views import DigestListView, DigestSavedView, DigestStoppedView, DigestView, Label
from i18n import numbers
from onboarding.digest import (
    Content,
    DigestOptions,
    DigestSpec,
    ScheduleKind,
    Source,
    add_digest,
    check_timezone,
    describe_cron,
    find_digest,
    list_digests,
    looks_like_timezone,
    record_run,
    report_for,
    schedule_cron,
    stop_digest,
)
from onboarding.errors import InvalidInput, Refused
from storage.digests import DuplicateDigest

DEFAULT_TIMEZONE = "UTC"
_QUIET_WORDS = frozenset({"quiet", "tiše", "tise"})
_CONTENT_WORDS = {
    "errors": Content.ERRORS,
    "error": Content.ERRORS,
    "chyby": Content.ERRORS,
    "pending": Content.PENDING,
    "all": Content.ALL,
    "vse": Content.ALL,
    "vše": Content.ALL,
}

TIME = ArgSpec("digest_time", ArgKind.TEXT)
OPTIONS = ArgSpec("digest_options", ArgKind.TEXT, required=False, variadic=True)
CRON = ArgSpec("digest_cron", ArgKind.TEXT, variadic=True)
DIGEST_ID = ArgSpec("digest_id", ArgKind.NUMBER, minimum=1)
OPTIONAL_ID = ArgSpec("digest_id", ArgKind.NUMBER, required=False, minimum=1)


# --- handlers ----------------------------------------------------------------------------------


def _space(ctx: CommandContext) -> str:
    if not ctx.actor.space_id:
        raise InvalidInput("digest.no_space")
    return ctx.actor.space_id


@command("digest", aliases=("digests",), examples=("digest",))
def digest_list(ctx: CommandContext, args: Args) -> Reply:
    """The digests of this space: when each posts and what it covers."""
    now = ctx.clock.now()
    return Reply(DigestListView(tuple(list_digests(ctx.db, _space(ctx), now)), now))


@command(
    "digest daily",
    args=(TIME, OPTIONS),
    role=Role.ADMIN,
    examples=("digest daily 08:00", "digest daily 08:00 Europe/Prague errors"),
)
def digest_daily(ctx: CommandContext, args: Args) -> Reply:
    """Post a digest here every day at HH:MM."""
    return _add(ctx, schedule_cron(ScheduleKind.DAILY, args.text("digest_time")), args)


@command(
    "digest weekdays",
    args=(TIME, OPTIONS),
    role=Role.ADMIN,
    examples=("digest weekdays 07:30", "digest weekdays 07:30 Europe/Prague pending"),
)
def digest_weekdays(ctx: CommandContext, args: Args) -> Reply:
    """Post a digest here Monday to Friday at HH:MM."""
    return _add(ctx, schedule_cron(ScheduleKind.WEEKDAYS, args.text("digest_time")), args)


@command(
    "digest cron",
    args=(CRON,),
    role=Role.ADMIN,
    examples=('digest cron "0 8 * * 1-5"', 'digest cron "0 8 * * 1-5" Europe/Prague all'),
)
def digest_cron(ctx: CommandContext, args: Args) -> Reply:
    """Post a digest here on a five-field cron schedule (in quotes)."""
    words = args.text("digest_cron").split()
    cron = schedule_cron(ScheduleKind.CRON, " ".join(words[:5]))
    return _add(ctx, cron, Args({"digest_options": " ".join(words[5:]) or None}))


@command("digest off", args=(DIGEST_ID,), role=Role.ADMIN, examples=("digest off 1",))
def digest_off(ctx: CommandContext, args: Args) -> Reply:
    """Stop a digest of this space."""
    digest_id = args.opt_int("digest_id") or 0
    return Reply(DigestStoppedView(stop_digest(ctx.db, digest_id, space_id=_space(ctx))))


@card_action("digest.now")
@command("digest now", args=(OPTIONAL_ID,), examples=("digest now",))
def digest_now(ctx: CommandContext, args: Args) -> Reply:
    """Post the digest of this space now (its first digest's content, or everything)."""
    now = ctx.clock.now().astimezone(UTC).replace(microsecond=0)
    space = ctx.actor.space_id
    spec: DigestSpec | None = None
    wanted = args.opt_int("digest_id")
    if wanted is not None:
        spec = find_digest(ctx.db, wanted, space_id=_space(ctx))
    elif space:
        entries = list_digests(ctx.db, space, now)
        spec = entries[0].spec if entries else None
    options = DigestOptions(
        not_verified_days=ctx.not_verified_days, claim_days=ctx.claim_warning_days
    )
    report = report_for(ctx.service, spec, now, options=options)
    if spec is not None:
        with ctx.db.uow() as uow:
            # Recorded as a run, so the next scheduled digest does not repeat what this one shows.
            record_run(uow.session, spec, now, report, posted=True, now=now)
            uow.commit()
    # A digest's own zone; without one, the zone people's times are shown in.
    timezone = spec.timezone if spec is not None else numbers.display_zone()
    error_text = audience_may_read_error_text(ctx.audience_role, ctx.registry)
    return Reply(
        DigestView(report, now, timezone, None if spec is None else spec.id, error_text=error_text)
    )


def parse_options(text: str | None) -> tuple[str, Content, bool]:
    """The time zone, content and quiet flag of ``[zone] [errors|pending|all] [quiet]``."""
    timezone, content, quiet = DEFAULT_TIMEZONE, Content.ALL, False
    for word in (text or "").split():
        lowered = word.lower()
        if lowered in _CONTENT_WORDS:
            content = _CONTENT_WORDS[lowered]
        elif lowered in _QUIET_WORDS:
            quiet = True
        elif looks_like_timezone(word):
            timezone = check_timezone("UTC" if word.upper() in ("UTC", "GMT") else word)
        else:
            raise InvalidInput("digest.bad_option", word=word)
    return timezone, content, quiet


def _add(ctx: CommandContext, cron: str, args: Args) -> Reply:
    space = _space(ctx)
    timezone, content, quiet = parse_options(args.opt_text("digest_options"))
    now = ctx.clock.now()
    _refuse_a_twin(ctx, space, cron, timezone, content)
    try:
        spec = add_digest(
            ctx.db,
            space_id=space,
            cron=cron,
            timezone=timezone,
            content=content,
            quiet=quiet,
            source=Source.CHAT,
            created_by=ctx.actor.email,
            now=now,
        )
    except DuplicateDigest:
        # Another admin added the same digest between the check and the insert: the same
        # answer the check gives, naming the digest that won.
        _refuse_a_twin(ctx, space, cron, timezone, content)
        raise
    return Reply(DigestSavedView(spec, spec.next_fire(now)))


def _refuse_a_twin(
    ctx: CommandContext, space: str, cron: str, timezone: str, content: Content
) -> None:
    """Refuse a digest this space already has (same schedule, zone and content), naming it.

    Two identical digests would post the same message twice at the same minute.
    """
    with ctx.db.uow() as uow:
        twin = uow.digests.same_schedule(space, cron=cron, timezone=timezone, content=content.value)
        if twin is None:
            return
        kind, value = describe_cron(twin.cron)
        if kind is ScheduleKind.CRON:
            schedule = Label("digest.schedule.cron", {"cron": value})
        else:
            schedule = Label(f"digest.schedule.{kind.value}", {"time": value})
        raise Refused(
            "digest.duplicate",
            id=twin.id,
            schedule=schedule,
            timezone=twin.timezone,
            content=Label(f"digest.content.{twin.content}"),
        )
