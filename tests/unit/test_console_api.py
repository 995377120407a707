"""The local console's JSON API and page, through Flask's test client on a real emulator."""

from __future__ import annotations

import base64
import re
import socket
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.local.console import ConsoleRefused, is_loopback, mount_console
from bot.local.console_markdown import ALLOWED_TAGS, render_markdown, render_plain
from bot.local.console_port import console_socket
from bot.local.demo import BOT_EMAIL, LocalWorld, console_url, setup_local_world
from bot.local.emulator import WebexEmulator
from bot.local.emulator_model import Content

ADMIN = "admin@partner.example"
SUPPORT = "support@partner.example"
CARD = {
    "contentType": "application/vnd.microsoft.card.adaptive",
    "content": {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [{"type": "Input.Text", "id": "email", "isRequired": True}],
        "actions": [{"type": "Action.Submit", "title": "Go", "data": {"action": "go"}}],
    },
}


@pytest.fixture
def emulator() -> Any:
    emulator = WebexEmulator()
    yield emulator
    emulator.close()


@pytest.fixture
def world(emulator: WebexEmulator) -> LocalWorld:
    return setup_local_world(emulator)


@pytest.fixture
def client(emulator: WebexEmulator, world: LocalWorld) -> Any:
    app = emulator.create_app()
    mount_console(emulator, app, host="127.0.0.1")
    return app.test_client()


def bot_posts(emulator: WebexEmulator, world: LocalWorld, room_id: str, **fields: Any) -> dict:
    bot = emulator.authenticate(world.bot_token)
    return emulator.api_create_message(bot, {"roomId": room_id, **fields})


