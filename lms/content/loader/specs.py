"""What a content tree holds, as plain dataclasses, and the problems found in it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

TITLES_FILE = "titles.yaml"
DOCUMENTS_DIR = "documents"
MODULES_DIR = "modules"
PROGRAMS_DIR = "programs"
MODULE_FILE = "_module.md"
QUIZ_FILE = "quiz.gift"  # the module's question bank, in the GIFT format of `lms quiz import-gift`

THEORY_LEVELS = {"none": 0, "elementary": 1, "intermediate": 2, "advanced": 3}
THEORY_LEVEL_NAMES = {v: k for k, v in THEORY_LEVELS.items()}

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
LOCALITY_CODE = re.compile(r"^[0-9]{2}([0-9]{3})?$")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class ContentErrors(Exception):
    """Every problem found in a content tree; nothing should be imported when this is raised."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line, p.reason))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class TitleSpec:
    code: str
    name: str
    level: str
    group: str | None = None
    is_key: bool = False
    path: str = ""
    line: int = 0


@dataclass
class RelationSpec:
    kind: str
    target: str
    line: int = 0


@dataclass
class DocumentSpec:
    code: str
    kind: str
    number: str
    issuer: str
    issued_on: date
    title: str
    term: str | None = None
    summary: str | None = None
    relations: list[RelationSpec] = field(default_factory=list)
    path: str = ""
    line: int = 0
    source: str | None = None


@dataclass
class LessonSpec:
    key: str
    title: str
    body_md: str
    minutes: int | None = None
    path: str = ""


@dataclass
class ModuleSpec:
    code: str
    kind: str
    title: str
    summary_md: str = ""
    localities: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    lessons: list[LessonSpec] = field(default_factory=list)
    path: str = ""
    lines: dict[str, int] = field(default_factory=dict)
    quiz: str | None = None  # the GIFT text of quiz.gift, already checked


@dataclass
class ProgramItemSpec:
    module: str
    required: bool = True
    due_days: int | None = None
    line: int = 0


@dataclass
class ProgramSpec:
    code: str
    name: str
    titles: list[str]
    items: list[ProgramItemSpec]
    description: str = ""
    required_theory_level: int = 0
    hours: int | None = None
    validity_months: int | None = None
    path: str = ""
    lines: dict[str, int] = field(default_factory=dict)
    grade_scale: str = "10"  # "10" (one decimal) or "100"


@dataclass
class Content:
    titles: dict[str, TitleSpec] = field(default_factory=dict)
    documents: dict[str, DocumentSpec] = field(default_factory=dict)
    modules: dict[str, ModuleSpec] = field(default_factory=dict)
    programs: dict[str, ProgramSpec] = field(default_factory=dict)

    @property
    def lesson_count(self) -> int:
        return sum(len(m.lessons) for m in self.modules.values())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalise_body(text: str | None) -> str:
    """The canonical form of a Markdown body: NFC, Unix newlines, no trailing spaces, no edge blank lines."""
    text = nfc(text or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
