"""SQLAlchemy 2 typed models: the provider snapshot, and the bot's own durable state.

Every datetime is stored as naive UTC and handed back timezone-aware (``UTCDateTime``), so SQLite
and PostgreSQL behave the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as naive UTC on every backend."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store naive UTC; refuse naive input, which would be ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back an aware UTC datetime."""
        return None if value is None else value.replace(tzinfo=UTC)


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit id.
BigId = sa.BigInteger().with_variant(sa.Integer, "sqlite")
JSONValue = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints predictably."""

    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONValue,
    }


# --- the provider snapshot: what the sandbox owns, and what the Webex provider caches ----------


class CustomerRow(Base):
    """A customer (BroadWorks enterprise) and what is known of its template."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    template_name: Mapped[str | None] = mapped_column(sa.String(300))
    untrusted_emails: Mapped[bool | None]
    share_link: Mapped[str | None] = mapped_column(sa.String(50))


class SubscriberRow(Base):
    """A BroadWorks subscriber (webex-facts.md §5); ``errors`` is a list of {code, description}."""

    __tablename__ = "subscribers"
    __table_args__ = (
        sa.Index("ix_subscribers_recent", "last_status_change", "id"),
        # With id last, "status pending" pages straight off the index: no sort of every row.
        sa.Index("ix_subscribers_status_recent", "status", "last_status_change", "id"),
        # Likewise for one customer or one package (0004); they also count without the table.
        sa.Index("ix_subscribers_customer_recent", "customer_id", "last_status_change", "id"),
        sa.Index("ix_subscribers_package_recent", "package", "last_status_change", "id"),
        # Counts of a customer's list by status and package read this index alone (0004).
        sa.Index("ix_subscribers_customer_status", "customer_id", "status", "package"),
        # ``find`` compares emails case-insensitively (0004).
        sa.Index("ix_subscribers_email_lower", sa.func.lower(sa.column("email"))),
    )

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    first_name: Mapped[str] = mapped_column(sa.String(200))
    last_name: Mapped[str] = mapped_column(sa.String(200))
    customer_id: Mapped[str] = mapped_column(sa.String(200))
    package: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(40))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONValue, default=list)
    created: Mapped[datetime]
    last_status_change: Mapped[datetime]
    provisioning_id: Mapped[str | None] = mapped_column(sa.String(200))
    person_id: Mapped[str | None] = mapped_column(sa.String(200))
    self_activated: Mapped[bool] = mapped_column(default=False)


class SandboxTransitionRow(Base):
    """The sandbox's next simulated step: at ``due_at`` the subscriber moves to ``to_status``."""

    __tablename__ = "sandbox_transitions"

    subscriber_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    to_status: Mapped[str] = mapped_column(sa.String(40))
    error_code: Mapped[int | None]
    error_text: Mapped[str | None] = mapped_column(sa.Text)


class OrgUserRow(Base):
    """A Control Hub user with the facts the lifecycle explains its state by."""

    __tablename__ = "org_users"

    id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[str] = mapped_column(sa.String(40), index=True)
    state_since: Mapped[datetime]
    created: Mapped[datetime]
    how: Mapped[str] = mapped_column(sa.String(80), default="")
    domain_verified: Mapped[bool | None]
    claimed_at: Mapped[datetime | None]
    last_reminder: Mapped[datetime | None]
    facts: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)


class SyncStateRow(Base):
    """A named cursor or timestamp kept by a provider (last sync, pagination position, tokens)."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    updated_at: Mapped[datetime]


# --- the bot's own state -----------------------------------------------------------------------


class AuditEntryRow(Base):
    """Who did what to whom, when, and with what result. Only ever inserted, never changed."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        # Every command reads its asker's entries of the last minute (the rate limit) and its
        # event's own (already handled): without these (0012) both read more the longer the
        # bot runs, a year's 100,000 entries costing a help 20 ms more.
        sa.Index("ix_audit_entries_actor_at", "actor", "at"),
        sa.Index("ix_audit_entries_correlation", "correlation_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(320))
    via: Mapped[str] = mapped_column(sa.String(20))  # chat, card, cli, digest, system
    space_id: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(80))
    text: Mapped[str | None] = mapped_column(sa.Text)
    target: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    result: Mapped[str] = mapped_column(sa.String(20))  # ok, refused, invalid, error, pending
    detail: Mapped[str | None] = mapped_column(sa.Text)
    correlation_id: Mapped[str | None] = mapped_column(sa.String(64))


