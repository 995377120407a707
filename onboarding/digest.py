"""Status digests: when they fire, and what they say, as pure computations over the service.

A digest reports counts per status group, per exact status and per customer; the errors that are
new since the previous digest of its space (each with its error text); the users resolved since
then; users pending for more than N days; Control Hub users Not verified for more than N days;
Delayed claims whose 14-day window ends within the warning window; and the change against the
previous digest. ``DigestReport.changed`` says whether anything the digest covers changed.

What a digest saw is kept as a JSON summary (``summary_of``) in its run: counts plus, per open
subscriber (pending or error), a short hash of its id mapped to a hash of its status and status
time. That is enough to tell exactly which errors are new and who was resolved, at a few dozen
bytes per open subscriber, without keeping names or emails in the runs table.

Schedules are five-field crontab lines in the digest's time zone (``daily 08:00`` and
``weekdays 07:30`` are shorthands); ``cron_trigger`` turns them into APScheduler cron triggers,
translating crontab's weekday numbers (0 = Sunday) into APScheduler's names.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.orm import Session

from onboarding.errors import InvalidInput, NotFound, OnboardingError, Refused
from onboarding.lifecycle import StuckReason, claim_deadline
from onboarding.mapping import subscriber_from_row
from onboarding.model import ProvisioningStatus, StatusGroup, Subscriber
from onboarding.queries import SubscriberQuery
from onboarding.service import OnboardingService, StatusSummary, StuckUser
from storage.digests import DigestRepository
from storage.models import DigestRow
from storage.uow import Database

T = TypeVar("T")

SUMMARY_VERSION = 2
DEFAULT_PENDING_DAYS = 7
DEFAULT_LIST_LIMIT = 50
# A subscriber resolved between two digests is searched among status changes since the previous
# digest's data freshness, minus this margin for providers whose timestamps lag their snapshot.
_RESOLVED_MARGIN = timedelta(days=1)
_MAX_FIRE_TIME_STEPS = 100_000
#: Up to this many open subscribers a digest keeps every one in its summary; past it, the
#: recently changed (a big partner's digest must not read and hash hundreds of thousands).
FULL_OPEN_MAP = 50_000


class Content(StrEnum):
    """What a digest covers."""

    ERRORS = "errors"
    PENDING = "pending"
    ALL = "all"

    @property
    def errors(self) -> bool:
        """True when the digest reports errors."""
        return self is not Content.PENDING

    @property
    def pending(self) -> bool:
        """True when the digest reports pending users and stuck Control Hub users."""
        return self is not Content.ERRORS


class Source(StrEnum):
    """Where a digest was defined."""

    CONFIG = "config"
    CHAT = "chat"


# --- schedules ---------------------------------------------------------------------------------

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOW_NUMBER = {name: i for i, name in enumerate(_DOW[:7])}


class ScheduleKind(StrEnum):
    """How a schedule was written."""

    DAILY = "daily"
    WEEKDAYS = "weekdays"
    CRON = "cron"


def parse_time(text: str) -> tuple[int, int]:
    """``08:00`` (or ``8.00``) as hour and minute; ``InvalidInput`` otherwise."""
    match = _TIME.match(text.strip())
    if match is None:
        raise InvalidInput("digest.bad_time", time=text)
    return int(match.group(1)), int(match.group(2))


def schedule_cron(kind: ScheduleKind, value: str) -> str:
    """The crontab line of ``daily HH:MM``, ``weekdays HH:MM`` or ``cron "<five fields>"``."""
    if kind is ScheduleKind.CRON:
        check_cron(value)
        return " ".join(value.split())
    hour, minute = parse_time(value)
    days = "*" if kind is ScheduleKind.DAILY else "1-5"
    return f"{minute} {hour} * * {days}"


def parse_schedule(text: str) -> str:
    """An app.yaml ``schedule`` (``daily 08:00``, ``weekdays 07:30`` or a cron line) as cron."""
    words = text.split()
    if len(words) == 2 and words[0].lower() in (ScheduleKind.DAILY, ScheduleKind.WEEKDAYS):
        return schedule_cron(ScheduleKind(words[0].lower()), words[1])
    return schedule_cron(ScheduleKind.CRON, text)


def describe_cron(cron: str) -> tuple[ScheduleKind, str]:
    """How to show a cron line: ``(daily, "08:00")``, ``(weekdays, "07:30")`` or ``(cron, it)``."""
    fields = cron.split()
    if (
        len(fields) == 5
        and fields[0].isdigit()
        and fields[1].isdigit()
        and fields[2:4] == ["*"] * 2
    ):
        hhmm = f"{int(fields[1]):02d}:{int(fields[0]):02d}"
        if fields[4] == "*":
            return ScheduleKind.DAILY, hhmm
        if fields[4] in ("1-5", "mon-fri"):
            return ScheduleKind.WEEKDAYS, hhmm
    return ScheduleKind.CRON, cron


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone; ``InvalidInput`` otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("digest.bad_timezone", timezone=name) from None
    return name


def looks_like_timezone(word: str) -> bool:
    """True for words shaped like IANA zone names (``Europe/Prague``, ``UTC``)."""
    return "/" in word or word.upper() in ("UTC", "GMT")


def _dow_number(token: str) -> int:
    lowered = token.lower()
    if lowered in _DOW_NUMBER:
        return _DOW_NUMBER[lowered]
    if lowered.isdigit() and 0 <= int(lowered) <= 7:
        return int(lowered)
    raise ValueError(f"bad day of week {token!r}")


def _crontab_weekdays(text: str) -> str:
    """Crontab weekdays (0 or 7 = Sunday) as APScheduler names (which count from Monday)."""
    if text in ("*", "?"):
        return "*"
    days: list[str] = []
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError("step must be positive")
        if span == "*":
            low, high = 0, 6
        elif "-" in span:
            a, b = span.split("-", 1)
            low, high = _dow_number(a), _dow_number(b)
        else:
            low = _dow_number(span)
            high = 6 if step_text else low
        if low > high:
            raise ValueError(f"bad range {span!r}")
        days.extend(_DOW[d] for d in range(low, high + 1, step))
    return ",".join(dict.fromkeys(days))


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """The APScheduler trigger of a crontab line in ``timezone``.

    Five fields are crontab's (minute hour day month weekday); six put seconds first (tests and
    demos that need a digest every few seconds).
    """
    fields = cron.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"expected 5 cron fields, got {len(fields)}")
    second = fields[0] if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields[-5:]
    if day not in ("*", "?") and weekday not in ("*", "?"):
        # crontab fires when either matches, APScheduler only when both do: refuse the ambiguity.
        raise ValueError("day of month and day of week cannot both be restricted")
    return CronTrigger(
        second=second,
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_crontab_weekdays(weekday),
        timezone=ZoneInfo(timezone),
    )


def check_cron(cron: str) -> str:
    """``cron`` if it is a valid five-field crontab line; ``InvalidInput`` otherwise."""
    if len(cron.split()) != 5:
        raise InvalidInput("digest.bad_cron", cron=cron, reason="5 fields")
    try:
        cron_trigger(cron, "UTC")
    except ValueError as exc:
        raise InvalidInput("digest.bad_cron", cron=cron, reason=str(exc)) from None
    return cron


def next_fire_times(cron: str, timezone: str, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, in UTC."""
    trigger = cron_trigger(cron, timezone)
    out: list[datetime] = []
    previous: datetime | None = None
    start = after + timedelta(microseconds=1)
    while len(out) < count:
        nxt = trigger.get_next_fire_time(previous, start)
        if nxt is None:
            break
        out.append(nxt.astimezone(UTC))
        previous, start = nxt, nxt + timedelta(microseconds=1)
    return out


