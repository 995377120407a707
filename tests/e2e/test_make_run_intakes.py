"""``make run`` picks the websocket intake by default, and ``WEBEX_INTAKE=webhook`` still works.

Both run ``onboard-bot serve`` as a newcomer would (empty directory, no token: local mode against
the stand-in), type ``status pending`` in the console, and expect the bot's card reply; /readyz
says which intake carried it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.test_make_run import (
    ADMIN,
    CARD_TYPE,
    CONSOLE_LINE,
    GROUP,
    ONBOARD_BOT,
    Served,
    bot_reply,
    fresh_env,
)

pytestmark = pytest.mark.slow
LISTENING = re.compile(r"listening on (http://\S+)")


@pytest.mark.parametrize("intake", [None, "webhook"])
def test_make_run_answers_in_the_console_over_either_intake(tmp_path: Path, intake: str | None):
    if not ONBOARD_BOT.exists():
        pytest.skip(f"{ONBOARD_BOT} is missing: install the project (pip install -e '.[dev]')")
    env = fresh_env()
    if intake is not None:
        env["WEBEX_INTAKE"] = intake
    process = subprocess.Popen(
        [str(ONBOARD_BOT), "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, time.monotonic())
    try:
        console = served.wait_for_line(CONSOLE_LINE).group(1)
        bot_url = served.wait_for_line(LISTENING).group(1)
        rooms = requests.get(f"{console}api/rooms", params={"as": ADMIN}, timeout=5).json()
        (group,) = [r for r in rooms["items"] if r["title"] == GROUP]
        sent = requests.post(
            f"{console}api/rooms/{group['id']}/messages",
            json={"as": ADMIN, "text": "status pending", "mentionBot": True},
            timeout=5,
        )
        assert sent.status_code == 200, sent.text
        reply = bot_reply(console, group["id"], sent.json()["id"], served.left())
        assert [a["contentType"] for a in reply["attachments"]] == [CARD_TYPE]
        ready = requests.get(f"{bot_url}/readyz", timeout=10).json()
        if intake is None:
            assert ready["checks"]["intake"]["intake"] == "websocket"
            assert ready["checks"]["intake"]["state"] == "connected"
        else:
            assert ready["checks"]["intake"] == "ok"  # the webhook secret is set
        assert ready["status"] == "ready", ready
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, "serve did not stop cleanly:\n" + "\n".join(served.lines)
