"""Words as people type them: case, diacritics and separators do not matter."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case, no diacritics, ``_`` and ``-`` as spaces, single spaces (``Stav`` = ``stav``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("_", " ").replace("-", " ").split())


def has_diacritics(text: str) -> bool:
    """True when ``text`` carries a diacritic mark (``stav`` no, ``uvízlí`` yes)."""
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFKD", text))