def latest_fire_time(
    cron: str, timezone: str, now: datetime, *, within: timedelta
) -> datetime | None:
    """The latest fire time in ``[now - within, now]``, in UTC, or None if there is none."""
    trigger = cron_trigger(cron, timezone)
    latest: datetime | None = None
    nxt = trigger.get_next_fire_time(None, now - within)
    for _ in range(_MAX_FIRE_TIME_STEPS):
        if nxt is None or nxt > now:
            break
        latest = nxt
        nxt = trigger.get_next_fire_time(nxt, nxt + timedelta(microseconds=1))
    return None if latest is None else latest.astimezone(UTC)


# --- definitions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestSpec:
    """A digest definition: where it posts, when, and what it covers."""

    id: int
    space_id: str
    cron: str
    timezone: str
    content: Content
    quiet: bool
    source: Source
    created_by: str | None
    created_at: datetime
    enabled: bool = True

    @classmethod
    def of(cls, row: DigestRow) -> DigestSpec:
        """The definition stored in a row."""
        return cls(
            id=row.id,
            space_id=row.space_id,
            cron=row.cron,
            timezone=row.timezone,
            content=Content(row.content),
            quiet=row.quiet,
            source=Source(row.source),
            created_by=row.created_by,
            created_at=row.created_at,
            enabled=row.enabled,
        )

    def next_fire(self, after: datetime) -> datetime | None:
        """The next time this digest fires after ``after`` (UTC)."""
        times = next_fire_times(self.cron, self.timezone, after)
        return times[0] if times else None


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section(Generic[T]):
    """The first items of a list and how many there are in all."""

    items: tuple[T, ...] = ()
    total: int = 0

    @property
    def more(self) -> int:
        """How many items are not in ``items``."""
        return self.total - len(self.items)


