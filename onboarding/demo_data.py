"""The sandbox's demo data: customers, BroadWorks subscribers and Control Hub users.

Everything is drawn from ``random.Random(random_seed)`` with timestamps relative to ``now``, so the
same seed and the same moment give the same data. ``build_demo_data`` is pure; ``ensure_demo_data``
writes it into an empty snapshot. The bulk seeder (``onboarding.seeding``) draws its rows from the
same ``SubscriberDrawer``, so large data sets have the demo set's distributions.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import itertools
import random
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from onboarding.clock import Clock
from onboarding.lifecycle import CLAIM_WINDOW, EntryRule
from onboarding.mapping import (
    customer_to_row,
    org_user_to_row,
    subscriber_from_row,
    subscriber_to_row,
)
from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    ProvisioningError,
    ProvisioningStatus,
    Subscriber,
)
from storage.models import (
    CustomerRow,
    OrgUserRow,
    SandboxTransitionRow,
    SubscriberRow,
    SyncStateRow,
)
from storage.uow import Database

_PS = ProvisioningStatus
T = TypeVar("T")

#: Where the Share link of a correctly set-up template points (``Customer.share_link``).
SHARE_LINK_ACTIVATION = "activation"

#: The sync_state entry that records the demo seeding (its primary key makes seeding single-shot).
DEMO_MARKER = "sandbox.demo_data"

# --- provisioning errors ----------------------------------------------------------------------

#: The one provisioning error whose code and text Cisco publishes (spec example, error-codes.md §1).
USER_ID_TAKEN = ProvisioningError(
    10022, "The BroadWorks UserID is already associated with an existing user"
)

# Sandbox examples, invented: Cisco's "API Error Codes" table is not public (error-codes.md), so
# the codes and texts below are NOT Cisco table entries. They only give the sandbox's error list
# the variety a real partner sees (email owned elsewhere, domain claimed, expired validation...).
EMAIL_TAKEN = ProvisioningError(
    10045,
    "The email address is already associated with an existing user in another organization.",
)
DOMAIN_CLAIMED = ProvisioningError(
    10048, "The email domain is claimed by another organization and cannot be used."
)
VALIDATION_EXPIRED = ProvisioningError(
    10061, "The subscriber did not validate the email address before the validation link expired."
)
PACKAGE_NOT_ENABLED = ProvisioningError(
    10074, "The requested package is not enabled in the customer template."
)
CLUSTER_UNREACHABLE = ProvisioningError(
    10102, "Provisioning could not be completed: the BroadWorks cluster did not respond in time."
)

#: Errors a subscriber in ``error`` may carry, with how often each occurs.
ERROR_WEIGHTS: Mapping[ProvisioningError, int] = {
    USER_ID_TAKEN: 30,
    EMAIL_TAKEN: 25,
    VALIDATION_EXPIRED: 15,
    DOMAIN_CLAIMED: 10,
    PACKAGE_NOT_ENABLED: 10,
    CLUSTER_UNREACHABLE: 10,
}

# --- distributions --------------------------------------------------------------------------

#: How many demo subscribers have each status (80 in all); the bulk seeder uses them as weights.
STATUS_COUNTS: Mapping[ProvisioningStatus, int] = {
    _PS.PROVISIONED: 34,
    _PS.PENDING_EMAIL_INPUT: 10,
    _PS.PENDING_EMAIL_VALIDATION: 8,
    _PS.PENDING_USER_MIGRATION: 5,
    _PS.PROVISIONING: 4,
    _PS.UPDATING: 3,
    _PS.ERROR: 16,
}

#: How many demo subscribers have each package (80 in all); weights for the bulk seeder.
PACKAGE_COUNTS: Mapping[Package, int] = {
    Package.SOFTPHONE: 16,
    Package.BASIC: 24,
    Package.STANDARD: 28,
    Package.PREMIUM: 12,
}

# How long ago (seconds, low..high) each status was entered: in-flight work is minutes old,
# a forgotten pending request can be weeks old.
_AGE: Mapping[ProvisioningStatus, tuple[int, int]] = {
    _PS.PROVISIONED: (86_400, 42 * 86_400),
    _PS.PENDING_EMAIL_INPUT: (86_400, 35 * 86_400),
    _PS.PENDING_EMAIL_VALIDATION: (2 * 3_600, 10 * 86_400),
    _PS.PENDING_USER_MIGRATION: (86_400, 21 * 86_400),
    _PS.PROVISIONING: (120, 50 * 60),
    _PS.UPDATING: (60, 20 * 60),
    _PS.ERROR: (3_600, 30 * 86_400),
}

# --- customers ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """A demo customer with what the generator needs to invent its users."""

    customer: Customer
    template_name: str
    email_domain: str
    phone_prefix: str  # BroadWorks user IDs are numbers in the customer's country
    locale: str  # "cs" or "en": which names most of its users have
    weight: int  # share of the subscribers

    @property
    def id(self) -> str:
        """The customer id (``spEnterpriseId``)."""
        return self.customer.id


def _customer(
    cid: str,
    name: str,
    domain: str,
    prefix: str,
    locale: str,
    weight: int,
    *,
    untrusted_emails: bool = True,
    share_link: str = SHARE_LINK_ACTIVATION,
) -> DemoCustomer:
    return DemoCustomer(
        Customer(cid, name, untrusted_emails=untrusted_emails, share_link=share_link),
        template_name=f"{name} – Webex for BroadWorks",
        email_domain=domain,
        phone_prefix=prefix,
        locale=locale,
        weight=weight,
    )


#: The demo customers; exactly one (``novlog-cz``) has a misconfigured template: its Share link
#: points at a custom URL instead of the Activation link, so its users cannot self-activate.
DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    _customer("acme-cz", "Acme Česko s.r.o.", "acme-cz.example", "42060", "cs", 30),
    _customer("bstroj-cz", "Brněnské strojírny a.s.", "bstroj.example", "42054", "cs", 20),
    _customer("globex-uk", "Globex Corporation UK Ltd", "globex-uk.example", "447700", "en", 20),
    _customer("initech-de", "Initech GmbH", "initech.example", "49301", "en", 15),
    _customer(
        "novlog-cz",
        "Novák Logistika s.r.o.",
        "novlog.example",
        "42058",
        "cs",
        15,
        share_link="custom_url",
    ),
)

MISCONFIGURED_CUSTOMER = "novlog-cz"

# --- names ----------------------------------------------------------------------------------

_CS_MEN = ("Jan", "Petr", "Tomáš", "Martin", "Jiří", "Pavel", "Lukáš", "Jakub", "Ondřej", "Vojtěch")
_CS_WOMEN = ("Jana", "Petra", "Lucie", "Kateřina", "Tereza", "Markéta", "Eva", "Veronika", "Zuzana")
_CS_SURNAMES = (
    ("Novák", "Nováková"),
    ("Svoboda", "Svobodová"),
    ("Dvořák", "Dvořáková"),
    ("Černý", "Černá"),
    ("Procházka", "Procházková"),
    ("Kučera", "Kučerová"),
    ("Veselý", "Veselá"),
    ("Horák", "Horáková"),
    ("Němec", "Němcová"),
    ("Pokorný", "Pokorná"),
    ("Růžička", "Růžičková"),
    ("Beneš", "Benešová"),
    ("Fiala", "Fialová"),
    ("Šťastný", "Šťastná"),
    ("Krejčí", "Krejčí"),
)
_EN_FIRST = (
    "Oliver",
    "Harry",
    "George",
    "James",
    "Jack",
    "Emily",
    "Olivia",
    "Amelia",
    "Sophie",
    "Charlotte",
    "Grace",
    "Thomas",
)
_EN_SURNAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Evans",
    "Clarke",
    "Walker",
    "Wright",
)


def _draw_name(rng: random.Random, locale: str) -> tuple[str, str]:
    # One user in seven has a name from the other language: Prague offices hire Brits and back.
    czech = (locale == "cs") != (rng.random() < 1 / 7)
    if czech:
        if rng.random() < 0.5:
            return rng.choice(_CS_MEN), rng.choice(_CS_SURNAMES)[0]
        return rng.choice(_CS_WOMEN), rng.choice(_CS_SURNAMES)[1]
    return rng.choice(_EN_FIRST), rng.choice(_EN_SURNAMES)


@functools.lru_cache(maxsize=4096)
def ascii_slug(text: str) -> str:
    """``Šťastná`` → ``stastna``: how a name becomes part of an email address."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


