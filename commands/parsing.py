"""From a chat message to a command and typed arguments.

Mention stripping, shell-like tokenizing that survives unbalanced quotes, typed argument conversion
and "did you mean". For any input string the only exception raised here is ``ParseError``.

The filter language of ``status`` and ``export``: ``pending``, ``errors``/``error``,
``provisioned``, ``all``, any exact API status, ``customer <id>`` or ``customer=<id>``,
``package <p>``, ``search <text>``, ``page <n>``; any other word is search text. Provisioned
users are left out unless ``all`` or ``provisioned`` is given (Partner Hub's *Exclude provisioned
users*, on by default).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from commands.registry import ArgKind, ArgSpec, CommandSpec, Registry
from commands.views import Label, Msg
from i18n import DEFAULT_LOCALE, t
from i18n.words import fold, has_diacritics
from onboarding.emails import normalise_email
from onboarding.errors import InvalidInput, OnboardingError
from onboarding.model import ControlHubState, Package, ProvisioningStatus, StatusGroup
from onboarding.queries import SubscriberQuery

T = TypeVar("T")
ALL = "all"
MAX_CODE_LENGTH = 40

# Each opening quote and the characters that may close it (Czech writes „…“, English “…”).
_QUOTES: Mapping[str, str] = {
    '"': '"',
    "'": "'",
    "„": '“”"',
    "“": '”“"',
    "‚": "‘’'",
    "‘": "’'",
    "«": "»",
}


class ParseError(InvalidInput):
    """The message could not be understood; says what is wrong and what was probably meant."""

    key = "parse.error"

    def __init__(
        self,
        key: str,
        /,
        *,
        suggestions: Sequence[str] = (),
        command: CommandSpec | None = None,
        cause: OnboardingError | None = None,
        **params: object,
    ) -> None:
        self.suggestions = tuple(suggestions)
        self.command = command
        self.cause = cause
        super().__init__(key, **params)

    @property
    def messages(self) -> tuple[Msg, ...]:
        """The error and, if any, its cause, as catalog messages."""
        out = [Msg(self.key, self.params)]
        if self.cause is not None:
            out.append(Msg(self.cause.key, self.cause.params))
        return tuple(out)

    def message(self, locale: str = DEFAULT_LOCALE) -> str:
        """The error worded in ``locale`` (plain text, for logs and the CLI)."""
        return " ".join(t(m.key, locale, **plain_params(m.params, locale)) for m in self.messages)


_STATUS_VALUES = frozenset(s.value for s in ProvisioningStatus)
_PACKAGE_VALUES = frozenset(p.value for p in Package)


def plain_params(params: Mapping[str, object], locale: str) -> dict[str, object]:
    """``params`` with every ``Label`` (or tuple of them) worded in ``locale``."""
    return {k: _plain(v, locale) for k, v in params.items()}


def _plain(value: object, locale: str) -> object:
    if isinstance(value, Label):
        return t(value.key, locale, **plain_params(value.params, locale))
    if isinstance(value, tuple):
        return ", ".join(str(_plain(v, locale)) for v in value)
    return value


# --- text -> tokens ----------------------------------------------------------------------------


def strip_mention(text: str, bot_names: Iterable[str] = ()) -> str:
    """``text`` without a leading bot name or ``@name`` (and a ``:`` or ``,`` after it)."""
    rest = text.strip()
    for name in sorted((n.strip() for n in bot_names if n.strip()), key=len, reverse=True):
        for candidate in (f"@{name}", name):
            head = rest[: len(candidate)]
            tail = rest[len(candidate) :]
            if head.lower() == candidate.lower() and (not tail or tail[0] in " \t\n:,\u00a0"):
                return tail.lstrip(" \t\n:,\u00a0")
    return rest


def tokenize(text: str) -> list[str]:
    """Split like a shell: quotes group words; an unbalanced quote runs to the end of the text.

    A quote opens a group only at the start of a word, so ``O'Brien`` stays one word.
    """
    tokens: list[str] = []
    current: list[str] = []
    in_token = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
            i += 1
            continue
        if ch in _QUOTES and not in_token:
            closers = _QUOTES[ch]
            end = next((j for j in range(i + 1, len(text)) if text[j] in closers), len(text))
            current.append(text[i + 1 : end])
            in_token = True
            i = end + 1
            continue
        current.append(ch)
        in_token = True
        i += 1
    if in_token:
        tokens.append("".join(current))
    return tokens


# --- choices and did-you-mean ------------------------------------------------------------------


def _closeness(word: str, choices: Iterable[str]) -> float:
    folded = fold(word)
    return max((difflib.SequenceMatcher(None, folded, fold(c)).ratio() for c in choices), default=0)


def typed_czech(word: str, english: Iterable[str], czech: Iterable[str]) -> bool:
    """Did ``word`` look Czech: diacritics, or closer to a Czech choice than to any English one."""
    if has_diacritics(word):
        return True
    return _closeness(word, czech) > _closeness(word, english)


def in_typed_language(
    word: str, english: Sequence[str], czech: Sequence[str], *, n: int = 3
) -> tuple[str, ...]:
    """``did_you_mean`` among the choices of the language ``word`` was typed in."""
    return did_you_mean(word, czech if typed_czech(word, english, czech) else english, n=n)


def did_you_mean(word: str, choices: Iterable[str], *, n: int = 3) -> tuple[str, ...]:
    """The choices closest to ``word`` (diacritics and case ignored), best first."""
    by_fold: dict[str, str] = {}
    for choice in choices:
        by_fold.setdefault(fold(choice), choice)
    matches = difflib.get_close_matches(fold(word), list(by_fold), n=n, cutoff=0.6)
    return tuple(dict.fromkeys(by_fold[m] for m in matches))


_P, _E, _V = StatusGroup.PENDING, StatusGroup.ERROR, StatusGroup.PROVISIONED
# "pending" is everything not yet provisioned, pending requests and errors alike: what Partner
# Hub shows with *Exclude provisioned users*. "requests" narrows to pending requests only.
#: Status group words (English and Czech, folded) and the groups each stands for.
GROUP_WORDS: Mapping[str, frozenset[StatusGroup]] = {
    "pending": frozenset({_P, _E}),
    "requests": frozenset({_P}),
    "error": frozenset({_E}),
    "errors": frozenset({_E}),
    "failed": frozenset({_E}),
    "provisioned": frozenset({_V}),
    # Czech, as Partner Hub labels the groups (typed with or without diacritics)
    "nevyrizene": frozenset({_P, _E}),
    "nevyrizeny": frozenset({_P}),
    "pozadavky": frozenset({_P}),
    "chyba": frozenset({_E}),
    "chyby": frozenset({_E}),
    "zrizen": frozenset({_V}),
    "zrizene": frozenset({_V}),
}
_ALL_WORDS = frozenset({"all", "vse", "vsechny", "vsichni"})
_STATUS_CHOICES = (
    "pending",
    "requests",
    "errors",
    "provisioned",
    ALL,
    *(s.value for s in ProvisioningStatus if s.value not in ("provisioned", "error")),
)

StatusChoice = frozenset[StatusGroup] | ProvisioningStatus | str


def convert_status(token: str, arg: str = "status") -> StatusChoice:
    """Status groups (a word may stand for two), an exact API status, or ``"all"``."""
    word = fold(token)
    if word in _ALL_WORDS:
        return ALL
    if word in GROUP_WORDS:
        return GROUP_WORDS[word]
    underscored = word.replace(" ", "_")
    if underscored in _STATUS_VALUES:
        return ProvisioningStatus(underscored)
    raise ParseError(
        "parse.bad_choice",
        suggestions=did_you_mean(token, _STATUS_CHOICES),
        arg=Label(f"arg.{arg}"),
        value=token,
        valid=", ".join(_STATUS_CHOICES),
    )


def convert_package(token: str, arg: str = "package") -> Package:
    """A package by name, case-insensitive."""
    folded = fold(token)
    if folded in _PACKAGE_VALUES:
        return Package(folded)
    valid = tuple(p.value for p in Package)
    raise ParseError(
        "parse.bad_choice",
        suggestions=did_you_mean(token, valid),
        arg=Label(f"arg.{arg}"),
        value=token,
        valid=", ".join(valid),
    )


def _state_names() -> dict[str, ControlHubState]:
    """Every state's value and English and Czech label, folded and without spaces."""
    names: dict[str, ControlHubState] = {}
    for state in ControlHubState:
        for name in (state.value, t(f"state.{state.value}", "en"), t(f"state.{state.value}", "cs")):
            names[fold(name).replace(" ", "")] = state
    return names


