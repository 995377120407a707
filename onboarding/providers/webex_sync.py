"""Keeping the snapshot in step with Webex: subscribers page by page, resumable; org users whole.

Subscribers (``GET /broadworks/subscribers``, 100 a page):

- A **full** sync lists everyone; an **incremental** one only those whose status changed after
  the high-water mark (the latest ``lastStatusChange`` seen, but never later than the start of
  the run that saw it, minus ``overlap`` so a change committed at the same millisecond or
  stamped by a clock a little behind ours is not missed; upserts make re-reading harmless).
  A subscriber seen under a new id replaces the row of its BroadWorks user ID.
- Every page is one transaction: its subscribers are upserted, and the cursor
  (``webex.subscribers.cursor``: mode, the ``Link`` to the next page, when the run started, the
  highest ``lastStatusChange`` so far) is saved with them. An interrupted sync resumes from the
  saved link: nothing is read twice into two rows (the subscriber id is the key) and nothing is
  skipped (the cursor moves only together with the page it follows). A saved link Webex no
  longer accepts (400/404/410) restarts the run.
- A full sync also records the ids it saw, one ``sync_state`` row per page
  (``webex.subscribers.seen.<n>``), so that after an interruption it still knows everyone it saw;
  at the end, snapshot rows nobody saw are removed (gone from Webex), except the rows kept for an
  unfinished re-provisioning (``webex.reprovision.*``, see ``webex.py``).

Org users: People (``GET /people?orgId=``) joined with SCIM Users by UUID (or email), mapped by
``webex_controlhub``, written in one transaction; users no longer listed are removed. Only a
complete, readable answer is written: a page that is not the documented shape (not JSON, no
``items`` list, a record that cannot be mapped) fails the sync rather than empty the snapshot.

Every failure of a Control Hub sync, whatever it is (401/403, 404, other 4xx, 5xx, 429 beyond the
wait, a timeout, an unreadable body), is classified (``ControlHubFault``), logged and counted in
``sync_state`` ``webex.org_users.failures`` (in a row, in all, per kind, and the last one), and
becomes one error that says which call failed and what to fix (``control_hub_error``). A
subscriber refresh only logs and counts it; the Control Hub commands raise it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
import sqlalchemy as sa

from onboarding.clock import Clock
from onboarding.errors import (
    ControlHubUnavailable,
    OnboardingError,
    ProviderPermission,
    ProviderUnavailable,
)
from onboarding.history import note_change
from onboarding.mapping import (
    customer_to_row,
    org_user_from_row,
    org_user_to_row,
    subscriber_from_row,
    subscriber_to_row,
)
from onboarding.model import Customer, OrgUser, Subscriber
from onboarding.providers.webex_controlhub import org_user_from_api, org_uuid, person_uuid
from onboarding.providers.webex_http import (
    SCOPE_BW_READ,
    SCOPE_IDENTITY_READ,
    SCOPE_PEOPLE_READ,
    ApiError,
    RemoteNotFound,
    WebexHttp,
    as_int,
)
from onboarding.providers.webex_subscribers import UnknownValue, epoch_ms, subscriber_from_api
from storage.models import CustomerRow, OrgUserRow, SubscriberRow, SyncStateRow
from storage.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

SUBSCRIBERS_STATE = "webex.subscribers.sync"
SUBSCRIBERS_CURSOR = "webex.subscribers.cursor"
SEEN_PREFIX = "webex.subscribers.seen."
REPROVISION_PREFIX = "webex.reprovision."
ORG_USERS_STATE = "webex.org_users.sync"
ORG_USERS_FAILURES = "webex.org_users.failures"

SUBSCRIBERS_PATH = "broadworks/subscribers"
_RESTART_STATUSES = frozenset({400, 404, 410})


@dataclass(frozen=True, slots=True)
class SubscriberRun:
    """What one subscriber sync did."""

    changed: int
    removed: int
    full: bool
    fresh_as_of: datetime


def reprovision_keys(uow: UnitOfWork) -> dict[str, dict[str, Any]]:
    """Every unfinished re-provisioning record, by the old subscriber id."""
    stmt = sa.select(SyncStateRow).where(SyncStateRow.name.like(REPROVISION_PREFIX + "%"))
    return {str(r.value.get("old_id")): dict(r.value) for r in uow.session.scalars(stmt)}


def _same(row: SubscriberRow | None, sub: Subscriber) -> bool:
    if row is None:
        return False
    old = subscriber_from_row(row)
    return old == sub


class SubscriberSync:
    """The subscriber half of ``refresh`` (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        http: WebexHttp,
        *,
        page_size: int = 100,
        overlap: timedelta = timedelta(minutes=1),
    ) -> None:
        self.db = db
        self.clock = clock
        self.http = http
        self.page_size = page_size
        self.overlap = overlap

    @property
    def _overlap_ms(self) -> int:
        return int(self.overlap.total_seconds() * 1000)

    def state(self) -> dict[str, Any]:
        """The stored sync state (empty before the first complete sync)."""
        with self.db.uow() as uow:
            return uow.sync_state.get(SUBSCRIBERS_STATE) or {}

    def interrupted(self) -> bool:
        """True when a sync stopped half-way and will resume."""
        with self.db.uow() as uow:
            return uow.sync_state.get(SUBSCRIBERS_CURSOR) is not None

    def run(self, *, full: bool) -> SubscriberRun:
        """Sync (resuming an interrupted run first, whatever ``full`` says)."""
        with self.db.uow() as uow:
            cursor = uow.sync_state.get(SUBSCRIBERS_CURSOR)
        if cursor is None:
            state = self.state()
            mark = state.get("high_water_ms")
            if full or mark is None:
                mode, since = "full", None
            else:
                mode, since = "incremental", int(mark) - self._overlap_ms
            cursor = {
                "mode": mode,
                "since_ms": since,
                "next": None,
                "pages": 0,
                "started_at": self.clock.now().isoformat(),
                "max_seen_ms": mark,
                "changed": 0,
            }
            self._clear_seen()
        restarted = False
        while True:
            try:
                response = self._fetch(cursor)
            except ApiError as exc:
                if cursor["next"] and exc.status in _RESTART_STATUSES and not restarted:
                    log.warning("saved page link refused (%d); restarting the sync", exc.status)
                    restarted = True
                    cursor = {**cursor, "next": None, "pages": 0, "changed": 0}
                    self._clear_seen()
                    continue
                raise
            items = (response.body or {}).get("items") or []
            done = self._store_page(cursor, items, response.next_url)
            if done is not None:
                return done
            with self.db.uow() as uow:
                cursor = uow.sync_state.get(SUBSCRIBERS_CURSOR) or cursor

    def _fetch(self, cursor: dict[str, Any]) -> Any:
        if cursor["next"]:
            return self.http.call("GET", cursor["next"], scope=SCOPE_BW_READ)
        params = {"max": str(self.page_size)}
        if cursor["mode"] == "incremental" and cursor["since_ms"] is not None:
            params["lastStatusChange"] = str(cursor["since_ms"])
        return self.http.call("GET", SUBSCRIBERS_PATH, scope=SCOPE_BW_READ, params=params)

    def _store_page(
        self, cursor: dict[str, Any], items: list[dict[str, Any]], next_url: str | None
    ) -> SubscriberRun | None:
        now = self.clock.now()
        full = cursor["mode"] == "full"
        with self.db.uow() as uow:
            pending = reprovision_keys(uow)
            changed = 0
            seen: list[str] = []
            max_seen = cursor.get("max_seen_ms")
            for item in items:
                try:
                    sub = subscriber_from_api(item, now=now)
                except (UnknownValue, KeyError) as exc:
                    log.warning("skipping a subscriber the bot cannot read: %s", exc)
                    continue
                seen.append(sub.id)
                stamp = epoch_ms(sub.last_status_change)
                max_seen = stamp if max_seen is None else max(int(max_seen), stamp)
                self._retire_replaced(uow, sub, pending)
                stored = uow.subscribers.get(sub.id)
                if not _same(stored, sub):
                    before = None if stored is None else stored.status
                    uow.subscribers.add(row := subscriber_to_row(sub))
                    if stored is not None:  # a user seen for the first time did not change
                        note_change(uow, row, before)
                    changed += 1
            pages = int(cursor["pages"]) + 1
            if full:
                uow.sync_state.put(f"{SEEN_PREFIX}{pages}", {"ids": seen}, now=now)
            total_changed = int(cursor.get("changed", 0)) + changed
            if next_url:
                uow.sync_state.put(
                    SUBSCRIBERS_CURSOR,
                    {
                        **cursor,
                        "next": next_url,
                        "pages": pages,
                        "max_seen_ms": max_seen,
                        "changed": total_changed,
                    },
                    now=now,
                )
                uow.commit()
                return None
            removed = self._remove_unseen(uow) if full else 0
            started = datetime.fromisoformat(cursor["started_at"])
            state = uow.sync_state.get(SUBSCRIBERS_STATE) or {}
            state.update(
                {
                    "last_complete_at": started.isoformat(),
                    # Never past the run's start: a subscriber that changed while the run paged
                    # may have moved to a page already read, and must be listed next time.
                    "high_water_ms": epoch_ms(started)
                    if max_seen is None
                    else min(int(max_seen), epoch_ms(started)),
                    "last_pages": pages,
                }
            )
            if full:
                state["last_full_at"] = started.isoformat()
            uow.sync_state.put(SUBSCRIBERS_STATE, state, now=now)
            uow.session.execute(
                sa.delete(SyncStateRow).where(SyncStateRow.name == SUBSCRIBERS_CURSOR)
            )
            self._ensure_customers(uow)
            uow.commit()
        return SubscriberRun(total_changed, removed, full, started)

    @staticmethod
    def _retire_replaced(
        uow: UnitOfWork, sub: Subscriber, pending: dict[str, dict[str, Any]]
    ) -> None:
        """Drop rows of the same BroadWorks user ID under another subscriber id.

        Webex maps a user ID to one subscriber (error 10022), so such a row is the user's
        previous mapping: re-provisioned by a retry (perhaps after a timeout), or deleted and
        provisioned again in Partner Hub. An incremental sync never lists the old id again, so
        without this the user would be listed twice until the next full sync. The record of a
        retry whose POST has now landed has done its job too.
        """
        for old_id in uow.subscribers.ids_for_user(sub.user_id):
            if old_id == sub.id:
                continue
            uow.subscribers.delete(old_id)
            record = pending.get(old_id)
            if record is not None:
                uow.session.execute(
                    sa.delete(SyncStateRow).where(SyncStateRow.name == record["state_name"])
                )

    def _remove_unseen(self, uow: UnitOfWork) -> int:
        stmt = sa.select(SyncStateRow).where(SyncStateRow.name.like(SEEN_PREFIX + "%"))
        seen: set[str] = set()
        for row in uow.session.scalars(stmt):
            seen.update(row.value.get("ids", []))
        keep = seen | set(reprovision_keys(uow))
        ids = set(uow.session.scalars(sa.select(SubscriberRow.id)))
        gone = sorted(ids - keep)
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            uow.session.execute(sa.delete(SubscriberRow).where(SubscriberRow.id.in_(chunk)))
        uow.session.execute(
            sa.delete(SyncStateRow).where(SyncStateRow.name.like(SEEN_PREFIX + "%"))
        )
        return len(gone)

    def _clear_seen(self) -> None:
        with self.db.uow() as uow:
            uow.session.execute(
                sa.delete(SyncStateRow).where(SyncStateRow.name.like(SEEN_PREFIX + "%"))
            )
            uow.commit()

    @staticmethod
    def _ensure_customers(uow: UnitOfWork) -> None:
        known = set(uow.session.scalars(sa.select(CustomerRow.id)))
        used = set(uow.session.scalars(sa.select(SubscriberRow.customer_id).distinct()))
        for cid in sorted(used - known):
            if cid:
                uow.customers.add(customer_to_row(Customer(cid, cid)))


