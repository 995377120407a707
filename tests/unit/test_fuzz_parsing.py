"""Properties of parsing and escaping: typed text, filters and card inputs raise only ParseError.

Round trips (a word quoted for retyping comes back as that word), mentions stripped only at the
front, the audit command's filter, and the markdown helpers that keep provider data literal.
Budget: ``ONBOARD_FUZZ_EXAMPLES`` examples per property (50 by default).
"""

from __future__ import annotations

import contextlib
import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tests.integration.test_access_harness  # noqa: F401  (the audit command and its messages)
from bot.cards._md import code, esc
from commands.audit import MAX_DAYS, parse_filter
from commands.parsing import (
    ParseError,
    args_from_inputs,
    parse,
    parse_filters,
    quote,
    strip_mention,
    tokenize,
)
from commands.registry import REGISTRY

pytestmark = pytest.mark.fuzz

FUZZ = settings(max_examples=int(os.environ.get("ONBOARD_FUZZ_EXAMPLES", "50")), deadline=None)

_SPECIAL = "\\`*_[]<>~|#"
_HOSTILE = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["`", "``", "**", "_", "<@all>", "[a](http://x.y)", "www.x.cz", "\n", " "]),
        max_size=10,
    ).map("".join),
)


@FUZZ
@given(st.text(min_size=1, max_size=40).filter(lambda w: w.strip() and '"' not in w))
def test_a_quoted_word_tokenizes_back_to_itself(word):
    # quote() is how the bot writes a filter back for retyping ("did you mean", page links)
    assert tokenize(quote(word)) == [word]


@FUZZ
@given(st.text(max_size=80), st.lists(st.text(max_size=20), max_size=3))
def test_strip_mention_only_ever_removes_a_prefix(text, names):
    stripped = strip_mention(text, names)
    assert text.strip().endswith(stripped)


@FUZZ
@given(st.text(max_size=80), st.emails())
def test_the_audit_filter_raises_only_parse_errors(words, me):
    with contextlib.suppress(ParseError):
        flt = parse_filter(words, me)
        assert 1 <= flt.days <= MAX_DAYS
        assert flt.who is None or flt.who == flt.who.lower()


@FUZZ
@given(_HOSTILE)
def test_esc_leaves_no_markdown_special_unescaped_and_no_line_break(text):
    out = esc(text)
    assert "\n" not in out
    unescaped = re.sub(r"\\.", "", out, flags=re.S)
    assert not any(c in unescaped for c in _SPECIAL)
    assert "://" not in out and "www." not in out.lower()


@FUZZ
@given(_HOSTILE)
def test_code_is_one_span_with_a_fence_longer_than_any_backtick_run(text):
    out = code(text)
    if out == "—":
        assert not " ".join(text.split())
        return
    fence = re.match(r"`+", out).group(0)
    assert out.endswith(fence) and "\n" not in out
    inner = out[len(fence) : -len(fence)]
    assert all(len(run) < len(fence) for run in re.findall(r"`+", inner))


# --- fuzzing: nothing but ParseError, ever ----------------------------------------------------

_CHARS = list("abcdefgh @=\"'„“”‘’«»`*_<>[]()\\\n\t-.,:0123456789ěščřžýáíéúů")
_WORDS = ["status", "retry", "customer", "package", "page", "search", "all", "explain"]
_ALPHABET = st.sampled_from([*_CHARS, *_WORDS])
_PARSE_TEXT = st.one_of(st.text(), st.lists(_ALPHABET, max_size=20).map("".join))


@FUZZ
@given(_PARSE_TEXT)
def test_parse_raises_only_parse_errors(text):
    with contextlib.suppress(ParseError):
        parse(text, REGISTRY, ("Onboard", "Onboard Bot"))


@FUZZ
@given(st.lists(_PARSE_TEXT, max_size=6))
def test_filters_raise_only_parse_errors(tokens):
    with contextlib.suppress(ParseError):
        parse_filters(tokens)


@FUZZ
@given(
    st.sampled_from(sorted(a.name for a in REGISTRY.actions())),
    st.dictionaries(
        st.sampled_from(["user", "email", "package", "code", "users", "state", "filters", "x"]),
        st.one_of(_PARSE_TEXT, st.lists(_PARSE_TEXT, max_size=3), st.none(), st.integers()),
    ),
)
def test_card_inputs_raise_only_parse_errors(name, inputs):
    action = REGISTRY.action(name)
    assert action is not None
    with contextlib.suppress(ParseError):
        args_from_inputs(action.args, inputs)
