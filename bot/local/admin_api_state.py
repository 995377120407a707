"""State and REST semantics of the admin-API stand-in (BroadWorks subscribers, People, SCIM).

Shapes follow ``webex-broadworks.json`` and ``webex-admin.json``. Behaviour that the specs leave
open is the stand-in's own and kept deliberately simple:

- A POSTed subscriber starts ``provisioning`` and, once the clock has moved ``provisioning_delay``
  on, becomes ``provisioned``; an email on ``taken.example`` or ``claimed.example`` ends in
  ``error`` (the sandbox's invented codes), one on ``consumer.example`` in
  ``pending_user_migration``, and no email at all in ``pending_email_input``.
- The precheck fails (400) for an email on ``taken.example`` and for an email another subscriber
  already has; otherwise it answers infoCode 100.
- Subscriber lists are ordered by ``created`` and paged by keyset: the ``Link`` to the next page
  carries ``after`` (created-after, a documented filter), so pages stay stable while subscribers
  come and go. People lists page with a ``cursor`` parameter, as Webex's links do (the spec does
  not list it).
- Tokens carry scopes; a missing or expired token is a 401, a missing scope a 403 whose message
  names it. ``/access_token`` trades an integration's refresh token for an access token.
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.local.emulator_log import Exchange, FaultInjector
from onboarding.model import ControlHubState, ProvisioningError

JsonDict = dict[str, Any]

SCOPE_BW_READ = "spark-admin:broadworks_subscribers_read"
SCOPE_BW_WRITE = "spark-admin:broadworks_subscribers_write"
SCOPE_PEOPLE_READ = "spark-admin:people_read"
SCOPE_PEOPLE_WRITE = "spark-admin:people_write"
SCOPE_IDENTITY_READ = "identity:people_read"
ALL_SCOPES = frozenset(
    {SCOPE_BW_READ, SCOPE_BW_WRITE, SCOPE_PEOPLE_READ, SCOPE_PEOPLE_WRITE, SCOPE_IDENTITY_READ}
)

STATUSES = (
    "pending_email_input",
    "pending_email_validation",
    "pending_user_migration",
    "provisioning",
    "provisioned",
    "updating",
    "error",
)
PACKAGES = ("softphone", "basic", "standard", "premium")
SCIM_CISCO = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"
PRECHECK_OK = {"infoCode": 100, "description": "Provisioning preCheck validation successful."}

# The sandbox's invented errors (error-codes.md: Cisco's table is not public).
EMAIL_TAKEN = ProvisioningError(
    10045,
    "The email address is already associated with an existing user in another organization.",
)
DOMAIN_CLAIMED = ProvisioningError(
    10048, "The email domain is claimed by another organization and cannot be used."
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AdminApiFailure(Exception):
    """An HTTP error the stand-in answers with: ``{message, errors[], trackingId}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})

    def body(self, tracking: str) -> JsonDict:
        """The Webex error body."""
        error: JsonDict = {"description": self.message}
        if self.code is not None:
            error["errorCode"] = self.code
        return {"message": self.message, "errors": [error], "trackingId": tracking}


def webex_id(kind: str, raw: str) -> str:
    """A Webex-style id: base64url of ``ciscospark://us/<KIND>/<raw>``, unpadded."""
    return base64.urlsafe_b64encode(f"ciscospark://us/{kind}/{raw}".encode()).decode().rstrip("=")


def iso(moment: datetime) -> str:
    """Webex's timestamp format (UTC, milliseconds, ``Z``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_moment(raw: str) -> datetime:
    """Epoch milliseconds or ISO 8601 (both accepted by the list filters)."""
    raw = raw.strip()
    if re.fullmatch(r"\d+", raw):
        return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise AdminApiFailure(400, f"Invalid date and time: {raw}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class Grant:
    """An access token: its scopes, owner and expiry."""

    scopes: frozenset[str]
    person_id: str
    expires_at: datetime | None = None


@dataclass
class Client:
    """An integration or service app that may refresh tokens."""

    secret: str
    scopes: frozenset[str]
    expires_in: int
    rotate: bool = False
    refreshes: int = 0


@dataclass
class Delay:
    """Hold matching requests ``seconds`` before answering (a client timeout), ``times`` times."""

    method: str
    path_regex: re.Pattern[str]
    seconds: float
    times: int


@dataclass
class RawAnswer:
    """Answer matching requests with ``text`` as the body, ``times`` times (a malformed body)."""

    method: str
    path_regex: re.Pattern[str]
    status: int
    text: str
    content_type: str
    times: int


@dataclass
class Scheduled:
    """A subscriber's next background step."""

    due_at: datetime
    status: str
    errors: list[JsonDict] = field(default_factory=list)


