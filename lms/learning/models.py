"""Learning records: lesson progress per revision, and the maintained module and program statuses that
dashboards aggregate in SQL (never recomputed by loading every record).
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum, utcnow
from lms.extensions import db
from lms.formats import local_today
from lms.organisation.models import Unit


class LessonProgress(db.Model):
    """One trainee's progress on one lesson of one revision; saving it is an idempotent upsert."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "lesson_id"),
        sa.Index("ix_lesson_progress_user_module", "user_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id"), index=True)
    lesson_key: Mapped[str] = mapped_column(sa.String(80))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("module_revisions.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    seconds_spent: Mapped[int] = mapped_column(default=0)


class ModuleState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NEEDS_REVIEW = "needs_review"  # completed an earlier revision that now requires re-study


class ModuleStatus(db.Model):
    __tablename__ = "module_statuses"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id"),
        sa.Index("ix_module_statuses_module_state", "module_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    state: Mapped[ModuleState] = mapped_column(str_enum(ModuleState), default=ModuleState.NOT_STARTED)
    completed_revision_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module_revisions.id"))
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Work done before `since` no longer counts (a re-study revision or a lapsed refresher reset it).
    since: Mapped[datetime | None]
    lessons_total: Mapped[int] = mapped_column(default=0)
    lessons_done: Mapped[int] = mapped_column(default=0)
    quiz_passed_at: Mapped[datetime | None]
    assignment_passed_at: Mapped[datetime | None]

    module = relationship("Module")
    completed_revision = relationship("ModuleRevision", foreign_keys=[completed_revision_id])


class ProgramState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class ProgramStatus(db.Model):
    """A trainee's current cycle of a program they must take; one row per (user, program).

    Overdue is `state != completed and due_on < today`, evaluated in SQL. A lapsed refresher starts a new
    cycle in this row; earlier completions stay in their history (certificates).
    """

    __tablename__ = "program_statuses"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "program_id"),
        sa.Index("ix_program_statuses_program_state", "program_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    state: Mapped[ProgramState] = mapped_column(str_enum(ProgramState), default=ProgramState.NOT_STARTED)
    required_total: Mapped[int] = mapped_column(default=0)
    required_done: Mapped[int] = mapped_column(default=0)
    started_on: Mapped[date] = mapped_column(sa.Date, default=local_today)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    completed_at: Mapped[datetime | None]
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    cycle: Mapped[int] = mapped_column(default=1)  # 2, 3 ... after each lapsed refresher

    program = relationship("Program")


class ModuleRule(db.Model):
    """What completes a module, as the module configures it (lessons, quiz, assignment)."""

    __tablename__ = "module_rules"

    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True)
    require_lessons: Mapped[bool] = mapped_column(default=True)
    require_quiz: Mapped[bool] = mapped_column(default=False)
    require_assignment: Mapped[bool] = mapped_column(default=False)
    # Minimum assignment score (0-100, as delivery grades); None: the grader's pass/fail decides.
    assignment_pass_mark: Mapped[float | None]


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT = "short"


class Quiz(db.Model):
    """A module's quiz: pass mark, attempt limit, an optional time limit and an optional window (when it opens
    and closes, UTC), all enforced on the server."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    pass_percent: Mapped[int] = mapped_column(default=70)
    max_attempts: Mapped[int | None]
    time_limit_minutes: Mapped[int | None]
    # The lesson (by key) this quiz ends: passing the quiz completes that lesson too.
    ends_lesson_key: Mapped[str | None] = mapped_column(sa.String(80))
    opens_at: Mapped[datetime | None]
    # Indexed for the daily "closing within 24 hours" reminder and the calendar.
    closes_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="quiz", cascade="all, delete-orphan", order_by="QuizQuestion.position"
    )

    def __repr__(self) -> str:
        return f"<Quiz {self.module_id}>"


class QuizQuestion(db.Model):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind))
    category: Mapped[str] = mapped_column(sa.String(255), default="")
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    text: Mapped[str] = mapped_column(sa.Text)
    feedback: Mapped[str] = mapped_column(sa.Text, default="")  # general feedback shown with results

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    choices: Mapped[list[QuizChoice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="QuizChoice.position"
    )


class QuizChoice(db.Model):
    """An answer option (or, for short answer, an accepted answer); weight is the fraction of the points."""

    __tablename__ = "quiz_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.Text)
    weight: Mapped[float] = mapped_column(default=0.0)  # 1.0 right, 0 wrong, 0.5 half, negative penalty
    feedback: Mapped[str] = mapped_column(sa.Text, default="")

    question: Mapped[QuizQuestion] = relationship(back_populates="choices")


class QuizAttempt(db.Model):
    """One attempt; `layout` keeps the question and answer order drawn for it and the tokens its form shows."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "user_id", "number"),
        sa.Index("ix_quiz_attempts_user", "user_id", "quiz_id"),
        # At most one attempt not yet submitted per trainee and quiz, whatever requests arrive together.
        sa.Index("ix_quiz_attempts_one_open", "quiz_id", "user_id", unique=True,
                 sqlite_where=sa.text("submitted_at IS NULL"), postgresql_where=sa.text("submitted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    # [{"q": question id, "c": [choice ids], "t": [the token the form shows for each choice]}]
    layout: Mapped[list] = mapped_column(sa.JSON, default=list)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    score_percent: Mapped[float | None]
    passed: Mapped[bool | None]
    late: Mapped[bool] = mapped_column(default=False)

    quiz: Mapped[Quiz] = relationship()

    @property
    def ends_at(self) -> datetime | None:
        """When answers stop counting: the attempt's own deadline (time limit) or the quiz's closing time,
        whichever is earlier; the closing time is read now, so a window shortened meanwhile ends it too."""
        ends = [t for t in (self.deadline_at, self.quiz.closes_at) if t is not None]
        return min(ends) if ends else None


class CertificateHeading(enum.StrEnum):
    """The national heading at the top right of the paper: a Party body's or a State body's."""

    PARTY = "party"  # ĐẢNG CỘNG SẢN VIỆT NAM
    STATE = "state"  # CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc


class CertificateIssuer(db.Model):
    """The school that issues the certificates of a unit's trainees (the nearest unit above a trainee that
    has one): the heading of its papers, the place written before the date, and who signs."""

    __tablename__ = "certificate_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    heading: Mapped[CertificateHeading] = mapped_column(str_enum(CertificateHeading, 10),
                                                        default=CertificateHeading.PARTY)
    superior_body: Mapped[str] = mapped_column(sa.String(255), default="")  # TỈNH ỦY QUẢNG TRỊ
    name: Mapped[str] = mapped_column(sa.String(255))  # TRƯỜNG CHÍNH TRỊ LÊ DUẨN
    place: Mapped[str] = mapped_column(sa.String(100))  # Quảng Trị
    number_suffix: Mapped[str] = mapped_column(sa.String(30), default="GCN")  # 123/2026/GCN
    signer_title: Mapped[str] = mapped_column(sa.String(255))  # HIỆU TRƯỞNG
    signer_name: Mapped[str] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()

    def __repr__(self) -> str:
        return f"<CertificateIssuer {self.unit_id} {self.name}>"


class CertificateCounter(db.Model):
    """The last number an issuer gave in a year; bumped in place by one atomic upsert per certificate."""

    __tablename__ = "certificate_counters"

    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_issuers.id", ondelete="CASCADE"),
                                           primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int]


class Certificate(db.Model):
    """Issued on program completion; the name, unit, program and issuing school are kept as they were on
    that day. Its number counts per issuing school and calendar year (Vietnam time): 123/2026/GCN."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.Index("ix_certificates_user", "user_id", "issued_at"),
        sa.Index("ix_certificates_number", "number"),  # an admin searches by the number on the paper
        sa.UniqueConstraint("issuer_id", "number_year", "serial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    cycle: Mapped[int] = mapped_column(default=1)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    unit_name: Mapped[str] = mapped_column(sa.String(255), default="")
    program_name: Mapped[str] = mapped_column(sa.String(255))
    hours: Mapped[int | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # None when no school was set up for the trainee's units on the day it was issued.
    issuer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate_issuers.id"))
    number_year: Mapped[int | None]
    serial: Mapped[int | None]
    number: Mapped[str] = mapped_column(sa.String(50), default="")
    # The issuer's heading, bodies, place and signer as printed that day (see CertificateIssuer).
    issued_by: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def __repr__(self) -> str:
        return f"<Certificate {self.number or self.id} {self.user_id} {self.program_id}>"


class LearningEvent(db.Model):
    """An append-only learning record shaped like an xAPI statement, written with the change it records."""

    __tablename__ = "learning_events"
    __table_args__ = (sa.Index("ix_learning_events_user", "user_id", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    verb: Mapped[str] = mapped_column(sa.String(20))  # launched, experienced, completed, passed, failed, submitted
    object_type: Mapped[str] = mapped_column(sa.String(20))  # lesson, module, quiz, program, assignment
    object_id: Mapped[int]
    object_name: Mapped[str] = mapped_column(sa.String(255), default="")
    revision_id: Mapped[int | None]
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    stored: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class OfflineEvent(db.Model):
    """A lesson opened or completed on a phone without a connection, applied once: the phone names each
    event with a key of its own and sends it again until it hears an answer."""

    __tablename__ = "offline_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # opened, completed
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lessons.id", ondelete="CASCADE"))
    happened_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<OfflineEvent {self.kind} {self.lesson_id}>"


class WhatsNewSeen(db.Model):
    """The revision of a module whose "what's new" note a trainee has read (one row per trainee and module)."""

    __tablename__ = "whats_new_seen"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("module_revisions.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
