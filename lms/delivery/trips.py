"""Field trips (đi thực tế theo chuyên đề): assignments with rubrics, attendance and check-in.
Reports, grading and exemplary reports are in lms.delivery.reports. Services flush; the request commits.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit, markup
from lms.accounts.models import Role, User
from lms.accounts.services import inspects
from lms.curriculum.models import Module
from lms.dates import CLASS_DATES
from lms.db import utcnow
from lms.delivery import checkin
from lms.delivery.checkin import CHECKIN_MAX_FAILURES, CHECKIN_MINUTES  # noqa: F401 (the trip's limits)
from lms.delivery.models import (
    Attendance,
    AttendanceMethod,
    CheckInFailure,
    FieldTrip,
    Nomination,
    NominationState,
    RubricCriterion,
    Submission,
    SubmissionStatus,
    TrainingClass,
)
from lms.delivery.services import is_class_lecturer
from lms.errors import Conflict, InvalidInput, NotAllowed, NotFound
from lms.extensions import db
from lms.text import clean_name


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def ensure_lecturer_of(actor: User, klass: TrainingClass) -> None:
    if not is_class_lecturer(actor, klass):
        raise NotAllowed(_("Bạn không phải giảng viên của lớp này."))


def trip_modules(klass: TrainingClass) -> list[Module]:
    """Modules a field trip of this class may belong to: the class's module, or its program's modules."""
    if klass.module is not None:
        return [klass.module]
    return [item.module for item in klass.program.items]


# --- assignments ---------------------------------------------------------------------------------


@dataclass
class CriterionInput:
    name: str
    weight: int
    levels: list[str]


def parse_rubric(text: str) -> list[CriterionInput]:
    """One criterion a line: `name | weight | lowest level | ... | highest level`."""
    criteria, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [_text(p) for p in line.split("|")]
        if len(parts) < 4 or not parts[0]:
            problems.append(_("Dòng %(n)d: cần tên tiêu chí, trọng số và ít nhất hai mức.", n=number))
            continue
        try:
            weight = int(parts[1])
        except ValueError:
            weight = 0
        if weight < 1:
            problems.append(_("Dòng %(n)d: trọng số phải là số nguyên dương.", n=number))
            continue
        levels = [p for p in parts[2:] if p]
        if len(levels) < 2:
            problems.append(_("Dòng %(n)d: cần ít nhất hai mức đánh giá.", n=number))
            continue
        criteria.append(CriterionInput(parts[0], weight, levels))
    if problems:
        raise InvalidInput(_("Thang đánh giá chưa đúng."), problems)
    if not criteria:
        raise InvalidInput(_("Thang đánh giá cần ít nhất một tiêu chí."))
    return criteria


def criteria_from_rows(rows) -> list[CriterionInput]:
    """The rubric editor's rows ({name, weight, levels}): each a name, a positive weight and at least two
    levels; the weights are percentages and sum to 100."""
    criteria, problems = [], []
    for number, row in enumerate(rows, start=1):
        name, weight = _text(row.get("name")), row.get("weight")
        levels = [_text(level) for level in row.get("levels") or () if _text(level)]
        if not name:
            problems.append(_("Tiêu chí %(n)d: cần tên tiêu chí.", n=number))
        if not isinstance(weight, int) or weight < 1:
            problems.append(_("Tiêu chí %(n)d: trọng số phải là số nguyên dương.", n=number))
        if len(levels) < 2:
            problems.append(_("Tiêu chí %(n)d: cần ít nhất hai mức đánh giá.", n=number))
        criteria.append(CriterionInput(name, weight if isinstance(weight, int) else 0, levels))
    if not criteria:
        problems.append(_("Thang đánh giá cần ít nhất một tiêu chí."))
    elif not problems and sum(c.weight for c in criteria) != 100:
        problems.append(_("Tổng trọng số là %(total)d%%; cần đúng 100%%.", total=sum(c.weight for c in criteria)))
    if problems:
        raise InvalidInput(_("Thang đánh giá chưa đúng."), problems)
    return criteria


def rubric_text(trip: FieldTrip) -> str:
    return "\n".join(" | ".join([c.name, str(c.weight), *c.levels]) for c in trip.criteria)


def save_trip(
    actor: User,
    klass: TrainingClass,
    trip: FieldTrip | None,
    *,
    module: Module,
    topic: str,
    site: str,
    locality=None,
    starts_on: date,
    ends_on: date,
    instructions_md: str,
    deadline: datetime,
    criteria: list[CriterionInput],
    pass_mark: int = 50,
) -> FieldTrip:
    """Create or update a field-trip assignment of a class the actor teaches."""
    ensure_lecturer_of(actor, klass)
    if trip is not None and trip.class_id != klass.id:
        raise NotFound()
    if module.id not in {m.id for m in trip_modules(klass)}:
        raise InvalidInput(_("Học phần này không thuộc nội dung của lớp."))
    topic, site = clean_name(topic), clean_name(site)
    if not topic or not site:
        raise InvalidInput(_("Cần có chuyên đề và địa điểm đi thực tế."))
    CLASS_DATES.check(starts_on, _("Từ ngày"))
    CLASS_DATES.check(ends_on, _("Đến ngày"))
    CLASS_DATES.check(deadline, _("Hạn nộp bài thu hoạch"))
    if ends_on < starts_on:
        raise InvalidInput(_("Ngày kết thúc phải sau ngày bắt đầu."))
    if not 0 <= pass_mark <= 100:
        raise InvalidInput(_("Điểm đạt phải từ 0 đến 100."))
    if not criteria:
        raise InvalidInput(_("Thang đánh giá cần ít nhất một tiêu chí."))
    if trip is None:
        trip = FieldTrip(training_class=klass, created_by_id=actor.id)
        db.session.add(trip)
    elif ([(c.name, c.weight, c.levels) for c in trip.criteria] != [(c.name, c.weight, c.levels) for c in criteria]
          and db.session.scalar(sa.select(Submission.id).where(
              Submission.trip_id == trip.id, Submission.status == SubmissionStatus.GRADED).limit(1))):
        raise Conflict(_("Đã có bài được chấm theo thang này; không thể sửa thang đánh giá."))
    trip.module, trip.topic, trip.site, trip.locality = module, topic, site, locality
    trip.starts_on, trip.ends_on, trip.deadline, trip.pass_mark = starts_on, ends_on, deadline, pass_mark
    trip.instructions_md = instructions_md or ""
    trip.instructions_html = markup.render_markdown(trip.instructions_md)
    current = [(c.name, c.weight, c.levels) for c in trip.criteria]
    if current != [(c.name, c.weight, c.levels) for c in criteria]:
        trip.criteria = [RubricCriterion(position=i, name=c.name, weight=c.weight, levels=c.levels)
                         for i, c in enumerate(criteria)]
    db.session.flush()
    audit.record(actor, "trip.save", trip, class_code=klass.code, topic=topic)
    return trip


# --- who takes part, who may see --------------------------------------------------------------------


def is_participant(user: User, klass: TrainingClass) -> bool:
    """Approved, enrolled or completed trainees of the class take part in its field trips."""
    return db.session.scalar(
        sa.select(Nomination.id).where(
            Nomination.class_id == klass.id, Nomination.trainee_id == user.id,
            Nomination.state.in_((NominationState.APPROVED, NominationState.ENROLLED, NominationState.COMPLETED)),
        )
    ) is not None


def participants(klass: TrainingClass, *options) -> list[User]:
    """The class's trainees in name order; `options` load what the caller reads of each (their unit...)."""
    return list(db.session.scalars(
        sa.select(User).join(Nomination, Nomination.trainee_id == User.id)
        .where(Nomination.class_id == klass.id,
               Nomination.state.in_((NominationState.APPROVED, NominationState.ENROLLED, NominationState.COMPLETED)))
        .order_by(User.full_name).options(*options)
    ))


