"""Field-trip assignments, attendance and check-in."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from sqlalchemy.orm import selectinload

from lms.access import roles_required, signed_in
from lms.accounts.models import Role, User
from lms.curriculum.models import Module
from lms.delivery import forms, reports, services, trips
from lms.delivery.models import (
    Attendance,
    FieldTrip,
    Submission,
    TrainingClass,
)
from lms.delivery.views import _class_or_404, _flash_problems, _me, _trip_or_404, bp
from lms.delivery.views.checkin_pages import check_in_page, code_page
from lms.extensions import db
from lms.organisation.models import Locality
from lms.throttling import guessing_limit
from lms.transaction import on_refusal

# --- field trips ---------------------------------------------------------------------------------




def _trip_form(klass: TrainingClass, trip: FieldTrip | None) -> forms.TripForm:
    form = forms.TripForm(obj=trip)
    form.module_id.choices = [(m.id, m.published.title if m.published else m.code) for m in trips.trip_modules(klass)]
    localities = db.session.scalars(sa.select(Locality).where(Locality.parent_id.is_(None)).order_by(Locality.name))
    form.locality_id.choices = [(0, _("— Không chọn —"))] + [(loc.id, loc.name) for loc in localities]
    if request.method == "GET":
        for position, criterion in enumerate(trip.criteria if trip else [None], start=1):
            row = form.criteria.append_entry().form
            row.position.data = position
            if criterion is not None:
                row.name.data, row.weight.data = criterion.name, criterion.weight
                row.levels.data = "\n".join(criterion.levels)
    if trip is not None and request.method == "GET":
        form.locality_id.data = trip.locality_id or 0
        form.deadline.data = to_user_timezone(trip.deadline).replace(tzinfo=None)
    return form


@bp.route("/classes/<int:class_id>/trips/new", methods=["GET", "POST"])
@roles_required(Role.LECTURER)
def new_trip(class_id: int):
    klass = _class_or_404(class_id)
    return _edit_trip(klass, None)


@bp.route("/trips/<int:trip_id>/edit", methods=["GET", "POST"])
@roles_required(Role.LECTURER)
def edit_trip(trip_id: int):
    trip = _trip_or_404(trip_id)
    return _edit_trip(trip.training_class, trip)


def _edit_trip(klass: TrainingClass, trip: FieldTrip | None):
    trips.ensure_lecturer_of(_me(), klass)
    form = _trip_form(klass, trip)
    editing = trip

    def page(refused=None):
        if refused is not None:
            _flash_problems(refused)
        return render_template("delivery/trip_form.html", form=form, klass=klass, trip=editing)

    if form.add_criterion.data:
        form.criteria.append_entry().form.position.data = len(form.criteria.entries)
        return page()
    if form.validate_on_submit():
        on_refusal(page)
        trip = trips.save_trip(
            _me(), klass, trip, module=db.session.get(Module, form.module_id.data), topic=form.topic.data,
            site=form.site.data, locality=db.session.get(Locality, form.locality_id.data or 0),
            starts_on=form.starts_on.data, ends_on=form.ends_on.data, instructions_md=form.instructions_md.data,
            deadline=to_utc(form.deadline.data), criteria=trips.criteria_from_rows(form.criterion_rows()),
            pass_mark=form.pass_mark.data,
        )
        flash(_("Đã lưu bài tập đi thực tế."), "success")
        return redirect(url_for("delivery.trip_page", trip_id=trip.id))
    return page()


@bp.route("/trips/<int:trip_id>")
@signed_in
def trip_page(trip_id: int):
    trip = _trip_or_404(trip_id)
    me = _me()
    is_lecturer = services.is_class_lecturer(me, trip.training_class)
    context = dict(trip=trip, is_lecturer=is_lecturer, submission=reports.my_submission(me, trip))
    if is_lecturer:
        people = trips.participants(trip.training_class)
        present = set(db.session.scalars(sa.select(Attendance.trainee_id).where(Attendance.trip_id == trip.id)))
        submissions = _submissions(trip)
        attendance_form = forms.AttendanceForm()
        attendance_form.present.choices = [(u.id, u.full_name) for u in people]
        attendance_form.present.data = sorted(present)
        context.update(people=people, present=present, submissions=submissions, attendance_form=attendance_form,
                       open_form=forms.OpenCheckinForm())
    elif trips.is_participant(me, trip.training_class):
        context.update(participant=True, attended=db.session.scalar(sa.select(Attendance.id).where(
            Attendance.trip_id == trip.id, Attendance.trainee_id == me.id)) is not None)
    else:  # the class's admins and inspectors read the reports and their grades
        context.update(submissions=_submissions(trip))
    return render_template("delivery/trip.html", **context)


def _submissions(trip: FieldTrip) -> list[Submission]:
    return db.session.scalars(sa.select(Submission).where(Submission.trip_id == trip.id)
                              .options(selectinload(Submission.trainee))).all()


@bp.route("/trips/<int:trip_id>/attendance", methods=["POST"])
@roles_required(Role.LECTURER)
def record_attendance(trip_id: int):
    trip = _trip_or_404(trip_id)
    form = forms.AttendanceForm()
    form.present.choices = [(u.id, u.full_name) for u in trips.participants(trip.training_class)]
    if form.validate_on_submit():
        added = trips.record_attendance(_me(), trip, [db.session.get(User, i) for i in form.present.data])
        flash(_("Đã ghi điểm danh (%(n)d người mới).", n=added), "success")
    else:
        flash(_("Danh sách điểm danh không hợp lệ."), "danger")
    return redirect(url_for("delivery.trip_page", trip_id=trip.id))


@bp.route("/trips/<int:trip_id>/check-in-code", methods=["GET", "POST"])
@roles_required(Role.LECTURER)
def checkin_code(trip_id: int):
    trip = _trip_or_404(trip_id)
    trips.ensure_lecturer_of(_me(), trip.training_class)
    return code_page(trip, open_code=lambda: trips.open_checkin(_me(), trip), endpoint="delivery.check_in",
                     args={"trip_id": trip.id}, heading=trip.topic,
                     back=url_for("delivery.trip_page", trip_id=trip.id), back_label=_("Về bài tập"))


@bp.route("/trips/<int:trip_id>/check-in", methods=["GET", "POST"])
@signed_in
@guessing_limit("CODE_RATE_LIMIT")
def check_in(trip_id: int):
    trip = _trip_or_404(trip_id)
    return check_in_page(heading=trip.topic, hint=_("Nhập mã giảng viên đưa ra tại %(site)s.", site=trip.site),
                         check=lambda code: trips.check_in(_me(), trip, code),
                         done=_("Đã điểm danh có mặt tại %(site)s.", site=trip.site),
                         back=url_for("delivery.trip_page", trip_id=trip.id))
