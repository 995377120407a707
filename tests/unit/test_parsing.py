"""Parsing: mentions, tokens, typed arguments, filters, did-you-mean.

The hypothesis fuzzing ("only ParseError, ever") is in ``test_fuzz_parsing.py``, on its budget.
"""

from __future__ import annotations

import pytest

import commands  # noqa: F401  (registers every command)
from commands.parsing import (
    ParseError,
    args_from_inputs,
    convert_email,
    convert_number,
    convert_package,
    convert_state,
    did_you_mean,
    parse,
    parse_filters,
    strip_mention,
    tokenize,
)
from commands.registry import REGISTRY
from onboarding.model import ControlHubState, Package, ProvisioningStatus, StatusGroup

P, E, V = StatusGroup.PENDING, StatusGroup.ERROR, StatusGroup.PROVISIONED


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("status  pending", ["status", "pending"]),
        ('search "Jan Novák"', ["search", "Jan Novák"]),
        ("search 'Jan Novák'", ["search", "Jan Novák"]),
        ("search „Jan Novák“", ["search", "Jan Novák"]),
        ("search “Jan Novák”", ["search", "Jan Novák"]),
        ('search "unbalanced quote', ["search", "unbalanced quote"]),
        ("status O'Brien", ["status", "O'Brien"]),
        ('a"b"', ['a"b"']),
        ('""', [""]),
        ("", []),
        ("   \t\n ", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("Onboard status", "status"),
        ("@Onboard status", "status"),
        ("onboard: help", "help"),
        ("Onboard Bot, status all", "status all"),
        ("Onboarding status", "Onboarding status"),  # a longer word is not the name
        ("status Onboard", "status Onboard"),  # only a leading mention
        ("Onboard", ""),
    ],
)
def test_strip_mention(text, stripped):
    assert strip_mention(text, ("Onboard", "Onboard Bot")) == stripped


def test_command_names_ignore_case_and_spacing():
    spec, _ = parse("  STATUS    Pending ", REGISTRY)
    assert spec.name == "status"
    spec, _ = parse("Template   CHECK acme", REGISTRY)
    assert spec.name == "template check"


def test_empty_message_asks_for_help():
    spec, _ = parse("Onboard", REGISTRY, ("Onboard",))
    assert spec.name == "help"


def test_unknown_command_suggests_the_closest():
    with pytest.raises(ParseError) as err:
        parse("pakage x premium", REGISTRY)
    assert err.value.key == "parse.unknown_command"
    assert err.value.suggestions[0] == "package"


def test_first_word_of_a_two_word_command_suggests_it():
    with pytest.raises(ParseError) as err:
        parse("templat", REGISTRY)
    assert "template check" in err.value.suggestions


def test_too_few_and_too_many_arguments_name_the_command():
    with pytest.raises(ParseError) as err:
        parse("retry 420111", REGISTRY)
    assert err.value.key == "parse.missing"
    assert err.value.command is not None and err.value.command.name == "retry"
    with pytest.raises(ParseError) as err:
        parse("delete a b", REGISTRY)
    assert err.value.key == "parse.too_many"
    assert err.value.params["extra"] == "b"


def test_email_argument_says_what_is_wrong():
    with pytest.raises(ParseError) as err:
        convert_email("not-an-email")
    assert err.value.cause is not None and err.value.cause.key == "email.missing_at"
    assert "@" in err.value.message()
    assert convert_email(" Jana@Example.CZ ") == "Jana@example.cz"


def test_package_choices_and_suggestion():
    assert convert_package("PREMIUM") is Package.PREMIUM
    with pytest.raises(ParseError) as err:
        convert_package("premum")
    assert err.value.suggestions == ("premium",)
    assert err.value.params["valid"] == "softphone, basic, standard, premium"


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("not verified", ControlHubState.NOT_VERIFIED),
        ("Not_Verified", ControlHubState.NOT_VERIFIED),
        ("notverified", ControlHubState.NOT_VERIFIED),
        ("neověřeno", ControlHubState.NOT_VERIFIED),
        ("neovereno", ControlHubState.NOT_VERIFIED),
        ("delayed claim", ControlHubState.DELAYED_CLAIM),
        ("odložený nárok", ControlHubState.DELAYED_CLAIM),
        ("Aktivní", ControlHubState.ACTIVE),
        ("verified", ControlHubState.VERIFIED),
        ("inactive", ControlHubState.INACTIVE),
    ],
)
def test_states_in_english_and_czech(text, state):
    assert convert_state(text) is state


