"""The real onboarding provider: Webex for BroadWorks subscribers and Control Hub users.

Reads come from the snapshot, which ``refresh`` keeps in step (``webex_sync``); actions go to the
BroadWorks Subscriber API (webex-facts.md §5) and write their effect into the snapshot.

**Retry activation** has no single API call, so it is built from documented ones:

- ``pending_user_migration`` with the subscriber's own email: ``POST
  /subscribers/{id}/emails/consentMove`` re-sends the consent email (no precheck: the email is
  the one already waiting for consent, and the precheck would only say it belongs to an
  existing Webex account, which is the very reason for the wait).
- anything else (``pending_email_input``, ``pending_email_validation``, ``error``, or a
  migration with a different email): precheck the new email, then re-provision the subscriber
  under the same identity: read its full record (``GET``: phone numbers and extension are not in
  the snapshot), **save it durably** (``sync_state`` ``webex.reprovision.<hash of userId>``),
  ``DELETE`` the old subscriber, ``POST`` it again with the new email.

If anything fails after the save, the snapshot row stays as it was (same BroadWorks ID and
email, so the service still finds the user) and a full sync does not remove it while the record
exists. Running the retry again finds the record, skips the read, prechecks, deletes the old id
again (a 404 means it is already gone) and posts. A POST that timed out may still have landed:
the provider then looks the user ID up before calling it a failure, and a later sync that sees
the new subscriber retires the record and the old row.

**Control Hub**: states per ``webex_controlhub`` (a best-effort mapping, with its confidence in
``OrgUser.facts``). Activation emails are re-sent with the bulk job
``POST /identity/organizations/{orgId}/jobs/sendActivationEmails``, which covers every eligible
user of the org: the API cannot target single users, and the steps say so.

**Templates**: the public API exposes no customer templates, so ``template`` reports
``known=False`` and the bot says where to look in Partner Hub.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from onboarding.clock import Clock
from onboarding.email_owners import Holder, email_in_use
from onboarding.errors import OnboardingError, ProviderPermission, ProviderUnavailable
from onboarding.history import note_change
from onboarding.mapping import org_user_from_row, org_user_to_row, subscriber_to_row
from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    ProvisioningStatus,
    Subscriber,
)
from onboarding.providers.base import ActionOutcome, Step, SyncReport, TemplateReport, Within
from onboarding.providers.webex_auth import OAuthTokenSource, StaticToken
from onboarding.providers.webex_controlhub import org_user_from_api
from onboarding.providers.webex_http import (
    SCOPE_BW_READ,
    SCOPE_BW_WRITE,
    SCOPE_PEOPLE_READ,
    SCOPE_PEOPLE_WRITE,
    AmbiguousOutcome,
    ApiError,
    RemoteNotFound,
    RetryPolicy,
    TokenSource,
    WebexHttp,
)
from onboarding.providers.webex_subscribers import (
    UnknownValue,
    epoch_ms,
    precheck_body,
    precheck_info,
    provision_body,
    provision_record,
    record_from_subscriber,
    subscriber_from_api,
)
from onboarding.providers.webex_sync import (
    PEOPLE_ME_CALL,
    REPROVISION_PREFIX,
    OrgUserSync,
    SubscriberSync,
    SyncFault,
    faults_of,
    sync_enterprises,
)
from storage.models import SyncStateRow
from storage.uow import Database

__all__ = ["OAuthTokenSource", "StaticToken", "TokenSource", "WebexProvider"]

log = logging.getLogger(__name__)

ORG_STATE = "webex.org"
SUBSCRIBERS = "broadworks/subscribers"
_PS = ProvisioningStatus


def _reprovision_name(user_id: str) -> str:
    # sync_state names are short; a BroadWorks user ID may not be.
    return REPROVISION_PREFIX + hashlib.sha256(user_id.encode()).hexdigest()[:32]


def _secret(value: Any) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if callable(getter) else value)


class WebexProvider:
    """The onboarding provider over the Webex APIs (see the module docstring)."""

    name = "webex"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        api_url: str,
        token_source: TokenSource,
        freshness: timedelta = timedelta(minutes=5),
        full_sync_every: timedelta = timedelta(hours=24),
        org_users_freshness: timedelta = timedelta(minutes=30),
        org_id: str | None = None,
        control_hub: bool = True,
        use_scim: bool = True,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        page_size: int = 100,
    ) -> None:
        self.db = db
        self.clock = clock
        self.freshness_window = freshness
        self.full_sync_every = full_sync_every
        self.org_users_freshness = org_users_freshness
        self.control_hub = control_hub
        self._org_id = org_id
        self.http = WebexHttp(api_url, token_source, policy=policy, sleep=sleep)
        self.subscriber_sync = SubscriberSync(db, clock, self.http, page_size=page_size)
        self.org_sync = OrgUserSync(db, clock, self.http, use_scim=use_scim, page_size=page_size)
        self._lock = threading.RLock()

    @classmethod
    def from_settings(
        cls, settings: Any, db: Database, clock: Clock, **kwargs: Any
    ) -> WebexProvider:
        """Build from the bot's Settings (duck-typed: ``webex``, ``oauth``, ``sync``)."""
        webex = settings.webex
        api_url = str(webex.api_url)
        oauth = getattr(settings, "oauth", None)
        source: TokenSource
        if oauth is not None:
            source = OAuthTokenSource(
                db,
                clock,
                client_id=oauth.client_id,
                client_secret=_secret(oauth.client_secret),
                refresh_token=_secret(oauth.refresh_token),
                token_url=api_url.rstrip("/") + "/access_token",
            )
        elif webex.admin_token is not None:
            source = StaticToken(_secret(webex.admin_token))
        else:
            raise ValueError("provider webex needs WEBEX_ADMIN_TOKEN or an oauth section")
        sync = settings.sync
        kwargs.setdefault("freshness", timedelta(seconds=int(sync.freshness_seconds)))
        kwargs.setdefault("full_sync_every", timedelta(hours=float(sync.full_sync_hours)))
        kwargs.setdefault("policy", RetryPolicy(max_wait=float(sync.max_wait_seconds)))
        kwargs.setdefault("org_id", getattr(webex, "org_id", None) or None)
        kwargs.setdefault("control_hub", bool(getattr(webex, "control_hub", True)))
        return cls(db, clock, api_url=api_url, token_source=source, **kwargs)

    # --- the snapshot ----------------------------------------------------------------------

    def freshness(self) -> datetime | None:
        """When the last complete subscriber sync started (its data is at least that fresh)."""
        value = self.subscriber_sync.state().get("last_complete_at")
        return datetime.fromisoformat(value) if value else None

    def refresh(self, *, force: bool = False) -> SyncReport:
        """Sync when forced, interrupted or stale; a failed background sync keeps the old data.

        A failure raises when forced, when there is no snapshot yet, and always for a
        permission problem (the token needs fixing, stale data would hide that).
        """
        with self._lock:
            fresh = self.freshness()
            now = self.clock.now()
            stale = fresh is None or now - fresh >= self.freshness_window
            interrupted = self.subscriber_sync.interrupted()
            if not (force or stale or interrupted):
                return SyncReport(fresh_as_of=fresh)
            state = self.subscriber_sync.state()
            last_full = state.get("last_full_at")
            full = (
                last_full is None or now - datetime.fromisoformat(last_full) >= self.full_sync_every
            )
            try:
                run = self.subscriber_sync.run(full=full)
                changed, removed = run.changed, run.removed
                if run.full:
                    sync_enterprises(self.db, self.http)
                users = self._refresh_org_users_quietly(force=force)
                changed += users.changed
                removed += users.removed
            except ProviderPermission:
                raise
            except OnboardingError as exc:
                if force or fresh is None:
                    raise
                log.warning("background sync failed, serving the snapshot of %s: %s", fresh, exc)
                return SyncReport(complete=False, fresh_as_of=fresh)
            return SyncReport(changed=changed, removed=removed, fresh_as_of=self.freshness())

    def refresh_org_users(self, *, force: bool = False) -> SyncReport:
        """Sync the Control Hub users when forced, stale or after a failed sync.

        Any failure (see ``webex_sync``) is logged, counted and raised as the error that says
        which call failed and what to fix: the Control Hub commands that call this show it
        rather than users of unknown age. A subscriber refresh swallows it
        (``_refresh_org_users_quietly``).
        """
        if not self.control_hub:
            return SyncReport(fresh_as_of=self.org_sync.last_complete())
        with self._lock:
            now = self.clock.now()
            last = self.org_sync.last_complete()
            if not (force or self._org_users_stale(now)):
                return SyncReport(fresh_as_of=last)
            try:
                with faults_of(PEOPLE_ME_CALL, SCOPE_PEOPLE_READ):
                    org = self.org_id()
                changed, removed = self.org_sync.run(org)
            except SyncFault as exc:
                raise self.org_sync.record_failure(exc.fault) from None
            return SyncReport(
                changed=changed, removed=removed, fresh_as_of=self.org_sync.last_complete()
            )

    def control_hub_failures(self) -> dict[str, Any]:
        """The Control Hub sync's failure counters (in a row, in all, per kind, the last)."""
        return self.org_sync.failures()

    def _refresh_org_users_quietly(self, *, force: bool) -> SyncReport:
        # Subscribers must not wait on Control Hub: whatever stopped the People/SCIM sync has
        # been logged and counted by refresh_org_users(), and only the Control Hub commands
        # report it (they call refresh_org_users() themselves). After a failure, a subscriber
        # refresh tries again only once the Control Hub freshness window has passed, so a
        # People API that times out slows a subscriber command at most that often.
        if not force and self._failed_recently(self.clock.now()):
            return SyncReport(complete=False)
        try:
            return self.refresh_org_users(force=force)
        except OnboardingError:
            return SyncReport(complete=False)

    def _failed_recently(self, now: datetime) -> bool:
        last = (self.org_sync.failures().get("last") or {}).get("at")
        if not last:
            return False
        return now - datetime.fromisoformat(str(last)) < self.org_users_freshness

    def _org_users_stale(self, now: datetime) -> bool:
        last = self.org_sync.last_complete()
        failed = bool(self.org_sync.failures().get("in_a_row"))
        return failed or last is None or now - last >= self.org_users_freshness

    def org_id(self) -> str:
        """The Control Hub org: as configured, else the admin token's own (``GET /people/me``)."""
        if self._org_id:
            return self._org_id
        with self.db.uow() as uow:
            stored = (uow.sync_state.get(ORG_STATE) or {}).get("org_id")
        if not stored:
            me = self.http.call("GET", "people/me", scope=SCOPE_PEOPLE_READ).body or {}
            stored = str(me.get("orgId") or "")
            if not stored:
                raise ProviderUnavailable("webex.error.no_org", detail="people/me has no orgId")
            with self.db.uow() as uow:
                uow.sync_state.put(ORG_STATE, {"org_id": stored}, now=self.clock.now())
                uow.commit()
        self._org_id = stored
        return stored

    # --- direct reads (the snapshot serves the bot; these ask Webex itself) ------------------

    def search(
        self,
        *,
        statuses: Sequence[ProvisioningStatus] = (),
        customer: str | None = None,
        email: str | None = None,
        user_id: str | None = None,
        changed_after: datetime | None = None,
    ) -> Iterator[Subscriber]:
        """Subscribers as Webex lists them with its own filters, following every page."""
        params = {"max": str(self.subscriber_sync.page_size)}
        if statuses:
            params["status"] = ",".join(s.value for s in statuses)
        if customer:
            params["spEnterpriseId"] = customer
        if email:
            params["email"] = email
        if user_id:
            params["userId"] = user_id
        if changed_after is not None:
            params["lastStatusChange"] = str(epoch_ms(changed_after))
        for page in self.http.pages(SUBSCRIBERS, scope=SCOPE_BW_READ, params=params):
            for item in (page.body or {}).get("items") or []:
                sub = self._read(item)
                if sub is not None:
                    yield sub

    def get(self, subscriber_id: str) -> Subscriber | None:
        """One subscriber straight from Webex (None when it does not exist)."""
        try:
            body = self.http.call("GET", f"{SUBSCRIBERS}/{subscriber_id}", scope=SCOPE_BW_READ).body
        except RemoteNotFound:
            return None
        return self._read(body)

    # --- subscriber actions ----------------------------------------------------------------

    def retry_activation(
        self, subscriber: Subscriber, email: str, *, within: Within | None = None
    ) -> ActionOutcome:
        """Consent move or precheck-and-re-provision (see the module docstring).

        ``within`` runs in the transaction that stores the re-provisioned subscriber; a consent
        move stores nothing, so the caller records it (the remote call cannot share a commit).
        """
        email = email.strip()
        with self._lock:
            pending = self._pending(subscriber.user_id)
            same_email = bool(subscriber.email) and email.lower() == str(subscriber.email).lower()
            if pending is None and subscriber.status is _PS.PENDING_USER_MIGRATION and same_email:
                return self._consent_move(subscriber)
            return self._reprovision(subscriber, email, pending, within)

    def _consent_move(self, sub: Subscriber) -> ActionOutcome:
        path = f"subscribers/{sub.id}/emails/consentMove"
        try:
            self.http.call("POST", path, scope=SCOPE_BW_WRITE)
        except RemoteNotFound:
            return self._gone(sub, [])
        except ApiError as exc:
            step = Step("webex.retry.consent_failed", False, _api_params(exc))
            return ActionOutcome(False, (step,), sub)
        params = {"email": sub.email or "", "user_id": sub.user_id}
        return ActionOutcome(True, (Step("webex.retry.consent_sent", params=params),), sub)

    def _reprovision(
        self,
        sub: Subscriber,
        email: str,
        pending: dict[str, Any] | None,
        within: Within | None = None,
    ) -> ActionOutcome:
        steps: list[Step] = []
        old_id = sub.id
        if pending is None:
            try:
                detail = self.http.call("GET", f"{SUBSCRIBERS}/{sub.id}", scope=SCOPE_BW_READ).body
            except RemoteNotFound:
                return self._gone(sub, steps)
            current = self._read(detail) or sub
            if current.status is _PS.PROVISIONED or current.status.in_flight:
                self._store(current)
                params = {"user_id": sub.user_id, "status": current.status.value}
                return ActionOutcome(
                    False, (Step("webex.retry.status_moved", False, params),), current
                )
            record = {**record_from_subscriber(sub), **provision_record(detail or {})}
            steps.append(Step("webex.retry.details_read", params={"user_id": sub.user_id}))
        else:
            record = dict(pending["record"])
            old_id = str(pending["old_id"])
            steps.append(Step("webex.retry.resuming", params={"saved_at": pending["saved_at"]}))
            # An earlier POST may have landed unconfirmed: posting again would only be refused
            # (the user ID is taken), so the new subscriber is adopted instead.
            landed = self._read(self._find_by_user_id(record["userId"], not_id=old_id))
            if landed is not None:
                return self._finish(sub, landed, landed.email or email, steps, within)
        # 1. precheck
        try:
            answer = self.http.call(
                "POST",
                f"{SUBSCRIBERS}/validate",
                scope=SCOPE_BW_WRITE,
                json=precheck_body(record, email),
            ).body
        except ApiError as exc:
            holder = self._holder_in_webex(email, sub)
            if holder is not None:
                raise email_in_use(email, sub, holder) from None
            steps.append(
                Step("webex.retry.precheck_failed", False, {"email": email, **_api_params(exc)})
            )
            return ActionOutcome(False, tuple(steps), sub)
        info = precheck_info(answer)
        code, text = info[0] if info else (None, str((answer or {}).get("message") or ""))
        steps.append(
            Step(
                "webex.retry.precheck_ok",
                params={"email": email, "code": code or "-", "description": text},
            )
        )
        # 2. keep what re-provisioning needs, before anything is removed
        if pending is None:
            self._save_pending(sub, record)
            steps.append(Step("webex.retry.saved", params={"user_id": sub.user_id}))
        # 3. remove the old mapping
        try:
            self.http.call("DELETE", f"{SUBSCRIBERS}/{old_id}", scope=SCOPE_BW_WRITE)
            steps.append(Step("webex.retry.deleted", params={"user_id": sub.user_id}))
        except RemoteNotFound:
            steps.append(Step("webex.retry.already_deleted", params={"user_id": sub.user_id}))
        except (ApiError, OnboardingError) as exc:
            steps.append(Step("webex.retry.delete_failed", False, _error_params(exc)))
            steps.append(Step("webex.retry.recoverable", False, {"user_id": sub.user_id}))
            return ActionOutcome(False, tuple(steps), sub)
        # 4. provision it again with the new email
        try:
            created = self.http.call(
                "POST",
                SUBSCRIBERS,
                scope=SCOPE_BW_WRITE,
                json=provision_body(record, email),
                idempotent=False,
            ).body
        except AmbiguousOutcome:
            created = self._find_by_user_id(record["userId"], not_id=old_id)
            if created is None:
                steps.append(Step("webex.retry.provision_unknown", False, {"user_id": sub.user_id}))
                steps.append(Step("webex.retry.recoverable", False, {"user_id": sub.user_id}))
                return ActionOutcome(False, tuple(steps), sub)
        except (ApiError, OnboardingError) as exc:
            steps.append(Step("webex.retry.provision_failed", False, _error_params(exc)))
            steps.append(Step("webex.retry.recoverable", False, {"user_id": sub.user_id}))
            return ActionOutcome(False, tuple(steps), sub)
        new = self._read(created)
        if new is None:
            steps.append(Step("webex.retry.provision_unknown", False, {"user_id": sub.user_id}))
            steps.append(Step("webex.retry.recoverable", False, {"user_id": sub.user_id}))
            return ActionOutcome(False, tuple(steps), sub)
        return self._finish(sub, new, email, steps, within)

    def _finish(
        self,
        sub: Subscriber,
        new: Subscriber,
        email: str,
        steps: list[Step],
        within: Within | None = None,
    ) -> ActionOutcome:
        """The re-provisioned subscriber replaces the old row; the saved record is retired."""
        with self.db.uow() as uow:
            if new.id != sub.id:
                uow.subscribers.delete(sub.id)
            uow.subscribers.add(row := subscriber_to_row(new))
            note_change(uow, row, sub.status.value)
            uow.session.execute(
                sa.delete(SyncStateRow).where(SyncStateRow.name == _reprovision_name(sub.user_id))
            )
            if within is not None:
                within(uow)
            uow.commit()
        params = {"user_id": new.user_id, "email": email, "status": new.status.value}
        steps.append(Step("webex.retry.provisioning", params=params))
        return ActionOutcome(True, tuple(steps), new)

    def delete_subscriber(self, subscriber: Subscriber) -> ActionOutcome:
        """``DELETE`` the subscriber; a 404 means it is already gone, which is what was asked."""
        with self._lock:
            pending = self._pending(subscriber.user_id)
            target = str(pending["old_id"]) if pending else subscriber.id
            params = {"user_id": subscriber.user_id, "name": subscriber.display_name}
            try:
                self.http.call("DELETE", f"{SUBSCRIBERS}/{target}", scope=SCOPE_BW_WRITE)
                step = Step("webex.delete.done", params=params)
            except RemoteNotFound:
                step = Step("webex.delete.already_gone", params=params)
            except ApiError as exc:
                return ActionOutcome(
                    False, (Step("webex.delete.failed", False, _api_params(exc)),), subscriber
                )
            with self.db.uow() as uow:
                uow.subscribers.delete(subscriber.id)
                uow.session.execute(
                    sa.delete(SyncStateRow).where(
                        SyncStateRow.name == _reprovision_name(subscriber.user_id)
                    )
                )
                uow.commit()
            return ActionOutcome(True, (step, Step("webex.delete.can_onboard_again")), None)

    def change_package(self, subscriber: Subscriber, package: Package) -> ActionOutcome:
        """``PUT {package}``; Webex applies it in the background (``updating``)."""
        with self._lock:
            path = f"{SUBSCRIBERS}/{subscriber.id}"
            try:
                body = self.http.call(
                    "PUT", path, scope=SCOPE_BW_WRITE, json={"package": package.value}
                ).body
            except RemoteNotFound:
                return self._gone(subscriber, [])
            except ApiError as exc:
                step = Step("webex.package.failed", False, _api_params(exc))
                return ActionOutcome(False, (step,), subscriber)
            updated = self._read(body)
            if updated is None:
                updated = subscriber
            else:
                self._store(updated)
            params = {
                "user_id": subscriber.user_id,
                "package": package.value,
                "status": updated.status.value,
            }
            key = (
                "webex.package.updating" if updated.status is _PS.UPDATING else "webex.package.set"
            )
            return ActionOutcome(True, (Step(key, params=params),), updated)

    # --- Control Hub and templates ---------------------------------------------------------

    def template(self, customer: Customer) -> TemplateReport:
        """Not readable through the public API: the bot says where to look."""
        return TemplateReport(customer=customer, known=False)

    def resend_invitations(self, users: Sequence[OrgUser]) -> ActionOutcome:
        """Start the org's bulk activation-email job (it covers every eligible user)."""
        with self._lock:
            org = self.org_id()
            path = f"identity/organizations/{org}/jobs/sendActivationEmails"
            try:
                job = self.http.call("POST", path, scope=SCOPE_PEOPLE_WRITE, idempotent=False).body
            except AmbiguousOutcome:
                return ActionOutcome(False, (Step("webex.resend.unknown", False),))
            except ApiError as exc:
                key = "webex.resend.already_running" if exc.status == 409 else "webex.resend.failed"
                return ActionOutcome(False, (Step(key, False, _api_params(exc)),))
            job = job or {}
            now = self.clock.now()
            with self.db.uow() as uow:
                rows = uow.org_users.in_states([ControlHubState.NOT_VERIFIED.value])
                for row in rows:
                    user = org_user_from_row(row)
                    facts = {**user.facts, "activation_job": str(job.get("id", ""))}
                    uow.org_users.add(
                        org_user_to_row(replace(user, last_reminder=now, facts=facts))
                    )
                uow.commit()
                everyone = len(rows)
            steps = [
                Step(
                    "webex.resend.job_started",
                    params={
                        "job_id": str(job.get("id", "")),
                        "status": str(job.get("latestExecutionStatus", "")),
                    },
                )
            ]
            if users and len(users) < everyone:
                steps.append(
                    Step("webex.resend.whole_org", params={"asked": len(users), "all": everyone})
                )
            return ActionOutcome(True, tuple(steps))

    # --- helpers ---------------------------------------------------------------------------

    def _read(self, item: Any) -> Subscriber | None:
        if not isinstance(item, dict):
            return None
        try:
            return subscriber_from_api(item, now=self.clock.now())
        except (UnknownValue, KeyError) as exc:
            log.warning("unreadable subscriber in a response: %s", exc)
            return None

    def _store(self, sub: Subscriber) -> None:
        with self.db.uow() as uow:
            stored = uow.subscribers.get(sub.id)
            before = None if stored is None else stored.status
            uow.subscribers.add(row := subscriber_to_row(sub))
            if stored is not None:
                note_change(uow, row, before)
            uow.commit()

    def _gone(self, sub: Subscriber, steps: list[Step]) -> ActionOutcome:
        with self.db.uow() as uow:
            uow.subscribers.delete(sub.id)
            uow.commit()
        steps.append(Step("webex.gone", False, {"user_id": sub.user_id}))
        return ActionOutcome(False, tuple(steps), None)

    def _pending(self, user_id: str) -> dict[str, Any] | None:
        with self.db.uow() as uow:
            return uow.sync_state.get(_reprovision_name(user_id))

    def _save_pending(self, sub: Subscriber, record: dict[str, str]) -> None:
        name = _reprovision_name(sub.user_id)
        value = {
            "state_name": name,
            "user_id": sub.user_id,
            "old_id": sub.id,
            "record": record,
            "saved_at": self.clock.now().isoformat(),
        }
        with self.db.uow() as uow:
            uow.sync_state.put(name, value, now=self.clock.now())
            uow.commit()

    def _holder_in_webex(self, email: str, target: Subscriber) -> Holder | None:
        """Who Webex itself lists with ``email`` (after a refused precheck), else None.

        The snapshot may not know yet (a subscriber provisioned elsewhere since the last sync),
        so ask: a subscriber found is also written into the snapshot, which keeps ``status
        <email>`` right. A lookup that fails only loses the name: the precheck's refusal stands.
        """
        wanted = email.lower()
        try:
            body = self.http.call(
                "GET", SUBSCRIBERS, scope=SCOPE_BW_READ, params={"email": email}
            ).body
        except (ApiError, OnboardingError) as exc:
            log.info("could not look up who has the email: %s", exc)
            body = None
        for item in (body or {}).get("items") or []:
            found = self._read(item)
            if found is None or found.id == target.id or found.user_id == target.user_id:
                continue
            if (found.email or "").lower() == wanted:
                self._store(found)
                return found
        if not self.control_hub:
            return None
        try:
            people = self.http.call(
                "GET", "people", scope=SCOPE_PEOPLE_READ, params={"email": email}
            ).body
        except (ApiError, OnboardingError) as exc:
            log.info("could not look up the email among Control Hub users: %s", exc)
            return None
        for person in (people or {}).get("items") or []:
            if not isinstance(person, dict) or "id" not in person:
                continue
            emails = [str(e).lower() for e in person.get("emails") or []]
            if wanted in emails and str(person["id"]) != target.person_id:
                return org_user_from_api(person, None, None, self.clock.now())
        return None

    def _find_by_user_id(self, user_id: str, *, not_id: str) -> dict[str, Any] | None:
        """The subscriber Webex lists under ``user_id`` other than ``not_id`` (the old one,
        which a delete still propagating may leave listed); None when none or unknown."""
        try:
            body = self.http.call(
                "GET", SUBSCRIBERS, scope=SCOPE_BW_READ, params={"userId": user_id}
            ).body
        except OnboardingError:
            return None
        items = (body or {}).get("items") or []
        return next((i for i in items if isinstance(i, dict) and str(i.get("id")) != not_id), None)


def _api_params(exc: ApiError) -> dict[str, object]:
    # The messages go on after the description ("…: {description}. Nothing was changed.").
    description = exc.description.rstrip().rstrip(".")
    return {"status": exc.status, "code": exc.code or "-", "description": description}


def _error_params(exc: Exception) -> dict[str, object]:
    if isinstance(exc, ApiError):
        return _api_params(exc)
    if isinstance(exc, OnboardingError):
        return {"status": "-", "code": "-", "description": exc.message()}
    return {"status": "-", "code": "-", "description": type(exc).__name__}