class _Tags(HTMLParser):
    """Collects every tag and attribute of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def assert_only_allowed_markup(fragment: str) -> None:
    parser = _Tags()
    parser.feed(fragment)
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, f"unexpected <{tag}> in {fragment!r}"
        assert set(attrs) <= ALLOWED_TAGS[tag], f"unexpected attributes {attrs} on <{tag}>"
        href = attrs.get("href")
        assert href is None or href.startswith(("http://", "https://", "mailto:")), href


# -- the page and the world -------------------------------------------------------------------


def test_page_says_it_is_local_and_checks_no_tokens(client: Any) -> None:
    page = client.get("/console/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "No Webex tokens are checked" in text
    assert "loopback" in text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/console/static/console.js").status_code == 200
    assert client.get("/console/static/console.css").status_code == 200


def test_setup_local_world_creates_the_bot_people_and_spaces(
    emulator: WebexEmulator, world: LocalWorld
) -> None:
    assert emulator.authenticate(world.bot_token).email == BOT_EMAIL
    assert [(p.email, p.display_name, p.role) for p in world.people] == [
        (ADMIN, "Alice Admin", "admin"),
        (SUPPORT, "Sam Support", "support"),
        ("viewer@partner.example", "Vera Viewer", "viewer"),
    ]
    group = emulator.room(world.group_room_id)
    assert (group["title"], group["type"], len(group["members"])) == ("Onboarding ops", "group", 4)
    for person in world.people:
        direct = emulator.room(person.direct_room_id)
        assert direct["type"] == "direct"
        assert {emulator.person(person.email)["id"], world.bot_id} == set(direct["members"])
    access = world.access_settings()
    assert (access.admins, access.support, access.viewers) == (
        (ADMIN,),
        (SUPPORT,),
        ("viewer@partner.example",),
    )
    assert setup_local_world(WebexEmulator()).bot_token != world.bot_token


def test_console_url_of_a_running_emulator(emulator: WebexEmulator, world: LocalWorld) -> None:
    with emulator.start() as server:
        url = console_url(server)
        assert url == f"http://127.0.0.1:{server.port}/console/"
        from urllib.request import urlopen

        with urlopen(url + "api/people", timeout=5) as response:
            assert response.status == 200


# -- people and rooms ---------------------------------------------------------------------------


def test_people_lists_persons_and_the_bot_apart(client: Any) -> None:
    body = client.get("/console/api/people").get_json()
    assert [p["displayName"] for p in body["items"]] == [
        "Alice Admin",
        "Sam Support",
        "Vera Viewer",
    ]
    assert [p["email"] for p in body["bots"]] == [BOT_EMAIL]


def test_rooms_of_a_person_name_the_direct_space_after_the_other_side(
    client: Any, world: LocalWorld
) -> None:
    rooms = client.get(f"/console/api/rooms?as={SUPPORT}").get_json()["items"]
    assert [(r["title"], r["type"]) for r in rooms] == [
        ("Onboarding ops", "group"),
        ("Onboard Bot", "direct"),
    ]
    assert rooms[1]["id"] == world.person("support").direct_room_id
    assert all(r["hasBot"] for r in rooms)
    assert len(client.get("/console/api/rooms").get_json()["items"]) == 4


def test_unknown_person_is_a_404(client: Any) -> None:
    response = client.get("/console/api/rooms?as=nobody@example.com")
    assert response.status_code == 404
    assert "nobody@example.com" in response.get_json()["message"]


# -- messages -----------------------------------------------------------------------------------


def test_send_mentions_the_bot_in_a_group_and_threads(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    room = world.group_room_id
    sent = client.post(
        f"/console/api/rooms/{room}/messages", json={"as": ADMIN, "text": "status pending"}
    )
    assert sent.status_code == 200
    first = sent.get_json()
    stored = emulator.message(first["id"])
    assert stored is not None
    assert stored["mentionedPeople"] == [world.bot_id]
    assert first["rendered"].startswith('<p><span class="mention">@Onboard Bot</span>')
    reply = client.post(
        f"/console/api/rooms/{room}/messages",
        json={"as": SUPPORT, "text": "me too", "mentionBot": False, "parentId": first["id"]},
    ).get_json()
    assert reply["parentId"] == first["id"]
    assert "mentionedPeople" not in (emulator.message(reply["id"]) or {})


def test_messages_after_an_id_and_the_ids_still_there(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    room = world.person("admin").direct_room_id
    ids = [emulator.send_as(ADMIN, room, f"m{i}")["id"] for i in range(3)]
    everything = client.get(f"/console/api/rooms/{room}/messages").get_json()
    assert [m["text"] for m in everything["items"]] == ["m0", "m1", "m2"]
    assert everything["ids"] == ids
    newer = client.get(f"/console/api/rooms/{room}/messages?after={ids[0]}").get_json()
    assert [m["text"] for m in newer["items"]] == ["m1", "m2"]
    assert (
        client.get(f"/console/api/rooms/{room}/messages?after={ids[2]}").get_json()["items"] == []
    )
    message = everything["items"][0]
    assert message["person"] == {
        "id": emulator.person(ADMIN)["id"],
        "email": ADMIN,
        "displayName": "Alice Admin",
        "isBot": False,
    }
    assert message["created"] and message["parentId"] is None
    assert client.get("/console/api/rooms/nope/messages").status_code == 404


def test_bot_messages_carry_markdown_cards_and_files(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    room = world.person("admin").direct_room_id
    bot_posts(emulator, world, room, markdown="**3** pending", attachments=[CARD])
    bot = emulator.authenticate(world.bot_token)
    upload = Content(id="CSV1", data=b"a,b\n1,2\n", content_type="text/csv", filename="export.csv")
    emulator.api_create_message(bot, {"roomId": room, "text": "export"}, upload)
    items = client.get(f"/console/api/rooms/{room}/messages").get_json()["items"]
    card, file = items
    assert card["rendered"] == "<p><strong>3</strong> pending</p>"
    assert card["person"]["isBot"] is True
    assert card["attachments"] == [CARD]
    (described,) = file["files"]
    assert described["url"].endswith("/contents/CSV1")
    assert (described["name"], described["size"], described["contentType"]) == (
        "export.csv",
        8,
        "text/csv",
    )
    download = client.get(f"/console/api/files/CSV1?as={ADMIN}")
    assert download.data == b"a,b\n1,2\n"
    assert 'filename="export.csv"' in download.headers["Content-Disposition"]
    # Sam isn't in Alice's direct space: the file stays hers.
    assert client.get(f"/console/api/files/CSV1?as={SUPPORT}").status_code == 404


def test_a_person_attaches_a_file_as_webex_carries_it(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    """The console's upload (``make run``: ``retry file`` with a CSV): JSON, the file base64."""
    room = world.person("admin").direct_room_id
    data = "\ufeffuser;new email\r\n420600278947@voip.acme-cz.example;a@b.example".encode()
    file = {"name": "users.csv", "type": "text/csv", "data": base64.b64encode(data).decode()}
    sent = client.post(
        f"/console/api/rooms/{room}/messages",
        json={"as": ADMIN, "text": "retry file", "file": file},
    )
    assert sent.status_code == 200, sent.get_json()
    stored = emulator.message(sent.get_json()["id"])
    assert stored is not None and stored["text"] == "retry file"
    (url,) = stored["files"]
    content_id = url.rsplit("/", 1)[-1]
    assert emulator.content(content_id, person_email=BOT_EMAIL).data == data
    assert sent.get_json()["files"][0]["name"] == "users.csv"
    # A file alone is a message too; data that is not base64 is refused.
    alone = client.post(f"/console/api/rooms/{room}/messages", json={"as": ADMIN, "file": file})
    assert alone.status_code == 200
    bad = {**file, "data": "not base64!"}
    refused = client.post(f"/console/api/rooms/{room}/messages", json={"as": ADMIN, "file": bad})
    assert refused.status_code == 400 and "base64" in refused.get_json()["message"]