class AdminApiState:
    """Thread-safe in-memory admin APIs; see the module docstring."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        provisioning_delay: timedelta = timedelta(minutes=2),
        bool_style: str = "bool",
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock or (lambda: datetime.now(UTC))
        self.provisioning_delay = provisioning_delay
        self.bool_style = bool_style  # "bool" or "string": how People booleans are sent
        self.org_uuid = str(uuid.uuid4())
        self.org_id = webex_id("ORGANIZATION", self.org_uuid)
        self.faults = FaultInjector()
        self._delays: list[Delay] = []
        self._raw_answers: list[RawAnswer] = []
        self.subscribers: dict[str, JsonDict] = {}
        self._schedule: dict[str, Scheduled] = {}
        self.enterprises: dict[str, JsonDict] = {}
        self.people: dict[str, JsonDict] = {}
        self.scim: dict[str, JsonDict] = {}
        self.tokens: dict[str, Grant] = {}
        self.clients: dict[str, Client] = {}
        self._refresh_tokens: dict[str, str] = {}
        self.jobs: dict[str, JsonDict] = {}
        self._job_due: dict[str, datetime] = {}
        self.consent_emails: list[str] = []
        self._exchanges: list[Exchange] = []
        self._counter = itertools.count(1)
        self._last_created: datetime | None = None
        self.admin_person_id = ""

    # -- clock and time-driven changes -----------------------------------------------------

    def now(self) -> datetime:
        """The stand-in's current time."""
        return self._clock()

    def settle(self) -> None:
        """Apply every background step whose time has come."""
        with self._lock:
            now = self.now()
            for sub_id, step in list(self._schedule.items()):
                if step.due_at > now:
                    continue
                del self._schedule[sub_id]
                sub = self.subscribers.get(sub_id)
                if sub is None:
                    continue
                self._set_status(sub, step.status, step.errors)
            for job_id, job in self.jobs.items():
                if job["latestExecutionStatus"] == "STARTED" and self._job_due[job_id] <= now:
                    job["latestExecutionStatus"] = "COMPLETED"
                    job["latestExecutionExitCode"] = "COMPLETED"

    def _set_status(self, sub: JsonDict, status: str, errors: list[JsonDict] | None = None) -> None:
        sub["status"] = status
        sub["lastStatusChange"] = iso(self.now())
        if errors:
            sub["errors"] = errors
        else:
            sub.pop("errors", None)
        if status == "provisioned":
            sub.setdefault("personId", webex_id("PEOPLE", str(uuid.uuid4())))
        else:
            sub.pop("personId", None)

    def _next_created(self) -> datetime:
        # Keyset paging on `created` needs every value distinct, even with a frozen test clock.
        now = self.now()
        if self._last_created is not None and now <= self._last_created:
            now = self._last_created + timedelta(milliseconds=1)
        self._last_created = now
        return now

    # -- credentials -------------------------------------------------------------------------

    def add_admin(self, email: str = "admin@partner.example", name: str = "Pat Partner") -> str:
        """The admin person (tokens act as them); returns their People id."""
        with self._lock:
            if not self.admin_person_id:
                person = self.add_person(email, name, state=ControlHubState.ACTIVE)
                self.admin_person_id = person["id"]
            return self.admin_person_id

    def add_token(
        self,
        token: str,
        scopes: Iterable[str] = ALL_SCOPES,
        *,
        expires_at: datetime | None = None,
    ) -> None:
        """Accept ``token`` with these scopes (until ``expires_at``)."""
        with self._lock:
            self.tokens[token] = Grant(frozenset(scopes), self.add_admin(), expires_at)

    def add_client(
        self,
        client_id: str,
        secret: str,
        refresh_token: str,
        *,
        scopes: Iterable[str] = ALL_SCOPES,
        expires_in: int = 3600,
        rotate: bool = False,
    ) -> None:
        """Register an integration whose ``refresh_token`` can be traded at ``/access_token``."""
        with self._lock:
            self.clients[client_id] = Client(secret, frozenset(scopes), expires_in, rotate)
            self._refresh_tokens[refresh_token] = client_id

    def knows(self, token: str | None) -> bool:
        """True when ``token`` is one of this stand-in's (for routing on a shared server)."""
        with self._lock:
            return bool(token) and token in self.tokens

    def authorize(self, token: str | None, scope: str) -> Grant:
        """The grant of ``token`` if it may use ``scope``; else a 401 or 403."""
        with self._lock:
            grant = self.tokens.get(token or "")
            if grant is None:
                raise AdminApiFailure(
                    401,
                    "The request requires a valid access token set in the Authorization "
                    "request header.",
                )
            if grant.expires_at is not None and grant.expires_at <= self.now():
                raise AdminApiFailure(401, "The access token has expired.")
            if scope not in grant.scopes:
                raise AdminApiFailure(
                    403, f"This operation requires the scope {scope}, which the token lacks."
                )
            return grant

    def exchange_refresh_token(self, form: Mapping[str, str]) -> JsonDict:
        """``POST /access_token`` with ``grant_type=refresh_token``."""
        with self._lock:
            if form.get("grant_type") != "refresh_token":
                raise AdminApiFailure(400, "Unsupported grant_type.")
            client = self.clients.get(form.get("client_id", ""))
            if client is None or client.secret != form.get("client_secret"):
                raise AdminApiFailure(401, "Invalid client credentials.")
            owner = self._refresh_tokens.get(form.get("refresh_token", ""))
            if owner != form.get("client_id"):
                raise AdminApiFailure(400, "Invalid refresh token.")
            client.refreshes += 1
            access = f"access-{uuid.uuid4().hex}"
            self.tokens[access] = Grant(
                client.scopes,
                self.add_admin(),
                self.now() + timedelta(seconds=client.expires_in),
            )
            refresh = form["refresh_token"]
            if client.rotate:
                del self._refresh_tokens[refresh]
                refresh = f"refresh-{uuid.uuid4().hex}"
                self._refresh_tokens[refresh] = form["client_id"]
            return {
                "access_token": access,
                "expires_in": client.expires_in,
                "refresh_token": refresh,
                "refresh_token_expires_in": 7_776_000,
                "token_type": "Bearer",
            }

    # -- faults and the request log ---------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: JsonDict | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (Retry-After 1 default)."""
        self.faults.add(method, path_regex, status, times=times, headers=headers, body=body)

    def delay_next(self, method: str, path_regex: str, seconds: float, times: int = 1) -> None:
        """Answer the next matching requests ``seconds`` late (for client timeouts).

        The request is processed first, so a timed-out POST has still landed, as it may in Webex.
        """
        with self._lock:
            self._delays.append(Delay(method.upper(), re.compile(path_regex), seconds, times))

    def clear_faults(self) -> None:
        """Drop every pending fault, raw answer and delay: the stand-in answers normally again."""
        with self._lock:
            self.faults.clear()
            self._raw_answers.clear()
            self._delays.clear()

    def answer_raw_next(
        self,
        method: str,
        path_regex: str,
        text: str,
        *,
        status: int = 200,
        content_type: str = "application/json",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with ``text`` verbatim (e.g. a cut-off
        JSON document or an HTML error page from a proxy), without processing them."""
        with self._lock:
            self._raw_answers.append(
                RawAnswer(method.upper(), re.compile(path_regex), status, text, content_type, times)
            )

    def take_raw_answer(self, method: str, path: str) -> RawAnswer | None:
        """Consume one matching raw answer; None when none."""
        with self._lock:
            for answer in self._raw_answers:
                if answer.method in (method.upper(), "*") and answer.path_regex.search(path):
                    answer.times -= 1
                    if answer.times <= 0:
                        self._raw_answers.remove(answer)
                    return answer
        return None

    def take_delay(self, method: str, path: str) -> float:
        """Consume one matching delay; 0 when none."""
        with self._lock:
            for delay in self._delays:
                if delay.method in (method.upper(), "*") and delay.path_regex.search(path):
                    delay.times -= 1
                    if delay.times <= 0:
                        self._delays.remove(delay)
                    return delay.seconds
        return 0.0

    def record(self, exchange: Exchange) -> None:
        """Append to the request log."""
        with self._lock:
            self._exchanges.append(exchange)

    @property
    def exchanges(self) -> list[Exchange]:
        """Every request served, oldest first."""
        with self._lock:
            return list(self._exchanges)

    def clear_exchanges(self) -> None:
        """Forget the request log."""
        with self._lock:
            self._exchanges.clear()

    # -- subscribers -------------------------------------------------------------------------

    def add_subscriber(self, **fields: Any) -> JsonDict:
        """Put a subscriber in place directly (seeding, tests); API field names."""
        with self._lock:
            created = fields.pop("created", None)
            when = created if isinstance(created, datetime) else self._next_created()
            sub_id = fields.pop("id", None) or webex_id("SUBSCRIBER", str(uuid.uuid4()))
            status = fields.pop("status", "provisioned")
            changed = fields.pop("lastStatusChange", None) or when
            sub: JsonDict = {"id": sub_id, **fields, "status": status}
            sub["created"] = iso(when)
            sub["lastStatusChange"] = iso(changed) if isinstance(changed, datetime) else changed
            sub.setdefault("selfActivated", False)
            if status == "provisioned":
                sub.setdefault("personId", webex_id("PEOPLE", str(uuid.uuid4())))
            if not sub.get("errors"):
                sub.pop("errors", None)
            self.subscribers[sub_id] = sub
            self._enterprise(str(sub.get("spEnterpriseId", "")))
            return dict(sub)

    def schedule(self, sub_id: str, status: str, after: timedelta | None = None) -> None:
        """Move a subscriber to ``status`` once the clock has advanced ``after``."""
        with self._lock:
            due = self.now() + (self.provisioning_delay if after is None else after)
            self._schedule[sub_id] = Scheduled(due, status)

    def _enterprise(self, sp_id: str) -> None:
        if sp_id and sp_id not in self.enterprises:
            self.enterprises[sp_id] = {
                "id": webex_id("ENTERPRISE", str(uuid.uuid5(uuid.NAMESPACE_URL, sp_id))),
                "orgId": webex_id("ORGANIZATION", str(uuid.uuid5(uuid.NAMESPACE_DNS, sp_id))),
                "spEnterpriseId": sp_id,
                "provisioningId": f"prov-{sp_id}",
            }

    def list_subscribers(self, query: Mapping[str, str]) -> tuple[list[JsonDict], JsonDict | None]:
        """Filtered page and the query of the next page (None on the last)."""
        self.settle()
        limit = _max(query.get("max"), 50, 100)
        statuses: set[str] | None = None
        if query.get("status"):
            statuses = {s.strip() for s in query["status"].split(",") if s.strip()}
            bad = statuses - set(STATUSES)
            if bad:
                raise AdminApiFailure(400, f"Invalid status: {', '.join(sorted(bad))}")
        changed_after = (
            parse_moment(query["lastStatusChange"]) if "lastStatusChange" in query else None
        )
        created_after = parse_moment(query["after"]) if "after" in query else None
        self_activated = query.get("selfActivated")
        with self._lock:
            items = sorted(self.subscribers.values(), key=lambda s: (s["created"], s["id"]))
            out = []
            for sub in items:
                if statuses is not None and sub["status"] not in statuses:
                    continue
                exact = ("userId", "personId", "provisioningId", "spEnterpriseId")
                if any(k in query and sub.get(k) != query[k] for k in exact):
                    continue
                if "email" in query and str(sub.get("email", "")).lower() != query["email"].lower():
                    continue
                if changed_after and parse_moment(sub["lastStatusChange"]) <= changed_after:
                    continue
                if created_after and parse_moment(sub["created"]) <= created_after:
                    continue
                if self_activated is not None and str(sub.get("selfActivated")).lower() != (
                    self_activated.lower()
                ):
                    continue
                out.append(dict(sub))
            page = out[:limit]
            if len(out) <= limit:
                return page, None
            next_query = dict(query)
            next_query["after"] = str(_ms(parse_moment(page[-1]["created"])))
            return page, next_query

    def get_subscriber(self, sub_id: str) -> JsonDict:
        """One subscriber or a 404."""
        self.settle()
        with self._lock:
            sub = self.subscribers.get(sub_id)
            if sub is None:
                raise AdminApiFailure(404, "Subscriber not found.")
            return dict(sub)

    def provision(self, body: Mapping[str, Any]) -> JsonDict:
        """``POST /broadworks/subscribers``: starts provisioning in the background."""
        self.settle()
        required = ("provisioningId", "userId", "spEnterpriseId", "firstName", "lastName")
        for name in (*required, "package"):
            if not body.get(name):
                raise AdminApiFailure(400, f"Mandatory parameter {name} is missing.", code=1001)
        if body["package"] not in PACKAGES:
            raise AdminApiFailure(400, f"Invalid package: {body['package']}")
        email = body.get("email")
        if email is not None and not _EMAIL.match(str(email)):
            raise AdminApiFailure(400, f"Invalid email address: {email}")
        with self._lock:
            if any(s["userId"] == body["userId"] for s in self.subscribers.values()):
                raise AdminApiFailure(
                    409,
                    "The BroadWorks UserID is already associated with an existing user.",
                    code=10022,
                )
            allowed = (
                *required,
                "package",
                "primaryPhoneNumber",
                "mobilePhoneNumber",
                "extension",
                "email",
            )
            fields = {k: body[k] for k in allowed if body.get(k) is not None}
            if email is None:
                return self.add_subscriber(**fields, status="pending_email_input")
            sub = self.add_subscriber(**fields, status="provisioning")
            outcome, errors = _outcome(str(email))
            due = self.now() + self.provisioning_delay
            self._schedule[sub["id"]] = Scheduled(due, outcome, errors)
            return sub

    def update(self, sub_id: str, body: Mapping[str, Any]) -> JsonDict:
        """``PUT``: a provisioned subscriber goes ``updating`` and back, others keep theirs."""
        self.settle()
        if "package" in body and body["package"] not in PACKAGES:
            raise AdminApiFailure(400, f"Invalid package: {body['package']}")
        with self._lock:
            sub = self.subscribers.get(sub_id)
            if sub is None:
                raise AdminApiFailure(404, "Subscriber not found.")
            if sub["status"] in ("provisioning", "updating"):
                raise AdminApiFailure(409, "The subscriber is being provisioned or updated.")
            editable = (
                "userId",
                "firstName",
                "lastName",
                "primaryPhoneNumber",
                "mobilePhoneNumber",
                "extension",
                "package",
            )
            for key in editable:
                if key in body:
                    sub[key] = body[key]
            if sub["status"] == "provisioned":
                self._set_status(sub, "updating")
                sub.setdefault("personId", webex_id("PEOPLE", str(uuid.uuid4())))
                self._schedule[sub_id] = Scheduled(
                    self.now() + self.provisioning_delay, "provisioned"
                )
            return dict(sub)

    def delete(self, sub_id: str) -> None:
        """``DELETE``."""
        with self._lock:
            if self.subscribers.pop(sub_id, None) is None:
                raise AdminApiFailure(404, "Subscriber not found.")
            self._schedule.pop(sub_id, None)

    def precheck(self, body: Mapping[str, Any]) -> JsonDict:
        """``POST /broadworks/subscribers/validate``."""
        email = str(body.get("email") or "")
        if not email:
            raise AdminApiFailure(400, "Mandatory parameter email is missing.", code=1001)
        if not _EMAIL.match(email):
            raise AdminApiFailure(400, f"Invalid email address: {email}")
        if _domain_is(email, "taken.example"):
            raise AdminApiFailure(400, EMAIL_TAKEN.description, code=EMAIL_TAKEN.code)
        with self._lock:
            for sub in self.subscribers.values():
                same = str(sub.get("email", "")).lower() == email.lower()
                if same and sub.get("userId") != body.get("userId"):
                    raise AdminApiFailure(400, EMAIL_TAKEN.description, code=EMAIL_TAKEN.code)
        return {"message": "success", "info": dict(PRECHECK_OK)}

    def consent_move(self, sub_id: str) -> None:
        """``POST /subscribers/{id}/emails/consentMove``."""
        self.settle()
        with self._lock:
            sub = self.subscribers.get(sub_id)
            if sub is None:
                raise AdminApiFailure(404, "Subscriber not found.")
            if sub["status"] != "pending_user_migration":
                raise AdminApiFailure(409, "The subscriber is not in pending_user_migration state.")
            self.consent_emails.append(str(sub.get("email", "")))

    def list_enterprises(self, query: Mapping[str, str]) -> list[JsonDict]:
        """``GET /broadworks/enterprises``."""
        limit = _max(query.get("max"), 100, 1000)
        with self._lock:
            items = sorted(self.enterprises.values(), key=lambda e: e["spEnterpriseId"])
            if "spEnterpriseId" in query:
                items = [e for e in items if e["spEnterpriseId"] == query["spEnterpriseId"]]
            if "startsWith" in query:
                items = [e for e in items if e["spEnterpriseId"].startswith(query["startsWith"])]
            return [dict(e) for e in items[:limit]]

    # -- Control Hub users -------------------------------------------------------------------

    def add_person(
        self,
        email: str,
        display_name: str,
        *,
        state: ControlHubState = ControlHubState.ACTIVE,
        presence_hidden: bool = False,
        created: datetime | None = None,
    ) -> JsonDict:
        """A Control Hub user whose People and SCIM fields show ``state`` (as far as they can)."""
        with self._lock:
            raw = str(uuid.uuid5(uuid.NAMESPACE_URL, email.lower()))
            when = iso(created or self.now())
            first, _, last = display_name.partition(" ")
            person: JsonDict = {
                "id": webex_id("PEOPLE", raw),
                "emails": [email],
                "displayName": display_name,
                "firstName": first,
                "lastName": last,
                "orgId": self.org_id,
                "created": when,
                "type": "person",
            }
            scim: JsonDict = {
                "schemas": [
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    SCIM_CISCO,
                ],
                "id": raw,
                "userName": email,
                "userType": "user",
                "active": True,
                "displayName": display_name,
                "name": {"givenName": first, "familyName": last},
                "emails": [{"value": email, "type": "work", "primary": True}],
                "meta": {
                    "resourceType": "User",
                    "created": when,
                    "lastModified": when,
                    "version": 'W/"1"',
                    "location": f"https://webexapis.com/identity/scim/{self.org_uuid}/v2/Users/{raw}",
                },
                SCIM_CISCO: {"accountStatus": "active"},
            }
            invite, login, presence, activity, account = _fields_for(state)
            person["invitePending"] = self._bool(invite)
            person["loginEnabled"] = self._bool(login)
            if not presence_hidden:
                person["status"] = presence
                if activity:
                    person["lastActivity"] = iso(self.now() - timedelta(hours=3))
            scim["active"] = login
            scim[SCIM_CISCO]["accountStatus"] = account
            self.people[person["id"]] = person
            self.scim[raw] = scim
            return dict(person)

    def _bool(self, value: bool) -> bool | str:
        return ("true" if value else "false") if self.bool_style == "string" else value

    def list_people(
        self, grant: Grant, query: Mapping[str, str]
    ) -> tuple[list[JsonDict], str | None]:
        """``GET /people`` for an admin: everyone in the org, paged with ``cursor``."""
        limit = _max(query.get("max"), 100, 1000)
        if "orgId" in query and query["orgId"] != self.org_id:
            raise AdminApiFailure(403, "Not an administrator of that organization.")
        with self._lock:
            items = sorted(self.people.values(), key=lambda p: p["id"])
            if "email" in query:
                items = [
                    p for p in items if query["email"].lower() in (e.lower() for e in p["emails"])
                ]
            if "id" in query:
                wanted = set(query["id"].split(","))
                items = [p for p in items if p["id"] in wanted]
            start = int(query.get("cursor", "0") or 0)
            page = [dict(p) for p in items[start : start + limit]]
            more = start + limit < len(items)
            return page, str(start + limit) if more else None

    def get_person(self, grant: Grant, person_id: str) -> JsonDict:
        """``GET /people/{id}`` (``me`` included)."""
        with self._lock:
            key = grant.person_id if person_id == "me" else person_id
            person = self.people.get(key)
            if person is None:
                raise AdminApiFailure(404, "Person not found.")
            return dict(person)

    def list_scim(self, org: str, query: Mapping[str, str]) -> JsonDict:
        """``GET /identity/scim/{orgId}/v2/Users`` with ``startIndex``/``count``."""
        if org != self.org_uuid:
            raise AdminApiFailure(403, "Not an administrator of that organization.")
        try:
            start = max(1, int(query.get("startIndex", "1")))
            count = max(0, min(int(query.get("count", "100")), 1000))
        except ValueError:
            raise AdminApiFailure(400, "startIndex and count must be integers.") from None
        with self._lock:
            items = sorted(self.scim.values(), key=lambda u: u["id"])
            page = [dict(u) for u in items[start - 1 : start - 1 + count]]
            return {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": len(items),
                "itemsPerPage": len(page),
                "startIndex": start,
                "Resources": page,
            }

    def start_activation_job(self, grant: Grant, org: str) -> JsonDict:
        """``POST .../jobs/sendActivationEmails``: one job per org at a time."""
        self.settle()
        if org != self.org_id and org != self.org_uuid:
            raise AdminApiFailure(403, "Not an administrator of that organization.")
        with self._lock:
            if any(j["latestExecutionStatus"] == "STARTED" for j in self.jobs.values()):
                raise AdminApiFailure(409, "A job of this type is already running.")
            waiting = [
                p for p in self.people.values() if str(p.get("invitePending")) in ("True", "true")
            ]
            number = next(self._counter)
            job: JsonDict = {
                "name": "resendinviteemail",
                "id": webex_id("JOB_ID", str(uuid.uuid4())),
                "trackingId": f"NA_{uuid.uuid4()}",
                "sourceUserId": grant.person_id,
                "sourceCustomerId": self.org_id,
                "targetCustomerId": self.org_id,
                "instanceId": number,
                "jobExecutionStatus": [
                    {
                        "id": number,
                        "startTime": iso(self.now()),
                        "lastUpdated": iso(self.now()),
                        "statusMessage": "STARTED",
                        "exitCode": "UNKNOWN",
                        "createdTime": iso(self.now()),
                        "timeElapsed": "PT0S",
                    }
                ],
                "latestExecutionStatus": "STARTED",
                "latestExecutionExitCode": "UNKNOWN",
                "counts": {
                    "userResendInviteSent": len(waiting),
                    "userResendInviteFailed": 0,
                    "userResendInviteSkipped": 0,
                    "totalUsers": len(waiting),
                },
                "allowAdminInviteEmails": True,
            }
            self.jobs[job["id"]] = job
            self._job_due[job["id"]] = self.now() + self.provisioning_delay
            return dict(job)

    def job_status(self, org: str, job_id: str) -> JsonDict:
        """``GET .../jobs/sendActivationEmails/{jobId}/status``."""
        self.settle()
        with self._lock:
            job = self.jobs.get(job_id)
            if job is None:
                raise AdminApiFailure(404, "Job not found.")
            return dict(job)


def _max(raw: str | None, default: int, cap: int) -> int:
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise AdminApiFailure(400, f"Invalid max: {raw}") from None
    if value < 1 or value > cap:
        raise AdminApiFailure(400, f"max must be between 1 and {cap}")
    return value


def _domain_is(email: str, domain: str) -> bool:
    host = email.rpartition("@")[2].lower()
    return host == domain or host.endswith("." + domain)


def _outcome(email: str) -> tuple[str, list[JsonDict]]:
    if _domain_is(email, "taken.example"):
        return "error", [{"errorCode": EMAIL_TAKEN.code, "description": EMAIL_TAKEN.description}]
    if _domain_is(email, "claimed.example"):
        error = DOMAIN_CLAIMED
        return "error", [{"errorCode": error.code, "description": error.description}]
    if _domain_is(email, "consumer.example"):
        return "pending_user_migration", []
    return "provisioned", []


def _fields_for(state: ControlHubState) -> tuple[bool, bool, str, bool, str]:
    """(invitePending, loginEnabled, presence, has lastActivity, SCIM accountStatus)."""
    if state is ControlHubState.INACTIVE:
        return False, False, "inactive", True, "disabled"
    if state is ControlHubState.NOT_VERIFIED:
        return True, True, "pending", False, "pending"
    if state is ControlHubState.VERIFIED:
        return False, True, "pending", False, "active"
    # Active and Delayed claim look the same through the API (nothing shows a pending claim).
    return False, True, "inactive", True, "active"