def sync_enterprises(db: Database, http: WebexHttp) -> int:
    """Add customers from ``GET /broadworks/enterprises`` (those without subscribers too).

    The API gives ids only (no names), so a customer is named by its ``spEnterpriseId``. The
    scope this call needs is not published: a refusal is logged and the call skipped.
    """
    added = 0
    try:
        pages = list(http.pages("broadworks/enterprises", scope=SCOPE_BW_READ))
    except (ProviderPermission, ApiError) as exc:
        log.info("enterprises not listed (%s); customers come from subscribers only", exc)
        return 0
    with db.uow() as uow:
        for page in pages:
            for item in (page.body or {}).get("items") or []:
                cid = str(item.get("spEnterpriseId") or "")
                if cid and uow.customers.get(cid) is None:
                    uow.customers.add(customer_to_row(Customer(cid, cid)))
                    added += 1
        uow.commit()
    return added


class OrgUserSync:
    """The Control Hub half of ``refresh``: People joined with SCIM, mapped, written whole."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        http: WebexHttp,
        *,
        use_scim: bool = True,
        page_size: int = 100,
    ) -> None:
        self.db = db
        self.clock = clock
        self.http = http
        self.use_scim = use_scim
        self.page_size = page_size

    def last_complete(self) -> datetime | None:
        """When org users were last synced."""
        with self.db.uow() as uow:
            value = (uow.sync_state.get(ORG_USERS_STATE) or {}).get("last_complete_at")
        return datetime.fromisoformat(value) if value else None

    def run(self, org_id: str) -> tuple[int, int]:
        """Sync every user of ``org_id``; returns (changed, removed).

        Raises ``SyncFault`` for anything that stops it (see the module docstring).
        """
        started = self.clock.now()
        people: list[dict[str, Any]] = []
        params = {"orgId": org_id, "max": str(self.page_size)}
        pages = self.http.pages("people", scope=SCOPE_PEOPLE_READ, params=params)
        with faults_of(PEOPLE_CALL, SCOPE_PEOPLE_READ):
            for page in pages:
                people.extend(p for p in _people_items(page.body) if _is_person(p))
        scim: dict[str, dict[str, Any]] = {}
        if self.use_scim:
            with faults_of(SCIM_CALL, SCOPE_IDENTITY_READ):
                scim = self._scim(org_id)
        changed = removed = 0
        with self.db.uow() as uow:
            previous = {r.id: org_user_from_row(r) for r in uow.org_users.in_states(None)}
            with faults_of(PEOPLE_CALL, SCOPE_PEOPLE_READ):
                users = [self._user(p, scim, previous, started) for p in people]
            listed = {u.id for u in users}
            for gone in sorted(set(previous) - listed):
                uow.session.execute(sa.delete(OrgUserRow).where(OrgUserRow.id == gone))
                removed += 1
            uow.session.flush()
            for user in users:
                if previous.get(user.id) != user:
                    uow.org_users.add(org_user_to_row(user))
                    changed += 1
            uow.sync_state.put(
                ORG_USERS_STATE,
                {"last_complete_at": started.isoformat(), "org_id": org_id, "users": len(people)},
                now=self.clock.now(),
            )
            failures = uow.sync_state.get(ORG_USERS_FAILURES)
            if failures and failures.get("in_a_row"):
                uow.sync_state.put(
                    ORG_USERS_FAILURES,
                    {**failures, "in_a_row": 0, "since": None, "last": None},
                    now=self.clock.now(),
                )
            uow.commit()
        return changed, removed

    def _user(
        self,
        person: dict[str, Any],
        scim: dict[str, dict[str, Any]],
        previous: dict[str, OrgUser],
        started: datetime,
    ) -> OrgUser:
        emails = [str(e).lower() for e in person.get("emails") or []]
        record = scim.get(person_uuid(str(person["id"])))
        if record is None and emails:
            record = scim.get(emails[0])
        old = previous.get(str(person["id"]))
        return org_user_from_api(person, record if self.use_scim else None, old, started)

    def _scim(self, org_id: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        start = 1
        path = f"identity/scim/{org_uuid(org_id)}/v2/Users"
        while True:
            params = {"startIndex": str(start), "count": str(self.page_size)}
            body = self.http.call("GET", path, scope=SCOPE_IDENTITY_READ, params=params).body
            resources, total = _scim_page(body)
            for res in resources:
                found[str(res.get("id"))] = res
                if res.get("userName"):
                    found[str(res["userName"]).lower()] = res
            start += len(resources)
            if not resources or start > total:
                return found

    # --- failures ---------------------------------------------------------------------------

    def failures(self) -> dict[str, Any]:
        """The failure counters (empty before the first failure)."""
        with self.db.uow() as uow:
            return uow.sync_state.get(ORG_USERS_FAILURES) or {}

    def record_failure(self, fault: ControlHubFault) -> OnboardingError:
        """Log and count ``fault``; returns the error that says what failed and what to fix."""
        now = self.clock.now()
        with self.db.uow() as uow:
            counts = uow.sync_state.get(ORG_USERS_FAILURES) or {}
            by_kind = dict(counts.get("by_kind") or {})
            by_kind[fault.kind] = int(by_kind.get(fault.kind, 0)) + 1
            record = {
                "in_a_row": int(counts.get("in_a_row") or 0) + 1,
                "total": int(counts.get("total") or 0) + 1,
                "since": counts.get("since") or now.isoformat(),
                "by_kind": by_kind,
                "last": {"at": now.isoformat(), **fault.as_dict()},
            }
            uow.sync_state.put(ORG_USERS_FAILURES, record, now=now)
            uow.commit()
        log.warning(
            "Control Hub users not synced: %s %s (%s%s), %d in a row, %d in all",
            fault.call,
            fault.kind,
            f"HTTP {fault.status}: " if fault.status else "",
            fault.detail,
            record["in_a_row"],
            record["total"],
        )
        return control_hub_error(fault, record, self.last_complete())


PEOPLE_CALL = "GET /v1/people"
SCIM_CALL = "GET /v1/identity/scim/{orgId}/v2/Users"
PEOPLE_ME_CALL = "GET /v1/people/me"


@dataclass(frozen=True, slots=True)
class ControlHubFault:
    """What stopped a Control Hub sync: the call, the kind of failure, what Webex said.

    ``kind`` is one of ``permission`` (401/403), ``not_found`` (404), ``refused`` (another 4xx),
    ``unavailable`` (5xx, 429/423 beyond the wait, timeouts, connection errors) and
    ``malformed`` (an answer that is not the documented shape).
    """

    call: str
    kind: str
    scope: str
    status: int | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The fault as stored in ``sync_state``."""
        return {
            "call": self.call,
            "kind": self.kind,
            "scope": self.scope,
            "status": self.status,
            "detail": self.detail,
        }