@dataclass(frozen=True, slots=True)
class Change:
    """The change in counts per group against the previous digest."""

    errors: int
    pending: int
    provisioned: int

    @property
    def zero(self) -> bool:
        """True when no group's count changed."""
        return not (self.errors or self.pending or self.provisioned)


@dataclass(frozen=True, slots=True)
class DigestOptions:
    """The thresholds a digest uses."""

    pending_days: int = DEFAULT_PENDING_DAYS
    not_verified_days: int = 7
    claim_days: int = 2  # Delayed claims whose window ends within this many days
    limit: int = DEFAULT_LIST_LIMIT  # items kept per list (renderers cut further)


@dataclass(frozen=True, slots=True)
class DigestReport:
    """What one digest says."""

    content: Content
    now: datetime
    summary: StatusSummary
    customer_names: dict[str, str]
    new_errors: Section[Subscriber]
    resolved: Section[Subscriber]
    pending_too_long: Section[Subscriber]
    not_verified: Section[StuckUser]
    claims: Section[StuckUser]
    change: Change | None  # None for a space's first digest
    previous_at: datetime | None  # when the previous digest of the space fired
    changed: bool  # anything this digest covers changed since the previous one
    options: DigestOptions = field(default_factory=DigestOptions)
    open_state: dict[str, str] = field(default_factory=dict, repr=False)  # for summary_of
    open_from: datetime | None = None  # what open_state covers (None: every open subscriber)
    new_pending: int = 0  # pending subscribers whose state the previous digest did not see

    @property
    def first(self) -> bool:
        """True when the space has no previous digest to compare with."""
        return self.previous_at is None


def _hash(*parts: object, size: int) -> str:
    return _blake("\x1f".join(str(p) for p in parts), size)


def _blake(text: str, size: int) -> str:
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def id_key(subscriber: Subscriber, *, version: int = SUMMARY_VERSION) -> str:
    """A short, stable key for a subscriber (48 bits: collisions are negligible).

    Version 2 keys the BroadWorks identity (customer and user ID): a retry through the Webex API
    re-provisions the user under a new subscriber id, and the digest must still see the same
    person resolved. Version 1 summaries keyed the subscriber id; they are still read.
    """
    if version < 2:
        return _hash(subscriber.id, size=6)
    return _hash(subscriber.customer, subscriber.user_id, size=6)


def state_key(subscriber: Subscriber) -> str:
    """The subscriber's group letter and a hash of its exact status and status time."""
    letter = "e" if subscriber.status is ProvisioningStatus.ERROR else "p"
    return letter + _hash(
        subscriber.status.value, subscriber.last_status_change.isoformat(), size=4
    )


def _group_counts(summary: StatusSummary) -> dict[str, int]:
    return {g.value: n for g, n in summary.by_group.items()}