class WebhookEventRow(Base):
    """A webhook delivery, recorded once under its event key and processed after the 200.

    ``locked_until`` is when a retry is due; ``claimed_by``/``heartbeat_at`` say which process
    works on it and that it is alive (storage/events.py). ``space_id`` keeps a space in order.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (sa.Index("ix_webhook_events_space", "status", "space_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    resource: Mapped[str] = mapped_column(sa.String(50))
    event: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(sa.String(20), index=True)  # pending, done, failed
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    correlation_id: Mapped[str | None] = mapped_column(sa.String(64))
    space_id: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    heartbeat_at: Mapped[datetime | None]


class JournalImportRow(Base):
    """How far the intake journal (storage/journal.py) has been moved into ``webhook_events``:
    one row, ``seq`` the highest journal sequence number imported; ``token`` names this
    database, so that a journal written for another one is never imported into it."""

    __tablename__ = "journal_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    token: Mapped[str] = mapped_column(sa.String(64))


class EmailClaimRow(Base):
    """An email address a retry is giving to a subscriber right now (storage/email_claims.py).

    Held from before the owner check until the provider has answered, so that two retries
    giving one address to two subscribers at once (two spaces, two worker processes) cannot
    both pass the check; ``expires_at`` frees the claim of a process that died meanwhile.
    """

    __tablename__ = "email_claims"

    email: Mapped[str] = mapped_column(sa.String(320), primary_key=True)  # lower case
    subscriber_id: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime]


class OutboxRow(Base):
    """A reply waiting to be delivered to Webex; survives restarts and outages.

    ``sending`` means a POST was (maybe) made and its outcome is not known: the sender checks
    Webex before sending it again (bot/delivery.py). ``space_key`` (room or person) keeps a
    space's replies in order; ``about``/``asked_at`` word the notice if the reply expires.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_space", "status", "space_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    created_at: Mapped[datetime]
    room_id: Mapped[str | None] = mapped_column(sa.String(200))
    to_person_email: Mapped[str | None] = mapped_column(sa.String(320))
    parent_id: Mapped[str | None] = mapped_column(sa.String(200))
    markdown: Mapped[str | None] = mapped_column(sa.Text)
    text: Mapped[str | None] = mapped_column(sa.Text)
    card: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    file_path: Mapped[str | None] = mapped_column(sa.String(1000))
    status: Mapped[str] = mapped_column(sa.String(20))  # pending, sending, delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    correlation_id: Mapped[str | None] = mapped_column(sa.String(64))
    space_key: Mapped[str | None] = mapped_column(sa.String(320))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    heartbeat_at: Mapped[datetime | None]
    sending_at: Mapped[datetime | None]
    about: Mapped[str | None] = mapped_column(sa.String(300))
    asked_at: Mapped[datetime | None]