class SyncFault(Exception):
    """A Control Hub sync stopped by ``fault``."""

    def __init__(self, fault: ControlHubFault) -> None:
        super().__init__(f"{fault.call}: {fault.kind} {fault.detail}")
        self.fault = fault


class _Malformed(ValueError):
    """An answer that is not the shape the spec documents."""


def classify(call: str, scope: str, exc: BaseException) -> ControlHubFault:
    """The fault behind ``exc``, raised by ``call`` (any exception a sync can meet)."""
    if isinstance(exc, SyncFault):
        return exc.fault
    if isinstance(exc, ProviderPermission):
        status = as_int(exc.params.get("status"))
        detail = str(exc.params.get("detail") or "")
        return ControlHubFault(call, "permission", scope, status, detail)
    if isinstance(exc, RemoteNotFound):
        return ControlHubFault(call, "not_found", scope, 404, exc.message)
    if isinstance(exc, ApiError):
        return ControlHubFault(call, "refused", scope, exc.status, exc.description)
    if isinstance(exc, ProviderUnavailable):
        return ControlHubFault(call, "unavailable", scope, None, str(exc.params.get("detail", "")))
    if isinstance(exc, OnboardingError | requests.RequestException):
        return ControlHubFault(call, "unavailable", scope, None, type(exc).__name__)
    return ControlHubFault(call, "malformed", scope, None, str(exc) or type(exc).__name__)