def build_report(
    service: OnboardingService,
    *,
    content: Content,
    previous: dict[str, Any] | None,
    previous_at: datetime | None = None,
    options: DigestOptions | None = None,
) -> DigestReport:
    """Compute a digest at the service clock's now against ``previous`` (a run's summary)."""
    options = options or DigestOptions()
    summary = service.status_summary()  # refreshes the snapshot first
    now = service.clock.now()
    prev = _Previous.of(previous)
    open_count = summary.by_group[StatusGroup.ERROR] + summary.by_group[StatusGroup.PENDING]
    # A big partner's map covers the recently changed only (see _open_subscribers).
    window_from = None
    if open_count > FULL_OPEN_MAP:
        window_from = (summary.fresh_as_of or now) - _RESOLVED_MARGIN
    seen = _open_subscribers(service, prev, window_from, options)
    if prev.open is None:  # every error is new: count them and list the newest
        error_total = summary.by_status[ProvisioningStatus.ERROR]
        new_errors = _newest_errors(service, options.limit)
    else:
        error_total = seen.new_errors
        new_errors = _load(service, seen.new_error_ids)
    pending_cutoff = now - timedelta(days=options.pending_days)
    aged, aged_total = _pending_before(service, pending_cutoff, options.limit)

    resolved: list[Subscriber] = []
    resolved_total = 0
    if prev.open is not None:
        since = _resolved_since(previous or {}, previous_at, now)
        for sub in _provisioned_since(service, since):
            if prev.was_open(sub):
                resolved_total += 1
                if len(resolved) < options.limit:
                    resolved.append(sub)

    nv_days, claim_days = options.not_verified_days, options.claim_days
    try:
        stuck = service.stuck_users(not_verified_days=nv_days, claim_days=claim_days)
    except OnboardingError:
        # Control Hub failed (logged and counted by the provider): the subscriber part of the
        # digest still goes out, with the Control Hub users as last stored.
        stuck = service.stuck_users(not_verified_days=nv_days, claim_days=claim_days, refresh=False)
    not_verified = [s for s in stuck if s.reason is StuckReason.NOT_VERIFIED_TOO_LONG]
    claims = sorted(
        (s for s in stuck if s.reason is not StuckReason.NOT_VERIFIED_TOO_LONG),
        key=lambda s: claim_deadline(s.user) or now,
    )

    change: Change | None = None
    if previous is not None and isinstance(previous.get("by_group"), dict):
        before = previous["by_group"]
        after = _group_counts(summary)
        change = Change(
            errors=after["error"] - int(before.get("error", 0)),
            pending=after["pending"] - int(before.get("pending", 0)),
            provisioned=after["provisioned"] - int(before.get("provisioned", 0)),
        )

    report = DigestReport(
        content=content,
        now=now,
        summary=summary,
        customer_names=_customer_names(service),
        new_errors=Section(tuple(new_errors), error_total),
        resolved=Section(tuple(resolved), resolved_total),
        pending_too_long=Section(tuple(aged), aged_total),
        not_verified=Section(tuple(not_verified[: options.limit]), len(not_verified)),
        claims=Section(tuple(claims[: options.limit]), len(claims)),
        change=change,
        previous_at=previous_at,
        changed=True,  # settled below, once the report can be compared with ``previous``
        options=options,
        open_state=seen.open_state,
        open_from=window_from,
        new_pending=seen.new_pending,
    )
    return replace(report, changed=previous is None or _changed(report, previous))


_OPEN = frozenset({StatusGroup.ERROR, StatusGroup.PENDING})
_KEY_COLUMNS = ("id", "customer_id", "user_id", "status", "last_status_change")


