"""Where a document is mentioned in free text, however it is spelled, and the places that hold such text.

A document "05-CT/TW" is written "05-CT/TW", "05/CT-TW", "Chỉ thị số 05-CT/TW", "Chỉ thị 05", "CT05" or
"CT-05". Matching runs on the text folded by `lms.text.fold` (lowercase, no diacritics, đ -> d), which keeps
the length of its NFC input, so a match is marked in the original text.

Other domains hold text that may mention a document (lessons, quiz questions, rubrics, program
descriptions): each registers a `Source` here when the application starts, and the review of a superseded
document asks every source for its places. The registry knows no domain but this one.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from lms.documents.models import KIND_WORDS, Document
from lms.search.text import code_keys
from lms.text import TOKEN, fold, nfc

PASSAGE_MAX = 2000
_JOIN = re.compile(r"[ \t./-]{0,3}")  # what may stand between the parts of a code: "05-CT/TW", "CT 05"
_WINDOW = 4  # a code has at most four parts: number / year / type - issuer


@lru_cache(maxsize=256)
def _spelling(code: str, kind: str) -> tuple[frozenset[str], str | None, tuple[str, ...]]:
    """The code's keys as search knows them, its number without leading zeros, the kind's words folded."""
    digits = re.findall(r"\d+", code)
    number = (digits[0].lstrip("0") or "0") if digits else None
    return frozenset(code_keys(code)), number, tuple(fold(KIND_WORDS.get(kind)).split())


def number_of(document: Document) -> str | None:
    """The digits every spelling of the document holds (leading zeros dropped): a cheap SQL pre-filter."""
    return _spelling(document.code, str(document.kind))[1]


def find_mentions(text: str | None, document: Document) -> list[tuple[int, int]]:
    """The (start, end) of every mention of `document` in NFC `text`: its code in any spelling the search
    folds to one of its keys ("05-CT/TW", "05/CT-TW", "CT05", "CT-05"), or the kind's words with the number
    ("Chỉ thị 05", "Chỉ thị số 05-CT/TW")."""
    keys, number, words = _spelling(document.code, str(document.kind))
    if not text or number is None:
        return []
    folded = fold(text)
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(folded)]
    found, i = [], 0
    while i < len(tokens):
        end = None
        if words and tuple(t[2] for t in tokens[i:i + len(words)]) == words:
            j = i + len(words)
            j += j < len(tokens) and tokens[j][2] == "so"
            end = _code_at(folded, tokens, j, keys)
            if end is None and j < len(tokens) and (tokens[j][2].lstrip("0") or "0") == number:
                end = j
        if end is None:
            end = _code_at(folded, tokens, i, keys)
        if end is None:
            i += 1
            continue
        found.append((tokens[i][0], tokens[end][1]))
        i = end + 1
    return found


def _code_at(folded: str, tokens, i: int, keys) -> int | None:
    """The index of the last token of the longest run from token i that spells one of `keys`."""
    best, joined = None, ""
    for j in range(i, min(i + _WINDOW, len(tokens))):
        if j > i and not _JOIN.fullmatch(folded, tokens[j - 1][1], tokens[j][0]):
            break
        joined += tokens[j][2]
        if joined in keys:
            best = j
    return best


@lru_cache(maxsize=256)
def _number_pattern(number: str) -> re.Pattern:
    return re.compile(rf"(?<!\d)0*{re.escape(number)}(?!\d)")


def passages(text: str | None, document: Document) -> list[str]:
    """The lines (paragraphs) of `text` that mention `document`, each once, in order."""
    number = number_of(document)
    # Every spelling holds the number as a whole run of digits: a cheap test on the text as it is (digits
    # have no diacritics) spares folding the lines that cannot mention the document.
    if number is None or not text or not _number_pattern(number).search(text):
        return []
    found = []
    for line in nfc(text).splitlines():
        line = line.strip()
        if not _number_pattern(number).search(line):
            continue
        if find_mentions(line, document) and line[:PASSAGE_MAX] not in found:
            found.append(line[:PASSAGE_MAX])
    return found


def still_there(passage: str, text: str | None) -> bool:
    """Whether a passage is still, unchanged, one of the lines of `text`."""
    return passage in {line.strip()[:PASSAGE_MAX] for line in nfc(text).splitlines()}


def highlight(text: str, document: Document) -> Markup:
    """`text` escaped, each mention of `document` wrapped in <mark>."""
    text = nfc(text)
    out, last = [], 0
    for start, end in find_mentions(text, document):
        out += [escape(text[last:start]), Markup("<mark>%s</mark>") % text[start:end]]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


# --- the places that hold text -------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A piece of text that may mention documents, owned by a module or by a program."""

    source: str  # the Source's name
    key: str  # what identifies it within the source (a lesson key, a question id)
    label: str  # what a lecturer calls it ("Bài 2: ...", "Câu hỏi 3")
    text: str
    module_id: int | None = None
    program_id: int | None = None


@dataclass(frozen=True)
class Source:
    """name; `scan(digits)` gives the places whose text contains those digits (a SQL LIKE, then matched
    here); `current(refs)` gives today's text of places by (module_id or program_id, key), None when gone."""

    name: str
    scan: Callable[[str], Iterable[Place]]
    current: Callable[[list[tuple[int | None, str]]], dict[tuple[int | None, str], str | None]]


SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    SOURCES[source.name] = source


def places_mentioning(document: Document) -> list[tuple[Place, list[str]]]:
    """Every place of every source whose text mentions `document`, with the passages that do."""
    digits = number_of(document)
    if digits is None:
        return []
    found = []
    for source in SOURCES.values():
        for place in source.scan(digits):
            lines = passages(place.text, document)
            if lines:
                found.append((place, lines))
    return found


def like_digits(digits: str) -> str:
    """A LIKE pattern for text holding `digits` (no wildcard in them: they are digits)."""
    return f"%{digits}%"
