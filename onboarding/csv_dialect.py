"""How the bot writes a CSV file for people's tools: one dialect for every export.

- **Encoding**: UTF-8 with a byte-order mark by default, so Excel (a Czech Windows one too)
  reads "Veselá" and not "VeselÃ¡"; ``plain`` gives bare UTF-8 for scripts.
- **Headers**: in the reader's language (``csv.<table>.<column>`` in the catalog); ``plain``
  gives the stable machine names (the column ids), which never change with the language.
- **Formula injection**: one rule for every cell a person or a provider wrote (OWASP "CSV
  injection"): a cell that a spreadsheet would run as a formula gets a leading ``'``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

from i18n import t

BOM = "\ufeff"
# RFC 4180's line end. It also makes the writer quote a lone "\r" inside a cell, which a bare
# "\n" line end leaves unquoted, so that a reader splits the record there.
LINE_END = "\r\n"

# A spreadsheet runs a cell starting with one of these as a formula (or a DDE command).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RISKY_FIRST = frozenset("".join(_FORMULA_START))
#: The first characters that make a cell worth a look by :func:`safe_cell` (for loops that
#: decide the usual case inline, such as the subscriber export).
RISKY_FIRST = _RISKY_FIRST
# ... except a plain signed number, "+420 600 278 947" or "-1", or a BroadWorks ID made of one
# ("+420123456789@bw.example"): with no operator, parenthesis or pipe, nothing there can run,
# and scripts get the ID exactly as Webex has it.
_SIGNED_NUMBER = re.compile(r"[+-][\d .]*\d(@[A-Za-z0-9.-]+)?")


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    if not text or text[0] not in _RISKY_FIRST:
        return text  # the usual case, decided on one character (exports run this per cell)
    if not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def encoding(*, plain: bool = False) -> str:
    """The encoding to open an export file with (``utf-8-sig`` writes the byte-order mark)."""
    return "utf-8" if plain else "utf-8-sig"


def writer(out: TextIO, *, bom: bool = False) -> Any:
    """A CSV writer on ``out`` in the dialect; ``bom`` writes the byte-order mark first (for a
    stream, such as standard output, that was not opened with :func:`encoding`)."""
    if bom:
        out.write(BOM)
    return csv.writer(out, lineterminator=LINE_END)


def header(table: str, columns: Sequence[str], locale: str | None) -> list[str]:
    """The header row: the columns named in ``locale``, or their machine names when None."""
    if locale is None:
        return list(columns)
    return [t(f"csv.{table}.{column}", locale) for column in columns]


def read_rows(data: bytes) -> list[list[str]]:
    """The records of a CSV file a person made: UTF-8 with or without a byte-order mark,
    ``,`` or ``;`` between cells (a Czech Excel writes ``;``), blank lines skipped.

    Raises ``UnicodeDecodeError`` for a file that is not UTF-8 and ``csv.Error`` for one that
    is not CSV at all (the caller words both for the person).
    """
    text = data.decode("utf-8-sig")
    if "\x00" in text:
        raise csv.Error("a NUL byte: not a text file")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    # The separator is the one the first record uses outside quotes: ";" when it has one and
    # no ",", else ",". The csv module's Sniffer guesses wrong on two-column files.
    unquoted = re.sub(r'"[^"]*"', "", first)
    delimiter = ";" if unquoted.count(";") > unquoted.count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    return [
        [cell.strip() for cell in record] for record in reader if any(c.strip() for c in record)
    ]