class ConfirmationRow(Base):
    """A pending confirmation for something that cannot be undone: single-use and expiring."""

    __tablename__ = "confirmations"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    person: Mapped[str] = mapped_column(sa.String(320))
    space_id: Mapped[str | None] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(80))
    target: Mapped[str] = mapped_column(sa.String(320))
    params: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DigestRow(Base):
    """A scheduled digest for a space: when it runs and what it reports."""

    __tablename__ = "digests"
    __table_args__ = (
        # One enabled chat digest per schedule (0009): the twin check in commands/digest.py
        # reads, then writes, so two admins at once both passed it.
        sa.Index(
            "uq_digests_chat_schedule",
            "space_id",
            "cron",
            "timezone",
            "content",
            unique=True,
            sqlite_where=sa.text("enabled AND source = 'chat'"),
            postgresql_where=sa.text("enabled AND source = 'chat'"),
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    space_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    cron: Mapped[str] = mapped_column(sa.String(100))  # five-field cron, in ``timezone``
    timezone: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[str] = mapped_column(sa.String(20))  # errors, pending, all
    quiet: Mapped[bool] = mapped_column(default=False)  # post nothing when nothing changed
    source: Mapped[str] = mapped_column(sa.String(10))  # config or chat
    created_by: Mapped[str | None] = mapped_column(sa.String(320))
    created_at: Mapped[datetime]
    enabled: Mapped[bool] = mapped_column(default=True)


class DigestRunRow(Base):
    """One firing of a digest; unique per (digest, fire time), so a firing posts at most once."""

    __tablename__ = "digest_runs"
    __table_args__ = (sa.UniqueConstraint("digest_id", "fire_time", name="uq_digest_runs_firing"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(sa.ForeignKey("digests.id", ondelete="CASCADE"))
    fire_time: Mapped[datetime]
    posted_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)


class LockRow(Base):
    """A named lease (scheduler leadership on SQLite, where advisory locks do not exist)."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    expires_at: Mapped[datetime]


class LanguageRow(Base):
    """A language chosen in chat: for a space (``scope`` space) or a person (``scope`` person)."""

    __tablename__ = "language_settings"

    scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # space or person
    key: Mapped[str] = mapped_column(sa.String(320), primary_key=True)  # space id or email
    locale: Mapped[str] = mapped_column(sa.String(10))
    set_by: Mapped[str] = mapped_column(sa.String(320))
    set_at: Mapped[datetime]


class StatusTransitionRow(Base):
    """One status change of a subscriber as its provider reported it, stored once.

    Unique per (BroadWorks user ID, new status, when): two syncs that see the same change, or a
    sandbox step and a sync reading it back, store one row. ``cause`` is ``sync`` (the provider
    moved the user), ``command`` or ``card`` (the bot's own action, with its audit entry).
    """

    __tablename__ = "status_transitions"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "to_status", "at", name="uq_status_transitions_change"),
        sa.Index("ix_status_transitions_user", "user_id", "at"),
        # Covers the trend's count per day and move: read off the index, not the table.
        sa.Index("ix_status_transitions_day", "day", "customer_id", "from_status", "to_status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(200))
    subscriber_id: Mapped[str] = mapped_column(sa.String(200))
    customer_id: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    from_status: Mapped[str | None] = mapped_column(sa.String(40))
    to_status: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(index=True)
    day: Mapped[date] = mapped_column(sa.Date)  # ``at``'s UTC date, for the trend
    error_code: Mapped[int | None]
    error_text: Mapped[str | None] = mapped_column(sa.Text)
    cause: Mapped[str] = mapped_column(sa.String(20))  # sync, command, card
    actor: Mapped[str | None] = mapped_column(sa.String(320))
    cause_ref: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    audit_id: Mapped[int | None] = mapped_column(sa.BigInteger)


class WatchRow(Base):
    """A space's alert: new errors (of one customer, or all) or users crossing the stuck lines."""

    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    space_id: Mapped[str] = mapped_column(sa.String(200), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # errors, stuck
    customer_id: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime]
    enabled: Mapped[bool] = mapped_column(default=True)


class WatchAlertRow(Base):
    """One thing a watch alerted about; unique per (watch, key), so it is posted at most once.

    Inserted in the transaction that puts the alert message in the outbox: of two processes
    seeing the same new error, exactly one gets the row and posts.
    """

    __tablename__ = "watch_alerts"
    __table_args__ = (sa.UniqueConstraint("watch_id", "key", name="uq_watch_alerts_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    watch_id: Mapped[int] = mapped_column(sa.ForeignKey("watches.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime]


class BulkJobRow(Base):
    """A ``retry file`` upload: its rows were validated at preview; confirmed, it runs.

    ``state``: ``preview`` (waiting for Confirm), ``running``, ``done``, ``cancelled``. A running
    job is claimed like an event (``claimed_by``/``heartbeat_at``, storage/claims.py), so a
    process that dies in the middle leaves it to the next one, which runs the rows still
    ``ready``.
    """

    __tablename__ = "bulk_jobs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    person: Mapped[str] = mapped_column(sa.String(320))
    space_id: Mapped[str | None] = mapped_column(sa.String(200))
    parent_id: Mapped[str | None] = mapped_column(sa.String(200))  # the thread to post in
    locale: Mapped[str] = mapped_column(sa.String(10))
    file_name: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    total: Mapped[int]
    ready: Mapped[int]
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    progress_at: Mapped[datetime | None]  # when progress was last posted
    progress_done: Mapped[int] = mapped_column(default=0)  # rows finished at that post
    correlation_id: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(120))
    heartbeat_at: Mapped[datetime | None]


class BulkRowRow(Base):
    """One row of a ``retry file``: who, the new email, and where it stands.

    ``state``: ``refused`` (at preview, ``reason`` says why), ``ready``, then exactly one of
    ``done``, ``failed`` (the provider tried and said no) or ``refused`` (a check at run time).
    ``ready`` becomes ``done`` in the transaction that records the retry, so no row runs twice.
    """

    __tablename__ = "bulk_rows"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "row_no", name="uq_bulk_rows_row"),
        sa.Index("ix_bulk_rows_job_state", "job_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("bulk_jobs.id", ondelete="CASCADE"))
    row_no: Mapped[int]
    ref: Mapped[str] = mapped_column(sa.String(320))
    email: Mapped[str] = mapped_column(sa.String(320))
    subscriber_id: Mapped[str | None] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[dict[str, Any] | None]  # {"key": catalog key, "params": {...}}
    done_at: Mapped[datetime | None]
