"""A readable difference between two revisions of a module: title, summary, lessons matched by key, citations."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

CONTEXT = 2


@dataclass
class Line:
    kind: str  # "equal", "delete", "insert", "skip"
    old_no: int | None
    new_no: int | None
    text: str


@dataclass
class LessonChange:
    key: str
    status: str  # "added", "removed", "changed", "moved", "unchanged"
    old_title: str | None
    new_title: str | None
    old_position: int | None
    new_position: int | None
    old_minutes: int | None = None
    new_minutes: int | None = None
    body: list[Line] = field(default_factory=list)


@dataclass
class RevisionDiff:
    old: object
    new: object
    title: list[Line]
    summary: list[Line]
    lessons: list[LessonChange]
    documents_added: list
    documents_removed: list

    @property
    def unchanged(self) -> bool:
        return (not _changed(self.title) and not _changed(self.summary) and not self.documents_added
                and not self.documents_removed and all(c.status == "unchanged" for c in self.lessons))


def _changed(lines: list[Line]) -> bool:
    return any(line.kind in ("delete", "insert") for line in lines)


def diff_lines(old: str | None, new: str | None, context: int = CONTEXT) -> list[Line]:
    """Line by line, with runs of unchanged lines beyond `context` folded into one "skip" line."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    out: list[Line] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            run = [Line("equal", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)]
            first, last = not out, i2 == len(a) and j2 == len(b)
            head = 0 if first else context
            tail = 0 if last else context
            if len(run) > head + tail + 1:
                hidden = len(run) - head - tail
                run = run[:head] + [Line("skip", None, None, str(hidden))] + (run[-tail:] if tail else [])
            out += run
            continue
        if tag in ("replace", "delete"):
            out += [Line("delete", i1 + k + 1, None, a[i1 + k]) for k in range(i2 - i1)]
        if tag in ("replace", "insert"):
            out += [Line("insert", None, j1 + k + 1, b[j1 + k]) for k in range(j2 - j1)]
    return out


def diff_revisions(old, new) -> RevisionDiff:
    """Compare two revisions (either may be the draft); lessons are matched by their stable key."""
    old_lessons = {x.key: (i + 1, x) for i, x in enumerate(old.lessons)}
    new_lessons = {x.key: (i + 1, x) for i, x in enumerate(new.lessons)}
    changes = []
    for key, (pos, lesson) in new_lessons.items():
        if key not in old_lessons:
            changes.append(LessonChange(key, "added", None, lesson.title, None, pos, None, lesson.minutes,
                                        diff_lines("", lesson.body_md, context=10_000)))
            continue
        old_pos, before = old_lessons[key]
        body = diff_lines(before.body_md, lesson.body_md)
        same = before.title == lesson.title and before.minutes == lesson.minutes and not _changed(body)
        status = "changed" if not same else ("moved" if old_pos != pos else "unchanged")
        changes.append(LessonChange(key, status, before.title, lesson.title, old_pos, pos, before.minutes,
                                    lesson.minutes, body if not same else []))
    for key, (pos, lesson) in old_lessons.items():
        if key not in new_lessons:
            changes.append(LessonChange(key, "removed", lesson.title, None, pos, None, lesson.minutes, None,
                                        diff_lines(lesson.body_md, "", context=10_000)))
    old_docs, new_docs = {d.id: d for d in old.documents}, {d.id: d for d in new.documents}
    return RevisionDiff(
        old=old, new=new,
        title=diff_lines(old.title, new.title, context=10_000),
        summary=diff_lines(old.summary_md, new.summary_md),
        lessons=changes,
        documents_added=[d for i, d in new_docs.items() if i not in old_docs],
        documents_removed=[d for i, d in old_docs.items() if i not in new_docs],
    )
