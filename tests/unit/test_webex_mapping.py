"""The Webex provider's pure mappings: Control Hub states, subscriber records, precheck answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from onboarding.model import ControlHubState, ProvisioningStatus
from onboarding.providers.webex_controlhub import (
    SCIM_CISCO,
    org_user_from_api,
    person_uuid,
    read_state,
)
from onboarding.providers.webex_subscribers import (
    UnknownValue,
    as_bool,
    parse_time,
    precheck_body,
    precheck_info,
    provision_body,
    subscriber_from_api,
)

NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)
S = ControlHubState


def scim(active: bool = True, status: object = "active") -> dict[str, object]:
    return {"active": active, SCIM_CISCO: {"accountStatus": status}}


@pytest.mark.parametrize(
    ("person", "record", "state", "confidence"),
    [
        ({"loginEnabled": False}, None, S.INACTIVE, "api"),
        ({"loginEnabled": "false", "invitePending": "true"}, None, S.INACTIVE, "api"),
        ({}, scim(active=False), S.INACTIVE, "api"),
        ({}, scim(status=["disabled"]), S.INACTIVE, "api"),
        ({}, scim(status="fraud"), S.INACTIVE, "inferred"),
        ({"invitePending": True}, None, S.NOT_VERIFIED, "inferred"),
        ({"invitePending": "true"}, None, S.NOT_VERIFIED, "inferred"),
        ({}, scim(status=["pending"]), S.NOT_VERIFIED, "inferred"),
        ({"status": "pending"}, scim(), S.VERIFIED, "inferred"),
        ({"status": "inactive"}, scim(), S.ACTIVE, "inferred"),
        ({"lastActivity": "2026-01-01T00:00:00.000Z"}, None, S.ACTIVE, "inferred"),
        ({"status": "unknown"}, scim(), S.ACTIVE, "unknown"),
        ({}, None, S.ACTIVE, "unknown"),
    ],
)
def test_state_table(
    person: dict[str, object], record: dict[str, object] | None, state: S, confidence: str
) -> None:
    reading = read_state(person, record)
    assert (reading.state, reading.confidence) == (state, confidence)


def test_unknown_reading_names_both_candidates() -> None:
    assert read_state({}, None).candidates == (S.ACTIVE, S.VERIFIED)


def test_state_since_kept_created_or_observed() -> None:
    person = {"id": "p1", "emails": ["a@x"], "created": "2026-01-01T00:00:00.000Z"}
    fresh = org_user_from_api({**person, "invitePending": True}, None, None, NOW)
    assert fresh.state_since == datetime(2026, 1, 1, tzinfo=UTC)
    assert fresh.facts["state_since_basis"] == "created"
    again = org_user_from_api({**person, "invitePending": True}, None, fresh, NOW + timedelta(1))
    assert again.state_since == fresh.state_since
    moved = org_user_from_api({**person, "status": "pending"}, None, fresh, NOW + timedelta(2))
    assert moved.state is S.VERIFIED and moved.state_since == NOW + timedelta(2)
    assert moved.facts["previous_state"] == "not_verified"
    reminded = replace(fresh, last_reminder=NOW)
    kept = org_user_from_api({**person, "invitePending": True}, None, reminded, NOW)
    assert kept.last_reminder == NOW


def test_person_uuid_decodes_webex_ids() -> None:
    assert person_uuid("Y2lzY29zcGFyazovL3VzL1BFT1BMRS9hYmM") == "abc"
    assert person_uuid("plain-uuid") == "plain-uuid"


def test_times_and_booleans() -> None:
    assert parse_time("2019-10-18T14:26:16.000Z") == datetime(2019, 10, 18, 14, 26, 16, tzinfo=UTC)
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_time(None) is None
    assert (as_bool("true"), as_bool(False), as_bool("x")) == (True, False, None)


def test_subscriber_record_and_unknown_values() -> None:
    item = {
        "id": "s1",
        "userId": "u1",
        "spEnterpriseId": "acme",
        "firstName": "A",
        "lastName": "B",
        "package": "basic",
        "status": "error",
        "errors": [{"errorCode": 10022, "description": "taken"}],
        "created": "2026-01-01T00:00:00.000Z",
        "selfActivated": "false",
    }
    sub = subscriber_from_api(item, now=NOW)
    assert sub.status is ProvisioningStatus.ERROR and sub.errors[0].code == 10022
    assert sub.last_status_change == sub.created and sub.self_activated is False
    with pytest.raises(UnknownValue):
        subscriber_from_api({**item, "status": "brand_new"}, now=NOW)


def test_precheck_leaves_out_the_user_id_and_provision_keeps_it() -> None:
    record = {"userId": "u1", "spEnterpriseId": "acme", "package": "basic", "extension": "12"}
    assert "userId" not in precheck_body(record, "a@x")
    assert provision_body(record, "a@x") == {**record, "email": "a@x"}


def test_precheck_info_accepts_object_or_array() -> None:
    one = {"info": {"infoCode": 100, "description": "ok"}}
    many = {"info": [{"infoCode": 100, "description": "ok"}, {"infoCode": 101}]}
    assert precheck_info(one) == [(100, "ok")]
    assert precheck_info(many) == [(100, "ok"), (101, "")]
    assert precheck_info({"message": "success"}) == []