_STATE_NAMES = _state_names()


def convert_state(text: str, arg: str = "state") -> ControlHubState:
    """A Control Hub state by value or English/Czech label (``not verified``, ``neověřeno``)."""
    # Spaces are ignored, so "notverified" and "delayed claim" both work.
    state = _STATE_NAMES.get(fold(text).replace(" ", ""))
    if state is not None:
        return state
    labels = tuple(Label(f"state.{s.value}") for s in ControlHubState)
    choices = [t(f"state.{s.value}", loc) for s in ControlHubState for loc in ("en", "cs")]
    raise ParseError(
        "parse.bad_choice",
        suggestions=did_you_mean(text, choices),
        arg=Label(f"arg.{arg}"),
        value=text,
        valid=labels,
    )


def convert_email(token: str, arg: str = "email") -> str:
    """A normalised email address, or an error saying which part of it is wrong."""
    try:
        return normalise_email(token)
    except InvalidInput as exc:
        raise ParseError("parse.bad_email", arg=Label(f"arg.{arg}"), cause=exc) from None
    except Exception:  # the validator's own faults on odd Unicode must not escape the parser
        raise ParseError("parse.bad_email_plain", arg=Label(f"arg.{arg}"), value=token) from None


def convert_number(token: str, arg: str = "number", minimum: int = 0) -> int:
    """A whole number, at least ``minimum``."""
    text = token.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        value = int(text)
        if value >= minimum:
            return value
    raise ParseError("parse.bad_number", arg=Label(f"arg.{arg}"), value=token, minimum=minimum)


