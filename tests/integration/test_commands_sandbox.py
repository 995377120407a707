"""A few transcripts over the real sandbox provider and its demo data, through ``chat``."""

from __future__ import annotations

import pytest

from tests.support.chat import Chat


def test_status_pending_over_the_sandbox_has_no_provisioned_user(chat: Chat):
    said = chat.say("status pending")
    assert said.ok and "🔴" in said.markdown and "🟡" in said.markdown
    assert "🟢" not in said.markdown
    everyone = chat.say("status all").view
    assert everyone.page.total > said.view.page.total  # type: ignore[union-attr]
    assert "🟢" in chat.say("status provisioned").markdown


def test_export_all_over_the_sandbox(chat: Chat):
    said = chat.say("export all")
    assert said.reply.file is not None
    lines = said.reply.file.path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("broadworks_id,email,first_name")
    assert len(lines) > 10


@pytest.mark.parametrize("locale", ["en", "cs"])
def test_overviews_over_the_sandbox(chat: Chat, locale: str):
    for text in ("templates", "states", "stuck", "status errors", "help"):
        said = chat.say(text)
        md = said.markdown_in(locale)
        assert said.ok and len(md.encode("utf-8")) <= 7439, text