def test_send_refuses_empty_text_and_non_members(client: Any, world: LocalWorld) -> None:
    direct = world.person("admin").direct_room_id
    empty = client.post(f"/console/api/rooms/{direct}/messages", json={"as": ADMIN, "text": " "})
    assert empty.status_code == 400
    stranger = client.post(
        f"/console/api/rooms/{direct}/messages", json={"as": SUPPORT, "text": "hi"}
    )
    assert stranger.status_code == 400
    assert "not a member" in stranger.get_json()["message"]
    too_long = client.post(
        f"/console/api/rooms/{direct}/messages", json={"as": ADMIN, "text": "x" * 7440}
    )
    assert too_long.status_code == 400


# -- card clicks ----------------------------------------------------------------------------------


def test_action_clicks_as_the_chosen_person(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    card = bot_posts(emulator, world, world.group_room_id, text="card", attachments=[CARD])
    response = client.post(
        "/console/api/actions",
        json={"as": SUPPORT, "messageId": card["id"], "inputs": {"email": "a@b.c", "action": "go"}},
    )
    assert response.status_code == 200
    action = emulator.action(response.get_json()["id"])
    assert action is not None
    assert action["personId"] == emulator.person(SUPPORT)["id"]
    assert action["inputs"] == {"email": "a@b.c", "action": "go"}


def test_action_errors_are_json(client: Any, emulator: WebexEmulator, world: LocalWorld) -> None:
    plain = emulator.send_as(ADMIN, world.group_room_id, "no card")
    no_card = client.post(
        "/console/api/actions", json={"as": ADMIN, "messageId": plain["id"], "inputs": {}}
    )
    assert no_card.status_code == 400
    assert "no card" in no_card.get_json()["message"]
    bad_inputs = client.post(
        "/console/api/actions", json={"as": ADMIN, "messageId": plain["id"], "inputs": [1]}
    )
    assert bad_inputs.status_code == 400
    missing = client.post("/console/api/actions", json={"messageId": plain["id"]})
    assert missing.status_code == 400


# -- loopback only --------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.com", "::", ""])
def test_mount_refuses_hosts_other_than_loopback(emulator: WebexEmulator, host: str) -> None:
    app = Flask("x")
    with pytest.raises(ConsoleRefused):
        mount_console(emulator, app, host=host)
    assert "console" not in app.blueprints


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("::1", True),
        ("[::1]:8080", True),
        ("localhost", True),
        ("localhost:5000", True),
        ("0.0.0.0", False),
        ("10.0.0.1:80", False),
        ("localhost.evil.example", False),
        (None, False),
    ],
)
def test_is_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_emulator_on_a_public_host_serves_no_console() -> None:
    emulator = WebexEmulator()
    with emulator.start(host="0.0.0.0") as server:
        assert "console" not in server._server.app.blueprints  # type: ignore[attr-defined]
    with emulator.start() as server:
        assert "console" in server._server.app.blueprints  # type: ignore[attr-defined]


