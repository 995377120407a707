"""Control Hub user states from the People API and SCIM: a documented, best-effort mapping.

Cisco documents no mapping from API fields to the Control Hub states (webex-facts.md §6, "NOT
DOCUMENTED"), so every rule below is ours, with its reason. Rules are tried top to bottom; the
first that matches decides. ``OrgUser.facts`` records how: ``state_basis`` (the rule),
``state_confidence`` (``api``: a field says it in other words; ``inferred``: our reading of a
field; ``unknown``: no field tells, the state stored is a placeholder) and, when unknown,
``state_candidates``. The raw fields are kept too (``invite_pending``, ``login_enabled``,
``presence``, ``scim_active``, ``scim_account_status``, ``last_activity``).

| # | fields (People API / SCIM)                    | state        | confidence |
|---|-----------------------------------------------|--------------|------------|
| 1 | ``loginEnabled`` false, SCIM ``active`` false | Inactive     | api        |
|   | or ``accountStatus`` ``disabled``             |              |            |
| 2 | ``accountStatus`` ``fraud``, ``fraud_transient``, | Inactive | inferred   |
|   | ``compliance_transient``                      |              |            |
| 3 | ``invitePending`` true, or ``accountStatus``  | Not verified | inferred   |
|   | ``pending`` / ``pending_transient``           |              |            |
| 4 | presence ``status`` = ``pending``             | Verified     | inferred   |
| 5 | ``lastActivity`` present, or a presence       | Active       | inferred   |
|   | ``status`` other than ``pending``/``unknown`` |              |            |
| 6 | none of the above (presence hidden/unknown)   | Active (?)   | unknown    |

Reasons:

1. Control Hub's Inactive means deactivated; both fields say, in other words, "cannot / is not
   allowed to log in to Webex" (their spec descriptions), so this is the nearest to a statement.
2. An account held for fraud or compliance cannot use services, which the bot shows as
   deactivated; the spec gives these values no description, hence only inferred.
3. ``invitePending`` is "invited to Webex but has not created an account" and a ``pending``
   account has not been confirmed: that is Not verified's "identity not yet validated".
4. Presence ``pending`` is "the user has never logged in": in the org, not pending an invite,
   not yet signed in, which is how Verified is described.
5. Any activity means the user has signed in at least once, and Verified turns Active at the
   first sign-in.
6. Verified and Active differ only by that first sign-in, which nothing shows when presence is
   hidden (status sharing off) or ``unknown``: the state stored is Active as a placeholder, with
   ``state_candidates`` = ``active,verified``, and the bot must say it cannot tell.

**Delayed claim is never detected**: no People or SCIM field shows a pending claim decision, so a
user in Delayed claim appears under rule 5 or 6 and ``facts["delayed_claim"]`` is
``"not_detectable"``. SCIM ``transient`` has no published meaning and is only recorded.

``state_since`` is when the state began as far as we can tell: a user already in the snapshot in
the same state keeps theirs; a Not verified user first seen has been so since ``created`` (an
invitation is sent when the user is added); otherwise it is the moment the sync saw the state
(``facts["state_since_basis"]`` = ``created`` or ``observed``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from onboarding.model import ControlHubState, OrgUser
from onboarding.providers.webex_subscribers import as_bool, parse_time

SCIM_CISCO = "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"

_S = ControlHubState
_HELD = frozenset({"fraud", "fraud_transient", "compliance_transient"})
_PENDING = frozenset({"pending", "pending_transient"})
_NO_PRESENCE = frozenset({"", "pending", "unknown"})


@dataclass(frozen=True, slots=True)
class StateReading:
    """A state read from the API fields, with the rule and how sure it is."""

    state: ControlHubState
    basis: str
    confidence: str  # api, inferred, unknown
    candidates: tuple[ControlHubState, ...] = ()


def account_statuses(scim: Mapping[str, Any] | None) -> list[str]:
    """SCIM ``accountStatus`` values (the spec types one string, its examples show a list)."""
    if not scim:
        return []
    raw = (scim.get(SCIM_CISCO) or {}).get("accountStatus")
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return [str(v).lower() for v in values]


def read_state(person: Mapping[str, Any], scim: Mapping[str, Any] | None) -> StateReading:
    """Apply the table of the module docstring."""
    login = as_bool(person.get("loginEnabled"))
    invite = as_bool(person.get("invitePending"))
    active = None if scim is None else as_bool(scim.get("active"))
    statuses = set(account_statuses(scim))
    presence = str(person.get("status") or "")
    if login is False or active is False or "disabled" in statuses:
        basis = "login_disabled" if login is False else "scim_inactive"
        return StateReading(_S.INACTIVE, basis, "api")
    if statuses & _HELD:
        return StateReading(_S.INACTIVE, "account_held", "inferred")
    if invite is True or statuses & _PENDING:
        basis = "invite_pending" if invite is True else "account_pending"
        return StateReading(_S.NOT_VERIFIED, basis, "inferred")
    if presence == "pending":
        return StateReading(_S.VERIFIED, "never_signed_in", "inferred")
    if person.get("lastActivity") or presence not in _NO_PRESENCE:
        return StateReading(_S.ACTIVE, "has_signed_in", "inferred")
    return StateReading(_S.ACTIVE, "no_sign_in_signal", "unknown", (_S.ACTIVE, _S.VERIFIED))


def person_uuid(person_id: str) -> str:
    """The UUID inside a Webex id (``ciscospark://us/PEOPLE/<uuid>``); the id itself otherwise."""
    padded = person_id + "=" * (-len(person_id) % 4)
    try:
        uri = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return person_id
    return uri.rsplit("/", 1)[-1] if uri.startswith("ciscospark://") else person_id


def org_uuid(org_id: str) -> str:
    """The identity (SCIM) organisation id of a People API ``orgId``."""
    return person_uuid(org_id)


def org_user_from_api(
    person: Mapping[str, Any],
    scim: Mapping[str, Any] | None,
    previous: OrgUser | None,
    now: datetime,
) -> OrgUser:
    """The snapshot user for one person (and their SCIM record, when read)."""
    reading = read_state(person, scim)
    emails = person.get("emails") or []
    email = str(emails[0] if emails else (scim or {}).get("userName") or "")
    created = parse_time(person.get("created")) or now
    facts: dict[str, str] = {
        "source": "webex",
        "state_basis": reading.basis,
        "state_confidence": reading.confidence,
        "delayed_claim": "not_detectable",
    }
    if reading.candidates:
        facts["state_candidates"] = ",".join(s.value for s in reading.candidates)
    raw = {
        "invite_pending": as_bool(person.get("invitePending")),
        "login_enabled": as_bool(person.get("loginEnabled")),
        "scim_active": None if scim is None else as_bool(scim.get("active")),
    }
    facts.update({k: str(v).lower() for k, v in raw.items() if v is not None})
    if person.get("status"):
        facts["presence"] = str(person["status"])
    if person.get("lastActivity"):
        facts["last_activity"] = str(person["lastActivity"])
    if account_statuses(scim):
        facts["scim_account_status"] = ",".join(account_statuses(scim))
    if previous is not None and previous.state is reading.state:
        since = previous.state_since
        facts["state_since_basis"] = previous.facts.get("state_since_basis", "observed")
    elif previous is None and reading.state is _S.NOT_VERIFIED:
        since = created
        facts["state_since_basis"] = "created"
    else:
        since = now
        facts["state_since_basis"] = "observed"
    if previous is not None and previous.state is not reading.state:
        facts["previous_state"] = previous.state.value
    elif previous is not None and "previous_state" in previous.facts:
        facts["previous_state"] = previous.facts["previous_state"]
    user = OrgUser(
        id=str(person["id"]),
        email=email,
        display_name=str(person.get("displayName") or email),
        state=reading.state,
        state_since=since,
        created=created,
        how="",
        facts=facts,
    )
    if previous is not None:
        user = replace(
            user,
            last_reminder=previous.last_reminder,
            domain_verified=previous.domain_verified,
            claimed_at=previous.claimed_at,
        )
    return user
