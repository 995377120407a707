"""Roles from app.yaml: emails, *@domain patterns, spaces; the strongest match wins."""

from __future__ import annotations

import pytest

from bot.acl import AccessPolicy
from bot.settings import AccessSettings
from commands.registry import Role

ACCESS = AccessSettings(
    admins=("alice@partner.example",),
    support=("*@support.partner.example", "bob@partner.example"),
    viewers=("*@partner.example",),
    spaces={"ops-room": "support", "board-room": "admin"},
    orgs=("org-1",),
    allowed_spaces=(),
)


@pytest.mark.parametrize(
    ("email", "space", "role"),
    [
        ("alice@partner.example", None, Role.ADMIN),
        ("ALICE@Partner.Example", None, Role.ADMIN),
        ("bob@partner.example", None, Role.SUPPORT),  # support beats the viewer domain
        ("carol@support.partner.example", None, Role.SUPPORT),
        ("dave@partner.example", None, Role.VIEWER),
        ("dave@partner.example", "ops-room", Role.SUPPORT),  # the space lifts the role
        ("alice@partner.example", "ops-room", Role.ADMIN),  # never lowers it
        ("eve@elsewhere.example", "board-room", Role.ADMIN),
        ("mallory@notpartner.example", None, None),
        ("mallory@evilpartner.example", None, None),  # *@partner.example is not a suffix match
    ],
)
def test_strongest_match_wins(email: str, space: str | None, role: Role | None) -> None:
    decision = AccessPolicy(ACCESS).decide(email, space_id=space, org_id="org-1")
    assert decision.role == role
    if role is None:
        assert decision.refusal == "access.unknown_person"


def test_people_of_other_orgs_are_refused() -> None:
    decision = AccessPolicy(ACCESS).decide("alice@partner.example", org_id="org-2")
    assert decision.role is None and decision.refusal == "access.other_org"


def test_spaces_not_allowed_are_refused() -> None:
    policy = AccessPolicy(ACCESS.model_copy(update={"allowed_spaces": ("ops-room",)}))
    assert policy.decide("alice@partner.example", space_id="ops-room").role is Role.ADMIN
    refused = policy.decide("alice@partner.example", space_id="random")
    assert refused.role is None and refused.refusal == "access.space_not_allowed"


def test_no_access_section_makes_everyone_admin() -> None:
    assert AccessPolicy(None).decide("anyone@anywhere.example").role is Role.ADMIN
