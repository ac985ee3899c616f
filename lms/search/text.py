"""Search text: token spans, highlighting and snippets over text folded by `lms.text`.

`lms.text.fold` keeps the length of its NFC input, so a match found in folded text is marked in the original.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from lms.text import MAX_TOKEN, TOKEN, fold, fold_code, nfc

__all__ = ["MAX_TOKEN", "TOKEN", "fold", "fold_code", "highlight", "nfc", "snippet", "spans"]


def spans(text: str) -> list[tuple[int, int, str, str]]:
    """Every token of NFC `text` as (start, end, folded, exact lowercase)."""
    text = nfc(text)
    folded = fold(text)
    return [
        (m.start(), m.end(), m.group()[:MAX_TOKEN], text[m.start():m.end()].lower()[:MAX_TOKEN])
        for m in TOKEN.finditer(folded)
    ]


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
