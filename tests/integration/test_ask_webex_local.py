"""Local mode with the real provider: ``ONBOARD_PROVIDER=webex`` and no ``WEBEX_BOT_TOKEN``.

``serve`` then starts one stand-in serving the messaging and the admin APIs, seeds it, and points
the Webex provider at it with the stand-in's admin token and the local world's roles.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.bootstrap import build_bot
from bot.cli_serve import LocalWebex
from bot.settings import load_settings
from onboarding.providers.webex import WebexProvider
from storage.uow import Database
from tests.support.chat import Chat


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalWebex]:
    config = tmp_path / "app.yaml"
    # A production configuration: none of it may reach the stand-in.
    config.write_text(
        "webex:\n  org_id: real-org\noauth:\n  client_id: c\n  client_secret: s\n"
        "  refresh_token: r\n",
        encoding="utf-8",
    )
    settings = load_settings(
        config, env={"ONBOARD_PROVIDER": "webex", "WEBEX_ADMIN_TOKEN": "real-admin-token"}
    )
    assert settings.local_mode
    started = LocalWebex(settings)
    try:
        yield started
    finally:
        started.stop()


def test_local_webex_points_the_provider_at_the_one_stand_in(
    local: LocalWebex, sqlite_database: Database
) -> None:
    settings = local.settings
    assert local.admin is not None and local.admin.subscribers and local.admin.people
    assert settings.webex.admin_token is not None
    assert settings.webex.admin_token.get_secret_value() == local.admin_token != "real-admin-token"
    assert settings.oauth is None and settings.webex.org_id is None
    assert settings.access == local.world.access_settings()
    assert settings.webex.api_url == local.server.api_url

    bot = build_bot(settings, db=sqlite_database, migrate=False)
    assert isinstance(bot.provider, WebexProvider)
    admin_email = local.world.person("admin").email
    cli = Chat(bot, who=admin_email, via="cli", space=None, org=None)  # as `onboard-bot ask`
    said = cli.say("status errors")
    assert said.ok
    errors = [s for s in local.admin.subscribers.values() if s["status"] == "error"]
    assert f"— {len(errors)} found" in said.markdown_in("en")
    assert f"({len(local.admin.people)} users)" in cli.say("states").markdown_in("en")
    # The bot's own token still reaches the messaging API on the same address.
    me = requests.get(
        settings.webex.api_url + "people/me",
        headers={"Authorization": f"Bearer {local.world.bot_token}"},
        timeout=5,
    )
    assert me.json()["emails"] == [local.world.bot_email]


def test_sandbox_local_mode_has_no_admin_stand_in(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("", encoding="utf-8")
    local = LocalWebex(load_settings(tmp_path / "app.yaml", env={}))
    try:
        assert local.admin is None and local.settings.webex.admin_token is None
        answer = requests.get(
            local.server.api_url + "broadworks/subscribers",
            headers={"Authorization": f"Bearer {local.admin_token}"},
            timeout=5,
        )
        assert answer.status_code != 200
    finally:
        local.stop()


def _wait_for(predicate: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def test_serve_in_local_mode_answers_from_the_seeded_stand_in(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text("", encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WEBEX_", "ONBOARD_")) and k != "DATABASE_URL"
    }
    env.update(
        ONBOARD_PROVIDER="webex",
        ONBOARD_CONFIG=str(tmp_path / "app.yaml"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "serve.log").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [
            *(sys.executable, "-c", "from bot.cli import main; main()"),
            *("serve", "--port", "0", "--console-port", "0"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def console() -> str | None:
            text = (tmp_path / "serve.log").read_text(encoding="utf-8")
            assert process.poll() is None, text
            found = re.search(r"open the console at (\S+)", text)
            return found.group(1) if found and "listening on" in text else None

        url = _wait_for(console, 30, "serve to start")
        rooms = requests.get(url + "api/rooms", params={"as": "admin@partner.example"}, timeout=5)
        room = next(r for r in rooms.json()["items"] if r["type"] == "direct")
        sent = requests.post(
            url + f"api/rooms/{room['id']}/messages",
            json={"as": "admin@partner.example", "text": "status errors"},
            timeout=5,
        ).json()

        def reply() -> str | None:
            items = requests.get(
                url + f"api/rooms/{room['id']}/messages", params={"after": sent["id"]}, timeout=5
            ).json()["items"]
            texts = [str(m.get("markdown") or m.get("text") or "") for m in items]
            return next((t for t in texts if "found" in t), None)

        answer = _wait_for(reply, 30, "the bot's reply")
        assert "🔴" in answer and "Data as of" in answer
    finally:
        process.terminate()
        process.wait(10)
        log.close()