def convert_code(token: str, arg: str = "code") -> str:
    """A confirmation code, upper case."""
    code = token.strip().upper()
    if code and code.isascii() and code.isalnum() and len(code) <= MAX_CODE_LENGTH:
        return code
    raise ParseError("parse.bad_code", arg=Label(f"arg.{arg}"), value=token)


# --- the filter language of status and export --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListFilters:
    """A parsed ``status``/``export`` filter: the query, the page, and the filters as words."""

    query: SubscriberQuery = field(default_factory=SubscriberQuery)
    page: int = 1
    words: tuple[str, ...] = ()
    free: tuple[str, ...] = ()  # words that became search text without ``search``
    explicit: bool = False  # any filter besides free text was given
    plain: bool = False  # ``--plain``: an export for scripts (bare UTF-8, machine headers)

    @property
    def single_ref(self) -> str | None:
        """The lone free word when nothing else was given: maybe a user (``status <user>``)."""
        if len(self.free) == 1 and not self.explicit and self.page == 1:
            return self.free[0]
        return None


_KEYWORDS: Mapping[str, str] = {
    "customer": "customer",
    "zakaznik": "customer",
    "package": "package",
    "balicek": "package",
    "search": "search",
    "hledat": "search",
    "page": "page",
    "strana": "page",
}
#: ``--plain`` (``--prostý``): an export as scripts want it (folded, so without the dashes).
_PLAIN_WORDS = frozenset({"plain", "prosty"})
#: Filter keywords whose next word is their value, as ``ListFilters.words`` spells them.
VALUED_FILTERS = ("customer", "package", "search")
_FILTER_WORDS = (*_STATUS_CHOICES, "error", *VALUED_FILTERS, "page")
#: The same in Czech (Partner Hub's words), as suggested to someone who typed Czech.
_CZECH_FILTER_WORDS = (
    "nevyřízené",
    "nevyřízený",
    "požadavky",
    "chyby",
    "zřízené",
    "vše",
    "zákazník",
    "balíček",
    "hledat",
    "strana",
)


