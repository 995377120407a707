"""``onboard-bot serve`` with a real token and the websocket intake: no secret, no webhook.

The process runs as an operator would start it, against the stand-in (``WEBEX_API_URL`` and
``WEBEX_U2C_URL`` point at it): without ``WEBEX_WEBHOOK_SECRET`` it starts, connects out and
answers; asking for the webhook intake without the secret still refuses to start.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.test_make_run import ONBOARD_BOT, Served, fresh_env
from tests.e2e.websocket_harness import ws_webex
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, BOT_TOKEN, EmulatorHarness

__all__ = ["ws_webex"]
pytestmark = pytest.mark.slow
LISTENING = re.compile(r"listening on (http://\S+)")


def serve_env(webex: EmulatorHarness, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = fresh_env()
    env.update(
        WEBEX_BOT_TOKEN=BOT_TOKEN,
        WEBEX_API_URL=webex.api_url,
        WEBEX_U2C_URL=webex.server.u2c_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        **extra,
    )
    return env


def test_serve_with_the_websocket_intake_needs_no_secret_and_answers(ws_webex, tmp_path):
    if not ONBOARD_BOT.exists():
        pytest.skip(f"{ONBOARD_BOT} is missing")
    room = ws_webex.direct_room()
    process = subprocess.Popen(
        [str(ONBOARD_BOT), "serve", "--port", "0"],
        cwd=tmp_path,
        env=serve_env(ws_webex, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, time.monotonic())
    try:
        url = served.wait_for_line(LISTENING).group(1)
        ws_webex.emulator.wait_for(lambda: ws_webex.server.mercury.connected() == 1, timeout=20)
        ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
        ws_webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL, timeout=20)
        ready = requests.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["intake"]["state"] == "connected"
        assert not [e for e in ws_webex.emulator.exchanges if e.path.startswith("/v1/webhooks")]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)  # about a second when idle; far more on a loaded machine
    assert process.returncode == 0, "\n".join(served.lines)


def test_serve_with_the_webhook_intake_still_needs_the_secret(ws_webex, tmp_path):
    if not ONBOARD_BOT.exists():
        pytest.skip(f"{ONBOARD_BOT} is missing")
    done = subprocess.run(
        [str(ONBOARD_BOT), "serve", "--port", "0"],
        cwd=tmp_path,
        env=serve_env(ws_webex, tmp_path, WEBEX_INTAKE="webhook"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "WEBEX_WEBHOOK_SECRET is not set" in done.stdout + done.stderr
