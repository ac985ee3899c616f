"""Delivery pages: classes and nominations (admins), plans, field trips (lecturers), reports (trainees)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from lms.access import roles_required, signed_in
from lms.accounts import services as accounts
from lms.accounts.models import Role, RoleGrant, User
from lms.curriculum.models import Module, Program
from lms.db import utcnow
from lms.delivery import files, forms, queries, services, trips
from lms.delivery.models import (
    Attendance,
    ExemplaryReport,
    FieldTrip,
    Nomination,
    NominationState,
    PlanQuota,
    Submission,
    SubmissionStatus,
    TrainingClass,
    TrainingPlan,
    class_lecturers,
)
from lms.errors import DomainError, InvalidInput, NotAllowed, NotFound
from lms.extensions import db
from lms.organisation.models import Locality, Unit

bp = Blueprint("delivery", __name__)
services.connect_signals()

MAX_TRAINEE_CHOICES = 1000


def _me() -> User:
    return current_user._get_current_object()


def _flash_refusal(error: DomainError) -> None:
    flash(error.message, "danger")
    for problem in getattr(error, "problems", []):
        flash(problem, "danger")


@bp.app_context_processor
def _delivery_helpers():
    return {"mode_label": lambda m: str(forms.MODE_LABELS[m]), "state_label": services.state_label}


# --- classes (admins) ----------------------------------------------------------------------------


@bp.route("/admin/classes")
@roles_required(Role.ADMIN)
def classes():
    scope = accounts.admin_scope(_me())
    rows = db.session.scalars(queries.classes_visible_to(scope).options(
        selectinload(TrainingClass.program), selectinload(TrainingClass.unit),
        selectinload(TrainingClass.module).selectinload(Module.published))).all()
    seats = dict(db.session.execute(queries.seats_by_class([c.id for c in rows])).all()) if rows else {}
    return render_template("delivery/classes.html", classes=rows, seats=seats)


def _class_form(klass: TrainingClass | None = None) -> forms.ClassForm:
    form = forms.ClassForm(obj=klass)
    programs = db.session.scalars(sa.select(Program).where(Program.active).order_by(Program.name)).all()
    modules = db.session.scalars(sa.select(Module).options(selectinload(Module.published)).order_by(Module.code)).all()
    form.subject.choices = [("", _("— Chọn —"))] + [(f"p{p.id}", _("Chương trình: %(name)s", name=p.name))
                                                     for p in programs] + [
        (f"m{m.id}", _("Học phần: %(name)s", name=m.published.title if m.published else m.code)) for m in modules]
    form.unit_id.choices = [(u.id, u.name) for u in db.session.scalars(accounts.units_in_scope(_me()))]
    lecturers = db.session.scalars(
        sa.select(User).join(RoleGrant).where(RoleGrant.role == Role.LECTURER, User.active).order_by(User.full_name)
    ).all()
    form.lecturer_ids.choices = [(u.id, u.full_name) for u in lecturers]
    if klass is not None and request.method == "GET":
        form.subject.data = f"p{klass.program_id}" if klass.program_id else f"m{klass.module_id}"
        form.mode.data = klass.mode.value
        form.lecturer_ids.data = [u.id for u in klass.lecturers]
    return form


@bp.route("/admin/classes/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_class():
    return _edit_class(None)


@bp.route("/admin/classes/<int:class_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_class(class_id: int):
    klass = db.get_or_404(TrainingClass, class_id)
    services.ensure_manages_class(_me(), klass)
    return _edit_class(klass)


def _edit_class(klass: TrainingClass | None):
    form = _class_form(klass)
    if form.validate_on_submit():
        kind, ident = form.subject.data[:1], int(form.subject.data[1:])
        try:
            klass = services.save_class(
                _me(), klass, code=form.code.data, name=form.name.data,
                program=db.session.get(Program, ident) if kind == "p" else None,
                module=db.session.get(Module, ident) if kind == "m" else None,
                mode=form.mode.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                place=form.place.data, capacity=form.capacity.data, unit=db.session.get(Unit, form.unit_id.data),
                lecturers=[db.session.get(User, i) for i in form.lecturer_ids.data],
            )
        except (InvalidInput, DomainError) as refused:
            db.session.rollback()
            _flash_refusal(refused)
        else:
            db.session.commit()
            flash(_("Đã lưu lớp %(code)s.", code=klass.code), "success")
            return redirect(url_for("delivery.class_page", class_id=klass.id))
    return render_template("delivery/class_form.html", form=form, klass=klass)


def _class_or_404(class_id: int) -> TrainingClass:
    klass = db.get_or_404(TrainingClass, class_id)
    if not services.can_view_class(_me(), klass):
        abort(404)
    return klass


@bp.route("/classes/<int:class_id>")
@signed_in
def class_page(class_id: int):
    klass = _class_or_404(class_id)
    me = _me()
    scope = me.admin_scope if me.has_role(Role.ADMIN) else None
    manages = scope is not None and scope.contains(klass.unit)
    query = (sa.select(Nomination).where(Nomination.class_id == klass.id)
             .options(selectinload(Nomination.trainee).selectinload(User.unit)).order_by(Nomination.nominated_at))
    if not manages and scope is not None and not services.is_class_lecturer(me, klass):
        query = query.join(User, Nomination.trainee_id == User.id).join(Unit, User.unit_id == Unit.id).where(
            Unit.path.startswith(scope.path))
    nominations = db.session.scalars(query).all()
    nominate_form = None
    if scope is not None:
        nominate_form = forms.NominationForm()
        trainees = db.session.scalars(
            accounts.users_in_scope(me).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.TRAINEE, User.active).limit(MAX_TRAINEE_CHOICES)
        ).all()
        nominate_form.trainee_id.choices = [(0, _("— Chọn học viên —"))] + [
            (u.id, f"{u.full_name} ({u.username})") for u in trainees]
    trip_list = db.session.scalars(sa.select(FieldTrip).where(FieldTrip.class_id == klass.id)
                                   .order_by(FieldTrip.starts_on)).all()
    seats = sum(1 for n in nominations if n.state != NominationState.WITHDRAWN) if manages else None
    return render_template("delivery/class.html", klass=klass, nominations=nominations, manages=manages,
                           nominate_form=nominate_form, state_form=forms.StateForm(), keep_form=forms.KeepFlaggedForm(),
                           trips=trip_list, seats=seats, is_lecturer=services.is_class_lecturer(me, klass),
                           NominationState=NominationState)


@bp.route("/admin/classes/<int:class_id>/nominate", methods=["POST"])
@roles_required(Role.ADMIN)
def nominate(class_id: int):
    klass = _class_or_404(class_id)
    form = forms.NominationForm()
    form.trainee_id.choices = None  # any id; the service checks scope
    form.trainee_id.validate_choice = False
    if form.validate_on_submit():
        trainee = db.session.get(User, form.trainee_id.data)
        try:
            if trainee is None:
                raise InvalidInput(_("Hãy chọn học viên."))
            nomination = services.nominate(_me(), trainee, klass, over_quota_reason=form.over_quota_reason.data)
        except DomainError as refused:
            db.session.rollback()
            flash(_("Không cử được: %(reason)s", reason=refused.message), "danger")
        else:
            db.session.commit()
            flash(_("Đã cử %(name)s vào lớp %(code)s.", name=nomination.trainee.full_name, code=klass.code), "success")
    else:
        flash(_("Hãy chọn học viên."), "danger")
    return redirect(url_for("delivery.class_page", class_id=class_id, _anchor="nominations"))


@bp.route("/admin/nominations/<int:nomination_id>/state", methods=["POST"])
@roles_required(Role.ADMIN)
def change_state(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    form = forms.StateForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_state(_me(), nomination, NominationState(form.state.data))
    except DomainError as refused:
        db.session.rollback()
        if isinstance(refused, NotAllowed):
            raise
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash(_("Đã cập nhật: %(name)s — %(state)s.", name=nomination.trainee.full_name,
                state=services.state_label(nomination.state)), "success")
    if request.form.get("back") == "flagged":
        return redirect(url_for("delivery.flagged"))
    return redirect(url_for("delivery.class_page", class_id=nomination.class_id, _anchor="nominations"))


@bp.route("/admin/nominations/<int:nomination_id>/keep", methods=["POST"])
@roles_required(Role.ADMIN)
def keep_flagged(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    form = forms.KeepFlaggedForm()
    if form.validate_on_submit():
        services.keep_flagged(_me(), nomination, form.reason.data)
        db.session.commit()
        flash(_("Đã giữ lại đề cử và ghi lý do."), "success")
    else:
        flash(_("Hãy ghi lý do giữ lại đề cử."), "danger")
    return redirect(url_for("delivery.class_page", class_id=nomination.class_id, _anchor="nominations"))


@bp.route("/admin/nominations/flagged")
@roles_required(Role.ADMIN)
def flagged():
    scope = accounts.admin_scope(_me())
    class_unit = sa.orm.aliased(Unit)
    rows = db.session.scalars(
        sa.select(Nomination).join(User, Nomination.trainee_id == User.id).join(Unit, User.unit_id == Unit.id)
        .join(TrainingClass, Nomination.class_id == TrainingClass.id)
        .join(class_unit, TrainingClass.unit_id == class_unit.id)
        .where(Nomination.flagged_at.is_not(None),
               sa.or_(Unit.path.startswith(scope.path), class_unit.path.startswith(scope.path)))
        .options(selectinload(Nomination.trainee), selectinload(Nomination.training_class))
        .order_by(Nomination.flagged_at.desc())
    ).all()
    return render_template("delivery/flagged.html", nominations=rows, state_form=forms.StateForm())


# --- annual plans --------------------------------------------------------------------------------


@bp.route("/admin/plans")
@roles_required(Role.ADMIN)
def plans():
    scope = accounts.admin_scope(_me())
    year = request.args.get("year", type=int) or date.today().year
    rows = db.session.execute(queries.plan_vs_actual(year, scope)).all()
    return render_template("delivery/plans.html", rows=rows, year=year)


@bp.route("/admin/plans/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_plan():
    form = forms.PlanForm()
    form.unit_id.choices = [(u.id, u.name) for u in db.session.scalars(accounts.units_in_scope(_me()))]
    programs = db.session.scalars(sa.select(Program).where(Program.active).order_by(Program.name)).all()
    if request.method == "GET":
        form.year.data = request.args.get("year", type=int) or date.today().year
        form.unit_id.data = request.args.get("unit_id", type=int) or (form.unit_id.choices[0][0]
                                                                       if form.unit_id.choices else None)
    values, problems = {}, []
    if form.validate_on_submit():
        quotas = {}
        for program in programs:
            raw = (request.form.get(f"quota-{program.id}") or "").strip()
            values[program.id] = raw
            if raw == "":
                continue
            if not raw.isdigit():
                problems.append(_("Chỉ tiêu cho %(name)s phải là số không âm.", name=program.name))
                continue
            quotas[program] = int(raw)
        if not problems:
            try:
                services.save_plan(_me(), db.session.get(Unit, form.unit_id.data), form.year.data, quotas,
                                   note=form.note.data)
            except DomainError as refused:
                db.session.rollback()
                _flash_refusal(refused)
            else:
                db.session.commit()
                flash(_("Đã lưu kế hoạch năm %(year)d.", year=form.year.data), "success")
                return redirect(url_for("delivery.plans", year=form.year.data))
    elif form.unit_id.data and form.year.data:
        existing = db.session.execute(
            sa.select(PlanQuota.program_id, PlanQuota.quota).join(TrainingPlan)
            .where(TrainingPlan.unit_id == form.unit_id.data, TrainingPlan.year == form.year.data)
        ).all()
        values = {pid: str(q) for pid, q in existing}
    for problem in problems:
        flash(problem, "danger")
    return render_template("delivery/plan_form.html", form=form, programs=programs, values=values)


# --- trainee's own classes -----------------------------------------------------------------------


@bp.route("/my/classes")
@signed_in
def my_classes():
    me = _me()
    nominations = db.session.scalars(
        sa.select(Nomination).where(Nomination.trainee_id == me.id)
        .options(selectinload(Nomination.training_class).selectinload(TrainingClass.program),
                 selectinload(Nomination.training_class).selectinload(TrainingClass.module))
        .order_by(Nomination.nominated_at.desc())
    ).all()
    taking = [n.class_id for n in nominations
              if n.state in (NominationState.APPROVED, NominationState.ENROLLED, NominationState.COMPLETED)]
    trip_rows = db.session.scalars(
        sa.select(FieldTrip).where(FieldTrip.class_id.in_(taking)).order_by(FieldTrip.deadline)
    ).all() if taking else []
    mine = {s.trip_id: s for s in db.session.scalars(
        sa.select(Submission).where(Submission.trainee_id == me.id,
                                    Submission.trip_id.in_([t.id for t in trip_rows])))} if trip_rows else {}
    return render_template("delivery/my_classes.html", nominations=nominations, trips=trip_rows, mine=mine)


@bp.route("/teaching")
@roles_required(Role.LECTURER)
def teaching():
    rows = db.session.scalars(
        sa.select(TrainingClass).join(class_lecturers, class_lecturers.c.class_id == TrainingClass.id)
        .where(class_lecturers.c.user_id == _me().id).order_by(TrainingClass.starts_on.desc())
        .options(selectinload(TrainingClass.program), selectinload(TrainingClass.module))
    ).all()
    return render_template("delivery/teaching.html", classes=rows)


# --- field trips ---------------------------------------------------------------------------------


def _trip_or_404(trip_id: int) -> FieldTrip:
    trip = db.get_or_404(FieldTrip, trip_id)
    if not trips.can_view_trip(_me(), trip):
        abort(404)
    return trip


def _trip_form(klass: TrainingClass, trip: FieldTrip | None) -> forms.TripForm:
    form = forms.TripForm(obj=trip)
    form.module_id.choices = [(m.id, m.published.title if m.published else m.code) for m in trips.trip_modules(klass)]
    localities = db.session.scalars(sa.select(Locality).where(Locality.parent_id.is_(None)).order_by(Locality.name))
    form.locality_id.choices = [(0, _("— Không chọn —"))] + [(loc.id, loc.name) for loc in localities]
    if trip is not None and request.method == "GET":
        form.rubric.data = trips.rubric_text(trip)
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
    if form.validate_on_submit():
        try:
            trip = trips.save_trip(
                _me(), klass, trip, module=db.session.get(Module, form.module_id.data), topic=form.topic.data,
                site=form.site.data, locality=db.session.get(Locality, form.locality_id.data or 0),
                starts_on=form.starts_on.data, ends_on=form.ends_on.data, instructions_md=form.instructions_md.data,
                deadline=to_utc(form.deadline.data), criteria=trips.parse_rubric(form.rubric.data),
                pass_mark=form.pass_mark.data,
            )
        except DomainError as refused:
            db.session.rollback()
            form.rubric.errors = [*getattr(refused, "problems", [])] if getattr(refused, "problems", None) else []
            _flash_refusal(refused)
        else:
            db.session.commit()
            flash(_("Đã lưu bài tập đi thực tế."), "success")
            return redirect(url_for("delivery.trip_page", trip_id=trip.id))
    return render_template("delivery/trip_form.html", form=form, klass=klass, trip=trip)


@bp.route("/trips/<int:trip_id>")
@signed_in
def trip_page(trip_id: int):
    trip = _trip_or_404(trip_id)
    me = _me()
    is_lecturer = services.is_class_lecturer(me, trip.training_class)
    context = dict(trip=trip, is_lecturer=is_lecturer, submission=trips.my_submission(me, trip))
    if is_lecturer:
        people = trips.participants(trip.training_class)
        present = set(db.session.scalars(sa.select(Attendance.trainee_id).where(Attendance.trip_id == trip.id)))
        submissions = db.session.scalars(sa.select(Submission).where(Submission.trip_id == trip.id)
                                         .options(selectinload(Submission.trainee))).all()
        attendance_form = forms.AttendanceForm()
        attendance_form.present.choices = [(u.id, u.full_name) for u in people]
        attendance_form.present.data = sorted(present)
        context.update(people=people, present=present, submissions=submissions, attendance_form=attendance_form,
                       open_form=forms.OpenCheckinForm())
    else:
        context.update(attended=db.session.scalar(sa.select(Attendance.id).where(
            Attendance.trip_id == trip.id, Attendance.trainee_id == me.id)) is not None)
    return render_template("delivery/trip.html", **context)


@bp.route("/trips/<int:trip_id>/attendance", methods=["POST"])
@roles_required(Role.LECTURER)
def record_attendance(trip_id: int):
    trip = _trip_or_404(trip_id)
    form = forms.AttendanceForm()
    form.present.choices = [(u.id, u.full_name) for u in trips.participants(trip.training_class)]
    if form.validate_on_submit():
        added = trips.record_attendance(_me(), trip, [db.session.get(User, i) for i in form.present.data])
        db.session.commit()
        flash(_("Đã ghi điểm danh (%(n)d người mới).", n=added), "success")
    else:
        flash(_("Danh sách điểm danh không hợp lệ."), "danger")
    return redirect(url_for("delivery.trip_page", trip_id=trip.id))


@bp.route("/trips/<int:trip_id>/check-in-code", methods=["GET", "POST"])
@roles_required(Role.LECTURER)
def checkin_code(trip_id: int):
    trip = _trip_or_404(trip_id)
    trips.ensure_lecturer_of(_me(), trip.training_class)
    form = forms.OpenCheckinForm()
    if form.validate_on_submit():
        trips.open_checkin(_me(), trip)
        db.session.commit()
        return redirect(url_for("delivery.checkin_code", trip_id=trip.id))
    live = trip.checkin_code and trip.checkin_expires_at and trip.checkin_expires_at > utcnow()
    link = url_for("delivery.check_in", trip_id=trip.id, code=trip.checkin_code, _external=True) if live else None
    return render_template("delivery/checkin_code.html", trip=trip, live=live, link=link, form=form,
                           qr=Markup(trips.qr_svg(link)) if live else None)


@bp.route("/trips/<int:trip_id>/check-in", methods=["GET", "POST"])
@signed_in
def check_in(trip_id: int):
    trip = _trip_or_404(trip_id)
    form = forms.CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:12]
    if form.validate_on_submit():
        try:
            trips.check_in(_me(), trip, form.code.data)
        except InvalidInput as refused:
            db.session.rollback()
            form.code.errors.append(refused.message)
        else:
            db.session.commit()
            flash(_("Đã điểm danh có mặt tại %(site)s.", site=trip.site), "success")
            return redirect(url_for("delivery.trip_page", trip_id=trip.id))
    return render_template("delivery/check_in.html", trip=trip, form=form)


# --- reports -------------------------------------------------------------------------------------


@bp.route("/trips/<int:trip_id>/report", methods=["GET", "POST"])
@signed_in
def edit_report(trip_id: int):
    trip = _trip_or_404(trip_id)
    me = _me()
    if not trips.is_participant(me, trip.training_class):
        abort(404)
    submission = trips.my_submission(me, trip)
    form = forms.SubmissionForm(obj=submission)
    form.remove_file_ids.choices = [(f.id, f.original_name) for f in (submission.files if submission else [])]
    if request.method == "GET" and submission is not None:
        form.consent.data = submission.exemplary_consent_at is not None
    if form.validate_on_submit():
        uploads = [trips.Upload(f.filename, f.read()) for f in (form.attachments.data or []) if f and f.filename]
        try:
            submission = trips.save_submission(me, trip, body_md=form.body_md.data, uploads=uploads,
                                               remove_file_ids=form.remove_file_ids.data,
                                               submit=bool(form.submit_report.data), consent=form.consent.data)
        except DomainError as refused:
            db.session.rollback()
            form.attachments.errors = list(getattr(refused, "problems", []))
            flash(refused.message, "danger")
            return render_template("delivery/report_form.html", form=form, trip=trip,
                                   submission=trips.my_submission(me, trip)), 400
        db.session.commit()
        if submission.status == SubmissionStatus.SUBMITTED:
            flash(_("Đã nộp bài thu hoạch.") + (" " + _("Bài nộp sau hạn.") if submission.late else ""), "success")
            return redirect(url_for("delivery.submission_page", submission_id=submission.id))
        flash(_("Đã lưu nháp."), "success")
        return redirect(url_for("delivery.edit_report", trip_id=trip.id))
    return render_template("delivery/report_form.html", form=form, trip=trip, submission=submission)


@bp.route("/submissions/<int:submission_id>")
@signed_in
def submission_page(submission_id: int):
    submission = trips.submission_for_reader(_me(), submission_id)
    is_lecturer = services.is_class_lecturer(_me(), submission.trip.training_class)
    grade_form = forms.GradeForm(obj=submission) if is_lecturer else None
    publish_form = forms.PublishForm(title=submission.trip.topic) if is_lecturer else None
    published = db.session.scalar(sa.select(ExemplaryReport).where(ExemplaryReport.submission_id == submission.id))
    return render_template("delivery/submission.html", submission=submission, trip=submission.trip,
                           is_lecturer=is_lecturer, grade_form=grade_form, publish_form=publish_form,
                           published=published, consent_form=forms.ConsentForm(), SubmissionStatus=SubmissionStatus)


@bp.route("/submissions/<int:submission_id>/files/<int:file_id>")
@signed_in
def download(submission_id: int, file_id: int):
    attachment = trips.file_for_reader(_me(), submission_id, file_id)
    response = send_file(files.path_of(attachment.stored_name), mimetype=attachment.content_type,
                         as_attachment=True, download_name=attachment.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/submissions/<int:submission_id>/grade", methods=["POST"])
@roles_required(Role.LECTURER)
def grade(submission_id: int):
    submission = trips.submission_for_reader(_me(), submission_id)
    form = forms.GradeForm()
    if not form.validate_on_submit():
        abort(400)
    points, bad = {}, []
    for criterion in submission.trip.criteria:
        raw = request.form.get(f"criterion-{criterion.id}", "")
        if raw.isdigit():
            points[criterion.id] = int(raw)
        elif raw:
            bad.append(criterion.name)
    try:
        if bad:
            raise InvalidInput(_("Mức chấm không hợp lệ cho tiêu chí %(name)s.", name=", ".join(bad)))
        trips.grade(_me(), submission, points=points, feedback_md=form.feedback_md.data,
                    return_for_revision=bool(form.return_for_revision.data))
    except DomainError as refused:
        db.session.rollback()
        if isinstance(refused, NotAllowed | NotFound):
            raise
        flash(refused.message, "danger")
    else:
        db.session.commit()
        flash(_("Đã trả bài để học viên sửa.") if submission.status == SubmissionStatus.RETURNED
              else _("Đã chấm: %(score)s điểm.", score=submission.score), "success")
    return redirect(url_for("delivery.submission_page", submission_id=submission_id))


@bp.route("/submissions/<int:submission_id>/consent", methods=["POST"])
@signed_in
def consent(submission_id: int):
    submission = trips.submission_for_reader(_me(), submission_id)
    form = forms.ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    trips.set_consent(_me(), submission, form.consent.data == "1")
    db.session.commit()
    flash(_("Đã ghi nhận lựa chọn của bạn."), "success")
    return redirect(url_for("delivery.submission_page", submission_id=submission_id))


@bp.route("/submissions/<int:submission_id>/publish", methods=["POST"])
@roles_required(Role.LECTURER)
def publish(submission_id: int):
    submission = trips.submission_for_reader(_me(), submission_id)
    form = forms.PublishForm()
    if form.validate_on_submit():
        try:
            report = trips.publish_exemplary(_me(), submission, form.title.data)
        except DomainError as refused:
            db.session.rollback()
            if isinstance(refused, NotAllowed):
                raise
            flash(refused.message, "danger")
        else:
            db.session.commit()
            flash(_("Đã công bố vào thư viện báo cáo điển hình."), "success")
            return redirect(url_for("delivery.exemplary_page", report_id=report.id))
    else:
        flash(_("Hãy nhập tiêu đề."), "danger")
    return redirect(url_for("delivery.submission_page", submission_id=submission_id))


# --- exemplary reports ---------------------------------------------------------------------------


@bp.route("/modules/<int:module_id>/exemplary-reports")
@signed_in
def library(module_id: int):
    module = db.get_or_404(Module, module_id)
    reports = trips.library(_me(), module)
    return render_template("delivery/library.html", module=module, reports=reports)


@bp.route("/exemplary-reports/<int:report_id>")
@signed_in
def exemplary_page(report_id: int):
    report = trips.exemplary_for_reader(_me(), report_id)
    return render_template("delivery/exemplary.html", report=report)
