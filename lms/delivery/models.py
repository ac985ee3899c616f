"""Classes and nominations, annual training plans with quotas, field trips with rubrics, attendance,
submissions (reports with attachments), grading and the library of exemplary reports.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import str_enum, utcnow
from lms.extensions import db
from lms.grading import DEFAULT_SCALE, GradeScale

if TYPE_CHECKING:
    from lms.accounts.models import User


class DeliveryMode(enum.StrEnum):
    CONCENTRATED = "concentrated"  # tập trung
    IN_SERVICE = "in_service"  # tại chức
    ONLINE = "online"  # trực tuyến


class_lecturers = sa.Table(
    "class_lecturers",
    db.metadata,
    sa.Column("class_id", sa.ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


class TrainingClass(db.Model):
    """One delivery (lớp) of a program or of a single module, managed by a unit."""

    __tablename__ = "classes"
    __table_args__ = (
        sa.CheckConstraint("(program_id IS NULL) <> (module_id IS NULL)", name="program_or_module"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("absence_limit_percent BETWEEN 0 AND 100", name="absence_limit_percent_range"),
        sa.Index("ix_classes_program_starts", "program_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id"))
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    mode: Mapped[DeliveryMode] = mapped_column(str_enum(DeliveryMode))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(255), default="")
    capacity: Mapped[int]
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # The share of sessions a trainee may miss and still complete through this class (lms.delivery.attendance).
    absence_limit_percent: Mapped[int] = mapped_column(default=20, server_default="20")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    program = relationship("Program")
    module = relationship("Module")
    unit = relationship("Unit")
    lecturers: Mapped[list[User]] = relationship("User", secondary=class_lecturers, order_by="User.full_name")

    @property
    def subject_name(self) -> str:
        if self.program is not None:
            return self.program.name
        return self.module.published.title if self.module and self.module.published else self.module.code

    @property
    def grade_scale(self) -> GradeScale:
        """Grades in this class follow its program's scale; a single-module class uses the default scale."""
        return self.program.grade_scale if self.program is not None else DEFAULT_SCALE

    def __repr__(self) -> str:
        return f"<TrainingClass {self.code}>"


class NominationState(enum.StrEnum):
    NOMINATED = "nominated"  # cử đi học
    APPROVED = "approved"  # đã duyệt
    ENROLLED = "enrolled"  # đã nhập học
    COMPLETED = "completed"  # hoàn thành
    WITHDRAWN = "withdrawn"  # rút

    @property
    def is_active(self) -> bool:
        return self in ACTIVE_STATES


ACTIVE_STATES = (NominationState.NOMINATED, NominationState.APPROVED, NominationState.ENROLLED)
# Every state that takes a seat in the class and counts against the plan's quota.
SEAT_STATES = (*ACTIVE_STATES, NominationState.COMPLETED)