@dataclass(frozen=True, slots=True)
class _Previous:
    """What the previous digest of the space saw: its open map and what the map covers."""

    open: dict[str, str] | None = None
    version: int = SUMMARY_VERSION
    open_from: datetime | None = None  # None: every open subscriber is in ``open``
    fresh_as_of: datetime | None = None

    @classmethod
    def of(cls, summary: dict[str, Any] | None) -> _Previous:
        if summary is None or not isinstance(summary.get("open"), dict):
            return cls()
        raw_from, raw_fresh = summary.get("open_from"), summary.get("fresh_as_of")
        return cls(
            open=summary["open"],
            version=int(summary.get("v") or 1),
            open_from=datetime.fromisoformat(raw_from) if isinstance(raw_from, str) else None,
            fresh_as_of=datetime.fromisoformat(raw_fresh) if isinstance(raw_fresh, str) else None,
        )

    def key(self, sub_id: str, customer: str, user_id: str) -> str:
        return _hash(customer, user_id, size=6) if self.version >= 2 else _hash(sub_id, size=6)

    def was_open(self, sub: Subscriber) -> bool:
        """Was ``sub`` (now provisioned, changed since) open at the previous digest?

        In the map: yes. A windowed map (a big partner's) does not hold the open subscribers
        that had not changed for a day, so there a subscriber provisioned after the previous
        digest counts as resolved (as a retried one must, under its new subscriber id). It
        misreads two cases as resolved: a user provisioned at once, and a provisioned user whose
        package changed (provisioned, updating, provisioned) between the two digests.
        """
        if self.open is None:
            return False
        if self.key(sub.id, sub.customer, sub.user_id) in self.open:
            return True
        if self.open_from is None:
            return False
        return self.fresh_as_of is not None and sub.last_status_change > self.fresh_as_of


@dataclass(frozen=True, slots=True)
class _Seen:
    """One pass over the open subscribers (see ``_open_subscribers``)."""

    open_state: dict[str, str]
    new_error_ids: list[str]
    new_errors: int
    new_pending: int


def _open_subscribers(
    service: OnboardingService,
    prev: _Previous,
    window_from: datetime | None,
    options: DigestOptions,
) -> _Seen:
    """The open-subscriber map of this digest and what is new against the previous one.

    Plain tuples of the five columns the keys need, newest status change first; no ORM object
    or domain subscriber per open subscriber, only for the few a digest lists. Up to
    ``FULL_OPEN_MAP`` open subscribers the map holds every one of them (``window_from`` None).
    Past that it holds those whose status changed since ``window_from`` (a day before the data's
    freshness), and only the subscribers the previous map covers are compared with it: an open
    subscriber whose status did not change since then was there, unchanged, at the previous
    digest (the same assumption as for the resolved, ``_RESOLVED_MARGIN``). So a big partner's
    digest reads the recently changed, not hundreds of thousands of unchanged rows.
    """
    open_state: dict[str, str] = {}
    new_ids: list[str] = []
    new_errors = new_pending = 0
    error = ProvisioningStatus.ERROR.value
    read_from = window_from
    if window_from is not None and prev.open is not None and prev.open_from is not None:
        read_from = min(prev.open_from, window_from)
    window_naive = None if window_from is None else window_from.replace(tzinfo=None)
    prev_naive = None if prev.open_from is None else prev.open_from.replace(tzinfo=None)
    flt = replace(SubscriberQuery(groups=_OPEN).to_filter(), changed_from=read_from)
    with service.db.uow() as uow:
        for batch in uow.subscribers.stream_columns(flt, _KEY_COLUMNS):
            for sub_id, customer, user_id, status, changed in batch:
                # Stored naive UTC: compared with naive bounds, worded as an aware isoformat
                # (what state_key hashes) without building an aware datetime per row.
                letter = "e" if status == error else "p"
                state = letter + _blake(f"{status}\x1f{changed.isoformat()}+00:00", 4)
                key = _blake(f"{customer}\x1f{user_id}", 6)
                if window_naive is None or changed >= window_naive:
                    open_state[key] = state
                if prev.open is None or (prev_naive is not None and changed < prev_naive):
                    continue
                prev_key = key if prev.version >= 2 else _blake(sub_id, 6)
                if prev.open.get(prev_key) == state:
                    continue
                if letter == "p":
                    new_pending += 1
                    continue
                new_errors += 1
                if len(new_ids) < options.limit:
                    new_ids.append(sub_id)  # newest status change first
    return _Seen(open_state, new_ids, new_errors, new_pending)


def _newest_errors(service: OnboardingService, limit: int) -> list[Subscriber]:
    with service.db.uow() as uow:
        flt = SubscriberQuery(statuses=frozenset({ProvisioningStatus.ERROR})).to_filter()
        return [
            subscriber_from_row(r) for r in uow.subscribers.search(flt, offset=0, limit=limit).rows
        ]


def _load(service: OnboardingService, ids: list[str]) -> list[Subscriber]:
    """The subscribers with these ids, in the order given."""
    with service.db.uow() as uow:
        rows = [uow.subscribers.get(i) for i in ids]
        return [subscriber_from_row(r) for r in rows if r is not None]


