"""Vietnamese text folding for search: one function used for the index and for queries alike.

`fold` lowercases and strips diacritics character by character, so the folded text has exactly the
same length as its NFC input and a match found in folded text can be highlighted in the original.
Unicode NFD leaves đ/Đ whole, so they are mapped to d here.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup, escape

MAX_TOKEN = 64
# A token is a run of letters and digits (in the folded text: ASCII for Vietnamese).
TOKEN = re.compile(r"[^\W_]+")
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


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


def fold(text: str) -> str:
    """Lowercase, without diacritics, đ -> d; same length as `nfc(text)`."""
    return "".join(_fold_char(ch) for ch in nfc(text))


def spans(text: str) -> list[tuple[int, int, str, str]]:
    """Every token of NFC `text` as (start, end, folded, exact lowercase)."""
    text = nfc(text)
    folded = fold(text)
    return [
        (m.start(), m.end(), m.group()[:MAX_TOKEN], text[m.start():m.end()].lower()[:MAX_TOKEN])
        for m in TOKEN.finditer(folded)
    ]


def fold_code(code: str) -> str:
    """A document code as a key, however it is typed: "32-NQ/TW", "32/NQ-TW", "32 nq tw" -> "32nqtw"."""
    return "".join(TOKEN.findall(fold(code)))[:MAX_TOKEN]


def highlight(text: str, terms: frozenset[str], prefix: str | None = None) -> Markup:
    """`text` escaped, with tokens matching `terms` (or starting with `prefix`) wrapped in <mark>."""
    text = nfc(text)
    out, last = [], 0
    for start, end, term, _exact in spans(text):
        if term in terms or (prefix and term.startswith(prefix)):
            out.append(escape(text[last:start]))
            out.append(Markup("<mark>%s</mark>") % text[start:end])
            last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str, terms: frozenset[str], prefix: str | None = None, width: int = 220) -> Markup:
    """A window of `text` around its first matching token, escaped, matches marked."""
    text = " ".join(nfc(text).split())
    if len(text) <= width:
        return highlight(text, terms, prefix)
    first = next((s for s, _e, term, _x in spans(text)
                  if term in terms or (prefix and term.startswith(prefix))), 0)
    start = max(0, first - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    body = highlight(text[start:end], terms, prefix)
    before = Markup("… ") if start else Markup("")
    after = Markup(" …") if end < len(text) else Markup("")
    return before + body + after
