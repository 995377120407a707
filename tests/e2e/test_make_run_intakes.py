"""``make run`` picks the websocket intake by default, and ``WEBEX_INTAKE=webhook`` still works.

Both run ``onboard-bot serve`` as a newcomer would (empty directory, no token: local mode against
the stand-in), type ``status pending`` in the console, and expect the bot's card reply; /readyz
says which intake carried it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from tests.e2e.test_make_run import (
    CARD_TYPE,
    CONSOLE_LINE,
    fresh_env,
    say_in_group,
    spawn,
    stop,
)

pytestmark = pytest.mark.slow
LISTENING = re.compile(r"listening on (http://\S+)")


@pytest.mark.parametrize("intake", [None, "webhook"])
def test_make_run_answers_in_the_console_over_either_intake(tmp_path: Path, intake: str | None):
    env = fresh_env()
    if intake is not None:
        env["WEBEX_INTAKE"] = intake
    served = spawn(tmp_path, env=env)
    try:
        console = served.wait_for_line(CONSOLE_LINE).group(1)
        bot_url = served.wait_for_line(LISTENING).group(1)
        reply = say_in_group(console, "status pending", served.left())
        assert [a["contentType"] for a in reply["attachments"]] == [CARD_TYPE]
        ready = requests.get(f"{bot_url}/readyz", timeout=10).json()
        if intake is None:
            assert ready["checks"]["intake"]["intake"] == "websocket"
            assert ready["checks"]["intake"]["state"] == "connected"
        else:
            assert ready["checks"]["intake"] == "ok"  # the webhook secret is set
        assert ready["status"] == "ready", ready
    finally:
        stop(served)