def _pending_before(
    service: OnboardingService, cutoff: datetime, limit: int
) -> tuple[list[Subscriber], int]:
    """Pending subscribers whose status is older than ``cutoff``: the longest waiting first
    (up to ``limit``), and how many there are."""
    with service.db.uow() as uow:
        rows, total = uow.subscribers.unchanged_since(
            cutoff,
            statuses={s.value for s in ProvisioningStatus.in_group(StatusGroup.PENDING)},
            limit=limit,
        )
        return [subscriber_from_row(r) for r in rows], total


def _resolved_since(
    previous: dict[str, Any], previous_at: datetime | None, now: datetime
) -> datetime:
    raw = previous.get("fresh_as_of") or previous.get("as_of")
    base = datetime.fromisoformat(raw) if isinstance(raw, str) else (previous_at or now)
    return base - _RESOLVED_MARGIN


def _provisioned_since(service: OnboardingService, since: datetime) -> list[Subscriber]:
    with service.db.uow() as uow:
        rows = uow.subscribers.changed_since(since, statuses={ProvisioningStatus.PROVISIONED.value})
        return [subscriber_from_row(r) for r in rows]


def _customer_names(service: OnboardingService) -> dict[str, str]:
    with service.db.uow() as uow:
        return {row.id: row.name for row in uow.customers.all()}


def _watch_keys(report: DigestReport) -> list[str]:
    keys = [f"p:{id_key(s)}" for s in report.pending_too_long.items]
    keys += [f"u:{s.user.id}:{s.reason.value}" for s in report.not_verified.items]
    keys += [f"c:{s.user.id}:{s.reason.value}" for s in report.claims.items]
    return sorted(keys)


def _count(by_status: dict[str, Any], group: StatusGroup) -> int:
    return sum(int(by_status.get(s.value, 0)) for s in ProvisioningStatus.in_group(group))


def _changed(report: DigestReport, previous: dict[str, Any]) -> bool:
    """Did anything the digest covers change since ``previous``?

    The errors (likewise the pending) are the same set as before exactly when none of them is
    new and there are as many as before: then every one was already there with its state.
    """
    if not isinstance(previous.get("open"), dict):
        return True
    before = previous.get("by_status")
    before = before if isinstance(before, dict) else {}
    now = {s.value: n for s, n in report.summary.by_status.items()}
    if report.content.errors and (
        report.new_errors.total
        or _count(now, StatusGroup.ERROR) != _count(before, StatusGroup.ERROR)
    ):
        return True
    if report.content.pending:
        if report.new_pending or _count(now, StatusGroup.PENDING) != _count(
            before, StatusGroup.PENDING
        ):
            return True
        if previous.get("watch") != _watch_keys(report):
            return True
    return report.content is Content.ALL and before != now


def summary_of(report: DigestReport, *, posted: bool) -> dict[str, Any]:
    """The JSON summary recorded with a run: counts, what was shown, and the open-subscriber map."""
    summary = report.summary
    out: dict[str, Any] = {
        "v": SUMMARY_VERSION,
        "posted": posted,
        "as_of": report.now.isoformat(),
        "fresh_as_of": None if summary.fresh_as_of is None else summary.fresh_as_of.isoformat(),
        "content": report.content.value,
        "changed": report.changed,
        "by_group": _group_counts(summary),
        "by_status": {s.value: n for s, n in summary.by_status.items()},
        "by_customer": {
            cust: {g.value: n for g, n in groups.items()}
            for cust, groups in sorted(summary.by_customer.items())
        },
        "shown": {
            "new_errors": report.new_errors.total if report.content.errors else 0,
            "resolved": report.resolved.total,
            "pending_too_long": report.pending_too_long.total if report.content.pending else 0,
            "not_verified": report.not_verified.total if report.content.pending else 0,
            "claims": report.claims.total if report.content.pending else 0,
        },
        "watch": _watch_keys(report),
    }
    if posted:
        out["open"] = dict(sorted(report.open_state.items()))
        out["open_from"] = None if report.open_from is None else report.open_from.isoformat()
    return out


