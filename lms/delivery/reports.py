"""Reports on field trips (bài thu hoạch): writing with checked attachments, who may read them, grading
with the rubric, and the library of exemplary reports. Services flush; the request commits.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms import audit, markup, signals
from lms.accounts.models import Role, User
from lms.accounts.services import inspects
from lms.curriculum.models import Module, ProgramModule
from lms.db import utcnow
from lms.delivery import files
from lms.delivery.models import (
    SEAT_STATES,
    ExemplaryReport,
    FieldTrip,
    Nomination,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    TrainingClass,
)
from lms.delivery.services import is_class_lecturer
from lms.delivery.trips import ensure_lecturer_of, is_participant
from lms.errors import Conflict, InvalidInput, NotAllowed, NotFound
from lms.extensions import db
from lms.text import clean_name

MAX_FILES = 10


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


# --- who may read ----------------------------------------------------------------------------------


def can_read_submission(user: User, submission: Submission) -> bool:
    """The owner, the class's lecturers, admins whose scope holds the trainee, and the class's inspectors."""
    if submission.trainee_id == user.id:
        return True
    if is_class_lecturer(user, submission.trip.training_class) or inspects(user, submission.trip.training_class.unit):
        return True
    scope = user.admin_scope if user.has_role(Role.ADMIN) else None
    return scope is not None and scope.contains(submission.trainee.unit)


def submission_for_reader(user: User, submission_id: int) -> Submission:
    """The submission if the user may read it; NotFound otherwise, so ids cannot be probed."""
    submission = db.session.get(Submission, submission_id)
    if submission is None or not can_read_submission(user, submission):
        raise NotFound(_("Không tìm thấy bài thu hoạch."))
    return submission


def file_for_reader(user: User, submission_id: int, file_id: int) -> SubmissionFile:
    submission = submission_for_reader(user, submission_id)
    attachment = db.session.get(SubmissionFile, file_id)
    if attachment is None or attachment.submission_id != submission.id:
        raise NotFound(_("Không tìm thấy tệp."))
    return attachment


# --- submissions ---------------------------------------------------------------------------------


@dataclass
class Upload:
    filename: str
    data: bytes


# Files replaced in a transaction are deleted once it commits. Files written in a transaction that ends any
# other way (rolled back, its COMMIT failed on a full disk, the session closed) are deleted when it ends, so a
# refused or failed request leaves neither rows nor stray files behind.
@event.listens_for(Session, "after_commit")
def _delete_replaced_files(session):
    session.info.pop("delivery_new_files", None)
    for name in session.info.pop("delivery_delete_files", []):
        files.remove(name)


@event.listens_for(Session, "after_transaction_end")
def _delete_new_files_unless_committed(session, transaction):
    if transaction.parent is not None:
        return
    session.info.pop("delivery_delete_files", None)
    for name in session.info.pop("delivery_new_files", []):  # after_commit took them if it committed
        files.remove(name)


def _delete_after_commit(stored_name: str) -> None:
    db.session.info.setdefault("delivery_delete_files", []).append(stored_name)


def _store_in_transaction(data: bytes) -> str:
    name = files.store(data)
    db.session.info.setdefault("delivery_new_files", []).append(name)
    return name


def my_submission(user: User, trip: FieldTrip) -> Submission | None:
    return db.session.scalar(
        sa.select(Submission).where(Submission.trip_id == trip.id, Submission.trainee_id == user.id)
    )


def save_submission(
    user: User,
    trip: FieldTrip,
    *,
    body_md: str,
    uploads: list[Upload] = (),
    remove_file_ids: list[int] = (),
    submit: bool = False,
    consent: bool | None = None,
    now: datetime | None = None,
) -> Submission:
    """Save the trainee's report as a draft or submit it; files are checked by content and written to
    disk before the row changes, so a failure leaves the previous saved version as it was."""
    now = now or utcnow()
    if not is_participant(user, trip.training_class):
        raise NotAllowed(_("Bạn không phải học viên của lớp này."))
    submission = my_submission(user, trip)
    if submission is not None and submission.status == SubmissionStatus.GRADED:
        raise Conflict(_("Bài đã được chấm; không thể sửa hay nộp lại."))
    checked = []
    problems = []
    for upload in uploads:
        kind = files.sniff(upload.data)
        if kind is None:
            problems.append(_("Tệp %(name)s không thuộc loại được nhận (%(kinds)s).", name=upload.filename or "?",
                              kinds=files.ALLOWED_LABELS))
        elif not upload.data:
            problems.append(_("Tệp %(name)s rỗng.", name=upload.filename))
        else:
            checked.append((upload, kind))
    if problems:
        raise InvalidInput(_("Không lưu được bài: có tệp không hợp lệ."), problems)
    kept = [f for f in (submission.files if submission else []) if f.id not in set(remove_file_ids)]
    if len(kept) + len(checked) > MAX_FILES:
        raise InvalidInput(_("Mỗi bài được đính kèm tối đa %(n)d tệp.", n=MAX_FILES))
    if submit and not _text(body_md) and not kept and not checked:
        raise InvalidInput(_("Bài thu hoạch đang trống; hãy viết nội dung hoặc đính kèm tệp trước khi nộp."))
    # Write every new file completely first; only then point rows at them.
    stored = [(upload, kind, _store_in_transaction(upload.data)) for upload, kind in checked]
    if submission is None:
        submission = Submission(trip=trip, trainee_id=user.id)
        db.session.add(submission)
    for attachment in list(submission.files):
        if attachment.id in set(remove_file_ids):
            submission.files.remove(attachment)
            _delete_after_commit(attachment.stored_name)
    for upload, kind, name in stored:
        submission.files.append(SubmissionFile(stored_name=name, original_name=files.clean_name(upload.filename, kind),
                                               content_type=kind.content_type, size=len(upload.data)))
    submission.body_md = body_md or ""
    submission.body_html = markup.render_markdown(submission.body_md)
    submission.saved_at = now
    consent_changed = consent is not None and consent != (submission.exemplary_consent_at is not None)
    if consent_changed:
        submission.exemplary_consent_at = now if consent else None
    if submit:
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = now
        submission.late = now > trip.deadline
    elif submission.status != SubmissionStatus.RETURNED:
        # A submitted report saved again as a draft is no longer submitted until sent again.
        submission.status = SubmissionStatus.DRAFT
    db.session.flush()
    if consent_changed:
        audit.record(user, "submission.consent", submission, consent=consent)
        if not consent:
            _unpublish_without_consent(submission)
    return submission


def _unpublish_without_consent(submission: Submission) -> None:
    report = db.session.scalar(sa.select(ExemplaryReport).where(ExemplaryReport.submission_id == submission.id))
    if report is not None:
        db.session.delete(report)
        audit.record(submission.trainee, "exemplary.withdrawn", submission)


def set_consent(user: User, submission: Submission, consent: bool) -> None:
    """The trainee records (or withdraws) consent to publish the report as an exemplary report."""
    if submission.trainee_id != user.id:
        raise NotFound()
    if consent:
        submission.exemplary_consent_at = submission.exemplary_consent_at or utcnow()
    else:
        submission.exemplary_consent_at = None
        _unpublish_without_consent(submission)
    audit.record(user, "submission.consent", submission, consent=consent)
    db.session.flush()


# --- grading -------------------------------------------------------------------------------------


def compute_score(trip: FieldTrip, points: dict[int, int]) -> float:
    """Weighted score out of 100: each criterion's level over its highest level, weighted."""
    total_weight = sum(c.weight for c in trip.criteria)
    value = sum(c.weight * points[c.id] / c.max_points for c in trip.criteria)
    return round(100 * value / total_weight, 1)