@contextmanager
def faults_of(call: str, scope: str) -> Iterator[None]:
    """Turns whatever the block meets from Webex into a ``SyncFault`` naming ``call``."""
    try:
        yield
    except SyncFault:
        raise
    except _SYNC_FAILURES as exc:
        raise SyncFault(classify(call, scope, exc)) from exc


#: What a sync can meet from Webex: its answers (errors, odd bodies) and the network.
_SYNC_FAILURES = (
    OnboardingError,
    ApiError,
    requests.RequestException,
    ValueError,
    TypeError,
    KeyError,
    AttributeError,
)


def control_hub_error(
    fault: ControlHubFault, counts: dict[str, Any], last_ok: datetime | None
) -> OnboardingError:
    """The error a Control Hub command shows for ``fault``: what failed, what to fix."""
    params: dict[str, object] = {
        "call": fault.call,
        "status": fault.status if fault.status is not None else "-",
        "scope": fault.scope,
        "detail": fault.detail.rstrip(".") or "-",
        "in_a_row": int(counts.get("in_a_row") or 1),
        "last_ok": last_ok.strftime("%Y-%m-%d %H:%M UTC") if last_ok else "—",
    }
    key = f"webex.controlhub.{fault.kind}"
    if fault.kind == "permission":
        return ProviderPermission(key, **params)
    return ControlHubUnavailable(key, **params)


def _people_items(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise _Malformed("no items list in the answer")
    if not all(isinstance(p, dict) for p in body["items"]):
        raise _Malformed("an item that is not an object")
    return list(body["items"])


def _scim_page(body: Any) -> tuple[list[dict[str, Any]], int]:
    if not isinstance(body, dict):
        raise _Malformed("the answer is not a SCIM list response")
    resources = body.get("Resources", [])
    total = as_int(body.get("totalResults", 0))
    if not isinstance(resources, list) or total is None:
        raise _Malformed("no Resources list or totalResults in the answer")
    if not all(isinstance(r, dict) for r in resources):
        raise _Malformed("a resource that is not an object")
    return resources, total


def _is_person(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type", "person") == "person" and "id" in item