# --- managing definitions and runs -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """A digest of a space with when it fires next and when it last posted."""

    spec: DigestSpec
    next_fire: datetime | None
    last_posted: datetime | None


def list_digests(db: Database, space_id: str, now: datetime) -> list[DigestEntry]:
    """The enabled digests of a space, oldest first."""
    with db.uow() as uow:
        repo = uow.digests
        out = []
        for row in repo.for_space(space_id):
            spec = DigestSpec.of(row)
            last = repo.last_run(row.id)
            posted = None if last is None else last.posted_at
            out.append(DigestEntry(spec, spec.next_fire(now), posted))
        return out


def add_digest(
    db: Database,
    *,
    space_id: str,
    cron: str,
    timezone: str,
    content: Content,
    quiet: bool,
    source: Source,
    created_by: str | None,
    now: datetime,
) -> DigestSpec:
    """Store a new digest definition and return it (with its id)."""
    check_timezone(timezone)
    cron_trigger(cron, timezone)
    with db.uow() as uow:
        row = uow.digests.add(
            DigestRow(
                space_id=space_id,
                cron=cron,
                timezone=timezone,
                content=content.value,
                quiet=quiet,
                source=source.value,
                created_by=created_by,
                created_at=now,
                enabled=True,
            )
        )
        spec = DigestSpec.of(row)
        uow.commit()
    return spec


def find_digest(db: Database, digest_id: int, *, space_id: str | None = None) -> DigestSpec:
    """An enabled digest by id (of ``space_id`` when given); ``NotFound`` otherwise."""
    with db.uow() as uow:
        row = uow.digests.get(digest_id)
        if row is None or not row.enabled or (space_id is not None and row.space_id != space_id):
            raise NotFound("digest.not_found", id=digest_id)
        return DigestSpec.of(row)


def stop_digest(db: Database, digest_id: int, *, space_id: str) -> DigestSpec:
    """Turn off a chat-defined digest of ``space_id`` (its runs stay, as the space's history)."""
    with db.uow() as uow:
        row = uow.digests.get(digest_id)
        if row is None or not row.enabled or row.space_id != space_id:
            raise NotFound("digest.not_found", id=digest_id)
        if row.source == Source.CONFIG.value:
            raise Refused("digest.from_config", id=digest_id)
        row.enabled = False
        spec = DigestSpec.of(row)
        uow.commit()
    return spec


@dataclass(frozen=True, slots=True)
class Baseline:
    """The previous posted digest of a space: its fire time and summary."""

    fire_time: datetime
    summary: dict[str, Any]


def baseline(db: Database, space_id: str, before: datetime) -> Baseline | None:
    """The latest digest posted in ``space_id`` before ``before``."""
    with db.uow() as uow:
        run = uow.digests.previous_posted(space_id, before)
        return None if run is None else Baseline(run.fire_time, dict(run.summary))


def report_for(
    service: OnboardingService,
    spec: DigestSpec | None,
    fire_time: datetime,
    *,
    options: DigestOptions | None = None,
) -> DigestReport:
    """The digest ``spec`` would post at ``fire_time`` (an ad-hoc "all" digest without a spec)."""
    base = None if spec is None else baseline(service.db, spec.space_id, fire_time)
    return build_report(
        service,
        content=Content.ALL if spec is None else spec.content,
        previous=None if base is None else base.summary,
        previous_at=None if base is None else base.fire_time,
        options=options,
    )


def should_post(spec: DigestSpec | None, report: DigestReport) -> bool:
    """False only for a quiet digest that has nothing new to say."""
    return report.changed or spec is None or not spec.quiet


def record_run(
    session: Session,
    spec: DigestSpec,
    fire_time: datetime,
    report: DigestReport,
    *,
    posted: bool,
    now: datetime,
) -> int | None:
    """Insert the run of ``spec`` at ``fire_time`` in ``session``'s transaction.

    Returns the run id, or None when another process already recorded this firing (the caller
    must then post nothing). The caller commits, together with the outbox message if any.
    """
    repo = DigestRepository(session)
    run_id = repo.insert_run(
        spec.id, fire_time, posted_at=now, summary=summary_of(report, posted=posted)
    )
    if run_id is not None and posted:
        repo.prune_sets(spec.space_id, fire_time)
    return run_id
