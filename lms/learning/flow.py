"""Where a trainee goes next: the lesson to continue with in a module, the next module of their program, the
module's result at the end of its last lesson, and "continue where I left off" on the home page.

"Done" follows the module status: a lesson counts when it was completed (by key, so a minor revision keeps
it) since the status's `since` (a re-study revision or a lapsed refresher resets it). Each answer is one or
two statements, whatever the size of the program.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.accounts.models import User
from lms.curriculum.lesson_pages import LessonLink
from lms.curriculum.models import Lesson, Module, ModuleKind, ModuleRevision, Program, ProgramModule, module_localities
from lms.curriculum.queries import trainee_order
from lms.extensions import db
from lms.grading import DEFAULT_SCALE, GradeScale
from lms.learning.models import (
    LessonProgress,
    ModuleRule,
    ModuleState,
    ModuleStatus,
    ProgramStatus,
    Quiz,
    QuizAttempt,
    QuizQuestion,
)
from lms.organisation.models import Locality, Unit


@dataclass(frozen=True)
class NextModule:
    program_id: int
    program_name: str
    module_id: int | None  # None: the module was the program's last
    title: str = ""
    state: ModuleState = ModuleState.NOT_STARTED


@dataclass(frozen=True)
class Resume:
    """The home page's "continue where I left off": a lesson, or (a module with nothing left to read) a module."""

    module_id: int
    title: str
    lesson_id: int | None = None


@dataclass(frozen=True)
class ModuleOutcome:
    """A module's result for one trainee, as its last lesson shows it."""

    state: ModuleState
    lessons_done: int
    lessons_total: int
    open_lessons: list[LessonLink]
    require_lessons: bool
    quiz_id: int | None
    quiz_title: str
    require_quiz: bool
    quiz_passed: bool
    best_score: float | None  # percent, of the trainee's submitted attempts
    scale: GradeScale
    require_assignment: bool
    assignment_passed: bool
    next_modules: list[NextModule]

    @property
    def completed(self) -> bool:
        return self.state == ModuleState.COMPLETED


def _done(user_id, module_id) -> sa.Exists:
    """Whether the trainee completed `Lesson` (correlated) since the module status's `since`."""
    since = (sa.select(ModuleStatus.since)
             .where(ModuleStatus.user_id == user_id, ModuleStatus.module_id == module_id).scalar_subquery())
    return sa.exists().where(
        LessonProgress.user_id == user_id, LessonProgress.module_id == module_id,
        LessonProgress.lesson_key == Lesson.key, LessonProgress.completed_at.is_not(None),
        sa.or_(since.is_(None), LessonProgress.completed_at >= since))


def _open_lessons(user_id, module_id) -> sa.Select:
    """The published lessons of a module the trainee has not completed, in order."""
    return (sa.select(Lesson.id, Lesson.title, Lesson.position)
            .join(Module, Module.published_revision_id == Lesson.revision_id)
            .where(Module.id == module_id, ~_done(user_id, module_id))
            .order_by(Lesson.position, Lesson.id))


def continue_lesson(user_id: int, module_id: int) -> LessonLink | None:
    """The first lesson not completed from the one the trainee last worked on in the module (then from its
    start); None when every lesson is done."""
    last_key = (sa.select(LessonProgress.lesson_key)
                .where(LessonProgress.user_id == user_id, LessonProgress.module_id == module_id)
                .order_by(LessonProgress.last_seen_at.desc(), LessonProgress.id.desc()).limit(1).scalar_subquery())
    last_position = (sa.select(Lesson.position)
                     .join(Module, Module.published_revision_id == Lesson.revision_id)
                     .where(Module.id == module_id, Lesson.key == last_key).scalar_subquery())
    later_first = sa.case((Lesson.position >= sa.func.coalesce(last_position, -1), 0), else_=1)
    statement = _open_lessons(user_id, module_id).order_by(None).order_by(later_first, Lesson.position,
                                                                           Lesson.id).limit(1)
    row = db.session.execute(statement).first()
    return LessonLink(row.id, row.title) if row else None


