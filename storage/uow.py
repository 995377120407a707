"""The unit of work: one session, its repositories, rollback unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import db
from storage.backlog import BacklogRepository
from storage.bulk import BulkRepository
from storage.confirmations import ConfirmationRepository
from storage.digests import DigestRepository
from storage.email_claims import EmailClaimRepository
from storage.events import WebhookEventRepository
from storage.languages import LanguageRepository
from storage.outbox import OutboxRepository
from storage.repositories import (
    AuditRepository,
    CustomerRepository,
    OrgUserRepository,
    SandboxTransitionRepository,
    SubscriberRepository,
    SyncStateRepository,
)
from storage.transitions import TransitionRepository
from storage.watches import WatchRepository


class UnitOfWork:
    """``with uow:`` opens a session; leaving without ``commit()`` rolls everything back."""

    session: Session
    subscribers: SubscriberRepository
    customers: CustomerRepository
    org_users: OrgUserRepository
    transitions: SandboxTransitionRepository
    sync_state: SyncStateRepository
    audit: AuditRepository
    outbox: OutboxRepository
    confirmations: ConfirmationRepository
    events: WebhookEventRepository
    digests: DigestRepository
    languages: LanguageRepository
    history: TransitionRepository  # every status change (``transitions`` is the sandbox's)
    watches: WatchRepository
    backlog: BacklogRepository
    bulk: BulkRepository  # ``retry file`` jobs and rows
    email_claims: EmailClaimRepository  # addresses a retry is giving away right now

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.subscribers = SubscriberRepository(self.session)
        self.customers = CustomerRepository(self.session)
        self.org_users = OrgUserRepository(self.session)
        self.transitions = SandboxTransitionRepository(self.session)
        self.sync_state = SyncStateRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.confirmations = ConfirmationRepository(self.session)
        self.events = WebhookEventRepository(self.session)
        self.digests = DigestRepository(self.session)
        self.languages = LanguageRepository(self.session)
        self.history = TransitionRepository(self.session)
        self.watches = WatchRepository(self.session)
        self.backlog = BacklogRepository(self.session)
        self.bulk = BulkRepository(self.session)
        self.email_claims = EmailClaimRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() ends the transaction (rolling back what was not committed) and detaches the
        # loaded objects without expiring them, so callers may still read what they fetched;
        # an explicit rollback() would expire them and make every later attribute read fail.
        self.session.close()

    def commit(self) -> None:
        """Make everything done in this unit durable."""
        self.session.commit()

    def rollback(self) -> None:
        """Undo everything not yet committed."""
        self.session.rollback()


class Database:
    """An engine and its session factory; hands out units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = db.make_session_factory(engine)

    @classmethod
    def from_url(cls, url: str) -> Database:
        """Connect to ``url`` (nothing is created until ``upgrade``)."""
        return cls(db.make_engine(url))

    def upgrade(self) -> None:
        """Bring the schema to the latest migration."""
        db.upgrade(self.engine)

    def uow(self) -> UnitOfWork:
        """A fresh unit of work."""
        return UnitOfWork(self.sessions)

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite."""
        return self.engine.dialect.name == "sqlite"

    def prefer_writes(self) -> None:
        """This process's writers go first at SQLite's write turn (the intake of ``serve``,
        before it forks its worker processes; storage/db.py). Nothing on PostgreSQL."""
        db.prefer_writes(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