def test_unknown_state_suggests_and_lists_labels():
    with pytest.raises(ParseError) as err:
        convert_state("not verifed")
    assert "Not verified" in err.value.suggestions
    assert "Delayed claim" in err.value.message("en")
    assert "Odložený nárok" in err.value.message("cs")


def test_numbers():
    assert convert_number("15", "days") == 15
    for bad in ("-1", "x", "1.5", "٣", "9999999999"):
        with pytest.raises(ParseError):
            convert_number(bad, "days", minimum=0)
    with pytest.raises(ParseError):
        convert_number("0", "page", minimum=1)


def test_did_you_mean_ignores_case_and_diacritics():
    assert did_you_mean("NEOVERENO", ["Neověřeno", "Ověřeno"])[0] == "Neověřeno"


# --- filters ---------------------------------------------------------------------------------


def test_no_filter_excludes_provisioned():
    flt = parse_filters([])
    assert not flt.query.include_provisioned
    assert ProvisioningStatus.PROVISIONED not in (flt.query.effective_statuses() or ())


def test_pending_means_pending_requests_and_errors():
    assert parse_filters(["pending"]).query.groups == {P, E}
    assert parse_filters(["requests"]).query.groups == {P}
    assert parse_filters(["errors"]).query.groups == {E}
    assert parse_filters(["error"]).query.groups == {E}
    assert parse_filters(["chyby"]).query.groups == {E}


def test_all_and_provisioned_include_provisioned():
    assert parse_filters(["all"]).query.effective_statuses() is None
    flt = parse_filters(["provisioned"])
    assert flt.query.effective_statuses() == {ProvisioningStatus.PROVISIONED}


def test_exact_statuses_and_keywords():
    flt = parse_filters(
        ["pending_email_input", "customer=acme", "package", "Basic", "search", "Jan", "page", "3"]
    )
    q = flt.query
    assert q.statuses == {ProvisioningStatus.PENDING_EMAIL_INPUT}
    assert (q.customer, q.package, q.text, flt.page) == ("acme", Package.BASIC, "Jan", 3)
    assert flt.words == (
        "pending_email_input",
        "customer",
        "acme",
        "package",
        "basic",
        "search",
        "Jan",
    )
    assert flt.single_ref is None


def test_free_words_are_search_text_and_a_lone_word_may_be_a_user():
    flt = parse_filters(["jana@example.cz"])
    assert flt.single_ref == "jana@example.cz"
    assert flt.query.text == "jana@example.cz"
    flt = parse_filters(["Jan", "Novák"])
    assert flt.single_ref is None and flt.query.text == "Jan Novák"


def test_near_miss_of_a_filter_word_is_an_error_with_a_suggestion():
    with pytest.raises(ParseError) as err:
        parse_filters(["pendign"])
    assert err.value.suggestions == ("pending",)
    # a real name that merely looks a bit like a filter word is search text
    assert parse_filters(["Errol"]).query.text == "Errol"


def test_filter_keyword_without_value():
    with pytest.raises(ParseError) as err:
        parse_filters(["customer"])
    assert err.value.key == "parse.filter_value"


def test_words_with_spaces_are_quoted_for_retyping():
    flt = parse_filters(["customer", "Acme Corp"])
    assert flt.words == ("customer", '"Acme Corp"')
    assert parse_filters(tokenize(" ".join(flt.words))).query.customer == "Acme Corp"


# --- card inputs ------------------------------------------------------------------------------


def test_card_inputs_are_validated_like_typed_arguments():
    action = REGISTRY.action("user.retry")
    assert action is not None
    args = args_from_inputs(action.args, {"user": "420111", "email": "a@example.com"})
    assert args.text("email") == "a@example.com"
    with pytest.raises(ParseError) as err:
        args_from_inputs(action.args, {"user": "420111", "email": "nope"})
    assert err.value.key == "parse.bad_email"
    with pytest.raises(ParseError) as err:
        args_from_inputs(action.args, {"user": "420111"})
    assert err.value.key == "parse.missing"


def test_card_variadic_inputs_take_lists_or_words():
    action = REGISTRY.action("user.resend")
    assert action is not None
    assert args_from_inputs(action.args, {"users": ["a@x.cz", "b@x.cz"]}).texts("users") == (
        "a@x.cz",
        "b@x.cz",
    )
    assert args_from_inputs(action.args, {"users": "a@x.cz b@x.cz"}).texts("users") == (
        "a@x.cz",
        "b@x.cz",
    )
