"""What a reply says, as data: one frozen view per kind of answer, rendered elsewhere.

Views hold domain objects, catalog keys and parameters, never rendered text, so the same view can
become markdown (``bot/cards/*.markdown``) or an Adaptive Card in any locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from commands.bulk_views import (
    BulkPreviewView,
    BulkProgressView,
    BulkResultView,
    BulkStartedView,
)
from commands.history_views import (
    HistoryView,
    TrendView,
    WatchAlertView,
    WatchListView,
    WhyView,
)
from commands.registry import CommandSpec, Role
from i18n import has
from onboarding.digest import DigestEntry, DigestReport, DigestSpec
from onboarding.error_knowledge import Tip
from onboarding.model import ControlHubState, OrgUser, Subscriber
from onboarding.providers.base import ActionOutcome, TemplateReport
from onboarding.queries import Page, SubscriberQuery
from onboarding.service import CustomerSummary, ErrorReport, StuckUser
from storage.models import AuditEntryRow


@dataclass(frozen=True, slots=True)
class Label:
    """A message parameter that is itself a catalog key, worded in the reply's locale."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Msg:
    """A catalog key with its parameters (values may be ``Label``s or tuples of them)."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StatusListView:
    """A page of subscribers for ``status [filters]``."""

    page: Page[Subscriber]
    query: SubscriberQuery
    words: tuple[str, ...]  # the filters as typed, canonical, without the page
    fresh_as_of: datetime | None
    now: datetime
    error_text: bool = False  # may the asker read error text (the support role, as ``error``)
    actions: tuple[str, ...] = ()  # list-wide card actions the asker may use (``export``)


@dataclass(frozen=True, slots=True)
class UserDetailView:
    """One subscriber (``status <user>``), with the card actions the asker may use."""

    subscriber: Subscriber
    advice: tuple[Tip, ...]
    fresh_as_of: datetime | None
    now: datetime
    actions: tuple[str, ...] = ()
    error_text: bool = False  # may the asker read error text (the support role, as ``error``)


@dataclass(frozen=True, slots=True)
class ErrorTextView:
    """A subscriber's exact error text and codes (``error <user>``, *Copy error text*)."""

    report: ErrorReport


class ConfirmAction(StrEnum):
    """Actions that wait for ``confirm <code>``."""

    DELETE = "delete"
    RESEND = "resend"
    BULK_RETRY = "retry file"


@dataclass(frozen=True, slots=True)
class ConfirmView:
    """A destructive action waiting for ``confirm <code>``."""

    code: str
    action: ConfirmAction
    target: str  # what the action is about, as shown to the person
    expires_at: datetime
    count: int = 1


@dataclass(frozen=True, slots=True)
class ActionResultView:
    """What an action did, step by step (retry, delete, package, resend)."""

    action: str  # retry, delete, package, resend
    target: str
    outcome: ActionOutcome


@dataclass(frozen=True, slots=True)
class HelpView:
    """The commands the asker may run (``help``)."""

    commands: tuple[CommandSpec, ...]
    role: Role
    hidden: int  # how many commands the asker's role does not allow
    languages: tuple[Msg, ...] = ()  # the languages in force here (``language``)


@dataclass(frozen=True, slots=True)
class CommandHelpView:
    """One command in detail (``help <command>``)."""

    command: CommandSpec
    allowed: bool


@dataclass(frozen=True, slots=True)
class TemplateView:
    """A customer's template check (``template check <customer>``)."""

    report: TemplateReport


@dataclass(frozen=True, slots=True)
class TemplateRow:
    """One customer in ``templates``: counts per group and the template check."""

    summary: CustomerSummary
    report: TemplateReport


@dataclass(frozen=True, slots=True)
class TemplatesView:
    """Every customer with its counts and template state (``templates``)."""

    rows: tuple[TemplateRow, ...]


@dataclass(frozen=True, slots=True)
class StateCertainty:
    """How sure a Control Hub state is, as the Webex provider recorded it in ``OrgUser.facts``."""

    confidence: str  # api, inferred, unknown: a webex.state.confidence.* key
    basis: str | None  # the rule that decided: a webex.state.basis.* key
    candidates: tuple[ControlHubState, ...] = ()  # when unknown: the states it may be
    delayed_claim_hidden: bool = False  # the API cannot show Delayed claim at all

    @classmethod
    def of(cls, user: OrgUser) -> StateCertainty | None:
        """Read from the facts; None for a provider that records no confidence (the sandbox)."""
        confidence = user.facts.get("state_confidence")
        if confidence not in ("api", "inferred", "unknown"):
            return None
        basis = user.facts.get("state_basis")
        candidates = tuple(
            ControlHubState(v)
            for v in user.facts.get("state_candidates", "").split(",")
            if v in ControlHubState._value2member_map_
        )
        return cls(
            confidence,
            basis if basis and has(f"webex.state.basis.{basis}") else None,
            candidates,
            user.facts.get("delayed_claim") == "not_detectable",
        )