def test_requests_from_other_machines_or_rebound_names_are_refused(client: Any) -> None:
    remote = client.get("/console/api/people", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 403
    rebound = client.get("/console/api/people", headers={"Host": "attacker.example"})
    assert rebound.status_code == 403
    assert client.get("/console/api/people", headers={"Host": "127.0.0.1:9"}).status_code == 200


def test_posts_must_be_json(client: Any, world: LocalWorld) -> None:
    # A cross-site form post can't set a JSON content type without a CORS preflight.
    form = client.post(
        f"/console/api/rooms/{world.group_room_id}/messages",
        data={"as": ADMIN, "text": "hi"},
    )
    assert form.status_code == 415


def test_console_traffic_stays_out_of_the_webex_request_log(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    emulator.fail_next("*", "messages", 500)
    client.get(f"/console/api/rooms/{world.group_room_id}/messages")
    client.get("/console/")
    assert emulator.exchanges == []
    assert len(emulator.faults.pending) == 1  # the fault still waits for a Webex call


# -- never raw HTML -------------------------------------------------------------------------------

NASTY = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '[x](https://ok.example/" onmouseover="alert(1))',
    "**<b>bold</b>** _<i>it</i>_ `<code>` ~~<s>~~",
    "```\n</code></pre><script>x</script>\n```",
    "> <iframe src=//evil>\n- <svg onload=alert(1)>\n1. <a href=x>",
    "<@personEmail:x@y.z|<b>Eve</b>> hi",
    "https://ok.example/<script>",
    "\x00<script>\x00",
]


@pytest.mark.parametrize("text", NASTY)
def test_markdown_never_passes_raw_html(text: str) -> None:
    for rendered in (render_markdown(text), render_plain(text)):
        assert_only_allowed_markup(rendered)
        assert "<script" not in rendered and "<img" not in rendered


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'&=/*_`[]()#->~\\|@: \nabcjs1.")), max_size=80))
def test_markdown_of_anything_has_only_allowed_markup(text: str) -> None:
    assert_only_allowed_markup(render_markdown(text))
    assert_only_allowed_markup(render_plain(text))


def test_markdown_renders_what_webex_renders() -> None:
    rendered = render_markdown(
        "**bold** *it* _also_ `co*de*` snake_case\n"
        "```\nline <1>\n```\n"
        "- one\n- two\n  - nested\n1. first\n"
        "[docs](https://example.com/a?b=1&c=2) <@personEmail:a@b.c|Ann>"
    )
    assert "<strong>bold</strong> <em>it</em> <em>also</em> <code>co*de*</code> snake_case" in (
        rendered
    )
    assert "<pre><code>line &lt;1&gt;</code></pre>" in rendered
    assert "<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul><ol><li>first</li></ol>" in (
        rendered
    )
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer"' in rendered
    assert '<span class="mention" title="a@b.c">@Ann</span>' in rendered


def test_html_sent_by_the_bot_shows_as_text(
    client: Any, emulator: WebexEmulator, world: LocalWorld
) -> None:
    room = world.person("admin").direct_room_id
    bot_posts(emulator, world, room, markdown='<img src=x onerror="alert(1)"> **hi**')
    emulator.send_as(ADMIN, room, "<script>alert(2)</script>")
    for message in client.get(f"/console/api/rooms/{room}/messages").get_json()["items"]:
        assert_only_allowed_markup(message["rendered"])
        assert "&lt;" in message["rendered"]


def test_the_default_console_port_falls_back_to_a_free_one_when_taken() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        bound = console_socket(None, default=taken)  # as `serve` without --console-port
        try:
            assert bound.taken == taken and bound.sock.getsockname()[1] != taken
        finally:
            bound.sock.close()
    bound = console_socket(None, default=taken)  # free again: the same port as before
    try:
        assert bound.taken is None and bound.sock.getsockname()[1] == taken
        emulator = WebexEmulator()
        server = emulator.start(sock=bound.sock)
        try:
            assert server.port == taken and console_url(server).endswith(f":{taken}/console/")
        finally:
            server.stop()
    finally:
        bound.sock.close()


def test_the_page_loads_the_vendored_card_renderer_and_nothing_from_elsewhere(client: Any) -> None:
    page = client.get("/console/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["static/adaptivecards.min.js", "static/cards_host.js", "static/console.js"]
    renderer = client.get("/console/static/adaptivecards.min.js")
    assert renderer.status_code == 200 and renderer.headers["X-Content-Type-Options"] == "nosniff"
    assert b"AdaptiveCards" in renderer.data[:2000]
    notice = client.get("/console/static/adaptivecards.LICENSE.txt").get_data(as_text=True)
    assert notice.startswith("adaptivecards 3.0.6") and "MIT License" in notice
