"""Inspections of classes: recorded by an inspector of the class's subtree, answered by its managing admin.
Services flush; the request commits."""
from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import audit
from lms.accounts import services as accounts
from lms.accounts.models import Role, User
from lms.dates import CLASS_DATES
from lms.db import utcnow
from lms.delivery import services as delivery
from lms.delivery.models import TrainingClass
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db
from lms.organisation.models import Unit
from lms.supervision.models import Inspection

log = logging.getLogger(__name__)


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def can_inspect(user: User, klass: TrainingClass) -> bool:
    return accounts.inspects(user, klass.unit)


def record_inspection(actor: User, klass: TrainingClass, *, inspected_on: date, findings: str,
                      recommendations: str, follow_up_due: date) -> Inspection:
    """An inspector of the class's subtree records what they found; the class's admins must answer."""
    if not can_inspect(actor, klass):
        raise NotAllowed(_("Lớp này không thuộc phạm vi kiểm tra, giám sát của bạn."))
    findings, recommendations = _text(findings), _text(recommendations)
    problems = []
    if not findings:
        problems.append(_("Hãy ghi kết quả kiểm tra (những điều phát hiện)."))
    for day, field in ((inspected_on, _("Ngày kiểm tra")), (follow_up_due, _("Hạn trả lời"))):
        if day is None:
            problems.append(_("Hãy nhập %(field)s.", field=field.lower()))
        elif not CLASS_DATES.contains(day):
            problems.append(CLASS_DATES.message(field))
    if inspected_on and follow_up_due and follow_up_due < inspected_on:
        problems.append(_("Hạn trả lời phải từ ngày kiểm tra trở đi."))
    if problems:
        raise InvalidInput(problems[0], problems)
    inspection = Inspection(training_class=klass, inspector_id=actor.id, inspected_on=inspected_on,
                            findings=findings, recommendations=recommendations, follow_up_due=follow_up_due)
    db.session.add(inspection)
    db.session.flush()
    audit.record(actor, "inspection.record", inspection, class_code=klass.code, on=inspected_on.isoformat(),
                 due=follow_up_due.isoformat(), findings=findings, recommendations=recommendations or None)
    return inspection


def answer_inspection(actor: User, inspection: Inspection, answer: str) -> Inspection:
    """The class's managing admin answers an inspection (what was done about its findings)."""
    delivery.ensure_manages_class(actor, inspection.training_class)
    answer = _text(answer)
    if not answer:
        raise InvalidInput(_("Hãy ghi nội dung trả lời, khắc phục."))
    if inspection.answered_at is not None:
        raise Conflict(_("Kết luận kiểm tra này đã được trả lời."))
    inspection.answer, inspection.answered_by_id, inspection.answered_at = answer, actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "inspection.answer", inspection, class_code=inspection.training_class.code, answer=answer)
    return inspection


def inspections_of(klass: TrainingClass) -> sa.Select:
    return (sa.select(Inspection).where(Inspection.class_id == klass.id)
            .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()))


def open_findings(admin: User) -> sa.Select:
    """Inspections not yet answered of the classes the admin manages, the earliest due first."""
    if not admin.has_role(Role.ADMIN) or admin.admin_scope is None:
        return sa.select(Inspection).where(sa.false())
    scope = admin.admin_scope
    return (sa.select(Inspection).join(TrainingClass, Inspection.class_id == TrainingClass.id)
            .join(Unit, TrainingClass.unit_id == Unit.id)
            .where(Inspection.answered_at.is_(None), Unit.path.startswith(scope.path))
            .order_by(Inspection.follow_up_due, Inspection.id))