@dataclass(frozen=True, slots=True)
class StatesView:
    """How many Control Hub users are in each state, and what each state means (``states``)."""

    counts: Mapping[ControlHubState, int]
    uncertain: int = 0  # counted as Active, but the API cannot tell them from Verified
    delayed_claim_hidden: bool = False  # the Delayed claim count cannot be known
    confidence: str | None = None  # how the states were read, when the provider says


@dataclass(frozen=True, slots=True)
class UserStateView:
    """One Control Hub user's state explained (``state <user>``), with the asker's card actions."""

    user: OrgUser
    now: datetime
    certainty: StateCertainty | None = None
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StuckView:
    """Users who need an admin (``stuck [days]``)."""

    users: tuple[StuckUser, ...]
    not_verified_days: int
    now: datetime


@dataclass(frozen=True, slots=True)
class ExplainView:
    """One Control Hub state explained (``explain <state>``)."""

    state: ControlHubState


@dataclass(frozen=True, slots=True)
class ExportView:
    """A CSV export written to a file that goes with the reply."""

    filename: str
    rows: int
    words: tuple[str, ...]
    csv_mb: int = 0  # set when the CSV was over Webex's file limit and goes zipped
    zip_mb: int = 0


@dataclass(frozen=True, slots=True)
class NoticeView:
    """A short neutral answer (a cancelled confirmation, an empty message)."""

    messages: tuple[Msg, ...]


@dataclass(frozen=True, slots=True)
class DigestView:
    """A digest as posted: the report, when it fired and in which zone to show times."""

    report: DigestReport
    fire_time: datetime
    timezone: str
    digest_id: int | None = None
    #: Whether everyone who reads the space may read error text (``status.
    #: audience_may_read_error_text``); off: error codes and counts only.
    error_text: bool = False


@dataclass(frozen=True, slots=True)
class DigestListView:
    """The digests of a space (``digest``)."""

    digests: tuple[DigestEntry, ...]
    now: datetime


@dataclass(frozen=True, slots=True)
class DigestSavedView:
    """A digest just added, with its first fire time."""

    spec: DigestSpec
    next_fire: datetime | None


@dataclass(frozen=True, slots=True)
class DigestStoppedView:
    """A digest just stopped."""

    spec: DigestSpec


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One audit entry as shown (detached from the database)."""

    at: datetime
    actor: str
    via: str
    action: str
    text: str | None
    target: str | None
    result: str
    detail: str | None
    space_id: str | None = None
    correlation_id: str | None = None

    @classmethod
    def of(cls, row: AuditEntryRow) -> AuditLine:
        """The line of a stored entry."""
        return cls(
            at=row.at,
            actor=row.actor,
            via=row.via,
            action=row.action,
            text=row.text,
            target=row.target,
            result=row.result,
            detail=row.detail,
            space_id=row.space_id,
            correlation_id=row.correlation_id,
        )


@dataclass(frozen=True, slots=True)
class AuditView:
    """A page of the audit trail (``audit``): the newest entries, how many in all, the filter."""

    entries: tuple[AuditLine, ...]
    total: int
    days: int
    who: str | None = None

    @property
    def more(self) -> int:
        """How many matching entries are not listed."""
        return max(self.total - len(self.entries), 0)


class ErrorKind(StrEnum):
    """Why the bot answered with an error."""

    BAD_INPUT = "bad_input"
    UNKNOWN_COMMAND = "unknown_command"
    NOT_FOUND = "not_found"
    REFUSED = "refused"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"
    CONFIRMATION = "confirmation"
    INTERNAL = "internal"


@dataclass(frozen=True, slots=True)
class ErrorView:
    """Bad input, not found, refused, forbidden, did-you-mean, or the generic apology."""

    kind: ErrorKind
    messages: tuple[Msg, ...]
    suggestions: tuple[str, ...] = ()  # command lines or choices the person probably meant
    usage_of: CommandSpec | None = None  # the command whose usage to show
    needed_role: Role | None = None
    ref: str | None = None  # the log reference of an internal error

    @property
    def key(self) -> str:
        """The catalog key of the first message (for logs and audit lines)."""
        return self.messages[0].key if self.messages else "error.generic"

    @property
    def forbidden(self) -> bool:
        """True when the asker's role does not allow the command."""
        return self.kind is ErrorKind.FORBIDDEN


View = (
    StatusListView
    | UserDetailView
    | ErrorTextView
    | ConfirmView
    | ActionResultView
    | HelpView
    | CommandHelpView
    | TemplateView
    | TemplatesView
    | StatesView
    | UserStateView
    | StuckView
    | ExplainView
    | ExportView
    | NoticeView
    | ErrorView
    | DigestView
    | DigestListView
    | DigestSavedView
    | DigestStoppedView
    | AuditView
    | HistoryView
    | WhyView
    | WatchListView
    | WatchAlertView
    | TrendView
    | BulkPreviewView
    | BulkStartedView
    | BulkProgressView
    | BulkResultView
)
"""Every answer a handler can give; ``bot.cards`` has a markdown and a card renderer for each."""
