"""Class timetables, attendance per session (the lecturer's list or the trainee's code) and the attendance rule."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.access import roles_required, signed_in
from lms.accounts.models import Role, User
from lms.curriculum.models import Module
from lms.delivery import attendance, forms, services, timetable, trips
from lms.delivery.models import Nomination, TrainingClass
from lms.delivery.standing import standings
from lms.delivery.timetable_models import ClassSession, Presence
from lms.delivery.views import _flash_problems, _me, bp
from lms.delivery.views.checkin_pages import check_in_page, code_page
from lms.extensions import db
from lms.throttling import guessing_limit
from lms.transaction import on_refusal


@bp.app_context_processor
def _session_helpers():
    return {"presence_label": attendance.presence_label, "Presence": Presence}


def _timetable_class_or_404(class_id: int) -> TrainingClass:
    klass = db.get_or_404(TrainingClass, class_id)
    if not timetable.can_view_timetable(_me(), klass):
        abort(404)
    return klass


def _session_or_404(session_id: int) -> ClassSession:
    session = db.get_or_404(ClassSession, session_id)
    if not timetable.can_view_timetable(_me(), session.training_class):
        abort(404)
    return session


def _manages(klass: TrainingClass) -> bool:
    me = _me()
    scope = me.admin_scope if me.has_role(Role.ADMIN) else None
    return scope is not None and scope.contains(klass.unit)


@bp.route("/classes/<int:class_id>/timetable")
@signed_in
def class_timetable(class_id: int):
    klass = _timetable_class_or_404(class_id)
    manages = _manages(klass)
    limit_form = forms.AbsenceLimitForm(percent=klass.absence_limit_percent) if manages else None
    return render_template("delivery/timetable.html", klass=klass, manages=manages, limit_form=limit_form,
                           sessions=db.session.scalars(timetable.sessions_of(klass)).all(),
                           is_lecturer=services.is_class_lecturer(_me(), klass), delete_form=forms.OpenCheckinForm(),
                           class_page=services.can_view_class(_me(), klass))


def _session_form(klass: TrainingClass, session: ClassSession | None) -> forms.SessionForm:
    form = forms.SessionForm(obj=session)
    form.module_id.choices = [(0, _("— Không chọn —"))] + [
        (m.id, m.published.title if m.published else m.code) for m in trips.trip_modules(klass)]
    form.lecturer_id.choices = [(0, _("— Không chọn —"))] + [(u.id, u.full_name) for u in klass.lecturers]
    if session is not None and request.method == "GET":
        form.module_id.data, form.lecturer_id.data = session.module_id or 0, session.lecturer_id or 0
    return form


@bp.route("/admin/classes/<int:class_id>/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_session(class_id: int):
    klass = db.get_or_404(TrainingClass, class_id)
    services.ensure_manages_class(_me(), klass)
    return _edit_session(klass, None)


@bp.route("/admin/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_session(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    services.ensure_manages_class(_me(), session.training_class)
    return _edit_session(session.training_class, session)


def _edit_session(klass: TrainingClass, session: ClassSession | None):
    form = _session_form(klass, session)
    editing = session

    def page(refused=None):
        if refused is not None:
            _flash_problems(refused)
        return render_template("delivery/session_form.html", form=form, klass=klass, session=editing)

    if form.validate_on_submit():
        on_refusal(page)
        timetable.save_session(
            _me(), klass, session, held_on=form.held_on.data, starts_at=form.starts_at.data,
            ends_at=form.ends_at.data, topic=form.topic.data, module=db.session.get(Module, form.module_id.data or 0),
            lecturer=db.session.get(User, form.lecturer_id.data or 0), room=form.room.data)
        flash(_("Đã lưu buổi học."), "success")
        return redirect(url_for("delivery.class_timetable", class_id=klass.id))
    return page()


@bp.route("/admin/sessions/<int:session_id>/delete", methods=["POST"])
@roles_required(Role.ADMIN)
def delete_session(session_id: int):
    session = db.get_or_404(ClassSession, session_id)
    back = url_for("delivery.class_timetable", class_id=session.class_id)
    if forms.OpenCheckinForm().validate_on_submit():
        on_refusal(back)
        timetable.delete_session(_me(), session)
        flash(_("Đã xóa buổi học."), "success")
    return redirect(back)


@bp.route("/admin/classes/<int:class_id>/absence-limit", methods=["POST"])
@roles_required(Role.ADMIN)
def set_absence_limit(class_id: int):
    klass = db.get_or_404(TrainingClass, class_id)
    back = url_for("delivery.class_timetable", class_id=klass.id)
    form = forms.AbsenceLimitForm()
    if form.validate_on_submit():
        on_refusal(back)
        timetable.set_absence_limit(_me(), klass, form.percent.data)
        flash(_("Đã lưu tỷ lệ vắng tối đa."), "success")
    else:
        flash(_("Tỷ lệ vắng tối đa phải từ 0 đến 100 %."), "danger")
    return redirect(back)


# --- attendance ----------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>")
@signed_in
def session_page(session_id: int):
    session = _session_or_404(session_id)
    klass, me = session.training_class, _me()
    context = dict(session=session, klass=klass, is_lecturer=services.is_class_lecturer(me, klass))
    if trips.is_participant(me, klass) and not context["is_lecturer"]:
        context["mine"] = attendance.sheet(session).get(me.id)
        context["participant"] = True
    else:
        context.update(people=trips.participants(klass), marks=attendance.sheet(session), form=forms.RollForm())
    return render_template("delivery/session.html", **context)


@bp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@roles_required(Role.LECTURER)
def record_session_attendance(session_id: int):
    session = _session_or_404(session_id)
    back = url_for("delivery.session_page", session_id=session.id)
    if not forms.RollForm().validate_on_submit():
        flash(_("Danh sách điểm danh không hợp lệ."), "danger")
        return redirect(back)
    marks = []
    for user in trips.participants(session.training_class):
        value = request.form.get(f"presence-{user.id}")
        if value not in {p.value for p in Presence}:
            continue
        marks.append(attendance.Mark(user.id, Presence(value), request.form.get(f"reason-{user.id}", "")[:500]))
    on_refusal(back)
    changed = attendance.record_list(_me(), session, marks)
    flash(_("Đã ghi điểm danh (%(n)d thay đổi).", n=changed), "success")
    return redirect(back)


@bp.route("/sessions/<int:session_id>/check-in-code", methods=["GET", "POST"])
@roles_required(Role.LECTURER)
def session_checkin_code(session_id: int):
    session = _session_or_404(session_id)
    trips.ensure_lecturer_of(_me(), session.training_class)
    return code_page(session, open_code=lambda: attendance.open_checkin(_me(), session),
                     endpoint="delivery.session_check_in", args={"session_id": session.id}, heading=session.title,
                     back=url_for("delivery.session_page", session_id=session.id), back_label=_("Về buổi học"))


@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@signed_in
@guessing_limit("CODE_RATE_LIMIT")
def session_check_in(session_id: int):
    session = _session_or_404(session_id)
    return check_in_page(heading=session.title,
                         hint=_("Nhập mã giảng viên đưa ra tại phòng %(room)s.", room=session.room or "—"),
                         check=lambda code: attendance.check_in(_me(), session, code),
                         done=_("Đã điểm danh có mặt buổi học %(title)s.", title=session.title),
                         back=url_for("delivery.session_page", session_id=session.id))


@bp.route("/classes/<int:class_id>/attendance")
@signed_in
def class_attendance(class_id: int):
    klass = db.get_or_404(TrainingClass, class_id)
    if not services.can_view_class(_me(), klass):
        abort(404)
    people = trips.participants(klass)
    nominations = dict(db.session.execute(sa.select(Nomination.trainee_id, Nomination.id).where(
        Nomination.class_id == klass.id)).all())
    return render_template("delivery/attendance.html", klass=klass, people=people, nominations=nominations,
                           standings=standings(klass, [u.id for u in people]), manages=_manages(klass),
                           exception_form=forms.ExceptionForm())


@bp.route("/admin/nominations/<int:nomination_id>/attendance-exception", methods=["POST"])
@roles_required(Role.ADMIN)
def attendance_exception(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    back = url_for("delivery.class_attendance", class_id=nomination.class_id)
    form = forms.ExceptionForm()
    if form.validate_on_submit():
        on_refusal(back)
        attendance.grant_exception(_me(), nomination, form.reason.data)
        flash(_("Đã ghi ngoại lệ cho %(name)s.", name=nomination.trainee.full_name), "success")
    else:
        flash(_("Hãy ghi lý do cho phép hoàn thành dù vắng quá mức."), "danger")
    return redirect(back)
