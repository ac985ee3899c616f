"""The read side of a person's whole record: one statement per section, whatever the record's size.

Every section reads by the person's id through an index that leads with it (title assignments, program and
module statuses, quiz attempts, submissions, nominations, certificates), and the audit trail through the
(object_type, object_id) index of the objects that belong to the person.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import TitleAssignment, User
from lms.audit import AuditEntry
from lms.curriculum.models import Module, ModuleRevision, Program
from lms.delivery.models import FieldTrip, Nomination, Submission, SubmissionStatus, TrainingClass
from lms.extensions import db
from lms.learning.models import Certificate, ModuleStatus, ProgramStatus, Quiz, QuizAttempt
from lms.organisation.models import Locality, Title, Unit

AUDIT_LIMIT = 200
ATTEMPT_LIMIT = 200


@dataclass
class Record:
    user: User
    unit: Unit | None
    locality: Locality | None
    titles: list = field(default_factory=list)  # (TitleAssignment, Title)
    programs: list = field(default_factory=list)  # rows: status columns and program name
    modules: list = field(default_factory=list)
    attempts: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    nominations: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    audit: list = field(default_factory=list)


def person(user_id: int) -> sa.Select:
    return (sa.select(User, Unit, Locality).outerjoin(Unit, Unit.id == User.unit_id)
            .outerjoin(Locality, Locality.id == Unit.locality_id).where(User.id == user_id))


def titles(user_id: int) -> sa.Select:
    return (sa.select(TitleAssignment.kind, TitleAssignment.start_date, TitleAssignment.end_date, Title.code,
                      Title.name, Title.is_key)
            .join(Title, Title.id == TitleAssignment.title_id).where(TitleAssignment.user_id == user_id)
            .order_by(TitleAssignment.kind, TitleAssignment.start_date.desc(), Title.name))


def programs(user_id: int) -> sa.Select:
    return (sa.select(ProgramStatus.program_id, Program.code, Program.name, ProgramStatus.state,
                      ProgramStatus.required_done, ProgramStatus.required_total, ProgramStatus.started_on,
                      ProgramStatus.due_on, ProgramStatus.completed_at, ProgramStatus.valid_until,
                      ProgramStatus.cycle)
            .join(Program, Program.id == ProgramStatus.program_id).where(ProgramStatus.user_id == user_id)
            .order_by(Program.name))


def modules(user_id: int) -> sa.Select:
    return (sa.select(Module.code, ModuleRevision.title, ModuleStatus.state, ModuleStatus.lessons_done,
                      ModuleStatus.lessons_total, ModuleStatus.quiz_passed_at, ModuleStatus.completed_at,
                      ModuleStatus.updated_at)
            .join(Module, Module.id == ModuleStatus.module_id)
            .outerjoin(ModuleRevision, ModuleRevision.id == Module.published_revision_id)
            .where(ModuleStatus.user_id == user_id).order_by(Module.code))


def attempts(user_id: int) -> sa.Select:
    return (sa.select(Module.code, QuizAttempt.number, QuizAttempt.submitted_at, QuizAttempt.score_percent,
                      QuizAttempt.passed, QuizAttempt.late)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id).join(Module, Module.id == Quiz.module_id)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.submitted_at.is_not(None))
            .order_by(QuizAttempt.submitted_at.desc()).limit(ATTEMPT_LIMIT))


def reports(user_id: int) -> sa.Select:
    return (sa.select(TrainingClass.code.label("class_code"), FieldTrip.topic, Submission.status,
                      Submission.submitted_at, Submission.late, Submission.score, Submission.passed,
                      Submission.graded_at)
            .join(FieldTrip, FieldTrip.id == Submission.trip_id)
            .join(TrainingClass, TrainingClass.id == FieldTrip.class_id)
            .where(Submission.trainee_id == user_id, Submission.status != SubmissionStatus.DRAFT)
            .order_by(FieldTrip.deadline.desc()))


def nominations(user_id: int) -> sa.Select:
    return (sa.select(Nomination.id, Nomination.state, Nomination.nominated_at, Nomination.updated_at,
                      Nomination.over_quota_reason, Nomination.flag_reason, TrainingClass.id.label("class_id"),
                      TrainingClass.code, TrainingClass.name, TrainingClass.mode, TrainingClass.starts_on,
                      TrainingClass.ends_on, Unit.path.label("class_unit_path"))
            .join(TrainingClass, TrainingClass.id == Nomination.class_id)
            .join(Unit, Unit.id == TrainingClass.unit_id)
            .where(Nomination.trainee_id == user_id).order_by(TrainingClass.starts_on.desc()))


def certificates(user_id: int) -> sa.Select:
    return (sa.select(Certificate.id, Certificate.code, Certificate.number, Certificate.program_name,
                      Certificate.cycle, Certificate.issued_at, Certificate.valid_until, Certificate.revoked_at,
                      Certificate.revoked_reason)
            .where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc()))


def audit_trail(user_id: int, limit: int = AUDIT_LIMIT) -> sa.Select:
    """Staff actions on the person's account, titles, nominations, reports and certificates, newest first."""
    actor = aliased(User, name="actor")
    owned = sa.or_(
        sa.and_(AuditEntry.object_type == "users", AuditEntry.object_id == user_id),
        sa.and_(AuditEntry.object_type == "nominations",
                AuditEntry.object_id.in_(sa.select(Nomination.id).where(Nomination.trainee_id == user_id))),
        sa.and_(AuditEntry.object_type == "submissions",
                AuditEntry.object_id.in_(sa.select(Submission.id).where(Submission.trainee_id == user_id))),
        sa.and_(AuditEntry.object_type == "certificates",
                AuditEntry.object_id.in_(sa.select(Certificate.id).where(Certificate.user_id == user_id))),
    )
    return (sa.select(AuditEntry.at, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
                      AuditEntry.detail, actor.full_name.label("actor_name"))
            .outerjoin(actor, actor.id == AuditEntry.actor_id).where(owned)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))


def record_of(user_id: int) -> Record | None:
    """The whole record in nine statements, or None for an unknown person."""
    found = db.session.execute(person(user_id)).first()
    if found is None:
        return None
    record = Record(*found)
    for name, select in (("titles", titles), ("programs", programs), ("modules", modules),
                         ("attempts", attempts), ("reports", reports), ("nominations", nominations),
                         ("certificates", certificates), ("audit", audit_trail)):
        setattr(record, name, db.session.execute(select(user_id)).all())
    return record


def certificate_state(row, today: date) -> str:
    """valid | expired | revoked."""
    if row.revoked_at is not None:
        return "revoked"
    if row.valid_until is not None and row.valid_until < today:
        return "expired"
    return "valid"
