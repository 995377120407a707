"""Several ``serve`` processes on one database: one holds the websocket, the others stand by.

Each bot here has its own runtime, intake and leadership object, as separate processes would;
they share the database (SQLite: a lease in the locks table; PostgreSQL: an advisory lock).
"""

from __future__ import annotations

from contextlib import ExitStack

from tests.e2e.websocket_harness import serving_websocket_bot, ws_webex
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, eventually

__all__ = ["ws_webex"]


def test_one_process_leads_and_another_takes_over_when_it_stops(ws_webex, database, tmp_path):
    room = ws_webex.direct_room()
    mercury = ws_webex.server.mercury

    def answers() -> int:
        return len(ws_webex.emulator.messages_in(room["id"], person_email=BOT_EMAIL))

    with ExitStack() as first_process:
        leader = first_process.enter_context(
            serving_websocket_bot(ws_webex, database, tmp_path / "a", lead=True)
        )
        with serving_websocket_bot(
            ws_webex, database, tmp_path / "b", lead=True, connect=False
        ) as follower:
            assert leader.intake is not None and follower.intake is not None
            eventually(lambda: follower.intake.status.state == "standby", timeout=10)
            assert mercury.connected() == 1  # one socket for the two processes
            assert follower.ready().json()["status"] == "ready"  # standing by is no failure
            ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
            eventually(lambda: answers() == 1, timeout=15)

            first_process.close()  # the leader stops; its lease is given up
            while_handing_over = ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
            follower.wait_connected(timeout=15)
            eventually(lambda: answers() == 2, timeout=15)
            keys = sorted(e.event_key for e in follower.events())
            assert f"messages/created/{while_handing_over['id']}" in keys  # from the backfill
            assert len(keys) == 2  # and the first message was not answered again
    assert answers() == 2