def next_modules(user_id: int, module_id: int) -> list[NextModule]:
    """For each of the trainee's programs holding the module: the module after it, in the order the trainee's
    curriculum shows (local topics of their own locality first); `module_id` None after the last."""
    unit = sa.select(User.unit_id).where(User.id == user_id).scalar_subquery()
    unit_locality = sa.select(Unit.locality_id).where(Unit.id == unit).scalar_subquery()
    province = sa.select(Locality.parent_id).where(Locality.id == unit_locality).scalar_subquery()
    mine = sa.exists().where(module_localities.c.module_id == Module.id,
                             sa.or_(module_localities.c.locality_id == unit_locality,
                                    module_localities.c.locality_id == province))
    holding = sa.select(ProgramModule.program_id).where(ProgramModule.module_id == module_id)
    rows = db.session.execute(
        sa.select(Program.id.label("program_id"), Program.name, Module.id.label("module_id"), Module.kind,
                  ModuleRevision.title, mine.label("mine"), ModuleStatus.state)
        .join(ProgramModule, ProgramModule.program_id == Program.id)
        .join(Module, Module.id == ProgramModule.module_id)
        .join(ModuleRevision, ModuleRevision.id == Module.published_revision_id)
        .outerjoin(ModuleStatus, sa.and_(ModuleStatus.module_id == Module.id, ModuleStatus.user_id == user_id))
        .where(Program.id.in_(holding),
               Program.id.in_(sa.select(ProgramStatus.program_id).where(ProgramStatus.user_id == user_id)))
        .order_by(Program.name, Program.id, ProgramModule.position)
    ).all()
    found = []
    for program_id in dict.fromkeys(row.program_id for row in rows):
        items = trainee_order([r for r in rows if r.program_id == program_id], published=lambda r: True,
                              local=lambda r: r.kind == ModuleKind.LOCAL_TOPIC, mine=lambda r: bool(r.mine))
        ids = [r.module_id for r in items]
        if module_id not in ids:
            continue
        index = ids.index(module_id)
        following = items[index + 1] if index + 1 < len(items) else None
        name = items[index].name
        found.append(NextModule(program_id, name, None) if following is None else NextModule(
            program_id, name, following.module_id, following.title, ModuleState(following.state or "not_started")))
    return found


def resume(user_id: int) -> Resume | None:
    """"Continue where I left off": the first lesson not completed from the trainee's last activity; when that
    module has nothing left, the next module of the program not yet completed (its lesson to continue with)."""
    last = db.session.execute(
        sa.select(LessonProgress.module_id)
        .join(Module, sa.and_(Module.id == LessonProgress.module_id, Module.published_revision_id.is_not(None)))
        .where(LessonProgress.user_id == user_id)
        .order_by(LessonProgress.last_seen_at.desc(), LessonProgress.id.desc()).limit(1)
    ).first()
    if last is None:
        return None
    lesson = continue_lesson(user_id, last.module_id)
    if lesson is not None:
        return Resume(last.module_id, lesson.title, lesson.id)
    for following in next_modules(user_id, last.module_id):
        if following.module_id is not None and following.state != ModuleState.COMPLETED:
            lesson = continue_lesson(user_id, following.module_id)
            return Resume(following.module_id, lesson.title if lesson else following.title,
                          lesson.id if lesson else None)
    return None


def module_outcome(user_id: int, module_id: int) -> ModuleOutcome:
    """The module's result for the trainee: status, lessons left, quiz and assignment, and where to go next."""
    best = (sa.select(sa.func.max(QuizAttempt.score_percent))
            .where(QuizAttempt.quiz_id == Quiz.id, QuizAttempt.user_id == user_id,
                   QuizAttempt.submitted_at.is_not(None)).scalar_subquery())
    def scale(aggregate):
        return (sa.select(aggregate(Program.grade_scale))
                .join(ProgramModule, ProgramModule.program_id == Program.id)
                .where(ProgramModule.module_id == module_id).scalar_subquery())

    lessons = (sa.select(sa.func.count()).select_from(Lesson)
               .where(Lesson.revision_id == Module.published_revision_id).scalar_subquery())
    questions = sa.exists().where(QuizQuestion.quiz_id == Quiz.id)
    row = db.session.execute(
        sa.select(ModuleStatus.state, lessons.label("lessons"), ModuleStatus.quiz_passed_at,
                  ModuleStatus.assignment_passed_at,
                  ModuleRule.require_lessons, ModuleRule.require_quiz, ModuleRule.require_assignment,
                  Quiz.id.label("quiz_id"), Quiz.title.label("quiz_title"), questions.label("questions"),
                  best.label("best"), scale(sa.func.min).label("scale_low"), scale(sa.func.max).label("scale_high"))
        .select_from(Module)
        .outerjoin(ModuleStatus, sa.and_(ModuleStatus.module_id == Module.id, ModuleStatus.user_id == user_id))
        .outerjoin(ModuleRule, ModuleRule.module_id == Module.id)
        .outerjoin(Quiz, Quiz.module_id == Module.id)
        .where(Module.id == module_id)
    ).one()
    open_lessons = [LessonLink(r.id, r.title) for r in db.session.execute(_open_lessons(user_id, module_id))]
    return ModuleOutcome(
        state=ModuleState(row.state or "not_started"), lessons_done=row.lessons - len(open_lessons),
        lessons_total=row.lessons, open_lessons=open_lessons, require_lessons=row.require_lessons is not False,
        quiz_id=row.quiz_id if row.questions else None, quiz_title=row.quiz_title or "",
        require_quiz=bool(row.require_quiz),
        quiz_passed=row.quiz_passed_at is not None, best_score=row.best,
        scale=GradeScale(row.scale_low) if row.scale_low and row.scale_low == row.scale_high else DEFAULT_SCALE,
        require_assignment=bool(row.require_assignment), assignment_passed=row.assignment_passed_at is not None,
        next_modules=next_modules(user_id, module_id),
    )
