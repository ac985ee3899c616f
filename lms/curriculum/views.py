"""Trainee pages (my curriculum, module, lesson) and the lecturers' review queue."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lms import signals
from lms.access import roles_required, signed_in
from lms.accounts.models import Role
from lms.curriculum import impact, lesson_pages, queries, services
from lms.curriculum.forms import ConfirmPassageForm, DismissFlagForm, ResolveFlagForm, kind_labels
from lms.curriculum.models import Module, ReviewFlag, ReviewPassage
from lms.documents.mentions import highlight
from lms.extensions import db
from lms.transaction import finish_writing, on_refusal

bp = Blueprint("curriculum", __name__)


@bp.route("/my/curriculum")
@signed_in
def my_curriculum():
    programs = services.programs_for_user(current_user)
    locality = current_user.unit.locality if current_user.unit else None
    cards = [(program, queries.ordered_items(program, locality)) for program in programs]
    return render_template("curriculum/my_curriculum.html", cards=cards, kinds=kind_labels(), locality=locality)


@bp.route("/modules/<int:module_id>")
@signed_in
def module_page(module_id: int):
    module = db.get_or_404(Module, module_id)
    revision = module.published
    if revision is None:
        abort(404)
    flags = db.session.scalars(services.open_flags([module.id])).all()
    return render_template("curriculum/module.html", module=module, revision=revision, flags=flags,
                           kinds=kind_labels())


@bp.route("/lessons/<int:lesson_id>")
@signed_in
def lesson_page(lesson_id: int):
    # One statement for what can change; the published lesson itself is read once per worker.
    state = lesson_pages.lesson_state(lesson_id)
    if state is None:
        abort(404)
    if state.published_revision_id != state.revision_id:
        # An older revision's lesson leads to the same lesson in the current one; drafts stay hidden.
        module = db.session.get(Module, state.module_id)
        current = queries.published_lesson(module, state.key) if state.number is not None else None
        if current is None:
            abort(404)
        return redirect(url_for("curriculum.lesson_page", lesson_id=current.id))
    lesson = lesson_pages.published_lesson(lesson_id, state)
    if current_user.has_role(Role.TRAINEE) and request.headers.get("X-LMS-Offline") != "download":
        # Saving the page to read offline is not reading it: offline.js reports the offline visits itself.
        signals.lesson_viewed.send(user=current_user._get_current_object(), lesson=lesson)
        finish_writing()  # what the view recorded, if anything; the rest of the page only reads
    flags = db.session.scalars(services.open_flags([state.module_id])).all() if state.open_flags else []
    return render_template(
        "curriculum/lesson.html", lesson=lesson, revision=lesson.revision,
        lesson_fragment=lesson_pages.fragments(lesson, flags, state.documents),
    )


@bp.route("/reviews")
@roles_required(Role.LECTURER, Role.ADMIN)
def reviews():
    return _reviews_page({})


def _reviews_page(forms: dict, status: int = 200):
    flags = db.session.scalars(services.open_flags().options(selectinload(ReviewFlag.passages))).all()
    titles = queries.module_titles([f.module_id for f in flags])
    programs = db.session.scalars(impact.program_passages()).all()
    for flag in flags:
        forms.setdefault(flag.id, DismissFlagForm(prefix=f"flag{flag.id}"))
    for passage in [p for f in flags for p in f.passages] + programs:
        forms.setdefault(("passage", passage.id), ConfirmPassageForm(prefix=f"passage{passage.id}"))
    closed = db.session.scalars(queries.recent_closed_flags()).all()
    return render_template("curriculum/reviews.html", flags=flags, forms=forms, titles=titles,
                           programs=programs, resolve=ResolveFlagForm(), closed=closed,
                           citing=impact.still_citing(),
                           highlight=highlight), status


@bp.route("/reviews/<int:flag_id>/dismiss", methods=["POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def dismiss(flag_id: int):
    flag = db.get_or_404(ReviewFlag, flag_id)
    form = DismissFlagForm(prefix=f"flag{flag.id}")
    if not form.validate_on_submit():
        return _reviews_page({flag.id: form}, 400)
    on_refusal(url_for("curriculum.reviews"))
    services.dismiss_flag(current_user, flag, form.reason.data)
    flash(_("Đã bỏ qua yêu cầu rà soát học phần %(code)s.", code=flag.module.code), "success")
    return redirect(url_for("curriculum.reviews"))


@bp.route("/reviews/<int:flag_id>/resolve", methods=["POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def resolve(flag_id: int):
    flag = db.get_or_404(ReviewFlag, flag_id)
    if not ResolveFlagForm().validate_on_submit():
        abort(400)
    on_refusal(url_for("curriculum.reviews", _anchor=f"flag-{flag.id}"))
    impact.resolve_flag(current_user, flag)
    flash(_("Đã đóng yêu cầu rà soát học phần %(code)s.", code=flag.module.code), "success")
    return redirect(url_for("curriculum.reviews"))


@bp.route("/reviews/passages/<int:passage_id>/confirm", methods=["POST"])
@roles_required(Role.LECTURER, Role.ADMIN)
def confirm_passage(passage_id: int):
    passage = db.get_or_404(ReviewPassage, passage_id)
    form = ConfirmPassageForm(prefix=f"passage{passage.id}")
    if not form.validate_on_submit():
        return _reviews_page({("passage", passage.id): form}, 400)
    on_refusal(url_for("curriculum.reviews"))
    impact.confirm_passage(current_user, passage, form.note.data)
    flash(_("Đã xác nhận đoạn văn vẫn đúng: %(label)s.", label=passage.label), "success")
    return redirect(url_for("curriculum.reviews", _anchor=f"passage-{passage.id}"))
