"""Search text: token spans, word pairs, highlighting and snippets over text folded by `lms.text`.

`lms.text.fold` keeps the length of its NFC input, so a match found in folded text is marked in the original.

Besides its words, the index holds pairs of words, so that a phrase ranks above the same words scattered:
`+a b` for two words next to each other in this order ("Thành cổ" -> `+thanh co`), and `~a b` (the two in
alphabetical order) for two words with one or two words between them, in either order ("xây dựng, chỉnh đốn
Đảng" -> `~dang dung`). A pair never spans the end of a sentence. Neither mark can occur in a word, so a
pair never matches a word or a word's prefix.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

from lms.text import MAX_TOKEN, TOKEN, fold, fold_code, nfc

__all__ = ["MAX_TOKEN", "TOKEN", "code_keys", "fold", "fold_code", "highlight", "near_pair", "nfc",
           "phrase_pair", "snippet", "spans", "word_pairs"]

PHRASE, NEAR_MARK = "+", "~"
NEAR = 3  # words at most this far apart (two words between them) are "near"
# Between two words, the end of a sentence: . ! ? ; : or … followed by a space, or a line break.
_SENTENCE_END = re.compile(r"[.!?;:…]\s|\n")
_CODE_PARTS = re.compile(r"[^\W\d_]+|\d+")


def spans(text: str) -> list[tuple[int, int, str, str]]:
    """Every token of NFC `text` as (start, end, folded, exact lowercase)."""
    text = nfc(text)
    folded = fold(text)
    return [
        (m.start(), m.end(), m.group()[:MAX_TOKEN], text[m.start():m.end()].lower()[:MAX_TOKEN])
        for m in TOKEN.finditer(folded)
    ]


def phrase_pair(a: str, b: str) -> str:
    """The index term of word `a` followed by word `b` (folded or as written)."""
    return f"{PHRASE}{a} {b}"[:MAX_TOKEN]


def near_pair(a: str, b: str) -> str:
    """The index term of words `a` and `b` near each other, in either order."""
    return f"{NEAR_MARK}{min(a, b)} {max(a, b)}"[:MAX_TOKEN]


def word_pairs(text: str, found: list[tuple[int, int, str, str]]) -> Iterator[tuple[str, str]]:
    """(term, exact) of every pair of `found` (the spans of `text`) within a sentence: phrase pairs of
    neighbours, near pairs of words 2 to NEAR apart (a word with itself excepted)."""
    # Sentence number of each token: pairs are made within one sentence only.
    sentence, numbers = 0, []
    for i, (start, _end, _term, _exact) in enumerate(found):
        if i and _SENTENCE_END.search(text, found[i - 1][1], start):
            sentence += 1
        numbers.append(sentence)
    for i, (_s, _e, term, exact) in enumerate(found):
        for j in range(i + 1, min(i + NEAR + 1, len(found))):
            if numbers[j] != numbers[i]:
                break
            other, other_exact = found[j][2], found[j][3]
            if j == i + 1:
                yield phrase_pair(term, other), phrase_pair(exact, other_exact)
            elif other != term:
                near = near_pair(term, other)
                yield near, near


def code_keys(code: str | None) -> tuple[str, ...]:
    """A document code's search keys: the whole code folded ("32-NQ/TW" -> 32nqtw) and the spellings of its
    number with its type that people type without separators: 32nq, nq32, nq32tw; with a leading zero
    dropped too (09-KL/TW: kl9). A State code "19/2025/QĐ-TTg" also gives 19qd, qd19, qd19ttg."""
    parts = _CODE_PARTS.findall(fold(code))
    keys = [fold_code(code)]
    if len(parts) >= 2 and parts[0].isdigit():
        rest = parts[1:]
        if len(rest) >= 2 and rest[0].isdigit() and len(rest[0]) == 4:  # number/year/TYPE-ISSUER
            rest = rest[1:]
        if not rest[0].isdigit():
            kind, issuer = rest[0], "".join(rest[1:])
            for number in dict.fromkeys((parts[0], parts[0].lstrip("0") or "0")):
                keys += [number + kind + issuer, number + kind, kind + number, kind + number + issuer]
    return tuple(dict.fromkeys(k[:MAX_TOKEN] for k in keys if k))


def _matcher(found, terms: frozenset[str], prefix: str | None):
    """Whether a folded token is a match: one of `terms`, or a word starting with `prefix` when the text
    does not hold the prefix as a whole word (then "co" marks "cổ", not every "công" and "cơ" besides)."""
    if prefix and any(term == prefix for _s, _e, term, _x in found):
        prefix = None
    return lambda term: term in terms or bool(prefix and term.startswith(prefix))


def highlight(text: str, terms: frozenset[str], prefix: str | None = None) -> Markup:
    """`text` escaped, with tokens matching `terms` (or starting with `prefix`) wrapped in <mark>."""
    text = nfc(text)
    found = spans(text)
    matches = _matcher(found, terms, prefix)
    out, last = [], 0
    for start, end, term, _exact in found:
        if matches(term):
            out.append(escape(text[last:start]))
            out.append(Markup("<mark>%s</mark>") % text[start:end])
            last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def best_match(found, terms: frozenset[str], prefix: str | None = None,
               sequence: tuple[str, ...] = ()) -> tuple[int, int] | None:
    """The character span of the best match in `found` (spans of a text): the longest run of consecutive
    words that follows the query's words in order (a phrase); without one, the stretch of NEAR + 1 words
    holding the most different query words; the earliest of equals. None when nothing matches."""
    matches = _matcher(found, terms, prefix)
    hits = [i for i, (_s, _e, term, _x) in enumerate(found) if matches(term)]
    if not hits:
        return None
    best, best_len = hits[0], 1
    follows = {(a, b) for a, b in zip(sequence, sequence[1:], strict=False)}
    for i in hits:
        n = 1
        while i + n < len(found) and (found[i + n - 1][2], found[i + n][2]) in follows:
            n += 1
        if n > best_len:
            best, best_len = i, n
    if best_len == 1:
        def distinct(i):
            return len({found[j][2] for j in hits if i <= j <= i + NEAR})
        best = max(hits, key=lambda i: (distinct(i), -i))
        last = max(j for j in hits if best <= j <= best + NEAR)
        return found[best][0], found[last][1]
    return found[best][0], found[best + best_len - 1][1]


def snippet(text: str, terms: frozenset[str], prefix: str | None = None, width: int = 220,
            sequence: tuple[str, ...] = ()) -> Markup:
    """A window of `text` centred on its best match (see `best_match`), escaped, matches marked."""
    text = " ".join(nfc(text).split())
    found = spans(text)
    if prefix and any(term == prefix for _s, _e, term, _x in found):
        prefix = None  # decided on the whole text, not on the window
    if len(text) <= width:
        return highlight(text, terms, prefix)
    match = best_match(found, terms, prefix, sequence) or (0, 0)
    middle = (match[0] + match[1]) // 2
    start = min(max(0, middle - width // 2), max(0, len(text) - width))
    start = min(start, match[0])
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < match[0] else start
    end = min(len(text), max(start + width, match[1]))
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space >= match[1] else end
    body = highlight(text[start:end], terms, prefix)
    before = Markup("… ") if start else Markup("")
    after = Markup(" …") if end < len(text) else Markup("")
    return before + body + after