def grade(actor: User, submission: Submission, *, points: dict[int, int], feedback_md: str,
          return_for_revision: bool = False) -> Submission:
    """Score each criterion, write feedback, and grade the report or return it for revision."""
    trip = submission.trip
    ensure_lecturer_of(actor, trip.training_class)
    if submission.status not in (SubmissionStatus.SUBMITTED,):
        raise Conflict(_("Chỉ chấm được bài đã nộp và chưa chấm."))
    missing = [c.name for c in trip.criteria if c.id not in points]
    if missing and not return_for_revision:
        raise InvalidInput(_("Hãy chọn mức cho mọi tiêu chí: %(names)s.", names=", ".join(missing)))
    for criterion in trip.criteria:
        if criterion.id in points and not 0 <= points[criterion.id] <= criterion.max_points:
            raise InvalidInput(_("Mức chấm không hợp lệ cho tiêu chí %(name)s.", name=criterion.name))
    if return_for_revision and not _text(feedback_md):
        raise InvalidInput(_("Hãy ghi nhận xét để học viên biết cần sửa gì."))
    now = utcnow()
    submission.scores = {str(k): v for k, v in points.items()}
    submission.feedback_md = feedback_md or ""
    submission.feedback_html = markup.render_markdown(submission.feedback_md)
    submission.graded_at, submission.graded_by_id = now, actor.id
    if return_for_revision:
        submission.status = SubmissionStatus.RETURNED
        submission.score, submission.passed = None, False
    else:
        submission.status = SubmissionStatus.GRADED
        submission.score = compute_score(trip, points)
        submission.passed = submission.score >= trip.pass_mark
    db.session.flush()
    audit.record(actor, "submission.returned" if return_for_revision else "submission.graded", submission,
                 score=submission.score, passed=submission.passed)
    signals.report_graded.send(submission=submission, returned=return_for_revision, actor=actor)
    if not return_for_revision:  # a report sent back for revision is not a grade yet
        signals.assignment_graded.send(user=submission.trainee, module=trip.module, passed=bool(submission.passed),
                                       score=submission.score, graded_at=now, actor=actor)
    return submission


