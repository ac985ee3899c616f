"""Write the database's published curricula back as a content/ tree, in the format the importer reads."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import selectinload

from lms.content.loader import (
    DOCUMENTS_DIR,
    MODULE_FILE,
    MODULES_DIR,
    PROGRAMS_DIR,
    QUIZ_FILE,
    THEORY_LEVEL_NAMES,
    TITLES_FILE,
    normalise_body,
)
from lms.curriculum.models import Module, ModuleRevision, Program, ProgramModule
from lms.documents.models import Document, DocumentRelation
from lms.extensions import db
from lms.grading import DEFAULT_SCALE
from lms.learning import gift
from lms.learning.models import Quiz, QuizQuestion
from lms.text import slug


class ExportRefused(Exception):
    pass


_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _unique(name: str, used: set[str]) -> str:
    """`name`, or `name-2`, `name-3`... so two codes that slug alike never share a file."""
    candidate, n = name, 2
    while candidate.lower() in used:
        candidate, n = f"{name}-{n}", n + 1
    used.add(candidate.lower())
    return candidate


def _dump(data) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)


def _write(path: Path, front: dict, body: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = normalise_body(body)
    path.write_text(f"---\n{_dump(front)}---\n{body + chr(10) if body else ''}", encoding="utf-8")


def export_content(root: str | Path) -> Counter:
    """Write every document, every module's published revision and every program under `root`; returns counts."""
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise ExportRefused(f"{root} is not empty; export into a new or empty folder")
    root.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()

    docs = db.session.scalars(
        sa.select(Document).options(selectinload(Document.outgoing).selectinload(DocumentRelation.target))
        .order_by(Document.issued_on, Document.id)).all()
    clashes = [code for code, n in Counter(d.code for d in docs).items() if n > 1]
    if clashes:
        raise ExportRefused("several documents share the code " + ", ".join(clashes) +
                            "; modules cite documents by code, so give them distinct codes first")
    used: set[str] = set()
    for doc in docs:
        front = {"code": doc.code, "kind": str(doc.kind), "number": doc.number, "issuer": doc.issuer,
                 "issued_on": doc.issued_on}
        if doc.term:
            front["term"] = doc.term
        front["title"] = doc.title
        if doc.source:
            front["source"] = doc.source
        relations = sorted(doc.outgoing, key=lambda r: (r.target.issued_on, r.target.code, str(r.kind)))
        if relations:
            front["relations"] = [{"kind": str(r.kind), "target": r.target.code} for r in relations]
        name = _unique(f"{doc.issued_on.isoformat()}-{slug(doc.code)}", used)
        _write(root / DOCUMENTS_DIR / f"{name}.md", front, doc.summary)
        counts["documents"] += 1

    modules = db.session.scalars(
        sa.select(Module).where(Module.published_revision_id.is_not(None))
        .options(selectinload(Module.localities),
                 selectinload(Module.published).selectinload(ModuleRevision.lessons),
                 selectinload(Module.published).selectinload(ModuleRevision.documents))
        .order_by(Module.code)).all()
    banks = {quiz.module_id: quiz.questions for quiz in db.session.scalars(
        sa.select(Quiz).options(selectinload(Quiz.questions).selectinload(QuizQuestion.choices)))}
    exported, used = set(), set()
    for module in modules:
        revision = module.published
        folder = root / MODULES_DIR / _unique(module.code if _SAFE_NAME.match(module.code) else slug(module.code),
                                              used)
        front = {"code": module.code, "kind": str(module.kind), "title": revision.title}
        if module.localities:
            front["localities"] = sorted(loc.code for loc in module.localities)
        if revision.documents:
            front["documents"] = [doc.code for doc in revision.documents]
        _write(folder / MODULE_FILE, front, revision.summary_md)
        width = max(2, len(str(len(revision.lessons))))
        for n, lesson in enumerate(revision.lessons, start=1):
            lfront = {"key": lesson.key, "title": lesson.title}
            if lesson.minutes is not None:
                lfront["minutes"] = lesson.minutes
            _write(folder / f"{n:0{width}d}-{lesson.key}.md", lfront, lesson.body_md)
            counts["lessons"] += 1
        if banks.get(module.id):
            (folder / QUIZ_FILE).write_text(gift.dump(banks[module.id]), encoding="utf-8")
            counts["quizzes"] += 1
        exported.add(module.id)
        counts["modules"] += 1

    programs = db.session.scalars(
        sa.select(Program).options(selectinload(Program.titles),
                                   selectinload(Program.items).selectinload(ProgramModule.module))
        .order_by(Program.code)).all()
    titles, used = {}, set()
    for program in programs:
        missing = [item.module.code for item in program.items if item.module_id not in exported]
        if missing:
            counts["programs skipped (unpublished modules)"] += 1
            continue
        front = {"code": program.code, "name": program.name, "titles": sorted(t.code for t in program.titles)}
        if program.required_theory_level:
            front["required_theory_level"] = THEORY_LEVEL_NAMES[program.required_theory_level]
        if program.hours is not None:
            front["hours"] = program.hours
        if program.validity_months is not None:
            front["validity_months"] = program.validity_months
        if program.grade_scale != DEFAULT_SCALE:
            front["grade_scale"] = str(program.grade_scale)
        items = []
        for item in program.items:
            entry = {"module": item.module.code}
            if not item.required:
                entry["required"] = False
            if item.due_days is not None:
                entry["due_days"] = item.due_days
            items.append(entry)
        front["modules"] = items
        _write(root / PROGRAMS_DIR / f"{_unique(slug(program.code), used)}.md", front, program.description)
        titles.update({t.code: t for t in program.titles})
        counts["programs"] += 1

    if titles:
        rows = []
        for title in sorted(titles.values(), key=lambda t: t.code):
            row = {"code": title.code, "name": title.name, "level": str(title.level)}
            if title.group:
                row["group"] = title.group
            row["is_key"] = bool(title.is_key)
            rows.append(row)
        (root / TITLES_FILE).write_text(_dump(rows), encoding="utf-8")
        counts["titles"] = len(rows)
    return counts
