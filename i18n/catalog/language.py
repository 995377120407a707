"""Messages of ``language``: which language the bot answers in, per space and per person."""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.language.help": {
        "en": "The language I answer in: `language cs` or `language en` for this space (admins), "
        "`language me cs` for you alone (your 1:1 space and your button clicks).",
        "cs": "Jazyk mých odpovědí: `language cs` nebo `language en` pro tento prostor (správci), "
        "`language me cs` jen pro vás (váš prostor 1:1 a vaše kliknutí na tlačítka).",
    },
    "usage.language": {"en": "language [me] [cs|en]", "cs": "jazyk [já] [cs|en]"},
    "arg.language": {"en": "language", "cs": "jazyk"},
    "language.cs": {"en": "Czech", "cs": "čeština"},
    "language.en": {"en": "English", "cs": "angličtina"},
    "language.set.space": {
        "en": "This space now gets my answers in {language}.",
        "cs": "V tomto prostoru teď odpovídám v jazyce: {language}.",
    },
    "language.set.space.same": {
        "en": "This space already gets my answers in {language}.",
        "cs": "V tomto prostoru už odpovídám v jazyce: {language}.",
    },
    "language.set.person": {
        "en": "You now get my answers in {language} in our 1:1 space and after your clicks.",
        "cs": "Teď vám odpovídám v jazyce {language} v našem prostoru 1:1 a po vašich kliknutích.",
    },
    "language.set.person.same": {
        "en": "You already get my answers in {language}.",
        "cs": "Už vám odpovídám v jazyce: {language}.",
    },
    "language.space": {
        "en": "Language of this space: {language}.",
        "cs": "Jazyk tohoto prostoru: {language}.",
    },
    "language.space.default": {
        "en": "Language of this space: {language} (the bot's default).",
        "cs": "Jazyk tohoto prostoru: {language} (výchozí jazyk bota).",
    },
    "language.person": {
        "en": "Your own language: {language}.",
        "cs": "Váš vlastní jazyk: {language}.",
    },
    "language.person.none": {
        "en": "You have not chosen a language of your own.",
        "cs": "Vlastní jazyk jste si nezvolili.",
    },
    "language.how": {
        "en": "Change it: `language cs` / `language en` (this space, admins), `language me cs` "
        "(you alone).",
        "cs": "Změna: `jazyk cs` / `jazyk en` (tento prostor, správci), `jazyk ja cs` (jen vy).",
    },
    "language.unknown": {
        "en": "I speak Czech (`cs`) and English (`en`), not `{word}`.",
        "cs": "Umím česky (`cs`) a anglicky (`en`), ne `{word}`.",
    },
    "language.no_space": {
        "en": "A space's language is set in that space; here, `language me cs` sets yours.",
        "cs": "Jazyk prostoru se nastavuje v tom prostoru; tady nastavíte svůj: `jazyk ja cs`.",
    },
    "language.admins_only": {
        "en": "Only an {role} sets the language of a space (you are a {yours}); `language me cs` "
        "sets yours.",
        "cs": "Jazyk prostoru nastavuje jen role {role} (vaše role: {yours}); svůj jazyk nastavíte "
        "příkazem `jazyk ja cs`.",
    },
}