# --- exemplary reports ---------------------------------------------------------------------------


def publish_exemplary(actor: User, submission: Submission, title: str) -> ExemplaryReport:
    """Publish a graded report, whose author consented, into its module's library."""
    ensure_lecturer_of(actor, submission.trip.training_class)
    if submission.status != SubmissionStatus.GRADED:
        raise Conflict(_("Chỉ bài đã chấm mới được chọn làm bài thu hoạch tiêu biểu."))
    if submission.exemplary_consent_at is None:
        raise Conflict(_("Học viên chưa đồng ý cho công bố bài này là bài thu hoạch tiêu biểu."))
    title = clean_name(title) or submission.trip.topic
    report = db.session.scalar(sa.select(ExemplaryReport).where(ExemplaryReport.submission_id == submission.id))
    if report is None:
        report = ExemplaryReport(submission=submission, module_id=submission.trip.module_id)
        db.session.add(report)
    report.title, report.published_by_id, report.published_at = title, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "exemplary.published", report, submission=submission.id)
    return report


def can_view_library(user: User, module: Module) -> bool:
    """Lecturers and admins; trainees in a class of this module or of a program that contains it."""
    if user.has_role(Role.LECTURER, Role.ADMIN):
        return True
    program_ids = sa.select(ProgramModule.program_id).where(ProgramModule.module_id == module.id)
    return db.session.scalar(
        sa.select(Nomination.id).join(TrainingClass, Nomination.class_id == TrainingClass.id)
        .where(Nomination.trainee_id == user.id, Nomination.state.in_(SEAT_STATES),
               sa.or_(TrainingClass.module_id == module.id, TrainingClass.program_id.in_(program_ids)))
        .limit(1)
    ) is not None


def library(user: User, module: Module) -> list[ExemplaryReport]:
    if not can_view_library(user, module):
        raise NotAllowed(_("Các bài thu hoạch tiêu biểu này dành cho học viên của học phần."))
    return list(db.session.scalars(
        sa.select(ExemplaryReport).where(ExemplaryReport.module_id == module.id)
        .options(sa.orm.selectinload(ExemplaryReport.submission).selectinload(Submission.trainee))
        .order_by(ExemplaryReport.published_at.desc())
    ))


def exemplary_for_reader(user: User, report_id: int) -> ExemplaryReport:
    report = db.session.get(ExemplaryReport, report_id)
    if report is None or not can_view_library(user, report.module):
        raise NotFound()
    return report
