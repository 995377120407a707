"""Every command example a newcomer is shown runs against the demo data.

The README's ``onboard-bot ask`` lines run through the real CLI on a fresh database, as a fresh
clone would run them; every ``help`` example (the registry's) runs through the bot's dispatch
chain in a space (the chat fixture), as typed in Webex. Each must succeed: exit 0, no error
reply (a destructive one may ask to confirm first).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

import commands  # noqa: F401  (registers every command)
from bot.bootstrap import Bot, build_bot
from bot.cards import render_markdown
from bot.cli import main
from bot.settings import Settings
from commands.registry import REGISTRY
from commands.views import ConfirmView, ErrorView
from onboarding.bulk import Upload
from tests.support.chat import Chat

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: A confirmation code is only ever the one the bot just gave: these examples use that one.
_CODE_EXAMPLES = ("confirm", "cancel")
#: What must exist before an example makes sense (a digest to stop, an action to confirm).
_BEFORE = {
    "digest off": ("digest daily 08:00",),
    "confirm": ("delete petr.cerny@acme-cz.example",),
    "cancel": ("delete petr.cerny@acme-cz.example",),
}
#: What a message of the example carries (``retry file``: the CSV a person attaches).
_ATTACHED = {
    "retry file": Upload(
        "users.csv", "text/csv", b"user;new email\npetr.cerny@acme-cz.example;petr.c@acme.example\n"
    ),
}


def readme_ask_lines() -> list[list[str]]:
    """The arguments after ``onboard-bot ask`` of every such line in README.md's code blocks."""
    out = []
    for block in _FENCE.findall(README.read_text(encoding="utf-8")):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if len(words) > 2 and words[0].endswith("onboard-bot") and words[1] == "ask":
                out.append(words[2:])
    return out


def help_examples() -> list[tuple[str, str]]:
    """Every example of every command, with the command's name."""
    return [(spec.name, example) for spec in REGISTRY.commands() for example in spec.examples]


def test_the_readme_shows_ask_examples() -> None:
    assert len(readme_ask_lines()) >= 3


@pytest.mark.parametrize("args", readme_ask_lines(), ids=lambda a: " ".join(a))
def test_a_readme_example_works_on_a_fresh_clone(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    config = tmp_path / "app.yaml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("ONBOARD_CONFIG", str(config))
    if "--files-dir" in args:
        args = list(args)
        args[args.index("--files-dir") + 1] = str(tmp_path / "exports")
    result = CliRunner().invoke(main, ["ask", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture
def chat_bot(sqlite_database, tmp_path: Path) -> Bot:
    """The bot of ``make run`` on the sandbox provider and its demo data."""
    return build_bot(Settings(files_dir=tmp_path / "files"), db=sqlite_database, migrate=False)


@pytest.mark.parametrize(("name", "example"), help_examples(), ids=lambda x: x)
def test_a_help_example_works_on_the_demo_data(chat: Chat, name: str, example: str) -> None:
    """Each example typed by an admin in a group space with the bot."""
    before = None
    for step in _BEFORE.get(name, ()):
        before = chat.say(step)
        assert before.ok, render_markdown(before.view, "en")
    if name in _CODE_EXAMPLES:
        assert before is not None and isinstance(before.view, ConfirmView)
        example = f"{example.rsplit(' ', 1)[0]} {before.view.code}"
    reply = chat.say(example, file=_ATTACHED.get(name))
    text = render_markdown(reply.view, "en")
    assert reply.ok and not isinstance(reply.view, ErrorView), text


def test_every_command_has_an_example() -> None:
    missing = [spec.name for spec in REGISTRY.commands() if not spec.examples]
    assert missing == []
