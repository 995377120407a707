"""BroadWorks Subscriber API records (webex-facts.md §5) to and from the domain model."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from onboarding.mapping import errors_from_json
from onboarding.model import Package, ProvisioningStatus, Subscriber
from onboarding.providers.webex_http import as_int

#: Fields of a subscriber that a re-provisioning POST carries over (the spec's POST body minus
#: ``email``, which is the new one, and ``language``/``timezone``, which a GET does not return).
PROVISION_FIELDS = (
    "provisioningId",
    "userId",
    "spEnterpriseId",
    "firstName",
    "lastName",
    "package",
    "primaryPhoneNumber",
    "mobilePhoneNumber",
    "extension",
)
#: What the precheck accepts of those (``userId`` left out: the old mapping still exists when the
#: precheck runs, and the precheck would rightly say the user ID is taken).
PRECHECK_FIELDS = tuple(f for f in PROVISION_FIELDS if f != "userId")


class UnknownValue(ValueError):
    """The API sent a status or package this version of the bot does not know."""


def parse_time(raw: Any) -> datetime | None:
    """An API timestamp (ISO 8601, ``Z`` allowed, or epoch milliseconds) as aware UTC."""
    if raw in (None, ""):
        return None
    if isinstance(raw, int | float) or (isinstance(raw, str) and raw.isdigit()):
        return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
    moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds, the format ``lastStatusChange`` prefers."""
    return int(moment.timestamp() * 1000)


def as_bool(raw: Any) -> bool | None:
    """A boolean the API may send as JSON boolean or as the string "true"/"false"."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    return None


def subscriber_from_api(item: Mapping[str, Any], *, now: datetime) -> Subscriber:
    """The domain subscriber of an API record; ``UnknownValue`` for an unknown enum value."""
    try:
        status = ProvisioningStatus(item["status"])
        package = Package(item["package"])
    except ValueError as exc:
        raise UnknownValue(str(exc)) from None
    created = parse_time(item.get("created")) or now
    changed = parse_time(item.get("lastStatusChange")) or created
    return Subscriber(
        id=str(item["id"]),
        user_id=str(item["userId"]),
        customer=str(item.get("spEnterpriseId") or ""),
        first_name=str(item.get("firstName") or ""),
        last_name=str(item.get("lastName") or ""),
        package=package,
        status=status,
        created=created,
        last_status_change=changed,
        email=item.get("email") or None,
        errors=tuple(errors_from_json(item.get("errors"))),
        provisioning_id=item.get("provisioningId") or None,
        person_id=item.get("personId") or None,
        self_activated=bool(as_bool(item.get("selfActivated"))),
    )


def provision_record(item: Mapping[str, Any]) -> dict[str, str]:
    """What re-provisioning needs of a subscriber's API record (empty fields left out)."""
    return {f: str(item[f]) for f in PROVISION_FIELDS if item.get(f) not in (None, "")}


def record_from_subscriber(sub: Subscriber) -> dict[str, str]:
    """The same from the snapshot alone (no phone numbers: the snapshot does not keep them)."""
    record = {
        "provisioningId": sub.provisioning_id or "",
        "userId": sub.user_id,
        "spEnterpriseId": sub.customer,
        "firstName": sub.first_name,
        "lastName": sub.last_name,
        "package": sub.package.value,
    }
    return {k: v for k, v in record.items() if v}


def precheck_body(record: Mapping[str, str], email: str) -> dict[str, str]:
    """The body of ``POST /broadworks/subscribers/validate`` for ``email``."""
    body = {f: record[f] for f in PRECHECK_FIELDS if record.get(f)}
    body["email"] = email
    return body


def provision_body(record: Mapping[str, str], email: str) -> dict[str, str]:
    """The body of ``POST /broadworks/subscribers`` re-creating the subscriber with ``email``."""
    body = {f: record[f] for f in PROVISION_FIELDS if record.get(f)}
    body["email"] = email
    return body


def precheck_info(body: Any) -> list[tuple[int | None, str]]:
    """The ``(infoCode, description)`` pairs of a precheck answer (``info`` object or array)."""
    info = body.get("info") if isinstance(body, dict) else None
    items = info if isinstance(info, list) else [info] if isinstance(info, dict) else []
    out: list[tuple[int | None, str]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        out.append((as_int(item.get("infoCode")), str(item.get("description") or "")))
    return out