def can_view_trip(user: User, trip: FieldTrip) -> bool:
    klass = trip.training_class
    if is_class_lecturer(user, klass) or is_participant(user, klass) or inspects(user, klass.unit):
        return True
    scope = user.admin_scope if user.has_role(Role.ADMIN) else None
    return scope is not None and scope.contains(klass.unit)


# --- attendance ----------------------------------------------------------------------------------


def record_attendance(actor: User, trip: FieldTrip, present: list[User]) -> int:
    """The lecturer's list: marks these participants present (others keep what they had); returns added."""
    klass = trip.training_class
    ensure_lecturer_of(actor, klass)
    allowed = {u.id for u in participants(klass)}
    if any(u.id not in allowed for u in present):
        raise InvalidInput(_("Chỉ học viên của lớp mới được điểm danh."))
    have = set(db.session.scalars(sa.select(Attendance.trainee_id).where(Attendance.trip_id == trip.id)))
    added = 0
    for user in present:
        if user.id not in have:
            db.session.add(Attendance(trip_id=trip.id, trainee_id=user.id, method=AttendanceMethod.LIST,
                                      recorded_by_id=actor.id))
            added += 1
    db.session.flush()
    audit.record(actor, "trip.attendance", trip, added=added)
    return added


def open_checkin(actor: User, trip: FieldTrip, minutes: int = CHECKIN_MINUTES) -> str:
    """A new short-lived check-in code for trainees on site; the previous one stops working."""
    ensure_lecturer_of(actor, trip.training_class)
    code = checkin.open_code(trip, minutes)
    audit.record(actor, "trip.checkin_open", trip, minutes=minutes)
    return code


def check_in(user: User, trip: FieldTrip, code: str, now: datetime | None = None) -> Attendance:
    """A participant records their own presence with the code shown on site."""
    now = now or utcnow()
    if not is_participant(user, trip.training_class):
        raise NotAllowed(_("Bạn không phải học viên của lớp này."))
    checkin.check_code(trip, code, failures=CheckInFailure, key="trip_id", trainee_id=user.id, now=now)
    existing = db.session.scalar(
        sa.select(Attendance).where(Attendance.trip_id == trip.id, Attendance.trainee_id == user.id)
    )
    if existing is not None:
        return existing
    attendance = Attendance(trip_id=trip.id, trainee_id=user.id, method=AttendanceMethod.CODE, recorded_at=now)
    db.session.add(attendance)
    db.session.flush()
    return attendance


qr_svg = checkin.qr_svg