# --- ids ------------------------------------------------------------------------------------


def webex_id(kind: str, value: uuid.UUID) -> str:
    """A Webex-style id: base64 of ``ciscospark://us/<KIND>/<uuid>``, without padding."""
    raw = f"ciscospark://us/{kind}/{value}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


def stable_uuid(*parts: object) -> uuid.UUID:
    """A UUID derived from ``parts`` (the same in every process, unlike ``hash``)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=16).digest()
    return uuid.UUID(bytes=digest, version=4)


def provisioning_id(customer_id: str) -> str:
    """The Provisioning ID of a customer's template (one per template, as Partner Hub shows)."""
    a, b = stable_uuid("template", customer_id), stable_uuid("template-org", customer_id)
    return base64.b64encode(f"{a}:{b}".encode()).decode().rstrip("=")


def _rng_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# --- subscribers ----------------------------------------------------------------------------


class _Weighted(Generic[T]):
    """Draws from weighted choices with a single ``random()`` call (the seeder draws millions)."""

    def __init__(self, weights: Mapping[T, int]) -> None:
        self.items = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


class SubscriberDrawer:
    """Invents subscriber rows (column dicts of ``subscribers``) with the demo distributions."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        customers: Sequence[DemoCustomer] = DEMO_CUSTOMERS,
    ) -> None:
        self.rng = rng
        self.now = now.replace(microsecond=0)
        self.customers = list(customers)
        self._statuses = _Weighted(STATUS_COUNTS)
        self._packages = _Weighted(PACKAGE_COUNTS)
        self._customers = _Weighted({c: c.weight for c in self.customers})
        self._errors = _Weighted(ERROR_WEIGHTS)
        self._misconfigured = [c for c in self.customers if c.id == MISCONFIGURED_CUSTOMER]
        self._provisioning_ids = {c.id: provisioning_id(c.id) for c in self.customers}

    def status(self) -> ProvisioningStatus:
        """A status drawn with the demo weights."""
        return self._statuses.draw(self.rng)

    def package(self) -> Package:
        """A package drawn with the demo weights."""
        return self._packages.draw(self.rng)

    def error(self) -> ProvisioningError:
        """An error drawn with the demo weights."""
        return self._errors.draw(self.rng)

    def customer_for(self, status: ProvisioningStatus) -> DemoCustomer:
        """A customer; users who never got to enter an email gather at the misconfigured one."""
        if status is _PS.PENDING_EMAIL_INPUT and self._misconfigured and self.rng.random() < 0.5:
            return self._misconfigured[0]
        return self._customers.draw(self.rng)

    def row(
        self,
        index: int,
        status: ProvisioningStatus,
        package: Package,
        *,
        email_tag: str = "",
        errors: Sequence[ProvisioningError] | None = None,
    ) -> dict[str, Any]:
        """One subscriber as a column dict; ``email_tag`` keeps generated addresses unique."""
        rng = self.rng
        customer = self.customer_for(status)
        first, last = _draw_name(rng, customer.locale)
        low, high = _AGE[status]
        changed = self.now - timedelta(seconds=rng.randint(low, high))
        created = changed
        if status is not _PS.PENDING_EMAIL_INPUT:
            created = changed - timedelta(seconds=rng.randint(600, 14 * 86_400))
        email = None
        if status is not _PS.PENDING_EMAIL_INPUT:
            email = f"{ascii_slug(first)}.{ascii_slug(last)}{email_tag}@{customer.email_domain}"
        if status is _PS.ERROR and errors is None:
            errors = [self.error()]
            if rng.random() < 0.1:  # now and then a second, different error
                second = self.error()
                if second != errors[0]:
                    errors.append(second)
        provisioned = status in (_PS.PROVISIONED, _PS.UPDATING)
        width = 12 - len(customer.phone_prefix)
        # An odd multiplier not divisible by 5 permutes 0..10**width-1: unique, random-looking.
        local_number = (index * 7_919 + 104_729) % 10**width
        number = f"{customer.phone_prefix}{local_number:0{width}d}"
        return {
            "id": webex_id("SUBSCRIBER", _rng_uuid(rng)),
            "user_id": f"{number}@voip.{customer.email_domain}",
            "email": email,
            "first_name": first,
            "last_name": last,
            "customer_id": customer.id,
            "package": package.value,
            "status": status.value,
            "errors": [{"code": e.code, "description": e.description} for e in errors or ()],
            "created": created,
            "last_status_change": changed,
            "provisioning_id": self._provisioning_ids[customer.id],
            "person_id": webex_id("PEOPLE", _rng_uuid(rng)) if provisioned else None,
            "self_activated": provisioned and rng.random() < 0.7,
        }


# --- the demo set ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    """A sandbox transition planned at seeding: the in-flight demo users finish on their own."""

    subscriber_id: str
    due_at: datetime
    to_status: ProvisioningStatus


@dataclass(frozen=True, slots=True)
class DemoData:
    """Everything ``ensure_demo_data`` writes."""

    customers: tuple[DemoCustomer, ...]
    subscribers: tuple[Subscriber, ...]
    org_users: tuple[OrgUser, ...]
    transitions: tuple[ScheduledStep, ...] = field(default=())


def build_demo_data(now: datetime, random_seed: int = 0) -> DemoData:
    """The demo data set for ``random_seed``, with timestamps relative to ``now``."""
    rng = random.Random(random_seed)
    drawer = SubscriberDrawer(rng, now)
    statuses = [s for s, n in STATUS_COUNTS.items() for _ in range(n)]
    packages = [p for p, n in PACKAGE_COUNTS.items() for _ in range(n)]
    rng.shuffle(statuses)
    rng.shuffle(packages)
    # The first error subscribers get each known error once, so every text is on show.
    fixed_errors = iter([[e] for e in ERROR_WEIGHTS] + [[USER_ID_TAKEN, CLUSTER_UNREACHABLE]])
    subscribers: list[Subscriber] = []
    transitions: list[ScheduledStep] = []
    seen_emails: set[str] = set()
    for index, (status, package) in enumerate(zip(statuses, packages, strict=True)):
        errors = next(fixed_errors, None) if status is _PS.ERROR else None
        row = drawer.row(index, status, package, errors=errors)
        if row["email"] is not None:
            row["email"] = _unique_email(row["email"], seen_emails)
        sub = subscriber_from_row(SubscriberRow(**row))
        subscribers.append(sub)
        if status.in_flight:
            due = drawer.now + timedelta(seconds=rng.randint(10 * 60, 3 * 3_600))
            transitions.append(ScheduledStep(sub.id, due, _PS.PROVISIONED))
    return DemoData(
        customers=DEMO_CUSTOMERS,
        subscribers=tuple(subscribers),
        org_users=tuple(_org_users(rng, drawer.now)),
        transitions=tuple(transitions),
    )


def _unique_email(email: str, seen: set[str]) -> str:
    local, _, domain = email.partition("@")
    candidate, n = email, 1
    while candidate in seen:
        n += 1
        candidate = f"{local}{n}@{domain}"
    seen.add(candidate)
    return candidate


# --- Control Hub users ----------------------------------------------------------------------

_VERIFIED_DOMAIN = "acme-cz.example"
_UNVERIFIED_DOMAIN = "acme-partners.example"
_S = ControlHubState
_R = EntryRule
_DAY = 86_400


@dataclass(frozen=True, slots=True)
class _UserPlan:
    state: ControlHubState
    how: EntryRule
    age: tuple[int, int]  # seconds in the state, low..high
    domain_verified: bool
    previous_state: ControlHubState | None = None
    reminded: bool = False


# Every state, each entered by the rules that can put a user there. Delayed claims are added
# separately because their deadlines must fall on chosen days.
_USER_PLANS: tuple[_UserPlan, ...] = (
    _UserPlan(_S.ACTIVE, _R.FIRST_SIGN_IN, (3 * _DAY, 60 * _DAY), True),
    _UserPlan(_S.ACTIVE, _R.FIRST_SIGN_IN, (3 * _DAY, 60 * _DAY), True),
    _UserPlan(_S.ACTIVE, _R.FIRST_SIGN_IN, (3 * _DAY, 60 * _DAY), True),
    _UserPlan(_S.ACTIVE, _R.AD_SYNC_DOMAIN_VERIFIED, (10 * _DAY, 90 * _DAY), True),
    _UserPlan(_S.ACTIVE, _R.AD_SYNC_DOMAIN_VERIFIED, (10 * _DAY, 90 * _DAY), True),
    _UserPlan(_S.ACTIVE, _R.CONVERTED_ACTIVE, (5 * _DAY, 30 * _DAY), True, _S.ACTIVE),
    _UserPlan(_S.ACTIVE, _R.CLAIM_DECIDED, (2 * _DAY, 20 * _DAY), True),
    _UserPlan(_S.VERIFIED, _R.EMAIL_VERIFIED, (_DAY, 6 * _DAY), False),
    _UserPlan(_S.VERIFIED, _R.ADDED_DOMAIN_VERIFIED, (_DAY, 10 * _DAY), True),
    _UserPlan(_S.VERIFIED, _R.ADDED_DOMAIN_VERIFIED, (_DAY, 10 * _DAY), True),
    _UserPlan(_S.VERIFIED, _R.ADDED_BY_SITE_LINKING, (2 * _DAY, 14 * _DAY), False),
    _UserPlan(_S.VERIFIED, _R.CONVERTED_VERIFIED, (_DAY, 9 * _DAY), True, _S.VERIFIED),
    _UserPlan(
        _S.VERIFIED, _R.CONVERTED_AFTER_DOMAIN_VERIFIED, (_DAY, 9 * _DAY), True, _S.NOT_VERIFIED
    ),
    _UserPlan(_S.NOT_VERIFIED, _R.ADDED_DOMAIN_NOT_VERIFIED, (14 * _DAY, 42 * _DAY), False),
    _UserPlan(
        _S.NOT_VERIFIED, _R.ADDED_DOMAIN_NOT_VERIFIED, (21 * _DAY, 42 * _DAY), False, reminded=True
    ),
    _UserPlan(_S.NOT_VERIFIED, _R.ADDED_DOMAIN_NOT_VERIFIED, (15 * _DAY, 30 * _DAY), False),
    _UserPlan(_S.NOT_VERIFIED, _R.ADDED_DOMAIN_NOT_VERIFIED, (3_600, 2 * _DAY), False),
    _UserPlan(
        _S.NOT_VERIFIED,
        _R.CONVERTED_NOT_VERIFIED,
        (8 * _DAY, 25 * _DAY),
        False,
        _S.NOT_VERIFIED,
        reminded=True,
    ),
    _UserPlan(
        _S.NOT_VERIFIED, _R.CONVERTED_NOT_VERIFIED, (2 * _DAY, 5 * _DAY), False, _S.NOT_VERIFIED
    ),
    _UserPlan(_S.INACTIVE, _R.DEACTIVATED_BY_ADMIN, (5 * _DAY, 120 * _DAY), True, _S.ACTIVE),
    _UserPlan(_S.INACTIVE, _R.DEACTIVATED_BY_ADMIN, (5 * _DAY, 120 * _DAY), True, _S.VERIFIED),
    _UserPlan(_S.INACTIVE, _R.DEACTIVATED_BY_AD_SYNC, (5 * _DAY, 60 * _DAY), True, _S.ACTIVE),
)

#: Seconds until (negative: since) each demo Delayed claim's 14-day window ends: three run out
#: within 1-3 days, one has already run out, one has most of its window left.
CLAIM_DEADLINES: tuple[int, ...] = (
    _DAY + 6 * 3_600,
    2 * _DAY + 3 * 3_600,
    2 * _DAY + 20 * 3_600,
    -(_DAY + 4 * 3_600),
    12 * _DAY,
)


def _org_users(rng: random.Random, now: datetime) -> list[OrgUser]:
    users: list[OrgUser] = []
    seen: set[str] = set()

    def make(plan: _UserPlan, since: datetime, claimed_at: datetime | None = None) -> OrgUser:
        first, last = _draw_name(rng, "cs")
        domain = _VERIFIED_DOMAIN if plan.domain_verified else _UNVERIFIED_DOMAIN
        email = _unique_email(f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}", seen)
        facts = {"domain": domain}
        if plan.previous_state is not None:
            facts["previous_state"] = plan.previous_state.value
        if plan.how in (_R.CONVERTED_ACTIVE, _R.CONVERTED_VERIFIED, _R.CONVERTED_NOT_VERIFIED):
            facts["previous_org"] = "Webex Free (consumer)"
        if claimed_at is not None:
            facts["previous_org"] = "Contoso Consulting s.r.o."
        reminder = since + (now - since) / 2 if plan.reminded else None
        return OrgUser(
            id=webex_id("PEOPLE", _rng_uuid(rng)),
            email=email,
            display_name=f"{first} {last}",
            state=plan.state,
            state_since=since,
            created=since - timedelta(seconds=rng.randint(0, 30 * _DAY)),
            how=plan.how.value,
            domain_verified=plan.domain_verified,
            claimed_at=claimed_at,
            last_reminder=None if reminder is None else reminder.replace(microsecond=0),
            facts=facts,
        )

    for plan in _USER_PLANS:
        users.append(make(plan, now - timedelta(seconds=rng.randint(*plan.age))))
    claim = _UserPlan(_S.DELAYED_CLAIM, _R.CLAIMED_DELAYED, (0, 0), True)
    for seconds_left in CLAIM_DEADLINES:
        claimed_at = now + timedelta(seconds=seconds_left) - CLAIM_WINDOW
        users.append(make(claim, claimed_at, claimed_at))
    return users


# --- writing it -----------------------------------------------------------------------------


def ensure_demo_data(db: Database, clock: Clock, random_seed: int = 0) -> bool:
    """Seed the demo data into an empty snapshot; True when this call seeded it.

    Safe when several processes start at once: the loser of the race hits a unique key (the demo
    marker or a row) and rolls back.
    """
    with db.uow() as uow:
        if _snapshot_has_data(uow.session):
            return False
        now = clock.now()
        data = build_demo_data(now, random_seed)
        session = uow.session
        # add (not merge): a concurrent seeder must collide on a key, not overwrite.
        marker = {"random_seed": random_seed}
        session.add(SyncStateRow(name=DEMO_MARKER, value=marker, updated_at=now))
        session.add_all(customer_to_row(c.customer, c.template_name) for c in data.customers)
        session.add_all(subscriber_to_row(s) for s in data.subscribers)
        session.add_all(org_user_to_row(u) for u in data.org_users)
        session.add_all(
            SandboxTransitionRow(
                subscriber_id=t.subscriber_id, due_at=t.due_at, to_status=t.to_status.value
            )
            for t in data.transitions
        )
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()
            return False
    return True


def _snapshot_has_data(session: sa.orm.Session) -> bool:
    for table in (CustomerRow, SubscriberRow, OrgUserRow):
        if session.scalar(sa.select(sa.literal(1)).select_from(table).limit(1)) is not None:
            return True
    return session.get(SyncStateRow, DEMO_MARKER) is not None
