"""The spec helpers themselves: they must catch what breaks the specs and pass what doesn't."""

from __future__ import annotations

import pytest
from webexpythonsdk.models.cards import ActionSet, AdaptiveCard, TextBlock
from webexpythonsdk.models.cards.actions import OpenUrl, ShowCard, Submit

from tests.support import specs
from tests.support.specs import (
    SpecError,
    assert_webex_card_attachment,
    check_exchanges,
    load_openapi,
    validate_card,
)

MESSAGE = {
    "id": "m1",
    "roomId": "r1",
    "roomType": "group",
    "text": "hi",
    "personId": "p1",
    "personEmail": "a@example.com",
    "created": "2026-01-01T00:00:00.000Z",
    "attachments": [
        {
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {"type": "AdaptiveCard", "version": "1.3", "body": []},
        }
    ],
}


def exchange(method, path, status=200, body=None, response=None, query=None, ctype=None):
    return {
        "method": method,
        "path": path,
        "query": query or {},
        "content_type": ctype or ("application/json" if body is not None else None),
        "body": body,
        "status": status,
        "response_body": response,
    }


@pytest.fixture(scope="module")
def messaging():
    return load_openapi("webex-messaging.json")


def test_literal_paths_win_over_templates(messaging):
    assert messaging.find_operation("GET", "/v1/people/me").template == "/people/me"
    assert messaging.find_operation("GET", "/v1/people/abc").template == "/people/{personId}"


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        (exchange("GET", "/v1/messages/m1/reactions"), "no such operation"),
        (exchange("PATCH", "/v1/messages/m1"), "no such operation"),
        (exchange("GET", "/v1/messages", query={"max": "2"}), "missing required query"),
        (exchange("GET", "/v1/messages", query={"roomId": "r", "sort": "asc"}), "not in the spec"),
        (exchange("GET", "/v1/messages", query={"roomId": "r", "max": "ten"}), "max"),
        (exchange("GET", "/v1/messages/m1", 418), "status 418 is not documented"),
        (exchange("GET", "/v1/messages/m1", response={**MESSAGE, "roomType": "space"}), "space"),
        (exchange("POST", "/v1/webhooks", body={"name": "x"}), "required property"),
        (exchange("POST", "/v1/messages", body={"roomId": "r"}, ctype="text/plain"), "text/plain"),
        (exchange("DELETE", "/v1/messages/m1", 204, response={"x": 1}), "204 must have no body"),
        (exchange("GET", "/v1/people/me", 401, response={"error": "x"}), "'message' is a required"),
    ],
)
def test_broken_exchanges_are_reported(bad, why):
    with pytest.raises(SpecError, match=why):
        check_exchanges([bad])


def test_known_spec_disagreements_are_accepted():
    fine = [
        exchange("GET", "/v1/messages/m1", response=MESSAGE),  # card wrapper vs spec's File
        exchange("GET", "/v1/people/p1", response={"id": "p1", "invitePending": False}),
        exchange(
            "POST",
            "/v1/attachment/actions",  # the SDK needs 200; the spec says 202
            body={"type": "submit", "messageId": "m1", "inputs": {"choice": "retry"}},
            response={"type": "submit", "messageId": "m1", "inputs": {"choice": "retry"}},
        ),
        exchange("GET", "/v1/contents/c1"),  # real endpoint missing from the spec
        exchange(
            "POST",
            "/v1/messages",
            body={"roomId": "r1", "text": "report", "files": {"filename": "a.csv"}},
            ctype="multipart/form-data",
            response=MESSAGE,
        ),
    ]
    assert check_exchanges(fine) == len(fine)


def test_multipart_fields_must_exist_in_the_json_schema():
    upload = exchange(
        "POST", "/v1/messages", body={"roomId": "r1", "colour": "red"}, ctype="multipart/form-data"
    )
    with pytest.raises(SpecError, match="colour"):
        check_exchanges([upload])


def test_several_specs_at_once():
    subscribers = exchange("GET", "/v1/broadworks/subscribers", response={"items": []})
    with pytest.raises(SpecError, match="no such operation"):
        check_exchanges([subscribers])
    assert check_exchanges([subscribers], spec=["webex-messaging.json", "webex-broadworks.json"])


def test_sdk_cards_validate_and_action_limit_counts_nested_buttons():
    submit = Submit(title="Go")
    nested = AdaptiveCard(body=[ActionSet(actions=[submit, submit])], actions=[submit])
    card = AdaptiveCard(
        body=[TextBlock("Pending"), ActionSet(actions=[OpenUrl(url="https://x.example")])],
        actions=[ShowCard(title="More", card=nested)],
    ).to_dict()
    validate_card(card)
    assert specs.count_card_actions(card) == 5
    card["actions"].append(Submit(title="Sixth").to_dict())
    with pytest.raises(SpecError, match="6 actions"):
        validate_card(card)


@pytest.mark.parametrize(
    ("card", "why"),
    [
        ({"type": "AdaptiveCard", "version": "1.2", "body": []}, "version must be '1.3'"),
        (
            {"type": "AdaptiveCard", "version": "1.3", "actions": [{"type": "Action.Execute"}]},
            "actions/0",
        ),
        ({"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "Table"}]}, "body/0"),
    ],
)
def test_cards_webex_cannot_render_are_rejected(card, why):
    with pytest.raises(SpecError, match=why):
        validate_card(card)


def test_card_attachment_wrapper():
    card = {"type": "AdaptiveCard", "version": "1.3", "body": []}
    assert_webex_card_attachment({"contentType": specs.CARD_CONTENT_TYPE, "content": card})
    with pytest.raises(SpecError, match="contentType"):
        assert_webex_card_attachment({"contentType": "application/json", "content": card})


def test_missing_specs_skip_or_fail(monkeypatch, tmp_path):
    monkeypatch.setenv(specs.SPECS_ENV, str(tmp_path / "nowhere"))
    monkeypatch.delenv(specs.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found"):
        specs.specs_dir()
    monkeypatch.setenv(specs.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="not found"):
        specs.specs_dir()
