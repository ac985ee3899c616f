"""Vietnamese names: a diacritic-free search key, and a sort key in Vietnamese letter order.

Both are stored on the user so that search ("nguyen" finds "Nguyễn") and ordering ("Ánh" before "Bình",
by given name first) work the same on SQLite and PostgreSQL, with plain indexes.
"""
from __future__ import annotations

import unicodedata

# Letters that Vietnamese orders after their base letter: a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư.
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_LETTER_RANK = {_BREVE: "1", _CIRCUMFLEX: "2", _HORN: "3"}


def fold(text: str | None) -> str:
    """Lower case without diacritics, đ folded to d, spaces collapsed: "Nguyễn  Đức" -> "nguyen duc"."""
    text = unicodedata.normalize("NFD", text or "").lower().replace("đ", "d")
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _letters_key(word: str) -> str:
    # Each letter becomes two characters, base letter then rank digit; tone marks are ignored. The result
    # holds only [a-z0-9], which every collation (C, glibc, ICU) orders the same way.
    out = []
    for char in unicodedata.normalize("NFC", word.lower()):
        if char == "đ":
            out.append("d1")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        if not ("a" <= base <= "z"):
            continue
        rank = next((_LETTER_RANK[m] for m in marks if m in _LETTER_RANK), "0")
        out.append(base + rank)
    return "".join(out)


def sort_key(full_name: str | None) -> str:
    """Given name (the last word) first, then the whole name, in Vietnamese letter order."""
    words = unicodedata.normalize("NFC", full_name or "").split()
    if not words:
        return ""
    return "0".join([_letters_key(words[-1]), *(_letters_key(w) for w in words)])
