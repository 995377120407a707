"""``language``: the language the bot answers in, for this space or for the person asking.

``language cs`` / ``language en`` sets this space's language (admins); ``language me cs`` sets the
asker's own, which wins in their 1:1 space with the bot and in answers to their card clicks.
Without a setting, app.yaml's ``locale`` applies. Each change is stored (``LanguageRepository``)
and audited like every command, by the dispatch chain.
"""

from __future__ import annotations

from commands.context import CommandContext
from commands.language_choice import language_label, language_lines, lookup
from commands.parsing import Args, ParseError, did_you_mean, fold
from commands.registry import ArgKind, ArgSpec, Role, command
from commands.replies import Reply
from commands.views import ErrorKind, ErrorView, Label, Msg, NoticeView
from i18n import LOCALES
from storage.languages import LanguageScope

#: What people type for each language, folded (``čeština`` and ``cestina`` alike).
_NAMES = {
    "cs": "cs",
    "cz": "cs",
    "cestina": "cs",
    "czech": "cs",
    "cesky": "cs",
    "en": "en",
    "english": "en",
    "anglictina": "en",
    "anglicky": "en",
}
_ME = frozenset({"me", "ja", "mne", "muj", "moje"})


@command(
    "language",
    args=(ArgSpec("language", ArgKind.TEXT, required=False, variadic=True),),
    usage_key="usage.language",
    examples=("language", "language cs", "language me en"),
)
def language(ctx: CommandContext, args: Args) -> Reply:
    """Show or set the language of this space (admins) or your own (``language me``)."""
    words = fold(args.opt_text("language") or "").split()
    mine = bool(words) and words[0] in _ME
    if mine:
        words = words[1:]
    if not words:
        return _show(ctx)
    if len(words) > 1 or words[0] not in _NAMES:
        raise ParseError(
            "language.unknown",
            suggestions=did_you_mean(words[-1], LOCALES) or LOCALES,
            word=" ".join(words),
        )
    locale = _NAMES[words[0]]
    if mine:
        return _set(ctx, LanguageScope.PERSON, ctx.actor.email, locale)
    if ctx.actor.space_id is None:
        raise ParseError("language.no_space")
    if ctx.role < Role.ADMIN:
        view = ErrorView(
            ErrorKind.FORBIDDEN,
            (
                Msg(
                    "language.admins_only",
                    {"role": Label(Role.ADMIN.key), "yours": Label(ctx.role.key)},
                ),
            ),
            needed_role=Role.ADMIN,
        )
        return Reply.error(view, "language")
    return _set(ctx, LanguageScope.SPACE, ctx.actor.space_id, locale)


def _set(ctx: CommandContext, scope: LanguageScope, key: str, locale: str) -> Reply:
    before = ctx.uow.languages.choose(scope, key, locale, by=ctx.actor.email, at=ctx.clock.now())
    ctx.uow.commit()
    which = "language.set.person" if scope is LanguageScope.PERSON else "language.set.space"
    params = {"language": language_label(locale)}
    if before == locale:
        which += ".same"
    return Reply(NoticeView((Msg(which, params),)), target=f"{scope.value} {key}: {locale}")


def _show(ctx: CommandContext) -> Reply:
    found = lookup(
        ctx.uow, person=ctx.actor.email, space_id=ctx.actor.space_id, default=ctx.default_locale
    )
    return Reply(NoticeView(language_lines(found)))