def parse_filters(tokens: Sequence[str]) -> ListFilters:
    """The filters of ``status``/``export`` from their words."""
    groups: set[StatusGroup] = set()
    statuses: set[ProvisioningStatus] = set()
    include_all = False
    customer: str | None = None
    package: Package | None = None
    page = 1
    text: list[str] = []
    free: list[str] = []
    words: list[str] = []
    explicit = False
    plain = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.startswith("--") and fold(token) in _PLAIN_WORDS:
            plain = True
            continue
        if token.startswith("--") and did_you_mean(fold(token), _PLAIN_WORDS, n=1):
            raise ParseError("parse.bad_option", suggestions=("--plain",), value=token)
        name, sep, inline = token.partition("=")
        keyword = _KEYWORDS.get(fold(name))
        if keyword is not None:
            if sep:
                value = inline
            elif i < len(tokens):
                value, i = tokens[i], i + 1
            else:
                raise ParseError("parse.filter_value", filter=keyword)
            if not value.strip():
                raise ParseError("parse.filter_value", filter=keyword)
            explicit = explicit or keyword != "search"
            if keyword == "customer":
                customer = value.strip()
                words += ["customer", quote(customer)]
            elif keyword == "package":
                package = convert_package(value)
                words += ["package", package.value]
            elif keyword == "search":
                text.append(value)
                words += ["search", quote(value)]
            else:
                page = convert_number(value, "page", minimum=1)
            continue
        choice = _status_word(token)
        if choice is not None:
            explicit = True
            if isinstance(choice, ProvisioningStatus):
                statuses.add(choice)
                words.append(choice.value)
            elif isinstance(choice, frozenset):
                groups |= choice
                words.append(fold(token))
            else:
                include_all = True
                words.append(ALL)
            continue
        near = in_typed_language(token, _FILTER_WORDS, _CZECH_FILTER_WORDS, n=1)
        if near and difflib.SequenceMatcher(None, fold(token), fold(near[0])).ratio() >= 0.85:
            raise ParseError("parse.bad_filter", suggestions=near, value=token)
        text.append(token)
        free.append(token)
        words.append(quote(token))
    if StatusGroup.PROVISIONED in groups:
        include_all = True
    query = SubscriberQuery(
        statuses=frozenset(statuses),
        groups=frozenset(groups),
        customer=customer,
        package=package,
        text=" ".join(text) or None,
        include_provisioned=include_all,
    )
    return ListFilters(query, page, tuple(words), tuple(free), explicit, plain)


def quote(word: str) -> str:
    """``word`` as it must be typed to come back as one word."""
    if word and not any(c.isspace() for c in word) and word[0] not in _QUOTES:
        return word
    return '"' + word.replace('"', "'") + '"'


def _status_word(token: str) -> StatusChoice | None:
    try:
        return convert_status(token)
    except ParseError:
        return None


# --- arguments ---------------------------------------------------------------------------------


class Args:
    """The typed arguments of one command, by name."""

    def __init__(self, values: Mapping[str, object] | None = None) -> None:
        self._values = dict(values or {})

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) is not None

    def __repr__(self) -> str:
        return f"Args({self._values!r})"

    def _get(self, name: str, kind: type[T]) -> T | None:
        value = self._values.get(name)
        if value is None:
            return None
        if not isinstance(value, kind):
            raise TypeError(f"argument {name!r} is {type(value).__name__}, not {kind.__name__}")
        return value

    def text(self, name: str) -> str:
        """A required text-like argument (user, email, customer, code, text)."""
        value = self._get(name, str)
        if value is None:
            raise KeyError(name)
        return value

    def opt_text(self, name: str) -> str | None:
        """An optional text-like argument."""
        return self._get(name, str)

    def opt_int(self, name: str) -> int | None:
        """An optional number."""
        return self._get(name, int)

    def texts(self, name: str) -> tuple[str, ...]:
        """A variadic argument's values (empty when not given)."""
        return self._get(name, tuple) or ()

    def package(self, name: str = "package") -> Package:
        """A package argument."""
        value = self._get(name, Package)
        if value is None:
            raise KeyError(name)
        return value

    def state(self, name: str = "state") -> ControlHubState:
        """A Control Hub state argument."""
        value = self._get(name, ControlHubState)
        if value is None:
            raise KeyError(name)
        return value

    def filters(self, name: str = "filters") -> ListFilters:
        """The filters of a list command (empty filters when none were given)."""
        return self._get(name, ListFilters) or parse_filters(())


def convert(arg: ArgSpec, tokens: Sequence[str]) -> object:
    """The typed value of ``arg`` from its words (one word unless the argument is variadic)."""
    if arg.kind is ArgKind.FILTERS:
        return parse_filters(tokens)
    if arg.kind is ArgKind.STATE:
        return convert_state(" ".join(tokens), arg.name)
    if arg.kind in (ArgKind.TEXT, ArgKind.COMMAND):
        return " ".join(tokens)
    values = tuple(_convert_one(arg, token) for token in tokens)
    return values if arg.variadic else values[0]


def _convert_one(arg: ArgSpec, token: str) -> object:
    kind = arg.kind
    if kind is ArgKind.EMAIL:
        return convert_email(token, arg.name)
    if kind is ArgKind.PACKAGE:
        return convert_package(token, arg.name)
    if kind is ArgKind.STATUS:
        return convert_status(token, arg.name)
    if kind is ArgKind.NUMBER:
        return convert_number(token, arg.name, arg.minimum)
    if kind is ArgKind.CODE:
        return convert_code(token, arg.name)
    value = token.strip()
    if not value:
        raise ParseError("parse.empty_arg", arg=Label(f"arg.{arg.name}"))
    return value


