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
from lms.text import fold, nfc

PASSAGE_MAX = 2000
_PARTS = re.compile(r"[a-z]+|\d+")


@lru_cache(maxsize=256)
def _pattern(code: str, kind: str) -> re.Pattern | None:
    parts = _PARTS.findall(fold(code))
    digits = [p for p in parts if p.isdigit()]
    letters = [p for p in parts if not p.isdigit()]
    if not digits:
        return None
    number = re.escape(digits[0].lstrip("0") or "0")
    num = rf"0*{number}(?:\s*/\s*\d{{4}})?"  # a State code carries its year: 19/2025/QĐ-TTg
    tail = r"(?:\s*[-/]\s*[a-z]+)?"  # the issuer: /TW, -TTg
    spellings = []
    words = fold(KIND_WORDS.get(kind)).replace(" ", r"\s+") or None
    if letters:
        abbr = re.escape(letters[0])
        if words:
            spellings.append(rf"{words}\s+(?:so\s+)?{num}(?:\s*[-/.]?\s*{abbr}{tail})?")
        spellings += [rf"{num}\s*[-/.]?\s*{abbr}{tail}", rf"{abbr}\s*[-.]?\s*0*{number}{tail}"]
    elif words:
        spellings.append(rf"{words}\s+(?:so\s+)?{num}")
    if not spellings:
        return None
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(spellings) + r")(?![a-z0-9])")


def number_of(document: Document) -> str | None:
    """The digits every spelling of the document holds (leading zeros dropped): a cheap SQL pre-filter."""
    digits = re.findall(r"\d+", document.code) or re.findall(r"\d+", document.number or "")
    return (digits[0].lstrip("0") or "0") if digits else None


def find_mentions(text: str | None, document: Document) -> list[tuple[int, int]]:
    """The (start, end) of every mention of `document` in NFC `text`."""
    pattern = _pattern(document.code, str(document.kind))
    if pattern is None or not text:
        return []
    return [m.span() for m in pattern.finditer(fold(text))]


def passages(text: str | None, document: Document) -> list[str]:
    """The lines (paragraphs) of `text` that mention `document`, each once, in order."""
    found = []
    for line in nfc(text).splitlines():
        line = line.strip()
        if line and find_mentions(line, document) and line[:PASSAGE_MAX] not in found:
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
