"""Folding Vietnamese text: the one place where case, diacritics and đ are removed.

Every comparison that must ignore them goes through here, so that the document registry, the search
index, user names and exported file names fold a string the same way.

`fold` works character by character, so the folded text has exactly the same length as its NFC input
and a match found in folded text can be marked in the original (search highlighting relies on it).
Unicode NFD leaves đ/Đ whole, so they are mapped to d here.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_TOKEN = 64
# A token is a run of letters and digits (in folded Vietnamese text: ASCII).
TOKEN = re.compile(r"[^\W_]+")
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def clean_name(text: str | None) -> str:
    """A name or code as typed, made safe to store and compare: NFC; without invisible format characters
    (zero-width spaces and joiners, bidi marks and overrides, the BOM, soft hyphens: Unicode category Cf),
    which would make two names that look alike differ or reorder what is shown around them; control
    characters and runs of white space become one space; no space at either end."""
    kept = "".join(" " if ch.isspace() or unicodedata.category(ch) == "Cc" else ch
                   for ch in nfc(text) if unicodedata.category(ch) != "Cf")
    return " ".join(kept.split())


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    lower = ch.lower()
    if len(lower) != 1:
        lower = ch
    base = "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))
    if len(base) != 1:
        # A lone combining mark, or a character that decomposes into several: keep one character.
        return " " if not base else base[0]
    return base


def fold(text: str | None) -> str:
    """Lowercase, without diacritics, đ -> d; same length as `nfc(text)`."""
    return "".join(_fold_char(ch) for ch in nfc(text))


def fold_words(text: str | None) -> str:
    """`fold` with white space collapsed: "Nguyễn  Đức " -> "nguyen duc" (a stored search key)."""
    return " ".join(fold(text).split())


def fold_code(code: str | None) -> str:
    """A document code as a key, however it is typed: "32-NQ/TW", "32/NQ-TW", "32 nq tw" -> "32nqtw".

    The registry stores it as Document.code_key and the search index as the document's code term."""
    return "".join(TOKEN.findall(fold(code)))[:MAX_TOKEN]


def slug(text: str | None, *, fallback: str = "x", limit: int | None = None) -> str:
    """ASCII letters and digits joined by hyphens, for file names and URLs: "Bài 1: Đảng" -> "bai-1-dang"."""
    return _NOT_SLUG.sub("-", fold(text)).strip("-")[:limit].strip("-") or fallback