def parse_args(spec: CommandSpec, tokens: Sequence[str]) -> Args:
    """Match ``tokens`` to ``spec``'s arguments, in order; too few or too many is an error."""
    values: dict[str, object] = {}
    rest = list(tokens)
    for arg in spec.args:
        if arg.variadic:
            taken, rest = rest, []
        else:
            taken, rest = rest[:1], rest[1:]
        if not taken:
            if arg.required:
                raise ParseError("parse.missing", command=spec, arg=Label(arg.label_key))
            continue
        try:
            values[arg.name] = convert(arg, taken)
        except ParseError as exc:
            exc.command = exc.command or spec
            raise
    if rest:
        raise ParseError("parse.too_many", command=spec, extra=" ".join(rest))
    return Args(values)


def args_from_inputs(args: Sequence[ArgSpec], inputs: Mapping[str, object]) -> Args:
    """Card inputs checked and converted exactly like typed arguments.

    A variadic input may be a list or a string of words; any other input is taken whole (a card's
    text field may hold spaces).
    """
    values: dict[str, object] = {}
    for arg in args:
        raw = inputs.get(arg.name)
        if not _plain_input(raw):
            # Webex sends card inputs as text; anything else was made by hand, not by a card.
            raise ParseError("parse.bad_input", arg=Label(arg.label_key))
        if isinstance(raw, list | tuple):
            tokens = [str(v) for v in raw if str(v).strip()]
        elif raw is None or not str(raw).strip():
            tokens = []
        elif arg.variadic:
            tokens = tokenize(str(raw))
        else:
            tokens = [str(raw).strip()]
        if not arg.variadic and len(tokens) > 1:
            raise ParseError("parse.too_many", extra=" ".join(tokens[1:]))
        if not tokens:
            if arg.required:
                raise ParseError("parse.missing", arg=Label(arg.label_key))
            continue
        values[arg.name] = convert(arg, tokens)
    return Args(values)


def _plain_input(raw: object) -> bool:
    scalar = (str, int, float, bool, type(None))
    if isinstance(raw, list | tuple):
        return all(isinstance(v, str | int | float | bool) for v in raw)
    return isinstance(raw, scalar)


# --- the whole message ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """A command and its words (arguments are converted after the access check)."""

    spec: CommandSpec
    tokens: tuple[str, ...]


def find_command(text: str, registry: Registry, bot_names: Iterable[str] = ()) -> ParsedCommand:
    """The command a message asks for; an empty message asks for ``help``."""
    tokens = tokenize(strip_mention(text, bot_names))
    if not tokens:
        spec = registry.find("help")
        if spec is None:
            raise ParseError("parse.empty")
        return ParsedCommand(spec, ())
    found = registry.lookup(tokens)
    if found is None:
        raise ParseError(
            "parse.unknown_command",
            suggestions=command_suggestions(tokens[0], registry),
            name=tokens[0],
        )
    spec, used = found
    return ParsedCommand(spec, tuple(tokens[used:]))


def command_suggestions(word: str, registry: Registry) -> tuple[str, ...]:
    """The commands ``word`` probably meant, named in the language it was typed in: the names
    it starts, else the closest names (``stat`` → ``status``, ``stv`` → ``stav``)."""
    specs = registry.commands()
    english = [n for s in specs for n in (s.name, *s.aliases)]
    czech = [n for s in specs for n in s.czech]
    locale = "cs" if typed_czech(word, english, czech) else "en"
    full: dict[str, str] = {}
    for spec in specs:
        for name in spec.czech if locale == "cs" else (spec.name, *spec.aliases):
            full.setdefault(name, spec.shown_name(locale))
            full.setdefault(name.split()[0], spec.shown_name(locale))
    prefix = fold(word)
    if len(prefix) >= 3:
        starts = [
            s.shown_name(locale) for s in specs if fold(s.shown_name(locale)).startswith(prefix)
        ]
        if starts:
            return tuple(dict.fromkeys(starts))[:3]
    return tuple(dict.fromkeys(full[m] for m in did_you_mean(word, full)))


def parse(text: str, registry: Registry, bot_names: Iterable[str] = ()) -> tuple[CommandSpec, Args]:
    """The command and its typed arguments (tests and tools; the runner checks roles between)."""
    parsed = find_command(text, registry, bot_names)
    return parsed.spec, parse_args(parsed.spec, parsed.tokens)
