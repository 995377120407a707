"""Hostile bodies at ``POST /webhooks/webex``: unsigned and correctly signed, never a 500.

Budget: ``ONBOARD_FUZZ_EXAMPLES`` examples per property (50 by default, 5000 under ``make fuzz``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import build_bot
from bot.settings import Settings, WebexSettings
from bot.web import MAX_BODY, create_app
from storage.uow import Database
from tests.unit.test_web_intake import StubRuntime

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("ONBOARD_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECRET = "fuzz-webhook-secret"
#: What a hostile body may get: refused, malformed, too large, ignored/accepted/duplicate, or
#: "store failed, deliver again". Never 500.
SIGNED_OK = {200, 400, 413, 503}

_TRICKS = [
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\ufeff",  # byte order mark
    "\u0000",
    "\ud800",  # a lone surrogate (only expressible through a JSON escape)
    "ﬀ",  # a ligature NFKC folds
    "İ",  # lower-cases to two code points
    "🧨",
    "../../etc/passwd",
    "'; DROP TABLE webhook_events; --",
    "<spark-mention>",
]
_STRING = st.one_of(st.text(max_size=40), st.sampled_from(_TRICKS))
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), _STRING)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_STRING, inner, max_size=4)
    ),
    max_leaves=12,
)
_RESOURCES = ["messages", "attachmentActions", "memberships", "rooms", "", "MESSAGES"]
_EVENTS = ["created", "deleted", "updated", ""]


def _field(choices: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(choices), _JSON)


_ENVELOPE = st.fixed_dictionaries(
    {},
    optional={
        "id": _field(["wh-1"]),
        "resource": _field(_RESOURCES),
        "event": _field(_EVENTS),
        "data": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": _field(["m-1", "Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMQ"]),
                    "personId": _JSON,
                    "roomId": _JSON,
                    "personEmail": _JSON,
                },
            ),
            _JSON,
        ),
        "orgId": _JSON,
        "createdBy": _JSON,
        "actorId": _JSON,
        "extra": _JSON,
    },
)


def _signed(body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Spark-Signature": hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest(),
    }


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("fuzz") / "bot.db"
    database = Database.from_url(f"sqlite:///{path}")
    database.upgrade()
    settings_ = Settings(
        webex=WebexSettings(bot_token="fuzz-bot-token", webhook_secret=SECRET),
        files_dir=tmp_path_factory.mktemp("files"),
    )
    bot = build_bot(settings_, db=database, migrate=False, provider=object())  # type: ignore[arg-type]
    app = create_app(bot, runtime=StubRuntime())  # type: ignore[arg-type]
    yield app.test_client()
    database.dispose()


@FUZZ
@given(st.binary(max_size=2048))
def test_unsigned_bodies_are_401(client, body):
    assert client.post("/webhooks/webex", data=body).status_code == 401


@FUZZ
# Any header-encodable text (Latin-1), not only ASCII: a non-ASCII signature once made a 500.
@given(
    st.binary(max_size=2048),
    st.text(
        st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"), max_size=60
    ),
)
def test_a_wrong_signature_is_401(client, body, signature):
    headers = {"X-Spark-Signature": signature}
    assert client.post("/webhooks/webex", data=body, headers=headers).status_code == 401


def test_a_non_ascii_signature_is_401_not_500(client):
    headers = {"X-Spark-Signature": "\x80"}
    assert client.post("/webhooks/webex", data=b"{}", headers=headers).status_code == 401


@FUZZ
@given(st.binary(max_size=4096))
def test_signed_arbitrary_bytes_never_500(client, body):
    assert client.post("/webhooks/webex", data=body, headers=_signed(body)).status_code in SIGNED_OK


@FUZZ
@given(_JSON)
def test_signed_arbitrary_json_never_500(client, value):
    body = _encode(value)
    assert client.post("/webhooks/webex", data=body, headers=_signed(body)).status_code in SIGNED_OK


@FUZZ
@given(_ENVELOPE)
def test_signed_envelopes_with_wrong_types_and_missing_fields_never_500(client, envelope):
    body = _encode(envelope)
    response = client.post("/webhooks/webex", data=body, headers=_signed(body))
    assert response.status_code in SIGNED_OK, response.get_data(as_text=True)
    assert response.is_json


@FUZZ
@given(st.integers(min_value=MAX_BODY - 64, max_value=MAX_BODY * 4), st.sampled_from(_TRICKS))
def test_huge_signed_bodies_are_refused_before_parsing(client, size, trick):
    head = {"resource": "messages", "event": "created", "data": {"id": trick}, "pad": ""}
    body = _encode(head)
    body = body[:-2] + b"x" * max(size - len(body), 0) + body[-2:]
    status = client.post("/webhooks/webex", data=body, headers=_signed(body)).status_code
    assert status == 413 if len(body) > MAX_BODY else status in SIGNED_OK


def test_unknown_resources_are_acknowledged_and_ignored(client):
    for resource in ("memberships", "rooms", "meetings", "recordings"):
        body = _encode({"resource": resource, "event": "created", "data": {"id": "d-1"}})
        response = client.post("/webhooks/webex", data=body, headers=_signed(body))
        assert response.status_code == 200 and response.get_json() == {"status": "ignored"}
