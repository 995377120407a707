"""An export Webex can carry: over Webex's file limit it goes zipped, and the stand-in refuses
what Webex would refuse. The limit is lowered here so the demo data crosses it; the defaults
(100 MB on both sides) are checked to agree."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from webexpythonsdk import ApiError

import commands.export
from bot.local.emulator_model import MAX_FILE_BYTES
from onboarding.csv_dialect import header
from onboarding.export import COLUMNS
from tests.support.cli import cli_in
from tests.support.emulator import ADMIN_EMAIL, running_emulator

LIMIT = 6_000  # bytes: the demo data's CSV is several times this, zipped it fits


@pytest.fixture
def ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cli = cli_in(tmp_path, monkeypatch)

    def invoke(text: str, *args: str) -> tuple[int, str]:
        return cli("ask", text, *args)

    return invoke


def test_the_bot_and_the_stand_in_agree_on_webex_file_limit() -> None:
    assert commands.export.MAX_FILE_BYTES == MAX_FILE_BYTES == 100_000_000


def test_the_stand_in_refuses_a_file_over_the_limit_with_400(tmp_path: Path) -> None:
    with running_emulator() as webex:
        webex.emulator.max_file_bytes = LIMIT
        api = webex.sdk()
        fits, too_big = tmp_path / "fits.csv", tmp_path / "too-big.csv"
        fits.write_bytes(b"x" * LIMIT)
        too_big.write_bytes(b"x" * (LIMIT + 1))
        api.messages.create(toPersonEmail=ADMIN_EMAIL, text="fits", files=[str(fits)])
        with pytest.raises(ApiError) as caught:
            api.messages.create(toPersonEmail=ADMIN_EMAIL, text="too big", files=[str(too_big)])
        assert caught.value.status_code == 400
        assert "maximum file size" in caught.value.message


def test_an_export_over_the_limit_goes_zipped_and_webex_takes_it(
    ask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = tmp_path / "exports"
    code, _ = ask("export all", "--files-dir", str(files))
    assert code == 0
    (plain,) = files.glob("*.csv")
    assert plain.stat().st_size > LIMIT  # the premise: unzipped it would not go through
    monkeypatch.setattr(commands.export, "MAX_FILE_BYTES", LIMIT)
    zipped_dir = tmp_path / "zipped"
    code, out = ask("export all", "--files-dir", str(zipped_dir))
    assert code == 0
    (archive,) = zipped_dir.iterdir()  # no CSV left beside the zip
    assert archive.suffix == ".zip" and str(archive) in out
    assert "over the 100 MB Webex accepts for one file" in out and "zip" in out
    with zipfile.ZipFile(archive) as z:
        (name,) = z.namelist()
        text = z.read(name).decode("utf-8-sig")  # the zipped CSV keeps its byte-order mark
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == header("users", COLUMNS, "en")
    assert rows == list(csv.reader(plain.open(encoding="utf-8-sig")))
    with running_emulator() as webex:
        webex.emulator.max_file_bytes = LIMIT
        api = webex.sdk()
        with pytest.raises(ApiError):
            api.messages.create(toPersonEmail=ADMIN_EMAIL, files=[str(plain)])
        sent = api.messages.create(toPersonEmail=ADMIN_EMAIL, files=[str(archive)])
        assert sent.files


def test_the_zipped_note_is_in_czech_too(ask, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(commands.export, "MAX_FILE_BYTES", LIMIT)
    monkeypatch.setenv("ONBOARD_LOCALE", "cs")
    code, out = ask("export all", "--files-dir", str(tmp_path / "cs"))
    assert code == 0
    assert "proto přichází zkomprimovaný jako archiv zip" in out


def test_an_export_too_big_even_zipped_is_refused_in_words(
    ask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commands.export, "MAX_FILE_BYTES", 500)
    files = tmp_path / "none"
    code, out = ask("export all", "--files-dir", str(files))
    assert code == 1
    assert "even zipped" in out and "narrow the filters" in out
    assert not list(files.glob("*"))  # nothing half-made is left to send
