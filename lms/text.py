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

from flask_babel import gettext as _

from lms.errors import InvalidInput

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


@lru_cache(maxsize=50_000)
def fold_name(text: str | None) -> str:
    """`fold_words`, remembered: for the pickers' searches, which fold every unit, commune or module name of a
    scope on each request (the names seldom change; a renamed one is simply a new key)."""
    return fold_words(text)


def fold_code(code: str | None) -> str:
    """A document code as a key, however it is typed: "32-NQ/TW", "32/NQ-TW", "32 nq tw" -> "32nqtw".

    The registry stores it as Document.code_key and the search index as the document's code term."""
    return "".join(TOKEN.findall(fold(code)))[:MAX_TOKEN]


def slug(text: str | None, *, fallback: str = "x", limit: int | None = None) -> str:
    """ASCII letters and digits joined by hyphens, for file names and URLs: "Bài 1: Đảng" -> "bai-1-dang"."""
    return _NOT_SLUG.sub("-", fold(text)).strip("-")[:limit].strip("-") or fallback


class NotUtf8(InvalidInput):
    """A file that is not UTF-8 text; `line` is where the first undecodable byte (or a NUL) is."""

    def __init__(self, line: int):
        super().__init__(_("Tệp không phải mã UTF-8 (lỗi ở dòng %(line)d). Hãy lưu lại tệp với bảng mã UTF-8: "
                           "trong Excel chọn \"CSV UTF-8\", trong Notepad chọn \"UTF-8\".", line=line))
        self.line = line


def decode_utf8(data: bytes) -> str:
    """The text of a file that every import reads (CSV, GIFT, content): UTF-8, a leading BOM dropped.

    Anything else is refused with NotUtf8, never guessed: a Windows-1258 or UTF-16 file decoded leniently
    would store replacement characters, or NUL bytes (ASCII text in UTF-16 decodes as UTF-8 with NULs)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as bad:
        raise NotUtf8(data[: bad.start].count(b"\n") + 1) from bad
    if "\x00" in text:
        raise NotUtf8(text[: text.index("\x00")].count("\n") + 1)
    return text
