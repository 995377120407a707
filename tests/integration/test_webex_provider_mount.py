"""The admin stand-in mounted on the messaging emulator: one WEBEX_API_URL serves both."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from bot.local.admin_api import AdminApiState, mount_on, seed_demo
from bot.local.emulator import WebexEmulator
from onboarding.clock import ManualClock
from onboarding.providers.webex import StaticToken, WebexProvider
from storage.uow import Database


@pytest.fixture
def shared(clock: ManualClock) -> Iterator[tuple[str, WebexEmulator, AdminApiState]]:
    emulator = WebexEmulator()
    emulator.add_bot("Onboard", "onboard@webex.bot", token="bot-token")
    admin = AdminApiState(clock=clock.now)
    seed_demo(admin)
    admin.add_token("admin-token")
    app = mount_on(emulator.create_app(), admin)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/", emulator, admin
    finally:
        server.shutdown()
        server.server_close()
        emulator.close()


def test_admin_and_messaging_share_one_url(
    shared: tuple[str, WebexEmulator, AdminApiState], sqlite_database: Database, clock: ManualClock
) -> None:
    url, emulator, admin = shared
    provider = WebexProvider(
        sqlite_database, clock, api_url=url, token_source=StaticToken("admin-token")
    )
    provider.refresh()
    with sqlite_database.uow() as uow:
        assert uow.subscribers.count() == len(admin.subscribers)
        assert len(uow.org_users.in_states(None)) == len(admin.people)
    # The bot's token still reaches the messaging emulator's own /people/me.
    me = requests.get(url + "people/me", headers={"Authorization": "Bearer bot-token"}, timeout=5)
    assert me.status_code == 200 and me.json()["emails"] == ["onboard@webex.bot"]
    assert all(
        e.path.startswith(("/v1/broadworks", "/v1/people", "/v1/identity")) for e in admin.exchanges
    )
    assert [e.path for e in emulator.exchanges] == ["/v1/people/me"]
