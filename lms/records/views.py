"""A person's whole record as a page and as a CSV / XLSX file."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.access import signed_in
from lms.accounts.models import Role, TheoryLevel, User
from lms.dashboards import exports
from lms.delivery.forms import MODE_LABELS
from lms.delivery.models import NominationState
from lms.delivery.services import state_label, theory_level_name
from lms.extensions import db
from lms.formats import local_date, local_datetime, local_today
from lms.learning.views import STATE_LABELS
from lms.records import queries, services
from lms.supervision import audit_text

bp = Blueprint("records", __name__)

KIND_LABELS = {"held": _l("Đang giữ"), "planned": _l("Quy hoạch")}
CERTIFICATE_LABELS = {"valid": _l("Còn hiệu lực"), "expired": _l("Hết hiệu lực"), "revoked": _l("Đã thu hồi")}
REPORT_LABELS = {"submitted": _l("Đã nộp, chờ chấm"), "returned": _l("Trả lại để sửa"), "graded": _l("Đã chấm")}


def _record_or_404(user_id: int) -> queries.Record:
    user = db.get_or_404(User, user_id)
    services.ensure_can_read(current_user, user)
    return queries.record_of(user.id) or abort(404)


def _labels() -> dict:
    return {"kind": lambda k: str(KIND_LABELS.get(str(k), k)), "learning": lambda s: str(STATE_LABELS.get(str(s), s)),
            "nomination": state_label, "mode": lambda m: str(MODE_LABELS.get(m, m)),
            "certificate": lambda s: str(CERTIFICATE_LABELS[s]), "report": lambda s: str(REPORT_LABELS.get(str(s), s)),
            "theory": lambda level: theory_level_name(TheoryLevel(level)), "audit": audit_text.action_label,
            "audit_detail": audit_text.detail_parts}


@bp.route("/people/<int:user_id>")
@signed_in
def person(user_id: int):
    record = _record_or_404(user_id)
    return render_template("records/person.html", record=record, today=local_today(), labels=_labels(),
                           certificate_state=queries.certificate_state, class_link=_class_link(current_user, user_id))


SEATED = (NominationState.APPROVED, NominationState.ENROLLED, NominationState.COMPLETED)


def _class_link(reader: User, person_id: int):
    """Where a class of the record leads its reader: the class page for an admin who may open it (the rule of
    delivery.services.can_view_class), the timetable for the person of a class they sit in; else nowhere."""
    scope = reader.admin_scope if reader.has_role(Role.ADMIN) else None

    def link(n) -> str | None:
        if scope is not None and (n.class_unit_path.startswith(scope.path) or scope.path.startswith(n.class_unit_path)):
            return url_for("delivery.class_page", class_id=n.class_id)
        if reader.id == person_id and n.state in SEATED:
            return url_for("delivery.class_timetable", class_id=n.class_id)
        return None

    return link


def _rows(record: queries.Record):
    """The record as (section, item, status, date, due or validity, score, detail) lines, section by section."""
    labels, today = _labels(), local_today()
    yield (_("Người học"), record.user.full_name, record.user.username, "", "", None,
           _("Trình độ LLCT: %(level)s", level=labels["theory"](record.user.theory_level)))
    for t in record.titles:
        yield (_("Chức danh"), t.name, labels["kind"](t.kind), local_date(t.start_date), local_date(t.end_date), None,
               t.code)
    for p in record.programs:
        yield (_("Chương trình"), p.name, labels["learning"](p.state), local_date(p.started_on), local_date(p.due_on),
               None, f"{p.required_done}/{p.required_total}")
    for m in record.modules:
        yield (_("Học phần"), m.title or m.code, labels["learning"](m.state), local_datetime(m.completed_at), "",
               None, f"{m.lessons_done}/{m.lessons_total}")
    for a in record.attempts:
        yield (_("Bài kiểm tra"), f"{a.code} #{a.number}", _("Đạt") if a.passed else _("Chưa đạt"),
               local_datetime(a.submitted_at), "", a.score_percent, "")
    for r in record.reports:
        yield (_("Bài thu hoạch"), f"{r.class_code}: {r.topic}", labels["report"](r.status),
               local_datetime(r.submitted_at), "", r.score, "")
    for n in record.nominations:
        yield (_("Lớp"), f"{n.code}: {n.name}", labels["nomination"](n.state), local_date(n.starts_on),
               local_date(n.ends_on), None, labels["mode"](n.mode))
    for c in record.certificates:
        state = queries.certificate_state(c, today)
        yield (_("Chứng nhận"), c.program_name, labels["certificate"](state), local_datetime(c.issued_at),
               local_date(c.valid_until), None, c.number or c.code)
    for e in record.audit:
        yield (_("Nhật ký"), audit_text.action_label(e.action), e.actor_name or "", local_datetime(e.at), "", None,
               audit_text.detail_text(e.action, e.detail))


@bp.route("/people/<int:user_id>/record.<fmt>")
@signed_in
def export(user_id: int, fmt: str):
    if fmt not in exports.FORMATS:
        abort(404)
    record = _record_or_404(user_id)
    columns = [exports.Column(_("Mục"), "text", 16), exports.Column(_("Nội dung"), "text", 48),
               exports.Column(_("Trạng thái"), "text", 20), exports.Column(_("Ngày"), "text", 18),
               exports.Column(_("Hạn / hiệu lực"), "text", 14), exports.Column(_("Điểm (trên 100)"), "grade", 10),
               exports.Column(_("Ghi chú"), "text", 30)]
    heading = exports.Heading(_("Hồ sơ học tập"), ((_("Họ và tên"), record.user.full_name),
                                                   (_("Đơn vị"), record.unit.name if record.unit else "")))
    body = exports.stream(fmt, columns, list(_rows(record)), _("Hồ sơ"), heading)
    return exports.download(fmt, f"hồ sơ {record.user.username}", body)