class Nomination(db.Model):
    """A trainee nominated to a class, and their way through it. Flagged when their titles no longer fit."""

    __tablename__ = "nominations"
    __table_args__ = (
        sa.UniqueConstraint("class_id", "trainee_id"),
        sa.Index("ix_nominations_class_state", "class_id", "state"),
        sa.Index("ix_nominations_trainee_state", "trainee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[NominationState] = mapped_column(str_enum(NominationState), default=NominationState.NOMINATED)
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the nomination went over the unit's planned quota; the reason the admin gave.
    over_quota_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Set when the nominee's titles changed and they no longer meet the class's target group.
    flag_reason: Mapped[str | None] = mapped_column(sa.Text)
    flagged_at: Mapped[datetime | None]

    training_class: Mapped[TrainingClass] = relationship()
    trainee = relationship("User", foreign_keys=[trainee_id])
    nominated_by = relationship("User", foreign_keys=[nominated_by_id])

    def __repr__(self) -> str:
        return f"<Nomination {self.class_id}:{self.trainee_id} {self.state}>"


class TrainingPlan(db.Model):
    """A unit's annual training plan (kế hoạch đào tạo, bồi dưỡng hằng năm)."""

    __tablename__ = "training_plans"
    __table_args__ = (sa.UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    year: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit = relationship("Unit")
    quotas: Mapped[list[PlanQuota]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class PlanQuota(db.Model):
    """How many people a unit plans to send to a program in the plan's year."""

    __tablename__ = "plan_quotas"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "program_id"),
        sa.CheckConstraint("quota >= 0", name="quota_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("training_plans.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"), index=True)
    quota: Mapped[int]

    plan: Mapped[TrainingPlan] = relationship(back_populates="quotas")
    program = relationship("Program")


class TrainingNeed(db.Model):
    """A title assignment of an active trainee joined to a program that targets its title, with what a needs
    report asks of it; derived data kept by database triggers (lms.delivery.need_triggers).

    The report for a year picks the rows whose assignment is current on its day and whose completion is not
    valid through its end, so the rows do not change as days pass: only the writes to their sources change
    them. A valid completion with no expiry is never a need: such pairs have no row. `valid_until` is the
    expiry of a valid completion (a refresher falls due), None when there is none.
    """

    __tablename__ = "training_needs"
    __table_args__ = (
        # Covering, in the order of the counts' grouping: by unit (a subtree; also one program's people, read by
        # unit and program), and by branch (a whole tree, whose grid rows are the units right below its root).
        sa.Index("ix_training_needs_unit", "unit_id", "program_id", "shared", "starts_on", "ends_on",
                 "valid_until", "key_title", "user_id"),
        # A whole tree reads its rows by branch only where they are `shared` (the rest is counted in need_counts):
        # the index holds those few rows alone, and a bulk write of needs has one index fewer to fill.
        sa.Index("ix_training_needs_branch_shared", "branch_id", "program_id", "starts_on", "ends_on",
                 "valid_until", "key_title", "user_id", sqlite_where=sa.text("shared = 1"),
                 postgresql_where=sa.text("shared")),
        sa.Index("ix_training_needs_user", "user_id", "program_id"),
        sa.Index("ix_training_needs_title", "title_id", "program_id"),
        # The rows whose title starts or ends within a year, for a whole tree's report of that year; only those
        # with an edge (a title held without an end has none, one starting on 1 January neither).
        sa.Index("ix_training_needs_start_edge", "start_edge", "branch_id", "program_id", "shared", "starts_on",
                 "ends_on", "valid_until", "key_title", sqlite_where=sa.text("start_edge IS NOT NULL"),
                 postgresql_where=sa.text("start_edge IS NOT NULL")),
        sa.Index("ix_training_needs_end_edge", "end_edge", "branch_id", "program_id", "shared", "starts_on",
                 "ends_on", "valid_until", "key_title", "start_edge", sqlite_where=sa.text("end_edge IS NOT NULL"),
                 postgresql_where=sa.text("end_edge IS NOT NULL")),
    )

    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("title_assignments.id", ondelete="CASCADE"),
                                               primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None]
    branch_id: Mapped[int | None]  # the unit's ancestor right below the root of its tree (the root: itself)
    title_id: Mapped[int]
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    key_title: Mapped[bool]  # planned for a key title: must attend a concentrated class
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    # The person has another row for the program (two titles it targets): count them once (DISTINCT), and
    # the rest, nearly all, with a plain count.
    shared: Mapped[bool]
    # A need in every year from from_year to to_year whatever the report's day; in start_edge and end_edge (the
    # years its title starts or ends on another day than the year's first or last) the day decides.
    from_year: Mapped[int]
    to_year: Mapped[int]
    start_edge: Mapped[int | None]
    end_edge: Mapped[int | None]

    def __repr__(self) -> str:
        return f"<TrainingNeed user={self.user_id} program={self.program_id} assignment={self.assignment_id}>"


class NeedCount(db.Model):
    """How many people are in need for good over a range of years, per unit, program and key flag: the rows of
    `training_needs` that are not `shared`, counted by database triggers as rows come and go. A whole tree's
    report reads these few thousand rows instead of every need (lms.delivery.needs)."""

    __tablename__ = "need_counts"
    # Without a rowid on SQLite: the rows are the primary key's index, read in the order of the grouping.
    __table_args__ = ({"sqlite_with_rowid": False},)

    branch_id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    from_year: Mapped[int] = mapped_column(primary_key=True)
    to_year: Mapped[int] = mapped_column(primary_key=True)
    key_title: Mapped[bool] = mapped_column(primary_key=True)
    people: Mapped[int]

    def __repr__(self) -> str:
        return f"<NeedCount unit={self.unit_id} program={self.program_id} {self.from_year}-{self.to_year}>"


class NeedCountChange(db.Model):
    """A change to a count of `need_counts` made by a transaction that has not committed yet (PostgreSQL): the
    triggers on `training_needs` note them here as needs come and go, and at commit one deferred trigger adds
    them to the counts in one statement, in the counts' key order, and removes them, so that two transactions
    never take the locks of two counts in opposite orders (a deadlock). Empty between transactions; unused on
    SQLite, where one writer at a time updates the counts row by row (lms.delivery.need_triggers)."""

    __tablename__ = "need_count_changes"
    __table_args__ = (sa.Index("ix_need_count_changes_tx", "tx"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    tx: Mapped[int] = mapped_column(sa.BigInteger)
    opens: Mapped[bool]  # the transaction's first: it alone queues the apply at commit
    branch_id: Mapped[int]
    program_id: Mapped[int]
    unit_id: Mapped[int]
    from_year: Mapped[int]
    to_year: Mapped[int]
    key_title: Mapped[bool]
    people: Mapped[int]


class FieldTrip(db.Model):
    """A field-trip assignment by topic (đi thực tế theo chuyên đề) for a class, with its rubric."""

    __tablename__ = "field_trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(255))
    site: Mapped[str] = mapped_column(sa.String(255))
    locality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("localities.id"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    instructions_md: Mapped[str] = mapped_column(sa.Text, default="")
    instructions_html: Mapped[str] = mapped_column(sa.Text, default="")
    deadline: Mapped[datetime]
    pass_mark: Mapped[int] = mapped_column(default=50)  # out of 100
    checkin_code: Mapped[str | None] = mapped_column(sa.String(12))
    checkin_expires_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training_class: Mapped[TrainingClass] = relationship()
    module = relationship("Module")
    locality = relationship("Locality")
    criteria: Mapped[list[RubricCriterion]] = relationship(
        back_populates="trip", cascade="all, delete-orphan", order_by="RubricCriterion.position"
    )

    def __repr__(self) -> str:
        return f"<FieldTrip {self.id} {self.topic}>"


class RubricCriterion(db.Model):
    """One rubric criterion: a weight and level descriptions, lowest first (level i scores i points)."""

    __tablename__ = "rubric_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("field_trips.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(255))
    weight: Mapped[int] = mapped_column(default=1)
    levels: Mapped[list] = mapped_column(sa.JSON, default=list)  # list[str]

    trip: Mapped[FieldTrip] = relationship(back_populates="criteria")

    @property
    def max_points(self) -> int:
        return max(len(self.levels) - 1, 1)


class AttendanceMethod(enum.StrEnum):
    LIST = "list"  # recorded by the lecturer
    CODE = "code"  # the trainee entered the check-in code on site


class Attendance(db.Model):
    __tablename__ = "trip_attendances"
    __table_args__ = (sa.UniqueConstraint("trip_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("field_trips.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    method: Mapped[AttendanceMethod] = mapped_column(str_enum(AttendanceMethod, 10))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    trainee = relationship("User", foreign_keys=[trainee_id])


class CheckInFailure(db.Model):
    """A wrong check-in code entered by a trainee; a few in a row lock them out until the lecturer marks them."""

    __tablename__ = "trip_checkin_failures"
    __table_args__ = (sa.Index("ix_trip_checkin_failures_trip_trainee", "trip_id", "trainee_id", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("field_trips.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned for revision
    GRADED = "graded"


class Submission(db.Model):
    """A trainee's report (bài thu hoạch) for a field trip: Markdown rendered once, files, grade."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.UniqueConstraint("trip_id", "trainee_id"),
        sa.Index("ix_submissions_trip_status", "trip_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(sa.ForeignKey("field_trips.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(str_enum(SubmissionStatus), default=SubmissionStatus.DRAFT)
    body_md: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    scores: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {criterion id (str): points}
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    feedback_md: Mapped[str] = mapped_column(sa.Text, default="")
    feedback_html: Mapped[str] = mapped_column(sa.Text, default="")
    graded_at: Mapped[datetime | None]
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    exemplary_consent_at: Mapped[datetime | None]

    trip: Mapped[FieldTrip] = relationship()
    trainee = relationship("User", foreign_keys=[trainee_id])
    graded_by = relationship("User", foreign_keys=[graded_by_id])
    files: Mapped[list[SubmissionFile]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="SubmissionFile.id"
    )

    @property
    def editable(self) -> bool:
        return self.status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED, SubmissionStatus.SUBMITTED)

    def __repr__(self) -> str:
        return f"<Submission {self.trip_id}:{self.trainee_id} {self.status}>"


class SubmissionFile(db.Model):
    """An attachment kept in the upload storage (lms.storage) under a random name; its type was checked by
    content."""

    __tablename__ = "submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="files")


class ExemplaryReport(db.Model):
    """A graded report published, with its author's consent, into a module's library (báo cáo điển hình)."""

    __tablename__ = "exemplary_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), unique=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(255))
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()
    module = relationship("Module")
