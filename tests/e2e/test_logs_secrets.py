"""Logs over a whole webhook -> reply flow: no token, secret or signature, one correlation id.

Everything is captured at DEBUG: the JSON lines the production formatter writes, the raw log
records before formatting, and whatever reached stdout/stderr. The flow covers a typed command, a
card click, a refused person, a forged webhook and a Webex failure that is retried.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

import tests.integration.test_access_harness  # noqa: F401  (the audit command and its messages)
from bot.events import correlation_id_of
from bot.local.emulator import sign
from bot.logs import JsonFormatter, redact
from bot.settings import AccessSettings
from storage.models import AuditEntryRow
from tests.support.emulator import ADMIN_EMAIL, ADMIN_TOKEN, BOT_TOKEN
from tests.support.http_chat import HttpChat
from tests.support.served_bot import SECRET, serving_bot


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, list[logging.LogRecord]]]:
    """The production JSON formatter's output and the raw records, at DEBUG, from every logger."""
    stream = io.StringIO()
    formatted = logging.StreamHandler(stream)
    formatted.setFormatter(JsonFormatter())
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger()
    keep = Keep(logging.DEBUG)
    old_level = root.level
    root.addHandler(formatted)
    root.addHandler(keep)
    root.setLevel(logging.DEBUG)
    try:
        yield stream, records
    finally:
        root.removeHandler(formatted)
        root.removeHandler(keep)
        root.setLevel(old_level)


def test_a_whole_flow_logs_no_secret_and_one_correlation_id(
    webex, database, tmp_path, captured, capfd
):
    stream, records = captured
    stranger = "sly@example.com"
    webex.emulator.add_person(stranger, "Sly Stranger")
    room = webex.group_room("Ops", stranger)
    access = AccessSettings(admins=(ADMIN_EMAIL,))
    with serving_bot(webex, database, tmp_path, access=access) as served:
        chat = HttpChat(webex, served, room["id"])
        asked = chat.say("status pending").asked
        chat.say("delete someone@example.com", as_=stranger)
        card = {
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [{"type": "TextBlock", "text": "x"}],
            "actions": [
                {"type": "Action.Submit", "title": "go", "data": {"action": "status.list"}}
            ],
        }
        chat.click(chat.post_card(card), {"action": "status.list"})
        webex.emulator.fail_next("POST", r"/v1/messages$", 500)
        chat.say("states")  # answered after one retry
        body = b'{"resource": "messages", "event": "created", "data": {"id": "forged"}}'
        forged_signature = sign("not-the-secret", body)
        assert served.post_signed(body, secret="not-the-secret").status_code == 401
        assert len(served.audit(AuditEntryRow.via.in_(("chat", "card")))) >= 4
        assert [r.status for r in served.outbox()] == ["delivered"] * 4
        signatures = [sign(SECRET, d.body) for d in webex.emulator.deliveries()]
    secrets = {
        "bot token": BOT_TOKEN,
        "webhook secret": SECRET,
        "admin token": ADMIN_TOKEN,
        "a forged signature": forged_signature,
        **{f"signature {i}": s for i, s in enumerate(signatures)},
    }
    lines = stream.getvalue()
    raw = "\n".join(_raw(r) for r in records)
    out, err = capfd.readouterr()
    assert len(records) > 5 and signatures
    for name, value in secrets.items():
        assert value not in lines, f"the {name} is in the JSON log lines"
        assert value not in raw, f"the {name} is in a log record before redaction"
        assert value not in out + err, f"the {name} reached stdout/stderr"

    cid = correlation_id_of(f"messages/created/{asked['id']}")
    tagged = {r.name for r in records if getattr(r, "correlation_id", None) == cid}
    assert {"bot.chain.audit", "bot.delivery"} <= tagged, tagged
    assert f'"correlation_id": "{cid}"' in lines


def _raw(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        text += f" {record.exc_info[1]!r}"
    return text


def test_redact_removes_registered_secrets_and_secret_shaped_values():
    from bot.logs import register_secret

    register_secret("s3cr3t-value-123")
    text = (
        "token=abcdefgh12345 Authorization: Bearer eyJhbGciOi.abc.def "
        "X-Spark-Signature: 0123456789abcdef0123456789abcdef01234567 s3cr3t-value-123"
    )
    clean = redact(text)
    for leaked in ("abcdefgh12345", "eyJhbGciOi", "0123456789abcdef0123", "s3cr3t-value-123"):
        assert leaked not in clean


def test_a_secret_that_json_would_escape_is_still_redacted():
    from bot.logs import register_secret

    secret = 'quote"and\\backslash'
    register_secret(secret)
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "using %s", (secret,), None)
    line = JsonFormatter().format(record)
    assert "quote" not in line and "backslash" not in line
