"""Classes and nominations for admins; the classes trainees take and lecturers teach."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from lms.access import roles_required, signed_in
from lms.accounts import services as accounts
from lms.accounts.models import Role, User
from lms.curriculum.models import Module, Program
from lms.delivery import forms, queries, services
from lms.delivery.models import (
    FieldTrip,
    Nomination,
    NominationState,
    Submission,
    TrainingClass,
    class_lecturers,
)
from lms.delivery.standing import trainee_standings
from lms.delivery.views import _class_or_404, _flash_problems, _me, bp
from lms.errors import DomainError
from lms.extensions import db
from lms.organisation.models import Unit
from lms.transaction import on_refusal

# --- classes (admins) ----------------------------------------------------------------------------


@bp.route("/admin/classes")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def classes():
    me = _me()
    if me.has_role(Role.ADMIN):
        query = queries.classes_visible_to(accounts.admin_scope(me))
    else:
        query = queries.classes_in(accounts.ensure_read_scope(me))
    rows = db.session.scalars(query.options(
        selectinload(TrainingClass.program), selectinload(TrainingClass.unit),
        selectinload(TrainingClass.module).selectinload(Module.published))).all()
    seats = dict(db.session.execute(queries.seats_by_class([c.id for c in rows])).all()) if rows else {}
    return render_template("delivery/classes.html", classes=rows, seats=seats)


def _class_form(klass: TrainingClass | None = None) -> forms.ClassForm:
    form = forms.ClassForm(obj=klass)
    # The class's own lecturers as boxes to keep or untick; another is added through the picker.
    form.lecturer_ids.choices = [(u.id, u.full_name) for u in (klass.lecturers if klass else [])]
    if not form.lecturer_ids.choices:
        del form.lecturer_ids
    if klass is not None and request.method == "GET":
        form.subject.data = f"p{klass.program_id}" if klass.program_id else f"m{klass.module_id}"
        form.mode.data = klass.mode.value
        if "lecturer_ids" in form:
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


def _chosen_lecturers(form: forms.ClassForm) -> list[User]:
    kept = [db.session.get(User, i) for i in form.lecturer_ids.data] if "lecturer_ids" in form else []
    added = form.add_lecturer.row
    return kept + ([added] if added is not None and added not in kept else [])


def _edit_class(klass: TrainingClass | None):
    form = _class_form(klass)
    editing = klass

    def page(refused=None):
        if refused is not None:
            _flash_problems(refused)
        return render_template("delivery/class_form.html", form=form, klass=editing)

    if form.validate_on_submit():
        subject = form.subject.row
        on_refusal(page)
        klass = services.save_class(
            _me(), klass, code=form.code.data, name=form.name.data,
            program=subject if isinstance(subject, Program) else None,
            module=subject if isinstance(subject, Module) else None,
            mode=form.mode.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            place=form.place.data, capacity=form.capacity.data, unit=form.unit_id.row,
            lecturers=_chosen_lecturers(form),
        )
        flash(_("Đã lưu lớp %(code)s.", code=klass.code), "success")
        return redirect(url_for("delivery.class_page", class_id=klass.id))
    return page()




@bp.route("/classes/<int:class_id>")
@signed_in
def class_page(class_id: int):
    return _class_page(_class_or_404(class_id), forms.NominationForm(formdata=None))


def _class_page(klass: TrainingClass, nominate_form: forms.NominationForm, status: int = 200):
    me = _me()
    scope = me.admin_scope if me.has_role(Role.ADMIN) else None
    manages = scope is not None and scope.contains(klass.unit)
    query = (sa.select(Nomination).where(Nomination.class_id == klass.id)
             .options(selectinload(Nomination.trainee).selectinload(User.unit)).order_by(Nomination.nominated_at))
    if not manages and scope is not None and not services.is_class_lecturer(me, klass):
        query = query.join(User, Nomination.trainee_id == User.id).join(Unit, User.unit_id == Unit.id).where(
            Unit.path.startswith(scope.path))
    nominations = db.session.scalars(query).all()
    # Admins who may nominate: one person by name here, many through the people picker (no list of the scope).
    if scope is None:
        nominate_form = None
    trip_list = db.session.scalars(sa.select(FieldTrip).where(FieldTrip.class_id == klass.id)
                                   .order_by(FieldTrip.starts_on)).all()
    seats = sum(1 for n in nominations if n.state != NominationState.WITHDRAWN) if manages else None
    return render_template("delivery/class.html", klass=klass, nominations=nominations, manages=manages,
                           nominate_form=nominate_form, state_form=forms.StateForm(), keep_form=forms.KeepFlaggedForm(),
                           trips=trip_list, seats=seats, is_lecturer=services.is_class_lecturer(me, klass),
                           NominationState=NominationState), status


@bp.route("/admin/classes/<int:class_id>/nominate", methods=["POST"])
@roles_required(Role.ADMIN)
def nominate(class_id: int):
    klass = _class_or_404(class_id)
    form = forms.NominationForm()
    if not form.validate_on_submit():  # the page again, with what was typed and why it names nobody
        return _class_page(klass, form, 400)
    # A refusal shows the page again too, the person and the reason kept (nothing was written).
    on_refusal(lambda _refused: _class_page(_class_or_404(class_id), form, 400), field=form.trainee_id,
               message=lambda refused: _("Không cử được: %(reason)s", reason=refused.message), catch=(DomainError,))
    nomination = services.nominate(_me(), form.trainee_id.row, klass, over_quota_reason=form.over_quota_reason.data)
    flash(_("Đã cử %(name)s vào lớp %(code)s.", name=nomination.trainee.full_name, code=klass.code), "success")
    return redirect(url_for("delivery.class_page", class_id=class_id, _anchor="nominations"))


@bp.route("/admin/nominations/<int:nomination_id>/state", methods=["POST"])
@roles_required(Role.ADMIN)
def change_state(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    form = forms.StateForm()
    if not form.validate_on_submit():
        abort(400)
    if request.form.get("back") == "flagged":
        back = url_for("delivery.flagged")
    else:
        back = url_for("delivery.class_page", class_id=nomination.class_id, _anchor="nominations")
    on_refusal(back)
    services.change_state(_me(), nomination, NominationState(form.state.data), note=form.note.data or "")
    flash(_("Đã cập nhật: %(name)s — %(state)s.", name=nomination.trainee.full_name,
            state=services.state_label(nomination.state)), "success")
    return redirect(back)


@bp.route("/admin/nominations/<int:nomination_id>/keep", methods=["POST"])
@roles_required(Role.ADMIN)
def keep_flagged(nomination_id: int):
    nomination = db.get_or_404(Nomination, nomination_id)
    form = forms.KeepFlaggedForm()
    if form.validate_on_submit():
        services.keep_flagged(_me(), nomination, form.reason.data)
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
        .options(selectinload(FieldTrip.training_class).selectinload(TrainingClass.program))
    ).all() if taking else []
    mine = {s.trip_id: s for s in db.session.scalars(
        sa.select(Submission).where(Submission.trainee_id == me.id,
                                    Submission.trip_id.in_([t.id for t in trip_rows])))} if trip_rows else {}
    standings = trainee_standings(me.id, [n.training_class for n in nominations if n.class_id in taking])
    return render_template("delivery/my_classes.html", nominations=nominations, trips=trip_rows, mine=mine,
                           standings=standings)


@bp.route("/teaching")
@roles_required(Role.LECTURER)
def teaching():
    rows = db.session.scalars(
        sa.select(TrainingClass).join(class_lecturers, class_lecturers.c.class_id == TrainingClass.id)
        .where(class_lecturers.c.user_id == _me().id).order_by(TrainingClass.starts_on.desc())
        .options(selectinload(TrainingClass.program), selectinload(TrainingClass.module))
    ).all()
    return render_template("delivery/teaching.html", classes=rows)
